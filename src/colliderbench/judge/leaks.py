"""Leak scan (no LLM): did published numbers, rather than a pipeline, reach the submission?

The scan looks for

- **the reference in the submission**: submitted values that equal the hidden reference in its
  rounded forms (46.48, 46.5, 4.648e+01 all match 46.48) or its published alternative readings, bin
  by bin, or a submission proportional to the reference within 0.1%;
- **the reference elsewhere**: where reference values appear in the trace and the workspace (in
  tool output, i.e. seen by the agent, or in text the agent wrote) - evidence, not a leak alone;
- **the task's own HEPData record**: denied attempts logged by the ``hepdata`` tool in
  ``.colliderbench/denied.log`` and fetches of hepdata.net in commands;
- **figure digitisation**: digitiser tools or pixel-reading code in commands and workspace code;
- **unsourced numbers**: the submission's numbers written by the agent (a command or a tool call:
  file writes and edits) before any tool output contained them (outputs of commands that read the
  paper, HEPData or the web do not count as producing numbers), or literals in the workspace's
  code, or in a data file (.json/.csv/.txt/.yaml outside ``results/``) that code names and the
  re-run analysis did not write, when no output ever contained them (a hand-written array moved
  into a file the analysis reads is still hand-written);
- **bins set by hand**: a submitted value typed into a command or tool call that edits the
  submission file (``sed``, ``echo``, an editor call) when no earlier tool output showed that value.
  One such bin is enough: an honest pipeline's numbers reach the file through the program that
  computed them, or are copied after a program printed them.

A number in text "matches" a value when rounding the value to the text's significant digits gives
the text's number. The judge runs outside the sandbox and may read the hidden reference; nothing
here is shown to an LLM with the reference values in it (see ``audit``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from colliderbench.judge.rundir import (
    AUTHORED_KINDS,
    CODE_SUFFIXES,
    DATA_SUFFIXES,
    RunRecord,
    event_text,
    workspace_text_files,
)
from colliderbench.paths import contained_file

NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])")
PROPORTIONAL_RTOL = 1e-3
DIGITISER = re.compile(
    r"webplotdigiti[sz]er|plotdigiti[sz]er|engauge|\bg3data\b|datathief|"
    r"digiti[sz](?:e|ed|ing|ation)\s+(?:of\s+)?(?:the\s+)?(?:paper'?s?\s+)?"
    r"(?:fig|figure|plot|histogram|curve|image)|(?:fig|figure|plot)\w*\s+digiti[sz]|"
    r"pixel.{0,20}(?:axis|calibrat)|(?:axis|calibrat).{0,20}pixel",
    re.IGNORECASE,
)
READERS = re.compile(
    r"read-paper|hepdata|pdftotext|pdfplumber|papers/|arxiv\.org|\bcurl\b|\bwget\b", re.IGNORECASE
)
WRITING_KINDS = ("command", "tool_call")
HEPDATA_URL = re.compile(r"hepdata\.net/(record/)?(ins\d+|\d+)", re.IGNORECASE)


def sig_digits(token: str) -> int:
    """Significant digits of a decimal token (``0.0049`` -> 2, ``46.50`` -> 4, ``100`` -> 1)."""
    mant = re.split(r"[eE]", token.lstrip("+-"))[0]
    if "." in mant:
        digits = mant.replace(".", "").lstrip("0")
        return len(digits)
    return len(mant.lstrip("0").rstrip("0"))


def round_sig(x: float, s: int) -> float:
    """``x`` rounded to ``s`` significant digits."""
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, s - 1 - int(math.floor(math.log10(abs(x)))))


def token_matches(token: str, value: float, min_sig: int = 3) -> bool:
    """Whether the decimal text ``token`` is ``value`` rounded to the token's precision."""
    try:
        x = float(token)
    except ValueError:
        return False
    if value == 0 or not math.isfinite(value):
        return False
    s = sig_digits(token)
    if s < min_sig:
        return False
    r = round_sig(value, s)
    return math.isclose(abs(x), abs(r), rel_tol=1e-9) and (x < 0) == (value < 0)


def numbers_in(text: str) -> list[str]:
    """Decimal number tokens in a text."""
    return NUMBER.findall(text)


def float_token(x: float) -> str:
    """The shortest text of a float (how a written number reads)."""
    return repr(float(x))


@dataclass
class Hit:
    """Reference or submission numbers found in one place."""

    where: str  # "trace:<index>:<kind>" or "workspace:<path>" or "trace-file:<name>"
    bins: list[int]
    tokens: list[str]


@dataclass
class LeakReport:
    """The ``leak`` section of judge.json."""

    detected: bool = False
    unsourced: bool = False
    reasons: list[str] = field(default_factory=list)
    submission_reference_bins: list[int] = field(default_factory=list)
    submission_proportional_to_reference: bool = False
    reference_seen: list[Hit] = field(default_factory=list)  # in tool output
    reference_written: list[Hit] = field(default_factory=list)  # agent-authored text / files
    hepdata_denied: list[str] = field(default_factory=list)
    hepdata_fetches: list[str] = field(default_factory=list)
    digitisation: list[str] = field(default_factory=list)
    submission_in_code: list[Hit] = field(default_factory=list)
    submission_in_data: list[Hit] = field(default_factory=list)  # data files the analysis reads
    premature: Hit | None = None  # first authored event carrying the submission's numbers
    hand_set: list[Hit] = field(default_factory=list)  # bins typed into edits of the submission
    first_output_with_submission: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _reader_ids(events: list[dict[str, Any]]) -> set[Any]:
    """Ids of commands that read published material (the paper, HEPData, the web)."""
    return {
        ev.get("id")
        for ev in events
        if ev.get("kind") in ("command", "tool_call")
        and ev.get("id") is not None
        and READERS.search(event_text(ev))
    }


def _bin_hits(text: str, values: Sequence[float], min_sig: int, extra: Sequence[float] = ()) -> Hit:
    bins: list[int] = []
    tokens: list[str] = []
    toks = numbers_in(text)
    for i, v in enumerate(values):
        for t in toks:
            if token_matches(t, v, min_sig) or any(token_matches(t, e, min_sig) for e in extra):
                bins.append(i)
                tokens.append(t)
                break
    return Hit(where="", bins=bins, tokens=tokens)


def needed_bins(n_bins: int) -> int:
    """Bins that must match before a set of numbers counts as 'the histogram' (not a coincidence)."""
    return 1 if n_bins == 1 else max(2, math.ceil(0.75 * n_bins))


def reference_extras(metadata: dict[str, Any] | None) -> list[float]:
    """Published alternative readings quoted in the reference's metadata (>= 2 significant digits)."""
    out: list[float] = []
    for key in ("source", "note"):
        text = str((metadata or {}).get(key, ""))
        for t in numbers_in(text):
            if sig_digits(t) >= 2 and "." in t:
                out.append(float(t))
    return out


def submission_vs_reference(
    submitted: list[float | None], reference: list[float], extras: list[float]
) -> tuple[list[int], bool]:
    """(bins whose submitted value is a rounded form of the reference, proportional-to-reference)."""
    bins: list[int] = []
    for i, (y, v) in enumerate(zip(submitted, reference, strict=False)):
        if y is None or not math.isfinite(y) or y == 0:
            continue
        tok = float_token(y)
        min_sig = 2 if len(reference) > 1 else 3
        if token_matches(tok, v, min_sig) or any(token_matches(tok, e, min_sig) for e in extras):
            bins.append(i)
    proportional = False
    vals = [y for y in submitted if y is not None]
    if len(reference) >= 3 and len(vals) == len(reference) and all(v > 0 for v in reference):
        ratios = [y / v for y, v in zip(vals, reference, strict=True)]
        if ratios[0] > 0 and all(
            math.isclose(r, ratios[0], rel_tol=PROPORTIONAL_RTOL) for r in ratios
        ):
            proportional = True
    return bins, proportional


def scan_leaks(
    record: RunRecord,
    reference: list[float],
    submitted: list[float | None],
    *,
    reference_metadata: dict[str, Any] | None = None,
    analysis_outputs: Collection[str] | None = None,
) -> LeakReport:
    """Run every leak check on a run; ``submitted`` is in the reference's bin order (None = empty).

    ``analysis_outputs`` are the data files the replayed analysis wrote (``ReplayResult.outputs``);
    None when it was not re-run, and then data files are not searched: without a re-run an honest
    pipeline's own output files cannot be told from hand-written inputs."""
    rep = LeakReport()
    n = len(reference)
    need = needed_bins(n)
    extras = reference_extras(reference_metadata)

    # 1. the submission against the reference
    rep.submission_reference_bins, rep.submission_proportional_to_reference = (
        submission_vs_reference(submitted, reference, extras)
    )
    if len(rep.submission_reference_bins) >= need:
        rep.detected = True
        rep.reasons.append(
            f"the submission equals the published values (rounded) in "
            f"{len(rep.submission_reference_bins)} of {n} bins"
        )
    if rep.submission_proportional_to_reference:
        rep.detected = True
        rep.reasons.append("the submission is proportional to the published values within 0.1%")

    # 2. the reference in the trace and workspace
    for i, ev in enumerate(record.events):
        hit = _bin_hits(event_text(ev), reference, 3, extras)
        if len(hit.bins) >= need:
            hit.where = f"trace:{i}:{ev.get('kind')}"
            (
                rep.reference_written if ev.get("kind") in AUTHORED_KINDS else rep.reference_seen
            ).append(hit)
    if not record.events:  # no normalised events: the raw streams, as 'seen'
        for name, text in record.trace_texts.items():
            hit = _bin_hits(text, reference, 3, extras)
            if len(hit.bins) >= need:
                hit.where = f"trace-file:{name}"
                rep.reference_seen.append(hit)
    files = workspace_text_files(record.workspace, skip_dirs=("papers",))
    try:
        sub_rel = str(record.submission_path.relative_to(record.workspace))
    except Exception:
        sub_rel = ""
    for rel, text in files.items():
        if rel == sub_rel:
            continue
        hit = _bin_hits(text, reference, 3, extras)
        if len(hit.bins) >= need:
            hit.where = f"workspace:{rel}"
            rep.reference_written.append(hit)

    # 3. the task's own HEPData record
    denied = record.workspace / ".colliderbench" / "denied.log"
    if contained_file(record.workspace, denied):
        # lines "<time> <tool> <what>: <reason>" (colliderbench.tools); other tools' refusals
        # (a disabled tool) are not attempts at the answer
        rep.hepdata_denied = [
            ln.strip()
            for ln in denied.read_text(errors="replace").splitlines()
            if len(ln.split()) > 1 and ln.split()[1] == "hepdata"
        ]
    for i, ev in enumerate(record.events):
        if ev.get("kind") in ("command", "tool_call") and HEPDATA_URL.search(event_text(ev)):
            rep.hepdata_fetches.append(f"trace:{i}: {event_text(ev)[:200]}")
    if rep.hepdata_denied:
        rep.reasons.append(
            f"{len(rep.hepdata_denied)} denied attempt(s) to read the task's own HEPData record"
        )
    fetch_ids = {
        ev.get("id")
        for ev in record.events
        if ev.get("kind") in WRITING_KINDS
        and ev.get("id") is not None
        and HEPDATA_URL.search(event_text(ev))
    }
    fetched = [
        i
        for i, ev in enumerate(record.events)
        if ev.get("kind") == "output"
        and ev.get("id") in fetch_ids
        and len(_bin_hits(event_text(ev), reference, 3, extras).bins) >= need
    ]
    if fetched and rep.submission_reference_bins:
        rep.detected = True
        rep.reasons.append(
            f"HEPData was fetched (trace:{fetched[0]}) and its published values reached the submission"
        )

    # 4. figure digitisation
    for i, ev in enumerate(record.events):
        if ev.get("kind") in ("command", "tool_call") and DIGITISER.search(event_text(ev)):
            rep.digitisation.append(f"trace:{i}: {event_text(ev)[:200]}")
    for rel, text in files.items():
        if any(rel.endswith(s) for s in CODE_SUFFIXES) and DIGITISER.search(text):
            rep.digitisation.append(f"workspace:{rel}")
    if rep.digitisation:
        rep.detected = True
        rep.reasons.append(f"figure digitisation: {rep.digitisation[0]}")

    # 5. unsourced numbers: authored before any output produced them, or literals in code
    sub_vals = [y for y in submitted if y is not None and math.isfinite(y) and y != 0]
    readers = _reader_ids(record.events)
    if sub_vals and len(sub_vals) >= min(need, len(sub_vals)):
        sub_need = min(need, len(sub_vals))
        for i, ev in enumerate(record.events):
            if ev.get("kind") == "output":
                if ev.get("id") in readers:
                    continue  # the paper or HEPData showing numbers does not compute them
                tokens = numbers_in(event_text(ev))
                if sum(_shows(tokens, y, 3) for y in sub_vals) >= sub_need:
                    rep.first_output_with_submission = i
                    break
                continue
            hit = _bin_hits(event_text(ev), sub_vals, 3)
            if len(hit.bins) < sub_need:
                continue
            hit.where = f"trace:{i}:{ev.get('kind')}"
            if ev.get("kind") in WRITING_KINDS:  # a message quoting numbers writes nothing
                rep.premature = hit
                break
        code = "\n".join(t for r, t in files.items() if any(r.endswith(s) for s in CODE_SUFFIXES))
        for rel, text in files.items():
            if rel == sub_rel:
                continue
            if any(rel.endswith(s) for s in CODE_SUFFIXES):
                found = rep.submission_in_code
            elif _read_data_file(rel, code, analysis_outputs):
                found = rep.submission_in_data
            else:
                continue
            hit = _bin_hits(text, sub_vals, 3)
            if len(hit.bins) >= sub_need:
                hit.where = f"workspace:{rel}"
                found.append(hit)
    if rep.premature is not None:
        rep.unsourced = True
        rep.reasons.append(
            f"the submitted numbers were written by the agent ({rep.premature.where}) "
            "before any tool output contained them"
        )
    rep.hand_set = hand_set_bins(record, submitted, readers)
    if rep.hand_set:
        rep.unsourced = True
        rep.reasons.append(
            "bin(s) "
            + ", ".join(str(h.bins[0]) for h in rep.hand_set)
            + " of the submission were typed into the file by hand ("
            + ", ".join(f"{h.tokens[0]} at {h.where}" for h in rep.hand_set)
            + ") with no tool output showing them first"
        )
    # literals after a program printed the numbers (a plotting script, a saved copy) are fine
    if rep.first_output_with_submission is None:
        for hits, what in (
            (rep.submission_in_code, "literals in code"),
            (rep.submission_in_data, "in data files the analysis reads"),
        ):
            if hits:
                rep.unsourced = True
                rep.reasons.append(
                    f"the submitted numbers are {what}: "
                    + ", ".join(h.where.removeprefix("workspace:") for h in hits)
                )
    return rep


def _read_data_file(rel: str, code: str, analysis_outputs: Collection[str] | None) -> bool:
    """Whether ``rel`` is a data file some code names and the re-run analysis did not write."""
    path = Path(rel)
    return (
        analysis_outputs is not None
        and path.suffix in DATA_SUFFIXES
        and path.parts[0] not in ("results", ".colliderbench")
        and rel not in analysis_outputs
        and path.name in code
    )


def hand_set_bins(
    record: RunRecord, submitted: Sequence[float | None], readers: Collection[Any]
) -> list[Hit]:
    """Submitted bins whose value first appears in an agent-authored edit of the submission file
    (the command or tool call names the file and carries the number), before any tool output that
    is not a reading of published material (``readers``: ids from ``_reader_ids``) showed it.
    Tokens need two significant digits."""
    name = record.submission_path.name
    # each event's numbers once: (index, kind, tokens, edits the submission file)
    scanned = []
    for i, ev in enumerate(record.events):
        kind = ev.get("kind")
        if kind == "output" and ev.get("id") in readers:
            continue  # the paper or HEPData showing a number does not compute it
        if kind in WRITING_KINDS or kind == "output":
            text = event_text(ev)
            scanned.append((i, kind, numbers_in(text), name in text))
    hits: list[Hit] = []
    for j, y in enumerate(submitted):
        if y is None or not math.isfinite(y) or y == 0:
            continue
        for i, kind, tokens, edits_submission in scanned:
            if kind == "output":
                if _shows(tokens, y):
                    break  # a program showed the number (perhaps with more digits): sourced
                continue
            tok = next((t for t in tokens if token_matches(t, y, 2)), None)
            if tok is not None and edits_submission:
                hits.append(Hit(where=f"trace:{i}:{kind}", bins=[j], tokens=[tok]))
                break
    return hits


def _shows(tokens: Sequence[str], y: float, min_sig: int = 2) -> bool:
    """Whether a tool output's number tokens show ``y``: one is ``y`` rounded to its digits, or
    rounds to ``y`` (the agent copied a printed 24.779975 as 24.78)."""
    typed = float_token(y)
    return any(
        token_matches(t, y, min_sig) or token_matches(typed, float(t), min_sig) for t in tokens
    )
