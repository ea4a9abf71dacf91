"""Events per second of the simulation chain, stage by stage, on one core; and the 2-worker speedup.

    python benchmarks/simulate_throughput.py [--events N] [--points T5Wg,T2tt] [--no-workers]

For T5Wg(1750, 1700) and T2tt(1000, 50):

  (a) Pythia alone: ``Pythia.next()`` in a loop, no extraction (initialisation excluded; the floor)
  (b) + particle extraction: ``generate_chunk`` (fresh seeded Pythia, ``nextBatch``, columnar arrays)
  (c) + detector: ``simulate_chunk`` (b + the CMS fast simulation)
  (d) full chain to ROOT: ``simulate(...)`` writing the Delphes-layout file, 1 worker
  (e) full chain, 2 workers; speedup = (e) / (d)

Targets (issue 3): (d) >= 60 % of (a); 2 workers >= 1.8x. Timings are wall clock and depend on what
else runs on the machine; the table also prints the load average so a busy machine is visible.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

POINTS = {
    "T5Wg": {"gluino": 1750.0, "nlsp": 1700.0},
    "T2tt": {"stop": 1000.0, "neutralino1": 50.0},
}


def rate_pythia_alone(spec, n: int, seed: int) -> float:  # type: ignore[no-untyped-def]
    from colliderbench.physics.generate import _make_pythia

    with tempfile.TemporaryDirectory() as tmp:
        pythia = _make_pythia(spec, seed, tmp)
    t0 = time.perf_counter()
    done = 0
    while done < n:
        done += bool(pythia.next())
    return n / (time.perf_counter() - t0)


def rate_extraction(spec, n: int, seed: int) -> float:  # type: ignore[no-untyped-def]
    from colliderbench.physics.generate import generate_chunk

    t0 = time.perf_counter()
    generate_chunk(spec, n, seed)
    return n / (time.perf_counter() - t0)


def rate_detector(spec, n: int, seed: int) -> float:  # type: ignore[no-untyped-def]
    from colliderbench.physics.simulate import simulate_chunk

    t0 = time.perf_counter()
    simulate_chunk(spec, n, seed, "cms", {"jet_radius": 0.4}, seed + 1)
    return n / (time.perf_counter() - t0)


def rate_chain(model: str, masses: dict[str, float], n: int, seed: int, workers: int) -> float:
    from colliderbench.physics.simulate import simulate

    with tempfile.TemporaryDirectory() as tmp:
        summary = simulate(
            model=model,
            masses=masses,
            events=n,
            output=Path(tmp) / "events.root",
            seed=seed,
            workers=workers,
            detector="cms",
            jet_r=0.4,
            progress=False,
        )
    return summary["events"] / summary["wall_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000, help="events per stage and point")
    parser.add_argument("--points", default="T5Wg,T2tt")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--no-workers", action="store_true", help="skip the 2-worker run")
    args = parser.parse_args()

    from colliderbench.physics.simulate import sample_from_model

    n = args.events
    rows = []
    for name in args.points.split(","):
        spec = sample_from_model(name, POINTS[name]).spec
        row: dict[str, float | str] = {
            "point": f"{name}{tuple(int(v) for v in POINTS[name].values())}"
        }
        row["a"] = rate_pythia_alone(spec, n, args.seed)
        row["b"] = rate_extraction(spec, n, args.seed)
        try:
            row["c"] = rate_detector(spec, n, args.seed)
            row["d"] = rate_chain(name, POINTS[name], n, args.seed, 1)
            if not args.no_workers:
                # 2 chunks per worker so both workers stay busy for the whole run
                row["e"] = rate_chain(name, POINTS[name], 2 * n, args.seed, 2)
        except ImportError as exc:  # the detector package is not there yet
            row["note"] = f"detector stages skipped: {exc}"
        rows.append(row)
        print_table(rows, n)


def print_table(rows: list[dict[str, float | str]], n: int) -> None:
    load = os.getloadavg()
    print(
        f"\nevents/s, {n} events per stage, {os.cpu_count()} CPUs, load average {load[0]:.1f} {load[1]:.1f}"
    )
    head = f"{'point':<18}{'(a) pythia':>12}{'(b) +extract':>14}{'(c) +detector':>15}{'(d) chain':>11}{'d/a':>7}{'(e) 2 workers':>15}{'e/d':>7}"
    print(head)
    print("-" * len(head))

    def fmt(v: object, w: int, spec: str = ".1f") -> str:
        return f"{v:>{w}{spec}}" if isinstance(v, float) else f"{'-':>{w}}"

    for r in rows:
        a, d, e = r.get("a"), r.get("d"), r.get("e")
        d_over_a = d / a if isinstance(a, float) and isinstance(d, float) else None
        e_over_d = e / d if isinstance(d, float) and isinstance(e, float) else None
        print(
            f"{r['point']:<18}{fmt(a, 12)}{fmt(r.get('b'), 14)}{fmt(r.get('c'), 15)}{fmt(d, 11)}"
            f"{fmt(d_over_a, 7, '.0%')}{fmt(e, 15)}{fmt(e_over_d, 7, '.2f')}"
        )
        if "note" in r:
            print(f"  {r['note']}")
    print("targets: d/a >= 60 %, e/d >= 1.8")


if __name__ == "__main__":
    main()
