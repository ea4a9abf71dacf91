"""The papers registry: hashes verified, a corrupted copy refused, fetching from a loopback server."""

from __future__ import annotations

import http.server
import shutil
import threading

import pytest

from colliderbench.corpus import fetch_paper, find_paper, get_paper, paper_pdf, register_dir
from colliderbench.errors import UserError


def test_shared_papers_have_the_registered_hash(shared_dir, monkeypatch):
    monkeypatch.setenv("COLLIDERBENCH_PAPERS", str(shared_dir / "papers"))
    for pid in ("CMS-SUS-16-034", "CMS-SUS-16-046", "CMS-SUS-16-047", "CMS-SUS-16-051"):
        assert paper_pdf(pid).name == f"{pid}.pdf"


def test_corrupted_copy_is_refused(tmp_path, monkeypatch, shared_dir):
    bad = tmp_path / "papers"
    bad.mkdir()
    (bad / "CMS-SUS-16-046.pdf").write_bytes(b"%PDF-1.4 not the paper")
    monkeypatch.setenv("COLLIDERBENCH_DATA", str(tmp_path))
    with pytest.raises(UserError, match="sha256"):
        find_paper("CMS-SUS-16-046")


def test_register_and_fetch_from_loopback(tmp_path, monkeypatch, shared_dir):
    monkeypatch.setenv("COLLIDERBENCH_DATA", str(tmp_path / "cache"))
    monkeypatch.delenv("COLLIDERBENCH_PAPERS", raising=False)
    monkeypatch.setattr("colliderbench.corpus._papers.shared_dir", lambda: None)
    with pytest.raises(UserError, match="papers fetch"):
        paper_pdf("CMS-SUS-16-051")
    serve = tmp_path / "serve" / "pdf"
    serve.mkdir(parents=True)
    arxiv = get_paper("CMS-SUS-16-051").arxiv
    shutil.copyfile(shared_dir / "papers" / "CMS-SUS-16-051.pdf", serve / arxiv)

    def handler(*a, **k):
        return http.server.SimpleHTTPRequestHandler(*a, directory=str(tmp_path / "serve"), **k)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv(
            "COLLIDERBENCH_ARXIV_URL", f"http://127.0.0.1:{server.server_port}/pdf/{{arxiv}}"
        )
        path = fetch_paper("CMS-SUS-16-051")
        assert path.is_file() and paper_pdf("CMS-SUS-16-051") == path
        with pytest.raises(UserError, match="cannot download|sha256"):
            fetch_paper("CMS-SUS-16-034")  # not served: 404
    finally:
        server.shutdown()
    assert "CMS-SUS-16-046" in register_dir(shared_dir / "papers")
