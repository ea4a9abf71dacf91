"""A scripted LLM server on 127.0.0.1 for offline tests of agents.

One small threaded HTTP server speaks four wire protocols, chosen by the request path:

- the Anthropic Messages API: ``POST /v1/messages`` (streaming SSE and not) and
  ``POST /v1/messages/count_tokens`` (what Claude Code and the ``anthropic`` SDK call);
- the OpenAI Responses API: ``POST /v1/responses`` (streaming SSE and not; what Codex CLI calls);
- OpenAI Chat Completions with tool calls: ``POST /v1/chat/completions`` (streaming and not; what
  local servers such as vLLM, Ollama and llama.cpp implement), plus ``GET /v1/models``;
- the Gemini API: ``POST /v1beta/models/M:generateContent`` and ``:streamGenerateContent?alt=sse``
  (what Gemini CLI calls with ``GOOGLE_GEMINI_BASE_URL``).

The model is a *script*: a list of steps, each a :class:`Turn` (text and/or tool calls), a
:class:`Fail` (an HTTP error such as 429, 401, 529) or a callable that receives the
:class:`RecordedRequest` and returns one of those. Every model request consumes the next step; when
the script is exhausted the server answers a plain "(script exhausted)" end of turn and counts it.
Every request is recorded (path, headers, JSON body), so a test can check what the agent sent back
(tool results, tool definitions, ...).

Example::

    script = [
        Turn(tool_calls=[ToolCall("bash", {"command": "cat TASK.md"})]),
        Fail(429),  # the agent must retry
        Turn(text="Done."),
    ]
    with ScriptedLLMServer(script) as server:
        client = anthropic.Anthropic(base_url=server.base_url, api_key="test")
        ...
        assert server.remaining == 0

Requests a vendor CLI makes on the side (title generation, quota probes) can be kept from
consuming the script with ``side_request=``: a predicate on the request; matching requests get a
short canned text reply (``side_reply``). :func:`without_tools` is the usual predicate.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = [
    "Fail",
    "RecordedRequest",
    "ScriptedLLMServer",
    "Step",
    "ToolCall",
    "Turn",
    "without_tools",
]


@dataclass
class ToolCall:
    """One tool call the scripted model makes.

    ``arguments`` is a dict (sent as JSON) or a raw string sent verbatim, which is how a test
    injects a malformed call (e.g. ``'{"command": "ls'``). ``id`` is generated when omitted.
    """

    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)
    id: str | None = None

    def arguments_json(self) -> str:
        """The arguments as the JSON text the wire carries."""
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments)


@dataclass
class Turn:
    """One model reply: optional text, then tool calls (if any, the turn stops for tool use).

    Token counts default to deterministic estimates (request bytes / 4, reply chars / 4);
    ``cached_tokens`` is reported as cache reads. ``delay_s`` sleeps before answering (to test
    walltimes); ``stop_reason`` overrides the natural one (``"max_tokens"``, ...).
    """

    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_tokens: int = 0
    delay_s: float = 0.0
    stop_reason: str | None = None


@dataclass
class Fail:
    """An HTTP error instead of a reply.

    ``kind`` picks the error body: ``rate_limit`` (429), ``auth`` (401), ``overloaded`` (529),
    ``server`` (500), ``context_window`` (400, "prompt is too long" / ``context_length_exceeded``),
    ``bad_request`` (400). By default it follows ``status``.
    """

    status: int = 429
    kind: str | None = None
    message: str | None = None
    retry_after: float | None = 0.0

    def resolved_kind(self) -> str:
        """The error kind, derived from the status when not given."""
        if self.kind:
            return self.kind
        return {
            429: "rate_limit",
            401: "auth",
            403: "auth",
            529: "overloaded",
            400: "bad_request",
        }.get(self.status, "server")


Step = Turn | Fail | Callable[["RecordedRequest"], "Turn | Fail"]


@dataclass
class RecordedRequest:
    """One HTTP request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any  # parsed JSON, or the raw text when it is not JSON
    api: str  # "anthropic" | "responses" | "chat" | "gemini" | "count_tokens" | "models" | "other"
    # index of the script step it consumed (None: a side request, or not a model call)
    step: int | None = None
    t: float = field(default_factory=time.time)
    # (input, output, cached) tokens the reply reported; None for errors and non-model calls
    usage: tuple[int, int, int] | None = None

    def header(self, name: str) -> str | None:
        """A request header, looked up without regard to case."""
        lname = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lname:
                return value
        return None

    @property
    def tools(self) -> list[str]:
        """Names of the tools offered in this request (every API)."""
        if not isinstance(self.body, dict):
            return []
        names = []
        for tool in self.body.get("tools") or []:
            if isinstance(tool.get("functionDeclarations"), list):  # Gemini
                names += [f.get("name", "") for f in tool["functionDeclarations"]]
            elif "function" in tool and isinstance(tool["function"], dict):
                names.append(tool["function"].get("name", ""))
            else:
                names.append(tool.get("name", tool.get("type", "")))
        return names

    @property
    def stream(self) -> bool:
        """Whether the client asked for a streamed reply."""
        if self.api == "gemini":
            return ":streamGenerateContent" in self.path
        return isinstance(self.body, dict) and bool(self.body.get("stream"))


MODEL_APIS = ("anthropic", "responses", "chat", "gemini")


def without_tools(request: RecordedRequest) -> bool:
    """Side-request predicate: model calls that offer no tools (titles, summaries, probes)."""
    return request.api in MODEL_APIS and not request.tools


_ERROR_TYPES_ANTHROPIC = {
    "rate_limit": (
        429,
        "rate_limit_error",
        "Number of request tokens has exceeded your rate limit.",
    ),
    "auth": (401, "authentication_error", "invalid x-api-key"),
    "overloaded": (529, "overloaded_error", "Overloaded"),
    "server": (500, "api_error", "Internal server error"),
    "context_window": (
        400,
        "invalid_request_error",
        "prompt is too long: 250000 tokens > 200000 maximum",
    ),
    "bad_request": (400, "invalid_request_error", "Bad request"),
}
_ERROR_TYPES_OPENAI = {
    "rate_limit": (
        "rate_limit_exceeded",
        "requests",
        "Rate limit reached. Please try again in 1s.",
    ),
    "auth": ("invalid_api_key", "invalid_request_error", "Incorrect API key provided."),
    "overloaded": ("server_overloaded", "server_error", "The server is overloaded."),
    "server": ("server_error", "server_error", "The server had an error processing your request."),
    "context_window": (
        "context_length_exceeded",
        "invalid_request_error",
        "This model's maximum context length is 128000 tokens. Your messages resulted in 250000 tokens.",
    ),
    "bad_request": ("invalid_request", "invalid_request_error", "Bad request"),
}

_ERROR_TYPES_GEMINI = {
    "rate_limit": ("RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."),
    "auth": ("UNAUTHENTICATED", "API key not valid. Please pass a valid API key."),
    "overloaded": ("UNAVAILABLE", "The model is overloaded. Please try again later."),
    "server": ("INTERNAL", "An internal error has occurred."),
    "context_window": (
        "INVALID_ARGUMENT",
        "The input token count (2500000) exceeds the maximum number of tokens allowed (1048576).",
    ),
    "bad_request": ("INVALID_ARGUMENT", "Request contains an invalid argument."),
}


class ScriptedLLMServer:
    """A threaded HTTP server on 127.0.0.1 (random port) replaying a script of model turns."""

    def __init__(
        self,
        script: list[Step],
        *,
        model: str = "scripted-model",
        side_request: Callable[[RecordedRequest], bool] | None = None,
        side_reply: str = "Scripted side reply.",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.script: list[Step] = list(script)
        self.model = model
        self.side_request = side_request
        self.side_reply = side_reply
        self.requests: list[RecordedRequest] = []
        self.exhausted_calls = 0
        self._cursor = 0
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._httpd = ThreadingHTTPServer((host, port), _make_handler(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> ScriptedLLMServer:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut the server down and close its socket."""
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ScriptedLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------------------------
    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (the Anthropic SDK / ANTHROPIC_BASE_URL form)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1`` (the OpenAI SDK / OPENAI_BASE_URL form)."""
        return self.base_url + "/v1"

    # -- script state ------------------------------------------------------------------------
    @property
    def remaining(self) -> int:
        """Script steps not yet consumed."""
        with self._lock:
            return len(self.script) - self._cursor

    def reported_usage(self, api: str | None = None) -> tuple[int, int, int]:
        """Sum of the (input, output, cached) tokens reported in successful replies."""
        rows = [
            r.usage for r in self.requests if r.usage is not None and (api is None or r.api == api)
        ]
        return (sum(u[0] for u in rows), sum(u[1] for u in rows), sum(u[2] for u in rows))

    def model_requests(self, api: str | None = None) -> list[RecordedRequest]:
        """Recorded requests that consumed a script step (optionally of one API)."""
        return [r for r in self.requests if r.step is not None and (api is None or r.api == api)]

    def _next_step(self, request: RecordedRequest) -> Turn | Fail | None:
        with self._lock:
            if self._cursor >= len(self.script):
                self.exhausted_calls += 1
                return None
            step = self.script[self._cursor]
            request.step = self._cursor
            self._cursor += 1
        if callable(step) and not isinstance(step, Turn | Fail):
            step = step(request)
        return step

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):06d}"


# ------------------------------------------------------------------------------------------------
# request handling


def _estimate_tokens(n_chars: int) -> int:
    return max(1, n_chars // 4)


def _make_handler(server: ScriptedLLMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            return

        # -- plumbing ---------------------------------------------------------------------------
        def _read_body(self) -> tuple[Any, int]:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if self.headers.get("Content-Encoding", "") in ("gzip", "zstd", "br"):
                raw = _decompress(raw, self.headers.get("Content-Encoding", ""))
            text = raw.decode("utf-8", errors="replace")
            try:
                return json.loads(text) if text else None, len(text)
            except json.JSONDecodeError:
                return text, len(text)

        def _send_json(
            self, status: int, payload: Any, headers: dict[str, str] | None = None
        ) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def _start_sse(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True

        def _sse(self, event: str | None, data: Any) -> None:
            chunk = ""
            if event:
                chunk += f"event: {event}\n"
            chunk += "data: " + (data if isinstance(data, str) else json.dumps(data)) + "\n\n"
            self.wfile.write(chunk.encode())
            self.wfile.flush()

        def _record(self, method: str) -> tuple[RecordedRequest, int]:
            body, n_chars = self._read_body() if method == "POST" else (None, 0)
            path = self.path.split("?", 1)[0]
            if path.endswith("/messages/count_tokens"):
                api = "count_tokens"
            elif path.endswith("/messages"):
                api = "anthropic"
            elif path.endswith("/responses"):
                api = "responses"
            elif path.endswith("/chat/completions"):
                api = "chat"
            elif path.endswith((":generateContent", ":streamGenerateContent")):
                api = "gemini"
            elif path.endswith(":countTokens"):
                api = "count_tokens"
            elif path.endswith("/models") or "/models/" in path:
                api = "models"
            else:
                api = "other"
            req = RecordedRequest(
                method=method,
                path=self.path,
                headers=dict(self.headers.items()),
                body=body,
                api=api,
            )
            with server._lock:
                server.requests.append(req)
            return req, n_chars

        # -- verbs ------------------------------------------------------------------------------
        def do_GET(self) -> None:  # noqa: N802 - stdlib naming
            req, _ = self._record("GET")
            if req.api == "models":
                self._send_json(
                    200,
                    {
                        "object": "list",
                        "data": [
                            {
                                "id": server.model,
                                "object": "model",
                                "created": 0,
                                "owned_by": "scripted",
                            }
                        ],
                        # Anthropic's list-models shape, for clients that ask
                        "has_more": False,
                        "first_id": server.model,
                        "last_id": server.model,
                    },
                )
            else:
                self._send_json(404, {"error": {"message": f"no route {req.path}"}})

        def do_HEAD(self) -> None:  # noqa: N802
            self._record("HEAD")
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self) -> None:  # noqa: N802
            req, n_chars = self._record("POST")
            if req.api == "count_tokens":
                n = _estimate_tokens(n_chars)
                self._send_json(200, {"input_tokens": n, "totalTokens": n})
                return
            if req.api not in MODEL_APIS:
                self._send_json(
                    404, {"error": {"type": "not_found", "message": f"no route {req.path}"}}
                )
                return
            if server.side_request is not None and server.side_request(req):
                step: Turn | Fail | None = Turn(text=server.side_reply)
            else:
                step = server._next_step(req)
            if step is None:
                step = Turn(text="(script exhausted)")
            if isinstance(step, Fail):
                self._fail(req.api, step)
                return
            if step.delay_s:
                time.sleep(step.delay_s)
            model = (
                (req.body or {}).get("model", server.model)
                if isinstance(req.body, dict)
                else server.model
            )
            if req.api == "gemini":  # the model is in the path: /v1beta/models/M:generateContent
                model = req.path.split("/models/", 1)[-1].split(":", 1)[0]
            in_tok = (
                step.input_tokens if step.input_tokens is not None else _estimate_tokens(n_chars)
            )
            out_chars = len(step.text) + sum(
                len(tc.arguments_json()) + len(tc.name) for tc in step.tool_calls
            )
            out_tok = (
                step.output_tokens
                if step.output_tokens is not None
                else _estimate_tokens(out_chars)
            )
            for tc in step.tool_calls:
                if tc.id is None:
                    tc.id = server._new_id("toolu" if req.api == "anthropic" else "call")
            usage = (in_tok, out_tok, step.cached_tokens)
            req.usage = usage
            try:
                if req.api == "anthropic":
                    self._anthropic(req, step, model, usage)
                elif req.api == "responses":
                    self._responses(req, step, model, usage)
                elif req.api == "gemini":
                    self._gemini(req, step, model, usage)
                else:
                    self._chat(req, step, model, usage)
            except (BrokenPipeError, ConnectionResetError):
                pass

        # -- errors -----------------------------------------------------------------------------
        def _fail(self, api: str, fail: Fail) -> None:
            kind = fail.resolved_kind()
            headers: dict[str, str] = {}
            if fail.retry_after is not None and fail.status in (429, 529, 503):
                headers["retry-after"] = f"{fail.retry_after:g}"
                headers["retry-after-ms"] = str(int(fail.retry_after * 1000))
            if api == "gemini":
                gstatus, msg = _ERROR_TYPES_GEMINI.get(kind, _ERROR_TYPES_GEMINI["server"])
                payload_g = {
                    "error": {
                        "code": fail.status,
                        "message": fail.message or msg,
                        "status": gstatus,
                    }
                }
                self._send_json(fail.status, payload_g, headers)
                return
            if api == "anthropic":
                _, etype, msg = _ERROR_TYPES_ANTHROPIC.get(kind, _ERROR_TYPES_ANTHROPIC["server"])
                payload: dict[str, Any] = {
                    "type": "error",
                    "error": {"type": etype, "message": fail.message or msg},
                }
                headers["request-id"] = server._new_id("req")
            else:
                code, etype, msg = _ERROR_TYPES_OPENAI.get(kind, _ERROR_TYPES_OPENAI["server"])
                payload = {
                    "error": {
                        "message": fail.message or msg,
                        "type": etype,
                        "param": None,
                        "code": code,
                    }
                }
                headers["x-request-id"] = server._new_id("req")
            self._send_json(fail.status, payload, headers)

        # -- Anthropic Messages -----------------------------------------------------------------
        def _anthropic(
            self, req: RecordedRequest, turn: Turn, model: str, usage: tuple[int, int, int]
        ) -> None:
            in_tok, out_tok, cached = usage
            stop = turn.stop_reason or ("tool_use" if turn.tool_calls else "end_turn")
            msg_id = server._new_id("msg")
            blocks: list[dict[str, Any]] = []
            if turn.text:
                blocks.append({"type": "text", "text": turn.text})
            for tc in turn.tool_calls:
                args: Any = tc.arguments
                if isinstance(args, str):
                    try:
                        args = json.loads(args)
                    except json.JSONDecodeError:
                        pass  # a malformed call: the raw string goes out as `input`
                blocks.append({"type": "tool_use", "id": tc.id, "name": tc.name, "input": args})
            usage_obj = {
                "input_tokens": in_tok,
                "output_tokens": out_tok,
                "cache_read_input_tokens": cached,
                "cache_creation_input_tokens": 0,
            }
            if not req.stream:
                self._send_json(
                    200,
                    {
                        "id": msg_id,
                        "type": "message",
                        "role": "assistant",
                        "model": model,
                        "content": blocks,
                        "stop_reason": stop,
                        "stop_sequence": None,
                        "usage": usage_obj,
                    },
                    {"request-id": server._new_id("req")},
                )
                return
            self._start_sse()
            start_usage = dict(usage_obj, output_tokens=1)
            self._sse(
                "message_start",
                {
                    "type": "message_start",
                    "message": {
                        "id": msg_id,
                        "type": "message",
                        "role": "assistant",
                        "model": model,
                        "content": [],
                        "stop_reason": None,
                        "stop_sequence": None,
                        "usage": start_usage,
                    },
                },
            )
            self._sse("ping", {"type": "ping"})
            index = 0
            if turn.text:
                self._sse(
                    "content_block_start",
                    {
                        "type": "content_block_start",
                        "index": index,
                        "content_block": {"type": "text", "text": ""},
                    },
                )
                for piece in _chunks(turn.text, 40):
                    self._sse(
                        "content_block_delta",
                        {
                            "type": "content_block_delta",
                            "index": index,
                            "delta": {"type": "text_delta", "text": piece},
                        },
                    )
                self._sse("content_block_stop", {"type": "content_block_stop", "index": index})
                index += 1
            for tc in turn.tool_calls:
                self._sse(
                    "content_block_start",
                    {
                        "type": "content_block_start",
                        "index": index,
                        "content_block": {
                            "type": "tool_use",
                            "id": tc.id,
                            "name": tc.name,
                            "input": {},
                        },
                    },
                )
                for piece in _chunks(tc.arguments_json(), 60):
                    self._sse(
                        "content_block_delta",
                        {
                            "type": "content_block_delta",
                            "index": index,
                            "delta": {"type": "input_json_delta", "partial_json": piece},
                        },
                    )
                self._sse("content_block_stop", {"type": "content_block_stop", "index": index})
                index += 1
            self._sse(
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": stop, "stop_sequence": None},
                    "usage": {"output_tokens": out_tok},
                },
            )
            self._sse("message_stop", {"type": "message_stop"})

        # -- OpenAI Responses -------------------------------------------------------------------
        def _responses(
            self, req: RecordedRequest, turn: Turn, model: str, usage: tuple[int, int, int]
        ) -> None:
            in_tok, out_tok, cached = usage
            resp_id = server._new_id("resp")
            items: list[dict[str, Any]] = []
            if turn.text:
                items.append(
                    {
                        "type": "message",
                        "id": server._new_id("msg"),
                        "status": "completed",
                        "role": "assistant",
                        "content": [{"type": "output_text", "text": turn.text, "annotations": []}],
                    }
                )
            for tc in turn.tool_calls:
                items.append(
                    {
                        "type": "function_call",
                        "id": server._new_id("fc"),
                        "call_id": tc.id,
                        "name": tc.name,
                        "arguments": tc.arguments_json(),
                        "status": "completed",
                    }
                )
            usage_obj = {
                "input_tokens": in_tok,
                "input_tokens_details": {"cached_tokens": cached},
                "output_tokens": out_tok,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": in_tok + out_tok,
            }
            body = req.body if isinstance(req.body, dict) else {}
            response: dict[str, Any] = {
                "id": resp_id,
                "object": "response",
                "created_at": int(time.time()),
                "status": "completed",
                "model": model,
                "output": items,
                "parallel_tool_calls": bool(body.get("parallel_tool_calls", True)),
                "tool_choice": body.get("tool_choice", "auto"),
                "tools": body.get("tools", []),
                "usage": usage_obj,
                "error": None,
                "incomplete_details": None,
            }
            if not req.stream:
                self._send_json(200, response)
                return
            self._start_sse()
            seq = itertools.count()
            pending = dict(response, status="in_progress", output=[], usage=None)
            self._sse(
                "response.created",
                {"type": "response.created", "sequence_number": next(seq), "response": pending},
            )
            self._sse(
                "response.in_progress",
                {"type": "response.in_progress", "sequence_number": next(seq), "response": pending},
            )
            for out_index, item in enumerate(items):
                if item["type"] == "message":
                    empty = dict(item, status="in_progress", content=[])
                    self._sse(
                        "response.output_item.added",
                        {
                            "type": "response.output_item.added",
                            "sequence_number": next(seq),
                            "output_index": out_index,
                            "item": empty,
                        },
                    )
                    part = {"type": "output_text", "text": "", "annotations": []}
                    self._sse(
                        "response.content_part.added",
                        {
                            "type": "response.content_part.added",
                            "sequence_number": next(seq),
                            "item_id": item["id"],
                            "output_index": out_index,
                            "content_index": 0,
                            "part": part,
                        },
                    )
                    for piece in _chunks(turn.text, 40):
                        self._sse(
                            "response.output_text.delta",
                            {
                                "type": "response.output_text.delta",
                                "sequence_number": next(seq),
                                "item_id": item["id"],
                                "output_index": out_index,
                                "content_index": 0,
                                "delta": piece,
                                "logprobs": [],
                            },
                        )
                    self._sse(
                        "response.output_text.done",
                        {
                            "type": "response.output_text.done",
                            "sequence_number": next(seq),
                            "item_id": item["id"],
                            "output_index": out_index,
                            "content_index": 0,
                            "text": turn.text,
                            "logprobs": [],
                        },
                    )
                    self._sse(
                        "response.content_part.done",
                        {
                            "type": "response.content_part.done",
                            "sequence_number": next(seq),
                            "item_id": item["id"],
                            "output_index": out_index,
                            "content_index": 0,
                            "part": item["content"][0],
                        },
                    )
                else:
                    empty = dict(item, status="in_progress", arguments="")
                    self._sse(
                        "response.output_item.added",
                        {
                            "type": "response.output_item.added",
                            "sequence_number": next(seq),
                            "output_index": out_index,
                            "item": empty,
                        },
                    )
                    for piece in _chunks(item["arguments"], 60):
                        self._sse(
                            "response.function_call_arguments.delta",
                            {
                                "type": "response.function_call_arguments.delta",
                                "sequence_number": next(seq),
                                "item_id": item["id"],
                                "output_index": out_index,
                                "delta": piece,
                            },
                        )
                    self._sse(
                        "response.function_call_arguments.done",
                        {
                            "type": "response.function_call_arguments.done",
                            "sequence_number": next(seq),
                            "item_id": item["id"],
                            "output_index": out_index,
                            "arguments": item["arguments"],
                        },
                    )
                self._sse(
                    "response.output_item.done",
                    {
                        "type": "response.output_item.done",
                        "sequence_number": next(seq),
                        "output_index": out_index,
                        "item": item,
                    },
                )
            self._sse(
                "response.completed",
                {"type": "response.completed", "sequence_number": next(seq), "response": response},
            )

        # -- Gemini generateContent -------------------------------------------------------------
        def _gemini(
            self, req: RecordedRequest, turn: Turn, model: str, usage: tuple[int, int, int]
        ) -> None:
            in_tok, out_tok, cached = usage
            parts: list[dict[str, Any]] = []
            if turn.text:
                parts.append({"text": turn.text})
            for tc in turn.tool_calls:
                args: Any = tc.arguments
                if isinstance(args, str):
                    try:
                        args = json.loads(args)
                    except json.JSONDecodeError:
                        args = {"raw": args}  # Gemini carries objects only
                parts.append({"functionCall": {"name": tc.name, "args": args, "id": tc.id}})
            finish = turn.stop_reason or "STOP"
            usage_obj = {
                "promptTokenCount": in_tok,
                "candidatesTokenCount": out_tok,
                "totalTokenCount": in_tok + out_tok,
                "cachedContentTokenCount": cached,
            }
            whole = {
                "candidates": [
                    {
                        "content": {"role": "model", "parts": parts},
                        "finishReason": finish,
                        "index": 0,
                    }
                ],
                "usageMetadata": usage_obj,
                "modelVersion": model,
                "responseId": server._new_id("resp"),
            }
            if not req.stream:
                self._send_json(200, whole)
                return
            self._start_sse()
            pieces = list(_chunks(turn.text, 40))
            for piece in pieces[:-1] if not turn.tool_calls else pieces:
                chunk = {
                    "candidates": [
                        {"content": {"role": "model", "parts": [{"text": piece}]}, "index": 0}
                    ],
                    "modelVersion": model,
                }
                self._sse(None, chunk)
            last_parts = [p for p in parts if "functionCall" in p]
            if not turn.tool_calls and pieces:
                last_parts = [{"text": pieces[-1]}]
            final = dict(whole)
            final["candidates"] = [
                {
                    "content": {"role": "model", "parts": last_parts or [{"text": ""}]},
                    "finishReason": finish,
                    "index": 0,
                }
            ]
            self._sse(None, final)

        # -- OpenAI Chat Completions ------------------------------------------------------------
        def _chat(
            self, req: RecordedRequest, turn: Turn, model: str, usage: tuple[int, int, int]
        ) -> None:
            in_tok, out_tok, cached = usage
            chat_id = server._new_id("chatcmpl")
            created = int(time.time())
            finish = turn.stop_reason or ("tool_calls" if turn.tool_calls else "stop")
            usage_obj = {
                "prompt_tokens": in_tok,
                "completion_tokens": out_tok,
                "total_tokens": in_tok + out_tok,
                "prompt_tokens_details": {"cached_tokens": cached},
            }
            tool_calls: list[dict[str, Any]] = [
                {
                    "id": tc.id,
                    "type": "function",
                    "function": {"name": tc.name, "arguments": tc.arguments_json()},
                }
                for tc in turn.tool_calls
            ]
            if not req.stream:
                message: dict[str, Any] = {"role": "assistant", "content": turn.text or None}
                if tool_calls:
                    message["tool_calls"] = tool_calls
                self._send_json(
                    200,
                    {
                        "id": chat_id,
                        "object": "chat.completion",
                        "created": created,
                        "model": model,
                        "choices": [
                            {
                                "index": 0,
                                "message": message,
                                "finish_reason": finish,
                                "logprobs": None,
                            }
                        ],
                        "usage": usage_obj,
                    },
                )
                return
            self._start_sse()

            def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
                return {
                    "id": chat_id,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "delta": delta,
                            "finish_reason": finish_reason,
                            "logprobs": None,
                        }
                    ],
                }

            self._sse(None, chunk({"role": "assistant", "content": ""}))
            for piece in _chunks(turn.text, 40):
                self._sse(None, chunk({"content": piece}))
            for i, tc in enumerate(tool_calls):
                args = tc["function"]["arguments"]
                pieces = list(_chunks(args, 60)) or [""]
                first = {
                    "index": i,
                    "id": tc["id"],
                    "type": "function",
                    "function": {"name": tc["function"]["name"], "arguments": pieces[0]},
                }
                self._sse(None, chunk({"tool_calls": [first]}))
                for piece in pieces[1:]:
                    self._sse(
                        None,
                        chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]}),
                    )
            self._sse(None, chunk({}, finish))
            body = req.body if isinstance(req.body, dict) else {}
            if (body.get("stream_options") or {}).get("include_usage"):
                final = chunk({})
                final["choices"] = []
                final["usage"] = usage_obj
                self._sse(None, final)
            self._sse(None, "[DONE]")

    return Handler


def _chunks(text: str, size: int) -> Iterator[str]:
    for i in range(0, len(text), size):
        yield text[i : i + size]


def _decompress(raw: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        import gzip

        return gzip.decompress(raw)
    if encoding == "zstd":
        try:
            import zstandard  # type: ignore[import-not-found]

            return bytes(zstandard.ZstdDecompressor().decompressobj().decompress(raw))
        except ImportError:
            return raw
    return raw
