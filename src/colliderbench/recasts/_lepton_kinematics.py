"""Event variables of the lepton searches: M_T, M_T2 (massless invisible) and modified topness t_mod.

Both M_T2 and t_mod are minimisations over unobserved momenta. Both objective functions are
*convex* in the transverse momenta that are scanned (see the function docstrings), so a nested
golden-section search finds the global minimum without any starting-point dependence; the
longitudinal momenta that enter t_mod are minimised analytically (exactly). The kernels are
compiled with numba and loop over events, since the per-event search is inherently sequential.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_GOLDEN = 0.5 * (math.sqrt(5.0) - 1.0)  # 0.618...
_ITERATIONS = 64  # interval shrinks by 0.618**64 ~ 4e-14 per dimension


def mt(pt1: np.ndarray, phi1: np.ndarray, pt2: np.ndarray, phi2: np.ndarray) -> np.ndarray:
    """Transverse mass of two massless objects, sqrt(2 pt1 pt2 (1 - cos dphi)); numpy broadcasting."""
    return np.sqrt(np.maximum(2.0 * pt1 * pt2 * (1.0 - np.cos(phi1 - phi2)), 0.0))


# ---------------------------------------------------------------------------------------------
# M_T2 with a massless invisible particle on each side
# ---------------------------------------------------------------------------------------------


@njit(cache=True)
def _mt_sq(vx: float, vy: float, vm: float, qx: float, qy: float) -> float:
    """M_T^2 of a visible (px, py, m) and a massless invisible (qx, qy)."""
    et_v = math.sqrt(vm * vm + vx * vx + vy * vy)
    et_q = math.sqrt(qx * qx + qy * qy)
    return vm * vm + 2.0 * (et_v * et_q - vx * qx - vy * qy)


@njit(cache=True)
def _mt2_objective(x, y, ax, ay, am, bx, by, bm, mx, my):
    return max(_mt_sq(ax, ay, am, x, y), _mt_sq(bx, by, bm, mx - x, my - y))


@njit(cache=True)
def _mt2_inner(x, lo, hi, ax, ay, am, bx, by, bm, mx, my):
    """min over y of the M_T2 objective at fixed x (golden section; convex in y)."""
    a, b = lo, hi
    c = b - _GOLDEN * (b - a)
    d = a + _GOLDEN * (b - a)
    fc = _mt2_objective(x, c, ax, ay, am, bx, by, bm, mx, my)
    fd = _mt2_objective(x, d, ax, ay, am, bx, by, bm, mx, my)
    for _ in range(_ITERATIONS):
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - _GOLDEN * (b - a)
            fc = _mt2_objective(x, c, ax, ay, am, bx, by, bm, mx, my)
        else:
            a, c, fc = c, d, fd
            d = a + _GOLDEN * (b - a)
            fd = _mt2_objective(x, d, ax, ay, am, bx, by, bm, mx, my)
    return min(fc, fd)


@njit(cache=True)
def _mt2_one(ax, ay, am, bx, by, bm, mx, my):
    scale = (
        math.sqrt(ax * ax + ay * ay)
        + math.sqrt(bx * bx + by * by)
        + math.sqrt(mx * mx + my * my)
        + am
        + bm
        + 1.0
    )
    lo, hi = -20.0 * scale, 20.0 * scale
    a, b = lo, hi
    c = b - _GOLDEN * (b - a)
    d = a + _GOLDEN * (b - a)
    fc = _mt2_inner(c, lo, hi, ax, ay, am, bx, by, bm, mx, my)
    fd = _mt2_inner(d, lo, hi, ax, ay, am, bx, by, bm, mx, my)
    for _ in range(_ITERATIONS):
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - _GOLDEN * (b - a)
            fc = _mt2_inner(c, lo, hi, ax, ay, am, bx, by, bm, mx, my)
        else:
            a, c, fc = c, d, fd
            d = a + _GOLDEN * (b - a)
            fd = _mt2_inner(d, lo, hi, ax, ay, am, bx, by, bm, mx, my)
    return math.sqrt(max(min(fc, fd), 0.0))


@njit(cache=True)
def _mt2_loop(ax, ay, am, bx, by, bm, mx, my):
    out = np.empty(ax.shape[0])
    for i in range(ax.shape[0]):
        out[i] = _mt2_one(ax[i], ay[i], am[i], bx[i], by[i], bm[i], mx[i], my[i])
    return out


def mt2(
    pt1: np.ndarray,
    phi1: np.ndarray,
    m1: np.ndarray,
    pt2: np.ndarray,
    phi2: np.ndarray,
    m2: np.ndarray,
    met: np.ndarray,
    met_phi: np.ndarray,
) -> np.ndarray:
    """Stransverse mass M_T2 with massless invisible particles (paper 1709.08908 Eq. 1), per event.

    M_T2^2 = min over q1 + q2 = pTmiss of max[M_T^2(v1, q1), M_T^2(v2, q2)], with
    M_T^2(v, q) = m_v^2 + 2 (E_T,v |q| - p_T,v . q). Each M_T^2 is convex in q (a norm minus a
    linear term), so the max is convex and the 2-D minimum is found by a nested golden-section
    search over a box 20x the event's momentum scale. A degenerate configuration whose infimum lies
    at infinity (exactly back-to-back massless visibles) returns a small positive value instead of 0.
    """
    arrays = [
        np.ascontiguousarray(a, dtype=np.float64)
        for a in (pt1, phi1, m1, pt2, phi2, m2, met, met_phi)
    ]
    pt1, phi1, m1, pt2, phi2, m2, met, met_phi = arrays
    return _mt2_loop(
        pt1 * np.cos(phi1),
        pt1 * np.sin(phi1),
        m1,
        pt2 * np.cos(phi2),
        pt2 * np.sin(phi2),
        m2,
        met * np.cos(met_phi),
        met * np.sin(met_phi),
    )


def mt2_ll(leptons_pt, leptons_phi, met, met_phi) -> np.ndarray:
    """M_T2(ll) of the two selected leptons (massless) and pTmiss; arrays of shape (N, 2) and (N,)."""
    pt = np.asarray(leptons_pt, dtype=np.float64)
    phi = np.asarray(leptons_phi, dtype=np.float64)
    zero = np.zeros(pt.shape[0])
    return mt2(pt[:, 0], phi[:, 0], zero, pt[:, 1], phi[:, 1], zero, met, met_phi)


# ---------------------------------------------------------------------------------------------
# Modified topness t_mod (CMS-SUS-16-051 Eq. 1)
# ---------------------------------------------------------------------------------------------

M_W = 81.0  # GeV, value in the analysis group's topness code
M_TOP = 172.0  # GeV, idem
A_W = 5.0  # GeV, resolution parameter of the paper
A_TOP = 15.0  # GeV, idem
_PW_LIMIT = 3000.0  # GeV, box for the W transverse momentum (the group's fit limits)


@njit(cache=True)
def _topness_s(wx, wy, lx, ly, lm, bx, by, bm, mx, my, m_w, m_t, a_w, a_t):
    """S of Eq. 1 after the exact minimisation over the neutrino p_z and the W p_z.

    With p_T,nu = pTmiss - p_T,W fixed, min over p_z,nu of (p_l + p_nu)^2 is the transverse mass
    squared M_T^2(l, nu) and the invariant mass grows without bound from there, so the first term is
    max(0, M_T^2 - m_W^2)^2 / a_W^4. Likewise min over p_z,W of (p_b + p_W)^2 (on-shell W) is the
    transverse mass squared m_b^2 + m_W^2 + 2 (E_T,b E_T,W - p_T,b . p_T,W).
    """
    nx = mx - wx
    ny = my - wy
    et_l = math.sqrt(lm * lm + lx * lx + ly * ly)
    mt2_lnu = lm * lm + 2.0 * (et_l * math.sqrt(nx * nx + ny * ny) - lx * nx - ly * ny)
    t1 = max(mt2_lnu - m_w * m_w, 0.0)
    et_b = math.sqrt(bm * bm + bx * bx + by * by)
    et_w = math.sqrt(m_w * m_w + wx * wx + wy * wy)
    mt2_bw = bm * bm + m_w * m_w + 2.0 * (et_b * et_w - bx * wx - by * wy)
    t2 = max(mt2_bw - m_t * m_t, 0.0)
    return (t1 * t1) / a_w**4 + (t2 * t2) / a_t**4


@njit(cache=True)
def _topness_inner(wx, lx, ly, lm, bx, by, bm, mx, my, m_w, m_t, a_w, a_t):
    a, b = -_PW_LIMIT, _PW_LIMIT
    c = b - _GOLDEN * (b - a)
    d = a + _GOLDEN * (b - a)
    fc = _topness_s(wx, c, lx, ly, lm, bx, by, bm, mx, my, m_w, m_t, a_w, a_t)
    fd = _topness_s(wx, d, lx, ly, lm, bx, by, bm, mx, my, m_w, m_t, a_w, a_t)
    for _ in range(_ITERATIONS):
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - _GOLDEN * (b - a)
            fc = _topness_s(wx, c, lx, ly, lm, bx, by, bm, mx, my, m_w, m_t, a_w, a_t)
        else:
            a, c, fc = c, d, fd
            d = a + _GOLDEN * (b - a)
            fd = _topness_s(wx, d, lx, ly, lm, bx, by, bm, mx, my, m_w, m_t, a_w, a_t)
    return min(fc, fd)


@njit(cache=True)
def _topness_min(lx, ly, lm, bx, by, bm, mx, my, m_w, m_t, a_w, a_t):
    a, b = -_PW_LIMIT, _PW_LIMIT
    c = b - _GOLDEN * (b - a)
    d = a + _GOLDEN * (b - a)
    fc = _topness_inner(c, lx, ly, lm, bx, by, bm, mx, my, m_w, m_t, a_w, a_t)
    fd = _topness_inner(d, lx, ly, lm, bx, by, bm, mx, my, m_w, m_t, a_w, a_t)
    for _ in range(_ITERATIONS):
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - _GOLDEN * (b - a)
            fc = _topness_inner(c, lx, ly, lm, bx, by, bm, mx, my, m_w, m_t, a_w, a_t)
        else:
            a, c, fc = c, d, fd
            d = a + _GOLDEN * (b - a)
            fd = _topness_inner(d, lx, ly, lm, bx, by, bm, mx, my, m_w, m_t, a_w, a_t)
    return min(fc, fd)


@njit(cache=True)
def _topness_loop(lx, ly, lm, bx, by, bm, offsets, mx, my, m_w, m_t, a_w, a_t):
    n = lx.shape[0]
    out = np.full(n, np.nan)
    for i in range(n):
        best = np.inf
        for k in range(offsets[i], offsets[i + 1]):
            s = _topness_min(
                lx[i], ly[i], lm[i], bx[k], by[k], bm[k], mx[i], my[i], m_w, m_t, a_w, a_t
            )
            best = min(best, s)
        if offsets[i + 1] > offsets[i]:
            out[i] = best
    return out


def topness_s_min(
    lep_pt: np.ndarray,
    lep_phi: np.ndarray,
    b2_pt,
    b2_phi,
    b2_mass,
    met: np.ndarray,
    met_phi: np.ndarray,
    *,
    m_w: float = M_W,
    m_top: float = M_TOP,
    a_w: float = A_W,
    a_top: float = A_TOP,
) -> np.ndarray:
    """min S of Eq. 1 per event, minimised also over the candidate 'b2' jets (jagged arrays).

    S only depends on the jet paired with the invisible W, so the minimum over the analysis'
    jet pairings is a minimum over candidate b2 jets. Events without a candidate get NaN.
    S is convex in p_T,W (both terms are squares of non-negative parts of convex functions), so
    the nested golden-section search over the box |p_x,W|, |p_y,W| <= 3 TeV is exact.
    """
    import awkward as ak

    counts = np.asarray(ak.num(b2_pt, axis=1), dtype=np.int64)
    offsets = np.zeros(counts.size + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    bpt = np.asarray(ak.flatten(b2_pt), dtype=np.float64)
    bphi = np.asarray(ak.flatten(b2_phi), dtype=np.float64)
    bm = np.asarray(ak.flatten(b2_mass), dtype=np.float64)
    lep_pt = np.asarray(lep_pt, dtype=np.float64)
    lep_phi = np.asarray(lep_phi, dtype=np.float64)
    met = np.asarray(met, dtype=np.float64)
    met_phi = np.asarray(met_phi, dtype=np.float64)
    return _topness_loop(
        lep_pt * np.cos(lep_phi),
        lep_pt * np.sin(lep_phi),
        np.zeros(lep_pt.size),
        bpt * np.cos(bphi),
        bpt * np.sin(bphi),
        np.maximum(bm, 0.0),
        offsets,
        met * np.cos(met_phi),
        met * np.sin(met_phi),
        float(m_w),
        float(m_top),
        float(a_w),
        float(a_top),
    )


T_MOD_FLOOR = -30.0  # ln(S) when the exact minimum is S = 0 (both terms satisfied exactly)


def t_mod(lep_pt, lep_phi, b2_pt, b2_phi, b2_mass, met, met_phi, **constants) -> np.ndarray:
    """Modified topness t_mod = ln(min S) (CMS-SUS-16-051 Eq. 1); NaN without a candidate b2 jet.

    The exact minimum can be S = 0 (an event fully compatible with dileptonic ttbar); its
    logarithm is floored at T_MOD_FLOOR = -30 so that the variable stays finite. A numerical
    fitter (the group used Minuit SIMPLEX) stops at some small positive S instead: both are far
    below every cut (0 and 10) of the analysis.
    """
    s = topness_s_min(lep_pt, lep_phi, b2_pt, b2_phi, b2_mass, met, met_phi, **constants)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log(np.maximum(s, math.exp(T_MOD_FLOOR)))
    return np.where(np.isnan(s), np.nan, out)
