"""The provenance judge: replay, leak scan, LLM audit and the verdict rule (see ``verdict``)."""

from colliderbench.judge.audit import build_prompt, parse_answer, rubric
from colliderbench.judge.leaks import LeakReport, scan_leaks
from colliderbench.judge.pipeline import JudgeResult, judge_run, update_runs_db
from colliderbench.judge.providers import PROVIDERS, Provider, ProviderError, make_provider
from colliderbench.judge.replay import ReplayResult, replay
from colliderbench.judge.rundir import RunRecord, load_run
from colliderbench.judge.verdict import Decision, decide

__all__ = [
    "PROVIDERS",
    "Decision",
    "JudgeResult",
    "LeakReport",
    "Provider",
    "ProviderError",
    "ReplayResult",
    "RunRecord",
    "build_prompt",
    "decide",
    "judge_run",
    "load_run",
    "make_provider",
    "parse_answer",
    "replay",
    "rubric",
    "scan_leaks",
    "update_runs_db",
]
