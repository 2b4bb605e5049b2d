"""From raw documents to a typed, column-wise :class:`ReportTable`, listing every problem at once.

Each column is factorised first, so a count, date or grade is parsed once per distinct string
however many reports repeat it; rows are only walked one by one to *report* problems.
"""

from __future__ import annotations

import os
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from itertools import chain, compress, repeat
from typing import Any

from casualty_cli.collector import paused_gc
from casualty_cli.columns import Parsed, factorise, parse_column
from casualty_cli.errors import (
    Finding,
    GrammarError,
    InputError,
    InvalidInput,
    Location,
    Severity,
    TallyError,
)
from casualty_cli.grammar.dates import DateOrder, parse_date, parse_period
from casualty_cli.grammar.grades import DEFAULT_GRADE, parse_grade
from casualty_cli.grammar.quantity import parse_quantity
from casualty_cli.model import (
    REPORT_FIELDS,
    DateValue,
    Factor,
    Grade,
    Incident,
    Outcome,
    PeriodValue,
    Quantity,
    ReportTable,
    Source,
    Window,
)
from casualty_cli.names import display_name, name_key, split_path
from casualty_cli.readers import ReadOptions, read_path, read_sources
from casualty_cli.readers.raw import RawDocument, RawFactor, RawSource
from casualty_cli.taxonomy import build_category_tree, build_place_tree

# A phrase that names no number is not *malformed*: reconcile skips the report with a warning,
# validate (strict) calls it an error.
SKIPPABLE_COUNT_CODES = frozenset({"unparsed-quantity", "casualties-ambiguous"})

_OUTCOME_WORDS: Mapping[str, Outcome] = {
    "killed": Outcome.KILLED,
    "dead": Outcome.KILLED,
    "deaths": Outcome.KILLED,
    "death": Outcome.KILLED,
    "fatalities": Outcome.KILLED,
    "injured": Outcome.INJURED,
    "wounded": Outcome.INJURED,
    "missing": Outcome.MISSING,
}


@dataclass(frozen=True)
class LoadOptions:
    """How to read and interpret the input; every default is the documented one."""

    read: ReadOptions = field(default_factory=ReadOptions)
    date_order: DateOrder | None = None
    dot_grouping: bool = False
    thousands: str | None = None
    sources_file: str | None = None
    strict: bool = False


@dataclass(frozen=True)
class Loaded:
    """What a load found: the table (when nothing fatal happened) and every finding."""

    table: ReportTable | None
    findings: tuple[Finding, ...]
    files: tuple[str, ...]

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.is_error)

    @property
    def valid(self) -> bool:
        return self.table is not None and not self.errors


def load_reports(
    paths: Sequence[str | os.PathLike[str]], *, options: LoadOptions | None = None
) -> ReportTable:
    """Read, parse and check every report of ``paths`` (``-`` is standard input).

    Raises :class:`InvalidInput` listing every error found; warnings stay in ``table.findings``.
    """
    loaded = check_reports(paths, options=options)
    if not loaded.valid or loaded.table is None:
        raise InvalidInput.from_findings(loaded.findings)
    # The table holds the warnings about its rows; the readers' own (a file with no reports, a
    # skipped HXL row) must reach standard error and the notes as well.
    warnings = tuple(f for f in loaded.findings if not f.is_error)
    if warnings == loaded.table.findings:
        return loaded.table
    return _with_findings(loaded.table, warnings)


def check_reports(
    paths: Sequence[str | os.PathLike[str]], *, options: LoadOptions | None = None
) -> Loaded:
    """Like :func:`load_reports`, but return the findings instead of raising on them."""
    options = options or LoadOptions()
    with paused_gc():
        loaded = _check_reports(tuple(os.fspath(p) for p in paths), options)
    return replace(loaded, findings=in_reading_order(loaded.findings, loaded.files))


def in_reading_order(findings: Iterable[Finding], files: Sequence[str]) -> tuple[Finding, ...]:
    """Findings by file (as given), line, then field in the contract's order."""
    order = {name: index for index, name in enumerate(files)}
    fields = {name: index for index, name in enumerate(REPORT_FIELDS)}

    def position(finding: Finding) -> tuple[int, int, int, str]:
        where = finding.location
        return (
            order.get(where.file, len(order)),
            where.line or 0,
            fields.get(where.field or "", len(fields)),
            finding.code,
        )

    return tuple(sorted(findings, key=position))


def _check_reports(names: tuple[str, ...], options: LoadOptions) -> Loaded:
    documents: list[RawDocument] = []
    findings: list[Finding] = []
    for name in names:
        try:
            document = read_path(name, options.read)
        except TallyError as error:
            findings.extend(error.findings or (error.as_finding(),))
            continue
        documents.append(document)
        findings.extend(document.findings)
    extra_sources: tuple[RawSource, ...] = ()
    if options.sources_file:
        try:
            extra_sources = _read_sources_file(options.sources_file, options.read)
        except TallyError as error:
            findings.extend(error.findings or (error.as_finding(),))
    if any(f.is_error for f in findings):
        return Loaded(None, tuple(findings), names)
    table, table_findings = build_table(documents, extra_sources, options)
    findings.extend(table_findings)
    for document in documents:
        context = (
            document.sources or document.categories or document.places or document.incident_start
        )
        if not len(document) and not context:
            findings.append(
                Finding(
                    "no-reports",
                    "the file holds no reports",
                    Location(document.file),
                    hint="add report rows under the header (or a 'reports:' list)",
                    severity=Severity.WARNING,
                )
            )
    return Loaded(table, tuple(findings), names)


def _read_sources_file(name: str, options: ReadOptions) -> tuple[RawSource, ...]:
    try:
        with open(name, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise InputError(
            f"cannot read the sources file {name}: {error.strerror or error}",
            location=Location(name),
            hint="give a YAML file holding a 'sources:' mapping",
        ) from None
    return read_sources(data, name, options)


class _Rows:
    """Locates a row of the concatenated input in its document, for messages."""

    def __init__(self, documents: Sequence[RawDocument]) -> None:
        self.documents = documents
        self.starts: list[int] = []
        offset = 0
        for document in documents:
            self.starts.append(offset)
            offset += len(document)
        self.count = offset

    def location(self, row: int, field: str | None = None) -> Location:
        index = bisect_right(self.starts, row) - 1
        document = self.documents[index]
        local = row - self.starts[index]
        line = document.line_of(local, field) if field else document.lines[local]
        return Location(document.file, line, field)

    def column(self, name: str) -> RawFactor:
        """A field of every document, factorised (the CSV reader already built the factors)."""
        return RawFactor.combine([document.factor(name) for document in self.documents])


class _Problems:
    def __init__(self, rows: _Rows) -> None:
        self.rows = rows
        self.findings: list[Finding] = []

    def add(
        self,
        row: int | None,
        field: str | None,
        error: TallyError,
        severity: Severity = Severity.ERROR,
        location: Location | None = None,
    ) -> None:
        where = location or (self.rows.location(row, field) if row is not None else Location())
        self.findings.append(
            Finding(error.code, error.message, where, error.value, error.hint, severity)
        )

    def note_warnings(self, parsed: Parsed[Any], field: str) -> None:
        """Warn, row by row, where a reading needed a judgement the user should see."""
        flagged: dict[int, tuple[str, str]] = {}
        for code, value in enumerate(parsed.values):
            for note in _notes_of(value):
                warning = _warning_code(note)
                if warning is not None:
                    flagged[code] = (warning, note)
        if not flagged:
            return
        for row, code in enumerate(parsed.codes):
            if code in flagged:
                warning, note = flagged[code]
                self.add(
                    row,
                    field,
                    GrammarError(
                        note,
                        code=warning,
                        value=_text_of(parsed.values[code]),
                        hint=_WARNING_HINTS[warning],
                    ),
                    Severity.WARNING,
                )

    def column_errors(self, parsed: Parsed[Any], field: str) -> None:
        for row, error in parsed.bad_rows():
            self.add(row, field, error)


def _notes_of(value: object) -> tuple[str, ...]:
    if isinstance(value, PeriodValue):
        return value.start.notes + (value.end.notes if value.end else ())
    notes = getattr(value, "notes", ())
    return tuple(notes) if isinstance(notes, tuple) else ()


def _text_of(value: object) -> str | None:
    text = getattr(value, "text", None)
    return text if isinstance(text, str) else None


_WARNING_HINTS = {
    "mixed-digit-scripts": "check that the figure was copied whole: numbers rarely mix scripts",
    "date-order-overruled": "check the date, and the --date-order given for this file",
}


def _warning_code(note: str) -> str | None:
    """The notes that deserve a warning: mixed digit scripts, a date order overruled."""
    if "mixed scripts" in note:
        return "mixed-digit-scripts"
    if "--date-order" in note and "although" in note:
        return "date-order-overruled"
    return None


def build_table(
    documents: Sequence[RawDocument],
    extra_sources: Sequence[RawSource],
    options: LoadOptions,
) -> tuple[ReportTable, list[Finding]]:
    """Parse and check the reports of ``documents``; return the table and every finding."""
    rows = _Rows(documents)
    problems = _Problems(rows)
    sources = _build_sources([s for d in documents for s in d.sources], extra_sources, problems)
    tree = build_category_tree(
        [(d.file, c) for d in documents for c in d.categories], problems.findings
    )
    places = build_place_tree([(d.file, c) for d in documents for c in d.places], problems.findings)
    incident = _build_incident(documents, options, problems)

    source = _source_column(rows, sources, problems)
    count = _count_column(documents, options, problems)
    skipped = _count_problems(count, options.strict, problems)
    problems.note_warnings(count, "count")
    grade = _grade_column(rows, source, sources, problems)
    order = options.date_order
    published = parse_column(rows.column("published"), partial(parse_date, order=order))
    problems.column_errors(published, "published")
    problems.note_warnings(published, "published")
    period = parse_column(rows.column("period"), partial(parse_period, order=order))
    problems.column_errors(period, "period")
    problems.note_warnings(period, "period")
    window = _window_column(published, period, incident, problems)
    root: tuple[str, ...] = ()
    place = parse_column(rows.column("place"), partial(split_path, what="place"), empty=root)
    problems.column_errors(place, "place")
    category = parse_column(rows.column("category"), tree.resolve, empty=root)
    problems.column_errors(category, "category")
    outcome = parse_column(rows.column("outcome"), parse_outcome, empty=Outcome.KILLED)
    problems.column_errors(outcome, "outcome")
    ids = rows.column("id")
    _check_ids(ids, problems)
    if len(ids.levels) == 1 and not ids.levels[0] and rows.count:
        ids = RawFactor(("",), ids.codes)

    files = tuple(d.file for d in documents)
    file_codes = list(chain.from_iterable(repeat(i, len(d)) for i, d in enumerate(documents)))
    lines = list(chain.from_iterable(d.lines for d in documents))
    table = ReportTable(
        files=files,
        file_codes=file_codes,
        lines=lines,
        ids=_text(ids),
        source=source,
        via=_via_column(rows),
        place=place.factor(root),
        category=category.factor(root),
        outcome=outcome.factor(Outcome.KILLED),
        count=count.factor(_PLACEHOLDER_QUANTITY),
        grade=grade,
        published=published.optional_factor(),
        period=period.optional_factor(),
        window=window,
        url=_text(rows.column("url")),
        quote=_text(rows.column("quote")),
        notes=_text(rows.column("notes")),
        sources=sources,
        categories=tree.nodes,
        places=places,
        incident=incident,
    )
    if skipped:
        table = _drop_rows(table, skipped)
    findings = problems.findings
    table = _with_findings(table, tuple(f for f in findings if not f.is_error))
    return table, findings


# Stands in for refused counts in a table that is never used (errors stop the load first).
_PLACEHOLDER_QUANTITY = parse_quantity("0")


def parse_outcome(text: str) -> Outcome:
    outcome = _OUTCOME_WORDS.get(name_key(text))
    if outcome is None:
        raise GrammarError(
            f"unknown outcome {text!r}",
            code="outcome-unknown",
            value=text,
            hint="use killed, injured or missing (killed when left out)",
        )
    return outcome


def _build_sources(
    declared: Iterable[RawSource], extra: Iterable[RawSource], problems: _Problems
) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    owners: dict[str, str] = {}
    for raw in chain(declared, extra):
        source_id = display_name(raw.id)
        location = Location(_file_of(raw, problems), raw.line, "sources")
        grade: Grade | None = None
        if raw.grade:
            try:
                grade = parse_grade(raw.grade)
            except GrammarError as error:
                problems.add(None, None, error, location=location)
        aliases = tuple(display_name(a) for a in raw.aliases)
        known = sources.get(source_id)
        if known is not None and (known.grade, known.name, known.aliases) == (
            grade,
            raw.name or None,
            aliases,
        ):
            continue  # the same declaration in two files read together (a context file)
        if known is not None:
            problems.add(
                None,
                None,
                GrammarError(
                    f"source {source_id!r} is declared twice, differently"
                    + (f" (first at {known.location})" if known.location.file else ""),
                    code="source-duplicate",
                    value=raw.id,
                    hint="declare each source once; list other spellings under 'aliases'",
                ),
                location=location,
            )
            continue
        for spelling in (source_id, *aliases):
            key = name_key(spelling)
            owner = owners.setdefault(key, source_id)
            if owner != source_id:
                problems.add(
                    None,
                    None,
                    GrammarError(
                        f"{spelling!r} names both {owner!r} and {source_id!r}",
                        code="source-alias-conflict",
                        value=spelling,
                        hint="an alias may belong to one source only",
                    ),
                    location=location,
                )
        sources[source_id] = Source(source_id, raw.name or None, grade, aliases, location)
    return sources


def _file_of(raw: RawSource, problems: _Problems) -> str:
    for document in problems.rows.documents:
        if raw in document.sources:
            return document.file
    return ""


def _build_incident(
    documents: Sequence[RawDocument], options: LoadOptions, problems: _Problems
) -> Incident:
    title: str | None = None
    start: date | None = None
    for document in documents:
        if document.incident_title and title is None:
            title = display_name(document.incident_title)
        if not document.incident_start:
            continue
        location = Location(document.file, document.incident_line or None, "incident.start")
        try:
            value = parse_date(document.incident_start, order=options.date_order)
        except GrammarError as error:
            problems.add(None, None, error, location=location)
            continue
        if start is not None and value.start != start:
            problems.add(
                None,
                None,
                GrammarError(
                    f"incident start {value.start} differs from {start} given earlier",
                    code="incident-conflict",
                    value=document.incident_start,
                    hint="files read together must share one incident start",
                ),
                location=location,
            )
            continue
        start = value.start
    return Incident(title, start)


def _source_column(rows: _Rows, sources: Mapping[str, Source], problems: _Problems) -> Factor[str]:
    column = rows.column("source")
    canonical: dict[str, str] = {}
    for source in sources.values():
        for spelling in (source.id, *source.aliases):
            canonical[name_key(spelling)] = source.id
    levels: list[str] = []
    for text in column.levels:
        if not text:
            levels.append("")
            continue
        # Unmapped spellings that differ only in case or composition are one origin,
        # displayed as first met.
        levels.append(canonical.setdefault(name_key(text), display_name(text)))
    if "" in column.levels:
        missing = column.levels.index("")
        for row, code in enumerate(column.codes):
            if code == missing:
                problems.add(row, "source", _missing("source", "who originated the figure"))
    return Factor(tuple(levels), list(column.codes))


def _missing(field_name: str, meaning: str) -> GrammarError:
    return GrammarError(
        f"{field_name} is missing",
        code=f"missing-{field_name}",
        hint=f"every report needs a {field_name}: {meaning}",
    )


def _count_problems(count: Parsed[Quantity], strict: bool, problems: _Problems) -> set[int]:
    """Report refused counts; return the rows skipped because their phrase names no number."""
    skipped: set[int] = set()
    missing_codes = {code for code, value in enumerate(count.values) if value is None}
    if not missing_codes:
        return skipped
    for row, code in enumerate(count.codes):
        if code not in missing_codes:
            continue
        error = count.errors.get(code)
        if error is None:
            problems.add(row, "count", _missing("count", "an integer or a phrase as printed"))
        elif error.code in SKIPPABLE_COUNT_CODES and not strict:
            skipped.add(row)
            warning = GrammarError(
                f"report skipped: {error.message}",
                code=error.code,
                value=error.value,
                hint=error.hint,
            )
            problems.add(row, "count", warning, Severity.WARNING)
        else:
            problems.add(row, "count", error)
    return skipped


def _grade_column(
    rows: _Rows, source: Factor[str], sources: Mapping[str, Source], problems: _Problems
) -> Factor[Grade]:
    parsed = parse_column(rows.column("grade"), parse_grade)
    problems.column_errors(parsed, "grade")
    source_grades = {sid: s.grade for sid, s in sources.items() if s.grade is not None}
    if not source_grades or None not in parsed.values:
        return parsed.factor(DEFAULT_GRADE)
    # A report without a grade takes its source's: the level depends on the (grade, source) pair.
    pairs = factorise(zip(parsed.codes, source.codes, strict=True))
    levels: list[Grade] = []
    for grade_code, source_code in pairs.levels:
        grade = parsed.values[grade_code]
        if grade is None:
            grade = source_grades.get(source.levels[source_code], DEFAULT_GRADE)
        levels.append(grade)
    return Factor(tuple(levels), pairs.codes)


def _window_column(
    published: Parsed[DateValue],
    period: Parsed[PeriodValue],
    incident: Incident,
    problems: _Problems,
) -> Factor[Window]:
    pairs = factorise(zip(period.codes, published.codes, strict=True))
    levels: list[Window] = []
    errors: dict[int, GrammarError] = {}
    for code, (period_code, published_code) in enumerate(pairs.levels):
        try:
            levels.append(
                resolve_window(
                    period.values[period_code], published.values[published_code], incident
                )
            )
        except GrammarError as error:
            levels.append(Window(None, None))
            errors[code] = error
    if errors:
        for row, code in enumerate(pairs.codes):
            if code in errors:
                problems.add(row, "period", errors[code])
    return Factor(tuple(levels), pairs.codes)


def resolve_window(
    period: PeriodValue | None, published: DateValue | None, incident: Incident
) -> Window:
    """The days a report's count covers (contract section 1, ``period``)."""
    as_of = published.end if published is not None else None
    if period is None:
        return Window(incident.start, as_of, cumulative=True)
    start = period.start.start
    if period.end is not None:
        return Window(start, period.end.end)
    if as_of is None:
        raise GrammarError(
            f"the period {period.text!r} is open-ended but the report has no published date",
            code="period-open-without-published",
            value=period.text,
            hint="give the end of the window, or the date the figure was published",
        )
    if as_of < start:
        raise GrammarError(
            f"the period starts on {start}, after the report was published ({as_of})",
            code="period-after-published",
            value=period.text,
            hint="check the period and published dates",
        )
    return Window(start, as_of)


def _check_ids(column: RawFactor, problems: _Problems) -> None:
    if len(column.levels) == len(column.codes) or (
        len(column.levels) == 1 and not column.levels[0]
    ):
        return
    ids = column.values()
    given = [i for i in ids if i]
    if len(given) == len(set(given)):
        return
    seen = Counter(given)
    first: dict[str, int] = {}
    for row, report_id in enumerate(ids):
        if not report_id or seen[report_id] < 2:
            continue
        if report_id in first:
            where = problems.rows.location(first[report_id])
            problems.add(
                row,
                "id",
                GrammarError(
                    f"id {report_id!r} is already used at {where}",
                    code="id-duplicate",
                    value=report_id,
                    hint="give each report its own id, or leave ids out",
                ),
            )
        else:
            first[report_id] = row


def _via_column(rows: _Rows) -> Factor[str]:
    column = rows.column("via")
    return Factor(tuple(display_name(v) for v in column.levels), list(column.codes))


def _text(column: RawFactor) -> Factor[str]:
    return Factor(column.levels, column.codes)


def _count_column(
    documents: Sequence[RawDocument], options: LoadOptions, problems: _Problems
) -> Parsed[Quantity]:
    """Parse counts file by file: a ';'-separated file groups thousands with '.' unless told."""
    parts: list[Parsed[Quantity]] = []
    for document in documents:
        dot_grouping = options.dot_grouping
        if options.thousands is None and document.delimiter == ";":
            dot_grouping = True
        column = document.factor("count")
        if dot_grouping and not options.dot_grouping and any("." in t for t in column.levels):
            problems.findings.append(
                Finding(
                    "dot-grouping",
                    "'.' read as the thousands separator, as usual in ';'-separated files",
                    Location(document.file, None, "count"),
                    hint="pass --thousands , if '.' is not a thousands separator here",
                    severity=Severity.WARNING,
                )
            )
        parts.append(parse_column(column, partial(parse_quantity, dot_grouping=dot_grouping)))
    return Parsed.concatenate(parts)


def _drop_rows(table: ReportTable, skipped: set[int]) -> ReportTable:
    keep = [row not in skipped for row in range(len(table))]

    def factor(column: Factor[object]) -> Factor[object]:
        return Factor(column.levels, list(compress(column.codes, keep)))

    replaced: dict[str, object] = {
        name: factor(getattr(table, name))
        for name in (
            "ids",
            "source",
            "via",
            "place",
            "category",
            "outcome",
            "count",
            "grade",
            "published",
            "period",
            "window",
            "url",
            "quote",
            "notes",
        )
    }
    for name in ("file_codes", "lines"):
        replaced[name] = list(compress(getattr(table, name), keep))
    return _replace_table(table, replaced)


def _with_findings(table: ReportTable, findings: tuple[Finding, ...]) -> ReportTable:
    return _replace_table(table, {"findings": findings})


def _replace_table(table: ReportTable, changes: Mapping[str, object]) -> ReportTable:
    return replace(table, **changes)  # type: ignore[arg-type]
