"""The Korea scenario library: sourced, dated snapshots of the U.S.-ROK alliance and North Korea.

Five packaged scenarios (``data/*.yaml``, read through :mod:`importlib.resources`) turn the five seed
analyses (``seeds/``) and the public record into bargaining inputs; every number in them names its source
(a verbatim seed quote, a row of a packaged dataset, a public page with URL, quote and date, or a coded
judgement with an uncertainty range), and none is dated after its snapshot. Overlays apply the seeds'
policy levers on top of a snapshot dated on or after them, :func:`cohesion` measures how far apart the
United States and the ROK stand, and :func:`load_record` gives what happened afterwards (to judge
forecasts; never an input).

Examples
--------
>>> from peninsula.scenarios import DEFAULT_SCENARIO, load_packaged, apply_overlay, cohesion
>>> s = load_packaged(DEFAULT_SCENARIO)
>>> s.date.isoformat()
'2019-04-30'
>>> june = load_packaged("korea-2019-06")
>>> round(cohesion(june).value, 3) < round(cohesion(apply_overlay(june, "phased-relief")).value, 3)
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
from peninsula.scenarios.observed_outcomes import (
    RecordEntry,
    load_later_records,
    load_record,
    record_horizon,
    record_problems,
)
from peninsula.scenarios.overlays import (
    AppliedChange,
    Overlay,
    OverlayChange,
    OverlayStatus,
    OverlayWarning,
    apply_overlay,
    list_overlays,
    load_overlay,
    overlay_changes,
    overlay_status,
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
    "OverlayStatus",
    "OverlayWarning",
    "RecordEntry",
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
    "load_later_records",
    "load_overlay",
    "load_packaged",
    "load_record",
    "overlay_changes",
    "overlay_status",
    "packaged_ids",
    "record_horizon",
    "record_problems",
    "source_problems",
    "source_records",
]
