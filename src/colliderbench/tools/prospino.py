"""prospino: NLO+NLL SUSY cross sections at 13 TeV from the shipped tables (colliderbench.physics.xsec),
or from a real Prospino binary when one is installed."""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from colliderbench.errors import UserError
from colliderbench.tools._common import ArgParser, ToolFailure, cli_entry, print_json, run_tool

TOOL = "prospino"
ORDERS = ("nlo_nll",)
MASS_OF = {
    "gluino_pair": "the gluino mass",
    "squark_antisquark": "the common mass of the 10 light-flavour squarks",
    "stop_pair": "the stop (or sbottom) mass",
    "wino_c1n2": "the common mass of the wino-like chargino1 and neutralino2",
    "wino_c1pn2": "the common mass of the wino-like chargino1+ and neutralino2",
    "wino_c1mn2": "the common mass of the wino-like chargino1- and neutralino2",
    "wino_c1c1": "the wino-like chargino1 mass",
}


def binary() -> str | None:
    """A Prospino executable: ``$PROSPINO`` or ``prospino_2.run`` on the PATH."""
    env = os.environ.get("PROSPINO")
    if env and Path(env).is_file() and os.access(env, os.X_OK):
        return env
    return shutil.which("prospino_2.run")


def processes() -> list[dict[str, Any]]:
    from colliderbench.physics import xsec

    return [
        {
            "process": name,
            "mass_min": xsec.mass_range(name)[0],
            "mass_max": xsec.mass_range(name)[1],
            "what": what,
        }
        for name, (_, what) in xsec.TABLES.items()
    ]


def process_info(name: str) -> dict[str, Any]:
    """What a tabulated process is, which mass ``--mass`` means, and the models it normalises."""
    from colliderbench.physics import xsec
    from colliderbench.physics.models import MODELS

    proc = xsec.canonical_process(name)
    lo, hi = xsec.mass_range(proc)
    return {
        "process": proc,
        "what": xsec.TABLES[proc][1],
        "mass": MASS_OF.get(proc, "the mass of the produced sparticle"),
        "mass_min": lo,
        "mass_max": hi,
        "order": "NLO+NLL, 13 TeV, with the total (scale, PDF, alpha_s) uncertainty",
        "models": [
            {"model": m.name, "mass_key": m.xsec_mass_key}
            for m in MODELS.values()
            if m.xsec_process == proc
        ],
        "aliases": sorted(a for a, t in xsec.ALIASES.items() if t == proc),
    }


def help_process(name: str) -> str:
    info = process_info(name)
    users = [f"{m['model']} (--mass = m({m['mass_key']}))" for m in info["models"]]
    lines = [
        f"{info['process']}: {info['what']}",
        f"--mass is {info['mass']}, {info['mass_min']:g}-{info['mass_max']:g} GeV",
        f"order: {info['order']}",
        "simplified models normalised with it: " + (", ".join(users) if users else "none of ours"),
    ]
    if info["aliases"]:
        lines.append(f"also accepted as: {', '.join(info['aliases'])}")
    return "\n".join(lines)


# prospino.dat columns after the final-state code (Prospino 2's short output, one line per
# channel); the Higgs channels (hh, ht) end with NLO_SUSY instead of LO_ms and NLO_ms.
DAT_COLUMNS = (
    "i1", "i2", "dummy0", "dummy1", "scafac", "m1", "m2", "angle",
    "lo_pb", "lo_rel_error", "nlo_pb", "nlo_rel_error", "k_factor",
)  # fmt: skip


def parse_dat(text: str) -> list[dict[str, Any]]:
    """The result lines of a ``prospino.dat`` (the column header and anything else is skipped)."""
    rows: list[dict[str, Any]] = []
    for line in text.splitlines():
        tokens = line.split()
        if len(tokens) <= len(DAT_COLUMNS) or not tokens[0].isalpha():
            continue
        try:
            numbers = [float(t) for t in tokens[1:]]
        except ValueError:
            continue
        n = len(DAT_COLUMNS)
        row: dict[str, Any] = {"final_state": tokens[0]}
        row |= dict(zip(DAT_COLUMNS, numbers[:n], strict=True))
        row["i1"], row["i2"] = int(row["i1"]), int(row["i2"])
        tail = ("lo_ms_pb", "nlo_ms_pb") if len(numbers) > n + 1 else ("nlo_susy_pb",)
        row |= dict(zip(tail, numbers[n:], strict=False))
        rows.append(row)
    return rows


def run_binary(exe: str, slha: str, timeout: float = 900.0) -> str:
    """Run a Prospino 2 binary on an SLHA spectrum; the text of its ``prospino.dat``.

    Prospino reads ``prospino.in.les_houches`` and its PDF grids (``./Pro2_subroutines``) from the
    working directory, so the scratch folder gets the spectrum and a link to the grids."""
    exe = str(Path(exe).resolve())
    with tempfile.TemporaryDirectory(prefix="prospino-") as tmp:
        run_dir = Path(tmp)
        (run_dir / "prospino.in.les_houches").write_text(slha)
        grids = Path(exe).parent / "Pro2_subroutines"
        if grids.is_dir():
            (run_dir / "Pro2_subroutines").symlink_to(grids)
        try:
            proc = subprocess.run(
                [exe], cwd=run_dir, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise ToolFailure(f"{exe} did not finish within {timeout:g} s") from None
        out = run_dir / "prospino.dat"
        if proc.returncode != 0 or not out.is_file():
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            raise ToolFailure(f"{exe} failed (exit {proc.returncode}): {tail[0]}")
        return out.read_text()


def _spectrum(args: argparse.Namespace) -> tuple[str, str]:
    """(where the spectrum comes from, SLHA text) for the binary backend."""
    if args.slha is not None and args.model is not None:
        raise UserError("give --slha FILE or --model NAME, not both")
    if args.slha is not None:
        if not args.slha.is_file():
            raise UserError(f"no such SLHA file: {args.slha}")
        return str(args.slha), args.slha.read_text()
    if args.model is None:
        raise UserError(
            "--backend binary needs a spectrum: --slha FILE, or --model NAME --mass KEY=GEV ... "
            "(keys: `simulate models`)"
        )
    from colliderbench.physics.models import model_slha, parse_mass_args

    model, masses, text = model_slha(args.model, parse_mass_args(args.mass))
    return f"{model.name} " + " ".join(f"{k}={v:g}" for k, v in masses.items()), text


def _run_binary_backend(args: argparse.Namespace) -> int:
    exe = binary()
    if exe is None:
        raise UserError(
            "no Prospino binary here ($PROSPINO or prospino_2.run on the PATH); use --backend tables"
        )
    source, slha = _spectrum(args)
    if args.process:
        sys.stderr.write(
            "prospino: --process is not passed to the binary: it computes the process compiled "
            "into it (prospino_main.f)\n"
        )
    rows = parse_dat(run_binary(exe, slha))
    if not rows:
        raise ToolFailure(f"{exe} wrote a prospino.dat without result lines")
    if args.json:
        print_json({"backend": "binary", "binary": exe, "spectrum": source, "results": rows})
        return 0
    print(f"# {exe} on {source} (the process is the one compiled into the binary)")
    for r in rows:
        print(
            f"{r['final_state']} i1={r['i1']} i2={r['i2']} m1={r['m1']:g} m2={r['m2']:g} GeV: "
            f"LO {r['lo_pb']:.6g} pb, NLO {r['nlo_pb']:.6g} pb (K = {r['k_factor']:.4g})"
        )
    return 0


def _mass(values: list[str]) -> float:
    if len(values) != 1:
        raise UserError("the tables need one --mass GEV (e.g. --process gluino_pair --mass 1750)")
    try:
        mass = float(values[0])
    except ValueError:
        raise UserError(f"--mass {values[0]!r} is not a number of GeV") from None
    if not math.isfinite(mass):
        raise UserError(f"--mass {values[0]!r} is not a finite number of GeV")
    return mass


def _body(argv: list[str]) -> int:
    parser = ArgParser(
        prog=TOOL, description="NLO+NLL SUSY cross sections at 13 TeV. Full manual: prospino --doc"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    p = sub.add_parser("list-processes", help="processes and mass ranges")
    p.add_argument("--json", action="store_true")
    p2 = sub.add_parser("help-process", help="what a process is and which mass to give")
    p2.add_argument("process")
    p2.add_argument("--json", action="store_true")
    p3 = sub.add_parser("run", help="the cross section at one mass")
    p3.add_argument("--process", help="a tabulated process (tables backend)")
    p3.add_argument(
        "--mass",
        action="append",
        default=[],
        metavar="GEV|KEY=GEV",
        help="GeV; KEY=GEV (repeatable) with --model",
    )
    p3.add_argument("--order", default="nlo_nll", help="nlo_nll (the only one tabulated)")
    p3.add_argument("--backend", choices=("tables", "binary"), default="tables")
    p3.add_argument("--slha", type=Path, metavar="FILE", help="binary backend: the spectrum")
    p3.add_argument("--model", help="binary backend: the spectrum of this simplified model")
    p3.add_argument("--json", action="store_true")
    p4 = sub.add_parser("info", help="where the numbers come from; a Prospino binary if found")
    p4.add_argument("--json", action="store_true")
    for s in (p, p2, p3, p4):
        s.error = parser.error  # type: ignore[method-assign]
    args = parser.parse_args(argv)

    if args.command == "list-processes":
        rows = processes()
        if args.json:
            print_json(rows)
        else:
            for r in rows:
                print(
                    f"{r['process']:<18} {r['mass_min']:>5g}-{r['mass_max']:<5g} GeV  {r['what']}"
                )
        return 0
    if args.command == "help-process":
        if args.json:
            print_json(process_info(args.process))
        else:
            print(help_process(args.process))
        return 0
    if args.command == "info":
        exe = binary()
        data = {
            "tables": "LHC SUSY Cross Section WG NLO+NLL, 13 TeV, log-interpolated",
            "binary": exe,
        }
        if args.json:
            print_json(data)
        else:
            print(f"tables: {data['tables']}")
            print(
                f"Prospino binary: {exe or 'none found (set $PROSPINO or put prospino_2.run on the PATH)'}"
            )
        return 0

    if args.backend == "binary":
        return _run_binary_backend(args)
    if args.order.lower() not in ORDERS:
        raise UserError(f"--order {args.order!r}: only nlo_nll is tabulated")
    if args.slha is not None or args.model is not None:
        raise UserError("--slha and --model are for --backend binary; the tables take --process")
    if not args.process:
        raise UserError("the tables need --process (see `prospino list-processes`)")
    from colliderbench.physics import xsec

    result = xsec.cross_section(args.process, _mass(args.mass))
    if args.json:
        print_json(result.as_dict())
    else:
        print(
            f"{result.process} m = {result.mass_gev:g} GeV, 13 TeV NLO+NLL: "
            f"{result.value_pb:.6g} pb = {result.value_fb:.6g} fb +- {100 * result.rel_unc:.3g} %"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``prospino ARGS``."""
    return run_tool(TOOL, argv, _body)


if __name__ == "__main__":
    cli_entry(TOOL, _body)
