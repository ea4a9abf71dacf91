"""UniqueObjectFinder (card §14): photons, then electrons, then muons, then jets.

An object is dropped when it shares a generator particle with an accepted object of an earlier
collection. Generator particles are the common currency: an eflow track holds its own particle, an
eflow photon or neutral hadron (a tower) every particle that deposited in it, a jet the union over
its constituents. Claims are a boolean per particle of the chunk, so the whole chunk is one pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from colliderbench.physics.detector.eflow import (
    KIND_NEUTRAL_HADRON,
    KIND_PHOTON,
    KIND_TRACK,
    Calorimetry,
    EFlow,
)
from colliderbench.physics.detector.jets import FlatJets


@dataclass
class UniqueObjects:
    """Masks over the isolated candidates (eflow indices) and over the jets: True = kept."""

    electrons: np.ndarray
    muons: np.ndarray
    jets: np.ndarray


def unique_objects(
    calo: Calorimetry,
    eflow: EFlow,
    n_particles: int,
    photons: np.ndarray,
    electrons: np.ndarray,
    muons: np.ndarray,
    jets: FlatJets,
) -> UniqueObjects:
    """Which electrons, muons and jets survive the card's overlap removal (photons always do)."""
    claimed = np.zeros(n_particles, dtype=bool)
    track_particle = calo.tracks.particle
    n_ecal, n_hcal = len(calo.ecal.key), len(calo.hcal.key)

    photon_tower = np.zeros(n_ecal, dtype=bool)
    photon_tower[eflow.source[photons]] = True
    claimed[calo.ecal_particle[photon_tower[calo.ecal.deposit_tower]]] = True

    def keep_unclaimed_then_claim(sel: np.ndarray) -> np.ndarray:
        particle = track_particle[eflow.source[sel]]
        free = ~claimed[particle]
        claimed[particle[free]] = True
        return free

    el_ok = keep_unclaimed_then_claim(electrons)
    mu_ok = keep_unclaimed_then_claim(muons)

    def tower_claimed(deposit_tower: np.ndarray, particle: np.ndarray, n: int) -> np.ndarray:
        return np.bincount(deposit_tower, weights=claimed[particle], minlength=n) > 0

    ecal_claimed = tower_claimed(calo.ecal.deposit_tower, calo.ecal_particle, n_ecal)
    hcal_claimed = tower_claimed(calo.hcal.deposit_tower, calo.hcal_particle, n_hcal)
    eflow_claimed = np.zeros(len(eflow.evt), dtype=bool)
    for kind, owner_claimed in (
        (KIND_TRACK, claimed[track_particle]),
        (KIND_PHOTON, ecal_claimed),
        (KIND_NEUTRAL_HADRON, hcal_claimed),
    ):
        sel = eflow.kind == kind
        eflow_claimed[sel] = owner_claimed[eflow.source[sel]]
    owner = np.repeat(np.arange(len(jets.pt)), np.diff(jets.constituent_start))
    hits = np.bincount(owner, weights=eflow_claimed[jets.constituents], minlength=len(jets.pt))
    return UniqueObjects(el_ok, mu_ok, hits == 0)
