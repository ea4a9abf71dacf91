"""Vectorised fast detector simulation equal to the Delphes 3.5.0 CMS card (see ``config`` for the
documented deviations: AK4 jets by default, an invisible gravitino).

``simulate_detector(particles, config, seed, partons=None)`` turns generator particles of many events
into the Delphes collections of docs/architecture.md.
"""

from colliderbench.physics.detector.config import DetectorConfig
from colliderbench.physics.detector.reconstruction import simulate_detector
from colliderbench.physics.detector.tagging import partons_from_record

__all__ = ["DetectorConfig", "partons_from_record", "simulate_detector"]
