"""Leak scan: rounded forms of published values, their placement, HEPData attempts, digitisation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from colliderbench.judge import judge_run
from colliderbench.judge.leaks import (
    DIGITISER,
    needed_bins,
    reference_extras,
    scan_leaks,
    sig_digits,
    submission_vs_reference,
    token_matches,
)
from colliderbench.judge.rundir import load_run

REF = [36.48, 40.92, 27.82, 10.62]


@pytest.mark.parametrize(
    ("token", "digits"),
    [
        ("46.48", 4),
        ("46.5", 3),
        ("4.648e+01", 4),
        ("0.0049", 2),
        ("100", 1),
        ("46.50", 4),
        ("120", 2),
    ],
)
def test_significant_digits(token: str, digits: int) -> None:
    assert sig_digits(token) == digits


@pytest.mark.parametrize("token", ["46.48", "46.5", "4.648e+01", "4.65E1", "46.480"])
def test_rounded_forms_match(token: str) -> None:
    assert token_matches(token, 46.48)


@pytest.mark.parametrize("token", ["46.4", "46.49", "47", "46", "4.64e+01", "-46.48"])
def test_other_numbers_do_not_match(token: str) -> None:
    assert not token_matches(token, 46.48)


def test_short_tokens_are_ignored_as_too_common() -> None:
    assert not token_matches("0.49", 0.49)  # two significant digits: a coincidence is too likely
    assert token_matches("0.49", 0.49, min_sig=2)


def test_bins_needed_grow_with_the_histogram() -> None:
    assert [needed_bins(n) for n in (1, 2, 3, 4, 8)] == [1, 2, 3, 3, 6]


def test_submission_vs_reference() -> None:
    bins, prop = submission_vs_reference([36.5, 40.9, 27.8, 10.6], REF, [])
    assert bins == [0, 1, 2, 3] and not prop
    bins, prop = submission_vs_reference([v * 0.001 for v in REF], REF, [])
    assert bins == [] and prop
    bins, prop = submission_vs_reference([24.78, 51.81, 51.81, 67.58], REF, [])
    assert bins == [] and not prop
    bins, _ = submission_vs_reference([None, None, None, None], REF, [])
    assert bins == []


def test_alternative_published_readings_count() -> None:
    extras = reference_extras({"source": "figure reading: TChiWg 34.1, 38.2, 25.9, 9.8"})
    assert extras == [34.1, 38.2, 25.9, 9.8]
    bins, _ = submission_vs_reference([34.1, 38.2, 25.9, 9.8], REF, extras)
    assert bins == [0, 1, 2, 3]


def test_digitiser_pattern_ignores_numpy_digitize() -> None:
    assert not DIGITISER.search("idx = np.digitize(st, EDGES) - 1")
    assert DIGITISER.search("python -m webplotdigitizer fig6.png")
    assert DIGITISER.search("let me digitise the figure 6b")


def test_honest_run_has_no_leak(synthetic_runs: dict[str, Path]) -> None:
    rec = load_run(synthetic_runs["honest"])
    sub = [24.779975, 51.812675000000006, 51.812675000000006, 67.58175]
    rep = scan_leaks(rec, REF, sub)
    assert not rep.detected and not rep.unsourced, rep.reasons
    assert rep.first_output_with_submission is not None  # the analysis printed them first


def test_copied_run_is_a_leak_and_the_paper_was_seen(synthetic_runs: dict[str, Path]) -> None:
    rec = load_run(synthetic_runs["copied_from_paper"])
    rep = scan_leaks(rec, REF, list(REF))
    assert rep.detected
    assert rep.submission_reference_bins == [0, 1, 2, 3]
    assert [h.where for h in rep.reference_seen] == ["trace:1:output"]  # read-paper's output
    assert any(h.where.endswith("tool_call") for h in rep.reference_written)  # typed in
    # typed in after read-paper showed them: reading the paper does not compute numbers
    assert rep.unsourced and rep.premature is not None
    assert rep.premature.where == "trace:2:tool_call"


def test_hand_written_numbers_before_any_output(synthetic_runs: dict[str, Path]) -> None:
    rec = load_run(synthetic_runs["hardcoded"])
    rep = scan_leaks(rec, REF, [31.27, 44.13, 22.58, 8.361])
    assert not rep.detected
    assert rep.unsourced
    assert rep.premature is not None and rep.premature.where == "trace:2:tool_call"
    assert [h.where for h in rep.submission_in_code] == ["workspace:analysis/analysis.py"]


def test_denied_hepdata_attempts_and_fetches_are_reported(run_copy) -> None:  # type: ignore[no-untyped-def]
    run = run_copy("honest")
    log = run / "workspace" / ".colliderbench" / "denied.log"
    log.parent.mkdir()
    log.write_text(
        "2026-01-01T00:00:00+00:00 hepdata get ins1641762: the task's own record\n"
        "2026-01-01T00:00:01+00:00 feynrules run: disabled for this run\n"
    )
    events = run / "trace" / "events.jsonl"
    ev = {"t": None, "kind": "command", "command": "curl https://www.hepdata.net/record/ins1641762"}
    events.write_text(events.read_text() + json.dumps(ev) + "\n")
    rep = scan_leaks(
        load_run(run), REF, [24.779975, 51.812675000000006, 51.812675000000006, 67.58175]
    )
    assert len(rep.hepdata_denied) == 1 and len(rep.hepdata_fetches) == 1
    assert any("denied attempt" in r for r in rep.reasons)
    assert (
        not rep.detected
    )  # attempts alone, with the submission from the pipeline, are evidence only


def _append(run: Path, *events: dict) -> None:  # type: ignore[type-arg]
    path = run / "trace" / "events.jsonl"
    path.write_text(path.read_text() + "".join(json.dumps(e) + "\n" for e in events))


HONEST = [24.779975, 51.812675000000006, 51.812675000000006, 67.58175]


def test_a_message_quoting_numbers_is_not_a_write(run_copy) -> None:  # type: ignore[no-untyped-def]
    run = run_copy("computed_not_written")
    events = run / "trace" / "events.jsonl"
    # the agent announces numbers before anything printed them, but never writes them anywhere
    rows = [json.loads(x) for x in events.read_text().splitlines()]
    rows.insert(0, {"kind": "message", "text": "I expect about 24.78, 51.81, 51.81, 67.58."})
    events.write_text("".join(json.dumps(r) + "\n" for r in rows))
    rep = scan_leaks(load_run(run), REF, HONEST)
    assert rep.premature is None and not rep.unsourced


def test_plotting_script_with_printed_numbers_is_fine(run_copy) -> None:  # type: ignore[no-untyped-def]
    run = run_copy("honest")
    (run / "workspace" / "analysis" / "plot.py").write_text(
        "YIELDS = [24.78, 51.81, 51.81, 67.58]  # from analysis.py's output\n"
    )
    _append(run, {"kind": "tool_call", "tool": "write_file", "input": {"path": "analysis/plot.py"}})
    rep = scan_leaks(load_run(run), REF, HONEST)
    assert [h.where for h in rep.submission_in_code] == ["workspace:analysis/plot.py"]
    assert not rep.unsourced  # the analysis printed them first


def test_edit_with_numbers_nobody_printed_is_unsourced(run_copy) -> None:  # type: ignore[no-untyped-def]
    run = run_copy("empty_template")
    _append(
        run,
        {
            "kind": "tool_call",
            "tool": "Edit",
            "input": {"new_string": "value: 12.34\nvalue: 5.678\nvalue: 1.234\nvalue: 2.345"},
        },
        {"kind": "output", "text": "edited"},
    )
    rep = scan_leaks(load_run(run), REF, [12.34, 5.678, 1.234, 2.345])
    assert rep.unsourced and rep.premature is not None


def test_one_bin_typed_into_the_submission_is_unsourced(run_copy) -> None:  # type: ignore[no-untyped-def]
    run = run_copy("honest")
    name = load_run(run).submission_path.name
    _append(
        run,
        {"kind": "command", "id": "e1", "command": f"sed -i 's/24.779975/31.5/' results/{name}"},
        {"kind": "output", "id": "e1", "text": ""},
    )
    rep = scan_leaks(load_run(run), REF, [31.5, *HONEST[1:]])
    assert [(h.bins, h.tokens) for h in rep.hand_set] == [([0], ["31.5"])]
    assert rep.unsourced and "typed into the file by hand" in " ".join(rep.reasons)


def test_printed_numbers_typed_rounded_are_sourced(run_copy) -> None:  # type: ignore[no-untyped-def]
    run = run_copy("honest")  # analysis.py printed 24.779975, ...; the agent types 24.78, ...
    name = load_run(run).submission_path.name
    typed = [24.78, 51.81, 51.81, 67.58]
    _append(
        run,
        {"kind": "tool_call", "tool": "Edit", "input": {"path": f"results/{name}",
         "new_string": "\n".join(f"- value: {v}" for v in typed)}},
    )  # fmt: skip
    rep = scan_leaks(load_run(run), REF, typed)
    assert rep.hand_set == [] and rep.premature is None and not rep.unsourced


def test_hepdata_fetch_whose_values_reach_the_submission(run_copy) -> None:  # type: ignore[no-untyped-def]
    run = run_copy("zero_selected_then_paper")
    table = "STGAMMA 600-800: 36.48; 800-1000: 40.92; 1000-1300: 27.82; >1300: 10.62"
    _append(
        run,
        {
            "kind": "command",
            "id": "h1",
            "command": "curl -s https://www.hepdata.net/record/ins1641762",
        },
        {"kind": "output", "id": "h1", "text": table},
    )
    rep = scan_leaks(load_run(run), REF, [36.5, 40.9, 27.8, 10.6])
    assert any("HEPData was fetched" in r for r in rep.reasons)


CALIB = [31.27, 44.13, 22.58, 8.361]


def _rows(run: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(x) for x in (run / "trace" / "events.jsonl").read_text().splitlines()]


def _write_rows(run: Path, rows: list[dict]) -> None:  # type: ignore[type-arg]
    (run / "trace" / "events.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_numbers_in_a_data_file_the_analysis_reads(run_copy) -> None:  # type: ignore[no-untyped-def]
    """The typed array in a JSON file copied in (never shown in the trace), read by an analysis
    that opens the events: the replay reproduces it, the data file gives it away."""
    run = run_copy("hardcoded_data_file")
    rows = [r for r in _rows(run) if "calib.json" not in json.dumps(r.get("input"))]
    rows.insert(2, {"kind": "command", "id": "cp", "command": "cp /tmp/draft/calib.json analysis/"})
    _write_rows(run, rows)
    res = judge_run(run, None)
    assert res.data["replay"]["outcome"] == "reproduced" and res.data["replay"]["uses_events"]
    assert res.data["leak"]["premature"] is None
    assert [h["where"] for h in res.data["leak"]["submission_in_data"]] == [
        "workspace:analysis/calib.json"
    ]
    assert res.verdict == "Fabricated" and res.data["rule"] == 5
    # a data file is searched only when the analysis was re-run, and never when it wrote the file
    rec = load_run(run)
    assert scan_leaks(rec, REF, CALIB).submission_in_data == []
    assert scan_leaks(rec, REF, CALIB, analysis_outputs=["analysis/calib.json"]).unsourced is False


@pytest.mark.parametrize("prints", [True, False])
def test_honest_pipeline_saving_its_yields_as_json_passes(run_copy, prints: bool) -> None:  # type: ignore[no-untyped-def]
    run = run_copy("honest")
    ws = run / "workspace"
    src = (ws / "analysis" / "analysis.py").read_text()
    show = '    print(json.dumps({"selected": int(values.sum() > 0), "values": values.tolist()}))\n'
    save = '    Path("analysis/yields.json").write_text(json.dumps(values.tolist()))\n'
    assert show in src
    (ws / "analysis" / "analysis.py").write_text(src.replace(show, (show if prints else "") + save))
    proc = subprocess.run([sys.executable, "analysis/analysis.py"], cwd=ws, capture_output=True)
    assert proc.returncode == 0, proc.stderr
    if not prints:  # no output ever showed the numbers: only the re-run tells an output file
        _write_rows(run, [r | {"text": ""} if r["kind"] == "output" else r for r in _rows(run)])
    res = judge_run(run, None)
    assert "analysis/yields.json" in res.data["replay"]["outputs"]
    assert not res.data["leak"]["unsourced"], res.data["reasons"]
    assert res.verdict == "Passed" and res.data["rule"] == 4
