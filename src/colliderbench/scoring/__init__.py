"""Scoring: the paper's metrics over histograms whose bins are matched by their edges.

Pure functions over numbers and YAML; nothing heavy is imported here.
"""

from colliderbench.scoring._aggregate import (
    INVALID_D,
    CellStats,
    RunOutcome,
    acc_tau_by_agent,
    cell_stats,
    mean_std,
    wilson_interval,
)
from colliderbench.scoring._metrics import ACC_TAU, acc_tau, delta_norm, relative_l2, shape_l2
from colliderbench.scoring._submission import (
    ScoreResult,
    check_values,
    match_bins,
    read_submission,
    score_histograms,
    score_submission,
    score_values,
)

__all__ = [
    "ACC_TAU",
    "INVALID_D",
    "CellStats",
    "RunOutcome",
    "ScoreResult",
    "acc_tau",
    "acc_tau_by_agent",
    "cell_stats",
    "check_values",
    "delta_norm",
    "match_bins",
    "mean_std",
    "read_submission",
    "relative_l2",
    "score_histograms",
    "score_submission",
    "score_values",
    "shape_l2",
    "wilson_interval",
]
