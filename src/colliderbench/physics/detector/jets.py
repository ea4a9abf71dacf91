"""Anti-kT jets from energy-flow candidates (FastJet, all events at once) and the jet energy scale.

Card §11: anti-kT on eflow (tracks with their momenta, massless towers), jets with pT > 20 GeV
before the energy scale; then the 4-momentum is multiplied by
s = sqrt((2.5 - 0.15 |η|)² / pT + 1) with the uncorrected pT and η.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

import awkward as ak
import numpy as np


@dataclass
class FlatJets:
    """Jets of a chunk after the energy scale, flattened and grouped by event (PT-sorted inside)."""

    evt: np.ndarray
    pt: np.ndarray
    eta: np.ndarray
    phi: np.ndarray
    mass: np.ndarray
    constituent_start: np.ndarray  # jet i's constituents: constituents[start[i]:start[i+1]]
    constituents: np.ndarray  # indices into the chunk's flat eflow arrays


_banner_shown = False


@contextlib.contextmanager
def _quiet_stdout():
    """Silence file descriptor 1 (FastJet prints its banner from C++ on the first clustering)."""
    import os
    import sys

    try:
        sys.stdout.flush()
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
    except (OSError, ValueError):  # no usable stdout (closed, or a daemon): nothing to protect
        yield
        return
    try:
        os.dup2(devnull, 1)
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def jet_energy_scale(pt: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Card §11 factor s = sqrt((2.5 - 0.15 |η|)² / pT + 1)."""
    return np.sqrt((2.5 - 0.15 * np.abs(eta)) ** 2 / pt + 1.0)


def cluster_jets(
    evt: np.ndarray,
    px: np.ndarray,
    py: np.ndarray,
    pz: np.ndarray,
    e: np.ndarray,
    n_events: int,
    radius: float,
    pt_min: float,
) -> FlatJets:
    """Anti-kT over every event of the chunk in one FastJet call; JES applied, PT-sorted per event."""
    global _banner_shown
    import fastjet

    counts = np.bincount(evt, minlength=n_events)
    inputs = ak.unflatten(ak.zip({"px": px, "py": py, "pz": pz, "E": e}), counts)
    definition = fastjet.JetDefinition(fastjet.antikt_algorithm, float(radius))
    quiet = _quiet_stdout() if not _banner_shown else contextlib.nullcontext()
    with quiet:
        sequence = fastjet.ClusterSequence(inputs, definition)
        jets = sequence.inclusive_jets(min_pt=pt_min)
        constituents = sequence.constituent_index(min_pt=pt_min)
    _banner_shown = _banner_shown or len(px) > 0
    n_jets = ak.to_numpy(ak.num(jets, axis=1))
    j_evt = np.repeat(np.arange(n_events), n_jets)
    flat = ak.flatten(jets, axis=1)
    jpx, jpy, jpz, je = (
        np.asarray(ak.to_numpy(flat[f]), dtype=np.float64) for f in ("px", "py", "pz", "E")
    )
    # constituent indices are per event: shift by the event's first eflow entry
    per_jet = ak.flatten(constituents, axis=1)
    c_counts = ak.to_numpy(ak.num(per_jet, axis=1))
    c_local = np.asarray(ak.to_numpy(ak.flatten(per_jet, axis=1)), dtype=np.int64)
    event_start = np.concatenate(([0], np.cumsum(counts)[:-1]))
    c_global = c_local + np.repeat(event_start[j_evt], c_counts)
    pt = np.hypot(jpx, jpy)
    eta = np.arcsinh(jpz / pt)
    s = jet_energy_scale(pt, eta)
    jpx, jpy, jpz, je, pt = jpx * s, jpy * s, jpz * s, je * s, pt * s
    phi = np.arctan2(jpy, jpx)
    mass = np.sqrt(np.maximum(je * je - jpx * jpx - jpy * jpy - jpz * jpz, 0.0))
    # sort by event, then decreasing corrected pT
    order = np.lexsort((-pt, j_evt))
    c_start = np.concatenate(([0], np.cumsum(c_counts)))
    new_counts = c_counts[order]
    new_start = np.concatenate(([0], np.cumsum(new_counts)))
    within = np.arange(new_start[-1]) - np.repeat(new_start[:-1], new_counts)
    gather = np.repeat(c_start[:-1][order], new_counts) + within
    return FlatJets(
        j_evt[order], pt[order], eta[order], phi[order], mass[order],
        new_start, c_global[gather],
    )  # fmt: skip
