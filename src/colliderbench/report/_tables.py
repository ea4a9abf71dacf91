"""The paper's tables (2, 3, 4), Acc_tau and provenance counts, from the scoring aggregates."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from colliderbench.report._collect import RunRecord
from colliderbench.scoring import (
    ACC_TAU,
    CellStats,
    acc_tau_by_agent,
    cell_stats,
    mean_std,
    wilson_interval,
)


@dataclass
class Table:
    """A rectangular table: header, rows of cells, and which cells are the best of their row."""

    title: str
    header: list[str]
    rows: list[list[str]]
    bold: set[tuple[int, int]]

    def to_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(self.header)
        w.writerows(self.rows)
        return buf.getvalue()

    def to_markdown(self) -> str:
        lines = [f"**{self.title}**", "", "| " + " | ".join(self.header) + " |"]
        lines.append("|" + "---|" * len(self.header))
        for i, row in enumerate(self.rows):
            cells = [f"**{c}**" if (i, j) in self.bold else c for j, c in enumerate(row)]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        from html import escape

        head = "".join(f"<th>{escape(h)}</th>" for h in self.header)
        body = []
        for i, row in enumerate(self.rows):
            cells = []
            for j, c in enumerate(row):
                text = escape(c)
                cells.append(
                    f"<td><b>{text}</b></td>" if (i, j) in self.bold else f"<td>{text}</td>"
                )
            body.append("<tr>" + "".join(cells) + "</tr>")
        return (
            f'<table class="results"><caption>{escape(self.title)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )


def fmt_mean_std(mean: float | None, std: float | None, digits: int = 3) -> str:
    """'0.12 ± 0.03', or the bare value for a single run as the paper shows it."""
    if mean is None:
        return "–"
    return f"{mean:.{digits}f}" if std is None else f"{mean:.{digits}f} ± {std:.{digits}f}"


def recovered_d(r: RunRecord) -> float | None:
    """The headline distance of the values the judge recovered for a run (computed but never
    written), or None. Shown next to the submitted score, never in its place."""
    rec = r.recovered
    if not rec or not rec.get("valid"):
        return None
    value = rec.get("primary", rec.get("relative_l2"))
    return float(value) if isinstance(value, (int, float)) else None


def recovered_by_cell(records: list[RunRecord]) -> dict[tuple[str, str], list[float]]:
    out: dict[tuple[str, str], list[float]] = {}
    for r in records:
        d = recovered_d(r)
        if d is not None:
            out.setdefault((r.label, r.task), []).append(d)
    return out


def _metric_table(
    title: str,
    cells: list[CellStats],
    agents: list[str],
    tasks: list[str],
    which: str,
    recovered: dict[tuple[str, str], list[float]] | None = None,
) -> Table:
    by = {(c.agent, c.task): c for c in cells}
    rows: list[list[str]] = []
    bold: set[tuple[int, int]] = set()
    for i, task in enumerate(tasks):
        row = [task]
        best_j, best = None, float("inf")
        for j, agent in enumerate(agents, start=1):
            c = by.get((agent, task))
            if c is None:
                row.append("")
                continue
            mean, std = (c.mean_d, c.std_d) if which == "d" else (c.mean_shape, c.std_shape)
            text = fmt_mean_std(mean, std)
            if c.n_fabricated:
                text += f" [{c.n_fabricated} fabricated excluded]"
            rec = (recovered or {}).get((agent, task))
            if rec:
                text += f" (recovered: {fmt_mean_std(*mean_std(rec))}, {len(rec)} run(s))"
            row.append(text)
            if mean is not None and mean < best:
                best, best_j = mean, j
        if best_j is not None:
            bold.add((i, best_j))
        rows.append(row)
    return Table(title, ["task", *agents], rows, bold)


@dataclass
class Aggregate:
    tau: float
    records: list[RunRecord]
    cells: list[CellStats]
    agents: list[str]
    tasks: list[str]

    def acc(self) -> dict[str, tuple[float, int, int]]:
        return {k[0]: v for k, v in acc_tau_by_agent(self.cells, self.tau).items()}

    def table2(self) -> Table:
        return _metric_table(
            "Table 2: relative L2 distance d (mean ± sample std over runs; invalid runs count d = 1; "
            "bold: best per task; in parentheses: the scores of values the judge recovered, "
            "computed by the agent but never written)",
            self.cells,
            self.agents,
            self.tasks,
            "d",
            recovered_by_cell(self.records),
        )

    def table3(self) -> Table:
        return _metric_table(
            "Table 3: shape L2 distance (mean ± sample std over runs; bold: best per task)",
            self.cells,
            self.agents,
            self.tasks,
            "shape",
        )

    def table4(self) -> Table:
        rows = []
        for agent in self.agents:
            recs = [r for r in self.records if r.label == agent]

            def col(key: str, recs: list[RunRecord] = recs) -> list[float]:
                return [float(r.run[key]) for r in recs if isinstance(r.run.get(key), (int, float))]

            tokens = [
                float(r.run.get("tokens_in") or 0) + float(r.run.get("tokens_out") or 0)
                for r in recs
                if r.run.get("tokens_in") is not None or r.run.get("tokens_out") is not None
            ]
            rows.append(
                [
                    agent,
                    fmt_mean_std(*mean_std(tokens), digits=0) if tokens else "–",
                    fmt_mean_std(*mean_std(col("cost_usd")), digits=2) if col("cost_usd") else "–",
                    fmt_mean_std(*mean_std([w / 60 for w in col("wall_s")]), digits=1)
                    if col("wall_s")
                    else "–",
                    str(len({r.task for r in recs})),
                    str(len(recs)),
                ]
            )
        return Table(
            "Table 4: resources per run (mean ± std): billed tokens, cost in USD, run time in minutes",
            ["agent", "tokens", "cost_usd", "minutes", "tasks", "runs"],
            rows,
            set(),
        )

    def leaderboard(self) -> Table:
        acc = self.acc()
        rows = []
        for agent in sorted(self.agents, key=lambda a: -acc.get(a, (0.0, 0, 0))[0]):
            value, k, n = acc.get(agent, (0.0, 0, 0))
            lo, hi = wilson_interval(k, n)
            counts = self.provenance(agent)
            rows.append(
                [
                    agent,
                    f"{value:.2f}",
                    f"[{lo:.2f}, {hi:.2f}]",
                    f"{k}/{n}",
                    str(counts["Passed"]),
                    str(counts["Failed"]),
                    str(counts["Fabricated"]),
                    str(counts["unjudged"]),
                ]
            )
        return Table(
            f"Leaderboard: Acc_tau (tau = {self.tau:g}; 68% Wilson interval) and provenance verdicts",
            [
                "agent",
                "Acc_tau",
                "interval",
                "tasks < tau",
                "Passed",
                "Failed",
                "Fabricated",
                "unjudged",
            ],
            rows,
            {(0, 1)} if rows else set(),
        )

    def provenance(self, agent: str) -> Counter[str]:
        c: Counter[str] = Counter({"Passed": 0, "Failed": 0, "Fabricated": 0, "unjudged": 0})
        for r in self.records:
            if r.label == agent:
                c[r.verdict or "unjudged"] += 1
        return c

    def fabricated_runs(self) -> list[RunRecord]:
        return [r for r in self.records if r.fabricated]

    def to_json(self) -> dict[str, Any]:
        acc = self.acc()
        agents = []
        for agent in self.agents:
            recs = [r for r in self.records if r.label == agent]
            tasks: dict[str, dict[str, Any]] = {}
            recovered = recovered_by_cell(recs)
            for c in self.cells:
                if c.agent == agent:
                    rec = recovered.get((agent, c.task), [])
                    tasks[c.task] = {
                        "mean_relative_l2": c.mean_d,
                        "std_relative_l2": c.std_d,
                        "mean_shape_l2": c.mean_shape,
                        "n": c.n,
                        "mean_recovered_relative_l2": mean_std(rec)[0] if rec else None,
                        "n_recovered": len(rec),
                    }
            name, _, model = agent.partition("/")
            agents.append(
                {
                    "agent": name,
                    "model": model or None,
                    "acc_tau": acc.get(agent, (0.0, 0, 0))[0],
                    "runs": len(recs),
                    "fabricated": sum(1 for r in recs if r.fabricated),
                    "tasks": tasks,
                }
            )
        return {"tau": self.tau, "agents": agents}


def aggregate(records: list[RunRecord], tau: float = ACC_TAU) -> Aggregate:
    cells = cell_stats([r.outcome() for r in records])
    agents = sorted({r.label for r in records})
    tasks = sorted({r.task for r in records})
    return Aggregate(tau=tau, records=records, cells=cells, agents=agents, tasks=tasks)


def status_fractions(records: list[RunRecord]) -> dict[str, dict[str, float]]:
    """Per agent: the fraction of runs in each completion status (the paper's Fig. 6)."""
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for r in records:
        per[r.label][r.status] += 1
    return {a: {s: n / sum(c.values()) for s, n in c.items()} for a, c in per.items()}
