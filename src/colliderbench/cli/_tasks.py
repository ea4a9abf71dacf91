"""``colliderbench tasks``, ``score`` and ``papers``: the corpus and the scorer from the shell."""

from __future__ import annotations

import json
from pathlib import Path

import click

from colliderbench.errors import UserError


@click.group()
def tasks() -> None:
    """List, inspect and validate the benchmark's tasks."""


@tasks.command("list")
@click.option("--type", "task_type", type=click.Choice(["sim", "shape", "yield"]), default=None)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def tasks_list(task_type: str | None, as_json: bool) -> None:
    """List the tasks (id, paper, type, observable, bins, difficulty)."""
    from colliderbench.corpus import all_tasks

    rows = [t.summary() for t in all_tasks(task_type)]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(rows)} tasks")
    for col in ("id", "paper", "type", "observable", "n_bins", "difficulty"):
        table.add_column(col, no_wrap=True)
    for r in rows:
        table.add_row(
            *(str(r[c]) for c in ("id", "paper", "type", "observable", "n_bins", "difficulty"))
        )
    Console().print(table)


@tasks.command("show")
@click.argument("task_id")
@click.option("--json", "as_json", is_flag=True)
def tasks_show(task_id: str, as_json: bool) -> None:
    """Print a task's card (TASK.md) and its template."""
    from colliderbench.corpus import load_task, task_markdown, template_path

    task = load_task(task_id)
    if as_json:
        out = task.summary() | {
            "template": template_path(task).read_text(),
            "task_md": task_markdown(task),
        }
        click.echo(json.dumps(out, indent=2))
        return
    click.echo(task_markdown(task))
    click.echo(f"--- template results/{task.template_name} ---")
    click.echo(template_path(task).read_text())


@tasks.command("validate")
@click.argument("task_ids", nargs=-1)
@click.option("--json", "as_json", is_flag=True)
def tasks_validate(task_ids: tuple[str, ...], as_json: bool) -> None:
    """Check templates against references (by edges), the HEPData schema and paper hashes."""
    from colliderbench.corpus import validate_tasks

    checks = validate_tasks(list(task_ids) or None)
    bad = [c for c in checks if not c.ok]
    if as_json:
        rows = [
            {"task": c.task, "ok": c.ok, "paper": c.paper, "problems": c.problems} for c in checks
        ]
        click.echo(json.dumps(rows, indent=2))
    else:
        for c in checks:
            status = "ok  " if c.ok else "FAIL"
            click.echo(f"{status} {c.task:32s} paper: {c.paper}")
            for prob in c.problems:
                click.echo(f"       - {prob}")
        click.echo(f"{len(checks) - len(bad)}/{len(checks)} tasks valid")
    if bad:
        raise SystemExit(1)


@click.command()
@click.argument("submission", type=click.Path(path_type=Path))
@click.option("--task", "task_id", required=True, help="Task id (see `colliderbench tasks list`).")
@click.option("--json", "as_json", is_flag=True)
def score(submission: Path, task_id: str, as_json: bool) -> None:
    """Score a filled histogram against the task's hidden reference.

    Exits 0 whether or not the submission is valid; the output says which and why.
    """
    from colliderbench.corpus import load_task
    from colliderbench.scoring import score_submission

    task = load_task(task_id)
    result = score_submission(task, submission)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    if not result.valid:
        click.echo(f"{task.id}: INVALID: {result.reason}")
        return
    delta = "n/a (shape task)" if result.delta_norm is None else f"{result.delta_norm:.4f}"
    click.echo(
        f"{task.id}: relative_l2 = {result.relative_l2:.4f}  delta_norm = {delta}  "
        f"shape_l2 = {result.shape_l2:.4f}  ({result.n_filled}/{result.n_bins} bins)"
    )


@click.group()
def papers() -> None:
    """The papers registry: list, fetch from arXiv (sha256-verified), register a local folder."""


@papers.command("list")
@click.option("--json", "as_json", is_flag=True)
def papers_list(as_json: bool) -> None:
    """Show each paper and where its verified PDF is."""
    from colliderbench.corpus import find_paper
    from colliderbench.corpus import papers as registry

    rows = []
    for p in registry().values():
        try:
            where = str(find_paper(p.id) or "missing")
        except UserError as exc:
            where = f"corrupted: {exc}"
        rows.append({"id": p.id, "arxiv": p.arxiv, "sha256": p.sha256, "path": where})
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    else:
        for r in rows:
            click.echo(f"{r['id']}  arXiv:{r['arxiv']}  {r['path']}")


@papers.command("fetch")
@click.argument("paper_ids", nargs=-1)
def papers_fetch(paper_ids: tuple[str, ...]) -> None:
    """Download papers from arXiv into the cache and verify their sha256."""
    from colliderbench.corpus import fetch_paper
    from colliderbench.corpus import papers as registry

    for pid in paper_ids or tuple(registry()):
        click.echo(f"{pid}: {fetch_paper(pid)}")


@papers.command("register")
@click.argument("directory", type=click.Path(path_type=Path))
def papers_register(directory: Path) -> None:
    """Use a local folder holding <PAPER-ID>.pdf files (hashes are checked)."""
    from colliderbench.corpus import register_dir

    found = register_dir(directory)
    click.echo(f"registered {directory}: {', '.join(found)}")
