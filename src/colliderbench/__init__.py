"""colliderbench: autonomous coding agents reproduce published LHC searches for new physics.

The public API is re-exported from the subpackages: ``colliderbench.scoring`` (metrics),
``colliderbench.corpus`` (tasks), ``colliderbench.physics`` (simulation stack),
``colliderbench.recasts`` (reference analyses), ``colliderbench.harness`` (runs).
"""

__version__ = "0.1.0"
