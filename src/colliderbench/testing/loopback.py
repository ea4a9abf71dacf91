"""A loopback HTTP server over a folder of recorded-format fixtures, for testing network tools offline.

``/a/b?x=1`` is answered from the first existing file of: ``<root>/a/b/<q>.json`` (when the query has
``q``), ``<root>/a/b``, ``<root>/a/b.json``; a trailing slash is ignored. Byte ranges (single and
multiple, ``multipart/byteranges``) are honoured, so uproot can read ROOT files from it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit


def _resolve(root: Path, raw_path: str) -> Path | None:
    parts = urlsplit(raw_path)
    rel = unquote(parts.path).strip("/")
    base = (root / rel).resolve()
    if root.resolve() not in (base, *base.parents):
        return None
    query = parse_qs(parts.query)
    candidates = []
    if "q" in query:
        candidates.append(base / f"{query['q'][0]}.json")
    candidates += [base, base.with_name(base.name + ".json")]
    return next((c for c in candidates if c.is_file()), None)


class _Handler(BaseHTTPRequestHandler):
    root: Path
    requests: list[str]

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def _send(self, head_only: bool) -> None:
        self.requests.append(self.path)
        path = _resolve(self.root, self.path)
        if path is None:
            self.send_error(404)
            return
        data = path.read_bytes()
        ctype = "application/json" if path.suffix == ".json" else "application/octet-stream"
        ranges = self.headers.get("Range")
        spans: list[tuple[int, int]] = []
        if ranges and (m := re.fullmatch(r"bytes=(.+)", ranges.strip())):
            for item in m.group(1).split(","):
                lo, _, hi = item.strip().partition("-")
                start = int(lo) if lo else len(data) - int(hi)
                stop = min(int(hi), len(data) - 1) if lo and hi else len(data) - 1
                spans.append((start, stop))
        if not spans:
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            if not head_only:
                self.wfile.write(data)
            return
        if len(spans) == 1:
            a, b = spans[0]
            body = data[a : b + 1]
            self.send_response(206)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Range", f"bytes {a}-{b}/{len(data)}")
        else:
            boundary = "loopbackboundary"
            chunks = []
            for a, b in spans:
                chunks.append(
                    f"--{boundary}\r\nContent-Type: {ctype}\r\n"
                    f"Content-Range: bytes {a}-{b}/{len(data)}\r\n\r\n".encode()
                    + data[a : b + 1]
                    + b"\r\n"
                )
            body = b"".join(chunks) + f"--{boundary}--\r\n".encode()
            self.send_response(206)
            self.send_header("Content-Type", f"multipart/byteranges; boundary={boundary}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        self._send(head_only=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._send(head_only=True)


@contextmanager
def serve_folder(root: Path) -> Iterator[tuple[str, list[str]]]:
    """Serve ``root`` on 127.0.0.1 (a free port); yields the base URL and the list of requested paths."""
    seen: list[str] = []
    handler = type("Handler", (_Handler,), {"root": Path(root), "requests": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
