"""Batches of runs: plan, skip what is done, run P at a time (threads or Dask), show a live table.

Resuming is re-running the same command. For each planned run the run directory decides: a
``run.json`` with a final status (``finished`` or ``failed``, except ``harness_error``) is done and
skipped (its database row is refreshed from it, so a harness killed between the run's end and the
row's update loses nothing); anything else (no directory, ``running`` left by a killed harness, a
harness error) is redone from scratch. A ``running`` row owned by another live harness is left to it.

Executors: ``local`` runs each run in a thread of this process (the agents are subprocesses, so
threads suffice); ``dask`` submits :func:`colliderbench.harness.runner.run_one` to a Dask cluster:
a ``LocalCluster`` with P single-threaded worker processes, or the cluster at ``--scheduler ADDR``
(see docs/cluster.md for SLURM/HTCondor via dask-jobqueue). All database writes happen here, in
the driver; workers only write run directories, which must be on a shared filesystem.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from colliderbench.errors import UserError
from colliderbench.harness import db
from colliderbench.harness.runner import RunRequest, now_iso, read_run_json, run_one

REDO_CLASSES = ("harness_error",)


@dataclass
class BatchSpec:
    """A batch as the command line describes it."""

    agent: str
    model: str | None
    tasks: list[str]
    repeats: int = 1
    parallel: int = 1
    executor: str = "local"
    scheduler: str | None = None
    sandbox: str = "bwrap"
    image: str | None = None
    walltime_s: float | None = None
    runs_dir: Path = Path("runs")
    effort: str | None = None
    agent_args: dict[str, str] = field(default_factory=dict)
    script: Path | None = None
    disabled_tools: tuple[str, ...] = ()
    grace_s: float = 10.0


@dataclass
class RunState:
    req: RunRequest
    status: str = "queued"  # queued, skipped, running, finished, failed, elsewhere
    failure_class: str | None = None
    started: float | None = None
    wall_s: float | None = None
    d: float | None = None
    record: dict[str, Any] | None = None


@dataclass
class BatchResult:
    states: list[RunState]

    def count(self, status: str) -> int:
        return sum(1 for s in self.states if s.status == status)

    @property
    def records(self) -> list[dict[str, Any]]:
        return [s.record for s in self.states if s.record is not None]


def plan(spec: BatchSpec) -> list[RunRequest]:
    """Every (task, repeat) of the batch, in a stable order."""
    return [
        RunRequest(
            agent=spec.agent,
            model=spec.model,
            task_id=task,
            repeat=k,
            runs_dir=spec.runs_dir,
            sandbox=spec.sandbox,
            image=spec.image,
            walltime_s=spec.walltime_s,
            effort=spec.effort,
            agent_args=dict(spec.agent_args),
            script=spec.script.resolve() if spec.script else None,
            disabled_tools=spec.disabled_tools,
            grace_s=spec.grace_s,
        )
        for task in spec.tasks
        for k in range(spec.repeats)
    ]


def preflight(spec: BatchSpec) -> None:
    """Catch every mistake a user can make before the first run starts (one clear UserError)."""
    from colliderbench.harness import sandbox as sb
    from colliderbench.harness.agent_spec import RunContext
    from colliderbench.harness.agents import get_agent
    from colliderbench.tools import ABLATIONS, TOOLS

    agent = get_agent(spec.agent)
    sb.check_backend(spec.sandbox, spec.image)
    if agent.needs_model and not spec.model:
        raise UserError(f"the {agent.name} agent needs --model")
    if spec.repeats < 1 or spec.parallel < 1:
        raise UserError("--repeats and --parallel must be at least 1")
    if spec.executor not in ("local", "dask"):
        raise UserError(f"unknown executor {spec.executor!r}: choose local or dask")
    if spec.scheduler and spec.executor != "dask":
        raise UserError("--scheduler needs --executor dask")
    if spec.script is not None and not spec.script.is_file():
        raise UserError(f"--script {spec.script}: no such file")
    if not spec.tasks:
        raise UserError("no tasks: give --task ID or --tasks all|sim|shape|yield")
    # the workspace builder's list: an unknown name would fail every run as harness_error
    unknown = [t for t in spec.disabled_tools if t not in TOOLS and t not in ABLATIONS]
    if unknown:
        known = ", ".join([*TOOLS, *ABLATIONS])
        raise UserError(f"unknown tool to disable: {', '.join(unknown)} (known: {known})")
    if spec.sandbox in ("bwrap", "none"):
        for exe in agent.executables:
            found = Path(exe).is_file() if Path(exe).is_absolute() else shutil.which(exe)
            if not found:
                raise UserError(f"the {agent.name} agent needs the program {exe!r}, not found")
    # the spec's own checks (missing --script, a bad --agent-arg, a missing CLI) before any run
    agent.build(
        RunContext(
            task_id=spec.tasks[0],
            model=spec.model,
            workspace=Path("/workspace"),
            prompt="",
            walltime_s=spec.walltime_s or 3600.0,
            effort=spec.effort,
            agent_args=dict(spec.agent_args),
            script=Path("/home/agent/replay.sh") if spec.script else None,
        )
    )
    if spec.executor == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise UserError(
                "--executor dask needs dask.distributed: pip install 'colliderbench[dask]'"
            ) from None


def _is_done(rec: dict[str, Any] | None) -> bool:
    return (
        rec is not None
        and rec.get("status") in ("finished", "failed")
        and rec.get("failure_class") not in REDO_CLASSES
    )


def differing_settings(req: RunRequest, rec: dict[str, Any]) -> list[str]:
    """The settings a finished run was made with that differ from this batch's, as
    ``name old (now new)``: such a run is still skipped, so the user must be told."""
    from colliderbench.corpus import load_task

    walltime = req.walltime_s if req.walltime_s is not None else load_task(req.task_id).walltime_s
    now = {
        "model": req.model,
        "walltime_s": walltime,
        "effort": req.effort,
        "agent_args": dict(req.agent_args),
        "sandbox": req.sandbox,
        "image": req.image,
        "disabled_tools": list(req.disabled_tools),
    }
    return [f"{k} {rec[k]!r} (now {v!r})" for k, v in now.items() if k in rec and rec[k] != v]


def _warn_settings(n_runs: int, diffs: list[str]) -> None:
    print(
        f"colliderbench: warning: {n_runs} finished run(s) were made with other settings and are "
        f"kept, not redone: {'; '.join(diffs)}. To redo them, use another --runs-dir or remove "
        "their run directories.",
        file=sys.stderr,
    )


def _harness_failure(req: RunRequest, exc: BaseException) -> dict[str, Any]:
    """run.json for a run whose worker died under it (a Dask worker lost, ...)."""
    from colliderbench.harness.runner import trace_hashes, write_json

    rec = read_run_json(req.run_dir) or {
        "run_id": req.run_id,
        "key": req.key,
        "agent": req.agent,
        "model": req.model,
        "task": req.task_id,
        "repeat": req.repeat,
        "sandbox": req.sandbox,
        "start": None,
    }
    rec.update(
        status="failed",
        failure_class="harness_error",
        end=now_iso(),
        error=f"{type(exc).__name__}: {exc}",
    )
    if (req.run_dir / "trace").is_dir():
        rec["trace_files"], rec["trace_sha256"] = trace_hashes(req.run_dir / "trace")
    req.run_dir.mkdir(parents=True, exist_ok=True)
    write_json(req.run_dir / "run.json", rec)
    return rec


class _Executor:
    """Submit runs and poll their futures; threads or Dask behind one face."""

    def __init__(self, spec: BatchSpec) -> None:
        self.kind = spec.executor
        self.client: Any = None
        self.cluster: Any = None
        self.pool: ThreadPoolExecutor | None = None
        if self.kind == "dask":
            from distributed import Client, LocalCluster

            if spec.scheduler:
                self.client = Client(spec.scheduler)
            else:
                self.cluster = LocalCluster(
                    n_workers=spec.parallel,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=40,
                )
                self.client = Client(self.cluster)
        else:
            self.pool = ThreadPoolExecutor(max_workers=spec.parallel, thread_name_prefix="run")

    def submit(self, req: RunRequest) -> Any:
        if self.client is not None:
            return self.client.submit(
                run_one, req, key=f"run-{req.key}-{time.time_ns()}", pure=False
            )
        assert self.pool is not None
        return self.pool.submit(run_one, req)

    @staticmethod
    def running(fut: Any) -> bool:
        if isinstance(fut, Future):
            return fut.running()
        return str(getattr(fut, "status", "")) == "pending"

    def close(self, cancel: bool = False) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=not cancel, cancel_futures=cancel)
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def run_batch(
    spec: BatchSpec,
    *,
    show: bool = True,
    on_update: Callable[[list[RunState]], None] | None = None,
) -> BatchResult:
    """Run the batch; returns when every run is finished, failed or skipped."""
    preflight(spec)
    if spec.sandbox == "none":
        from colliderbench.harness.sandbox import warn_unsandboxed

        warn_unsandboxed()
    spec.runs_dir.mkdir(parents=True, exist_ok=True)
    states = [RunState(req) for req in plan(spec)]
    con = db.connect(db.db_path(spec.runs_dir))
    try:
        db.mark_stale(con)  # runs of a killed harness show as interrupted, here and in `runs list`
        todo: list[RunState] = []
        diffs: list[str] = []
        n_differing = 0
        for st in states:
            rec = read_run_json(st.req.run_dir)
            row = db.get(con, st.req.key)
            if _is_done(rec):
                assert rec is not None
                db.record_run(con, st.req.run_dir, rec)  # refresh the index from the record
                _apply(st, rec)
                st.status = "skipped"
                differ = differing_settings(st.req, rec)
                n_differing += bool(differ)
                diffs += [d for d in differ if d not in diffs]
            elif (
                row is not None and row["status"] in ("pending", "running") and not db.is_stale(row)
            ):
                st.status = "elsewhere"  # another live harness owns it
            else:
                todo.append(st)
        if diffs:
            _warn_settings(n_differing, diffs)
        display = _Display(states, show)
        ex = _Executor(spec) if todo else None
        futures: dict[Any, RunState] = {}
        try:
            for st in todo:
                db.mark_running(
                    con,
                    key=st.req.key,
                    run_dir=st.req.run_dir,
                    agent=st.req.agent,
                    model=st.req.model,
                    task=st.req.task_id,
                    repeat=st.req.repeat,
                    sandbox=st.req.sandbox,
                )
                assert ex is not None
                futures[ex.submit(st.req)] = st
            last_beat = time.monotonic()
            with display:
                while futures:
                    for fut, st in list(futures.items()):
                        if fut.done():
                            try:
                                rec = fut.result()
                            except Exception as exc:  # noqa: BLE001 - a lost worker
                                rec = _harness_failure(st.req, exc)
                            db.record_run(con, st.req.run_dir, rec)
                            _apply(st, rec)
                            del futures[fut]
                        elif st.started is None and ex is not None and ex.running(fut):
                            st.status, st.started = "running", time.monotonic()
                            db.set_status(con, st.req.key, "running")
                    if time.monotonic() - last_beat > db.HEARTBEAT_S:
                        db.heartbeat(con, [s.req.key for s in futures.values()])
                        last_beat = time.monotonic()
                    display.update()
                    if on_update is not None:
                        on_update(states)
                    if futures:
                        time.sleep(0.25)
                display.update()
        except KeyboardInterrupt:
            from colliderbench.harness.runner import interrupt_all

            interrupt_all()
            if ex is not None:
                ex.close(cancel=True)
                ex = None
            raise
        finally:
            if ex is not None:
                ex.close()
    finally:
        con.close()
    result = BatchResult(states)
    if show:
        print_summary(result)
    return result


def _apply(st: RunState, rec: dict[str, Any]) -> None:
    st.record = rec
    st.status = str(rec.get("status"))
    st.failure_class = rec.get("failure_class")
    st.wall_s = rec.get("wall_s")
    score = rec.get("score") or {}
    st.d = score.get("relative_l2") if score.get("valid") else None


# ------------------------------------------------------------------------------------------------
# display


def _fmt_elapsed(s: float | None) -> str:
    if s is None:
        return ""
    m, sec = divmod(int(s), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{sec:02d}"


class _Display:
    """The live table (task, repeat, status, elapsed, d); silent when ``show`` is False."""

    MAX_ROWS = 40

    def __init__(self, states: list[RunState], show: bool) -> None:
        self.states = states
        self.show = show
        self.live: Any = None

    def table(self) -> Any:
        from rich.table import Table

        rows = self.states
        if len(rows) > self.MAX_ROWS:
            active = [s for s in rows if s.status == "running"]
            rest = [s for s in rows if s.status != "running"]
            rows = (active + rest)[: self.MAX_ROWS]
        counts: dict[str, int] = {}
        for s in self.states:
            counts[s.status] = counts.get(s.status, 0) + 1
        caption = "  ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
        t = Table(
            title=f"{self.states[0].req.label} ({len(self.states)} runs)"
            if self.states
            else "runs",
            caption=caption,
        )
        for col, just in (
            ("task", "left"),
            ("repeat", "right"),
            ("status", "left"),
            ("elapsed", "right"),
            ("d", "right"),
        ):
            t.add_column(col, justify=just)  # type: ignore[arg-type]
        for s in rows:
            if s.status == "running" and s.started is not None:
                elapsed: float | None = time.monotonic() - s.started
            else:
                elapsed = s.wall_s
            status = s.status + (f" ({s.failure_class})" if s.failure_class else "")
            style = {"finished": "green", "failed": "red", "running": "yellow"}.get(s.status, "dim")
            t.add_row(
                s.req.task_id,
                str(s.req.repeat),
                f"[{style}]{status}[/]",
                _fmt_elapsed(elapsed),
                "" if s.d is None else f"{s.d:.3f}",
            )
        return t

    def __enter__(self) -> _Display:
        if self.show:
            from rich.console import Console
            from rich.live import Live

            self.live = Live(self.table(), console=Console(stderr=True), refresh_per_second=2)
            self.live.__enter__()
        return self

    def update(self) -> None:
        if self.live is not None:
            self.live.update(self.table())

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.update(self.table())
            self.live.__exit__(None, None, None)
            self.live = None


def summary_lines(result: BatchResult) -> list[str]:
    """The closing summary: outcomes, failure classes, scores, cost."""
    states = result.states
    lines = [
        f"{len(states)} runs: {result.count('finished')} finished, {result.count('failed')} failed, "
        f"{result.count('skipped')} already done (skipped), {result.count('elsewhere')} running elsewhere"
    ]
    classes: dict[str, int] = {}
    for s in states:
        if s.failure_class:
            classes[s.failure_class] = classes.get(s.failure_class, 0) + 1
    if classes:
        lines.append("failures: " + ", ".join(f"{k} {v}" for k, v in sorted(classes.items())))
    ds = [s.d for s in states if s.d is not None]
    if ds:
        from colliderbench.scoring import ACC_TAU

        acc = sum(1 for d in ds if d < ACC_TAU)
        lines.append(
            f"valid scores: {len(ds)}; mean d = {sum(ds) / len(ds):.3f}; d < {ACC_TAU}: {acc}/{len(ds)}"
        )
    costs: list[float] = [
        float(s.record["cost_usd"])
        for s in states
        if s.record and s.record.get("cost_usd") is not None
    ]
    if costs:
        lines.append(f"cost: ${sum(costs):.2f}")
    return lines


def print_summary(result: BatchResult) -> None:
    for line in summary_lines(result):
        print(line, file=sys.stdout)
