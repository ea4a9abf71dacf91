"""The standard initial prompt: the same words for every agent, so runs are comparable.

Everything task-specific lives in the workspace (TASK.md, AGENTS.md, TOOLS.md); the prompt only
points there, names the file to fill and states the budget.
"""

from __future__ import annotations

from colliderbench.corpus import Task


def format_walltime(seconds: float) -> str:
    """``2h30m``-style text for a budget in seconds."""
    s = int(round(seconds))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    parts = [f"{h}h" if h else "", f"{m}m" if m else "", f"{sec}s" if sec else ""]
    return "".join(parts) or "0s"


def standard_prompt(task: Task, walltime_s: float) -> str:
    """The initial message every agent gets at the start of a run."""
    return (
        f"You are alone in a fresh workspace (your current directory) for the benchmark task "
        f"{task.id}: reproduce a published CMS search result from the paper in papers/.\n"
        "\n"
        "1. Read TASK.md (what to reproduce and how it is scored), AGENTS.md (how to work and what "
        "to leave behind) and TOOLS.md (the command-line tools in bin/, each with --help and "
        "--doc).\n"
        "2. Do the work yourself with those tools: generate the signal, simulate the detector, "
        "implement the selection, normalise to the paper's luminosity.\n"
        f"3. Fill results/{task.template_name}: replace every null with your number, keeping the "
        "bins and the file's structure. Leave your analysis code, event files and report.md as "
        "AGENTS.md asks, so the result can be re-run.\n"
        "\n"
        f"Your wall-clock budget is {format_walltime(walltime_s)}; when it runs out you are "
        "stopped and whatever is in results/ is scored, so write a first complete answer early "
        "and improve it. Nobody will answer questions: decide, act and check your work."
    )
