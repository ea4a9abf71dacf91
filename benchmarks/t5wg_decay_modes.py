"""Which T5Wg events make the published CMS-SUS-16-047 "T5Wg 1600/100" yields?

The paper says the gluinos decay 50/50 to q q chi^0_1 (-> gamma G~) and q q' chi^+-_1 (-> W G~),
so events have 0, 1 or 2 photons. The analysis group's code labels the events with exactly one
chi^0_1 as "T5Wg" (two: T5gg, none: T5WW) and, for this benchmark point, normalises them to all
generated events. This script simulates the full 50/50 mixture with the generator record, splits
the SUS-16-047 signal-region yields by the number of chi^0_1 decays, and scores three readings:

- paper: every event (0, 1 or 2 photons), sigma x L;
- group code: gamma-W events only, normalised to all generated events (sigma x L x 0.5);
- gamma-W as BR = 1: gamma-W events normalised to themselves (the group's scan normalisation).

It prints a table; the reference recast uses the second reading (``--neutralino-count 1``).

    python benchmarks/t5wg_decay_modes.py --events 24000 --workers 2
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import awkward as ak
import numpy as np

from colliderbench.corpus import load_task
from colliderbench.physics import simulate as physics_simulate
from colliderbench.recasts import cms_sus_16_047 as recast
from colliderbench.recasts.solve import cross_section_fb, read_events
from colliderbench.scoring import score_values

MASSES = {"gluino": 1600.0, "nlsp": 100.0}
BINS = ((350.0, 450.0), (450.0, 600.0), (600.0, np.inf))
TASKS = {"high": "sus-16-047_sim-T5Wg_highHT", "low": "sus-16-047_sim-T5Wg_lowHT"}


def decayed_neutralinos(events: ak.Array) -> np.ndarray:
    """Per event, the number of chi^0_1 that decay (last copies: a daughter that is not a chi^0_1)."""
    pid = ak.to_numpy(ak.flatten(events.Particle.PID))
    d1 = ak.to_numpy(ak.flatten(events.Particle.D1))
    counts = ak.to_numpy(ak.num(events.Particle.PID))
    event = np.repeat(np.arange(len(counts)), counts)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    daughter = np.zeros_like(pid)
    has = d1 >= 0
    daughter[has] = pid[(start[event] + d1)[has]]
    last = (np.abs(pid) == 1000022) & (np.abs(daughter) != 1000022)
    return np.bincount(event[last], minlength=len(counts))


def binned(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Yields and MC stat errors in the three pTmiss bins (the last holds the overflow)."""
    sums, errs = [], []
    for lo, hi in BINS:
        w = weights[(values > lo) & (values <= hi)]
        sums.append(w.sum())
        errs.append(np.sqrt((w**2).sum()))
    return np.array(sums), np.array(errs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=24000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cb-t5wg-modes-") as tmp:
        out = Path(tmp) / "t5wg.root"
        physics_simulate.simulate(
            model="T5Wg",
            masses=MASSES,
            events=args.events,
            output=out,
            seed=args.seed,
            workers=args.workers,
            keep_particles=True,
            detector={"jet_radius": 0.4},
            progress=False,
        )
        events = read_events([out])
    wall = time.perf_counter() - t0
    n = len(events)
    modes = decayed_neutralinos(events)
    per_event = cross_section_fb("gluino_pair", 1600.0) * 35.9 / n
    print(f"T5Wg(1600,100), {n} events (seed {args.seed}), {wall:.0f} s")
    print(
        "events by decayed chi^0_1: "
        + ", ".join(f"{k}: {np.mean(modes == k):.3f}" for k in (0, 1, 2))
    )
    print()
    print("| region | reading | bins | total +- MC stat | d | delta | shape |")
    print("|---|---|---|---|---|---|---|")
    readings = {
        "paper (all events)": (np.ones(n, bool), 1.0),
        "group code (gamma W, all-event norm.)": (modes == 1, 1.0),
        "gamma W as BR = 1": (modes == 1, n / max(int((modes == 1).sum()), 1)),
    }
    for region, task_id in TASKS.items():
        sel = recast.select(events, region)
        task = load_task(task_id)
        for name, (mask, scale) in readings.items():
            w = sel.weight * sel.passed * mask * per_event * scale
            y, e = binned(sel.values, w)
            s = score_values(task, y.tolist())
            print(
                f"| {region} | {name} | {' / '.join(f'{v:.2f}' for v in y)} | "
                f"{y.sum():.2f} +- {np.sqrt((e**2).sum()):.2f} | {s.relative_l2:.3f} | "
                f"{s.delta_norm if s.delta_norm is not None else float('nan'):.3f} | "
                f"{s.shape_l2:.3f} |"
            )
        for k in (0, 1, 2):
            w = sel.weight * sel.passed * (modes == k) * per_event
            y, _ = binned(sel.values, w)
            print(
                f"| {region} | share with {k} chi^0_1 | {' / '.join(f'{v:.2f}' for v in y)} | {y.sum():.2f} | | | |"
            )


if __name__ == "__main__":
    main()
