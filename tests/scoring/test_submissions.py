"""The scorer against valid and malformed submissions: it never raises, and always says why."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from colliderbench.corpus import load_task, template_path
from colliderbench.histogram import fill_template, load_documents
from colliderbench.scoring import score_submission

TASK = "sus-16-046_sim-T5Wg"
REF = [0.49, 1.78, 6.10, 46.48]


def write(tmp_path: Path, text: str, name: str = "sub.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def filled(values) -> str:
    return fill_template(template_path(TASK), values)


def test_exact_reference_scores_zero(tmp_path):
    r = score_submission(TASK, write(tmp_path, filled(REF)))
    assert r.valid and r.relative_l2 == 0 and r.delta_norm == 0 and r.n_filled == 4


def test_bare_histogram_and_reordered_bins(tmp_path):
    docs = list(yaml.safe_load_all(filled(REF)))
    table = docs[1]
    # reverse the bin order: bins are matched by edges, not by position
    table["independent_variables"][0]["values"].reverse()
    table["dependent_variables"][0]["values"].reverse()
    r = score_submission(TASK, write(tmp_path, yaml.safe_dump(table)))
    assert r.valid and r.relative_l2 == 0


def _with_value_texts(texts: list[str]) -> str:
    """The filled template with each bin's value replaced by a literal YAML text."""
    out = filled(REF)
    for ref, text in zip(REF, texts, strict=True):
        out = out.replace(f"value: {ref}", f"value: {text}", 1)
    return out


def test_scientific_notation_without_a_dot_is_a_number(tmp_path):
    # YAML 1.1 would read 1e-05 as a string; Python's %g and json.dumps write numbers that way
    r = score_submission(
        TASK, write(tmp_path, _with_value_texts(["4.9e-1", "1.78", "6.1E+0", "4648e-2"]))
    )
    assert r.valid and r.relative_l2 == 0
    r = score_submission(
        TASK, write(tmp_path, _with_value_texts(["'1e5'", "1.78", "6.10", "46.48"]))
    )
    assert not r.valid and "not a number" in r.reason  # quoted text stays text


def test_numbers_too_large_are_invalid_not_a_crash(tmp_path):
    r = score_submission(TASK, write(tmp_path, _with_value_texts(["1" + "0" * 400, "1", "1", "1"])))
    assert not r.valid and "too large" in r.reason
    r = score_submission(TASK, write(tmp_path, _with_value_texts(["1.0e+308"] * 4)))
    assert not r.valid and "too large" in r.reason


def test_shape_task_scores_the_distribution_of_absolute_yields(tmp_path):
    task = "sus-16-046_shape-T5Wg"
    text = fill_template(template_path(task), [2 * v for v in REF])  # absolute, doubled
    r = score_submission(task, write(tmp_path, text))
    assert r.valid and r.shape_l2 == pytest.approx(0, abs=1e-12)
    assert r.relative_l2 == r.shape_l2 == r.primary and r.delta_norm is None


def test_wrong_edges_are_invalid(tmp_path):
    text = filled(REF).replace("low: 800.0, high: 1000.0", "low: 800.0, high: 1100.0")
    r = score_submission(TASK, write(tmp_path, text))
    assert not r.valid and "[800, 1000)" in r.reason


def test_extra_bin_is_invalid(tmp_path):
    docs = list(yaml.safe_load_all(filled(REF)))
    docs[1]["independent_variables"][0]["values"].append({"low": 1600.0, "high": 2000.0})
    docs[1]["dependent_variables"][0]["values"].append({"value": 1.0})
    r = score_submission(TASK, write(tmp_path, yaml.safe_dump_all(docs)))
    assert not r.valid and "1600" in r.reason


def test_template_itself_is_invalid(tmp_path):
    r = score_submission(TASK, template_path(TASK))
    assert not r.valid and "null" in r.reason and r.n_filled == 0


def test_missing_file_and_not_yaml(tmp_path):
    assert "not found" in score_submission(TASK, tmp_path / "nope.yaml").reason
    assert not score_submission(TASK, write(tmp_path, "a: [1, 2\n")).valid
    assert not score_submission(TASK, write(tmp_path, "\x00\x01 binary")).valid
    assert "no submission" in score_submission(TASK, None).reason


def test_nan_inf_negative_string(tmp_path):
    for bad, word in (
        (".nan", "NaN"),
        (".inf", "infinite"),
        ("-1.0", "negative"),
        ("'1.5'", "not a number"),
    ):
        text = filled([1.0, 2.0, 3.0, 4.0]).replace("value: 2.0", f"value: {bad}")
        r = score_submission(TASK, write(tmp_path, text))
        assert not r.valid and word in r.reason, (bad, r.reason)


def test_yield_and_shape_tasks(tmp_path):
    y = load_task("sus-16-047_yield-T5Wg_highHT")
    r = score_submission(y, write(tmp_path, fill_template(template_path(y), [9.16883])))
    assert r.valid and r.relative_l2 < 1e-9  # the corrected signal-region sum
    s = load_task("sus-16-046_shape-T5Wg")
    doubled = [2 * v for v in REF]
    r = score_submission(s, write(tmp_path, fill_template(template_path(s), doubled)))
    assert r.valid and r.shape_l2 < 1e-9 and r.primary == r.shape_l2


yaml_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10**6),
    st.integers(10**300, 10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(doc=yaml_values)
def test_arbitrary_yaml_never_raises(tmp_path, doc):
    r = score_submission(TASK, write(tmp_path, yaml.safe_dump(doc)))
    assert r.valid is False and r.reason


def _finite(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    try:
        x = float(v)
    except OverflowError:
        return None
    return x if math.isfinite(x) else None


@settings(
    max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(values=st.lists(yaml_scalars, min_size=0, max_size=6), keep=st.booleans())
def test_mutated_values_never_raise_and_are_explained(tmp_path, values, keep):
    docs = list(yaml.safe_load_all(filled(REF)))
    entries = docs[1]["dependent_variables"][0]["values"]
    if keep and len(values) == 4:
        for e, v in zip(entries, values, strict=True):
            e["value"] = v
    else:
        docs[1]["dependent_variables"][0]["values"] = [{"value": v} for v in values]
    text = yaml.safe_dump_all(docs)
    r = score_submission(TASK, write(tmp_path, text))
    # what the values are as the scorer reads them (YAML 1.2: an unquoted 1e5 is a number)
    seen = [e.get("value") for e in load_documents(text)[1]["dependent_variables"][0]["values"]]
    numbers = [_finite(v) for v in seen]
    ok = len(seen) == 4 and all(x is not None and x >= 0 for x in numbers)
    if all(x is None or x < 1e150 for x in numbers):
        assert r.valid == ok
    else:  # huge values are invalid when the metrics overflow, never valid when not numbers
        assert ok or not r.valid
    if not r.valid:
        assert r.reason
    else:
        assert r.relative_l2 is not None and math.isfinite(r.relative_l2)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=200))
def test_arbitrary_text_never_raises(tmp_path, text):
    r = score_submission(TASK, write(tmp_path, text))
    assert not r.valid and r.reason
