"""ECAL and HCAL towers and the energy-flow split of each tower (card section 5).

Each particle puts the fraction f of its energy into the one tower holding its exit point (no
shower spread). A tower's summed energy is smeared log-normally with the card's resolution at the
tower-centre η, cut at the energy and significance thresholds, and given a random η, φ inside the
tower (SmearTowerCenter). The tracks in the tower decide what it becomes: a significant excess over
the track energy is a neutral eflow object (a photon in the ECAL, a neutral hadron in the HCAL);
otherwise the tracks are rescaled to the resolution-weighted mean of track and calorimeter energy.

All towers of a chunk are handled at once: a tower is an integer key (event × towers + tower),
grouped with ``np.unique`` and summed with ``np.bincount``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from colliderbench.physics.detector.tracking import log_normal

TWO_PI = 2.0 * np.pi


@dataclass(frozen=True)
class TowerGrid:
    """η edges (sorted) and the number of φ bins of the bin that ends at each edge (index ≥ 1)."""

    name: str
    eta_edges: np.ndarray
    phi_bins: np.ndarray  # phi_bins[k]: bins of the η bin (eta_edges[k-1], eta_edges[k]]
    first_tower: np.ndarray  # tower number of the first φ bin of η bin k
    n_towers: int


def make_grid(name: str, edge_groups: list[tuple[list[float], int]]) -> TowerGrid:
    """Grid from (edges, φ bins) groups; like the card, a later group wins for an edge given twice."""
    edges: dict[float, int] = {}
    for group, group_nphi in edge_groups:
        for edge in group:
            edges[round(float(edge), 6)] = group_nphi
    eta = np.array(sorted(edges))
    nphi = np.array([edges[e] for e in eta], dtype=np.int64)
    nphi[0] = 0  # the first edge only closes the grid
    first = np.concatenate(([0], np.cumsum(nphi)[:-1]))
    return TowerGrid(name, eta, nphi, first, int(nphi.sum()))


def _ecal_grid() -> TowerGrid:
    barrel = [i * 0.0174 for i in range(-85, 87)]
    endcap = [-2.958 + i * 0.0174 for i in range(1, 85)] + [
        1.4964 + i * 0.0174 for i in range(1, 85)
    ]
    hf = [3.125, 3.3, 3.475, 3.65, 3.825, 4.0, 4.175, 4.35, 4.525, 4.7, 5.0]
    forward = [2.958, *hf, -2.958, *(-x for x in hf)]
    return make_grid("ECAL", [(barrel, 360), (endcap, 360), (forward, 36)])


def _hcal_grid() -> TowerGrid:
    five_deg = [-1.566 + i * 0.087 for i in range(38)]
    ten_pos = [1.74, 1.83, 1.93, 2.043, 2.172, 2.322, 2.5, 2.65, 2.868, 2.95, 3.125, 3.3, 3.475]
    ten_pos += [3.65, 3.825, 4.0, 4.175, 4.35, 4.525]
    ten_neg = [-1.653] + [-x for x in ten_pos if x <= 4.35]
    twenty = [-5.0, -4.7, -4.525, 4.7, 5.0]
    return make_grid("HCAL", [(five_deg, 72), (ten_pos + ten_neg, 36), (twenty, 18)])


ECAL_GRID = _ecal_grid()
HCAL_GRID = _hcal_grid()


def tower_number(grid: TowerGrid, eta: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Tower of each (η, φ) in ``grid``, -1 outside it. Bins are (lower, upper] in η."""
    k = np.searchsorted(grid.eta_edges, eta, side="left")
    inside = (k >= 1) & (k < len(grid.eta_edges))
    kk = np.where(inside, k, 1)
    nphi = grid.phi_bins[kk]
    iphi = np.floor((phi + np.pi) / TWO_PI * nphi).astype(np.int64)
    iphi = np.clip(iphi, 0, nphi - 1)
    return np.where(inside, grid.first_tower[kk] + iphi, -1)


def tower_bounds(grid: TowerGrid, tower: np.ndarray) -> tuple[np.ndarray, ...]:
    """(η low, η high, φ low, φ high) of tower numbers."""
    k = np.searchsorted(grid.first_tower, tower, side="right") - 1
    # η bins with zero φ bins share a first_tower value; searchsorted(right)-1 picks the last one
    nphi = grid.phi_bins[k]
    iphi = tower - grid.first_tower[k]
    width = TWO_PI / nphi
    phi_lo = -np.pi + iphi * width
    return grid.eta_edges[k - 1], grid.eta_edges[k], phi_lo, phi_lo + width


# --- energy fractions (card §5): (ECAL, HCAL) by |PDG|; everything else goes to the HCAL
_ECAL_ONLY = (11, 22, 111)
_NO_DEPOSIT = (12, 13, 14, 16, 1000022, 1000023, 1000025, 1000035, 1000045)
_SPLIT = (310, 3122)


def energy_fractions(pid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fractions of the energy deposited in the ECAL and in the HCAL."""
    apid = np.abs(pid)
    ecal = np.zeros(len(apid))
    hcal = np.ones(len(apid))
    em = np.isin(apid, _ECAL_ONLY)
    ecal[em], hcal[em] = 1.0, 0.0
    hcal[np.isin(apid, _NO_DEPOSIT)] = 0.0
    split = np.isin(apid, _SPLIT)
    ecal[split], hcal[split] = 0.3, 0.7
    return ecal, hcal


# --- resolutions (card §5): absolute σ(E) in GeV at the tower-centre η
def ecal_resolution(energy: np.ndarray, eta: np.ndarray) -> np.ndarray:
    a = np.abs(eta)
    e = np.maximum(energy, 0.0)
    stochastic = np.sqrt(e * e * 0.008**2 + e * 0.11**2 + 0.40**2)
    return np.select(
        [a <= 1.5, a <= 2.5, a <= 5.0],
        [
            (1.0 + 0.64 * eta * eta) * stochastic,
            (2.16 + 5.6 * (a - 2.0) ** 2) * stochastic,
            np.sqrt(e * e * 0.107**2 + e * 2.08**2),
        ],
        0.0,
    )


def hcal_resolution(energy: np.ndarray, eta: np.ndarray) -> np.ndarray:
    a = np.abs(eta)
    e = np.maximum(energy, 0.0)
    return np.select(
        [a <= 3.0, a <= 5.0],
        [np.sqrt(e * e * 0.050**2 + e * 1.50**2), np.sqrt(e * e * 0.130**2 + e * 2.70**2)],
        0.0,
    )


@dataclass(frozen=True)
class Calorimeter:
    grid: TowerGrid
    resolution: Callable[[np.ndarray, np.ndarray], np.ndarray]
    energy_min: float
    significance_min: float


ECAL = Calorimeter(ECAL_GRID, ecal_resolution, 0.5, 2.0)
HCAL = Calorimeter(HCAL_GRID, hcal_resolution, 1.0, 1.0)


@dataclass
class TowerResult:
    """Hit towers of one calorimeter (sorted by key, so by event) and what they became."""

    key: np.ndarray  # event * n_towers + tower
    evt: np.ndarray
    energy: np.ndarray  # smeared, after thresholds
    eta: np.ndarray  # random inside the tower
    phi: np.ndarray
    neutral: np.ndarray  # bool: emits a neutral eflow object
    neutral_energy: np.ndarray
    deposit_tower: np.ndarray  # per deposit: index into these towers
    track_scale: np.ndarray  # per input track: factor applied to its 4-momentum (1 = unchanged)


def finalize_towers(
    calo: Calorimeter,
    rng: np.random.Generator,
    dep_evt: np.ndarray,
    dep_tower: np.ndarray,
    dep_energy: np.ndarray,
    trk_evt: np.ndarray,
    trk_tower: np.ndarray,
    trk_fraction: np.ndarray,
    trk_energy: np.ndarray,
    trk_resolution: np.ndarray,
) -> TowerResult:
    """Card §5 per-tower algorithm over every hit tower of a chunk.

    Deposits: (event, tower, f·E) of particles with f > 1e-9 inside the grid. Tracks: every input
    track with its tower (-1 if it deposits nothing here: it passes unchanged), fraction, energy and
    relative pT resolution.
    """
    n_tow = calo.grid.n_towers
    dep_key = dep_evt * n_tow + dep_tower
    key, dep_index = np.unique(dep_key, return_inverse=True)
    n = len(key)
    evt = key // n_tow
    tower = key % n_tow
    lo, hi, phi_lo, phi_hi = tower_bounds(calo.grid, tower)
    centre = 0.5 * (lo + hi)

    raw = np.bincount(dep_index, weights=dep_energy, minlength=n)
    energy = log_normal(raw, calo.resolution(raw, centre), rng.standard_normal(n))
    sigma = calo.resolution(energy, centre)
    energy[(energy < calo.energy_min) | (energy < calo.significance_min * sigma)] = 0.0
    eta = lo + (hi - lo) * rng.random(n)
    phi = phi_lo + (phi_hi - phi_lo) * rng.random(n)

    # tracks that hit a tower of this calorimeter
    in_calo = (trk_tower >= 0) & (trk_fraction > 1e-9)
    t_index = np.full(len(trk_tower), -1, dtype=np.int64)
    if in_calo.any():
        t_key = trk_evt[in_calo] * n_tow + trk_tower[in_calo]
        pos = np.searchsorted(key, t_key)
        pos = np.minimum(pos, max(n - 1, 0))
        found = key[pos] == t_key  # a track always deposits where it points, but be safe
        idx = np.where(found, pos, -1)
        t_index[np.flatnonzero(in_calo)] = idx
    hit = t_index >= 0
    f_e = trk_fraction[hit] * trk_energy[hit]
    e_trk = np.bincount(t_index[hit], weights=f_e, minlength=n)
    calo_rel = calo.resolution(trk_energy[hit], centre[t_index[hit]]) / trk_energy[hit]
    guess = np.where(calo_rel < trk_resolution[hit], f_e, trk_energy[hit])
    var_trk = np.bincount(t_index[hit], weights=(trk_resolution[hit] * guess) ** 2, minlength=n)

    neutral_energy = np.maximum(energy - e_trk, 0.0)
    total_sigma = np.sqrt(var_trk + sigma * sigma)
    with np.errstate(divide="ignore", invalid="ignore"):
        significance = np.where(total_sigma > 0, neutral_energy / total_sigma, 0.0)
    neutral = (neutral_energy > calo.energy_min) & (significance > calo.significance_min)

    # no significant excess: tracks move to the resolution-weighted mean of track and calo energy
    with np.errstate(divide="ignore", invalid="ignore"):
        w_trk = np.where(var_trk > 0, 1.0 / var_trk, 0.0)
        w_calo = np.where(sigma > 0, 1.0 / (sigma * sigma), 0.0)
        best = (w_trk * e_trk + w_calo * energy) / (w_trk + w_calo)
        scale = np.where(~neutral & (e_trk > 0) & (w_trk + w_calo > 0), best / e_trk, 1.0)
    track_scale = np.ones(len(trk_tower))
    track_scale[hit] = scale[t_index[hit]]
    return TowerResult(key, evt, energy, eta, phi, neutral, neutral_energy, dep_index, track_scale)
