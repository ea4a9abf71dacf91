"""Events per second of the simulation chain, stage by stage, on one core; and the 2-worker speedup.

    python benchmarks/simulate_throughput.py [--events N] [--points T5Wg,T2tt] [--no-workers]

For T5Wg(1750, 1700) and T2tt(1000, 50):

  (a) Pythia alone: ``Pythia.next()`` in a loop, no extraction (initialisation excluded; the floor)
  (b) + particle extraction: ``generate_chunk`` (fresh seeded Pythia, ``nextBatch``, columnar arrays)
  (c) + detector: ``simulate_chunk`` (b + the CMS fast simulation)
  (d) full chain to ROOT: ``simulate(...)`` writing the Delphes-layout file, 1 worker
  (e) full chain, 2 workers; speedup = (e) / (d)

Targets (issue 3): (d) >= 60 % of (a); 2 workers >= 1.8x. Stages (a)-(d) run in this process and are
timed in CPU seconds of this process (``time.process_time``), which stays meaningful on a shared
machine; (d) and (e) are also given in wall-clock events/s, the only measure of a parallel speedup
(it needs two idle cores: the table prints the load average). One-time costs (imports, numba
compilation on the detector's first call) are paid in a 4-event warm-up before timing.
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
    t0 = time.process_time()
    done = 0
    while done < n:
        done += bool(pythia.next())
    return n / (time.process_time() - t0)


def rate_extraction(spec, n: int, seed: int) -> float:  # type: ignore[no-untyped-def]
    from colliderbench.physics.generate import generate_chunk

    t0 = time.process_time()
    generate_chunk(spec, n, seed)
    return n / (time.process_time() - t0)


def rate_detector(spec, n: int, seed: int) -> float:  # type: ignore[no-untyped-def]
    from colliderbench.physics.simulate import simulate_chunk

    simulate_chunk(spec, 4, seed, "cms", {"jet_radius": 0.4}, seed + 1)  # warm-up
    t0 = time.process_time()
    simulate_chunk(spec, n, seed, "cms", {"jet_radius": 0.4}, seed + 1)
    return n / (time.process_time() - t0)


def rate_chain(
    model: str, masses: dict[str, float], n: int, seed: int, workers: int
) -> tuple[float, float]:
    """(events per CPU second of this process, events per wall second) of ``simulate``."""
    from colliderbench.physics.simulate import simulate

    with tempfile.TemporaryDirectory() as tmp:
        # warm-up: first-use imports of the writer (uproot) and the detector's numba functions
        simulate(model=model, masses=masses, events=4, output=Path(tmp) / "w.root", progress=False)
        c0 = time.process_time()
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
        cpu = time.process_time() - c0
    return summary["events"] / cpu, summary["events"] / summary["wall_s"]


def _busy(n: int) -> int:
    total = 0
    for i in range(n):
        total += i
    return total


def machine_speedup(n: int = 10_000_000) -> float:
    """The 2-process speedup of a pure CPU loop right now: the ceiling any 2-worker run can reach
    on this machine at this moment (below 2 when other jobs occupy a core)."""
    import multiprocessing

    t0 = time.perf_counter()
    _busy(n)
    one = time.perf_counter() - t0
    with multiprocessing.get_context("fork").Pool(2) as pool:
        t0 = time.perf_counter()
        pool.map(_busy, [n, n])
        two = time.perf_counter() - t0
    return 2 * one / two


def rate_chain_chunks(
    model: str, masses: dict[str, float], n: int, seed: int
) -> tuple[float, float, float]:
    """The same 2-chunk run with 1 and with 2 workers: wall-clock events/s of each, and the
    speedup the code allows when two cores are free (CPU critical path, see ``main``)."""

    from colliderbench.physics.simulate import simulate

    rates, serial_cpu, critical = [], 0.0, 0.0
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            c0 = time.process_time()
            summary = simulate(
                model=model,
                masses=masses,
                events=n,
                output=Path(tmp) / "events.root",
                seed=seed,
                workers=workers,
                chunk_size=(n + 1) // 2,
                progress=False,
            )
            parent_cpu = time.process_time() - c0
        rates.append(summary["events"] / summary["wall_s"])
        if workers == 1:
            serial_cpu = parent_cpu
        else:
            # each worker ran one chunk: the run's critical path is the parent's own CPU time
            # (set-up, collecting, writing) plus the slower chunk
            critical = parent_cpu + max(summary["chunk_cpu_s"])
    return rates[0], rates[1], serial_cpu / critical


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
            row["d"], row["d_wall"] = rate_chain(name, POINTS[name], n, args.seed, 1)
            if not args.no_workers:
                # the same events in 2 chunks (one per worker), timed in wall clock like d_wall
                row["ceiling"] = machine_speedup()
                chunked = rate_chain_chunks(name, POINTS[name], n, args.seed)
                row["d_wall_chunked"], row["e"], row["cpu_speedup"] = chunked
        except ImportError as exc:  # the detector package is not there yet
            row["note"] = f"detector stages skipped: {exc}"
        rows.append(row)
        print_table(rows, n)


def print_table(rows: list[dict[str, float | str]], n: int) -> None:
    load = os.getloadavg()
    print(
        f"\n{n} events per stage, {os.cpu_count()} CPUs, load average {load[0]:.1f} {load[1]:.1f}"
    )
    print("events per CPU second, one process:")
    head = f"{'point':<18}{'(a) pythia':>12}{'(b) +extract':>14}{'(c) +detector':>15}{'(d) to ROOT':>13}{'d/a':>7}"
    print(head)
    print("-" * len(head))

    def fmt(v: object, w: int, spec: str = ".1f") -> str:
        return f"{v:>{w}{spec}}" if isinstance(v, float) else f"{'-':>{w}}"

    def ratio(x: object, y: object) -> float | None:
        return x / y if isinstance(x, float) and isinstance(y, float) else None

    for r in rows:
        print(
            f"{r['point']:<18}{fmt(r.get('a'), 12)}{fmt(r.get('b'), 14)}{fmt(r.get('c'), 15)}"
            f"{fmt(r.get('d'), 13)}{fmt(ratio(r.get('d'), r.get('a')), 7, '.0%')}"
        )
        if "note" in r:
            print(f"  {r['note']}")
    print("full chain, wall-clock events/s (2 chunks):")
    head = f"{'point':<18}{'1 worker':>10}{'2 workers':>11}{'speedup':>9}{'machine ceiling':>17}{'CPU-path speedup':>18}"
    print(head)
    print("-" * len(head))
    for r in rows:
        one, two = r.get("d_wall_chunked"), r.get("e")
        print(
            f"{r['point']:<18}{fmt(one, 10)}{fmt(two, 11)}{fmt(ratio(two, one), 9, '.2f')}"
            f"{fmt(r.get('ceiling'), 17, '.2f')}{fmt(r.get('cpu_speedup'), 18, '.2f')}"
        )
    print("targets: d/a >= 60 %, speedup >= 1.8")
    print("machine ceiling: 2-process speedup of a busy loop measured just before the worker runs")
    print(
        "CPU-path speedup: 1-worker CPU time / (parent CPU + slower chunk's CPU) of the 2-worker run,"
        " the wall-clock speedup on two free cores"
    )


if __name__ == "__main__":
    main()
