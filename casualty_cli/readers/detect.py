"""Which reader reads an input: by the extension of its name, else by its first lines.

``--input-format`` overrides both (the caller checks it first).  Content sniffing looks at a
bounded sample only, so that detecting a format never costs more than reading a small file.
"""

from __future__ import annotations

import json
import os
import re

from casualty_cli.readers.delimited import SNIFF_CHARS, sniff_delimiter
from casualty_cli.readers.raw import InputFormat

EXTENSION_FORMATS = {
    ".yaml": InputFormat.YAML,
    ".yml": InputFormat.YAML,
    ".csv": InputFormat.CSV,
    ".ssv": InputFormat.CSV,
    ".tsv": InputFormat.TSV,
    ".tab": InputFormat.TSV,
    ".json": InputFormat.JSON,
    ".ndjson": InputFormat.NDJSON,
    ".jsonl": InputFormat.NDJSON,
}

_YAML_KEYS = re.compile(r"(?:reports|sources|categories|incident)\s*:(?:\s|$)")
_YAML_MARKERS = re.compile(r"(?:---|\.\.\.|%YAML|-(?:\s|$))")
_YAML_MAPPING = re.compile(r"""["']?[\w .-]+["']?\s*:(?:\s|$)""")
# One giant first line is a JSON document, not a first NDJSON record worth parsing twice.
_LONGEST_NDJSON_PROBE = 65_536


def format_from_extension(name: str) -> InputFormat | None:
    return EXTENSION_FORMATS.get(os.path.splitext(name)[1].lower())


def detect_format(name: str, text: str, *, utf16: bool = False) -> InputFormat:
    """The format of ``text`` named ``name``: the extension wins, else the content decides.

    A UTF-16 file (Excel's "Unicode text") is read as TSV unless its content says otherwise.
    """
    found = format_from_extension(name)
    if found is not None:
        return found
    found = sniff_format(text)
    if utf16 and found is InputFormat.CSV and sniff_delimiter(text[: SNIFF_CHARS + 1]) is None:
        return InputFormat.TSV
    return found


def sniff_format(text: str) -> InputFormat:
    lines = _meaningful_lines(text[:SNIFF_CHARS])
    if not lines:
        return InputFormat.YAML  # only comments: YAML is the format that has them
    first = lines[0]
    if first.startswith("["):
        return InputFormat.JSON
    if first.startswith("{"):
        return InputFormat.NDJSON if _looks_like_ndjson(lines) else InputFormat.JSON
    if _YAML_KEYS.match(first) or _YAML_MARKERS.match(first):
        return InputFormat.YAML
    if not any(c in first for c in ",;\t|") and _YAML_MAPPING.match(first):
        return InputFormat.YAML
    return InputFormat.TSV if sniff_delimiter(text[: SNIFF_CHARS + 1]) == "\t" else InputFormat.CSV


def _meaningful_lines(sample: str) -> list[str]:
    """Non-blank lines that are not ``#`` comments, stripped, from a bounded sample."""
    stripped = (line.strip() for line in sample.splitlines())
    return [line for line in stripped if line and not line.startswith("#")][:20]


def _looks_like_ndjson(lines: list[str]) -> bool:
    first = lines[0]
    if not first.endswith("}") or len(first) > _LONGEST_NDJSON_PROBE:
        return False
    try:
        value = json.loads(first)
    except (ValueError, RecursionError):
        # A broken first record: several lines that open an object still say NDJSON.
        return len(lines) > 1 and lines[1].startswith("{")
    return isinstance(value, dict) and not ({"reports", "sources"} & value.keys())
