"""Hidden reference yields. Read only by the scorer and the judge, outside any sandbox."""

from __future__ import annotations

import numpy as np

from colliderbench.corpus._task import Task, load_task
from colliderbench.errors import UserError
from colliderbench.histogram import Histogram, HistogramFormatError, read_histogram


class ReferenceUnavailable(UserError):
    """The hidden references are not installed or not visible (e.g. inside the sandbox)."""


def reference_path(task: Task | str):  # type: ignore[no-untyped-def]
    from colliderbench.paths import hidden_dir

    task = load_task(task)
    try:
        directory = hidden_dir() / "references"
    except ImportError:
        raise ReferenceUnavailable("the hidden references are not installed here") from None
    return directory / f"{task.id}.yaml"


def read_reference(task: Task | str) -> Histogram:
    """The reference histogram of a task (absolute yields at 35.9 fb^-1)."""
    task = load_task(task)
    path = reference_path(task)
    if not path.is_file():
        raise ReferenceUnavailable(
            f"the reference of {task.id} is not visible here (hidden inside sandboxes; scored by the harness)"
        )
    try:
        hist = read_histogram(path)
    except HistogramFormatError as exc:
        raise UserError(f"corrupt reference for {task.id}: {exc}") from None
    return hist


def reference_values(task: Task | str) -> np.ndarray:
    return np.asarray(read_reference(task).values, dtype=float)
