"""The paper's metrics against values computed by hand."""

import math

import numpy as np
import pytest

from colliderbench.scoring import (
    RunOutcome,
    acc_tau,
    acc_tau_by_agent,
    cell_stats,
    delta_norm,
    mean_std,
    relative_l2,
    shape_l2,
    wilson_interval,
)


def test_relative_l2_by_hand():
    # y - y* = (1, -1, 0); sum y*^2 = 4 + 9 + 16 = 29
    assert relative_l2(np.array([3.0, 2.0, 4.0]), np.array([2.0, 3.0, 4.0])) == pytest.approx(
        math.sqrt(2 / 29)
    )


def test_perfect_and_zero_submissions():
    ref = np.array([0.49, 1.78, 6.10, 46.48])
    assert relative_l2(ref, ref) == 0.0
    assert relative_l2(np.zeros(4), ref) == pytest.approx(1.0)
    assert shape_l2(np.zeros(4), ref) == 1.0
    assert delta_norm(np.zeros(4), ref) == pytest.approx(1.0)


def test_delta_norm_and_shape_by_hand():
    ref = np.array([1.0, 3.0])
    y = np.array([2.0, 6.0])  # twice the reference: same shape, 100% normalisation error
    assert delta_norm(y, ref) == pytest.approx(1.0)
    assert shape_l2(y, ref) == pytest.approx(0.0)
    assert relative_l2(y, ref) == pytest.approx(1.0)
    y2 = np.array([3.0, 1.0])  # unit-normalised: (0.75, 0.25) vs (0.25, 0.75)
    assert shape_l2(y2, ref) == pytest.approx(math.sqrt(0.5**2 * 2 / (0.25**2 + 0.75**2)))


def test_acc_tau_threshold_is_strict():
    assert acc_tau(0.3299)
    assert not acc_tau(0.33)


def test_aggregation_rules():
    runs = [
        RunOutcome("a", "m", "t1", True, 0.1, 0.05),
        RunOutcome("a", "m", "t1", True, 0.3, 0.1),
        RunOutcome("a", "m", "t1", False),  # invalid: d = 1
        RunOutcome("a", "m", "t1", True, 0.0, 0.0, fabricated=True),  # excluded, counted
        RunOutcome("a", "m", "t2", True, 0.5, 0.2),
    ]
    cells = {c.task: c for c in cell_stats(runs)}
    t1 = cells["t1"]
    assert t1.n == 3 and t1.n_fabricated == 1 and t1.n_invalid == 1
    assert t1.mean_d == pytest.approx((0.1 + 0.3 + 1.0) / 3)
    assert t1.std_d == pytest.approx(np.std([0.1, 0.3, 1.0], ddof=1))
    assert t1.best_d == pytest.approx(0.1)
    assert cells["t2"].std_d is None  # one run: no spread, shown bare
    acc = acc_tau_by_agent(list(cells.values()))
    assert acc[("a", "m")] == (0.0, 0, 2)  # t1 mean 0.47, t2 0.5: both fail tau = 0.33
    acc_loose = acc_tau_by_agent(list(cells.values()), tau=0.49)
    assert acc_loose[("a", "m")] == (0.5, 1, 2)


def test_shape_tasks_use_shape_as_primary():
    o = RunOutcome("a", None, "shape-task", True, relative_l2=0.9, shape_l2=0.1, primary=0.1)
    assert o.d == 0.1


def test_mean_std_and_wilson():
    assert mean_std([]) == (None, None)
    assert mean_std([2.0]) == (2.0, None)
    lo, hi = wilson_interval(5, 10)
    assert lo < 0.5 < hi and 0 <= lo and hi <= 1
    assert wilson_interval(0, 0) == (0.0, 1.0)
