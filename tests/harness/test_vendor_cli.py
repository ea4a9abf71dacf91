"""The real vendor CLIs (Claude Code, Codex, Gemini CLI) driven by the scripted loopback server.

The CLIs come from npm (``scripts/install_agent_clis.sh`` puts them in ``.tools/npm``). Each test
builds the process exactly as the harness would (the agent spec's ``build``), runs it in a temporary
task workspace with an empty HOME, and reads its native stream with the spec's ``parse``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from colliderbench.corpus import task_markdown, template_path
from colliderbench.harness.agent_spec import Invocation, RunContext, TraceSummary
from colliderbench.harness.cost import cost_usd, fill_cost
from colliderbench.harness.vendors import (
    VENDOR_AGENTS,
    find_executable,
    parse_claude_code,
    parse_codex,
)
from colliderbench.testing.llm_server import Fail, ScriptedLLMServer, ToolCall, Turn

TASK = "sus-16-047_shape-T6gg_highHT"  # several bins
PROMPT = "Read TASK.md, AGENTS.md and TOOLS.md, then do the task."
SPECS = {s.name: s for s in VENDOR_AGENTS}


def need(program: str) -> str:
    path = find_executable(program)
    if path is None:
        pytest.skip(f"'{program}' is not installed: run scripts/install_agent_clis.sh (needs npm)")
    return path


def make_workspace(root: Path) -> Path:
    ws = root / "workspace"
    (ws / "results").mkdir(parents=True)
    (ws / "TASK.md").write_text(task_markdown(TASK))
    shutil.copy(template_path(TASK), ws / "results" / template_path(TASK).name)
    return ws


def run(
    inv: Invocation, ws: Path, home: Path, timeout: float = 120
) -> subprocess.CompletedProcess[bytes]:
    """Start the invocation the way the harness does: cwd = workspace, a fresh HOME, env from the spec."""
    home.mkdir(exist_ok=True)
    for rel, src in inv.home_files.items():
        (home / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, home / rel)
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "LANG": "C.UTF-8", **inv.env}
    stdin = inv.stdin.encode() if inv.stdin is not None else None
    return subprocess.run(
        inv.argv, input=stdin, cwd=ws, env=env, capture_output=True, timeout=timeout
    )


def ctx(model: str, ws: Path, base_url: str) -> RunContext:
    return RunContext(
        task_id=TASK,
        model=model,
        workspace=ws,
        prompt=PROMPT,
        walltime_s=600,
        agent_args={"base_url": base_url},
    )


def filled_values(ws: Path) -> str:
    return (ws / "results" / template_path(TASK).name).read_text()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No real key or endpoint of the developer's leaks into a test."""
    for name in list(os.environ):
        if name.startswith(("ANTHROPIC_", "OPENAI_", "CLAUDE_CODE_", "CODEX_")):
            monkeypatch.delenv(name)
    return monkeypatch


# ------------------------------------------------------------------------------------------------
# Claude Code


def claude_script(ws: Path) -> list[object]:
    template = ws / "results" / template_path(TASK).name
    return [
        Turn(
            text="Reading the task.",
            tool_calls=[ToolCall("Bash", {"command": "cat TASK.md", "description": "read task"})],
        ),
        Turn(tool_calls=[ToolCall("Read", {"file_path": str(template)})]),
        Turn(
            tool_calls=[
                ToolCall(
                    "Edit",
                    {
                        "file_path": str(template),
                        "old_string": "{value: null}",
                        "new_string": "{value: 3.25}",
                        "replace_all": True,
                    },
                )
            ]
        ),
        Turn(
            tool_calls=[
                ToolCall(
                    "Write", {"file_path": str(ws / "report.md"), "content": "# Report\nscripted\n"}
                )
            ]
        ),
        Turn(text="The histogram is filled."),
    ]


def test_claude_code_fills_the_template(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    need("claude")
    ws = make_workspace(tmp_path)
    clean_env.setenv("ANTHROPIC_API_KEY", "sk-ant-dummy")
    with ScriptedLLMServer(claude_script(ws)) as server:
        inv = SPECS["claude-code"].build(ctx("claude-sonnet-4-5", ws, server.base_url))
        proc = run(inv, ws, tmp_path / "home")
        usage = server.reported_usage()
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    assert server.remaining == 0 and server.exhausted_calls == 0
    assert all(r.header("x-api-key") == "sk-ant-dummy" for r in server.model_requests())
    # the model saw its tool results
    last = server.model_requests()[-1].body["messages"]
    results = [
        b
        for m in last
        if isinstance(m["content"], list)
        for b in m["content"]
        if b.get("type") == "tool_result"
    ]
    assert len(results) == 4 and not any(b.get("is_error") for b in results)
    # the files the scripted model wrote
    text = filled_values(ws)
    assert "value: null" not in text.split("---", 1)[1] and text.count("{value: 3.25}") >= 2
    from colliderbench.scoring import score_submission

    assert score_submission(TASK, ws / "results" / template_path(TASK).name).valid
    assert (ws / "report.md").read_text() == "# Report\nscripted\n"
    # our parser reads the stream-json
    s = parse_claude_code(proc.stdout, proc.stderr, proc.returncode)
    assert s.failure_class is None
    kinds = [e["kind"] for e in s.events]
    assert (
        kinds.count("command") == 1 and kinds.count("tool_call") == 3 and kinds.count("output") == 4
    )
    assert [e for e in s.events if e["kind"] == "command"][0]["command"] == "cat TASK.md"
    assert s.tokens_in == usage[0] and s.tokens_out == usage[1] and s.tokens_cache == 0
    assert s.cost_source == "vendor"
    # Claude Code's own figure agrees with our dated price table
    assert s.cost_usd == pytest.approx(cost_usd("claude-sonnet-4-5", usage[0], usage[1]), rel=1e-3)
    assert fill_cost(s, "claude-sonnet-4-5").cost_source == "vendor"


@pytest.mark.parametrize(
    ("fail", "expected"),
    [
        (Fail(401), "auth"),
        (Fail(429), "rate_limit"),
        (Fail(400, kind="context_window"), "context_window"),
    ],
)
def test_claude_code_failure_classes(
    tmp_path: Path, clean_env: pytest.MonkeyPatch, fail: Fail, expected: str
) -> None:
    need("claude")
    ws = make_workspace(tmp_path)
    clean_env.setenv("ANTHROPIC_API_KEY", "sk-ant-dummy")
    clean_env.setenv("CLAUDE_CODE_MAX_RETRIES", "1")  # forwarded by the spec; keeps the test short
    with ScriptedLLMServer([fail] * 4) as server:
        inv = SPECS["claude-code"].build(ctx("claude-sonnet-4-5", ws, server.base_url))
        proc = run(inv, ws, tmp_path / "home")
    assert proc.returncode != 0
    s = parse_claude_code(proc.stdout, proc.stderr, proc.returncode)
    assert s.failure_class == expected


# ------------------------------------------------------------------------------------------------
# Codex


def codex_script() -> list[object]:
    name = template_path(TASK).name
    return [
        Turn(
            text="Reading the task.", tool_calls=[ToolCall("exec_command", {"cmd": "cat TASK.md"})]
        ),
        Turn(tool_calls=[ToolCall("exec_command", {"cmd": f"cat results/{name}"})]),
        Turn(
            tool_calls=[
                ToolCall(
                    "exec_command",
                    {"cmd": f"sed -i 's/{{value: null}}/{{value: 3.25}}/' results/{name}"},
                )
            ]
        ),
        Turn(
            tool_calls=[
                ToolCall("exec_command", {"cmd": "printf '# Report\\nscripted\\n' > report.md"})
            ],
            cached_tokens=1000,
        ),
        Turn(text="The histogram is filled."),
    ]


def test_codex_fills_the_template(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    need("codex")
    ws = make_workspace(tmp_path)
    clean_env.setenv("OPENAI_API_KEY", "sk-dummy")
    with ScriptedLLMServer(codex_script()) as server:
        inv = SPECS["codex"].build(ctx("gpt-5-codex", ws, server.openai_base_url))
        proc = run(inv, ws, tmp_path / "home")
        usage = server.reported_usage()
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    assert server.remaining == 0 and server.exhausted_calls == 0
    assert {r.api for r in server.model_requests()} == {"responses"}
    assert all(r.header("Authorization") == "Bearer sk-dummy" for r in server.model_requests())
    outputs = [
        i
        for i in server.model_requests()[-1].body["input"]
        if i.get("type") == "function_call_output"
    ]
    assert len(outputs) == 4 and "Process exited with code 0" in str(outputs[0]["output"])
    text = filled_values(ws)
    assert text.count("{value: 3.25}") >= 2
    from colliderbench.scoring import score_submission

    assert score_submission(TASK, ws / "results" / template_path(TASK).name).valid
    assert (ws / "report.md").read_text() == "# Report\nscripted\n"
    s = parse_codex(proc.stdout, proc.stderr, proc.returncode)
    assert s.failure_class is None
    commands = [e["command"] for e in s.events if e["kind"] == "command"]
    assert len(commands) == 4 and "cat TASK.md" in commands[0]
    assert (
        s.tokens_in == usage[0] and s.tokens_out == usage[1] and s.tokens_cache == usage[2] == 1000
    )
    assert s.cost_usd is None  # Codex reports no cost: the price table gives it
    fill_cost(s, "gpt-5-codex")
    assert s.cost_source == "price_table"
    assert s.cost_usd == pytest.approx(cost_usd("gpt-5-codex", usage[0], usage[1], usage[2]))


@pytest.mark.parametrize(
    ("fail", "expected"),
    [
        (Fail(401), "auth"),
        (Fail(429), "rate_limit"),
        (Fail(400, kind="context_window"), "context_window"),
    ],
)
def test_codex_failure_classes(
    tmp_path: Path, clean_env: pytest.MonkeyPatch, fail: Fail, expected: str
) -> None:
    need("codex")
    ws = make_workspace(tmp_path)
    clean_env.setenv("OPENAI_API_KEY", "sk-dummy")
    with ScriptedLLMServer([fail] * 8) as server:
        inv = SPECS["codex"].build(ctx("gpt-5-codex", ws, server.openai_base_url))
        inv.argv[-1:-1] = ["-c", "model_providers.colliderbench.request_max_retries=1"]
        inv.argv[-1:-1] = ["-c", "model_providers.colliderbench.stream_max_retries=1"]
        proc = run(inv, ws, tmp_path / "home")
    assert proc.returncode != 0
    assert parse_codex(proc.stdout, proc.stderr, proc.returncode).failure_class == expected


# ------------------------------------------------------------------------------------------------
# specs without a CLI here: the command lines and the parsers on the vendors' documented formats


def test_every_vendor_spec_is_registered() -> None:
    assert [s.name for s in VENDOR_AGENTS] == ["claude-code", "codex", "gemini", "forge", "aider"]
    assert all(callable(s.build) and callable(s.parse) for s in VENDOR_AGENTS)


def test_gemini_stream_json_parse() -> None:
    lines = [
        '{"type":"init","timestamp":"2026-01-01T00:00:00Z","session_id":"s","model":"gemini-2.5-pro"}',
        '{"type":"message","timestamp":"2026-01-01T00:00:01Z","role":"user","content":"do it"}',
        '{"type":"message","timestamp":"2026-01-01T00:00:02Z","role":"assistant","content":"Look","delta":true}',
        '{"type":"message","timestamp":"2026-01-01T00:00:02Z","role":"assistant","content":"ing.","delta":true}',
        '{"type":"tool_use","timestamp":"2026-01-01T00:00:03Z","tool_name":"run_shell_command","tool_id":"t1","parameters":{"command":"ls"}}',
        '{"type":"tool_result","timestamp":"2026-01-01T00:00:04Z","tool_id":"t1","status":"success","output":"TASK.md"}',
        '{"type":"tool_use","timestamp":"2026-01-01T00:00:05Z","tool_name":"write_file","tool_id":"t2","parameters":{"file_path":"a","content":"b"}}',
        '{"type":"result","timestamp":"2026-01-01T00:00:06Z","status":"success","stats":{"total_tokens":150,"input_tokens":120,"output_tokens":30,"cached":20,"duration_ms":5,"tool_calls":2}}',
    ]
    s = SPECS["gemini"].parse("\n".join(lines).encode(), b"", 0)
    assert [e["kind"] for e in s.events] == ["message", "command", "output", "tool_call"]
    assert s.events[0]["text"] == "Looking."
    assert (s.tokens_in, s.tokens_out, s.tokens_cache) == (120, 30, 20)
    assert s.failure_class is None
    err = '{"type":"result","status":"error","error":{"type":"api","message":"[API Error: 429 Resource exhausted]"}}'
    assert SPECS["gemini"].parse(err.encode(), b"", 1).failure_class == "rate_limit"


def test_aider_summary_lines_parse() -> None:
    out = (
        "Aider v0.86\nsome answer\n"
        "Tokens: 4.1k sent, 2.0k cache hit, 250 received. Cost: $0.02 message, $0.02 session.\n"
        "more\nTokens: 6k sent, 1,200 received. Cost: $0.03 message, $0.05 session.\n"
    )
    s: TraceSummary = SPECS["aider"].parse(out.encode(), b"", 0)
    assert (s.tokens_in, s.tokens_out, s.tokens_cache) == (4100 + 2000 + 6000, 1450, 2000)
    assert s.cost_usd == 0.05 and s.cost_source == "vendor"
    bad = SPECS["aider"].parse(b"litellm.AuthenticationError: bad key", b"", 1)
    assert bad.failure_class == "auth"


def test_codex_spec_uses_a_custom_provider(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    need("codex")
    clean_env.setenv("OPENAI_API_KEY", "sk-host")
    inv = SPECS["codex"].build(
        RunContext(
            task_id=TASK,
            model="gpt-5",
            workspace=tmp_path,
            prompt=PROMPT,
            walltime_s=60,
            effort="high",
        )
    )
    joined = " ".join(inv.argv)
    assert "model_providers.colliderbench.base_url=https://api.openai.com/v1" in joined
    assert "model_reasoning_effort=high" in joined and inv.argv[-1] == "-"
    assert inv.stdin == PROMPT and inv.env["OPENAI_API_KEY"] == "sk-host"


def test_claude_code_killed_at_walltime_still_counts_input(
    tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    """No result event when the harness kills the CLI: the assistant messages still give tokens."""
    import signal
    import time

    need("claude")
    ws = make_workspace(tmp_path)
    clean_env.setenv("ANTHROPIC_API_KEY", "sk-ant-dummy")
    script = [
        Turn(
            tool_calls=[ToolCall("Bash", {"command": "sleep 60", "timeout": 100000})],
            input_tokens=5000,
            cached_tokens=1000,
        )
    ]
    with ScriptedLLMServer(script) as server:
        inv = SPECS["claude-code"].build(ctx("claude-sonnet-4-5", ws, server.base_url))
        home = tmp_path / "home"
        home.mkdir()
        out = tmp_path / "stdout"
        env = {"PATH": os.environ["PATH"], "HOME": str(home), **inv.env}
        with out.open("wb") as fh:
            proc = subprocess.Popen(
                inv.argv,
                stdin=subprocess.PIPE,
                stdout=fh,
                stderr=subprocess.DEVNULL,
                cwd=ws,
                env=env,
                start_new_session=True,
            )
            assert proc.stdin is not None
            proc.stdin.write(PROMPT.encode())
            proc.stdin.close()
            deadline = time.monotonic() + 60
            while b'"tool_use"' not in out.read_bytes() and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(0.5)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    s = parse_claude_code(out.read_bytes(), b"", -9)
    assert b'"type":"result"' not in out.read_bytes()
    assert [e["command"] for e in s.events if e["kind"] == "command"] == ["sleep 60"]
    assert s.tokens_in == 5000 + 1000 and s.tokens_cache == 1000
    assert s.cost_usd is None
    assert fill_cost(s, "claude-sonnet-4-5").cost_source == "price_table"


# ------------------------------------------------------------------------------------------------
# through the harness: `colliderbench run --agent claude-code|codex|gemini` inside bwrap


def harness_run(tmp_path: Path, agent: str, model: str, base: str) -> tuple[dict, Path]:
    """Run the CLI `colliderbench run` against an already started server; return run.json and its dir."""
    import json
    import sys

    runs = tmp_path / "runs"
    exe = Path(sys.executable).parent / "colliderbench"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ANTHROPIC_", "OPENAI_", "CLAUDE_CODE_", "CODEX_"))
    }
    env["ANTHROPIC_API_KEY"] = env["OPENAI_API_KEY"] = "sk-dummy"
    argv = [str(exe), "run", "--agent", agent, "--model", model, "--base-url", base, "--task", TASK]
    argv += ["--runs-dir", str(runs), "--walltime", "5m", "--sandbox", "bwrap"]
    proc = subprocess.run(argv, env=env, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    (run_json,) = list(runs.rglob("run.json"))
    return json.loads(run_json.read_text()), run_json.parent


@pytest.mark.sandbox
def test_claude_code_through_the_harness(tmp_path: Path) -> None:
    need("claude")
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is not installed")
    template = (
        f"/workspace/results/{template_path(TASK).name}"  # the workspace as the agent sees it
    )
    script = [
        Turn(
            tool_calls=[
                ToolCall("Bash", {"command": "head -20 TASK.md && ls bin && echo HOME=$HOME"})
            ]
        ),
        Turn(tool_calls=[ToolCall("Read", {"file_path": template})]),
        Turn(
            tool_calls=[
                ToolCall(
                    "Edit",
                    {
                        "file_path": template,
                        "old_string": "{value: null}",
                        "new_string": "{value: 3.25}",
                        "replace_all": True,
                    },
                )
            ]
        ),
        Turn(text="Filled."),
    ]
    with ScriptedLLMServer(script) as server:
        run, run_dir = harness_run(tmp_path, "claude-code", "claude-sonnet-4-5", server.base_url)
        usage = server.reported_usage()
    assert server.remaining == 0
    assert run["status"] == "finished" and run["failure_class"] is None, run
    assert (run["tokens_in"], run["tokens_out"]) == usage[:2]
    assert run["cost_source"] == "vendor"
    assert run["cost_usd"] == pytest.approx(
        cost_usd("claude-sonnet-4-5", usage[0], usage[1]), rel=1e-3
    )
    assert (run_dir / "trace" / "claude.stream.jsonl").is_file()
    import json

    assert json.loads((run_dir / "score.json").read_text())["valid"]
    events = [
        json.loads(line) for line in (run_dir / "trace" / "events.jsonl").read_text().splitlines()
    ]
    first_output = next(e["text"] for e in events if e["kind"] == "output")
    assert "HOME=/home/agent" in first_output  # the per-run home inside the sandbox


@pytest.mark.sandbox
def test_codex_through_the_harness(tmp_path: Path) -> None:
    need("codex")
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is not installed")
    with ScriptedLLMServer(codex_script()) as server:
        run, run_dir = harness_run(tmp_path, "codex", "gpt-5-codex", server.openai_base_url)
        usage = server.reported_usage()
    assert server.remaining == 0
    assert run["status"] == "finished" and run["failure_class"] is None, run
    assert (run["tokens_in"], run["tokens_out"], run["tokens_cache"]) == usage
    assert run["cost_source"] == "price_table"
    assert run["cost_usd"] == pytest.approx(cost_usd("gpt-5-codex", *usage))
    import json

    assert json.loads((run_dir / "score.json").read_text())["valid"]
    assert (run_dir / "workspace" / "report.md").read_text() == "# Report\nscripted\n"


# ------------------------------------------------------------------------------------------------
# Gemini CLI (the server speaks generateContent / streamGenerateContent too)


def gemini_script(ws_inside: str) -> list[object]:
    name = template_path(TASK).name
    return [
        Turn(
            text="Reading the task.",
            tool_calls=[ToolCall("run_shell_command", {"command": "head -20 TASK.md"})],
        ),
        Turn(
            tool_calls=[
                ToolCall(
                    "run_shell_command",
                    {"command": f"sed -i 's/{{value: null}}/{{value: 3.25}}/' results/{name}"},
                )
            ]
        ),
        Turn(
            tool_calls=[
                ToolCall(
                    "write_file",
                    {"file_path": f"{ws_inside}/report.md", "content": "# Report\nscripted\n"},
                )
            ]
        ),
        Turn(text="The histogram is filled."),
    ]


def test_gemini_fills_the_template(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    need("gemini")
    ws = make_workspace(tmp_path)
    clean_env.delenv("GOOGLE_API_KEY", raising=False)
    clean_env.setenv("GEMINI_API_KEY", "gm-dummy")
    with ScriptedLLMServer(gemini_script(str(ws))) as server:
        inv = SPECS["gemini"].build(ctx("gemini-2.5-pro", ws, server.base_url))
        proc = run(inv, ws, tmp_path / "home")
        usage = server.reported_usage()
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    assert server.remaining == 0 and server.exhausted_calls == 0
    assert {r.api for r in server.model_requests()} == {"gemini"}
    assert all(r.header("x-goog-api-key") == "gm-dummy" for r in server.model_requests())
    assert filled_values(ws).count("{value: 3.25}") >= 2
    assert (ws / "report.md").read_text() == "# Report\nscripted\n"
    s = SPECS["gemini"].parse(proc.stdout, proc.stderr, proc.returncode)
    assert s.failure_class is None
    kinds = [e["kind"] for e in s.events]
    assert (
        kinds.count("command") == 2 and kinds.count("tool_call") == 1 and kinds.count("output") == 3
    )
    assert (s.tokens_in, s.tokens_out) == usage[:2]
    fill_cost(s, "gemini-2.5-pro")
    assert s.cost_source == "price_table" and s.cost_usd == pytest.approx(
        cost_usd("gemini-2.5-pro", *usage)
    )


@pytest.mark.parametrize(
    ("fail", "expected"),
    [(Fail(401), "auth"), (Fail(400, kind="context_window"), "context_window")],
)
def test_gemini_failure_classes(
    tmp_path: Path, clean_env: pytest.MonkeyPatch, fail: Fail, expected: str
) -> None:
    need("gemini")
    ws = make_workspace(tmp_path)
    clean_env.setenv("GEMINI_API_KEY", "gm-dummy")
    with ScriptedLLMServer([fail] * 8) as server:
        inv = SPECS["gemini"].build(ctx("gemini-2.5-pro", ws, server.base_url))
        proc = run(inv, ws, tmp_path / "home")
    assert proc.returncode != 0
    assert (
        SPECS["gemini"].parse(proc.stdout, proc.stderr, proc.returncode).failure_class == expected
    )


@pytest.mark.sandbox
def test_gemini_through_the_harness(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    need("gemini")
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is not installed")
    # harness_run keeps it (it drops only ANTHROPIC_/OPENAI_/CLAUDE_CODE_/CODEX_ names)
    clean_env.setenv("GEMINI_API_KEY", "gm-dummy")
    with ScriptedLLMServer(gemini_script("/workspace")) as server:
        run, run_dir = harness_run(tmp_path, "gemini", "gemini-2.5-pro", server.base_url)
        usage = server.reported_usage()
    assert server.remaining == 0
    assert run["status"] == "finished" and run["failure_class"] is None, run
    assert (run["tokens_in"], run["tokens_out"]) == usage[:2]
    assert run["cost_source"] == "price_table"
    assert (run_dir / "workspace" / "report.md").read_text() == "# Report\nscripted\n"
    assert not (
        run_dir / "workspace" / ".gemini"
    ).exists()  # the CLI's state stays in the per-run home
