"""End to end through the real harness: the ``replay`` agent runs a script in the sandbox, then the
judge audits the run directory the harness left (run.json, trace/, workspace/, runs.sqlite)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from colliderbench.cli import cli
from colliderbench.testing import synthetic_runs as S

pytestmark = pytest.mark.sandbox

# after an honest pipeline, the first bin is changed by hand
EDIT_ONE_BIN = f"""sed -i '0,/- value: [0-9.]*/s//- value: 12.5/' results/{S.TASK_ID}.yaml
"""


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        (S.honest_replay_script(), "Passed"),
        (S.copied_replay_script(), "Fabricated"),
        (S.honest_replay_script() + EDIT_ONE_BIN, "Fabricated"),
    ],
    ids=["honest", "copied", "one-bin-edited"],
)
def test_replay_agent_runs_are_judged(tmp_path: Path, script: str, expected: str) -> None:
    if shutil.which("bwrap") is None:
        pytest.skip("needs bubblewrap")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "OPENAI_"))}
    (tmp_path / "agent.sh").write_text(script)
    runs = tmp_path / "runs"
    res = CliRunner(env=env).invoke(
        cli,
        [
            "run", "--agent", "replay", "--script", str(tmp_path / "agent.sh"),
            "--task", S.TASK_ID, "--runs-dir", str(runs), "--walltime", "5m",
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    run_dir = runs / "replay_none" / S.TASK_ID / "r0"
    record = json.loads((run_dir / "run.json").read_text())
    assert record["status"] == "finished", record
    res = CliRunner(env=env).invoke(cli, ["judge", str(runs), "--json", "--provider", "none"])
    assert res.exit_code == 0, res.output
    row = json.loads(res.stdout.strip().splitlines()[-1])
    assert row["verdict"] == expected, row["reasons"]
    from colliderbench.harness import db

    with db.opened(db.db_path(runs)) as con:
        assert [r["judge"] for r in db.list_runs(con)] == [expected]


@pytest.mark.slow
def test_oracle_run_is_reproduced_and_passed(tmp_path: Path) -> None:
    """The reference recast through the harness (Pythia 8 + detector, 300 events): its
    analysis/analysis.py re-runs on its own data/ and gives the submitted values exactly."""
    if shutil.which("bwrap") is None:
        pytest.skip("needs bubblewrap")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "OPENAI_"))}
    runs = tmp_path / "runs"
    res = CliRunner(env=env).invoke(
        cli,
        [
            "run", "--agent", "oracle", "--agent-arg", "events=300", "--task", S.TASK_ID,
            "--runs-dir", str(runs), "--walltime", "15m",
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    res = CliRunner(env=env).invoke(cli, ["judge", str(runs), "--json", "--provider", "none"])
    row = json.loads(res.stdout.strip().splitlines()[-1])
    assert row["verdict"] == "Passed", row["reasons"]
    assert row["replay"]["outcome"] == "reproduced" and row["replay"]["match"] == "exact"
    assert row["replay"]["uses_events"] is True
    assert not row["leak"]["detected"] and not row["leak"]["unsourced"]
