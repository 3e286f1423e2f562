"""Read and validate the Korea launch and alliance-timeline CSVs (packaged copy or a user ``--data`` folder).

Only two files are needed by the dynamics model:

``dprk_missile_tests_monthly.csv``
    Monthly counts of CNS launch events and missiles (the targets). The ``supp_*`` columns are read too;
    a blank cell there means *not compiled* and is kept as ``NaN``, never as zero.
``alliance_timeline.csv``
    Dated alliance and diplomacy events. Covariates are derived from ``type``, ``date``, ``end_date``,
    ``value`` and ``value_unit`` only; the free-text ``event``/``detail`` columns are never read by the
    model (exercises are renamed from year to year).

Every problem found in a file is reported at once, as an :class:`~peninsula.core.errors.InputError` naming
the file, the 1-based line (the header is line 1) and the field.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt

from peninsula.core.errors import InputError, InputProblem
from peninsula.core.limits import MAX_COUNT, MAX_DATA_MONTHS, MAX_FIELD_CHARS
from peninsula.io._text import read_text

__all__ = [
    "MONTHLY_FILE",
    "TIMELINE_FILE",
    "TIMELINE_TYPES",
    "KoreaData",
    "MonthlyCounts",
    "TimelineEvent",
    "load_data",
    "parse_month",
]

MONTHLY_FILE = "dprk_missile_tests_monthly.csv"
TIMELINE_FILE = "alliance_timeline.csv"
# Where the packaged copies live: the launch counts with the dynamics package, the alliance timeline once,
# in the scenario datasets that scenario sources cite (one file, read through importlib.resources).
_PACKAGED = {
    MONTHLY_FILE: ("peninsula.dynamics", "data"),
    TIMELINE_FILE: ("peninsula.scenarios", "datasets"),
}

MONTHLY_COUNT_COLUMNS = ("events", "missiles")
MONTHLY_SUPP_COLUMNS = ("supp_events_non_cns", "supp_missiles_stated", "supp_events_count_unstated")
MONTHLY_COLUMNS = ("month", *MONTHLY_COUNT_COLUMNS, "events_failed_all", *MONTHLY_SUPP_COLUMNS)
TIMELINE_COLUMNS = ("date", "end_date", "type", "value", "value_unit")
TIMELINE_TYPES = frozenset({"summit", "exercise", "cost_sharing", "sanctions", "talks", "other"})

_MONTH_RE = re.compile(r"^\d{4}-\d{2}$")


def parse_month(text: str) -> np.datetime64:
    """Parse ``YYYY-MM`` into a ``numpy.datetime64`` of unit month.

    Raises
    ------
    ValueError
        If ``text`` is not a valid ``YYYY-MM`` month.

    Examples
    --------
    >>> str(parse_month("2019-12"))
    '2019-12'
    """
    if not _MONTH_RE.match(text.strip()):
        raise ValueError(f"expected a month as YYYY-MM, got {text!r}")
    year, month = (int(p) for p in text.strip().split("-"))
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 01..12, got {text!r}")
    return np.datetime64(f"{year:04d}-{month:02d}", "M")


@dataclass(frozen=True)
class MonthlyCounts:
    """Monthly launch counts, one entry per consecutive calendar month.

    Attributes
    ----------
    months:
        ``datetime64[M]`` array of consecutive months.
    events:
        CNS launch events (launch days, KST) per month, count.
    missiles:
        CNS missiles per month, count.
    supplementary:
        ``supp_*`` column name → float array (count per month); ``NaN`` where the cell was blank, i.e.
        not compiled. Not used by the model; kept so that nobody reads a blank as zero.
    """

    months: npt.NDArray[np.datetime64]
    events: npt.NDArray[np.int64]
    missiles: npt.NDArray[np.int64]
    supplementary: dict[str, npt.NDArray[np.float64]]

    def target(self, name: str) -> npt.NDArray[np.int64]:
        """Return the count series ``events`` or ``missiles``."""
        if name == "events":
            return self.events
        if name == "missiles":
            return self.missiles
        raise ValueError(f"target must be 'events' or 'missiles', not {name!r}")


@dataclass(frozen=True)
class TimelineEvent:
    """One dated row of the alliance timeline, reduced to the fields the model may read.

    Attributes
    ----------
    date:
        Start day (KST).
    end_date:
        Last day (KST, inclusive) of a multi-day item, else ``None``.
    type:
        One of :data:`TIMELINE_TYPES`.
    value:
        Number given by the source, in ``value_unit``; ``None`` when blank.
    value_unit:
        Unit of ``value`` (free text, compared only for equality; never mixed).
    line:
        1-based line in the source file (header is line 1).
    """

    date: dt.date
    end_date: dt.date | None
    type: str
    value: float | None
    value_unit: str
    line: int


@dataclass(frozen=True)
class KoreaData:
    """The two validated inputs of the dynamics model and where they came from."""

    monthly: MonthlyCounts
    timeline: tuple[TimelineEvent, ...]
    source: str


def _rows(text: str, name: str, required: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        yield from _dict_rows(text.removeprefix("\ufeff"), name, required)
    except csv.Error as exc:  # a field over the limit, or an unclosed quote running to the end
        raise InputError.single(
            name, None, "file", f"malformed CSV (a field over {MAX_FIELD_CHARS:,} characters?): {exc}"
        ) from None


def _dict_rows(text: str, name: str, required: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(
            [InputProblem(name, 1, c, "required column is missing from the header") for c in missing]
        )
    for row in reader:
        # reader.line_num counts physical lines read so far (quoted fields may span lines).
        yield reader.line_num, {k: (v or "") for k, v in row.items() if k is not None}


def _parse_count(raw: str, name: str, line: int, field: str, problems: list[InputProblem]) -> int:
    text = raw.strip()
    try:
        value = int(text)
    except ValueError:
        problems.append(InputProblem(name, line, field, f"expected a non-negative whole number, got {raw!r}"))
        return 0
    if value < 0:
        problems.append(InputProblem(name, line, field, f"count cannot be negative, got {value}"))
    if value > MAX_COUNT:
        problems.append(
            InputProblem(name, line, field, f"count {value:.3g} is over the limit of {MAX_COUNT:,} per month")
        )
        return 0
    return value


def _read_monthly(text: str, name: str) -> MonthlyCounts:
    problems: list[InputProblem] = []
    months: list[np.datetime64] = []
    counts: dict[str, list[int]] = {c: [] for c in MONTHLY_COUNT_COLUMNS}
    supp: dict[str, list[float]] = {c: [] for c in MONTHLY_SUPP_COLUMNS}
    required = ("month", *MONTHLY_COUNT_COLUMNS)
    for line, row in _rows(text, name, required):
        try:
            month = parse_month(row["month"])
        except ValueError as exc:
            problems.append(InputProblem(name, line, "month", str(exc)))
            continue
        if months and month != months[-1] + np.timedelta64(1, "M"):
            problems.append(
                InputProblem(name, line, "month", f"months must be consecutive; {month} follows {months[-1]}")
            )
        months.append(month)
        if len(months) > MAX_DATA_MONTHS:  # the time of a backtest grows with the series
            raise InputError.single(
                name,
                line,
                "month",
                f"more than {MAX_DATA_MONTHS:,} months: over the input limit (see docs/limits.md)",
            )
        for col in MONTHLY_COUNT_COLUMNS:
            counts[col].append(_parse_count(row[col], name, line, col, problems))
        for col in MONTHLY_SUPP_COLUMNS:
            raw = row.get(col, "").strip()
            if raw == "":
                supp[col].append(math.nan)  # blank = not compiled, never zero
            else:
                supp[col].append(float(_parse_count(raw, name, line, col, problems)))
    if not months and not problems:
        problems.append(InputProblem(name, None, "month", "the file has no data rows"))
    for col in MONTHLY_COUNT_COLUMNS:
        if months and not problems and not any(counts[col]):
            problems.append(
                InputProblem(name, None, col, "0 in every month: the launch models have nothing to fit")
            )
    if problems:
        raise InputError(problems)
    return MonthlyCounts(
        months=np.array(months, dtype="datetime64[M]"),
        events=np.array(counts["events"], dtype=np.int64),
        missiles=np.array(counts["missiles"], dtype=np.int64),
        supplementary={c: np.array(v, dtype=np.float64) for c, v in supp.items()},
    )


def _parse_date(raw: str, name: str, line: int, field: str, problems: list[InputProblem]) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        problems.append(InputProblem(name, line, field, f"expected a date as YYYY-MM-DD, got {raw!r}"))
        return None


def _read_timeline(text: str, name: str) -> tuple[TimelineEvent, ...]:
    problems: list[InputProblem] = []
    out: list[TimelineEvent] = []
    for line, row in _rows(text, name, TIMELINE_COLUMNS):
        start = _parse_date(row["date"], name, line, "date", problems)
        end: dt.date | None = None
        if row["end_date"].strip():
            end = _parse_date(row["end_date"], name, line, "end_date", problems)
            if start is not None and end is not None and end < start:
                problems.append(
                    InputProblem(name, line, "end_date", f"end_date {end} is before date {start}")
                )
        kind = row["type"].strip()
        if kind not in TIMELINE_TYPES:
            problems.append(
                InputProblem(
                    name, line, "type", f"unknown type {kind!r}; expected one of {sorted(TIMELINE_TYPES)}"
                )
            )
        value: float | None = None
        unit = row["value_unit"].strip()
        if row["value"].strip():
            try:
                value = float(row["value"].strip())
            except ValueError:
                problems.append(
                    InputProblem(name, line, "value", f"expected a number or blank, got {row['value']!r}")
                )
            else:
                if not math.isfinite(value) or value < 0:
                    problems.append(
                        InputProblem(name, line, "value", f"expected a finite value >= 0, got {value}")
                    )
                if not unit:
                    problems.append(
                        InputProblem(
                            name, line, "value_unit", "a value needs its unit (values are never unit-less)"
                        )
                    )
        if start is not None:
            out.append(TimelineEvent(start, end, kind, value, unit, line))
    if problems:
        raise InputError(problems)
    return tuple(out)


def load_data(data_dir: str | Path | None = None) -> KoreaData:
    """Load the monthly counts and the alliance timeline.

    Parameters
    ----------
    data_dir:
        Folder holding ``dprk_missile_tests_monthly.csv`` and ``alliance_timeline.csv`` with the packaged
        columns. ``None`` reads the copies shipped inside the package (via ``importlib.resources``): the
        counts from ``peninsula/dynamics/data/``, the timeline from ``peninsula/scenarios/datasets/``.

    Returns
    -------
    KoreaData
        Validated counts and timeline.

    Raises
    ------
    InputError
        If a file is missing, or a column, cell or date is invalid (each problem names file, line, field).

    Examples
    --------
    >>> data = load_data()
    >>> int(data.monthly.events.sum()), len(data.monthly.months)
    (105, 96)
    """
    texts: dict[str, tuple[str, str]] = {}
    for fname in (MONTHLY_FILE, TIMELINE_FILE):
        if data_dir is None:
            res = resources.files(_PACKAGED[fname][0]).joinpath(_PACKAGED[fname][1], fname)
            texts[fname] = (f"<packaged>/{fname}", res.read_text(encoding="utf-8"))
        else:
            if not Path(data_dir).is_dir():
                raise InputError.single(str(data_dir), None, "--data", "not a folder")
            path = Path(data_dir) / fname
            if not path.exists():
                raise InputError.single(
                    str(path), None, "file", "file not found (--data must hold this file)"
                )
            texts[fname] = (str(path), read_text(path))  # size limit, BOM, UTF-16
    monthly = _read_monthly(texts[MONTHLY_FILE][1], texts[MONTHLY_FILE][0])
    timeline = _read_timeline(texts[TIMELINE_FILE][1], texts[TIMELINE_FILE][0])
    source = "packaged copy" if data_dir is None else str(data_dir)
    return KoreaData(monthly=monthly, timeline=timeline, source=source)
