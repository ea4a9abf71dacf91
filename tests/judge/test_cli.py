"""``colliderbench judge``: run discovery, --json rows, the default-provider note, the runs database."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from colliderbench.cli import cli, main


@pytest.fixture
def no_keys(monkeypatch: pytest.MonkeyPatch, no_claude: None) -> None:
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


def test_judge_updates_the_runs_database(run_copy, no_keys) -> None:  # type: ignore[no-untyped-def]
    from colliderbench.harness import db

    run = run_copy("hardcoded")
    path = db.db_path(run.parents[2])
    with db.opened(path) as con:
        for key, d in (("x/task/hardcoded", run.resolve()), ("other/run/r0", Path("/x/y/z"))):
            db.upsert(con, {"key": key, "run_dir": str(d), "status": "finished"})
    res = CliRunner().invoke(cli, ["judge", str(run), "--provider", "none"])
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("Fabricated")
    with db.opened(path) as con:
        rows = {r["key"]: r["judge"] for r in db.list_runs(con)}
    assert rows == {"x/task/hardcoded": "Fabricated", "other/run/r0": None}


def test_user_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["judge", str(tmp_path / "missing")])
    assert exc.value.code == 2
    assert "no such run directory" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["judge", str(tmp_path)])
    assert "no runs found" in capsys.readouterr().err


def test_one_bad_run_does_not_stop_the_batch(run_copy, no_keys, capsys) -> None:  # type: ignore[no-untyped-def]
    good, bad = run_copy("empty_template"), run_copy("honest")
    record = json.loads((bad / "run.json").read_text())
    (bad / "run.json").write_text(json.dumps(record | {"task": "no-such-task"}))
    with pytest.raises(SystemExit) as exc:
        main(["judge", str(good.parent), "--json"])
    assert exc.value.code == 2
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert [r["verdict"] for r in rows] == ["Failed"]
    assert "cannot judge" in err and "unknown task 'no-such-task'" in err
    assert "1 of 2 run(s) could not be judged" in err


def test_max_prompt_chars_bounds_the_audit_prompt(run_copy, no_keys) -> None:  # type: ignore[no-untyped-def]
    from colliderbench.testing.llm_server import ScriptedLLMServer, Turn

    run = run_copy("honest")
    with ScriptedLLMServer([Turn(text='{"verdict": "Passed"}')]) as srv:
        args = ["judge", str(run), "--provider", "anthropic", "--base-url", srv.base_url]
        res = CliRunner().invoke(
            cli, [*args, "--model", "m", "--max-prompt-chars", "12000", "--json"]
        )
    assert res.exit_code == 0, res.output
    llm = json.loads(res.stdout.splitlines()[-1])["llm"]
    assert llm["budget_chars"] == 12000 and llm["prompt_chars"] <= 12000


def test_run_json_inside_a_workspace_is_not_a_run(run_copy, no_keys) -> None:  # type: ignore[no-untyped-def]
    run = run_copy("honest")
    (run / "workspace" / "sims").mkdir(exist_ok=True)
    (run / "workspace" / "sims" / "run.json").write_text('{"generator": "pythia"}')
    res = CliRunner().invoke(cli, ["judge", str(run.parent), "--json"])
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    assert [r["verdict"] for r in rows] == ["Passed"]
