"""prospino: NLO+NLL SUSY cross sections at 13 TeV from the shipped tables (colliderbench.physics.xsec),
or from a real Prospino binary when one is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
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


def help_process(name: str) -> str:
    from colliderbench.physics import xsec
    from colliderbench.physics.models import MODELS

    proc = xsec.canonical_process(name)
    lo, hi = xsec.mass_range(proc)
    users = [
        f"{m.name} (--mass = m({m.xsec_mass_key}))"
        for m in MODELS.values()
        if m.xsec_process == proc
    ]
    aliases = sorted(a for a, t in xsec.ALIASES.items() if t == proc)
    lines = [
        f"{proc}: {xsec.TABLES[proc][1]}",
        f"--mass is {MASS_OF.get(proc, 'the mass of the produced sparticle')}, {lo:g}-{hi:g} GeV",
        "order: NLO+NLL, 13 TeV, with the total (scale, PDF, alpha_s) uncertainty",
        "simplified models normalised with it: " + (", ".join(users) if users else "none of ours"),
    ]
    if aliases:
        lines.append(f"also accepted as: {', '.join(aliases)}")
    return "\n".join(lines)


def run_binary(exe: str, timeout: float = 900.0) -> str:
    """Run a Prospino binary in a scratch folder; its ``prospino.dat``."""
    with tempfile.TemporaryDirectory(prefix="prospino-") as tmp:
        try:
            proc = subprocess.run(
                [exe], cwd=tmp, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise ToolFailure(f"{exe} did not finish within {timeout:g} s") from None
        out = Path(tmp) / "prospino.dat"
        if proc.returncode != 0 or not out.is_file():
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            raise ToolFailure(f"{exe} failed (exit {proc.returncode}): {tail[0]}")
        return out.read_text()


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
    p3 = sub.add_parser("run", help="the cross section at one mass")
    p3.add_argument("--process", required=True)
    p3.add_argument("--mass", type=float, required=True, help="GeV")
    p3.add_argument("--order", default="nlo_nll", help="nlo_nll (the only one tabulated)")
    p3.add_argument("--backend", choices=("tables", "binary"), default="tables")
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

    if args.order.lower() not in ORDERS:
        raise UserError(f"--order {args.order!r}: only nlo_nll is tabulated")
    if args.backend == "binary":
        exe = binary()
        if exe is None:
            raise UserError(
                "no Prospino binary here ($PROSPINO or prospino_2.run on the PATH); use --backend tables"
            )
        print(f"# {exe} (its process and masses are those it was compiled for)")
        print(run_binary(exe), end="")
        return 0
    from colliderbench.physics import xsec

    result = xsec.cross_section(args.process, args.mass)
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
