"""LLM providers for the audit: ``anthropic`` and ``openai`` (official SDKs, any ``base_url``),
``claude-cli`` (``claude -p`` with no tools, the prompt on stdin) and ``none``.

A provider is a callable ``(system, user) -> text``; errors become ``ProviderError`` with one line.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from colliderbench.errors import UserError

PROVIDERS = ("none", "anthropic", "openai", "claude-cli")
DEFAULT_MODELS = {"anthropic": "claude-sonnet-4-5", "openai": "gpt-5", "claude-cli": None}
MAX_OUTPUT_TOKENS = 4096


class ProviderError(Exception):
    """The model could not be asked or gave no usable answer."""


class ContextLengthError(ProviderError):
    """The prompt is longer than the model's context: worth one retry with a smaller prompt."""


# how the APIs and claude -p word "the prompt does not fit"
_TOO_LONG = re.compile(
    r"prompt is too long|context[_ ]length|context window|maximum context|input is too long|"
    r"too many (?:input )?tokens|exceeds the maximum number of tokens",
    re.IGNORECASE,
)


def provider_error(message: str) -> ProviderError:
    """A ``ContextLengthError`` when the message says the prompt did not fit, else a ``ProviderError``."""
    return (ContextLengthError if _TOO_LONG.search(message) else ProviderError)(message)


@dataclass
class Provider:
    """A configured provider."""

    name: str
    model: str | None
    ask: Callable[[str, str], str]


def default_provider() -> tuple[str, str | None]:
    """(provider, note): the provider to use when none is given; an API key first, then an
    installed ``claude`` CLI (with a note, as it may use a subscription), else ``none`` (noted)."""
    from colliderbench.harness.vendors import find_executable

    if os.environ.get("ANTHROPIC_API_KEY"):
        return "anthropic", None
    if os.environ.get("OPENAI_API_KEY"):
        return "openai", None
    claude = find_executable("claude")
    if claude:
        return (
            "claude-cli",
            f"no ANTHROPIC_API_KEY or OPENAI_API_KEY is set: auditing with the claude CLI "
            f"({claude}); --provider none for the deterministic checks only",
        )
    return (
        "none",
        "no ANTHROPIC_API_KEY or OPENAI_API_KEY is set and no claude CLI was found: deterministic "
        "checks only (choose --provider anthropic|openai|claude-cli for the LLM audit)",
    )


def _anthropic(model: str, base_url: str | None, timeout_s: float) -> Callable[[str, str], str]:
    import anthropic

    client = anthropic.Anthropic(
        base_url=base_url,
        api_key=os.environ.get("ANTHROPIC_API_KEY") or ("local" if base_url else None),
        timeout=timeout_s,
        max_retries=3,
    )

    def ask(system: str, user: str) -> str:
        try:
            msg = client.messages.create(
                model=model,
                max_tokens=MAX_OUTPUT_TOKENS,
                system=system,
                messages=[{"role": "user", "content": user}],
            )
        except anthropic.APIError as exc:
            raise provider_error(f"Anthropic API: {exc.__class__.__name__}: {exc}") from None
        return "".join(getattr(b, "text", "") for b in msg.content)

    return ask


def _openai(model: str, base_url: str | None, timeout_s: float) -> Callable[[str, str], str]:
    import openai

    client = openai.OpenAI(
        base_url=base_url,
        api_key=os.environ.get("OPENAI_API_KEY") or ("local" if base_url else None),
        timeout=timeout_s,
        max_retries=3,
    )

    def ask(system: str, user: str) -> str:
        try:
            resp = client.chat.completions.create(
                model=model,
                messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
            )
        except openai.OpenAIError as exc:
            raise provider_error(f"OpenAI API: {exc.__class__.__name__}: {exc}") from None
        if not resp.choices:
            raise ProviderError("OpenAI API: no choices in the answer")
        return resp.choices[0].message.content or ""

    return ask


def claude_cli_argv(executable: str, model: str | None) -> list[str]:
    """``claude -p`` reading the prompt on stdin, JSON output, one turn, and no tools at all: the
    auditor only reads its prompt. ``--tools ""`` removes every built-in tool (a deny list misses
    new ones), ``--strict-mcp-config`` without ``--mcp-config`` every MCP server."""
    argv = [executable, "-p", "--output-format", "json", "--max-turns", "1"]
    argv += ["--tools", "", "--strict-mcp-config"]
    if model:
        argv += ["--model", model]
    return argv


def _claude_cli(
    model: str | None, base_url: str | None, timeout_s: float
) -> Callable[[str, str], str]:
    from colliderbench.harness.vendors import find_executable

    exe = find_executable("claude")
    if exe is None:
        raise UserError(
            "the 'claude' CLI was not found (scripts/install_agent_clis.sh installs it)"
        )

    def ask(system: str, user: str) -> str:
        env = dict(os.environ)
        if base_url:
            env["ANTHROPIC_BASE_URL"] = base_url
        env.setdefault("DISABLE_AUTOUPDATER", "1")
        env.setdefault("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
        # the rubric and the extract go on stdin together: never one huge argv string
        stdin = f"{system}\n\n---\n\n{user}"
        try:
            proc = subprocess.run(
                claude_cli_argv(exe, model),
                input=stdin.encode(),
                capture_output=True,
                env=env,
                timeout=timeout_s,
                cwd=Path.home() if Path.home().is_dir() else None,
            )
        except subprocess.TimeoutExpired:
            raise ProviderError(f"claude -p did not answer within {timeout_s:g} s") from None
        out = proc.stdout.decode("utf-8", "replace").strip()
        try:
            obj = json.loads(out.splitlines()[-1]) if out else {}
        except ValueError:
            obj = {}
        if proc.returncode != 0 or obj.get("is_error"):
            err = obj.get("result") or proc.stderr.decode("utf-8", "replace").strip()[-500:]
            raise provider_error(f"claude -p failed (exit {proc.returncode}): {err}")
        if "result" not in obj:
            raise ProviderError("claude -p printed no result")
        return str(obj["result"])

    return ask


def make_provider(
    name: str, model: str | None = None, base_url: str | None = None, timeout_s: float = 600.0
) -> Provider | None:
    """A provider by name; None for ``none``."""
    if name not in PROVIDERS:
        raise UserError(f"unknown provider {name!r}: choose from {', '.join(PROVIDERS)}")
    if name == "none":
        return None
    model = model or DEFAULT_MODELS[name]
    if name == "anthropic":
        if not (os.environ.get("ANTHROPIC_API_KEY") or base_url):
            raise UserError("--provider anthropic needs ANTHROPIC_API_KEY (or --base-url)")
        return Provider(name, model, _anthropic(str(model), base_url, timeout_s))
    if name == "openai":
        if not (os.environ.get("OPENAI_API_KEY") or base_url):
            raise UserError("--provider openai needs OPENAI_API_KEY (or --base-url)")
        return Provider(name, model, _openai(str(model), base_url, timeout_s))
    if shutil.which("claude") is None:
        from colliderbench.harness.vendors import find_executable

        if find_executable("claude") is None:
            raise UserError("--provider claude-cli needs the 'claude' CLI on PATH")
    return Provider(name, model, _claude_cli(model, base_url, timeout_s))
