"""Consoles for people: rich on standard error for messages, on standard output for tables."""

from __future__ import annotations

import sys
from typing import IO

from rich.console import Console


def error_console(file: IO[str] | None = None) -> Console:
    return Console(file=file or sys.stderr, highlight=False, soft_wrap=True)


def table_console(file: IO[str]) -> Console:
    # Tables go to standard output only when it is a terminal (or the user asked for one):
    # never let rich guess colours or wrap from environment variables meant for other programs.
    return Console(file=file, highlight=False)
