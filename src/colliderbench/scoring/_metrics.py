"""The paper's metrics (Eq. 2, 3, 5) as plain functions over aligned numpy arrays."""

from __future__ import annotations

import numpy as np

ACC_TAU = 0.33  # the worst physicist-in-the-loop relative L2 in the paper


def relative_l2(y: np.ndarray, ref: np.ndarray) -> float:
    """d = sqrt(sum (y - y*)^2 / sum y*^2)."""
    y, ref = np.asarray(y, float), np.asarray(ref, float)
    return float(np.sqrt(np.sum((y - ref) ** 2) / np.sum(ref**2)))


def delta_norm(y: np.ndarray, ref: np.ndarray) -> float:
    """delta = |Y - Y*| / Y*, the relative error of the total yield."""
    total_ref = float(np.sum(ref))
    return abs(float(np.sum(y)) - total_ref) / total_ref


def shape_l2(y: np.ndarray, ref: np.ndarray) -> float:
    """relative_l2 of the unit-normalised vectors; a submission summing to zero has no shape: 1."""
    y, ref = np.asarray(y, float), np.asarray(ref, float)
    total = float(np.sum(y))
    if total <= 0.0:
        return 1.0
    return relative_l2(y / total, ref / np.sum(ref))


def acc_tau(d: float, tau: float = ACC_TAU) -> bool:
    """1[d < tau]."""
    return bool(d < tau)
