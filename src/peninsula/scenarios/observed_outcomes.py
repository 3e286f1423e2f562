"""The record of what happened after each packaged snapshot: per issue, a value on the issue's scale.

``scenarios/records/<scenario id>.yaml`` holds, for the issues where the public record gives one, the outcome
at the snapshot's **forecast horizon** (``horizon``: the state on that day, or the decision taken between the
snapshot and it), on the issue's own scale, with its date and source. ``agreement: false`` marks "no
agreement": the value is then the issue's reversion. Decisions after the horizon, or by another
administration than the one the snapshot models, are kept under ``later:`` with a ``label``: shown, never
scored. The record is there for users to judge the models (``peninsula forecast SCENARIO
--against-record``) and is **never an input**: nothing in :mod:`peninsula.scenarios` or the models reads it,
and the snapshots are coded only from what was known on their date (``peninsula validate`` checks that no
source is dated after the scenario).

Checks (:func:`record_problems`): the horizon is on or after the scenario's date and equals the scenario's
``metadata["horizon"]``; the issue is in the scenario; the value lies on its scale; a scored entry is dated
between the scenario and the horizon, a later one after the scenario; the source checks out like any other (a
``dataset`` row must exist, and where the entry gives a ``factor`` the value must equal the row's value times
it, e.g. won to billion won).

Examples
--------
>>> rec = load_record("korea-2019-04")
>>> rec["sma-contribution"].agreement, rec["sma-contribution"].date <= record_horizon("korea-2019-04")
(False, True)
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

__all__ = [
    "RecordEntry",
    "load_later_records",
    "load_record",
    "record_horizon",
    "record_ids",
    "record_problems",
]

_PACKAGE = "peninsula.scenarios"


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    issue: str
    value: float = Field(allow_inf_nan=False)
    date: dt.date
    source: Source
    agreement: bool | None = None
    factor: float | None = None
    note: str = ""
    label: str = ""


class _File(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    scenario: str
    horizon: dt.date
    description: str = ""
    issues: tuple[_Entry, ...]
    later: tuple[_Entry, ...] = ()


@dataclass(frozen=True)
class RecordEntry:
    """What happened on one issue after a snapshot.

    Attributes
    ----------
    issue:
        Issue id.
    value:
        The outcome on the issue's own scale (the reversion where ``agreement`` is ``False``).
    date:
        When it came to pass, or the day the state it records held (at most the horizon).
    source:
        Where it comes from (a dataset row, a public record, a seed).
    note:
        How the value is read from the source.
    agreement:
        ``False``: no agreement by the horizon; ``True``: one was reached; ``None``: not an agreement issue.
    label:
        For a later record (after the horizon or by another administration): what it is.
    """

    issue: str
    value: float
    date: dt.date
    source: Source
    note: str = ""
    agreement: bool | None = None
    label: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: ``value``, ``date`` (ISO), ``source`` (non-empty fields), ``note``, ``agreement``."""
        out: dict[str, Any] = {
            "value": self.value,
            "date": self.date.isoformat(),
            "source": self.source.model_dump(mode="json", exclude_none=True),
            "note": self.note,
            "agreement": self.agreement,
        }
        if self.label:
            out["label"] = self.label
        return out


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


def _entry(e: _Entry) -> RecordEntry:
    return RecordEntry(e.issue, e.value, e.date, e.source, e.note, e.agreement, e.label)


def load_record(scenario_id: str) -> dict[str, RecordEntry]:
    """The record at the forecast horizon of the packaged snapshot ``scenario_id``, by issue id (scored).

    Issues without a record on their scale are absent. Raises :class:`InputError` if there is no record.
    """
    f = _load(scenario_id)
    return {e.issue: _entry(e) for e in f.issues}


def load_later_records(scenario_id: str) -> list[RecordEntry]:
    """Decisions after the horizon or by another administration: labelled, shown, never scored."""
    return [_entry(e) for e in _load(scenario_id).later]


def record_horizon(scenario_id: str) -> dt.date:
    """The forecast horizon of the packaged snapshot ``scenario_id`` (the day its record speaks for)."""
    return _load(scenario_id).horizon


def record_problems(scenario_id: str, scenario: Scenario | None = None) -> list[InputProblem]:
    """Every problem of the packaged record of ``scenario_id`` (see the module docstring); empty if sound."""
    from peninsula.scenarios.library import load_packaged

    sc = scenario if scenario is not None else load_packaged(scenario_id)
    f = _load(scenario_id)
    where = f"records/{scenario_id}.yaml"
    out = []
    if sc.date is not None and f.horizon < sc.date:
        early = f"horizon {f.horizon} is before the scenario's {sc.date}"
        out.append(InputProblem(where, None, "horizon", early))
    if sc.metadata.get("horizon") != f.horizon.isoformat():
        out.append(
            InputProblem(
                where,
                None,
                "horizon",
                f"horizon {f.horizon} differs from the scenario's metadata.horizon "
                f"{sc.metadata.get('horizon', '(none)')}",
            )
        )
    entries = [(f"issues[{k}]", e, False) for k, e in enumerate(f.issues)]
    entries += [(f"later[{k}]", e, True) for k, e in enumerate(f.later)]
    for field, e, later in entries:

        def bad(msg: str, field: str = field, issue: str = e.issue) -> None:
            out.append(InputProblem(where, None, field, msg, f"issue '{issue}'"))

        if e.issue not in sc.issue_ids:
            bad(f"issue '{e.issue}' is not in scenario '{sc.id}'")
            continue
        iss = sc.issue(e.issue)
        why = None if later else iss.scale_problem(e.value)  # a later record may fall off the scale
        if why is not None:
            bad(f"value {why}")
        if sc.date is not None and e.date < sc.date:
            bad(f"dated {e.date.isoformat()}, before the scenario's {sc.date.isoformat()}")
        if not later and e.date > f.horizon:
            bad(
                f"dated {e.date.isoformat()}, after the horizon {f.horizon.isoformat()} (a later record "
                "belongs under 'later:')"
            )
        if later and not e.label:
            bad("a later record needs a label saying what it is (it is shown, never scored)")
        if e.agreement is False:
            rev = getattr(iss, "reversion_value", None)
            if rev is not None and not math.isclose(e.value, rev, abs_tol=1e-9):
                bad(f"'no agreement' must record the issue's reversion {rev:g}, not {e.value:g}")
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
