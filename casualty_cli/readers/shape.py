"""The shape of a YAML or JSON report file, shared by both readers.

Both formats are first turned into :class:`Node` trees (text, lists and mappings, each with its
line), then :class:`ShapeReader` checks the shape of the contract (``reports:``, ``sources:``,
``categories:``, ``incident:``) and collects every problem as a finding.  :class:`ReportColumns`
turns reports into columns; NDJSON uses it directly.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from difflib import get_close_matches
from functools import lru_cache

from casualty_cli.errors import Finding, InputError, Location, Severity
from casualty_cli.model import REPORT_FIELDS
from casualty_cli.readers.raw import InputFormat, RawCategory, RawDocument, RawSource

FIELDS = frozenset(REPORT_FIELDS)
TOP_KEYS = ("reports", "sources", "categories", "places", "incident")
CONTEXT_KEYS = frozenset(TOP_KEYS[1:])
SOURCE_KEYS = ("grade", "name", "aliases")
CATEGORY_KEYS = ("parts", "complete")
INCIDENT_KEYS = ("title", "start")

_SEPARATORS = re.compile(r"[\s_]+")


@lru_cache(maxsize=4096)
def field_key(name: str) -> str:
    """The key a header or mapping key is matched by: " Count ", "COUNT" and "count" agree."""
    # A BOM can survive into the first header cell when --encoding names a BOM-less codec.
    text = unicodedata.normalize("NFKC", name).strip().lstrip("\ufeff").casefold()
    return _SEPARATORS.sub("_", text).strip("_")


def did_you_mean(name: str, choices: tuple[str, ...]) -> str:
    close = get_close_matches(field_key(name), choices, n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    return "the fields are " + ", ".join(choices)


@dataclass(slots=True)
class Node:
    """A YAML or JSON value: a scalar (``text``, None when null), a list or a mapping."""

    line: int
    text: str | None = None
    items: list[Node] | None = None
    pairs: list[tuple[Node, Node]] | None = None

    @property
    def is_scalar(self) -> bool:
        return self.items is None and self.pairs is None

    @property
    def is_null(self) -> bool:
        return self.is_scalar and self.text is None

    @property
    def kind(self) -> str:
        if self.pairs is not None:
            return "a mapping"
        return "a list" if self.items is not None else "a single value"


class ReportColumns:
    """Reports added one at a time, kept as columns (one list per field seen)."""

    def __init__(self, file: str, *, field_lines: bool = True) -> None:
        self.file = file
        self.lines: list[int] = []
        self._values: dict[str, list[str]] = {}
        self._value_lines: dict[str, list[int]] | None = {} if field_lines else None
        self._unknown: dict[str, list[int]] = {}

    def add(self, line: int, fields: Mapping[str, tuple[str, int]]) -> None:
        """Add one report; ``fields`` maps contract fields to their text and value line."""
        row = len(self.lines)
        self.lines.append(line)
        for name, (text, value_line) in fields.items():
            column = self._values.get(name)
            if column is None:
                column = self._values[name] = []
            # Fields missing from earlier reports are filled only when the field is next seen.
            column.extend([""] * (row - len(column)))
            column.append(text)
            if self._value_lines is not None:
                lines = self._value_lines.setdefault(name, [])
                lines.extend([0] * (row - len(lines)))
                lines.append(value_line)

    def unknown(self, key: str, line: int) -> None:
        seen = self._unknown.get(key)
        if seen is None:
            self._unknown[key] = [line, 1]
        else:
            seen[1] += 1

    def columns(self) -> dict[str, tuple[str, ...]]:
        count = len(self.lines)
        ordered = (name for name in REPORT_FIELDS if name in self._values)
        return {
            name: (*self._values[name], *([""] * (count - len(self._values[name]))))
            for name in ordered
        }

    def field_lines(self) -> dict[str, tuple[int, ...]]:
        if self._value_lines is None:
            return {}
        result: dict[str, tuple[int, ...]] = {}
        for name, lines in self._value_lines.items():
            padded = lines + [0] * (len(self.lines) - len(lines))
            # 0 marks a report without the field: point at the report itself.
            result[name] = tuple(
                own or report for own, report in zip(padded, self.lines, strict=True)
            )
        return result

    def unknown_findings(self) -> list[Finding]:
        findings = []
        for key, (line, count) in self._unknown.items():
            where = f" ({count} reports)" if count > 1 else ""
            findings.append(
                Finding(
                    "unknown-field",
                    f"unknown field {key!r} is ignored{where}",
                    Location(self.file, line, key),
                    hint=did_you_mean(key, REPORT_FIELDS),
                    severity=Severity.WARNING,
                )
            )
        return findings


class ShapeReader:
    """Reads the contract's shape from a :class:`Node` tree, collecting every problem found."""

    def __init__(self, file: str, input_format: InputFormat, duplicate_code: str) -> None:
        self.file = file
        self.format = input_format
        self.duplicate_code = duplicate_code
        self.findings: list[Finding] = []

    # --- whole documents -----------------------------------------------------------------------

    def document(self, root: Node) -> RawDocument:
        rows = ReportColumns(self.file)
        top: dict[str, tuple[Node, Node]] = {}
        if root.items is not None:
            reports: Node | None = root
        elif root.pairs is not None:
            top = self.mapping(root, "the document", normalise=True)
            self.unknown_keys(top, TOP_KEYS, "top-level key")
            reports = self.reports_node(root, top)
        else:
            raise self.shape_error(root)
        if reports is not None and reports.items is not None:
            for index, item in enumerate(reports.items):
                self.report(item, index, rows)
        self.findings.extend(rows.unknown_findings())
        sources = self.sources(_value(top.get("sources")))
        categories = self.categories(_value(top.get("categories")))
        places = self.categories(_value(top.get("places")), what="place")
        title, start, incident_line = self.incident(top.get("incident"))
        return RawDocument(
            file=self.file,
            format=self.format,
            columns=rows.columns(),
            lines=tuple(rows.lines),
            field_lines=rows.field_lines(),
            sources=sources,
            categories=categories,
            places=places,
            incident_title=title,
            incident_start=start,
            incident_line=incident_line,
            findings=tuple(self.findings),
        )

    def sources_document(self, root: Node) -> RawDocument:
        """A ``--sources`` file: ``sources:`` at the top, or a bare mapping of id to entry."""
        if root.pairs is None:
            raise InputError(
                f"expected a mapping of sources, found {root.kind}",
                location=Location(self.file, root.line),
                hint="write 'sources:' followed by one 'ID: GRADE' or 'ID: {grade, name, "
                "aliases}' line per source",
                code="not-a-mapping",
            )
        top = self.mapping(root, "the document", normalise=True)
        node: Node | None = root
        if "sources" in top:
            self.unknown_keys(top, TOP_KEYS, "top-level key")
            node = top["sources"][1]
        sources = self.sources(node)
        return RawDocument(
            file=self.file,
            format=self.format,
            columns={},
            lines=(),
            sources=sources,
            findings=tuple(self.findings),
        )

    def reports_node(self, root: Node, top: dict[str, tuple[Node, Node]]) -> Node | None:
        if "reports" not in top and CONTEXT_KEYS & top.keys():
            # A context file: sources, categories and the incident for reports read elsewhere
            # (a CSV cannot hold them).
            return None
        if "reports" not in top:
            looks_like_report = {"source", "count"} & top.keys()
            hint = (
                "this looks like a single report: put it in a list under 'reports:'"
                if looks_like_report
                else "a report file is a mapping with a 'reports:' list (and optional 'sources:',"
                " 'categories:', 'places:', 'incident:'), or a bare list of reports"
            )
            raise InputError(
                "no 'reports' list",
                location=Location(self.file, root.line),
                hint=hint,
                code="no-reports",
            )
        node = top["reports"][1]
        if node.is_null:
            return None
        if node.items is None:
            raise InputError(
                f"'reports' must be a list of reports, not {node.kind}",
                location=Location(self.file, node.line, "reports"),
                hint="write each report as a '- source: ...' item under 'reports:'",
                code="not-a-list",
            )
        return node

    def shape_error(self, root: Node) -> InputError:
        return InputError(
            "expected a mapping with a 'reports:' list, or a list of reports",
            location=Location(self.file, root.line),
            hint="the document is a single value; see the examples/ directory for the shape",
            code="no-reports",
        )

    # --- parts ---------------------------------------------------------------------------------

    def report(self, node: Node, index: int, rows: ReportColumns) -> None:
        if node.pairs is None:
            what = "empty" if node.is_null else f"{node.kind}, not a mapping of fields"
            self.error("not-a-mapping", f"report {index + 1} is {what}", node.line)
            return
        fields: dict[str, tuple[str, int]] = {}
        for name, (key, value) in self.mapping(node, "a report", normalise=True).items():
            if name not in FIELDS:
                rows.unknown(key.text or "", key.line)
                continue
            fields[name] = (self.scalar(value, name), value.line)
        rows.add(node.line, fields)

    def sources(self, node: Node | None) -> tuple[RawSource, ...]:
        if node is None or node.is_null:
            return ()
        if node.pairs is None:
            self.error(
                "not-a-mapping",
                f"'sources' must map each source id to its grade, not be {node.kind}",
                node.line,
                "sources",
            )
            return ()
        return tuple(
            self.source(name, key, value)
            for name, (key, value) in self.mapping(node, "sources", normalise=False).items()
        )

    def source(self, name: str, key: Node, value: Node) -> RawSource:
        if value.is_scalar:
            return RawSource(name, key.line, grade=(value.text or "").strip())
        if value.pairs is None:
            self.error(
                "not-a-mapping",
                f"source {name!r} must be a grade or a mapping of grade, name and aliases",
                value.line,
                name,
            )
            return RawSource(name, key.line)
        entry = self.mapping(value, f"source {name!r}", normalise=True)
        self.unknown_keys(entry, SOURCE_KEYS, f"key of source {name!r}")
        return RawSource(
            name,
            key.line,
            grade=self.scalar(_value(entry.get("grade")), "grade"),
            name=self.scalar(_value(entry.get("name")), "name"),
            aliases=self.texts(_value(entry.get("aliases")), "aliases"),
        )

    def categories(self, node: Node | None, what: str = "category") -> tuple[RawCategory, ...]:
        """A ``categories:`` (or ``places:``) mapping: each parent and its disjoint parts."""
        if node is None or node.is_null:
            return ()
        section = "categories" if what == "category" else "places"
        if node.pairs is None:
            self.error(
                "not-a-mapping",
                f"'{section}' must map each parent to its parts, not be {node.kind}",
                node.line,
                section,
            )
            return ()
        found = []
        for parent, (key, value) in self.mapping(node, section, normalise=False).items():
            complete = ""
            parts_node: Node | None = value
            if value.pairs is not None:
                entry = self.mapping(value, f"{what} {parent!r}", normalise=True)
                self.unknown_keys(entry, CATEGORY_KEYS, f"key of {what} {parent!r}")
                parts_node = _value(entry.get("parts"))
                complete = self.scalar(_value(entry.get("complete")), "complete")
            found.append(RawCategory(parent, self.texts(parts_node, "parts"), key.line, complete))
        return tuple(found)

    def incident(self, pair: tuple[Node, Node] | None) -> tuple[str, str, int]:
        if pair is None or pair[1].is_null:
            return "", "", 0
        node = pair[1]
        if node.pairs is None:
            self.error(
                "not-a-mapping",
                f"'incident' must be a mapping of title and start, not {node.kind}",
                node.line,
                "incident",
            )
            return "", "", 0
        entry = self.mapping(node, "incident", normalise=True)
        self.unknown_keys(entry, INCIDENT_KEYS, "key of incident")
        title = self.scalar(_value(entry.get("title")), "title")
        start = self.scalar(_value(entry.get("start")), "start")
        return title, start, pair[0].line

    # --- values --------------------------------------------------------------------------------

    def mapping(self, node: Node, what: str, *, normalise: bool) -> dict[str, tuple[Node, Node]]:
        """The pairs of a mapping by key; duplicate and non-scalar keys become findings."""
        found: dict[str, tuple[Node, Node]] = {}
        for key, value in node.pairs or ():
            if not key.is_scalar or not (key.text or "").strip():
                self.error("not-a-scalar", f"a key in {what} is {_key_kind(key)}", key.line)
                continue
            text = key.text or ""
            name = field_key(text) if normalise else text.strip()
            first = found.get(name)
            if first is not None:
                self.error(
                    self.duplicate_code,
                    f"duplicate key {text!r} in {what} (first at line {first[0].line})",
                    key.line,
                    name,
                    hint="keep one of them: tally will not guess which one is meant",
                )
                continue
            found[name] = (key, value)
        return found

    def scalar(self, node: Node | None, name: str) -> str:
        if node is None or node.is_null:
            return ""
        if not node.is_scalar:
            self.error(
                "not-a-scalar",
                f"{name!r} is {node.kind}, not a single value",
                node.line,
                name,
                hint="quote the value if it is meant as text",
            )
            return ""
        return (node.text or "").strip()

    def texts(self, node: Node | None, name: str) -> tuple[str, ...]:
        if node is None or node.is_null:
            return ()
        if node.items is None:
            text = self.scalar(node, name)
            return (text,) if text else ()
        texts = (self.scalar(item, name) for item in node.items)
        return tuple(text for text in texts if text)

    def unknown_keys(
        self, found: dict[str, tuple[Node, Node]], known: tuple[str, ...], what: str
    ) -> None:
        for name, (key, _) in found.items():
            if name not in known:
                self.findings.append(
                    Finding(
                        "unknown-field",
                        f"unknown {what} {key.text!r} is ignored",
                        Location(self.file, key.line, key.text),
                        hint=did_you_mean(name, known),
                        severity=Severity.WARNING,
                    )
                )

    def error(
        self, code: str, message: str, line: int, name: str | None = None, hint: str | None = None
    ) -> None:
        self.findings.append(Finding(code, message, Location(self.file, line, name), hint=hint))


def _value(pair: tuple[Node, Node] | None) -> Node | None:
    return None if pair is None else pair[1]


def _key_kind(key: Node) -> str:
    return "empty" if key.is_scalar else f"{key.kind}, not a name"
