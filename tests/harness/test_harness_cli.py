"""`colliderbench run` / `runs list`: user errors end in one line and exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

COLLIDERBENCH = str(Path(sys.executable).parent / "colliderbench")
TASK = "sus-16-046_sim-TChiWg"


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COLLIDERBENCH, *args], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--agent", "nobody", "--task", TASK], "unknown agent 'nobody'"),
        (["--agent", "oracle", "--task", TASK, "--walltime", "2 hours"], "bad walltime"),
        (["--agent", "oracle", "--task", "sus-16-046_sim-TChiWgg"], "unknown task"),
        (["--agent", "oracle"], "no tasks"),
        (["--agent", "oracle", "--task", TASK, "--tasks", "sim"], "either --task"),
        (["--agent", "replay", "--task", TASK], "needs --script"),
        (["--agent", "oracle", "--task", TASK, "--agent-arg", "events"], "KEY=VALUE"),
        (["--agent", "oracle", "--task", TASK, "--agent-arg", "events=many"], "positive integer"),
        (["--agent", "oracle", "--task", TASK, "--agent-arg", "colour=red"], "events=N"),
        (["--agent", "api", "--task", TASK], "needs --model"),
        (["--agent", "oracle", "--task", TASK, "--sandbox", "docker"], "--image"),
        (["--agent", "oracle", "--task", TASK, "--scheduler", "tcp://x:1"], "--executor dask"),
        (
            ["--agent", "oracle", "--task", TASK, "--disable-tool", "foo"],
            "unknown tool to disable: foo",
        ),
        (
            ["--agent", "api", "--model", "qwen3-coder", "--task", TASK, "--max-cost-usd", "1"],
            "use --max-total-tokens N",
        ),
        (
            ["--agent", "api", "--model", "gpt-5", "--task", TASK, "--agent-arg", "max_token=9"],
            "allowed: provider, base_url",
        ),
    ],
)
def test_user_errors(tmp_path: Path, args: list[str], message: str) -> None:
    res = cli("run", *args, "--runs-dir", str(tmp_path / "runs"))
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("colliderbench: error:"), res.stderr
    assert message in lines[0]
    assert not (tmp_path / "runs" / "runs.sqlite").exists()  # nothing started


def test_missing_bwrap_is_a_user_error(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}  # no /usr/bin: no bwrap
    res = cli("run", "--agent", "oracle", "--task", TASK, "--sandbox", "bwrap", env=env)
    assert res.returncode == 2
    assert "bubblewrap" in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_runs_list_without_database(tmp_path: Path) -> None:
    res = cli("runs", "list", "--runs-dir", str(tmp_path))
    assert res.returncode == 2 and "no runs database" in res.stderr
