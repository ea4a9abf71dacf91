"""Runs and batches end to end in the real bwrap sandbox: records, failure classes, walltime,
parallel runs, Dask, kill and resume, secrecy (adversarial replay agent) and the oracle."""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest
import yaml

from colliderbench.corpus import all_tasks, load_task, reference_path
from colliderbench.harness.batch import BatchSpec, run_batch
from colliderbench.harness.runner import sha256_file, trace_hashes
from colliderbench.paths import PACKAGE_DIR, hidden_dir

pytestmark = [
    pytest.mark.sandbox,
    pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap (bwrap) is not installed"),
]

TASK = "sus-16-046_sim-TChiWg"
TASK2 = "sus-16-047_sim-T6gg_highHT"
FILL = "sed -i 's/value: null/value: 12.5/' results/*.yaml\n"
COLLIDERBENCH = str(Path(sys.executable).parent / "colliderbench")


def replay(
    tmp_path: Path,
    script: str,
    tasks: list[str] | None = None,
    **kw: Any,
) -> tuple[list[dict[str, Any]], Path]:
    runs = tmp_path / "runs"
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / f"script{time.monotonic_ns()}.sh"
    path.write_text(script)
    spec = BatchSpec(
        agent="replay",
        model=None,
        tasks=tasks or [TASK],
        sandbox="bwrap",
        runs_dir=runs,
        script=path,
        walltime_s=kw.pop("walltime_s", 120.0),
        **kw,
    )
    result = run_batch(spec, show=False)
    return result.records, runs


def rows(runs: Path) -> list[dict[str, Any]]:
    con = sqlite3.connect(runs / "runs.sqlite")
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute('SELECT * FROM runs ORDER BY task, "repeat"')]
    finally:
        con.close()


RUN_JSON_FIELDS = (
    "agent model task repeat sandbox start end wall_s exit_code status failure_class tokens_in "
    "tokens_out tokens_cache cost_usd cost_source trace_sha256"
).split()


def test_replay_run_is_recorded(tmp_path: Path) -> None:
    (rec,), runs = replay(tmp_path, "echo working\ncat TASK.md > /dev/null\n" + FILL)
    run_dir = runs / "replay_none" / TASK / "r0"
    assert rec == json.loads((run_dir / "run.json").read_text())
    assert all(f in rec for f in RUN_JSON_FIELDS)
    assert rec["status"] == "finished" and rec["failure_class"] is None and rec["exit_code"] == 0
    assert rec["sandbox"] == "bwrap" and rec["wall_s"] > 0
    score = json.loads((run_dir / "score.json").read_text())
    assert score["valid"] and score["n_filled"] == score["n_bins"] == 4
    # the trace: verbatim stdout, stderr, normalised events; hashes of exactly these files
    assert (run_dir / "trace" / "stdout.txt").read_text() == "working\n"
    files, digest = trace_hashes(run_dir / "trace")
    assert set(files) == {"stdout.txt", "stderr.txt", "events.jsonl"}
    assert rec["trace_files"] == files and rec["trace_sha256"] == digest
    assert files["stdout.txt"] == sha256_file(run_dir / "trace" / "stdout.txt")
    events = [json.loads(line) for line in (run_dir / "trace" / "events.jsonl").open()]
    commands = [e["command"] for e in events if e["kind"] == "command"]
    assert commands[:2] == ["echo working", "cat TASK.md"]
    assert all(e["t"].endswith("Z") for e in events if e["kind"] == "command")
    # the workspace as the builder made it, with what the agent left
    ws = run_dir / "workspace"
    assert (ws / "TASK.md").is_file() and (ws / "bin").is_dir()
    assert not list(ws.rglob("task.toml"))
    (row,) = rows(runs)
    assert row["status"] == "finished" and row["valid"] == 1
    assert row["relative_l2"] == pytest.approx(score["relative_l2"])
    assert row["run_dir"] == str(run_dir.resolve())


@pytest.mark.parametrize(
    ("script", "failure", "exit_code"),
    [("true\n", "no_submission", 0), (FILL + "exit 3\n", "agent_error", 3)],
)
def test_failure_classes(tmp_path: Path, script: str, failure: str, exit_code: int) -> None:
    (rec,), runs = replay(tmp_path, script)
    assert rec["status"] == "failed" and rec["failure_class"] == failure
    assert rec["exit_code"] == exit_code
    assert (runs / "replay_none" / TASK / "r0" / "score.json").is_file()


def test_walltime_kill(tmp_path: Path) -> None:
    """At the walltime the agent gets SIGTERM (it may end cleanly), then SIGKILL."""
    marker = "1000.4711"
    script = (
        FILL + "trap 'echo term > got_sigterm.txt; exit 0' TERM\n" + f"sleep {marker} &\nwait\n"
    )
    (rec,), runs = replay(tmp_path, script, walltime_s=3.0, grace_s=5.0)
    run_dir = runs / "replay_none" / TASK / "r0"
    assert rec["status"] == "failed" and rec["failure_class"] == "timeout"
    assert 3.0 <= rec["wall_s"] < 3.0 + 5.0 + 10.0
    assert (run_dir / "workspace" / "got_sigterm.txt").read_text() == "term\n"
    # what the agent wrote before the kill is scored
    assert rec["score"]["valid"] is True
    assert json.loads((run_dir / "run.json").read_text())["end"]
    left = [
        p for p in psutil.process_iter(["cmdline"]) if marker in " ".join(p.info["cmdline"] or [])
    ]
    assert not left, "the agent survived its walltime"
    # an agent that ignores SIGTERM is killed after the grace period
    script = FILL + "trap '' TERM\n" + f"sleep {marker}\n"
    (rec,), runs = replay(tmp_path / "stubborn", script, walltime_s=2.0, grace_s=2.0)
    assert rec["failure_class"] == "timeout" and rec["wall_s"] < 2.0 + 2.0 + 10.0
    left = [
        p for p in psutil.process_iter(["cmdline"]) if marker in " ".join(p.info["cmdline"] or [])
    ]
    assert not left


def test_four_parallel_runs_do_not_interfere(tmp_path: Path) -> None:
    script = (
        "echo $$ > mine.txt\n"
        "echo x >> /tmp/shared\n"
        "touch $HOME/mark-$$\n"
        "sleep 2\n"
        "wc -l < /tmp/shared > tmp_lines.txt\n"
        "ls $HOME | grep -c mark- > home_marks.txt\n"
        "ls > ws_listing.txt\n" + FILL
    )
    recs, runs = replay(tmp_path, script, repeats=4, parallel=4)
    assert [r["status"] for r in recs] == ["finished"] * 4
    wss = [runs / "replay_none" / TASK / f"r{k}" / "workspace" for k in range(4)]
    assert len({(ws / "mine.txt").read_text() for ws in wss}) >= 1
    for ws in wss:
        assert (ws / "tmp_lines.txt").read_text().strip() == "1"  # a private /tmp
        assert (ws / "home_marks.txt").read_text().strip() == "1"  # a private home
        assert "tmp_lines.txt" in (ws / "ws_listing.txt").read_text().split()
    # they really ran at the same time
    starts = [r["agent_start"] for r in recs]
    ends = [r["end"] for r in recs]
    assert max(starts) < min(ends)
    assert len(rows(runs)) == 4


def test_dask_executor(tmp_path: Path) -> None:
    recs, runs = replay(tmp_path, FILL, tasks=[TASK, TASK2], executor="dask", parallel=2)
    assert sorted(r["task"] for r in recs) == [TASK, TASK2]
    assert all(r["status"] == "finished" for r in recs)
    # the runs happened in Dask worker processes, not in this one
    assert all(r["pid"] != os.getpid() for r in recs)
    assert [r["status"] for r in rows(runs)] == ["finished", "finished"]


def _run_cli(args: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([COLLIDERBENCH, *args], capture_output=True, text=True, **kw)


def test_kill_the_harness_and_resume(tmp_path: Path) -> None:
    """SIGKILL of the harness mid-batch loses no finished run; the re-run skips them and redoes
    the interrupted one."""
    runs = tmp_path / "runs"
    script = tmp_path / "slow.sh"
    marker = "3.0815"
    script.write_text(f"sleep {marker}\n" + FILL)
    args = ["run", "--agent", "replay", "--script", str(script), "--task", TASK, "--task", TASK2]
    args += ["--repeats", "2", "--runs-dir", str(runs), "--sandbox", "bwrap", "--walltime", "60"]
    proc = subprocess.Popen(
        [COLLIDERBENCH, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    first = runs / "replay_none" / TASK / "r0" / "run.json"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # kill while the second run is going
        second = runs / "replay_none" / TASK / "r1" / "run.json"
        if (
            first.is_file()
            and json.loads(first.read_text())["status"] == "finished"
            and second.is_file()
        ):
            break
        time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("the first run did not finish")
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    time.sleep(0.5)
    left = [
        p for p in psutil.process_iter(["cmdline"]) if marker in " ".join(p.info["cmdline"] or [])
    ]
    assert not left, "the agent outlived the killed harness"
    done_before = json.loads(first.read_text())
    interrupted = json.loads((runs / "replay_none" / TASK / "r1" / "run.json").read_text())
    assert interrupted["status"] == "running"
    listed = json.loads(_run_cli(["runs", "list", "--runs-dir", str(runs), "--json"]).stdout)
    assert {r["key"]: r["stale"] for r in listed}["replay_none/" + TASK + "/r1"] is True

    res = _run_cli(args, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "1 already done (skipped)" in res.stdout and "3 finished" in res.stdout
    assert json.loads(first.read_text()) == done_before  # untouched
    table = rows(runs)
    assert [r["status"] for r in table] == ["finished"] * 4
    # a third identical command has nothing left to do
    res = _run_cli(args, timeout=120)
    assert "4 already done (skipped)" in res.stdout


def test_adversarial_agent_finds_no_reference(tmp_path: Path) -> None:
    """A replay agent greps the whole visible filesystem (text, bytecode, databases, every YAML)
    for the reference numbers of every task and tries the hidden package by import and by path."""
    refs = {}
    for t in all_tasks():
        docs = list(yaml.safe_load_all(reference_path(t).read_text()))
        refs[t.id] = [str(v["value"]) for v in docs[1]["dependent_variables"][0]["values"]]
    blob = base64.b64encode(json.dumps(refs).encode()).decode()
    runs = tmp_path / "runs"
    probe_paths = [
        hidden_dir(),
        hidden_dir() / "references" / f"{TASK}.yaml",
        runs.resolve(),
        Path.home() / ".cache",
        PACKAGE_DIR.parent.parent / "tests",
        Path("/work/shared"),
    ]
    script = (
        f"export CB_REFS={blob}\nexport CB_TASK={TASK}\n"
        f"export CB_PROBE_PATHS={':'.join(map(str, probe_paths))}\n"
        f"cat {hidden_dir()}/references/{TASK}.yaml 2>/dev/null && echo READ-HIDDEN\n"
        "python3 - <<'PY'\n" + (Path(__file__).parent / "leak_probe.py").read_text() + "PY\n"
    )
    (rec,), runs = replay(tmp_path, script, walltime_s=600.0)
    out = (runs / "replay_none" / TASK / "r0" / "trace" / "stdout.txt").read_text()
    assert "READ-HIDDEN" not in out
    report = json.loads(out.strip().splitlines()[-1])
    # the planted control shows the probe works inside the sandbox ...
    controls = {"/workspace/probe/control.txt", "/workspace/probe/control.yaml"}
    assert set(report["leaks"]) == controls, report["leaks"]
    assert report["yaml_leaks"] == ["/workspace/probe/control.yaml"]
    assert report["n_yaml"] > 30  # the templates, hepdata-validator schemas, ... were searched
    # ... and nothing else of the visible filesystem holds a reference number
    assert report["attempts"]["import_hidden"]["exit"] != 0
    assert report["attempts"]["read_reference"]["exit"] != 0
    assert not report["attempts"]["read_reference"]["stdout_has_values"]
    for p in probe_paths:
        assert report["attempts"][f"path:{p}"]["exists"] is False, p


def test_oracle_end_to_end(tmp_path: Path) -> None:
    """The reference recast, run as an agent in the sandbox, leaves a valid, scored submission."""
    runs = tmp_path / "runs"
    spec = BatchSpec(
        agent="oracle",
        model=None,
        tasks=[TASK],
        sandbox="bwrap",
        runs_dir=runs,
        agent_args={"events": "300"},
        walltime_s=900.0,
    )
    (rec,) = run_batch(spec, show=False).records
    run_dir = runs / "oracle_none" / TASK / "r0"
    assert rec["status"] == "finished", (run_dir / "trace" / "stderr.txt").read_text()[-3000:]
    score = json.loads((run_dir / "score.json").read_text())
    assert score["valid"] and score["n_filled"] == load_task(TASK).n_bins
    assert 0 <= score["relative_l2"] < 10
    ws = run_dir / "workspace"
    assert (ws / "analysis").is_dir() and (ws / "report.md").is_file()
    out = json.loads((run_dir / "trace" / "stdout.json").read_text())
    assert out.get("score") is None  # inside the sandbox the recast cannot score itself
    # the oracle's stream has no times: the harness stamps them (start, then the result's arrival)
    events = [json.loads(x) for x in (run_dir / "trace" / "events.jsonl").read_text().splitlines()]
    assert [e["kind"] for e in events] == ["command", "output", "message"]
    assert all(isinstance(e["t"], str) and e["t"].endswith("Z") for e in events)
    assert rec["agent_start"] <= events[0]["t"] <= events[1]["t"] <= rec["end"]
