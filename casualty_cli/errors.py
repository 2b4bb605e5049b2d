"""Errors and findings: the two ways tally reports a problem.

An *error* stops a command (an unreadable file, a broken YAML document).  A *finding* is data: one
problem or remark about one place in the input, with a stable code, so that ``tally validate`` can
list every problem at once and scripts can filter them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import IntEnum, StrEnum


class ExitStatus(IntEnum):
    """Exit statuses shared by every command (contract section 5)."""

    OK = 0
    DATA_ERROR = 1
    USAGE = 2
    INTERRUPTED = 130


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Location:
    """Where a value was read: the file as the user named it, a 1-based line, a field."""

    file: str = ""
    line: int | None = None
    field: str | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        text = ":".join(parts)
        if self.field:
            text += f": {self.field}"
        return text


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem (or remark) about one place in the input.

    ``code`` is stable and kebab-case (``count-negative``); ``message`` says what is wrong and
    ``hint`` how to fix it.
    """

    code: str
    message: str
    location: Location = Location()
    value: str | None = None
    hint: str | None = None
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def at(self, location: Location) -> Finding:
        return replace(self, location=location)

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class TallyError(Exception):
    """The base of every error tally raises on purpose.

    It carries a location so that the CLI can print ``Error: reports.csv:14: count: ...`` without a
    traceback.  ``findings`` holds every problem when there is more than one.
    """

    code = "error"

    def __init__(
        self,
        message: str,
        *,
        location: Location | None = None,
        hint: str | None = None,
        code: str | None = None,
        value: str | None = None,
        findings: Iterable[Finding] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location or Location()
        self.hint = hint
        self.value = value
        if code is not None:
            self.code = code
        self.findings: tuple[Finding, ...] = tuple(findings)

    def at(self, location: Location) -> TallyError:
        """The same error, placed at ``location`` (grammars raise without knowing the file)."""
        return type(self)(
            self.message,
            location=location,
            hint=self.hint,
            code=self.code,
            value=self.value,
            findings=self.findings,
        )

    def as_finding(self) -> Finding:
        return Finding(self.code, self.message, self.location, self.value, self.hint)

    def __str__(self) -> str:
        where = str(self.location) if (self.location.file or self.location.field) else ""
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class InputError(TallyError):
    """Input that cannot be read: a broken file, a bad encoding, a malformed document."""

    code = "input-error"


class GrammarError(TallyError):
    """A phrase, date or grade that tally's grammars refuse, with the reason."""

    code = "unparsed-value"


class InvalidInput(TallyError):
    """One or more error findings in the input: nothing may be computed from it."""

    code = "invalid-input"

    @classmethod
    def from_findings(cls, findings: Iterable[Finding]) -> InvalidInput:
        errors = tuple(f for f in findings if f.is_error)
        count = len(errors)
        noun = "problem" if count == 1 else "problems"
        return cls(f"{count} {noun} in the input", findings=errors)


class OutputError(TallyError):
    """An output that cannot be written (or would overwrite an input)."""

    code = "output-error"
