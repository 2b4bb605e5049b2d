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

    The temporary file is flushed to disk before the rename, so that ``path`` only ever holds
    the earlier bytes or all of the new ones, even if tally is killed or the machine stops.  A
    failure (or Ctrl-C) leaves the earlier file untouched and no temporary file behind; only a
    SIGKILL, which nothing can catch, may leave a hidden ``.NAME.*.tmp`` file.
    """
    target = Path(path)
    folder = target.parent
    try:
        descriptor, temporary = tempfile.mkstemp(
            dir=folder, prefix=f".{target.name}.", suffix=".tmp"
        )
    except OSError as error:
        raise OutputError(
            f"cannot write {path}: {error.strerror or error}",
            location=Location(path),
            hint="check that the folder exists and is writable",
        ) from None
    try:
        with open(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, _mode(target))
        os.replace(temporary, target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise OutputError(
                f"cannot write {path}: {error.strerror or error}",
                location=Location(path),
                hint="check the disk space and permissions",
            ) from None
        raise
    _sync_folder(folder)


def _mode(target: Path) -> int:
    """The earlier file's permissions; for a new file, what ``open()`` would give it.

    mkstemp makes the temporary file private (0600): kept, a published CSV would be unreadable
    to the web server or colleague it is meant for.
    """
    with contextlib.suppress(OSError):
        return target.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _sync_folder(folder: Path) -> None:
    # The rename itself lives in the folder: flush it too, where the system allows it.
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
