"""Our cut-flow for TChiWZ(550, 200) in the SUS-16-034 VZ region next to the official CMS one.

    python benchmarks/cutflow_sus16034.py [--events N] [--workers W] [--seed S] [--from FILE.root]

The sample is made by ``colliderbench solve``'s chain (cached; jets carry their flavour), or read
with ``--from`` from a detector-level file it wrote. Rows are events at 35.9 fb^-1. The CMS numbers are the official
signal cut-flow for this mass point (../shared/analyses/cms-sus-16-034.md section 5), which starts
from sigma x BR(Z -> ee, mumu, tautau) x L; our first row is sigma x L x (computed filter
efficiency) for the same reason. Besides the cumulative yields the table shows the efficiency of
each step relative to the previous one, which localises a disagreement to one cut.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

TASK = "sus-16-034_sim-TChiWZ"

# Official CMS cut-flow, TChiWZ m(chi1+-) = m(chi20) = 550 GeV, m(chi10) = 200 GeV, 35.9 fb^-1.
# (benchmark only: the recast itself never sees these numbers)
CMS_CUTFLOW: list[tuple[str, float]] = [
    ("all events (Z -> ll forced)", 109.35),
    (">= 2 SFOS leptons, pT > 25 (20) GeV", 24.21),
    ("extra-lepton vetoes", 18.37),
    ("86 < m_ll < 96 GeV", 14.13),
    ("jets (label '2-3 jets')", 11.98),
    ("dphi(pTmiss, j1,2) > 0.4", 10.95),
    ("b-tag veto", 9.92),
    ("M_T2(ll) > 80 GeV", 8.04),
    ("m_jj < 110 GeV (label '150')", 5.62),
    ("pTmiss > 100 GeV", 5.41),
    ("pTmiss > 150 GeV", 4.96),
    ("pTmiss > 250 GeV", 3.59),
    ("pTmiss > 350 GeV", 1.94),
]


def _normalisation(events, meta):
    """sigma x L x filter efficiency / N, as solve normalises."""
    from colliderbench.corpus import LUMINOSITY_FB
    from colliderbench.recasts import recast_for
    from colliderbench.recasts.solve import Normalisation, cross_section_fb

    recast = recast_for(TASK)
    return Normalisation(
        xsec_fb=cross_section_fb(recast.xsec_process, recast.xsec_mass),
        luminosity_fb=LUMINOSITY_FB,
        filter_efficiency=float(meta.get("filter_efficiency", 1.0)),
        n_generated=len(events),
        xsec_process=recast.xsec_process,
        xsec_mass=recast.xsec_mass,
    )


def ours(events: int, workers: int, seed: int, from_file: Path | None) -> list[dict]:
    """Our cut-flow rows (cut, yield, yield_stat), the sigma x L x filter-efficiency row first."""
    sys.path.insert(0, str(Path(__file__).parent))
    import recast_validation

    from colliderbench.physics.delphes_io import read_delphes, read_metadata
    from colliderbench.recasts.solve import read_events, solve

    if from_file is not None:
        evts, meta = read_delphes(from_file), read_metadata(from_file)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="cutflow-sus16034-"))
        res = solve(TASK, events, workers=workers, seed=seed, workdir=workdir, progress=False,
                    score=False)  # fmt: skip
        root = Path(res.workdir) / "data" / "events.root"
        evts, meta = read_events([root]), read_metadata(root)
    norm = _normalisation(evts, meta)
    res = {
        "norm_per_event": norm.per_event,
        "cutflow": recast_validation.cutflow_with_bins(TASK, evts, norm),
    }
    per_event = res["norm_per_event"]
    return [
        {"cut": name, "yield": y, "yield_stat": np.sqrt(n) * per_event}
        for name, y, n in res["cutflow"]
    ]


def print_table(rows: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{TASK}: cut-flow at 35.9 fb^-1, ours vs official CMS")
    for col in ("step (ours)", "ours", "+- MC", "step eff.", "CMS", "CMS step eff.", "ours/CMS"):
        table.add_column(col, justify="left" if col.startswith("step (") else "right")
    prev_o = prev_c = None
    for row, (_cms_name, cms) in zip(rows, CMS_CUTFLOW, strict=False):
        y = float(row["yield"])
        eff_o = "" if prev_o is None else f"{y / prev_o:.3f}" if prev_o else "-"
        eff_c = "" if prev_c is None else f"{cms / prev_c:.3f}"
        table.add_row(
            str(row["cut"]),
            f"{y:.3f}",
            f"{float(row.get('yield_stat', 0.0)):.3f}",
            eff_o,
            f"{cms:.2f}",
            eff_c,
            f"{y / cms:.3f}",
        )
        prev_o, prev_c = y, cms
    Console(width=140).print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--from", dest="from_file", type=Path, default=None)
    args = parser.parse_args(argv)
    print_table(ours(args.events, args.workers, args.seed, args.from_file))
    return 0


if __name__ == "__main__":
    sys.exit(main())
