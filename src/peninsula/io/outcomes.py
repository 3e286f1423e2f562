"""Reader for outcomes CSVs: the recorded outcome (and reference point) of each issue, for evaluation.

Columns (case-insensitive; a UTF-8 byte-order mark is ignored): ``issue_id`` and ``outcome`` (required),
``reference_point`` (optional: the issue's status quo for models that use one), ``agreement`` (optional:
1 if the parties agreed, 0 if the decision ended without agreement; ``true``/``false`` also read; blank =
unknown) and a group column for the bootstrap and cross-validation (``proposal``, ``proposal_id``,
``case`` or ``case_id``, the first present). Other columns are ignored. A blank outcome means unknown (the
issue is left out); a blank reference point means none. Every problem names the file, the line and the
column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from peninsula.core import InputError, InputProblem, Scenario
from peninsula.io._text import csv_rows, parse_float, read_text

__all__ = ["KnownOutcome", "outcome_problems", "read_outcomes"]

GROUP_COLUMNS = ("proposal", "proposal_id", "case", "case_id")
_AGREED = {"1": 1.0, "0": 0.0, "1.0": 1.0, "0.0": 0.0, "true": 1.0, "false": 0.0}


@dataclass(frozen=True)
class KnownOutcome:
    """A recorded outcome of an issue, with its reference point (status quo) if known.

    ``agreement`` is 1.0 if the parties agreed, 0.0 if not, ``None`` if unknown (issue 21). ``file`` and
    ``line`` say where it was read (``None`` when built in code).
    """

    issue_id: str
    outcome: float
    reference_point: float | None
    group: str | None = None
    file: str | None = None
    line: int | None = None
    agreement: float | None = None


def read_outcomes(path: str | Path) -> dict[str, KnownOutcome]:
    """Read an outcomes CSV (see the module docstring for its columns).

    Raises
    ------
    InputError
        Every problem in the file: missing columns, empty or repeated issue ids, numbers that are not
        finite or over the magnitude limit, each with file, line and column.
    """
    p = Path(path)
    name = p.name
    rows = [(n, r) for n, r in csv_rows(read_text(p, name), name) if any(c.strip() for c in r)]
    if not rows:
        raise InputError.single(name, None, "file", "empty outcomes file: no header row")
    head_line, head = rows[0]
    header = [h.strip().lstrip("\ufeff").lower() for h in head]
    missing = [c for c in ("issue_id", "outcome") if c not in header]
    if missing:
        raise InputError([InputProblem(name, head_line, c, "missing column") for c in missing])
    ki, ko = header.index("issue_id"), header.index("outcome")
    kr = header.index("reference_point") if "reference_point" in header else None
    kg = next((header.index(c) for c in GROUP_COLUMNS if c in header), None)
    ka = header.index("agreement") if "agreement" in header else None
    out: dict[str, KnownOutcome] = {}
    first: dict[str, int] = {}
    problems: list[InputProblem] = []

    def cell(row: list[str], k: int | None) -> str:
        return row[k].strip() if k is not None and k < len(row) else ""

    for n, row in rows[1:]:
        iid = cell(row, ki)
        if not iid:
            problems.append(InputProblem(name, n, "issue_id", "empty issue id"))
            continue
        if iid in first:
            problems.append(
                InputProblem(name, n, "issue_id", f"issue '{iid}' listed twice (first on line {first[iid]})")
            )
            continue
        first[iid] = n
        ctx = f"issue '{iid}'"
        values: dict[str, float | None] = {}
        for field, k in (("outcome", ko), ("reference_point", kr)):
            raw = cell(row, k)
            if not raw:
                values[field] = None
                continue
            try:
                values[field] = parse_float(raw)
            except ValueError as exc:
                problems.append(InputProblem(name, n, field, str(exc), ctx))
        agreement: float | None = None
        raw_a = cell(row, ka).lower()
        if raw_a:
            if raw_a in _AGREED:
                agreement = _AGREED[raw_a]
            else:
                why = f"{raw_a!r} is not 1 (agreed), 0 (no agreement) or blank"
                problems.append(InputProblem(name, n, "agreement", why, ctx))
                continue
        if len(values) < 2 or values["outcome"] is None:
            continue
        out[iid] = KnownOutcome(
            iid, values["outcome"], values["reference_point"], cell(row, kg) or None, name, n, agreement
        )
    if not problems and len(rows) == 1:
        problems.append(InputProblem(name, head_line, "file", "no outcome rows after the header"))
    if problems:
        raise InputError(problems)
    return out


def outcome_problems(scenario: Scenario, known: Mapping[str, KnownOutcome]) -> list[InputProblem]:
    """Reference points that lie outside their issue's scale in ``scenario`` (a status quo must lie on it;
    an outcome may not, and is only compared)."""
    problems = []
    for issue in scenario.issues:
        k = known.get(issue.id)
        if k is None:
            continue
        for field, value in (("reference_point", k.reference_point),):
            why = None if value is None else issue.scale_problem(value)
            if why is not None:
                problems.append(
                    InputProblem(
                        k.file or "outcomes", k.line, field, why, f"issue '{issue.id}' of {scenario.id}"
                    )
                )
    return problems
