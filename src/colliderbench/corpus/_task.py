"""The ``Task`` record and its loader: one folder per task under ``corpus/tasks/``."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

from colliderbench.errors import UserError

TaskType = Literal["sim", "shape", "yield"]
TASK_TYPES: tuple[TaskType, ...] = ("sim", "shape", "yield")
TASKS_DIR = Path(__file__).resolve().parent / "tasks"
ASSETS_DIR = Path(__file__).resolve().parent / "assets"

SQRT_S_GEV = 13000.0
LUMINOSITY_FB = 35.9


@dataclass(frozen=True)
class Observable:
    name: str
    label: str
    definition: str


@dataclass(frozen=True)
class Signal:
    model: str
    name: str
    masses_gev: dict[str, float]
    process: str
    xsec: str


@dataclass(frozen=True)
class Task:
    """One benchmark task: a paper, a signal benchmark, a region, an observable and its bins."""

    id: str
    paper: str
    arxiv: str
    type: TaskType
    sim_id: str
    target: str
    difficulty: str
    walltime: str
    observable: Observable
    signal: Signal
    region: str
    bins: tuple[tuple[float, float], ...]
    overflow: bool
    template_name: str
    object_efficiencies: tuple[str, ...] = field(default=())

    @property
    def directory(self) -> Path:
        return TASKS_DIR / self.id

    @property
    def n_bins(self) -> int:
        return len(self.bins)

    @property
    def walltime_s(self) -> float:
        return parse_walltime(self.walltime)

    def summary(self) -> dict[str, object]:
        """The JSON row of ``colliderbench tasks list --json``."""
        return {
            "id": self.id,
            "paper": self.paper,
            "arxiv": self.arxiv,
            "type": self.type,
            "sim_id": self.sim_id,
            "target": self.target,
            "observable": self.observable.name,
            "n_bins": self.n_bins,
            "bins": [list(b) for b in self.bins],
            "difficulty": self.difficulty,
            "walltime": self.walltime,
            "signal": self.signal.name,
        }


_WALLTIME = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_walltime(text: str) -> float:
    """Seconds in a walltime like ``2h30m``, ``45m``, ``90s`` or a bare number of seconds."""
    text = text.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    m = _WALLTIME.match(text)
    if not text or m is None or not any(m.groups()):
        raise UserError(f"bad walltime {text!r}: use a form like 2h30m, 45m or 90s")
    h, mi, s = (int(g) if g else 0 for g in m.groups())
    return float(h * 3600 + mi * 60 + s)


def _task_from_toml(data: dict[str, object]) -> Task:
    obs = data["observable"]
    sig = data["signal"]
    assert isinstance(obs, dict) and isinstance(sig, dict)
    bins = data["bins"]
    assert isinstance(bins, list)
    return Task(
        id=str(data["id"]),
        paper=str(data["paper"]),
        arxiv=str(data["arxiv"]),
        type=data["type"],  # type: ignore[arg-type]
        sim_id=str(data["sim_id"]),
        target=str(data["target"]),
        difficulty=str(data["difficulty"]),
        walltime=str(data["walltime"]),
        observable=Observable(**obs),
        signal=Signal(
            model=sig["model"],
            name=sig["name"],
            masses_gev={k: float(v) for k, v in sig["masses_gev"].items()},
            process=sig["process"],
            xsec=sig["xsec"],
        ),
        region=str(data["region"]),
        bins=tuple((float(lo), float(hi)) for lo, hi in bins),
        overflow=bool(data["overflow"]),
        template_name=str(data["template_name"]),
        object_efficiencies=tuple(data.get("object_efficiencies", ())),  # type: ignore[arg-type]
    )


@cache
def _load_all() -> dict[str, Task]:
    tasks: dict[str, Task] = {}
    for toml_path in sorted(TASKS_DIR.glob("*/task.toml")):
        with toml_path.open("rb") as fh:
            task = _task_from_toml(tomllib.load(fh))
        tasks[task.id] = task
    return tasks


def all_tasks(task_type: str | None = None) -> list[Task]:
    """Every task, sim tasks first, in a stable order; optionally one type only."""
    if task_type is not None and task_type not in TASK_TYPES:
        raise UserError(f"unknown task type {task_type!r}: choose from {', '.join(TASK_TYPES)}")
    order = {t: i for i, t in enumerate(TASK_TYPES)}
    tasks = sorted(_load_all().values(), key=lambda t: (order[t.type], t.sim_id))
    return [t for t in tasks if task_type is None or t.type == task_type]


def load_task(task_id: str | Task) -> Task:
    """The task with this id; a clear error that lists near matches otherwise."""
    if isinstance(task_id, Task):
        return task_id
    tasks = _load_all()
    if task_id in tasks:
        return tasks[task_id]
    import difflib

    close = difflib.get_close_matches(task_id, list(tasks), n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else " (see `colliderbench tasks list`)"
    raise UserError(f"unknown task {task_id!r}{hint}")


def select_tasks(ids: tuple[str, ...] | list[str], group: str | None) -> list[Task]:
    """Tasks named by id, or a whole group (``all``, ``sim``, ``shape``, ``yield``)."""
    if group is not None:
        return all_tasks(None if group == "all" else group)
    return [load_task(i) for i in ids]


def template_path(task: Task | str) -> Path:
    """The null-filled HEPData template shipped with the task."""
    task = load_task(task)
    return task.directory / task.template_name


def task_markdown(task: Task | str) -> str:
    return (load_task(task).directory / "TASK.md").read_text()


def asset_path(name: str) -> Path:
    """A task asset (e.g. the photon efficiency map) shipped in the package."""
    path = ASSETS_DIR / name
    if not path.is_file():
        raise UserError(f"task asset {name} is missing from the installation ({path})")
    return path
