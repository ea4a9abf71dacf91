"""``colliderbench judge``: audit the provenance of runs and write judge.json per run."""

from __future__ import annotations

import json
from pathlib import Path

import click

from colliderbench.judge.audit import DEFAULT_BUDGET_CHARS


@click.command()
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--provider",
    type=click.Choice(["none", "anthropic", "openai", "claude-cli"]),
    default=None,
    help="LLM for the audit (default: anthropic/openai when an API key is set, else claude-cli "
    "when the claude CLI is installed, else none).",
)
@click.option("--model", default=None, help="Model name for the provider.")
@click.option("--base-url", default=None, help="API endpoint (a proxy or a local server).")
@click.option("--timeout", "timeout_s", type=float, default=900.0, show_default=True,
              help="Seconds allowed for each analysis replay.")  # fmt: skip
@click.option("--max-prompt-chars", type=click.IntRange(min=1000), default=DEFAULT_BUDGET_CHARS,
              show_default=True,
              help="Size limit of the audit prompt (halved once if the model says it is too long).")  # fmt: skip
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object per run (one per line)."
)
def judge(
    run_dirs: tuple[Path, ...],
    provider: str | None,
    model: str | None,
    base_url: str | None,
    timeout_s: float,
    max_prompt_chars: int,
    as_json: bool,
) -> None:
    """Judge runs: replay the analysis, scan for leaks, ask an LLM auditor; write judge.json.

    RUN_DIRS are run directories (holding run.json) or folders searched for them.
    """
    from colliderbench.errors import UserError
    from colliderbench.judge import judge_run, make_provider
    from colliderbench.judge.providers import default_provider
    from colliderbench.judge.rundir import find_run_dirs

    runs: list[Path] = []
    for d in run_dirs:
        if not d.is_dir():
            raise UserError(f"no such run directory: {d}")
        runs += find_run_dirs(d)
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
                result = judge_run(run, prov, timeout_s=timeout_s, budget_chars=max_prompt_chars)
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
