"""What a process inside the bwrap sandbox can and cannot see (real bubblewrap)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from colliderbench.harness import sandbox as sb
from colliderbench.paths import PACKAGE_DIR, hidden_dir

pytestmark = [
    pytest.mark.sandbox,
    pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap (bwrap) is not installed"),
]


def sh(ws: Path, script: str, **kw: object) -> sb.CommandResult:
    return sb.run_command(ws, ["bash", "-c", script], timeout_s=60, backend="bwrap", **kw)  # type: ignore[arg-type]


def test_workspace_rw_system_ro_fresh_tmp(tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_text("hello\n")
    res = sh(
        tmp_path,
        "pwd; cat in.txt; echo out > out.txt; ls -A /tmp | wc -l; ls -A $HOME | wc -l; "
        "touch /usr/x 2>/dev/null && echo usr-writable; "
        f"touch {sys.prefix}/x 2>/dev/null && echo venv-writable; echo done",
    )
    assert res.exit_code == 0, res.stderr
    assert res.stdout.split() == ["/workspace", "hello", "0", "0", "done"]
    assert (tmp_path / "out.txt").read_text() == "out\n"


def test_hidden_and_private_paths_are_invisible(tmp_path: Path) -> None:
    hidden = hidden_dir()
    probes = [
        hidden,
        hidden / "references",
        Path.home() / ".cache",
        tmp_path.parent,
        Path("/work/shared"),
    ]
    repo = PACKAGE_DIR.parent.parent
    probes += [repo / "tests", repo / ".git", PACKAGE_DIR / "testing" / "synthetic_runs.py"]
    script = "; ".join(f"test -e '{p}' && echo VISIBLE {p}" for p in probes) + "; true"
    res = sh(tmp_path, script)
    assert res.exit_code == 0, res.stderr
    assert "VISIBLE" not in res.stdout, res.stdout
    # the tools' Python works, the package imports, the references do not
    res = sh(
        tmp_path,
        "python -c 'import colliderbench.corpus as c; print(c.load_task(\"sus-16-046_sim-TChiWg\").id)'; "
        "python -c 'import colliderbench_hidden' 2>&1 | tail -1",
    )
    assert "sus-16-046_sim-TChiWg" in res.stdout
    assert "ModuleNotFoundError" in res.stdout


def test_pid_namespace_and_no_capabilities(tmp_path: Path) -> None:
    res = sh(tmp_path, "ls /proc | grep -c '^[0-9]*$'; grep CapEff /proc/self/status")
    n_procs, cap = res.stdout.split("\n", 1)
    assert int(n_procs) < 10  # only the sandbox's own processes
    assert cap.split()[1] == "0000000000000000"


def test_network_switch(tmp_path: Path) -> None:
    off = sh(
        tmp_path, "ls /sys/class/net 2>/dev/null; cat /proc/net/dev | tail -n +3 | cut -d: -f1"
    )
    on = sh(tmp_path, "cat /proc/net/dev | tail -n +3 | cut -d: -f1", network=True)
    assert off.stdout.split() == ["lo"]
    assert len(on.stdout.split()) >= 1


def test_timeout_kills_the_sandbox(tmp_path: Path) -> None:
    res = sb.run_command(tmp_path, ["sleep", "300"], timeout_s=1, backend="bwrap")
    assert res.timed_out and res.wall_s < 30
