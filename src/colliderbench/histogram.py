"""The HEPData-style histogram: the one format of templates, submissions and references.

A file holds either two YAML documents (task metadata, then the histogram) or a bare histogram. The
histogram is a HEPData data table: ``independent_variables[0].values`` are bins ``{low, high}`` and
``dependent_variables[0].values`` are ``{value: ...}``. Templates carry ``value: null`` in every bin.
This module only parses and writes; deciding what is a valid submission is ``scoring``'s job.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class HistogramFormatError(ValueError):
    """The text is not a HEPData histogram; the message says why in one line."""


@dataclass
class Histogram:
    """Bins as (low, high) edges and one raw value per bin (whatever the YAML held)."""

    edges: list[tuple[float, float]]
    values: list[Any]
    metadata: dict[str, Any] | None = None
    table: dict[str, Any] | None = None  # the parsed HEPData table, for rewriting

    @property
    def n_bins(self) -> int:
        return len(self.edges)


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2 floats: ``1e-05``, ``2E+3`` and ``1e308`` (what Python's
    ``%g`` and ``json.dumps`` write) are numbers, not strings as in YAML 1.1. Quoted text stays text."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)
        |[-+]?(?:[0-9][0-9_]*)\.[0-9_]*
        |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


def load_documents(text: str) -> list[Any]:
    try:
        return [d for d in yaml.load_all(text, Loader=_Loader) if d is not None]
    except yaml.YAMLError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "syntax error"
        raise HistogramFormatError(f"not valid YAML: {first}") from None


def _is_table(doc: Any) -> bool:
    return isinstance(doc, dict) and "independent_variables" in doc and "dependent_variables" in doc


def _number(x: Any, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise HistogramFormatError(f"{what} is {x!r}, not a number")
    return float(x)


def parse_histogram(text: str) -> Histogram:
    """Parse one or two YAML documents into a ``Histogram`` (values left raw)."""
    docs = load_documents(text)
    tables = [d for d in docs if _is_table(d)]
    if not tables:
        raise HistogramFormatError(
            "no HEPData table found (need independent_variables and dependent_variables)"
        )
    if len(tables) > 1:
        raise HistogramFormatError(f"{len(tables)} HEPData tables found; expected exactly one")
    table = tables[0]
    metadata = next((d for d in docs if isinstance(d, dict) and not _is_table(d)), None)
    indep, dep = table["independent_variables"], table["dependent_variables"]
    if not isinstance(indep, list) or not indep or not isinstance(indep[0], dict):
        raise HistogramFormatError("independent_variables must be a non-empty list")
    if not isinstance(dep, list) or not dep or not isinstance(dep[0], dict):
        raise HistogramFormatError("dependent_variables must be a non-empty list")
    if len(dep) > 1:
        raise HistogramFormatError(f"{len(dep)} dependent variables found; expected exactly one")
    bins = indep[0].get("values")
    vals = dep[0].get("values")
    if not isinstance(bins, list) or not bins:
        raise HistogramFormatError(
            "independent_variables[0].values must be a non-empty list of bins"
        )
    if not isinstance(vals, list):
        raise HistogramFormatError("dependent_variables[0].values must be a list")
    edges: list[tuple[float, float]] = []
    for i, b in enumerate(bins):
        if not isinstance(b, dict) or "low" not in b or "high" not in b:
            raise HistogramFormatError(f"bin {i} has no low/high edges")
        lo, hi = _number(b["low"], f"bin {i} low edge"), _number(b["high"], f"bin {i} high edge")
        if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
            raise HistogramFormatError(f"bin {i} edges [{lo}, {hi}) are not an interval")
        edges.append((lo, hi))
    raw: list[Any] = []
    for i, v in enumerate(vals):
        if not isinstance(v, dict) or "value" not in v:
            raise HistogramFormatError(f"value entry {i} has no 'value' key")
        raw.append(v["value"])
    if len(raw) != len(edges):
        raise HistogramFormatError(f"{len(edges)} bins but {len(raw)} values")
    return Histogram(edges=edges, values=raw, metadata=metadata, table=table)


def read_histogram(path: str | Path) -> Histogram:
    """Read a histogram file; ``HistogramFormatError`` with one line if it cannot be used."""
    p = Path(path)
    if not p.exists():
        raise HistogramFormatError(f"file not found: {p}")
    if not p.is_file():
        raise HistogramFormatError(f"not a file: {p}")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HistogramFormatError(f"cannot read {p}: {exc.__class__.__name__}") from None
    return parse_histogram(text)


def make_table(
    edges: list[tuple[float, float]],
    values: list[float | None],
    *,
    x_name: str,
    y_name: str = "Events",
    errors: list[float] | None = None,
    sqrt_s_gev: float = 13000.0,
    luminosity_fb: float = 35.9,
) -> dict[str, Any]:
    """A HEPData data table for a 1D histogram."""
    dep_values: list[dict[str, Any]] = []
    for i, v in enumerate(values):
        entry: dict[str, Any] = {"value": v}
        if errors is not None:
            entry["errors"] = [{"symerror": float(errors[i]), "label": "stat"}]
        dep_values.append(entry)
    return {
        "independent_variables": [
            {
                "header": {"name": x_name, "units": "GeV"},
                "values": [{"low": lo, "high": hi} for lo, hi in edges],
            }
        ],
        "dependent_variables": [
            {
                "header": {"name": y_name},
                "qualifiers": [
                    {"name": "SQRT(S)", "units": "GeV", "value": sqrt_s_gev},
                    {"name": "LUMINOSITY", "units": "fb$^{-1}$", "value": luminosity_fb},
                ],
                "values": dep_values,
            }
        ],
    }


def dump_documents(metadata: dict[str, Any] | None, table: dict[str, Any]) -> str:
    """Metadata in block style, then the table with one bin per line (flow style for leaves)."""
    text = ""
    if metadata is not None:
        text = yaml.safe_dump(metadata, sort_keys=False, default_flow_style=False, width=100)
        text += "---\n"
    return text + yaml.safe_dump(table, sort_keys=False, default_flow_style=None, width=100)


def fill_template(
    template: str | Path, values: list[float], errors: list[float] | None = None
) -> str:
    """The text of a template with its nulls replaced by ``values`` (same bins, same metadata)."""
    hist = read_histogram(template)
    if len(values) != hist.n_bins:
        raise HistogramFormatError(f"template has {hist.n_bins} bins, got {len(values)} values")
    assert hist.table is not None
    table = copy.deepcopy(hist.table)
    for i, entry in enumerate(table["dependent_variables"][0]["values"]):
        entry["value"] = float(values[i])
        if errors is not None:
            entry["errors"] = [{"symerror": float(errors[i]), "label": "stat"}]
    return dump_documents(hist.metadata, table)


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write via a temporary file and rename, so a crash never leaves half a file."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(p)
