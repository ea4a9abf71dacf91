"""Photon, electron and muon efficiencies and isolation against the Delphes CMS card formulas,
invisible particles and missing ET, on particle-gun samples (no Pythia)."""

from __future__ import annotations

import awkward as ak
import numpy as np
import pytest

from colliderbench.physics.detector import DetectorConfig, simulate_detector
from colliderbench.physics.detector.gun import merge_events, particle_gun

N = 4000


def rate(events: ak.Array, collection: str) -> float:
    return float(ak.mean(ak.num(events[collection]) > 0))


def assert_binomial(measured: float, expected: float, n: int, n_sigma: float = 4.0) -> None:
    sigma = max(np.sqrt(expected * (1 - expected) / n), 1.0 / n)
    assert abs(measured - expected) < n_sigma * sigma, (measured, expected, sigma)


@pytest.mark.parametrize(
    ("eta", "pt", "expected"),
    [
        ((-1.4, 1.4), 50.0, 0.95),
        ((1.6, 2.4), 50.0, 0.85),
        ((2.6, 3.0), 50.0, 0.0),
        ((-1.0, 1.0), 7.0, 0.0),
    ],
)
def test_photon_efficiency_matches_card(
    eta: tuple[float, float], pt: float, expected: float
) -> None:
    events = simulate_detector(
        particle_gun(22, N, pt=pt, eta=eta, seed=1), DetectorConfig(), seed=2
    )
    assert_binomial(rate(events, "Photon"), expected, N)


@pytest.mark.parametrize(
    ("eta", "pt", "expected"),
    [
        ((-1.4, 1.4), 50.0, 0.99 * 0.95),  # tracking x identification
        ((1.6, 2.3), 50.0, 0.98 * 0.95),
        ((2.42, 2.5), 50.0, 0.0),  # tracked, but outside the muon acceptance
        ((-1.4, 1.4), 1500.0, 0.99 * np.exp(0.5 - 5.0e-4 * 1500.0) * 0.95),
    ],
)
def test_muon_efficiency_matches_card(eta: tuple[float, float], pt: float, expected: float) -> None:
    events = simulate_detector(
        particle_gun(13, N, pt=pt, eta=eta, seed=3), DetectorConfig(), seed=4
    )
    assert_binomial(rate(events, "Muon"), expected, N)


@pytest.mark.parametrize(
    ("eta", "track_eff", "id_eff"), [((-1.4, 1.4), 0.95, 0.95), ((1.6, 2.4), 0.83, 0.85)]
)
def test_electron_efficiency_matches_card(
    eta: tuple[float, float], track_eff: float, id_eff: float
) -> None:
    """Tracking x identification; the card also loses ~2-3 % of electrons whose ECAL energy
    fluctuates above the track by 2 sigma (an eflow photon that claims the electron), so the
    measured rate must lie between 0.96 and 1.0 times the product."""
    events = simulate_detector(
        particle_gun(11, N, pt=50.0, eta=eta, seed=5), DetectorConfig(), seed=6
    )
    measured = rate(events, "Electron")
    product = track_eff * id_eff
    sigma = np.sqrt(product * (1 - product) / N)
    assert 0.96 * product - 4 * sigma < measured < product + 4 * sigma


def test_lost_electron_track_becomes_photon() -> None:
    """An electron without a track is an ECAL neutral excess: the card's only e -> γ fake."""
    events = simulate_detector(
        particle_gun(11, N, pt=50.0, eta=(-1.4, 1.4), seed=7), DetectorConfig(), seed=8
    )
    no_track = ak.num(events.Track) == 0
    assert_binomial(float(ak.mean(no_track)), 0.05, N)
    photon_given_no_track = float(ak.mean(ak.num(events.Photon[no_track]) > 0))
    assert photon_given_no_track > 0.9


def pion_spray(
    n: int, eta: float, phi: float, count: int, pt: float, spread: float, seed: int
) -> ak.Array:
    guns = [
        particle_gun(211 if i % 2 else -211, n, pt=pt, eta=(eta - spread, eta + spread),
                     phi=(phi - spread, phi + spread), seed=seed + i)
        for i in range(count)
    ]  # fmt: skip
    return merge_events(*guns)


def test_isolation_rejects_photon_inside_jet() -> None:
    n = 1000
    photon = particle_gun(22, n, pt=50.0, eta=0.0, phi=0.0, seed=10)
    inside = merge_events(photon, pion_spray(n, 0.0, 0.0, 4, 10.0, 0.2, seed=11))
    away = merge_events(photon, pion_spray(n, 0.0, 2.5, 4, 10.0, 0.2, seed=11))
    ev_in = simulate_detector(inside, DetectorConfig(), seed=12)
    ev_away = simulate_detector(away, DetectorConfig(), seed=12)
    assert rate(ev_in, "Photon") < 0.02
    assert rate(ev_away, "Photon") > 0.9
    # the photon inside the jet stays a jet constituent; the isolated one removes its own jet
    near = ev_in.Jet[abs(ev_in.Jet.Phi) < 0.5]
    assert float(ak.mean(ak.num(near) > 0)) > 0.95
    iso = ev_away.Photon.IsolationVar
    assert float(ak.max(ak.flatten(iso))) <= 0.12


def test_isolated_electron_removes_its_jet() -> None:
    events = simulate_detector(
        particle_gun(11, N, pt=60.0, eta=(-1.0, 1.0), seed=13), DetectorConfig(), seed=14
    )
    has_e = ak.num(events.Electron) > 0
    assert float(ak.sum(ak.num(events.Jet[has_e]))) == 0
    # an electron lost to identification (not to tracking, which makes a photon) stays in its jet
    neither = ~has_e & (ak.num(events.Photon) == 0)
    assert float(ak.mean(ak.num(events.Jet[neither]) > 0)) > 0.9


def test_invisible_gravitino_gives_missing_et() -> None:
    n = 2000
    sample = merge_events(
        particle_gun(22, n, pt=200.0, eta=0.3, phi=0.0, seed=15),
        particle_gun(1000039, n, pt=200.0, eta=-0.2, phi=np.pi, seed=16),
    )
    ours = simulate_detector(sample, DetectorConfig(), seed=17)
    card = simulate_detector(sample, DetectorConfig(gravitino_invisible=False), seed=17)
    met_ours = ak.to_numpy(ak.flatten(ours.MissingET.MET))
    met_card = ak.to_numpy(ak.flatten(card.MissingET.MET))
    assert abs(np.median(met_ours) - 200.0) < 10.0
    assert np.median(met_card) < 40.0  # the card's gravitino deposits in the HCAL
    phi = ak.to_numpy(ak.flatten(ours.MissingET.Phi))
    assert np.median(np.abs(phi)) > 3.0  # MET points at the gravitino


def test_neutrino_and_neutralino_invisible() -> None:
    for pid in (12, 1000022):
        events = simulate_detector(
            particle_gun(pid, 200, pt=100.0, seed=18), DetectorConfig(), seed=19
        )
        assert float(ak.sum(ak.num(events.Jet))) == 0
        assert float(ak.max(events.MissingET.MET)) == 0.0


def test_mini_isolation_option_is_stricter_for_a_nearby_pion() -> None:
    """A 10 GeV pion at ΔR ≈ 0.3 from a 100 GeV muon: inside the card's 0.5 cone (iso 0.1 < 0.25),
    outside the mini-isolation cone (10/100 -> 0.1). Both keep the muon, with different IsolationVar."""
    n = 500
    sample = merge_events(
        particle_gun(13, n, pt=100.0, eta=0.0, phi=0.0, seed=20),
        particle_gun(211, n, pt=10.0, eta=0.0, phi=0.3, seed=21),
    )
    card = simulate_detector(sample, DetectorConfig(), seed=22)
    mini = simulate_detector(sample, DetectorConfig(lepton_isolation="mini"), seed=22)
    card_iso = ak.to_numpy(ak.flatten(card.Muon.IsolationVar))
    mini_iso = ak.to_numpy(ak.flatten(mini.Muon.IsolationVar))
    assert np.median(card_iso) > 0.05
    assert np.median(mini_iso) == 0.0


def test_cone_sums_blocks_give_the_same_sums(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pairs are formed in memory-bounded blocks; tiny blocks must not change a single sum."""
    from colliderbench.physics.detector import objects

    rng = np.random.default_rng(0)
    n_events, n_iso, n_cand = 50, 2000, 300
    iso_evt = np.sort(rng.integers(0, n_events, n_iso))
    cand_evt = rng.integers(0, n_events, n_cand)
    args = (
        cand_evt, rng.uniform(-2, 2, n_cand), rng.uniform(-np.pi, np.pi, n_cand),
        rng.integers(0, n_iso, n_cand), rng.uniform(0.1, 0.6, n_cand),
        iso_evt, rng.uniform(-2, 2, n_iso), rng.uniform(-np.pi, np.pi, n_iso),
        rng.uniform(0.5, 5, n_iso), rng.random(n_iso) < 0.5, np.arange(n_iso), n_events,
    )  # fmt: skip
    whole = objects.cone_sums(*args)
    monkeypatch.setattr(objects, "PAIR_BLOCK", 7)
    blocked = objects.cone_sums(*args)
    assert np.allclose(whole[0], blocked[0]) and np.allclose(whole[1], blocked[1])
    # brute force for one candidate
    i = 5
    sel = iso_evt == cand_evt[i]
    dphi = np.abs(args[7][sel] - args[2][i])
    dphi = np.minimum(dphi, 2 * np.pi - dphi)
    dr = np.hypot(args[6][sel] - args[1][i], dphi)
    inside = (dr <= args[4][i]) & (np.arange(n_iso)[sel] != args[3][i])
    charged = args[9][sel]
    assert whole[0][i] == pytest.approx(args[8][sel][inside & charged].sum())
    assert whole[1][i] == pytest.approx(args[8][sel][inside & ~charged].sum())
