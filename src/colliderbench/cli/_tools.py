"""``colliderbench tool NAME ARGS...``: run one of the agent tools outside a task workspace."""

from __future__ import annotations

import importlib
import sys

import click

from colliderbench.errors import UserError
from colliderbench.tools import TOOLS


@click.command(
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
    add_help_option=True,
)
@click.argument("name", metavar="TOOL")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def tool(name: str, args: tuple[str, ...]) -> None:
    """Run an agent tool: read-paper, hepdata, cms-opendata, feynrules, simulate, prospino,
    run-analysis. `colliderbench tool hepdata --doc` prints a tool's manual.

    \b
    colliderbench tool prospino run --process gluino_pair --mass 1750
    """
    if name not in TOOLS:
        raise UserError(f"unknown tool {name!r}: choose from {', '.join(TOOLS)}")
    module = importlib.import_module(f"colliderbench.tools.{TOOLS[name]}")
    status = module.main(list(args))
    sys.stdout.flush()
    if status:
        sys.exit(status)
