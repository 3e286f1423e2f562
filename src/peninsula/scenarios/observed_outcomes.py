"""The record of what happened after each packaged snapshot: per issue, a value on the issue's scale.

``scenarios/records/<scenario id>.yaml`` holds, for the issues where the public record gives one, the outcome
that came to pass after the snapshot's date, on the issue's own scale, with its date and source. It is there
for users to judge the models (``peninsula forecast SCENARIO --against-record``) and is **never an input**:
nothing in :mod:`peninsula.scenarios` or the models reads it, and the snapshots are coded only from what was
known on their date (``peninsula validate`` checks that no source is dated after the scenario).

Checks (:func:`record_problems`): the issue is in the scenario; the value lies on its scale; the date is on or
after the scenario's; the source checks out like any other (a ``dataset`` row must exist, and where the entry
gives a ``factor`` the value must equal the row's value times it, e.g. won to billion won).

Examples
--------
>>> rec = load_record("korea-2019-04")
>>> rec["sma-contribution"].value, rec["sma-contribution"].date.isoformat()
(1038.9, '2021-03-10')
>>> record_problems("korea-2019-04")
[]
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from peninsula.core import InputError, InputProblem, Scenario, Source
from peninsula.scenarios.sources import DATASET_VALUE_COLUMNS, dataset_row, source_problem

__all__ = ["RecordEntry", "load_record", "record_ids", "record_problems"]

_PACKAGE = "peninsula.scenarios"


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    issue: str
    value: float = Field(allow_inf_nan=False)
    date: dt.date
    source: Source
    factor: float | None = None
    note: str = ""


class _File(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    scenario: str
    description: str = ""
    issues: tuple[_Entry, ...]


@dataclass(frozen=True)
class RecordEntry:
    """What happened on one issue after a snapshot.

    Attributes
    ----------
    issue:
        Issue id.
    value:
        The outcome on the issue's own scale.
    date:
        When it came to pass (or was recorded).
    source:
        Where it comes from (a dataset row, a public record, a seed).
    note:
        How the value is read from the source.
    """

    issue: str
    value: float
    date: dt.date
    source: Source
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: ``value``, ``date`` (ISO), ``source`` (its non-empty fields) and ``note``."""
        return {
            "value": self.value,
            "date": self.date.isoformat(),
            "source": self.source.model_dump(mode="json", exclude_none=True),
            "note": self.note,
        }


def record_ids() -> list[str]:
    """Scenario ids that have a packaged record."""
    folder = resources.files(_PACKAGE).joinpath("records")
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def _load(scenario_id: str) -> _File:
    if scenario_id not in record_ids():
        raise InputError.single(
            scenario_id,
            None,
            "record",
            f"no record of what happened for '{scenario_id}' (packaged records: {', '.join(record_ids())})",
        )
    fname = f"{scenario_id}.yaml"
    text = resources.files(_PACKAGE).joinpath("records", fname).read_text(encoding="utf-8")
    try:
        return _File.model_validate(yaml.safe_load(text))
    except ValidationError as exc:
        raise InputError(
            [InputProblem(fname, None, ".".join(map(str, e["loc"])), e["msg"]) for e in exc.errors()]
        ) from None


def load_record(scenario_id: str) -> dict[str, RecordEntry]:
    """The record of what happened after the packaged snapshot ``scenario_id``, by issue id.

    Issues without a record on their scale are absent. Raises :class:`InputError` if there is no record.
    """
    f = _load(scenario_id)
    return {e.issue: RecordEntry(e.issue, e.value, e.date, e.source, e.note) for e in f.issues}


def record_problems(scenario_id: str, scenario: Scenario | None = None) -> list[InputProblem]:
    """Every problem of the packaged record of ``scenario_id`` (see the module docstring); empty if sound."""
    from peninsula.scenarios.library import load_packaged

    sc = scenario if scenario is not None else load_packaged(scenario_id)
    f = _load(scenario_id)
    where = f"records/{scenario_id}.yaml"
    out = []
    for k, e in enumerate(f.issues):
        field = f"issues[{k}]"

        def bad(msg: str, field: str = field, issue: str = e.issue) -> None:
            out.append(InputProblem(where, None, field, msg, f"issue '{issue}'"))

        if e.issue not in sc.issue_ids:
            bad(f"issue '{e.issue}' is not in scenario '{sc.id}'")
            continue
        iss = sc.issue(e.issue)
        if not iss.lower <= e.value <= iss.upper:
            bad(f"value {e.value:g} lies outside the issue's scale [{iss.lower:g}, {iss.upper:g}]")
        if sc.date is not None and e.date < sc.date:
            bad(f"dated {e.date.isoformat()}, before the scenario's {sc.date.isoformat()}")
        if e.source.kind == "dataset":
            assert e.source.file is not None and e.source.row is not None
            try:
                row = dataset_row(e.source.file, e.source.row)
            except (KeyError, ValueError) as exc:
                bad(str(exc))
                continue
            if e.factor is not None:
                cell = float(row[DATASET_VALUE_COLUMNS[e.source.file]]) * e.factor
                if not math.isclose(cell, e.value, rel_tol=1e-9):
                    bad(f"value {e.value:g} differs from the row's value times {e.factor:g} = {cell:g}")
        else:
            msg = source_problem(e.source, e.value)
            if msg is not None:
                bad(msg)
    return out
