"""Build a task workspace: what an agent sees when it starts.

```
<dest>/
  TASK.md  AGENTS.md  TOOLS.md
  papers/<paper>.pdf
  results/<template>.yaml          the task's null template
  object_efficiencies/*.root       when the task ships efficiency maps
  bin/<tool>                       two-line shims: exec the benchmark's Python on the tool module
  analysis/ data/ sims/ logs/      empty, for the agent's work
  .colliderbench/tools.json        tool configuration: task id, denied HEPData records, offline flag
```

Nothing hidden is ever copied: no reference yields, no ``task.toml``.
"""

from __future__ import annotations

import json
import shlex
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path

from colliderbench.corpus import Task, load_task, paper_pdf, task_markdown, template_path
from colliderbench.errors import UserError
from colliderbench.tools import ABLATIONS, TOOLS
from colliderbench.tools._common import CONFIG_NAME
from colliderbench.tools.manuals import agents_md, tools_md

WORK_DIRS = ("analysis", "data", "sims", "logs")


def default_denied_records(task: Task) -> list[str]:
    """The HEPData records of the task's own paper: its arXiv id (matched against every record's
    metadata, so the record is refused whatever id the agent asks with)."""
    return [f"arXiv:{task.arxiv}"]


def _efficiency_file(name: str) -> Path:
    """An object-efficiency map shipped with the corpus (or, in a development tree, shared/)."""
    from colliderbench.corpus import asset_path
    from colliderbench.paths import shared_dir

    try:
        return asset_path(name)
    except UserError:
        shared = shared_dir()
        if shared is not None and (shared / "object_efficiencies" / name).is_file():
            return shared / "object_efficiencies" / name
        raise


def shim_text(tool: str, python: str | None = None) -> str:
    """The two-line shell shim for a tool: no logic, just exec of the module."""
    module = TOOLS[tool]
    py = shlex.quote(python or sys.executable)
    return (
        "#!/bin/sh\n"
        f'COLLIDERBENCH_TOOL_SHIM="$0" exec {py} -P -m colliderbench.tools.{module} "$@"\n'
    )


def build_workspace(
    task: Task | str,
    dest: Path | str,
    *,
    disabled_tools: Iterable[str] = (),
    denied_records: Iterable[str] | None = None,
    offline: bool = False,
    python: str | None = None,
) -> Path:
    """Create the workspace of ``task`` in ``dest`` (absent or empty) and return its path.

    ``disabled_tools`` removes tools from ``bin/`` and ``TOOLS.md`` (ablations; ``delphes`` removes
    the detector simulation from ``simulate``). ``denied_records`` are the HEPData records the
    ``hepdata`` tool refuses (default: the task paper's own record). ``offline`` makes the network
    tools refuse to use the network. ``python`` is the interpreter the shims exec (default: this
    one; a container image has its own, see ``harness.sandbox.tools_python``).
    """
    task = load_task(task)
    dest = Path(dest)
    disabled = list(dict.fromkeys(disabled_tools))
    unknown = [d for d in disabled if d not in TOOLS and d not in ABLATIONS]
    if unknown:
        known = ", ".join([*TOOLS, *ABLATIONS])
        raise UserError(f"unknown tool to disable: {', '.join(unknown)} (known: {known})")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise UserError(f"workspace destination {dest} exists and is not an empty directory")
    pdf = paper_pdf(task.paper)
    efficiencies = [_efficiency_file(n) for n in task.object_efficiencies]

    dest.mkdir(parents=True, exist_ok=True)
    dest = dest.resolve()
    (dest / "TASK.md").write_text(task_markdown(task))
    (dest / "papers").mkdir()
    shutil.copyfile(pdf, dest / "papers" / f"{task.paper}.pdf")
    (dest / "results").mkdir()
    shutil.copyfile(template_path(task), dest / "results" / task.template_name)
    extras: list[str] = []
    if efficiencies:
        (dest / "object_efficiencies").mkdir()
        for src in efficiencies:
            shutil.copyfile(src, dest / "object_efficiencies" / src.name)
            extras.append(f"object_efficiencies/{src.name}")
    for d in WORK_DIRS:
        (dest / d).mkdir()

    bin_dir = dest / "bin"
    bin_dir.mkdir()
    for tool in TOOLS:
        if tool in disabled:
            continue
        shim = bin_dir / tool
        shim.write_text(shim_text(tool, python))
        shim.chmod(0o755)

    (dest / "TOOLS.md").write_text(tools_md(disabled, paper=f"papers/{task.paper}.pdf"))
    (dest / "AGENTS.md").write_text(
        agents_md(
            task.id,
            task.template_name,
            f"{task.paper}.pdf",
            extras=extras,
            disabled=disabled,
        )
    )
    config = {
        "task": task.id,
        "paper": task.paper,
        "arxiv": task.arxiv,
        "denied_records": list(
            default_denied_records(task) if denied_records is None else denied_records
        ),
        "offline": bool(offline),
        "disabled_tools": disabled,
        "python": python or sys.executable,
        "walltime_s": task.walltime_s,
    }
    cfg = dest / CONFIG_NAME
    cfg.parent.mkdir()
    cfg.write_text(json.dumps(config, indent=2) + "\n")
    cfg.chmod(
        0o444
    )  # not a secret, but not the agent's to edit (a sandbox may also bind it read-only)
    return dest
