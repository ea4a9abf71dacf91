"""Every sim task's workspace, and every tool run from its bin/: --help, --doc, one real invocation.

Network tools talk to the loopback server of conftest.py. Expensive invocations (event generation,
ROOT streaming, a model download) run once, in the first workspace.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from colliderbench.corpus import all_tasks, load_task, template_path
from colliderbench.tools import TOOLS
from colliderbench.workspace import build_workspace

SIM_TASKS = [t.id for t in all_tasks("sim")]


def test_ten_sim_tasks() -> None:
    assert len(SIM_TASKS) == 10


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("workspaces")
    return {tid: build_workspace(tid, root / tid) for tid in SIM_TASKS}


def run(
    ws: Path, env: dict[str, str], *cmd: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ws / "bin" / cmd[0]), *cmd[1:]],
        cwd=ws,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _task_xsec_fb(text: str) -> float:
    m = re.search(r"([0-9.]+) fb\b", text)
    assert m, text
    return float(m.group(1))


@pytest.mark.parametrize("task_id", SIM_TASKS)
def test_workspace_and_tools(
    task_id: str, workspaces: dict[str, Path], proc_env: dict[str, str]
) -> None:
    ws = workspaces[task_id]
    task = load_task(task_id)

    # layout: what the agent gets, and nothing it must not
    for rel in (
        "TASK.md",
        "AGENTS.md",
        "TOOLS.md",
        f"papers/{task.paper}.pdf",
        f"results/{task.template_name}",
    ):
        assert (ws / rel).is_file(), rel
    assert sorted(p.name for p in (ws / "bin").iterdir()) == sorted(TOOLS)
    assert not list(ws.rglob("task.toml"))
    template = (ws / "results" / task.template_name).read_text()
    assert (
        template == template_path(task).read_text()
        and template.count("{value: null}") == task.n_bins
    )
    for name in task.object_efficiencies:
        assert (ws / "object_efficiencies" / name).stat().st_size > 0
    config = json.loads((ws / ".colliderbench" / "tools.json").read_text())
    assert config["task"] == task_id and f"arXiv:{task.arxiv}" in config["denied_records"]
    tools_md = (ws / "TOOLS.md").read_text()
    for tool in TOOLS:
        assert f"`{tool}`" in tools_md and f"### {tool}" in tools_md
    assert f"read-paper papers/{task.paper}.pdf --info" in tools_md

    # --help (one screen) and --doc (the manual) of every tool
    for tool in TOOLS:
        h = run(ws, proc_env, tool, "--help")
        assert h.returncode == 0 and h.stdout.lower().startswith("usage:"), (tool, h.stderr)
        assert len(h.stdout.splitlines()) <= 40, tool
        d = run(ws, proc_env, tool, "--doc")
        assert d.returncode == 0 and d.stdout.startswith(f"# {tool} — "), (tool, d.stderr)
        assert "## Quick reference" in d.stdout

    # one real invocation of each tool
    r = run(ws, proc_env, "read-paper", f"papers/{task.paper}.pdf", "--pages", "1", "--json")
    page1 = json.loads(r.stdout)["text"][0]["text"]
    assert r.returncode == 0 and task.paper.removeprefix("CMS-") in page1

    r = run(ws, proc_env, "hepdata", "get", f"arXiv:{task.arxiv}", "Table 1")
    assert r.returncode == 3 and "refused" in r.stderr and r.stdout == ""
    assert f"arXiv:{task.arxiv}" in (ws / ".colliderbench" / "denied.log").read_text()
    r = run(ws, proc_env, "hepdata", "tables", "ins1000001", "--json")
    assert r.returncode == 0, r.stderr
    assert [t["name"] for t in json.loads(r.stdout)["tables"]] == ["Table 1", "Table 2"]

    r = run(ws, proc_env, "cms-opendata", "sample-info", "90001", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["events"] == 100, r.stderr

    r = run(ws, proc_env, "feynrules", "info", "MSSM_SLHA2", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["madgraph"] == "import model MSSM_SLHA2"

    r = run(ws, proc_env, "simulate", "info", "--json")
    examples = json.loads(r.stdout)["examples"]
    own = [e for e in examples if f"--model {task.signal.model} " in e]
    assert r.returncode == 0 and own, examples
    from colliderbench.physics.models import MODELS

    assert own[0].count("--mass ") == len(MODELS[task.signal.model].mass_keys), own[0]

    from colliderbench.physics.models import MODELS

    model = MODELS[task.signal.model]
    mass = task.signal.masses_gev[model.xsec_mass_key]
    r = run(
        ws,
        proc_env,
        "prospino",
        "run",
        "--process",
        model.xsec_process,
        "--mass",
        f"{mass:g}",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    # the tool's number is the one the task card quotes
    assert json.loads(r.stdout)["value_fb"] == pytest.approx(
        _task_xsec_fb(task.signal.xsec), rel=1e-4
    )

    (ws / "analysis" / "analysis.py").write_text(
        f"# inputs: results/{task.template_name}\n"
        "import yaml\n"
        f"docs = list(yaml.safe_load_all(open('results/{task.template_name}')))\n"
        "print('bins', len(docs[1]['independent_variables'][0]['values']))\n"
    )
    r = run(ws, proc_env, "run-analysis")
    assert r.returncode == 0 and f"bins {task.n_bins}" in r.stdout, r.stderr
    logs = list((ws / "logs").glob("analysis-*.log"))
    assert len(logs) == 1 and f"bins {task.n_bins}" in logs[0].read_text()


def test_expensive_invocations_once(
    workspaces: dict[str, Path], proc_env: dict[str, str], loopback
) -> None:  # noqa: ANN001
    ws = workspaces[SIM_TASKS[0]]
    task = load_task(SIM_TASKS[0])

    # event generation + detector simulation, a few events of the task's own model point
    from colliderbench.physics.models import MODELS

    model = MODELS[task.signal.model]
    masses = [f"--mass={k}={task.signal.masses_gev[k]:g}" for k in model.mass_keys]
    r = run(
        ws,
        proc_env,
        "simulate",
        "run",
        f"--model={task.signal.model}",
        *masses,
        "--events=10",
        "--out=data/test.root",
        "--json",
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["events"] == 10 and (ws / "data" / "test.root").is_file()

    # HEPData table, then the same from the cache with the network switched off
    r = run(ws, proc_env, "hepdata", "get", "ins1000001", "Table 1", "--json")
    assert r.returncode == 0, r.stderr
    table = json.loads(r.stdout)
    assert [v["value"] for v in table["dependent_variables"][0]["values"]] == [0.711, 0.834, 0.902]
    offline = {**proc_env, "COLLIDERBENCH_OFFLINE": "1"}
    r2 = run(ws, offline, "hepdata", "get", "ins1000001", "Table 1", "--json")
    assert r2.returncode == 0 and json.loads(r2.stdout) == table
    r3 = run(ws, offline, "hepdata", "find", "9901.00002")
    assert (
        r3.returncode == 1 and len(r3.stderr.strip().splitlines()) == 1 and "offline" in r3.stderr
    )

    # ROOT streaming over HTTP byte ranges from the loopback server
    r = run(ws, proc_env, "cms-opendata", "files", "90001", "--json")
    uri = json.loads(r.stdout)["files"][0]["uri"]
    assert uri.startswith(loopback.url)
    r = run(
        ws,
        proc_env,
        "cms-opendata",
        "stream",
        uri,
        "--branches",
        "MET_pt,Photon*",
        "--out",
        "data/stream.root",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["branches"]["MET_pt"]["mean"] == pytest.approx(49.5)
    assert summary["branches"]["Photon_pt"]["count"] == 150
    import uproot

    with uproot.open(ws / "data" / "stream.root") as f:
        assert f["Events"]["MET_pt"].array(library="np").sum() == pytest.approx(4950)

    # a UFO model download, unpacked
    r = run(ws, proc_env, "feynrules", "fetch", "NMSSM", "--dest", "models")
    assert r.returncode == 0, r.stderr
    assert (ws / "models" / "NMSSM_UFO" / "particles.py").is_file()
