"""Columnar helpers shared by the lepton recasts: angles, lepton merging, object cleaning, tags.

Everything takes and returns awkward arrays in the Delphes layout of docs/architecture.md.
"""

from __future__ import annotations

import awkward as ak
import numpy as np


def delta_phi(phi1, phi2):
    """Signed azimuthal difference wrapped into [-pi, pi)."""
    return (phi1 - phi2 + np.pi) % (2.0 * np.pi) - np.pi


def delta_r(eta1, phi1, eta2, phi2):
    """Distance in (eta, phi)."""
    return np.hypot(eta1 - eta2, delta_phi(phi1, phi2))


def leptons(events: ak.Array) -> ak.Array:
    """Electrons and muons in one collection sorted by decreasing pT, with field ``flavour`` 11/13.

    The common fields are PT, Eta, Phi, Charge, IsolationVar.
    """
    fields = ["PT", "Eta", "Phi", "Charge", "IsolationVar"]

    def _as(coll: ak.Array, flavour: int) -> ak.Array:
        rec = {f: coll[f] for f in fields}
        rec["flavour"] = ak.values_astype(ak.zeros_like(coll.PT), np.int32) + flavour
        return ak.zip(rec)

    both = ak.concatenate([_as(events.Electron, 11), _as(events.Muon, 13)], axis=1)
    return both[ak.argsort(both.PT, axis=1, ascending=False)]


def min_delta_r(objs: ak.Array, refs: ak.Array) -> ak.Array:
    """For each object, the ΔR to the nearest reference object (inf when there is none)."""
    pairs = ak.cartesian({"o": objs, "r": refs}, axis=1, nested=True)
    dr = delta_r(pairs.o.Eta, pairs.o.Phi, pairs.r.Eta, pairs.r.Phi)
    return ak.fill_none(ak.min(dr, axis=2), np.inf)


def clean_against(objs: ak.Array, refs: ak.Array, cone: float) -> ak.Array:
    """Drop objects within ΔR < cone of any reference object (jet-lepton cleaning)."""
    return objs[min_delta_r(objs, refs) >= cone]


def four_vector_sum_mass(pt1, eta1, phi1, m1, pt2, eta2, phi2, m2):
    """Invariant mass of two objects given (pT, eta, phi, m)."""
    px = pt1 * np.cos(phi1) + pt2 * np.cos(phi2)
    py = pt1 * np.sin(phi1) + pt2 * np.sin(phi2)
    pz = pt1 * np.sinh(eta1) + pt2 * np.sinh(eta2)
    e1 = np.sqrt((pt1 * np.cosh(eta1)) ** 2 + m1**2)
    e2 = np.sqrt((pt2 * np.cosh(eta2)) ** 2 + m2**2)
    m2_ = (e1 + e2) ** 2 - px**2 - py**2 - pz**2
    return np.sqrt(np.maximum(m2_, 0.0))


def btag_bit(jets: ak.Array, bit: int = 0) -> ak.Array:
    """True where bit ``bit`` of Jet.BTag is set (bit 0: the detector's default working point)."""
    return (ak.values_astype(jets.BTag, np.int64) & (1 << bit)) != 0


def first_or(arr: ak.Array, default: float = np.nan) -> np.ndarray:
    """First entry per event as a flat numpy array, ``default`` where the list is empty."""
    return ak.to_numpy(ak.fill_none(ak.firsts(arr, axis=1), default)).astype(np.float64)


def met_vector(events: ak.Array) -> tuple[np.ndarray, np.ndarray]:
    """(MET, phi) per event as numpy arrays."""
    return first_or(events.MissingET.MET, 0.0), first_or(events.MissingET.Phi, 0.0)
