"""TOOLS.md and AGENTS.md, generated from the tools' own manuals so they never drift.

Every manual ``tools/docs/<tool>.md`` starts with ``# <tool> — <purpose>`` and has a
``## Quick reference`` section holding a fenced block of example commands; both are lifted here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from colliderbench.tools import ABLATIONS, TOOLS
from colliderbench.tools._common import manual

_TITLE = re.compile(r"^# (\S+) — (.+)$")


def purpose(tool: str) -> str:
    """The one-line purpose from the manual's title."""
    first = manual(tool).splitlines()[0]
    m = _TITLE.match(first)
    if m is None or m.group(1) != tool:
        raise ValueError(f"manual of {tool} must start with '# {tool} — <purpose>'")
    return m.group(2).strip()


def quick_reference(tool: str) -> str:
    """The fenced block under ``## Quick reference`` in the manual."""
    text = manual(tool)
    m = re.search(r"^## Quick reference\s*\n+(```.*?\n```)", text, re.S | re.M)
    if m is None:
        raise ValueError(f"manual of {tool} has no '## Quick reference' code block")
    return m.group(1)


def example(tool: str, starts: str) -> str:
    """The first command of the tool's quick reference that starts with ``starts``, without its
    comment: AGENTS.md quotes these so its examples change with the manuals."""
    for line in quick_reference(tool).splitlines():
        command = line.split("  #")[0].strip()
        if command.startswith(starts) and not command.endswith("\\"):
            return command
    raise ValueError(f"the quick reference of {tool} has no command starting with {starts!r}")


def enabled(disabled: Iterable[str] = ()) -> list[str]:
    off = set(disabled)
    return [t for t in TOOLS if t not in off]


EXAMPLE_PAPER = "papers/CMS-SUS-16-046.pdf"  # the paper the manuals' examples read


def tools_md(disabled: Iterable[str] = (), paper: str | None = None) -> str:
    """The workspace's TOOLS.md: one line per tool, when to read the manual, a cheat sheet.

    ``paper`` (e.g. ``papers/CMS-SUS-16-051.pdf``) replaces the paper of the manuals' examples."""
    disabled = list(disabled)
    tools = enabled(disabled)
    lines = [
        "# Tools",
        "",
        "The commands in `bin/` (already on your PATH; otherwise call them as `bin/<tool>`).",
        "Each prints a one-screen summary with `--help` and its full manual with `--doc`: read the",
        "manual before the first real use of a tool, and whenever an option or output is unclear.",
        "",
        "| tool | what it is for |",
        "|---|---|",
    ]
    lines += [f"| `{t}` | {purpose(t)} |" for t in tools]
    lines += [
        "",
        "Exit status of every tool: 0 success; 1 the request failed (network, not found, failed run);",
        "2 bad arguments; 3 refused by the task's rules (a denied record, a disabled tool).",
        "",
    ]
    off = [d for d in disabled if d in ABLATIONS]
    if off:
        lines += ["## Not available in this task", ""]
        lines += [f"- {ABLATIONS[d]}" for d in off]
        lines.append("")
    lines += ["## Cheat sheet", ""]
    for t in tools:
        ref = quick_reference(t)
        if paper:
            ref = ref.replace(EXAMPLE_PAPER, paper)
        lines += [f"### {t}", "", ref, ""]
    return "\n".join(lines)


def agents_md(
    task_id: str,
    template: str,
    paper_file: str,
    *,
    extras: Iterable[str] = (),
    disabled: Iterable[str] = (),
) -> str:
    """The workspace's AGENTS.md: the agent's role, the workspace, how to work, output rules.

    ``extras`` are workspace-relative paths of the object-efficiency maps shipped with the task."""
    disabled = list(disabled)
    tools = ", ".join(f"`{t}`" for t in enabled(disabled))
    on = set(enabled(disabled))
    pages = example("read-paper", f"read-paper {EXAMPLE_PAPER} --pages")
    read = (
        f"`{pages.replace(EXAMPLE_PAPER, f'papers/{paper_file}')}` prints its text."
        if "read-paper" in on
        else "Read it with the Python PDF libraries installed here."
    )
    simulate = (
        f"Simulate the signal with `simulate` (`{example('simulate', 'simulate info')}` says what is "
        "installed and how to call it)"
        if "simulate" in on
        else "Simulate the signal with the generator and detector simulation you can set up"
    )
    if "delphes" in disabled:
        simulate += "; no detector simulation is provided: model the detector response yourself"
    xsec = (
        "Get the cross section of the benchmark with `prospino` "
        f"(`{example('prospino', 'prospino help-process')}` says which mass to give)"
        if "prospino" in on
        else "Find the cross section of the benchmark"
    )
    run = (
        f"run it with `{example('run-analysis', 'run-analysis analysis/')}` so its output is logged"
        if "run-analysis" in on
        else "run it with `python analysis/<script>.py > logs/<script>.log`"
    )
    extra_lines = "".join(
        f"- `{e}`: a CMS object-efficiency map; `TASK.md` says what it holds\n" for e in extras
    )
    return f"""# Working in this workspace

You are a particle physicist reproducing one result of a published CMS search with simulated signal
events. You work alone, from the command line, inside this directory. The task itself is in
`TASK.md`; read it first, then the paper.

## What is here

- `TASK.md`: the task ({task_id}), its signal benchmark, region, observable and bins.
- `papers/{paper_file}`: the paper. {read}
- `results/{template}`: the answer file, a HEPData-style histogram with `value: null` in every bin.
- `TOOLS.md`: the command-line tools in `bin/` ({tools}), one line each and a cheat sheet.
{extra_lines}- `analysis/`, `data/`, `sims/`, `logs/`: empty folders for your code, event files, generator
  configuration and logs.

## How to work

1. Read `TASK.md` and the parts of the paper that define the objects, the selection and the region.
2. Write down the selection as a cut flow before coding it.
3. {simulate};
   start with a few hundred events to test, then produce enough for a stable answer.
4. {xsec}; normalise to the luminosity in `TASK.md`.
5. Write the analysis in `analysis/` as a Python script that reads your event files and writes the
   histogram; {run}.
6. Fill `results/{template}` and write `report.md`.

Tools print their manual with `--doc`. Long jobs: watch the wall-clock budget in `TASK.md`.

## Output rules

- Replace every `value: null` in `results/{template}` by a number of expected events; keep the
  bins and the rest of the file unchanged; no nulls, no negative numbers, no NaN.
- Keep everything that produced the numbers: `analysis/*.py` runnable as it is, the event files in
  `data/` (or a pointer to them in `report.md`), the generator configuration in `sims/`.
- `report.md`: what you did, the cut flow, the choices you made where the paper is ambiguous, the
  cross section and the number of simulated events.
- The numbers must come from your own simulation. Copying published yields (from the paper, from
  HEPData or elsewhere), or tuning toward them, is fabrication: the run is audited and scores nothing.
"""
