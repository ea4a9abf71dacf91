"""The ``colliderbench`` console script.

Each command group lives in its own module (``cli/_<name>.py``) and is imported only when used, so
``colliderbench tasks list`` never pays for importing Pythia or FastJet.
"""

from __future__ import annotations

import importlib
import sys

import click

from colliderbench.errors import UserError

# command name -> "module:attribute"; modules are imported lazily.
COMMANDS: dict[str, str] = {
    "tasks": "colliderbench.cli._tasks:tasks",
    "score": "colliderbench.cli._tasks:score",
    "papers": "colliderbench.cli._tasks:papers",
    "simulate": "colliderbench.cli._physics:simulate",
    "xsec": "colliderbench.cli._physics:xsec",
    "solve": "colliderbench.cli._recasts:solve",
    "run": "colliderbench.cli._harness:run",
    "runs": "colliderbench.cli._harness:runs",
    "judge": "colliderbench.cli._judge:judge",
    "report": "colliderbench.cli._report:report",
    "tool": "colliderbench.cli._tools:tool",
}


# one line of help per command, shown by `colliderbench --help` without importing anything heavy
SUMMARIES: dict[str, str] = {
    "tasks": "List, show and validate the benchmark's tasks.",
    "score": "Score a filled histogram against a task's hidden reference.",
    "papers": "List, fetch (arXiv, sha256-verified) or register the papers.",
    "simulate": "Model point -> Pythia 8 events -> CMS fast simulation -> Delphes-layout ROOT file.",
    "xsec": "NLO+NLL SUSY cross sections at 13 TeV.",
    "solve": "Run a task's reference recast and write the full agent deliverable.",
    "run": "Run agents on tasks in sandboxes; resumable batches.",
    "runs": "List recorded runs.",
    "judge": "Audit runs' provenance: replay, leak scan, LLM audit.",
    "report": "Tables, plots and a static HTML leaderboard from runs.",
    "tool": "Run one of the agent tools (read-paper, hepdata, ...) outside a workspace.",
}


class LazyGroup(click.Group):
    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SUMMARIES.get(name, "")) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        module = importlib.import_module(module_name)
        command: click.Command = getattr(module, attr)
        return command


@click.group(cls=LazyGroup)
@click.version_option(package_name="colliderbench")
def cli() -> None:
    """colliderbench: agents reproduce published LHC searches; score, judge and report them."""


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors become one line on stderr and exit status 2."""
    try:
        cli.main(args=argv, standalone_mode=False)
    except UserError as exc:
        click.echo(f"colliderbench: error: {exc}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("colliderbench: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if exc.exit_code in (1, 2) else exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("colliderbench: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
