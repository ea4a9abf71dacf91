"""``solve``: run a task's reference recast end to end and write the full agent deliverable.

model point -> Pythia 8 + fast detector simulation (``colliderbench.physics``) -> Delphes-layout ROOT
file -> the recast's selection -> yields normalised as

    y_bin = sigma_NLO+NLL x L x eps_filter x sum_{events in bin} w / N_generated

with the MC statistical uncertainty sqrt(sum w^2) on the same scale; the last bin holds the
overflow. Nothing here reads a reference value: the score is computed afterwards, by the scorer,
from the written YAML (and not at all inside a sandbox, where references are invisible).

The workdir receives exactly what an agent must leave behind: ``results/<template>.yaml``,
``analysis/`` (the recast source that ran and ``analysis.py`` that replays it on ``data/``),
``sims/`` (SLHA and generator settings), ``data/`` (the detector-level ROOT file), ``report.md``
and ``cutflow.json``.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np

from colliderbench.corpus import LUMINOSITY_FB, Task, load_task, template_path
from colliderbench.errors import UserError
from colliderbench.histogram import fill_template, write_text_atomic
from colliderbench.recasts import recast_for
from colliderbench.recasts.base import Recast, Selection

DATA_FILE = "events.root"
DATA_MODE = 0o644  # data/ is part of the deliverable: readable by the judge and the replay


# --------------------------------------------------------------------------- normalisation


@dataclass
class Normalisation:
    """The factors that turn a sum of event weights into expected events at 35.9 fb^-1."""

    xsec_fb: float
    luminosity_fb: float
    filter_efficiency: float
    n_generated: int
    xsec_process: str
    xsec_mass: float

    @property
    def per_event(self) -> float:
        """Expected events represented by one generated event of weight 1."""
        return self.xsec_fb * self.luminosity_fb * self.filter_efficiency / self.n_generated


def bin_index(values: np.ndarray, edges: list[tuple[float, float]], overflow: bool) -> np.ndarray:
    """The bin of each value (-1 outside); bins are [low, high), the last takes the overflow."""
    idx = np.full(values.shape, -1, dtype=np.int64)
    for i, (lo, hi) in enumerate(edges):
        last = i == len(edges) - 1
        inside = (values >= lo) & ((values < hi) | (last and overflow))
        idx[inside & (idx < 0)] = i
    return idx


def bin_labels(edges: list[tuple[float, float]], overflow: bool) -> list[str]:
    """How bins are printed everywhere (report.md, the CLI table): "low-high", the overflow bin
    as ">= low"."""
    return [
        f">= {lo:g}" if overflow and i == len(edges) - 1 else f"{lo:g}-{hi:g}"
        for i, (lo, hi) in enumerate(edges)
    ]


def binned_yields(
    sel: Selection, edges: list[tuple[float, float]], overflow: bool, norm: Normalisation
) -> tuple[np.ndarray, np.ndarray]:
    """(yield, MC stat error) per bin for the events that pass the selection."""
    idx = bin_index(sel.values, edges, overflow)
    use = sel.passed & (idx >= 0)
    w = sel.weight[use]
    sums = np.bincount(idx[use], weights=w, minlength=len(edges))
    sq = np.bincount(idx[use], weights=w * w, minlength=len(edges))
    return sums * norm.per_event, np.sqrt(sq) * norm.per_event


def cutflow_rows(sel: Selection, norm: Normalisation) -> list[dict[str, float | int | str]]:
    """Events and weighted yield after each cut, starting from all generated events."""
    n = norm.n_generated
    rows: list[dict[str, float | int | str]] = [
        {
            "cut": "generated",
            "events": n,
            "yield": n * norm.per_event,
            "efficiency": 1.0,
        }
    ]
    for name, mask in sel.cutflow:
        w = sel.weight[mask]
        rows.append(
            {
                "cut": name,
                "events": int(mask.sum()),
                "yield": float(w.sum() * norm.per_event),
                "yield_stat": float(np.sqrt((w * w).sum()) * norm.per_event),
                "efficiency": float(mask.sum() / n) if n else 0.0,
            }
        )
    return rows


# --------------------------------------------------------------------------- result record


@dataclass
class SolveResult:
    task: str
    sim_task: str
    workdir: str
    edges: list[tuple[float, float]]
    labels: list[str]
    values: list[float]
    errors: list[float]
    total: float
    total_error: float
    n_generated: int
    normalisation: dict[str, Any]
    cutflow: list[dict[str, Any]]
    results_path: str
    score: dict[str, Any] | None = None
    score_note: str | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------- simulation adapter


def _sample_key(recast: Recast, n_events: int, seed: int) -> str:
    """Cache key of a recast's sample: everything that decides its events.

    The SLHA text (masses and decay tables) and the colliderbench and Pythia versions are part of
    it, so a changed model definition or generator never reuses samples made by the old one.
    """
    from colliderbench import __version__
    from colliderbench.physics.generate import pythia_version
    from colliderbench.physics.models import model_slha

    spec = {
        "model": recast.model,
        "masses": dict(recast.masses),
        "slha": model_slha(recast.model, recast.masses)[2],
        "versions": [__version__, pythia_version()],
        "generation": dict(recast.generation),
        "detector": dict(recast.detector),
        "events": n_events,
        "seed": seed,
    }
    blob = json.dumps(spec, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def simulate_sample(
    recast: Recast,
    n_events: int,
    workers: int,
    seed: int,
    data_dir: Path,
    sims_dir: Path,
    *,
    cache: bool = True,
    progress: bool = True,
) -> tuple[Path, dict[str, Any]]:
    """Generate and detector-simulate the recast's model point into ``data_dir/events.root``.

    With ``cache`` the ROOT file (and the sims/ files) are kept under the user cache, keyed by model,
    masses, options, events and seed, so tasks that share a signal point (the low- and high-H_T
    regions of SUS-16-047) simulate it once.
    """
    from colliderbench.physics import simulate as physics_simulate

    data_dir.mkdir(parents=True, exist_ok=True)
    sims_dir.mkdir(parents=True, exist_ok=True)
    out = data_dir / DATA_FILE
    cached_dir = None
    if cache:
        from colliderbench.paths import cache_dir

        cached_dir = cache_dir() / "samples" / _sample_key(recast, n_events, seed)
        if (cached_dir / DATA_FILE).is_file() and (cached_dir / "sims").is_dir():
            shutil.copyfile(cached_dir / DATA_FILE, out)
            shutil.copytree(cached_dir / "sims", sims_dir, dirs_exist_ok=True)
            _point_summary_at(sims_dir, out)
            out.chmod(DATA_MODE)
            from colliderbench.physics.delphes_io import read_metadata

            return out, read_metadata(out)

    physics_simulate.simulate(
        model=recast.model,
        masses=dict(recast.masses),
        events=n_events,
        output=out,
        seed=seed,
        workers=workers,
        generation=dict(recast.generation),
        detector=dict(recast.detector),
        sims_dir=sims_dir,
        progress=progress,
    )
    out.chmod(DATA_MODE)
    from colliderbench.physics.delphes_io import read_metadata

    meta = read_metadata(out)
    if cached_dir is not None:
        store_in_cache(out, sims_dir, cached_dir)
    return out, meta


def store_in_cache(data: Path, sims_dir: Path, cached_dir: Path) -> None:
    """Copy a finished sample into the cache as one unit: a staging folder renamed into place, so
    a copy cut short (a killed solve, a full disk) never leaves an entry a later solve would reuse.

    The cache only saves time: when it cannot be written, a warning says so and the solve goes on
    with the sample it already has in its workdir.
    """
    import os
    import tempfile
    import warnings

    staging: Path | None = None
    try:
        cached_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{cached_dir.name}-", dir=cached_dir.parent))
        staging.chmod(0o755)
        shutil.copy2(data, staging / DATA_FILE)
        shutil.copytree(sims_dir, staging / "sims")
        if cached_dir.exists():  # an incomplete entry (the lookup did not take it)
            shutil.rmtree(cached_dir)
        os.replace(staging, cached_dir)
    except OSError as exc:
        warnings.warn(f"sample not cached in {cached_dir}: {exc}", stacklevel=2)
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def _point_summary_at(sims_dir: Path, out: Path) -> None:
    """Make ``sims/simulate.json`` name this workdir's events file (a cached copy names the first)."""
    summary_path = sims_dir / "simulate.json"
    if not summary_path.is_file():
        return
    summary = json.loads(summary_path.read_text())
    summary["output"] = str(out)
    summary_path.write_text(json.dumps(summary, indent=2, default=str) + "\n")


def cross_section_fb(process: str, mass: float) -> float:
    """NLO+NLL cross section in fb from the shipped tables."""
    from colliderbench.physics import xsec

    return float(xsec.cross_section(process, mass).value_fb)


def read_events(paths: list[Path]) -> ak.Array:
    from colliderbench.physics.delphes_io import read_delphes

    arrays = [read_delphes(p) for p in paths]
    return arrays[0] if len(arrays) == 1 else ak.concatenate(arrays)


# --------------------------------------------------------------------------- analysis/ (replay)


def _recast_module_closure(module_name: str) -> list[str]:
    """The recast module and every ``colliderbench.recasts`` helper it imports, recursively."""
    import importlib

    todo, seen = [module_name], []
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.append(name)
        source = inspect.getsource(importlib.import_module(name))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module.startswith("colliderbench.recasts.") and node.level == 0:
                    todo.append(node.module)
    return seen


_ANALYSIS_PY = '''"""Replay of the reference recast for {task}: data/*.root -> results/{template}.

Written by `colliderbench solve`; the judge runs `python analysis/analysis.py` from the workdir.
The selection is the copied recast in analysis/recast/ ({module}.{function}); the normalisation
factors (NLO+NLL cross section, luminosity, filter efficiency, generated events) are in
analysis/normalisation.json, each with its source.
"""

from __future__ import annotations

import json
import sys
from functools import partial  # noqa: F401 (used when the selection has options)
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
WORKDIR = HERE.parent
sys.path.insert(0, str(HERE))

from colliderbench.histogram import fill_template, write_text_atomic  # noqa: E402
from colliderbench.physics.delphes_io import read_delphes  # noqa: E402
from recast.{module} import *  # noqa: E402,F403
from recast.{module} import {function}  # noqa: E402

select = {call}


def main() -> None:
    norm = json.loads((HERE / "normalisation.json").read_text())
    edges = [tuple(e) for e in norm["bins"]]
    per_event = (
        norm["xsec_fb"] * norm["luminosity_fb"] * norm["filter_efficiency"] / norm["n_generated"]
    )
    sums = np.zeros(len(edges))
    sq = np.zeros(len(edges))
    for path in sorted((WORKDIR / "data").glob("*.root")):
        sel = select(read_delphes(path))
        for i, (lo, hi) in enumerate(edges):
            last = i == len(edges) - 1
            inside = sel.passed & (sel.values >= lo) & ((sel.values < hi) | (last and norm["overflow"]))
            sums[i] += sel.weight[inside].sum()
            sq[i] += (sel.weight[inside] ** 2).sum()
    values = (sums * per_event).tolist()
    errors = (np.sqrt(sq) * per_event).tolist()
    out = WORKDIR / "results" / norm["template"]
    write_text_atomic(out, fill_template(out, values, errors))
    print(json.dumps({{"values": values, "errors": errors}}))


if __name__ == "__main__":
    main()
'''


def write_analysis(analysis_dir: Path, task: Task, recast: Recast, norm: Normalisation) -> None:
    """Copy the recast source that ran (imports made local) and the replay script."""
    select = recast.select
    # a functools.partial (ambiguity alternatives) is replayed with the same keyword arguments
    func = getattr(select, "func", select)
    module_name, function = func.__module__, func.__name__
    keywords = getattr(select, "keywords", {}) or {}
    call = function
    if keywords:
        args = ", ".join(f"{k}={v!r}" for k, v in keywords.items())
        call = f"partial({function}, {args})"
    recast_dir = analysis_dir / "recast"
    recast_dir.mkdir(parents=True, exist_ok=True)
    (recast_dir / "__init__.py").write_text('"""The recast code that produced results/."""\n')
    import importlib

    for name in _recast_module_closure(module_name):
        source = inspect.getsource(importlib.import_module(name))
        source = re.sub(r"\bfrom colliderbench\.recasts\.(\w+) import", r"from .\1 import", source)
        (recast_dir / f"{name.rsplit('.', 1)[1]}.py").write_text(source)
    short = module_name.rsplit(".", 1)[1]
    (analysis_dir / "analysis.py").write_text(
        _ANALYSIS_PY.format(
            task=task.id, template=task.template_name, module=short, function=function, call=call
        )
    )
    payload = {
        **asdict(norm),
        "bins": [list(e) for e in task.bins],
        "overflow": task.overflow,
        "template": task.template_name,
        "sources": {
            "xsec_fb": "colliderbench.physics.xsec NLO+NLL table "
            f"({norm.xsec_process}, {norm.xsec_mass:g} GeV)",
            "luminosity_fb": "paper: 35.9 fb^-1 (2016)",
            "filter_efficiency": "generator filter efficiency from the sample metadata (1 if none)",
            "n_generated": "events generated (data/ metadata)",
        },
    }
    (analysis_dir / "normalisation.json").write_text(json.dumps(payload, indent=2) + "\n")


# --------------------------------------------------------------------------- report.md


def _md(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|")


def write_report(
    path: Path, task: Task, recast: Recast, result: SolveResult, meta: dict[str, Any]
) -> None:
    import importlib

    select = recast.select
    module = importlib.import_module(getattr(select, "func", select).__module__)
    doc = inspect.getdoc(module) or ""
    lines = [
        f"# {task.id}: reference recast",
        "",
        f"Signal: {task.signal.name} ({recast.model}, masses "
        + ", ".join(f"{k} = {v:g} GeV" for k, v in recast.masses.items())
        + f"). Paper {task.paper} (arXiv:{task.arxiv}).",
        "",
        "## Pipeline",
        "",
        f"- Generation: Pythia 8, {result.n_generated} events, seed {meta.get('seed')}; settings in "
        "`sims/`.",
        "- Detector: the embedded CMS fast simulation (Delphes 3.5.0 CMS card equivalent), overrides "
        f"{dict(recast.detector) or 'none'}; events in `data/{DATA_FILE}`.",
        f"- Normalisation: sigma(NLO+NLL, {recast.xsec_process}, {recast.xsec_mass:g} GeV) = "
        f"{result.normalisation['xsec_fb']:.6g} fb x {LUMINOSITY_FB} fb^-1 x filter efficiency "
        f"{result.normalisation['filter_efficiency']:.6g} / {result.n_generated} generated events.",
        "- Selection: `analysis/recast/` (replay: `python analysis/analysis.py`).",
        "",
        "## Result",
        "",
        "| bin [GeV] | yield | MC stat |",
        "|---|---|---|",
    ]
    for label, v, e in zip(result.labels, result.values, result.errors, strict=True):
        lines.append(f"| {label} | {v:.4g} | {e:.2g} |")
    lines += [
        f"| total | {result.total:.4g} | {result.total_error:.2g} |",
        "",
        "## Cut-flow",
        "",
        "| cut | events | yield |",
        "|---|---|---|",
    ]
    lines += [f"| {_md(r['cut'])} | {r['events']} | {r['yield']:.4g} |" for r in result.cutflow]
    lines += ["", "## Choices and deviations (from the recast's documentation)", "", doc, ""]
    if recast.notes:
        lines += ["", f"Notes: {recast.notes}", ""]
    write_text_atomic(path, "\n".join(lines))


# --------------------------------------------------------------------------- solve


def solve(
    task_id: str,
    events: int,
    workers: int = 1,
    seed: int = 1,
    workdir: str | Path = ".",
    *,
    cache: bool = True,
    progress: bool = True,
    score: bool = True,
    select: Callable[[ak.Array], Selection] | None = None,
    generation: dict[str, Any] | None = None,
) -> SolveResult:
    """Solve a sim, shape or yield task with its reference recast; write the deliverable to workdir.

    ``select`` overrides the recast's selection (used by the validation benchmark to measure
    ambiguity alternatives); the deliverable then records that selection. ``generation`` adds to
    the recast's generation options (``settings`` are appended to the recast's Pythia strings,
    other keys replace; the validation benchmark's ISR study uses it); sims/ records the result.
    """
    if events <= 0:
        raise UserError("--events must be positive")
    if workers <= 0:
        raise UserError("--workers must be positive")
    task = load_task(task_id)
    recast = recast_for(task.id)
    if select is not None:
        recast = replace(recast, select=select)
    if generation:
        gen = {**recast.generation, **generation}
        gen["settings"] = [
            *recast.generation.get("settings", ()),  # type: ignore[misc]
            *generation.get("settings", ()),
        ]
        recast = replace(recast, generation=gen)
    work = Path(workdir)
    dirs = {d: work / d for d in ("results", "analysis", "sims", "data")}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}

    t0 = time.perf_counter()
    root, meta = simulate_sample(
        recast, events, workers, seed, dirs["data"], dirs["sims"], cache=cache, progress=progress
    )
    timings["simulate_s"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    evts = read_events([root])
    sel = recast.select(evts)
    timings["select_s"] = time.perf_counter() - t1

    n_generated = int(meta.get("events", len(evts)))
    if n_generated != len(evts):
        raise RuntimeError(f"metadata says {n_generated} events, the file holds {len(evts)}")
    norm = Normalisation(
        xsec_fb=cross_section_fb(recast.xsec_process, recast.xsec_mass),
        luminosity_fb=LUMINOSITY_FB,
        filter_efficiency=float(meta.get("filter_efficiency", 1.0)),
        n_generated=n_generated,
        xsec_process=recast.xsec_process,
        xsec_mass=recast.xsec_mass,
    )
    edges = [tuple(b) for b in task.bins]
    values, errors = binned_yields(sel, edges, task.overflow, norm)  # type: ignore[arg-type]
    passed_w = sel.weight[sel.passed & (bin_index(sel.values, edges, task.overflow) >= 0)]  # type: ignore[arg-type]
    total = float(values.sum())
    total_err = float(np.sqrt((passed_w**2).sum()) * norm.per_event)

    results_path = dirs["results"] / task.template_name
    write_text_atomic(
        results_path, fill_template(template_path(task), values.tolist(), errors.tolist())
    )
    rows = cutflow_rows(sel, norm)
    (work / "cutflow.json").write_text(
        json.dumps({"task": task.id, "normalisation": asdict(norm), "cuts": rows}, indent=2) + "\n"
    )
    write_analysis(dirs["analysis"], task, recast, norm)
    result = SolveResult(
        task=task.id,
        sim_task=recast.task_id,
        workdir=str(work),
        edges=edges,  # type: ignore[arg-type]
        labels=bin_labels(edges, task.overflow),  # type: ignore[arg-type]
        values=values.tolist(),
        errors=errors.tolist(),
        total=total,
        total_error=total_err,
        n_generated=n_generated,
        normalisation=asdict(norm),
        cutflow=rows,
        results_path=str(results_path),
        timings=timings,
    )
    write_report(work / "report.md", task, recast, result, meta)

    if score:
        result.score, result.score_note = score_result(task, results_path)
    timings["total_s"] = time.perf_counter() - t0
    return result


def score_result(task: Task, results_path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """The scorer's verdict on the written YAML, or a note when references are not visible."""
    from colliderbench.corpus import ReferenceUnavailable
    from colliderbench.scoring import score_submission

    try:
        return score_submission(task, results_path).to_dict(), None
    except ReferenceUnavailable:
        return None, "references are not visible here: the score is computed by the harness"
