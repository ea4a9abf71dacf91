"""The agent registry, and the two agents the harness itself provides: ``oracle`` and ``replay``.

- ``oracle`` runs the task's reference recast (``colliderbench solve``) inside the sandbox through
  the same workspace an agent gets: it proves every task solvable end to end and needs no model.
  ``--agent-arg events=N`` (default 5000), ``seed=S``, ``workers=W``.
- ``replay`` runs a shell script (``--script FILE``) inside the sandbox with the workspace as its
  working directory: for tests (adversarial probes, timeouts) and for re-enacting a trace. Each
  top-level command is traced (``set -x`` with a timestamp) and becomes a ``command`` event.

Vendor CLIs come from :mod:`colliderbench.harness.vendors`, the API baseline from
:mod:`colliderbench.agents.api`.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from colliderbench.errors import UserError
from colliderbench.harness.agent_spec import (
    AgentSpec,
    Invocation,
    RunContext,
    TraceSummary,
    last_line,
)

ORACLE_EVENTS = 5000
OUTPUT_CHARS = 100_000  # stdout kept in one output event (the native trace keeps everything)


def build_oracle(ctx: RunContext) -> Invocation:
    """``colliderbench solve TASK --workdir . --events N --json`` in the workspace."""
    args = dict(ctx.agent_args)
    events = args.pop("events", str(ORACLE_EVENTS))
    argv = ["colliderbench", "solve", ctx.task_id, "--workdir", ".", "--events", events, "--json"]
    for key in ("seed", "workers"):
        if key in args:
            argv += [f"--{key}", args.pop(key)]
    if args:
        raise UserError(
            f"the oracle agent takes --agent-arg events=N, seed=S, workers=W; not {', '.join(args)}"
        )
    if not events.isdigit() or int(events) <= 0:
        raise UserError(f"--agent-arg events must be a positive integer, not {events!r}")
    return Invocation(argv=argv, native_trace_name="stdout.json")


def parse_oracle(stdout: bytes, stderr: bytes, exit_code: int) -> TraceSummary:
    text = stdout.decode("utf-8", errors="replace")
    end = last_line(stdout)  # the result arrives at the end: its line gives the time
    events: list[dict[str, object]] = [
        {
            "t": None,  # the harness stamps the agent's start
            "kind": "command",
            "command": "colliderbench solve",
            "tool": "oracle",
            "id": "c0",
        },
        {
            "t": None,
            "line": end,
            "kind": "output",
            "id": "c0",
            "text": text[-OUTPUT_CHARS:],
            "exit_code": exit_code,
        },
    ]
    try:
        result = json.loads(text)
        if isinstance(result, dict):
            events.append(
                {
                    "t": None,
                    "line": end,
                    "kind": "message",
                    "text": json.dumps(result.get("values")),
                }
            )
    except ValueError:
        tail = stderr.decode("utf-8", errors="replace")[-2000:]
        events.append({"t": None, "kind": "error", "text": tail})
    return TraceSummary(events=events)


# xtrace lines of the script's own top level: "++[<epoch seconds>] command" (the "+" repeats per
# nesting level; level 1 is the "." that sources the script)
_XTRACE = re.compile(r"^\+\+\[(\d+(?:\.\d+)?)\] (.*)$")


def build_replay(ctx: RunContext) -> Invocation:
    """``bash`` sourcing the script with timestamped ``set -x`` (PS4 is ignored from the
    environment when running as root, so it is set inside)."""
    if ctx.script is None:
        raise UserError("the replay agent needs --script FILE")
    code = "PS4='+[${EPOCHREALTIME}] '; set -x; . \"$0\""
    return Invocation(argv=["bash", "-c", code, str(ctx.script)], native_trace_name="stdout.txt")


def parse_replay(stdout: bytes, stderr: bytes, exit_code: int) -> TraceSummary:
    events: list[dict[str, object]] = []
    for line in stderr.decode("utf-8", errors="replace").splitlines():
        m = _XTRACE.match(line)
        if m is None:
            continue
        t = datetime.fromtimestamp(float(m.group(1)), UTC).isoformat(timespec="milliseconds")
        events.append(
            {
                "t": t.replace("+00:00", "Z"),
                "kind": "command",
                "command": m.group(2),
                "tool": "bash",
                "id": f"c{len(events)}",
            }
        )
    text = stdout.decode("utf-8", errors="replace")
    events.append(
        {
            "t": None,
            "line": last_line(stdout),
            "kind": "output",
            "id": "stdout",
            "text": text[-OUTPUT_CHARS:],
            "exit_code": exit_code,
        }
    )
    return TraceSummary(events=events)


ORACLE = AgentSpec(
    name="oracle",
    build=build_oracle,
    parse=parse_oracle,
    needs_model=False,
    description="the task's reference recast (colliderbench solve) through the agent's workspace",
)

REPLAY = AgentSpec(
    name="replay",
    build=build_replay,
    parse=parse_replay,
    needs_model=False,
    executables=("bash",),
    description="a shell script (--script FILE) run in the workspace: tests and trace re-enactment",
)


def _registry() -> dict[str, AgentSpec]:
    from colliderbench.harness.vendors import VENDOR_AGENTS

    specs = [ORACLE, REPLAY, *VENDOR_AGENTS]
    try:
        from colliderbench.agents.api import API_AGENT

        specs.append(API_AGENT)
    except ImportError:  # pragma: no cover - the api agent ships with the package
        pass
    return {s.name: s for s in specs}


AGENTS: dict[str, AgentSpec] = _registry()


def get_agent(name: str) -> AgentSpec:
    """The spec of an agent, or a UserError naming the known ones."""
    try:
        return AGENTS[name]
    except KeyError:
        raise UserError(
            f"unknown agent {name!r}: choose from {', '.join(sorted(AGENTS))}"
        ) from None
