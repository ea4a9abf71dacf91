"""``colliderbench judge``: audit the provenance of runs and write judge.json per run."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command()
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--provider",
    type=click.Choice(["none", "anthropic", "openai", "claude-cli"]),
    default=None,
    help="LLM for the audit (default: anthropic/openai when an API key is set, else none).",
)
@click.option("--model", default=None, help="Model name for the provider.")
@click.option("--base-url", default=None, help="API endpoint (a proxy or a local server).")
@click.option("--timeout", "timeout_s", type=float, default=900.0, show_default=True,
              help="Seconds allowed for each analysis replay.")  # fmt: skip
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object per run (one per line)."
)
def judge(
    run_dirs: tuple[Path, ...],
    provider: str | None,
    model: str | None,
    base_url: str | None,
    timeout_s: float,
    as_json: bool,
) -> None:
    """Judge runs: replay the analysis, scan for leaks, ask an LLM auditor; write judge.json.

    RUN_DIRS are run directories (holding run.json) or folders searched for them.
    """
    from colliderbench.errors import UserError
    from colliderbench.judge import judge_run, make_provider
    from colliderbench.judge.providers import default_provider

    runs: list[Path] = []
    for d in run_dirs:
        if (d / "run.json").is_file():
            runs.append(d)
        elif d.is_dir():
            runs += sorted(p.parent for p in d.rglob("run.json") if p.parent.name != "workspace")
        else:
            raise UserError(f"no such run directory: {d}")
    if not runs:
        raise UserError("no runs found (a run directory holds run.json)")
    if provider is None:
        provider, note = default_provider()
        if note:
            click.echo(f"note: {note}", err=True)
    prov = make_provider(provider, model, base_url)
    from rich.console import Console
    from rich.progress import Progress

    err = Console(stderr=True)
    with Progress(console=err, transient=True, disable=len(runs) < 2) as progress:
        bar = progress.add_task("judging", total=len(runs))
        failed: list[str] = []
        for run in runs:
            progress.update(bar, description=f"judging {run.name}")
            try:
                result = judge_run(run, prov, timeout_s=timeout_s)
            except UserError as exc:  # one bad run does not stop the batch
                failed.append(str(run))
                err.print(f"colliderbench: cannot judge {run}: {exc}", markup=False)
                continue
            finally:
                progress.advance(bar)
            if as_json:
                click.echo(json.dumps(result.summary(), default=str))
            else:
                reasons = "; ".join(result.data["reasons"][:3])
                click.echo(f"{result.verdict:<10} {run}  ({reasons})")
    if failed:
        raise UserError(f"{len(failed)} of {len(runs)} run(s) could not be judged")
