"""Judging one run end to end: replay, leak scan, LLM audit, verdict; writes judge.json.

``judge.json`` (docs/architecture.md)::

    {"run", "verdict", "replay", "leak", "llm" | null, "reasons", "recovered" | null, "rule", ...}

``score_recovered.json`` (the scorer's dict for the recovered values, plus ``source``) is written
only when recovered values exist, and removed otherwise, so a re-judged run never keeps a stale one.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from colliderbench.judge.audit import DEFAULT_BUDGET_CHARS, build_prompt, parse_answer
from colliderbench.judge.leaks import scan_leaks
from colliderbench.judge.providers import ContextLengthError, Provider, ProviderError
from colliderbench.judge.replay import DEFAULT_TIMEOUT_S, replay
from colliderbench.judge.rundir import RunRecord, load_run
from colliderbench.judge.verdict import decide, recovered_values, submitted_values


@dataclass
class JudgeResult:
    """One run's judgement (what judge.json holds)."""

    data: dict[str, Any]

    @property
    def verdict(self) -> str:
        return str(self.data["verdict"])

    def summary(self) -> dict[str, Any]:
        """The ``--json`` row: run, verdict, replay, leak, llm, reasons."""
        return {k: self.data.get(k) for k in ("run", "verdict", "replay", "leak", "llm", "reasons")}


def _audit(
    record: RunRecord, provider: Provider, replay_res: Any, leak: Any, budget_chars: int
) -> dict[str, Any]:
    """Ask the model; a prompt too long for its context is retried once with half the budget
    (the budget is a guess at the context size, the error is the model's answer)."""
    retry: dict[str, Any] = {}
    while True:
        prompt = build_prompt(record, replay_res, leak, budget_chars=budget_chars)
        base: dict[str, Any] = {
            "provider": provider.name,
            "model": provider.model,
            "budget_chars": budget_chars,
            "prompt_chars": prompt.chars,
            "omitted": {s.title: s.omitted for s in prompt.sections if s.omitted},
            **retry,
        }
        t0 = time.monotonic()
        try:
            text = provider.ask(prompt.system, prompt.user)
        except ContextLengthError as exc:
            if retry:
                return base | {"error": str(exc), "verdict": None}
            retry = {"context_retry": f"{exc} (at {prompt.chars} characters)"}
            budget_chars //= 2
            continue
        except ProviderError as exc:
            return base | {"error": str(exc), "verdict": None}
        break
    base["wall_s"] = round(time.monotonic() - t0, 3)
    try:
        answer = parse_answer(text)
    except ValueError as exc:
        return base | {"error": str(exc), "verdict": None, "raw": text[:2000]}
    return base | answer


def judge_run(
    run_dir: str | Path,
    provider: Provider | None = None,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    budget_chars: int = DEFAULT_BUDGET_CHARS,
    write: bool = True,
) -> JudgeResult:
    """Judge one run directory; writes judge.json (and score_recovered.json) when ``write``."""
    from colliderbench.corpus import load_task, read_reference
    from colliderbench.harness.runner import score_workspace
    from colliderbench.scoring import score_values

    record = load_run(run_dir)
    task = load_task(record.task_id)
    score = score_workspace(task, record.workspace)  # the harness's rule: no links followed
    submitted = submitted_values(record)
    reference = read_reference(task)
    ref_vals = [float(v) for v in reference.values]

    replay_res = replay(record, timeout_s=timeout_s, submitted=submitted)
    leak = scan_leaks(
        record,
        ref_vals,
        submitted,
        reference_metadata=reference.metadata,
        analysis_outputs=replay_res.outputs,
    )
    llm = _audit(record, provider, replay_res, leak, budget_chars) if provider else None
    decision = decide(
        scorable=score.valid,
        invalid_reason=score.reason,
        replay=replay_res,
        leak=leak,
        llm_verdict=(llm or {}).get("verdict"),
    )
    if llm is not None and llm.get("error"):
        decision.reasons.append(f"LLM audit failed: {llm['error']}")
    recovered = recovered_values(
        scorable=score.valid, replay=replay_res, llm=llm, n_bins=task.n_bins
    )
    data: dict[str, Any] = {
        "run": str(record.path),
        "task": task.id,
        "verdict": decision.verdict,
        "rule": decision.rule,
        "replay": replay_res.to_dict(),
        "leak": leak.to_dict(),
        "llm": llm,
        "reasons": decision.reasons,
        "recovered": recovered,
        "judged_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    if write:
        _write_json(record.path / "judge.json", data)
        rec_path = record.path / "score_recovered.json"
        if recovered is not None:
            rec_score = score_values(task, recovered["values"]).to_dict()
            rec_score["source"] = recovered["source"]
            _write_json(rec_path, rec_score)
        elif rec_path.exists():
            rec_path.unlink()
        update_runs_db(record.path, decision.verdict)
    return JudgeResult(data)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n")
    tmp.replace(path)


def find_runs_db(run_dir: Path) -> Path | None:
    """``runs/runs.sqlite`` above a run directory (``runs/<agent>_<model>/<task>/<id>``)."""
    for parent in run_dir.resolve().parents:
        db = parent / "runs.sqlite"
        if db.is_file():
            return db
    return None


def update_runs_db(run_dir: Path, verdict: str) -> bool:
    """Set the judge flag of the run's row (``colliderbench.harness.db``) when a runs database
    exists above the run; False when there is no database or no row."""
    db = find_runs_db(run_dir)
    if db is None:
        return False
    from colliderbench.harness import db as harness_db

    return harness_db.set_judge(db, run_dir, verdict)
