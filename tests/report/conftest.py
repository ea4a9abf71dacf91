"""Run directories built by hand in the harness's layout (the harness-made ones are tested too)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from colliderbench.corpus import load_task, template_path
from colliderbench.histogram import fill_template
from colliderbench.scoring import score_submission

REF = {
    "sus-16-046_sim-T5Wg": [0.49, 1.78, 6.10, 46.48],
    "sus-16-034_sim-TChiWZ": [0.45, 1.37, 1.65, 1.94],
}


def make_run(
    root: Path,
    agent: str,
    model: str | None,
    task: str,
    rep: int,
    values,
    *,
    verdict=None,
    failure=None,
    cost=None,
    wall=600.0,
) -> Path:
    d = root / f"{agent}_{model or 'none'}" / task / f"run{rep:03d}"
    (d / "workspace" / "results").mkdir(parents=True)
    (d / "trace").mkdir()
    (d / "trace" / "events.jsonl").write_text(json.dumps({"kind": "command", "text": "ls"}) + "\n")
    t = load_task(task)
    sub = d / "workspace" / "results" / t.template_name
    if values is not None:
        sub.write_text(fill_template(template_path(t), values))
    (d / "workspace" / "report.md").write_text("# report\nI simulated.\n")
    score = score_submission(t, sub if values is not None else None)
    (d / "score.json").write_text(json.dumps(score.to_dict()))
    run = {
        "agent": agent,
        "model": model,
        "task": task,
        "repeat": rep,
        "run_id": d.name,
        "status": "failed" if failure else "finished",
        "failure_class": failure,
        "wall_s": wall,
        "tokens_in": 1000 * rep + 5000,
        "tokens_out": 300,
        "cost_usd": cost,
    }
    (d / "run.json").write_text(json.dumps(run))
    if verdict:
        (d / "judge.json").write_text(
            json.dumps({"verdict": verdict, "reasons": [f"fixture: {verdict}"]})
        )
    return d


@pytest.fixture
def run_factory():
    return make_run


@pytest.fixture
def runs_dir(tmp_path: Path) -> Path:
    root = tmp_path / "runs"
    for task, ref in REF.items():
        for rep in range(3):
            make_run(
                root,
                "oracle",
                None,
                task,
                rep,
                [v * (1 + 0.05 * rep) for v in ref],
                verdict="Passed",
            )
        make_run(
            root,
            "claude-code",
            "sonnet",
            task,
            0,
            [v * 1.8 for v in ref],
            verdict="Passed",
            cost=2.5,
        )
        make_run(
            root, "claude-code", "sonnet", task, 1, None, failure="timeout", cost=4.0, wall=9000
        )
    # one fabricated run that would otherwise be the best of its cell
    make_run(
        root,
        "claude-code",
        "sonnet",
        "sus-16-046_sim-T5Wg",
        2,
        REF["sus-16-046_sim-T5Wg"],
        verdict="Fabricated",
        cost=1.0,
    )
    return root
