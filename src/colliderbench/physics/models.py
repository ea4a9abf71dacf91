"""SUSY simplified models of the CMS 2016 searches as SLHA spectra + decay tables for Pythia 8.

Each model (T5Wg, T6gg, TChiWg, TChiWZ, T2tt, T2bW) is a handful of light sparticles with fixed
branching fractions; everything else is decoupled at ``DECOUPLED`` GeV. Pythia computes the
production matrix elements from the SLHA mass and mixing blocks and decays the sparticles with the
DECAY tables, so the mixing matrices matter: e.g. the TChiWg NLSP neutralino must be wino-like or its
W coupling (and the chargino-neutralino rate) vanishes. Conventions follow
``shared/analyses/simplified-models.md``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from colliderbench.errors import UserError

DECOUPLED = 1.0e5  # GeV: far beyond 13 TeV reach
M_W, M_Z, M_TOP = 80.4, 91.19, 172.5  # on-shell thresholds for the two-body decays

# PDG ids
GLUINO, GRAVITINO = 1000021, 1000039
N1, N2, N3, N4, C1, C2 = 1000022, 1000023, 1000025, 1000035, 1000024, 1000037
STOP1 = 1000006
LIGHT_SQUARKS = (1000001, 1000002, 1000003, 1000004, 2000001, 2000002, 2000003, 2000004)
ALL_SQUARKS = tuple(range(1000001, 1000007)) + tuple(range(2000001, 2000007))
SLEPTONS = (1000011, 1000012, 1000013, 1000014, 1000015, 1000016, 2000011, 2000013, 2000015)
HIGGSES = {25: 125.0, 35: DECOUPLED, 36: DECOUPLED, 37: DECOUPLED}
SPARTICLES = ALL_SQUARKS + SLEPTONS + (GLUINO, N1, N2, C1, N3, N4, C2, GRAVITINO)

# Widths (GeV) given to decaying sparticles: small enough for prompt, narrow decays, large enough
# that Pythia treats them as resonances with a Breit-Wigner it can sample.
WIDTH = 0.1

# Neutralino mixing rows in the (bino, wino, higgsino_d, higgsino_u) basis.
_BINO = (1.0, 0.0, 0.0, 0.0)
_WINO = (0.0, 1.0, 0.0, 0.0)
_H_MINUS = (0.0, 0.0, 1 / math.sqrt(2), -1 / math.sqrt(2))
_H_PLUS = (0.0, 0.0, 1 / math.sqrt(2), 1 / math.sqrt(2))

Decay = tuple[float, tuple[int, ...]]  # (branching fraction, daughter PDG ids)


@dataclass(frozen=True)
class Spectrum:
    """What an SLHA file says: masses, neutralino mixing (rows for N1..N4), decays."""

    masses: dict[int, float]
    decays: dict[int, list[Decay]]
    nmix: tuple[tuple[float, ...], ...] = (_BINO, _WINO, _H_MINUS, _H_PLUS)
    chargino_wino: bool = True  # C1 wino-like (UMIX = VMIX = 1)


@dataclass(frozen=True)
class Model:
    """A simplified model: its mass parameters, Pythia processes and normalisation.

    ``mass_keys`` must be given; ``derived`` fills optional masses from the given ones; ``aliases``
    accept other common names for the same parameter (e.g. ``neutralino1`` for T6gg's ``nlsp``).
    """

    name: str
    description: str
    mass_keys: tuple[str, ...]
    processes: tuple[str, ...]  # Pythia process switches (plus SUSY:idA/idB restrictions)
    xsec_process: str
    xsec_mass_key: str
    spectrum: Callable[[dict[str, float]], Spectrum]
    order: Callable[[dict[str, float]], None]
    derived: Callable[[dict[str, float]], dict[str, float]] = lambda m: {}
    aliases: Mapping[str, str] = field(default_factory=dict)
    notes: str = ""

    def resolve_masses(self, given: Mapping[str, float]) -> dict[str, float]:
        """Canonical masses from user input: aliases folded, required keys checked, order validated."""
        masses: dict[str, float] = {}
        allowed = set(self.mass_keys) | set(self.derived(dict.fromkeys(self.mass_keys, 1.0)))
        for key, value in given.items():
            canon = self.aliases.get(key, key)
            if canon not in allowed:
                raise UserError(
                    f"{self.name} has no mass {key!r}; it takes "
                    + ", ".join(sorted(allowed))
                    + (f" (aliases: {', '.join(sorted(self.aliases))})" if self.aliases else "")
                )
            try:
                v = float(value)
            except (TypeError, ValueError):
                raise UserError(f"mass {key}={value!r} is not a number") from None
            if not math.isfinite(v) or v < 0:
                raise UserError(f"mass {key}={value} must be a finite, non-negative number of GeV")
            if canon in masses and not math.isclose(masses[canon], v):
                raise UserError(f"{self.name}: {key}={v:g} contradicts {canon}={masses[canon]:g}")
            masses[canon] = v
        missing = [k for k in self.mass_keys if k not in masses]
        if missing:
            raise UserError(
                f"{self.name} needs --mass for {', '.join(missing)} "
                f"(e.g. {' '.join(f'--mass {k}=...' for k in self.mass_keys)})"
            )
        for key, value in self.derived(masses).items():
            masses.setdefault(key, value)
        self.order(masses)
        return masses

    def slha(self, masses: Mapping[str, float]) -> str:
        return write_slha(
            self.spectrum(self.resolve_masses(masses)), comment=f"{self.name} {dict(masses)}"
        )


# --------------------------------------------------------------------------- SLHA writing


def _base_masses() -> dict[int, float]:
    masses = {pid: DECOUPLED for pid in SPARTICLES}
    masses[GRAVITINO] = 0.0
    masses.update(HIGGSES)
    return masses


def write_slha(spectrum: Spectrum, comment: str = "") -> str:
    """SLHA1 text with the blocks Pythia's SUSY couplings read (MASS, mixings, GAUGE, ...) and DECAYs.

    Blocks Pythia needs but the simplified model does not fix (GAUGE, HMIX, MSOFT, Yukawas) get
    plausible weak-scale values; with decoupled sfermions they do not change the processes used.
    """
    lines = [f"# colliderbench simplified model: {comment}".rstrip()]
    lines += ["BLOCK MODSEL", "    1    0   # general MSSM"]
    lines += [
        "BLOCK SMINPUTS",
        "    1   1.279340000e+02   # 1/alpha_em(MZ) MSbar",
        "    2   1.166370000e-05   # G_F",
        "    3   1.180000000e-01   # alpha_s(MZ) MSbar",
        "    4   9.118760000e+01   # MZ pole",
        "    5   4.180000000e+00   # mb(mb) MSbar",
        "    6   1.725000000e+02   # mt pole",
        "    7   1.776860000e+00   # mtau pole",
    ]
    lines += ["BLOCK MINPAR", "    3   1.000000000e+01   # tan beta"]
    lines.append("BLOCK MASS")
    for pid, mass in sorted(spectrum.masses.items()):
        lines.append(f"  {pid:>8d}   {mass: .9e}")
    lines.append("BLOCK NMIX")
    for i, row in enumerate(spectrum.nmix, start=1):
        for j, value in enumerate(row, start=1):
            lines.append(f"  {i} {j}   {value: .9e}")
    u = ((1.0, 0.0), (0.0, 1.0)) if spectrum.chargino_wino else ((0.0, 1.0), (1.0, 0.0))
    for block in ("UMIX", "VMIX"):
        lines.append(f"BLOCK {block}")
        for i in range(2):
            for j in range(2):
                lines.append(f"  {i + 1} {j + 1}   {u[i][j]: .9e}")
    for block in ("STOPMIX", "SBOTMIX", "STAUMIX"):
        lines += [
            f"BLOCK {block}",
            "  1 1    1.0e+00",
            "  1 2    0.0e+00",
            "  2 1    0.0e+00",
            "  2 2    1.0e+00",
        ]
    lines += ["BLOCK ALPHA", "   -1.0e-01"]
    lines += ["BLOCK HMIX Q= 1.0e+03", "    1   1.0e+05   # mu", "    2   1.0e+01   # tan beta",
              "    3   2.44e+02  # v", "    4   1.0e+10   # mA^2"]  # fmt: skip
    lines += ["BLOCK GAUGE Q= 1.0e+03", "    1   3.6e-01", "    2   6.4e-01", "    3   1.06e+00"]
    lines += ["BLOCK MSOFT Q= 1.0e+03"]
    lines += [
        f"  {i:>3d}   {DECOUPLED: .6e}"
        for i in (1, 2, 3, 21, 22, 31, 32, 33, 34, 35, 36, 41, 42, 43, 44, 45, 46, 47, 48, 49)
    ]
    for block, diag in (("YU", 0.9), ("YD", 0.14), ("YE", 0.1)):
        lines += [f"BLOCK {block} Q= 1.0e+03", f"  3 3   {diag: .6e}"]
    for block in ("AU", "AD", "AE"):
        lines += [f"BLOCK {block} Q= 1.0e+03", "  3 3   0.0e+00"]
    # DECAY tables: every sparticle gets one (stable ones width 0) so Pythia never computes its own.
    for pid in SPARTICLES:
        channels = spectrum.decays.get(pid, [])
        if not channels:
            lines.append(f"DECAY {pid:>8d}   0.0e+00")
            continue
        lines.append(f"DECAY {pid:>8d}   {WIDTH:.6e}")
        total = sum(br for br, _ in channels)
        for br, daughters in channels:
            ids = "  ".join(f"{d:>8d}" for d in daughters)
            lines.append(f"   {br / total:.9e}   {len(daughters)}  {ids}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- the six models


def _require(cond: bool, message: str) -> None:
    if not cond:
        raise UserError(message)


def _t5wg(m: dict[str, float]) -> Spectrum:
    masses = _base_masses()
    masses.update({GLUINO: m["gluino"], N1: m["nlsp"], C1: m["nlsp"], GRAVITINO: m["gravitino"]})
    # 50/50 between g~ -> q q~ N1 with q = d, u, s, c, b (10% each) and g~ -> q q~' C1+- within the
    # first two generations (12.5% each): the decay table of CMS's SMS-T5Wg scan (its Pythia 8
    # generator fragment), whose samples the SUS-16-046/047 yields come from
    neutral: list[Decay] = [(0.5 / 5, (q, -q, N1)) for q in (1, 2, 3, 4, 5)]
    charged: list[Decay] = [
        (0.5 / 4, ids) for ids in ((1, -2, C1), (3, -4, C1), (2, -1, -C1), (4, -3, -C1))
    ]
    return Spectrum(
        masses=masses,
        decays={
            GLUINO: neutral + charged,
            N1: [(1.0, (22, GRAVITINO))],
            C1: [(1.0, (24, GRAVITINO))],
        },
    )


def _t5wg_order(m: dict[str, float]) -> None:
    _require(
        m["gluino"] > m["nlsp"], f"T5Wg needs gluino > nlsp, got {m['gluino']:g} <= {m['nlsp']:g}"
    )
    _require(
        m["nlsp"] - m["gravitino"] > M_W,
        f"T5Wg needs nlsp - gravitino > m_W ({M_W} GeV) for the on-shell chargino -> W gravitino decay",
    )


def _t6gg(m: dict[str, float]) -> Spectrum:
    masses = _base_masses()
    masses.update({q: m["squark"] for q in LIGHT_SQUARKS})
    masses.update({N1: m["nlsp"], GRAVITINO: m["gravitino"]})
    decays: dict[int, list[Decay]] = {q: [(1.0, (q % 10, N1))] for q in LIGHT_SQUARKS}
    decays[N1] = [(1.0, (22, GRAVITINO))]
    return Spectrum(masses=masses, decays=decays)


def _t6gg_order(m: dict[str, float]) -> None:
    _require(
        m["squark"] > m["nlsp"], f"T6gg needs squark > nlsp, got {m['squark']:g} <= {m['nlsp']:g}"
    )
    _require(m["nlsp"] > m["gravitino"], "T6gg needs nlsp > gravitino")


def _tchiwg(m: dict[str, float]) -> Spectrum:
    masses = _base_masses()
    masses.update({N1: m["nlsp"], C1: m["nlsp"], GRAVITINO: m["gravitino"]})
    # N1 must be wino-like: Pythia derives the W-chargino-neutralino coupling from NMIX.
    return Spectrum(
        masses=masses,
        decays={N1: [(1.0, (22, GRAVITINO))], C1: [(1.0, (24, GRAVITINO))]},
        nmix=(_WINO, _BINO, _H_MINUS, _H_PLUS),
    )


def _tchiwg_order(m: dict[str, float]) -> None:
    _require(
        m["nlsp"] - m["gravitino"] > M_W,
        f"TChiWg needs nlsp - gravitino > m_W ({M_W} GeV) for the on-shell chargino -> W gravitino decay",
    )


def _tchiwz(m: dict[str, float]) -> Spectrum:
    masses = _base_masses()
    masses.update({C1: m["chargino1"], N2: m["neutralino2"], N1: m["neutralino1"]})
    return Spectrum(masses=masses, decays={C1: [(1.0, (24, N1))], N2: [(1.0, (23, N1))]})


def _tchiwz_order(m: dict[str, float]) -> None:
    for key, boson, mass in (("chargino1", "W", M_W), ("neutralino2", "Z", M_Z)):
        _require(
            m[key] - m["neutralino1"] > mass,
            f"TChiWZ needs {key} - neutralino1 > m_{boson} ({mass} GeV) for on-shell decays; "
            f"got {m[key]:g} - {m['neutralino1']:g} (off-shell three-body decays are not modelled)",
        )


def _t2tt(m: dict[str, float]) -> Spectrum:
    masses = _base_masses()
    masses.update({STOP1: m["stop"], N1: m["neutralino1"]})
    return Spectrum(masses=masses, decays={STOP1: [(1.0, (6, N1))]})


def _t2tt_order(m: dict[str, float]) -> None:
    _require(
        m["stop"] - m["neutralino1"] > M_TOP,
        f"T2tt needs stop - neutralino1 > m_top ({M_TOP} GeV) for the two-body stop -> t neutralino "
        f"decay; got {m['stop']:g} - {m['neutralino1']:g}",
    )


def _t2bw(m: dict[str, float]) -> Spectrum:
    masses = _base_masses()
    masses.update({STOP1: m["stop"], C1: m["chargino1"], N1: m["neutralino1"]})
    return Spectrum(masses=masses, decays={STOP1: [(1.0, (5, C1))], C1: [(1.0, (24, N1))]})


def _t2bw_order(m: dict[str, float]) -> None:
    _require(
        m["stop"] > m["chargino1"] + 4.8,
        f"T2bW needs stop > chargino1 + m_b, got {m['stop']:g}, {m['chargino1']:g}",
    )
    _require(
        m["chargino1"] - m["neutralino1"] > M_W,
        f"T2bW needs chargino1 - neutralino1 > m_W ({M_W} GeV) for the on-shell chargino -> W decay; "
        f"got {m['chargino1']:g} - {m['neutralino1']:g}",
    )


_STRONG_GLUINO = ("SUSY:gg2gluinogluino = on", "SUSY:qqbar2gluinogluino = on")
_STRONG_SQUARK = ("SUSY:gg2squarkantisquark = on", "SUSY:qqbar2squarkantisquark = on")
_LIGHT = ",".join(str(q) for q in LIGHT_SQUARKS)

MODELS: dict[str, Model] = {
    "T5Wg": Model(
        name="T5Wg",
        description=(
            "gluino pair; g~ -> q q~ N1 (q = d u s c b) / q q~' C1 (50/50); N1 -> gamma G~, C1 -> W G~"
        ),
        mass_keys=("gluino", "nlsp"),
        processes=_STRONG_GLUINO,
        xsec_process="gluino_pair",
        xsec_mass_key="gluino",
        spectrum=_t5wg,
        order=_t5wg_order,
        derived=lambda m: {"gravitino": 0.0},
        aliases={"neutralino1": "nlsp", "chargino1": "nlsp", "gaugino": "nlsp", "lsp": "gravitino"},
    ),
    "T6gg": Model(
        name="T6gg",
        description="light-flavour squark-antisquark (8 squarks, gluino decoupled); q~ -> q N1; N1 -> gamma G~",
        mass_keys=("squark", "nlsp"),
        processes=(*_STRONG_SQUARK, f"SUSY:idVecA = {_LIGHT}", f"SUSY:idVecB = {_LIGHT}"),
        xsec_process="squark_antisquark",
        xsec_mass_key="squark",
        spectrum=_t6gg,
        order=_t6gg_order,
        derived=lambda m: {"gravitino": 0.0},
        aliases={"neutralino1": "nlsp", "lsp": "gravitino"},
        notes="The NLO+NLL table sums 10 squarks; CMS normalised T6gg with it unscaled (x0.8 for 8 squarks).",
    ),
    "TChiWg": Model(
        name="TChiWg",
        description="wino C1 N1 (degenerate NLSPs); N1 -> gamma G~, C1 -> W G~",
        mass_keys=("nlsp",),
        processes=("SUSY:qqbar2chi+-chi0 = on", f"SUSY:idA = {N1}", f"SUSY:idB = {C1}"),
        xsec_process="wino_c1n2",
        xsec_mass_key="nlsp",
        spectrum=_tchiwg,
        order=_tchiwg_order,
        derived=lambda m: {"gravitino": 0.0},
        aliases={"neutralino1": "nlsp", "chargino1": "nlsp", "lsp": "gravitino"},
        notes="N1 and C1 are made pure wino (see simplified-models.md section 6); normalised with wino C1N2.",
    ),
    "TChiWZ": Model(
        name="TChiWZ",
        description="wino C1 N2 (degenerate); C1 -> W N1, N2 -> Z N1; bino N1 LSP",
        mass_keys=("chargino1", "neutralino1"),
        processes=("SUSY:qqbar2chi+-chi0 = on", f"SUSY:idA = {N2}", f"SUSY:idB = {C1}"),
        xsec_process="wino_c1n2",
        xsec_mass_key="chargino1",
        spectrum=_tchiwz,
        order=_tchiwz_order,
        derived=lambda m: {"neutralino2": m["chargino1"]},
        aliases={"nlsp": "chargino1", "lsp": "neutralino1"},
    ),
    "T2tt": Model(
        name="T2tt",
        description="stop pair; t~ -> t N1 (unpolarised top)",
        mass_keys=("stop", "neutralino1"),
        processes=(*_STRONG_SQUARK, f"SUSY:idA = {STOP1}", f"SUSY:idB = {STOP1}"),
        xsec_process="stop_pair",
        xsec_mass_key="stop",
        spectrum=_t2tt,
        order=_t2tt_order,
        aliases={"lsp": "neutralino1"},
    ),
    "T2bW": Model(
        name="T2bW",
        description="stop pair; t~ -> b C1, C1 -> W N1; m(C1) = (m(t~) + m(N1))/2",
        mass_keys=("stop", "neutralino1"),
        processes=(*_STRONG_SQUARK, f"SUSY:idA = {STOP1}", f"SUSY:idB = {STOP1}"),
        xsec_process="stop_pair",
        xsec_mass_key="stop",
        spectrum=_t2bw,
        order=_t2bw_order,
        derived=lambda m: {"chargino1": 0.5 * (m["stop"] + m["neutralino1"])},
        aliases={"lsp": "neutralino1"},
    ),
}

# TChiWZ Z-decay filters: name -> the Z decay products Pythia keeps (the rest are switched off and the
# efficiency is the open fraction of Pythia's own Z width, computed at initialisation)
Z_FILTERS: dict[str, tuple[int, ...]] = {
    "ll": (11, 13, 15),
    "ee_mumu": (11, 13),
    "nunu": (12, 14, 16),
    "qq": (1, 2, 3, 4, 5),
}


# Hard processes for a user SLHA (``--slha FILE --process NAME``): name -> Pythia switches. The names
# match the cross-section tables where one exists.
_ALL_SQUARK_IDS = ",".join(str(q) for q in ALL_SQUARKS)
PROCESSES: dict[str, tuple[str, ...]] = {
    "gluino_pair": _STRONG_GLUINO,
    "stop_pair": (*_STRONG_SQUARK, f"SUSY:idA = {STOP1}", f"SUSY:idB = {STOP1}"),
    "sbottom_pair": (*_STRONG_SQUARK, "SUSY:idA = 1000005", "SUSY:idB = 1000005"),
    "squark_antisquark": (*_STRONG_SQUARK, f"SUSY:idVecA = {_LIGHT}", f"SUSY:idVecB = {_LIGHT}"),
    "squark_antisquark_all": (*_STRONG_SQUARK, f"SUSY:idVecA = {_ALL_SQUARK_IDS}"),
    "wino_c1n2": ("SUSY:qqbar2chi+-chi0 = on", f"SUSY:idA = {N2}", f"SUSY:idB = {C1}"),
    "wino_c1n1": ("SUSY:qqbar2chi+-chi0 = on", f"SUSY:idA = {N1}", f"SUSY:idB = {C1}"),
    "wino_c1c1": ("SUSY:qqbar2chi+chi- = on", f"SUSY:idA = {C1}", f"SUSY:idB = {C1}"),
    "susy_all": ("SUSY:all = on",),
}


def process_switches(name: str) -> tuple[str, ...]:
    """Pythia switches for a process name, or literal Pythia settings separated by ';'."""
    key = name.strip()
    if key in PROCESSES:
        return PROCESSES[key]
    if ":" in key and "=" in key:
        return tuple(s.strip() for s in key.split(";") if s.strip())
    raise UserError(
        f"unknown process {name!r}; choose one of {', '.join(PROCESSES)} "
        "or give Pythia settings such as 'SUSY:gg2gluinogluino = on; SUSY:qqbar2gluinogluino = on'"
    )


def get_model(name: str) -> Model:
    """The model called ``name`` (case-insensitive); UserError naming the choices otherwise."""
    for key, model in MODELS.items():
        if key.lower() == name.strip().lower():
            return model
    raise UserError(
        f"unknown model {name!r}; choose one of {', '.join(MODELS)} (or --slha FILE --process NAME)"
    )


def parse_mass_args(items: tuple[str, ...] | list[str]) -> dict[str, float]:
    """``('gluino=1750', 'nlsp=1700')`` -> dict; UserError on malformed items."""
    out: dict[str, float] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--mass takes KEY=VALUE (e.g. gluino=1750), got {item!r}")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            raise UserError(f"--mass {item!r}: {value!r} is not a number of GeV") from None
    return out


def model_slha(name: str, masses: Mapping[str, float]) -> tuple[Model, dict[str, float], str]:
    """(model, canonical masses, SLHA text) for a model point, validating the masses."""
    model = get_model(name)
    resolved = model.resolve_masses(masses)
    text = write_slha(
        model.spectrum(resolved),
        comment=f"{model.name} " + " ".join(f"{k}={v:g}" for k, v in resolved.items()),
    )
    return model, resolved, text
