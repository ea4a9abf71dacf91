"""``colliderbench tasks validate``: every task must be internally consistent before it is used.

Checks per task: the template parses and is all null; its bins equal ``task.toml``'s and the
reference's, edge by edge; template and reference pass the HEPData data schema (nulls checked as
HEPData's missing-value marker "-"); shape and yield references follow from the sim reference;
TASK.md has the standard sections; assets exist; the paper's sha256 matches where it is present.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

from colliderbench.corpus._papers import find_paper
from colliderbench.corpus._references import read_reference
from colliderbench.corpus._task import ASSETS_DIR, Task, load_task, template_path
from colliderbench.errors import UserError
from colliderbench.histogram import Histogram, HistogramFormatError, read_histogram

TASK_MD_SECTIONS = ("## The task", "## Definitions", "## Required outputs", "## Rules")


@dataclass
class TaskCheck:
    task: str
    problems: list[str] = field(default_factory=list)
    paper: str = "not present"

    @property
    def ok(self) -> bool:
        return not self.problems


def _schema_errors(hist: Histogram) -> list[str]:
    from hepdata_validator.data_file_validator import DataFileValidator

    assert hist.table is not None
    table = copy.deepcopy(hist.table)
    for entry in table["dependent_variables"][0]["values"]:
        if entry.get("value") is None:
            entry["value"] = "-"
    validator = DataFileValidator()
    name = "table.yaml"
    if validator.validate(file_path=name, data=table):
        return []
    return [m.message for m in validator.get_messages().get(name, [])]


def _same_edges(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> bool:
    return len(a) == len(b) and all(
        math.isclose(x[0], y[0]) and math.isclose(x[1], y[1]) for x, y in zip(a, b, strict=True)
    )


def check_task(task: Task) -> TaskCheck:
    check = TaskCheck(task.id)
    p = check.problems
    try:
        template = read_histogram(template_path(task))
    except HistogramFormatError as exc:
        p.append(f"template: {exc}")
        return check
    if any(v is not None for v in template.values):
        p.append("template has values that are not null")
    if not _same_edges(template.edges, list(task.bins)):
        p.append(f"template bins {template.edges} differ from task.toml bins {list(task.bins)}")
    p += [f"template schema: {m}" for m in _schema_errors(template)]
    try:
        reference = read_reference(task)
    except UserError as exc:
        p.append(f"reference: {exc}")
        return check
    if not _same_edges(template.edges, reference.edges):
        p.append(f"template bins {template.edges} differ from reference bins {reference.edges}")
    p += [f"reference schema: {m}" for m in _schema_errors(reference)]
    ref_values = reference.values
    if not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 for v in ref_values
    ):
        p.append("reference has a value that is not a non-negative number")
    elif task.type != "sim":
        sim = read_reference(task.sim_id).values
        expected = [sum(sim)] if task.type == "yield" else [v / sum(sim) for v in sim]
        if not all(
            math.isclose(a, b, rel_tol=1e-8) for a, b in zip(ref_values, expected, strict=False)
        ):
            p.append(f"{task.type} reference {ref_values} does not follow from the sim reference")
    md = task.directory / "TASK.md"
    if not md.is_file():
        p.append("TASK.md is missing")
    else:
        text = md.read_text()
        p += [f"TASK.md lacks section {s!r}" for s in TASK_MD_SECTIONS if s not in text]
    for asset in task.object_efficiencies:
        if not (ASSETS_DIR / asset).is_file():
            p.append(f"asset {asset} is missing")
    try:
        path = find_paper(task.paper)
        check.paper = "sha256 ok" if path else "not present"
    except UserError as exc:
        p.append(str(exc))
        check.paper = "sha256 MISMATCH"
    return check


def validate_tasks(ids: list[str] | None = None) -> list[TaskCheck]:
    from colliderbench.corpus._task import all_tasks

    tasks = [load_task(i) for i in ids] if ids else all_tasks()
    return [check_task(t) for t in tasks]
