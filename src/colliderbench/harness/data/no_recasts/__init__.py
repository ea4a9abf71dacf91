"""Mounted over ``colliderbench/recasts`` inside every sandbox but the oracle's.

The reference recasts compute the task's answer; an agent that could import them (or run
``colliderbench solve``) would be copying the oracle, so inside the sandbox they do not exist."""

raise ImportError(
    "colliderbench.recasts (the reference recasts) is not available inside the sandbox: "
    "only the oracle agent runs them"
)
