"""YAML report files, read as text only and defended against hostile documents.

PyYAML's loaders construct Python objects: ``0745`` becomes 485, ``NO`` becomes False, a date a
``datetime.date``, and aliases can expand a 342-byte document into billions of leaves
(conventions.md section 4.1).  This reader never constructs anything: it composes the parser's
events into :class:`~casualty_cli.readers.shape.Node` trees of strings itself, and refuses
aliases, anchors, explicit tags, extra documents and deep nesting as it meets them.
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from casualty_cli.collector import paused_gc
from casualty_cli.errors import InputError, Location
from casualty_cli.readers.raw import InputFormat, RawDocument
from casualty_cli.readers.shape import Node, ShapeReader

# The C parser (libyaml) only scans and parses; composition stays here, so every check holds.
_LOADER: type[yaml.BaseLoader] | type[yaml.CBaseLoader] = getattr(
    yaml, "CBaseLoader", yaml.BaseLoader
)

# Plain (unquoted) scalars that YAML means as "no value"; a quoted "null" stays text.
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})


def read_yaml(text: str, name: str, *, max_bytes: int, max_depth: int) -> RawDocument:
    """The reports of a YAML document."""
    root = compose(text, name, max_bytes=max_bytes, max_depth=max_depth)
    return ShapeReader(name, InputFormat.YAML, "yaml-duplicate-key").document(root)


def read_yaml_sources(text: str, name: str, *, max_bytes: int, max_depth: int) -> RawDocument:
    """A ``--sources`` file: the ``sources:`` mapping of a report file, on its own."""
    root = compose(text, name, max_bytes=max_bytes, max_depth=max_depth)
    return ShapeReader(name, InputFormat.YAML, "yaml-duplicate-key").sources_document(root)


def compose(text: str, name: str, *, max_bytes: int, max_depth: int) -> Node:
    """The single document of ``text`` as a tree of strings, or :class:`InputError`."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise InputError(
            f"the YAML file is {size:,} bytes, more than the limit of {max_bytes:,}",
            location=Location(name),
            hint="split the reports over several files, or use CSV or NDJSON for bulk input",
            code="too-large",
        )
    try:
        with paused_gc():
            return _Composer(yaml.parse(text, Loader=_LOADER), name, max_depth).document()
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error, name, max_depth) from None
    except yaml.YAMLError as error:
        raise InputError(
            f"YAML error: {error}", location=Location(name), code="yaml-syntax"
        ) from None
    except RecursionError:
        raise _too_deep(name, None, max_depth) from None
    except UnicodeError as error:  # a lone surrogate, possible only through some --encoding
        raise InputError(
            f"YAML error: {error}", location=Location(name), code="yaml-syntax"
        ) from None


class _Composer:
    """Builds :class:`Node` trees from parser events, rejecting what tally does not accept."""

    def __init__(self, events: Iterator[Event], name: str, max_depth: int) -> None:
        self.events = events
        self.name = name
        self.max_depth = max_depth

    def document(self) -> Node:
        next(self.events)  # StreamStartEvent
        start = next(self.events)
        if isinstance(start, StreamEndEvent):
            raise InputError(
                "empty input: the YAML file holds no document",
                location=Location(self.name),
                hint="write a 'reports:' list",
                code="empty-input",
            )
        root = self.node(next(self.events), 1)
        next(self.events)  # DocumentEndEvent
        after = next(self.events)
        if isinstance(after, DocumentStartEvent):
            raise InputError(
                "the YAML file holds more than one document",
                location=Location(self.name, _line(after)),
                hint="remove the '---' line: put every report in the one 'reports:' list",
                code="yaml-multiple-documents",
            )
        return root

    def node(self, event: Event, depth: int) -> Node:
        self.check(event, depth)
        line = _line(event)
        if isinstance(event, ScalarEvent):
            plain = not event.style
            return Node(line, None if plain and event.value in _NULLS else event.value)
        if isinstance(event, SequenceStartEvent):
            items = []
            event = next(self.events)
            while not isinstance(event, SequenceEndEvent):
                items.append(self.node(event, depth + 1))
                event = next(self.events)
            return Node(line, items=items)
        if isinstance(event, MappingStartEvent):
            pairs = []
            event = next(self.events)
            while not isinstance(event, MappingEndEvent):
                key = self.node(event, depth + 1)
                pairs.append((key, self.node(next(self.events), depth + 1)))
                event = next(self.events)
            return Node(line, pairs=pairs)
        raise InputError(  # pragma: no cover - the parser emits no other node event
            f"unexpected YAML event {type(event).__name__}",
            location=Location(self.name, line),
            code="yaml-syntax",
        )

    def check(self, event: Event, depth: int) -> None:
        if isinstance(event, AliasEvent) or (isinstance(event, NodeEvent) and event.anchor):
            raise InputError(
                "YAML aliases are not allowed",
                location=Location(self.name, _line(event)),
                hint="write each value out in full (anchors '&' and aliases '*' can make a tiny"
                " file expand to billions of values)",
                code="yaml-alias",
            )
        if isinstance(event, ScalarEvent | SequenceStartEvent | MappingStartEvent) and event.tag:
            raise InputError(
                f"explicit tags are not allowed ({event.tag})",
                location=Location(self.name, _line(event)),
                hint="remove the '!' tag: every value is read as text and checked by tally",
                code="yaml-tag",
            )
        collection = isinstance(event, SequenceStartEvent | MappingStartEvent)
        if collection and depth > self.max_depth:
            raise _too_deep(self.name, _line(event), self.max_depth)


def _line(event: Event) -> int:
    return event.start_mark.line + 1 if event.start_mark is not None else 1


def _too_deep(name: str, line: int | None, max_depth: int) -> InputError:
    return InputError(
        f"YAML nesting too deep (more than {max_depth} levels)",
        location=Location(name, line),
        hint="a report file needs only a few levels: reports, a report, its fields",
        code="yaml-too-deep",
    )


def _syntax_error(error: yaml.MarkedYAMLError, name: str, max_depth: int) -> InputError:
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark is not None else None
    problem = error.problem or error.context or "cannot parse"
    if "nesting depth" in problem:  # libyaml's own limit on flow nesting
        return _too_deep(name, line, max_depth)
    context = f" ({error.context})" if error.context and error.problem else ""
    return InputError(
        f"YAML syntax error: {problem}{context}",
        location=Location(name, line),
        hint="check the indentation and quoting around this line",
        code="yaml-syntax",
    )
