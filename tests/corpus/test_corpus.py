"""The corpus: 30 tasks that validate, and references that never sit beside what agents see."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from colliderbench.corpus import all_tasks, load_task, read_reference, template_path, validate_tasks
from colliderbench.errors import UserError
from colliderbench.paths import hidden_dir


def test_thirty_tasks_in_three_families():
    tasks = all_tasks()
    assert len(tasks) == 30
    assert {t.type for t in tasks} == {"sim", "shape", "yield"}
    sims = all_tasks("sim")
    assert len(sims) == 10
    for t in sims:
        suffix = t.id.split("_sim-")[1]
        paper = t.id.split("_sim-")[0]
        assert load_task(f"{paper}_shape-{suffix}").sim_id == t.id
        assert load_task(f"{paper}_yield-{suffix}").n_bins == 1


@pytest.mark.parametrize("task", [t.id for t in all_tasks()])
def test_every_task_validates(task):
    (check,) = validate_tasks([task])
    assert check.ok, check.problems


def test_yield_reference_uses_corrected_highht_sum():
    assert read_reference("sus-16-047_yield-T5Wg_highHT").values == [pytest.approx(9.16883)]
    assert read_reference("sus-16-047_yield-T6gg_highHT").values == [pytest.approx(4.8952)]


def test_no_reference_file_under_any_task_folder():
    refs = hidden_dir().resolve()
    for t in all_tasks():
        folder = t.directory.resolve()
        assert refs not in folder.parents and folder not in refs.parents
        for f in folder.rglob("*"):
            assert "reference" not in f.name.lower()
            if f.suffix == ".yaml":
                assert all(
                    v is None
                    for v in __import__("colliderbench.histogram", fromlist=["x"])
                    .read_histogram(f)
                    .values
                )
    assert not any(p.name == "colliderbench_hidden" for p in template_path(all_tasks()[0]).parents)


def test_unknown_task_is_a_user_error():
    with pytest.raises(UserError, match="did you mean"):
        load_task("sus-16-046_sim-T5W")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "colliderbench", *args], capture_output=True, text=True
    )


def test_cli_list_json_and_validate():
    p = run_cli("tasks", "list", "--json")
    assert p.returncode == 0
    rows = json.loads(p.stdout)
    assert len(rows) == 30
    assert {"id", "paper", "type", "target", "observable", "n_bins", "difficulty"} <= set(rows[0])
    p = run_cli("tasks", "validate")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "30/30 tasks valid" in p.stdout


def test_cli_score_json_and_usage_error(tmp_path):
    p = run_cli(
        "score",
        str(template_path("sus-16-034_sim-TChiWZ")),
        "--task",
        "sus-16-034_sim-TChiWZ",
        "--json",
    )
    assert p.returncode == 0
    out = json.loads(p.stdout)
    assert set(out) >= {
        "task",
        "valid",
        "reason",
        "relative_l2",
        "delta_norm",
        "shape_l2",
        "n_bins",
        "n_filled",
        "submitted",
        "reference",
    }
    assert out["valid"] is False
    p = run_cli("score", "x.yaml", "--task", "no-such-task")
    assert p.returncode == 2
    assert p.stderr.count("\n") == 1 and "unknown task" in p.stderr and "Traceback" not in p.stderr
