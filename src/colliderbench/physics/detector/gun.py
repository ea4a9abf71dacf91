"""Particle guns: generator-level events built directly, for validating the detector without Pythia.

``particle_gun(211, 1000, pt=50, eta=(-1, 1))`` gives 1000 one-particle events in the generator
layout (``pid, px, py pz, e, m, charge``); :func:`merge_events` puts several guns into the same
events (e.g. a photon next to a few pions).
"""

from __future__ import annotations

import awkward as ak
import numpy as np

# masses (GeV) and charges of the particles the tests and benchmarks shoot
_PROPERTIES: dict[int, tuple[float, float]] = {
    11: (0.000511, -1.0),
    13: (0.10566, -1.0),
    22: (0.0, 0.0),
    111: (0.13498, 0.0),
    130: (0.49761, 0.0),
    211: (0.13957, 1.0),
    2112: (0.93957, 0.0),
    12: (0.0, 0.0),
    1000022: (100.0, 0.0),
    1000039: (0.0, 0.0),
}


def particle_gun(
    pid: int,
    n_events: int,
    pt: float | tuple[float, float] | np.ndarray,
    eta: float | tuple[float, float] | np.ndarray = 0.0,
    phi: float | tuple[float, float] | np.ndarray | None = None,
    seed: int = 0,
) -> ak.Array:
    """``n_events`` events with one particle each; a (low, high) tuple draws uniformly in that range.

    ``phi=None`` draws φ uniformly in [-π, π). Antiparticles (negative pid) flip the charge.
    """
    rng = np.random.default_rng(seed)

    def draw(
        value: float | tuple[float, float] | np.ndarray | None, default: tuple[float, float]
    ) -> np.ndarray:
        if value is None:
            value = default
        if isinstance(value, tuple):
            return rng.uniform(value[0], value[1], n_events)
        return np.broadcast_to(np.asarray(value, dtype=np.float64), (n_events,)).copy()

    mass, charge = _PROPERTIES.get(abs(pid), (0.0, 0.0))
    charge = charge if pid > 0 else -charge
    p_t, p_eta, p_phi = draw(pt, (0, 0)), draw(eta, (0, 0)), draw(phi, (-np.pi, np.pi))
    px, py, pz = p_t * np.cos(p_phi), p_t * np.sin(p_phi), p_t * np.sinh(p_eta)
    e = np.sqrt(px * px + py * py + pz * pz + mass * mass)
    record = ak.zip(
        {
            "pid": np.full(n_events, pid, dtype=np.int32),
            "px": px,
            "py": py,
            "pz": pz,
            "e": e,
            "m": np.full(n_events, mass),
            "charge": np.full(n_events, charge),
        }
    )
    return ak.unflatten(record, np.ones(n_events, dtype=np.int64))


def merge_events(*guns: ak.Array) -> ak.Array:
    """Event i of the result holds the particles of event i of every gun."""
    return ak.concatenate(guns, axis=1)
