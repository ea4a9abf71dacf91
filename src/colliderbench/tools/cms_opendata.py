"""cms-opendata: the CERN Open Data portal (search, files, sample metadata) and remote ROOT reading."""

from __future__ import annotations

import fnmatch
import importlib.util
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlsplit, urlunsplit

from colliderbench.errors import UserError
from colliderbench.tools._common import (
    ArgParser,
    ToolFailure,
    cli_entry,
    http_get_json,
    offline,
    print_json,
    run_tool,
)
from colliderbench.tools.hepdata import refuse_denied_url

TOOL = "cms-opendata"
DEFAULT_URL = "https://opendata.cern.ch"
EOS_PUBLIC = "eospublic.cern.ch"


def base_url() -> str:
    return os.environ.get("COLLIDERBENCH_OPENDATA_URL", DEFAULT_URL).rstrip("/")


def _recid(text: str) -> str:
    if not text.strip().isdigit():
        raise UserError(f"record id must be a number (e.g. 12345), got {text!r}")
    return text.strip()


def search(query: str, size: int, page: int) -> tuple[int, list[dict[str, Any]]]:
    data = http_get_json(
        TOOL, f"{base_url()}/api/records/", params={"q": query, "size": size, "page": page}
    )
    hits = data.get("hits", {}) if isinstance(data, dict) else {}
    total = hits.get("total", 0)
    if isinstance(total, dict):
        total = total.get("value", 0)
    rows = []
    for h in hits.get("hits", []):
        md = h.get("metadata", {})
        typ = md.get("type", {})
        rows.append(
            {
                "recid": str(md.get("recid", h.get("id", ""))),
                "type": "/".join([typ.get("primary", "")] + list(typ.get("secondary", []) or [])),
                "year": ",".join(str(y) for y in md.get("date_created", []) or []),
                "title": md.get("title", ""),
            }
        )
    return int(total or 0), rows


def record(recid: str) -> dict[str, Any]:
    data = http_get_json(TOOL, f"{base_url()}/api/records/{recid}")
    if not isinstance(data, dict) or "metadata" not in data:
        raise ToolFailure(f"record {recid}: unexpected answer from the portal")
    return data["metadata"]


def record_files(md: dict[str, Any]) -> list[dict[str, Any]]:
    """Every file of a record: direct files and those listed by its file indices."""
    out: list[dict[str, Any]] = []
    for f in (md.get("files") or []) + (md.get("_files") or []):
        uri = f.get("uri") or f.get("key")
        if uri and not str(uri).endswith(("_file_index.json", "_file_index.txt")):
            out.append({"uri": uri, "size": f.get("size"), "checksum": f.get("checksum")})
    for index in md.get("_file_indices") or []:
        for f in index.get("files", []) or []:
            uri = f.get("uri") or f.get("key")
            if uri:
                out.append({"uri": uri, "size": f.get("size"), "checksum": f.get("checksum")})
    seen: set[str] = set()
    return [f for f in out if not (f["uri"] in seen or seen.add(f["uri"]))]  # type: ignore[func-returns-value]


def sample_info(md: dict[str, Any]) -> dict[str, Any]:
    typ = md.get("type", {})
    dist = md.get("distribution", {}) or {}
    coll = md.get("collision_information", {}) or {}
    system = md.get("system_details", {}) or {}
    gen = md.get("generator", {}) or {}
    abstract = md.get("abstract", {})
    return {
        "recid": str(md.get("recid", "")),
        "title": md.get("title", ""),
        "type": "/".join([typ.get("primary", "")] + list(typ.get("secondary", []) or [])),
        "experiment": ",".join(
            md.get("experiment", [])
            if isinstance(md.get("experiment"), list)
            else [str(md.get("experiment", ""))]
        ),
        "collision": " ".join(str(coll.get(k, "")) for k in ("type", "energy")).strip(),
        "events": dist.get("number_events"),
        "files": dist.get("number_files"),
        "size_bytes": dist.get("size"),
        "formats": dist.get("formats"),
        "generator": gen.get("names") or gen.get("global_tag"),
        "cross_section": md.get("cross_section"),
        "release": system.get("release"),
        "global_tag": system.get("global_tag"),
        "description": (
            abstract.get("description", "") if isinstance(abstract, dict) else str(abstract)
        ),
    }


def _size(n: Any) -> str:
    if not isinstance(n, int | float):
        return "?"
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if n < 1000:
            return f"{n:.0f} {unit}"
        n /= 1000
    return f"{n:.0f} PB"


def xrootd_to_https(url: str) -> str | None:
    """``root://eospublic.cern.ch//PATH`` -> ``https://eospublic.cern.ch//PATH``, else None.

    CERN EOS public serves the portal's files over HTTPS too, and XRootD clients cannot be
    pip-installed without a compiler, so the portal's root:// links are read over HTTPS."""
    parts = urlsplit(url)
    if parts.scheme != "root" or (parts.hostname or "").lower() != EOS_PUBLIC:
        return None
    return urlunsplit(("https", EOS_PUBLIC, parts.path, parts.query, ""))


def _has_xrootd() -> bool:
    return any(importlib.util.find_spec(m) for m in ("fsspec_xrootd", "XRootD"))


def _cannot_open(what: object, exc: Exception, hint: str = "") -> ToolFailure:
    detail = " ".join(str(exc).split())[:160]
    return ToolFailure(f"cannot open {what}{hint} ({exc.__class__.__name__}: {detail})")


def open_root(url: str):  # noqa: ANN201 (uproot.ReadOnlyDirectory)
    """Open a ROOT file locally, over HTTP(S) or XRootD; refuses the task's own HEPData record."""
    import uproot

    scheme = urlparse(url).scheme
    if scheme in ("", "file"):
        path = Path(urlparse(url).path if scheme else url)
        if not path.is_file():
            raise UserError(f"no such file: {path}")
        try:
            return uproot.open(path)
        except (OSError, ValueError) as exc:  # uproot's words for "this is not a ROOT file"
            raise _cannot_open(path, exc, ": not a ROOT file") from None
    if scheme not in ("http", "https", "root"):
        raise UserError(f"unsupported URL scheme {scheme!r}: use a path, http(s):// or root://")
    refuse_denied_url(url, TOOL)
    source = xrootd_to_https(url) or url
    if urlparse(source).scheme == "root" and not _has_xrootd():
        raise ToolFailure(
            f"cannot read {url}: no XRootD client here (only root://{EOS_PUBLIC} is read, over "
            f"HTTPS); copy the file where XRootD is installed (`xrdcp {url} .`) or give its https:// URL"
        )
    if offline():
        raise ToolFailure(
            f"offline (COLLIDERBENCH_OFFLINE is set or the task forbids network): cannot open {url}"
        )
    try:
        if urlparse(source).scheme == "root":
            return uproot.open(source, timeout=60)
        from uproot.source.http import HTTPSource

        return uproot.open(source, handler=HTTPSource, timeout=60)
    except ValueError as exc:
        raise _cannot_open(source, exc, ": not a ROOT file") from None
    except OSError as exc:
        raise _cannot_open(source, exc) from None


def stream(
    url: str, patterns: list[str], tree: str | None, entries: int, out: Path | None
) -> dict[str, Any]:
    """Read branches of a (remote) ROOT file; summary per branch; optionally write them locally."""
    import awkward as ak
    import numpy as np

    f = open_root(url)
    try:
        trees = [
            k.split(";")[0] for k, c in f.classnames().items() if c in ("TTree", "ROOT::RNTuple")
        ]
        if not trees:
            raise ToolFailure(f"{url} holds no TTree")
        name = tree or trees[0]
        if name not in trees:
            raise UserError(f"no tree {name!r} in {url} (trees: {', '.join(sorted(set(trees)))})")
        t = f[name]
        available = list(t.keys())
        selected = [b for b in available if any(fnmatch.fnmatchcase(b, p) for p in patterns)]
        if not selected:
            raise UserError(
                f"no branch of {name} matches {','.join(patterns)} (some branches: {', '.join(available[:12])})"
            )
        stop = None if entries == 0 else min(entries, t.num_entries)
        try:
            arrays = t.arrays(selected, entry_stop=stop, how=dict)
        except Exception as exc:  # uproot raises many kinds for unreadable branches
            raise ToolFailure(
                f"cannot read {selected} from {url}: {exc.__class__.__name__}: {exc}"
            ) from None
        summary: dict[str, Any] = {
            "url": url,
            "tree": name,
            "entries_total": t.num_entries,
            "entries_read": stop if stop is not None else t.num_entries,
            "branches": {},
        }
        for b, arr in arrays.items():
            flat = ak.to_numpy(ak.flatten(arr, axis=None)) if arr.ndim > 1 else ak.to_numpy(arr)
            flat = np.asarray(flat, dtype=float) if flat.dtype.kind in "iufb" else flat
            stats: dict[str, Any] = {"count": int(len(flat))}
            if len(flat) and flat.dtype.kind == "f":
                stats |= {
                    "mean": float(np.mean(flat)),
                    "min": float(np.min(flat)),
                    "max": float(np.max(flat)),
                }
            summary["branches"][b] = stats
        if out is not None:
            import uproot

            if out.suffix != ".root":
                raise UserError("--out must name a .root file")
            out.parent.mkdir(parents=True, exist_ok=True)
            clean = {b.replace(".", "_").replace("/", "_"): a for b, a in arrays.items()}
            tree_name = name.replace("/", "_")
            with uproot.recreate(out) as g:
                g.mktree(tree_name, {b: a.type.content for b, a in clean.items()})
                if len(next(iter(clean.values()))):
                    g[tree_name].extend(clean)
            summary["out"] = str(out)
        return summary
    finally:
        f.close()


def _body(argv: list[str]) -> int:
    parser = ArgParser(
        prog=TOOL, description="CERN Open Data portal client. Full manual: cms-opendata --doc"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    p = sub.add_parser("search", help="full-text search of records")
    p.add_argument("query")
    p.add_argument("--size", type=int, default=10)
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--json", action="store_true")
    p2 = sub.add_parser("files", help="the files of a record")
    p2.add_argument("recid")
    p2.add_argument("--limit", type=int, default=50)
    p2.add_argument("--json", action="store_true")
    p3 = sub.add_parser("sample-info", help="a record's metadata")
    p3.add_argument("recid")
    p3.add_argument("--json", action="store_true")
    p4 = sub.add_parser("stream", help="read branches of a (remote) ROOT file")
    p4.add_argument("url")
    p4.add_argument("--branches", required=True, help="comma-separated names or globs")
    p4.add_argument("--tree", help="tree name (default: the first)")
    p4.add_argument("--entries", type=int, default=10000, help="entries to read (0 = all)")
    p4.add_argument("--out", type=Path, help="write the branches to this ROOT file")
    p4.add_argument("--json", action="store_true")
    for s in (p, p2, p3, p4):
        s.error = parser.error  # type: ignore[method-assign]
    args = parser.parse_args(argv)

    if args.command == "search":
        if not 1 <= args.size <= 100 or args.page < 1:
            parser.error("--size must be 1-100 and --page at least 1")
        total, rows = search(args.query, args.size, args.page)
        if args.json:
            print_json({"total": total, "hits": rows})
        else:
            print(
                f"{total} records match {args.query!r}" + (f" (page {args.page})" if total else "")
            )
            for r in rows:
                print(f"{r['recid']:>7}  {r['type']:<22} {r['year']:<6} {r['title']}")
        return 0
    if args.command == "files":
        files = record_files(record(_recid(args.recid)))
        if args.json:
            print_json({"recid": args.recid, "total": len(files), "files": files[: args.limit]})
        else:
            print(
                f"record {args.recid}: {len(files)} files"
                + (f" (first {args.limit})" if len(files) > args.limit else "")
            )
            for f in files[: args.limit]:
                print(f"{_size(f['size']):>9}  {f['uri']}")
        return 0
    if args.command == "sample-info":
        info = sample_info(record(_recid(args.recid)))
        if args.json:
            print_json(info)
        else:
            for k, v in info.items():
                if v not in (None, "", []):
                    print(f"{k:<14} {v}")
        return 0
    patterns = [b.strip() for b in args.branches.split(",") if b.strip()]
    if not patterns:
        parser.error("--branches needs at least one branch name")
    if args.entries < 0:
        parser.error("--entries must be 0 (all) or positive")
    summary = stream(args.url, patterns, args.tree, args.entries, args.out)
    if args.json:
        print_json(summary)
    else:
        print(
            f"{summary['url']}: tree {summary['tree']}, {summary['entries_total']} entries, read {summary['entries_read']}"
        )
        for b, s in summary["branches"].items():
            extra = (
                f"  mean {s['mean']:.4g}  min {s['min']:.4g}  max {s['max']:.4g}"
                if "mean" in s
                else ""
            )
            print(f"  {b:<24} {s['count']:>9} values{extra}")
        if "out" in summary:
            print(f"wrote {summary['out']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``cms-opendata ARGS``."""
    return run_tool(TOOL, argv, _body)


if __name__ == "__main__":
    cli_entry(TOOL, _body)
