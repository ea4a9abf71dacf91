"""Photon, electron and muon efficiencies and isolation (card §6-9); the Track collection.

Isolation (card §9): the scalar pT sum of the isolation objects — eflow minus electrons and muons,
with pT ≥ 0.5 GeV — within ΔR ≤ 0.5 of the candidate, the candidate itself excluded, divided by the
candidate pT. No pileup, so no ρ correction: I = (Σ charged + Σ neutral) / pT. The sums are an
all-pairs loop per event in numba (candidates are few, isolation objects a few hundred).
"""

from __future__ import annotations

import numba
import numpy as np


def photon_efficiency(pt: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Card §6: 0.95 (|η| ≤ 1.5), 0.85 (1.5-2.5) above 10 GeV, 0 otherwise."""
    a = np.abs(eta)
    return np.where(pt > 10.0, np.where(a <= 1.5, 0.95, np.where(a <= 2.5, 0.85, 0.0)), 0.0)


def electron_efficiency(pt: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Card §7: 0.95 (|η| ≤ 1.5), 0.85 (1.5-2.5) above 10 GeV, 0 otherwise."""
    return photon_efficiency(pt, eta)


def muon_efficiency(pt: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Card §8: 0.95 for |η| ≤ 2.4 above 10 GeV, 0 otherwise."""
    return np.where((pt > 10.0) & (np.abs(eta) <= 2.4), 0.95, 0.0)


def event_ranges(evt: np.ndarray, n_events: int) -> np.ndarray:
    """Start offsets (length n_events + 1) of each event's entries in an event-sorted array."""
    return np.searchsorted(evt, np.arange(n_events + 1)).astype(np.int64)


@numba.njit(cache=True)
def _cone_sums(cand_evt, cand_eta, cand_phi, cand_self, cone, iso_start, iso_eta, iso_phi, iso_pt,
               iso_charged, iso_id):  # fmt: skip
    n = len(cand_evt)
    charged = np.zeros(n)
    neutral = np.zeros(n)
    for i in range(n):
        ev = cand_evt[i]
        r2 = cone[i] * cone[i]
        for j in range(iso_start[ev], iso_start[ev + 1]):
            if iso_id[j] == cand_self[i]:
                continue
            deta = iso_eta[j] - cand_eta[i]
            dphi = iso_phi[j] - cand_phi[i]
            if dphi > np.pi:
                dphi -= 2.0 * np.pi
            elif dphi < -np.pi:
                dphi += 2.0 * np.pi
            if deta * deta + dphi * dphi <= r2:
                if iso_charged[j]:
                    charged[i] += iso_pt[j]
                else:
                    neutral[i] += iso_pt[j]
    return charged, neutral


def cone_sums(
    cand_evt: np.ndarray,
    cand_eta: np.ndarray,
    cand_phi: np.ndarray,
    cand_self: np.ndarray,
    cone: np.ndarray,
    iso_evt: np.ndarray,
    iso_eta: np.ndarray,
    iso_phi: np.ndarray,
    iso_pt: np.ndarray,
    iso_charged: np.ndarray,
    iso_id: np.ndarray,
    n_events: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Charged and neutral pT sums within ΔR ≤ cone of each candidate, skipping iso_id == cand_self."""
    start = event_ranges(iso_evt, n_events)
    return _cone_sums(
        cand_evt.astype(np.int64), cand_eta, cand_phi, cand_self.astype(np.int64),
        np.asarray(cone, dtype=np.float64), start, iso_eta, iso_phi, iso_pt,
        iso_charged.astype(np.bool_), iso_id.astype(np.int64),
    )  # fmt: skip


def mini_isolation_cone(pt: np.ndarray) -> np.ndarray:
    """CMS 2016 mini-isolation cone: ΔR = 10 GeV / pT, clamped to [0.05, 0.2]."""
    return np.clip(10.0 / np.maximum(pt, 1e-9), 0.05, 0.2)
