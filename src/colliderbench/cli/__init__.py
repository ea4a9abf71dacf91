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


class LazyGroup(click.Group):
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
