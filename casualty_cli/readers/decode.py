"""Bytes to text: BOMs, strict UTF-8, and errors that say where the bad byte is.

tally never guesses an encoding silently: mojibake in a source name or a place would be carried
into every estimate.  A file that is not UTF-8 (or UTF-16 with a BOM) fails with its line and byte
offset and the ``--encoding`` values that usually fix it.
"""

from __future__ import annotations

import codecs
import io
from dataclasses import dataclass
from typing import TextIO

from casualty_cli.errors import InputError, Location

ENCODING_HINT = "try --encoding cp1252 (or cp1256 for Arabic Windows files, latin-1)"

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    # Excel's "Unicode text" export: UTF-16 little-endian with a BOM, tab-separated.
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(frozen=True, slots=True)
class Decoded:
    """The text of an input and how it was decoded (UTF-16 suggests Excel's tab-separated text).

    ``data`` keeps the bytes: :meth:`stream` decodes them again, chunk by chunk, which the csv
    module reads faster than one big ``StringIO`` (that copies the text at four bytes a character).
    """

    text: str
    encoding: str
    bom: bool = False
    data: bytes | None = None

    @classmethod
    def of(cls, text: str) -> Decoded:
        return cls(text, "utf-8")

    @property
    def utf16(self) -> bool:
        return self.encoding.startswith("utf-16")

    def stream(self) -> TextIO:
        """The text again as lines, untranslated (``newline=""``), for the csv module."""
        # Only where decoding again in chunks is known to give the same text: Python's
        # incremental UTF-16 decoder, unlike bytes.decode, refuses a stream without a BOM.
        encoding = _STREAM_CODECS.get((self.encoding, self.bom))
        if self.data is None or encoding is None:
            return io.StringIO(self.text, newline="")
        return io.TextIOWrapper(io.BytesIO(self.data), encoding=encoding, newline="")

    def utf8(self) -> tuple[bytes, int] | None:
        """The text as UTF-8 bytes and the offset it starts at in them (past a BOM), or None.

        UTF-8 can be cut at any line feed and each part decoded on its own, which lets a reader
        split a large input.  ``data`` itself when it is UTF-8 (no copy), else the text encoded;
        None when the text has no UTF-8 form (a lone surrogate, from a codec such as
        ``unicode_escape``).
        """
        if self.data is not None and self.encoding in ("utf-8", "utf-8-sig"):
            # Decoding dropped a leading BOM (sniffed, or by --encoding utf-8 / utf-8-sig).
            skip = len(codecs.BOM_UTF8) if self.data.startswith(codecs.BOM_UTF8) else 0
            return self.data, skip
        try:
            return self.text.encode("utf-8"), 0
        except UnicodeEncodeError:
            return None


def line_of(text: str, offset: int) -> int:
    """The 1-based line holding ``text[offset]``, counting CRLF, LF and a lone CR as one break each.

    The csv module counts lines the same way, so the lines of every message agree.
    """
    breaks = text.count("\n", 0, offset) + text.count("\r", 0, offset)
    return 1 + breaks - text.count("\r\n", 0, offset)


def decode(data: bytes, name: str, encoding: str | None = None) -> Decoded:
    """Decode ``data`` (the whole input named ``name``) or raise :class:`InputError`."""
    if not data:
        raise _empty(name)
    if encoding:
        decoded = _decode_as(data, name, encoding)
    else:
        decoded = _decode_sniffed(data, name)
    text = decoded.text
    if not text or text.isspace():
        raise _empty(name)
    nul = text.find("\x00")
    if nul >= 0:
        raise InputError(
            f"NUL byte at line {line_of(text, nul)}",
            location=Location(name, line_of(text, nul)),
            hint="the file looks binary, or UTF-16 without a BOM; save it as UTF-8 text",
            code="nul-byte",
        )
    return decoded


def _empty(name: str) -> InputError:
    return InputError(
        "empty input",
        location=Location(name),
        hint="expected a header row and reports (CSV) or a 'reports:' list (YAML/JSON)",
        code="empty-input",
    )


def _decode_sniffed(data: bytes, name: str) -> Decoded:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return Decoded(_strict(data, len(bom), codec, name), codec, bom=True, data=data)
    return Decoded(_strict(data, 0, "utf-8", name), "utf-8", data=data)


def _decode_as(data: bytes, name: str, encoding: str) -> Decoded:
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise _unknown_encoding(f"unknown encoding {encoding!r}", name) from None
    start = 0
    if codec == "utf-8" and data.startswith(codecs.BOM_UTF8):
        start = len(codecs.BOM_UTF8)
    return Decoded(_strict(data, start, codec, name), codec, bom=start > 0, data=data)


def _strict(data: bytes, start: int, codec: str, name: str) -> str:
    try:
        return data[start:].decode(codec) if start else data.decode(codec)
    except UnicodeDecodeError as error:
        raise _decode_error(data, start, codec, name, error) from None
    except LookupError:
        # codecs.lookup knows rot13, base64 and zlib too, but they map bytes to bytes, not text.
        raise _unknown_encoding(f"{codec!r} is not a text encoding", name) from None
    except UnicodeError as error:
        # A few codecs (idna, undefined) fail without saying where.
        raise InputError(
            f"not valid {_LABELS.get(codec, codec)}: {error}",
            location=Location(name),
            hint=_OTHER_ENCODING_HINT,
            code="bad-encoding",
        ) from None


_OTHER_ENCODING_HINT = "check --encoding, or save the file as UTF-8"


def _unknown_encoding(message: str, name: str) -> InputError:
    return InputError(
        message,
        location=Location(name),
        hint="use a Python codec name such as utf-8, cp1252, cp1256 or latin-1",
        code="unknown-encoding",
    )


def _decode_error(
    data: bytes, start: int, codec: str, name: str, error: UnicodeDecodeError
) -> InputError:
    offset = start + error.start
    # Decode the good prefix to count its lines: exact for any codec, and only on the error path.
    try:
        prefix = data[start:offset].decode(codec, errors="replace")
    except UnicodeError:
        # A codec without the "replace" handler (idna): count the line breaks of the bytes.
        prefix = data[start:offset].decode("latin-1")
    line = line_of(prefix, len(prefix))
    label = _LABELS.get(codec, codec)
    bad = data[offset : offset + 1].hex().upper()
    hint = ENCODING_HINT if codec == "utf-8" else _OTHER_ENCODING_HINT
    return InputError(
        f"not valid {label} at line {line}, byte {offset} (0x{bad})",
        location=Location(name, line),
        hint=hint,
        code="bad-encoding",
    )


_STREAM_CODECS = {
    ("utf-8", False): "utf-8",
    ("utf-8", True): "utf-8-sig",
    ("utf-8-sig", False): "utf-8-sig",
    ("utf-16-le", True): "utf-16",
    ("utf-16-be", True): "utf-16",
}
_LABELS = {"utf-8": "UTF-8", "utf-16-le": "UTF-16", "utf-16-be": "UTF-16"}
