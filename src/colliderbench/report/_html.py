"""A static site (no server): the leaderboard, tables, figures, and one page per run."""

from __future__ import annotations

import hashlib
import json
import shutil
from html import escape
from pathlib import Path

import numpy as np

from colliderbench.paths import contained, contained_file
from colliderbench.report._collect import RunRecord
from colliderbench.report._plots import _edges, _save, _style, safe_name
from colliderbench.report._tables import Aggregate, Table

CSS = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
table.results{border-collapse:collapse;margin:1em 0;font-size:14px}
table.results td,table.results th{border:1px solid #ccc;padding:4px 8px;text-align:left}
table.results caption{text-align:left;font-weight:600;margin-bottom:.4em}
img{max-width:100%;border:1px solid #eee;margin:.5em 0}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:1em}
.Fabricated{color:#b00;font-weight:600}.Passed{color:#070}.Failed{color:#a60}
pre{background:#f6f6f6;padding:1em;overflow:auto;max-height:30em}
"""

MAX_COPY_BYTES = 2_000_000


def page(title: str, body: str, depth: int = 0) -> str:
    up = "../" * depth
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<link rel="stylesheet" href="{up}style.css"></head><body>'
        f'<p><a href="{up}index.html">colliderbench results</a></p>{body}</body></html>'
    )


def run_key(r: RunRecord) -> str:
    """A file name for the run, readable and unique across runs directories (two batches both have
    a ``replay`` run ``r0`` of the same task, so the run directory's path is hashed into it)."""
    tag = hashlib.sha1(str(r.path).encode()).hexdigest()[:8]
    return safe_name(f"{r.label}__{r.task}__{r.run_id}__{tag}")


def run_page_name(r: RunRecord) -> str:
    return run_key(r) + ".html"


def _run_overlay(r: RunRecord, out: Path) -> str | None:
    if not r.score or not r.score.get("reference"):
        return None
    import matplotlib.pyplot as plt

    ref = np.asarray(r.score["reference"], float)
    edges = _edges(r.task, len(ref))
    _style()
    fig, ax = plt.subplots()
    ax.stairs(ref, edges, label="published", color="black", linewidth=2.5)
    sub = [np.nan if v is None else v for v in r.score.get("submitted") or []]
    if len(sub) == len(ref):
        ax.stairs(np.asarray(sub, float), edges, label=f"{r.label}", linewidth=1.8)
    ax.set_title(f"{r.task} ({r.run_id})", fontsize=12)
    ax.legend(fontsize=10)
    name = f"run_{run_key(r)}"
    _save(fig, out, name)
    return f"{name}.png"


def _copy_small(src: Path, dest: Path, root: Path) -> str | None:
    """Copy a small file into the site; never through a link the agent planted (it could point
    at the hidden references or any host file): ``src`` must be a regular file inside ``root``."""
    if contained_file(root, src) and src.stat().st_size <= MAX_COPY_BYTES:
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        return dest.name
    return None


def write_run_page(r: RunRecord, site: Path) -> str:
    runs_dir = site / "runs"
    files_dir = runs_dir / "files" / run_key(r)
    img = _run_overlay(r, site / "plots")
    links = []
    for rel in (
        "workspace/report.md",
        "trace/events.jsonl",
        "run.json",
        "score.json",
        "judge.json",
    ):
        root = r.path / "workspace" if rel.startswith("workspace/") else r.path
        copied = _copy_small(r.path / rel, files_dir / rel.replace("/", "_"), root)
        if copied:
            links.append(f'<li><a href="files/{files_dir.name}/{copied}">{escape(rel)}</a></li>')
        elif contained(root, r.path / rel) and (r.path / rel).exists():
            links.append(f"<li>{escape(rel)}: {escape(str(r.path / rel))} (too large to copy)</li>")
    verdict = r.verdict or "unjudged"
    score = r.score or {}
    reasons = "".join(f"<li>{escape(str(x))}</li>" for x in (r.judge or {}).get("reasons", []))
    body = (
        f"<h1>{escape(r.task)}</h1><table class='results'>"
        f"<tr><th>agent</th><td>{escape(r.label)}</td></tr>"
        f"<tr><th>run</th><td>{escape(r.run_id)} ({escape(str(r.path))})</td></tr>"
        f"<tr><th>status</th><td>{escape(r.status)}</td></tr>"
        f"<tr><th>verdict</th><td class='{escape(verdict)}'>{escape(verdict)}</td></tr>"
        f"<tr><th>valid</th><td>{escape(str(score.get('valid')))} {escape(str(score.get('reason') or ''))}</td></tr>"
        f"<tr><th>relative_l2</th><td>{escape(str(score.get('relative_l2')))}</td></tr>"
        f"<tr><th>shape_l2</th><td>{escape(str(score.get('shape_l2')))}</td></tr>"
        f"<tr><th>delta_norm</th><td>{escape(str(score.get('delta_norm')))}</td></tr>"
        f"<tr><th>wall time [s]</th><td>{escape(str(r.run.get('wall_s')))}</td></tr>"
        f"<tr><th>cost [USD]</th><td>{escape(str(r.run.get('cost_usd')))}</td></tr></table>"
        + (f"<h2>Judge reasons</h2><ul>{reasons}</ul>" if reasons else "")
        + (f'<img src="../plots/{img}" alt="overlay of {escape(r.task)}">' if img else "")
        + (f"<h2>Files</h2><ul>{''.join(links)}</ul>" if links else "")
    )
    name = run_page_name(r)
    (runs_dir / name).write_text(page(f"{r.task} {r.run_id}", body, depth=1))
    return name


def write_site(
    agg: Aggregate, plots: dict[str, list[Path]], tables: list[Table], site: Path
) -> Path:
    site.mkdir(parents=True, exist_ok=True)
    (site / "runs").mkdir(exist_ok=True)
    (site / "style.css").write_text(CSS)
    run_rows = []
    for r in agg.records:
        name = write_run_page(r, site)
        s = r.score or {}
        d = s.get("relative_l2")
        verdict = r.verdict or "unjudged"
        run_rows.append(
            f"<tr><td>{escape(r.label)}</td><td>{escape(r.task)}</td>"
            f'<td><a href="runs/{name}">{escape(r.run_id)}</a></td><td>{escape(r.status)}</td>'
            f"<td>{'' if d is None else f'{d:.3f}'}</td><td class='{escape(verdict)}'>{escape(verdict)}</td></tr>"
        )
    figures = []
    for key, paths in plots.items():
        png = next((p for p in paths if p.suffix == ".png"), None)
        if png is not None:
            figures.append(
                f'<figure><img src="plots/{png.name}" alt="{escape(key)}"><figcaption>{escape(key)}</figcaption></figure>'
            )
    fabricated = agg.fabricated_runs()
    fab_html = (
        "<h2>Fabricated runs (excluded from all aggregates)</h2><ul>"
        + "".join(
            f'<li><a href="runs/{run_page_name(r)}">{escape(r.label)} {escape(r.task)} {escape(r.run_id)}</a></li>'
            for r in fabricated
        )
        + "</ul>"
        if fabricated
        else ""
    )
    body = (
        "<h1>colliderbench results</h1>"
        f"<p>{len(agg.records)} runs, {len(agg.agents)} agents, {len(agg.tasks)} tasks. "
        "Invalid submissions count d = 1; fabricated runs are excluded and listed. "
        'Tables also as <a href="tables.md">Markdown</a> and CSV '
        + ", ".join(
            f'<a href="{safe_name(t.title.split(":")[0])}.csv">{escape(t.title.split(":")[0])}</a>'
            for t in tables
        )
        + ".</p>"
        + "".join(t.to_html() for t in tables)
        + fab_html
        + f"<h2>Figures</h2><div class='grid'>{''.join(figures)}</div>"
        + "<h2>Runs</h2><table class='results'><thead><tr><th>agent</th><th>task</th><th>run</th>"
        "<th>status</th><th>d</th><th>verdict</th></tr></thead><tbody>"
        + "".join(run_rows)
        + "</tbody></table>"
    )
    index = site / "index.html"
    index.write_text(page("colliderbench results", body))
    (site / "tables.md").write_text("\n".join(t.to_markdown() for t in tables))
    for t in tables:
        (site / f"{safe_name(t.title.split(':')[0])}.csv").write_text(t.to_csv())
    (site / "aggregate.json").write_text(json.dumps(agg.to_json(), indent=2))
    return index
