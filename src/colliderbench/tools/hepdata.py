"""hepdata: a client of the HEPData REST API (find records, list tables, get one table), cached,
offline-aware, and refusing the task's own record."""

from __future__ import annotations

import os
import re
import sys
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from colliderbench.errors import UserError
from colliderbench.tools._common import (
    ArgParser,
    Refused,
    ToolFailure,
    cli_entry,
    http_get,
    http_get_json,
    log_denied,
    print_json,
    run_tool,
    workspace_config,
)

TOOL = "hepdata"
DEFAULT_URL = "https://www.hepdata.net"
HOSTS = ("hepdata.net", "www.hepdata.net")
_ARXIV = re.compile(r"^(?:arxiv:)?(\d{4}\.\d{4,5})(?:v\d+)?$", re.I)
_INSPIRE = re.compile(r"^(?:ins)?(\d{5,9})$", re.I)


def base_url() -> str:
    return os.environ.get("COLLIDERBENCH_HEPDATA_URL", DEFAULT_URL).rstrip("/")


def normalise_id(text: str) -> tuple[str, str] | None:
    """``arXiv:1711.08008`` -> ("arxiv", "1711.08008"); ``ins1641762``/``1641762`` -> ("ins", ...)."""
    text = str(text).strip()
    m = _ARXIV.match(text)
    if m:
        return ("arxiv", m.group(1))
    m = _INSPIRE.match(text)
    if m:
        return ("ins", m.group(1))
    return None


def denied_ids() -> set[tuple[str, str]]:
    """The records this task refuses, normalised: the workspace's list plus any the harness names
    in ``$COLLIDERBENCH_DENIED_RECORDS`` (comma-separated)."""
    names = list(workspace_config().get("denied_records", []))
    names += [r for r in os.environ.get("COLLIDERBENCH_DENIED_RECORDS", "").split(",") if r.strip()]
    ids = (normalise_id(r) for r in names)
    return {i for i in ids if i is not None}


def record_ids(meta: dict[str, Any]) -> set[tuple[str, str]]:
    """The identifiers a record's metadata carries (INSPIRE id, arXiv id)."""
    out: set[tuple[str, str]] = set()
    for key in ("inspire_id", "arxiv_id"):
        value = meta.get(key)
        if value:
            n = normalise_id(str(value) if key == "arxiv_id" else f"ins{value}")
            if n is not None:
                out.add(n)
    return out


def _refuse(what: str, tool: str = TOOL, *, unchecked: bool = False) -> None:
    """Log and refuse; ``unchecked``: a HEPData URL whose record cannot be told."""
    if unchecked:
        log_denied(tool, what, "refused (HEPData URL of an unidentified record)")
        raise Refused(
            f"{what}: its HEPData record cannot be checked against this task's rules; "
            "use a URL naming the record (ins<INSPIRE id>) or the hepdata tool"
        )
    reason = (
        "this is the HEPData record of the paper this task reproduces; its numbers are the answer"
    )
    log_denied(tool, what, "refused (task's own record)")
    raise Refused(f"{what}: {reason}. Derive the result from your own simulation.")


def search(query: str) -> list[dict[str, Any]]:
    """Search records; an arXiv id is searched as ``arXiv:<id>``."""
    n = normalise_id(query)
    q = f"arXiv:{n[1]}" if n and n[0] == "arxiv" else query
    data = http_get_json(
        TOOL, f"{base_url()}/search/", params={"q": q, "format": "json", "size": 25}
    )
    results = data.get("results", []) if isinstance(data, dict) else []
    return [r for r in results if isinstance(r, dict)]


def resolve(record: str, tool: str = TOOL) -> str:
    """An INSPIRE id (digits) for a record given by INSPIRE or arXiv id; refuses denied ones."""
    n = normalise_id(record)
    if n is None:
        raise UserError(
            f"{record!r} is not a record id: give an INSPIRE id (ins1234567) or an arXiv id (1711.08008)"
        )
    if n in denied_ids():
        _refuse(record, tool)
    if n[0] == "ins":
        return n[1]
    hits = [h for h in search(record) if h.get("inspire_id")]
    if not hits:
        raise ToolFailure(f"no HEPData record for arXiv:{n[1]}")
    return str(hits[0]["inspire_id"])


def record_meta(inspire: str, tool: str = TOOL) -> dict[str, Any]:
    """The record's JSON (metadata and table list), refusing the task's own record."""
    data = http_get_json(
        TOOL, f"{base_url()}/record/ins{inspire}", params={"format": "json", "light": "true"}
    )
    if not isinstance(data, dict) or "record" not in data:
        raise ToolFailure(f"record ins{inspire}: unexpected answer from HEPData")
    if record_ids(data["record"]) & denied_ids():
        _refuse(f"ins{inspire}", tool)
    return data


def is_hepdata_url(url: str) -> bool:
    """A URL on HEPData: the public host, or under the configured ``base_url()``."""
    parts = urlsplit(url)
    if (parts.hostname or "").lower() in HOSTS:
        return True
    base = urlsplit(base_url())
    return parts.netloc.lower() == base.netloc.lower() and parts.path.startswith(
        base.path.rstrip("/") + "/"
    )


def refuse_denied_url(url: str, tool: str) -> None:
    """Apply the deny list to a HEPData URL another tool is asked to open, so that streaming a
    record's files does not get around the refusals of ``hepdata`` itself."""
    if not is_hepdata_url(url) or not denied_ids():
        return
    m = re.search(r"\bins(\d+)", unquote(url))
    if m is None:
        _refuse(url, tool, unchecked=True)
    else:
        record_meta(resolve(f"ins{m.group(1)}", tool), tool)


def _tables(data: dict[str, Any]) -> list[dict[str, Any]]:
    tables = data.get("data_tables") or data.get("record", {}).get("data_tables") or []
    return [t for t in tables if isinstance(t, dict) and "name" in t]


def _fmt_value(v: dict[str, Any]) -> str:
    if "value" in v:
        return str(v["value"])
    if "low" in v or "high" in v:
        return f"{v.get('low', '')} - {v.get('high', '')}"
    return "?"


def _fmt_errors(v: dict[str, Any]) -> str:
    parts = []
    for e in v.get("errors", []) or []:
        if "symerror" in e:
            parts.append(f"+-{e['symerror']}")
        elif "asymerror" in e:
            a = e["asymerror"]
            parts.append(f"+{a.get('plus')}/{a.get('minus')}")
        if e.get("label") and parts:
            parts[-1] += f" ({e['label']})"
    return " ".join(parts)


def format_table(table: dict[str, Any]) -> str:
    """A HEPData table (submission YAML structure) as aligned text."""
    indep = table.get("independent_variables", []) or []
    dep = table.get("dependent_variables", []) or []

    def head(var: dict[str, Any]) -> str:
        h = var.get("header", {})
        return h.get("name", "?") + (f" [{h['units']}]" if h.get("units") else "")

    lines = []
    for d in dep:
        quals = ", ".join(
            f"{q.get('name')}={q.get('value')}" for q in d.get("qualifiers", []) or []
        )
        if quals:
            lines.append(f"# {head(d)}: {quals}")
    lines.append(" | ".join([head(v) for v in indep] + [head(v) for v in dep]))
    n = max([len(v.get("values", [])) for v in indep + dep] or [0])
    for i in range(n):
        cells = []
        for v in indep:
            vals = v.get("values", [])
            cells.append(_fmt_value(vals[i]) if i < len(vals) else "")
        for v in dep:
            vals = v.get("values", [])
            if i < len(vals):
                err = _fmt_errors(vals[i])
                cells.append(_fmt_value(vals[i]) + (f" {err}" if err else ""))
            else:
                cells.append("")
        lines.append(" | ".join(cells))
    return "\n".join(lines)


def _body(argv: list[str]) -> int:
    parser = ArgParser(
        prog=TOOL,
        description="Client of the HEPData REST API. Full manual: hepdata --doc",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    p_find = sub.add_parser("find", help="search records by arXiv id, INSPIRE id or text")
    p_find.add_argument("query")
    p_find.add_argument("--json", action="store_true")
    p_tab = sub.add_parser("tables", help="list the tables of a record")
    p_tab.add_argument("record")
    p_tab.add_argument("--json", action="store_true")
    p_get = sub.add_parser("get", help="print one table")
    p_get.add_argument("record")
    p_get.add_argument("table", help='table name, e.g. "Table 2"')
    p_get.add_argument("--version", type=int, help="record version (default: the latest)")
    fmt = p_get.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true")
    fmt.add_argument("--yaml", action="store_true")
    for p in (p_find, p_tab, p_get):
        p.error = parser.error  # type: ignore[method-assign]
    args = parser.parse_args(argv)

    if args.command == "find":
        n = normalise_id(args.query)
        if n is not None and n[0] == "ins":
            meta = http_get_json(
                TOOL, f"{base_url()}/record/ins{n[1]}", params={"format": "json", "light": "true"}
            )
            hits = [meta["record"]] if isinstance(meta, dict) and "record" in meta else []
        else:
            hits = search(args.query)
        denied = denied_ids()
        rows = [
            {
                "record": f"ins{h.get('inspire_id')}",
                "arxiv": h.get("arxiv_id"),
                "tables": h.get("total_tables", len(h.get("data", []) or [])),
                "title": h.get("title", ""),
                "refused": bool(record_ids(h) & denied),
            }
            for h in hits
        ]
        if args.json:
            print_json(rows)
        elif not rows:
            print(f"no HEPData record matches {args.query!r}")
        else:
            for r in rows:
                mark = "  [refused for this task]" if r["refused"] else ""
                print(
                    f"{r['record']:<12} {r['arxiv'] or '-':<17} {r['tables']:>3} tables  {r['title']}{mark}"
                )
        return 0

    inspire = resolve(args.record)
    meta = record_meta(inspire)
    tables = _tables(meta)
    if args.command == "tables":
        rows = [
            {"name": t["name"], "description": " ".join(str(t.get("description", "")).split())}
            for t in tables
        ]
        if args.json:
            print_json(
                {"record": f"ins{inspire}", "title": meta["record"].get("title"), "tables": rows}
            )
        else:
            print(f"ins{inspire}: {meta['record'].get('title', '')}")
            for r in rows:
                print(f"  {r['name']:<14} {r['description'][:100]}")
        return 0

    names = [t["name"] for t in tables]
    if tables and args.table not in names:
        close = [n for n in names if n.lower() == args.table.lower()]
        if not close:
            raise UserError(
                f"record ins{inspire} has no table {args.table!r} (see `hepdata tables ins{inspire}`)"
            )
        args.table = close[0]
    version = args.version or meta.get("version") or meta["record"].get("version") or 1
    url = f"{base_url()}/download/table/ins{inspire}/{quote(args.table, safe='')}/{version}/yaml"
    body = http_get(TOOL, url).decode()
    if args.yaml:
        sys.stdout.write(body if body.endswith("\n") else body + "\n")
        return 0
    import yaml

    try:
        table = yaml.safe_load(body)
    except yaml.YAMLError:
        raise ToolFailure(
            f"table {args.table!r} of ins{inspire}: HEPData answered malformed YAML"
        ) from None
    if args.json:
        print_json(table)
    else:
        print(f"ins{inspire} {args.table} (version {version})")
        print(format_table(table if isinstance(table, dict) else {}))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``hepdata ARGS``."""
    return run_tool(TOOL, argv, _body)


if __name__ == "__main__":
    cli_entry(TOOL, _body)
