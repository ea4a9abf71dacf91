"""``colliderbench run`` (batches of agent runs in sandboxes) and ``colliderbench runs list``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from colliderbench.errors import UserError


def _agent_args(pairs: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--agent-arg takes KEY=VALUE, not {pair!r}")
        out[key.strip()] = value
    return out


@click.command()
@click.option(
    "--agent", required=True, help="oracle, replay, api, claude-code, codex, gemini, forge, aider."
)
@click.option("--model", default=None, help="The model the agent uses (vendor name).")
@click.option("--task", "task_ids", multiple=True, help="A task id (repeatable).")
@click.option(
    "--tasks",
    "group",
    type=click.Choice(["all", "sim", "shape", "yield"]),
    default=None,
    help="A whole group of tasks.",
)
@click.option("--repeats", type=int, default=1, show_default=True, help="Runs per task.")
@click.option("--parallel", type=int, default=1, show_default=True, help="Runs at once.")
@click.option(
    "--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True
)
@click.option(
    "--scheduler",
    default=None,
    help="Address of an existing Dask scheduler (with --executor dask).",
)
@click.option(
    "--sandbox",
    type=click.Choice(["bwrap", "docker", "podman", "apptainer", "none"]),
    default=None,
    help="Default: bwrap where installed, else none.",
)
@click.option("--image", default=None, help="Container image (docker, podman, apptainer).")
@click.option("--walltime", default=None, help="Per-run budget like 2h30m (default: the task's).")
@click.option(
    "--runs-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("runs"),
    show_default=True,
)
@click.option("--effort", type=click.Choice(["low", "medium", "high", "max"]), default=None)
@click.option(
    "--agent-arg",
    "agent_arg",
    multiple=True,
    metavar="KEY=VALUE",
    help="Option for the agent, e.g. events=3000 (oracle).",
)
@click.option(
    "--script",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Shell script of the replay agent.",
)
@click.option(
    "--disable-tool",
    "disabled",
    multiple=True,
    metavar="NAME",
    help="Leave a tool out of the workspace (ablations).",
)
@click.option(
    "--provider",
    type=click.Choice(["anthropic", "openai"]),
    default=None,
    help="API of the api agent: Messages (anthropic) or Chat Completions (openai).",
)
@click.option(
    "--base-url", default=None, help="Model endpoint (api agent, claude-code, codex, ...)."
)
@click.option("--max-cost-usd", type=float, default=None, help="Cost budget per run (api agent).")
@click.option(
    "--max-total-tokens",
    type=click.IntRange(min=1),
    default=None,
    help="Token budget per run, input + output (api agent; works for unpriced models).",
)
def run(
    agent: str,
    model: str | None,
    task_ids: tuple[str, ...],
    group: str | None,
    repeats: int,
    parallel: int,
    executor: str,
    scheduler: str | None,
    sandbox: str | None,
    image: str | None,
    walltime: str | None,
    runs_dir: Path,
    effort: str | None,
    agent_arg: tuple[str, ...],
    script: Path | None,
    disabled: tuple[str, ...],
    provider: str | None,
    base_url: str | None,
    max_cost_usd: float | None,
    max_total_tokens: int | None,
) -> None:
    """Run AGENT on tasks, each in a fresh workspace inside a sandbox; resumable.

    Re-running the same command skips finished runs and redoes interrupted ones. Exit 0 when the
    batch finished (individual runs may have failed: their status says why)."""
    from colliderbench.corpus import parse_walltime, select_tasks
    from colliderbench.harness.batch import BatchSpec, run_batch
    from colliderbench.harness.sandbox import default_backend

    if task_ids and group:
        raise UserError("give either --task ID ... or --tasks GROUP, not both")
    if not task_ids and not group:
        raise UserError("no tasks: give --task ID (repeatable) or --tasks all|sim|shape|yield")
    tasks = [t.id for t in select_tasks(list(task_ids), group)]
    args = _agent_args(agent_arg)
    if provider:
        args["provider"] = provider
    if base_url:
        args["base_url"] = base_url
    if max_cost_usd is not None:
        args["max_cost_usd"] = f"{max_cost_usd:g}"
    if max_total_tokens is not None:
        args["max_total_tokens"] = str(max_total_tokens)
    spec = BatchSpec(
        agent=agent,
        model=model,
        tasks=tasks,
        repeats=repeats,
        parallel=parallel,
        executor=executor,
        scheduler=scheduler,
        sandbox=sandbox or default_backend(),
        image=image,
        walltime_s=parse_walltime(walltime) if walltime else None,
        runs_dir=runs_dir,
        effort=effort,
        agent_args=args,
        script=script,
        disabled_tools=tuple(disabled),
    )
    import signal

    def _stop(signum: int, frame: object) -> None:  # a scheduler's SIGTERM stops like Ctrl-C
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    run_batch(spec)


@click.group()
def runs() -> None:
    """Recorded runs."""


@runs.command("list")
@click.option(
    "--runs-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("runs"),
    show_default=True,
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per run, as a list.")
def runs_list(runs_dir: Path, as_json: bool) -> None:
    """Every run of the runs database, with its status, time, tokens, cost and score."""
    from colliderbench.harness import db

    path = db.db_path(runs_dir)
    if not path.is_file():
        raise UserError(f"no runs database at {path} (run `colliderbench run` first)")
    with db.opened(path) as con:
        # a running row whose harness is gone: interrupted (failed, harness_error), redone by a re-run
        stale = {r["key"] for r in db.list_runs(con) if db.is_stale(r)}
        db.mark_stale(con)
        rows = db.list_runs(con)
    for r in rows:
        r["stale"] = r["key"] in stale
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"{len(rows)} runs in {path}")
    cols = (
        "agent",
        "model",
        "task",
        "rep",
        "status",
        "wall",
        "tokens in/out",
        "cost $",
        "d",
        "judge",
    )
    for c in cols:
        t.add_column(c, justify="right" if c in ("rep", "wall", "cost $", "d") else "left")
    for r in rows:
        status = r["status"] + (f" ({r['failure_class']})" if r["failure_class"] else "")
        status += " (interrupted)" if r["stale"] else ""
        tokens = f"{r['tokens_in']}/{r['tokens_out']}" if r["tokens_in"] is not None else ""
        d = r["relative_l2"] if r["valid"] else None
        t.add_row(
            r["agent"] or "",
            r["model"] or "",
            r["task"] or "",
            str(r["repeat"]),
            status,
            "" if r["wall_s"] is None else f"{r['wall_s']:.0f}s",
            tokens,
            "" if r["cost_usd"] is None else f"{r['cost_usd']:.2f}",
            "" if d is None else f"{d:.3f}",
            r["judge"] or "",
        )
    Console().print(t)
