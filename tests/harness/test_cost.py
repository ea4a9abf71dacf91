"""The dated price table and the cost rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from colliderbench.errors import UserError
from colliderbench.harness.agent_spec import TraceSummary
from colliderbench.harness.cost import PRICES_FILE, cost_usd, fill_cost, load_prices


def test_table_is_dated_and_complete() -> None:
    raw = json.loads(PRICES_FILE.read_text())
    assert raw["as_of"] and raw["currency"] == "USD"
    for name, p in raw["models"].items():
        assert set(p) == {"input", "output", "cache_read", "cache_write"}, name
        assert 0 < p["cache_read"] <= p["input"] < p["output"], name


@pytest.mark.parametrize(
    ("model", "key"),
    [
        ("claude-sonnet-4-5", "claude-sonnet-4-5"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("anthropic/claude-opus-4-1", "claude-opus-4-1"),
        ("gpt-5-mini-2025-08-07", "gpt-5-mini"),
        ("openai/gpt-5", "gpt-5"),
        ("gpt-5.1-codex-max", "gpt-5.1-codex"),
    ],
)
def test_lookup_by_name_variants(model: str, key: str) -> None:
    table = load_prices()
    assert table.lookup(model) == table.models[key]


def test_unknown_models_have_no_price() -> None:
    assert load_prices().lookup("qwen3-coder-30b") is None
    assert cost_usd("qwen3-coder-30b", 100, 100) is None
    assert cost_usd("gpt-5", None, 10) is None


def test_cost_rule_separates_cached_input() -> None:
    # gpt-5: $1.25 in, $0.125 cached, $10 out per Mtok
    assert cost_usd("gpt-5", 1_000_000, 100_000, 400_000) == pytest.approx(
        0.6 * 1.25 + 0.4 * 0.125 + 1.0
    )
    # claude-sonnet-4-5 cache writes at $3.75
    assert cost_usd("claude-sonnet-4-5", 1_000_000, 0, 0, 1_000_000) == pytest.approx(3.75)


def test_fill_cost_keeps_vendor_figures() -> None:
    vendor = TraceSummary(tokens_in=10, tokens_out=10, cost_usd=1.5, cost_source="vendor")
    assert fill_cost(vendor, "gpt-5").cost_usd == 1.5
    table = fill_cost(TraceSummary(tokens_in=1_000_000, tokens_out=0, tokens_cache=0), "gpt-5")
    assert (table.cost_usd, table.cost_source) == (1.25, "price_table")
    unknown = fill_cost(TraceSummary(tokens_in=5, tokens_out=5), "local-model")
    assert unknown.cost_usd is None and unknown.cost_source is None


def test_replacement_table_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = tmp_path / "p.json"
    f.write_text(
        json.dumps(
            {"as_of": "2030-01-01", "models": {"local-model": {"input": 0.0, "output": 1.0}}}
        )
    )
    monkeypatch.setenv("COLLIDERBENCH_PRICES", str(f))
    assert load_prices().as_of == "2030-01-01"
    assert cost_usd("local-model", 10, 1_000_000) == 1.0
    f2 = tmp_path / "bad.json"
    f2.write_text("{")
    monkeypatch.setenv("COLLIDERBENCH_PRICES", str(f2))
    with pytest.raises(UserError):
        load_prices()


def test_killed_claude_run_prices_cache_writes_at_their_rate() -> None:
    """No result event (walltime kill): the cost comes from the table, cache writes at 6.25 $/M
    for claude-opus-4-5, not at the 5 $/M input rate."""
    from colliderbench.harness.vendors import parse_claude_code

    msg = {
        "type": "assistant",
        "message": {
            "id": "m1",
            "content": [{"type": "text", "text": "working"}],
            "usage": {
                "input_tokens": 0,
                "cache_read_input_tokens": 0,
                "cache_creation_input_tokens": 1_000_000,
                "output_tokens": 0,
            },
        },
    }
    summary = parse_claude_code((json.dumps(msg) + "\n").encode(), b"", -15)
    assert summary.tokens_in == 1_000_000 and summary.tokens_cache_write == 1_000_000
    assert fill_cost(summary, "claude-opus-4-5").cost_usd == pytest.approx(6.25)
