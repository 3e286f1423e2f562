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

from peninsula.scenarios.cohesion import (
    ALLIES,
    Cohesion,
    IssueGap,
    cohesion,
    cohesion_after,
    cohesion_by_model,
    has_allies,
)
from peninsula.scenarios.library import (
    DEFAULT_SCENARIO,
    ScenarioInfo,
    list_packaged,
    load,
    load_packaged,
    packaged_ids,
)
from peninsula.scenarios.overlays import (
    AppliedChange,
    Overlay,
    OverlayChange,
    apply_overlay,
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
    "ScenarioInfo",
    "SourceRecord",
    "apply_overlay",
    "check_sources",
    "cohesion",
    "cohesion_after",
    "cohesion_by_model",
    "file_source_problems",
    "has_allies",
    "list_overlays",
    "list_packaged",
    "load",
    "load_overlay",
    "load_packaged",
    "overlay_changes",
    "packaged_ids",
    "source_problems",
    "source_records",
]
