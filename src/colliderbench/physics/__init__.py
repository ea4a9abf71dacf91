"""The simulation stack: SUSY models, Pythia 8 generation, CMS fast simulation, cross sections.

A library with no knowledge of the benchmark. Names are re-exported lazily (module ``__getattr__``)
so ``colliderbench xsec`` does not pay for importing Pythia, awkward or FastJet. The submodules
``generate`` and ``simulate`` keep their module names (``physics.simulate.simulate(...)`` runs the chain).
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> submodule that defines it
_EXPORTS: dict[str, str] = {
    # models
    "MODELS": "models",
    "Model": "models",
    "PROCESSES": "models",
    "Z_FILTERS": "models",
    "get_model": "models",
    "model_slha": "models",
    "write_slha": "models",
    # generation
    "GenerationSpec": "generate",
    "generate_chunk": "generate",
    "chunk_seeds": "generate",
    # cross sections
    "CrossSection": "xsec",
    "cross_section": "xsec",
    # the chain
    "simulate_chunk": "simulate",
    "sample_from_model": "simulate",
    "sample_from_slha": "simulate",
    "sample_from_lhe": "simulate",
    # detector and file I/O
    "simulate_detector": "detector",
    "DetectorConfig": "detector",
    "partons_from_record": "detector",
    "write_delphes": "delphes_io",
    "read_delphes": "delphes_io",
    "read_metadata": "delphes_io",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'colliderbench.physics' has no attribute {name!r}")
    return getattr(importlib.import_module(f"colliderbench.physics.{module}"), name)
