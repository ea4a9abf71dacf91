"""The recast sources and the deliverable text ``solve`` writes carry no published yields.

``colliderbench solve`` copies the recast module's docstring into report.md and its source into
analysis/recast/; the judge's leak scan reads every text file of a workspace. Run the judge's own
helpers over those texts against each sim task's hidden reference: no text may match enough bins to
count as "the histogram" (``needed_bins``). Reading references is fine here, in a test; the
recasts never do.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import colliderbench.recasts as recasts_pkg
from colliderbench.corpus import LUMINOSITY_FB, ReferenceUnavailable, load_task, read_reference
from colliderbench.judge.leaks import _bin_hits, needed_bins, reference_extras
from colliderbench.recasts import RECASTS
from colliderbench.recasts.solve import (
    Normalisation,
    SolveResult,
    bin_labels,
    cross_section_fb,
    write_analysis,
    write_report,
)

RECAST_SOURCES = sorted(Path(recasts_pkg.__file__).parent.glob("*.py"))
SIM_TASKS = sorted(RECASTS)


def _reference(task_id: str) -> tuple[list[float], list[float]]:
    try:
        ref = read_reference(task_id)
    except ReferenceUnavailable:
        pytest.skip("hidden references are not visible here")
    return [float(v) for v in ref.values], reference_extras(ref.metadata)


def _deliverable_texts(task_id: str, tmp_path: Path) -> dict[str, str]:
    """report.md and analysis/ as ``solve`` writes them, for a made-up result (no simulation)."""
    task = load_task(task_id)
    recast = RECASTS[task_id]
    norm = Normalisation(
        xsec_fb=cross_section_fb(recast.xsec_process, recast.xsec_mass),
        luminosity_fb=LUMINOSITY_FB,
        filter_efficiency=1.0,
        n_generated=1000,
        xsec_process=recast.xsec_process,
        xsec_mass=recast.xsec_mass,
    )
    edges = [tuple(b) for b in task.bins]
    # our own made-up yields: digits no reference has
    values = list(np.linspace(0.012345, 0.054321, len(edges)))
    result = SolveResult(
        task=task.id,
        sim_task=task_id,
        workdir=str(tmp_path),
        edges=edges,  # type: ignore[arg-type]
        labels=bin_labels(edges, task.overflow),  # type: ignore[arg-type]
        values=values,
        errors=[v / 10 for v in values],
        total=float(sum(values)),
        total_error=0.0,
        n_generated=1000,
        normalisation={"xsec_fb": norm.xsec_fb, "filter_efficiency": 1.0},
        cutflow=[{"cut": "all events", "events": 1000, "yield": 1000 * norm.per_event}],
        results_path=str(tmp_path / "results" / task.template_name),
    )
    write_report(tmp_path / "report.md", task, recast, result, {"seed": 1})
    write_analysis(tmp_path / "analysis", task, recast, norm)
    return {
        str(p.relative_to(tmp_path)): p.read_text()
        for p in sorted(tmp_path.rglob("*"))
        if p.is_file() and p.suffix in (".md", ".py", ".json")
    }


@pytest.mark.parametrize("task_id", SIM_TASKS)
def test_recast_sources_and_report_do_not_carry_the_reference(task_id: str, tmp_path: Path) -> None:
    values, extras = _reference(task_id)
    need = needed_bins(len(values))
    texts = {f"source:{p.name}": p.read_text() for p in RECAST_SOURCES}
    texts.update(_deliverable_texts(task_id, tmp_path))
    assert any(name == "report.md" for name in texts)
    leaks = {}
    for name, text in texts.items():
        hit = _bin_hits(text, values, 3, extras)
        if len(hit.bins) >= need:
            leaks[name] = hit.tokens
    assert not leaks, f"published values of {task_id} in {leaks}"


def test_every_sim_task_is_checked() -> None:
    assert len(SIM_TASKS) == 10
    assert all("_sim-" in t for t in SIM_TASKS)
