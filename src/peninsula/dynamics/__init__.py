"""DPRK launch dynamics: covariates from the alliance timeline, a negative binomial model, backtest, what-ifs.

The public surface:

* :func:`load_data` — the packaged Korea data or a ``--data`` folder, validated;
* :func:`posture_covariates`, :data:`COVARIATES` — the covariates, each tied to a seed hypothesis;
* :class:`PostureModel` / :class:`PostureFit` — the NB2 regression and its fit;
* :func:`run_backtest` / :class:`Backtest` — expanding-window one-step-ahead scoring vs baselines;
* :func:`run_whatif`, :func:`parse_levers` — counterfactual posture paths;
* :func:`log_score`, :func:`rps` — the scoring rules;
* :func:`plot_whatif` (in :mod:`peninsula.reports.plots`, imports matplotlib lazily).

Evidence is thin (72 months): read every interval as wide, and the coefficients as associations.
"""

from peninsula.dynamics.backtest import Backtest, run_backtest
from peninsula.dynamics.covariates import COVARIATES, ELECTION_DATES, Covariate, posture_covariates
from peninsula.dynamics.loading import KoreaData, load_data
from peninsula.dynamics.model import EVIDENCE_NOTE, PostureFit, PostureModel
from peninsula.dynamics.scoring import NegativeBinomial, Poisson, log_score, rps
from peninsula.dynamics.whatif import Levers, WhatIf, parse_levers, run_whatif

__all__ = [
    "COVARIATES",
    "ELECTION_DATES",
    "EVIDENCE_NOTE",
    "Backtest",
    "Covariate",
    "KoreaData",
    "Levers",
    "NegativeBinomial",
    "Poisson",
    "PostureFit",
    "PostureModel",
    "WhatIf",
    "load_data",
    "log_score",
    "parse_levers",
    "posture_covariates",
    "rps",
    "run_backtest",
    "run_whatif",
]
