"""``tally explain``: the audit trail behind each estimate, in sentences and as JSON.

For each estimate (statistics.md section 9, items 1–6): the headline, what the range means, every
report with how its phrase was read and what became of it, the arithmetic tally did on one origin's
own figures, and the flags as sentences naming the reports involved.  Nothing is recomputed: this
only puts into words what the engine recorded.  To explain some estimates only, pass a
``Reconciliation`` holding just those (``result.with_estimates(...)``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import IO, Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from casualty_cli.estimates import (
    Derivation,
    Estimate,
    Evidence,
    Received,
    Reconciliation,
    Scope,
    Status,
)
from casualty_cli.model import (
    Component,
    DatePrecision,
    DateValue,
    Quantity,
    QuantityKind,
    ReportTable,
)
from casualty_cli.render.estimates import (
    claimed_text,
    count_text,
    headline,
    period_text,
    range_text,
    scope_words,
)
from casualty_cli.render.records import write_json
from casualty_cli.render.safe import terminal_text

RANGE_SENTENCE = (
    "Given these reports and our reliability grades, there is an 80% chance the true count for "
    "this place and period lies in this range. It does not include deaths no source has reported."
)

# How a qualified number is written back, whatever synonym the report used ("over" → "more than").
_KIND_WORDS: dict[QuantityKind, str] = {
    QuantityKind.AT_LEAST: "at least",
    QuantityKind.MORE_THAN: "more than",
    QuantityKind.UP_TO: "up to",
    QuantityKind.FEWER_THAN: "fewer than",
    QuantityKind.NEARLY: "nearly",
    QuantityKind.ABOUT: "about",
}

STATUS_WORDS: dict[Status, str] = {
    Status.USED: "used",
    Status.SUPERSEDED: "superseded",
    Status.DUPLICATE_ORIGIN: "duplicate",
    Status.SUBSUMED: "subsumed",
    Status.INCONSISTENT: "inconsistent",
    Status.DISCOUNTED: "discounted",
    Status.CONTESTED: "contested",
}

# What became of a derived claim that was not used, as the end of a sentence.
_STATUS_CLAUSES: dict[Status, str] = {
    Status.SUPERSEDED: "superseded by a later figure",
    Status.DUPLICATE_ORIGIN: "a duplicate of a figure already counted",
    Status.SUBSUMED: "subsumed by a more precise figure from the same origin",
    Status.INCONSISTENT: "set aside: it contradicts the origin's other figures",
    Status.DISCOUNTED: "discounted: it is almost certainly wrong given the rest",
    Status.CONTESTED: "contested: it is doubtful given the rest",
}

_DERIVATION_NOUNS: dict[str, str] = {
    "derived_sum": "parts",
    "derived_difference": "difference",
    "revision_cap": "revision",
}

# Each flag as a sentence (statistics.md section 5.5), most severe first: the order they print in.
FLAG_SENTENCES: dict[str, str] = {
    "disputed": (
        "Well-graded reports disagree: their ranges do not overlap and each keeps real support, "
        "so the range spans both."
    ),
    "parts_exceed_whole": (
        "The parts reported separately add up to more than the total's own reports allow; the "
        "total was raised and the parts capped (see 'From its family')."
    ),
    "same_origin_inconsistent": (
        "One origin gave figures that cannot all be true; only its latest one was kept."
    ),
    "time_conflict": (
        "Cumulative figures go down over time, which cannot happen; the ranges were widened."
    ),
    "unattributed_remainder": (
        "The total is well above the sum of its parts: some deaths are not attributed to any part."
    ),
    "downward_revision": (
        "An origin revised its figure down; the later, lower figure caps the earlier one."
    ),
    "discounted": (
        "Some reports are almost certainly wrong given the rest (under 5% support) and barely "
        "count."
    ),
    "contested": (
        "Some reports are doubtful given the rest (5–20% support) and count only weakly."
    ),
    "single_source": (
        "All the evidence comes from one origin: the range reflects only that source's own "
        "imprecision."
    ),
    "wide_range": (
        "The 80% range is wide (its top is more than three times its bottom): handle the best "
        "estimate with care."
    ),
    "overlap_bounds_only": (
        "Only overlapping windows cover this period; overlapping counts are never added, so the "
        "range runs from the largest of them to their sum."
    ),
    "stale_only": "No report is as of this date: the estimate rests on older figures.",
    "coherence_adjusted": (
        "The best estimate was moved so that parts do not exceed their whole and cumulative "
        "counts never fall."
    ),
    "residual_derived": (
        "No report covers this scope: the figure is the whole minus its other parts."
    ),
    "open_bound_capped": (
        "A report gave only a lower bound ('more than X'); tally assumes at most twice X, and that "
        "cap shapes the top of the range."
    ),
    "unparsed_quantity": (
        "A report's count could not be read as a number (e.g. 'many') and was not used."
    ),
    "casualties_ambiguous": (
        "A report said 'casualties', which may include the injured; it was not used as a count."
    ),
    "superseded": "Some reports were replaced by later figures from the same origin.",
    "subsumed": "Some reports were replaced by a more precise figure from the same origin.",
    "duplicate_origin": (
        "Some reports repeat a figure already counted from the same origin: relays of one origin "
        "are one piece of evidence."
    ),
}

# Claim-level flags: the reports involved are those whose status is the flag.
_STATUS_FLAGS: dict[str, Status] = {
    "discounted": Status.DISCOUNTED,
    "contested": Status.CONTESTED,
    "superseded": Status.SUPERSEDED,
    "subsumed": Status.SUBSUMED,
    "duplicate_origin": Status.DUPLICATE_ORIGIN,
    "same_origin_inconsistent": Status.INCONSISTENT,
}

# "disputed" (statistics.md 5.5): claims with q ≥ .5 whose support stays ≥ .20.
_DISPUTE_Q = 0.5
_DISPUTE_SUPPORT = 0.20

# Probabilities in JSON: enough digits to audit, few enough not to show float noise.
_DIGITS = 6


# ----------------------------------------------------------------------------------------------
# Words


def percent_text(probability: float | None) -> str:
    """``97%``; never ``0%`` or ``100%`` for a probability that is neither."""
    if probability is None:
        return "—"
    if 0 < probability < 0.005:
        return "<1%"
    if 0.995 <= probability < 1:
        return ">99%"
    return f"{probability:.0%}"


def band_text(component: Component) -> str:
    if component.low == component.high:
        return count_text(component.low)
    return range_text(component.low, component.high)


def most_likely(kernel: Sequence[Component]) -> Component:
    """The band of highest density on the log(1 + n) base measure; the first one on a tie.

    That is where a reader should expect the count, e.g. 1,001–1,102 for "more than 1,000".
    """

    def density(component: Component) -> float:
        measure = math.log((component.high + 2) / (component.low + 1))
        return component.weight / measure

    return max(kernel, key=density)  # max() keeps the first of equals


def stated_text(quantity: Quantity) -> str:
    """The phrase normalised: ``more than 1,000`` for "over 1000", ``dozens``, ``10–20``."""
    if quantity.kind is QuantityKind.VAGUE:
        return quantity.word or quantity.text
    if quantity.kind is QuantityKind.RANGE and quantity.high is not None:
        return range_text(quantity.low, quantity.high)
    if quantity.value is None:
        return quantity.text
    word = _KIND_WORDS.get(quantity.kind)
    return f"{word} {count_text(quantity.value)}" if word else count_text(quantity.value)


def reading_text(quantity: Quantity) -> str:
    """``more than 1,000 → 1,001–2,002, most likely 1,001–1,102`` (statistics.md 9, item 3)."""
    low, high = quantity.support
    text = f"{stated_text(quantity)} → {range_text(low, high) if low != high else count_text(low)}"
    if len(quantity.kernel) > 1:
        text += f", most likely {band_text(most_likely(quantity.kernel))}"
    if quantity.notes:
        text += f" ({'; '.join(quantity.notes)})"
    return text


def _published(value: DateValue | None) -> str | None:
    if value is None:
        return None
    if value.instant is not None:
        return value.instant.isoformat()
    if value.precision is DatePrecision.DAY:
        return value.start.isoformat()
    return f"{value.start.isoformat()}/{value.end.isoformat()}"


def _where(reports: ReportTable, row: int) -> str:
    return str(reports.location(row))


def _quoted(text: str) -> str:
    return f"'{text}'"


# ----------------------------------------------------------------------------------------------
# Derivations and flags as sentences


def _replaced(estimate: Estimate, derivation: Derivation, reports: ReportTable) -> list[str]:
    """The phrases of the origin's own reports that a used derived figure stands in for."""
    standing_in = (Status.SUBSUMED, Status.SUPERSEDED, Status.DUPLICATE_ORIGIN)
    return [
        _quoted(reports.count[ev.row].text)
        for ev in estimate.evidence
        if ev.origin == derivation.origin
        and ev.status in standing_in
        and ev.row not in derivation.rows
    ]


def derivation_sentence(estimate: Estimate, derivation: Derivation, reports: ReportTable) -> str:
    """``SOHR parts: 745 + 125 + 148 = 1,018, used instead of SOHR's 'more than 1,000'.``"""
    noun = _DERIVATION_NOUNS.get(derivation.kind, derivation.kind.replace("_", " "))
    text = f"{derivation.origin} {noun}: {derivation.arithmetic}, "
    if derivation.status is Status.USED:
        replaced = _replaced(estimate, derivation, reports)
        if replaced:
            return text + f"used instead of {derivation.origin}'s {' and '.join(replaced)}."
        return text + "used."
    clause = _STATUS_CLAUSES.get(derivation.status, str(derivation.status))
    if derivation.support is not None:
        clause += f" (support {percent_text(derivation.support)})"
    return text + clause + "."


def _member_words(scope: Scope, dimension: str) -> str:
    """A family member named by the one coordinate its family varies."""
    if dimension == "category":
        return scope.category_path
    if dimension == "place":
        return scope.place_path or "everywhere"
    return scope.window_text()


def received_sentence(received: Received, scope: Scope) -> str:
    """A family's message to ``scope`` in words, with its arithmetic (statistics.md 5.3)."""
    parent, *parts = received.family
    from_parts = parent == scope
    whole = _member_words(parent, received.dimension)
    names = ", ".join(_member_words(part, received.dimension) for part in parts)
    support = "" if received.support is None else f", support {percent_text(received.support)}"
    q = f"weighted as q {received.q:g}{support}"
    if received.kind == "sum":
        return (
            f"Its parts ({names}), from other sources, add up to {count_text(received.value)} "
            f"(95%: {range_text(received.low, received.high)}): {received.arithmetic}; "
            f"fused as one more claim, {q}."
        )
    if received.kind == "union":
        return (
            f"Only overlapping windows ({names}) cover it, and they are never added: "
            f"{received.arithmetic}; read as {range_text(received.low, received.high)}, {q}."
        )
    if received.kind == "residual":
        return (
            f"No report counts it: {whole} less its other parts ({names}), "
            f"{received.arithmetic}; {q}."
        )
    if received.kind == "cap":
        return (
            f"At most {count_text(received.value)}: its whole ({whole}) less the lowest of its "
            f"other parts, {received.arithmetic}; {q}."
        )
    if not from_parts:
        return (
            f"At least {count_text(received.value)}: its whole ({whole}) less the highest of its "
            f"other parts, {received.arithmetic}; {q}."
        )
    return (
        f"At least {count_text(received.value)}: its parts ({names}) from other sources, "
        f"{received.arithmetic}; {q}."
    )


def received_record(received: Received, scope: Scope) -> dict[str, Any]:
    return {
        "kind": received.kind,
        "dimension": received.dimension,
        "family": [scope.describe() for scope in received.family],
        "value": received.value,
        "low": received.low,
        "high": received.high,
        "q": round(received.q, _DIGITS),
        "support": None if received.support is None else round(received.support, _DIGITS),
        "arithmetic": received.arithmetic,
        "sentence": received_sentence(received, scope),
    }


def _named(evidence: Sequence[Evidence], reports: ReportTable) -> list[str]:
    return [f"{ev.origin} ({_where(reports, ev.row)})" for ev in evidence]


def _involved(estimate: Estimate, flag: str, reports: ReportTable) -> list[str]:
    """The reports a flag is about, by origin, file and line."""
    if flag in _STATUS_FLAGS:
        status = _STATUS_FLAGS[flag]
        return _named([ev for ev in estimate.evidence if ev.status is status], reports)
    if flag == "disputed":
        disputing = [
            ev
            for ev in estimate.evidence
            if ev.status.counts
            and ev.q >= _DISPUTE_Q
            and ev.support is not None
            and ev.support >= _DISPUTE_SUPPORT
        ]
        return _named(disputing, reports)
    if flag == "downward_revision":
        return [
            f"{d.origin} ({', '.join(_where(reports, row) for row in d.rows)})"
            for d in estimate.derivations
            if d.kind == "revision_cap"
        ]
    return []


def _flag_order(flags: Sequence[str]) -> list[str]:
    severity = {flag: position for position, flag in enumerate(FLAG_SENTENCES)}
    # Unknown flags go last, in the order the engine gave them (sorted() is stable).
    return sorted(flags, key=lambda flag: severity.get(flag, len(severity)))


def flag_sentences(estimate: Estimate, reports: ReportTable) -> list[tuple[str, str]]:
    """``(flag, sentence)`` pairs, most severe first, each naming what it is about."""
    explained = []
    for flag in _flag_order(estimate.flags):
        sentence = FLAG_SENTENCES.get(flag, f"Flagged '{flag}'.")
        involved = _involved(estimate, flag, reports)
        if involved:
            sentence += f" Reports: {', '.join(involved)}."
        elif flag == "single_source" and estimate.origin_names:
            sentence += f" Origin: {', '.join(estimate.origin_names)}."
        explained.append((flag, sentence))
    return explained


def practice_sentence(estimate: Estimate) -> str:
    """Where the model stands against the raw spread (statistics.md 9, item 6)."""
    text = f"95% range {range_text(estimate.low95, estimate.high95)}."
    claimed = claimed_text(estimate.claimed_min, estimate.claimed_max)
    if claimed:
        text += f" Claimed by the reports used: {claimed}"
        spread = estimate.claimed_min != estimate.claimed_max
        text += " (lowest to highest, as Iraq Body Count)." if spread else "."
    if estimate.conservative is not None:
        text += f" Most conservative figure: {count_text(estimate.conservative)} (as ACLED)."
    return text


# ----------------------------------------------------------------------------------------------
# Records


def evidence_record(evidence: Evidence, reports: ReportTable) -> dict[str, Any]:
    report = reports.report(evidence.row)
    quantity = report.count
    window = report.window
    return {
        "file": report.location.file,
        "line": report.location.line,
        "source": report.source,
        "origin": evidence.origin,
        "via": report.via,
        "grade": report.grade.text,
        "q": round(evidence.q, _DIGITS),
        "phrase": quantity.text,
        "read_as": reading_text(quantity),
        "kind": str(quantity.kind),
        "kernel": [[c.low, c.high, round(c.weight, _DIGITS)] for c in quantity.kernel],
        "published": _published(report.published),
        "window": {
            "start": window.start.isoformat() if window.start else None,
            "end": window.end.isoformat() if window.end else None,
            "cumulative": window.cumulative,
        },
        "status": str(evidence.status),
        "support": None if evidence.support is None else round(evidence.support, _DIGITS),
        "reason": evidence.reason,
    }


def derivation_record(derivation: Derivation, reports: ReportTable) -> dict[str, Any]:
    return {
        "kind": derivation.kind,
        "origin": derivation.origin,
        "arithmetic": derivation.arithmetic,
        "value": derivation.value,
        "status": str(derivation.status),
        "q": round(derivation.q, _DIGITS),
        "support": None if derivation.support is None else round(derivation.support, _DIGITS),
        "reports": [_where(reports, row) for row in derivation.rows],
    }


def explain_record(estimate: Estimate, reports: ReportTable) -> dict[str, Any]:
    return {
        **estimate.record(),
        "scope": estimate.scope.describe(),
        "headline": headline(estimate),
        "evidence": [evidence_record(ev, reports) for ev in estimate.evidence],
        "derivations": [derivation_record(d, reports) for d in estimate.derivations],
        "received": [received_record(r, estimate.scope) for r in estimate.received],
        "flag_sentences": [
            {"flag": flag, "sentence": sentence}
            for flag, sentence in flag_sentences(estimate, reports)
        ],
    }


def explain_records(result: Reconciliation) -> list[dict[str, Any]]:
    """Per estimate: the contract row, the scope in words, the headline and the audit trail."""
    return [explain_record(estimate, result.table) for estimate in result.estimates]


def write_explain_json(result: Reconciliation, stream: IO[str], *, version: str) -> None:
    document = {
        "tally_version": version,
        "explanations": explain_records(result),
        "notes": list(result.notes),
    }
    write_json(document, stream)  # ensure_ascii=False, allow_nan=False


# ----------------------------------------------------------------------------------------------
# Text for people


def _safe(text: str, style: str = "") -> Text:
    # Text() is never parsed as markup; terminal_text() stops control characters and bidi tricks.
    return Text(terminal_text(text), style=style)


def _origin_via(evidence: Evidence, via: str | None) -> str:
    return f"{evidence.origin} / {via}" if via else evidence.origin


def _report_label(reports: ReportTable, row: int) -> str:
    # With one input file its name adds nothing but width: the user just typed it.
    if len(reports.files) == 1:
        return str(reports.lines[row])
    return _where(reports, row)


def evidence_table(estimate: Estimate, reports: ReportTable) -> Table:
    table = Table(box=box.SIMPLE_HEAD, highlight=False, pad_edge=False, show_edge=False)
    table.add_column(
        "line" if len(reports.files) == 1 else "report", overflow="fold", justify="right"
    )
    table.add_column("origin / via", overflow="fold")
    table.add_column("grade → q", no_wrap=True)
    table.add_column("phrase", overflow="fold")
    table.add_column("read as", overflow="fold")
    table.add_column("as of / window", overflow="fold")
    table.add_column("status", no_wrap=True)
    table.add_column("support", justify="right", no_wrap=True)
    table.add_column("why", overflow="fold")
    for ev in estimate.evidence:
        report = reports.report(ev.row)
        table.add_row(
            _safe(_report_label(reports, ev.row)),
            _safe(_origin_via(ev, report.via)),
            _safe(f"{report.grade.text} → {ev.q:g}"),
            _safe(_quoted(report.count.text)),
            _safe(reading_text(report.count)),
            Text(period_text(report.window)),
            Text(STATUS_WORDS.get(ev.status, str(ev.status))),
            Text(percent_text(ev.support)),
            _safe(ev.reason),
        )
    return table


def _bullets(console: Console, title: str, lines: Sequence[str]) -> None:
    if not lines:
        return
    console.print(Text(title, style="bold"))
    for line in lines:
        console.print(Text("  • ") + _safe(line))


def explain_block(estimate: Estimate, reports: ReportTable, console: Console) -> None:
    console.print(_safe(f"{estimate.rank}. {scope_words(estimate)}", style="bold underline"))
    console.print(_safe(headline(estimate), style="bold"))
    console.print(Text(RANGE_SENTENCE))
    console.print(Text(practice_sentence(estimate)))
    if estimate.evidence:
        console.print(evidence_table(estimate, reports))
    derivations = [derivation_sentence(estimate, d, reports) for d in estimate.derivations]
    _bullets(console, "Arithmetic on one origin's own figures", derivations)
    family = [received_sentence(r, estimate.scope) for r in estimate.received]
    _bullets(console, "From its family", family)
    _bullets(console, "Flags", [sentence for _, sentence in flag_sentences(estimate, reports)])


def explain_text(result: Reconciliation, console: Console) -> None:
    """Each estimate's audit trail as a block of sentences and an evidence table, then notes."""
    if not result.estimates:
        console.print(Text("No estimate matches."), highlight=False)
    for position, estimate in enumerate(result.estimates):
        if position:
            console.print()
        explain_block(estimate, result.table, console)
    if result.notes:
        console.print()
        _bullets(console, "Notes", list(result.notes))
