"""Jets (radius, energy scale), missing ET on balanced events, flavour and tags, reproducibility."""

from __future__ import annotations

import awkward as ak
import numpy as np
import pytest

from colliderbench.physics.detector import DetectorConfig, partons_from_record, simulate_detector
from colliderbench.physics.detector.gun import merge_events, particle_gun
from colliderbench.physics.detector.jets import jet_energy_scale
from colliderbench.physics.detector.tagging import b_tag_efficiency


def spray(
    n: int, eta: float, phi: float, count: int, pt: float, spread: float, seed: int
) -> ak.Array:
    """``count`` charged and neutral pions around (η, φ)."""
    pids = (211, -211, 111, 211, -211, 111, 130)
    guns = [
        particle_gun(pids[i % len(pids)], n, pt=pt, eta=(eta - spread, eta + spread),
                     phi=(phi - spread, phi + spread), seed=seed + i)
        for i in range(count)
    ]  # fmt: skip
    return merge_events(*guns)


def dijets(n: int, seed: int) -> ak.Array:
    return merge_events(
        spray(n, 0.3, 0.0, 6, 25.0, 0.08, seed), spray(n, -0.4, np.pi, 6, 25.0, 0.08, seed + 50)
    )


def test_jet_energy_scale_worked_values() -> None:
    pt = np.array([30.0, 100.0, 300.0, 1000.0, 30.0, 100.0])
    eta = np.array([0.0, 0.0, 0.0, 0.0, 2.4, 2.4])
    expected = [1.099, 1.031, 1.010, 1.003, 1.074, 1.023]
    assert jet_energy_scale(pt, eta) == pytest.approx(expected, abs=1.5e-3)


def test_two_pion_sprays_give_two_balanced_jets() -> None:
    n = 1000
    events = simulate_detector(dijets(n, 1), DetectorConfig(), seed=2)
    n_jets = ak.to_numpy(ak.num(events.Jet))
    assert np.mean(n_jets == 2) > 0.95
    lead = ak.to_numpy(events.Jet.PT[n_jets >= 1][:, 0])
    # 150 GeV of generated pT per spray; calorimeter + track response times the JES factor ~ 1.02
    assert 140.0 < np.median(lead) < 175.0
    assert ak.all(events.Jet.PT[:, :-1] >= events.Jet.PT[:, 1:])  # sorted
    met = ak.to_numpy(ak.flatten(events.MissingET.MET))
    assert np.median(met) < 15.0  # balanced events: MET is resolution only
    assert np.median(met) > 0.5  # ... but not zero
    ht = ak.to_numpy(ak.flatten(events.ScalarHT.HT))
    assert ht == pytest.approx(ak.to_numpy(ak.sum(events.Jet.PT, axis=1)), rel=1e-5)


def test_jet_radius_option() -> None:
    """Two sprays 0.45 apart in φ: two AK4 jets, one R = 0.5 jet."""
    n = 400
    sample = merge_events(
        spray(n, 0.0, 0.0, 4, 20.0, 0.01, 3), spray(n, 0.0, 0.45, 4, 20.0, 0.01, 30)
    )
    ak4 = simulate_detector(sample, DetectorConfig(jet_radius=0.4), seed=4)
    ak5 = simulate_detector(sample, DetectorConfig(jet_radius=0.5), seed=4)
    assert np.mean(ak.to_numpy(ak.num(ak4.Jet)) == 2) > 0.9
    assert np.mean(ak.to_numpy(ak.num(ak5.Jet)) == 1) > 0.9


def partons_at(n: int, pid: int, eta: float, phi: float, pt: float = 100.0) -> ak.Array:
    return ak.unflatten(
        ak.zip(
            {
                "pid": np.full(n, pid),
                "pt": np.full(n, pt),
                "eta": np.full(n, eta),
                "phi": np.full(n, phi),
            }
        ),
        np.ones(n, dtype=np.int64),
    )


@pytest.mark.parametrize(("pid", "flavour"), [(5, 5), (-4, 4), (21, 21), (2, 2)])
def test_flavour_and_b_tag_efficiency(pid: int, flavour: int) -> None:
    n = 3000
    sample = spray(n, 0.2, 1.0, 6, 20.0, 0.08, 5)
    events = simulate_detector(
        sample, DetectorConfig(), seed=6, partons=partons_at(n, pid, 0.25, 1.05)
    )
    jets = ak.flatten(events.Jet[:, :1])
    assert (ak.to_numpy(jets.Flavor) == flavour).all()
    expected = b_tag_efficiency(
        np.full(len(jets), flavour), ak.to_numpy(jets.PT).astype(float)
    ).mean()
    measured = ak.to_numpy(jets.BTag).mean()
    assert abs(measured - expected) < 4 * np.sqrt(expected * (1 - expected) / len(jets)) + 1e-3


def test_b_tag_needs_the_parton_within_delta_r() -> None:
    n = 500
    sample = spray(n, 0.2, 1.0, 6, 20.0, 0.08, 7)
    events = simulate_detector(sample, DetectorConfig(), seed=8, partons=partons_at(n, 5, 0.2, 1.8))
    assert (ak.to_numpy(ak.flatten(events.Jet.Flavor)) == 0).all()


def test_cms2016_medium_working_point() -> None:
    n = 3000
    sample = spray(n, 0.2, 1.0, 6, 20.0, 0.08, 9)
    events = simulate_detector(
        sample,
        DetectorConfig(btag_working_point="cms2016_medium"),
        seed=10,
        partons=partons_at(n, 5, 0.2, 1.0),
    )
    measured = ak.to_numpy(ak.flatten(events.Jet[:, :1].BTag)).mean()
    assert abs(measured - 0.63) < 4 * np.sqrt(0.63 * 0.37 / n)


def test_tau_tag_rates() -> None:
    n = 3000
    sample = spray(n, 0.2, 1.0, 3, 20.0, 0.05, 11)
    tau = simulate_detector(
        sample, DetectorConfig(), seed=12, partons=partons_at(n, -15, 0.2, 1.0, 50.0)
    )
    plain = simulate_detector(sample, DetectorConfig(), seed=12)
    tagged = ak.to_numpy(ak.flatten(tau.Jet[:, :1].TauTag)).mean()
    mistag = ak.to_numpy(ak.flatten(plain.Jet[:, :1].TauTag)).mean()
    assert abs(tagged - 0.6) < 4 * np.sqrt(0.24 / n)
    assert abs(mistag - 0.01) < 4 * np.sqrt(0.0099 / n) + 1e-3


def test_partons_from_a_full_record() -> None:
    """Quarks at any status != 1 count; a τ counts at its last copy, only if it decays hadronically,
    with its visible momentum."""
    record = ak.Array(
        [
            [
                {
                    "pid": 5,
                    "status": 23,
                    "px": 50.0,
                    "py": 0.0,
                    "pz": 0.0,
                    "e": 50.0,
                    "d1": -1,
                    "d2": -1,
                },
                {
                    "pid": 15,
                    "status": 2,
                    "px": 40.0,
                    "py": 0.0,
                    "pz": 0.0,
                    "e": 40.0,
                    "d1": 2,
                    "d2": 3,
                },
                {
                    "pid": 211,
                    "status": 1,
                    "px": 30.0,
                    "py": 0.0,
                    "pz": 0.0,
                    "e": 30.0,
                    "d1": -1,
                    "d2": -1,
                },
                {
                    "pid": 16,
                    "status": 1,
                    "px": 10.0,
                    "py": 0.0,
                    "pz": 0.0,
                    "e": 10.0,
                    "d1": -1,
                    "d2": -1,
                },
            ],
            [
                {
                    "pid": -15,
                    "status": 2,
                    "px": 40.0,
                    "py": 0.0,
                    "pz": 0.0,
                    "e": 40.0,
                    "d1": 1,
                    "d2": 3,
                },
                {
                    "pid": 11,
                    "status": 1,
                    "px": 20.0,
                    "py": 0.0,
                    "pz": 0.0,
                    "e": 20.0,
                    "d1": -1,
                    "d2": -1,
                },
                {
                    "pid": 12,
                    "status": 1,
                    "px": 10.0,
                    "py": 0.0,
                    "pz": 0.0,
                    "e": 10.0,
                    "d1": -1,
                    "d2": -1,
                },
                {
                    "pid": -16,
                    "status": 1,
                    "px": 10.0,
                    "py": 0.0,
                    "pz": 0.0,
                    "e": 10.0,
                    "d1": -1,
                    "d2": -1,
                },
            ],
        ]
    )
    partons = partons_from_record(record)
    assert partons.pid.tolist() == [[5, 15], []]
    assert partons.px.tolist() == [[50.0, 30.0], []]


def test_same_seed_same_output_and_different_seed_differs() -> None:
    sample = merge_events(dijets(300, 13), particle_gun(11, 300, pt=40.0, eta=(-2, 2), seed=14))
    partons = partons_at(300, 5, 0.3, 0.0)
    a = simulate_detector(sample, DetectorConfig(), seed=15, partons=partons)
    b = simulate_detector(sample, DetectorConfig(), seed=15, partons=partons)
    c = simulate_detector(sample, DetectorConfig(), seed=16, partons=partons)
    assert ak.to_list(a) == ak.to_list(b)
    assert ak.to_list(a.MissingET) != ak.to_list(c.MissingET)


def test_empty_events_and_bad_options() -> None:
    from colliderbench.errors import UserError

    empty = particle_gun(22, 3, pt=50.0)[:, :0]
    events = simulate_detector(empty, DetectorConfig(), seed=1)
    assert len(events) == 3
    assert ak.num(events.Jet).tolist() == [0, 0, 0]
    assert ak.flatten(events.MissingET.MET).tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(UserError):
        DetectorConfig(btag_working_point="tight")
    with pytest.raises(UserError):
        DetectorConfig(lepton_isolation="absolute")
