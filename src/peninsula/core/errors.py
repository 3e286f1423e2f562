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


#: The pydantic error type of :func:`field_problem`; readers append its ``field`` to the error's location.
FIELD_PROBLEM = "field_problem"


def field_problem(field: str, message: str) -> Exception:
    """A validation error raised by a model-level validator that names the field at fault.

    Pydantic reports a model validator's error at the model's own location (``stances[3]``); readers
    (:func:`peninsula.io.yaml_format.problems_from_validation`) append ``field`` (dotted for nested fields,
    ``reversion.value``) so the message names ``stances[3].accept_low``.
    """
    from pydantic_core import PydanticCustomError

    return PydanticCustomError(FIELD_PROBLEM, "{message}", {"message": message, "field": field})
