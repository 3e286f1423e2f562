"""Source checking: every number of a scenario must say where it comes from, and the claim must hold.

Three kinds of source (see :class:`peninsula.core.Source`) and what is checked for each:

* ``seed`` -- the ``file`` is one of the packaged seed analyses (``peninsula/scenarios/seeds/``) and the
  ``quote`` occurs in that file **verbatim** (exact substring: typographic quotes, dashes and double spaces
  included).
* ``dataset`` -- the ``file`` is one of the packaged datasets (``peninsula/scenarios/datasets/``), the
  ``row`` key (``col=value,col=value``) matches exactly one row, and the value equals that row's value
  column (``cinc`` for the COW capabilities extract, ``value`` for the alliance timeline).
* ``coded`` -- a ``reason`` and an uncertainty range ``low``..``high`` are both present.

* ``record`` -- a public page: ``url``, a verbatim ``quote`` and the page's ``date`` are all present (the
  quote cannot be checked offline; the URL lets a reader check it).

For every kind, a value that carries a range must lie inside it. Two more checks run on a whole scenario
(:func:`source_problems` includes them, so ``peninsula validate`` and ``peninsula sources`` run them):

* **no look-ahead** (:func:`lookahead_problems`): every dated source -- a seed (:data:`SEED_DATES`), a
  dataset row (:func:`dataset_row_date`), a record -- is dated on or before the scenario's date, and so is
  everything that shapes the scales and ranges: a labelled point's source, a scale bound or a range end that
  sits on a labelled point known only later, and every date the free text names (issue descriptions, labels,
  notes, the ``reason`` and ``evidence`` of every source; :func:`text_dates`);
* **attribution** (:func:`attribution_problems`): an actor's position is sourced to that actor -- a seed
  or record passage ``attributed_to`` the actor, a dataset row (an event the actor took part in), or a
  coded judgement that names its ``evidence``. An analyst's view is evidence for a coded judgement, never
  an actor's position.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from peninsula.core import InputProblem, Scenario, Source
from peninsula.io.yaml_format import yaml_line, yaml_path

__all__ = [
    "DATASET_VALUE_COLUMNS",
    "SEED_DATES",
    "SEED_LABELS",
    "SourceRecord",
    "attribution_problems",
    "check_sources",
    "dataset_names",
    "dataset_row",
    "dataset_row_date",
    "describe_source",
    "file_source_problems",
    "lookahead_problems",
    "overlay_date_problems",
    "seed_label",
    "seed_names",
    "seed_text",
    "source_date",
    "source_problem",
    "source_problems",
    "source_records",
    "text_dates",
]

_PACKAGE = "peninsula.scenarios"

#: Column holding the value a ``dataset`` source vouches for, per packaged dataset file.
DATASET_VALUE_COLUMNS: dict[str, str] = {
    "cow_nmc_2000_2022.csv": "cinc",
    "alliance_timeline.csv": "value",
}


#: Publication date of each packaged seed analysis. Where the text gives only a month or a week, the date is
#: the **latest** day the text can carry, so that the look-ahead check errs on the safe side:
#: RUSI ("June 2017"; the Trump-Moon summit of 29-30 June is "later this week") -> 2017-06-28;
#: IPCS ("April 2019"; it reports the 11 April joint press statement and what followed "since then")
#: -> 2019-04-30. The others print their day.
SEED_DATES: dict[str, dt.date] = {
    "000_e167a870257eb646.txt": dt.date(2019, 6, 24),  # CNAS, "June 24, 2019"
    "001_19be76d3830d7c65.txt": dt.date(2019, 4, 23),  # Asan Plenum session, "April 23, 2019"
    "002_4164321d603cee7f.txt": dt.date(2019, 4, 30),  # IPCS, April 2019, after the 11 April meeting
    "003_ee78499d2c92ae38.txt": dt.date(2020, 3, 19),  # Ewha: approved 2020.03.15, revised "2020.03.19"
    "004_e28b19d3bd0860f3.txt": dt.date(2017, 6, 28),  # RUSI, June 2017, before the 29-30 June summit
}


#: The human name of each packaged seed analysis, printed wherever a source is shown (tables, errors, reports,
#: the workbench); JSON output keeps the file name.
SEED_LABELS: dict[str, str] = {
    "000_e167a870257eb646.txt": "CNAS 2019",
    "001_19be76d3830d7c65.txt": "Asan Plenum 2019",
    "002_4164321d603cee7f.txt": "IPCS 2019",
    "003_ee78499d2c92ae38.txt": "Ewha 2020",
    "004_e28b19d3bd0860f3.txt": "RUSI 2017",
}


def seed_label(file: str) -> str:
    """The human name of a seed file (``CNAS 2019``); the file name itself for a file without one.

    Examples
    --------
    >>> seed_label("000_e167a870257eb646.txt"), seed_label("other.txt")
    ('CNAS 2019', 'other.txt')
    """
    return SEED_LABELS.get(file, file)


def describe_source(source: Source) -> str:
    """One line for people: :meth:`Source.describe` with a seed shown by its human name.

    Examples
    --------
    >>> describe_source(Source(kind="seed", file="004_e28b19d3bd0860f3.txt", quote="a recent addition"))
    'seed RUSI 2017: "a recent addition"'
    """
    if source.kind == "seed" and source.file is not None:
        return f'seed {seed_label(source.file)}: "{source.quote}"'
    return source.describe()


def _folder(name: str) -> Any:
    return resources.files(_PACKAGE).joinpath(name)


def seed_names() -> list[str]:
    """File names of the packaged seed analyses (the ``.txt`` files under ``scenarios/seeds/``)."""
    return sorted(p.name for p in _folder("seeds").iterdir() if p.name.endswith(".txt"))


@cache
def seed_text(name: str) -> str:
    """The full text of one packaged seed analysis.

    Raises
    ------
    KeyError
        If no seed file has this name.
    """
    if name not in seed_names():
        raise KeyError(name)
    text: str = _folder("seeds").joinpath(name).read_text(encoding="utf-8")
    return text


def dataset_names() -> list[str]:
    """File names of the packaged datasets (``scenarios/datasets/*.csv``)."""
    return sorted(p.name for p in _folder("datasets").iterdir() if p.name.endswith(".csv"))


@cache
def _dataset(name: str) -> tuple[dict[str, str], ...]:
    if name not in dataset_names():
        raise KeyError(name)
    text = _folder("datasets").joinpath(name).read_text(encoding="utf-8")
    return tuple(csv.DictReader(io.StringIO(text)))


def _parse_row_key(row: str) -> dict[str, str]:
    key: dict[str, str] = {}
    for part in row.split(","):
        col, sep, val = part.partition("=")
        if not sep or not col.strip():
            raise ValueError(f"row key part {part!r} is not of the form column=value")
        key[col.strip()] = val.strip()
    return key


def dataset_row(file: str, row: str) -> dict[str, str]:
    """The one row of a packaged dataset that a row key such as ``ccode=2,year=2019`` names.

    Raises
    ------
    KeyError
        If the dataset does not exist.
    ValueError
        If the key is malformed, names an unknown column, or matches no row or more than one.

    Examples
    --------
    >>> dataset_row("cow_nmc_2000_2022.csv", "ccode=2,year=2019")["cinc"]
    '0.12605037'
    """
    rows = _dataset(file)
    key = _parse_row_key(row)
    columns = set(rows[0]) if rows else set()
    unknown = sorted(set(key) - columns)
    if unknown:
        raise ValueError(f"unknown column(s) {', '.join(unknown)} in row key {row!r}")
    hits = [r for r in rows if all(r[c] == v for c, v in key.items())]
    if len(hits) != 1:
        raise ValueError(f"row key {row!r} matches {len(hits)} rows of {file}, not exactly one")
    return hits[0]


def dataset_row_date(file: str, row: dict[str, str]) -> dt.date | None:
    """The date a dataset row speaks for: the alliance timeline's ``date``; the last day of a COW ``year``.

    A COW capability row measures a whole year, so it is dated 31 December of that year: a scenario may
    use the capabilities of a year that has ended (the row was compiled later, but it measures what already
    existed). ``None`` for a file with neither column.

    Examples
    --------
    >>> dataset_row_date("cow_nmc_2000_2022.csv", {"year": "2018"})
    datetime.date(2018, 12, 31)
    """
    if row.get("date"):
        return dt.date.fromisoformat(row["date"])
    if row.get("year"):
        return dt.date(int(row["year"]), 12, 31)
    return None


def source_date(source: Source | None) -> dt.date | None:
    """The date a source speaks from (seed publication, dataset row, record page); ``None`` if undated.

    Coded judgements carry no date of their own: what they rest on is checked through their ``evidence``.
    """
    if source is None:
        return None
    if source.kind == "record":
        return source.date
    if source.kind == "seed" and source.file is not None:
        return SEED_DATES.get(source.file)
    if source.kind == "dataset" and source.file is not None and source.row is not None:
        try:
            return dataset_row_date(source.file, dataset_row(source.file, source.row))
        except (KeyError, ValueError):
            return None
    return None


def source_problem(source: Source | None, value: float) -> str | None:
    """What is wrong with ``source`` as the provenance of ``value``; ``None`` when it holds.

    Examples
    --------
    >>> source_problem(None, 1.0)
    'no source'
    >>> source_problem(Source(kind="coded", reason="judgement"), 0.5)
    'coded value without an uncertainty range (low, high)'
    """
    if source is None:
        return "no source"
    if source.low is not None and source.high is not None and not source.low <= value <= source.high:
        return f"value {value:g} lies outside its uncertainty range [{source.low:g}, {source.high:g}]"
    if source.kind == "coded":
        if source.low is None or source.high is None:
            return "coded value without an uncertainty range (low, high)"
        return None
    if source.kind == "record":
        assert source.url is not None and source.quote is not None  # guaranteed by Source's validator
        if not source.url.startswith(("http://", "https://")):
            return f"record url {source.url!r} is not an http(s) address"
        if source.date is None:
            return "record without a date"
        return None
    assert source.file is not None  # guaranteed by Source's validator
    if source.kind == "seed":
        try:
            text = seed_text(source.file)
        except KeyError:
            return f"unknown seed file '{source.file}' (known: {', '.join(seed_names())})"
        assert source.quote is not None
        if source.quote not in text:
            return f"quote not found verbatim in seed {seed_label(source.file)}: {source.quote!r}"
        return None
    assert source.row is not None
    try:
        found = dataset_row(source.file, source.row)
    except KeyError:
        return f"unknown dataset '{source.file}' (known: {', '.join(dataset_names())})"
    except ValueError as exc:
        return str(exc)
    column = DATASET_VALUE_COLUMNS.get(source.file)
    if column is not None:
        try:
            cell = float(found[column])
        except ValueError:
            return f"row {source.row!r} of {source.file} has no numeric '{column}' to vouch for {value:g}"
        if not math.isclose(cell, value, rel_tol=1e-9, abs_tol=1e-12):
            return f"value {value:g} differs from {source.file} [{source.row}] {column} = {found[column]}"
    return None


def _located_values(
    s: Scenario,
) -> Iterator[tuple[tuple[str | int, ...], str, str | None, str, float, Source | None]]:
    """``(path to the source, actor, issue, field, value, source)`` for every sourced number."""
    for k, a in enumerate(s.actors):
        if a.capability is not None:
            yield (
                ("actors", k, "capability_source"),
                a.id,
                None,
                "capability",
                a.capability,
                a.capability_source,
            )
    for k, i in enumerate(s.issues):
        if i.status_quo is not None:
            yield (
                ("issues", k, "status_quo_source"),
                "",
                i.id,
                "status_quo",
                i.status_quo,
                i.status_quo_source,
            )
        if i.reversion is not None and i.reversion.value is not None:
            rev, value = i.reversion, i.reversion.value
            yield ("issues", k, "reversion", "source"), "", i.id, "reversion", value, rev.source
    for k, st in enumerate(s.stances):
        fields: list[tuple[str, float]] = [("position", st.position), ("salience", st.salience)]
        if st.capability is not None:
            fields.append(("capability", st.capability))
        if st.accept_low is not None:
            fields.append(("accept_low", st.accept_low))
        if st.accept_high is not None:
            fields.append(("accept_high", st.accept_high))
        for name, value in fields:
            yield ("stances", k, "sources", name), st.actor, st.issue, name, value, st.sources.get(name)  # type: ignore[call-overload]


def source_problems(
    scenario: Scenario, file: str | None = None, *, yaml_root: yaml.Node | None = None
) -> list[InputProblem]:
    """Every unsourced or unsupported number of ``scenario``, as :class:`InputProblem` records.

    Parameters
    ----------
    scenario:
        The validated scenario.
    file:
        Name reported in the problems (default ``scenario <id>``).
    yaml_root:
        The composed YAML document the scenario came from, if any; used to report line numbers.

    Returns
    -------
    list of InputProblem
        Empty when every value has a source that checks out.

    Examples
    --------
    >>> from peninsula.scenarios import load_packaged
    >>> source_problems(load_packaged("korea-2019-04"))
    []
    """
    where = file if file is not None else f"scenario {scenario.id}"
    problems = []
    for path, actor, issue, field, value, source in _located_values(scenario):
        msgs = [source_problem(source, value)]
        msgs.append(_lookahead(scenario, source))
        if field == "position":
            msgs.append(_attribution(actor, source))
        for msg in msgs:
            if msg is None:
                continue
            ctx = ", ".join(
                x for x in (f"actor '{actor}'" if actor else "", f"issue '{issue}'" if issue else "") if x
            )
            label = yaml_path((*path[:2], field))
            problems.append(
                InputProblem(where, yaml_line(yaml_root, path), label, f"{field} {value:g}: {msg}", ctx)
            )
    problems += _shape_problems(scenario, where, yaml_root)
    return problems


def _lookahead(scenario: Scenario, source: Source | None) -> str | None:
    when = source_date(source)
    if scenario.date is None or when is None or when <= scenario.date:
        return None
    assert source is not None
    name = seed_label(source.file) if source.kind == "seed" and source.file else source.file or source.url
    return (
        f"look-ahead: the {source.kind} source {name} is dated {when.isoformat()}, "
        f"after the scenario's date {scenario.date.isoformat()}"
    )


def _attribution(actor: str, source: Source | None) -> str | None:
    if source is None or not actor:
        return None
    if source.kind in ("seed", "record"):
        if source.attributed_to == actor:
            return None
        who = (
            f"attributed to '{source.attributed_to}'" if source.attributed_to else "not attributed to anyone"
        )
        return (
            f"attribution: the {source.kind} passage is {who}, not to '{actor}': an actor's position must "
            "come from its own statements, actions or documented policy (set attributed_to), or be a coded "
            "judgement that names its evidence"
        )
    if source.kind == "coded" and not source.evidence:
        return "attribution: a coded position must name its evidence (field 'evidence')"
    return None


_MONTHS = {
    m[:3].lower(): k
    for k, m in enumerate(
        (
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ),
        start=1,
    )
}
_MONTH = r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"  # noqa: E501 -- one regex
_YEAR = r"((?:19[89]|20[0-4])\d)"
#: Where a text names a part of a year, the earliest day of that part (the check asks what is *certainly*
#: later, so a mention is dated by the first day it can denote).
_PART_OF_YEAR = {"early": (1, 1), "mid": (5, 1), "late": (9, 1), "end": (12, 1)}
_DATE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ymd", re.compile(r"(?<![\w/.])" + _YEAR + r"[-.](\d{2})[-.](\d{2})(?![\w/])")),
    ("dmy", re.compile(r"\b(\d{1,2})(?:[-–]\d{1,2})? " + _MONTH + r",? " + _YEAR + r"\b", re.IGNORECASE)),
    ("mdy", re.compile(r"\b" + _MONTH + r" (\d{1,2})(?:[-–]\d{1,2})?,? " + _YEAR + r"\b", re.IGNORECASE)),
    ("ym", re.compile(r"(?<![\w/.])" + _YEAR + r"-(\d{2})(?![\w/-])")),
    (
        "part",
        re.compile(r"\b(early|mid|late|end)(?:[- ]of)?[- ]" + r"(?:" + _MONTH + r" )?" + _YEAR + r"\b", re.I),
    ),
    ("my", re.compile(r"\b" + _MONTH + r" " + _YEAR + r"\b", re.IGNORECASE)),
    ("year", re.compile(r"(?<![\w/.,$-])" + _YEAR + r"(?![\w/]|[.,]\d)")),
)


def text_dates(text: str) -> list[tuple[str, dt.date]]:
    """Every date a free text names, as ``(the words, the earliest day they can denote)``.

    Recognised: ISO days (``2019-12-27``, ``2020.03.19``), ``27 December 2019``, ``December 27, 2019``,
    ``December 2019``, ``2019-12``, ``late 2019`` / ``mid-2019`` / ``early 2019`` / ``end of 2019`` and bare
    years (``in 2021``; a year in a file name, a URL, an amount or ``FY2019`` is not a date). A month or a
    year is dated by its first day, a part of a year by the first day of that part (early: January, mid: May,
    late: September, end: December): the look-ahead check flags what is *certainly* later than a scenario.

    Examples
    --------
    >>> [(w, d.isoformat()) for w, d in text_dates("it cited Max Thunder in May 2018; see 2019-03-02")]
    [('May 2018', '2018-05-01'), ('2019-03-02', '2019-03-02')]
    >>> [d.isoformat() for _, d in text_dates("the U.S. demand of late 2019 (cow_nmc_2000_2022.csv)")]
    ['2019-09-01']
    """
    return [(words, day) for _, words, day in _date_spans(text)]


def _date_spans(text: str) -> list[tuple[int, str, dt.date]]:
    """:func:`text_dates` with each mention's start offset, in text order."""
    found: list[tuple[int, str, dt.date]] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            g = m.groups()
            try:
                if kind == "ymd":
                    day = dt.date(int(g[0]), int(g[1]), int(g[2]))
                elif kind == "dmy":
                    day = dt.date(int(g[2]), _MONTHS[g[1][:3].lower()], int(g[0]))
                elif kind == "mdy":
                    day = dt.date(int(g[2]), _MONTHS[g[0][:3].lower()], int(g[1]))
                elif kind == "ym":
                    day = dt.date(int(g[0]), int(g[1]), 1)
                elif kind == "part":
                    month = _MONTHS[g[1][:3].lower()] if g[1] else _PART_OF_YEAR[g[0].lower()][0]
                    day = dt.date(int(g[2]), month, 1)
                elif kind == "my":
                    day = dt.date(int(g[1]), _MONTHS[g[0][:3].lower()], 1)
                else:
                    day = dt.date(int(g[0]), 1, 1)
            except ValueError:  # not a calendar date (e.g. 2019-13-40): not a date
                continue
            taken.append((m.start(), m.end()))
            found.append((m.start(), m.group(0), day))
    return sorted(found)


#: Words that mark a later date as one known in advance (an election or a deadline set before the scenario):
#: a mention preceded by one of them within a few words is not a look-ahead ...
_SCHEDULED = re.compile(
    r"\b(scheduled|planned|due|deadline|expir\w*|lapses|until|set for)\b[^.;]{0,30}$", re.IGNORECASE
)
#: ... nor one followed within a few words by the event it dates, when that event is fixed in advance
#: ("the end of 2019 as the deadline", "the 2020 campaign", "the April 2020 elections").
_SCHEDULED_AFTER = re.compile(r"^[^.;]{0,20}?\b(deadline|campaign|elections?)\b", re.IGNORECASE)


def _later_spans(text: str, date: dt.date) -> list[tuple[str, dt.date]]:
    """The dates ``text`` names after ``date`` and not marked as known in advance (:data:`_SCHEDULED`,
    :data:`_SCHEDULED_AFTER`)."""
    out = []
    for start, words, day in _date_spans(text):
        if day <= date:
            continue
        if _SCHEDULED.search(text[max(0, start - 40) : start]):
            continue
        if _SCHEDULED_AFTER.search(text[start + len(words) : start + len(words) + 40]):
            continue
        out.append((words, day))
    return out


def _later_mentions(text: str, date: dt.date) -> list[str]:
    return [f"'{words}' ({day.isoformat()})" for words, day in _later_spans(text, date)]


def _source_texts(source: Source | None) -> Iterator[tuple[str, str]]:
    if source is not None:
        for name in ("reason", "evidence"):
            text = getattr(source, name)
            if text:
                yield name, text


def _located_texts(s: Scenario) -> Iterator[tuple[tuple[str | int, ...], str, str | None, str]]:
    """``(YAML path, actor, issue, text)`` for every free text that may shape a number of ``s``.

    Quotes are not here: a quote is verbatim and dated by its source. Records (what happened) never are.
    """
    yield ("description",), "", None, s.description
    for k, a in enumerate(s.actors):
        for name, text in _source_texts(a.capability_source):
            yield ("actors", k, "capability_source", name), a.id, None, text
    for k, i in enumerate(s.issues):
        yield ("issues", k, "description"), "", i.id, i.description
        for j, p in enumerate(i.points):
            yield ("issues", k, "points", j, "label"), "", i.id, p.label
            for name, text in _source_texts(p.source):
                yield ("issues", k, "points", j, "source", name), "", i.id, text
        for name, text in _source_texts(i.status_quo_source):
            yield ("issues", k, "status_quo_source", name), "", i.id, text
        if i.reversion is not None:
            yield ("issues", k, "reversion", "label"), "", i.id, i.reversion.label
            for name, text in _source_texts(i.reversion.source):
                yield ("issues", k, "reversion", "source", name), "", i.id, text
    for k, st in enumerate(s.stances):
        yield ("stances", k, "note"), st.actor, st.issue, st.note
        for field, src in st.sources.items():
            for name, text in _source_texts(src):
                yield ("stances", k, "sources", field, name), st.actor, st.issue, text


def _late_points(s: Scenario) -> dict[str, dict[float, str]]:
    """Per issue, the labelled points known only after ``s.date``: value -> why (label, date)."""
    assert s.date is not None
    out: dict[str, dict[float, str]] = {}
    for i in s.issues:
        for p in i.points:
            when = source_date(p.source)
            later = [d for _, d in _later_spans(p.label, s.date)]
            if when is not None and when > s.date:
                later.append(when)
            if later:
                out.setdefault(i.id, {})[p.value] = f"'{p.label}' (known from {min(later).isoformat()})"
    return out


def _shape_problems(scenario: Scenario, where: str, yaml_root: yaml.Node | None) -> list[InputProblem]:
    """Look-ahead through what shapes scales and ranges: labels, points' sources, bounds, range ends, text."""
    if scenario.date is None:
        return []
    date = scenario.date
    out: list[InputProblem] = []

    def bad(path: tuple[str | int, ...], actor: str, issue: str | None, msg: str) -> None:
        parts = (f"actor '{actor}'" if actor else "", f"issue '{issue}'" if issue else "")
        ctx = ", ".join(x for x in parts if x)
        out.append(InputProblem(where, yaml_line(yaml_root, path), yaml_path(path), msg, ctx))

    for path, actor, issue, text in _located_texts(scenario):
        later = _later_mentions(text, date)
        if later:
            bad(
                path,
                actor,
                issue,
                f"{path[-1]}: look-ahead: names {', '.join(later)}, after the scenario's date "
                f"{date.isoformat()}",
            )
    late = _late_points(scenario)
    for k, i in enumerate(scenario.issues):
        for j, p in enumerate(i.points):
            msg = _lookahead(scenario, p.source)
            if msg is not None:
                bad(("issues", k, "points", j, "source"), "", i.id, f"labelled point {p.value:g}: {msg}")
        for bound, at in (("lower", i.lower), ("upper", i.upper)):
            why = late.get(i.id, {}).get(at)
            if why is not None:
                bad(
                    ("issues", k, bound),
                    "",
                    i.id,
                    f"{bound} {at:g}: look-ahead: the scale's bound is the labelled point {why}, after the "
                    f"scenario's date {date.isoformat()}",
                )
    for path, actor, issue, field, _value, source in _located_values(scenario):
        if issue is None or source is None or source.low is None or source.high is None:
            continue
        for which, end in (("low", source.low), ("high", source.high)):
            why = late.get(issue, {}).get(end)
            if why is not None:
                bad(
                    (*path, which),
                    actor,
                    issue,
                    f"{field} range {which} {end:g}: look-ahead: it is the labelled point {why}, after the "
                    f"scenario's date {date.isoformat()}",
                )
    return out


def lookahead_problems(scenario: Scenario) -> list[InputProblem]:
    """The look-ahead problems alone: sources, labels, bounds, ranges and texts dated after the scenario.

    See the module docstring; :func:`source_problems` includes them.
    """
    return [p for p in source_problems(scenario) if ": look-ahead:" in p.message]


def attribution_problems(scenario: Scenario) -> list[InputProblem]:
    """The attribution problems alone: positions not sourced to their actor (see the module docstring)."""
    return [p for p in source_problems(scenario) if ": attribution:" in p.message]


def overlay_date_problems(scenario: Scenario, seeds: tuple[str, ...], sources: list[Source]) -> list[str]:
    """Why an overlay may not apply to ``scenario``: a seed it rests on, or a source it sets, is dated later.

    An overlay is an analysis' recommendation; applying it to a snapshot dated before the analysis would put
    a later idea into an earlier moment. Empty when the scenario is undated or every date is on or before it.
    """
    if scenario.date is None:
        return []
    out = []
    for name in seeds:
        when = SEED_DATES.get(name)
        if when is not None and when > scenario.date:
            out.append(
                f"seed {seed_label(name)} is dated {when.isoformat()}, after the scenario's "
                f"{scenario.date.isoformat()}"
            )
    for src in sources:
        when = source_date(src)
        if when is not None and when > scenario.date:
            out.append(
                f"{src.kind} source dated {when.isoformat()} is after the scenario's "
                f"{scenario.date.isoformat()}"
            )
    return out


def file_source_problems(path: str | Path, scenario: Scenario) -> list[InputProblem]:
    """:func:`source_problems` for a scenario read from a YAML file, with line numbers."""
    p = Path(path)
    try:
        root = yaml.compose(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        root = None
    return source_problems(scenario, str(path), yaml_root=root)


@dataclass(frozen=True)
class SourceRecord:
    """One sourced value, as listed by ``peninsula sources``.

    Attributes
    ----------
    actor:
        Actor id (``""`` for an issue's status quo).
    issue:
        Issue id, or ``None`` for an actor's general capability.
    field:
        ``position``, ``salience``, ``capability`` or ``status_quo``.
    value:
        The number.
    source:
        Its source, or ``None`` if it has none.
    """

    actor: str
    issue: str | None
    field: str
    value: float
    source: Source | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form: ``source`` = {kind, file, quote, row, reason, low, high}, unused keys null."""
        src: dict[str, Any] | None = None
        if self.source is not None:
            src = {
                k: getattr(self.source, k)
                for k in (
                    "kind",
                    "file",
                    "quote",
                    "row",
                    "reason",
                    "low",
                    "high",
                    "url",
                    "attributed_to",
                    "evidence",
                )
            }
            src["date"] = self.source.date.isoformat() if self.source.date is not None else None
        return {
            "actor": self.actor,
            "issue": self.issue,
            "field": self.field,
            "value": self.value,
            "source": src,
        }


def source_records(scenario: Scenario) -> list[SourceRecord]:
    """Every number of ``scenario`` with its source, in file order (actors, issues, stances)."""
    return [SourceRecord(a, i, f, v, s) for _, a, i, f, v, s in _located_values(scenario)]


def check_sources(path_or_id: str | Path, scenario: Scenario | None = None) -> list[InputProblem]:
    """Source problems of a packaged scenario id or a YAML scenario file, with file and line numbers.

    This is what ``peninsula validate`` runs after loading. Files in other formats (DECIDE, BDM tables)
    cannot hold sources and give no problems here; nor does YAML converted from one (its ``metadata.format``
    is ``decide`` or ``bdm``): it cites the original file's lines, as the original does, so it is sourced by
    construction like the original.

    Parameters
    ----------
    path_or_id:
        A packaged scenario id (``korea-2019-04``) or a path to a ``.yaml``/``.yml`` scenario.
    scenario:
        The already loaded scenario, to avoid loading it twice; loaded here if ``None``.

    Examples
    --------
    >>> check_sources("korea-2020-03")
    []
    """
    p = Path(path_or_id)
    if p.is_file():
        if p.suffix.lower() not in (".yaml", ".yml"):
            return []
        if scenario is None:
            from peninsula.io import load

            scenario = load(p)
        if scenario.metadata.get("format") in ("decide", "bdm"):
            return []
        return file_source_problems(p, scenario)
    from peninsula.scenarios.library import load_packaged  # library imports nothing of sources

    key = str(path_or_id)
    if scenario is None:
        scenario = load_packaged(key)
    text = _folder("data").joinpath(f"{key}.yaml").read_text(encoding="utf-8")
    return source_problems(scenario, f"{key}.yaml", yaml_root=yaml.compose(text))
