"""Aggregation over runs, with the paper's rules and our fixes.

- invalid runs (missing, unparsable, null, NaN, wrong bins) enter with d = 1, as all-null or all-zero
  submissions do in the paper;
- runs the judge flagged Fabricated are excluded from every mean and counted instead;
- per (agent, model, task): mean and sample standard deviation over the remaining runs;
- Acc_tau per agent: the mean over tasks of 1[mean d < tau].
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from colliderbench.scoring._metrics import ACC_TAU

INVALID_D = 1.0


@dataclass(frozen=True)
class RunOutcome:
    """One run as the aggregates see it."""

    agent: str
    model: str | None
    task: str
    valid: bool
    relative_l2: float | None = None
    shape_l2: float | None = None
    primary: float | None = None  # the task type's headline metric; relative_l2 when absent
    fabricated: bool = False

    @property
    def d(self) -> float:
        """The headline distance, with invalid runs counted as d = 1."""
        value = self.primary if self.primary is not None else self.relative_l2
        if not self.valid or value is None or not math.isfinite(value):
            return INVALID_D
        return float(value)

    @property
    def shape(self) -> float:
        if not self.valid or self.shape_l2 is None or not math.isfinite(self.shape_l2):
            return INVALID_D
        return float(self.shape_l2)


@dataclass(frozen=True)
class CellStats:
    """Mean and sample std of one (agent, model, task) cell over its non-fabricated runs."""

    agent: str
    model: str | None
    task: str
    n: int
    mean_d: float | None
    std_d: float | None
    mean_shape: float | None
    std_shape: float | None
    best_d: float | None
    n_invalid: int
    n_fabricated: int


def mean_std(values: list[float]) -> tuple[float | None, float | None]:
    """Mean and sample standard deviation (ddof=1); std is None for a single value."""
    if not values:
        return None, None
    arr = np.asarray(values, dtype=float)
    std = float(arr.std(ddof=1)) if arr.size > 1 else None
    return float(arr.mean()), std


def cell_stats(outcomes: list[RunOutcome]) -> list[CellStats]:
    """One ``CellStats`` per (agent, model, task), in first-seen order."""
    groups: dict[tuple[str, str | None, str], list[RunOutcome]] = defaultdict(list)
    for o in outcomes:
        groups[(o.agent, o.model, o.task)].append(o)
    cells: list[CellStats] = []
    for (agent, model, task), runs in groups.items():
        kept = [r for r in runs if not r.fabricated]
        mean_d, std_d = mean_std([r.d for r in kept])
        mean_s, std_s = mean_std([r.shape for r in kept])
        cells.append(
            CellStats(
                agent=agent,
                model=model,
                task=task,
                n=len(kept),
                mean_d=mean_d,
                std_d=std_d,
                mean_shape=mean_s,
                std_shape=std_s,
                best_d=min((r.d for r in kept), default=None),
                n_invalid=sum(1 for r in kept if not r.valid),
                n_fabricated=len(runs) - len(kept),
            )
        )
    return cells


def acc_tau_by_agent(
    cells: list[CellStats], tau: float = ACC_TAU
) -> dict[tuple[str, str | None], tuple[float, int, int]]:
    """Per (agent, model): (Acc_tau, successes, tasks). Cells with no kept run count as failures."""
    per_agent: dict[tuple[str, str | None], list[bool]] = defaultdict(list)
    for c in cells:
        per_agent[(c.agent, c.model)].append(c.mean_d is not None and c.mean_d < tau)
    return {k: (sum(v) / len(v), sum(v), len(v)) for k, v in per_agent.items()}


def wilson_interval(successes: int, n: int, z: float = 1.0) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (z = 1: a 68% interval)."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)
