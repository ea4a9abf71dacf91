"""Normalisation and binning of ``solve`` on hand-made selections (no simulation)."""

from __future__ import annotations

from pathlib import Path

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


def test_overflow_bin_is_labelled_from_its_low_edge() -> None:
    from colliderbench.recasts.solve import bin_labels

    assert bin_labels(EDGES, overflow=True) == ["600-800", "800-1000", "1000-1300", ">= 1300"]
    assert bin_labels(EDGES, overflow=False)[-1] == "1300-1600"


def test_selection_cutflow_must_end_at_the_final_selection() -> None:
    passed = np.array([True, False, True])
    with pytest.raises(ValueError, match="final selection"):
        Selection(np.zeros(3), passed, 1.0, [("a", passed), ("b", np.zeros(3, dtype=bool))])


def test_cached_sample_names_this_workdir_and_is_world_readable(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json
    import stat

    import colliderbench.paths
    import colliderbench.physics.delphes_io as delphes_io
    from colliderbench.recasts import recast_for
    from colliderbench.recasts.solve import DATA_FILE, _sample_key, simulate_sample

    recast = recast_for("sus-16-046_sim-T5Wg")
    monkeypatch.setattr(colliderbench.paths, "cache_dir", lambda: tmp_path / "cache")
    monkeypatch.setattr(delphes_io, "read_metadata", lambda path: {"events": 10})
    cached = tmp_path / "cache" / "samples" / _sample_key(recast, 10, 3)
    (cached / "sims").mkdir(parents=True)
    (cached / DATA_FILE).write_bytes(b"not really ROOT")
    (cached / DATA_FILE).chmod(0o600)
    first = str(tmp_path / "first" / "data" / DATA_FILE)
    (cached / "sims" / "simulate.json").write_text(json.dumps({"output": first, "events": 10}))

    work = tmp_path / "second"
    out, meta = simulate_sample(recast, 10, 1, 3, work / "data", work / "sims", progress=False)
    assert out == work / "data" / DATA_FILE and meta == {"events": 10}
    assert out.read_bytes() == b"not really ROOT"
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    summary = json.loads((work / "sims" / "simulate.json").read_text())
    assert summary == {"output": str(out), "events": 10}


def test_cache_entry_is_stored_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A copy into the cache that fails half-way leaves no entry (a later solve would reuse it)
    and no staging folder; a complete store replaces an incomplete older entry."""
    import shutil

    from colliderbench.recasts import solve as solve_mod

    data = tmp_path / "work" / "events.root"
    sims = tmp_path / "work" / "sims"
    sims.mkdir(parents=True)
    data.write_bytes(b"events")
    (sims / "simulate.json").write_text("{}")
    cache = tmp_path / "cache" / "samples"
    entry = cache / "abc"

    def broken_copytree(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    monkeypatch.setattr(shutil, "copytree", broken_copytree)
    with pytest.warns(UserWarning, match="sample not cached"):
        solve_mod.store_in_cache(data, sims, entry)
    assert not entry.exists() and list(cache.iterdir()) == []
    monkeypatch.undo()

    (entry / "sims").mkdir(parents=True)  # an incomplete entry: sims/ but no events file
    solve_mod.store_in_cache(data, sims, entry)
    assert (entry / solve_mod.DATA_FILE).read_bytes() == b"events"
    assert (entry / "sims" / "simulate.json").read_text() == "{}"
    assert [p.name for p in cache.iterdir()] == ["abc"]


def test_sample_cache_key_follows_the_decay_table_and_versions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A changed model definition (same model name and masses) or generator must not reuse a
    cached sample made by the old one."""
    import colliderbench.physics.generate as generate
    import colliderbench.physics.models as models
    from colliderbench.recasts import recast_for
    from colliderbench.recasts.solve import _sample_key

    recast = recast_for("sus-16-047_sim-T5Wg_lowHT")
    key = _sample_key(recast, 1000, 1)
    assert key == _sample_key(recast_for("sus-16-047_sim-T5Wg_highHT"), 1000, 1)  # shared sample
    assert key != _sample_key(recast, 1000, 2)

    real = models.model_slha

    def other_table(name, masses):  # type: ignore[no-untyped-def]
        model, resolved, text = real(name, masses)
        return model, resolved, text.replace("1.250000000e-01", "1.240000000e-01")

    monkeypatch.setattr(models, "model_slha", other_table)
    assert _sample_key(recast, 1000, 1) != key
    monkeypatch.setattr(models, "model_slha", real)
    monkeypatch.setattr(generate, "pythia_version", lambda: "0.0.0")
    assert _sample_key(recast, 1000, 1) != key


def test_sus16047_t5wg_is_the_gamma_w_final_state_at_half_the_rate(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 047 T5Wg recast generates only gamma-W events (one chi^0_1, one chi^+-_1) and
    normalises them to sigma x L x 0.5, the analysis group's definition of its T5Wg yields."""
    import json

    from colliderbench.physics.delphes_io import read_metadata
    from colliderbench.recasts.solve import solve

    monkeypatch.setenv("COLLIDERBENCH_DATA", str(tmp_path / "cache"))
    result = solve(
        "sus-16-047_sim-T5Wg_highHT", 40, workdir=tmp_path / "w", cache=False, progress=False
    )
    meta = read_metadata(tmp_path / "w" / "data" / "events.root")
    assert meta["neutralino_count"] == 1 and meta["filter_efficiency"] == pytest.approx(0.5)
    assert result.normalisation["filter_efficiency"] == pytest.approx(0.5)
    cutflow = json.loads((tmp_path / "w" / "cutflow.json").read_text())
    assert cutflow["normalisation"]["filter_efficiency"] == pytest.approx(0.5)
    assert cutflow["cuts"][0]["yield"] == pytest.approx(8.10078 * 35.9 * 0.5, rel=1e-3)
    assert "0.5" in (tmp_path / "w" / "report.md").read_text()
