"""One run: workspace, agent in its sandbox, trace captured outside, walltime, score, run.json.

The run directory is the record (``docs/architecture.md``)::

    runs/<agent>_<model>/<task>/<run-id>/{workspace/, trace/, run.json, score.json}

The agent's stdout and stderr go straight to files under ``trace/`` (opened by the harness, outside
the sandbox, so the agent cannot rewrite them); their sha256 is in ``run.json``. ``run.json`` is
written when the run starts (``status: running``) and again when it ends, so a run killed with the
harness is recognisable as interrupted. The runs database is the batch driver's business
(:mod:`colliderbench.harness.batch`); this module only touches the run directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from colliderbench.errors import UserError
from colliderbench.harness.agent_spec import AgentSpec, FailureClass, RunContext, TraceSummary
from colliderbench.paths import contained, contained_file

GRACE_S = 10.0  # between SIGTERM and SIGKILL at the walltime
RUN_JSON_VERSION = 1

# agents running in this process, so an interrupted batch (Ctrl-C) can stop them at once
_ACTIVE: set[subprocess.Popen[bytes]] = set()
_ACTIVE_LOCK = threading.Lock()
INTERRUPTED = threading.Event()


def interrupt_all(grace_s: float = 2.0) -> None:
    """Stop every agent of this process; their runs are recorded as interrupted (redone later)."""
    INTERRUPTED.set()
    with _ACTIVE_LOCK:
        procs = list(_ACTIVE)
    for proc in procs:
        terminate(proc, grace_s)


@dataclass
class RunRequest:
    """Everything that defines one run (picklable: it travels to Dask workers)."""

    agent: str
    model: str | None
    task_id: str
    repeat: int
    runs_dir: Path
    sandbox: str = "bwrap"
    image: str | None = None
    walltime_s: float | None = None  # None: the task's own walltime
    effort: str | None = None
    agent_args: dict[str, str] = field(default_factory=dict)
    script: Path | None = None
    disabled_tools: tuple[str, ...] = ()
    grace_s: float = GRACE_S

    @property
    def key(self) -> str:
        """Identity of the run in the runs database."""
        return f"{self.label}/{self.task_id}/{self.run_id}"

    @property
    def label(self) -> str:
        return f"{_safe(self.agent)}_{_safe(self.model or 'none')}"

    @property
    def run_id(self) -> str:
        return f"r{self.repeat}"

    @property
    def run_dir(self) -> Path:
        return self.runs_dir / self.label / self.task_id / self.run_id


def _rmtree(path: Path) -> None:
    """Remove a directory even where an agent made files or directories read-only."""

    def fix(func: Any, p: str, exc: object) -> None:
        os.chmod(os.path.dirname(p), 0o700)
        if os.path.isdir(p) and not os.path.islink(p):
            os.chmod(p, 0o700)
        func(p)

    shutil.rmtree(path, onerror=fix)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._+-]+", "-", name).strip("-") or "none"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Atomic: a reader (or a killed harness) never sees half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n")
    tmp.replace(path)


def read_run_json(run_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((run_dir / "run.json").read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def trace_hashes(trace_dir: Path) -> tuple[dict[str, str], str]:
    """sha256 of every trace file, and one digest over the sorted (name, sha256) list."""
    files = {p.name: sha256_file(p) for p in sorted(trace_dir.iterdir()) if p.is_file()}
    chain = hashlib.sha256()
    for name, digest in files.items():
        chain.update(f"{name}\0{digest}\n".encode())
    return files, chain.hexdigest()


# ------------------------------------------------------------------------------------------------
# processes


def _descendants(pid: int) -> list[Any]:
    import psutil

    try:
        return list(psutil.Process(pid).children(recursive=True))
    except psutil.Error:
        return []


def terminate(
    proc: subprocess.Popen[bytes], grace_s: float = GRACE_S, *, launcher: bool = True
) -> None:
    """SIGTERM the agent, wait up to ``grace_s``, then SIGKILL whatever is left.

    Every descendant gets the SIGTERM (bwrap puts the agent in a new session, out of reach of a
    process-group signal). ``launcher=False`` spares the launched process itself from the SIGTERM:
    bwrap would tear the sandbox down at once instead of letting the agent end cleanly."""
    import psutil

    kids = _descendants(proc.pid)
    for p in kids:
        try:
            p.send_signal(signal.SIGTERM)
        except psutil.Error:
            pass
    if launcher or not kids:
        _killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        pass
    for p in [*_descendants(proc.pid), *kids]:
        try:
            p.send_signal(signal.SIGKILL)
        except psutil.Error:
            pass
    _killpg(proc.pid, signal.SIGKILL)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:  # pragma: no cover - unkillable process
        pass


def _killpg(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _feed_stdin(proc: subprocess.Popen[bytes], data: str | None) -> None:
    if proc.stdin is None:
        return
    try:
        if data is not None:
            proc.stdin.write(data.encode())
    except (BrokenPipeError, OSError):
        pass
    finally:
        try:
            proc.stdin.close()
        except OSError:
            pass


def _tee_lines(proc: subprocess.Popen[bytes], out: Any, times: list[float]) -> None:
    """Copy the agent's stdout verbatim to its trace file, noting when each line arrived.

    The times are taken here, on the host, because several streams (codex, forge, aider, the
    oracle) carry none: :func:`stamp_events` gives their events the time of their line."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    partial: float | None = None  # arrival of the last bytes of an unfinished line
    try:
        while chunk := os.read(fd, 1 << 16):
            now = time.time()
            out.write(chunk)
            times.extend([now] * chunk.count(b"\n"))
            partial = None if chunk.endswith(b"\n") else now
        if partial is not None:
            times.append(partial)  # the last line has no newline
    except (OSError, ValueError):  # the trace file was closed under a stray writer
        pass
    finally:
        proc.stdout.close()


def _iso(epoch: float) -> str:
    return (
        datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def stamp_events(events: list[dict[str, Any]], line_times: list[float], start: float) -> None:
    """Give every event a time ``t``: the stream's own, else the host arrival time of the stdout
    line it came from (``line``), else the previous event's (the agent's start for the first)."""
    last = _iso(start)
    for ev in events:
        if not ev.get("t"):
            line = ev.get("line")
            if isinstance(line, int) and 0 <= line < len(line_times):
                ev["t"] = _iso(line_times[line])
            else:
                ev["t"] = last
        last = str(ev["t"])


# ------------------------------------------------------------------------------------------------
# scoring


def submission_file(task: Any, workspace: Path) -> tuple[Path | None, str | None]:
    """The results file to score (the task's own, else the only YAML in ``results/``), or why none.

    Scoring runs on the host, where a link the agent planted (``ln -s <hidden reference>
    results/<template>``) would be followed: only a regular file inside the workspace counts, and
    anything else makes the run invalid with that reason."""
    results = workspace / "results"
    if not contained(workspace, results):
        return None, "results/ is a symbolic link or lies outside the workspace: not scored"
    main = results / task.template_name
    if main.is_symlink() or main.is_file():
        path = main
    else:
        yamls = sorted(results.glob("*.yaml")) + sorted(results.glob("*.yml"))
        if len(yamls) != 1:
            return None, None
        path = yamls[0]
    if not contained_file(workspace, path):
        rel = path.relative_to(workspace)
        return (
            None,
            f"{rel} is a symbolic link or not a regular file inside the workspace: not scored",
        )
    return path, None


def find_submission(task: Any, workspace: Path) -> Path | None:
    """The results file to score, or None (also when it is not a safe regular file)."""
    return submission_file(task, workspace)[0]


def score_workspace(task: Any, workspace: Path) -> Any:
    """The ``ScoreResult`` of what the agent left in ``results/`` (see :func:`submission_file`)."""
    from colliderbench.corpus import read_reference
    from colliderbench.scoring import score_histograms, score_submission

    path, problem = submission_file(task, workspace)
    if problem is not None:
        return score_histograms(task.id, task.type, None, read_reference(task), problem)
    return score_submission(task, path)


def score_run(task: Any, workspace: Path) -> dict[str, Any]:
    path, _ = submission_file(task, workspace)
    score: dict[str, Any] = score_workspace(task, workspace).to_dict()
    score["file"] = str(path.relative_to(workspace)) if path else None
    return score


def classify(
    *,
    timed_out: bool,
    exit_code: int | None,
    summary: TraceSummary | None,
    score: dict[str, Any] | None,
    harness_error: str | None,
) -> FailureClass | None:
    """One failure class per run, the most specific cause first."""
    if harness_error is not None:
        return "harness_error"
    if timed_out:
        return "timeout"
    if summary is not None and summary.failure_class is not None:
        return summary.failure_class
    if exit_code not in (0, None):
        return "agent_error"
    if score is None or score.get("file") is None or not score.get("n_filled"):
        return "no_submission"
    return None


# ------------------------------------------------------------------------------------------------
# one run


def run_one(req: RunRequest, *, spec: AgentSpec | None = None) -> dict[str, Any]:
    """Do one run from scratch in ``req.run_dir`` and return its run.json record.

    Whatever happens, ``run.json`` is written: a failure of the harness itself is recorded as
    ``harness_error`` with its message instead of escaping."""
    from colliderbench.corpus import load_task
    from colliderbench.harness import sandbox as sb
    from colliderbench.harness.agents import get_agent
    from colliderbench.harness.prompt import standard_prompt

    run_dir = req.run_dir
    if run_dir.exists():
        _rmtree(run_dir)  # an interrupted earlier attempt: start clean
    trace = run_dir / "trace"
    trace.mkdir(parents=True)
    task = load_task(req.task_id)
    walltime_s = req.walltime_s if req.walltime_s is not None else task.walltime_s
    record: dict[str, Any] = {
        "version": RUN_JSON_VERSION,
        "run_id": req.run_id,
        "key": req.key,
        "agent": req.agent,
        "model": req.model,
        "task": req.task_id,
        "task_type": task.type,
        "repeat": req.repeat,
        "sandbox": req.sandbox,
        "image": req.image,
        "walltime_s": walltime_s,
        "effort": req.effort,
        "agent_args": dict(req.agent_args),
        "disabled_tools": list(req.disabled_tools),
        "start": now_iso(),
        "end": None,
        "wall_s": None,
        "exit_code": None,
        "status": "running",
        "failure_class": None,
        "tokens_in": None,
        "tokens_out": None,
        "tokens_cache": None,
        "cost_usd": None,
        "cost_source": None,
        "trace_sha256": None,
        "trace_files": {},
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "error": None,
    }
    write_json(run_dir / "run.json", record)
    t0 = time.monotonic()
    timed_out = False
    exit_code: int | None = None
    summary: TraceSummary | None = None
    score: dict[str, Any] | None = None
    error: str | None = None
    home = Path(tempfile.mkdtemp(prefix="cb-home-"))
    try:
        spec = spec or get_agent(req.agent)
        from colliderbench.workspace import build_workspace

        ws = build_workspace(
            task,
            run_dir / "workspace",
            disabled_tools=req.disabled_tools,
            python=sb.tools_python(req.sandbox),
        )
        ws = Path(ws)
        (ws / ".colliderbench" / "denied.log").touch()  # stays writable in a read-only directory
        ws_in, home_in = sb.inside_paths(req.sandbox, ws, home)
        script_in: Path | None = None
        if req.script is not None:
            shutil.copyfile(req.script, home / "replay.sh")
            script_in = home_in / "replay.sh"
        ctx = RunContext(
            task_id=task.id,
            model=req.model,
            workspace=ws_in,
            prompt=standard_prompt(task, walltime_s),
            walltime_s=walltime_s,
            effort=req.effort,
            agent_args=dict(req.agent_args),
            script=script_in,
        )
        inv = spec.build(ctx)
        for rel, src in inv.home_files.items():
            dest = home / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
            dest.chmod(0o600)
        native_name = Path(inv.native_trace_name).name or "stdout.txt"
        sreq = sb.SandboxRequest(
            workspace=ws,
            home=home,
            env=dict(inv.env),
            network=True,
            read_only=tuple(sb.program_dirs([inv.argv[0], *spec.executables])),
            masked=(req.runs_dir.resolve(),),
            hide_recasts=req.agent != "oracle",  # the reference recast is the oracle's alone
            image=req.image,
            name=f"cb-{os.getpid()}-{_safe(req.key)}"[:120],
        )
        prep = sb.prepare(req.sandbox, inv.argv, sreq)
        record["native_trace"] = native_name
        write_json(run_dir / "run.json", record)
        line_times: list[float] = []
        with (
            (trace / native_name).open("wb", buffering=0) as out,
            (trace / "stderr.txt").open("wb") as err,
        ):
            proc = subprocess.Popen(
                prep.argv,
                cwd=prep.cwd,
                env=prep.env,
                stdin=subprocess.PIPE if inv.stdin is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=err,
                start_new_session=True,
            )
            with _ACTIVE_LOCK:
                _ACTIVE.add(proc)
            tee = threading.Thread(target=_tee_lines, args=(proc, out, line_times), daemon=True)
            tee.start()
            feeder = threading.Thread(target=_feed_stdin, args=(proc, inv.stdin), daemon=True)
            feeder.start()
            agent_start = time.time()
            record["agent_start"] = _iso(agent_start)  # the walltime counts from here
            try:
                exit_code = proc.wait(timeout=walltime_s)
            except subprocess.TimeoutExpired:
                timed_out = True
                terminate(proc, req.grace_s, launcher=req.sandbox != "bwrap")
                exit_code = proc.returncode
                if prep.cleanup:
                    subprocess.run(prep.cleanup, capture_output=True, timeout=60, check=False)
            finally:
                with _ACTIVE_LOCK:
                    _ACTIVE.discard(proc)
            feeder.join(timeout=5)
            tee.join(timeout=10)  # a process that escaped the kill may hold the pipe: no waiting
            if INTERRUPTED.is_set():
                raise UserError("interrupted: the batch was stopped while this run was going")
        stdout = (trace / native_name).read_bytes()
        stderr = (trace / "stderr.txt").read_bytes()
        summary = spec.parse(stdout, stderr, exit_code if exit_code is not None else -1)
        from colliderbench.harness.cost import fill_cost

        summary = fill_cost(summary, req.model)
        stamp_events(summary.events, list(line_times), agent_start)
        with (trace / "events.jsonl").open("w") as fh:
            for ev in summary.events:
                fh.write(json.dumps(ev, default=str) + "\n")
        score = score_run(task, ws)
        write_json(run_dir / "score.json", score)
    except UserError as exc:
        error = str(exc)
    except Exception as exc:  # noqa: BLE001 - recorded, never lost
        error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}"
    finally:
        shutil.rmtree(home, ignore_errors=True)  # credentials never stay on disk
    failure = classify(
        timed_out=timed_out, exit_code=exit_code, summary=summary, score=score, harness_error=error
    )
    if not (trace / "events.jsonl").exists():
        (trace / "events.jsonl").touch()
    files, digest = trace_hashes(trace)
    record.update(
        end=now_iso(),
        wall_s=round(time.monotonic() - t0, 3),
        exit_code=exit_code,
        status="finished" if failure is None else "failed",
        failure_class=failure,
        trace_sha256=digest,
        trace_files=files,
        error=error,
    )
    if summary is not None:
        record.update(
            tokens_in=summary.tokens_in,
            tokens_out=summary.tokens_out,
            tokens_cache=summary.tokens_cache,
            cost_usd=summary.cost_usd,
            cost_source=summary.cost_source,
        )
    if score is not None:
        record["score"] = {
            k: score.get(k)
            for k in ("valid", "reason", "relative_l2", "delta_norm", "shape_l2", "primary")
        }
    write_json(run_dir / "run.json", record)
    return record
