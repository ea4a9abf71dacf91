"""CMS-SUS-16-034 (arXiv:1709.08908): on-Z OCSF dileptons + jets + pTmiss, electroweak "VZ" region.

Task ``sus-16-034_sim-TChiWZ``: TChiWZ(550, 200) (wino chi1+- chi20 -> W chi10 Z chi10), binned in
pTmiss 100-150, 150-250, 250-350, >= 350 GeV (the last bin holds the overflow). The selection follows the paper (sections 4-5, Table 1); the cut
order of ``cutflow`` follows the official CMS cut-flow for this mass point (see
../shared/analyses/cms-sus-16-034.md section 5 and ``benchmarks/cutflow_sus16034.py``).

Selection
---------
1. Two OCSF leptons (ee or mumu): the two leading "analysis" leptons (e or mu, pT > 20 GeV,
   |eta| < 2.4 outside 1.4 < |eta| < 1.6), opposite charge, same flavour, leading pT > 25 GeV,
   ΔR(l1, l2) > 0.1, pT(ll) > 25 GeV.
2. Extra-lepton vetoes: no further e (mu) with pT > 10 GeV and |eta| < 2.5 (2.4); no isolated
   track (PF e/mu: pT > 5 GeV, relative track isolation < 0.2; charged hadron: pT > 10 GeV, < 0.1),
   the two selected leptons' own tracks excluded.
3. 86 < m_ll < 96 GeV.
4. N_jets >= 2 (pT > 35 GeV, |eta| < 2.4, ΔR > 0.4 from both selected leptons).
5. Δφ(pTmiss, j1) > 0.4 and Δφ(pTmiss, j2) > 0.4.
6. No b-tagged jet (pT > 25 GeV, |eta| < 2.4, lepton-cleaned).
7. M_T2(ll) > 80 GeV (massless invisible particles).
8. m_jj < 110 GeV for the two selected jets closest in φ.
9. pTmiss > 100 GeV (the histogram starts there).

Normalisation
-------------
The CMS sample forced Z -> ll (l = e, mu, tau), W inclusive, and its official cut-flow starts at
sigma x BR(Z -> ll) x L. We generate with the same Z filter (``z_filter="ll"``); the filter
efficiency is Pythia's open fraction of its own Z width (0.10057 with Pythia 8.317, against 0.10097
from the PDG), computed at initialisation and recorded in the sample metadata; it multiplies the
NLO+NLL cross section. Generating inclusively would need no factor at all.

Cut-flow
--------
``cutflow`` ends at the final selection (step 9, the events of the histogram); the yields above
pTmiss 150, 250 and 350 GeV are the histogram's bins, not cut-flow rows.

Ambiguities and their resolution
--------------------------------
Each alternative is a ``Choices`` in ``ALTERNATIVES``, re-applied to the same events by
``benchmarks/recast_validation.py --alternatives``. Measured on one 10k-event sample (seed 1,
default d = 0.073, MC stat on the total 4.5%); "change in d" is d(alternative) - d(default):

| choice (default) | alternative | change in d |
|---|---|---|
| card lepton efficiencies | CMS 2016 ID x isolation maps (``cms_lepton_eff``) | +0.112 |
| N_jets >= 2 (paper) | N_jets 2-3 (official cut-flow label) | +0.047 |
| m_jj < 110 GeV (paper) | m_jj < 150 GeV (official cut-flow label) | +0.055 |
| m_jj pair closest in phi among all jets | the two leading jets | +0.146 |
| isolated-track veto applied | no isolated-track veto | +0.044 |
| gap leptons count for the extra-lepton veto | gap leptons ignored | 0.000 (no event changes) |
| the two leading leptons form the pair | any OCSF pair (the leading passing one) | 0.000 (see below) |
| no photon-jet cleaning | jets within 0.4 of the leading photon removed | 0.000 (no event changes) |

- Lepton isolation: the paper's cone (0.2 / 10 GeV/pT / 0.05) and cuts (0.1 e, 0.2 mu) are exactly
  the detector's "mini" isolation variant, used instead of the card's fixed ΔR = 0.5 cone.
- Lepton efficiencies: only the card's (0.95 / 0.85) are applied; the CMS maps are an alternative.
  Trigger efficiency (90-96%) and fast-simulation scale factors are not applied either.
- Official cut-flow labels "2-3 jets" and "m_jj < 150" contradict the paper (>= 2 jets, 110 GeV);
  we follow the paper.
- Isolated-track veto (paper section 4, part of the "extra-lepton vetoes" step): applied.
- Leptons in the ECAL transition 1.4 < |eta| < 1.6 are not analysis leptons but still count for
  the extra-lepton veto (the veto definition has no gap).
- Lepton pair: "two OCSF leptons" is taken as the two leading analysis leptons. With "any OCSF
  pair" a third analysis lepton is vetoed at step 2 anyway, so the final selection is the same
  by construction; only events move between cut-flow steps 1 and 2 (3% of the sample).
- Jet cleaning against "the highest-pT photon" (paper section 4) is not applied: the detector's
  unique-object removal already drops jets that contain an isolated photon (in the 10k sample,
  one jet lies within 0.4 of the ~960 cleaning photons). The alternative
  removes jets within ΔR < 0.4 of the leading photon with pT > 25 GeV, |eta| < 2.4 outside the
  transition region and Δφ(pTmiss, photon) > 0.4 (the paper's photon definition).
- m_jj uses all selected jets (pT > 35 GeV) when choosing the pair closest in φ (the paper: "the
  two jets closest in φ"), not only the two leading jets. Of all the choices this one moves d
  most: with the leading pair the selected total falls by a fifth.

The step-by-step comparison with the official CMS cut-flow is ``benchmarks/cutflow_sus16034.py``
(its outcome is summarised in docs/recasts.md, not here).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

import awkward as ak
import numpy as np

from colliderbench.recasts._lepton_kinematics import mt2_ll
from colliderbench.recasts._objects import (
    btag_bit,
    clean_against,
    delta_phi,
    delta_r,
    four_vector_sum_mass,
    leptons,
    met_vector,
)
from colliderbench.recasts.base import Recast, Selection

MET_BINS = (100.0, 150.0, 250.0, 350.0, 450.0)

# detector options: CMS AK4 jets (default R = 0.4), CSVv2 medium b tagging, and the paper's lepton
# isolation, which is exactly the detector's "mini" variant (cone 0.2 / 10 GeV/pT / 0.05, relative
# cut 0.1 for electrons and 0.2 for muons)
DETECTOR = {"btag_working_point": "cms2016_medium", "lepton_isolation": "mini"}

# Analysis thresholds (paper sections 4-5)
LEP_PT_LEAD, LEP_PT_SUB = 25.0, 20.0
LEP_ETA = 2.4
GAP = (1.4, 1.6)
MLL_WINDOW = (86.0, 96.0)
JET_PT, JET_ETA = 35.0, 2.4
BJET_PT = 25.0
DPHI_JET_MET = 0.4
MT2_CUT = 80.0
MJJ_CUT = 110.0
MET_MIN = 100.0
PHOTON_PT, PHOTON_ETA, PHOTON_DPHI_MET = 25.0, 2.4, 0.4  # photons for jet cleaning (alternative)


def analysis_leptons(events: ak.Array) -> ak.Array:
    """e/mu with pT > 20 GeV, |eta| < 2.4, outside the 1.4-1.6 transition, sorted by pT."""
    lep = leptons(events)
    aeta = abs(lep.Eta)
    good = (lep.PT > LEP_PT_SUB) & (aeta < LEP_ETA) & ~((aeta > GAP[0]) & (aeta < GAP[1]))
    return lep[good]


# CMS 2016 lepton identification x isolation efficiencies for this analysis (SUS PAG "Moriond 2017"
# maps for ttbar events, as tabulated in ../shared/analyses/cms-sus-16-034.md section 7), for
# pT >= 20 GeV. Used only by the alternative "cms_lepton_eff", as a ratio to the card's efficiency.
_PT_EDGES = np.array([20.0, 25.0, 30.0, 40.0, 50.0])
_EL_ETA_EDGES = np.array([0.0, 0.8, 1.442, 1.556, 2.0])
_EL_EFF = np.array(
    [
        [0.619, 0.669, 0.700, 0.737, 0.790],
        [0.625, 0.658, 0.720, 0.712, 0.793],
        [0.338, 0.372, 0.360, 0.365, 0.416],
        [0.576, 0.531, 0.614, 0.644, 0.712],
        [0.440, 0.527, 0.585, 0.606, 0.648],
    ]
)
_MU_ETA_EDGES = np.array([0.0, 0.9, 1.2, 2.1])
_MU_EFF = np.array(
    [
        [0.869, 0.889, 0.910, 0.929, 0.930],
        [0.857, 0.880, 0.893, 0.937, 0.930],
        [0.891, 0.894, 0.901, 0.912, 0.927],
        [0.803, 0.818, 0.817, 0.855, 0.869],
    ]
)


def cms_lepton_efficiency_ratio(pt: np.ndarray, eta: np.ndarray, flavour: np.ndarray) -> np.ndarray:
    """CMS ID x isolation efficiency divided by the detector card's lepton efficiency (per lepton)."""
    ipt = np.clip(np.searchsorted(_PT_EDGES, pt, side="right") - 1, 0, len(_PT_EDGES) - 1)
    aeta = np.abs(eta)
    ie = np.clip(np.searchsorted(_EL_ETA_EDGES, aeta, side="right") - 1, 0, len(_EL_ETA_EDGES) - 1)
    im = np.clip(np.searchsorted(_MU_ETA_EDGES, aeta, side="right") - 1, 0, len(_MU_ETA_EDGES) - 1)
    card_el = np.where(aeta <= 1.5, 0.95, 0.85)
    return np.where(flavour == 11, _EL_EFF[ie, ipt] / card_el, _MU_EFF[im, ipt] / 0.95)


def extra_lepton_count(events: ak.Array, *, gap_in_veto: bool = True) -> np.ndarray:
    """Number of veto-definition leptons (e: pT > 10, |eta| < 2.5; mu: pT > 10, |eta| < 2.4).

    ``gap_in_veto=False`` ignores leptons in the 1.4-1.6 transition, as for analysis leptons.
    """
    el, mu = events.Electron, events.Muon
    acc_el = (el.PT > 10.0) & (abs(el.Eta) < 2.5)
    acc_mu = (mu.PT > 10.0) & (abs(mu.Eta) < 2.4)
    if not gap_in_veto:
        acc_el = acc_el & ~((abs(el.Eta) > GAP[0]) & (abs(el.Eta) < GAP[1]))
        acc_mu = acc_mu & ~((abs(mu.Eta) > GAP[0]) & (abs(mu.Eta) < GAP[1]))
    return ak.to_numpy(ak.sum(acc_el, axis=1) + ak.sum(acc_mu, axis=1))


def isolated_track_count(events: ak.Array, selected: ak.Array) -> np.ndarray:
    """Isolated tracks (PF e/mu pT > 5, iso < 0.2; hadrons pT > 10, iso < 0.1), not the selected leptons."""
    trk = events.Track
    trk = trk[abs(trk.Eta) < 2.4]
    pair = ak.cartesian({"t": trk, "l": selected}, axis=1, nested=True)
    dr = delta_r(pair.t.Eta, pair.t.Phi, pair.l.Eta, pair.l.Phi)
    own = ak.fill_none(ak.any(dr < 0.02, axis=2), False)
    is_lep = (abs(trk.PID) == 11) | (abs(trk.PID) == 13)
    iso_lep = is_lep & (trk.PT > 5.0) & (trk.IsolationVar < 0.2)
    iso_had = ~is_lep & (trk.PT > 10.0) & (trk.IsolationVar < 0.1)
    return ak.to_numpy(ak.sum((iso_lep | iso_had) & ~own, axis=1))


def mjj_closest_in_phi(jets: ak.Array) -> np.ndarray:
    """Invariant mass of the pair of jets with the smallest |Δφ| (NaN with fewer than 2 jets)."""
    a, b = ak.unzip(ak.combinations(jets, 2, axis=1))
    dphi = abs(delta_phi(a.Phi, b.Phi))
    best = ak.argmin(dphi, axis=1, keepdims=True)
    a, b = ak.firsts(a[best]), ak.firsts(b[best])
    m = four_vector_sum_mass(a.PT, a.Eta, a.Phi, a.Mass, b.PT, b.Eta, b.Phi, b.Mass)
    return ak.to_numpy(ak.fill_none(m, np.nan)).astype(np.float64)


def mjj_leading_pair(jets: ak.Array) -> np.ndarray:
    """Invariant mass of the two leading jets (NaN with fewer than 2 jets)."""
    return mjj_closest_in_phi(jets[:, :2])


def leading_cleaning_photon(events: ak.Array, met_phi: np.ndarray) -> ak.Array:
    """The highest-pT photon of the paper's definition (pT > 25 GeV, |eta| < 2.4 outside the
    1.4-1.6 transition, Δφ(pTmiss, photon) > 0.4), as a list of at most one per event."""
    ph = events.Photon
    aeta = abs(ph.Eta)
    ok = (
        (ph.PT > PHOTON_PT)
        & (aeta < PHOTON_ETA)
        & ~((aeta > GAP[0]) & (aeta < GAP[1]))
        & (abs(delta_phi(ph.Phi, met_phi)) > PHOTON_DPHI_MET)
    )
    ph = ph[ok]
    return ph[ak.argsort(ph.PT, axis=1, ascending=False)][:, :1]


def ocsf_pair(lep: ak.Array, any_pair: bool) -> tuple[ak.Array, ak.Array]:
    """(l1, l2): the two leading analysis leptons, or with ``any_pair`` the leading pair (in the
    pT order of its leptons) that passes the OCSF, pT, ΔR and pT(ll) requirements."""
    if not any_pair:
        two = ak.pad_none(lep, 2, axis=1)[:, :2]
        return two[:, 0], two[:, 1]
    a, b = ak.unzip(ak.combinations(lep, 2, axis=1))
    ok = _pair_ok(a, b)
    return ak.firsts(a[ok]), ak.firsts(b[ok])


def _pt_ll(l1: ak.Array, l2: ak.Array) -> ak.Array:
    return np.hypot(
        l1.PT * np.cos(l1.Phi) + l2.PT * np.cos(l2.Phi),
        l1.PT * np.sin(l1.Phi) + l2.PT * np.sin(l2.Phi),
    )


def _pair_ok(l1: ak.Array, l2: ak.Array) -> ak.Array:
    return (
        (l1.flavour == l2.flavour)
        & (l1.Charge * l2.Charge < 0)
        & (l1.PT > LEP_PT_LEAD)
        & (delta_r(l1.Eta, l1.Phi, l2.Eta, l2.Phi) > 0.1)
        & (_pt_ll(l1, l2) > 25.0)
    )


@dataclass(frozen=True)
class Choices:
    """The resolution of each ambiguity (see the module docstring)."""

    njet_max: int | None = None  # None (paper: >= 2) | 3 (official cut-flow label "2-3 jets")
    mjj_cut: float = MJJ_CUT  # 110 (paper) | 150 (official cut-flow label)
    mjj_jets: str = "all"  # "all" | "leading": jets among which the pair closest in phi is chosen
    lepton_pair: str = "leading"  # "leading" | "any_ocsf"
    photon_cleaning: bool = False  # remove jets within 0.4 of the leading photon
    gap_in_veto: bool = True  # transition-region leptons count for the extra-lepton veto
    track_veto: bool = True
    cms_lepton_eff: bool = False  # CMS ID x isolation maps instead of the card's efficiencies


DEFAULT = Choices()

# Alternatives to the choices above, re-applied on the same events by
# benchmarks/recast_validation.py --alternatives (measured effects in the module docstring).
ALTERNATIVES: dict[str, Choices] = {
    "N_jets 2-3 (official cut-flow label)": replace(DEFAULT, njet_max=3),
    "m_jj < 150 GeV (official cut-flow label)": replace(DEFAULT, mjj_cut=150.0),
    "m_jj pair from the two leading jets": replace(DEFAULT, mjj_jets="leading"),
    "any OCSF pair, not the two leading leptons": replace(DEFAULT, lepton_pair="any_ocsf"),
    "jets cleaned against the leading photon": replace(DEFAULT, photon_cleaning=True),
    "gap leptons ignored by the extra-lepton veto": replace(DEFAULT, gap_in_veto=False),
    "no isolated-track veto": replace(DEFAULT, track_veto=False),
    "CMS lepton ID x iso efficiency maps instead of the card's": replace(
        DEFAULT, cms_lepton_eff=True
    ),
}


def select_vz(events: ak.Array, choices: Choices = DEFAULT) -> Selection:
    """The VZ electroweak signal region; values = pTmiss, cut-flow in the official CMS order.

    ``choices`` switches to an alternative reading (see ``ALTERNATIVES``).
    """
    if choices.mjj_jets not in ("all", "leading"):
        raise ValueError(f"unknown mjj_jets choice {choices.mjj_jets!r}")
    if choices.lepton_pair not in ("leading", "any_ocsf"):
        raise ValueError(f"unknown lepton_pair choice {choices.lepton_pair!r}")
    n = len(events)
    met, met_phi = met_vector(events)

    lep = analysis_leptons(events)
    l1, l2 = ocsf_pair(lep, choices.lepton_pair == "any_ocsf")
    zero = l1.PT * 0.0
    mll = four_vector_sum_mass(l1.PT, l1.Eta, l1.Phi, zero, l2.PT, l2.Eta, l2.Phi, zero)
    c_pair = ak.to_numpy(ak.fill_none(_pair_ok(l1, l2), False))

    if choices.lepton_pair == "leading":
        selected = lep[:, :2]
    else:
        selected = ak.concatenate([ak.singletons(l1), ak.singletons(l2)], axis=1)
    c_veto = extra_lepton_count(events, gap_in_veto=choices.gap_in_veto) <= 2
    if choices.track_veto:
        c_veto = c_veto & (isolated_track_count(events, selected) == 0)
    c_mll = ak.to_numpy(ak.fill_none((mll > MLL_WINDOW[0]) & (mll < MLL_WINDOW[1]), False))

    jets = events.Jet
    jets = clean_against(jets[abs(jets.Eta) < JET_ETA], selected, 0.4)
    if choices.photon_cleaning:
        jets = clean_against(jets, leading_cleaning_photon(events, met_phi), 0.4)
    sig_jets = jets[jets.PT > JET_PT]
    bjets = jets[(jets.PT > BJET_PT) & btag_bit(jets)]
    njet = ak.to_numpy(ak.num(sig_jets, axis=1))
    c_njet = njet >= 2
    if choices.njet_max is not None:
        c_njet = c_njet & (njet <= choices.njet_max)

    lead = ak.pad_none(sig_jets, 2, axis=1)
    dphi1 = abs(delta_phi(lead[:, 0].Phi, met_phi))
    dphi2 = abs(delta_phi(lead[:, 1].Phi, met_phi))
    c_dphi = ak.to_numpy(ak.fill_none((dphi1 > DPHI_JET_MET) & (dphi2 > DPHI_JET_MET), False))
    c_bveto = ak.to_numpy(ak.num(bjets, axis=1)) == 0

    # M_T2 is only computed where it can matter (its minimisation is the costly step).
    before_mt2 = c_pair & c_veto & c_mll & c_njet & c_dphi & c_bveto
    mt2 = np.full(n, np.nan)
    idx = np.flatnonzero(before_mt2)
    if idx.size:
        pts = ak.to_numpy(selected.PT[idx]).reshape(-1, 2)
        phis = ak.to_numpy(selected.Phi[idx]).reshape(-1, 2)
        mt2[idx] = mt2_ll(pts, phis, met[idx], met_phi[idx])
    c_mt2 = np.nan_to_num(mt2, nan=-1.0) > MT2_CUT
    mjj = (mjj_leading_pair if choices.mjj_jets == "leading" else mjj_closest_in_phi)(sig_jets)
    c_mjj = np.nan_to_num(mjj, nan=np.inf) < choices.mjj_cut

    steps = [
        ("two OCSF leptons, pT > 25 (20) GeV", c_pair),
        ("extra-lepton and isolated-track vetoes", c_veto),
        ("86 < m_ll < 96 GeV", c_mll),
        (
            "N_jets >= 2" if choices.njet_max is None else f"2 <= N_jets <= {choices.njet_max}",
            c_njet,
        ),
        ("dphi(pTmiss, j1,2) > 0.4", c_dphi),
        ("b-tag veto", c_bveto),
        ("M_T2(ll) > 80 GeV", c_mt2),
        (f"m_jj < {choices.mjj_cut:g} GeV", c_mjj),
        ("pTmiss > 100 GeV", met > MET_MIN),
    ]
    cutflow: list[tuple[str, np.ndarray]] = [("all events", np.ones(n, dtype=bool))]
    mask = np.ones(n, dtype=bool)
    for name, cut in steps:
        mask = mask & np.asarray(cut, dtype=bool)
        cutflow.append((name, mask.copy()))
    weight = np.ones(n)
    if choices.cms_lepton_eff:
        ok = np.flatnonzero(c_pair)
        pts = ak.to_numpy(selected.PT[ok]).reshape(-1, 2)
        etas = ak.to_numpy(selected.Eta[ok]).reshape(-1, 2)
        flav = ak.to_numpy(selected.flavour[ok]).reshape(-1, 2)
        weight[ok] = np.prod(cms_lepton_efficiency_ratio(pts, etas, flav), axis=1)
    return Selection(values=met, passed=mask, weight=weight, cutflow=cutflow)


def select_with(choices: Choices):  # type: ignore[no-untyped-def]
    """``select_vz`` with other ambiguity choices (picklable)."""
    return partial(select_vz, choices=choices)


RECASTS: list[Recast] = [
    Recast(
        task_id="sus-16-034_sim-TChiWZ",
        model="TChiWZ",
        masses={"chargino1": 550.0, "neutralino2": 550.0, "neutralino1": 200.0},
        xsec_process="wino_c1n2",
        xsec_mass=550.0,
        select=select_vz,
        generation={"z_filter": "ll"},
        detector=DETECTOR,
        notes="VZ region; Z -> ee/mumu/tautau forced as in the CMS sample, the filter efficiency "
        "is Pythia's open Z width fraction (computed at initialisation).",
    )
]
