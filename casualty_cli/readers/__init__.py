"""Readers: report files (CSV, TSV, YAML, JSON, NDJSON) into :class:`RawDocument` text columns.

Readers decode, split and position; they never interpret a count, a date or a grade.  A file
that cannot be read at all raises :class:`~casualty_cli.errors.InputError`; a problem the reader
can step over (a ragged row, an unknown column) becomes a finding of the document, and every such
problem is reported, not only the first.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from casualty_cli.errors import InputError, Location
from casualty_cli.readers.decode import decode
from casualty_cli.readers.delimited import read_delimited
from casualty_cli.readers.detect import detect_format, format_from_extension
from casualty_cli.readers.jsonfile import read_json, read_json_sources, read_ndjson
from casualty_cli.readers.raw import InputFormat, RawCategory, RawDocument, RawFactor, RawSource
from casualty_cli.readers.yamlfile import read_yaml, read_yaml_sources

__all__ = [
    "STDIN_NAME",
    "InputFormat",
    "RawCategory",
    "RawDocument",
    "RawFactor",
    "RawSource",
    "ReadOptions",
    "read_bytes",
    "read_document",
    "read_path",
    "read_sources",
    "read_sources_document",
]

STDIN_NAME = "<stdin>"


@dataclass(frozen=True)
class ReadOptions:
    """How to read an input; every field has a default that suits a newsroom file.

    ``max_yaml_depth`` also bounds the nesting of JSON documents.
    """

    input_format: InputFormat | None = None
    encoding: str | None = None
    delimiter: str | None = None
    max_field_size: int = 1_048_576
    max_yaml_bytes: int = 10 * 1_048_576
    max_yaml_depth: int = 64


DEFAULT_OPTIONS = ReadOptions()


def read_document(data: bytes, name: str, options: ReadOptions = DEFAULT_OPTIONS) -> RawDocument:
    """The reports of one input.

    ``name`` is the file name as the user typed it (``<stdin>`` for standard input): its
    extension chooses the format unless ``options.input_format`` is set, and it starts every
    message.
    """
    decoded = decode(data, name, options.encoding)
    text = decoded.text
    given = InputFormat(options.input_format) if options.input_format else None
    found = given or detect_format(name, text, utf16=decoded.utf16)
    if found is InputFormat.YAML:
        return read_yaml(
            text, name, max_bytes=options.max_yaml_bytes, max_depth=options.max_yaml_depth
        )
    if found is InputFormat.JSON:
        return read_json(text, name, max_depth=options.max_yaml_depth)
    if found is InputFormat.NDJSON:
        return read_ndjson(text, name)
    forced = options.delimiter
    if forced is None and given is InputFormat.TSV:
        forced = "\t"
    return read_delimited(
        decoded,
        name,
        delimiter=forced,
        preferred="\t" if found is InputFormat.TSV else None,
        max_field_size=options.max_field_size,
    )


def read_path(path: str, options: ReadOptions = DEFAULT_OPTIONS) -> RawDocument:
    """The reports of the file ``path``; ``-`` reads standard input."""
    if path == "-":
        return read_document(sys.stdin.buffer.read(), STDIN_NAME, options)
    return read_document(read_bytes(path), path, options)


def read_bytes(path: str) -> bytes:
    """The bytes of ``path``, or an :class:`InputError` that says why they cannot be read."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        reason, hint = "no such file", "check the name and the directory; '-' reads standard input"
    except IsADirectoryError:
        reason, hint = "it is a directory", "give the path of a report file inside it"
    except PermissionError:
        reason, hint = "permission denied", "check the file's permissions"
    except OSError as error:
        reason, hint = (error.strerror or str(error)).lower(), "check the path"
    raise InputError(
        f"cannot read {path}: {reason}", location=Location(path), hint=hint, code="cannot-read"
    )


def read_sources(
    data: bytes, name: str, options: ReadOptions = DEFAULT_OPTIONS
) -> tuple[RawSource, ...]:
    """The sources of a ``--sources`` file; an error in it raises (with every error found)."""
    document = read_sources_document(data, name, options)
    errors = [finding for finding in document.findings if finding.is_error]
    if errors:
        first = errors[0]
        raise InputError(
            first.message,
            location=first.location,
            hint=first.hint,
            code=first.code,
            findings=errors,
        )
    return document.sources


def read_sources_document(
    data: bytes, name: str, options: ReadOptions = DEFAULT_OPTIONS
) -> RawDocument:
    """A ``--sources`` file as a document holding only sources, with its warnings as findings.

    The file is the ``sources:`` mapping of a report file (YAML or JSON), either under a
    top-level ``sources:`` key or as a bare mapping of source id to grade or entry.
    """
    text = decode(data, name, options.encoding).text
    if _is_json(name, text):
        return read_json_sources(text, name, max_depth=options.max_yaml_depth)
    return read_yaml_sources(
        text, name, max_bytes=options.max_yaml_bytes, max_depth=options.max_yaml_depth
    )


def _is_json(name: str, text: str) -> bool:
    # --input-format names the reports' format, not this file's.
    given = format_from_extension(name)
    if given in (InputFormat.JSON, InputFormat.NDJSON):
        return True
    return given is not InputFormat.YAML and text.lstrip()[:1] in ("{", "[")
