"""Replay check (no LLM): re-run the agent's analysis on its own event files and compare.

1. **Find** the analysis and the events in the workspace. The entry point is, in order:
   ``analysis/analysis.py`` (the convention of AGENTS.md and of ``colliderbench solve``), a
   ``python analysis/<file>.py`` (or ``bash analysis/<file>.sh``) named in ``report.md`` or
   ``AGENTS.md``, the last such command that the trace shows the agent running, or the only script in
   ``analysis/``. The events are the ``*.root`` files of the workspace (``data/`` first).
2. **Re-run** it in a sandbox on a *copy* of the workspace whose ``results/`` file has been reset to
   the null template, so the original is never touched and an unchanged file cannot pass for a
   recomputed one. The sandbox is the harness's (``colliderbench.harness.sandbox.run_command``):
   the copy at ``/workspace`` as the agent had it, the Python environment read-only, no network,
   an empty home and /tmp; the hidden references, the runs tree and the development ``shared/``
   folder are not visible. Without a sandbox backend the run is not replayed at all. The data
   files the re-run writes are recorded (``outputs``): the leak scan must not take an analysis's
   own output for a hand-written input.
3. **Read** the recomputed histogram: the results file the analysis wrote, else the last JSON line
   of its stdout with a ``values`` list of the right length.
4. **Compare** with the submission bin by bin (edges matched): equal within 1e-6 relative is
   *reproduced*; equal up to one common factor is *reproduced* when the factor is declared (a shape
   task submitted unit-normalised, or the factor written in report.md, the submission's metadata or
   a normalisation file), otherwise *differs*. Anything that stops the re-run is *not_replayable*
   with the reason.
5. When reproduced, the analysis is run once more **without the event files**: an analysis whose
   numbers do not change when its events are gone did not compute them from events
   (``uses_events = False``).
"""

from __future__ import annotations

import json
import math
import re
import shutil
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from colliderbench.judge.leaks import float_token, token_matches
from colliderbench.judge.rundir import DATA_SUFFIXES, RunRecord
from colliderbench.paths import contained_file

RTOL = 1e-6
DEFAULT_TIMEOUT_S = 900.0
_ENTRY_CMD = re.compile(r"\b(python3?|bash|sh)\s+(\./)?(analysis/[\w./-]+\.(?:py|sh))")


@dataclass
class ReplayResult:
    """The ``replay`` section of judge.json."""

    outcome: str  # "reproduced" | "differs" | "not_replayable"
    reason: str
    entry: str | None = None
    events: list[str] = field(default_factory=list)
    recomputed: list[float] | None = None
    submitted: list[float | None] | None = None
    match: str | None = None  # "exact" | "rounded" | "unit-normalised" | "declared-scale"
    scale: float | None = None
    max_rel_diff: float | None = None
    uses_events: bool | None = None
    # data files the re-run created or changed (its outputs, not inputs); None: not re-run
    outputs: list[str] | None = None
    sandbox: str | None = None
    exit_code: int | None = None
    wall_s: float | None = None
    stderr_tail: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def reproduced_from_events(self) -> bool:
        """Reproduced, and the analysis needs its events to get these numbers."""
        return self.outcome == "reproduced" and self.uses_events is not False


# ---------------------------------------------------------------------------------------- finding


def find_entry(record: RunRecord) -> str | None:
    """The analysis entry point, relative to the workspace, or None."""
    ws = record.workspace
    if contained_file(ws, ws / "analysis" / "analysis.py"):
        return "analysis/analysis.py"
    for doc in ("report.md", "AGENTS.md"):
        p = ws / doc
        if contained_file(ws, p):
            for m in _ENTRY_CMD.finditer(p.read_text(errors="replace")):
                if contained_file(ws, ws / m.group(3)):
                    return m.group(3)
    for ev in reversed(record.events):
        if ev.get("kind") == "command":
            for m in _ENTRY_CMD.finditer(str(ev.get("command", ""))):
                if contained_file(ws, ws / m.group(3)):
                    return m.group(3)
    scripts = [
        p
        for p in sorted((ws / "analysis").glob("*.py")) + sorted((ws / "analysis").glob("*.sh"))
        if contained_file(ws, p)
    ]
    if len(scripts) == 1:
        return str(scripts[0].relative_to(ws))
    mains = [s for s in scripts if "__main__" in s.read_text(errors="replace")]
    if len(mains) == 1:
        return str(mains[0].relative_to(ws))
    return None


def find_events(workspace: Path) -> list[str]:
    """Event files (``*.root``) of the workspace, ``data/`` first."""
    if not workspace.is_dir():
        return []
    found = sorted(workspace.rglob("*.root"))
    rels = [str(p.relative_to(workspace)) for p in found if contained_file(workspace, p)]
    skip = ("bin/", "object_efficiencies/", "papers/")
    rels = [r for r in rels if not r.startswith(skip)]
    return sorted(rels, key=lambda r: (not r.startswith("data/"), r))


# ---------------------------------------------------------------------------------------- running


@dataclass
class _Run:
    exit_code: int | None
    stdout: str
    stderr: str
    timed_out: bool
    wall_s: float
    sandbox: str


def _env() -> dict[str, str]:
    """Variables of the re-run: this interpreter's environment first on PATH, quiet and single-threaded."""
    from colliderbench.harness.sandbox import SANDBOX_WORKSPACE

    bindir = str(Path(sys.executable).parent)
    return {
        "PATH": f"{SANDBOX_WORKSPACE}/bin:{bindir}:/usr/local/bin:/usr/bin:/bin",
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLBACKEND": "Agg",
        "OMP_NUM_THREADS": "1",
    }


def run_sandboxed(
    copy: Path, argv: list[str], timeout_s: float, backend: str | None = None
) -> _Run:
    """Run ``argv`` in the harness sandbox with the copy as its workspace (no network).

    ``RuntimeError`` when no sandbox backend is available: agent code is never replayed bare."""
    from colliderbench.harness import sandbox

    backend = backend or sandbox.default_backend()
    if backend == "none":
        raise RuntimeError("no sandbox: install bubblewrap (bwrap) to replay analyses")
    res = sandbox.run_command(copy, argv, timeout_s=timeout_s, env=_env(), backend=backend)
    return _Run(res.exit_code, res.stdout, res.stderr, res.timed_out, res.wall_s, backend)


def _copy_workspace(src: Path, dest: Path, *, with_events: bool) -> None:
    def ignore(directory: str, names: list[str]) -> list[str]:
        skip = [n for n in names if n == "__pycache__"]
        if not with_events:
            skip += [n for n in names if n.endswith(".root") and Path(directory, n).is_file()]
        return skip

    shutil.copytree(src, dest, symlinks=True, ignore=ignore)


def _data_mtimes(root: Path) -> dict[str, int]:
    """Relative path -> mtime of the data files below ``root``: what changes is an output."""
    return {
        str(f.relative_to(root)): f.stat().st_mtime_ns
        for f in root.rglob("*")
        if f.suffix in DATA_SUFFIXES and f.is_file() and not f.is_symlink()
    }


def _reset_submission(copy: Path, rel_submission: str, task_id: str) -> None:
    from colliderbench.corpus import template_path

    target = copy / rel_submission
    # links the agent left are removed, not written through (they may point at any host file)
    for p in (target.parent, target):
        if p.is_symlink():
            p.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template_path(task_id), target)


def _recomputed(
    copy: Path, rel_submission: str, stdout: str, edges: list[tuple[float, float]]
) -> list[float] | None:
    """The recomputed values in ``edges`` order: the results file, else stdout JSON."""
    from colliderbench.histogram import Histogram
    from colliderbench.scoring import check_values, match_bins, read_submission

    path = copy / rel_submission  # the re-run may have left a link here: never followed
    hist = read_submission(path)[0] if contained_file(copy, path) else None
    if hist is not None:
        ordered, _ = match_bins(hist, Histogram(edges=edges, values=[0.0] * len(edges)))
        if ordered is not None:
            vals, _ = check_values(ordered, edges)
            if vals is not None:
                return [float(v) for v in vals]
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        vals = obj.get("values") if isinstance(obj, dict) else None
        if (
            isinstance(vals, list)
            and len(vals) == len(edges)
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals)
        ):
            return [float(v) for v in vals]
    return None


# ---------------------------------------------------------------------------------------- comparing


def _declared_numbers(workspace: Path, metadata: dict[str, Any] | None) -> list[float]:
    from colliderbench.judge.leaks import numbers_in

    texts = [json.dumps(metadata or {})]
    for rel in ("report.md", "analysis/normalisation.json", "normalisation.json"):
        p = workspace / rel
        if contained_file(workspace, p):
            texts.append(p.read_text(errors="replace"))
    out: list[float] = []
    for t in texts:
        for tok in numbers_in(t):
            try:
                x = float(tok)
            except ValueError:
                continue
            if math.isfinite(x) and x > 0:
                out.append(x)
    return out


def compare(
    recomputed: list[float],
    submitted: list[float | None],
    *,
    task_type: str,
    declared: list[float],
) -> tuple[str, str, str | None, float | None, float | None]:
    """(outcome, reason, match, scale, max_rel_diff) of a recomputed vs a submitted histogram."""
    if any(s is None or not math.isfinite(s) for s in submitted):
        return (
            "differs",
            "the submission is not filled; the analysis computes values",
            None,
            None,
            None,
        )
    subs = [float(s) for s in submitted]  # type: ignore[arg-type]

    def rel(a: float, b: float) -> float:
        return abs(a - b) / max(abs(a), abs(b), 1e-300) if a != b else 0.0

    diffs = [rel(r, s) for r, s in zip(recomputed, subs, strict=True)]
    worst = max(diffs) if diffs else 0.0
    if worst <= RTOL:
        return "reproduced", "the re-run gives the submitted values", "exact", 1.0, worst
    if all(
        d <= RTOL or token_matches(float_token(s), r, 3)
        for d, r, s in zip(diffs, recomputed, subs, strict=True)
    ):
        return (
            "reproduced",
            "the re-run gives the submitted values, rounded as the submission writes them",
            "rounded",
            1.0,
            worst,
        )
    tot_r, tot_s = sum(recomputed), sum(subs)
    if tot_r > 0 and tot_s > 0:
        k = tot_s / tot_r
        scaled = [rel(r * k, s) for r, s in zip(recomputed, subs, strict=True)]
        if max(scaled) <= RTOL:
            if task_type == "shape" and abs(tot_s - 1.0) <= RTOL:
                return (
                    "reproduced",
                    "the re-run gives the submitted shape (submitted unit-normalised)",
                    "unit-normalised",
                    k,
                    max(scaled),
                )
            if any(
                math.isclose(d, k, rel_tol=1e-4) or math.isclose(d, 1 / k, rel_tol=1e-4)
                for d in declared
            ):
                return (
                    "reproduced",
                    f"the re-run gives the submitted values up to the declared factor {k:.6g}",
                    "declared-scale",
                    k,
                    max(scaled),
                )
            return (
                "differs",
                f"the submission is the re-run times {k:.6g}, a factor declared nowhere",
                None,
                k,
                worst,
            )
    return (
        "differs",
        f"the re-run differs from the submission by up to {worst:.3g} (relative)",
        None,
        None,
        worst,
    )


# ---------------------------------------------------------------------------------------- the check


def replay(
    record: RunRecord,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    submitted: list[float | None] | None = None,
) -> ReplayResult:
    """Replay a run's analysis; never raises for anything the agent left behind."""
    from colliderbench.corpus import load_task

    task = load_task(record.task_id)
    edges = [tuple(b) for b in task.bins]
    ws = record.workspace
    if not ws.is_dir():
        return ReplayResult("not_replayable", "the run has no workspace")
    entry = find_entry(record)
    events = find_events(ws)
    if entry is None:
        return ReplayResult(
            "not_replayable", "no analysis code found (analysis/*.py)", events=events
        )
    if not events:
        return ReplayResult(
            "not_replayable", "no event files (*.root) in the workspace", entry=entry
        )
    rel_sub = str(record.submission_path.relative_to(ws))
    argv = ["bash", entry] if entry.endswith(".sh") else ["python", entry]
    result = ReplayResult("not_replayable", "", entry=entry, events=events, submitted=submitted)

    with tempfile.TemporaryDirectory(prefix="cb-replay-") as tmp:
        copy = Path(tmp) / "ws"
        _copy_workspace(ws, copy, with_events=True)
        _reset_submission(copy, rel_sub, task.id)
        before = _data_mtimes(copy)
        try:
            run = run_sandboxed(copy, argv, timeout_s)
        except RuntimeError as exc:
            result.reason = str(exc)
            return result
        after = _data_mtimes(copy)
        result.outputs = sorted(k for k, t in after.items() if before.get(k) != t)[:200]
        result.sandbox, result.exit_code, result.wall_s = run.sandbox, run.exit_code, run.wall_s
        result.stderr_tail = run.stderr[-2000:] or None
        if run.timed_out:
            result.reason = f"the analysis did not finish within {timeout_s:g} s"
            return result
        values = _recomputed(copy, rel_sub, run.stdout, edges)  # type: ignore[arg-type]
        if values is None:
            why = f"exit status {run.exit_code}" if run.exit_code else "exit status 0"
            last = run.stderr.strip().splitlines()[-1:] if run.stderr.strip() else []
            result.reason = (
                f"the analysis produced no histogram ({why}{': ' + last[0][:300] if last else ''})"
            )
            return result
        result.recomputed = values

    if submitted is None:
        from colliderbench.judge.verdict import submitted_values

        submitted = submitted_values(record)
        result.submitted = submitted
    hist_meta = None
    from colliderbench.scoring import read_submission

    sub = record.submission_file
    hist = read_submission(sub)[0] if sub is not None else None
    if hist is not None:
        hist_meta = hist.metadata
    outcome, reason, match, scale, worst = compare(
        values, submitted, task_type=task.type, declared=_declared_numbers(ws, hist_meta)
    )
    result.outcome, result.reason, result.match, result.scale, result.max_rel_diff = (
        outcome, reason, match, scale, worst,
    )  # fmt: skip

    if outcome == "reproduced":
        with tempfile.TemporaryDirectory(prefix="cb-replay-noevents-") as tmp:
            copy = Path(tmp) / "ws"
            _copy_workspace(ws, copy, with_events=False)
            _reset_submission(copy, rel_sub, task.id)
            try:
                run2 = run_sandboxed(copy, argv, timeout_s)
                again = _recomputed(copy, rel_sub, run2.stdout, edges)  # type: ignore[arg-type]
            except RuntimeError:
                again = None
        result.uses_events = not (
            again is not None
            and all(math.isclose(a, b, rel_tol=RTOL) for a, b in zip(again, values, strict=True))
        )
        if not result.uses_events:
            result.reason += "; but it gives the same numbers without any event file"
    return result
