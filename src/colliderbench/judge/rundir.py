"""Reading one run directory as the judge sees it: run.json, the workspace, the trace.

Layout (docs/architecture.md)::

    RUN/run.json  RUN/workspace/  RUN/trace/events.jsonl  RUN/trace/<native stream>  RUN/score.json

The judge runs outside the sandbox; nothing here is ever copied into a workspace.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from colliderbench.errors import UserError
from colliderbench.paths import contained_file

# files the judge reads as text (workspace scan, LLM extract); anything else is skipped
TEXT_SUFFIXES = {
    ".py", ".sh", ".md", ".txt", ".yaml", ".yml", ".json", ".jsonl", ".csv", ".tsv", ".cfg",
    ".toml", ".ini", ".c", ".cc", ".cpp", ".cxx", ".h", ".hh", ".C", ".ipynb", ".slha", ".dat",
    ".log", ".lhe", ".cmnd", ".card", ".tex", ".r", ".jl",
}  # fmt: skip
CODE_SUFFIXES = {".py", ".sh", ".c", ".cc", ".cpp", ".cxx", ".C", ".ipynb", ".jl", ".r"}
# files an analysis may read its numbers from (searched for submitted literals like code)
DATA_SUFFIXES = {".json", ".csv", ".txt", ".yaml", ".yml"}
MAX_TEXT_BYTES = 2_000_000  # larger workspace files are not read as text
MAX_TRACE_BYTES = 200_000_000  # larger native streams are not scanned


@dataclass
class RunRecord:
    """What the judge needs from a run directory."""

    path: Path
    run: dict[str, Any]
    task_id: str
    workspace: Path
    events: list[dict[str, Any]] = field(default_factory=list)  # trace/events.jsonl rows, in order
    trace_texts: dict[str, str] = field(default_factory=dict)  # trace file name -> raw text

    @property
    def submission_path(self) -> Path:
        """``workspace/results/<template>`` of the run's task, else the only YAML in ``results/``
        (the harness's rule when it scored the run)."""
        from colliderbench.corpus import load_task

        results = self.workspace / "results"
        main = results / load_task(self.task_id).template_name
        if main.is_file():
            return main
        yamls = sorted(results.glob("*.yaml")) + sorted(results.glob("*.yml"))
        return yamls[0] if len(yamls) == 1 else main

    @property
    def submission_file(self) -> Path | None:
        """The submission when it is safe to read on the host (a regular file inside the
        workspace, no link: the harness's scoring rule), else None."""
        from colliderbench.corpus import load_task
        from colliderbench.harness.runner import find_submission

        return find_submission(load_task(self.task_id), self.workspace)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict):
        raise UserError(f"{path} is not a JSON object")
    return data


def read_events(path: Path) -> list[dict[str, Any]]:
    """Normalised trace events; malformed lines are skipped."""
    events: list[dict[str, Any]] = []
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return events
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        if isinstance(ev, dict):
            events.append(ev)
    return events


def find_run_dirs(root: Path) -> list[Path]:
    """Run directories (holding ``run.json``) at or below ``root``, sorted. A ``run.json`` under a
    ``workspace`` folder is an agent's own file (a generator's log, say), never a run."""
    if (root / "run.json").is_file():
        return [root]
    return sorted(
        p.parent for p in root.rglob("run.json") if "workspace" not in p.relative_to(root).parts
    )


def load_run(path: str | Path) -> RunRecord:
    """Read a run directory; a ``UserError`` when it is not one."""
    p = Path(path)
    if not p.is_dir():
        raise UserError(f"not a run directory: {p}")
    if not (p / "run.json").is_file():
        raise UserError(f"{p} has no run.json: not a run directory")
    run = _read_json(p / "run.json")
    task_id = run.get("task")
    if not isinstance(task_id, str) or not task_id:
        raise UserError(f"{p / 'run.json'} names no task")
    trace = p / "trace"
    events = read_events(trace / "events.jsonl") if (trace / "events.jsonl").is_file() else []
    texts: dict[str, str] = {}
    if trace.is_dir():
        for f in sorted(trace.rglob("*")):
            if f.is_file() and f.name != "events.jsonl" and f.stat().st_size <= MAX_TRACE_BYTES:
                texts[str(f.relative_to(trace))] = f.read_text(encoding="utf-8", errors="replace")
    return RunRecord(
        path=p,
        run=run,
        task_id=task_id,
        workspace=p / "workspace",
        events=events,
        trace_texts=texts,
    )


def workspace_text_files(workspace: Path, *, skip_dirs: tuple[str, ...] = ()) -> dict[str, str]:
    """Relative path -> text of the workspace's text files (small ones, tools' ``bin/`` excluded)."""
    out: dict[str, str] = {}
    if not workspace.is_dir():
        return out
    for f in sorted(workspace.rglob("*")):
        rel = f.relative_to(workspace)
        if not contained_file(workspace, f):  # never a link out of the workspace
            continue
        top = rel.parts[0] if rel.parts else ""
        if top in ("bin", *skip_dirs) or any(part.startswith("__pycache__") for part in rel.parts):
            continue
        if f.suffix not in TEXT_SUFFIXES and f.name not in ("Makefile",):
            continue
        if f.stat().st_size > MAX_TEXT_BYTES:
            continue
        try:
            out[str(rel)] = f.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
    return out


def event_text(ev: dict[str, Any]) -> str:
    """The searchable text of one normalised event."""
    kind = ev.get("kind")
    if kind == "command":
        return str(ev.get("command", ""))
    if kind == "tool_call":
        inp = ev.get("input")
        return inp if isinstance(inp, str) else json.dumps(inp, ensure_ascii=False)
    return str(ev.get("text", ""))


AUTHORED_KINDS = ("command", "tool_call", "message")
