"""The detector chain in the card's module order (card §0), over a whole chunk of events at once.

propagation -> tracking -> ECAL/HCAL + energy flow -> photons, electrons, muons (efficiency,
isolation) -> missing ET -> jets + energy scale -> flavour, b- and τ-tags -> unique objects ->
scalar HT; plus the ``Track`` collection (charged eflow tracks with a relative track isolation).

Every random number comes from one ``np.random.default_rng(seed)``, drawn in a fixed order, so a
seed gives identical output.
"""

from __future__ import annotations

import awkward as ak
import numpy as np

from colliderbench.physics.detector.config import DetectorConfig
from colliderbench.physics.detector.eflow import (
    KIND_PHOTON,
    KIND_TRACK,
    build_eflow,
    missing_et,
    reconstruct_tracks,
    run_calorimeters,
)
from colliderbench.physics.detector.jets import cluster_jets
from colliderbench.physics.detector.objects import (
    cone_sums,
    electron_efficiency,
    mini_isolation_cone,
    muon_efficiency,
    photon_efficiency,
)
from colliderbench.physics.detector.overlap import unique_objects
from colliderbench.physics.detector.propagation import propagate
from colliderbench.physics.detector.tagging import (
    TAU_MISTAG_RATE,
    TAU_TAG_EFFICIENCY,
    b_tag_efficiency,
    jet_flavour_and_tau_match,
    partons_from_record,
)

ISOLATION_DELTA_R = 0.5
ISOLATION_PT_MIN = 0.5
PHOTON_ISOLATION_MAX = 0.12
ELECTRON_ISOLATION_MAX = 0.12
MUON_ISOLATION_MAX = 0.25
# CMS 2016 SUSY mini-isolation cuts (tight electrons, medium muons)
MINI_ISOLATION_MAX = {"electron": 0.1, "muon": 0.2}


def _collection(n_events: int, evt: np.ndarray, fields: dict[str, np.ndarray]) -> ak.Array:
    counts = np.bincount(evt, minlength=n_events) if len(evt) else np.zeros(n_events, np.int64)
    return ak.unflatten(ak.zip(fields), counts)


def _f32(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=np.float32)


def simulate_detector(
    particles: ak.Array,
    config: DetectorConfig | None = None,
    seed: int = 0,
    partons: ak.Array | None = None,
) -> ak.Array:
    """Detector-level events (Delphes collections, see docs/architecture.md) from generator particles.

    ``particles``: one list per event with ``pid, px, py, pz, e, m, charge``; if it also has
    ``status`` (a full record), only status-1 particles are simulated and, unless ``partons`` is
    given, the partons for jet flavour come from the record. ``partons``: per event ``pid`` with
    ``pt, eta, phi`` or ``px, py, pz`` (quarks, gluons, hadronic τ with visible momentum); without
    them every jet has Flavor 0 (light mistag rates only) and no τ match.
    """
    config = config or DetectorConfig()
    if "status" in particles.fields:
        if partons is None and {"d1", "d2"} <= set(particles.fields):
            partons = partons_from_record(particles)
        particles = particles[particles["status"] == 1]
    rng = np.random.default_rng(seed)

    flat, n_events = propagate(particles, config.gravitino_invisible)
    tracks = reconstruct_tracks(flat, rng)
    calo = run_calorimeters(flat, tracks, rng)
    eflow = build_eflow(calo)

    # isolation objects: eflow minus electrons and muons, pT >= 0.5 GeV
    apid = np.abs(eflow.pid)
    iso = (apid != 11) & (apid != 13) & (eflow.pt >= ISOLATION_PT_MIN)
    iso_id = np.flatnonzero(iso)
    iso_args = (
        eflow.evt[iso],
        eflow.eta[iso],
        eflow.phi[iso],
        eflow.pt[iso],
        eflow.charge[iso] != 0,
        iso_id,
    )

    def relative_isolation(sel: np.ndarray, cone: np.ndarray | float) -> np.ndarray:
        cone_arr = np.broadcast_to(np.asarray(cone, dtype=np.float64), sel.shape).copy()
        ch, neu = cone_sums(
            eflow.evt[sel], eflow.eta[sel], eflow.phi[sel], sel, cone_arr, *iso_args, n_events
        )
        return (ch + np.maximum(neu, 0.0)) / eflow.pt[sel]

    # photons: eflow photons -> efficiency -> isolation
    ph = np.flatnonzero(eflow.kind == KIND_PHOTON)
    ph_u = rng.random(len(ph))
    ph = ph[ph_u <= photon_efficiency(eflow.pt[ph], eflow.eta[ph])]
    ph_iso = relative_isolation(ph, ISOLATION_DELTA_R)
    keep = ph_iso <= PHOTON_ISOLATION_MAX
    ph, ph_iso = ph[keep], ph_iso[keep]

    # electrons and muons: eflow tracks -> efficiency -> isolation
    def leptons(pid: int, efficiency, card_max: float, kind: str) -> tuple[np.ndarray, np.ndarray]:
        cand = np.flatnonzero((eflow.kind == KIND_TRACK) & (apid == pid))
        u = rng.random(len(cand))
        cand = cand[u <= efficiency(eflow.pt[cand], eflow.eta[cand])]
        if config.lepton_isolation == "mini":
            rel = relative_isolation(cand, mini_isolation_cone(eflow.pt[cand]))
            cut = MINI_ISOLATION_MAX[kind]
        else:
            rel = relative_isolation(cand, ISOLATION_DELTA_R)
            cut = card_max
        ok = rel <= cut
        return cand[ok], rel[ok]

    el, el_iso = leptons(11, electron_efficiency, ELECTRON_ISOLATION_MAX, "electron")
    mu, mu_iso = leptons(13, muon_efficiency, MUON_ISOLATION_MAX, "muon")

    met, met_phi, met_eta = missing_et(eflow, n_events)

    jets = cluster_jets(
        eflow.evt,
        eflow.px,
        eflow.py,
        eflow.pz,
        eflow.e,
        n_events,
        config.jet_radius,
        config.jet_pt_min,
    )
    flavour, tau_match = jet_flavour_and_tau_match(jets.evt, jets.eta, jets.phi, partons, n_events)
    b_u = rng.random(len(jets.pt))
    btag = (b_u <= b_tag_efficiency(flavour, jets.pt, config.btag_working_point)).astype(np.int32)
    t_u = rng.random(len(jets.pt))
    tautag = (t_u <= np.where(tau_match, TAU_TAG_EFFICIENCY, TAU_MISTAG_RATE)).astype(np.int32)

    unique = unique_objects(calo, eflow, len(flat), ph, el, mu, jets)
    el, el_iso = el[unique.electrons], el_iso[unique.electrons]
    mu, mu_iso = mu[unique.muons], mu_iso[unique.muons]
    jet_ok = unique.jets

    # Track collection (extension): charged eflow tracks above track_pt_min, relative isolation from
    # all other charged eflow tracks within track_isolation_dr
    charged = np.flatnonzero(eflow.kind == KIND_TRACK)
    tk = charged[eflow.pt[charged] > config.track_pt_min]
    tk_cone = np.full(len(tk), config.track_isolation_dr)
    ch_sum, _ = cone_sums(
        eflow.evt[tk], eflow.eta[tk], eflow.phi[tk], tk, tk_cone, eflow.evt[charged], eflow.eta[charged],
        eflow.phi[charged], eflow.pt[charged], np.ones(len(charged), bool), charged, n_events,
    )  # fmt: skip
    tk_iso = ch_sum / eflow.pt[tk]

    # scalar HT of the unique objects
    ht = (
        np.bincount(jets.evt[jet_ok], weights=jets.pt[jet_ok], minlength=n_events)
        + np.bincount(eflow.evt[el], weights=eflow.pt[el], minlength=n_events)
        + np.bincount(eflow.evt[mu], weights=eflow.pt[mu], minlength=n_events)
        + np.bincount(eflow.evt[ph], weights=eflow.pt[ph], minlength=n_events)
    )

    def lepton_fields(sel: np.ndarray, rel: np.ndarray) -> dict[str, np.ndarray]:
        return {
            "PT": _f32(eflow.pt[sel]),
            "Eta": _f32(eflow.eta[sel]),
            "Phi": _f32(eflow.phi[sel]),
            "Charge": eflow.charge[sel].astype(np.int32),
            "IsolationVar": _f32(rel),
        }

    one = np.arange(n_events)
    out = {
        "Jet": _collection(
            n_events,
            jets.evt[jet_ok],
            {
                "PT": _f32(jets.pt[jet_ok]),
                "Eta": _f32(jets.eta[jet_ok]),
                "Phi": _f32(jets.phi[jet_ok]),
                "Mass": _f32(jets.mass[jet_ok]),
                "BTag": btag[jet_ok],
                "TauTag": tautag[jet_ok],
                "Flavor": flavour[jet_ok].astype(np.int32),
            },
        ),
        "Electron": _collection(n_events, eflow.evt[el], lepton_fields(el, el_iso)),
        "Muon": _collection(n_events, eflow.evt[mu], lepton_fields(mu, mu_iso)),
        "Photon": _collection(
            n_events,
            eflow.evt[ph],
            {
                "PT": _f32(eflow.pt[ph]),
                "Eta": _f32(eflow.eta[ph]),
                "Phi": _f32(eflow.phi[ph]),
                "E": _f32(eflow.e[ph]),
                "IsolationVar": _f32(ph_iso),
            },
        ),
        "Track": _collection(
            n_events,
            eflow.evt[tk],
            {
                "PT": _f32(eflow.pt[tk]),
                "Eta": _f32(eflow.eta[tk]),
                "Phi": _f32(eflow.phi[tk]),
                "Charge": eflow.charge[tk].astype(np.int32),
                "Mass": _f32(flat.m[calo.tracks.particle[eflow.source[tk]]]),
                "PID": eflow.pid[tk].astype(np.int32),
                "IsolationVar": _f32(tk_iso),
            },
        ),
        "MissingET": _collection(
            n_events, one, {"MET": _f32(met), "Eta": _f32(met_eta), "Phi": _f32(met_phi)}
        ),
        "ScalarHT": _collection(n_events, one, {"HT": _f32(ht)}),
        "Event": _collection(n_events, one, {"Weight": np.ones(n_events, np.float32)}),
    }
    return ak.zip(out, depth_limit=1)
