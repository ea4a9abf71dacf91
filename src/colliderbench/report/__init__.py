"""Results: the paper's tables and figures, and a static HTML leaderboard, from run directories.

All numbers come from ``colliderbench.scoring``'s aggregation; nothing is computed twice.
"""

from __future__ import annotations

from pathlib import Path

from colliderbench.report._collect import RunRecord, collect_runs
from colliderbench.report._tables import Aggregate, Table, aggregate
from colliderbench.scoring import ACC_TAU


def build_report(roots: list[Path], out: Path, tau: float = ACC_TAU) -> Aggregate:
    """Read runs, write tables, plots and the site into ``out``; return the aggregate."""
    from colliderbench.report._html import write_site
    from colliderbench.report._plots import all_plots

    agg = aggregate(collect_runs(roots), tau)
    tables = [agg.leaderboard(), agg.table2(), agg.table3(), agg.table4()]
    plots = all_plots(agg, out / "plots")
    write_site(agg, plots, tables, out)
    return agg


__all__ = ["Aggregate", "RunRecord", "Table", "aggregate", "build_report", "collect_runs"]
