"""Track momentum and calorimeter energy resolutions against the card formulas (particle guns)."""

from __future__ import annotations

import awkward as ak
import numpy as np
import pytest

from colliderbench.physics.detector import DetectorConfig, simulate_detector
from colliderbench.physics.detector.calorimeter import (
    ECAL_GRID,
    HCAL_GRID,
    ecal_resolution,
    hcal_resolution,
    tower_bounds,
    tower_number,
)
from colliderbench.physics.detector.eflow import build_eflow, reconstruct_tracks, run_calorimeters
from colliderbench.physics.detector.gun import merge_events, particle_gun
from colliderbench.physics.detector.propagation import propagate
from colliderbench.physics.detector.tracking import log_normal

N = 4000


def relative_spread_ok(
    values: np.ndarray, truth: float, expected_sigma: float, tol: float = 0.06
) -> None:
    """Mean equals the truth and the spread equals the formula within statistical precision."""
    n = len(values)
    assert abs(values.mean() - truth) < 5 * expected_sigma / np.sqrt(n)
    assert abs(values.std() / expected_sigma - 1) < tol, (values.std(), expected_sigma)


def test_log_normal_has_requested_mean_and_sigma() -> None:
    rng = np.random.default_rng(0)
    draws = log_normal(np.full(200_000, 10.0), np.full(200_000, 3.0), rng.standard_normal(200_000))
    assert abs(draws.mean() - 10.0) < 0.03
    assert abs(draws.std() - 3.0) < 0.03
    assert (draws > 0).all()


def test_muon_track_resolution() -> None:
    pt = 200.0
    events = simulate_detector(
        particle_gun(13, N, pt=pt, eta=(-0.45, 0.45), seed=1), DetectorConfig(), seed=2
    )
    measured = ak.to_numpy(ak.flatten(events.Muon.PT)).astype(float)
    relative_spread_ok(measured, pt, pt * np.hypot(0.01, pt * 1.0e-4))


@pytest.mark.parametrize(
    ("eta", "constant", "slope"), [((-0.45, 0.45), 0.06, 1.3e-3), ((1.6, 2.4), 0.25, 3.1e-3)]
)
def test_charged_hadron_track_resolution(
    eta: tuple[float, float], constant: float, slope: float
) -> None:
    """Tracks before the calorimeter combination (the card's MomentumSmearing output)."""
    pt = 40.0
    flat, _ = propagate(particle_gun(211, N, pt=pt, eta=eta, seed=3))
    tracks = reconstruct_tracks(flat, np.random.default_rng(4))
    measured = np.hypot(tracks.px, tracks.py)
    relative_spread_ok(measured, pt, pt * np.hypot(constant, pt * slope))


def test_ecal_energy_resolution_for_photons() -> None:
    energy = 80.0
    eta = 0.2
    events = simulate_detector(
        particle_gun(22, N, pt=energy / np.cosh(eta), eta=eta, seed=5), DetectorConfig(), seed=6
    )
    measured = ak.to_numpy(ak.flatten(events.Photon.E)).astype(float)
    tower = tower_number(ECAL_GRID, np.array([eta]), np.array([0.0]))
    lo, hi, _, _ = tower_bounds(ECAL_GRID, tower)
    centre = 0.5 * (lo + hi)
    relative_spread_ok(measured, energy, float(ecal_resolution(np.array([energy]), centre)[0]))


@pytest.mark.parametrize("eta", [0.5, 3.5])
def test_hcal_energy_resolution_for_neutral_hadrons(eta: float) -> None:
    energy = 150.0
    gun = particle_gun(130, N, pt=energy / np.cosh(eta), eta=eta, seed=7)
    flat, _ = propagate(gun)
    rng = np.random.default_rng(8)
    eflow = build_eflow(run_calorimeters(flat, reconstruct_tracks(flat, rng), rng))
    measured = eflow.e[eflow.pid == 0]
    assert len(measured) == N
    tower = tower_number(HCAL_GRID, np.array([eta]), np.array([0.0]))
    lo, hi, _, _ = tower_bounds(HCAL_GRID, tower)
    expected = float(hcal_resolution(np.array([energy]), 0.5 * (lo + hi))[0])
    relative_spread_ok(measured, energy, expected)


def test_tower_grids_match_the_card() -> None:
    # ECAL barrel: 0.0174 in η, 1° in φ; HF: 10°; HCAL: 5° up to |η| = 1.653, 10° beyond, 20° at 4.7-5
    for grid, eta, d_eta, n_phi in [
        (ECAL_GRID, 0.01, 0.0174, 360),
        (ECAL_GRID, 2.0, 0.0174, 360),
        (ECAL_GRID, 4.1, 0.175, 36),
        (HCAL_GRID, -1.0, 0.087, 72),
        (HCAL_GRID, 2.1, 0.129, 36),
        (HCAL_GRID, 4.8, 0.3, 18),
        (HCAL_GRID, -4.6, 0.175, 18),
    ]:
        tower = tower_number(grid, np.array([eta]), np.array([0.1]))
        lo, hi, phi_lo, phi_hi = (float(x[0]) for x in tower_bounds(grid, tower))
        assert lo < eta <= hi
        assert hi - lo == pytest.approx(d_eta, abs=2e-3), (grid.name, eta)
        assert phi_hi - phi_lo == pytest.approx(2 * np.pi / n_phi)
        assert phi_lo <= 0.1 < phi_hi
    assert tower_number(ECAL_GRID, np.array([5.2]), np.array([0.0]))[0] == -1


def test_charged_particle_bends_at_the_calorimeter() -> None:
    """Δφ = -q asin(R / 2r) with r = pT / (0.3 B): 1.29 m, 3.8 T, 5 GeV -> 0.1475 rad."""
    flat, _ = propagate(particle_gun(211, 1, pt=5.0, eta=0.0, phi=0.0))
    r = 5.0 / (0.299792458 * 3.8)
    assert flat.phi_calo[0] == pytest.approx(-np.arcsin(1.29 / (2 * r)))
    flat, _ = propagate(particle_gun(-211, 1, pt=5.0, eta=0.0, phi=0.0))
    assert flat.phi_calo[0] == pytest.approx(np.arcsin(1.29 / (2 * r)))
    flat, _ = propagate(particle_gun(22, 1, pt=5.0, eta=0.0, phi=0.3))
    assert flat.phi_calo[0] == pytest.approx(0.3)


def test_energy_flow_neutral_excess_and_track_copy() -> None:
    """A K_L in the tower of a charged pion: the HCAL excess over the track is an eflow neutral
    hadron carrying the K_L energy on average, and the pion track is copied unchanged (its spread is
    the tracker's, not the calorimeter combination's)."""
    n = 3000
    phi = -np.pi + 37.5 * (2 * np.pi / 72)  # centre of a 5-degree HCAL tower
    bend = np.arcsin(1.29 / (2 * 20.0 / (0.299792458 * 3.8)))
    sample = merge_events(
        particle_gun(
            211, n, pt=20.0, eta=0.3, phi=phi + bend, seed=9
        ),  # bent onto the tower centre
        particle_gun(130, n, pt=100.0 / np.cosh(0.3), eta=0.3, phi=phi, seed=10),
    )
    flat, _ = propagate(sample)
    rng = np.random.default_rng(11)
    calo = run_calorimeters(flat, reconstruct_tracks(flat, rng), rng)
    eflow = build_eflow(calo)
    neutral = eflow.e[eflow.pid == 0]
    assert len(neutral) == n  # the excess (~100 GeV) is always far above its ~18 GeV error
    sigma_calo = float(hcal_resolution(np.array([100.0 + 20.0 * np.cosh(0.3)]), np.array([0.3]))[0])
    assert abs(neutral.mean() - 100.0) < 5 * sigma_calo / np.sqrt(n)
    tracks = eflow.pt[eflow.kind == 0]
    relative_spread_ok(tracks, 20.0, 20.0 * np.hypot(0.06, 20.0 * 1.3e-3))


# --- jets and missing ET from single K_L: the HCAL formula through the whole chain
N_KL = 40_000  # the spread is then known to ~0.4 %; 2 % is ~5 standard errors
PHI_KL = -np.pi + 37.5 * (2 * np.pi / 72)  # inside one HCAL tower in φ (5° and 10° grids)


def hcal_tower(eta: float) -> tuple[float, float, float]:
    """(η low, η high, η centre) of the HCAL tower holding (η, PHI_KL); σ(E) is taken at the centre."""
    tower = tower_number(HCAL_GRID, np.array([eta]), np.array([PHI_KL]))
    lo, hi, _, _ = (float(x[0]) for x in tower_bounds(HCAL_GRID, tower))
    return lo, hi, 0.5 * (lo + hi)


def uncorrected_pt(pt: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Invert the card's JES pT' = pT sqrt(a²/pT + 1), a = 2.5 - 0.15|η|: pT'² = pT² + a² pT."""
    a2 = (2.5 - 0.15 * np.abs(eta)) ** 2
    return 0.5 * (np.sqrt(a2 * a2 + 4.0 * pt * pt) - a2)


@pytest.mark.parametrize(("energy", "eta"), [(100.0, 0.0435), (1000.0, 3.56)])
def test_single_kaon_jet_energy_is_the_hcal_tower(energy: float, eta: float) -> None:
    """One K_L, one tower, one jet: undoing the JES gives the tower energy, whose mean is E and
    whose spread is the card's HCAL σ(E) at the tower centre (barrel formula, then HF's)."""
    gun = particle_gun(130, N_KL, pt=energy / np.cosh(eta), eta=eta, phi=PHI_KL, seed=21)
    events = simulate_detector(gun, DetectorConfig(), seed=22)
    assert ak.all(ak.num(events.Jet) == 1)
    pt = ak.to_numpy(events.Jet.PT[:, 0]).astype(float)
    jet_eta = ak.to_numpy(events.Jet.Eta[:, 0]).astype(float)
    lo, hi, centre = hcal_tower(eta)
    assert ((jet_eta > lo - 1e-4) & (jet_eta < hi + 1e-4)).all()  # SmearTowerCenter
    raw_energy = uncorrected_pt(pt, jet_eta) * np.cosh(jet_eta)
    sigma = float(hcal_resolution(np.array([energy]), np.array([centre]))[0])
    relative_spread_ok(raw_energy, energy, sigma, tol=0.02)


def test_single_kaon_jet_pt_resolution_with_the_jes() -> None:
    """Barrel jet PT: mean and spread of the card's HCAL σ(E) carried through the JES.

    The JES is close to an offset, not a factor: pT sqrt(a²/pT + 1) ≈ pT + a²/2, so it shifts a
    100 GeV jet by ~3 GeV and leaves its spread at σ(E) = 15.8 GeV (d pT'/d pT = 1.0004), not
    1.031 σ(E) = 16.3 GeV as scaling by the factor at 100 GeV would suggest."""
    energy, eta = 100.0, 0.0435
    gun = particle_gun(130, N_KL, pt=energy / np.cosh(eta), eta=eta, phi=PHI_KL, seed=23)
    events = simulate_detector(gun, DetectorConfig(), seed=24)
    pt = ak.to_numpy(events.Jet.PT[:, 0]).astype(float)
    lo, hi, centre = hcal_tower(eta)
    inv_cosh = 1.0 / np.cosh(np.linspace(lo, hi, 1001))  # the jet η is uniform in the tower
    pt_raw = energy * inv_cosh.mean()
    a2 = (2.5 - 0.15 * abs(centre)) ** 2
    corrected = np.sqrt(pt_raw**2 + a2 * pt_raw)
    slope = (2 * pt_raw + a2) / (2 * corrected)  # d pT' / d pT
    sigma = float(hcal_resolution(np.array([energy]), np.array([centre]))[0])
    relative_spread_ok(pt, corrected, slope * sigma * np.sqrt(np.mean(inv_cosh**2)), tol=0.02)


def test_missing_et_resolution_of_back_to_back_kaons() -> None:
    """Two K_L of E back to back: along their axis MET is the difference of two tower energies,
    σ = √2 σ(E); across it only the random φ in the 5° towers, σ = √2 pT w/√12 (card's
    SmearTowerCenter)."""
    energy, eta = 100.0, 0.0435
    pt = energy / np.cosh(eta)
    events = simulate_detector(
        merge_events(
            particle_gun(130, N_KL, pt=pt, eta=eta, phi=PHI_KL, seed=25),
            particle_gun(130, N_KL, pt=pt, eta=eta, phi=PHI_KL + np.pi, seed=26),
        ),
        DetectorConfig(),
        seed=27,
    )
    met = ak.to_numpy(ak.flatten(events.MissingET.MET)).astype(float)
    phi = ak.to_numpy(ak.flatten(events.MissingET.Phi)).astype(float)
    along, across = met * np.cos(phi - PHI_KL), met * np.sin(phi - PHI_KL)
    _, _, centre = hcal_tower(eta)
    sigma_pt = float(hcal_resolution(np.array([energy]), np.array([centre]))[0]) / np.cosh(eta)
    relative_spread_ok(along, 0.0, np.sqrt(2) * sigma_pt, tol=0.02)
    width = 2 * np.pi / 72
    expected_across = np.sqrt(2 * (pt**2 + sigma_pt**2)) * width / np.sqrt(12)
    relative_spread_ok(across, 0.0, expected_across, tol=0.02)
