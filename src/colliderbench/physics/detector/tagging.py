"""Jet flavour from generator partons, b-tagging and τ-tagging (card §12-13).

Flavour (card §12): the largest |PDG| among quarks (|PDG| ≤ 5) with pT > 1 GeV, |η| ≤ 2.5 within
ΔR ≤ 0.5 of the jet axis; 21 if only gluons are there, 0 if nothing. The b-tag bit 0 is a uniform
draw against the flavour's efficiency. τ-tag (card §13): a jet within ΔR ≤ 0.5 of a hadronic τ
(visible pT > 1 GeV, |η| ≤ 2.5) is tagged with probability 0.6, any other jet with 0.01.

The partons are a separate input (the detector's stable particles carry no history), one list per
event with fields ``pid`` and ``pt, eta, phi`` (or ``px, py, pz``): quarks and gluons before
hadronisation, and hadronically decaying τ leptons with their visible momentum. :func:`partons_from_record`
derives them from a full generator record (``status``, ``d1``, ``d2``).
"""

from __future__ import annotations

import awkward as ak
import numpy as np

from colliderbench.physics.detector.config import CMS2016_MEDIUM_EFFICIENCY
from colliderbench.physics.detector.objects import delta_r2, event_pairs, event_ranges, pair_blocks

FLAVOUR_DELTA_R = 0.5
PARTON_PT_MIN = 1.0
PARTON_ETA_MAX = 2.5
TAU_TAG_EFFICIENCY = 0.6
TAU_MISTAG_RATE = 0.01


def b_tag_efficiency(
    flavour: np.ndarray, pt: np.ndarray, working_point: str = "card"
) -> np.ndarray:
    """Probability that a jet of this flavour and pT is b-tagged.

    ``card``: ε_b = 0.85 tanh(0.0025 pT) · 25 / (1 + 0.063 pT), ε_c = 0.25 tanh(0.018 pT) /
    (1 + 0.0013 pT), ε_light = 0.01 + 3.8e-5 pT (arXiv:1211.4462 via the card).
    ``cms2016_medium``: flat CSVv2 medium efficiencies, see ``config.CMS2016_MEDIUM_EFFICIENCY``.
    """
    af = np.abs(flavour)
    if working_point == "cms2016_medium":
        eff = CMS2016_MEDIUM_EFFICIENCY
        return np.where(af == 5, eff["b"], np.where(af == 4, eff["c"], eff["light"]))
    eps_b = 0.85 * np.tanh(0.0025 * pt) * (25.0 / (1.0 + 0.063 * pt))
    eps_c = 0.25 * np.tanh(0.018 * pt) * (1.0 / (1.0 + 0.0013 * pt))
    eps_l = 0.01 + 0.000038 * pt
    return np.where(af == 5, eps_b, np.where(af == 4, eps_c, eps_l))


def _associate(
    j_evt: np.ndarray,
    j_eta: np.ndarray,
    j_phi: np.ndarray,
    p_start: np.ndarray,
    p_pid: np.ndarray,
    p_eta: np.ndarray,
    p_phi: np.ndarray,
    dr_max: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Flavour (largest quark |PDG|, else 21, else 0) and τ match of each jet from same-event pairs."""
    n = len(j_evt)
    flavour = np.zeros(n, dtype=np.int64)
    tau = np.zeros(n, dtype=bool)
    for first, last in pair_blocks(j_evt, p_start):
        owner, obj = event_pairs(j_evt, p_start, first, last)
        near = delta_r2(p_eta[obj], p_phi[obj], j_eta[owner], j_phi[owner]) <= dr_max * dr_max
        owner, apid = owner[near], np.abs(p_pid[obj[near]])
        tau[owner[apid == 15]] = True
        # priority: quarks by |PDG| (1-5) above gluons (0.5); encoded so that a max picks the flavour
        rank = np.where(apid == 21, 0.5, np.where(apid <= 5, apid, 0.0))
        best = np.zeros(n)
        np.maximum.at(best, owner, rank)
        block = slice(first, last)
        flavour[block] = np.where(best[block] == 0.5, 21, best[block]).astype(np.int64)
    return flavour, tau


def _parton_columns(partons: ak.Array) -> tuple[np.ndarray, ...]:
    counts = ak.to_numpy(ak.num(partons["pid"], axis=1))
    evt = np.repeat(np.arange(len(counts)), counts)
    pid = np.asarray(ak.to_numpy(ak.flatten(partons["pid"])), dtype=np.int64)
    if "pt" in partons.fields:
        pt, eta, phi = (
            np.asarray(ak.to_numpy(ak.flatten(partons[f])), dtype=np.float64)
            for f in ("pt", "eta", "phi")
        )
    else:
        px, py, pz = (
            np.asarray(ak.to_numpy(ak.flatten(partons[f])), dtype=np.float64)
            for f in ("px", "py", "pz")
        )
        pt = np.hypot(px, py)
        with np.errstate(divide="ignore", invalid="ignore"):
            eta = np.arcsinh(pz / pt)
        phi = np.arctan2(py, px)
    return evt, pid, pt, eta, phi


def jet_flavour_and_tau_match(
    j_evt: np.ndarray, j_eta: np.ndarray, j_phi: np.ndarray, partons: ak.Array | None, n_events: int
) -> tuple[np.ndarray, np.ndarray]:
    """Card flavour of each jet and whether a hadronic τ is within ΔR ≤ 0.5."""
    if partons is None or len(j_evt) == 0:
        return np.zeros(len(j_evt), dtype=np.int64), np.zeros(len(j_evt), dtype=bool)
    if len(partons) != n_events:
        raise ValueError(f"partons has {len(partons)} events, particles {n_events}")
    evt, pid, pt, eta, phi = _parton_columns(partons)
    apid = np.abs(pid)
    keep = (
        ((apid <= 5) & (apid >= 1) | (apid == 21) | (apid == 15))
        & (pt > PARTON_PT_MIN)
        & (np.abs(eta) <= PARTON_ETA_MAX)
    )
    evt, pid, eta, phi = evt[keep], pid[keep], eta[keep], phi[keep]
    start = event_ranges(evt, n_events)
    return _associate(j_evt.astype(np.int64), j_eta, j_phi, start, pid, eta, phi, FLAVOUR_DELTA_R)


def partons_from_record(record: ak.Array) -> ak.Array:
    """Quarks, gluons and hadronic τ (visible momentum) from a full generator record.

    Needs ``pid, status, px, py, pz, e, d1, d2`` with 0-based daughter indices (-1: none), the
    layout of ``physics.generate`` with ``keep_particles``. A τ counts once, at its last copy
    (no τ among its daughters), and only when no e or μ is among its daughters.
    """
    counts = ak.to_numpy(ak.num(record["pid"], axis=1))
    start = np.concatenate(([0], np.cumsum(counts)[:-1]))
    evt = np.repeat(np.arange(len(counts)), counts)

    def col(name: str) -> np.ndarray:
        return np.asarray(ak.to_numpy(ak.flatten(record[name])))

    pid, status = col("pid").astype(np.int64), col("status").astype(np.int64)
    px, py, pz = col("px").astype(float), col("py").astype(float), col("pz").astype(float)
    d1, d2 = col("d1").astype(np.int64), col("d2").astype(np.int64)
    apid = np.abs(pid)
    quark = (status != 1) & (((apid >= 1) & (apid <= 5)) | (apid == 21))

    taus = np.flatnonzero((status != 1) & (apid == 15) & (d1 >= 0))
    first = d1[taus] + start[evt[taus]]
    last = np.maximum(d2[taus], d1[taus]) + start[evt[taus]]
    n_dau = last - first + 1
    owner = np.repeat(np.arange(len(taus)), n_dau)
    dau = np.repeat(first, n_dau) + (
        np.arange(n_dau.sum()) - np.repeat(np.cumsum(n_dau) - n_dau, n_dau)
    )
    dau_apid = apid[dau]
    n_tau_dau = np.bincount(owner, weights=dau_apid == 15, minlength=len(taus))
    n_lep_dau = np.bincount(owner, weights=(dau_apid == 11) | (dau_apid == 13), minlength=len(taus))
    nu = np.isin(dau_apid, (12, 14, 16)).astype(float)
    vis_px = px[taus] - np.bincount(owner, weights=nu * px[dau], minlength=len(taus))
    vis_py = py[taus] - np.bincount(owner, weights=nu * py[dau], minlength=len(taus))
    vis_pz = pz[taus] - np.bincount(owner, weights=nu * pz[dau], minlength=len(taus))
    hadronic = (n_tau_dau == 0) & (n_lep_dau == 0)

    q_idx = np.flatnonzero(quark)
    t_idx = taus[hadronic]
    all_evt = np.concatenate((evt[q_idx], evt[t_idx]))
    all_pid = np.concatenate((pid[q_idx], pid[t_idx]))
    all_px = np.concatenate((px[q_idx], vis_px[hadronic]))
    all_py = np.concatenate((py[q_idx], vis_py[hadronic]))
    all_pz = np.concatenate((pz[q_idx], vis_pz[hadronic]))
    order = np.argsort(all_evt, kind="stable")
    out = ak.zip(
        {"pid": all_pid[order], "px": all_px[order], "py": all_py[order], "pz": all_pz[order]}
    )
    return ak.unflatten(out, np.bincount(all_evt, minlength=len(counts)))
