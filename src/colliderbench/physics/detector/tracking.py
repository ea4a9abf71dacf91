"""Tracking efficiency and track momentum smearing (card sections 2-4).

Each charged particle is kept as a track with the card's efficiency (a uniform draw u ≤ ε); a lost
track still deposits its energy in the calorimeters. Kept tracks get a log-normal pT smearing with
the card's relative resolution; η, φ and mass are kept.
"""

from __future__ import annotations

import numpy as np


def log_normal(mean: np.ndarray, sigma: np.ndarray, normal: np.ndarray) -> np.ndarray:
    """Log-normal draw with the given mean and standard deviation (0 where mean ≤ 0).

    ``normal`` are standard-normal draws, one per entry, so the caller controls the random stream.
    """
    mean = np.asarray(mean, dtype=np.float64)
    out = np.zeros_like(mean)
    pos = mean > 0
    mu, s = mean[pos], np.asarray(sigma, dtype=np.float64)[pos]
    b = np.sqrt(np.log1p((s / mu) ** 2))
    a = np.log(mu) - 0.5 * b * b
    out[pos] = np.exp(a + b * normal[pos])
    return out


def charged_hadron_tracking_efficiency(pt: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Card §2: 0.70/0.95 (|η| ≤ 1.5), 0.60/0.85 (1.5-2.5) below/above 1 GeV; 0 below 0.1 GeV."""
    a = np.abs(eta)
    low = (pt > 0.1) & (pt <= 1.0)
    high = pt > 1.0
    barrel, endcap = a <= 1.5, (a > 1.5) & (a <= 2.5)
    eff = np.zeros_like(pt)
    eff[barrel & low], eff[barrel & high] = 0.70, 0.95
    eff[endcap & low], eff[endcap & high] = 0.60, 0.85
    return eff


def electron_tracking_efficiency(pt: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Card §2: 0.73/0.95/0.99 (|η| ≤ 1.5), 0.50/0.83/0.90 (1.5-2.5) for pT 0.1-1, 1-100, > 100."""
    a = np.abs(eta)
    low = (pt > 0.1) & (pt <= 1.0)
    mid = (pt > 1.0) & (pt <= 100.0)
    high = pt > 100.0
    barrel, endcap = a <= 1.5, (a > 1.5) & (a <= 2.5)
    eff = np.zeros_like(pt)
    eff[barrel & low], eff[barrel & mid], eff[barrel & high] = 0.73, 0.95, 0.99
    eff[endcap & low], eff[endcap & mid], eff[endcap & high] = 0.50, 0.83, 0.90
    return eff


def muon_tracking_efficiency(pt: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Card §2: 0.75/0.99 (|η| ≤ 1.5), 0.70/0.98 (1.5-2.5); above 1 TeV × exp(0.5 - 5e-4 pT)."""
    a = np.abs(eta)
    low = (pt > 0.1) & (pt <= 1.0)
    mid = (pt > 1.0) & (pt <= 1000.0)
    high = pt > 1000.0
    barrel, endcap = a <= 1.5, (a > 1.5) & (a <= 2.5)
    eff = np.zeros_like(pt)
    eff[barrel & low], eff[barrel & mid] = 0.75, 0.99
    eff[endcap & low], eff[endcap & mid] = 0.70, 0.98
    decay = np.exp(0.5 - 5.0e-4 * pt)
    eff[barrel & high] = (0.99 * decay)[barrel & high]
    eff[endcap & high] = (0.98 * decay)[endcap & high]
    return eff


def _three_region_resolution(
    pt: np.ndarray,
    eta: np.ndarray,
    constants: tuple[float, float, float],
    slopes: tuple[float, ...],
) -> np.ndarray:
    a = np.abs(eta)
    regions = (a <= 0.5, (a > 0.5) & (a <= 1.5), (a > 1.5) & (a <= 2.5))
    res = np.zeros_like(pt)
    for region, c, s in zip(regions, constants, slopes, strict=True):
        sel = region & (pt > 0.1)
        res[sel] = np.sqrt(c * c + (pt[sel] * s) ** 2)
    return res


def charged_hadron_pt_resolution(pt: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Relative pT resolution of charged hadrons (card §3, arXiv:1405.6569 as written in the card)."""
    return _three_region_resolution(pt, eta, (0.06, 0.10, 0.25), (1.3e-3, 1.7e-3, 3.1e-3))


def electron_pt_resolution(pt: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Relative pT resolution of electron tracks (card §3, arXiv:1502.02701)."""
    return _three_region_resolution(pt, eta, (0.03, 0.05, 0.15), (1.3e-3, 1.7e-3, 3.1e-3))


def muon_pt_resolution(pt: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Relative pT resolution of muon tracks (card §3)."""
    return _three_region_resolution(pt, eta, (0.01, 0.015, 0.025), (1.0e-4, 1.5e-4, 3.5e-4))


def tracking_efficiency(pid: np.ndarray, pt: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Efficiency of each charged particle by its type (e, μ, or charged hadron)."""
    apid = np.abs(pid)
    return np.where(
        apid == 11,
        electron_tracking_efficiency(pt, eta),
        np.where(
            apid == 13,
            muon_tracking_efficiency(pt, eta),
            charged_hadron_tracking_efficiency(pt, eta),
        ),
    )


def track_pt_resolution(pid: np.ndarray, pt: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Relative resolution of each track by its type, capped at 1 (card §3)."""
    apid = np.abs(pid)
    res = np.where(
        apid == 11,
        electron_pt_resolution(pt, eta),
        np.where(apid == 13, muon_pt_resolution(pt, eta), charged_hadron_pt_resolution(pt, eta)),
    )
    return np.minimum(res, 1.0)
