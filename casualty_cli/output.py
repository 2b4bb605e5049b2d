"""Writing results without ever losing data: atomic files that never replace an input."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from casualty_cli.errors import Location, OutputError


def same_file(a: str, b: str) -> bool:
    with contextlib.suppress(OSError):
        return os.path.samefile(a, b)
    return os.path.abspath(a) == os.path.abspath(b)


def check_not_an_input(output: str, inputs: Iterable[str]) -> None:
    for name in inputs:
        if name != "-" and same_file(output, name):
            raise OutputError(
                f"refusing to write over the input {name}",
                location=Location(output),
                hint="choose another output file",
            )


def write_atomically(path: str, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder, then rename.

    A failure leaves the earlier file untouched and no temporary file behind.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        handle = tempfile.NamedTemporaryFile(
            "w",
            encoding="utf-8",
            newline="",
            dir=folder,
            prefix=f".{target.name}.",
            suffix=".tmp",
            delete=False,
        )
    except OSError as error:
        raise OutputError(
            f"cannot write {path}: {error.strerror or error}",
            location=Location(path),
            hint="check that the folder exists and is writable",
        ) from None
    try:
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists():
            os.chmod(handle.name, target.stat().st_mode & 0o777)
        os.replace(handle.name, target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
        if isinstance(error, OSError):
            raise OutputError(
                f"cannot write {path}: {error.strerror or error}",
                location=Location(path),
                hint="check the disk space and permissions",
            ) from None
        raise
