"""``colliderbench simulate``: bad input ends in one line and exit status 2; the chain end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from colliderbench.cli import main


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


BAD_INPUTS = [
    (["--model", "T7zz", "--mass", "gluino=1"], "unknown model"),
    (["--model", "T5Wg", "--mass", "gluino=1750"], "needs --mass for nlsp"),
    (["--model", "T5Wg", "--mass", "gluino=1000", "--mass", "nlsp=1200"], "gluino > nlsp"),
    (["--model", "T2tt", "--mass", "stop=300", "--mass", "neutralino1=250"], "m_top"),
    (["--model", "T2tt", "--mass", "stop"], "KEY=VALUE"),
    (
        ["--model", "T2tt", "--mass", "stop=1000", "--mass", "neutralino1=50", "--events", "0"],
        "positive",
    ),
    (
        ["--model", "T2tt", "--mass", "stop=1000", "--mass", "neutralino1=50", "--workers", "0"],
        "positive",
    ),
    (
        ["--model", "T5Wg", "--mass", "gluino=1750", "--mass", "nlsp=1700", "--z-filter", "ll"],
        "TChiWZ",
    ),
    (["--mass", "gluino=1750"], "--mass needs --model"),
    ([], "exactly one of"),
    (["--slha", "{missing}"], "needs --process"),
    (["--slha", "{missing}", "--process", "gluino_pair"], "cannot read SLHA"),
    (["--slha", "{garbage}", "--process", "gluino_pair"], "not an SLHA"),
    (["--slha", "{slha}", "--process", "gluinos"], "unknown process"),
    (["--slha", "{badslha}", "--process", "gluino_pair"], "Pythia failed to initialise"),
    (
        [
            "--model",
            "T2tt",
            "--mass",
            "stop=1000",
            "--mass",
            "neutralino1=50",
            "--pythia",
            "Foo:bar = 1",
        ],
        "Pythia rejected",
    ),
    (
        ["--model", "T2tt", "--mass", "stop=1000", "--mass", "neutralino1=50", "--seed", "-1"],
        "non-negative",
    ),
    (["--lhe", "{missing}"], "cannot read LHE"),
    (
        ["--model", "T6gg", "--mass", "squark=1750", "--mass", "nlsp=1650"]
        + ["--neutralino-count", "1"],
        "applies to T5Wg, not T6gg",
    ),
    (["--slha", "{slha}", "--process", "gluino_pair", "--neutralino-count", "1"], "not --slha"),
    (
        ["--model", "T5Wg", "--mass", "gluino=1600", "--mass", "nlsp=100"]
        + ["--neutralino-count", "3"],
        "must be 0, 1 or 2",
    ),
    (["--lhe", "{garbage}"], "not a Les Houches"),
    (
        ["--model", "T2tt", "--mass", "stop=1000", "--mass", "neutralino1=50", "--out", "{nodir}"],
        "does not exist",
    ),
    (
        ["--model", "T2tt", "--mass", "stop=1000", "--mass", "neutralino1=50", "--out", "{tmp}"],
        "is a directory",
    ),
]


@pytest.mark.parametrize(("args", "message"), BAD_INPUTS)
def test_bad_input_is_one_line_and_exit_2(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from colliderbench.physics.models import model_slha

    garbage = tmp_path / "garbage.txt"
    garbage.write_text("hello\n")
    badslha = tmp_path / "bad.slha"
    badslha.write_text("BLOCK MASS\n 1000021 abc\nDECAY 1000021 1.0\n")
    slha = tmp_path / "ok.slha"
    slha.write_text(model_slha("T5Wg", {"gluino": 1750, "nlsp": 1700})[2])
    paths = {
        "missing": str(tmp_path / "missing.file"),
        "garbage": str(garbage),
        "slha": str(slha),
        "badslha": str(badslha),
        "nodir": str(tmp_path / "no" / "such" / "dir" / "x.root"),
        "tmp": str(tmp_path),
    }
    argv = ["simulate", *(a.format(**paths) for a in args)]
    if "--events" not in argv:
        argv += ["--events", "10"]
    if "--out" not in argv:
        argv += ["--out", str(tmp_path / "out.root")]
    code, _, err = run_cli(argv, capsys)
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert message in lines[0]
    assert "Traceback" not in err
    assert not (tmp_path / "out.root").exists()


T5WG = ["--model", "T5Wg", "--mass", "gluino=1750", "--mass", "nlsp=1700"]


def simulate_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    import json

    code, out, err = run_cli(["simulate", *args, "--json"], capsys)
    assert code == 0, err
    return json.loads(out)


def test_generator_level_file_and_metadata(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    delphes_io = pytest.importorskip("colliderbench.physics.delphes_io")
    out = tmp_path / "gen.root"
    summary = simulate_json(
        [
            *T5WG,
            "--events",
            "6",
            "--seed",
            "3",
            "--detector",
            "none",
            "--keep-particles",
            "--out",
            str(out),
        ],
        capsys,
    )
    assert summary["events"] == 6 and summary["sigma_lo_pb"] > 0 and summary["events_per_s"] > 0
    events = delphes_io.read_delphes(out)
    assert len(events) == 6
    particle = events["Particle"]
    assert {"PID", "Status", "PT", "Eta", "Phi", "Mass", "M1", "M2", "D1", "D2"} <= set(
        particle.fields
    )
    import awkward as ak

    assert ak.all(ak.sum(particle.PID == 1000021, axis=1) >= 2)  # the gluino pair is in the record
    meta = delphes_io.read_metadata(out)
    assert meta["model"] == "T5Wg" and meta["masses"]["gluino"] == 1750 and meta["seed"] == 3
    assert meta["events"] == 6 and meta["sigma_lo_pb"] == pytest.approx(summary["sigma_lo_pb"])
    assert "BLOCK MASS" in meta["slha"] and meta["versions"]["pythia8mc"] == "8.317.2"
    assert meta["xsec_process"] == "gluino_pair" and meta["filter_efficiency"] == 1.0


def test_same_seed_same_file_for_any_worker_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    delphes_io = pytest.importorskip("colliderbench.physics.delphes_io")
    pytest.importorskip("colliderbench.physics.detector")
    import awkward as ak

    args = ["--model", "T2tt", "--mass", "stop=1000", "--mass", "neutralino1=50", "--events", "8"]
    args += ["--chunk-size", "4", "--seed", "5"]
    one, two, other = tmp_path / "one.root", tmp_path / "two.root", tmp_path / "other.root"
    simulate_json([*args, "--workers", "1", "--out", str(one)], capsys)
    simulate_json([*args, "--workers", "2", "--out", str(two)], capsys)
    simulate_json([*args[:-1], "6", "--out", str(other)], capsys)
    a, b, c = (delphes_io.read_delphes(p) for p in (one, two, other))
    assert ak.array_equal(a["MissingET"], b["MissingET"]) and ak.array_equal(a["Jet"], b["Jet"])
    assert not ak.array_equal(a["MissingET"], c["MissingET"])
    import uproot

    with uproot.open(two) as f:  # written chunk by chunk, not held until the end
        assert f["Delphes"]["Jet/Jet.PT"].num_baskets == 2


def test_t5wg_missing_energy_is_large(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two gravitinos escape from every T5Wg(1750, 1700) event: <MET> is several hundred GeV."""
    delphes_io = pytest.importorskip("colliderbench.physics.delphes_io")
    pytest.importorskip("colliderbench.physics.detector")
    import awkward as ak
    import numpy as np

    out = tmp_path / "t5wg.root"
    simulate_json([*T5WG, "--events", "40", "--seed", "1", "--out", str(out)], capsys)
    met = ak.to_numpy(ak.flatten(delphes_io.read_delphes(out)["MissingET"].MET))
    assert len(met) == 40
    # generator-level <MET> is ~900 GeV at this point; a detector cannot make it small
    assert np.mean(met) > 500.0
    photons = delphes_io.read_delphes(out)["Photon"]
    assert ak.mean(ak.num(photons) >= 1) > 0.5  # 75 % of events have a neutralino -> photon decay


def test_z_filter_recorded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    delphes_io = pytest.importorskip("colliderbench.physics.delphes_io")
    out = tmp_path / "wz.root"
    args = [
        "--model",
        "TChiWZ",
        "--mass",
        "chargino1=550",
        "--mass",
        "neutralino1=200",
        "--z-filter",
        "ll",
    ]
    summary = simulate_json(
        [*args, "--events", "4", "--detector", "none", "--out", str(out)], capsys
    )
    meta = delphes_io.read_metadata(out)
    assert 0.095 < meta["filter_efficiency"] < 0.106
    assert meta["filter_efficiency"] == summary["filter_efficiency"]
    assert meta["z_filter"] == [11, 13, 15]


def test_neutralino_count_recorded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The T5Wg gamma-W filter: analytic efficiency 0.5 in the file, the measured one beside it."""
    delphes_io = pytest.importorskip("colliderbench.physics.delphes_io")
    out = tmp_path / "wg.root"
    args = ["--model", "T5Wg", "--mass", "gluino=1600", "--mass", "nlsp=100"]
    summary = simulate_json(
        [
            *args,
            "--neutralino-count",
            "1",
            "--events",
            "6",
            "--detector",
            "none",
            "--out",
            str(out),
        ],
        capsys,
    )
    meta = delphes_io.read_metadata(out)
    assert meta["filter_efficiency"] == summary["filter_efficiency"] == pytest.approx(0.5)
    assert meta["neutralino_count"] == 1
    assert summary["filter_decays_seen"] >= 6
    assert 0.0 < summary["filter_measured"] <= 1.0 and summary["filter_measured_err"] > 0.0


def test_check_output_creates_a_file_before_generating(tmp_path: Path) -> None:
    """os.access says yes to root even for /proc: only creating (and removing) a file tells."""
    from colliderbench.errors import UserError
    from colliderbench.physics.simulate import check_output

    if not Path("/proc/self").is_dir():
        pytest.skip("no /proc here")
    with pytest.raises(UserError, match="cannot write /proc/a.root"):
        check_output("/proc/a.root")
    assert check_output(tmp_path / "ok.root") == tmp_path / "ok.root"
    assert list(tmp_path.iterdir()) == []  # the probe file is gone


def test_manual_reading_example_runs_on_a_simulate_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The uproot example of the agents' manual (tools/docs/simulate.md), verbatim, on a file that
    simulate wrote: its branch names must be the file's (``Jet/Jet.PT``, not ``Jet.PT``)."""
    import re

    import colliderbench

    manual = Path(colliderbench.__file__).parent / "tools" / "docs" / "simulate.md"
    blocks = re.findall(r"```python\n(.*?)```", manual.read_text(), re.S)
    snippets = [b for b in blocks if "data/signal.root" in b]
    assert snippets
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    args = ["--model", "T2tt", "--mass", "stop=1000", "--mass", "neutralino1=50", "--events", "3"]
    simulate_json([*args, "--out", "data/signal.root"], capsys)
    for snippet in snippets:
        exec(compile(snippet, str(manual), "exec"), {})
    assert capsys.readouterr().out.startswith("3 ")
