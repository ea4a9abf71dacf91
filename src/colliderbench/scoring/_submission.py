"""Scoring one submission against its reference: bins matched by edges, every defect named."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from colliderbench.histogram import Histogram, HistogramFormatError, read_histogram
from colliderbench.scoring._metrics import delta_norm, relative_l2, shape_l2

EDGE_RTOL = 1e-9


@dataclass
class ScoreResult:
    """The contents of ``score.json``."""

    task: str
    type: str
    valid: bool
    reason: str | None
    relative_l2: float | None
    delta_norm: float | None
    shape_l2: float | None
    n_bins: int
    n_filled: int
    submitted: list[float | None]
    reference: list[float]

    @property
    def primary(self) -> float | None:
        """The task type's headline metric: shape_l2 for shape tasks, relative_l2 otherwise."""
        return self.shape_l2 if self.type == "shape" else self.relative_l2

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["primary"] = self.primary
        return out


def _same_edge(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=EDGE_RTOL, abs_tol=1e-9)


def _fmt_bin(edge: tuple[float, float]) -> str:
    return f"[{edge[0]:g}, {edge[1]:g})"


def match_bins(submitted: Histogram, reference: Histogram) -> tuple[list[Any] | None, str | None]:
    """The submitted raw values in reference order, or a one-line reason the bins differ."""
    remaining = list(range(submitted.n_bins))
    ordered: list[Any] = []
    for ref_edge in reference.edges:
        hit = next(
            (
                i
                for i in remaining
                if _same_edge(submitted.edges[i][0], ref_edge[0])
                and _same_edge(submitted.edges[i][1], ref_edge[1])
            ),
            None,
        )
        if hit is None:
            return None, f"bin {_fmt_bin(ref_edge)} is missing from the submission"
        remaining.remove(hit)
        ordered.append(submitted.values[hit])
    if remaining:
        extra = ", ".join(_fmt_bin(submitted.edges[i]) for i in remaining)
        return None, f"the submission has bins the reference does not: {extra}"
    return ordered, None


def check_values(
    raw: list[Any], edges: list[tuple[float, float]]
) -> tuple[np.ndarray | None, str | None]:
    """Numbers >= 0 and finite in every bin, or the first problem as one line."""
    out = np.empty(len(raw))
    for i, v in enumerate(raw):
        where = f"bin {_fmt_bin(edges[i])}"
        if v is None:
            return None, f"{where} is null (not filled)"
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return None, f"{where} holds {v!r}, not a number"
        try:
            x = float(v)
        except OverflowError:
            return None, f"{where} holds a number too large for a float ({str(v)[:20]}...)"
        if math.isnan(x):
            return None, f"{where} is NaN"
        if math.isinf(x):
            return None, f"{where} is infinite"
        if x < 0:
            return None, f"{where} is negative ({x:g})"
        out[i] = x
    return out, None


def _as_float(v: Any) -> float | None:
    """A YAML number as a finite float, else None (text, bools, NaN, inf, huge integers)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    try:
        x = float(v)
    except OverflowError:
        return None
    return x if math.isfinite(x) else None


def _count_filled(raw: list[Any]) -> int:
    return sum(1 for v in raw if _as_float(v) is not None)


def score_histograms(
    task_id: str,
    task_type: str,
    submitted: Histogram | None,
    reference: Histogram,
    reason: str | None = None,
) -> ScoreResult:
    """Score a parsed submission (or record why there is none) against the reference."""
    ref = np.asarray(reference.values, dtype=float)
    n_bins = reference.n_bins

    def invalid(why: str, raw: list[Any] | None = None) -> ScoreResult:
        submitted_vals: list[float | None] = []
        for v in raw or []:
            submitted_vals.append(_as_float(v))
        return ScoreResult(
            task=task_id,
            type=task_type,
            valid=False,
            reason=why,
            relative_l2=None,
            delta_norm=None,
            shape_l2=None,
            n_bins=n_bins,
            n_filled=_count_filled(raw or []),
            submitted=submitted_vals,
            reference=ref.tolist(),
        )

    if submitted is None:
        return invalid(reason or "no submission")
    ordered, why = match_bins(submitted, reference)
    if ordered is None:
        return invalid(why or "bins differ", submitted.values)
    values, why = check_values(ordered, reference.edges)
    if values is None:
        return invalid(why or "bad value", ordered)
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below
        shape = shape_l2(values, ref)
        if task_type == "shape":
            # only the distribution is scored: the submission may be absolute or unit-normalised,
            # so its normalisation (delta) means nothing and d is the normalised vectors' distance
            d, delta = shape, None
        else:
            d, delta = relative_l2(values, ref), delta_norm(values, ref)
    if not all(math.isfinite(x) for x in (d, shape, 0.0 if delta is None else delta)):
        return invalid(
            f"the values are too large to score (largest {max(values):g}): the metrics overflow",
            ordered,
        )
    return ScoreResult(
        task=task_id,
        type=task_type,
        valid=True,
        reason=None,
        relative_l2=d,
        delta_norm=delta,
        shape_l2=shape,
        n_bins=n_bins,
        n_filled=n_bins,
        submitted=values.tolist(),
        reference=ref.tolist(),
    )


def read_submission(path: str | Path) -> tuple[Histogram | None, str | None]:
    """Parse a submission file; never raises for bad content, returns (None, reason) instead."""
    try:
        return read_histogram(path), None
    except HistogramFormatError as exc:
        return None, str(exc)
    except Exception as exc:  # a scorer must never crash on user content
        return None, f"unreadable submission ({exc.__class__.__name__})"


def score_submission(task: Any, path: str | Path | None) -> ScoreResult:
    """Score a submission file for a task (a ``Task`` or its id) against the hidden reference."""
    from colliderbench.corpus import load_task, read_reference

    task = load_task(task)
    reference = read_reference(task)
    if path is None:
        return score_histograms(task.id, task.type, None, reference, "no submission file")
    hist, why = read_submission(path)
    return score_histograms(task.id, task.type, hist, reference, why)


def score_values(task: Any, values: list[float]) -> ScoreResult:
    """Score a bare vector given in the task's bin order (e.g. values recovered by the judge)."""
    from colliderbench.corpus import load_task, read_reference

    task = load_task(task)
    reference = read_reference(task)
    hist = Histogram(edges=list(reference.edges), values=list(values))
    if len(values) != reference.n_bins:
        return score_histograms(
            task.id, task.type, None, reference, f"{len(values)} values for {reference.n_bins} bins"
        )
    return score_histograms(task.id, task.type, hist, reference)
