"""simulate: what event generators and detector simulations exist here, and a front end of
``colliderbench simulate`` (Pythia 8 + the CMS fast simulation)."""

from __future__ import annotations

import os
import shutil
import sys
from importlib import metadata
from typing import Any

from colliderbench.tools._common import (
    ArgParser,
    Refused,
    cli_entry,
    disabled_tools,
    print_json,
    run_tool,
    workspace_config,
)

TOOL = "simulate"
EXTERNAL = {
    "mg5_aMC": "MadGraph5_aMC@NLO: matrix-element generation (LHE output, then `simulate run --lhe`)",
    "DelphesHepMC3": "Delphes: detector simulation of HepMC3 events with a detector card",
    "DelphesHepMC2": "Delphes: detector simulation of HepMC2 events",
    "DelphesSTDHEP": "Delphes: detector simulation of STDHEP events",
    "pythia8-config": "a Pythia 8 C++ installation (compile your own main programs against it)",
}


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _task_example() -> str | None:
    """A command simulating this workspace's own signal point (inside a workspace)."""
    task_id = workspace_config().get("task")
    if not task_id:
        return None
    from colliderbench.corpus import load_task
    from colliderbench.physics.models import MODELS

    task = load_task(task_id)
    model = MODELS.get(task.signal.model)
    if model is None:
        return None
    canonical = {model.aliases.get(k, k): v for k, v in task.signal.masses_gev.items()}
    masses = " ".join(f"--mass {k}={canonical[k]:g}" for k in model.mass_keys if k in canonical)
    extra = " --z-filter ll" if task.signal.model == "TChiWZ" else ""
    return (
        f"simulate run --model {task.signal.model} {masses}{extra} --events 500 "
        f"--out data/{task.signal.name}_test.root"
    )


def info() -> dict[str, Any]:
    """The embedded stack (always) and the external programs found on the PATH."""
    no_detector = "delphes" in disabled_tools()
    embedded = {
        "generator": f"Pythia 8 (pythia8mc {_version('pythia8mc') or '?'}), 13 TeV pp, CUETP8M1 tune",
        "jets": f"FastJet (fastjet {_version('fastjet') or '?'}), anti-kT R=0.4",
        "detector": (
            "not available in this task (ablation): generator-level particles only"
            if no_detector
            else "CMS fast simulation with the Delphes 3.5 CMS card parameters (colliderbench)"
        ),
        "output": f"ROOT files in the Delphes tree layout (uproot {_version('uproot') or '?'})",
        "cross sections": "NLO+NLL tables: the `prospino` tool",
    }
    external = {
        name: {"path": path, "what": what}
        for name, what in EXTERNAL.items()
        if (path := shutil.which(name))
    }
    examples = [
        "simulate models",
        "simulate run --model T5Wg --mass gluino=1750 --mass nlsp=1700 --events 500 --out data/test.root",
        "simulate run --model T2tt --mass stop=1000 --mass neutralino1=50 --events 20000 --workers 2 "
        "--out data/t2tt.root",
    ]
    own = _task_example()
    if own:
        examples[1] = own
    if "mg5_aMC" in external:
        examples.append(
            "mg5_aMC proc_card.dat   # then: simulate run --lhe Events/run_01/unweighted_events.lhe ..."
        )
    if "DelphesHepMC3" in external:
        examples.append("DelphesHepMC3 delphes_card_CMS.tcl out.root events.hepmc")
    return {
        "embedded": embedded,
        "external": external,
        "examples": examples,
        "cpus": os.cpu_count(),
    }


def models() -> list[dict[str, Any]]:
    from colliderbench.physics.models import MODELS

    return [
        {
            "model": m.name,
            "mass_keys": list(m.mass_keys),
            "description": m.description,
            "xsec_process": m.xsec_process,
            "xsec_mass": m.xsec_mass_key,
        }
        for m in MODELS.values()
    ]


def _run(args: list[str]) -> int:
    """Forward to ``colliderbench simulate`` (in-process); click errors become one line."""
    import click

    from colliderbench.cli._physics import simulate as command

    if "delphes" in disabled_tools():
        if any(a in ("--detector=cms",) for a in args) or any(
            a == "--detector" and i + 1 < len(args) and args[i + 1] == "cms"
            for i, a in enumerate(args)
        ):
            raise Refused("the detector simulation is disabled for this task (ablation)")
        if not any(a == "--detector" or a.startswith("--detector=") for a in args):
            args = [*args, "--detector", "none"]
    try:
        command.main(args=args, prog_name="simulate run", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        sys.stderr.write(
            f"simulate run: error: {exc.format_message()} (see `simulate run --help`)\n"
        )
        return 2
    return 0


def _body(argv: list[str]) -> int:
    if argv[:1] == ["run"]:
        rest = argv[1:]
        if rest in ([], ["-h"]):
            rest = ["--help"]
        return _run([a if a != "-h" else "--help" for a in rest])
    parser = ArgParser(
        prog=TOOL,
        description="Event generation and detector simulation. `simulate run --help` lists the run "
        "options; full manual: simulate --doc",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    p = sub.add_parser("info", help="generators and detector simulations available here")
    p.add_argument("--json", action="store_true")
    p2 = sub.add_parser("models", help="simplified models and their mass keys")
    p2.add_argument("--json", action="store_true")
    sub.add_parser("run", help="generate and simulate events (colliderbench simulate)")
    for s in (p, p2):
        s.error = parser.error  # type: ignore[method-assign]
    args = parser.parse_args(argv)
    if args.command == "info":
        data = info()
        if args.json:
            print_json(data)
            return 0
        print("Embedded stack (always available):")
        for k, v in data["embedded"].items():
            print(f"  {k:<15} {v}")
        print("External programs on the PATH:")
        if not data["external"]:
            print("  none (no mg5_aMC, Delphes or Pythia C++ found)")
        for k, v in data["external"].items():
            print(f"  {k:<15} {v['path']}  {v['what']}")
        print(f"CPU cores: {data['cpus']}\n\nExamples:")
        for e in data["examples"]:
            print(f"  {e}")
        return 0
    rows = models()
    if args.json:
        print_json(rows)
    else:
        for r in rows:
            keys = " ".join(f"--mass {k}=..." for k in r["mass_keys"])
            print(f"{r['model']:<7} {keys:<44} {r['description']}")
            print(
                f"{'':<7} normalise with: prospino run --process {r['xsec_process']} --mass <{r['xsec_mass']}>"
            )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``simulate ARGS``."""
    return run_tool(TOOL, argv, _body)


if __name__ == "__main__":
    cli_entry(TOOL, _body)
