"""Reading run directories into records the tables and plots share.

A run directory holds ``run.json`` and, when they exist, ``score.json``, ``judge.json`` and
``score_recovered.json`` (docs/architecture.md). Missing pieces are tolerated: a run without a judge
is shown with its bare score, as the paper does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from colliderbench.errors import UserError
from colliderbench.judge.rundir import find_run_dirs
from colliderbench.scoring import RunOutcome


@dataclass
class RunRecord:
    path: Path
    run: dict[str, Any]
    score: dict[str, Any] | None = None
    judge: dict[str, Any] | None = None
    recovered: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def agent(self) -> str:
        return str(self.run.get("agent", "?"))

    @property
    def model(self) -> str | None:
        m = self.run.get("model")
        return str(m) if m else None

    @property
    def label(self) -> str:
        """``agent`` or ``agent/model``: one leaderboard row."""
        return f"{self.agent}/{self.model}" if self.model else self.agent

    @property
    def task(self) -> str:
        return str(self.run.get("task", "?"))

    @property
    def verdict(self) -> str | None:
        return None if self.judge is None else self.judge.get("verdict")

    @property
    def fabricated(self) -> bool:
        return self.verdict == "Fabricated"

    @property
    def status(self) -> str:
        """finished / timeout / agent_error / ...: what the completion plot counts."""
        failure = self.run.get("failure_class")
        if failure:
            return str(failure)
        if self.score is not None and not self.score.get("valid", False):
            return "invalid"
        return str(self.run.get("status", "unknown"))

    @property
    def run_id(self) -> str:
        return str(self.run.get("run_id") or self.path.name)

    def outcome(self) -> RunOutcome:
        s = self.score or {}
        return RunOutcome(
            agent=self.label,
            model=None,
            task=self.task,
            valid=bool(s.get("valid", False)),
            relative_l2=s.get("relative_l2"),
            shape_l2=s.get("shape_l2"),
            primary=s.get("primary"),
            fabricated=self.fabricated,
        )


def _read_json(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError, OSError):
        return None
    return data if isinstance(data, dict) else None


def collect_runs(roots: list[Path]) -> list[RunRecord]:
    """Every run directory (one holding run.json) below the given roots, sorted by path."""
    records: list[RunRecord] = []
    seen: set[Path] = set()
    for root in roots:
        if not root.exists():
            raise UserError(f"no such runs directory: {root}")
        for run_dir in find_run_dirs(root):
            d = run_dir.resolve()
            run_json = d / "run.json"
            if d in seen:
                continue
            seen.add(d)
            run = _read_json(run_json)
            if run is None:
                continue
            records.append(
                RunRecord(
                    path=d,
                    run=run,
                    score=_read_json(d / "score.json"),
                    judge=_read_json(d / "judge.json"),
                    recovered=_read_json(d / "score_recovered.json"),
                )
            )
    if not records:
        raise UserError(f"no runs (run.json files) found under {', '.join(map(str, roots))}")
    return sorted(records, key=lambda r: (r.label, r.task, str(r.path)))
