"""The built-in API agent as a real process against the scripted loopback server, for both APIs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from colliderbench.agents.api import (
    API_AGENT,
    CONTINUE_PROMPT,
    OUTPUT_LIMIT,
    parse_api,
    read_cut,
    truncate,
)
from colliderbench.corpus import load_task, task_markdown, template_path
from colliderbench.errors import UserError
from colliderbench.harness.agent_spec import RunContext
from colliderbench.testing.llm_server import (
    Fail,
    RecordedRequest,
    ScriptedLLMServer,
    ToolCall,
    Turn,
)

TASK = "sus-16-046_yield-T5Wg"
PROMPT = "Read TASK.md, AGENTS.md and TOOLS.md, then do the task."


def make_workspace(root: Path, task_id: str = TASK) -> Path:
    """A minimal task workspace (TASK.md and the null template): the loop itself is under test
    here; the harness-level test below uses the real workspace builder and sandbox."""
    ws = root / "workspace"
    (ws / "results").mkdir(parents=True)
    (ws / "TASK.md").write_text(task_markdown(task_id))
    shutil.copy(template_path(task_id), ws / "results" / template_path(task_id).name)
    return ws


def fill_command(task_id: str, value: float) -> str:
    """The shell command the scripted model runs to fill the template."""
    name = template_path(task_id).name
    return f"sed -i 's/value: null/value: {value}/' results/{name} && grep -c 'value: {value}' results/{name}"


def filling_script(task_id: str, call_error: list[object] | None = None) -> list[object]:
    """Read the task, look at the template, fill it with bash, check it with read_file, end."""
    name = template_path(task_id).name
    steps: list[object] = [
        Turn(
            text="I will read the task first.",
            tool_calls=[ToolCall("bash", {"command": "cat TASK.md && ls results"})],
        ),
        Turn(tool_calls=[ToolCall("read_file", {"path": f"results/{name}"})]),
    ]
    steps += call_error or []
    steps += [
        Turn(tool_calls=[ToolCall("bash", {"command": fill_command(task_id, 12.5)})]),
        Turn(
            tool_calls=[
                ToolCall("write_file", {"path": "report.md", "content": "# Report\nfilled\n"})
            ]
        ),
        Turn(
            tool_calls=[
                ToolCall(
                    "edit_file",
                    {"path": "report.md", "old": "filled", "new": "filled by the scripted model"},
                )
            ]
        ),
        Turn(text="The histogram is filled. Done."),
    ]
    return steps


def run_agent(
    server: ScriptedLLMServer,
    provider: str,
    ws: Path,
    *extra: str,
    model: str = "claude-sonnet-4-5",
    timeout: float = 60,
    key: bool = True,
    base_in_env: bool = False,
) -> tuple[subprocess.CompletedProcess[bytes], list[dict[str, object]], float]:
    """The agent as a process in ``ws``; ``base_in_env`` gives the server as $*_BASE_URL only."""
    base = server.base_url if provider == "anthropic" else server.openai_base_url
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.endswith("_API_KEY") and not k.endswith("_BASE_URL")
    }
    var = "ANTHROPIC" if provider == "anthropic" else "OPENAI"
    if key:
        env[f"{var}_API_KEY"] = "sk-test-key"
    if base_in_env:
        env[f"{var}_BASE_URL"] = base
    argv = [
        sys.executable,
        "-m",
        "colliderbench.agents.api",
        "--provider",
        provider,
        "--model",
        model,
    ]
    argv += [] if base_in_env else ["--base-url", base]
    argv += ["--retry-base-s", "0.05", *extra]
    t0 = time.monotonic()
    proc = subprocess.run(
        argv, input=PROMPT.encode(), cwd=ws, env=env, capture_output=True, timeout=timeout
    )
    elapsed = time.monotonic() - t0
    events = [json.loads(line) for line in proc.stdout.decode().splitlines() if line.strip()]
    return proc, events, elapsed


def tool_results_sent(server: ScriptedLLMServer) -> list[str]:
    """Every tool result the agent sent back to the model, in order, both APIs."""
    return tool_results_of(server.model_requests()[-1])


def tool_results_of(request: RecordedRequest) -> list[str]:
    """The tool results carried by one request (Messages or Chat Completions)."""
    out: list[str] = []
    for msg in request.body["messages"]:
        if msg["role"] == "tool":
            out.append(msg["content"])
        elif msg["role"] == "user" and isinstance(msg["content"], list):
            out += [b["content"] for b in msg["content"] if b.get("type") == "tool_result"]
    return out


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_scripted_model_fills_the_template(tmp_path: Path, provider: str) -> None:
    ws = make_workspace(tmp_path)
    with ScriptedLLMServer(filling_script(TASK)) as server:
        proc, events, _ = run_agent(server, provider, ws)
    assert proc.returncode == 0, proc.stderr.decode()
    assert server.remaining == 0 and server.exhausted_calls == 0
    # the API the provider must speak, with exactly the four tools
    api = "anthropic" if provider == "anthropic" else "chat"
    assert {r.api for r in server.model_requests()} == {api}
    assert server.model_requests()[0].tools == ["bash", "read_file", "write_file", "edit_file"]
    # the template really is filled, and the score of this submission is valid
    from colliderbench.scoring import score_submission

    result = score_submission(TASK, ws / "results" / template_path(TASK).name)
    assert result.valid, result
    assert (ws / "report.md").read_text() == "# Report\nfilled by the scripted model\n"
    # the trace: commands, tool calls, outputs, per-call usage
    kinds = [e["kind"] for e in events]
    assert (
        kinds.count("command") == 2 and kinds.count("tool_call") == 3 and kinds.count("output") == 5
    )
    commands = [e["command"] for e in events if e["kind"] == "command"]
    assert commands[0] == "cat TASK.md && ls results" and commands[1] == fill_command(TASK, 12.5)
    outputs = [e["text"] for e in events if e["kind"] == "output"]
    assert load_task(TASK).id in outputs[0] and "[exit code 0]" in outputs[0]
    assert "value: null" in outputs[1]  # read_file of the template
    assert int(outputs[2].split()[0]) >= 1  # grep -c found the filled value
    assert tool_results_sent(server) == outputs
    calls = [e for e in events if e["kind"] == "message" and "tokens_in" in e]
    assert len(calls) == 6
    assert all(isinstance(e["t"], str) and e["t"].endswith("Z") for e in events)
    # tokens: what the server reported, summed by the harness's parser; cost from the price table
    summary = parse_api(proc.stdout, proc.stderr, proc.returncode)
    assert summary.tokens_in == sum(e["tokens_in"] for e in calls) > 0
    assert summary.tokens_out == sum(e["tokens_out"] for e in calls) > 0
    assert summary.failure_class is None
    assert summary.cost_source == "price_table"
    expected = (summary.tokens_in * 3.0 + summary.tokens_out * 15.0) / 1e6
    assert summary.cost_usd == pytest.approx(expected, rel=1e-3)


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_rate_limit_mid_run_is_retried(tmp_path: Path, provider: str) -> None:
    ws = make_workspace(tmp_path)
    script = filling_script(
        TASK, call_error=[Fail(429), Fail(529 if provider == "anthropic" else 500)]
    )
    with ScriptedLLMServer(script) as server:
        proc, events, _ = run_agent(server, provider, ws)
    assert proc.returncode == 0, proc.stderr.decode()
    assert server.remaining == 0
    retries = [e for e in events if e["kind"] == "error"]
    assert [e["retry"] for e in retries] == [1, 2]
    assert "RateLimitError" in retries[0]["text"]
    assert "value: 12.5" in (ws / "results" / template_path(TASK).name).read_text()
    assert parse_api(proc.stdout, b"", 0).failure_class is None


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_malformed_tool_calls_go_back_to_the_model(tmp_path: Path, provider: str) -> None:
    ws = make_workspace(tmp_path)
    bad = [
        Turn(tool_calls=[ToolCall("bash", '{"command": "ls" "-la"')]),  # not JSON
        Turn(tool_calls=[ToolCall("bash", {"cmd": "ls"})]),  # wrong argument name
        Turn(tool_calls=[ToolCall("run_python", {"code": "1"})]),  # no such tool
        Turn(
            tool_calls=[
                ToolCall("edit_file", {"path": "TASK.md", "old": "no such text", "new": "x"})
            ]
        ),
    ]
    with ScriptedLLMServer(filling_script(TASK, call_error=bad)) as server:
        proc, events, _ = run_agent(server, provider, ws)
    assert proc.returncode == 0, proc.stderr.decode()
    assert server.remaining == 0
    errors = [e["text"] for e in events if e["kind"] == "output" and e["is_error"]]
    assert len(errors) == 4
    assert "not valid JSON" in errors[0] or "JSON object" in errors[0]
    assert "missing argument 'command'" in errors[1]
    assert "unknown tool 'run_python'" in errors[2]
    assert "occurs 0 times" in errors[3]
    sent = tool_results_sent(server)
    assert all(any(err == s for s in sent) for err in errors)
    assert "value: 12.5" in (ws / "results" / template_path(TASK).name).read_text()


def test_walltime_stops_a_long_command(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    script = [
        Turn(tool_calls=[ToolCall("bash", {"command": "sleep 60"})]),
        Turn(text="never reached"),
    ]
    with ScriptedLLMServer(script) as server:
        # 8 s: enough for the SDK import and the first call on a loaded machine, far below 60
        proc, events, elapsed = run_agent(server, "openai", ws, "--walltime", "8", model="gpt-5")
    assert proc.returncode == 124
    assert elapsed < 40
    assert "killed after" in [e for e in events if e["kind"] == "output"][0]["text"]
    assert events[-1]["kind"] == "error" and events[-1]["failure_class"] == "timeout"
    assert server.remaining == 1
    assert parse_api(proc.stdout, b"", 124).failure_class == "timeout"


def test_walltime_while_the_model_is_slow(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    with ScriptedLLMServer([Turn(text="late", delay_s=30)]) as server:
        proc, events, elapsed = run_agent(server, "anthropic", ws, "--walltime", "2")
    assert proc.returncode == 124 and elapsed < 20
    assert events[-1]["failure_class"] == "timeout"


def test_auth_failure_is_classified(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    with ScriptedLLMServer([Fail(401)]) as server:
        proc, events, _ = run_agent(server, "anthropic", ws)
    assert proc.returncode == 1
    assert events[-1]["failure_class"] == "auth"
    assert parse_api(proc.stdout, b"", 1).failure_class == "auth"


def test_persistent_rate_limit_gives_up(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    with ScriptedLLMServer([Fail(429)] * 5) as server:
        proc, events, _ = run_agent(server, "openai", ws, "--max-retries", "3", model="gpt-5")
    assert proc.returncode == 1
    assert server.remaining == 1  # 1 try + 3 retries
    assert events[-1]["failure_class"] == "rate_limit"


def test_context_window_is_classified(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    with ScriptedLLMServer([Fail(400, kind="context_window")]) as server:
        proc, events, _ = run_agent(server, "openai", ws, model="gpt-5")
    assert proc.returncode == 1 and events[-1]["failure_class"] == "context_window"


def test_cost_budget_stops_the_loop(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    big = Turn(
        tool_calls=[ToolCall("bash", {"command": "true"})], input_tokens=400_000, output_tokens=1000
    )
    with ScriptedLLMServer([big, big, big, Turn(text="done")]) as server:
        # claude-sonnet-4-5: 400k input tokens = $1.20 + 1000 output = $0.015 per call
        proc, events, _ = run_agent(server, "anthropic", ws, "--max-cost-usd", "2.0")
    assert proc.returncode == 124
    assert server.remaining == 2  # stopped after the second call crossed $2
    assert "cost budget" in events[-1]["text"]
    assert parse_api(proc.stdout, b"", 124).cost_usd == pytest.approx(2 * 1.215)


def test_token_budget_stops_the_loop(tmp_path: Path) -> None:
    """The budget for models the price table does not know (a local server's)."""
    ws = make_workspace(tmp_path)
    script = [
        Turn(
            tool_calls=[ToolCall("bash", {"command": "true"})], input_tokens=400, output_tokens=100
        )
        for _ in range(3)
    ]
    with ScriptedLLMServer([*script, Turn(text="done")]) as server:
        proc, events, _ = run_agent(
            server, "openai", ws, "--max-total-tokens", "900", model="qwen3-coder"
        )
    assert proc.returncode == 124, proc.stderr.decode()
    assert server.remaining == 2  # 500 tokens after the first call, 1000 >= 900 after the second
    assert events[-1]["failure_class"] == "timeout" and "token budget" in events[-1]["text"]
    summary = parse_api(proc.stdout, b"", 124)
    assert summary.tokens_in + summary.tokens_out == 1000 and summary.cost_usd is None


def test_cost_budget_of_an_unpriced_model_is_refused(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    with ScriptedLLMServer([Turn(text="done")]) as server:
        proc, events, _ = run_agent(
            server, "openai", ws, "--max-cost-usd", "1", model="qwen3-coder"
        )
        assert server.model_requests() == []  # refused before the first call
    assert proc.returncode == 1
    assert events[-1]["failure_class"] == "harness_error"
    assert "no price" in events[-1]["text"] and "--max-total-tokens" in events[-1]["text"]


def _last_user_text(request: RecordedRequest) -> str:
    """The text of the last message of a request (a string, or Anthropic text blocks)."""
    content = request.body["messages"][-1]["content"]
    assert request.body["messages"][-1]["role"] == "user"
    return content if isinstance(content, str) else "".join(b.get("text", "") for b in content)


@pytest.mark.parametrize(("provider", "cut"), [("anthropic", "max_tokens"), ("openai", "length")])
def test_a_cut_off_reply_is_continued(tmp_path: Path, provider: str, cut: str) -> None:
    ws = make_workspace(tmp_path)
    script = [
        Turn(text="Let me think this through at length", stop_reason=cut),
        Turn(text="and still more", stop_reason=cut),
        Turn(tool_calls=[ToolCall("bash", {"command": "echo resumed > resumed.txt"})]),
        Turn(text="still going", stop_reason=cut),  # the count restarts after a tool call
        Turn(text="Done."),
    ]
    with ScriptedLLMServer(script) as server:
        proc, events, _ = run_agent(server, provider, ws, model="gpt-5")
        requests = server.model_requests()
    assert proc.returncode == 0, proc.stderr.decode()
    assert server.remaining == 0 and (ws / "resumed.txt").exists()
    assert [_last_user_text(requests[i]) for i in (1, 2, 4)] == [CONTINUE_PROMPT] * 3
    asked = [e for e in events if e["kind"] == "message" and e["role"] == "user"]
    assert [e["text"] for e in asked[1:]] == [CONTINUE_PROMPT] * 3


@pytest.mark.parametrize(("provider", "cut"), [("anthropic", "max_tokens"), ("openai", "length")])
def test_replies_cut_off_again_and_again_fail(tmp_path: Path, provider: str, cut: str) -> None:
    ws = make_workspace(tmp_path)
    script = [Turn(text=f"part {i}", stop_reason=cut) for i in range(6)]
    with ScriptedLLMServer(script) as server:
        proc, events, _ = run_agent(server, provider, ws, model="gpt-5")
    assert proc.returncode == 1
    assert server.remaining == 2  # the first reply and three continuations
    assert events[-1]["failure_class"] == "agent_error" and "cut off" in events[-1]["text"]
    assert parse_api(proc.stdout, b"", 1).failure_class == "agent_error"


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_keyless_local_server_from_the_base_url_variable(tmp_path: Path, provider: str) -> None:
    """$OPENAI_BASE_URL / $ANTHROPIC_BASE_URL alone name a local server that needs no key."""
    ws = make_workspace(tmp_path)
    with ScriptedLLMServer([Turn(text="Done.")]) as server:
        proc, events, _ = run_agent(server, provider, ws, key=False, base_in_env=True)
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
    assert server.remaining == 0 and events[-1]["kind"] == "message"


def test_no_key_and_no_endpoint_is_an_auth_failure(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
    argv = [sys.executable, "-m", "colliderbench.agents.api", "--provider", "openai"]
    proc = subprocess.run(
        [*argv, "--model", "gpt-5"], input=b"hi", env=env, capture_output=True, timeout=60
    )
    events = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert proc.returncode == 1 and events[-1]["failure_class"] == "auth"
    assert "OPENAI_BASE_URL" in events[-1]["text"]


def test_huge_command_output_is_not_held_in_memory(tmp_path: Path) -> None:
    """100 MB of output: only the head and tail are read (the whole used to cost 300 MB RSS)."""
    # VmHWM, not ru_maxrss: getrusage keeps the forking pytest process's size across exec
    code = (
        "import re, sys\n"
        "from colliderbench.agents.api import run_bash\n"
        "out = run_bash(sys.argv[1], 60)\n"
        "status = open('/proc/self/status').read()\n"
        "print(re.search(r'VmHWM:\\s+(\\d+)', status).group(1))\n"
        "sys.stdout.write(out)\n"
    )
    half = 50_000_000
    cmd = f"head -c {half} /dev/zero | tr '\\0' A; head -c {half} /dev/zero | tr '\\0' Z; exit 3"
    proc = subprocess.run(
        [sys.executable, "-c", code, cmd], cwd=tmp_path, capture_output=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr.decode()
    rss_kb, out = proc.stdout.decode().split("\n", 1)
    assert int(rss_kb) < 100_000, f"peak RSS {int(rss_kb) // 1024} MB"
    assert out == truncate("A" * half + "Z" * half) + "\n[exit code 3]"


def test_streamed_cut_equals_truncate() -> None:
    """read_cut gives what truncate gives on the whole text, multi-byte and broken UTF-8 included."""
    import io

    text = ("aé€😀" * 40_000).encode()
    data = text[:100_001] + b"\xff" + text[100_001:]  # an invalid byte, a character split
    for blob in (data, data[:1000], b"x" * (4 * OUTPUT_LIMIT + 1)):
        assert read_cut(io.BytesIO(blob)) == truncate(blob.decode("utf-8", errors="replace"))


def _ctx(tmp_path: Path, model: str = "gpt-5", **agent_args: str) -> RunContext:
    return RunContext(
        task_id=TASK,
        model=model,
        workspace=tmp_path,
        prompt=PROMPT,
        walltime_s=600,
        agent_args=agent_args,
    )


@pytest.mark.parametrize(
    ("agent_args", "message"),
    [
        ({"max_token": "100"}, "unknown --agent-arg 'max_token'"),
        ({"events": "3000"}, "allowed: provider, base_url, api_key_env, max_cost_usd"),
        ({"max_tokens": "lots"}, "max_tokens='lots': must be a non-negative integer"),
        ({"max_total_tokens": "1.5"}, "must be a non-negative integer"),
        ({"max_cost_usd": "five"}, "must be a non-negative number"),
        ({"retry_base_s": "-1"}, "must be a non-negative number"),
    ],
)
def test_spec_rejects_bad_agent_args(
    tmp_path: Path, agent_args: dict[str, str], message: str
) -> None:
    with pytest.raises(UserError, match="allowed") as err:
        API_AGENT.build(_ctx(tmp_path, **agent_args))
    assert message in str(err.value)


def test_spec_refuses_a_cost_budget_it_cannot_price(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="max-total-tokens"):
        API_AGENT.build(_ctx(tmp_path, model="qwen3-coder", max_cost_usd="5"))
    args = API_AGENT.build(_ctx(tmp_path, max_cost_usd="5", max_retries="0")).argv
    assert args[args.index("--max-cost-usd") + 1] == "5"
    assert args[args.index("--max-retries") + 1] == "0"


def test_truncation_keeps_head_and_tail() -> None:
    text = "A" * 50_000 + "Z" * 50_000
    out = truncate(text)
    assert len(out) < OUTPUT_LIMIT + 200
    assert out.startswith("A" * 100) and out.endswith("Z" * 100)
    assert f"cut at {OUTPUT_LIMIT} characters" in out
    assert truncate("short") == "short"


def test_spec_builds_the_process_the_harness_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-host")
    ctx = RunContext(
        task_id=TASK,
        model="qwen3-coder",
        workspace=tmp_path,
        prompt=PROMPT,
        walltime_s=3600,
        agent_args={
            "provider": "openai",
            "base_url": "http://127.0.0.1:8000/v1",
            "max_total_tokens": "2000000",
        },
    )
    inv = API_AGENT.build(ctx)
    assert inv.argv[:3] == [sys.executable, "-m", "colliderbench.agents.api"]
    args = inv.argv[3:]
    assert args[args.index("--provider") + 1] == "openai"
    assert args[args.index("--base-url") + 1] == "http://127.0.0.1:8000/v1"
    assert args[args.index("--max-total-tokens") + 1] == "2000000"
    assert "--max-cost-usd" not in args
    assert float(args[args.index("--walltime") + 1]) == pytest.approx(3540)
    assert inv.stdin == PROMPT and inv.env["OPENAI_API_KEY"] == "sk-host"
    assert "ANTHROPIC_API_KEY" not in inv.env


def test_sigterm_takes_the_running_command_along(tmp_path: Path) -> None:
    """The harness's walltime kill (SIGTERM) must not leave the agent's command running."""
    import signal

    ws = make_workspace(tmp_path)
    script = [Turn(tool_calls=[ToolCall("bash", {"command": "echo $$ > cmd.pid; exec sleep 120"})])]
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["OPENAI_API_KEY"] = "sk-test"
    with ScriptedLLMServer(script) as server:
        argv = [
            sys.executable,
            "-m",
            "colliderbench.agents.api",
            "--provider",
            "openai",
            "--model",
            "gpt-5",
        ]
        proc = subprocess.Popen(
            [*argv, "--base-url", server.openai_base_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ws,
            env=env,
        )
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(PROMPT.encode())
        proc.stdin.close()
        deadline = time.monotonic() + 30
        while not (ws / "cmd.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.2)
        pid = int((ws / "cmd.pid").read_text())
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 143
        events = [json.loads(line) for line in proc.stdout.read().decode().splitlines()]
    time.sleep(0.2)
    status = Path(f"/proc/{pid}/status")
    if status.exists():  # gone, or a zombie waiting for its new parent to reap it
        state = [line for line in status.read_text().splitlines() if line.startswith("State:")]
        assert state and state[0].split()[1] in ("Z", "X"), state
    assert events[-1]["failure_class"] == "timeout" and "SIGTERM" in events[-1]["text"]


# ------------------------------------------------------------------------------------------------
# through the harness: `colliderbench run --agent api` in the bwrap sandbox, then scored and judged


@pytest.mark.sandbox
@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_api_agent_through_the_harness(tmp_path: Path, provider: str) -> None:
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is not installed")
    name = template_path(TASK).name

    def fill_from_xsec(request: RecordedRequest) -> Turn:
        """A model step that uses what the workspace's own tool printed: sigma x L x 1% acceptance."""
        text = tool_results_of(request)[-1]
        xsec_fb = json.loads(text[: text.rindex("}") + 1])["value_fb"]
        value = round(xsec_fb * 35.9 * 0.01, 4)
        cmd = f"sed -i 's/{{value: null}}/{{value: {value}}}/' results/{name}"
        return Turn(tool_calls=[ToolCall("bash", {"command": cmd})])

    script = [
        Turn(
            tool_calls=[
                ToolCall("bash", {"command": "cat TASK.md AGENTS.md TOOLS.md | head -40 && ls bin"})
            ]
        ),
        Turn(
            tool_calls=[
                ToolCall(
                    "bash", {"command": "prospino run --process gluino_pair --mass 1750 --json"}
                )
            ]
        ),
        fill_from_xsec,
        Fail(429),
        Turn(tool_calls=[ToolCall("write_file", {"path": "report.md", "content": "# Report\n"})]),
        Turn(text="Done."),
    ]
    model = "gpt-5" if provider == "openai" else "claude-sonnet-4-5"
    runs = tmp_path / "runs"
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
    env["OPENAI_API_KEY" if provider == "openai" else "ANTHROPIC_API_KEY"] = "sk-test"
    exe = Path(sys.executable).parent / "colliderbench"
    with ScriptedLLMServer(script) as server:
        base = server.openai_base_url if provider == "openai" else server.base_url
        argv = [
            str(exe),
            "run",
            "--agent",
            "api",
            "--provider",
            provider,
            "--model",
            model,
            "--base-url",
            base,
        ]
        argv += ["--task", TASK, "--runs-dir", str(runs), "--walltime", "5m", "--sandbox", "bwrap"]
        argv += ["--agent-arg", "retry_base_s=0.05", "--disable-tool", "hepdata"]
        proc = subprocess.run(argv, env=env, capture_output=True, timeout=300)
        usage = server.reported_usage()
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    assert server.remaining == 0
    (run_json,) = list(runs.rglob("run.json"))
    run = json.loads(run_json.read_text())
    assert run["status"] == "finished", run
    assert run["failure_class"] is None and run["sandbox"] == "bwrap"
    assert run["agent_args"]["provider"] == provider and run["agent_args"]["base_url"] == base
    # the tool ablation reached the workspace builder
    ws = run_json.parent / "workspace"
    assert run["disabled_tools"] == ["hepdata"]
    assert (ws / "bin" / "simulate").exists() and not (ws / "bin" / "hepdata").exists()
    assert "| `hepdata` |" not in (ws / "TOOLS.md").read_text()  # listed only as unavailable
    assert (run["tokens_in"], run["tokens_out"]) == usage[:2]
    assert run["cost_source"] == "price_table" and run["cost_usd"] > 0
    score = json.loads((run_json.parent / "score.json").read_text())
    assert score["valid"], score
    events = [
        json.loads(line)
        for line in (run_json.parent / "trace" / "events.jsonl").read_text().splitlines()
    ]
    commands = [e["command"] for e in events if e["kind"] == "command"]
    assert commands[1].startswith("prospino run") and commands[2].startswith("sed -i")
    # the value came from the sandboxed tool's output: 3.59842 fb x 35.9 fb^-1 x 1%
    assert "{value: 1.2918}" in (ws / "results" / name).read_text()
    assert any(e["kind"] == "error" and e.get("retry") == 1 for e in events)
    # the tools the agent saw are the workspace's, inside the sandbox
    first_output = next(e["text"] for e in events if e["kind"] == "output")
    assert "TOOLS" in first_output or "bin" in first_output
    # judged like any other run (no LLM auditor here); the judge's policy is tested by the judge
    judge = subprocess.run(
        [str(exe), "judge", str(run_json.parent), "--provider", "none", "--json"],
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert judge.returncode == 0, judge.stderr.decode()[-3000:]
    verdict = json.loads((run_json.parent / "judge.json").read_text())
    assert verdict["verdict"] in ("Passed", "Failed", "Fabricated")
    assert verdict["replay"]["outcome"] == "not_replayable"  # the scripted model left no analysis/


@pytest.mark.sandbox
@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_api_agent_runs_an_honest_pipeline(tmp_path: Path, provider: str) -> None:
    """A scripted model that writes and runs a real pipeline (events, an analysis that selects and
    normalises them) through its tools in the sandbox: the run is scored and judged like any other
    (the judge replays the analysis it left). `colliderbench solve` is the oracle's alone."""
    from colliderbench.testing import synthetic_runs as S

    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is not installed")
    task = S.TASK_ID
    script = [
        Turn(tool_calls=[ToolCall("bash", {"command": "cat TASK.md | head -30"})]),
        Turn(
            tool_calls=[
                ToolCall("write_file", {"path": "pipeline.sh", "content": S.honest_replay_script()})
            ]
        ),
        Turn(tool_calls=[ToolCall("bash", {"command": "bash pipeline.sh"})]),
        Turn(tool_calls=[ToolCall("read_file", {"path": f"results/{template_path(task).name}"})]),
        Turn(text="Done: the histogram is filled from my simulation."),
    ]
    runs = tmp_path / "runs"
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
    env["OPENAI_API_KEY" if provider == "openai" else "ANTHROPIC_API_KEY"] = "sk-test"
    model = "gpt-5" if provider == "openai" else "claude-sonnet-4-5"
    exe = Path(sys.executable).parent / "colliderbench"
    with ScriptedLLMServer(script) as server:
        base = server.openai_base_url if provider == "openai" else server.base_url
        argv = [str(exe), "run", "--agent", "api", "--provider", provider, "--model", model]
        argv += ["--base-url", base, "--task", task, "--runs-dir", str(runs)]
        argv += ["--walltime", "10m", "--sandbox", "bwrap"]
        proc = subprocess.run(argv, env=env, capture_output=True, timeout=600)
        apis = {r.api for r in server.model_requests()}
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    assert server.remaining == 0
    assert apis == {"chat" if provider == "openai" else "anthropic"}
    (run_json,) = list(runs.rglob("run.json"))
    run = json.loads(run_json.read_text())
    assert run["status"] == "finished" and run["failure_class"] is None, run
    score = json.loads((run_json.parent / "score.json").read_text())
    assert score["valid"] and score["n_filled"] == score["n_bins"], score
    outputs = [
        json.loads(x) for x in (run_json.parent / "trace" / "events.jsonl").read_text().splitlines()
    ]
    pipeline_out = [e["text"] for e in outputs if e["kind"] == "output"][2]
    assert pipeline_out.endswith("[exit code 0]"), pipeline_out
    judge = subprocess.run(
        [str(exe), "judge", str(run_json.parent), "--provider", "none", "--json"],
        env=env,
        capture_output=True,
        timeout=600,
    )
    assert judge.returncode == 0, judge.stderr.decode()[-3000:]
    verdict = json.loads((run_json.parent / "judge.json").read_text())
    assert verdict["replay"]["outcome"] != "not_replayable", verdict["replay"]
    assert verdict["verdict"] == "Passed", verdict["reasons"]  # an honest pipeline replays


@pytest.mark.sandbox
def test_api_agent_walltime_through_the_harness(tmp_path: Path) -> None:
    """A model that keeps running `sleep`: the harness's walltime ends the run as a timeout."""
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is not installed")
    script = [Turn(tool_calls=[ToolCall("bash", {"command": "sleep 2"})]) for _ in range(50)]
    runs = tmp_path / "runs"
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
    env["OPENAI_API_KEY"] = "sk-test"
    exe = Path(sys.executable).parent / "colliderbench"
    t0 = time.monotonic()
    with ScriptedLLMServer(script) as server:
        argv = [str(exe), "run", "--agent", "api", "--provider", "openai", "--model", "gpt-5"]
        argv += ["--base-url", server.openai_base_url, "--task", TASK, "--runs-dir", str(runs)]
        argv += ["--walltime", "5s", "--sandbox", "bwrap"]
        proc = subprocess.run(argv, env=env, capture_output=True, timeout=300)
    elapsed = time.monotonic() - t0
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    assert server.remaining > 40  # a few sleeps at most, not the whole script
    (run_json,) = list(runs.rglob("run.json"))
    run = json.loads(run_json.read_text())
    assert run["status"] == "failed" and run["failure_class"] == "timeout", run
    events = [
        json.loads(line)
        for line in (run_json.parent / "trace" / "events.jsonl").read_text().splitlines()
    ]
    assert any(e["kind"] == "command" and e["command"] == "sleep 2" for e in events)
    assert elapsed < 120  # the walltime plus the grace period and the harness's own work
