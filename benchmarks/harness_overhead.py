"""Harness costs and resume correctness, printed as a table.

    python benchmarks/harness_overhead.py [--repeats 10] [--cycles 3] [--task ID]

1. sandbox start-up: ``bwrap ... true`` through :func:`colliderbench.harness.sandbox.run_command`
   (median and max wall time), next to plain ``true`` as a subprocess;
2. harness overhead per run: a batch of ``replay`` runs whose script is ``true`` (workspace build,
   sandbox, trace, parse, scoring, run.json, database row), wall time per run;
3. resume correctness: a batch of replay runs (each sleeps a little) is SIGKILLed mid-way ``--cycles``
   times and re-run; after each re-run every finished run is kept byte-for-byte, the interrupted
   ones are redone, and the final state has every run finished exactly once.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

TASK = "sus-16-046_sim-TChiWg"
EXE = str(Path(sys.executable).parent / "colliderbench")


def startup(repeats: int) -> tuple[list[float], list[float]]:
    from colliderbench.harness.sandbox import run_command

    ws = Path(tempfile.mkdtemp(prefix="cb-bench-ws-"))
    sandboxed, plain = [], []
    try:
        for _ in range(repeats):
            t0 = time.perf_counter()
            res = run_command(ws, ["true"], timeout_s=30, backend="bwrap", network=True)
            sandboxed.append(time.perf_counter() - t0)
            assert res.exit_code == 0, res.stderr
            t0 = time.perf_counter()
            subprocess.run(["true"], check=True)
            plain.append(time.perf_counter() - t0)
    finally:
        shutil.rmtree(ws, ignore_errors=True)
    return sandboxed, plain


def overhead(repeats: int, task: str) -> list[float]:
    from colliderbench.harness.batch import BatchSpec, run_batch

    root = Path(tempfile.mkdtemp(prefix="cb-bench-runs-"))
    try:
        script = root / "true.sh"
        script.write_text("true\n")
        spec = BatchSpec(
            agent="replay",
            model=None,
            tasks=[task],
            repeats=repeats,
            sandbox="bwrap",
            runs_dir=root / "runs",
            script=script,
            walltime_s=60,
        )
        t0 = time.perf_counter()
        result = run_batch(spec, show=False)
        total = time.perf_counter() - t0
        per_run = [float(r["wall_s"]) for r in result.records]
        return [total / repeats, *per_run]
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _statuses(runs: Path) -> dict[str, dict[str, object]]:
    out = {}
    for p in runs.rglob("run.json"):
        if "workspace" in p.parts:
            continue
        rec = json.loads(p.read_text())
        out[rec["key"]] = rec
    return out


def resume(cycles: int, task: str, n_runs: int = 6) -> list[dict[str, object]]:
    """Kill the harness mid-batch ``cycles`` times, re-run each time; check what survived."""
    root = Path(tempfile.mkdtemp(prefix="cb-bench-resume-"))
    runs = root / "runs"
    script = root / "slow.sh"
    script.write_text("sleep 1.5\nsed -i 's/value: null/value: 1.0/' results/*.yaml\n")
    args = [EXE, "run", "--agent", "replay", "--script", str(script), "--task", task]
    args += ["--repeats", str(n_runs), "--runs-dir", str(runs), "--sandbox", "bwrap"]
    args += ["--walltime", "60"]
    rows = []
    try:
        for cycle in range(1, cycles + 1):
            before = {k: v for k, v in _statuses(runs).items() if v["status"] == "finished"}
            proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            target = len(before) + 1  # let at least one more run finish, then kill
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and proc.poll() is None:
                done = [v for v in _statuses(runs).values() if v["status"] == "finished"]
                if len(done) >= target:
                    break
                time.sleep(0.05)
            time.sleep(0.6)  # well inside the next run
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            after_kill = _statuses(runs)
            kept = all(after_kill[k] == v for k, v in before.items())
            interrupted = [k for k, v in after_kill.items() if v["status"] == "running"]
            rows.append(
                {
                    "cycle": cycle,
                    "finished_before": len(before),
                    "finished_at_kill": sum(
                        1 for v in after_kill.values() if v["status"] == "finished"
                    ),
                    "interrupted": len(interrupted),
                    "finished_kept": kept,
                }
            )
        # the final, uninterrupted re-run
        before = {k: v for k, v in _statuses(runs).items() if v["status"] == "finished"}
        res = subprocess.run(args, capture_output=True, text=True, timeout=600)
        final = _statuses(runs)
        rows.append(
            {
                "cycle": "final",
                "finished_before": len(before),
                "finished_at_kill": sum(1 for v in final.values() if v["status"] == "finished"),
                "interrupted": sum(1 for v in final.values() if v["status"] != "finished"),
                "finished_kept": all(final[k] == v for k, v in before.items())
                and res.returncode == 0
                and len(final) == n_runs,
                "skipped_line": next(
                    (line for line in res.stdout.splitlines() if "runs:" in line), ""
                ),
            }
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--cycles", type=int, default=3)
    ap.add_argument("--task", default=TASK)
    args = ap.parse_args()
    console = Console()

    sandboxed, plain = startup(args.repeats)
    t = Table(title="sandbox start-up (bwrap true)")
    for c in ("command", "median [ms]", "max [ms]", "n"):
        t.add_column(c, justify="right")
    for name, xs in (("bwrap ... true", sandboxed), ("true (no sandbox)", plain)):
        t.add_row(name, f"{1e3 * statistics.median(xs):.1f}", f"{1e3 * max(xs):.1f}", str(len(xs)))
    console.print(t)

    per_batch_run, *walls = overhead(args.repeats, args.task)
    t = Table(title="harness overhead per run (replay agent running `true`)")
    for c in ("measure", "median [s]", "max [s]", "n"):
        t.add_column(c, justify="right")
    t.add_row(
        "run wall_s (run.json)",
        f"{statistics.median(walls):.3f}",
        f"{max(walls):.3f}",
        str(len(walls)),
    )
    t.add_row("batch time / runs", f"{per_batch_run:.3f}", "", str(len(walls)))
    console.print(t)

    rows = resume(args.cycles, args.task)
    t = Table(title=f"resume after SIGKILL of the harness ({args.cycles} cycles, 6 runs)")
    for c in (
        "cycle",
        "finished before",
        "finished at kill / end",
        "interrupted",
        "finished runs kept",
    ):
        t.add_column(c, justify="right")
    for r in rows:
        t.add_row(
            str(r["cycle"]),
            str(r["finished_before"]),
            str(r["finished_at_kill"]),
            str(r["interrupted"]),
            "yes" if r["finished_kept"] else "NO",
        )
    console.print(t)
    if rows and rows[-1].get("skipped_line"):
        console.print(f"final re-run: {rows[-1]['skipped_line']}")
    ok = all(r["finished_kept"] for r in rows)
    console.print("resume correct" if ok else "[red]resume INCORRECT[/]")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
