"""The paper's figures from an ``Aggregate``: overlays (Fig. 3/8), Pareto (2b), mean d (2a),
shape vs normalisation (3c) and completion status (6). Each is saved as PNG and SVG."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from colliderbench.report._collect import RunRecord  # noqa: E402
from colliderbench.report._tables import Aggregate, status_fractions  # noqa: E402


def _style() -> None:
    import mplhep

    plt.style.use(mplhep.style.CMS)
    plt.rcParams.update({"font.size": 14, "figure.figsize": (8, 6)})


def _save(fig: plt.Figure, out: Path, name: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{name}.png", out / f"{name}.svg"]
    for p in paths:
        fig.savefig(p, bbox_inches="tight", dpi=80 if p.suffix == ".png" else None)
    plt.close(fig)
    return paths


def safe_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)


def _edges(task: str, n: int) -> np.ndarray:
    try:
        from colliderbench.corpus import load_task

        bins = load_task(task).bins
        return np.array([b[0] for b in bins] + [bins[-1][1]])
    except Exception:
        return np.arange(n + 1, dtype=float)


def best_run(records: list[RunRecord]) -> RunRecord | None:
    valid = [r for r in records if r.score and r.score.get("valid") and not r.fabricated]
    return min(valid, key=lambda r: float((r.score or {})["relative_l2"])) if valid else None


def overlay(agg: Aggregate, task: str, out: Path) -> list[Path]:
    recs = [r for r in agg.records if r.task == task]
    ref_run = next((r for r in recs if r.score and r.score.get("reference")), None)
    if ref_run is None:
        return []
    ref = np.asarray((ref_run.score or {})["reference"], dtype=np.float64)
    edges = _edges(task, len(ref))
    _style()
    fig, ax = plt.subplots()
    ax.stairs(ref, edges, label="published (reference)", color="black", linewidth=2.5)
    for agent in agg.agents:
        best = best_run([r for r in recs if r.label == agent])
        if best is not None:
            score = best.score or {}
            y = np.asarray(score["submitted"], dtype=np.float64)
            ax.stairs(
                y, edges, label=f"{agent} (best d = {score['relative_l2']:.2f})", linewidth=1.8
            )
    ax.set_xlabel("bin edges [GeV] (last bin: overflow)")
    ax.set_ylabel("events / 35.9 fb$^{-1}$")
    ax.set_title(task, fontsize=13)
    ax.legend(fontsize=10)
    return _save(fig, out, f"overlay_{safe_name(task)}")


def pareto(agg: Aggregate, out: Path) -> list[Path]:
    acc = agg.acc()
    points = []
    for agent in agg.agents:
        costs = [
            float(r.run["cost_usd"])
            for r in agg.records
            if r.label == agent and isinstance(r.run.get("cost_usd"), (int, float))
        ]
        points.append(
            (agent, float(np.mean(costs)) if costs else 0.0, acc.get(agent, (0.0, 0, 0))[0])
        )
    _style()
    fig, ax = plt.subplots()
    for name, cost, a in points:
        ax.scatter(cost, a, s=80)
        ax.annotate(name, (cost, a), fontsize=10, xytext=(4, 4), textcoords="offset points")
    frontier, best = [], -1.0
    for _name, cost, a in sorted(points, key=lambda p: (p[1], -p[2])):
        if a > best:
            frontier.append((cost, a))
            best = a
    if frontier:
        ax.step(
            [c for c, _ in frontier],
            [a for _, a in frontier],
            where="post",
            color="grey",
            linestyle="--",
            label="Pareto frontier",
        )
    ax.set_xlabel("mean cost per run [USD]")
    ax.set_ylabel(f"Acc$_\\tau$ ($\\tau$ = {agg.tau:g})")
    ax.set_ylim(-0.05, 1.05)
    ax.legend(fontsize=10)
    return _save(fig, out, "pareto_acc_vs_cost")


def mean_d(agg: Aggregate, out: Path) -> list[Path]:
    by = {(c.agent, c.task): c for c in agg.cells}
    _style()
    fig, ax = plt.subplots(figsize=(max(8, 1.2 * len(agg.tasks) + 4), 6))
    width = 0.8 / max(1, len(agg.agents))
    x = np.arange(len(agg.tasks))
    for k, agent in enumerate(agg.agents):
        cells = [by.get((agent, t)) for t in agg.tasks]
        vals = [
            float(c.mean_d) if c is not None and c.mean_d is not None else np.nan for c in cells
        ]
        errs = [(c.std_d or 0.0) if c is not None else 0.0 for c in cells]
        ax.bar(x + k * width, vals, width, yerr=errs, label=agent)
    ax.axhline(agg.tau, color="black", linestyle=":", label=f"$\\tau$ = {agg.tau:g}")
    ax.set_xticks(x + 0.4 - width / 2, agg.tasks, rotation=60, ha="right", fontsize=9)
    ax.set_ylabel("mean relative L2 distance d")
    ax.legend(fontsize=10)
    return _save(fig, out, "mean_relative_l2")


def shape_vs_norm(agg: Aggregate, out: Path) -> list[Path]:
    _style()
    fig, ax = plt.subplots()
    for agent in agg.agents:
        pts = [
            (r.score["delta_norm"], r.score["shape_l2"])  # type: ignore[index]
            for r in agg.records
            if r.label == agent
            and r.score
            and r.score.get("valid")
            and r.score.get("delta_norm") is not None  # shape tasks score no normalisation
            and not r.fabricated
        ]
        if pts:
            dn, sh = zip(*pts, strict=True)
            ax.scatter(dn, sh, label=agent, s=40)
    ax.set_xlabel("normalisation error |Y - Y*| / Y*")
    ax.set_ylabel("shape L2 distance")
    ax.set_xscale("symlog", linthresh=0.1)
    ax.legend(fontsize=10)
    return _save(fig, out, "shape_vs_normalisation")


def completion(agg: Aggregate, out: Path) -> list[Path]:
    fractions = status_fractions(agg.records)
    statuses = sorted({s for f in fractions.values() for s in f})
    _style()
    fig, ax = plt.subplots()
    bottom = np.zeros(len(agg.agents))
    for s in statuses:
        vals = np.array([fractions.get(a, {}).get(s, 0.0) for a in agg.agents])
        ax.barh(agg.agents, vals, left=bottom, label=s)
        bottom += vals
    ax.set_xlabel("fraction of runs")
    ax.set_xlim(0, 1)
    ax.legend(fontsize=9, ncol=max(1, math.ceil(len(statuses) / 3)))
    return _save(fig, out, "completion_status")


def all_plots(agg: Aggregate, out: Path) -> dict[str, list[Path]]:
    plots = {
        "pareto": pareto(agg, out),
        "mean_d": mean_d(agg, out),
        "shape_vs_norm": shape_vs_norm(agg, out),
        "completion": completion(agg, out),
    }
    for task in agg.tasks:
        paths = overlay(agg, task, out)
        if paths:
            plots[f"overlay:{task}"] = paths
    return plots
