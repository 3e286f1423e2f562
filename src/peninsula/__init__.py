"""peninsula: simulate and forecast the U.S.-ROK alliance's policy toward North Korea.

The public API: load a scenario (a file or a packaged id), run bargaining models on it, and evaluate
forecasts against known outcomes. Results are pandas objects.

Importing :mod:`peninsula` loads nothing heavy: each name below is imported from its module on first
use (PEP 562), so the command line starts fast and ``import peninsula`` costs milliseconds.

Examples
--------
>>> import peninsula
>>> f = peninsula.forecast(peninsula.DEFAULT_SCENARIO, models=["compromise"])
>>> f.outcomes.shape[0]
1
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_LAZY: dict[str, str] = {
    "DEFAULT_SCENARIO": "peninsula.scenarios",
    "REGISTRY": "peninsula.models",
    "Actor": "peninsula.core",
    "Evaluation": "peninsula.api",
    "Forecast": "peninsula.api",
    "InputError": "peninsula.core",
    "InputProblem": "peninsula.core",
    "Issue": "peninsula.core",
    "IssueData": "peninsula.core",
    "Model": "peninsula.models",
    "ModelInfo": "peninsula.models",
    "ModelRun": "peninsula.models",
    "OverlayComparison": "peninsula.api",
    "ParameterError": "peninsula.core",
    "PeninsulaError": "peninsula.core",
    "ScalePoint": "peninsula.core",
    "Scenario": "peninsula.core",
    "Sensitivity": "peninsula.api",
    "Source": "peninsula.core",
    "Stance": "peninsula.core",
    "Sweep": "peninsula.api",
    "compare_overlay": "peninsula.api",
    "evaluate": "peninsula.api",
    "forecast": "peninsula.api",
    "load": "peninsula.api",
    "report": "peninsula.api",
    "save": "peninsula.io",
    "sensitivity": "peninsula.api",
    "sweep": "peninsula.api",
}

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
    "__version__",
    "compare_overlay",
    "evaluate",
    "forecast",
    "load",
    "report",
    "save",
    "sensitivity",
    "simulate",
    "sweep",
]


class _SimulatePackage(types.ModuleType):
    """The ``peninsula.simulate`` subpackage, callable as :func:`peninsula.api.simulate` (issue 13).

    ``peninsula.simulate`` names both the experiments subpackage and the coupled simulation. A module
    attribute cannot be both, so the subpackage's module object gets this class when it is bound to
    ``peninsula`` (see :class:`_Root`): ``peninsula.simulate.forecast`` stays the submodule and
    ``peninsula.simulate(...)`` runs the coupled simulation.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from peninsula.api import simulate

        return simulate(*args, **kwargs)


class _Root(types.ModuleType):
    def __setattr__(self, name: str, value: Any) -> None:
        if name == "simulate" and type(value) is types.ModuleType:
            value.__class__ = _SimulatePackage
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Root


def __getattr__(name: str) -> Any:
    if name == "simulate":
        return importlib.import_module("peninsula.simulate")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'peninsula' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


if TYPE_CHECKING:
    from peninsula.api import (
        Evaluation,
        Forecast,
        OverlayComparison,
        Sensitivity,
        Sweep,
        compare_overlay,
        evaluate,
        forecast,
        load,
        report,
        sensitivity,
        sweep,
    )
    from peninsula.core import (
        Actor,
        InputError,
        InputProblem,
        Issue,
        IssueData,
        ParameterError,
        PeninsulaError,
        ScalePoint,
        Scenario,
        Source,
        Stance,
    )
    from peninsula.io import save
    from peninsula.models import REGISTRY, Model, ModelInfo, ModelRun
    from peninsula.scenarios import DEFAULT_SCENARIO
