"""Bad arguments (exit 2, one line), the deny list, offline mode, ablations, the manuals generator."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from colliderbench.errors import UserError
from colliderbench.tools import TOOLS
from colliderbench.tools.manuals import purpose, quick_reference, tools_md
from colliderbench.workspace import build_workspace

TASK = (
    "sus-16-046_sim-T5Wg"  # arXiv:1711.08008; the loopback record ins9000046 claims that arXiv id
)


def call(tool: str, *argv: str) -> int:
    return importlib.import_module(f"colliderbench.tools.{TOOLS[tool]}").main(list(argv))


BAD_ARGS = [
    ("read-paper", []),
    ("read-paper", ["missing.pdf"]),
    ("read-paper", ["--pages", "x"]),
    ("hepdata", []),
    ("hepdata", ["frobnicate"]),
    ("hepdata", ["get", "ins1000001"]),
    ("hepdata", ["tables", "not-a-record"]),
    ("cms-opendata", ["files", "abc"]),
    ("cms-opendata", ["search", "x", "--size", "0"]),
    ("cms-opendata", ["stream", "/nonexistent.root", "--branches", "x"]),
    ("feynrules", ["info", "NoSuchModel"]),
    ("feynrules", ["fetch", "NMSSM"]),
    ("simulate", ["run", "--model", "T5Wg", "--events", "ten", "--out", "x.root"]),
    ("simulate", ["run", "--model", "NoModel", "--events", "1", "--out", "x.root"]),
    ("simulate", ["bogus"]),
    ("prospino", ["run", "--process", "gluino_pair"]),
    ("prospino", ["run", "--process", "sgluon", "--mass", "1000"]),
    ("prospino", ["run", "--process", "gluino_pair", "--mass", "99999"]),
    ("prospino", ["run", "--process", "gluino_pair", "--mass", "1000", "--order", "lo"]),
    ("run-analysis", ["no_such_script.py"]),
    ("run-analysis", ["--timeout", "-1"]),
]


@pytest.mark.parametrize(
    ("tool", "argv"), BAD_ARGS, ids=[f"{t}:{' '.join(a)}" for t, a in BAD_ARGS]
)
def test_bad_arguments_exit_2_with_one_line(
    tool: str,
    argv: list[str],
    tool_env,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    assert call(tool, *argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and "error" in err


def test_every_manual_has_title_and_cheat_sheet() -> None:
    for tool in TOOLS:
        assert purpose(tool)
        assert quick_reference(tool).startswith("```bash")
        assert tool in quick_reference(tool)


@pytest.fixture
def workspace(tmp_path: Path, tool_env, monkeypatch: pytest.MonkeyPatch) -> Path:  # noqa: ANN001
    ws = build_workspace(TASK, tmp_path / "ws")
    monkeypatch.chdir(ws)
    return ws


def test_deny_list_refuses_the_task_record_by_any_id(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # by arXiv id: refused before any request
    assert call("hepdata", "get", "1711.08008", "Table 1") == 3
    # by an INSPIRE id whose metadata carries the task's arXiv id: refused after reading the metadata
    assert call("hepdata", "tables", "ins9000046") == 3
    assert call("hepdata", "get", "9000046", "Table 1") == 3
    out, err = capsys.readouterr()
    assert out == "" and err.count("refused") == 3
    log = (workspace / ".colliderbench" / "denied.log").read_text().splitlines()
    assert len(log) == 3 and all("hepdata" in line for line in log)
    # other records are served; find marks the task's own record
    assert call("hepdata", "get", "ins1000001", "Table 1") == 0
    assert "0.834" in capsys.readouterr().out
    assert call("hepdata", "find", "arXiv:1711.08008", "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["refused"] is True and rows[0]["record"] == "ins9000046"


def test_deny_list_from_the_builder(
    tmp_path: Path, tool_env, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    ws = build_workspace(TASK, tmp_path / "ws", denied_records=["ins1000001"])
    monkeypatch.chdir(ws)
    assert call("hepdata", "get", "ins1000001", "Table 1") == 3
    # the default (the task's paper) is replaced, not extended
    assert call("hepdata", "tables", "ins9000046") == 0


def test_outside_a_workspace_nothing_is_denied(
    tool_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    assert call("hepdata", "tables", "ins9000046") == 0


def test_offline_is_one_clear_line(
    tool_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLLIDERBENCH_OFFLINE", "1")
    for tool, argv in [
        ("hepdata", ["find", "CMS photons never cached"]),
        ("cms-opendata", ["search", "never cached"]),
        ("cms-opendata", ["stream", f"{tool_env.url}/files/tiny.root", "--branches", "MET_pt"]),
        ("feynrules", ["fetch", "2HDM", "--dest", "m"]),
    ]:
        before = len(tool_env.requests)
        assert call(tool, *argv) == 1
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "offline" in err
        assert len(tool_env.requests) == before  # nothing was sent


def test_offline_flag_of_the_workspace(
    tmp_path: Path, tool_env, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:  # noqa: ANN001
    ws = build_workspace(TASK, tmp_path / "ws", offline=True)
    monkeypatch.chdir(ws)
    assert call("cms-opendata", "search", "offline workspace") == 1
    assert "offline" in capsys.readouterr().err


def test_network_down_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLLIDERBENCH_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv("COLLIDERBENCH_HEPDATA_URL", "http://127.0.0.1:9")  # discard port: refused
    monkeypatch.delenv("COLLIDERBENCH_OFFLINE", raising=False)
    assert call("hepdata", "find", "1707.06193") == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "network unavailable" in err


def test_disabled_tools(
    tmp_path: Path, tool_env, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:  # noqa: ANN001
    ws = build_workspace(TASK, tmp_path / "ws", disabled_tools=["hepdata", "prospino", "delphes"])
    assert not (ws / "bin" / "hepdata").exists() and not (ws / "bin" / "prospino").exists()
    assert (ws / "bin" / "simulate").exists()
    text = (ws / "TOOLS.md").read_text()
    assert "`hepdata`" not in text and "### prospino" not in text and "detector simulation" in text
    assert "`prospino`" not in (ws / "AGENTS.md").read_text()
    monkeypatch.chdir(ws)
    # the module itself refuses too (an agent calling python -m directly)
    assert call("hepdata", "find", "x") == 3
    assert (
        call(
            "simulate",
            "run",
            "--model",
            "T5Wg",
            "--detector",
            "cms",
            "--events",
            "1",
            "--out",
            "x.root",
        )
        == 3
    )
    assert call("simulate", "info", "--json") == 0
    assert "not available" in json.loads(capsys.readouterr().out)["embedded"]["detector"]


def test_builder_rejects_bad_requests(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="unknown tool"):
        build_workspace(TASK, tmp_path / "a", disabled_tools=["hepdatum"])
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x").write_text("")
    with pytest.raises(UserError, match="not an empty directory"):
        build_workspace(TASK, tmp_path / "b")
    with pytest.raises(UserError, match="unknown task"):
        build_workspace("sus-16-046_sim-T5W", tmp_path / "c")


def test_tools_md_lists_exactly_the_enabled_tools() -> None:
    text = tools_md(["feynrules"])
    for tool in TOOLS:
        assert (f"### {tool}" in text) == (tool != "feynrules")


def test_shim_is_two_lines_without_logic(tmp_path: Path, tool_env) -> None:  # noqa: ANN001
    ws = build_workspace(TASK, tmp_path / "ws")
    for shim in (ws / "bin").iterdir():
        lines = shim.read_text().splitlines()
        assert (
            len(lines) == 2 and lines[0] == "#!/bin/sh" and lines[1].split()[1].startswith("exec")
        )
        assert os.access(shim, os.X_OK)
    # the shim finds its workspace from anywhere (deny list applies outside the workspace folder)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLLIDERBENCH_")}
    r = subprocess.run(
        [str(ws / "bin" / "hepdata"), "get", "1711.08008", "Table 1"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 3 and (ws / ".colliderbench" / "denied.log").is_file()


def test_run_analysis_lock_and_timeout(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import fcntl
    import hashlib

    script = workspace / "analysis" / "slow.py"
    script.write_text("import time\nprint('start', flush=True)\ntime.sleep(20)\n")
    key = hashlib.sha256(str(script.resolve()).encode()).hexdigest()[:16]
    with (workspace / ".colliderbench" / f"run-analysis-{key}.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert call("run-analysis", "analysis/slow.py") == 1
        assert "already running" in capsys.readouterr().err
    assert call("run-analysis", "analysis/slow.py", "--timeout", "1") == 124
    log = next((workspace / "logs").glob("slow-*.log")).read_text()
    assert "start" in log and "(timeout)" in log
    (workspace / "analysis" / "needs.py").write_text("# inputs: data/missing.root\nprint(1)\n")
    assert call("run-analysis", "analysis/needs.py") == 2
    assert "data/missing.root" in capsys.readouterr().err


def test_read_paper_figures(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        call(
            "read-paper",
            "papers/CMS-SUS-16-046.pdf",
            "--pages",
            "12",
            "--figures",
            "figs",
            "--dpi",
            "40",
        )
        == 0
    )
    png = workspace / "figs" / "page-012.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "page-012.png" in capsys.readouterr().out
    assert call("read-paper", "papers/CMS-SUS-16-046.pdf", "--find", "Figure 6", "--json") == 0
    matches = json.loads(capsys.readouterr().out)["matches"]
    assert any(m["page"] == 12 for m in matches)


def test_deny_list_from_the_environment(
    tool_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLLIDERBENCH_DENIED_RECORDS", "arXiv:9901.00001, ins7")
    assert call("hepdata", "tables", "ins1000001") == 3


def test_colliderbench_tool_runs_a_tool_outside_a_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLLIDERBENCH_")}
    exe = Path(sys.executable).parent / "colliderbench"
    r = subprocess.run(
        [str(exe), "tool", "prospino", "run", "--process", "stop_pair", "--mass", "1000", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0 and json.loads(r.stdout)["value_fb"] == pytest.approx(6.15134)
    r = subprocess.run(
        [str(exe), "tool", "hepdata", "get"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    r = subprocess.run(
        [str(exe), "tool", "nosuchtool"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2 and "unknown tool" in r.stderr
