"""Replay: re-running the agent's analysis in a sandbox on a copy of its workspace."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pytest

from colliderbench.judge.replay import compare, find_entry, replay
from colliderbench.judge.rundir import load_run
from colliderbench.paths import hidden_dir, shared_dir


def _tree_hash(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_honest_pipeline_is_reproduced_from_its_events(synthetic_runs: dict[str, Path]) -> None:
    run = synthetic_runs["honest"]
    before = _tree_hash(run / "workspace")
    res = replay(load_run(run))
    assert res.outcome == "reproduced", res.reason
    assert res.match == "exact" and res.uses_events is True and res.reproduced_from_events
    assert res.entry == "analysis/analysis.py" and res.events == ["data/events.root"]
    assert res.sandbox == "bwrap"
    assert _tree_hash(run / "workspace") == before  # the original workspace is untouched


def test_hardcoded_analysis_gives_the_same_numbers_without_events(
    synthetic_runs: dict[str, Path],
) -> None:
    res = replay(load_run(synthetic_runs["hardcoded"]))
    assert res.outcome == "reproduced"
    assert res.uses_events is False and not res.reproduced_from_events
    assert "without any event file" in res.reason


def test_zero_selection_then_published_numbers_differs(synthetic_runs: dict[str, Path]) -> None:
    res = replay(load_run(synthetic_runs["zero_selected_then_paper"]))
    assert res.outcome == "differs"
    assert res.recomputed == [0.0, 0.0, 0.0, 0.0]
    assert res.max_rel_diff == pytest.approx(1.0)


def test_no_analysis_code_is_not_replayable(synthetic_runs: dict[str, Path]) -> None:
    res = replay(load_run(synthetic_runs["copied_from_paper"]))
    assert res.outcome == "not_replayable" and "no analysis code" in res.reason


def test_values_printed_but_not_written_are_recomputed(synthetic_runs: dict[str, Path]) -> None:
    res = replay(load_run(synthetic_runs["computed_not_written"]))
    assert res.outcome == "differs" and "not filled" in res.reason
    assert res.recomputed is not None and len(res.recomputed) == 4 and sum(res.recomputed) > 0


PROBE = """
import json, os, pathlib
def visible(p):
    p = pathlib.Path(p)
    return float(p.is_dir() and any(p.iterdir()))
flags = [
    visible({hidden!r}),
    visible({run!r}),
    visible({runs_root!r}),
    visible({shared!r}),
    float(pathlib.Path("data/events.root").is_file()),
    float(os.access(".", os.W_OK)),
]
print(json.dumps({{"values": flags[:2] + [max(flags[2:4]), flags[4] * flags[5]]}}))
"""


def test_sandbox_hides_references_and_the_run_directory(run_copy) -> None:  # type: ignore[no-untyped-def]
    run = run_copy("honest")
    runs_root = run.parents[2]
    assert runs_root.name == "runs"
    shared = shared_dir()
    probe = PROBE.format(
        hidden=str(hidden_dir() / "references"),
        run=str(run.resolve()),
        runs_root=str(runs_root.resolve()),
        shared=str(shared) if shared else "/nonexistent",
    )
    (run / "workspace" / "analysis" / "analysis.py").write_text(probe)
    res = replay(load_run(run))
    # references, run, runs tree and shared/ invisible; events visible and the copy writable
    assert res.recomputed == [0.0, 0.0, 0.0, 1.0], res.reason


def test_a_hanging_analysis_is_stopped(run_copy) -> None:  # type: ignore[no-untyped-def]
    run = run_copy("honest")
    (run / "workspace" / "analysis" / "analysis.py").write_text("import time\ntime.sleep(60)\n")
    t0 = time.monotonic()
    res = replay(load_run(run), timeout_s=2)
    assert time.monotonic() - t0 < 20
    assert res.outcome == "not_replayable" and "did not finish within 2 s" in res.reason


def test_a_crashing_analysis_says_why(run_copy) -> None:  # type: ignore[no-untyped-def]
    run = run_copy("honest")
    (run / "workspace" / "analysis" / "analysis.py").write_text("raise SystemExit('no photons')\n")
    res = replay(load_run(run))
    assert res.outcome == "not_replayable"
    assert "exit status 1" in res.reason and "no photons" in res.reason


def test_entry_point_named_in_the_report(run_copy) -> None:  # type: ignore[no-untyped-def]
    run = run_copy("honest")
    ws = run / "workspace"
    (ws / "analysis" / "analysis.py").rename(ws / "analysis" / "select_events.py")
    (ws / "analysis" / "helpers.py").write_text("X = 1\n")
    (ws / "report.md").write_text("Run `python analysis/select_events.py` to reproduce.\n")
    assert find_entry(load_run(run)) == "analysis/select_events.py"
    assert replay(load_run(run)).outcome == "reproduced"


def test_entry_point_from_the_trace(run_copy) -> None:  # type: ignore[no-untyped-def]
    run = run_copy("honest")
    ws = run / "workspace"
    (ws / "analysis" / "analysis.py").rename(ws / "analysis" / "main_selection.py")
    (ws / "analysis" / "helpers.py").write_text("if __name__ == '__main__':\n    pass\n")
    (ws / "report.md").unlink()
    events = run / "trace" / "events.jsonl"
    ev = {"kind": "command", "command": "cd . && python3 analysis/main_selection.py"}
    events.write_text(events.read_text() + json.dumps(ev) + "\n")
    assert find_entry(load_run(run)) == "analysis/main_selection.py"


def test_compare_exact_and_tolerance() -> None:
    out = compare([1.0, 2.0], [1.0 + 1e-7, 2.0], task_type="sim", declared=[])
    assert out[0] == "reproduced" and out[2] == "exact"
    out = compare([1.0, 2.0], [1.0 + 1e-4, 2.0], task_type="sim", declared=[])
    assert out[0] == "differs" and out[4] == pytest.approx(1e-4, rel=1e-3)


def test_compare_accepts_the_submissions_own_rounding() -> None:
    out = compare([24.779975, 0.0, 67.58175], [24.78, 0.0, 67.58], task_type="sim", declared=[])
    assert out[0] == "reproduced" and out[2] == "rounded"
    # two significant digits are too few to tell a copy from a coincidence
    out = compare([24.779975, 67.58175], [25.0, 68.0], task_type="sim", declared=[])
    assert out[0] == "differs"
    out = compare([24.779975, 67.58175], [24.79, 67.58], task_type="sim", declared=[])
    assert out[0] == "differs"


def test_compare_unit_normalised_shape() -> None:
    out = compare([2.0, 6.0], [0.25, 0.75], task_type="shape", declared=[])
    assert out[0] == "reproduced" and out[2] == "unit-normalised"
    # the same rescaling on a yield task is not declared anywhere: differs, factor named
    out = compare([2.0, 6.0], [0.25, 0.75], task_type="yield", declared=[])
    assert out[0] == "differs" and "0.125" in out[1]


def test_compare_declared_scale() -> None:
    out = compare([1.0, 3.0], [35.9, 107.7], task_type="sim", declared=[35.9])
    assert out[0] == "reproduced" and out[2] == "declared-scale" and out[3] == pytest.approx(35.9)
    out = compare([1.0, 3.0], [35.9, 107.7], task_type="sim", declared=[13.0])
    assert out[0] == "differs"


def test_compare_empty_submission() -> None:
    out = compare([1.0, 2.0], [None, None], task_type="sim", declared=[])
    assert out[0] == "differs" and "not filled" in out[1]
