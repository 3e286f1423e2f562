"""The packaged scenario files and their loaders (ids, load by id or path, the listing)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from peninsula.core import InputError, Scenario
from peninsula.io import load as load_file
from peninsula.io.yaml_format import parse_yaml

__all__ = ["DEFAULT_SCENARIO", "ScenarioInfo", "list_packaged", "load", "load_packaged", "packaged_ids"]

#: The scenario ``peninsula forecast`` runs when given none: after Hanoi, the April 2019 Moon-Trump meeting.
DEFAULT_SCENARIO = "korea-2019-04"

_PACKAGE = "peninsula.scenarios"


@dataclass(frozen=True)
class ScenarioInfo:
    """A packaged scenario's identity, as listed by ``peninsula scenarios``."""

    id: str
    title: str
    date: dt.date | None
    seeds: str
    n_actors: int
    n_issues: int


def packaged_ids() -> list[str]:
    """Ids of the packaged scenarios (file names; nothing is loaded)."""
    folder = resources.files(_PACKAGE).joinpath("data")
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_packaged(scenario_id: str) -> Scenario:
    """Load and validate the packaged scenario ``scenario_id``.

    Raises
    ------
    InputError
        If there is no such packaged scenario or its file fails validation (each problem names the field).

    Examples
    --------
    >>> load_packaged("korea-2017-06").actor_ids[:6]
    ('US', 'ROK', 'DPRK', 'CHN', 'JPN', 'RUS')
    """
    ids = packaged_ids()
    fname = f"{scenario_id}.yaml"
    if scenario_id not in ids:
        raise InputError.single(
            scenario_id, None, "scenario", f"no packaged scenario '{scenario_id}' (known: {', '.join(ids)})"
        )
    text = resources.files(_PACKAGE).joinpath("data", fname).read_text(encoding="utf-8")
    return parse_yaml(text, fname)


def list_packaged() -> list[ScenarioInfo]:
    """The packaged scenarios, in date order."""
    out = []
    for sid in packaged_ids():
        s = load_packaged(sid)
        out.append(
            ScenarioInfo(s.id, s.title, s.date, s.metadata.get("seeds", ""), len(s.actors), len(s.issues))
        )
    return sorted(out, key=lambda i: (i.date or dt.date.min, i.id))


def load(path_or_id: str | Path) -> Scenario:
    """Load a scenario from a file (YAML, DECIDE, BDM CSV/xlsx) or the id of a packaged scenario.

    Examples
    --------
    >>> import peninsula
    >>> s = peninsula.load(peninsula.DEFAULT_SCENARIO)
    >>> len(s.actors) > 0
    True
    """
    p = Path(path_or_id)
    if p.exists() and str(path_or_id) not in packaged_ids():
        return load_file(p)  # a file, or a folder / device that the reader names as such
    key = str(path_or_id)
    ids = packaged_ids()
    if key in ids:
        return load_packaged(key)
    raise InputError.single(
        key,
        None,
        "path",
        f"no such file, and not a packaged scenario id (packaged: {', '.join(ids) or 'none'})",
    )
