"""peninsula: simulate and forecast the U.S.-ROK alliance's policy toward North Korea.

The public API: load a scenario (a file or a packaged id), run bargaining models on it, evaluate forecasts
against known outcomes, put intervals on them, and run the coupled month-by-month simulation. Results are
pandas objects. Every name here comes from :mod:`peninsula.api`, the façade, and is imported from it on first
use (PEP 562), so the command line starts fast and ``import peninsula`` costs milliseconds.

``peninsula.simulate`` is the experiments subpackage; the coupled simulation is
:func:`peninsula.simulate_system` (``peninsula.api.simulate``).

Examples
--------
>>> import peninsula
>>> f = peninsula.forecast(peninsula.DEFAULT_SCENARIO, models=["compromise"])
>>> f.outcomes.shape[0]
1
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_SCENARIO",
    "REGISTRY",
    "Actor",
    "Evaluation",
    "Forecast",
    "InputError",
    "InputProblem",
    "Issue",
    "IssueData",
    "Model",
    "ModelInfo",
    "ModelRun",
    "OverlayComparison",
    "ParameterError",
    "PeninsulaError",
    "ScalePoint",
    "Scenario",
    "Sensitivity",
    "Source",
    "Stance",
    "Sweep",
    "SystemSpec",
    "__version__",
    "compare_overlay",
    "evaluate",
    "forecast",
    "load",
    "report",
    "save",
    "sensitivity",
    "simulate_system",
    "sweep",
    "system_spec",
]

#: Public names whose name in :mod:`peninsula.api` differs.
_API_NAME = {"simulate_system": "simulate"}


def __getattr__(name: str) -> Any:
    if name == "simulate":  # the subpackage, not yet imported
        return importlib.import_module("peninsula.simulate")
    if name not in __all__:
        raise AttributeError(f"module 'peninsula' has no attribute {name!r}")
    value = getattr(importlib.import_module("peninsula.api"), _API_NAME.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    # the public names (and the module's own dunders), not the helpers this file imports (Any, importlib ...)
    dunders = {n for n in globals() if n.startswith("__") and n.endswith("__")}
    return sorted(dunders | set(__all__) | {"simulate"})


if TYPE_CHECKING:  # the same names for static type checkers (tests/test_namespace.py keeps them equal)
    from peninsula.api import (
        DEFAULT_SCENARIO,
        REGISTRY,
        Actor,
        Evaluation,
        Forecast,
        InputError,
        InputProblem,
        Issue,
        IssueData,
        Model,
        ModelInfo,
        ModelRun,
        OverlayComparison,
        ParameterError,
        PeninsulaError,
        ScalePoint,
        Scenario,
        Sensitivity,
        Source,
        Stance,
        Sweep,
        SystemSpec,
        compare_overlay,
        evaluate,
        forecast,
        load,
        report,
        save,
        sensitivity,
        sweep,
        system_spec,
    )
    from peninsula.api import simulate as simulate_system
