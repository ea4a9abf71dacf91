"""What the harness needs to know to run one agent: the contract between harness and agents.

Every agent, vendor CLI or our own, is a process started inside the sandbox with the workspace as
its working directory. The harness tees its stdout and stderr to the run's ``trace/`` directory
(outside the sandbox), kills it at the walltime, then asks the spec to read the native trace.
Adding a vendor is writing one ``AgentSpec``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

FailureClass = Literal[
    "timeout",
    "agent_error",
    "auth",
    "rate_limit",
    "context_window",
    "no_submission",
    "harness_error",
]


@dataclass
class RunContext:
    """Everything an agent spec may use to build its command line."""

    task_id: str
    model: str | None
    workspace: Path  # path as seen inside the sandbox (the cwd of the agent)
    prompt: str  # the standard initial prompt every agent gets
    walltime_s: float
    effort: str | None = None
    agent_args: dict[str, str] = field(default_factory=dict)
    script: Path | None = None  # --script FILE for the replay agent (host path, copied in)


@dataclass
class Invocation:
    """One process to start inside the sandbox."""

    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    stdin: str | None = None  # prompt passed on stdin when the vendor reads it there
    home_files: dict[str, Path] = field(default_factory=dict)  # relative path in $HOME -> host file
    native_trace_name: str = "stdout.txt"  # name under trace/ for the verbatim stdout


@dataclass
class TraceSummary:
    """What the harness learns from a native trace after the process ended."""

    events: list[dict[str, object]] = field(default_factory=list)  # normalised events.jsonl rows
    tokens_in: int | None = None
    tokens_out: int | None = None
    tokens_cache: int | None = None
    tokens_cache_write: int | None = None  # part of tokens_in, priced at the cache-write rate
    cost_usd: float | None = None
    cost_source: str | None = None  # "vendor" | "price_table" | None
    failure_class: FailureClass | None = (
        None  # a failure the stream itself reports (auth, rate_limit, ...)
    )


@dataclass
class AgentSpec:
    """A declarative description of one agent."""

    name: str
    build: Callable[[RunContext], Invocation]
    parse: Callable[[bytes, bytes, int], TraceSummary]  # (stdout, stderr, exit_code) -> summary
    needs_model: bool = True
    executables: tuple[str, ...] = ()  # programs that must exist on PATH (checked before a run)
    description: str = ""


def last_line(data: bytes) -> int | None:
    """Index of the last non-empty line of a stream: the ``line`` of an event made from the whole
    output (its time is when that line arrived), None for an empty stream."""
    text = data.rstrip()
    return text.count(b"\n") if text else None
