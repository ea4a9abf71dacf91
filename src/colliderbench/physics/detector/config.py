"""Detector options and the fixed constants of the Delphes 3.5.0 CMS card.

The defaults reproduce the card (``../shared/detector/delphes-cms-card.md``) with two documented
deviations, both needed by the CMS 2016 SUSY searches this package serves:

* ``jet_radius = 0.4`` (CMS AK4 jets); the card clusters with R = 0.5 (``jet_radius=0.5`` restores it).
* the gravitino (PDG 1000039) and every other neutral state with |PDG| > 1000000 are invisible. The
  card gives the gravitino no energy fraction, so it falls to the default (100 % HCAL) and GMSB
  models would lose their missing momentum.

Readings of the card where it is not literal code (each a choice, stated here):

* Charged particles reach the calorimeter at their momentum η (the card's prompt-particle rule); their
  φ there is bent along the helix, through the barrel or an endcap.
* Track/calorimeter combination: the card's "(w_trk E_trk + w_calo E) / E_trk" is read as the
  resolution-weighted mean (w_trk E_trk + w_calo E) / (w_trk + w_calo) divided by E_trk, the only
  dimensionally consistent reading.
* Unique objects share a constituent when they share a generator particle: a tower shares every
  particle that deposited in it, a track its own particle.

Additions beyond the card: the ``Track`` collection (charged eflow tracks above ``track_pt_min``
with a relative charged-track isolation in ``track_isolation_dr``) for isolated-track vetoes,
``MissingET.Eta`` and ``Track.Mass`` (what coffea's DelphesSchema expects), and two options, off by
default: a CMS-2016 CSVv2 "medium" b-tag working point and a mini-isolation variant for leptons.
"""

from __future__ import annotations

from dataclasses import dataclass

from colliderbench.errors import UserError

# --- ParticlePropagator (card section 1)
MAGNETIC_FIELD_T = 3.8
TRACKER_RADIUS_M = 1.29
TRACKER_HALF_LENGTH_M = 3.0
# curvature radius in metres of a |q| = 1 track: r = pT / (C * B) with C = c / 1e9 in GeV / (T m)
GEV_PER_TESLA_METRE = 0.299792458

# --- invisible particles: neutrinos, the card's neutralinos, and (our fix) the gravitino
NEUTRINOS = (12, 14, 16)
INVISIBLE_PIDS = (12, 14, 16, 1000022, 1000023, 1000025, 1000035, 1000045, 1000039)

# --- b-tagging working points: efficiency of b, c and light jets as functions of jet pT (GeV)
BTAG_WORKING_POINTS = ("card", "cms2016_medium")
# CMS 2016 CSVv2 medium (CMS-BTV-16-002, JINST 13 (2018) P05011, tt-bar jets with pT > 20 GeV):
# about 63 % for b jets, 12 % for c jets and 0.9 % for light-flavour jets, taken flat in pT.
CMS2016_MEDIUM_EFFICIENCY = {"b": 0.63, "c": 0.12, "light": 0.009}

ISOLATION_VARIANTS = ("card", "mini")
JET_RADII = (0.4, 0.5)


@dataclass(frozen=True)
class DetectorConfig:
    """What a user may switch. Everything else is the card, fixed.

    ``jet_radius``: anti-kT R (0.4 CMS AK4, default; 0.5 the card).
    ``btag_working_point``: ``"card"`` (the card's pT-dependent formulas) or ``"cms2016_medium"``.
    ``lepton_isolation``: ``"card"`` (ΔR = 0.5, relative cut 0.12 e / 0.25 μ) or ``"mini"``
    (CMS 2016 mini-isolation: ΔR = 10 GeV / pT clamped to [0.05, 0.2], cut 0.1 e / 0.2 μ).
    ``gravitino_invisible``: our fix of the card (False reproduces the card's HCAL deposit).
    ``track_pt_min``: pT threshold of the ``Track`` collection (isolated-track vetoes).
    ``track_isolation_dr``: cone of the ``Track`` relative charged isolation.
    """

    jet_radius: float = 0.4
    jet_pt_min: float = 20.0
    btag_working_point: str = "card"
    lepton_isolation: str = "card"
    gravitino_invisible: bool = True
    track_pt_min: float = 5.0
    track_isolation_dr: float = 0.3

    def __post_init__(self) -> None:
        if not (0.05 <= float(self.jet_radius) <= 1.5):
            raise UserError(f"jet_radius {self.jet_radius} outside 0.05-1.5 (use 0.4 or 0.5)")
        if self.btag_working_point not in BTAG_WORKING_POINTS:
            raise UserError(
                f"btag_working_point {self.btag_working_point!r}; choose one of {BTAG_WORKING_POINTS}"
            )
        if self.lepton_isolation not in ISOLATION_VARIANTS:
            raise UserError(
                f"lepton_isolation {self.lepton_isolation!r}; choose one of {ISOLATION_VARIANTS}"
            )
