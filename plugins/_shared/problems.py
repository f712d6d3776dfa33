"""Problems found in content, and the errors that stop a command.

A `Problem` is one `path:line: message [code]` finding. Plugins log problems through
`log_problem`, which attaches the structured problem to the log record, so the build
tool can collect them without any shared module state.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Any

PROBLEM_ATTR = "intrablog_problem"


class Severity(StrEnum):
    """How bad a problem is: errors drop content, warnings degrade it."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding in one content file, located by a site-relative path and 1-based line."""

    path: PurePosixPath
    line: int
    message: str
    code: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message} [{self.code}]"

    def to_json(self) -> dict[str, Any]:
        """Return the stable JSON shape used by `--json` output."""
        data = asdict(self)
        data["path"] = str(self.path)
        data["severity"] = str(self.severity)
        return data


class ProblemReport:
    """Mixin for results that carry `problems`: split them by severity, decide the exit."""

    __slots__ = ()
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        """Problems that drop or break content; they always fail the command."""
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        """Problems that degrade content; they fail only with --strict."""
        return [p for p in self.problems if p.severity is Severity.WARNING]

    def failed(self, strict: bool) -> bool:
        """Return whether the command should exit 1."""
        return bool(self.errors or (strict and self.warnings))


class BlogError(Exception):
    """An error the user can act on; the CLI turns it into a one-line message and exit 1."""


class SettingsError(BlogError):
    """A setting in pelicanconf.py has the wrong type or value."""


def log_problem(logger: logging.Logger, problem: Problem) -> None:
    """Log `problem` at its severity with the structured problem attached to the record."""
    level = logging.ERROR if problem.severity is Severity.ERROR else logging.WARNING
    logger.log(level, "%s", problem, extra={PROBLEM_ATTR: problem})


def problem_from_record(record: logging.LogRecord) -> Problem | None:
    """Return the problem attached to `record` by `log_problem`, if any."""
    problem = getattr(record, PROBLEM_ATTR, None)
    return problem if isinstance(problem, Problem) else None
