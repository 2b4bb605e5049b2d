"""Two independent jobs at once: one in a forked child process, one here.

``tally diff`` reconciles two sides that share nothing; on a machine with two CPUs they take the
time of one.  The child's result comes back pickled through a pipe, and a :class:`TallyError`
raised there is raised here again with its message, location, hint and findings, so that errors
read the same either way.  Where ``fork`` is missing (Windows) or there is one CPU, the jobs run
one after the other, and so they do when this process runs other threads.
"""

from __future__ import annotations

import os
import pickle
import signal
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from casualty_cli.errors import TallyError

T = TypeVar("T")
U = TypeVar("U")


def side_by_side(there: Callable[[], T], here: Callable[[], U]) -> tuple[T, U]:
    """``(there(), here())``, ``there`` in a forked child while ``here`` runs in this process."""
    if not hasattr(os, "fork") or (os.cpu_count() or 1) < 2 or threading.active_count() > 1:
        # Forking a process that runs other threads can deadlock the child: take turns.
        return there(), here()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover  (the child: its coverage is not collected)
        os.close(read_end)
        _child(there, write_end)
    os.close(write_end)
    try:
        mine = here()
    except BaseException:
        # This half failed or was interrupted (a SIGINT sent to this process alone, not to
        # the terminal's group): the other half's result is no longer wanted, so stop it
        # rather than wait for it.
        os.kill(pid, signal.SIGKILL)
        os.close(read_end)
        os.waitpid(pid, 0)
        raise
    with os.fdopen(read_end, "rb") as pipe:
        payload = pipe.read()
    os.waitpid(pid, 0)
    return _unpack(payload), mine


def _child(job: Callable[[], Any], write_end: int) -> None:  # pragma: no cover
    try:
        outcome: tuple[str, Any] = ("ok", job())
    except TallyError as error:
        outcome = ("tally", error)
    except BaseException as error:
        outcome = ("crash", f"{type(error).__name__}: {error}")
    try:
        data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as error:
        data = pickle.dumps(("crash", f"result could not be sent back: {error}"))
    with os.fdopen(write_end, "wb") as pipe:
        pipe.write(data)
    os._exit(0)


def _unpack(payload: bytes) -> Any:
    if not payload:
        raise TallyError(
            "the worker process ended without a result",
            hint="it may have run out of memory; try again with fewer reports",
            code="worker-failed",
        )
    kind, value = pickle.loads(payload)  # noqa: S301  (our own child, through our own pipe)
    if kind == "ok":
        return value
    if kind == "tally":
        raise value
    raise TallyError(
        f"the worker process failed: {value}",
        hint="run again with --debug, and please report it",
        code="worker-failed",
    )
