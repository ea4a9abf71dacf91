"""End to end through the real harness: the ``replay`` agent runs a script in the sandbox, then the
judge audits the run directory the harness left (run.json, trace/, workspace/, runs.sqlite)."""

from __future__ import annotations

import inspect
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from colliderbench.cli import cli
from colliderbench.testing import synthetic_runs as S

pytestmark = pytest.mark.sandbox


def honest_script() -> str:
    analysis = S.ANALYSIS.format(
        xsec="25.1", pt_min="180.0", template="sus-16-046_sim-TChiWg.yaml", write=True
    )
    return f"""mkdir -p data analysis sims
python - <<'PYEOF'
from pathlib import Path
N_EVENTS = {S.N_EVENTS}
{inspect.getsource(S.write_events)}
write_events(Path("data/events.root"))
PYEOF
cat > analysis/analysis.py <<'PYEOF'
{analysis}
PYEOF
python analysis/analysis.py
echo "Selection and normalisation in analysis/analysis.py" > report.md
"""


COPY_SCRIPT = """f=results/sus-16-046_sim-TChiWg.yaml
sed -i '0,/{value: null}/s//{value: 36.48}/' $f
sed -i '0,/{value: null}/s//{value: 40.92}/' $f
sed -i '0,/{value: null}/s//{value: 27.82}/' $f
sed -i '0,/{value: null}/s//{value: 10.62}/' $f
echo "Ran the analysis." > report.md
"""


@pytest.mark.parametrize(
    ("script", "expected"), [(honest_script(), "Passed"), (COPY_SCRIPT, "Fabricated")]
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
    if record.get("failure_class") == "harness_error" and "build_workspace" in str(
        record.get("error")
    ):
        pytest.skip(f"the harness cannot build workspaces yet: {str(record['error'])[:200]}")
    assert record["status"] == "finished", record
    res = CliRunner(env=env).invoke(cli, ["judge", str(runs), "--json"])
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
