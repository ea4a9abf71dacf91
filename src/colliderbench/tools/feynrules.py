"""feynrules: a shipped catalogue of UFO models, with download and safe unpacking on demand."""

from __future__ import annotations

import io
import json
import os
import tarfile
import zipfile
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from colliderbench.errors import UserError
from colliderbench.tools._common import (
    DATA_DIR,
    ArgParser,
    ToolFailure,
    cli_entry,
    http_get,
    print_json,
    run_tool,
)

TOOL = "feynrules"
CATALOGUE = DATA_DIR / "feynrules_models.json"


@cache
def catalogue() -> dict[str, Any]:
    return json.loads(CATALOGUE.read_text())


def base_url() -> str:
    return os.environ.get("COLLIDERBENCH_FEYNRULES_URL", catalogue()["base_url"]).rstrip("/")


def models() -> list[dict[str, Any]]:
    return list(catalogue()["models"])


def find_model(name: str) -> dict[str, Any]:
    for m in models():
        if m["name"].lower() == name.lower():
            return m
    import difflib

    names = [m["name"] for m in models()]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    hint = f" (did you mean {', '.join(close)}?)" if close else f" (known: {', '.join(names)})"
    raise UserError(f"unknown model {name!r}{hint}")


def _url(path: str | None) -> str | None:
    if not path:
        return None
    return path if "://" in path else base_url() + path


def describe(m: dict[str, Any]) -> dict[str, Any]:
    """A catalogue entry with absolute links and the MadGraph import line."""
    import_line = (
        f"import model {m['mg5_builtin']}"
        if m.get("mg5_builtin")
        else f"import model /path/to/<unpacked {m['name']} folder>"
    )
    return {
        "name": m["name"],
        "title": m["title"],
        "description": m["description"],
        "tags": m.get("tags", []),
        "mg5_builtin": bool(m.get("mg5_builtin")),
        "page": _url(m.get("page")),
        "ufo": _url(m.get("ufo")),
        "madgraph": import_line,
    }


def _safe_members(names: list[str], dest: Path) -> None:
    for n in names:
        p = PurePosixPath(n)
        if p.is_absolute() or ".." in p.parts:
            raise ToolFailure(f"archive member {n!r} would be written outside {dest}; not unpacked")


def unpack(data: bytes, filename: str, dest: Path) -> list[Path]:
    """Unpack a zip or tar(.gz) archive into ``dest``; returns its top-level entries."""
    dest.mkdir(parents=True, exist_ok=True)
    try:
        if filename.endswith(".zip") or data[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = zf.namelist()
                _safe_members(names, dest)
                zf.extractall(dest)
        else:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tf:
                members = [m for m in tf.getmembers() if m.isfile() or m.isdir()]
                names = [m.name for m in members]
                _safe_members(names, dest)
                tf.extractall(dest, members=members, filter="data")
    except (zipfile.BadZipFile, tarfile.TarError):
        raise ToolFailure(f"{filename} is not a valid zip or tar archive") from None
    tops = sorted({PurePosixPath(n).parts[0] for n in names if PurePosixPath(n).parts})
    return [dest / t for t in tops]


def _body(argv: list[str]) -> int:
    parser = ArgParser(
        prog=TOOL, description="Catalogue of UFO models. Full manual: feynrules --doc"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    p = sub.add_parser("list", help="list the models")
    p.add_argument("--search", metavar="TEXT")
    p.add_argument("--json", action="store_true")
    p2 = sub.add_parser("info", help="one model in full")
    p2.add_argument("model")
    p2.add_argument("--json", action="store_true")
    p3 = sub.add_parser("fetch", help="download and unpack a model's UFO")
    p3.add_argument("model")
    p3.add_argument("--dest", type=Path, required=True)
    p3.add_argument("--force", action="store_true", help="unpack over an existing folder")
    for s in (p, p2, p3):
        s.error = parser.error  # type: ignore[method-assign]
    args = parser.parse_args(argv)

    if args.command == "list":
        rows = [describe(m) for m in models()]
        if args.search:
            t = args.search.lower()
            rows = [
                r
                for r in rows
                if t in " ".join([r["name"], r["title"], r["description"], *r["tags"]]).lower()
            ]
        if args.json:
            print_json(rows)
        elif not rows:
            print(f"no model matches {args.search!r}")
        else:
            for r in rows:
                mark = "MG5 built-in" if r["mg5_builtin"] else "download"
                print(f"{r['name']:<16} {mark:<13} {r['title']}")
        return 0

    m = describe(find_model(args.model))
    if args.command == "info":
        if args.json:
            print_json(m)
        else:
            print(f"{m['name']}: {m['title']}\n\n{m['description']}\n")
            print(f"tags:      {', '.join(m['tags'])}")
            print(f"page:      {m['page']}")
            print(f"UFO:       {m['ufo'] or '(no archive: ships with MadGraph5_aMC@NLO)'}")
            print(f"MadGraph:  {m['madgraph']}")
        return 0

    if not m["ufo"]:
        raise ToolFailure(
            f"{m['name']} has no archive to download: it ships with MadGraph5_aMC@NLO ({m['madgraph']})"
        )
    if args.dest.exists() and not args.dest.is_dir():
        raise UserError(f"--dest {args.dest} is a file, not a folder")
    filename = m["ufo"].rsplit("/", 1)[-1]
    data = http_get(TOOL, m["ufo"], timeout=120)
    stem = filename.split(".")[0]
    if (args.dest / stem).exists() and not args.force:
        raise UserError(f"{args.dest / stem} exists: pass --force to unpack over it")
    tops = unpack(data, filename, args.dest)
    for t in tops:
        print(f"unpacked {t}")
    if len(tops) == 1 and tops[0].is_dir():
        print(f"MadGraph: import model {tops[0].resolve()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``feynrules ARGS``."""
    return run_tool(TOOL, argv, _body)


if __name__ == "__main__":
    cli_entry(TOOL, _body)
