"""The runs database: idempotent upserts, stale rows, the judge flag."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

from colliderbench.harness import db


def _record(status: str = "finished", d: float = 0.2) -> dict[str, object]:
    return {
        "key": "replay_none/T/r0",
        "agent": "replay",
        "model": None,
        "task": "T",
        "repeat": 0,
        "status": status,
        "failure_class": None if status == "finished" else "timeout",
        "wall_s": 12.5,
        "tokens_in": 100,
        "score": {"valid": True, "relative_l2": d, "primary": d},
        "host": socket.gethostname(),
    }


def test_upserts_are_idempotent(tmp_path: Path) -> None:
    run_dir = tmp_path / "runs" / "replay_none" / "T" / "r0"
    run_dir.mkdir(parents=True)
    with db.opened(db.db_path(tmp_path / "runs")) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        for _ in range(3):
            db.record_run(con, run_dir, _record())
        db.record_run(con, run_dir, _record("failed", 0.5))
        rows = db.list_runs(con)
    assert len(rows) == 1
    row = rows[0]
    assert row["status"] == "failed" and row["failure_class"] == "timeout"
    assert row["relative_l2"] == 0.5 and row["valid"] == 1 and row["tokens_in"] == 100
    assert row["run_dir"] == str(run_dir.resolve())
    assert db.set_judge(db.db_path(tmp_path / "runs"), run_dir, "Passed")
    with db.opened(db.db_path(tmp_path / "runs")) as con:
        assert db.get(con, "replay_none/T/r0")["judge"] == "Passed"  # type: ignore[index]
        db.record_run(con, run_dir, _record())  # a refresh from run.json keeps the verdict
        assert db.get(con, "replay_none/T/r0")["judge"] == "Passed"  # type: ignore[index]
        db.mark_running(
            con, key="replay_none/T/r0", run_dir=run_dir, agent="replay", model=None,
            task="T", repeat=0, sandbox="bwrap",
        )  # fmt: skip
        row2 = db.get(con, "replay_none/T/r0")
    assert row2 is not None and row2["judge"] is None and row2["relative_l2"] is None


def test_stale_running_rows(tmp_path: Path) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    host = socket.gethostname()
    now = time.time()
    assert db.is_stale(
        {"status": "running", "owner_host": host, "owner_pid": dead.pid, "heartbeat": now}
    )
    assert not db.is_stale(
        {"status": "running", "owner_host": host, "owner_pid": os.getpid(), "heartbeat": now - 1e6}
    )
    alive = {"status": "running", "owner_host": "elsewhere", "owner_pid": 1, "heartbeat": now}
    assert not db.is_stale(alive)
    assert db.is_stale({**alive, "heartbeat": now - 2 * db.STALE_S})
    assert not db.is_stale({"status": "finished", "owner_host": host, "owner_pid": dead.pid})
    with db.opened(tmp_path / "runs.sqlite") as con:
        db.upsert(
            con,
            {
                "key": "k",
                "run_dir": "/x",
                "status": "running",
                "owner_host": host,
                "owner_pid": dead.pid,
            },
        )
        assert db.mark_stale(con) == 1
        row = db.get(con, "k")
    assert row is not None and (row["status"], row["failure_class"]) == ("failed", "harness_error")
