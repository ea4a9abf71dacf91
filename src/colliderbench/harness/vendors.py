"""Specs of the vendor agent CLIs: Claude Code, Codex, Gemini CLI, Forge, Aider.

Each spec says how to start the CLI headless inside the sandbox (argv, environment, how the prompt
is passed) and how to read its native output afterwards (normalised events, tokens, cost, a failure
the stream itself reports). The CLIs are installed by ``scripts/install_agent_clis.sh`` into the
project's ``.tools/npm`` prefix; :func:`find_executable` looks there, on ``$COLLIDERBENCH_AGENT_PATH``
and on ``$PATH``.

Normalised events (``trace/events.jsonl``) are dicts with ``t`` (ISO time: the vendor stream's, else
the host arrival time of the stdout line ``line`` the event came from, stamped by the harness) and
``kind``:

- ``message``: ``{"text"}`` the model's prose;
- ``command``: ``{"command", "tool", "id"}`` a shell command the agent ran;
- ``tool_call``: ``{"tool", "input", "id"}`` any other tool call (file writes, edits, reads, ...);
- ``output``: ``{"id", "text", "is_error"?, "exit_code"?}`` a tool's result;
- ``error``: ``{"text"}`` an error or retry the vendor reported.

Agent options (``--agent-arg KEY=VALUE``) understood by the vendor specs: ``base_url`` (the model
endpoint, e.g. a local server), ``api_key_env`` (name of the host variable holding the key).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from colliderbench.errors import UserError
from colliderbench.harness.agent_spec import (
    AgentSpec,
    FailureClass,
    Invocation,
    RunContext,
    TraceSummary,
)
from colliderbench.paths import PACKAGE_DIR

# ------------------------------------------------------------------------------------------------
# finding the programs


def agent_bin_dirs() -> list[Path]:
    """Directories searched for vendor CLIs before ``$PATH``.

    ``$COLLIDERBENCH_AGENT_PATH`` (os.pathsep-separated), then ``.tools/npm/node_modules/.bin`` of
    the source checkout and of the current directory. The sandbox must make these visible (they
    are read-only program directories)."""
    dirs: list[Path] = []
    env = os.environ.get("COLLIDERBENCH_AGENT_PATH")
    if env:
        dirs += [Path(p) for p in env.split(os.pathsep) if p]
    for root in (PACKAGE_DIR.parent.parent, Path.cwd()):
        d = root / ".tools" / "npm" / "node_modules" / ".bin"
        if d.is_dir() and d.resolve() not in [x.resolve() for x in dirs]:
            dirs.append(d)
    return dirs


def find_executable(name: str) -> str | None:
    """Absolute path of a vendor CLI, or None."""
    for d in agent_bin_dirs():
        found = shutil.which(name, path=str(d))
        if found:
            return str(Path(found).absolute())
    return shutil.which(name)


def _program(name: str, install_hint: str) -> str:
    path = find_executable(name)
    if path is None:
        raise UserError(f"the '{name}' program was not found: {install_hint}")
    return path


_NPM_HINT = "run scripts/install_agent_clis.sh (installs the vendor CLIs into .tools/npm)"

# Variables every vendor run gets: no update checks, no telemetry, no colour codes in the stream.
_QUIET = {"NO_COLOR": "1", "CI": "1"}


def _passthrough(names: Iterable[str]) -> dict[str, str]:
    """Host environment variables (API keys, endpoints) forwarded into the sandbox when set."""
    return {n: os.environ[n] for n in names if os.environ.get(n)}


def _home_file(rel: str) -> dict[str, Path]:
    """A credential file of the host user's home, when it exists (copied into the per-run home)."""
    p = Path.home() / rel
    return {rel: p} if p.is_file() else {}


# ------------------------------------------------------------------------------------------------
# stream helpers


def _json_lines(data: bytes) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) of each JSON line; the number is the event's ``line`` (the harness
    stamps it with the line's arrival time when the stream has no time of its own)."""
    for n, line in enumerate(data.decode("utf-8", errors="replace").split("\n")):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            yield n, obj


def classify_error_text(text: str) -> FailureClass | None:
    """Failure class from an error message (HTTP statuses and vendors' wording)."""
    t = text.lower()
    if re.search(
        r"\b(401|403)\b|unauthori[sz]ed|authentication|invalid (x-)?api.?key|incorrect api key|forbidden",
        t,
    ):
        return "auth"
    if re.search(r"\b429\b|rate.?limit|too many requests|quota|resource.?exhausted", t):
        return "rate_limit"
    if re.search(
        r"context.?(window|length)|prompt is too long|too many tokens|maximum context|exceeds the maximum number of tokens",
        t,
    ):
        return "context_window"
    return None


def _int(v: Any) -> int:
    try:
        return int(v or 0)
    except (TypeError, ValueError):
        return 0


def _text_of(content: Any) -> str:
    """Text of a tool result's content (a string or a list of content blocks)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, dict):
                parts.append(
                    str(block.get("text", ""))
                    if block.get("type") == "text"
                    else f"[{block.get('type')}]"
                )
            else:
                parts.append(str(block))
        return "\n".join(parts)
    return "" if content is None else json.dumps(content)


# ------------------------------------------------------------------------------------------------
# Claude Code

_EFFORT_THINKING = {"low": "0", "medium": "8000", "high": "16000", "max": "31999"}


def build_claude_code(ctx: RunContext) -> Invocation:
    """``claude -p --output-format stream-json --verbose``; the prompt on stdin."""
    argv = [
        _program("claude", _NPM_HINT),
        "-p",
        "--output-format",
        "stream-json",
        "--verbose",
        "--dangerously-skip-permissions",  # our sandbox is the permission boundary
    ]
    if ctx.model:
        argv += ["--model", ctx.model]
    env = dict(_QUIET)
    env.update(
        {
            "IS_SANDBOX": "1",  # allow --dangerously-skip-permissions as root inside the sandbox
            "DISABLE_AUTOUPDATER": "1",
            "DISABLE_TELEMETRY": "1",
            "DISABLE_ERROR_REPORTING": "1",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        }
    )
    env.update(
        _passthrough(
            [
                "ANTHROPIC_API_KEY",
                "ANTHROPIC_AUTH_TOKEN",
                "ANTHROPIC_BASE_URL",
                "ANTHROPIC_CUSTOM_HEADERS",
                "CLAUDE_CODE_USE_BEDROCK",
                "CLAUDE_CODE_USE_VERTEX",
                "AWS_REGION",
                "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY",
                "AWS_SESSION_TOKEN",
                "ANTHROPIC_VERTEX_PROJECT_ID",
                "CLOUD_ML_REGION",
                "CLAUDE_CODE_MAX_RETRIES",
            ]
        )
    )
    if ctx.agent_args.get("base_url"):
        env["ANTHROPIC_BASE_URL"] = ctx.agent_args["base_url"]
    if ctx.agent_args.get("api_key_env"):
        env.update(_passthrough([ctx.agent_args["api_key_env"]]))
        if ctx.agent_args["api_key_env"] in env:
            env["ANTHROPIC_API_KEY"] = env[ctx.agent_args["api_key_env"]]
    if ctx.effort in _EFFORT_THINKING:
        env["MAX_THINKING_TOKENS"] = _EFFORT_THINKING[ctx.effort]
    home: dict[str, Path] = {}
    if "ANTHROPIC_API_KEY" not in env and "ANTHROPIC_AUTH_TOKEN" not in env:
        home = _home_file(".claude/.credentials.json")  # a subscription login
    return Invocation(
        argv=argv,
        env=env,
        stdin=ctx.prompt,
        home_files=home,
        native_trace_name="claude.stream.jsonl",
    )


def parse_claude_code(stdout: bytes, stderr: bytes, exit_code: int) -> TraceSummary:
    """Read Claude Code's stream-json: events, tokens and ``total_cost_usd`` from the result."""
    s = TraceSummary()
    last_t: str | None = None
    result: dict[str, Any] | None = None
    stream_error: str | None = None
    per_message: dict[str, dict[str, Any]] = {}  # usage by message id, for killed runs
    result_line: int | None = None
    for n, ev in _json_lines(stdout):
        last_t = ev.get("timestamp")
        kind = ev.get("type")
        if kind == "assistant":
            msg = ev.get("message") or {}
            if ev.get("error"):
                stream_error = str(ev["error"])
            if (
                msg.get("id")
                and isinstance(msg.get("usage"), dict)
                and msg.get("model") != "<synthetic>"
            ):
                per_message[msg["id"]] = msg["usage"]
            for block in msg.get("content") or []:
                btype = block.get("type")
                if btype == "text" and block.get("text"):
                    s.events.append(
                        {"t": last_t, "line": n, "kind": "message", "text": block["text"]}
                    )
                elif btype == "tool_use":
                    inp = block.get("input") or {}
                    if block.get("name") == "Bash" and isinstance(inp, dict):
                        s.events.append(
                            {
                                "t": last_t,
                                "line": n,
                                "kind": "command",
                                "command": inp.get("command", ""),
                                "tool": "Bash",
                                "id": block.get("id"),
                            }
                        )
                    else:
                        s.events.append(
                            {
                                "t": last_t,
                                "line": n,
                                "kind": "tool_call",
                                "tool": block.get("name"),
                                "input": inp,
                                "id": block.get("id"),
                            }
                        )
        elif kind == "user":
            content = (ev.get("message") or {}).get("content")
            if isinstance(content, list):
                for block in content:
                    if isinstance(block, dict) and block.get("type") == "tool_result":
                        s.events.append(
                            {
                                "t": last_t,
                                "line": n,
                                "kind": "output",
                                "id": block.get("tool_use_id"),
                                "text": _text_of(block.get("content")),
                                "is_error": bool(block.get("is_error")),
                            }
                        )
        elif kind == "system" and ev.get("subtype") == "api_retry":
            s.events.append(
                {
                    "t": last_t,
                    "line": n,
                    "kind": "error",
                    "text": f"API retry {ev.get('attempt')}/{ev.get('max_retries')}: "
                    f"status {ev.get('error_status')} ({ev.get('error')})",
                }
            )
        elif kind == "result":
            result, result_line = ev, n
    if result is not None:
        usage = result.get("usage") or {}
        cache_read = _int(usage.get("cache_read_input_tokens"))
        cache_write = _int(usage.get("cache_creation_input_tokens"))
        s.tokens_in = _int(usage.get("input_tokens")) + cache_read + cache_write
        s.tokens_cache = cache_read
        s.tokens_cache_write = cache_write
        s.tokens_out = _int(usage.get("output_tokens"))
        if result.get("total_cost_usd") is not None:
            s.cost_usd = float(result["total_cost_usd"])
            s.cost_source = "vendor"
        if result.get("is_error") or str(result.get("subtype", "")).startswith("error"):
            text = str(result.get("result") or result.get("subtype") or "")
            s.events.append({"t": last_t, "line": result_line, "kind": "error", "text": text})
            status = result.get("api_error_status")
            if status in (401, 403) or stream_error == "authentication_failed":
                s.failure_class = "auth"
            elif status == 429 or stream_error == "rate_limit":
                s.failure_class = "rate_limit"
            elif result.get("terminal_reason") == "prompt_too_long":
                s.failure_class = "context_window"
            else:
                s.failure_class = classify_error_text(text) or "agent_error"
    else:
        # no result event: the run was killed (walltime) or crashed. Count what the assistant
        # messages carry: input and cache tokens are exact, output tokens are a lower bound (the
        # stream repeats the count from message start); the cost then comes from the price table.
        if per_message:
            usages = list(per_message.values())
            read = sum(_int(u.get("cache_read_input_tokens")) for u in usages)
            write = sum(_int(u.get("cache_creation_input_tokens")) for u in usages)
            s.tokens_in = sum(_int(u.get("input_tokens")) for u in usages) + read + write
            s.tokens_cache = read
            s.tokens_cache_write = write
            s.tokens_out = sum(_int(u.get("output_tokens")) for u in usages)
        if exit_code != 0:
            s.failure_class = classify_error_text(stderr.decode("utf-8", errors="replace"))
    return s


# ------------------------------------------------------------------------------------------------
# Codex CLI

_CODEX_EFFORT = {"low": "low", "medium": "medium", "high": "high", "max": "high"}


def build_codex(ctx: RunContext) -> Invocation:
    """``codex exec --json``; a custom Responses-API provider so any base URL works; prompt on stdin."""
    argv = [
        _program("codex", _NPM_HINT),
        "exec",
        "--json",
        "--skip-git-repo-check",
        "--dangerously-bypass-approvals-and-sandbox",  # our sandbox is the boundary
    ]
    if ctx.model:
        argv += ["-m", ctx.model]
    env = dict(_QUIET)
    key_env = ctx.agent_args.get("api_key_env", "OPENAI_API_KEY")
    env.update(_passthrough([key_env, "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"]))
    base_url = ctx.agent_args.get("base_url") or os.environ.get("OPENAI_BASE_URL")
    home: dict[str, Path] = {}
    if key_env in env or base_url:
        provider = "colliderbench"
        argv += [
            "-c",
            f"model_provider={provider}",
            "-c",
            f"model_providers.{provider}.name={provider}",
            "-c",
            f"model_providers.{provider}.base_url={base_url or 'https://api.openai.com/v1'}",
            "-c",
            f"model_providers.{provider}.env_key={key_env}",
            "-c",
            f"model_providers.{provider}.wire_api=responses",
        ]
    else:
        home = _home_file(".codex/auth.json")  # a ChatGPT login
    if ctx.effort in _CODEX_EFFORT:
        argv += ["-c", f"model_reasoning_effort={_CODEX_EFFORT[ctx.effort]}"]
    argv.append("-")  # read the prompt from stdin
    return Invocation(
        argv=argv, env=env, stdin=ctx.prompt, home_files=home, native_trace_name="codex.jsonl"
    )


def parse_codex(stdout: bytes, stderr: bytes, exit_code: int) -> TraceSummary:
    """Read ``codex exec --json`` JSONL: items, per-turn usage, and a failed turn's reason."""
    s = TraceSummary()
    tokens_in = tokens_out = tokens_cache = 0
    saw_usage = False
    for n, ev in _json_lines(stdout):
        kind = ev.get("type")
        t = ev.get("timestamp")
        if kind == "item.completed":
            item = ev.get("item") or {}
            itype = item.get("type")
            iid = item.get("id")
            if itype == "agent_message":
                s.events.append(
                    {"t": t, "line": n, "kind": "message", "text": item.get("text", "")}
                )
            elif itype == "command_execution":
                s.events.append(
                    {
                        "t": t,
                        "line": n,
                        "kind": "command",
                        "command": item.get("command", ""),
                        "tool": "exec",
                        "id": iid,
                    }
                )
                s.events.append(
                    {
                        "t": t,
                        "line": n,
                        "kind": "output",
                        "id": iid,
                        "text": item.get("aggregated_output", ""),
                        "exit_code": item.get("exit_code"),
                    }
                )
            elif itype in ("file_change", "mcp_tool_call", "web_search"):
                inp = {k: v for k, v in item.items() if k not in ("id", "type")}
                s.events.append(
                    {"t": t, "line": n, "kind": "tool_call", "tool": itype, "input": inp, "id": iid}
                )
            elif itype == "error":
                s.events.append(
                    {"t": t, "line": n, "kind": "error", "text": item.get("message", "")}
                )
        elif kind == "turn.completed":
            usage = ev.get("usage") or {}
            saw_usage = True
            tokens_in += _int(usage.get("input_tokens"))
            tokens_cache += _int(usage.get("cached_input_tokens"))
            tokens_out += _int(usage.get("output_tokens"))
        elif kind == "error":
            s.events.append({"t": t, "line": n, "kind": "error", "text": ev.get("message", "")})
        elif kind == "turn.failed":
            msg = str((ev.get("error") or {}).get("message", ""))
            s.events.append({"t": t, "line": n, "kind": "error", "text": msg})
            s.failure_class = classify_error_text(msg) or "agent_error"
    if saw_usage:
        s.tokens_in, s.tokens_out, s.tokens_cache = tokens_in, tokens_out, tokens_cache
    if s.failure_class is None and exit_code != 0:
        s.failure_class = classify_error_text(stderr.decode("utf-8", errors="replace"))
    return s


# ------------------------------------------------------------------------------------------------
# Gemini CLI

GEMINI_SETTINGS = Path(__file__).resolve().parent / "data" / "gemini-settings.json"


def build_gemini(ctx: RunContext) -> Invocation:
    """``gemini --output-format stream-json --yolo -p PROMPT`` (headless mode)."""
    argv = [
        _program("gemini", _NPM_HINT),
        "--output-format",
        "stream-json",
        "--yolo",  # auto-approve tool calls: our sandbox is the boundary
    ]
    if ctx.model:
        argv += ["-m", ctx.model]
    argv += ["-p", ctx.prompt]
    env = dict(_QUIET)
    env.update(
        _passthrough(
            [
                "GEMINI_API_KEY",
                "GOOGLE_API_KEY",
                "GOOGLE_GEMINI_BASE_URL",
                "GOOGLE_CLOUD_PROJECT",
                "GOOGLE_CLOUD_LOCATION",
                "GOOGLE_GENAI_USE_VERTEXAI",
            ]
        )
    )
    if ctx.agent_args.get("base_url"):
        env["GOOGLE_GEMINI_BASE_URL"] = ctx.agent_args["base_url"]
    if "GEMINI_API_KEY" in env or "GOOGLE_API_KEY" in env:
        # API-key auth, and no folder-trust prompt (it would silently turn --yolo off)
        home = {".gemini/settings.json": GEMINI_SETTINGS}
    else:
        home = {**_home_file(".gemini/oauth_creds.json"), **_home_file(".gemini/settings.json")}
    return Invocation(argv=argv, env=env, home_files=home, native_trace_name="gemini.stream.jsonl")


def parse_gemini(stdout: bytes, stderr: bytes, exit_code: int) -> TraceSummary:
    """Read Gemini CLI's stream-json (init, message, tool_use, tool_result, error, result)."""
    s = TraceSummary()
    pending_text: list[str] = []
    pending_t: str | None = None
    pending_line = 0

    def flush() -> None:
        nonlocal pending_text
        if pending_text:
            s.events.append(
                {
                    "t": pending_t,
                    "line": pending_line,
                    "kind": "message",
                    "text": "".join(pending_text),
                }
            )
            pending_text = []

    for n, ev in _json_lines(stdout):
        kind = ev.get("type")
        t = ev.get("timestamp")
        if kind == "message" and ev.get("role") == "assistant":
            if not pending_text:
                pending_t, pending_line = t, n
            pending_text.append(str(ev.get("content", "")))
            if not ev.get("delta"):
                flush()
            continue
        flush()
        if kind == "tool_use":
            params = ev.get("parameters") or {}
            name = ev.get("tool_name")
            if name in ("run_shell_command", "shell") and isinstance(params, dict):
                s.events.append(
                    {
                        "t": t,
                        "line": n,
                        "kind": "command",
                        "command": params.get("command", ""),
                        "tool": name,
                        "id": ev.get("tool_id"),
                    }
                )
            else:
                s.events.append(
                    {
                        "t": t,
                        "line": n,
                        "kind": "tool_call",
                        "tool": name,
                        "input": params,
                        "id": ev.get("tool_id"),
                    }
                )
        elif kind == "tool_result":
            out = ev.get("output")
            if out is None and isinstance(ev.get("error"), dict):
                out = ev["error"].get("message")
            s.events.append(
                {
                    "t": t,
                    "line": n,
                    "kind": "output",
                    "id": ev.get("tool_id"),
                    "text": _text_of(out),
                    "is_error": ev.get("status") == "error",
                }
            )
        elif kind == "error":
            s.events.append(
                {"t": t, "line": n, "kind": "error", "text": str(ev.get("message", ""))}
            )
        elif kind == "result":
            stats = ev.get("stats") or {}
            if stats:
                s.tokens_in = _int(
                    stats.get("input_tokens", stats.get("inputTokens", stats.get("input")))
                )
                s.tokens_out = _int(stats.get("output_tokens", stats.get("outputTokens")))
                s.tokens_cache = _int(stats.get("cached", stats.get("cached_tokens")))
            if ev.get("status") not in (None, "success"):
                err = ev.get("error") or {}
                text = str(err.get("message", err) if isinstance(err, dict) else err)
                s.events.append({"t": t, "line": n, "kind": "error", "text": text})
                s.failure_class = classify_error_text(text) or "agent_error"
    flush()
    if s.failure_class is None and exit_code != 0:
        s.failure_class = classify_error_text(stderr.decode("utf-8", errors="replace"))
    return s


# ------------------------------------------------------------------------------------------------
# Forge (antinomyhq/forge) and Aider: plain-text CLIs


def build_forge(ctx: RunContext) -> Invocation:
    """``forge -p PROMPT``. Forge picks its model from its own configuration (``forge.yaml``,
    ``forge config``); ``--model`` is recorded but the provider's keys decide the endpoint."""
    argv = [_program("forge", "npm install --prefix .tools/npm forgecode"), "-p", ctx.prompt]
    env = dict(_QUIET)
    env.update(
        _passthrough(
            [
                "FORGE_KEY",
                "OPENROUTER_API_KEY",
                "OPENAI_API_KEY",
                "OPENAI_URL",
                "ANTHROPIC_API_KEY",
                "ANTHROPIC_URL",
            ]
        )
    )
    if ctx.agent_args.get("base_url"):
        env["OPENAI_URL"] = ctx.agent_args["base_url"]
    return Invocation(argv=argv, env=env, native_trace_name="forge.txt")


def parse_plain_text(stdout: bytes, stderr: bytes, exit_code: int) -> TraceSummary:
    """A CLI without a machine-readable stream: one message event; no tokens; errors by wording."""
    s = TraceSummary()
    raw = stdout.decode("utf-8", errors="replace")
    text = raw.strip()
    if text:
        first = raw[: len(raw) - len(raw.lstrip())].count("\n")  # its first non-empty line
        s.events.append({"t": None, "line": first, "kind": "message", "text": text})
    if exit_code != 0:
        err = stderr.decode("utf-8", errors="replace")
        if err.strip():
            s.events.append({"t": None, "kind": "error", "text": err.strip()[-4000:]})
        s.failure_class = classify_error_text(err + "\n" + text[-4000:])
    return s


def build_aider(ctx: RunContext) -> Invocation:
    """``aider --message PROMPT --yes-always`` (one request-answer session, no git, no streaming)."""
    argv = [
        _program("aider", "pip install aider-chat (or uv tool install aider-chat)"),
        "--message",
        ctx.prompt,
        "--yes-always",
        "--no-git",
        "--no-auto-commits",
        "--no-pretty",
        "--no-stream",
        "--no-check-update",
        "--no-show-model-warnings",
        "--analytics-disable",
    ]
    if ctx.model:
        argv += ["--model", ctx.model]
    if ctx.agent_args.get("base_url"):
        argv += ["--openai-api-base", ctx.agent_args["base_url"]]
    env = dict(_QUIET)
    env.update(
        _passthrough(
            [
                "ANTHROPIC_API_KEY",
                "OPENAI_API_KEY",
                "OPENAI_API_BASE",
                "GEMINI_API_KEY",
                "OPENROUTER_API_KEY",
            ]
        )
    )
    return Invocation(argv=argv, env=env, native_trace_name="aider.txt")


_AIDER_TOKENS = re.compile(r"^Tokens:\s*(?P<body>.*?)(?:\.\s*Cost:\s*(?P<cost>.*))?$", re.MULTILINE)


def _aider_number(s: str) -> int:
    m = re.match(r"([\d.,]+)\s*([kKmM]?)", s.strip())
    if not m:
        return 0
    value = float(m.group(1).replace(",", ""))
    return int(round(value * {"": 1, "k": 1e3, "m": 1e6}[m.group(2).lower()]))


def parse_aider(stdout: bytes, stderr: bytes, exit_code: int) -> TraceSummary:
    """Aider prints ``Tokens: 4.1k sent, 2.0k cache hit, 250 received. Cost: $0.02 message,
    $0.05 session.`` after each exchange: sum the tokens, keep the last session cost."""
    s = parse_plain_text(stdout, stderr, exit_code)
    text = stdout.decode("utf-8", errors="replace")
    found = False
    tin = tout = tcache = 0
    session_cost: float | None = None
    for m in _AIDER_TOKENS.finditer(text):
        found = True
        for number, what in re.findall(
            r"([\d.,]+\s*[kKmM]?)\s+(sent|received|cache hit)", m.group("body")
        ):
            if what == "sent":
                tin += _aider_number(number)
            elif what == "received":
                tout += _aider_number(number)
            else:
                tcache += _aider_number(number)
        cm = re.search(r"\$([\d.]+)\s+session", m.group("cost") or "")
        if cm:
            session_cost = float(cm.group(1))
    if found:
        s.tokens_in, s.tokens_out, s.tokens_cache = tin + tcache, tout, tcache
    if session_cost is not None:
        s.cost_usd, s.cost_source = session_cost, "vendor"
    if s.failure_class is None:
        for pattern, cls in (
            (r"AuthenticationError", "auth"),
            (r"RateLimitError", "rate_limit"),
            (r"ContextWindowExceeded", "context_window"),
        ):
            if re.search(pattern, text):
                s.failure_class = cls  # type: ignore[assignment]
                break
    return s


# ------------------------------------------------------------------------------------------------
# the registry the harness imports


def _exe(name: str) -> tuple[str, ...]:
    """The program a spec needs, as an absolute path when we can find it (else its name)."""
    return (find_executable(name) or name,)


VENDOR_AGENTS: list[AgentSpec] = [
    AgentSpec(
        name="claude-code",
        build=build_claude_code,
        parse=parse_claude_code,
        executables=_exe("claude"),
        description="Anthropic Claude Code CLI (@anthropic-ai/claude-code), stream-json; cost from the CLI",
    ),
    AgentSpec(
        name="codex",
        build=build_codex,
        parse=parse_codex,
        executables=_exe("codex"),
        description="OpenAI Codex CLI (@openai/codex), exec --json; cost from the price table",
    ),
    AgentSpec(
        name="gemini",
        build=build_gemini,
        parse=parse_gemini,
        executables=_exe("gemini"),
        description="Google Gemini CLI (@google/gemini-cli), stream-json; cost from the price table",
    ),
    AgentSpec(
        name="forge",
        build=build_forge,
        parse=parse_plain_text,
        needs_model=False,
        executables=_exe("forge"),
        description="Forge (forgecode), plain-text output; no token counts",
    ),
    AgentSpec(
        name="aider",
        build=build_aider,
        parse=parse_aider,
        executables=_exe("aider"),
        description="Aider (aider-chat), one --message session; tokens and cost from its summary lines",
    ),
]
