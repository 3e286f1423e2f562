"""peninsula: simulate and forecast the U.S.-ROK alliance's policy toward North Korea.

The public API: load a scenario (a file or a packaged id), run bargaining models on it, and evaluate
forecasts against known outcomes. Results are pandas objects.

Examples
--------
>>> import peninsula
>>> f = peninsula.forecast(peninsula.DEFAULT_SCENARIO, models=["compromise"])
>>> f.outcomes.shape[0]
1
"""

from peninsula.api import Evaluation, Forecast, evaluate, forecast, load
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
    "ParameterError",
    "PeninsulaError",
    "ScalePoint",
    "Scenario",
    "Source",
    "Stance",
    "__version__",
    "evaluate",
    "forecast",
    "load",
    "save",
]
