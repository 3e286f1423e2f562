"""DPRK launch dynamics: covariates from the alliance timeline, a negative binomial model, backtest, what-ifs.

The public surface:

* :func:`load_data` — the packaged Korea data or a ``--data`` folder, validated;
* :func:`posture_covariates`, :data:`COVARIATES` — the covariates, each tied to a seed hypothesis;
* :class:`PostureModel` / :class:`PostureFit` — the NB2 regression and its fit;
* :func:`run_backtest` / :class:`Backtest` — expanding-window one-step-ahead scoring vs baselines;
* :class:`RegimeModel`, :class:`LocalLevelModel`, :class:`IngarchModel`, :class:`CombinationModel` — the
  dynamic models;
* :func:`run_rolling` — the rolling-origin evaluation that chooses the default (:data:`DEFAULT_MODELS`);
* :func:`run_whatif`, :func:`parse_levers` — counterfactual posture paths;
* :func:`log_score`, :func:`rps` — the scoring rules;
* :func:`plot_whatif` (in :mod:`peninsula.reports.plots`, imports matplotlib lazily).

Evidence is thin (72 months): read every interval as wide, and the coefficients as associations.
"""

from peninsula.dynamics.backtest import Backtest, run_backtest
from peninsula.dynamics.combination import CombinationFit, CombinationModel
from peninsula.dynamics.covariates import COVARIATES, ELECTION_DATES, Covariate, posture_covariates
from peninsula.dynamics.default import (
    BOUND_FACTOR,
    DEFAULT_MODEL,
    DEFAULT_MODELS,
    default_model,
    fit_model,
    most_provocative_posture,
    posture_matrix,
    simulate_counts,
)
from peninsula.dynamics.ingarch import IngarchFit, IngarchModel
from peninsula.dynamics.loading import KoreaData, load_data
from peninsula.dynamics.locallevel import LocalLevelFit, LocalLevelModel
from peninsula.dynamics.model import EVIDENCE_NOTE, PostureFit, PostureModel
from peninsula.dynamics.overlays import OVERLAY_LEVERS, overlay_levers
from peninsula.dynamics.regime import RegimeFit, RegimeModel
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
    "NegativeBinomial",
    "Poisson",
    "PostureFit",
    "PostureModel",
    "RegimeFit",
    "RegimeModel",
    "RollingEvaluation",
    "WhatIf",
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
    "run_rolling",
    "run_whatif",
    "simulate_counts",
]
