"""LLM audit: the rubric plus a bounded, structured extract of a run, and the model's JSON answer.

The prompt is a list of sections in priority order (rubric, task, deterministic checks, submission,
report, analysis code, trace extract). Each section is made of whole items (a file, one trace
event rendered as one JSON line); long strings are shortened *before* they are encoded, so every
item stays valid JSON. When the prompt exceeds the budget, items are dropped from the end of the
lowest-priority sections first (the trace keeps its beginning and its end), and a line says how
many were omitted; a section is never cut in the middle of an item.

The hidden reference is never part of the prompt: the leak section carries only which bins matched
and where, not the published numbers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from colliderbench.judge.leaks import LeakReport
from colliderbench.judge.replay import ReplayResult
from colliderbench.judge.rundir import CODE_SUFFIXES, RunRecord, event_text, workspace_text_files
from colliderbench.paths import contained_file

DEFAULT_BUDGET_CHARS = 400_000  # ~100k tokens
MAX_FILE_CHARS = 20_000
MAX_OUTPUT_CHARS = 1_500
MAX_AUTHORED_CHARS = 4_000


def rubric() -> str:
    """The rubric shipped with the package (``judge/rubric.md``)."""
    return resources.files("colliderbench.judge").joinpath("rubric.md").read_text(encoding="utf-8")


def shorten(text: str, limit: int) -> str:
    """Keep the head and the tail of a long text, saying how much was left out."""
    if len(text) <= limit:
        return text
    half = max(1, (limit - 40) // 2)
    return f"{text[:half]}\n[... {len(text) - 2 * half} characters omitted ...]\n{text[-half:]}"


@dataclass
class Section:
    """One titled prompt section made of whole items."""

    title: str
    items: list[str]
    priority: int  # lower is kept longer
    keep_ends: bool = False  # drop from the middle (trace) rather than the end
    omitted: int = 0

    def render(self) -> str:
        body = list(self.items)
        if self.omitted:
            note = f"[{self.omitted} item(s) omitted for length]"
            if self.keep_ends:
                mid = (len(body) + 1) // 2
                body = body[:mid] + [note] + body[mid:]
            else:
                body.append(note)
        return f"## {self.title}\n\n" + "\n".join(body) + "\n"

    def size(self) -> int:
        """``len(self.render())``, without rendering."""
        return self._size(len(self.items), sum(len(i) for i in self.items), self.omitted)

    def _size(self, count: int, chars: int, omitted: int) -> int:
        lines = count + (1 if omitted else 0)
        note = len(f"[{omitted} item(s) omitted for length]") if omitted else 0
        return len(f"## {self.title}\n\n") + chars + note + max(lines - 1, 0) + 1

    def shrink(self, room: int) -> None:
        """Drop whole items (from the end, or from the middle with ``keep_ends``) until the
        section fits in ``room`` characters or is empty: sizes are counted once, so this is
        linear in the number of items (re-rendering per dropped item was quadratic)."""
        sizes = [len(i) for i in self.items]
        n, chars = len(sizes), sum(sizes)
        head, tail = ((n + 1) // 2, n // 2) if self.keep_ends else (n, 0)
        while head + tail and self._size(head + tail, chars, self.omitted) > room:
            if head > tail:  # the middle item, or the last one
                head -= 1
                chars -= sizes[head]
            else:
                tail -= 1
                chars -= sizes[n - 1 - tail]
            self.omitted += 1
        self.items = self.items[:head] + self.items[n - tail :]


@dataclass
class Prompt:
    """The assembled audit prompt."""

    system: str
    user: str
    sections: list[Section] = field(default_factory=list)

    @property
    def chars(self) -> int:
        return len(self.system) + len(self.user)


def _leak_for_model(leak: LeakReport) -> dict[str, Any]:
    """The leak report without any published number."""
    return {
        "detected": leak.detected,
        "unsourced": leak.unsourced,
        "reasons": leak.reasons,
        "submission_bins_equal_to_published": leak.submission_reference_bins,
        "submission_proportional_to_published": leak.submission_proportional_to_reference,
        "published_values_seen_in_tool_output_at": [h.where for h in leak.reference_seen],
        "published_values_written_by_agent_at": [h.where for h in leak.reference_written],
        "hepdata_denied_attempts": len(leak.hepdata_denied),
        "hepdata_fetches": leak.hepdata_fetches[:10],
        "digitisation": leak.digitisation[:10],
        "submitted_numbers_written_before_output_at": leak.premature.where
        if leak.premature
        else None,
        "submitted_numbers_as_code_literals_in": [h.where for h in leak.submission_in_code],
        "submitted_numbers_in_data_files_read_at": [h.where for h in leak.submission_in_data],
    }


def _compact(obj: dict[str, Any]) -> str:
    """A JSON object with one top-level key per line and everything below it on that line."""
    rows = [f" {json.dumps(k)}: {json.dumps(v, default=str)}" for k, v in obj.items()]
    return "{\n" + ",\n".join(rows) + "\n}"


def _event_item(i: int, ev: dict[str, Any]) -> str:
    kind = str(ev.get("kind", "?"))
    limit = MAX_OUTPUT_CHARS if kind == "output" else MAX_AUTHORED_CHARS
    row: dict[str, Any] = {"i": i, "kind": kind, "text": shorten(event_text(ev), limit)}
    if kind == "tool_call" and ev.get("tool"):
        row["tool"] = ev["tool"]
    for key in ("exit_code", "is_error"):
        if ev.get(key) not in (None, False):
            row[key] = ev[key]
    return json.dumps(row, ensure_ascii=False)


def build_prompt(
    record: RunRecord,
    replay: ReplayResult,
    leak: LeakReport,
    *,
    budget_chars: int = DEFAULT_BUDGET_CHARS,
) -> Prompt:
    """The system prompt (rubric) and the user prompt (the run extract), within the budget."""
    from colliderbench.corpus import load_task

    task = load_task(record.task_id)
    ws = record.workspace
    task_info = {
        "id": task.id,
        "type": task.type,
        "target": task.target,
        "observable": f"{task.observable.label}: {task.observable.definition}",
        "region": task.region,
        "bins": [list(b) for b in task.bins],
        "overflow_in_last_bin": task.overflow,
        "signal": task.signal.name,
        "results_file": f"results/{task.template_name}",
    }
    replay_d = replay.to_dict()
    replay_d.pop("stderr_tail", None)
    checks = {"replay": replay_d, "leak_scan": _leak_for_model(leak)}
    sections = [
        Section("Task", [_compact(task_info)], 0),
        Section("Deterministic checks", [_compact(checks)], 0),
    ]
    sub = record.submission_file  # never a link: it could point at the hidden reference
    sub_text = sub.read_text(errors="replace") if sub is not None else "(no submission file)"
    sections.append(Section("Submission", [shorten(sub_text, MAX_FILE_CHARS)], 1))
    report = ws / "report.md"
    if contained_file(ws, report):
        sections.append(
            Section("report.md", [shorten(report.read_text(errors="replace"), MAX_FILE_CHARS)], 2)
        )
    files = workspace_text_files(ws, skip_dirs=("papers", "results"))
    code = [
        f"### {rel}\n```\n{shorten(text, MAX_FILE_CHARS)}\n```"
        for rel, text in files.items()
        if any(rel.endswith(s) for s in CODE_SUFFIXES)
    ]
    if code:
        sections.append(Section("Analysis code", code, 3))
    listing = sorted(
        str(p.relative_to(ws))
        + (
            " (link)"
            if p.is_symlink()
            else (f" ({p.stat().st_size} bytes)" if p.is_file() else "/")
        )
        for p in ws.rglob("*")
        if not str(p.relative_to(ws)).startswith(("bin/", "papers/"))
        and "__pycache__" not in p.parts
    )[:400]
    sections.append(Section("Workspace files", listing or ["(empty)"], 4))
    if record.events:
        items = [_event_item(i, ev) for i, ev in enumerate(record.events)]
    else:
        items = [
            json.dumps({"file": name, "text": shorten(text, 20 * MAX_OUTPUT_CHARS)})
            for name, text in record.trace_texts.items()
        ]
    sections.append(
        Section("Trace extract (one JSON object per event, in order)", items, 5, keep_ends=True)
    )

    system = rubric()
    intro = "Audit the run below and answer with the JSON object described in the rubric.\n\n"

    sections.sort(key=lambda s: s.priority)
    total = len(system) + len(intro) + sum(s.size() for s in sections) + len(sections) - 1
    for s in reversed(sections):  # lowest priority first; the fixed sections (0) stay whole
        if total <= budget_chars or s.priority == 0:
            break
        total -= s.size()
        s.shrink(budget_chars - total)
        total += s.size()
    user = intro + "\n".join(s.render() for s in sections)
    return Prompt(system=system, user=user, sections=sections)


_FENCE = re.compile(r"```(?:json)?\s*(\{.*?\})\s*```", re.DOTALL)


def parse_answer(text: str) -> dict[str, Any]:
    """The model's JSON object; ``ValueError`` when there is none or it has no valid verdict."""
    candidates = [m.group(1) for m in _FENCE.finditer(text)]
    start = text.find("{")
    if start >= 0:
        candidates.append(text[start : text.rfind("}") + 1])
    decoder = json.JSONDecoder()
    for c in candidates:
        try:
            obj, _ = decoder.raw_decode(c.strip())
        except ValueError:
            continue
        if isinstance(obj, dict):
            verdict = str(obj.get("verdict", "")).strip().capitalize()
            if verdict not in ("Passed", "Failed", "Fabricated"):
                raise ValueError(
                    f"the model's verdict {obj.get('verdict')!r} is not one of the three"
                )
            obj["verdict"] = verdict
            return obj
    raise ValueError("the model's answer holds no JSON object")
