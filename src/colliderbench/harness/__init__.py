"""The harness: workspaces in sandboxes, agents, run records, the runs database, batches.

The public names are re-exported here and imported on first use, so ``import
colliderbench.harness`` stays cheap (no Dask, no rich) for the judge and the report.
"""

from __future__ import annotations

import importlib
from typing import Any

from colliderbench.harness.agent_spec import (
    AgentSpec,
    FailureClass,
    Invocation,
    RunContext,
    TraceSummary,
)

_LAZY = {
    "AGENTS": "colliderbench.harness.agents",
    "get_agent": "colliderbench.harness.agents",
    "RunRequest": "colliderbench.harness.runner",
    "run_one": "colliderbench.harness.runner",
    "BatchSpec": "colliderbench.harness.batch",
    "run_batch": "colliderbench.harness.batch",
    "run_command": "colliderbench.harness.sandbox",
    "standard_prompt": "colliderbench.harness.prompt",
}

__all__ = [
    "AgentSpec",
    "FailureClass",
    "Invocation",
    "RunContext",
    "TraceSummary",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'colliderbench.harness' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
