"""A loopback server standing in for HEPData, the CERN Open Data portal and the FeynRules database."""

from __future__ import annotations

import io
import os
import shutil
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from colliderbench.testing.loopback import serve_folder

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass
class Loopback:
    url: str
    root: Path
    requests: list[str]
    env: dict[str, str]


def _tiny_root(path: Path) -> None:
    import awkward as ak
    import numpy as np
    import uproot

    path.parent.mkdir(parents=True, exist_ok=True)
    with uproot.recreate(path) as f:
        f.mktree("Events", {"MET_pt": "float32", "Photon_pt": "var * float64"})
        f["Events"].extend(
            {
                "MET_pt": np.arange(100, dtype=np.float32),
                "Photon_pt": ak.Array([[10.0, 20.0]] * 50 + [[30.0]] * 50),
            }
        )


def _ufo_archive(path: Path) -> None:
    """A tiny tar.gz with the layout of a UFO folder (made-up content)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tf:
        for name, text in {
            "NMSSM_UFO/__init__.py": "# loopback test model\n",
            "NMSSM_UFO/particles.py": "# no particles: a test archive\n",
        }.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))


@pytest.fixture(scope="session")
def loopback(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loopback]:
    root = tmp_path_factory.mktemp("loopback")
    shutil.copytree(FIXTURES, root, dirs_exist_ok=True)
    _tiny_root(root / "files" / "tiny.root")
    _ufo_archive(root / "feynrules" / "raw-attachment" / "wiki" / "NMSSM" / "NMSSM_UFO.tgz")
    with serve_folder(root) as (url, seen):
        record = root / "opendata" / "api" / "records" / "90001.json"
        record.write_text(record.read_text().replace("FILES_BASE", url))
        env = {
            "COLLIDERBENCH_HEPDATA_URL": f"{url}/hepdata",
            "COLLIDERBENCH_OPENDATA_URL": f"{url}/opendata",
            "COLLIDERBENCH_FEYNRULES_URL": f"{url}/feynrules",
            "COLLIDERBENCH_DATA": str(tmp_path_factory.mktemp("cache")),
        }
        yield Loopback(url=url, root=root, requests=seen, env=env)


@pytest.fixture
def tool_env(loopback: Loopback, monkeypatch: pytest.MonkeyPatch) -> Loopback:
    """In-process tool calls see the loopback server, a fresh cache and no workspace."""
    for k, v in loopback.env.items():
        monkeypatch.setenv(k, v)
    for k in ("COLLIDERBENCH_OFFLINE", "COLLIDERBENCH_TOOL_SHIM", "COLLIDERBENCH_WORKSPACE"):
        monkeypatch.delenv(k, raising=False)
    return loopback


@pytest.fixture(scope="session")
def proc_env(loopback: Loopback) -> dict[str, str]:
    """Environment of tool subprocesses: the loopback services, a fresh cache, online."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLLIDERBENCH_")}
    env.update(loopback.env)
    return env
