"""The built-in baseline agent: one tool-using loop over a model API, run inside the sandbox.

    python -m colliderbench.agents.api --provider anthropic|openai --model M [--base-url URL]
        [--max-cost-usd X] [--max-total-tokens N] [--walltime SECONDS] < prompt

``--provider anthropic`` speaks the Messages API (official ``anthropic`` SDK), ``--provider openai``
Chat Completions with tool calls (official ``openai`` SDK; what vLLM, Ollama and llama.cpp serve).
The model gets four tools, with exactly these names and arguments:

- ``bash {command}``: runs ``bash -c command`` in the workspace (a fresh shell each time); stdout and
  stderr combined, cut to :data:`OUTPUT_LIMIT` characters (head and tail kept, with a note);
- ``read_file {path}``: a text file, cut at the same limit;
- ``write_file {path, content}``: creates or replaces a file (and its directories);
- ``edit_file {path, old, new}``: replaces the one occurrence of ``old`` with ``new``.

The loop stops when the model ends its turn without a tool call, at the walltime, or when the
cost budget (priced models only) or the token budget (input + output tokens over all calls) is
spent. A reply cut off at the output limit without a tool call is not an end: the model is asked
to continue, :data:`MAX_CONTINUES` times in a row at most. Rate limits (429), overload (529) and server errors (5xx) are retried with
exponential backoff (honouring ``retry-after``). The trace is printed on stdout as the harness's
normalised events (JSON lines): every model call is a ``message`` event carrying ``tokens_in``,
``tokens_out``, ``tokens_cache`` and ``cost_usd`` (price table), every tool call a ``command`` or
``tool_call`` event followed by its ``output``; a run that ends badly ends with an ``error`` event
carrying ``failure_class``. Exit status: 0 done, 124 walltime or budget reached, 1 failure.
"""

from __future__ import annotations

import argparse
import codecs
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from colliderbench.harness.agent_spec import AgentSpec, Invocation, RunContext, TraceSummary

OUTPUT_LIMIT = 30_000  # characters of tool output returned to the model
COMMAND_TIMEOUT_S = 3600.0  # longest single bash command (the walltime also bounds it)
DEFAULT_MAX_TOKENS = 16_384
MAX_CONTINUES = 3  # consecutive replies cut off at the output limit before giving up
CUT_OFF = ("max_tokens", "length")  # the stop reason of such a reply: Messages, Chat Completions
CONTINUE_PROMPT = (
    "Your reply was cut off at the output token limit. Continue where you stopped; write long "
    "files in several smaller tool calls."
)

SYSTEM_PROMPT = """\
You are an autonomous agent working alone in a sandboxed Linux workspace (your current directory).
Nobody will answer questions: decide, act, and check your work. Use the tools:
- bash: run a shell command (fresh bash each call, starting in the workspace; `cd` does not persist).
- read_file, write_file, edit_file: read, create or change files.
Tool output longer than {limit} characters is cut (head and tail kept). When the task is complete,
reply with a short summary and no tool call: that ends the session."""

TOOLS: list[dict[str, Any]] = [
    {
        "name": "bash",
        "description": (
            "Run a shell command with `bash -c` in the workspace directory and return its combined "
            f"stdout and stderr and exit code. Output beyond {OUTPUT_LIMIT} characters is cut "
            "(the head and tail are kept, with a note). Each call is a fresh shell."
        ),
        "parameters": {
            "type": "object",
            "properties": {
                "command": {"type": "string", "description": "The shell command to run."}
            },
            "required": ["command"],
        },
    },
    {
        "name": "read_file",
        "description": f"Read a text file (path relative to the workspace or absolute). Cut at {OUTPUT_LIMIT} characters.",
        "parameters": {
            "type": "object",
            "properties": {"path": {"type": "string", "description": "File to read."}},
            "required": ["path"],
        },
    },
    {
        "name": "write_file",
        "description": "Create or overwrite a file with the given content (parent directories are created).",
        "parameters": {
            "type": "object",
            "properties": {
                "path": {"type": "string", "description": "File to write."},
                "content": {"type": "string", "description": "The complete new content."},
            },
            "required": ["path", "content"],
        },
    },
    {
        "name": "edit_file",
        "description": "Replace the single occurrence of `old` in a file with `new` (fails if `old` occurs zero or several times).",
        "parameters": {
            "type": "object",
            "properties": {
                "path": {"type": "string", "description": "File to edit."},
                "old": {"type": "string", "description": "Exact text to replace; must occur once."},
                "new": {"type": "string", "description": "Replacement text."},
            },
            "required": ["path", "old", "new"],
        },
    },
]

EXIT_OK, EXIT_FAILED, EXIT_BUDGET = 0, 1, 124


# ------------------------------------------------------------------------------------------------
# events


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def emit(kind: str, **fields: Any) -> None:
    """Print one normalised event as a JSON line on stdout (flushed at once)."""
    sys.stdout.write(json.dumps({"t": _now(), "kind": kind, **fields}) + "\n")
    sys.stdout.flush()


def log(msg: str) -> None:
    """A human-readable progress line on stderr."""
    sys.stderr.write(f"[api-agent] {msg}\n")
    sys.stderr.flush()


# ------------------------------------------------------------------------------------------------
# tools


def truncate(text: str, limit: int = OUTPUT_LIMIT) -> str:
    """Keep the head and tail of ``text`` within ``limit`` characters, with a note in between."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return _cut(text[:half], len(text) - 2 * half, text[-half:], limit)


def _cut(head: str, omitted: int, tail: str, limit: int) -> str:
    return (
        head + f"\n[... {omitted} characters omitted: output is cut at {limit} characters; "
        "redirect to a file and read parts of it to see more ...]\n" + tail
    )


def read_cut(f: BinaryIO, limit: int = OUTPUT_LIMIT) -> str:
    """``truncate(f's whole text)``, streamed: a huge output never sits in memory whole."""
    size = f.seek(0, os.SEEK_END)
    f.seek(0)
    if size <= 4 * limit:  # at most 4 bytes a character: small enough to read at once
        return truncate(f.read().decode("utf-8", errors="replace"), limit)
    half = limit // 2
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    head = tail = ""
    n = 0
    while True:
        chunk = f.read(1 << 20)
        text = decoder.decode(chunk, final=not chunk)
        n += len(text)
        head += text[: half - len(head)]
        tail = (tail + text)[-half:]
        if not chunk:
            break
    return _cut(head, n - 2 * half, tail, limit)


class ToolError(Exception):
    """A tool call the model got wrong; its message goes back to the model."""


_running: list[subprocess.Popen[bytes]] = []  # the command in flight, killed on SIGTERM


def run_bash(command: str, timeout_s: float) -> str:
    """Run ``bash -c command`` in its own process group; kill the group at the timeout.

    The output goes to a temporary file, not a pipe, so that only its head and tail are read."""
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(
            ["bash", "-c", command],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _running.append(proc)
        try:
            proc.wait(timeout=max(1.0, timeout_s))
            timed_out = False
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            proc.wait()
            timed_out = True
        finally:
            _running.remove(proc)
        text = read_cut(out)
    if timed_out:
        return text + f"\n[command killed after {timeout_s:.0f} s]"
    return text + f"\n[exit code {proc.returncode}]"


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=3)
            return
        except subprocess.TimeoutExpired:
            continue


def _str_arg(args: dict[str, Any], name: str) -> str:
    if name not in args:
        raise ToolError(f"missing argument '{name}'")
    value = args[name]
    if not isinstance(value, str):
        raise ToolError(f"argument '{name}' must be a string")
    return value


def execute_tool(name: str, args: Any, timeout_s: float) -> str:
    """Run one tool call; raise :class:`ToolError` for a malformed call."""
    if not isinstance(args, dict):
        raise ToolError("the tool input must be a JSON object with the documented arguments")
    if name == "bash":
        return run_bash(_str_arg(args, "command"), timeout_s)
    if name == "read_file":
        path = Path(_str_arg(args, "path"))
        try:
            with path.open("rb") as f:
                return read_cut(f)
        except OSError as exc:
            raise ToolError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if name == "write_file":
        path = Path(_str_arg(args, "path"))
        content = _str_arg(args, "content")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
        except OSError as exc:
            raise ToolError(f"cannot write {path}: {exc.strerror or exc}") from exc
        return f"wrote {len(content.encode())} bytes to {path}"
    if name == "edit_file":
        path = Path(_str_arg(args, "path"))
        old, new = _str_arg(args, "old"), _str_arg(args, "new")
        try:
            text = path.read_text()
        except OSError as exc:
            raise ToolError(f"cannot read {path}: {exc.strerror or exc}") from exc
        count = text.count(old) if old else 0
        if count != 1:
            raise ToolError(f"'old' occurs {count} times in {path}; it must occur exactly once")
        path.write_text(text.replace(old, new, 1))
        return f"edited {path}"
    raise ToolError(f"unknown tool '{name}'; the tools are bash, read_file, write_file, edit_file")


# ------------------------------------------------------------------------------------------------
# one model call, provider-neutral


@dataclass
class Call:
    """A tool call parsed from a model reply; ``args`` is None when its JSON did not parse."""

    id: str
    name: str
    args: Any
    raw: str = ""


@dataclass
class Reply:
    """What the loop needs from one model reply."""

    text: str
    calls: list[Call]
    stop_reason: str | None
    tokens_in: int
    tokens_out: int
    tokens_cache: int
    cache_write: int = 0


class ApiFailure(Exception):
    """A model call that failed for good; ``failure_class`` as the harness defines them."""

    def __init__(self, failure_class: str, message: str) -> None:
        super().__init__(message)
        self.failure_class = failure_class


@dataclass
class Conversation:
    """The provider-specific message history and the call to extend it."""

    provider: str
    client: Any
    model: str
    max_tokens: int
    effort: str | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)

    # -- the call ------------------------------------------------------------------------------
    def ask(self, timeout_s: float) -> Reply:
        """One model request with the current history."""
        if self.provider == "anthropic":
            return self._ask_anthropic(timeout_s)
        return self._ask_openai(timeout_s)

    def _ask_anthropic(self, timeout_s: float) -> Reply:
        messages = _with_cache_breakpoint(self.messages)
        kwargs: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "system": [
                {
                    "type": "text",
                    "text": SYSTEM_PROMPT.format(limit=OUTPUT_LIMIT),
                    "cache_control": {"type": "ephemeral"},
                }
            ],
            "messages": messages,
            "tools": [
                {
                    "name": t["name"],
                    "description": t["description"],
                    "input_schema": t["parameters"],
                }
                for t in TOOLS
            ],
            "timeout": timeout_s,
        }
        budget = {"low": 2048, "medium": 8192, "high": 16384, "max": 32000}.get(self.effort or "")
        if budget:
            kwargs["thinking"] = {"type": "enabled", "budget_tokens": budget}
            kwargs["max_tokens"] = max(self.max_tokens, budget + 8192)
        resp = self.client.messages.create(**kwargs)
        text_parts: list[str] = []
        calls: list[Call] = []
        history: list[dict[str, Any]] = []
        for block in resp.content:
            data = (
                block.model_dump(exclude_none=True) if hasattr(block, "model_dump") else dict(block)
            )
            if data.get("type") == "text":
                text_parts.append(data.get("text", ""))
            elif data.get("type") == "tool_use":
                inp = data.get("input")
                if isinstance(inp, dict):
                    calls.append(Call(data["id"], data.get("name", ""), inp, json.dumps(inp)))
                else:  # not a JSON object: a malformed call
                    calls.append(Call(data["id"], data.get("name", ""), None, str(inp)))
                    data["input"] = {}
            history.append(data)
        self.messages.append(
            {"role": "assistant", "content": history or [{"type": "text", "text": "(empty)"}]}
        )
        u = resp.usage
        read = int(getattr(u, "cache_read_input_tokens", 0) or 0)
        write = int(getattr(u, "cache_creation_input_tokens", 0) or 0)
        return Reply(
            text="".join(text_parts),
            calls=calls,
            stop_reason=resp.stop_reason,
            tokens_in=int(u.input_tokens or 0) + read + write,
            tokens_out=int(u.output_tokens or 0),
            tokens_cache=read,
            cache_write=write,
        )

    def _ask_openai(self, timeout_s: float) -> Reply:
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT.format(limit=OUTPUT_LIMIT)},
                *self.messages,
            ],
            "tools": [{"type": "function", "function": t} for t in TOOLS],
            "timeout": timeout_s,
        }
        if self.max_tokens:
            # OpenAI's own endpoint wants max_completion_tokens; local servers know max_tokens
            official = "api.openai.com" in str(getattr(self.client, "base_url", ""))
            kwargs["max_completion_tokens" if official else "max_tokens"] = self.max_tokens
        if self.effort:
            kwargs["reasoning_effort"] = {"max": "high"}.get(self.effort, self.effort)
        resp = self.client.chat.completions.create(**kwargs)
        if not resp.choices:
            raise ApiFailure("agent_error", "the server returned no choices")
        choice = resp.choices[0]
        msg = choice.message
        calls: list[Call] = []
        history: dict[str, Any] = {"role": "assistant", "content": msg.content or ""}
        raw_calls = []
        for tc in msg.tool_calls or []:
            fn = getattr(tc, "function", None)
            name = getattr(fn, "name", "") or ""
            raw = getattr(fn, "arguments", "") or ""
            try:
                args: Any = json.loads(raw) if raw.strip() else {}
            except json.JSONDecodeError:
                args = None
            calls.append(Call(tc.id, name, args, raw))
            raw_calls.append(
                {"id": tc.id, "type": "function", "function": {"name": name, "arguments": raw}}
            )
        if raw_calls:
            history["tool_calls"] = raw_calls
        self.messages.append(history)
        u = resp.usage
        details = getattr(u, "prompt_tokens_details", None) if u else None
        cached = int(getattr(details, "cached_tokens", 0) or 0) if details else 0
        return Reply(
            text=msg.content or "",
            calls=calls,
            stop_reason=choice.finish_reason,
            tokens_in=int(getattr(u, "prompt_tokens", 0) or 0),
            tokens_out=int(getattr(u, "completion_tokens", 0) or 0),
            tokens_cache=cached,
        )

    # -- history -------------------------------------------------------------------------------
    def add_user(self, text: str) -> None:
        """A user message: the prompt, or the request to continue a cut-off reply."""
        self.messages.append({"role": "user", "content": text})

    def add_results(self, results: list[tuple[Call, str, bool]]) -> None:
        """Tool results, in the provider's form."""
        if self.provider == "anthropic":
            self.messages.append(
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "tool_result",
                            "tool_use_id": c.id,
                            "content": out,
                            "is_error": err,
                        }
                        for c, out, err in results
                    ],
                }
            )
        else:
            for c, out, _ in results:
                self.messages.append({"role": "tool", "tool_call_id": c.id, "content": out})


def _with_cache_breakpoint(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A copy of the history with one prompt-cache breakpoint on the last user content block."""
    out = list(messages)
    for i in range(len(out) - 1, -1, -1):
        if out[i]["role"] == "user":
            content = out[i]["content"]
            blocks: list[dict[str, Any]] = (
                [{"type": "text", "text": content}]
                if isinstance(content, str)
                else [dict(b) for b in content]
            )
            if blocks:
                blocks[-1] = {**blocks[-1], "cache_control": {"type": "ephemeral"}}
            out[i] = {"role": "user", "content": blocks}
            break
    return out


# ------------------------------------------------------------------------------------------------
# retries and error classes


def _status_of(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    return int(status) if isinstance(status, int) else None


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if not headers:
        return None
    for key, scale in (("retry-after-ms", 1e-3), ("retry-after", 1.0)):
        value = headers.get(key)
        if value is not None:
            try:
                return float(value) * scale
            except ValueError:
                continue
    return None


def classify_exception(exc: BaseException) -> tuple[str, bool]:
    """(failure_class, retryable) for an SDK exception."""
    status = _status_of(exc)
    text = str(exc).lower()
    name = type(exc).__name__
    if status in (401, 403) or name in ("AuthenticationError", "PermissionDeniedError"):
        return "auth", False
    if status == 429 or name == "RateLimitError":
        if "insufficient_quota" in text or "credit balance" in text:
            return "rate_limit", False
        return "rate_limit", True
    if status == 400 and any(
        k in text
        for k in (
            "prompt is too long",
            "context_length_exceeded",
            "context length",
            "maximum context",
            "too many tokens",
        )
    ):
        return "context_window", False
    if status is not None and (status >= 500 or status in (408, 409)):
        return "agent_error", True
    if name in ("APIConnectionError", "APITimeoutError", "ConnectError", "ReadTimeout"):
        return "agent_error", True
    return "agent_error", False


def call_with_retries(
    ask: Callable[[float], Reply],
    deadline: float,
    *,
    max_retries: int,
    base_s: float,
    cap_s: float = 60.0,
) -> Reply:
    """Call ``ask`` until it succeeds, retrying retryable errors with exponential backoff."""
    attempt = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ApiFailure("timeout", "walltime reached while waiting for the model")
        try:
            return ask(min(600.0, remaining))
        except ApiFailure:
            raise
        except Exception as exc:  # the SDKs' error hierarchy differs; classify by status and name
            failure, retryable = classify_exception(exc)
            message = f"{type(exc).__name__}: {exc}"
            if not retryable or attempt >= max_retries:
                raise ApiFailure(failure, message) from exc
            delay = _retry_after(exc)
            if delay is None:
                delay = min(cap_s, base_s * 2**attempt) * (0.5 + random.random() / 2)
            delay = min(delay, cap_s, max(0.0, deadline - time.monotonic()))
            attempt += 1
            emit(
                "error",
                text=f"retry {attempt}/{max_retries} in {delay:.1f} s after {message[:500]}",
                retry=attempt,
            )
            log(f"retry {attempt}/{max_retries} in {delay:.1f} s: {message[:200]}")
            time.sleep(delay)


# ------------------------------------------------------------------------------------------------
# the loop


def make_client(provider: str, base_url: str | None, api_key: str | None) -> Any:
    """The official SDK client, with its own retries off (we retry and log)."""
    if provider == "anthropic":
        import anthropic

        return anthropic.Anthropic(api_key=api_key or "none", base_url=base_url, max_retries=0)
    import openai

    return openai.OpenAI(api_key=api_key or "none", base_url=base_url, max_retries=0)


def run(args: argparse.Namespace, prompt: str) -> int:
    """The agent loop; returns the exit status."""
    from colliderbench.harness.cost import cost_usd, load_prices

    deadline = time.monotonic() + args.walltime if args.walltime else float("inf")
    anthropic = args.provider == "anthropic"
    key_env = args.api_key_env or ("ANTHROPIC_API_KEY" if anthropic else "OPENAI_API_KEY")
    base_env = "ANTHROPIC_BASE_URL" if anthropic else "OPENAI_BASE_URL"
    api_key = os.environ.get(key_env)
    # a key-less local server is fine, given by --base-url or by the SDK's own variable
    if not api_key and not (args.base_url or os.environ.get(base_env)):
        emit(
            "error",
            text=f"no API key: set {key_env} (or --base-url / {base_env} for a local server)",
            failure_class="auth",
        )
        return EXIT_FAILED
    table = load_prices()
    if args.max_cost_usd is not None and table.lookup(args.model) is None:
        # refuse rather than run without the budget the user asked for
        emit(
            "error",
            text=f"no price for model {args.model!r} in the table of {table.as_of}: the cost "
            "budget cannot be enforced; use --max-total-tokens instead",
            failure_class="harness_error",
        )
        return EXIT_FAILED
    client = make_client(args.provider, args.base_url, api_key)
    max_tokens = args.max_tokens
    if max_tokens is None and anthropic:
        max_tokens = DEFAULT_MAX_TOKENS  # the Messages API requires a limit; Chat Completions not
    conv = Conversation(args.provider, client, args.model, max_tokens or 0, args.effort)
    conv.add_user(prompt)
    spent = 0.0
    tokens = turn = cut_offs = 0
    emit("message", role="user", text=prompt)
    while True:
        turn += 1
        try:
            reply = call_with_retries(
                conv.ask, deadline, max_retries=args.max_retries, base_s=args.retry_base_s
            )
        except ApiFailure as exc:
            emit("error", text=str(exc)[:4000], failure_class=exc.failure_class)
            log(f"stopped: {exc.failure_class}: {str(exc)[:200]}")
            return EXIT_BUDGET if exc.failure_class == "timeout" else EXIT_FAILED
        cost = cost_usd(
            args.model,
            reply.tokens_in,
            reply.tokens_out,
            reply.tokens_cache,
            reply.cache_write,
            table=table,
        )
        spent += cost or 0.0
        tokens += reply.tokens_in + reply.tokens_out
        emit(
            "message",
            role="assistant",
            text=reply.text,
            turn=turn,
            model=args.model,
            stop_reason=reply.stop_reason,
            tokens_in=reply.tokens_in,
            tokens_out=reply.tokens_out,
            tokens_cache=reply.tokens_cache,
            cost_usd=cost,
        )
        if reply.calls:
            conv.add_results(run_calls(reply.calls, deadline))
            cut_offs = 0
        elif reply.stop_reason in CUT_OFF:
            # cut off mid-thought is not the end of the task: ask for the rest, a few times
            cut_offs += 1
            if cut_offs > MAX_CONTINUES:
                emit(
                    "error",
                    text=f"{cut_offs} replies in a row cut off at the output token limit",
                    failure_class="agent_error",
                )
                log("stopped: replies cut off at the output limit")
                return EXIT_FAILED
            emit("message", role="user", text=CONTINUE_PROMPT)
            conv.add_user(CONTINUE_PROMPT)
        else:
            log(f"model ended its turn after {turn} calls; ${spent:.4f}, {tokens} tokens")
            return EXIT_OK
        reason = budget_reached(args, deadline, spent, tokens)
        if reason:
            emit("error", text=reason, failure_class="timeout")
            log(f"stopped: {reason}")
            return EXIT_BUDGET


def run_calls(calls: list[Call], deadline: float) -> list[tuple[Call, str, bool]]:
    """Run one reply's tool calls, tracing each; a malformed call's error goes to the model."""
    results: list[tuple[Call, str, bool]] = []
    for call in calls:
        if (
            call.name == "bash"
            and isinstance(call.args, dict)
            and isinstance(call.args.get("command"), str)
        ):
            emit("command", command=call.args["command"], tool="bash", id=call.id)
        else:
            emit(
                "tool_call",
                tool=call.name,
                input=call.args if call.args is not None else call.raw,
                id=call.id,
            )
        remaining = deadline - time.monotonic()
        try:
            if call.args is None:
                raise ToolError(f"the arguments are not valid JSON: {call.raw[:200]!r}")
            out = execute_tool(call.name, call.args, min(COMMAND_TIMEOUT_S, remaining))
            is_error = False
        except ToolError as exc:
            out, is_error = f"error: {exc}", True
        emit("output", id=call.id, text=out, is_error=is_error)
        results.append((call, out, is_error))
    return results


def budget_reached(
    args: argparse.Namespace, deadline: float, spent: float, tokens: int
) -> str | None:
    """Why the loop must stop now (walltime, cost or token budget), or None."""
    if time.monotonic() >= deadline:
        return "walltime reached"
    if args.max_cost_usd is not None and spent >= args.max_cost_usd:
        return f"cost budget reached: ${spent:.4f} >= ${args.max_cost_usd:.4f}"
    if args.max_total_tokens is not None and tokens >= args.max_total_tokens:
        return f"token budget reached: {tokens} >= {args.max_total_tokens} tokens (input + output)"
    return None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m colliderbench.agents.api", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--provider", choices=["anthropic", "openai"], required=True)
    p.add_argument("--model", required=True)
    p.add_argument(
        "--base-url",
        default=None,
        help="API endpoint (default: the provider's, or $ANTHROPIC_BASE_URL / $OPENAI_BASE_URL)",
    )
    p.add_argument(
        "--api-key-env",
        default=None,
        help="variable holding the API key (default ANTHROPIC_API_KEY / OPENAI_API_KEY)",
    )
    p.add_argument(
        "--max-cost-usd",
        type=float,
        default=None,
        help="stop when the price-table cost reaches this (priced models only)",
    )
    p.add_argument(
        "--max-total-tokens",
        type=int,
        default=None,
        help="stop when input + output tokens, summed over all calls, reach this",
    )
    p.add_argument(
        "--walltime", type=float, default=None, help="seconds; stop the loop when they are spent"
    )
    p.add_argument(
        "--max-tokens",
        type=int,
        default=None,
        help=f"output tokens per model call (Anthropic default {DEFAULT_MAX_TOKENS}; OpenAI: the server's default)",
    )
    p.add_argument("--effort", choices=["low", "medium", "high", "max"], default=None)
    p.add_argument("--max-retries", type=int, default=8)
    p.add_argument(
        "--retry-base-s", type=float, default=2.0, help="first backoff delay without retry-after"
    )
    p.add_argument(
        "--prompt-file", default=None, help="read the prompt from this file instead of stdin"
    )
    return p.parse_args(argv)


def _on_sigterm(signum: int, frame: object) -> None:
    """The harness's walltime kill: take the running command's process group along, then exit."""
    for proc in list(_running):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    emit("error", text="terminated by SIGTERM", failure_class="timeout")
    sys.exit(143)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m colliderbench.agents.api``."""
    args = parse_args(argv)
    prompt = Path(args.prompt_file).read_text() if args.prompt_file else sys.stdin.read()
    if not prompt.strip():
        emit("error", text="empty prompt", failure_class="harness_error")
        return EXIT_FAILED
    signal.signal(signal.SIGTERM, _on_sigterm)
    return run(args, prompt)


# ------------------------------------------------------------------------------------------------
# the harness's view: AgentSpec


def _provider_of(ctx: RunContext) -> str:
    provider = ctx.agent_args.get("provider")
    if provider:
        if provider not in ("anthropic", "openai"):
            from colliderbench.errors import UserError

            raise UserError(f"--provider must be anthropic or openai, not {provider!r}")
        return provider
    return "anthropic" if (ctx.model or "").lower().startswith("claude") else "openai"


# the agent args build_api knows; the numeric ones with their type
AGENT_ARGS = ("provider", "base_url", "api_key_env")
NUMERIC_ARGS: dict[str, type] = {
    "max_cost_usd": float,
    "max_total_tokens": int,
    "max_tokens": int,
    "max_retries": int,
    "retry_base_s": float,
}


def _check_agent_args(ctx: RunContext) -> None:
    """A misspelt or non-numeric --agent-arg is a user error before any run, not ignored."""
    from colliderbench.errors import UserError

    allowed = ", ".join([*AGENT_ARGS, *NUMERIC_ARGS])
    for key, value in ctx.agent_args.items():
        if key not in AGENT_ARGS and key not in NUMERIC_ARGS:
            raise UserError(f"unknown --agent-arg {key!r} for the api agent (allowed: {allowed})")
        kind = NUMERIC_ARGS.get(key)
        if kind is None:
            continue
        try:
            ok = kind(value) >= 0
        except (TypeError, ValueError):
            ok = False
        if not ok:
            what = "a non-negative integer" if kind is int else "a non-negative number"
            raise UserError(f"--agent-arg {key}={value!r}: must be {what} (allowed: {allowed})")
    if "max_cost_usd" in ctx.agent_args:
        from colliderbench.harness.cost import load_prices

        table = load_prices()
        if table.lookup(ctx.model) is None:
            raise UserError(
                f"--max-cost-usd: no price for model {ctx.model!r} in the price table of "
                f"{table.as_of}, so the cost budget cannot be enforced; use "
                "--max-total-tokens N (input + output tokens) instead"
            )


def build_api(ctx: RunContext) -> Invocation:
    """``python -m colliderbench.agents.api ...`` with the prompt on stdin."""
    from colliderbench.errors import UserError

    if not ctx.model:
        raise UserError("the api agent needs --model")
    _check_agent_args(ctx)
    provider = _provider_of(ctx)
    # stop the loop a little before the harness's kill, so the trace ends cleanly
    walltime = max(1.0, ctx.walltime_s - min(60.0, 0.05 * ctx.walltime_s))
    argv = [
        sys.executable,
        "-m",
        "colliderbench.agents.api",
        "--provider",
        provider,
        "--model",
        ctx.model,
    ]
    argv += ["--walltime", f"{walltime:g}"]
    base_url = ctx.agent_args.get("base_url")
    if base_url:
        argv += ["--base-url", base_url]
    for key in NUMERIC_ARGS:
        if ctx.agent_args.get(key):
            argv += ["--" + key.replace("_", "-"), str(ctx.agent_args[key]).strip()]
    if ctx.effort:
        argv += ["--effort", ctx.effort]
    key_env = ctx.agent_args.get("api_key_env")
    if key_env:
        argv += ["--api-key-env", key_env]
    names = [key_env] if key_env else []
    names += (
        ["ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"]
        if provider == "anthropic"
        else ["OPENAI_API_KEY", "OPENAI_BASE_URL"]
    )
    env = {n: os.environ[n] for n in names if os.environ.get(n)}
    env["PYTHONUNBUFFERED"] = "1"
    return Invocation(argv=argv, env=env, stdin=ctx.prompt, native_trace_name="api.events.jsonl")


_KINDS = {"command", "tool_call", "output", "message", "error"}


def parse_api(stdout: bytes, stderr: bytes, exit_code: int) -> TraceSummary:
    """The agent already prints normalised events: sum the per-call tokens and costs."""
    s = TraceSummary()
    costs: list[float | None] = []
    tin = tout = tcache = 0
    calls = 0
    for line in stdout.decode("utf-8", errors="replace").splitlines():
        try:
            ev = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(ev, dict) or ev.get("kind") not in _KINDS:
            continue
        s.events.append(ev)
        if ev["kind"] == "message" and "tokens_in" in ev:
            calls += 1
            tin += int(ev.get("tokens_in") or 0)
            tout += int(ev.get("tokens_out") or 0)
            tcache += int(ev.get("tokens_cache") or 0)
            costs.append(ev.get("cost_usd"))
        if ev["kind"] == "error" and ev.get("failure_class"):
            s.failure_class = ev["failure_class"]
    if calls:
        s.tokens_in, s.tokens_out, s.tokens_cache = tin, tout, tcache
        if costs and all(c is not None for c in costs):
            s.cost_usd = round(sum(c for c in costs if c is not None), 6)
            s.cost_source = "price_table"
    if s.failure_class is None and exit_code not in (0,) and not s.events:
        s.failure_class = "agent_error"
    return s


API_AGENT = AgentSpec(
    name="api",
    build=build_api,
    parse=parse_api,
    executables=(),
    description="colliderbench's own tool-using loop over the Anthropic Messages or OpenAI Chat Completions API",
)


if __name__ == "__main__":
    sys.exit(main())
