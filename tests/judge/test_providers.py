"""Providers against the scripted loopback server: Anthropic Messages, OpenAI Chat, claude -p."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from colliderbench.errors import UserError
from colliderbench.harness.vendors import find_executable
from colliderbench.judge import judge_run, make_provider
from colliderbench.judge.providers import (
    ContextLengthError,
    claude_cli_argv,
    default_provider,
    provider_error,
)
from colliderbench.testing.llm_server import Fail, ScriptedLLMServer, Turn


def answer(verdict: str, recovered: list[float] | None = None) -> str:
    return json.dumps(
        {
            "verdict": verdict,
            "confidence": 0.8,
            "bins": [{"bin": i, "provenance": "computed", "evidence": "trace"} for i in range(4)],
            "recovered": None if recovered is None else {"values": recovered, "evidence": "c3"},
            "reasons": ["scripted"],
            "narrative": {
                "planning": "p",
                "tool_use": "t",
                "scientific_judgment": "s",
                "stuck": "",
            },
        }
    )


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith(("ANTHROPIC_", "OPENAI_", "CLAUDE_CODE_")):
            monkeypatch.delenv(name)
    return monkeypatch


def test_default_provider_is_none_without_keys_or_cli(clean_env, no_claude) -> None:  # type: ignore[no-untyped-def]
    name, note = default_provider()
    assert name == "none" and note and "deterministic checks only" in note
    clean_env.setenv("OPENAI_API_KEY", "sk-test")
    assert default_provider() == ("openai", None)


def test_default_provider_falls_back_to_an_installed_claude_cli(
    clean_env: pytest.MonkeyPatch, no_claude: None, tmp_path: Path
) -> None:
    fake = tmp_path / "bin" / "claude"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    clean_env.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    name, note = default_provider()
    assert name == "claude-cli" and note and str(fake) in note
    clean_env.setenv("ANTHROPIC_API_KEY", "sk-test")  # a key still comes first
    assert default_provider() == ("anthropic", None)


def test_providers_need_a_key_or_an_endpoint(clean_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(UserError, match="ANTHROPIC_API_KEY"):
        make_provider("anthropic")
    with pytest.raises(UserError, match="unknown provider"):
        make_provider("gemini")
    assert make_provider("none") is None


@pytest.mark.parametrize("name", ["anthropic", "openai"])
def test_llm_audit_through_the_sdk(name: str, run_copy, clean_env: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    run = run_copy("honest")
    with ScriptedLLMServer([Turn(text="Audit:\n```json\n" + answer("Passed") + "\n```")]) as srv:
        url = srv.base_url if name == "anthropic" else srv.openai_base_url
        prov = make_provider(name, "audit-model", url)
        res = judge_run(run, prov)
        reqs = srv.model_requests()
    assert len(reqs) == 1
    req = reqs[0]
    assert req.api == ("anthropic" if name == "anthropic" else "chat")
    assert req.body["model"] == "audit-model"
    text = json.dumps(req.body)
    assert "Provenance audit" in text and "## Trace extract" in text
    assert "36.48" not in text  # the hidden reference never reaches the model
    assert res.verdict == "Passed"
    llm = res.data["llm"]
    assert llm["provider"] == name and llm["verdict"] == "Passed"
    assert llm["narrative"]["planning"] == "p" and len(llm["bins"]) == 4
    on_disk = json.loads((run / "judge.json").read_text())
    assert on_disk["llm"]["verdict"] == "Passed"


def test_llm_cannot_fabricate_a_reproduced_clean_run(run_copy, clean_env) -> None:  # type: ignore[no-untyped-def]
    run = run_copy("honest")
    with ScriptedLLMServer([Turn(text=answer("Fabricated"))]) as srv:
        res = judge_run(run, make_provider("anthropic", "m", srv.base_url))
    assert res.verdict == "Passed" and res.data["llm"]["verdict"] == "Fabricated"
    assert any("overruled" in r for r in res.data["reasons"])


def test_llm_cannot_clear_a_leak(run_copy, clean_env) -> None:  # type: ignore[no-untyped-def]
    run = run_copy("copied_from_paper")
    with ScriptedLLMServer([Turn(text=answer("Passed"))]) as srv:
        res = judge_run(run, make_provider("openai", "m", srv.openai_base_url))
    assert res.verdict == "Fabricated"


def test_llm_recovered_values_are_scored_separately(run_copy, clean_env) -> None:  # type: ignore[no-untyped-def]
    run = run_copy("empty_template")
    with ScriptedLLMServer(
        [Turn(text=answer("Failed", recovered=[30.0, 40.0, 25.0, 10.0]))]
    ) as srv:
        res = judge_run(run, make_provider("anthropic", "m", srv.base_url))
    assert res.verdict == "Failed"
    assert res.data["recovered"]["source"] == "llm"
    rec = json.loads((run / "score_recovered.json").read_text())
    assert rec["valid"] and rec["source"] == "llm" and rec["submitted"] == [30.0, 40.0, 25.0, 10.0]
    score = json.loads((run / "judge.json").read_text())
    assert score["verdict"] == "Failed"  # recovered values never change the submitted verdict


def test_provider_failure_falls_back_to_the_deterministic_verdict(run_copy, clean_env) -> None:  # type: ignore[no-untyped-def]
    run = run_copy("hardcoded")
    with ScriptedLLMServer([Fail(401)]) as srv:
        res = judge_run(run, make_provider("anthropic", "m", srv.base_url))
    assert res.verdict == "Fabricated"
    assert res.data["llm"]["verdict"] is None and "Authentication" in res.data["llm"]["error"]
    assert any("LLM audit failed" in r for r in res.data["reasons"])


def test_context_length_errors_are_recognised() -> None:
    assert isinstance(
        provider_error("claude -p failed (exit 1): Prompt is too long"), ContextLengthError
    )
    assert isinstance(provider_error("OpenAI API: context_length_exceeded"), ContextLengthError)
    assert not isinstance(
        provider_error("Anthropic API: AuthenticationError: 401"), ContextLengthError
    )


@pytest.mark.parametrize("name", ["anthropic", "openai"])
def test_context_length_error_is_retried_once_with_half_the_budget(  # type: ignore[no-untyped-def]
    name: str, run_copy, clean_env
) -> None:
    run = run_copy("honest")
    too_long = Fail(400, kind="context_window")
    with ScriptedLLMServer([too_long, Turn(text=answer("Passed"))]) as srv:
        url = srv.base_url if name == "anthropic" else srv.openai_base_url
        res = judge_run(run, make_provider(name, "m", url), budget_chars=20_000)
        sizes = [len(json.dumps(r.body)) for r in srv.model_requests()]
    llm = res.data["llm"]
    assert llm["verdict"] == "Passed" and llm.get("error") is None
    assert llm["budget_chars"] == 10_000 and llm["prompt_chars"] <= 10_000
    assert "context_retry" in llm and len(sizes) == 2 and sizes[1] < sizes[0]
    # a second refusal is the answer: no third request
    with ScriptedLLMServer([too_long, too_long, Turn(text=answer("Passed"))]) as srv:
        url = srv.base_url if name == "anthropic" else srv.openai_base_url
        res = judge_run(run, make_provider(name, "m", url), budget_chars=20_000)
        assert srv.remaining == 1
    llm = res.data["llm"]
    assert llm["verdict"] is None and llm["error"] and llm["budget_chars"] == 10_000


def test_unparsable_answer_is_recorded(run_copy, clean_env) -> None:  # type: ignore[no-untyped-def]
    run = run_copy("honest")
    with ScriptedLLMServer([Turn(text="Looks fine to me.")]) as srv:
        res = judge_run(run, make_provider("openai", "m", srv.openai_base_url))
    assert res.verdict == "Passed"
    assert "no JSON" in res.data["llm"]["error"] and res.data["llm"]["raw"] == "Looks fine to me."


def test_claude_cli_argv_offers_no_tools_and_reads_stdin() -> None:
    argv = claude_cli_argv("/bin/claude", "claude-sonnet-4-5")
    assert argv[:2] == ["/bin/claude", "-p"]
    assert argv[argv.index("--tools") + 1] == "" and "--strict-mcp-config" in argv
    assert all(len(a) < 200 for a in argv)  # the prompt is never an argument


def test_claude_cli_audit(run_copy, tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    if find_executable("claude") is None:
        pytest.skip("the claude CLI is not installed (scripts/install_agent_clis.sh)")
    clean_env.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    clean_env.setenv("ANTHROPIC_API_KEY", "test-key")
    run = run_copy("honest")

    def reply(req):  # type: ignore[no-untyped-def]
        return Turn(text=answer("Passed"))

    with ScriptedLLMServer([reply] * 3) as srv:
        res = judge_run(run, make_provider("claude-cli", "claude-sonnet-4-5", srv.base_url))
        reqs = srv.model_requests("anthropic")
    assert res.data["llm"].get("error") is None, res.data["llm"]
    assert res.verdict == "Passed" and res.data["llm"]["verdict"] == "Passed"
    assert reqs and "## Trace extract" in json.dumps(reqs[0].body)
    assert [r.tools for r in reqs] == [[] for _ in reqs]  # no tool at all is offered
