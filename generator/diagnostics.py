"""Diagnostics: one type for every error and warning, printed as ``path:line: message``."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Iterable, Literal

log = logging.getLogger(__name__)

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem in a source file; ``line`` is 1-based (1 where nothing better is known)."""

    path: str
    line: int
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.path}:{self.line}: {prefix}{self.message}"


def error(path: str, line: int, message: str) -> Diagnostic:
    """Return an error diagnostic."""
    return Diagnostic(path, max(1, line), message, "error")


def warning(path: str, line: int, message: str) -> Diagnostic:
    """Return a warning diagnostic."""
    return Diagnostic(path, max(1, line), message, "warning")


class BuildError(Exception):
    """Raised when content errors stop a build; carries every diagnostic found."""

    def __init__(self, diagnostics: Iterable[Diagnostic], warnings: Iterable[Diagnostic] = ()) -> None:
        self.diagnostics = sorted(diagnostics, key=_sort_key)
        # The warnings found before the build stopped: shown with the errors, not lost behind them.
        self.warnings = sorted(set(warnings) - set(self.diagnostics), key=_sort_key)
        super().__init__("\n".join(str(d) for d in self.diagnostics))

    def everything(self) -> list[Diagnostic]:
        """Return the errors and the warnings, in file and line order."""
        return sorted([*self.diagnostics, *self.warnings], key=_sort_key)


@dataclass(frozen=True, slots=True)
class HeldBack:
    """An article left out of the build, and why (SPEC section 5: the summary names each one)."""

    path: str
    reason: str


class UsageError(Exception):
    """Raised for command-line misuse (exit status 2), e.g. a dangerous output folder."""


@dataclass(slots=True)
class Report:
    """Collects diagnostics from a pass over many files, so all errors are shown at once."""

    items: list[Diagnostic] = field(default_factory=list)

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.items.extend(diagnostics)

    @property
    def errors(self) -> list[Diagnostic]:
        return sorted((d for d in self.items if d.severity == "error"), key=_sort_key)

    @property
    def warnings(self) -> list[Diagnostic]:
        return sorted((d for d in self.items if d.severity == "warning"), key=_sort_key)

    def raise_if_failed(self, strict: bool = False) -> None:
        """Raise BuildError if there are errors (or warnings, under ``strict``)."""
        failing = self.errors + (self.warnings if strict else [])
        if failing:
            raise BuildError(failing, self.warnings)


def _sort_key(d: Diagnostic) -> tuple[str, int, str]:
    return (d.path, d.line, d.message)
