"""Normalisation and binning of ``solve`` on hand-made selections (no simulation)."""

from __future__ import annotations

import numpy as np
import pytest

from colliderbench.recasts.base import Selection
from colliderbench.recasts.solve import Normalisation, bin_index, binned_yields, cutflow_rows

EDGES = [(600.0, 800.0), (800.0, 1000.0), (1000.0, 1300.0), (1300.0, 1600.0)]


def test_bins_are_half_open_and_last_takes_overflow() -> None:
    v = np.array([599.9, 600.0, 799.999, 800.0, 1300.0, 1599.0, 1600.0, 5000.0])
    assert bin_index(v, EDGES, overflow=True).tolist() == [-1, 0, 0, 1, 3, 3, 3, 3]
    assert bin_index(v, EDGES, overflow=False).tolist() == [-1, 0, 0, 1, 3, 3, -1, -1]


def test_yield_is_sigma_lumi_filter_sum_of_weights_over_n() -> None:
    norm = Normalisation(
        xsec_fb=10.0,
        luminosity_fb=35.9,
        filter_efficiency=0.5,
        n_generated=1000,
        xsec_process="x",
        xsec_mass=1.0,
    )
    values = np.array([700.0, 700.0, 900.0, 2000.0, 50.0])
    passed = np.array([True, True, False, True, True])
    weight = np.array([0.9, 0.8, 1.0, 0.5, 1.0])
    sel = Selection(values, passed, weight, [("all", passed)])
    y, e = binned_yields(sel, EDGES, True, norm)
    per = 10.0 * 35.9 * 0.5 / 1000
    np.testing.assert_allclose(y, [1.7 * per, 0.0, 0.0, 0.5 * per])
    np.testing.assert_allclose(e, [np.sqrt(0.81 + 0.64) * per, 0.0, 0.0, 0.5 * per])
    rows = cutflow_rows(sel, norm)
    assert rows[0]["yield"] == pytest.approx(10.0 * 35.9 * 0.5)
    assert rows[1]["events"] == 4 and rows[1]["yield"] == pytest.approx(3.2 * per)


def test_selection_checks_shapes() -> None:
    with pytest.raises(ValueError):
        Selection(np.zeros(3), np.zeros(2, dtype=bool), 1.0, [])
    sel = Selection(np.zeros(3), np.zeros(3, dtype=bool), 0.9, [])
    assert sel.weight.tolist() == [0.9, 0.9, 0.9]


def test_score_is_left_to_the_harness_when_references_are_hidden(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import colliderbench.paths
    from colliderbench.corpus import load_task, template_path
    from colliderbench.histogram import fill_template
    from colliderbench.recasts.solve import score_result

    def hidden() -> None:
        raise ImportError("no colliderbench_hidden in the sandbox")

    monkeypatch.setattr(colliderbench.paths, "hidden_dir", hidden)
    task = load_task("sus-16-046_sim-T5Wg")
    path = tmp_path / task.template_name
    path.write_text(fill_template(template_path(task), [1.0, 2.0, 3.0, 4.0]))
    score, note = score_result(task, path)
    assert score is None and "harness" in (note or "")
