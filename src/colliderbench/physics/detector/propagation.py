"""Particle propagation to the calorimeter surface (card section 1), for a whole chunk at once.

Every generator particle is prompt (the generator decays everything with cτ > 10 mm), so the exit
point's η equals the momentum η (the card's prescription). Charged particles bend in the 3.8 T
field: their calorimeter φ is shifted by the helix turning angle at the exit point of the tracker
cylinder (R = 1.29 m, half-length 3 m), through the barrel or through an endcap.
"""

from __future__ import annotations

from dataclasses import dataclass

import awkward as ak
import numpy as np

from colliderbench.physics.detector.config import (
    GEV_PER_TESLA_METRE,
    INVISIBLE_PIDS,
    MAGNETIC_FIELD_T,
    TRACKER_HALF_LENGTH_M,
    TRACKER_RADIUS_M,
)


@dataclass
class FlatParticles:
    """Visible stable particles of a chunk, flattened; ``evt`` is sorted (event of each particle)."""

    evt: np.ndarray
    pid: np.ndarray
    charge: np.ndarray
    px: np.ndarray
    py: np.ndarray
    pz: np.ndarray
    e: np.ndarray
    m: np.ndarray
    pt: np.ndarray
    eta: np.ndarray
    phi: np.ndarray
    phi_calo: np.ndarray  # φ of the exit point (bent for charged particles)

    def __len__(self) -> int:
        return len(self.evt)


def _flat(particles: ak.Array, field: str) -> np.ndarray:
    return np.asarray(ak.to_numpy(ak.flatten(particles[field], axis=1)), dtype=np.float64)


def pseudorapidity(pt: np.ndarray, pz: np.ndarray) -> np.ndarray:
    """η = asinh(pz / pT); pT = 0 gives ±inf (outside every acceptance)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.arcsinh(pz / pt)


def wrap_phi(phi: np.ndarray) -> np.ndarray:
    """Angles into [-π, π)."""
    return (phi + np.pi) % (2.0 * np.pi) - np.pi


def is_invisible(pid: np.ndarray, charge: np.ndarray, gravitino_invisible: bool) -> np.ndarray:
    """Neutrinos and neutralinos (the card), the gravitino and any neutral |PDG| > 10^6 state (ours)."""
    apid = np.abs(pid)
    invisible = np.isin(apid, INVISIBLE_PIDS if gravitino_invisible else INVISIBLE_PIDS[:-1])
    if gravitino_invisible:
        invisible |= (apid > 1_000_000) & (charge == 0)
    return invisible


def calorimeter_phi(
    charge: np.ndarray, pt: np.ndarray, pz: np.ndarray, phi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """φ of the helix exit point and whether the particle reaches the calorimeter at all.

    Radius of curvature r = pT / (0.2998 |q| B). A prompt helix reaches transverse radius R after a
    turning angle 2 asin(R / 2r) (exit point at -q asin(R / 2r) from the momentum φ); it leaves
    through the endcap if its |z| at that point exceeds the half-length or if 2r < R (a looper),
    then at turning angle L pT / (|pz| r). Loopers with pz = 0 never leave and are dropped.
    """
    q = np.sign(charge)
    charged = q != 0
    out_phi = phi.copy()
    reaches = np.ones(len(phi), dtype=bool)
    if not charged.any():
        return out_phi, reaches
    c_pt, c_pz, c_q = pt[charged], pz[charged], q[charged]
    r = c_pt / (GEV_PER_TESLA_METRE * np.abs(charge[charged]) * MAGNETIC_FIELD_T)
    ratio = TRACKER_RADIUS_M / (2.0 * r)
    with np.errstate(invalid="ignore", divide="ignore"):
        half_turn_barrel = np.arcsin(np.minimum(ratio, 1.0))
        z_barrel = np.abs(c_pz) / c_pt * 2.0 * r * half_turn_barrel
        half_turn_endcap = 0.5 * TRACKER_HALF_LENGTH_M * c_pt / (np.abs(c_pz) * r)
    barrel = (ratio <= 1.0) & (z_barrel <= TRACKER_HALF_LENGTH_M)
    half_turn = np.where(barrel, half_turn_barrel, half_turn_endcap)
    ok = barrel | (c_pz != 0)
    out_phi[charged] = wrap_phi(phi[charged] - c_q * np.where(ok, half_turn, 0.0))
    reaches[charged] = ok
    return out_phi, reaches


def propagate(particles: ak.Array, gravitino_invisible: bool = True) -> tuple[FlatParticles, int]:
    """Flatten a chunk, keep what a detector can see, and compute the calorimeter φ.

    Drops invisible particles and particles with pT² < 1e-9 GeV² (the card's propagator cut).
    Returns the visible particles and the number of events.
    """
    n_events = len(particles)
    counts = ak.to_numpy(ak.num(particles["pid"], axis=1))
    evt = np.repeat(np.arange(n_events, dtype=np.int64), counts)
    pid = _flat(particles, "pid").astype(np.int64)
    charge = _flat(particles, "charge")
    px, py, pz, e = (_flat(particles, f) for f in ("px", "py", "pz", "e"))
    m = _flat(particles, "m") if "m" in particles.fields else np.zeros_like(e)
    pt2 = px * px + py * py
    keep = (pt2 >= 1e-9) & ~is_invisible(pid, charge, gravitino_invisible)
    pt = np.sqrt(pt2[keep])
    px, py, pz, e, m, pid, charge, evt = (a[keep] for a in (px, py, pz, e, m, pid, charge, evt))
    phi = np.arctan2(py, px)
    phi_calo, reaches = calorimeter_phi(charge, pt, pz, phi)
    eta = pseudorapidity(pt, pz)
    flat = FlatParticles(evt, pid, charge, px, py, pz, e, m, pt, eta, phi, phi_calo)
    if not reaches.all():
        flat = FlatParticles(
            *(getattr(flat, f)[reaches] for f in FlatParticles.__dataclass_fields__)
        )
    return flat, n_events
