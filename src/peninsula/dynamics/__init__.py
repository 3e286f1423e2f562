"""DPRK launch dynamics: covariates from the alliance timeline, count models, evaluation, what-ifs.

The public surface:

* :func:`load_data` — the packaged Korea data or a ``--data`` folder, validated;
* :func:`posture_covariates`, :func:`covariate_matrix`, :data:`COVARIATES` — the covariates, each tied to a
  seed hypothesis;
* :class:`NegBinRegression` / :class:`NegBinRegressionFit` — the NB2 posture regression (``posture``);
* :class:`RegimeModel`, :class:`LocalLevelModel`, :class:`IngarchModel`, :class:`CombinationModel` — the
  dynamic models (the first three derive from :class:`PenalisedCountModel`);
* :func:`run_origins`, :func:`truncate` — the one rolling-origin harness every evaluation uses;
* :func:`run_backtest` / :class:`Backtest` — expanding-window one-step-ahead scoring vs baselines;
* :func:`run_rolling` — the rolling-origin evaluation that chooses the default (:data:`DEFAULT_MODELS`);
* :func:`run_whatif`, :func:`parse_levers` — counterfactual posture paths;
* :func:`log_score`, :func:`rps` — the scoring rules;
* :func:`plot_whatif` (in :mod:`peninsula.reports.plots`, imports matplotlib lazily).

Evidence is thin (one series, 96 months on the packaged data, 2016-2023): read every interval as wide, and the
coefficients as associations.

``PostureModel`` and ``PostureFit`` (the names of the posture regression until 0.1.0) still answer, with a
``DeprecationWarning``, until 0.2.0.
"""

from peninsula.dynamics._deprecated import forward
from peninsula.dynamics.backtest import Backtest, run_backtest
from peninsula.dynamics.combination import CombinationFit, CombinationModel
from peninsula.dynamics.covariates import (
    COVARIATES,
    ELECTION_DATES,
    Covariate,
    covariate_matrix,
    posture_covariates,
)
from peninsula.dynamics.ingarch import IngarchFit, IngarchModel
from peninsula.dynamics.loading import KoreaData, load_data
from peninsula.dynamics.locallevel import LocalLevelFit, LocalLevelModel
from peninsula.dynamics.nbregression import EVIDENCE_NOTE, NegBinRegression, NegBinRegressionFit
from peninsula.dynamics.origins import OriginForecasts, run_origins, truncate
from peninsula.dynamics.overlays import OVERLAY_LEVERS, overlay_levers
from peninsula.dynamics.penalised import PenalisedCountModel, PenalisedFit
from peninsula.dynamics.regime import RegimeFit, RegimeModel
from peninsula.dynamics.registry import (
    BOUND_FACTOR,
    DEFAULT_MODEL,
    DEFAULT_MODELS,
    default_model,
    fit_model,
    most_provocative_posture,
    posture_matrix,
    simulate_counts,
)
from peninsula.dynamics.rolling import RollingEvaluation, run_rolling
from peninsula.dynamics.scoring import NegativeBinomial, Poisson, log_score, rps
from peninsula.dynamics.whatif import Levers, WhatIf, parse_levers, run_whatif

__all__ = [
    "BOUND_FACTOR",
    "COVARIATES",
    "DEFAULT_MODEL",
    "DEFAULT_MODELS",
    "ELECTION_DATES",
    "EVIDENCE_NOTE",
    "OVERLAY_LEVERS",
    "Backtest",
    "CombinationFit",
    "CombinationModel",
    "Covariate",
    "IngarchFit",
    "IngarchModel",
    "KoreaData",
    "Levers",
    "LocalLevelFit",
    "LocalLevelModel",
    "NegBinRegression",
    "NegBinRegressionFit",
    "NegativeBinomial",
    "OriginForecasts",
    "PenalisedCountModel",
    "PenalisedFit",
    "Poisson",
    "RegimeFit",
    "RegimeModel",
    "RollingEvaluation",
    "WhatIf",
    "covariate_matrix",
    "default_model",
    "fit_model",
    "load_data",
    "log_score",
    "most_provocative_posture",
    "overlay_levers",
    "parse_levers",
    "posture_covariates",
    "posture_matrix",
    "rps",
    "run_backtest",
    "run_origins",
    "run_rolling",
    "run_whatif",
    "simulate_counts",
    "truncate",
]

_NB = "peninsula.dynamics.nbregression"
__getattr__ = forward(
    "peninsula.dynamics",
    None,
    {"PostureModel": (_NB, "NegBinRegression"), "PostureFit": (_NB, "NegBinRegressionFit")},
)
