"""Predictive distributions of every launch model and baseline from a training window (one place).

:func:`forecast` fits each named model on ``past`` (data already cut at an origin by
:func:`~peninsula.dynamics.origins.truncate`) and returns its h-step predictive distributions, conditional
on the posture covariates of the target months as the alliance timeline records them. It is the
forecaster of the rolling-origin harness (:mod:`~peninsula.dynamics.origins`) for the rolling evaluation,
the one-step backtest and the combination's weights, so every evaluation scores the same forecasts.

Models
------
``local_level``, ``ingarch``, ``regime``
    The dynamic models with the six posture covariates, refitted without parameter uncertainty (plug-in
    predictive; INGARCH simulates its h > 1 paths with seed = months in the window).
``local_level_plain``, ``ingarch_plain``, ``regime_plain``
    The same dynamics without posture covariates.
``posture``
    The NB2 posture regression (:mod:`~peninsula.dynamics.nbregression`): plug-in NB2 at h = 1; beyond,
    an NB2 mixture over :data:`POSTURE_PATHS` simulated launch histories (seed = months in the window).
``posture_param``
    The same fit; the h = 1 predictive averages the NB2 over :data:`PARAM_DRAWS` parameter draws from the
    estimated sampling distribution (seed = months in the window), so that the calibration of the what-if
    intervals can be judged (the one-step backtest reports it).
``climatology``
    An intercept-only NB2 fitted (same estimator) to every count in the window, at every horizon.
``last12``
    Poisson with the mean of the window's last 12 months. When those are all zero the mean is floored at
    :data:`LAST12_FLOOR` = 1/24 per month (half an event in a year) so that a launch does not score
    ``-inf``; this continuity correction is the only change to the textbook baseline.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from peninsula.core.rng import check_rng
from peninsula.dynamics.covariates import (
    LAUNCH_MEMORY,
    POSTURE_COVARIATES,
    SELF_EXCITATION,
    covariate_matrix,
    posture_covariates,
    seasonality,
)
from peninsula.dynamics.ingarch import IngarchModel
from peninsula.dynamics.loading import KoreaData
from peninsula.dynamics.locallevel import LocalLevelModel
from peninsula.dynamics.nbregression import (
    DEFAULT_COVARIATES,
    MAX_LOG_MEAN,
    NegBinRegression,
    NegBinRegressionFit,
    fit_negbin,
)
from peninsula.dynamics.origins import future_months, truncate
from peninsula.dynamics.regime import RegimeModel
from peninsula.dynamics.scoring import CountDistribution, NegativeBinomial, NegativeBinomialMixture, Poisson

__all__ = [
    "ALPHA_BOUNDS",
    "FORECAST_MODELS",
    "HORIZONS",
    "LAST12_FLOOR",
    "MULTI_STEP_MODELS",
    "PARAM_DRAWS",
    "POSTURE_PATHS",
    "forecast",
    "forecast_origin",
    "posture_predictive",
]

#: Events per month: the floor of the ``last12`` baseline's mean (module docstring).
LAST12_FLOOR = 1.0 / 24.0
#: Simulated launch histories behind the posture regression's h > 1 predictive.
POSTURE_PATHS = 1000
#: Parameter draws behind ``posture_param``.
PARAM_DRAWS = 500
#: Search interval of the NB2 dispersion (posture regression and climatology).
ALPHA_BOUNDS = (1e-3, 20.0)
#: The rolling evaluation's horizons (months ahead).
HORIZONS = (1, 3, 6)
#: Every model :func:`forecast` knows; ``posture_param`` forecasts h = 1 only.
FORECAST_MODELS = (
    "ingarch",
    "local_level",
    "posture",
    "posture_param",
    "regime",
    "ingarch_plain",
    "local_level_plain",
    "regime_plain",
    "climatology",
    "last12",
)
#: The models that forecast every horizon.
MULTI_STEP_MODELS = tuple(m for m in FORECAST_MODELS if m != "posture_param")


def _posture_rows(
    fit: NegBinRegressionFit,
    past: KoreaData,
    future: npt.NDArray[np.datetime64],
    history: npt.NDArray[np.float64],
    j: int,
    cols: dict[str, npt.NDArray[np.float64]],
) -> npt.NDArray[np.float64]:
    """Design rows of future month ``j`` for each simulated launch history (rows of ``history``)."""
    x = np.empty((history.shape[0], len(fit.names)))
    for i, name in enumerate(fit.names):
        if name == "const":
            x[:, i] = 1.0
        elif name == SELF_EXCITATION:
            x[:, i] = np.log1p(history[:, -LAUNCH_MEMORY:].sum(axis=1))
        else:
            x[:, i] = cols[name][j]
    return x


def posture_predictive(
    fit: NegBinRegressionFit,
    past: KoreaData,
    horizons: Sequence[int],
    seed: int,
    param_draws: int = 0,
) -> list[CountDistribution]:
    """The posture regression's predictives after ``past``: plug-in NB2 at h = 1; simulated history beyond.

    Parameters
    ----------
    fit:
        Fitted on ``past``.
    past:
        The training window (its last :data:`~peninsula.dynamics.covariates.LAUNCH_MEMORY` counts start
        the self-excitation term).
    horizons:
        Horizons ≥ 1.
    seed:
        Seed of the simulated histories (h > 1) or of the parameter draws.
    param_draws:
        If > 0, the h = 1 predictive averages the NB2 over this many parameter draws instead
        (``posture_param``; h = 1 only).
    """
    y = past.monthly.target(fit.target).astype(np.float64)
    H = max(horizons)
    future = future_months(past, H)
    cols = posture_covariates(past.timeline, future)
    cols.update(seasonality(future))
    gen = check_rng(seed)
    if param_draws:
        if tuple(horizons) != (1,):
            raise ValueError("posture_param forecasts one month ahead only")
        x = _posture_rows(fit, past, future, y[-LAUNCH_MEMORY:][None, :], 0, cols)[0]
        betas, alphas = fit.draw(param_draws, rng=gen)
        mus = np.exp(np.minimum(betas @ x, MAX_LOG_MEAN))
        return [NegativeBinomialMixture(mus, alphas)]
    n = 1 if H == 1 else POSTURE_PATHS
    hist = np.tile(y[-LAUNCH_MEMORY:], (n, 1))
    means = np.empty((n, H))
    for j in range(H):
        x = _posture_rows(fit, past, future, hist, j, cols)
        mu = np.exp(np.minimum(x @ fit.params, MAX_LOG_MEAN))
        means[:, j] = mu
        r = 1.0 / fit.alpha
        draw = gen.negative_binomial(r, r / (r + mu)).astype(np.float64)
        hist = np.column_stack([hist, draw])
    out: list[CountDistribution] = []
    for h in horizons:
        if h == 1:
            out.append(NegativeBinomial(float(means[0, 0]), fit.alpha))
        else:
            out.append(NegativeBinomialMixture(means[:, h - 1].copy(), np.full(n, fit.alpha)))
    return out


def forecast(
    past: KoreaData,
    target: str = "events",
    horizons: Sequence[int] = HORIZONS,
    models: Sequence[str] = MULTI_STEP_MODELS,
    *,
    covariates: Sequence[str] = DEFAULT_COVARIATES,
    alpha_bounds: tuple[float, float] = ALPHA_BOUNDS,
    on_fit: list[NegBinRegressionFit] | None = None,
) -> dict[str, list[CountDistribution]]:
    """Predictive distributions of each model, fitted on ``past``, for the months after it.

    Parameters
    ----------
    past:
        The training window (cut at the origin); nothing after its last month is read.
    target:
        ``"events"`` or ``"missiles"``.
    horizons:
        Horizons ≥ 1 (months after the last month of ``past``).
    models:
        Names from :data:`FORECAST_MODELS`.
    covariates, alpha_bounds:
        Covariates and dispersion interval of the posture regression (``alpha_bounds`` also of
        climatology).
    on_fit:
        If given, the posture regression's fit is appended to it (its notes are the caller's to report).

    Returns
    -------
    dict
        Model name → one distribution per horizon (same order as ``horizons``).
    """
    H = max(horizons)
    n_train = len(past.monthly.months)
    future = future_months(past, H)
    y = past.monthly.target(target)
    out: dict[str, list[CountDistribution]] = {}
    posture_fit: NegBinRegressionFit | None = None
    for name in models:
        dynamic_covariates = () if name.endswith("_plain") else POSTURE_COVARIATES
        if name in ("local_level", "local_level_plain"):
            ll_model = LocalLevelModel(target, covariates=dynamic_covariates)
            ll = ll_model.fit(past, uncertainty=False)
            out[name] = list(ll.predictive(covariate_matrix(past, future, ll_model.covariates), horizons))
        elif name in ("ingarch", "ingarch_plain"):
            ig_model = IngarchModel(target, covariates=dynamic_covariates)
            ig = ig_model.fit(past, uncertainty=False)
            Xf = covariate_matrix(past, future, ig_model.covariates)
            out[name] = list(ig.predictive(Xf, horizons, rng=n_train))
        elif name in ("regime", "regime_plain"):
            rg_model = RegimeModel(target, covariates=dynamic_covariates)
            rg = rg_model.fit(past, uncertainty=False)
            out[name] = list(rg.predictive(covariate_matrix(past, future, rg_model.covariates), horizons))
        elif name in ("posture", "posture_param"):
            if posture_fit is None:
                posture_fit = NegBinRegression(target, covariates, alpha_bounds).fit(past)
                if on_fit is not None:
                    on_fit.append(posture_fit)
            draws = PARAM_DRAWS if name == "posture_param" else 0
            out[name] = posture_predictive(posture_fit, past, horizons, seed=n_train, param_draws=draws)
        elif name == "climatology":
            clim = fit_negbin(y, np.ones((len(y), 1)), alpha_bounds)
            dist = NegativeBinomial(float(np.exp(clim.params[0])), clim.alpha)
            out[name] = [dist] * len(horizons)
        elif name == "last12":
            dist12 = Poisson(max(float(y[-12:].mean()), LAST12_FLOOR))
            out[name] = [dist12] * len(horizons)
        elif name == "combination":
            raise ValueError(
                "the combination needs earlier origins' scores: run_rolling builds it from its components"
            )
        else:
            raise ValueError(f"unknown model {name!r}; choose from {', '.join(FORECAST_MODELS)}")
    return out


def forecast_origin(
    data: KoreaData,
    n_train: int,
    target: str = "events",
    horizons: Sequence[int] = HORIZONS,
    models: Sequence[str] = MULTI_STEP_MODELS,
) -> dict[str, list[CountDistribution]]:
    """:func:`forecast` from the origin after the first ``n_train`` months of ``data``.

    Only ``truncate(data, n_train)`` reaches the models: the counts of later months are never read.
    """
    return forecast(truncate(data, n_train), target, horizons, models)
