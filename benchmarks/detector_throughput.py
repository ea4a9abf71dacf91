"""Time per event of the fast detector simulation (and of the Delphes-layout writer) on Pythia events.

    python benchmarks/detector_throughput.py [--events N] [--points T5Wg,T2tt]

Generates N events per point once (not timed), then runs ``simulate_detector`` on the final-state
particles (warm: the first call, which loads numba and FastJet, is timed separately) and on the full
record (partons derived from it), and ``write_delphes``. Times are CPU seconds of this process
(``time.process_time``), so a machine shared with other jobs does not inflate them.
Target (issue 3): well under ~1.5 ms/event, so that the chain keeps >= 60 % of the bare Pythia
rate (~4 ms/event for gluino pairs).
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--points", default="T5Wg,T2tt")
    args = parser.parse_args()

    from colliderbench.physics.delphes_io import write_delphes
    from colliderbench.physics.detector import DetectorConfig, simulate_detector
    from colliderbench.physics.generate import generate_chunk, with_keep_particles
    from colliderbench.physics.simulate import sample_from_model

    rows = []
    for name in args.points.split(","):
        sample = sample_from_model(name, POINTS[name])
        record, _ = generate_chunk(with_keep_particles(sample.spec, True), args.events, 11)
        final = record[record["status"] == 1][["pid", "px", "py", "pz", "e", "m", "charge"]]
        n = len(final)
        t0 = time.process_time()
        simulate_detector(final[:10], DetectorConfig(), 1)
        first = time.process_time() - t0
        t0 = time.process_time()
        events = simulate_detector(final, DetectorConfig(), 1)
        warm = time.process_time() - t0
        t0 = time.process_time()
        simulate_detector(record, DetectorConfig(), 1)
        full = time.process_time() - t0
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.process_time()
            write_delphes(Path(tmp) / "events.root", events, {"model": name})
            write = time.process_time() - t0
        mean_particles = len(final.pid.layout.content) / n
        rows.append(
            (name, n, mean_particles, first, 1e3 * warm / n, 1e3 * full / n, 1e3 * write / n)
        )

    print(f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'point':6} {'events':>6} {'stable/ev':>9} {'first call s':>12} {'det ms/ev':>9} "
          f"{'det+partons ms/ev':>17} {'write ms/ev':>11}")  # fmt: skip
    for r in rows:
        print(f"{r[0]:6} {r[1]:6d} {r[2]:9.0f} {r[3]:12.2f} {r[4]:9.3f} {r[5]:17.3f} {r[6]:11.3f}")


if __name__ == "__main__":
    main()
