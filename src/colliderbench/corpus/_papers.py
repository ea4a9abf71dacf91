"""The papers registry: arXiv id and sha256 per paper, a verified local cache, registered folders.

Papers are looked up in this order: the cache (``<cache>/papers``), folders registered with
``colliderbench papers register DIR`` (kept in ``<cache>/papers.json``), ``$COLLIDERBENCH_PAPERS``,
and the development ``shared/papers`` folder. A file whose sha256 differs is never used.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from colliderbench.errors import UserError
from colliderbench.paths import cache_dir, shared_dir

REGISTRY = Path(__file__).resolve().parent / "papers.toml"
ARXIV_URL = "https://arxiv.org/pdf/{arxiv}"


@dataclass(frozen=True)
class Paper:
    id: str
    arxiv: str
    title: str
    journal: str
    sha256: str

    @property
    def filename(self) -> str:
        return f"{self.id}.pdf"


def papers() -> dict[str, Paper]:
    with REGISTRY.open("rb") as fh:
        data = tomllib.load(fh)
    return {pid: Paper(id=pid, **fields) for pid, fields in data.items()}


def get_paper(paper_id: str) -> Paper:
    reg = papers()
    if paper_id not in reg:
        raise UserError(f"unknown paper {paper_id!r}: known are {', '.join(sorted(reg))}")
    return reg[paper_id]


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _registered_dirs() -> list[Path]:
    conf = cache_dir() / "papers.json"
    dirs: list[Path] = []
    if conf.is_file():
        try:
            dirs += [Path(d) for d in json.loads(conf.read_text()).get("dirs", [])]
        except (json.JSONDecodeError, AttributeError):
            raise UserError(
                f"{conf} is corrupt: delete it and register the folders again"
            ) from None
    if os.environ.get("COLLIDERBENCH_PAPERS"):
        dirs.append(Path(os.environ["COLLIDERBENCH_PAPERS"]))
    shared = shared_dir()
    if shared is not None:
        dirs.append(shared / "papers")
    return dirs


def register_dir(directory: Path) -> list[str]:
    """Remember a folder holding the PDFs; returns the ids found there with a matching hash."""
    directory = directory.expanduser().resolve()
    if not directory.is_dir():
        raise UserError(f"not a directory: {directory}")
    found = [
        p.id
        for p in papers().values()
        if (directory / p.filename).is_file() and sha256_of(directory / p.filename) == p.sha256
    ]
    if not found:
        raise UserError(f"no registered paper with a matching sha256 in {directory}")
    conf = cache_dir() / "papers.json"
    data = json.loads(conf.read_text()) if conf.is_file() else {"dirs": []}
    if str(directory) not in data["dirs"]:
        data["dirs"].append(str(directory))
    conf.write_text(json.dumps(data, indent=2))
    return found


def find_paper(paper_id: str) -> Path | None:
    """A verified local copy of the paper, or None. A corrupted copy is an error, not a miss."""
    paper = get_paper(paper_id)
    for d in [cache_dir() / "papers", *_registered_dirs()]:
        path = d / paper.filename
        if path.is_file():
            if sha256_of(path) != paper.sha256:
                raise UserError(
                    f"{path} is corrupted or a different version (sha256 mismatch); delete it "
                    f"and run `colliderbench papers fetch`"
                )
            return path
    return None


def paper_pdf(paper_id: str) -> Path:
    """The verified PDF of a paper; a clear error telling how to get it otherwise."""
    path = find_paper(paper_id)
    if path is None:
        raise UserError(
            f"paper {paper_id} is not available: run `colliderbench papers fetch` (downloads from "
            f"arXiv) or `colliderbench papers register DIR` for a folder holding {paper_id}.pdf"
        )
    return path


def fetch_paper(paper_id: str, *, timeout: float = 60.0) -> Path:
    """Download a paper from arXiv into the cache and verify its sha256."""
    import requests

    paper = get_paper(paper_id)
    existing = find_paper(paper_id)
    if existing is not None:
        return existing
    base = os.environ.get("COLLIDERBENCH_ARXIV_URL", ARXIV_URL)
    url = base.format(arxiv=paper.arxiv)
    try:
        response = requests.get(url, timeout=timeout)
        response.raise_for_status()
    except requests.RequestException as exc:
        raise UserError(
            f"cannot download {paper_id} from {url}: {exc.__class__.__name__}"
        ) from None
    target_dir = cache_dir() / "papers"
    target_dir.mkdir(parents=True, exist_ok=True)
    tmp = target_dir / f".{paper.filename}.part"
    tmp.write_bytes(response.content)
    digest = sha256_of(tmp)
    if digest != paper.sha256:
        tmp.unlink()
        raise UserError(
            f"downloaded {paper_id} has sha256 {digest[:12]}..., expected {paper.sha256[:12]}...; "
            f"arXiv may serve another version: register a folder with the right PDF instead"
        )
    final = target_dir / paper.filename
    tmp.replace(final)
    return final
