"""CMS-SUS-16-046 (arXiv:1711.08008): GMSB in the gamma + pTmiss final state.

Tasks ``sus-16-046_sim-T5Wg`` (T5Wg 1750/1700) and ``sus-16-046_sim-TChiWg`` (TChiWg 700), binned
in S_T^gamma: 600-800, 800-1000, 1000-1300, > 1300 GeV (the last bin holds the overflow).
Written from the paper (sections 4-5, Table 1) and ../shared/analyses/cms-sus-16-046.md.

Objects
-------
- Photons: detector-level photons passing the CMS loose ID + pixel veto, emulated with the published
  efficiency map (``_photon_objects.identified_photons``); pT > 15 GeV (the paper's candidate
  threshold).
- Jets: pT > 30 GeV, |eta| < 3, geometrically isolated from the identified photons and from the
  electrons and muons (cone ``jet_cleaning_cone``).
- pTmiss: the detector's MissingET.

Selection (cut-flow order)
--------------------------
1. ``photon``: >= 1 photon with pT > 180 GeV in the barrel, |eta| < 1.4442.
2. ``dR(photon, jet) > 0.5``: such a photon with no cleaned jet within Delta R < 0.5.
3. ``dphi(pTmiss, jet) > 0.3``: every cleaned jet with pT > 100 GeV has Delta phi > 0.3.
4. ``pTmiss > 300``.
5. ``MT > 300``: M_T(gamma, pTmiss) of the leading selected photon.
6. ``ST > 600``: S_T^gamma = pTmiss + sum of photon pT.
The trigger (single photon pT > 165 GeV) is fully efficient after step 1 up to the measured
efficiency 94.3 +- 0.4% (paper section 5), applied as a constant event weight. "At least one
vertex" and the pTmiss noise filters have no counterpart in the simulation (always passed).

Ambiguities, the choice made, and the alternative (measured effect on d at the end of this
docstring; re-measure with ``benchmarks/recast_validation.py --alternatives``)
---------------------------------------------------------------------------------------
- Photons in S_T^gamma: *all* identified photons with pT > 15 GeV, |eta| < 2.5 (the paper's words
  "all photons in the event"). Alternative ``st_photons="selected"``: only photons passing steps 1-2
  (pT > 180, barrel, jet-isolated), as in the RWTH Aachen synchronisation code.
- Jet-photon cleaning cone before the Delta R > 0.5 requirement: 0.3 (the photon isolation cone of
  the paper's photon ID). Alternatives 0.2 (GAMBIT) and 0.4. In our detector simulation a jet that
  shares a constituent with an isolated photon is already removed (Delphes UniqueObjectFinder), so
  the cone only matters for jets next to a photon.
- Which photon must be jet-isolated: *any* photon with pT > 180 GeV in the barrel (the paper:
  "the photons are required to have Delta R > 0.5"). Alternative ``isolated_photon="leading"``: the
  leading barrel photon must be isolated.
- Photon of M_T: the leading photon among those passing steps 1-2 (the photon that selected the
  event; "the photon of highest energy" among selected photons). Alternative
  ``mt_photon="highest_energy"``: the highest-energy identified photon anywhere in |eta| < 2.5.
- Photon efficiency map: replaces the card's flat photon efficiency (``photon_eff="replace"``).
  Alternatives ``"multiply"`` (map on top of the card) and ``"none"`` (card only).
- Trigger efficiency 0.943 applied (alternative: not applied, 1.0).
- T5Wg events: the paper's 50/50 gluino decays, all events (0, 1 or 2 photons). The paper also
  calls T5Wg the model with "one photon and one W boson in the final state", which is how the
  SUS-16-047 group built its T5Wg yields (``cms_sus_16_047``). Measured at 1750/1700 (4000 events,
  seed 1, CMS's gluino decay table, see ``cms_sus_16_047``): the gamma W events only
  (``simulate --neutralino-count 1``) at sigma x L x 0.5 give d = 0.40 (total 33.6), and as if
  that final state had probability 1, d = 0.20 (total 67.1), against d = 0.088 (total 58.5) for
  the full mixture; we keep the mixture.
- Not modelled: CMS fast-simulation scale factors, pileup, the EWK ISR reweighting in pT of the
  SUSY system (factors 1.18 -> 0.78, intermediate values not published).

Measured effect of each alternative on d (same 4000 events per point, seed 1; default d = 0.088 for
T5Wg 1750/1700 with CMS's gluino decay table, 0.090 for TChiWg 700 in an earlier session; MC stat on
the total 2.3% / 2.7%)

| alternative | change in d, T5Wg | change in d, TChiWg |
|---|---|---|
| st_photons=selected | -0.013 | -0.001 |
| jet_cleaning_cone=0.2 or 0.4 | 0.000 / +0.001 | 0.000 |
| isolated_photon=leading | -0.007 | 0.000 |
| mt_photon=highest_energy | -0.003 | 0.000 |
| photon_eff=multiply | -0.040 | +0.051 |
| photon_eff=none | +0.123 | -0.040 |
| trigger_efficiency=1 | +0.065 | -0.051 |

The geometric choices hardly matter for these signals; the photon efficiency treatment and the
trigger efficiency move the normalisation by 5-15% in opposite directions for the two points, so
no single global factor would improve both: we keep the documented physics choices.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

import awkward as ak
import numpy as np

from colliderbench.recasts._photon_objects import (
    EB_ETA_MAX,
    PHOTON_ETA_MAX,
    clean_jets,
    delta_phi,
    first,
    identified_photons,
    met_and_phi,
    min_delta_r,
    mt,
    sort_by_pt,
)
from colliderbench.recasts.base import Recast, Selection

ST_BINS = (600.0, 800.0, 1000.0, 1300.0)

PHOTON_PT_MIN = 15.0
PHOTON_PT_SEL = 180.0
JET_PT, JET_ETA = 30.0, 3.0
DR_PHOTON_JET = 0.5
DPHI_JET_PT, DPHI_MIN = 100.0, 0.3
MET_MIN, MT_MIN, ST_MIN = 300.0, 300.0, 600.0
TRIGGER_EFFICIENCY = 0.943  # paper section 5: 94.3 +- 0.4%, flat in the analysis variables


@dataclass(frozen=True)
class Choices:
    """The resolution of each ambiguity of the paper (see the module docstring)."""

    st_photons: str = "all"  # "all" | "selected"
    jet_cleaning_cone: float = 0.3
    isolated_photon: str = "any"  # "any" | "leading"
    mt_photon: str = "selected"  # "selected" | "highest_energy"
    photon_eff: str = "replace"  # "replace" | "multiply" | "none"
    trigger_efficiency: float = TRIGGER_EFFICIENCY


DEFAULT = Choices()

# Alternatives measured by benchmarks/recast_validation.py --alternatives (name -> Choices)
ALTERNATIVES: dict[str, Choices] = {
    "st_photons=selected": replace(DEFAULT, st_photons="selected"),
    "jet_cleaning_cone=0.2": replace(DEFAULT, jet_cleaning_cone=0.2),
    "jet_cleaning_cone=0.4": replace(DEFAULT, jet_cleaning_cone=0.4),
    "isolated_photon=leading": replace(DEFAULT, isolated_photon="leading"),
    "mt_photon=highest_energy": replace(DEFAULT, mt_photon="highest_energy"),
    "photon_eff=multiply": replace(DEFAULT, photon_eff="multiply"),
    "photon_eff=none": replace(DEFAULT, photon_eff="none"),
    "trigger_efficiency=1": replace(DEFAULT, trigger_efficiency=1.0),
}


def analysis_photons(events: ak.Array, photon_eff: str = "replace") -> ak.Array:
    """Identified photons with pT > 15 GeV and |eta| < 2.5, leading first."""
    photons = identified_photons(events, photon_eff)
    photons = photons[(photons.PT > PHOTON_PT_MIN) & (np.abs(photons.Eta) < PHOTON_ETA_MAX)]
    return sort_by_pt(photons)


def analysis_jets(events: ak.Array, photons: ak.Array, cone: float) -> ak.Array:
    """Jets pT > 30, |eta| < 3, cleaned against identified photons, electrons and muons."""
    jets = events.Jet
    jets = jets[(jets.PT > JET_PT) & (np.abs(jets.Eta) < JET_ETA)]
    return clean_jets(jets, [photons, events.Electron, events.Muon], cone)


def st_gamma(met: np.ndarray, photons: ak.Array) -> np.ndarray:
    """S_T^gamma = pTmiss + scalar sum of the pT of the given photons."""
    return met + ak.to_numpy(ak.sum(photons.PT, axis=1)).astype(np.float64)


def jets_away_from_met(jets: ak.Array, met_phi: np.ndarray) -> np.ndarray:
    """True when every jet with pT > 100 GeV is more than 0.3 rad in phi from pTmiss."""
    hard = jets[jets.PT > DPHI_JET_PT]
    close = np.abs(delta_phi(hard.Phi, met_phi)) <= DPHI_MIN
    return ~ak.to_numpy(ak.any(close, axis=1))


def select(events: ak.Array, choices: Choices = DEFAULT) -> Selection:
    """The signal-region selection of CMS-SUS-16-046; observable S_T^gamma."""
    met, met_phi = met_and_phi(events)
    photons = analysis_photons(events, choices.photon_eff)
    jets = analysis_jets(events, photons, choices.jet_cleaning_cone)

    barrel = photons[(photons.PT > PHOTON_PT_SEL) & (np.abs(photons.Eta) < EB_ETA_MAX)]
    isolated = min_delta_r(barrel, jets) > DR_PHOTON_JET
    if choices.isolated_photon == "leading":
        isolated = isolated & (ak.local_index(barrel.PT) == 0)
    elif choices.isolated_photon != "any":
        raise ValueError(f"unknown isolated_photon choice {choices.isolated_photon!r}")
    selected = barrel[isolated]

    has_photon = ak.to_numpy(ak.num(barrel) > 0)
    has_isolated = ak.to_numpy(ak.num(selected) > 0)
    dphi_ok = jets_away_from_met(jets, met_phi)

    if choices.mt_photon == "selected":
        mt_pt, mt_phi = first(selected.PT), first(selected.Phi)
    elif choices.mt_photon == "highest_energy":
        by_e = photons[ak.argsort(photons.E, axis=1, ascending=False)]
        mt_pt, mt_phi = first(by_e.PT), first(by_e.Phi)
    else:
        raise ValueError(f"unknown mt_photon choice {choices.mt_photon!r}")
    mt_gamma = mt(mt_pt, mt_phi, met, met_phi)

    if choices.st_photons == "all":
        st = st_gamma(met, photons)
    elif choices.st_photons == "selected":
        st = st_gamma(met, selected)
    else:
        raise ValueError(f"unknown st_photons choice {choices.st_photons!r}")

    cuts = [
        ("photon pT>180 |eta|<1.4442", has_photon),
        ("dR(photon, jet)>0.5", has_isolated),
        ("dphi(pTmiss, jets pT>100)>0.3", dphi_ok),
        ("pTmiss>300", met > MET_MIN),
        ("MT(photon, pTmiss)>300", mt_gamma > MT_MIN),
        ("ST^gamma>600", st > ST_MIN),
    ]
    cutflow, mask = [], np.ones(len(met), dtype=bool)
    for name, cut in cuts:
        mask = mask & cut
        cutflow.append((name, mask))
    weight = np.full(len(met), choices.trigger_efficiency)
    return Selection(values=st, passed=mask, weight=weight, cutflow=cutflow)


def select_with(choices: Choices):  # type: ignore[no-untyped-def]
    """``select`` with other ambiguity choices (picklable)."""
    return partial(select, choices=choices)


NOTES = (
    "CMS-SUS-16-046 signal region; S_T^gamma with all identified photons; photon ID from the CMS "
    "LoosePixelVeto map replacing the card efficiency; trigger efficiency 0.943."
)

RECASTS: list[Recast] = [
    Recast(
        task_id="sus-16-046_sim-T5Wg",
        model="T5Wg",
        masses={"gluino": 1750.0, "nlsp": 1700.0, "gravitino": 0.0},
        xsec_process="gluino_pair",
        xsec_mass=1750.0,
        select=select,
        detector={"jet_radius": 0.4},
        notes=NOTES,
    ),
    Recast(
        task_id="sus-16-046_sim-TChiWg",
        model="TChiWg",
        masses={"nlsp": 700.0, "gravitino": 0.0},
        xsec_process="wino_c1n2",
        xsec_mass=700.0,
        select=select,
        detector={"jet_radius": 0.4},
        notes=NOTES,
    ),
]
