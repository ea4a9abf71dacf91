"""The runs database: ``runs/runs.sqlite`` (stdlib sqlite3, WAL), one row per run.

It is an index over the run directories, which stay the source of truth: a row is written when a
run starts (``running``, with the owning harness's host, pid and a heartbeat) and when it ends (from
its ``run.json``). A ``pending``/``running`` row whose owner is gone (same host and its pid is dead, or no
heartbeat for :data:`STALE_S` seconds) is *stale*: the run was interrupted and a re-run redoes it.
Writes are idempotent upserts keyed by the run's key ``<agent>_<model>/<task>/r<repeat>``.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DB_NAME = "runs.sqlite"
STALE_S = 180.0  # a running row without a heartbeat for this long belongs to a dead harness
HEARTBEAT_S = 30.0

COLUMNS: tuple[tuple[str, str], ...] = (
    ("key", "TEXT PRIMARY KEY"),
    ("run_dir", "TEXT NOT NULL"),
    ("agent", "TEXT"),
    ("model", "TEXT"),
    ("task", "TEXT"),
    ("task_type", "TEXT"),
    ("repeat", "INTEGER"),
    ("status", "TEXT NOT NULL"),
    ("failure_class", "TEXT"),
    ("sandbox", "TEXT"),
    ("start_time", "TEXT"),
    ("end_time", "TEXT"),
    ("wall_s", "REAL"),
    ("exit_code", "INTEGER"),
    ("tokens_in", "INTEGER"),
    ("tokens_out", "INTEGER"),
    ("tokens_cache", "INTEGER"),
    ("cost_usd", "REAL"),
    ("cost_source", "TEXT"),
    ("valid", "INTEGER"),
    ("relative_l2", "REAL"),
    ("delta_norm", "REAL"),
    ("shape_l2", "REAL"),
    ("primary_metric", "REAL"),
    ("judge", "TEXT"),
    ("owner_host", "TEXT"),
    ("owner_pid", "INTEGER"),
    ("heartbeat", "REAL"),
    ("updated", "TEXT"),
)
NAMES = [c for c, _ in COLUMNS]


def db_path(runs_dir: Path) -> Path:
    return Path(runs_dir) / DB_NAME


def connect(path: Path) -> sqlite3.Connection:
    """Open (and create) the database: WAL so readers never block the batch."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=60, isolation_level=None)
    con.row_factory = sqlite3.Row
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA busy_timeout=60000")
    cols = ", ".join(f'"{n}" {t}' for n, t in COLUMNS)
    con.execute(f"CREATE TABLE IF NOT EXISTS runs ({cols})")
    have = {r[1] for r in con.execute("PRAGMA table_info(runs)")}
    for name, typ in COLUMNS:  # forward-compatible: add columns a newer harness knows
        if name not in have:
            con.execute(f'ALTER TABLE runs ADD COLUMN "{name}" {typ.replace(" PRIMARY KEY", "")}')
    return con


@contextmanager
def opened(path: Path) -> Iterator[sqlite3.Connection]:
    con = connect(path)
    try:
        yield con
    finally:
        con.close()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def upsert(con: sqlite3.Connection, row: dict[str, Any]) -> None:
    """Insert or update the columns given (others keep their value)."""
    row = {k: v for k, v in row.items() if k in NAMES}
    row["updated"] = _now()
    names = list(row)
    cols = ", ".join(f'"{n}"' for n in names)
    marks = ", ".join("?" for _ in names)
    sets = ", ".join(f'"{n}" = excluded."{n}"' for n in names if n != "key")
    con.execute(
        f"INSERT INTO runs ({cols}) VALUES ({marks}) ON CONFLICT(key) DO UPDATE SET {sets}",
        [row[n] for n in names],
    )


def mark_running(
    con: sqlite3.Connection,
    *,
    key: str,
    run_dir: Path,
    agent: str,
    model: str | None,
    task: str,
    repeat: int,
    sandbox: str,
    status: str = "pending",
) -> None:
    """The run is (re)submitted by this harness: clear the previous outcome, take ownership.

    ``pending`` until a worker picks it up (:func:`set_status` makes it ``running``)."""
    upsert(
        con,
        {
            "key": key,
            "run_dir": str(run_dir.resolve()),
            "agent": agent,
            "model": model,
            "task": task,
            "repeat": repeat,
            "sandbox": sandbox,
            "status": status,
            "failure_class": None,
            "start_time": _now(),
            "end_time": None,
            "wall_s": None,
            "exit_code": None,
            "tokens_in": None,
            "tokens_out": None,
            "tokens_cache": None,
            "cost_usd": None,
            "cost_source": None,
            "valid": None,
            "relative_l2": None,
            "delta_norm": None,
            "shape_l2": None,
            "primary_metric": None,
            "judge": None,
            "owner_host": socket.gethostname(),
            "owner_pid": os.getpid(),
            "heartbeat": time.time(),
        },
    )


def record_run(con: sqlite3.Connection, run_dir: Path, rec: dict[str, Any]) -> None:
    """The row of a run from its ``run.json`` record (idempotent)."""
    score = rec.get("score") or {}
    valid = score.get("valid")
    upsert(
        con,
        {
            "key": rec.get("key") or _key_of(run_dir),
            "run_dir": str(run_dir.resolve()),
            "agent": rec.get("agent"),
            "model": rec.get("model"),
            "task": rec.get("task"),
            "task_type": rec.get("task_type"),
            "repeat": rec.get("repeat"),
            "status": rec.get("status") or "failed",
            "failure_class": rec.get("failure_class"),
            "sandbox": rec.get("sandbox"),
            "start_time": rec.get("start"),
            "end_time": rec.get("end"),
            "wall_s": rec.get("wall_s"),
            "exit_code": rec.get("exit_code"),
            "tokens_in": rec.get("tokens_in"),
            "tokens_out": rec.get("tokens_out"),
            "tokens_cache": rec.get("tokens_cache"),
            "cost_usd": rec.get("cost_usd"),
            "cost_source": rec.get("cost_source"),
            "valid": None if valid is None else int(bool(valid)),
            "relative_l2": score.get("relative_l2"),
            "delta_norm": score.get("delta_norm"),
            "shape_l2": score.get("shape_l2"),
            "primary_metric": score.get("primary"),
            "owner_host": rec.get("host"),
            "owner_pid": None,
            "heartbeat": None,
        },
    )


def _key_of(run_dir: Path) -> str:
    parts = run_dir.resolve().parts
    return "/".join(parts[-3:])


def set_status(con: sqlite3.Connection, key: str, status: str) -> None:
    con.execute(
        "UPDATE runs SET status = ?, start_time = ?, heartbeat = ? WHERE key = ?",
        (status, _now(), time.time(), key),
    )


def heartbeat(con: sqlite3.Connection, keys: list[str]) -> None:
    """Tell other harnesses that these pending or running rows are alive."""
    now = time.time()
    con.executemany(
        "UPDATE runs SET heartbeat = ? WHERE key = ? AND status IN ('pending', 'running')",
        [(now, k) for k in keys],
    )


def get(con: sqlite3.Connection, key: str) -> dict[str, Any] | None:
    row = con.execute("SELECT * FROM runs WHERE key = ?", (key,)).fetchone()
    return dict(row) if row is not None else None


def list_runs(con: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = con.execute('SELECT * FROM runs ORDER BY agent, model, task, "repeat"').fetchall()
    return [dict(r) for r in rows]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_stale(row: dict[str, Any], *, stale_s: float = STALE_S) -> bool:
    """A ``pending`` or ``running`` row whose harness is gone."""
    if row.get("status") not in ("pending", "running"):
        return False
    pid = row.get("owner_pid")
    if row.get("owner_host") == socket.gethostname() and pid:
        if int(pid) == os.getpid():
            return False
        if not _pid_alive(int(pid)):
            return True
    beat = row.get("heartbeat")
    return beat is None or time.time() - float(beat) > stale_s


def mark_stale(con: sqlite3.Connection) -> int:
    """Mark every stale ``pending``/``running`` row ``failed``/``harness_error``; their count.

    ``colliderbench runs list`` shows them as such; a batch re-run redoes them."""
    n = 0
    for row in con.execute("SELECT * FROM runs WHERE status IN ('pending', 'running')").fetchall():
        if is_stale(dict(row)):
            upsert(
                con,
                {
                    "key": row["key"],
                    "run_dir": row["run_dir"],
                    "status": "failed",
                    "failure_class": "harness_error",
                },
            )
            n += 1
    return n


def set_judge(db: Path, run_dir: Path, verdict: str) -> bool:
    """The judge's verdict on a run (called by ``colliderbench judge``); False when no row."""
    with opened(Path(db)) as con:
        cur = con.execute(
            "UPDATE runs SET judge = ?, updated = ? WHERE run_dir = ? OR run_dir = ?",
            (verdict, _now(), str(Path(run_dir).resolve()), str(run_dir)),
        )
        return cur.rowcount > 0
