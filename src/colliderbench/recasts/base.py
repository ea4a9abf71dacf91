"""The two records every reference recast is made of.

A recast module (one per paper) exposes ``RECASTS: list[Recast]``; each ``Recast`` names the signal
point it needs and a ``select`` function from detector-level events (the Delphes-layout record of
docs/architecture.md) to a ``Selection``. Normalisation, binning and output are done once, in
``recasts.solve``, so every analysis is normalised the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import awkward as ak
import numpy as np


@dataclass
class Selection:
    """Result of one analysis on N generated events.

    ``values`` is the binned observable (GeV); ``passed`` the final signal-region selection;
    ``weight`` the per-event weight factor (object efficiency maps etc., 1.0 if none); ``cutflow``
    the cumulative boolean masks in cut order; the last one must equal ``passed``, so the last
    cut-flow row is the selected total (per-bin numbers are the histogram's, not cut-flow rows).
    """

    values: np.ndarray
    passed: np.ndarray
    weight: np.ndarray
    cutflow: list[tuple[str, np.ndarray]]

    def __post_init__(self) -> None:
        self.values = np.asarray(self.values, dtype=np.float64)
        self.passed = np.asarray(self.passed, dtype=bool)
        w = np.asarray(self.weight, dtype=np.float64)
        self.weight = np.broadcast_to(w, self.values.shape).copy() if w.ndim == 0 else w
        n = self.values.shape[0]
        if self.passed.shape != (n,) or self.weight.shape != (n,):
            raise ValueError(
                f"Selection arrays disagree: values {self.values.shape}, "
                f"passed {self.passed.shape}, weight {self.weight.shape}"
            )
        self.cutflow = [(name, np.asarray(mask, dtype=bool)) for name, mask in self.cutflow]
        for name, mask in self.cutflow:
            if mask.shape != (n,):
                raise ValueError(f"cut-flow mask {name!r} has shape {mask.shape}, expected ({n},)")
        if self.cutflow and not np.array_equal(self.cutflow[-1][1], self.passed):
            raise ValueError(
                f"the last cut-flow mask {self.cutflow[-1][0]!r} is not the final selection"
            )

    @property
    def n_events(self) -> int:
        return int(self.values.shape[0])


@dataclass(frozen=True)
class Recast:
    """One signal point and the analysis that selects it (one per *sim* task id)."""

    task_id: str
    model: str
    masses: Mapping[str, float]
    xsec_process: str
    xsec_mass: float
    select: Callable[[ak.Array], Selection]
    generation: Mapping[str, object] = field(default_factory=dict)
    detector: Mapping[str, object] = field(default_factory=dict)
    notes: str = ""

    def __post_init__(self) -> None:
        # private copies (plain dicts so a Recast pickles into worker processes)
        object.__setattr__(self, "masses", {k: float(v) for k, v in self.masses.items()})
        object.__setattr__(self, "generation", dict(self.generation))
        object.__setattr__(self, "detector", dict(self.detector))
