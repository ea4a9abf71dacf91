"""Issue 9's acceptance path: runs made by the real harness (the oracle twice, the replay agent with an
honest pipeline twice, a copied-numbers fixture and a run killed at its walltime), judged, then
``colliderbench report`` builds the site and Chromium loads it."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from colliderbench.cli import cli
from colliderbench.testing import synthetic_runs as S
from colliderbench.testing.browser import CHROMEDRIVER, CHROMIUM, check_site_in_chromium

pytestmark = pytest.mark.sandbox

TASK = S.TASK_ID  # sus-16-046_sim-TChiWg: the oracle's fastest task


STALL_SCRIPT = "echo starting > report.md\nsleep 120\n"


def _invoke(env: dict[str, str], args: list[str]) -> str:
    res = CliRunner(env=env).invoke(cli, args)
    assert res.exit_code == 0, res.output
    return res.output


@pytest.fixture(scope="module")
def harness_runs(tmp_path_factory) -> list[Path]:
    if shutil.which("bwrap") is None:
        pytest.skip("needs bubblewrap")
    tmp = tmp_path_factory.mktemp("harness-report")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "OPENAI_"))}
    scripts = {
        "honest": S.honest_replay_script(),
        "copied": S.copied_replay_script(),
        "stall": STALL_SCRIPT,
    }
    for name, text in scripts.items():
        (tmp / f"{name}.sh").write_text(text)
    base = ["run", "--task", TASK]
    _invoke(env, [*base, "--agent", "oracle", "--agent-arg", "events=300", "--repeats", "2",
                  "--runs-dir", str(tmp / "oracle")])  # fmt: skip
    _invoke(env, [*base, "--agent", "replay", "--script", str(tmp / "honest.sh"), "--repeats", "2",
                  "--runs-dir", str(tmp / "honest"), "--walltime", "5m"])  # fmt: skip
    _invoke(env, [*base, "--agent", "replay", "--script", str(tmp / "copied.sh"),
                  "--runs-dir", str(tmp / "copied"), "--walltime", "5m"])  # fmt: skip
    _invoke(env, [*base, "--agent", "replay", "--script", str(tmp / "stall.sh"),
                  "--runs-dir", str(tmp / "stall"), "--walltime", "3s"])  # fmt: skip
    dirs = [tmp / n for n in ("oracle", "honest", "copied", "stall")]
    for d in dirs:
        _invoke(env, ["judge", str(d), "--provider", "none"])
    return dirs


def test_report_over_harness_runs(harness_runs: list[Path], tmp_path: Path) -> None:
    site = tmp_path / "site"
    res = CliRunner().invoke(cli, ["report", *map(str, harness_runs), "--out", str(site), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    by_agent = {a["agent"]: a for a in data["agents"]}
    assert set(by_agent) == {"oracle", "replay"}
    oracle, replay = by_agent["oracle"], by_agent["replay"]
    assert oracle["runs"] == 2 and oracle["fabricated"] == 0
    assert oracle["tasks"][TASK]["n"] == 2 and oracle["tasks"][TASK]["std_relative_l2"] is not None
    assert oracle["tasks"][TASK]["mean_relative_l2"] < 0.5  # a real simulation, not a null result
    # replay: two honest runs, one fabricated (excluded from the mean), one timeout (counted as d = 1)
    assert replay["runs"] == 4 and replay["fabricated"] == 1
    assert replay["tasks"][TASK]["n"] == 3

    agg = json.loads((site / "aggregate.json").read_text())
    assert agg["tau"] == data["tau"]
    for name in ("index.html", "tables.md"):
        assert (site / name).is_file()
    assert len(list(site.glob("*.csv"))) == 4
    for plot in ("pareto_acc_vs_cost", "mean_relative_l2", "shape_vs_normalisation",
                 "completion_status", f"overlay_{TASK}"):  # fmt: skip
        assert (site / "plots" / f"{plot}.png").stat().st_size > 1000
        assert (site / "plots" / f"{plot}.svg").is_file()
    pages = sorted((site / "runs").glob("*.html"))
    assert len(pages) == 6  # one per run, even where two batches both have a replay r0
    assert (
        len(list((site / "plots").glob("run_*.png"))) == 6
    )  # the timeout shows the reference alone
    texts = "\n".join(p.read_text() for p in pages)
    assert "Fabricated" in texts and "timeout" in texts
    tables = (site / "tables.md").read_text()
    assert "fabricated" in tables.lower()


@pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER), reason="Debian chromium and chromium-driver are not installed"
)
def test_harness_site_in_headless_chromium(harness_runs: list[Path], tmp_path: Path) -> None:
    site = tmp_path / "site"
    res = CliRunner().invoke(cli, ["report", *map(str, harness_runs), "--out", str(site)])
    assert res.exit_code == 0, res.output
    check_site_in_chromium(site, ["oracle", "replay"], tmp_path, run_page_glob="oracle*.html")
