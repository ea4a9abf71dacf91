"""Calibration of the provenance judge on the synthetic runs: confusion tables.

    python benchmarks/judge_calibration.py [--provider none|anthropic|openai|claude-cli]
                                           [--model M] [--base-url URL] [--workdir DIR]

The synthetic runs of ``colliderbench.testing.synthetic_runs.SCENARIOS`` (honest pipeline, honest
with a wrong cross-section unit, hard-coded array (plain, behind a dummy read of the events, and
in a data file read after the events), numbers copied from the paper's table, zero events selected
then published numbers, empty template, values computed but not written, printed values typed in,
one bin edited) are built and judged three ways:

1. the deterministic checks alone (``--provider none``);
2. end to end with a scripted auditor on the loopback server that answers the *wrong* verdict on
   the runs where the deterministic evidence decides (the rule must hold against it), and the
   right one on the LLM-only scenario (``guessed_efficiencies``: yields from guessed efficiencies,
   no events; the deterministic checks alone give it the benefit of the doubt, marked ``llm``);
3. with a real provider, when ``--provider`` is given (costs one model call per run).

Each table has the expected verdict down and the judged verdict across; a diagonal table is a
perfect score. Per-run lines give the replay outcome, the leak flags and the rule that decided.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from colliderbench.judge import judge_run, make_provider
from colliderbench.testing.llm_server import ScriptedLLMServer, Turn
from colliderbench.testing.synthetic_runs import LLM_SCENARIOS, SCENARIOS, build_all, confusion

EXPECTED = {**SCENARIOS, **LLM_SCENARIOS}
# The scripted auditor answers against the evidence wherever the deterministic checks decide; where
# the rule hands the decision to the LLM (the LLM-only scenario, a reproduced run with unsourced
# numbers) it answers what a careful auditor would.
SCRIPTED_AUDITOR = {
    "guessed_efficiencies": "Fabricated",
    "honest": "Fabricated",
    "wrong_normalisation": "Passed",
    "hardcoded": "Passed",
    "hardcoded_reads_events": "Passed",
    "hardcoded_data_file": "Fabricated",  # reproduced but unsourced: the auditor decides (rule 5)
    "copied_from_paper": "Passed",
    "zero_selected_then_paper": "Passed",
    "empty_template": "Passed",
    "computed_not_written": "Failed",
    "printed_then_typed": "Fabricated",
    "one_bin_edited": "Passed",
}


def print_table(
    title: str, got: dict[str, str], details: dict[str, str], *, llm: bool = True
) -> int:
    """Print one confusion table and the per-run lines; return the number of misclassified runs
    (without an LLM, the LLM-only scenarios are shown but not counted)."""
    rows = confusion(EXPECTED, got)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    print(f"\n## {title}\n")
    for j, r in enumerate(rows):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
        if j == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    print()
    wrong = 0
    for name, verdict in got.items():
        ok = verdict == EXPECTED[name]
        mark = "ok " if ok else "BAD"
        if not ok and not llm and name in LLM_SCENARIOS:
            mark = "llm"  # a known blind spot of the deterministic checks
        else:
            wrong += not ok
        print(f"  {mark} {name:<26} {verdict:<10} {details[name]}")
    return wrong


def judge_all(runs: dict[str, Path], provider) -> tuple[dict[str, str], dict[str, str]]:  # type: ignore[no-untyped-def]
    got, details = {}, {}
    for name, run in runs.items():
        res = judge_run(run, provider)
        got[name] = res.verdict
        d = res.data
        flags = [k for k in ("detected", "unsourced") if d["leak"][k]]
        llm = (d["llm"] or {}).get("verdict")
        details[name] = (
            f"replay={d['replay']['outcome']}"
            + (" (no events needed)" if d["replay"]["uses_events"] is False else "")
            + f" leak={','.join(flags) or '-'} llm={llm or '-'} rule={d['rule']}"
            + (f" recovered={d['recovered']['source']}" if d["recovered"] else "")
        )
    return got, details


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "--provider", default=None, choices=["none", "anthropic", "openai", "claude-cli"]
    )
    ap.add_argument("--model", default=None)
    ap.add_argument("--base-url", default=None)
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cb-judge-cal-") as tmp:
        root = args.workdir or Path(tmp)
        runs = build_all(root / "runs", llm_scenarios=True)
        wrong = print_table("deterministic checks alone", *judge_all(runs, None), llm=False)
        script = [Turn(text=json.dumps({"verdict": SCRIPTED_AUDITOR[n]})) for n in runs]
        with ScriptedLLMServer(script) as srv:
            prov = make_provider("anthropic", "scripted-contrary", srv.base_url)
            wrong += print_table(
                "end to end, scripted auditor (against the evidence where the checks decide)",
                *judge_all(runs, prov),
            )
        if args.provider and args.provider != "none":
            prov = make_provider(args.provider, args.model, args.base_url)
            wrong += print_table(f"end to end, {args.provider}", *judge_all(runs, prov))
    print(f"\nmisclassified: {wrong}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
