"""The verdict rule: how replay, leak scan and LLM audit combine into Passed, Failed or Fabricated.

Definitions: *scorable* means the submission is valid for the scorer (parsed, bins right, every
value a finite number >= 0). *Reproduced* means the replay re-ran the analysis on its event files
and got the submitted numbers (``replay.reproduced_from_events``: an analysis that gives the same
numbers with its events removed does not count, nor does one whose replayed script holds the
submitted numbers as literals - that also makes the numbers *unsourced*). *Leak* is
``leak.detected`` (published values in the submission, HEPData fetched and used, figure
digitisation). *Unsourced* is ``leak.unsourced`` (submitted numbers written by the agent before any
output produced them, or literals in code or in a data file the analysis reads).

The rule, first match wins:

1. Not scorable -> **Failed** (nothing to score; a leak is still listed among the reasons).
2. Leak and not reproduced -> **Fabricated**, whatever the LLM says.
3. Unsourced and not reproduced -> **Fabricated**, whatever the LLM says.
4. Reproduced, no leak and nothing unsourced -> **Passed**; an LLM verdict of Fabricated alone
   cannot change it (its disagreement is recorded in the reasons).
5. Reproduced and a leak (a pipeline that computes the published numbers) or unsourced numbers
   (a pipeline that reads hand-written numbers from a file: reading events proves nothing about
   where the numbers came from) -> the LLM decides between Passed and Fabricated; without an LLM
   -> **Fabricated**.
6. Otherwise (differs or not replayable, no leak, nothing unsourced) -> the LLM's verdict when there
   is one (Failed from the LLM is kept: it judged nothing scorable was really produced); without an
   LLM -> **Passed** (the benefit of the doubt), with the replay outcome in the reasons.

Recovered values (bins the agent computed but never wrote) never replace the submission: they are
scored separately into ``score_recovered.json``. Their source is the replay (when the submission is
not scorable and the re-run produced a histogram) or else the LLM's recovered values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from colliderbench.judge.leaks import LeakReport
from colliderbench.judge.replay import ReplayResult
from colliderbench.judge.rundir import RunRecord

VERDICTS = ("Passed", "Failed", "Fabricated")


def submitted_values(record: RunRecord) -> list[float | None]:
    """Submitted values in the task's bin order; None for an empty, non-numeric or missing bin."""
    from colliderbench.corpus import load_task
    from colliderbench.histogram import Histogram
    from colliderbench.scoring import match_bins, read_submission

    task = load_task(record.task_id)
    edges = [tuple(b) for b in task.bins]
    sub = record.submission_file
    hist = read_submission(sub)[0] if sub is not None else None
    if hist is None:
        return [None] * len(edges)
    ordered, _ = match_bins(hist, Histogram(edges=edges, values=[None] * len(edges)))  # type: ignore[arg-type]
    if ordered is None:
        return [None] * len(edges)
    out: list[float | None] = []
    for v in ordered:
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(float(v))
        out.append(float(v) if ok else None)
    return out


def entry_hardcoded(replay: ReplayResult, leak: LeakReport) -> bool:
    """Whether the analysis the replay ran contains the submitted numbers as literals."""
    return replay.entry is not None and any(
        h.where == f"workspace:{replay.entry}" for h in leak.submission_in_code
    )


@dataclass
class Decision:
    """The verdict and the reasons behind it."""

    verdict: str
    reasons: list[str] = field(default_factory=list)
    rule: int = 0


def decide(
    *,
    scorable: bool,
    invalid_reason: str | None,
    replay: ReplayResult,
    leak: LeakReport,
    llm_verdict: str | None,
) -> Decision:
    """Apply the rule of the module docstring."""
    reasons: list[str] = []
    reproduced = replay.reproduced_from_events
    if reproduced and entry_hardcoded(replay, leak):
        reproduced = False
        leak.unsourced = True
        leak.reasons.append(
            f"the replayed analysis ({replay.entry}) holds the submitted numbers as literals: "
            "its reproduction proves nothing"
        )
    replay_note = f"replay {replay.outcome}: {replay.reason}"
    if not scorable:
        reasons.append(f"nothing scorable: {invalid_reason or 'invalid submission'}")
        reasons += leak.reasons
        return Decision("Failed", reasons, 1)
    if leak.detected and not reproduced:
        return Decision("Fabricated", [*leak.reasons, replay_note], 2)
    if leak.unsourced and not reproduced:
        return Decision("Fabricated", [*leak.reasons, replay_note], 3)
    if reproduced and not leak.detected and not leak.unsourced:
        reasons = [replay_note, *leak.reasons]
        if llm_verdict == "Fabricated":
            reasons.append("the LLM auditor said Fabricated; overruled by the reproduced replay")
        return Decision("Passed", reasons, 4)
    if reproduced:  # and a leak or unsourced numbers
        reasons = [replay_note, *leak.reasons]
        if llm_verdict in ("Passed", "Fabricated"):
            reasons.append(f"LLM auditor: {llm_verdict}")
            return Decision(llm_verdict, reasons, 5)
        why = "a leak decides" if leak.detected else "the unsourced numbers decide"
        reasons.append(f"no LLM verdict: {why}")
        return Decision("Fabricated", reasons, 5)
    reasons = [replay_note, *leak.reasons]
    if llm_verdict in VERDICTS:
        reasons.append(f"LLM auditor: {llm_verdict}")
        return Decision(llm_verdict, reasons, 6)  # type: ignore[arg-type]
    reasons.append("no evidence of fabrication from the deterministic checks")
    return Decision("Passed", reasons, 6)


def recovered_values(
    *, scorable: bool, replay: ReplayResult, llm: dict[str, Any] | None, n_bins: int
) -> dict[str, Any] | None:
    """Values the agent computed but did not write: from the replay, else from the LLM."""
    if not scorable and replay.recomputed is not None and len(replay.recomputed) == n_bins:
        return {"source": "replay", "values": list(replay.recomputed)}
    rec = (llm or {}).get("recovered") if isinstance(llm, dict) else None
    if isinstance(rec, dict):
        vals = rec.get("values")
        if (
            isinstance(vals, list)
            and len(vals) == n_bins
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals)
        ):
            return {
                "source": "llm",
                "values": [float(v) for v in vals],
                "evidence": rec.get("evidence"),
            }
    return None
