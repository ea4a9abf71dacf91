"""Lepton-recast selections on hand-built events: M_T2, t_mod, M_lb, m_jj and the vetoes."""

from __future__ import annotations

import math

import awkward as ak
import numpy as np
import pytest
from scipy.optimize import minimize

from colliderbench.recasts import cms_sus_16_034 as sus034
from colliderbench.recasts import cms_sus_16_051 as sus051
from colliderbench.recasts._lepton_kinematics import M_TOP, M_W, T_MOD_FLOOR, mt, mt2, t_mod

# ------------------------------------------------------------------------------------------------
# hand-built events in the Delphes layout
# ------------------------------------------------------------------------------------------------


def _lep(pt, eta, phi, charge, iso=0.0):
    return {"PT": pt, "Eta": eta, "Phi": phi, "Charge": charge, "IsolationVar": iso}


def _jet(pt, eta, phi, mass=5.0, btag=0, tau=0, flavor=0):
    return {
        "PT": pt,
        "Eta": eta,
        "Phi": phi,
        "Mass": mass,
        "BTag": btag,
        "TauTag": tau,
        "Flavor": flavor,
    }


def _trk(pt, eta, phi, charge=1, pid=211, iso=0.0):
    return {"PT": pt, "Eta": eta, "Phi": phi, "Charge": charge, "PID": pid, "IsolationVar": iso}


def _event(electrons=(), muons=(), jets=(), tracks=(), met=0.0, met_phi=0.0):
    return {
        "Electron": list(electrons),
        "Muon": list(muons),
        "Jet": list(jets),
        "Photon": [],
        "Track": list(tracks),
        "MissingET": [{"MET": met, "Phi": met_phi}],
        "ScalarHT": [{"HT": sum(j["PT"] for j in jets)}],
        "Event": [{"Weight": 1.0}],
    }


_FIELDS = {
    "Electron": {"PT": float, "Eta": float, "Phi": float, "Charge": int, "IsolationVar": float},
    "Muon": {"PT": float, "Eta": float, "Phi": float, "Charge": int, "IsolationVar": float},
    "Jet": {
        "PT": float,
        "Eta": float,
        "Phi": float,
        "Mass": float,
        "BTag": int,
        "TauTag": int,
        "Flavor": int,
    },
    "Photon": {"PT": float, "Eta": float, "Phi": float, "E": float, "IsolationVar": float},
    "Track": {
        "PT": float,
        "Eta": float,
        "Phi": float,
        "Charge": int,
        "PID": int,
        "IsolationVar": float,
    },
    "MissingET": {"MET": float, "Phi": float},
    "ScalarHT": {"HT": float},
    "Event": {"Weight": float},
}


def _array(events: list[dict]) -> ak.Array:
    """Typed jagged collections (empty lists keep their record type, as in a real file)."""
    out = {}
    for coll, fields in _FIELDS.items():
        counts = np.array([len(ev[coll]) for ev in events], dtype=np.int64)
        cols = {
            f: ak.unflatten(
                np.array([obj[f] for ev in events for obj in ev[coll]], dtype=t), counts
            )
            for f, t in fields.items()
        }
        out[coll] = ak.zip(cols)
    return ak.zip(out, depth_limit=1)


def _lepton_tracks(leps, pid):
    return [_trk(lp["PT"], lp["Eta"], lp["Phi"], lp["Charge"], pid * -lp["Charge"]) for lp in leps]


# ------------------------------------------------------------------------------------------------
# M_T and M_T2
# ------------------------------------------------------------------------------------------------


def test_mt_back_to_back_is_twice_geometric_mean():
    assert mt(np.array([100.0]), np.array([0.0]), np.array([25.0]), np.array([math.pi]))[
        0
    ] == pytest.approx(100.0)


def test_mt2_equals_contransverse_mass_without_upstream_momentum():
    """With pTmiss = -(p1 + p2) and massless particles, M_T2 = M_CT = sqrt(2 pT1 pT2 (1 + cos Δφ))."""
    rng = np.random.default_rng(3)
    n = 200
    pt1, pt2 = rng.uniform(20, 400, n), rng.uniform(20, 400, n)
    f1, f2 = rng.uniform(-math.pi, math.pi, n), rng.uniform(-math.pi, math.pi, n)
    mx = -(pt1 * np.cos(f1) + pt2 * np.cos(f2))
    my = -(pt1 * np.sin(f1) + pt2 * np.sin(f2))
    zero = np.zeros(n)
    got = mt2(pt1, f1, zero, pt2, f2, zero, np.hypot(mx, my), np.arctan2(my, mx))
    mct = np.sqrt(2 * pt1 * pt2 * (1 + np.cos(f1 - f2)))
    np.testing.assert_allclose(got, mct, atol=1e-5)


def test_mt2_vanishes_when_met_lies_between_the_leptons():
    got = mt2(
        *map(np.array, ([100.0], [0.0], [0.0], [50.0], [math.pi / 2], [0.0], [80.0], [math.pi / 4]))
    )
    assert got[0] == pytest.approx(0.0, abs=1e-3)


def test_mt2_matches_a_direct_minimisation():
    rng = np.random.default_rng(11)
    for _ in range(10):
        pt1, pt2, met = rng.uniform(30, 300, 3)
        f1, f2, fm = rng.uniform(-math.pi, math.pi, 3)
        if abs(math.cos(f1 - f2)) > 0.95:  # avoid the degenerate collinear/back-to-back cases
            continue

        def objective(q, pt1=pt1, pt2=pt2, f1=f1, f2=f2, met=met, fm=fm):
            x, y = q
            a = 2 * pt1 * (math.hypot(x, y) - math.cos(f1) * x - math.sin(f1) * y)
            bx, by = met * math.cos(fm) - x, met * math.sin(fm) - y
            b = 2 * pt2 * (math.hypot(bx, by) - math.cos(f2) * bx - math.sin(f2) * by)
            return max(a, b)

        starts = rng.uniform(-300, 300, (15, 2))
        best = min(
            minimize(
                objective,
                s,
                method="Nelder-Mead",
                options={"xatol": 1e-9, "fatol": 1e-9, "maxiter": 8000},
            ).fun
            for s in starts
        )
        ours = mt2(*map(np.array, ([pt1], [f1], [0.0], [pt2], [f2], [0.0], [met], [fm])))[0]
        assert ours <= math.sqrt(max(best, 0)) + 1e-3
        assert ours == pytest.approx(math.sqrt(max(best, 0)), abs=0.05)


def test_mt2_is_at_least_the_visible_mass():
    got = mt2(*map(np.array, ([50.0], [0.0], [30.0], [60.0], [2.0], [10.0], [200.0], [1.0])))
    assert got[0] >= 30.0


# ------------------------------------------------------------------------------------------------
# t_mod
# ------------------------------------------------------------------------------------------------


def _p4(pt, eta, phi, m):
    px, py, pz = pt * math.cos(phi), pt * math.sin(phi), pt * math.sinh(eta)
    return np.array([math.sqrt(px * px + py * py + pz * pz + m * m), px, py, pz])


def _two_body(parent: np.ndarray, m1: float, m2: float, cos_t: float, phi: float):
    """Decay a parent 4-vector into two daughters (angles in the parent frame)."""
    mp = math.sqrt(parent[0] ** 2 - parent[1:] @ parent[1:])
    p = math.sqrt((mp**2 - (m1 + m2) ** 2) * (mp**2 - (m1 - m2) ** 2)) / (2 * mp)
    sin_t = math.sqrt(1 - cos_t**2)
    d = np.array([sin_t * math.cos(phi), sin_t * math.sin(phi), cos_t]) * p
    k1 = np.array([math.sqrt(p * p + m1 * m1), *d])
    k2 = np.array([math.sqrt(p * p + m2 * m2), *(-d)])
    beta = parent[1:] / parent[0]
    b2 = beta @ beta
    gamma = 1 / math.sqrt(1 - b2)

    def boost(k):
        bp = beta @ k[1:]
        e = gamma * (k[0] + bp)
        vec = k[1:] + ((gamma - 1) * bp / b2 + gamma * k[0]) * beta if b2 > 0 else k[1:]
        return np.array([e, *vec])

    return boost(k1), boost(k2)


def _pt_phi(p):
    return math.hypot(p[1], p[2]), math.atan2(p[2], p[1])


def test_t_mod_of_dileptonic_ttbar_with_a_lost_lepton_is_at_the_floor():
    """A ttbar -> 2l event built with m_W = 81, m_t = 172 has S = 0 at its true momenta."""
    rng = np.random.default_rng(5)
    for _ in range(5):
        t1 = _p4(rng.uniform(50, 300), rng.uniform(-1, 1), rng.uniform(-3, 3), M_TOP)
        t2 = _p4(rng.uniform(50, 300), rng.uniform(-1, 1), rng.uniform(-3, 3), M_TOP)
        _b1, w1 = _two_body(t1, 4.7, M_W, rng.uniform(-1, 1), rng.uniform(-3, 3))
        b2, w2 = _two_body(t2, 4.7, M_W, rng.uniform(-1, 1), rng.uniform(-3, 3))
        lep, nu1 = _two_body(w1, 0.0, 0.0, rng.uniform(-1, 1), rng.uniform(-3, 3))
        invisible = nu1 + w2  # the second W's lepton is lost, its neutrino escapes
        lpt, lphi = _pt_phi(lep)
        bpt, bphi = _pt_phi(b2)
        met, mphi = _pt_phi(invisible)
        val = t_mod(
            np.array([lpt]), np.array([lphi]), ak.Array([[bpt]]), ak.Array([[bphi]]), ak.Array([[4.7]]),
            np.array([met]), np.array([mphi]),
        )  # fmt: skip
        assert val[0] == pytest.approx(T_MOD_FLOOR)


def test_t_mod_is_large_for_a_signal_like_event_and_matches_a_4d_fit():
    """Large pTmiss opposite to the lepton and the b jet cannot be a lost-lepton ttbar event."""
    lep, b = (60.0, 0.3), (80.0, 0.8)
    met, mphi = 600.0, math.pi
    ours = t_mod(
        np.array([lep[0]]), np.array([lep[1]]), ak.Array([[b[0]]]), ak.Array([[b[1]]]), ak.Array([[10.0]]),
        np.array([met]), np.array([mphi]),
    )[0]  # fmt: skip
    assert ours > 10.0

    pl = _p4(lep[0], 0.0, lep[1], 0.0)
    pb = _p4(b[0], 0.0, b[1], 10.0)

    def s_full(x):  # Eq. 1 over the original four parameters (p_W, p_z,nu), no analytic step
        wx, wy, wz, nz = x
        ew = math.sqrt(M_W**2 + wx * wx + wy * wy + wz * wz)
        nx, ny = met * math.cos(mphi) - wx, met * math.sin(mphi) - wy
        en = math.sqrt(nx * nx + ny * ny + nz * nz)
        lnu = pl + np.array([en, nx, ny, nz])
        bw = pb + np.array([ew, wx, wy, wz])
        m_lnu = lnu[0] ** 2 - lnu[1:] @ lnu[1:]
        m_bw = bw[0] ** 2 - bw[1:] @ bw[1:]
        return (M_W**2 - m_lnu) ** 2 / 5.0**4 + (M_TOP**2 - m_bw) ** 2 / 15.0**4

    rng = np.random.default_rng(2)
    best = min(
        minimize(
            s_full,
            s,
            method="Nelder-Mead",
            options={"xatol": 1e-6, "fatol": 1e-6, "maxiter": 40000},
        ).fun
        for s in rng.uniform(-800, 800, (12, 4))
    )
    assert ours <= math.log(best) + 1e-4  # the exact minimum is never above a numerical one
    assert ours == pytest.approx(math.log(best), abs=0.05)


def test_t_mod_uses_the_best_candidate_and_needs_a_candidate():
    args = dict(met=np.array([400.0, 400.0]), met_phi=np.array([3.0, 3.0]))
    single = t_mod(np.array([50.0]), np.array([0.0]), ak.Array([[100.0]]), ak.Array([[0.5]]), ak.Array([[5.0]]),
                   args["met"][:1], args["met_phi"][:1])[0]  # fmt: skip
    other = t_mod(np.array([50.0]), np.array([0.0]), ak.Array([[100.0]]), ak.Array([[2.9]]), ak.Array([[5.0]]),
                  args["met"][:1], args["met_phi"][:1])[0]  # fmt: skip
    both = t_mod(np.array([50.0, 50.0]), np.array([0.0, 0.0]), ak.Array([[100.0, 100.0], []]),
                 ak.Array([[0.5, 2.9], []]), ak.Array([[5.0, 5.0], []]), **args)  # fmt: skip
    assert both[0] == pytest.approx(min(single, other))
    assert np.isnan(both[1])


# ------------------------------------------------------------------------------------------------
# SUS-16-034 VZ region
# ------------------------------------------------------------------------------------------------


def _vz_event(**change):
    dphi = math.acos(1 - 91.0**2 / (2 * 150 * 100))  # m_ll = 91 GeV
    els = [_lep(150.0, 0.0, 0.0, -1), _lep(100.0, 0.0, dphi, +1)]
    jets = [_jet(80.0, 0.5, 2.0), _jet(60.0, -0.3, 2.3)]
    ev = {"electrons": els, "muons": [], "jets": jets, "tracks": _lepton_tracks(els, 11), "met": 400.0,
          "met_phi": math.pi}  # fmt: skip
    ev.update(change)
    return _event(**ev)


def test_vz_event_passes_every_step():
    sel = sus034.select_vz(_array([_vz_event()]))
    assert sel.passed[0]
    assert [bool(m[0]) for _, m in sel.cutflow] == [True] * len(sel.cutflow)
    assert sel.values[0] == pytest.approx(400.0)


def test_vz_cuts_fail_where_they_should():
    dphi = math.acos(1 - 91.0**2 / (2 * 150 * 100))
    cases = {
        "same sign": _vz_event(electrons=[_lep(150.0, 0.0, 0.0, -1), _lep(100.0, 0.0, dphi, -1)]),
        "e mu": _vz_event(
            electrons=[_lep(150.0, 0.0, 0.0, -1)], muons=[_lep(100.0, 0.0, dphi, +1)]
        ),
        "third lepton": _vz_event(muons=[_lep(15.0, 1.0, -2.0, 1)]),
        "isolated track": _vz_event(tracks=[_trk(12.0, 0.2, -1.0, iso=0.05)]),
        "one jet": _vz_event(jets=[_jet(80.0, 0.5, 2.0)]),
        "jet along met": _vz_event(jets=[_jet(80.0, 0.5, 3.0), _jet(60.0, -0.3, 2.3)]),
        "b tag": _vz_event(
            jets=[_jet(80.0, 0.5, 2.0), _jet(60.0, -0.3, 2.3), _jet(30.0, 1.0, -1.5, btag=1)]
        ),
        "heavy dijet": _vz_event(jets=[_jet(200.0, 2.0, 2.0), _jet(150.0, -1.5, 2.3)]),
        "low met": _vz_event(met=90.0),
        "off Z": _vz_event(electrons=[_lep(150.0, 0.0, 0.0, -1), _lep(100.0, 0.0, 1.2, +1)]),
        "gap lepton": _vz_event(electrons=[_lep(150.0, 1.5, 0.0, -1), _lep(100.0, 0.0, dphi, +1)]),
    }
    sel = sus034.select_vz(_array(list(cases.values())))
    for name, passed in zip(cases, sel.passed, strict=True):
        assert not passed, name


def test_vz_non_isolated_track_and_soft_track_do_not_veto():
    ev = _vz_event(tracks=[_trk(12.0, 0.2, -1.0, iso=0.5), _trk(7.0, 0.2, -1.0, iso=0.0)])
    assert sus034.select_vz(_array([ev])).passed[0]


def test_mjj_takes_the_pair_closest_in_phi():
    jets = _array(
        [
            _event(
                jets=[
                    _jet(100.0, 0.0, 0.0, 0.0),
                    _jet(90.0, 0.0, 2.0, 0.0),
                    _jet(50.0, 0.0, 2.2, 0.0),
                ]
            )
        ]
    ).Jet
    expected = math.sqrt(2 * 90 * 50 * (1 - math.cos(0.2)))
    assert sus034.mjj_closest_in_phi(jets)[0] == pytest.approx(expected)


# ------------------------------------------------------------------------------------------------
# SUS-16-051
# ------------------------------------------------------------------------------------------------


def _stop_event(**change):
    mu = [_lep(60.0, 0.2, 0.0, -1)]
    jets = [
        _jet(300.0, 0.1, 2.0, 10.0),
        _jet(200.0, -0.5, -2.0, 10.0),
        _jet(120.0, 0.8, 0.4, 10.0, btag=1),
        _jet(60.0, -1.0, 1.0, 10.0),
    ]
    ev = {"electrons": [], "muons": mu, "jets": jets, "tracks": _lepton_tracks(mu, 13), "met": 600.0,
          "met_phi": math.pi}  # fmt: skip
    ev.update(change)
    return _event(**ev)


def test_m_lb_uses_the_closest_b_jet():
    lep = ak.Array([{"PT": 50.0, "Eta": 0.0, "Phi": 0.0}] * 2)
    ev = _array([_event(jets=[_jet(100.0, 0.0, 2.5, 0.0), _jet(80.0, 0.0, 0.5, 0.0)]), _event()])
    expected = math.sqrt(2 * 50 * 80 * (1 - math.cos(0.5)))
    got = sus051.m_lb(lep, ev.Jet)
    assert got[0] == pytest.approx(expected)
    assert np.isnan(got[1])


def test_region_g_event_passes():
    sel = sus051.select_region_g(_array([_stop_event()]))
    assert [name for name, m in sel.cutflow if not m[0]] == []
    assert sel.passed[0]


def test_stop_vetoes_and_cuts():
    cases = {
        "isolated track": _stop_event(tracks=[_trk(15.0, 0.0, 1.5, iso=0.01)]),
        "tau jet": _stop_event(jets=[*_stop_event()["Jet"], _jet(25.0, 0.5, -1.0, tau=1)]),
        "second lepton": _stop_event(electrons=[_lep(8.0, 0.5, -1.0, 1)]),
        "forward electron only": _stop_event(muons=[], electrons=[_lep(60.0, 1.8, 0.0, -1)]),
        "no b tag": _stop_event(
            jets=[
                _jet(300.0, 0.1, 2.0),
                _jet(200.0, -0.5, -2.0),
                _jet(120.0, 0.8, 0.4),
                _jet(60.0, -1.0, 1.0),
            ]
        ),  # fmt: skip
        "low mt": _stop_event(met_phi=0.3),
        "jet along met": _stop_event(met_phi=2.2),
        "three jets": _stop_event(jets=_stop_event()["Jet"][:3]),
    }
    sel = sus051.select_region_g(_array(list(cases.values())))
    for name, passed in zip(cases, sel.passed, strict=True):
        assert not passed, name


def test_loose_track_isolation_does_not_veto():
    # sum pT = 0.08 * 80 = 6.4 GeV > 6 GeV: not isolated for pT > 60; 0.08 * 40 = 3.2 < 4: isolated
    not_iso = _stop_event(tracks=[_trk(80.0, 0.0, 1.5, iso=0.08)])
    iso = _stop_event(tracks=[_trk(40.0, 0.0, 1.5, iso=0.08)])
    sel = sus051.select_region_g(_array([not_iso, iso]))
    assert list(sel.passed) == [True, False]


def test_compressed_region():
    jets5 = [
        _jet(350.0, 0.1, 2.0),
        _jet(200.0, -0.5, -0.8),
        _jet(120.0, 0.8, 0.4, btag=1),
        _jet(60.0, -1.0, 1.0),
        _jet(40.0, 1.5, 2.8),
    ]
    good = _stop_event(jets=jets5, met_phi=-2.6)  # lepton-met Δφ = 2.6 > 2: fails
    close = _stop_event(jets=jets5, met_phi=-1.9)
    tagged_j1 = _stop_event(jets=[_jet(350.0, 0.1, 2.0, btag=1), *jets5[1:]], met_phi=-1.9)
    sel = sus051.select_compressed(_array([good, close, tagged_j1]))
    assert list(sel.passed) == [False, True, False]


def test_soft_isolated_lepton_track_is_a_veto_lepton():
    soft_e = _stop_event(tracks=[*_stop_event()["Track"], _trk(7.0, 0.3, -1.0, -1, 11, iso=0.02)])
    soft_pion = _stop_event(
        tracks=[*_stop_event()["Track"], _trk(7.0, 0.3, -1.0, -1, 211, iso=0.02)]
    )
    sel = sus051.select_region_g(_array([soft_e, soft_pion]))
    assert list(sel.passed) == [False, True]


def test_alternative_choices_change_what_they_should():
    same_charge_trk = _stop_event(
        tracks=[*_stop_event()["Track"], _trk(15.0, 0.0, 1.5, charge=-1, iso=0.01)]
    )
    events = _array([same_charge_trk])
    assert not sus051.select_region_g(events).passed[0]
    group = sus051.Choices(track_veto="group")
    assert sus051.select_region_g(events, group).passed[0]
    three_jets = _vz_event(jets=[_jet(80.0, 0.5, 2.0), _jet(60.0, -0.3, 2.3), _jet(40.0, 0.0, 1.8),
                                 _jet(40.0, 1.0, 1.6)])  # fmt: skip
    ev = _array([three_jets])
    assert sus034.select_vz(ev).passed[0]
    assert not sus034.select_vz(ev, sus034.Choices(njet_max=3)).passed[0]
    for name, choice in sus034.ALTERNATIVES.items():
        assert isinstance(choice, sus034.Choices) and choice != sus034.DEFAULT, name
    for name, choice in sus051.ALTERNATIVES.items():
        assert isinstance(choice, sus051.Choices) and choice != sus051.DEFAULT, name


def test_every_alternative_runs_and_keeps_the_cutflow_contract():
    vz = _array([_vz_event(), _vz_event(met=90.0)])
    for choice in [sus034.DEFAULT, *sus034.ALTERNATIVES.values()]:
        sel = sus034.select_vz(vz, choice)
        assert list(sel.passed) == [True, False]
        assert np.array_equal(sel.cutflow[-1][1], sel.passed)
    stop = _array([_stop_event(), _stop_event(met_phi=0.3)])
    for choice in [sus051.DEFAULT, *sus051.ALTERNATIVES.values()]:
        for select in (sus051.select_region_g, sus051.select_compressed):
            sel = select(stop, choice)
            assert np.array_equal(sel.cutflow[-1][1], sel.passed)


def test_vz_cutflow_ends_at_the_final_selection():
    sel = sus034.select_vz(_array([_vz_event(met=200.0)]))
    assert sel.cutflow[-1][0] == "pTmiss > 100 GeV"
    assert not any("150" in name for name, _ in sel.cutflow)


def test_mjj_pair_from_the_two_leading_jets():
    # the jets closest in phi are the 2nd and 3rd (m_jj ~ 9 GeV); the two leading ones are
    # back to back with a large mass
    jets = [_jet(200.0, 0.0, 2.0), _jet(150.0, 0.0, 2.0 - math.pi), _jet(40.0, 0.0, -1.0)]
    ev = _array([_vz_event(jets=jets)])
    assert sus034.select_vz(ev).cutflow[8][1][0]
    leading = sus034.Choices(mjj_jets="leading")
    assert not sus034.select_vz(ev, leading).cutflow[8][1][0]


def test_any_ocsf_pair_moves_only_the_first_cutflow_steps():
    dphi = math.acos(1 - 91.0**2 / (2 * 150 * 100))
    # leading two: e- mu+ (not OCSF); the leading OCSF pair is e- e+
    ev = _vz_event(
        electrons=[_lep(150.0, 0.0, 0.0, -1), _lep(100.0, 0.0, dphi, +1)],
        muons=[_lep(120.0, 0.5, -2.5, +1)],
    )
    events = _array([ev])
    default = sus034.select_vz(events)
    anypair = sus034.select_vz(events, sus034.Choices(lepton_pair="any_ocsf"))
    assert not default.cutflow[1][1][0]
    assert anypair.cutflow[1][1][0] and not anypair.cutflow[2][1][0]  # the third lepton vetoes
    assert not default.passed[0] and not anypair.passed[0]


def test_photon_cleaning_removes_the_jet_at_the_photon():
    # without the leading jet (at the photon) the third jet, along pTmiss, becomes j2
    jets = [_jet(80.0, 0.5, 2.0), _jet(60.0, -0.3, 2.3), _jet(50.0, 0.0, math.pi - 0.1)]
    photon = {"PT": 70.0, "Eta": 0.5, "Phi": 2.05, "E": 80.0, "IsolationVar": 0.0}
    ev = _vz_event(jets=jets)
    ev["Photon"] = [photon]
    events = _array([ev])
    assert sus034.select_vz(events).passed[0]
    assert not sus034.select_vz(events, sus034.Choices(photon_cleaning=True)).passed[0]
    # a photon along pTmiss is not a cleaning photon (paper: Δφ(pTmiss, photon) > 0.4)
    along = sus034.leading_cleaning_photon(events, np.array([2.2]))
    assert ak.num(along).tolist() == [0]


def test_code_boundaries_include_the_threshold():
    at_cut = np.array([250.0, 250.1, 249.9])
    paper, code = sus051.Choices(), sus051.Choices(boundaries="code")
    assert sus051._above(at_cut, 250.0, paper).tolist() == [False, True, False]
    assert sus051._above(at_cut, 250.0, code).tolist() == [True, True, False]
