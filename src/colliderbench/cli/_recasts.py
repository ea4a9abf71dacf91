"""``colliderbench solve``: a task's reference recast, end to end, into a workdir."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from colliderbench.errors import UserError

try:  # inside an agent's sandbox the recasts are a stub that refuses to import
    import colliderbench.recasts  # noqa: F401
except ImportError as exc:
    raise UserError(f"`colliderbench solve` is not available: {exc}") from None


@click.command()
@click.argument("task_id")
@click.option("--events", "n_events", type=int, required=True, help="Events to generate.")
@click.option("--workers", type=int, default=1, show_default=True, help="Generator processes.")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed of the sample.")
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Where the deliverable goes (results/, analysis/, sims/, data/, report.md, cutflow.json).",
)
@click.option("--no-cache", is_flag=True, help="Simulate even if this sample is in the cache.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def solve(
    task_id: str,
    n_events: int,
    workers: int,
    seed: int,
    workdir: Path,
    no_cache: bool,
    as_json: bool,
) -> None:
    """Run TASK_ID's reference recast and write the full agent deliverable into WORKDIR.

    Shape and yield tasks use their sim task's recast. Prints the cut-flow and the score (when the
    hidden references are visible; inside a sandbox the harness scores).
    """
    from colliderbench.recasts.solve import solve as run_solve

    result = run_solve(
        task_id,
        n_events,
        workers=workers,
        seed=seed,
        workdir=workdir,
        cache=not no_cache,
        progress=not as_json,
    )
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    print_result(result.to_dict())


def print_result(res: dict[str, Any]) -> None:
    """Cut-flow, histogram and score as rich tables."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    norm = res["normalisation"]
    cut = Table(
        title=f"{res['task']} cut-flow  (sigma = {norm['xsec_fb']:.4g} fb, "
        f"L = {norm['luminosity_fb']} fb^-1, N = {res['n_generated']})"
    )
    for col in ("cut", "events", "efficiency", "yield"):
        cut.add_column(col, justify="left" if col == "cut" else "right")
    for row in res["cutflow"]:
        cut.add_row(
            row["cut"], str(row["events"]), f"{row['efficiency']:.4f}", f"{row['yield']:.4g}"
        )
    console.print(cut)

    hist = Table(title="signal yield at 35.9 fb^-1")
    for col in ("bin [GeV]", "yield", "MC stat"):
        hist.add_column(col, justify="right")
    for label, v, e in zip(res["labels"], res["values"], res["errors"], strict=True):
        hist.add_row(label, f"{v:.4g}", f"{e:.2g}")
    hist.add_row("total", f"{res['total']:.4g}", f"{res['total_error']:.2g}")
    console.print(hist)

    score = res.get("score")
    if score is None:
        console.print(res.get("score_note") or "no score")
    elif not score["valid"]:
        console.print(f"score: invalid ({score['reason']})")
    else:
        delta = score["delta_norm"]
        delta_text = "n/a" if delta is None else f"{delta:.3f}"
        console.print(
            f"score: d = {score['relative_l2']:.3f}  delta_norm = {delta_text}  "
            f"shape_l2 = {score['shape_l2']:.3f}  ({score['type']} task; primary "
            f"{score['primary']:.3f})"
        )
    console.print(f"deliverable written to {res['workdir']}")
