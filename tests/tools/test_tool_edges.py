"""Edge cases found by an audit: XRootD URLs, errors from user input, run-analysis under signals,
the Prospino binary backend, the deny list through cms-opendata, --doc anywhere, generated AGENTS.md."""

from __future__ import annotations

import fcntl
import importlib
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from colliderbench.tools import TOOLS, _common, cms_opendata, manuals
from colliderbench.workspace import build_workspace

TASK = "sus-16-046_sim-T5Wg"  # denies arXiv:1711.08008, which the loopback record ins9000046 claims


def call(tool: str, *argv: str) -> int:
    return importlib.import_module(f"colliderbench.tools.{TOOLS[tool]}").main(list(argv))


def one_line(err: str) -> str:
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    return err


# --- XRootD -----------------------------------------------------------------------------------------


def test_eos_public_xrootd_is_read_over_https() -> None:
    rewrite = cms_opendata.xrootd_to_https
    assert (
        rewrite("root://eospublic.cern.ch//eos/opendata/cms/a/b.root")
        == "https://eospublic.cern.ch//eos/opendata/cms/a/b.root"
    )
    assert (
        rewrite("root://EOSPUBLIC.cern.ch:1094//eos/x.root")
        == "https://eospublic.cern.ch//eos/x.root"
    )
    assert rewrite("root://cmsxrootd.fnal.gov//store/x.root") is None
    assert rewrite("https://eospublic.cern.ch//eos/x.root") is None


def test_stream_opens_the_https_twin_of_an_eos_url(
    tool_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:  # noqa: ANN001
    import uproot

    opened: list[str] = []

    def fake_open(url: object, **kwargs: object) -> None:
        opened.append(str(url))
        raise OSError("no network in this test")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(uproot, "open", fake_open)
    url = "root://eospublic.cern.ch//eos/opendata/cms/x.root"
    assert call("cms-opendata", "stream", url, "--branches", "MET_pt") == 1
    assert opened == ["https://eospublic.cern.ch//eos/opendata/cms/x.root"]
    one_line(capsys.readouterr().err)


def test_other_xrootd_hosts_fail_in_one_line_pointing_to_xrdcp(
    tool_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cms_opendata, "_has_xrootd", lambda: False)
    assert (
        call("cms-opendata", "stream", "root://cmsxrootd.fnal.gov//store/x.root", "--branches", "a")
        == 1
    )
    assert "xrdcp root://cmsxrootd.fnal.gov//store/x.root" in one_line(capsys.readouterr().err)


# --- one line instead of a traceback ----------------------------------------------------------------


def test_stream_of_a_file_that_is_not_root(
    tool_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    Path("TASK.md").write_text("# a task\n")
    Path("big.txt").write_text("not ROOT\n" * 200)  # long enough for uproot's ValueError
    for name in ("TASK.md", "big.txt"):
        assert call("cms-opendata", "stream", name, "--branches", "a") == 1
        assert "not a ROOT file" in one_line(capsys.readouterr().err)


def test_read_paper_figures_into_a_file_or_an_impossible_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("existing").write_text("")
    from colliderbench.corpus import paper_pdf

    pdf = str(paper_pdf("CMS-SUS-16-046"))
    assert call("read-paper", pdf, "--pages", "1", "--figures", "existing") == 2
    assert "not a folder" in one_line(capsys.readouterr().err)
    assert call("read-paper", pdf, "--pages", "1", "--figures", "/proc/x", "--dpi", "20") == 1
    assert "/proc/x" in one_line(capsys.readouterr().err)


def test_feynrules_fetch_into_a_file(
    tool_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    Path("existing").write_text("")
    assert call("feynrules", "fetch", "NMSSM", "--dest", "existing") == 2
    assert "not a folder" in one_line(capsys.readouterr().err)


@pytest.mark.parametrize(
    "exc",
    [
        FileExistsError(17, "File exists", "x"),
        PermissionError(13, "denied"),
        ValueError("bad\nvalue"),
    ],
)
def test_run_tool_turns_os_and_value_errors_into_one_line(
    exc: Exception, capsys: pytest.CaptureFixture[str]
) -> None:
    def body(argv: list[str]) -> int:
        raise exc

    assert _common.run_tool("read-paper", [], body) == 1
    assert one_line(capsys.readouterr().err).startswith("read-paper: ")


# --- --doc anywhere, --timeout finite ---------------------------------------------------------------


def test_doc_anywhere_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert call("hepdata", "get", "--doc") == 0
    assert capsys.readouterr().out.startswith("# hepdata — ")
    assert call("prospino", "run", "--process", "x", "--doc") == 0
    assert capsys.readouterr().out.startswith("# prospino — ")
    # after --, arguments belong to the analysis script
    assert not _common.wants_doc(["analysis/a.py", "--", "--doc"])


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0"])
def test_run_analysis_timeout_must_be_finite_and_positive(
    value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("a.py").write_text("print(1)\n")
    assert call("run-analysis", "a.py", f"--timeout={value}") == 2
    assert "--timeout" in one_line(capsys.readouterr().err)
    assert not Path("logs").exists()  # refused before anything ran


# --- run-analysis stopped by a signal ---------------------------------------------------------------


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:  # a zombie waiting for a reaper is gone too
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_run_analysis_stopped_stops_its_script(sig: signal.Signals, tmp_path: Path) -> None:
    (tmp_path / "sleeper.py").write_text(
        "import os, subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "print('pids', os.getpid(), child.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLLIDERBENCH_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "colliderbench.tools.run_analysis", "sleeper.py"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        assert ready, "the script did not start"
        line = proc.stdout.readline().decode().split()
        assert line[0] == "pids"
        pids = [int(p) for p in line[1:]]
        proc.send_signal(sig)
        assert proc.wait(timeout=30) == 128 + sig
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    deadline = time.monotonic() + 10
    while not all(_gone(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(_gone(p) for p in pids), "the analysis script outlived run-analysis"
    assert proc.stderr is not None and "killed" in one_line(proc.stderr.read().decode())
    log = next((tmp_path / "logs").glob("sleeper-*.log")).read_text()
    assert f"# exit {128 + sig} (run-analysis got {sig.name})" in log
    lock = next((tmp_path / "logs").glob("run-analysis-*.lock"))
    with lock.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released


# --- prospino --backend binary ----------------------------------------------------------------------

FAKE_PROSPINO = """#!/bin/sh
# a stand-in for Prospino 2: reads prospino.in.les_houches from the working directory
test -f prospino.in.les_houches || { echo "prospino.in.les_houches not found" >&2; exit 7; }
grep -q "BLOCK MASS" prospino.in.les_houches || { echo "not an SLHA file" >&2; exit 8; }
cp prospino.in.les_houches "$FAKE_PROSPINO_SEEN"
cat > prospino.dat <<'EOF'
st  0  0    0.0    0.0    1.0 1000.0 1000.0  0.000 0.478E-02 0.183E-02 0.640E-02 0.210E-02 1.3390 0.478E-02 0.640E-02

    i1 i2  dummy0 dummy1 scafac  m1    m2      angle LO[pb]   rel_error NLO[pb]   rel_error   K    LO_ms[pb] NLO_ms[pb]
EOF
"""


@pytest.fixture
def fake_prospino(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir()
    exe = bin_dir / "prospino_2.run"
    exe.write_text(FAKE_PROSPINO)
    exe.chmod(0o755)
    seen = tmp_path / "seen.slha"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_PROSPINO_SEEN", str(seen))
    monkeypatch.delenv("PROSPINO", raising=False)
    monkeypatch.chdir(tmp_path)
    return seen


def test_prospino_binary_gets_the_model_spectrum(
    fake_prospino: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from colliderbench.physics.models import model_slha

    argv = ["run", "--backend", "binary", "--model", "T2tt", "--mass", "stop=1000"]
    assert call("prospino", *argv, "--mass", "neutralino1=50", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert fake_prospino.read_text() == model_slha("T2tt", {"stop": 1000, "neutralino1": 50})[2]
    (row,) = out["results"]
    assert row["final_state"] == "st" and row["m1"] == 1000.0
    assert row["lo_pb"] == pytest.approx(0.00478) and row["nlo_pb"] == pytest.approx(0.0064)
    assert row["k_factor"] == pytest.approx(1.339) and row["nlo_ms_pb"] == pytest.approx(0.0064)
    assert out["spectrum"].startswith("T2tt")


def test_prospino_binary_with_a_user_slha(
    fake_prospino: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("mine.slha").write_text("BLOCK MASS\n  1000006  5.0e+02\n")
    assert (
        call(
            "prospino",
            "run",
            "--backend",
            "binary",
            "--slha",
            "mine.slha",
            "--process",
            "stop_pair",
        )
        == 0
    )
    out, err = capsys.readouterr()
    assert fake_prospino.read_text() == Path("mine.slha").read_text()
    assert "compiled into the binary" in out and "NLO 0.0064 pb" in out
    assert "not passed to the binary" in one_line(err)
    # no spectrum, a bare number with --model: usage mistakes
    assert call("prospino", "run", "--backend", "binary") == 2
    assert "--slha" in one_line(capsys.readouterr().err)
    assert call("prospino", "run", "--backend", "binary", "--model", "T2tt", "--mass", "1000") == 2
    one_line(capsys.readouterr().err)


def test_prospino_binary_failure_is_one_line(
    fake_prospino: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("notslha").write_text("hello\n")
    assert call("prospino", "run", "--backend", "binary", "--slha", "notslha") == 1
    assert "not an SLHA file" in one_line(capsys.readouterr().err)


def test_prospino_parse_dat_skips_the_header() -> None:
    from colliderbench.tools.prospino import parse_dat

    text = (
        "gg  1  1    0.0    0.0    1.0 1750.0 1750.0  0.000 0.120E-02 0.100E-02 0.220E-02 0.100E-02 1.8333 0.120E-02 0.220E-02\n"
        "\n    i1 i2  dummy0 dummy1 scafac  m1    m2      angle LO[pb]   rel_error NLO[pb]   rel_error   K    LO_ms[pb] NLO_ms[pb]\n"
    )
    (row,) = parse_dat(text)
    assert row["i1"] == 1 and row["nlo_pb"] == pytest.approx(0.0022)


def test_help_process_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert call("prospino", "help-process", "gluino_gluino", "--json") == 0
    info = json.loads(capsys.readouterr().out)
    assert (
        info["process"] == "gluino_pair"
        and {"model": "T5Wg", "mass_key": "gluino"} in info["models"]
    )
    assert info["mass_min"] < 1750 < info["mass_max"]


# --- the deny list through cms-opendata stream -----------------------------------------------------


def test_stream_refuses_hepdata_urls_of_the_task_record(
    tmp_path: Path, tool_env, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:  # noqa: ANN001
    ws = build_workspace(TASK, tmp_path / "ws")
    monkeypatch.chdir(ws)
    hep = f"{tool_env.url}/hepdata"
    refused = [
        f"{hep}/record/ins9000046?format=root",  # its metadata names the task's arXiv id
        f"{hep}/download/submission/ins9000046/1/root",
        f"{hep}/record/resource/12345",  # no record id: cannot be checked, refused
        "https://www.hepdata.net/record/80040",
    ]
    for url in refused:
        assert call("cms-opendata", "stream", url, "--branches", "x") == 3, url
        assert "refused" in one_line(capsys.readouterr().err)
    log = (ws / ".colliderbench" / "denied.log").read_text().splitlines()
    assert len(log) == len(refused) and all(" cms-opendata " in line for line in log)
    # another record is not refused (it is just not a ROOT file)
    assert call("cms-opendata", "stream", f"{hep}/record/ins1000001.json", "--branches", "x") == 1
    assert "refused" not in capsys.readouterr().err


def test_stream_outside_a_workspace_refuses_nothing(
    tool_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    url = f"{tool_env.url}/hepdata/record/ins9000046.json"
    assert call("cms-opendata", "stream", url, "--branches", "x") == 1
    assert "not a ROOT file" in capsys.readouterr().err


# --- AGENTS.md from the manuals ---------------------------------------------------------------------


def test_agents_md_examples_come_from_the_quick_references(monkeypatch: pytest.MonkeyPatch) -> None:
    text = manuals.agents_md("t", "t.yaml", "CMS-SUS-16-051.pdf")
    pages = manuals.example("read-paper", f"read-paper {manuals.EXAMPLE_PAPER} --pages")
    assert f"`{pages.replace(manuals.EXAMPLE_PAPER, 'papers/CMS-SUS-16-051.pdf')}`" in text
    for tool, start in [
        ("simulate", "simulate info"),
        ("prospino", "prospino help-process"),
        ("run-analysis", "run-analysis analysis/"),
    ]:
        command = manuals.example(tool, start)
        assert f"`{command}`" in text and command in manuals.quick_reference(tool)
    # a manual's quick reference changes, and AGENTS.md follows
    real = manuals.manual

    def edited(tool: str) -> str:
        text = real(tool)
        return text.replace("run-analysis analysis/analysis.py ", "run-analysis analysis/main.py ")

    monkeypatch.setattr(manuals, "manual", edited)
    assert "`run-analysis analysis/main.py`" in manuals.agents_md("t", "t.yaml", "p.pdf")
