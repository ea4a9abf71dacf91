"""SLHA builders: mass conventions, branching fractions, validation of user input."""

from __future__ import annotations

import re

import pytest

from colliderbench.errors import UserError
from colliderbench.physics import models


def slha_masses(text: str) -> dict[int, float]:
    block = re.search(r"BLOCK MASS\n(.*?)\nBLOCK", text, re.S)
    assert block
    return {int(a): float(b) for a, b in (line.split()[:2] for line in block.group(1).splitlines())}


def slha_decays(text: str) -> dict[int, list[tuple[float, tuple[int, ...]]]]:
    decays: dict[int, list[tuple[float, tuple[int, ...]]]] = {}
    current = None
    for line in text.splitlines():
        parts = line.split()
        if line.startswith("DECAY"):
            current = int(parts[1])
            decays[current] = []
        elif line.startswith("BLOCK"):
            current = None
        elif current is not None and parts:
            br, n = float(parts[0]), int(parts[1])
            decays[current].append((br, tuple(int(x) for x in parts[2 : 2 + n])))
    return decays


def test_t5wg_spectrum_and_decays() -> None:
    model, masses, text = models.model_slha("T5Wg", {"gluino": 1750, "nlsp": 1700})
    assert masses == {"gluino": 1750, "nlsp": 1700, "gravitino": 0.0}
    m = slha_masses(text)
    assert m[1000021] == 1750 and m[1000022] == 1700 and m[1000024] == 1700 and m[1000039] == 0.0
    assert all(m[q] >= 1e4 for q in models.ALL_SQUARKS)  # squarks decoupled
    d = slha_decays(text)
    gluino = d[1000021]
    assert sum(br for br, _ in gluino) == pytest.approx(1.0)
    to_n1 = sum(br for br, ids in gluino if 1000022 in ids)
    to_c1 = sum(br for br, ids in gluino if 1000024 in map(abs, ids))
    assert to_n1 == pytest.approx(0.5) and to_c1 == pytest.approx(0.5)
    # CMS's SMS-T5Wg table: b b~ N1 is one of five equal neutral channels; no top quarks
    assert [br for br, ids in gluino if ids == (5, -5, 1000022)] == [pytest.approx(0.1)]
    assert not any(abs(i) == 6 for _br, ids in gluino for i in ids)
    for _br, ids in gluino:  # every channel conserves charge (3 x quark charge)
        charge3 = {1: -1, 2: 2, 3: -1, 4: 2, 5: -1}
        q = sum(charge3[abs(i)] * (1 if i > 0 else -1) for i in ids if abs(i) < 10)
        q += 3 * (1 if 1000024 in ids else -1 if -1000024 in ids else 0)
        assert q == 0, ids
    assert d[1000022] == [(1.0, (22, 1000039))]
    assert d[1000024] == [(1.0, (24, 1000039))]
    assert model.xsec_process == "gluino_pair"


def test_t2bw_chargino_is_halfway() -> None:
    _, masses, text = models.model_slha("T2bW", {"stop": 900, "lsp": 50})
    assert masses["chargino1"] == 475.0
    m = slha_masses(text)
    assert m[1000006] == 900 and m[1000024] == 475 and m[1000022] == 50
    d = slha_decays(text)
    assert d[1000006] == [(1.0, (5, 1000024))] and d[1000024] == [(1.0, (24, 1000022))]


def test_t6gg_light_flavour_squarks_gluino_decoupled() -> None:
    _, _, text = models.model_slha("T6gg", {"squark": 1750, "neutralino1": 1650})
    m = slha_masses(text)
    assert [q for q in models.ALL_SQUARKS if m[q] == 1750] == sorted(models.LIGHT_SQUARKS)
    assert m[1000021] >= 1e4 and m[1000006] >= 1e4 and m[1000005] >= 1e4
    d = slha_decays(text)
    assert all(d[q] == [(1.0, (q % 10, 1000022))] for q in models.LIGHT_SQUARKS)


def test_tchiwg_nlsp_is_wino() -> None:
    """Pythia's W-chargino-neutralino coupling comes from NMIX; a bino N1 would kill the process."""
    _, _, text = models.model_slha("TChiWg", {"nlsp": 700})
    nmix = dict(
        ((int(i), int(j)), float(v))
        for i, j, v in re.findall(
            r"^\s+(\d) (\d)\s+(\S+)$", text.split("BLOCK NMIX")[1].split("BLOCK")[0], re.M
        )
    )
    assert nmix[(1, 2)] == 1.0 and nmix[(1, 1)] == 0.0
    m = slha_masses(text)
    assert m[1000022] == m[1000024] == 700


def test_tchiwz_degenerate_wino_and_filters() -> None:
    _, masses, _ = models.model_slha("TChiWZ", {"chargino1": 550, "neutralino1": 200})
    assert masses["neutralino2"] == 550
    assert models.Z_FILTERS["ll"] == (11, 13, 15)


@pytest.mark.parametrize(
    ("name", "masses", "message"),
    [
        ("T5Wg", {"gluino": 1000, "nlsp": 1200}, "gluino > nlsp"),
        ("T5Wg", {"gluino": 1000}, "needs --mass for nlsp"),
        ("T5Wg", {"gluino": 1000, "nlsp": 50}, "m_W"),
        ("T6gg", {"squark": 500, "nlsp": 800}, "squark > nlsp"),
        ("T2tt", {"stop": 300, "neutralino1": 200}, "m_top"),
        ("T2bW", {"stop": 300, "neutralino1": 200}, "m_W"),
        ("TChiWZ", {"chargino1": 250, "neutralino1": 200}, "on-shell"),
        ("T2tt", {"stop": 1000, "neutralino1": 50, "gluino": 5}, "has no mass 'gluino'"),
        ("T2tt", {"stop": -5, "neutralino1": 50}, "non-negative"),
        ("TChiWg", {"nlsp": 700, "chargino1": 600}, "contradicts"),
        ("T9xx", {}, "unknown model"),
    ],
)
def test_bad_points_are_user_errors(name: str, masses: dict[str, float], message: str) -> None:
    with pytest.raises(UserError, match=message):
        models.model_slha(name, masses)


def test_mass_arguments() -> None:
    assert models.parse_mass_args(["gluino=1750", " nlsp = 1700"]) == {
        "gluino": 1750.0,
        "nlsp": 1700.0,
    }
    for bad in (["gluino"], ["=5"], ["gluino=heavy"]):
        with pytest.raises(UserError):
            models.parse_mass_args(bad)


def test_process_names_for_user_slha() -> None:
    assert models.process_switches("gluino_pair") == models.MODELS["T5Wg"].processes
    assert models.process_switches("SUSY:gg2gluinogluino = on; SUSY:qqbar2gluinogluino = on") == (
        "SUSY:gg2gluinogluino = on",
        "SUSY:qqbar2gluinogluino = on",
    )
    with pytest.raises(UserError, match="unknown process"):
        models.process_switches("gluinos")


def test_every_model_builds_at_a_valid_point() -> None:
    points = {
        "T5Wg": {"gluino": 1600, "nlsp": 100},
        "T6gg": {"squark": 1750, "nlsp": 1650},
        "TChiWg": {"nlsp": 700},
        "TChiWZ": {"chargino1": 550, "neutralino1": 200},
        "T2tt": {"stop": 800, "neutralino1": 400},
        "T2bW": {"stop": 900, "neutralino1": 50},
    }
    assert set(points) == set(models.MODELS)
    for name, masses in points.items():
        model, resolved, text = models.model_slha(name, masses)
        assert model.xsec_mass_key in resolved
        for pid, channels in slha_decays(text).items():
            if channels:
                assert sum(br for br, _ in channels) == pytest.approx(1.0), (name, pid)
