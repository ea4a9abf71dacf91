"""``colliderbench simulate`` and ``colliderbench xsec``: the physics stack from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from colliderbench.errors import UserError


@click.command()
@click.option("--model", help="Simplified model: T5Wg, T6gg, TChiWg, TChiWZ, T2tt, T2bW.")
@click.option(
    "--mass",
    "masses",
    multiple=True,
    metavar="KEY=GEV",
    help="A mass of the model point, repeatable (e.g. --mass gluino=1750 --mass nlsp=1700).",
)
@click.option(
    "--slha",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A user SLHA spectrum (without DECAY tables Pythia computes the sparticle decays).",
)
@click.option(
    "--process",
    help="With --slha: gluino_pair, stop_pair, squark_antisquark, wino_c1n2, wino_c1c1, ... "
    "or literal Pythia settings separated by ';'.",
)
@click.option(
    "--lhe",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Parton-level LHE events to shower.",
)
@click.option("--events", type=int, required=True, help="Number of events.")
@click.option(
    "--seed", type=int, default=1, show_default=True, help="Run seed (chunk seeds derive from it)."
)
@click.option(
    "--workers",
    type=int,
    default=1,
    show_default=True,
    help="Processes generating chunks in parallel.",
)
@click.option(
    "--detector",
    type=click.Choice(["cms", "none"]),
    default="cms",
    show_default=True,
    help="cms: Delphes-CMS-card fast simulation; none: generator particles only.",
)
@click.option("--jet-r", type=float, default=0.4, show_default=True, help="Anti-kT jet radius.")
@click.option(
    "--keep-particles", is_flag=True, help="Also write the full generator record (Particle branch)."
)
@click.option(
    "--z-filter",
    type=click.Choice(["ll", "ee_mumu", "nunu", "qq"]),
    help="TChiWZ: force Z decays (ll = e, mu, tau pairs); the efficiency is computed and recorded.",
)
@click.option(
    "--neutralino-count",
    type=int,
    help="T5Wg: keep only events in which exactly N of the two gluino decays gave a chi^0_1 "
    "(2: gamma gamma, 1: gamma W, 0: W W final state); vetoed before the shower, the filter "
    "efficiency (0.25/0.5/0.25 for 50/50 decays) is computed and recorded.",
)
@click.option(
    "--tune",
    type=click.Choice(["CUETP8M1", "Monash", "none"]),
    default="CUETP8M1",
    show_default=True,
)
@click.option(
    "--pythia",
    "settings",
    multiple=True,
    metavar="SETTING",
    help="Extra Pythia setting, repeatable.",
)
@click.option(
    "--chunk-size", type=int, help="Events per seeded chunk [default: from --events, 1000-2500]."
)
@click.option(
    "--out", "output", type=click.Path(path_type=Path), required=True, help="Output ROOT file."
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the run summary as JSON (no progress bar)."
)
def simulate(
    model: str | None,
    masses: tuple[str, ...],
    slha: Path | None,
    process: str | None,
    lhe: Path | None,
    events: int,
    seed: int,
    workers: int,
    detector: str,
    jet_r: float,
    keep_particles: bool,
    z_filter: str | None,
    neutralino_count: int | None,
    tune: str,
    settings: tuple[str, ...],
    chunk_size: int | None,
    output: Path,
    as_json: bool,
) -> None:
    """Model point -> Pythia 8 (13 TeV, CUETP8M1) -> CMS fast simulation -> Delphes-layout ROOT file.

    \b
    colliderbench simulate --model T5Wg --mass gluino=1750 --mass nlsp=1700 \\
        --events 20000 --seed 7 --workers 2 --out t5wg.root
    """
    from colliderbench.physics.models import parse_mass_args
    from colliderbench.physics.simulate import simulate as run

    if masses and model is None:
        raise UserError("--mass needs --model")
    generation: dict[str, Any] = {"tune": tune, "settings": settings}
    if z_filter:
        generation["z_filter"] = z_filter
    if neutralino_count is not None:
        generation["neutralino_count"] = neutralino_count
    summary = run(
        model=model,
        masses=parse_mass_args(masses) if masses else None,
        slha=slha,
        process=process,
        lhe=lhe,
        events=events,
        output=output,
        seed=seed,
        workers=workers,
        detector=detector,
        jet_r=jet_r if detector == "cms" else None,
        keep_particles=keep_particles,
        generation=generation,
        chunk_size=chunk_size,
        progress=not as_json,
    )
    if as_json:
        click.echo(json.dumps(summary, indent=2, default=str))
        return
    lines = [
        f"wrote {summary['events']} events to {summary['output']} "
        f"in {summary['wall_s']:.1f} s ({summary['events_per_s']:.1f} events/s)",
        f"Pythia LO cross section {summary['sigma_lo_pb']:.4g} +- {summary['sigma_lo_err_pb']:.2g} pb "
        "(normalise with NLO+NLL: colliderbench xsec)",
    ]
    if summary["filter_efficiency"] != 1.0:
        source = (
            "Pythia's decay tables"
            if neutralino_count is not None
            else "Pythia's Z branching fractions"
        )
        line = f"generator filter efficiency {summary['filter_efficiency']:.5f} ({source})"
        if "filter_measured" in summary:
            line += (
                f"; measured {summary['filter_measured']:.4f} +- {summary['filter_measured_err']:.4f}"
                f" over {summary['filter_decays_seen']} decayed pairs"
            )
        lines.append(line)
    if summary.get("xsec_process"):
        lines.append(
            f"NLO+NLL: colliderbench xsec --process {summary['xsec_process']} --mass {summary['xsec_mass']:g}"
        )
    if summary.get("note"):
        lines.append(summary["note"])
    click.echo("\n".join(lines))


@click.command()
@click.option(
    "--process",
    help="gluino_pair, stop_pair, squark_antisquark, wino_c1n2, wino_c1pn2, wino_c1mn2, wino_c1c1.",
)
@click.option("--mass", type=float, help="Mass of the produced sparticle in GeV.")
@click.option(
    "--list", "list_tables", is_flag=True, help="List the processes and their mass ranges."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def xsec(process: str | None, mass: float | None, list_tables: bool, as_json: bool) -> None:
    """13 TeV NLO+NLL SUSY cross section (LHC SUSY Cross Section WG tables), log-interpolated."""
    from colliderbench.physics import xsec as xs

    if list_tables:
        rows = [
            {
                "process": name,
                "mass_min": xs.mass_range(name)[0],
                "mass_max": xs.mass_range(name)[1],
                "what": what,
            }
            for name, (_, what) in xs.TABLES.items()
        ]
        if as_json:
            click.echo(json.dumps(rows, indent=2))
        else:
            for r in rows:
                click.echo(
                    f"{r['process']:<18} {r['mass_min']:>5g}-{r['mass_max']:<5g} GeV  {r['what']}"
                )
        return
    if process is None or mass is None:
        raise UserError("xsec needs --process and --mass (or --list)")
    result = xs.cross_section(process, mass)
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
        return
    click.echo(
        f"{result.process} m = {result.mass_gev:g} GeV: sigma(NLO+NLL, 13 TeV) = "
        f"{result.value_fb:.6g} fb +- {100 * result.rel_unc:.4g} % ({result.unc_fb:.4g} fb) "
        f"= {result.value_pb:.6g} pb"
    )
