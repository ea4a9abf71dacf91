"""``colliderbench report``: tables, figures and a static HTML leaderboard from runs."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command()
@click.argument("runs_dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=Path("site"), show_default=True)
@click.option("--tau", type=float, default=0.33, show_default=True, help="Acc_tau threshold.")
@click.option("--json", "as_json", is_flag=True, help="Print the aggregate as JSON.")
def report(runs_dirs: tuple[Path, ...], out: Path, tau: float, as_json: bool) -> None:
    """Turn run directories into Tables 2-4, Acc_tau, the paper's plots and site/index.html."""
    from colliderbench.report import build_report

    agg = build_report(list(runs_dirs), out, tau)
    if as_json:
        click.echo(json.dumps(agg.to_json(), indent=2))
        return
    click.echo(agg.leaderboard().to_markdown())
    click.echo(agg.table2().to_markdown())
    click.echo(f"site: {out / 'index.html'}")
