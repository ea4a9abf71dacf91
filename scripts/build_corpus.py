"""Build the task corpus from the facts in ``shared/corpus/tasks.yaml``.

Writes, for each of the 10 primary tasks and their shape and yield variants (30 tasks):
``src/colliderbench/corpus/tasks/<id>/{task.toml, TASK.md, <id>.yaml}`` and the hidden reference
``src/colliderbench_hidden/references/<id>.yaml``, plus the papers registry. Run it again after the
facts change; the output is deterministic and committed.

    python scripts/build_corpus.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
sys.path.insert(0, str(SRC))

from colliderbench.histogram import dump_documents, make_table  # noqa: E402

TASKS_DIR = SRC / "colliderbench" / "corpus" / "tasks"
ASSETS_DIR = SRC / "colliderbench" / "corpus" / "assets"
REFS_DIR = SRC / "colliderbench_hidden" / "references"

TYPE_TARGET = {
    "sim": "the expected signal yield in every bin of the {obs} distribution",
    "shape": "the shape (unit-normalised distribution) of {obs}",
    "yield": "the total expected signal yield in the signal region",
}


def _toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(float(v)) if isinstance(v, float) else str(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(v)


def write_toml(path: Path, data: dict[str, object]) -> None:
    lines: list[str] = []
    tables: list[tuple[str, dict[str, object]]] = []
    for k, v in data.items():
        if isinstance(v, dict):
            tables.append((k, v))
        else:
            lines.append(f"{k} = {_toml_value(v)}")
    for name, table in tables:
        sub = [(k, v) for k, v in table.items() if isinstance(v, dict)]
        lines.append(f"\n[{name}]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in table.items() if not isinstance(v, dict)]
        for k, v in sub:
            lines.append(f"\n[{name}.{k}]")
            lines += [f"{kk} = {_toml_value(vv)}" for kk, vv in v.items()]
    path.write_text("\n".join(lines) + "\n")


def fmt_edge(x: float) -> str:
    return f"{x:g}"


def bins_text(bins: list[list[float]], overflow: bool) -> str:
    parts = [f"[{fmt_edge(lo)}, {fmt_edge(hi)})" for lo, hi in bins]
    if overflow:
        lo = bins[-1][0]
        parts[-1] = (
            f"[{fmt_edge(lo)}, inf) (reported in the bin [{fmt_edge(bins[-1][0])}, {fmt_edge(bins[-1][1])}))"
        )
    return ", ".join(parts)


def task_markdown(t: dict, paper: dict, ttype: str, task_id: str, bins: list, template: str) -> str:
    obs = t["observable"]
    sig = t["signal"]
    masses = ", ".join(f"m({k}) = {v:g} GeV" for k, v in sig["masses_gev"].items())
    target = TYPE_TARGET[ttype].format(obs=obs["label"])
    assets = paper.get("object_efficiencies")
    scoring = {
        "sim": "The histogram is compared bin by bin with the published yields: the score is the relative L2 distance d = sqrt(sum (y - y*)^2 / sum y*^2). d < 0.33 counts as a success.",
        "shape": "Only the shape counts: both your histogram and the published one are scaled to unit sum and compared with the relative L2 distance. Fill absolute yields or a normalised distribution, either is fine.",
        "yield": "One number is scored: the relative deviation |Y - Y*| / Y* of your total signal-region yield from the published one.",
    }[ttype]
    bins_line = (
        bins_text(t["bins_gev"], t.get("overflow", True))
        if ttype != "yield"
        else f"one bin covering the whole signal region, {obs['label']} >= {fmt_edge(bins[0][0])} GeV (the sum over the bins {bins_text(t['bins_gev'], t.get('overflow', True))})"
    )
    units = (
        "absolute events at 35.9 fb^-1 or a unit-normalised distribution"
        if ttype == "shape"
        else "events at 35.9 fb^-1"
    )
    return f"""# Task {task_id}

| | |
|---|---|
| paper | {t["paper"]}, arXiv:{paper["arxiv"]} ({paper["journal"]}) |
| task type | {ttype} |
| difficulty | {t["difficulty"]} |
| wall-clock budget | 2h30m |
| collisions | pp at sqrt(s) = 13 TeV, integrated luminosity 35.9 fb^-1 |
| answer file | `results/{template}` |

## The task

Reproduce, from your own simulation, {target} for the signal benchmark
**{sig["name"]}** in the signal region defined below. Simulate the signal
events, apply the paper's event selection to detector-level objects, normalise to 35.9 fb^-1 with the
cross section of the benchmark, and fill in the null values of `results/{template}`.

{scoring}

## Definitions

**Observable.** {obs["label"]} ({obs["name"]}): {obs["definition"]}. Bins in GeV: {bins_line}.

**Signal benchmark.** Simplified model {sig["model"]}: {sig["process"]}. Masses: {masses}.
Cross section to use: {sig["xsec"]}.

**Signal region.** {t["region"]}. The full selection is in the paper (`papers/{t["paper"]}.pdf`).
{"" if not assets else chr(10) + "**Object efficiencies.** The CMS photon efficiency map used for this search is provided in `object_efficiencies/photon_eff_LoosePixelVeto.root` (TH2F `PhotonEfficiency`, eta x E_T)." + chr(10)}
## Required outputs

- `results/{template}`: the template with every `value: null` replaced by a number ({units}; no
  nulls, no negative numbers, the bins unchanged). The last bin holds all overflow.
- `analysis/*.py`: the analysis code that produced the numbers, runnable as it is.
- `data/*.root`: the detector-level events your analysis read (or a pointer to them in `report.md`
  when they are too large).
- `sims/*`: the model and generator configuration (SLHA file, run cards or commands).
- `report.md`: what you did, the cut flow, the choices you made where the paper is ambiguous, and
  the cross section you used.

## Rules

The numbers must come from your own simulation and analysis. Do not copy them from the paper, from
HEPData, from CMS public results or from anywhere else, and do not tune them toward published values.
Your work is audited: the analysis is re-run on your event files and the trace of your session is
read. A fabricated answer scores nothing.
"""


def template_metadata(t: dict, ttype: str, task_id: str, bins: list) -> dict:
    obs = t["observable"]
    what = {
        "sim": "the expected number of signal events in each bin",
        "shape": "the distribution of signal events over the bins (absolute or unit-normalised)",
        "yield": "the total expected number of signal events in the signal region",
    }[ttype]
    return {
        "task": task_id,
        "instructions": (
            f"Replace every 'value: null' with {what} at 13 TeV and 35.9 fb^-1, computed from your own "
            f"simulation of {t['signal']['name']}. Keep the bins unchanged. Bins are [low, high) in GeV; "
            "the last bin holds all overflow (every event above its low edge)."
        ),
        "description": f"{obs['label']} ({obs['name']}): {obs['definition']}. Region: {t['region']}",
        "target": f"{t['signal']['name']} {obs['name']} {ttype}",
        "cm_energy_gev": 13000,
        "luminosity_fb": 35.9,
        "observable": obs["name"],
        "overflow_in_last_bin": bool(t.get("overflow", True)),
    }


def variant(sim_id: str, ttype: str) -> str:
    paper_part, suffix = sim_id.split("_sim-", 1)
    return f"{paper_part}_{ttype}-{suffix}"


def build(shared: Path) -> list[str]:
    facts = yaml.safe_load((shared / "corpus" / "tasks.yaml").read_text())
    for d in (TASKS_DIR, REFS_DIR):
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
    ASSETS_DIR.mkdir(parents=True, exist_ok=True)
    eff = shared / "object_efficiencies" / "photon_eff_LoosePixelVeto.root"
    shutil.copyfile(eff, ASSETS_DIR / eff.name)

    paper_lines = []
    for pid, p in facts["papers"].items():
        paper_lines.append(
            f'[{pid}]\narxiv = "{p["arxiv"]}"\ntitle = {_toml_value(p["title"])}\n'
            f'journal = "{p["journal"]}"\nsha256 = "{p["pdf_sha256"]}"\n'
        )
    (SRC / "colliderbench" / "corpus" / "papers.toml").write_text("\n".join(paper_lines))

    ids: list[str] = []
    processes: dict[str, str] = {}
    for t in facts["tasks"]:
        # Later entries say "as T5Wg above": every task card must stand alone, so resolve it.
        model = t["signal"]["model"]
        if t["signal"]["process"].startswith("as "):
            t["signal"]["process"] = processes[model]
        processes.setdefault(model, t["signal"]["process"])
        paper = facts["papers"][t["paper"]]
        sim_bins = [[float(lo), float(hi)] for lo, hi in t["bins_gev"]]
        ref = [float(x) for x in t["reference"]]
        for ttype in ("sim", "shape", "yield"):
            task_id = t["id"] if ttype == "sim" else variant(t["id"], ttype)
            template = f"{task_id}.yaml"
            if ttype == "yield":
                bins = [[sim_bins[0][0], sim_bins[-1][1]]]
                ref_values = [round(sum(ref), 10)]
            elif ttype == "shape":
                bins = sim_bins
                total = sum(ref)
                ref_values = [round(r / total, 12) for r in ref]
            else:
                bins, ref_values = sim_bins, ref
            folder = TASKS_DIR / task_id
            folder.mkdir()
            assets = ["photon_eff_LoosePixelVeto.root"] if paper.get("object_efficiencies") else []
            obs_label = t["observable"]["label"]
            write_toml(
                folder / "task.toml",
                {
                    "id": task_id,
                    "paper": t["paper"],
                    "arxiv": paper["arxiv"],
                    "type": ttype,
                    "sim_id": t["id"],
                    "target": f"{t['signal']['name']}: {TYPE_TARGET[ttype].format(obs=obs_label)}",
                    "difficulty": t["difficulty"],
                    "walltime": facts["benchmark"]["walltime_per_run"],
                    "region": t["region"],
                    "bins": bins,
                    "overflow": bool(t.get("overflow", True)),
                    "template_name": template,
                    "object_efficiencies": assets,
                    "observable": dict(t["observable"]),
                    "signal": {
                        "model": t["signal"]["model"],
                        "name": t["signal"]["name"],
                        "process": t["signal"]["process"],
                        "xsec": t["signal"]["xsec"],
                        "masses_gev": {k: float(v) for k, v in t["signal"]["masses_gev"].items()},
                    },
                },
            )
            (folder / "TASK.md").write_text(task_markdown(t, paper, ttype, task_id, bins, template))
            edges = [(lo, hi) for lo, hi in bins]
            x_name = (
                t["observable"]["name"]
                if ttype != "yield"
                else f"{t['observable']['name']} (signal region)"
            )
            meta = template_metadata(t, ttype, task_id, bins)
            (folder / template).write_text(
                dump_documents(meta, make_table(edges, [None] * len(edges), x_name=x_name))
            )
            ref_meta = {
                "task": task_id,
                "source": paper["reference_source"],
                "note": t.get("note", ""),
                "units": "unit-normalised" if ttype == "shape" else "events at 35.9 fb^-1",
            }
            (REFS_DIR / f"{task_id}.yaml").write_text(
                dump_documents(ref_meta, make_table(edges, ref_values, x_name=x_name))
            )
            ids.append(task_id)
    return ids


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    args = ap.parse_args()
    ids = build(args.shared)
    print(f"wrote {len(ids)} tasks")


if __name__ == "__main__":
    main()
