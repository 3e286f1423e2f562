"""Source checking: every number of a scenario must say where it comes from, and the claim must hold.

Three kinds of source (see :class:`peninsula.core.Source`) and what is checked for each:

* ``seed`` -- the ``file`` is one of the packaged seed analyses (``peninsula/scenarios/seeds/``) and the
  ``quote`` occurs in that file **verbatim** (exact substring: typographic quotes, dashes and double spaces
  included).
* ``dataset`` -- the ``file`` is one of the packaged datasets (``peninsula/scenarios/datasets/``), the
  ``row`` key (``col=value,col=value``) matches exactly one row, and the value equals that row's value
  column (``cinc`` for the COW capabilities extract, ``value`` for the alliance timeline).
* ``coded`` -- a ``reason`` and an uncertainty range ``low``..``high`` are both present.

For every kind, a value that carries a range must lie inside it.
"""

from __future__ import annotations

import csv
import io
import math
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
    "SourceRecord",
    "check_sources",
    "dataset_names",
    "dataset_row",
    "file_source_problems",
    "seed_names",
    "seed_text",
    "source_problem",
    "source_problems",
    "source_records",
]

_PACKAGE = "peninsula.scenarios"

#: Column holding the value a ``dataset`` source vouches for, per packaged dataset file.
DATASET_VALUE_COLUMNS: dict[str, str] = {
    "cow_nmc_2000_2022.csv": "cinc",
    "alliance_timeline.csv": "value",
}


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
    assert source.file is not None  # guaranteed by Source's validator
    if source.kind == "seed":
        try:
            text = seed_text(source.file)
        except KeyError:
            return f"unknown seed file '{source.file}' (known: {', '.join(seed_names())})"
        assert source.quote is not None
        if source.quote not in text:
            return f"quote not found verbatim in seed {source.file}: {source.quote!r}"
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
    for k, st in enumerate(s.stances):
        fields: list[tuple[str, float]] = [("position", st.position), ("salience", st.salience)]
        if st.capability is not None:
            fields.append(("capability", st.capability))
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
        msg = source_problem(source, value)
        if msg is None:
            continue
        ctx = ", ".join(
            x for x in (f"actor '{actor}'" if actor else "", f"issue '{issue}'" if issue else "") if x
        )
        label = yaml_path((*path[:2], field))
        problems.append(
            InputProblem(where, yaml_line(yaml_root, path), label, f"{field} {value:g}: {msg}", ctx)
        )
    return problems


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
                k: getattr(self.source, k) for k in ("kind", "file", "quote", "row", "reason", "low", "high")
            }
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
    cannot hold sources and give no problems here.

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
        return file_source_problems(p, scenario)
    from peninsula.scenarios import load_packaged

    key = str(path_or_id)
    if scenario is None:
        scenario = load_packaged(key)
    text = _folder("data").joinpath(f"{key}.yaml").read_text(encoding="utf-8")
    return source_problems(scenario, f"{key}.yaml", yaml_root=yaml.compose(text))
