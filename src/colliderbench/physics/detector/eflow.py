"""Tracks through ECAL and HCAL into energy-flow candidates, and the missing momentum (card §5, §10).

The ECAL sees all particles and all tracks; its output tracks (electrons possibly rescaled) feed the
HCAL, whose output tracks are the final eflow tracks. ``eflow`` = eflow tracks + ECAL neutral towers
(eflow photons, PID 22) + HCAL neutral towers (eflow neutral hadrons, PID 0), the input of jets and
of the missing momentum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from colliderbench.physics.detector.calorimeter import (
    ECAL,
    HCAL,
    TowerResult,
    energy_fractions,
    finalize_towers,
    tower_number,
)
from colliderbench.physics.detector.propagation import FlatParticles
from colliderbench.physics.detector.tracking import (
    log_normal,
    track_pt_resolution,
    tracking_efficiency,
)

KIND_TRACK, KIND_PHOTON, KIND_NEUTRAL_HADRON = 0, 1, 2


@dataclass
class Tracks:
    """Reconstructed tracks (after efficiency and smearing), flattened, sorted by event."""

    particle: np.ndarray  # index into FlatParticles
    evt: np.ndarray
    pid: np.ndarray
    charge: np.ndarray
    px: np.ndarray
    py: np.ndarray
    pz: np.ndarray
    e: np.ndarray
    resolution: np.ndarray


def reconstruct_tracks(flat: FlatParticles, rng: np.random.Generator) -> Tracks:
    """Tracking efficiency (uniform draw u ≤ ε), then log-normal pT smearing at fixed η, φ, mass."""
    charged = np.flatnonzero(flat.charge != 0)
    pid, pt, eta = flat.pid[charged], flat.pt[charged], flat.eta[charged]
    kept = rng.random(len(charged)) <= tracking_efficiency(pid, pt, eta)
    idx = charged[kept]
    pid, pt, eta = pid[kept], pt[kept], eta[kept]
    res = track_pt_resolution(pid, pt, eta)
    new_pt = log_normal(pt, res * pt, rng.standard_normal(len(idx)))
    k = new_pt / pt
    px, py, pz = flat.px[idx] * k, flat.py[idx] * k, flat.pz[idx] * k
    m = flat.m[idx]
    e = np.sqrt(px * px + py * py + pz * pz + m * m)
    return Tracks(idx, flat.evt[idx], pid, flat.charge[idx], px, py, pz, e, res)


@dataclass
class EFlow:
    """Energy-flow candidates of a chunk, sorted by event; ``source`` indexes tracks or towers."""

    evt: np.ndarray
    kind: np.ndarray  # KIND_TRACK, KIND_PHOTON, KIND_NEUTRAL_HADRON
    source: np.ndarray
    pid: np.ndarray
    charge: np.ndarray
    px: np.ndarray
    py: np.ndarray
    pz: np.ndarray
    e: np.ndarray
    pt: np.ndarray
    eta: np.ndarray
    phi: np.ndarray


@dataclass
class Calorimetry:
    """What the calorimeters did, with the particle -> tower links the overlap removal needs."""

    tracks: Tracks  # final eflow tracks (rescaled)
    ecal: TowerResult
    hcal: TowerResult
    ecal_particle: np.ndarray  # particles that hit an ECAL tower
    hcal_particle: np.ndarray


def _deposits(
    flat: FlatParticles, fraction: np.ndarray, grid_calo
) -> tuple[np.ndarray, np.ndarray]:
    tower = tower_number(grid_calo.grid, flat.eta, flat.phi_calo)
    hits = np.flatnonzero((fraction > 1e-9) & (tower >= 0))
    return hits, tower


def run_calorimeters(flat: FlatParticles, tracks: Tracks, rng: np.random.Generator) -> Calorimetry:
    """ECAL then HCAL, each with the card's per-tower algorithm; tracks flow from one to the next."""
    f_ecal, f_hcal = energy_fractions(flat.pid)
    e_hits, e_tower = _deposits(flat, f_ecal, ECAL)
    h_hits, h_tower = _deposits(flat, f_hcal, HCAL)
    p = tracks.particle
    ecal = finalize_towers(
        ECAL,
        rng,
        flat.evt[e_hits],
        e_tower[e_hits],
        f_ecal[e_hits] * flat.e[e_hits],
        tracks.evt,
        e_tower[p],
        f_ecal[p],
        tracks.e,
        tracks.resolution,
    )
    s = ecal.track_scale
    tracks = Tracks(
        p, tracks.evt, tracks.pid, tracks.charge, tracks.px * s, tracks.py * s, tracks.pz * s,
        tracks.e * s, tracks.resolution,
    )  # fmt: skip
    hcal = finalize_towers(
        HCAL,
        rng,
        flat.evt[h_hits],
        h_tower[h_hits],
        f_hcal[h_hits] * flat.e[h_hits],
        tracks.evt,
        h_tower[p],
        f_hcal[p],
        tracks.e,
        tracks.resolution,
    )
    s = hcal.track_scale
    tracks = Tracks(
        p, tracks.evt, tracks.pid, tracks.charge, tracks.px * s, tracks.py * s, tracks.pz * s,
        tracks.e * s, tracks.resolution,
    )  # fmt: skip
    return Calorimetry(tracks, ecal, hcal, e_hits, h_hits)


def build_eflow(calo: Calorimetry) -> EFlow:
    """Concatenate eflow tracks, photons and neutral hadrons, grouped by event."""
    t = calo.tracks
    parts = []
    parts.append(
        (t.evt, np.full(len(t.evt), KIND_TRACK), np.arange(len(t.evt)), t.pid, t.charge,
         t.px, t.py, t.pz, t.e)
    )  # fmt: skip
    for tower_kind, tow, tower_pid in (
        (KIND_PHOTON, calo.ecal, 22),
        (KIND_NEUTRAL_HADRON, calo.hcal, 0),
    ):
        idx = np.flatnonzero(tow.neutral)
        e, eta, phi = tow.neutral_energy[idx], tow.eta[idx], tow.phi[idx]
        pt = e / np.cosh(eta)
        parts.append(
            (tow.evt[idx], np.full(len(idx), tower_kind), idx, np.full(len(idx), tower_pid),
             np.zeros(len(idx)), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta), e)
        )  # fmt: skip
    cols = [np.concatenate(c) for c in zip(*parts, strict=True)]
    order = np.argsort(cols[0], kind="stable")
    evt, kind, source, pid, charge, px, py, pz, e = (c[order] for c in cols)
    pt = np.hypot(px, py)
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = np.arcsinh(pz / pt)
    phi = np.arctan2(py, px)
    return EFlow(evt, kind, source, pid.astype(np.int64), charge, px, py, pz, e, pt, eta, phi)


def missing_et(eflow: EFlow, n_events: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """MET = |Σ pT| over all eflow candidates, and φ and η of minus the summed momentum, per event."""
    sx = np.bincount(eflow.evt, weights=eflow.px, minlength=n_events)
    sy = np.bincount(eflow.evt, weights=eflow.py, minlength=n_events)
    sz = np.bincount(eflow.evt, weights=eflow.pz, minlength=n_events)
    met = np.hypot(sx, sy)
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = np.where(met > 0, np.arcsinh(-sz / met), 0.0)
    return met, np.arctan2(-sy, -sx), eta
