"""Synthetic runs for the judge tests, built once per session (a small real pipeline included)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from colliderbench.testing.synthetic_runs import build_all


@pytest.fixture(scope="session")
def synthetic_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Scenario name -> run directory (shared: tests that modify a run copy it first)."""
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is needed to replay analyses")
    return build_all(tmp_path_factory.mktemp("runs") / "runs")


@pytest.fixture
def run_copy(tmp_path: Path, synthetic_runs: dict[str, Path]):  # type: ignore[no-untyped-def]
    """A private copy of one scenario's run directory."""

    def make(name: str) -> Path:
        dest = tmp_path / "runs" / "replay_synthetic" / "task" / name
        shutil.copytree(synthetic_runs[name], dest, symlinks=True)
        return dest

    return make


@pytest.fixture
def no_claude(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hide any installed claude CLI (PATH without it, no .tools/npm), so the default provider
    does not depend on the machine."""
    from colliderbench.harness import vendors

    monkeypatch.setattr(vendors, "agent_bin_dirs", lambda: [])
    path = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d]
    monkeypatch.setenv(
        "PATH", os.pathsep.join(d for d in path if not shutil.which("claude", path=d))
    )
