"""Two jobs side by side: results, and errors that read the same as in one process."""

from __future__ import annotations

import time

import pytest

from casualty_cli.errors import InputError, Location, TallyError
from casualty_cli.parallel import side_by_side


def test_both_results_come_back_in_order() -> None:
    assert side_by_side(lambda: {"there": [1, 2]}, lambda: "here") == ({"there": [1, 2]}, "here")


def test_a_tally_error_in_the_child_is_raised_here_with_its_details() -> None:
    def fail() -> None:
        raise InputError("cannot read", location=Location("b.csv", 7), hint="check it", code="x")

    with pytest.raises(InputError) as caught:
        side_by_side(fail, lambda: None)
    error = caught.value
    assert (str(error.location), error.hint, error.code) == ("b.csv:7", "check it", "x")


def test_a_crash_in_the_child_is_reported_as_tally_trouble() -> None:
    def crash() -> None:
        raise ZeroDivisionError("boom")

    with pytest.raises(TallyError, match="ZeroDivisionError: boom") as caught:
        side_by_side(crash, lambda: None)
    assert caught.value.code == "worker-failed"


def test_a_failure_here_stops_the_child_instead_of_waiting_for_it() -> None:
    """An interrupt or an error in this half must not wait for the other half's work."""

    def slow() -> None:
        time.sleep(60)

    def fail() -> None:
        raise KeyboardInterrupt

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        side_by_side(slow, fail)
    # Waiting for the child would take a minute; stopping it takes a moment.
    assert time.monotonic() - started < 30
