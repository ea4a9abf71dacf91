"""The scripted LLM server speaks each API well enough for the official SDKs, streamed and not."""

from __future__ import annotations

import json

import anthropic
import openai
import pytest

from colliderbench.testing.llm_server import Fail, ScriptedLLMServer, ToolCall, Turn, without_tools

TOOL = {
    "name": "bash",
    "description": "run",
    "parameters": {"type": "object", "properties": {"command": {"type": "string"}}},
}


def turns() -> list[object]:
    return [
        Turn(
            text="Let me run it.",
            tool_calls=[ToolCall("bash", {"command": "echo " + "x" * 150})],
            input_tokens=11,
            output_tokens=7,
            cached_tokens=3,
        ),
        Turn(text="Finished: " + "y" * 100),
    ]


@pytest.mark.parametrize("stream", [False, True])
def test_anthropic_messages(stream: bool) -> None:
    with ScriptedLLMServer(turns()) as server:
        client = anthropic.Anthropic(base_url=server.base_url, api_key="k", max_retries=0)
        kwargs = {
            "model": "claude-x",
            "max_tokens": 100,
            "messages": [{"role": "user", "content": "hi"}],
            "tools": [{"name": "bash", "description": "run", "input_schema": TOOL["parameters"]}],
        }
        if stream:
            with client.messages.stream(**kwargs) as s:
                deltas = "".join(s.text_stream)
                msg = s.get_final_message()
            assert deltas == "Let me run it."
        else:
            msg = client.messages.create(**kwargs)
        assert msg.stop_reason == "tool_use"
        assert msg.content[0].text == "Let me run it."
        call = msg.content[1]
        assert call.name == "bash" and call.input == {"command": "echo " + "x" * 150}
        assert (
            msg.usage.input_tokens,
            msg.usage.output_tokens,
            msg.usage.cache_read_input_tokens,
        ) == (11, 7, 3)
        second = client.messages.create(**kwargs)
        assert second.stop_reason == "end_turn" and second.content[0].text.startswith("Finished")
        assert (
            client.messages.count_tokens(model="claude-x", messages=kwargs["messages"]).input_tokens
            > 0
        )
    assert server.remaining == 0
    assert [r.step for r in server.model_requests()] == [0, 1]
    assert server.reported_usage("anthropic")[:1] == (11 + server.model_requests()[1].usage[0],)


@pytest.mark.parametrize("stream", [False, True])
def test_openai_chat_completions(stream: bool) -> None:
    with ScriptedLLMServer(turns()) as server:
        client = openai.OpenAI(base_url=server.openai_base_url, api_key="k", max_retries=0)
        kwargs = {
            "model": "m",
            "messages": [{"role": "user", "content": "hi"}],
            "tools": [{"type": "function", "function": TOOL}],
        }
        if stream:
            text, args, name, usage, finish = "", "", "", None, None
            for chunk in client.chat.completions.create(
                stream=True, stream_options={"include_usage": True}, **kwargs
            ):
                if chunk.usage:
                    usage = chunk.usage
                for choice in chunk.choices:
                    text += choice.delta.content or ""
                    for tc in choice.delta.tool_calls or []:
                        name = tc.function.name or name
                        args += tc.function.arguments or ""
                    finish = choice.finish_reason or finish
            assert usage is not None and usage.prompt_tokens == 11
        else:
            resp = client.chat.completions.create(**kwargs)
            msg = resp.choices[0].message
            text, name, args, finish = (
                msg.content,
                msg.tool_calls[0].function.name,
                msg.tool_calls[0].function.arguments,
                resp.choices[0].finish_reason,
            )
            assert resp.usage.prompt_tokens_details.cached_tokens == 3
        assert text == "Let me run it." and name == "bash" and finish == "tool_calls"
        assert json.loads(args) == {"command": "echo " + "x" * 150}
        assert client.models.list().data[0].id == "scripted-model"


@pytest.mark.parametrize("stream", [False, True])
def test_openai_responses(stream: bool) -> None:
    with ScriptedLLMServer(turns()) as server:
        client = openai.OpenAI(base_url=server.openai_base_url, api_key="k", max_retries=0)
        kwargs = {"model": "m", "input": "hi", "tools": [{"type": "function", **TOOL}]}
        if stream:
            with client.responses.stream(**kwargs) as s:
                deltas = "".join(e.delta for e in s if e.type == "response.output_text.delta")
                resp = s.get_final_response()
            assert deltas == "Let me run it."
        else:
            resp = client.responses.create(**kwargs)
        assert resp.output_text == "Let me run it."
        call = [i for i in resp.output if i.type == "function_call"][0]
        assert call.name == "bash" and json.loads(call.arguments)["command"].startswith("echo")
        assert resp.usage.input_tokens == 11 and resp.usage.input_tokens_details.cached_tokens == 3


def test_failures_side_requests_and_callables() -> None:
    def echo_last(request):  # a step computed from the request
        return Turn(text="you said " + request.body["messages"][-1]["content"])

    script = [Fail(429, retry_after=2.5), Fail(401), echo_last]
    with ScriptedLLMServer(script, side_request=without_tools) as server:
        client = anthropic.Anthropic(base_url=server.base_url, api_key="k", max_retries=0)
        with pytest.raises(anthropic.RateLimitError) as err:
            client.messages.create(
                model="m",
                max_tokens=5,
                messages=[{"role": "user", "content": "a"}],
                tools=[{"name": "t", "input_schema": {"type": "object"}}],
            )
        assert err.value.response.headers["retry-after"] == "2.5"
        # a request without tools is a side request: it does not consume the script
        side = client.messages.create(
            model="m", max_tokens=5, messages=[{"role": "user", "content": "title?"}]
        )
        assert side.content[0].text == server.side_reply
        with pytest.raises(anthropic.AuthenticationError):
            client.messages.create(
                model="m",
                max_tokens=5,
                messages=[{"role": "user", "content": "b"}],
                tools=[{"name": "t", "input_schema": {"type": "object"}}],
            )
        oa = openai.OpenAI(base_url=server.openai_base_url, api_key="k", max_retries=0)
        r = oa.chat.completions.create(
            model="m",
            messages=[{"role": "user", "content": "c"}],
            tools=[{"type": "function", "function": TOOL}],
        )
        assert r.choices[0].message.content == "you said c"
        # exhausted: a plain end of turn, counted
        r = oa.chat.completions.create(
            model="m",
            messages=[{"role": "user", "content": "d"}],
            tools=[{"type": "function", "function": TOOL}],
        )
        assert r.choices[0].message.content == "(script exhausted)" and server.exhausted_calls == 1
    assert server.remaining == 0
    assert [r.step for r in server.requests if r.api in ("anthropic", "chat")] == [
        0,
        None,
        1,
        2,
        None,
    ]


def test_context_window_error_shapes() -> None:
    with ScriptedLLMServer([Fail(400, kind="context_window")] * 2) as server:
        oa = openai.OpenAI(base_url=server.openai_base_url, api_key="k", max_retries=0)
        with pytest.raises(openai.BadRequestError) as err:
            oa.chat.completions.create(model="m", messages=[{"role": "user", "content": "c"}])
        assert err.value.code == "context_length_exceeded"
        an = anthropic.Anthropic(base_url=server.base_url, api_key="k", max_retries=0)
        with pytest.raises(anthropic.BadRequestError, match="prompt is too long"):
            an.messages.create(model="m", max_tokens=5, messages=[{"role": "user", "content": "a"}])


@pytest.mark.parametrize("stream", [False, True])
def test_gemini_generate_content(stream: bool) -> None:
    """No Gemini SDK here: plain HTTP, as the Gemini CLI sends it (the real CLI is tested too)."""
    import urllib.request

    with ScriptedLLMServer(turns()) as server:
        method = "streamGenerateContent?alt=sse" if stream else "generateContent"
        body = {
            "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
            "tools": [
                {"functionDeclarations": [{"name": "bash", "parameters": TOOL["parameters"]}]}
            ],
        }
        req = urllib.request.Request(
            f"{server.base_url}/v1beta/models/gemini-x:{method}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "x-goog-api-key": "k"},
        )
        raw = urllib.request.urlopen(req, timeout=10).read().decode()
    if stream:
        chunks = [json.loads(line[6:]) for line in raw.splitlines() if line.startswith("data: ")]
    else:
        chunks = [json.loads(raw)]
    parts = [p for c in chunks for p in c["candidates"][0]["content"]["parts"]]
    assert "".join(p.get("text", "") for p in parts) == "Let me run it."
    call = next(p["functionCall"] for p in parts if "functionCall" in p)
    assert call["name"] == "bash" and call["args"]["command"].startswith("echo")
    assert chunks[-1]["usageMetadata"]["promptTokenCount"] == 11
    assert (
        server.model_requests()[0].tools == ["bash"] and server.model_requests()[0].stream == stream
    )
