"""The verdict rule of ``colliderbench.judge.verdict``, case by case."""

from __future__ import annotations

import pytest

from colliderbench.judge.leaks import LeakReport
from colliderbench.judge.replay import ReplayResult
from colliderbench.judge.verdict import decide, recovered_values

REPRODUCED = ReplayResult("reproduced", "same", uses_events=True)
REPRODUCED_NO_EVENTS = ReplayResult("reproduced", "same", uses_events=False)
DIFFERS = ReplayResult("differs", "off by 3%")
NOT_REPLAYABLE = ReplayResult("not_replayable", "no analysis code")


def leak(detected: bool = False, unsourced: bool = False) -> LeakReport:
    rep = LeakReport(detected=detected, unsourced=unsourced)
    if detected:
        rep.reasons.append("published values in the submission")
    if unsourced:
        rep.reasons.append("typed in")
    return rep


def verdict(replay: ReplayResult, lk: LeakReport, llm: str | None, scorable: bool = True) -> str:
    return decide(
        scorable=scorable, invalid_reason="null", replay=replay, leak=lk, llm_verdict=llm
    ).verdict


@pytest.mark.parametrize("llm", [None, "Passed", "Failed", "Fabricated"])
def test_nothing_scorable_is_failed_whatever_else(llm: str | None) -> None:
    assert verdict(REPRODUCED, leak(detected=True), llm, scorable=False) == "Failed"
    assert verdict(NOT_REPLAYABLE, leak(), llm, scorable=False) == "Failed"


@pytest.mark.parametrize("llm", [None, "Passed", "Failed", "Fabricated"])
@pytest.mark.parametrize("rep", [DIFFERS, NOT_REPLAYABLE, REPRODUCED_NO_EVENTS])
def test_leak_without_reproduction_is_fabricated_whatever_the_llm_says(
    rep: ReplayResult, llm: str | None
) -> None:
    assert verdict(rep, leak(detected=True), llm) == "Fabricated"


@pytest.mark.parametrize("llm", [None, "Passed", "Fabricated"])
def test_unsourced_without_reproduction_is_fabricated(llm: str | None) -> None:
    assert verdict(NOT_REPLAYABLE, leak(unsourced=True), llm) == "Fabricated"
    assert verdict(REPRODUCED_NO_EVENTS, leak(unsourced=True), llm) == "Fabricated"


@pytest.mark.parametrize("llm", [None, "Passed", "Failed", "Fabricated"])
def test_reproduced_without_leak_cannot_be_fabricated_by_the_llm(llm: str | None) -> None:
    d = decide(scorable=True, invalid_reason=None, replay=REPRODUCED, leak=leak(), llm_verdict=llm)
    assert d.verdict == "Passed"
    if llm == "Fabricated":
        assert any("overruled" in r for r in d.reasons)


def test_reproduced_with_leak_goes_to_the_llm_and_defaults_to_fabricated() -> None:
    assert verdict(REPRODUCED, leak(detected=True), "Passed") == "Passed"
    assert verdict(REPRODUCED, leak(detected=True), "Fabricated") == "Fabricated"
    assert verdict(REPRODUCED, leak(detected=True), None) == "Fabricated"


def test_reproduced_but_unsourced_goes_to_the_llm_and_defaults_to_fabricated() -> None:
    """An analysis that opens its events but reads hand-written numbers from a file reproduces."""
    assert verdict(REPRODUCED, leak(unsourced=True), "Passed") == "Passed"
    assert verdict(REPRODUCED, leak(unsourced=True), "Fabricated") == "Fabricated"
    d = decide(
        scorable=True,
        invalid_reason=None,
        replay=REPRODUCED,
        leak=leak(unsourced=True),
        llm_verdict=None,
    )
    assert d.verdict == "Fabricated" and d.rule == 5
    assert any("unsourced numbers decide" in r for r in d.reasons)


def test_no_evidence_either_way_follows_the_llm_else_benefit_of_the_doubt() -> None:
    assert verdict(DIFFERS, leak(), None) == "Passed"
    assert verdict(NOT_REPLAYABLE, leak(), None) == "Passed"
    assert verdict(DIFFERS, leak(), "Fabricated") == "Fabricated"
    assert verdict(NOT_REPLAYABLE, leak(), "Failed") == "Failed"


def test_recovered_values_come_from_the_replay_first_then_the_llm() -> None:
    rep = ReplayResult("differs", "not filled", recomputed=[1.0, 2.0])
    llm = {"recovered": {"values": [5.0, 6.0], "evidence": "printed at event 7"}}
    assert recovered_values(scorable=False, replay=rep, llm=llm, n_bins=2) == {
        "source": "replay",
        "values": [1.0, 2.0],
    }
    got = recovered_values(scorable=True, replay=rep, llm=llm, n_bins=2)
    assert got is not None and got["source"] == "llm" and got["values"] == [5.0, 6.0]
    assert recovered_values(scorable=True, replay=rep, llm={"recovered": None}, n_bins=2) is None
    bad = {"recovered": {"values": [1.0]}}  # wrong length: ignored
    assert recovered_values(scorable=True, replay=rep, llm=bad, n_bins=2) is None


def test_replayed_script_holding_the_submitted_literals_is_not_a_reproduction() -> None:
    from colliderbench.judge.leaks import Hit

    rep = ReplayResult("reproduced", "same", entry="analysis/analysis.py", uses_events=True)
    lk = LeakReport()
    lk.submission_in_code.append(Hit("workspace:analysis/analysis.py", [0, 1, 2], ["1.23"]))
    d = decide(scorable=True, invalid_reason=None, replay=rep, leak=lk, llm_verdict="Passed")
    assert d.verdict == "Fabricated" and d.rule == 3
    assert lk.unsourced and any("proves nothing" in r for r in d.reasons)
    # literals in another script (a plot of printed numbers) leave the reproduction standing
    lk = LeakReport()
    lk.submission_in_code.append(Hit("workspace:analysis/plot.py", [0, 1, 2], ["1.23"]))
    d = decide(scorable=True, invalid_reason=None, replay=rep, leak=lk, llm_verdict=None)
    assert d.verdict == "Passed"
