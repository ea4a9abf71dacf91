"""13 TeV NLO+NLL SUSY production cross sections from the shipped working-group tables.

The CMS 2016 searches normalise their simplified-model signals with these numbers (not with the
generator's LO rate), so every yield in the benchmark goes through :func:`cross_section`. Tables and
their sources: ``data/xsec/PROVENANCE.md``.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from colliderbench.errors import UserError

DATA_DIR = Path(__file__).resolve().parent / "data" / "xsec"

# process name -> (CSV file, what it is)
TABLES: dict[str, tuple[str, str]] = {
    "gluino_pair": ("gluino_pair_13TeV_NLONLL.csv", "pp -> gluino gluino, squarks decoupled"),
    "stop_pair": ("stop_pair_13TeV_NLONLL.csv", "pp -> stop1 stop1*, all else decoupled"),
    "squark_antisquark": (
        "squark_antisquark_13TeV_NLONLL.csv",
        "pp -> squark antisquark, 10 degenerate squarks (u,d,s,c,b; L,R), gluino decoupled",
    ),
    "wino_c1n2": ("wino_C1N2_13TeV_NLONLL.csv", "pp -> chargino1+- neutralino2, pure wino"),
    "wino_c1pn2": ("wino_C1pN2_13TeV_NLONLL.csv", "pp -> chargino1+ neutralino2, pure wino"),
    "wino_c1mn2": ("wino_C1mN2_13TeV_NLONLL.csv", "pp -> chargino1- neutralino2, pure wino"),
    "wino_c1c1": ("wino_C1C1_13TeV_NLONLL.csv", "pp -> chargino1+ chargino1-, pure wino"),
}

# other spellings people (and agents) use for the same tables
ALIASES: dict[str, str] = {
    "gluino_gluino": "gluino_pair",
    "gluglu": "gluino_pair",
    "stop_antistop": "stop_pair",
    "stopstop": "stop_pair",
    "sbottom_pair": "stop_pair",
    "squark_pair": "squark_antisquark",
    "wino_n2c1": "wino_c1n2",
    "n2c1": "wino_c1n2",
    "c1n2": "wino_c1n2",
    "c1c1": "wino_c1c1",
}


@dataclass(frozen=True)
class CrossSection:
    """One interpolated cross section; the uncertainty is the table's symmetric total one."""

    process: str
    mass_gev: float
    value_pb: float
    rel_unc: float

    @property
    def value_fb(self) -> float:
        return self.value_pb * 1000.0

    @property
    def unc_pb(self) -> float:
        return self.value_pb * self.rel_unc

    @property
    def unc_fb(self) -> float:
        return self.value_fb * self.rel_unc

    def as_dict(self) -> dict[str, float | str]:
        out: dict[str, float | str] = dict(asdict(self))
        # rounded to 10 significant digits so the fb figures print as the tables do
        out.update(
            {
                k: float(f"{v:.10g}")
                for k, v in (
                    ("value_fb", self.value_fb),
                    ("unc_pb", self.unc_pb),
                    ("unc_fb", self.unc_fb),
                )
            }
        )
        out["order"] = "NLO+NLL"
        out["sqrt_s_tev"] = 13.0
        return out


def canonical_process(name: str) -> str:
    """The table name for ``name`` (case-insensitive, with common aliases); UserError if unknown."""
    key = name.strip().lower().replace("-", "_")
    key = ALIASES.get(key, key)
    if key not in TABLES:
        raise UserError(
            f"unknown cross-section process {name!r}; choose one of {', '.join(TABLES)}"
        )
    return key


@functools.cache
def table(process: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mass GeV, sigma pb, relative uncertainty) arrays of one process, sorted by mass."""
    fname = TABLES[canonical_process(process)][0]
    data = np.loadtxt(DATA_DIR / fname, delimiter=",", skiprows=1, ndmin=2)
    order = np.argsort(data[:, 0])
    data = data[order]
    return data[:, 0], data[:, 1], data[:, 2] / 100.0


def mass_range(process: str) -> tuple[float, float]:
    masses, _, _ = table(process)
    return float(masses[0]), float(masses[-1])


def cross_section(process: str, mass: float) -> CrossSection:
    """NLO+NLL sigma at ``mass``: exact at table points, log-linear in sigma in between.

    Cross sections fall close to exponentially with mass, so interpolating log(sigma) keeps the
    error far below the tables' own uncertainty; outside the table we refuse rather than extrapolate.
    """
    name = canonical_process(process)
    try:
        m = float(mass)
    except (TypeError, ValueError):
        raise UserError(f"mass must be a number in GeV, got {mass!r}") from None
    masses, sigma, rel = table(name)
    lo, hi = float(masses[0]), float(masses[-1])
    if not np.isfinite(m) or m < lo or m > hi:
        raise UserError(
            f"mass {mass:g} GeV is outside the {name} table ({lo:g}-{hi:g} GeV); "
            "no extrapolation is done"
        )
    exact = np.flatnonzero(masses == m)
    if exact.size:
        value, rel_unc = float(sigma[exact[0]]), float(rel[exact[0]])
    else:
        value = float(np.exp(np.interp(m, masses, np.log(sigma))))
        rel_unc = float(np.interp(m, masses, rel))
    return CrossSection(process=name, mass_gev=m, value_pb=value, rel_unc=rel_unc)
