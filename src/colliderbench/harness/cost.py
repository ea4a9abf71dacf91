"""Dollar cost of a run from its token counts and the dated price table shipped as data.

The table is ``harness/data/prices.json`` (USD per million tokens, with the date the prices were
read); ``$COLLIDERBENCH_PRICES`` points at a replacement file of the same form.

Token convention used everywhere in the harness (run.json, the runs database):

- ``tokens_in``: every input token the model processed, *including* cached ones;
- ``tokens_cache``: the part of ``tokens_in`` read from the provider's prompt cache;
- ``tokens_out``: output tokens (reasoning tokens included, as the providers bill them).

So ``cost = (tokens_in - tokens_cache - cache_write) * input + tokens_cache * cache_read
+ cache_write * cache_write_price + tokens_out * output``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from colliderbench.errors import UserError
from colliderbench.harness.agent_spec import TraceSummary

PRICES_FILE = Path(__file__).resolve().parent / "data" / "prices.json"


@dataclass(frozen=True)
class Price:
    """Prices of one model in USD per million tokens."""

    input: float
    output: float
    cache_read: float
    cache_write: float


@dataclass(frozen=True)
class PriceTable:
    """A dated price table."""

    as_of: str
    models: dict[str, Price]
    source: Path

    def lookup(self, model: str | None) -> Price | None:
        """The price of ``model``: exact name, then without a provider prefix or a date suffix,
        then the longest table entry the name starts with; None when unknown."""
        if not model:
            return None
        name = model.strip().lower()
        candidates = [name]
        if "/" in name:  # "anthropic/claude-sonnet-4-5", "openai/gpt-5"
            candidates.append(name.rsplit("/", 1)[1])
        for c in list(candidates):
            # strip date/version suffixes: -20250929, -2025-08-07, @20250514, -latest
            stripped = re.sub(r"([-@](\d{8}|\d{4}-\d{2}-\d{2})|-latest)$", "", c)
            candidates.append(stripped)
        for c in candidates:
            if c in self.models:
                return self.models[c]
        best: str | None = None
        for c in candidates:
            for key in self.models:
                if c.startswith(key + "-") or c.startswith(key + "."):
                    if best is None or len(key) > len(best):
                        best = key
        return self.models[best] if best else None


def load_prices(path: Path | str | None = None) -> PriceTable:
    """Read a price table (default: ``$COLLIDERBENCH_PRICES`` or the shipped one)."""
    if path is None:
        env = os.environ.get("COLLIDERBENCH_PRICES")
        path = Path(env) if env else PRICES_FILE
    return _load(str(path))


@lru_cache(maxsize=8)
def _load(path: str) -> PriceTable:
    p = Path(path)
    try:
        raw = json.loads(p.read_text())
        models = {
            name.lower(): Price(
                input=float(v["input"]),
                output=float(v["output"]),
                cache_read=float(v.get("cache_read", v["input"])),
                cache_write=float(v.get("cache_write", v["input"])),
            )
            for name, v in raw["models"].items()
        }
        return PriceTable(as_of=str(raw["as_of"]), models=models, source=p)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UserError(f"cannot read the price table {p}: {exc}") from exc


def cost_usd(
    model: str | None,
    tokens_in: int | None,
    tokens_out: int | None,
    tokens_cache: int | None = 0,
    cache_write: int | None = 0,
    *,
    table: PriceTable | None = None,
) -> float | None:
    """Cost in USD under the token convention above; None when the model or the counts are unknown."""
    if tokens_in is None or tokens_out is None:
        return None
    price = (table or load_prices()).lookup(model)
    if price is None:
        return None
    cached = tokens_cache or 0
    written = cache_write or 0
    fresh = max(0, tokens_in - cached - written)
    total = (
        fresh * price.input
        + cached * price.cache_read
        + written * price.cache_write
        + tokens_out * price.output
    )
    return round(total / 1e6, 6)


def fill_cost(summary: TraceSummary, model: str | None) -> TraceSummary:
    """Give a trace summary a cost from the price table when the vendor reported none.

    A vendor figure (``cost_source == "vendor"``) is kept as is; otherwise, with token counts and a
    known model, ``cost_usd`` is computed and ``cost_source`` set to ``"price_table"``."""
    if summary.cost_usd is not None:
        return summary
    value = cost_usd(
        model,
        summary.tokens_in,
        summary.tokens_out,
        summary.tokens_cache,
        summary.tokens_cache_write,
    )
    if value is not None:
        summary.cost_usd = value
        summary.cost_source = "price_table"
    return summary
