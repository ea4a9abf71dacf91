"""The photon-search selections on hand-built events whose answer is known by construction."""

from __future__ import annotations

import math

import awkward as ak
import numpy as np
import pytest

from colliderbench.recasts import _photon_objects as po
from colliderbench.recasts import cms_sus_16_046 as s046
from colliderbench.recasts import cms_sus_16_047 as s047

NO_EFF_046 = s046.Choices(photon_eff="none", trigger_efficiency=1.0)
NO_EFF_047 = s047.Choices(photon_eff="none", trigger_efficiency=1.0)


FIELDS = {
    "Photon": ("PT", "Eta", "Phi", "E", "IsolationVar"),
    "Jet": ("PT", "Eta", "Phi", "Mass", "BTag", "TauTag", "Flavor"),
    "Electron": ("PT", "Eta", "Phi", "Charge", "IsolationVar"),
    "Muon": ("PT", "Eta", "Phi", "Charge", "IsolationVar"),
    "MissingET": ("MET", "Phi"),
}


def event(
    photons: tuple[dict[str, float], ...] | list[dict[str, float]] = (),
    jets: tuple[dict[str, float], ...] | list[dict[str, float]] = (),
    electrons: tuple[dict[str, float], ...] | list[dict[str, float]] = (),
    met: float = 0.0,
    met_phi: float = 0.0,
) -> dict[str, list[dict[str, float]]]:
    """One event in the Delphes layout; E of a photon defaults to pT cosh(eta)."""
    photons = [dict(p, E=p.get("E", p["PT"] * math.cosh(p["Eta"]))) for p in photons]
    return {
        "Photon": photons,
        "Jet": list(jets),
        "Electron": list(electrons),
        "Muon": [],
        "MissingET": [{"MET": met, "Phi": met_phi}],
    }


def events(*evs: dict[str, list[dict[str, float]]]) -> ak.Array:
    """Typed columns built from flat arrays, so empty collections still carry their fields."""
    out = {}
    for name, fields in FIELDS.items():
        lists = [ev[name] for ev in evs]
        counts = np.array([len(x) for x in lists], dtype=np.int64)
        flat = {
            f: np.array([o.get(f, 0.0) for x in lists for o in x], dtype=np.float64) for f in fields
        }
        out[name] = ak.unflatten(ak.zip(flat), counts)
    return ak.Array(out)


def g(pt: float, eta: float = 0.0, phi: float = 0.0, **kw: float) -> dict[str, float]:
    return {"PT": pt, "Eta": eta, "Phi": phi, **kw}


# ----------------------------------------------------------------------------- shared objects


def test_efficiency_map_values_and_edges() -> None:
    eff = po.photon_id_efficiency(
        np.array([200.0, 200.0, 25.0, 1000.0, 200.0, 200.0, 10.0]),
        np.array([0.1, -1.0, 2.2, 0.5, 1.5, 2.7, 0.1]),
    )
    expected = [0.8481, 0.8087, 0.5644, 0.8481, 0.0, 0.0, 0.7352]
    np.testing.assert_allclose(eff, expected, atol=1e-4)


def test_identified_photons_replace_reaches_the_map_efficiency() -> None:
    rng = np.random.default_rng(1)
    n = 40000
    pt = rng.uniform(100, 400, n)
    eta = rng.uniform(-0.7, 0.7, n)
    phi = rng.uniform(-np.pi, np.pi, n)
    photons = ak.zip({"PT": pt, "Eta": eta, "Phi": phi})
    evs = ak.Array({"Photon": ak.unflatten(photons, np.ones(n, dtype=int))})
    kept = ak.sum(ak.num(po.identified_photons(evs, "replace")))
    assert abs(kept / n - 0.8481 / 0.95) < 0.01
    kept_mult = ak.sum(ak.num(po.identified_photons(evs, "multiply")))
    assert abs(kept_mult / n - 0.8481) < 0.01
    assert ak.sum(ak.num(po.identified_photons(evs, "none"))) == n


def test_identified_photons_is_a_function_of_the_photon_only() -> None:
    rng = np.random.default_rng(2)
    n = 500
    photons = ak.zip(
        {"PT": rng.uniform(20, 300, n), "Eta": rng.uniform(-2, 2, n), "Phi": rng.uniform(-3, 3, n)}
    )
    one = ak.Array({"Photon": ak.unflatten(photons, np.ones(n, dtype=int))})
    # the same photons grouped differently and in float32 give the same decisions
    two = ak.Array(
        {"Photon": ak.unflatten(ak.values_astype(photons, np.float32), [n // 2, n - n // 2])}
    )
    a = ak.to_numpy(ak.flatten(po.identified_photons(one).PT)).astype(np.float32)
    b = ak.to_numpy(ak.flatten(po.identified_photons(two).PT))
    np.testing.assert_array_equal(a, b)


def test_mt_back_to_back_and_parallel() -> None:
    assert po.mt(np.array([300.0]), np.array([0.0]), np.array([300.0]), np.array([np.pi]))[
        0
    ] == pytest.approx(600.0)
    assert po.mt(np.array([300.0]), np.array([1.0]), np.array([300.0]), np.array([1.0]))[
        0
    ] == pytest.approx(0.0)


def test_delta_phi_wraps() -> None:
    assert po.delta_phi(np.array([3.0]), np.array([-3.0]))[0] == pytest.approx(6.0 - 2 * np.pi)


# ----------------------------------------------------------------------------- CMS-SUS-16-046


def _sel046(evs: ak.Array, **kw: object) -> s046.Selection:
    choices = s046.Choices(**{**NO_EFF_046.__dict__, **kw})  # type: ignore[arg-type]
    return s046.select(evs, choices)


def test_046_signal_event_passes_with_st_of_all_photons() -> None:
    ev = event(
        photons=[g(400, 0.2, 0.0), g(50, 1.8, 1.0)],
        jets=[g(150, 0.5, 1.5)],
        met=500,
        met_phi=np.pi,
    )
    sel = _sel046(events(ev))
    assert sel.passed.tolist() == [True]
    assert sel.values[0] == pytest.approx(500 + 400 + 50)
    assert [name for name, _ in sel.cutflow][-1] == "ST^gamma>600"
    # the Aachen alternative sums only the selected photon
    assert _sel046(events(ev), st_photons="selected").values[0] == pytest.approx(900)


def test_046_each_cut_can_fail() -> None:
    good = dict(photons=[g(400, 0.2, 0.0)], met=500, met_phi=np.pi)
    cases = {
        "endcap photon": dict(good, photons=[g(400, 1.6, 0.0)]),
        "soft photon": dict(good, photons=[g(170, 0.2, 0.0)]),
        "jet next to photon": dict(good, jets=[g(60, 0.6, 0.0)]),  # dR = 0.4
        "jet along pTmiss": dict(good, jets=[g(120, 0.0, np.pi - 0.2)]),
        "low pTmiss": dict(good, met=250),
        "low MT": dict(good, met=500, met_phi=0.5),  # MT = 2*sqrt(400*500)*sin(0.25)
        "low ST": dict(good, photons=[g(250, 0.2, 0.0)], met=320),  # ST = 570
    }
    evs = events(event(**good), *(event(**c) for c in cases.values()))
    sel = _sel046(evs)
    assert sel.passed.tolist() == [True] + [False] * len(cases)
    # a jet along pTmiss below 100 GeV does not veto; a jet at dR 0.25 is the photon itself
    ok = events(
        event(**dict(good, jets=[g(90, 0.0, np.pi - 0.1)])),
        event(**dict(good, jets=[g(100, 0.45, 0.0)])),
    )
    assert _sel046(ok).passed.tolist() == [True, True]
    assert _sel046(
        events(event(**dict(good, jets=[g(100, 0.45, 0.0)]))), jet_cleaning_cone=0.2
    ).passed.tolist() == [False]


def test_046_isolation_any_versus_leading_and_mt_photon() -> None:
    # the leading photon has a jet at dR = 0.35 (kept by a 0.3 cleaning cone), the second is isolated
    ev = event(
        photons=[g(600, 0.0, 0.0), g(300, 0.5, 2.0)],
        jets=[g(80, 0.35, 0.0)],
        met=500,
        met_phi=-1.0,
    )
    assert _sel046(events(ev)).passed.tolist() == [True]
    assert _sel046(events(ev), isolated_photon="leading").passed.tolist() == [False]


def test_046_cutflow_is_cumulative() -> None:
    evs = events(
        event(photons=[g(400, 0.2)], met=500, met_phi=np.pi),
        event(photons=[g(400, 0.2)], met=100, met_phi=np.pi),
        event(),
    )
    sel = _sel046(evs)
    counts = [int(m.sum()) for _, m in sel.cutflow]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] == 2 and counts[-1] == 1
    np.testing.assert_array_equal(sel.cutflow[-1][1], sel.passed)


def test_046_trigger_weight() -> None:
    sel = s046.select(
        events(event(photons=[g(400)], met=500, met_phi=np.pi)), s046.Choices(photon_eff="none")
    )
    assert sel.weight[0] == pytest.approx(0.943)


# ----------------------------------------------------------------------------- CMS-SUS-16-047


def _sel047(evs: ak.Array, region: str, **kw: object) -> s047.Selection:
    choices = s047.Choices(**{**NO_EFF_047.__dict__, **kw})  # type: ignore[arg-type]
    return s047.select(evs, region, choices)


def test_047_ht_gamma_counts_jets_and_photons() -> None:
    ev = event(
        photons=[g(300, 0.1, 0.0), g(200, -0.5, 2.0)],
        jets=[
            g(900, 1.0, -2.0),
            g(700, -1.0, 1.0),
            g(40, 0.2, 0.1),
            g(25, 0.0, 3.0),
            g(50, 3.5, 0),
        ],
        met=500,
        met_phi=-1.5,
    )
    evs = events(ev)
    # the 40-GeV jet is within 0.4 of the leading photon; 25 GeV and |eta| 3.5 jets are not counted
    photons = s047.selected_photons(evs, "none")
    assert s047.ht_gamma(evs, photons, 0.4)[0] == pytest.approx(900 + 700 + 300 + 200)
    assert s047.ht_gamma(evs, photons[:, :1], 0.4)[0] == pytest.approx(900 + 700 + 300)
    assert _sel047(evs, "high").passed.tolist() == [True]
    assert _sel047(evs, "low").passed.tolist() == [False]
    # the paper's definition (leading photon only) moves this event to the low region
    assert _sel047(evs, "low", ht_photons="leading").passed.tolist() == [True]


def test_047_dphi_veto_both_sides() -> None:
    base = dict(photons=[g(300, 0.1, 0.0)], jets=[g(900, 1.0, 2.0)], met=400)
    evs = events(
        event(**base, met_phi=0.2),  # parallel
        event(**base, met_phi=np.pi - 0.2),  # anti-parallel
        event(**base, met_phi=1.5),
    )
    assert _sel047(evs, "low").passed.tolist() == [False, False, True]
    assert _sel047(evs, "low", dphi_both_sides=False).passed.tolist() == [False, True, True]


def test_047_regions_and_met_threshold() -> None:
    evs = events(
        event(photons=[g(150, 0.0, 0.0)], jets=[g(500, 1, 2)], met=400, met_phi=1.5),  # HT 650
        event(photons=[g(150, 0.0, 0.0)], jets=[g(700, 1, 2)], met=340, met_phi=1.5),
        event(photons=[g(150, 0.0, 0.0)], jets=[g(700, 1, 2)], met=360, met_phi=1.5),
        event(photons=[g(150, 2.0, 0.0)], jets=[g(700, 1, 2)], met=360, met_phi=1.5),  # endcap
        event(photons=[g(150, 0.0, 0.0)], jets=[g(1900, 1, 2)], met=700, met_phi=1.5),
    )
    low, high = _sel047(evs, "low"), _sel047(evs, "high")
    assert low.passed.tolist() == [False, False, True, False, False]
    assert high.passed.tolist() == [False, False, False, False, True]
    assert high.values[4] == pytest.approx(700)
    assert low.weight[0] == 1.0
    assert s047.select(evs, "low").weight[0] == pytest.approx(0.96)


def test_recasts_are_registered_for_all_variants() -> None:
    from colliderbench.recasts import recast_for

    for sim in ("sus-16-046_sim-T5Wg", "sus-16-047_sim-T6gg_lowHT"):
        for kind in ("sim", "shape", "yield"):
            assert recast_for(sim.replace("_sim-", f"_{kind}-")).task_id == sim


def test_card_efficiency_divided_out_is_the_detectors() -> None:
    from colliderbench.physics.detector.objects import photon_efficiency

    pt = np.array([50.0, 50.0, 50.0, 50.0, 300.0])
    eta = np.array([0.0, 1.49, 1.51, 2.4, -1.2])
    np.testing.assert_allclose(po.card_photon_efficiency(eta), photon_efficiency(pt, eta))


def test_unknown_task_is_a_user_error() -> None:
    from colliderbench.errors import UserError
    from colliderbench.recasts import recast_for

    with pytest.raises(UserError):
        recast_for("sus-16-999_sim-nothing")
