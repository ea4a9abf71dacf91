"""Cross-section tables: the spot values of shared/xsec/README.md, log interpolation, range errors."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from colliderbench.cli import main
from colliderbench.errors import UserError
from colliderbench.physics import xsec

# (process, mass GeV, sigma pb, relative uncertainty %) as listed in shared/xsec/README.md
SPOT_VALUES = [
    ("gluino_pair", 1750, 0.00359842, 27.1502),
    ("stop_pair", 1000, 0.00615134, 16.2953),
    ("squark_antisquark", 1700, 0.000846524, 29.1726),
    ("squark_antisquark", 1750, 0.000646271, 30.2417),
    ("wino_c1n2", 700, 0.00951032, 10.9452),
]


@pytest.mark.parametrize(("process", "mass", "sigma_pb", "unc_pct"), SPOT_VALUES)
def test_spot_values(process: str, mass: float, sigma_pb: float, unc_pct: float) -> None:
    xs = xsec.cross_section(process, mass)
    assert xs.value_pb == sigma_pb
    assert xs.rel_unc == pytest.approx(unc_pct / 100, rel=1e-9)


def test_wino_700_in_fb() -> None:
    xs = xsec.cross_section("wino_c1n2", 700)
    assert xs.value_fb == pytest.approx(9.51032, rel=1e-9)
    assert xs.unc_fb == pytest.approx(1.04092, rel=1e-5)


def test_other_values_in_the_readme() -> None:
    """Benchmark points quoted in simplified-models.md section 3 (fb)."""
    for process, mass, fb in [
        ("gluino_pair", 1600, 8.10078),
        ("stop_pair", 900, 12.8895),
        ("stop_pair", 800, 28.3338),
        ("gluino_pair", 1500, 14.1903),
        ("stop_pair", 1200, 1.59844),
        ("wino_c1n2", 100, 22670.1),
        ("wino_c1c1", 700, 4.4387),
    ]:
        assert xsec.cross_section(process, mass).value_fb == pytest.approx(fb, rel=2e-5), (
            process,
            mass,
        )


def test_log_interpolation_between_table_points() -> None:
    """Half-way between two points sigma is their geometric mean (linear in log sigma)."""
    lo, hi = xsec.cross_section("wino_c1n2", 700), xsec.cross_section("wino_c1n2", 725)
    mid = xsec.cross_section("wino_c1n2", 712.5)
    assert mid.value_pb == pytest.approx(math.sqrt(lo.value_pb * hi.value_pb), rel=1e-12)
    assert lo.value_pb > mid.value_pb > hi.value_pb
    assert mid.rel_unc == pytest.approx(0.5 * (lo.rel_unc + hi.rel_unc), rel=1e-12)


def test_tables_fall_with_mass_and_cover_their_ranges() -> None:
    for name in xsec.TABLES:
        masses, sigma, rel = xsec.table(name)
        assert np.all(np.diff(masses) > 0)
        assert np.all(sigma > 0) and np.all((rel > 0) & (rel < 1))
        # the C1-N2 table has one published non-monotonic step (1400 -> 1425 GeV); all else falls
        assert np.sum(np.diff(sigma) >= 0) <= 1, name
        lo, hi = xsec.mass_range(name)
        assert xsec.cross_section(name, lo).value_pb == sigma[0]
        assert xsec.cross_section(name, hi).value_pb == sigma[-1]


@pytest.mark.parametrize(
    ("process", "mass"), [("gluino_pair", 150), ("stop_pair", 2001), ("wino_c1c1", 99.9)]
)
def test_outside_the_table_is_an_error(process: str, mass: float) -> None:
    with pytest.raises(UserError, match="outside"):
        xsec.cross_section(process, mass)


def test_unknown_process_and_aliases() -> None:
    with pytest.raises(UserError, match="unknown cross-section process"):
        xsec.cross_section("slepton_pair", 500)
    assert xsec.cross_section("gluino_gluino", 1750).process == "gluino_pair"
    assert xsec.cross_section("WINO_N2C1", 700).process == "wino_c1n2"


def test_cli_json_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    main(["xsec", "--process", "gluino_pair", "--mass", "1750", "--json"])
    payload = json.loads(capsys.readouterr().out)
    assert payload["value_pb"] == 0.00359842 and payload["order"] == "NLO+NLL"
    with pytest.raises(SystemExit) as exc:
        main(["xsec", "--process", "stop_pair", "--mass", "5000"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "outside the stop_pair table" in err[0]
