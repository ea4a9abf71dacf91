"""What an agent must not get away with, in the real bwrap sandbox: a linked submission scored from
the hidden reference, the reference recasts, an edited deny list; and the records a batch keeps
honest: event times, stale rows, runs skipped under other settings, the image's interpreter."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from colliderbench.corpus import load_task, reference_path
from colliderbench.harness import db
from colliderbench.harness import sandbox as sb
from colliderbench.harness.batch import BatchSpec, run_batch
from colliderbench.harness.runner import RunRequest, run_one, stamp_events
from colliderbench.harness.vendors import parse_codex
from colliderbench.paths import PACKAGE_DIR, hidden_dir

TASK = "sus-16-046_sim-TChiWg"
TEMPLATE = load_task(TASK).template_name
FILL = "sed -i 's/value: null/value: 12.5/' results/*.yaml\n"
COLLIDERBENCH = str(Path(sys.executable).parent / "colliderbench")
needs_bwrap = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bubblewrap (bwrap) is not installed"
)


def replay(runs: Path, script: str, **kw: Any) -> dict[str, Any]:
    runs.mkdir(parents=True, exist_ok=True)
    path = runs.parent / f"script{time.monotonic_ns()}.sh"
    path.write_text(script)
    spec = BatchSpec(
        agent="replay",
        model=None,
        tasks=[TASK],
        sandbox="bwrap",
        runs_dir=runs,
        script=path,
        walltime_s=kw.pop("walltime_s", 120.0),
        **kw,
    )
    (rec,) = run_batch(spec, show=False).records
    return rec


def run_dir(runs: Path) -> Path:
    return runs / "replay_none" / TASK / "r0"


# ------------------------------------------------------------------------------------------------
# 1. a link in results/ is never followed by the host-side scorer


@pytest.mark.parametrize(
    "attack",
    [
        f"ln -sf {reference_path(TASK)} results/{TEMPLATE}",  # the template itself a link
        f"rm results/*; ln -s {reference_path(TASK)} results/mine.yaml",  # the only YAML a link
        f"rm -r results; ln -s {hidden_dir()}/references results",  # results/ a link
    ],
)
@pytest.mark.sandbox
@needs_bwrap
def test_a_linked_submission_is_not_scored(tmp_path: Path, attack: str) -> None:
    rec = replay(tmp_path / "runs", attack + "\n")
    score = json.loads((run_dir(tmp_path / "runs") / "score.json").read_text())
    assert score["valid"] is False and score["relative_l2"] is None, score
    assert "symbolic link" in score["reason"]
    assert rec["status"] == "failed" and rec["failure_class"] == "no_submission"
    assert rec["score"]["relative_l2"] is None


def test_host_readers_never_follow_workspace_links(tmp_path: Path) -> None:
    """The judge (submission, replay copy, text scan) and the report copy no linked file."""
    from colliderbench.judge.replay import _recomputed, _reset_submission
    from colliderbench.judge.rundir import load_run, workspace_text_files
    from colliderbench.report._html import _copy_small

    secret = tmp_path / "secret.yaml"
    secret.write_text(reference_path(TASK).read_text())
    run = tmp_path / "run"
    ws = run / "workspace"
    (ws / "results").mkdir(parents=True)
    (ws / "results" / TEMPLATE).symlink_to(secret)
    (ws / "report.md").symlink_to(secret)
    (run / "run.json").write_text(json.dumps({"task": TASK}))
    record = load_run(run)
    assert record.submission_file is None
    assert "report.md" not in workspace_text_files(ws)
    assert _copy_small(ws / "report.md", tmp_path / "site" / "r.md", ws) is None
    # the replay copy: the template replaces the link instead of being written through it
    _reset_submission(ws, f"results/{TEMPLATE}", TASK)
    assert secret.read_text() == reference_path(TASK).read_text()
    assert not (ws / "results" / TEMPLATE).is_symlink()
    (ws / "results" / TEMPLATE).unlink()
    (ws / "results" / TEMPLATE).symlink_to(secret)  # as a re-run might leave it
    edges = [tuple(b) for b in load_task(TASK).bins]
    assert _recomputed(ws, f"results/{TEMPLATE}", "", edges) is None  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------
# 2. the recasts are the oracle's alone (the oracle's own run: test_runs.test_oracle_end_to_end)


@pytest.mark.sandbox
@needs_bwrap
def test_agents_cannot_run_the_reference_recast(tmp_path: Path) -> None:
    script = (
        'python -c "import colliderbench.recasts" > imp.txt 2>&1; echo $? > imp.rc\n'
        "colliderbench solve --help > solve.txt 2>&1; echo $? > solve.rc\n"
        f"ls -A {PACKAGE_DIR / 'recasts'} > listing.txt\n" + FILL
    )
    replay(tmp_path / "runs", script)
    ws = run_dir(tmp_path / "runs") / "workspace"
    assert (ws / "imp.rc").read_text().strip() != "0"
    assert "ImportError" in (ws / "imp.txt").read_text()
    assert (ws / "solve.rc").read_text().strip() == "2"
    solve = (ws / "solve.txt").read_text()
    assert solve.startswith("colliderbench: error:") and "not available" in solve
    assert (ws / "listing.txt").read_text().split() == ["__init__.py"]  # the stub, no recast


def test_no_workspace_tool_imports_the_recasts() -> None:
    for f in (PACKAGE_DIR / "tools").rglob("*.py"):
        assert "colliderbench.recasts" not in f.read_text(), f


# ------------------------------------------------------------------------------------------------
# 3. the tools' configuration is read-only


@pytest.mark.sandbox
@needs_bwrap
def test_agent_cannot_edit_the_deny_list(tmp_path: Path) -> None:
    script = (
        "chmod u+w .colliderbench/tools.json .colliderbench\n"
        "echo '{}' > .colliderbench/tools.json\n"
        "rm -f .colliderbench/tools.json\n"
        "touch .colliderbench/new.json\n"
        "mv .colliderbench moved\n"
        "echo '2026-01-01T00:00:00 hepdata probe: refused' >> .colliderbench/denied.log\n"
        "echo $? > log.rc\n" + FILL
    )
    replay(tmp_path / "runs", script)
    ws = run_dir(tmp_path / "runs") / "workspace"
    config = json.loads((ws / ".colliderbench" / "tools.json").read_text())
    assert config["denied_records"] == [f"arXiv:{load_task(TASK).arxiv}"]
    assert not (ws / ".colliderbench" / "new.json").exists() and not (ws / "moved").exists()
    assert (ws / "log.rc").read_text().strip() == "0"  # the tools' log stays writable
    assert "hepdata probe" in (ws / ".colliderbench" / "denied.log").read_text()


# ------------------------------------------------------------------------------------------------
# 4. every event has a time


@pytest.mark.sandbox
@needs_bwrap
def test_every_replay_event_has_a_time(tmp_path: Path) -> None:
    rec = replay(tmp_path / "runs", "echo one\nsleep 0.3\necho two\n" + FILL)
    events = [
        json.loads(line)
        for line in (run_dir(tmp_path / "runs") / "trace" / "events.jsonl").read_text().splitlines()
    ]
    assert events and all(isinstance(e["t"], str) and e["t"].endswith("Z") for e in events)
    output = events[-1]
    assert output["kind"] == "output" and output["line"] == 1  # stamped when "two" arrived
    assert rec["agent_start"] <= output["t"] <= rec["end"]


def test_codex_events_take_their_line_arrival_time() -> None:
    lines = [
        {"type": "thread.started"},
        {"type": "item.completed", "item": {"id": "a", "type": "agent_message", "text": "hi"}},
        {
            "type": "item.completed",
            "item": {"id": "b", "type": "command_execution", "command": "ls", "exit_code": 0},
        },
    ]
    stdout = "".join(json.dumps(x) + "\n" for x in lines).encode()
    s = parse_codex(stdout, b"", 0)
    assert [e["t"] for e in s.events] == [None, None, None]  # codex carries no times
    stamp_events(s.events, [1000.0, 1001.0, 1002.5], start=999.0)
    assert [e["t"] for e in s.events] == [
        "1970-01-01T00:16:41.000Z",
        "1970-01-01T00:16:42.500Z",
        "1970-01-01T00:16:42.500Z",
    ]
    # an event with neither a time nor a line takes the previous one's (the start for the first)
    evs: list[dict[str, Any]] = [{"t": None, "kind": "command"}, {"t": "x", "kind": "message"}]
    evs.append({"t": None, "kind": "error"})
    stamp_events(evs, [], start=0.0)
    assert [e["t"] for e in evs] == ["1970-01-01T00:00:00.000Z", "x", "x"]


# ------------------------------------------------------------------------------------------------
# 5. stale rows are marked at batch start and by `runs list`


def _stale_row(con: Any, key: str) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    db.upsert(
        con,
        {
            "key": key,
            "run_dir": "/nowhere",
            "status": "running",
            "owner_host": socket.gethostname(),
            "owner_pid": dead.pid,
            "heartbeat": time.time(),
        },
    )


def test_runs_list_marks_stale_rows(tmp_path: Path) -> None:
    with db.opened(db.db_path(tmp_path)) as con:
        _stale_row(con, "replay_none/T/r0")
    res = subprocess.run(
        [COLLIDERBENCH, "runs", "list", "--runs-dir", str(tmp_path), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    (row,) = json.loads(res.stdout)
    assert (row["status"], row["failure_class"], row["stale"]) == ("failed", "harness_error", True)
    with db.opened(db.db_path(tmp_path)) as con:
        assert db.get(con, "replay_none/T/r0")["status"] == "failed"  # type: ignore[index]


@pytest.mark.sandbox
@needs_bwrap
def test_batch_start_marks_stale_rows(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    with db.opened(db.db_path(runs)) as con:
        _stale_row(con, "codex_gpt/T/r3")  # a killed batch of another agent
    replay(runs, FILL)
    with db.opened(db.db_path(runs)) as con:
        row = db.get(con, "codex_gpt/T/r3")
    assert row is not None and (row["status"], row["failure_class"]) == ("failed", "harness_error")


# ------------------------------------------------------------------------------------------------
# 6. a re-run with other settings says which finished runs it keeps


@pytest.mark.sandbox
@needs_bwrap
def test_rerun_with_other_settings_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = tmp_path / "runs"
    replay(runs, FILL, walltime_s=120.0)
    capsys.readouterr()
    replay(runs, FILL, walltime_s=120.0)
    assert "other settings" not in capsys.readouterr().err  # same settings: silent
    rec = replay(runs, FILL, walltime_s=60.0, effort="high", agent_args={"k": "v"})
    err = capsys.readouterr().err
    assert rec["walltime_s"] == 120.0  # kept, not redone
    assert "1 finished run(s) were made with other settings" in err
    for part in ("walltime_s 120.0 (now 60.0)", "effort None (now 'high')", "agent_args {}"):
        assert part in err, err


# ------------------------------------------------------------------------------------------------
# 7. container backends: the shims exec the image's interpreter (no engine runs here)


@pytest.mark.parametrize("backend", sb.BACKENDS)
def test_shims_name_the_backends_interpreter(tmp_path: Path, backend: str) -> None:
    from colliderbench.workspace import build_workspace

    python = sb.tools_python(backend)
    ws = build_workspace(TASK, tmp_path / "ws", python=python)
    shim = (ws / "bin" / "hepdata").read_text()
    assert shim.splitlines()[1].split()[2] == python
    assert json.loads((ws / ".colliderbench" / "tools.json").read_text())["python"] == python
    if backend in sb.CONTAINER_BACKENDS:
        assert python == "/opt/venv/bin/python" and sys.executable not in shim


@pytest.mark.parametrize("engine", sb.CONTAINER_BACKENDS)
def test_a_container_run_builds_its_workspace_for_the_image(
    tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    launched: list[list[str]] = []

    def no_engine(argv: list[str], **kw: Any) -> Any:
        launched.append(list(argv))
        raise FileNotFoundError(f"{argv[0]}: no container engine in the tests")

    import colliderbench.harness.runner as runner

    monkeypatch.setattr(runner.subprocess, "Popen", no_engine)
    script = tmp_path / "s.sh"
    script.write_text("true\n")
    req = RunRequest(
        agent="replay",
        model=None,
        task_id=TASK,
        repeat=0,
        runs_dir=tmp_path / "runs",
        sandbox=engine,
        image="colliderbench",
        script=script,
        walltime_s=10,
    )
    rec = run_one(req)
    assert rec["failure_class"] == "harness_error" and "no container engine" in rec["error"]
    ((argv0, *_),) = launched
    assert argv0 == engine
    ws = req.run_dir / "workspace"
    shims = list((ws / "bin").iterdir())
    assert shims and all(
        "exec /opt/venv/bin/python -P -m colliderbench.tools." in p.read_text() for p in shims
    )
    assert os.access(ws / "bin" / "hepdata", os.X_OK)
