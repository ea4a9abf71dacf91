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
    (["--lhe", "{missing}"], "cannot read LHE"),
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
    slha = tmp_path / "ok.slha"
    slha.write_text(model_slha("T5Wg", {"gluino": 1750, "nlsp": 1700})[2])
    paths = {
        "missing": str(tmp_path / "missing.file"),
        "garbage": str(garbage),
        "slha": str(slha),
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
