"""Errors raised for bad input: each names the file, the line (or YAML path) and the field."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class InputProblem:
    """One thing wrong with an input file.

    Attributes
    ----------
    file:
        The file's name or path as the user gave it.
    line:
        1-based line number, or ``None`` when the problem has no single line.
    field:
        The field at fault (``power``, ``stances[3].salience``, ...).
    message:
        What is wrong, in a sentence.
    context:
        Optional extra identification, e.g. ``actor 'China India', issue 'Control'``.
    """

    file: str
    line: int | None
    field: str
    message: str
    context: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        ctx = f" ({self.context})" if self.context else ""
        return f"{where}: field '{self.field}'{ctx}: {self.message}"


class PeninsulaError(Exception):
    """Base class of peninsula's own errors."""


class InputError(PeninsulaError, ValueError):
    """Bad input: carries every problem found in a file, not just the first."""

    def __init__(self, problems: Sequence[InputProblem]) -> None:
        self.problems: tuple[InputProblem, ...] = tuple(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in input"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in self.problems))

    @classmethod
    def single(cls, file: str, line: int | None, field: str, message: str, context: str = "") -> InputError:
        """Build an error holding one problem."""
        return cls([InputProblem(file, line, field, message, context)])


class ParameterError(PeninsulaError, ValueError):
    """A model parameter (``--set KEY=VALUE``) is unknown or has a bad value."""
