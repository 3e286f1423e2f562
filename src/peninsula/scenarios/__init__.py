"""The Korea scenario library: sourced, dated snapshots of the U.S.-ROK alliance and North Korea.

Four packaged scenarios (``data/*.yaml``, read through :mod:`importlib.resources`) turn the five seed
analyses (``seeds/``) into bargaining inputs; every number in them names its source (a verbatim seed quote,
a row of a packaged dataset, or a coded judgement with an uncertainty range). Overlays apply the seeds'
policy levers on top of a snapshot, and :func:`cohesion` measures how far apart the United States and the
ROK stand.

Examples
--------
>>> from peninsula.scenarios import DEFAULT_SCENARIO, load_packaged, apply_overlay, cohesion
>>> s = load_packaged(DEFAULT_SCENARIO)
>>> s.date.isoformat()
'2019-04-11'
>>> round(cohesion(s).value, 3) < round(cohesion(apply_overlay(s, "phased-relief")).value, 3)
True
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import resources

from peninsula.core import InputError, Scenario
from peninsula.io.yaml_format import parse_yaml
from peninsula.scenarios.cohesion import (
    ALLIES,
    Cohesion,
    IssueGap,
    cohesion,
    cohesion_after,
    cohesion_by_model,
    has_allies,
)
from peninsula.scenarios.overlays import (
    AppliedChange,
    Overlay,
    OverlayChange,
    OverlayComparison,
    apply_overlay,
    compare_overlay,
    list_overlays,
    load_overlay,
    overlay_changes,
)
from peninsula.scenarios.sources import (
    SourceRecord,
    check_sources,
    file_source_problems,
    source_problems,
    source_records,
)

__all__ = [
    "ALLIES",
    "DEFAULT_SCENARIO",
    "AppliedChange",
    "Cohesion",
    "IssueGap",
    "Overlay",
    "OverlayChange",
    "OverlayComparison",
    "ScenarioInfo",
    "SourceRecord",
    "apply_overlay",
    "check_sources",
    "cohesion",
    "cohesion_after",
    "cohesion_by_model",
    "compare_overlay",
    "file_source_problems",
    "has_allies",
    "list_overlays",
    "list_packaged",
    "load_overlay",
    "load_packaged",
    "overlay_changes",
    "packaged_ids",
    "source_problems",
    "source_records",
]

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
