"""JSON report files (the YAML shape) and NDJSON (one report object per line).

Numbers keep the text they were printed with (``0745``-style surprises cannot happen, and ``1e3``
reaches the count grammar as "1e3" to be refused there), ``true``/``false`` become text and
``null`` an absent value.  NaN and Infinity, which Python's json module accepts, are refused.

JSON has no line marks, so the containers are walked here, one token at a time, with the json
module's own C scanner reading every string and number: each report and each field gets its line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, NoReturn

from casualty_cli.collector import paused_gc
from casualty_cli.errors import Finding, InputError, Location
from casualty_cli.readers.raw import InputFormat, RawDocument
from casualty_cli.readers.shape import FIELDS, Node, ReportColumns, ShapeReader, field_key

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NDJSON_HINT = "one object per line is NDJSON: name the file .ndjson or use --input-format ndjson"


class _ConstantError(ValueError):
    """NaN, Infinity or -Infinity: accepted by Python's json module, but not JSON."""


def _reject_constant(name: str) -> NoReturn:
    raise _ConstantError(name)


def _decoder(
    object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None,
) -> json.JSONDecoder:
    return json.JSONDecoder(
        parse_int=str,
        parse_float=str,
        parse_constant=_reject_constant,
        object_pairs_hook=object_pairs_hook,
    )


def read_json(text: str, name: str, *, max_depth: int) -> RawDocument:
    """The reports of a JSON document (a mapping with ``reports``, or a list of reports)."""
    root = _Composer(text, name, max_depth).document()
    return ShapeReader(name, InputFormat.JSON, "json-duplicate-key").document(root)


def read_json_sources(text: str, name: str, *, max_depth: int) -> RawDocument:
    root = _Composer(text, name, max_depth).document()
    return ShapeReader(name, InputFormat.JSON, "json-duplicate-key").sources_document(root)


class _Composer:
    """A JSON document as a :class:`Node` tree with the line of every value."""

    def __init__(self, text: str, name: str, max_depth: int) -> None:
        self.text = text
        self.name = name
        self.max_depth = max_depth
        self.decode = _decoder().raw_decode
        # Lines are counted forward from the last offset asked about: offsets only grow.
        self._offset = 0
        self._line = 1

    def document(self) -> Node:
        with paused_gc():
            root, end = self.value(self.skip(0), 1)
        end = self.skip(end)
        if end < len(self.text):
            hint = _NDJSON_HINT if self.text[end] == "{" else "remove what follows the document"
            raise self.error("extra data after the JSON document", end, hint)
        return root

    def value(self, offset: int, depth: int) -> tuple[Node, int]:
        char = self.text[offset : offset + 1]
        if char in ("{", "[") and depth > self.max_depth:
            raise InputError(
                f"JSON nesting too deep (more than {self.max_depth} levels)",
                location=Location(self.name, self.line(offset)),
                hint="a report file needs only a few levels: reports, a report, its fields",
                code="json-too-deep",
            )
        if char == "{":
            return self.mapping(offset, depth)
        if char == "[":
            return self.sequence(offset, depth)
        line = self.line(offset)
        try:
            value, end = self.decode(self.text, offset)
        except json.JSONDecodeError as error:
            raise self.error(error.msg, error.pos) from None
        except _ConstantError as error:
            raise self.error(f"{error} is not a JSON number", offset) from None
        return Node(line, _scalar_text(value)), end

    def mapping(self, offset: int, depth: int) -> tuple[Node, int]:
        node = Node(self.line(offset), pairs=[])
        pairs = node.pairs
        assert pairs is not None  # noqa: S101 - narrows the type for mypy
        offset = self.skip(offset + 1)
        if self.text.startswith("}", offset):
            return node, offset + 1
        while True:
            if not self.text.startswith('"', offset):
                raise self.error("expected a quoted key", offset)
            key_line = self.line(offset)
            try:
                key, offset = self.decode(self.text, offset)
            except json.JSONDecodeError as error:
                raise self.error(error.msg, error.pos) from None
            offset = self.skip(offset)
            if not self.text.startswith(":", offset):
                raise self.error("expected ':' after a key", offset)
            value, offset = self.value(self.skip(offset + 1), depth + 1)
            pairs.append((Node(key_line, key), value))
            offset = self.skip(offset)
            if self.text.startswith(",", offset):
                offset = self.skip(offset + 1)
            elif self.text.startswith("}", offset):
                return node, offset + 1
            else:
                raise self.error("expected ',' or '}'", offset)

    def sequence(self, offset: int, depth: int) -> tuple[Node, int]:
        node = Node(self.line(offset), items=[])
        items = node.items
        assert items is not None  # noqa: S101 - narrows the type for mypy
        offset = self.skip(offset + 1)
        if self.text.startswith("]", offset):
            return node, offset + 1
        while True:
            value, offset = self.value(offset, depth + 1)
            items.append(value)
            offset = self.skip(offset)
            if self.text.startswith(",", offset):
                offset = self.skip(offset + 1)
            elif self.text.startswith("]", offset):
                return node, offset + 1
            else:
                raise self.error("expected ',' or ']'", offset)

    def skip(self, offset: int) -> int:
        match = _WHITESPACE.match(self.text, offset)
        return match.end() if match else offset

    def line(self, offset: int) -> int:
        text, start = self.text, self._offset
        if offset > start:
            breaks = text.count("\n", start, offset) + text.count("\r", start, offset)
            self._line += breaks - text.count("\r\n", start, offset)
            self._offset = offset
        return self._line

    def error(self, message: str, offset: int, hint: str | None = None) -> InputError:
        # Error offsets can lie behind the last one counted (a bad string's start).
        text = self.text[:offset]
        line = 1 + text.count("\n") + text.count("\r") - text.count("\r\n")
        return InputError(
            f"JSON syntax error: {message}",
            location=Location(self.name, line),
            hint=hint or "check the brackets, commas and quotes around this line",
            code="json-syntax",
        )


def _scalar_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- NDJSON --------------------------------------------------------------------------------------


def read_ndjson(text: str, name: str) -> RawDocument:
    """One report object per line; a broken line is a finding and the others are still read."""
    reader = _NdjsonReader(name)
    with paused_gc():
        for number, line in enumerate(text.split("\n"), 1):
            if line and not line.isspace():
                reader.line(line, number)
    rows = reader.rows
    return RawDocument(
        file=name,
        format=InputFormat.NDJSON,
        columns=rows.columns(),
        lines=tuple(rows.lines),
        findings=(*reader.findings, *rows.unknown_findings()),
    )


class _NdjsonReader:
    def __init__(self, name: str) -> None:
        self.name = name
        self.rows = ReportColumns(name, field_lines=False)
        self.findings: list[Finding] = []
        self._duplicates: list[str] = []
        self._decode = _decoder(object_pairs_hook=self._pairs).decode

    def _pairs(self, pairs: list[tuple[str, object]]) -> dict[str, object]:
        found = dict(pairs)
        if len(found) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    self._duplicates.append(key)
                seen.add(key)
        return found

    def line(self, line: str, number: int) -> None:
        self._duplicates.clear()
        try:
            value = self._decode(line)
        except json.JSONDecodeError as error:
            self.error("json-syntax", f"JSON syntax error: {error.msg}", number)
            return
        except _ConstantError as error:
            self.error("json-syntax", f"JSON syntax error: {error} is not a JSON number", number)
            return
        except RecursionError:
            self.error("json-too-deep", "JSON nesting too deep", number)
            return
        if not isinstance(value, dict):
            kind = "a list" if isinstance(value, list) else "a single value"
            self.error("not-a-mapping", f"the line holds {kind}, not a report object", number)
            return
        for key in self._duplicates:
            self.error("json-duplicate-key", f"duplicate key {key!r}", number, key)
        self.report(value, number)

    def report(self, value: dict[str, object], number: int) -> None:
        fields: dict[str, tuple[str, int]] = {}
        for key, item in value.items():
            name = field_key(key)
            if name not in FIELDS:
                self.rows.unknown(key, number)
            elif name in fields:
                self.error("json-duplicate-key", f"duplicate key {key!r}", number, name)
            elif isinstance(item, dict | list):
                self.error("not-a-scalar", f"{name!r} is not a single value", number, name)
                fields[name] = ("", number)
            else:
                fields[name] = ((_scalar_text(item) or "").strip(), number)
        self.rows.add(number, fields)

    def error(self, code: str, message: str, line: int, name: str | None = None) -> None:
        hint = 'each line must hold one complete JSON object: {"source": ..., "count": ...}'
        self.findings.append(Finding(code, message, Location(self.name, line, name), hint=hint))
