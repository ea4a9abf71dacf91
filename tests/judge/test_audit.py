"""The audit prompt (bounded, sectioned, never the reference) and the parsing of the answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from colliderbench.corpus import read_reference
from colliderbench.judge.audit import Section, build_prompt, parse_answer, rubric
from colliderbench.judge.leaks import scan_leaks
from colliderbench.judge.replay import replay
from colliderbench.judge.rundir import load_run
from colliderbench.judge.verdict import submitted_values


def _checked(run: Path):  # type: ignore[no-untyped-def]
    rec = load_run(run)
    ref = read_reference(rec.task_id)
    sub = submitted_values(rec)
    rep = replay(rec, submitted=sub)
    lk = scan_leaks(rec, [float(v) for v in ref.values], sub, reference_metadata=ref.metadata)
    return rec, rep, lk, ref


def _prompt(run: Path, budget: int = 400_000):  # type: ignore[no-untyped-def]
    rec, rep, lk, ref = _checked(run)
    return build_prompt(rec, rep, lk, budget_chars=budget), ref


def test_rubric_is_package_data() -> None:
    text = rubric()
    assert "Fabricated" in text and '"verdict"' in text


def test_prompt_holds_the_evidence_but_never_the_reference(synthetic_runs: dict[str, Path]) -> None:
    prompt, ref = _prompt(synthetic_runs["honest"])
    for title in ("Task", "Deterministic checks", "Submission", "report.md", "Analysis code"):
        assert f"## {title}" in prompt.user
    assert "python analysis/analysis.py" in prompt.user
    for v in ref.values:
        assert str(v) not in prompt.user and str(v) not in prompt.system


def test_leak_evidence_is_given_without_the_published_numbers(
    synthetic_runs: dict[str, Path],
) -> None:
    prompt, _ = _prompt(synthetic_runs["zero_selected_then_paper"])
    section = prompt.user.split("## Deterministic checks")[1].split("## ")[0]
    checks = json.loads(section.strip())
    assert checks["replay"]["outcome"] == "differs"
    assert checks["leak_scan"]["submission_bins_equal_to_published"] == [0, 1, 2, 3]
    assert "36.48" not in section and "40.92" not in section


def test_prompt_over_budget_is_cut_by_whole_items(run_copy) -> None:  # type: ignore[no-untyped-def]
    run = run_copy("honest")
    events = run / "trace" / "events.jsonl"
    extra = [
        {"kind": "command", "command": f"echo step {i} " + "x" * 900, "id": f"e{i}"}
        for i in range(300)
    ]
    events.write_text(events.read_text() + "".join(json.dumps(e) + "\n" for e in extra))
    prompt, _ = _prompt(run, budget=60_000)
    assert prompt.chars <= 60_000
    trace = next(s for s in prompt.sections if s.title.startswith("Trace"))
    assert trace.omitted > 0
    assert f"[{trace.omitted} item(s) omitted for length]" in prompt.user
    body = prompt.user.split("## Trace extract")[1].splitlines()[2:]
    kept = [ln for ln in body if ln.strip() and not ln.startswith("[")]
    rows = [json.loads(ln) for ln in kept]  # every kept event is whole JSON
    assert rows[0]["i"] == 0 and rows[-1]["i"] == 300 + 9  # beginning and end are kept
    assert "## Deterministic checks" in prompt.user and "## Submission" in prompt.user


def test_trimming_a_long_trace_is_linear(run_copy, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """6000 events used to re-render the prompt once per dropped item (5.9 s): sizes are now
    counted once and every section is rendered once."""
    run = run_copy("honest")
    events = run / "trace" / "events.jsonl"
    extra = [{"kind": "command", "command": f"step {i} " + "y" * 300} for i in range(6000)]
    events.write_text(events.read_text() + "".join(json.dumps(e) + "\n" for e in extra))
    rec, rep, lk, _ = _checked(run)
    renders = []
    original = Section.render
    monkeypatch.setattr(Section, "render", lambda self: renders.append(1) or original(self))
    prompt = build_prompt(rec, rep, lk, budget_chars=200_000)
    assert len(renders) == len(prompt.sections)
    assert 200_000 - 400 < prompt.chars <= 200_000  # dropped whole items, no more than needed
    assert all(s.size() == len(original(s)) for s in prompt.sections)
    trace = prompt.sections[-1]
    assert trace.omitted > 5000 and len(trace.items) + trace.omitted == len(rec.events)


def test_parse_answer_forms() -> None:
    obj = {"verdict": "passed", "bins": [], "recovered": None}
    assert parse_answer(json.dumps(obj))["verdict"] == "Passed"
    fenced = "Here is my audit.\n```json\n" + json.dumps(obj) + "\n```\nThanks."
    assert parse_answer(fenced)["verdict"] == "Passed"
    prose = "Verdict follows: " + json.dumps({"verdict": "Fabricated", "reasons": ["x {y}"]})
    assert parse_answer(prose)["reasons"] == ["x {y}"]
    with pytest.raises(ValueError, match="no JSON"):
        parse_answer("I think it is fine.")
    with pytest.raises(ValueError, match="not one of"):
        parse_answer('{"verdict": "Suspicious"}')
