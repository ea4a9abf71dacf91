"""Photon, electron and muon efficiencies and isolation (card §6-9); the Track collection.

Isolation (card §9): the scalar pT sum of the isolation objects — eflow minus electrons and muons,
with pT ≥ 0.5 GeV — within ΔR ≤ 0.5 of the candidate, the candidate itself excluded, divided by the
candidate pT. No pileup, so no ρ correction: I = (Σ charged + Σ neutral) / pT. The sums are an
all same-event pairs, formed with numpy in bounded blocks (candidates are few, isolation objects a
few hundred per event).
"""

from __future__ import annotations

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


# candidate-object pairs materialised at once; bounds the memory of a chunk (~40 bytes per pair)
PAIR_BLOCK = 2_000_000


def event_pairs(
    cand_evt: np.ndarray, start: np.ndarray, first: int = 0, last: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """All (candidate, object) pairs of the same event for candidates ``first:last``.

    ``start`` are the event offsets of the (event-sorted) objects. Returns candidate and object
    indices, grouped by candidate.
    """
    cand = np.arange(first, len(cand_evt) if last is None else last)
    ev = cand_evt[cand]
    n_obj = start[ev + 1] - start[ev]
    owner = np.repeat(cand, n_obj)
    offsets = np.cumsum(n_obj) - n_obj
    obj = np.repeat(start[ev], n_obj) + (np.arange(n_obj.sum()) - np.repeat(offsets, n_obj))
    return owner, obj


def delta_r2(eta1: np.ndarray, phi1: np.ndarray, eta2: np.ndarray, phi2: np.ndarray) -> np.ndarray:
    """ΔR² with |Δφ| folded into [0, π] (angles given in [-π, π])."""
    dphi = np.abs(phi1 - phi2)
    dphi = np.minimum(dphi, 2.0 * np.pi - dphi)
    deta = eta1 - eta2
    return deta * deta + dphi * dphi


def pair_blocks(cand_evt: np.ndarray, start: np.ndarray) -> list[tuple[int, int]]:
    """Candidate ranges whose same-event pairs stay under PAIR_BLOCK each."""
    if len(cand_evt) == 0:
        return []
    cumulative = np.cumsum(start[cand_evt + 1] - start[cand_evt])
    cuts = np.searchsorted(cumulative, np.arange(PAIR_BLOCK, cumulative[-1], PAIR_BLOCK))
    edges = sorted({0, *(int(c) + 1 for c in cuts), len(cand_evt)})
    return [(a, min(b, len(cand_evt))) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]


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
    """Charged and neutral pT sums within ΔR ≤ cone of each candidate, skipping iso_id == cand_self.

    All same-event (candidate, object) pairs are formed in bounded blocks and summed with
    ``bincount``: no per-candidate loop, no JIT warm-up.
    """
    n = len(cand_evt)
    charged = np.zeros(n)
    neutral = np.zeros(n)
    if n == 0 or len(iso_evt) == 0:
        return charged, neutral
    cand_evt = np.asarray(cand_evt, dtype=np.int64)
    start = event_ranges(iso_evt, n_events)
    cone = np.asarray(cone, dtype=np.float64)
    iso_charged = np.asarray(iso_charged, dtype=bool)
    for first, last in pair_blocks(cand_evt, start):
        owner, obj = event_pairs(cand_evt, start, first, last)
        dr2 = delta_r2(iso_eta[obj], iso_phi[obj], cand_eta[owner], cand_phi[owner])
        inside = (dr2 <= cone[owner] ** 2) & (iso_id[obj] != cand_self[owner])
        owner, obj = owner[inside], obj[inside]
        ch = iso_charged[obj]
        charged += np.bincount(owner[ch], weights=iso_pt[obj[ch]], minlength=n)
        neutral += np.bincount(owner[~ch], weights=iso_pt[obj[~ch]], minlength=n)
    return charged, neutral


def mini_isolation_cone(pt: np.ndarray) -> np.ndarray:
    """CMS 2016 mini-isolation cone: ΔR = 10 GeV / pT, clamped to [0.05, 0.2]."""
    return np.clip(10.0 / np.maximum(pt, 1e-9), 0.05, 0.2)
