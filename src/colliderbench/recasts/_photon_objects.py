"""Object definitions shared by the photon searches CMS-SUS-16-046 and CMS-SUS-16-047.

Columnar helpers over the Delphes-layout event record (docs/architecture.md): angles, the CMS 2016
loose photon ID + pixel-veto efficiency map, jet cleaning, transverse mass.

Photon identification
---------------------
The fast simulation applies the Delphes CMS card's flat photon efficiency (0.95 for |eta| <= 1.5,
0.85 up to 2.5), which stands for reconstruction *and* identification together. The CMS analyses
select photons passing the loose cut-based ID and the pixel-seed veto, whose efficiency CMS measured
and published as the map ``photon_eff_LoosePixelVeto.root`` (shipped with the tasks). We let the map
*replace* the card's flat value: each detector-level photon is kept with probability
``eps_map(pT, |eta|) / eps_card(|eta|)``, so the overall photon efficiency equals the map. Outside
the map: below 20 GeV the first E_T bin, above 500 GeV the last one (flat extension), zero in the
barrel-endcap gap 1.4442 < |eta| < 1.566 and beyond |eta| = 2.5 (no CMS photon ID there).

The keep/drop decision is a Bernoulli draw whose uniform number is a hash of the photon's own
(pT, eta, phi) rounded to float32: deterministic, independent of how events are split into chunks or
files, and identical when ``analysis/analysis.py`` replays the selection on the ROOT files.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import awkward as ak
import numpy as np

EFFICIENCY_MAP_NAME = "photon_eff_LoosePixelVeto.root"
EB_ETA_MAX = 1.4442  # ECAL barrel acceptance of the CMS photon ID
EE_ETA_MIN = 1.566
PHOTON_ETA_MAX = 2.5

# Delphes CMS card photon efficiency (delphes-cms-card.md section 6), divided out when the map applies
CARD_PHOTON_EFF_BARREL = 0.95  # |eta| <= 1.5, pT > 10 GeV
CARD_PHOTON_EFF_ENDCAP = 0.85  # 1.5 < |eta| <= 2.5


def delta_phi(phi1: ak.Array | np.ndarray, phi2: ak.Array | np.ndarray) -> ak.Array | np.ndarray:
    """Azimuthal difference wrapped into [-pi, pi)."""
    return (phi1 - phi2 + np.pi) % (2.0 * np.pi) - np.pi


def delta_r(eta1, phi1, eta2, phi2):  # type: ignore[no-untyped-def]
    """Distance in the (eta, phi) plane."""
    return np.hypot(eta1 - eta2, delta_phi(phi1, phi2))


def min_delta_r(objs: ak.Array, refs: ak.Array) -> ak.Array:
    """For every object, the Delta R to the nearest reference object (inf when there is none)."""
    pairs = ak.cartesian({"o": objs, "r": refs}, axis=1, nested=True)
    dr = delta_r(pairs.o.Eta, pairs.o.Phi, pairs.r.Eta, pairs.r.Phi)
    return ak.fill_none(ak.min(dr, axis=2), np.inf)


def mt(pt: np.ndarray, phi: np.ndarray, met: np.ndarray, met_phi: np.ndarray) -> np.ndarray:
    """Transverse mass of a massless object and the missing transverse momentum."""
    return np.sqrt(np.maximum(2.0 * pt * met * (1.0 - np.cos(phi - met_phi)), 0.0))


def met_and_phi(events: ak.Array) -> tuple[np.ndarray, np.ndarray]:
    """(pTmiss, phi) per event as float64 numpy arrays."""
    met = ak.to_numpy(ak.fill_none(ak.firsts(events.MissingET.MET), 0.0)).astype(np.float64)
    phi = ak.to_numpy(ak.fill_none(ak.firsts(events.MissingET.Phi), 0.0)).astype(np.float64)
    return met, phi


def first(values: ak.Array, default: float = 0.0) -> np.ndarray:
    """First entry of each event's list as float64 numpy, ``default`` for an empty list."""
    return ak.to_numpy(ak.fill_none(ak.firsts(values, axis=1), default)).astype(np.float64)


def sort_by_pt(objs: ak.Array) -> ak.Array:
    return objs[ak.argsort(objs.PT, axis=1, ascending=False)]


# --------------------------------------------------------------------------- efficiency map


def _parse_range(label: str) -> tuple[float, float]:
    nums = re.findall(r"[-+]?\d*\.?\d+", label)
    if len(nums) != 2:
        raise ValueError(f"cannot read a bin range from label {label!r}")
    return float(nums[0]), float(nums[1])


@cache
def photon_efficiency_table(
    path: str | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(|eta| bins (k, 2), E_T bins (m, 2), efficiencies (k, m)) read from the CMS map.

    The TH2F's axes carry text labels ("(0.8,1.4442)", "90 - 500"), not numeric edges, so the bin
    ranges are parsed from the labels.
    """
    import uproot

    if path is None:
        from colliderbench.corpus import asset_path

        path = str(asset_path(EFFICIENCY_MAP_NAME))
    with uproot.open(Path(path)) as f:
        hist = f["PhotonEfficiency"]
        values = np.asarray(hist.values(), dtype=np.float64)
        eta_bins = np.array([_parse_range(x) for x in hist.axis(0).labels()])
        et_bins = np.array([_parse_range(x) for x in hist.axis(1).labels()])
    if values.shape != (len(eta_bins), len(et_bins)):
        raise ValueError(f"unexpected photon efficiency map shape {values.shape}")
    return eta_bins, et_bins, values


def photon_id_efficiency(pt: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """CMS loose ID + pixel veto efficiency of photons (flat numpy arrays in, same shape out)."""
    eta_bins, et_bins, values = photon_efficiency_table()
    abseta = np.abs(np.asarray(eta, dtype=np.float64))
    pt = np.asarray(pt, dtype=np.float64)
    # E_T: clamp into the map (flat extension below 20 and above 500 GeV)
    i_et = np.searchsorted(et_bins[:, 1], pt, side="right")
    i_et = np.clip(i_et, 0, len(et_bins) - 1)
    i_eta = np.searchsorted(eta_bins[:, 1], abseta, side="right")
    inside = np.zeros(abseta.shape, dtype=bool)
    ok = i_eta < len(eta_bins)
    i_eta_c = np.clip(i_eta, 0, len(eta_bins) - 1)
    inside[ok] = abseta[ok] >= eta_bins[i_eta_c[ok], 0]
    return np.where(inside, values[i_eta_c, i_et], 0.0)


def card_photon_efficiency(eta: np.ndarray) -> np.ndarray:
    """The Delphes CMS card's own photon efficiency (for pT > 10 GeV), to be divided out."""
    abseta = np.abs(np.asarray(eta, dtype=np.float64))
    return np.where(
        abseta <= 1.5,
        CARD_PHOTON_EFF_BARREL,
        np.where(abseta <= PHOTON_ETA_MAX, CARD_PHOTON_EFF_ENDCAP, 0.0),
    )


def _splitmix64(x: np.ndarray) -> np.ndarray:
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def object_uniform(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray, salt: int = 0) -> np.ndarray:
    """A uniform number in [0, 1) per object, a pure function of its float32 (pT, eta, phi)."""
    with np.errstate(over="ignore"):
        h = np.full(np.shape(pt), np.uint64(salt), dtype=np.uint64)
        for comp in (pt, eta, phi):
            bits = np.asarray(comp, dtype=np.float32).view(np.uint32).astype(np.uint64)
            h = _splitmix64(h ^ bits)
    return (h >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def identified_photons(events: ak.Array, mode: str = "replace") -> ak.Array:
    """Photons passing the CMS loose ID + pixel veto, emulated with the efficiency map.

    ``mode``: ``"replace"`` keeps a photon with probability map/card (the map replaces the card's
    flat efficiency), ``"multiply"`` with probability map (the map on top of the card: ID on top of
    reconstruction), ``"none"`` keeps every detector-level photon.
    """
    photons = events.Photon
    if mode == "none":
        return photons
    counts = ak.num(photons)
    pt = ak.to_numpy(ak.flatten(photons.PT)).astype(np.float64)
    eta = ak.to_numpy(ak.flatten(photons.Eta)).astype(np.float64)
    phi = ak.to_numpy(ak.flatten(photons.Phi)).astype(np.float64)
    eff = photon_id_efficiency(pt, eta)
    if mode == "replace":
        card = card_photon_efficiency(eta)
        eff = np.divide(eff, card, out=np.zeros_like(eff), where=card > 0)
    elif mode != "multiply":
        raise ValueError(f"unknown photon efficiency mode {mode!r}")
    keep = object_uniform(pt, eta, phi) < eff
    return photons[ak.unflatten(keep, counts)]


def clean_jets(jets: ak.Array, refs: list[ak.Array], cone: float) -> ak.Array:
    """Drop jets within Delta R < ``cone`` of any object of ``refs`` (photons, leptons)."""
    for ref in refs:
        jets = jets[min_delta_r(jets, ref) >= cone]
    return jets
