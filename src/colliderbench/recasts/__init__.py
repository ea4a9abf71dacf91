"""Reference recasts: one module per CMS paper, the registry ``RECASTS`` and ``solve``.

Each paper module lists ``RECASTS: list[Recast]``, one per *sim* task. The shape and yield variants
of a task use the same recast (``recast_for``): the yield task sums the signal-region bins into one,
the shape task is scored on the same histogram's shape.
"""

from __future__ import annotations

import importlib

from colliderbench.errors import UserError
from colliderbench.recasts.base import Recast, Selection

PAPER_MODULES: tuple[str, ...] = (
    "cms_sus_16_034",
    "cms_sus_16_046",
    "cms_sus_16_047",
    "cms_sus_16_051",
)


def _collect() -> dict[str, Recast]:
    registry: dict[str, Recast] = {}
    for name in PAPER_MODULES:
        module = importlib.import_module(f"colliderbench.recasts.{name}")
        for recast in getattr(module, "RECASTS", []):
            if recast.task_id in registry:
                raise RuntimeError(f"two recasts for task {recast.task_id}")
            registry[recast.task_id] = recast
    return registry


RECASTS: dict[str, Recast] = _collect()


def sim_task_id(task_id: str) -> str:
    """The sim task a shape or yield task derives from (``..._shape-X`` -> ``..._sim-X``)."""
    for kind in ("_shape-", "_yield-"):
        if kind in task_id:
            return task_id.replace(kind, "_sim-", 1)
    return task_id


def recast_for(task_id: str) -> Recast:
    """The recast that solves a sim, shape or yield task."""
    sim_id = sim_task_id(task_id)
    try:
        return RECASTS[sim_id]
    except KeyError:
        known = ", ".join(sorted(RECASTS)) or "none"
        raise UserError(
            f"no reference recast for task {task_id!r} (recasts exist for: {known})"
        ) from None


__all__ = ["PAPER_MODULES", "RECASTS", "Recast", "Selection", "recast_for", "sim_task_id"]
