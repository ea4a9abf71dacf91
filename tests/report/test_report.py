"""The report: aggregates by the scoring rules, all files written, and the page checked in Chromium."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from colliderbench.report import aggregate, build_report, collect_runs
from colliderbench.testing.browser import CHROMEDRIVER, CHROMIUM, check_site_in_chromium


def test_aggregate_rules(runs_dir):
    agg = aggregate(collect_runs([runs_dir]))
    assert agg.agents == ["claude-code/sonnet", "oracle"]
    cells = {(c.agent, c.task): c for c in agg.cells}
    cc = cells[("claude-code/sonnet", "sus-16-046_sim-T5Wg")]
    assert cc.n == 2 and cc.n_fabricated == 1 and cc.n_invalid == 1  # timeout counts d = 1
    assert cc.mean_d == pytest.approx((0.8 + 1.0) / 2, rel=1e-3)
    oracle = cells[("oracle", "sus-16-034_sim-TChiWZ")]
    assert oracle.n == 3 and oracle.std_d is not None
    acc = agg.acc()
    assert acc["oracle"] == (1.0, 2, 2) and acc["claude-code/sonnet"][0] == 0.0
    out = agg.to_json()
    assert out["tau"] == 0.33
    cc_json = next(a for a in out["agents"] if a["agent"] == "claude-code")
    assert cc_json["model"] == "sonnet" and cc_json["fabricated"] == 1 and cc_json["runs"] == 5
    assert set(cc_json["tasks"]["sus-16-046_sim-T5Wg"]) == {
        "mean_relative_l2",
        "std_relative_l2",
        "mean_shape_l2",
        "n",
        "mean_recovered_relative_l2",  # beside the keys: the judge's recovered scores
        "n_recovered",
    }


def test_tables_bold_best_and_single_runs_bare(runs_dir):
    agg = aggregate(collect_runs([runs_dir]))
    t2 = agg.table2()
    assert t2.header == ["task", "claude-code/sonnet", "oracle"]
    assert all((i, 2) in t2.bold for i in range(len(t2.rows)))  # the oracle is best on both tasks
    assert (
        "fabricated excluded"
        in t2.rows[t2.header and [r[0] for r in t2.rows].index("sus-16-046_sim-T5Wg")][1]
    )
    md = t2.to_markdown()
    assert "**" in md and "±" in md


def test_partial_data_without_judge(tmp_path, run_factory):
    run_factory(
        tmp_path / "runs", "replay", None, "sus-16-046_sim-T5Wg", 0, [0.49, 1.78, 6.10, 46.48]
    )
    agg = aggregate(collect_runs([tmp_path / "runs"]))
    assert agg.table2().rows[0][1] == "0.000"  # one run: the bare value
    assert agg.provenance("replay")["unjudged"] == 1


def test_cli_writes_everything(runs_dir, tmp_path):
    site = tmp_path / "site"
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "colliderbench",
            "report",
            str(runs_dir),
            "--out",
            str(site),
            "--json",
        ],
        capture_output=True,
        text=True,
    )
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert {a["agent"] for a in data["agents"]} == {"oracle", "claude-code"}
    for name in ("index.html", "tables.md", "aggregate.json", "style.css"):
        assert (site / name).is_file()
    assert len(list(site.glob("*.csv"))) == 4
    for plot in (
        "pareto_acc_vs_cost",
        "mean_relative_l2",
        "shape_vs_normalisation",
        "completion_status",
        "overlay_sus-16-046_sim-T5Wg",
    ):
        assert (site / "plots" / f"{plot}.png").stat().st_size > 1000
        assert (site / "plots" / f"{plot}.svg").is_file()
    assert len(list((site / "runs").glob("*.html"))) == 11
    p = subprocess.run(
        [sys.executable, "-m", "colliderbench", "report", str(tmp_path / "nothing")],
        capture_output=True,
        text=True,
    )
    assert p.returncode == 2 and "no such runs directory" in p.stderr


@pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER), reason="Debian chromium and chromium-driver are not installed"
)
def test_site_in_headless_chromium(runs_dir, tmp_path):
    site = tmp_path / "site"
    agg = build_report([runs_dir], site)
    shot = check_site_in_chromium(site, agg.agents, tmp_path, run_page_glob="oracle*.html")
    Path("/tmp/colliderbench-report-screenshot.png").write_bytes(shot.read_bytes())


def test_recovered_scores_shown_beside_the_submitted_ones(tmp_path, run_factory):
    from colliderbench.scoring import score_values

    task = "sus-16-046_sim-T5Wg"
    run = run_factory(tmp_path / "runs", "codex", "gpt", task, 0, None, verdict="Failed")
    recovered = score_values(task, [0.5, 1.8, 6.0, 46.0]).to_dict()
    (run / "score_recovered.json").write_text(json.dumps({**recovered, "source": "replay"}))
    agg = aggregate(collect_runs([tmp_path / "runs"]))
    cell = agg.table2().rows[0][1]
    assert cell.startswith("1.000") and "recovered: 0.0" in cell  # submitted d = 1 kept first
    entry = agg.to_json()["agents"][0]["tasks"][task]
    assert entry["mean_relative_l2"] == 1.0 and entry["n_recovered"] == 1
    assert entry["mean_recovered_relative_l2"] == pytest.approx(recovered["relative_l2"])
