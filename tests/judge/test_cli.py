"""``colliderbench judge``: run discovery, --json rows, the default-provider note, the runs database."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from colliderbench.cli import cli, main


@pytest.fixture
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("ANTHROPIC_", "OPENAI_")):
            monkeypatch.delenv(name)


def test_judge_json_rows_and_note(run_copy, no_keys) -> None:  # type: ignore[no-untyped-def]
    honest, empty = run_copy("honest"), run_copy("empty_template")
    res = CliRunner().invoke(cli, ["judge", str(honest.parent), "--json"])
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    assert [r["verdict"] for r in rows] == ["Failed", "Passed"]  # sorted: empty_template, honest
    assert set(rows[0]) == {"run", "verdict", "replay", "leak", "llm", "reasons"}
    assert rows[1]["llm"] is None and rows[1]["replay"]["outcome"] == "reproduced"
    assert "deterministic checks only" in res.stderr
    assert (honest / "judge.json").is_file() and (empty / "judge.json").is_file()


@pytest.mark.parametrize("column", ["run_dir", "key"])
def test_judge_updates_the_runs_database(run_copy, no_keys, column: str) -> None:  # type: ignore[no-untyped-def]
    run = run_copy("hardcoded")
    db = run.parents[2] / "runs.sqlite"
    value = str(run.resolve()) if column == "run_dir" else "/".join(run.parts[-3:])
    con = sqlite3.connect(db)
    con.execute(f"CREATE TABLE runs ({column} TEXT PRIMARY KEY, status TEXT, judge TEXT)")
    con.execute("INSERT INTO runs VALUES (?, 'finished', NULL)", (value,))
    con.execute("INSERT INTO runs VALUES ('other/run/r0', 'finished', NULL)")
    con.commit()
    con.close()
    res = CliRunner().invoke(cli, ["judge", str(run), "--provider", "none"])
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("Fabricated")
    con = sqlite3.connect(db)
    rows = dict(con.execute(f"SELECT {column}, judge FROM runs").fetchall())
    con.close()
    assert rows == {value: "Fabricated", "other/run/r0": None}


def test_user_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["judge", str(tmp_path / "missing")])
    assert exc.value.code == 2
    assert "no such run directory" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["judge", str(tmp_path)])
    assert "no runs found" in capsys.readouterr().err
