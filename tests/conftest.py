"""Shared test setup: point the paper lookup at the development ``shared/`` folder when present."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("COLLIDERBENCH_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "corpus" / "tasks.yaml").is_file():
        pytest.skip(f"the development shared/ folder is not at {SHARED}")
    return SHARED


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Never touch the user's ~/.cache during tests."""
    if "COLLIDERBENCH_DATA" not in os.environ:
        os.environ["COLLIDERBENCH_DATA"] = str(tmp_path_factory.mktemp("cbdata"))
