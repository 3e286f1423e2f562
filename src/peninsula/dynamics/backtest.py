"""Expanding-window, one-step-ahead backtest of the posture model against two baselines.

For each test month *t* (the month after ``train_end`` through ``test_end``), every model is refitted on all
months before *t* and issues a predictive distribution for the count in *t*. The posture model conditions
on *t*'s alliance posture as the timeline records it, and on the launch counts observed up to *t-1*.

Models
------
``posture``
    :class:`~peninsula.dynamics.model.PostureModel` (plug-in NB2 predictive at the estimates).
``posture_param``
    The same fit, but the predictive averages the NB2 over 500 parameter draws from the estimated
    sampling distribution (as :mod:`~peninsula.dynamics.whatif` simulates), seeded per month so the
    backtest is deterministic. Reported so that the calibration of the what-if intervals can be judged;
    it was added after the first backtest run, with no change to the covariates.
``climatology``
    An intercept-only NB2 fitted (with the same estimator) to all counts before *t*.
``last12``
    Poisson with the mean of the 12 months before *t*. When those 12 months are all zero the mean is
    floored at 1/24 per month (half an event in a year) so that a launch does not score ``-inf``; this
    continuity correction is the only change to the textbook baseline.
``local_level``, ``ingarch``
    The dynamic count models (:mod:`~peninsula.dynamics.locallevel`, :mod:`~peninsula.dynamics.ingarch`),
    refitted on the months before *t*, plug-in one-step predictive given *t*'s posture. Added beside the
    original four (issue 14); the rolling-origin evaluation (:mod:`~peninsula.dynamics.rolling`) scores
    them at more origins and horizons.
``combination``
    The forecast combination (:mod:`~peninsula.dynamics.combination`): the mixture of local level, INGARCH
    and climatology with weights from the components' one-step forecasts of months before *t* (from the
    rolling evaluation's first origin on), so its row equals the rolling evaluation's h = 1 forecasts of
    the same months. Added after the dynamic models (issue 14); the rows before it are unchanged.
``regime``
    The two-regime hidden Markov model (:mod:`~peninsula.dynamics.regime`), refitted on the months before
    *t*, exact one-step predictive given *t*'s posture; equals the rolling evaluation's h = 1 ``regime``
    forecast of the same month. Added last (issue 14); the rows before it are unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from peninsula.dynamics.dynfit import covariate_matrix
from peninsula.dynamics.ingarch import IngarchModel
from peninsula.dynamics.loading import KoreaData, MonthlyCounts, parse_month
from peninsula.dynamics.locallevel import LocalLevelModel
from peninsula.dynamics.model import EVIDENCE_NOTE, MAX_LOG_MEAN, PostureModel, build_design, fit_negbin
from peninsula.dynamics.regime import RegimeModel
from peninsula.dynamics.scoring import (
    CountDistribution,
    NegativeBinomial,
    NegativeBinomialMixture,
    Poisson,
    log_score,
    quantile,
    rps,
)

__all__ = ["LAST12_FLOOR", "MODEL_NAMES", "Backtest", "ModelScore", "MonthScore", "run_backtest"]

MODEL_NAMES = (
    "posture",
    "posture_param",
    "climatology",
    "last12",
    "local_level",
    "ingarch",
    "combination",
    "regime",
)
PARAM_DRAWS = 500
LAST12_FLOOR = 1.0 / 24.0  # events per month; see module docstring


@dataclass(frozen=True)
class MonthScore:
    """One model's forecast of one month, scored.

    Attributes
    ----------
    month:
        ``YYYY-MM``.
    observed:
        Observed count.
    mean, p10, p90:
        Predictive mean and 10th/90th percentiles (counts).
    log_score:
        Natural log of the predictive probability of ``observed``.
    rps:
        Ranked probability score (counts).
    """

    month: str
    observed: int
    mean: float
    p10: float
    p90: float
    log_score: float
    rps: float


@dataclass(frozen=True)
class ModelScore:
    """A model's backtest: its monthly scores and their means."""

    name: str
    monthly: tuple[MonthScore, ...]

    @property
    def mean_log_score(self) -> float:
        """Mean log score over the test months (higher is better)."""
        return float(np.mean([m.log_score for m in self.monthly]))

    @property
    def mae(self) -> float:
        """Mean absolute error of the predictive mean (counts per month)."""
        return float(np.mean([abs(m.mean - m.observed) for m in self.monthly]))

    @property
    def rps(self) -> float:
        """Mean ranked probability score (lower is better)."""
        return float(np.mean([m.rps for m in self.monthly]))


@dataclass(frozen=True)
class Backtest:
    """Result of :func:`run_backtest`."""

    train_end: str
    test_end: str
    target: str
    models: dict[str, ModelScore]
    notes: tuple[str, ...]

    @property
    def months(self) -> int:
        """Number of test months."""
        return len(next(iter(self.models.values())).monthly)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape documented in ``docs/dynamics.md`` (no extra keys)."""
        return {
            "train_end": self.train_end,
            "test_end": self.test_end,
            "target": self.target,
            "months": self.months,
            "models": {
                name: {
                    "mean_log_score": score.mean_log_score,
                    "mae": score.mae,
                    "rps": score.rps,
                    "monthly": [
                        {
                            "month": m.month,
                            "observed": m.observed,
                            "mean": m.mean,
                            "p10": m.p10,
                            "p90": m.p90,
                            "log_score": m.log_score,
                        }
                        for m in score.monthly
                    ],
                }
                for name, score in self.models.items()
            },
        }


def _score(month: str, dist: CountDistribution, observed: int) -> MonthScore:
    return MonthScore(
        month=month,
        observed=observed,
        mean=float(dist.mean),
        p10=quantile(dist, 0.1),
        p90=quantile(dist, 0.9),
        log_score=log_score(dist, observed),
        rps=rps(dist, observed),
    )


def _cut(data: KoreaData, n: int) -> KoreaData:
    m = data.monthly
    monthly = MonthlyCounts(
        m.months[:n], m.events[:n], m.missiles[:n], {k: v[:n] for k, v in m.supplementary.items()}
    )
    return KoreaData(monthly=monthly, timeline=data.timeline, source=data.source)


def _combination_predictives(
    data: KoreaData, target: str, test_idx: np.ndarray[Any, Any]
) -> list[CountDistribution]:
    """The combination's one-step predictive of each test month, its weights from earlier months only."""
    from peninsula.dynamics.combination import COMPONENTS, combine_forecasts
    from peninsula.dynamics.rolling import MIN_TRAIN, forecast_origin

    months = data.monthly.months
    y = data.monthly.target(target)
    first_launch = int(np.argmax(y > 0)) + 1 if (y > 0).any() else len(y)
    start = max(MIN_TRAIN, first_launch)  # the rolling evaluation's first origin
    origins: list[str] = []
    dists: dict[str, list[CountDistribution]] = {c: [] for c in COMPONENTS}
    scored: dict[str, list[tuple[str, float]]] = {c: [] for c in COMPONENTS}
    wanted = set(int(t) for t in test_idx)
    for n in range(min(start, int(test_idx[0])), int(test_idx[-1]) + 1):
        if n < start and n not in wanted:
            continue
        # forecast of month n (0-based) from the first n months; the count of month n is never seen here
        fc = forecast_origin(data, n, target, (1,), COMPONENTS)
        origins.append(str(months[n - 1]))
        for c in COMPONENTS:
            dists[c].append(fc[c][0])
            if n >= start:
                scored[c].append((str(months[n]), log_score(fc[c][0], int(y[n]))))
    mixed = combine_forecasts(origins, dists, scored)
    by_origin = dict(zip(origins, (m for m, _ in mixed), strict=True))
    return [by_origin[str(months[int(t) - 1])] for t in test_idx]


def run_backtest(
    data: KoreaData,
    train_end: str,
    test_end: str,
    target: str = "events",
    model: PostureModel | None = None,
) -> Backtest:
    """Run the expanding-window one-step-ahead backtest.

    Parameters
    ----------
    data:
        Loaded counts and timeline.
    train_end:
        Last month of the first training window (``YYYY-MM``).
    test_end:
        Last test month (``YYYY-MM``), inclusive.
    target:
        ``"events"`` or ``"missiles"``.
    model:
        The posture model (default ``PostureModel(target)``).

    Returns
    -------
    Backtest

    Raises
    ------
    ValueError
        If the months are out of order or outside the data.

    Examples
    --------
    >>> from peninsula.dynamics.loading import load_data
    >>> bt = run_backtest(load_data(), "2020-12", "2021-03")
    >>> bt.months, sorted(bt.models)  # doctest: +NORMALIZE_WHITESPACE
    (3, ['climatology', 'combination', 'ingarch', 'last12', 'local_level', 'posture', 'posture_param',
         'regime'])
    """
    model = model or PostureModel(target)
    if model.target != target:
        raise ValueError(f"model target {model.target!r} differs from target {target!r}")
    first_test = parse_month(train_end) + np.timedelta64(1, "M")
    last_test = parse_month(test_end)
    months = data.monthly.months
    if last_test < first_test:
        raise ValueError(f"test_end {test_end} must be after train_end {train_end}")
    if first_test <= months[0] or last_test > months[-1]:
        raise ValueError(
            f"test months {first_test}..{last_test} must lie within the data "
            f"({months[0]}..{months[-1]}) and leave training months before them"
        )
    design = build_design(data, target, model.covariates)
    complete = design.complete()
    y = design.y
    scores: dict[str, list[MonthScore]] = {name: [] for name in MODEL_NAMES}
    fit_notes: dict[str, int] = {}
    test_idx = np.flatnonzero((months >= first_test) & (months <= last_test))
    t_n = len(test_idx)
    for t in test_idx:
        label = str(months[t])
        observed = int(y[t])
        train = np.arange(len(months)) < t
        fitted = PostureModel(target, model.covariates, model.alpha_bounds).fit(data, end=months[t - 1])
        for note in fitted.notes[1:]:
            fit_notes[note] = fit_notes.get(note, 0) + 1
        if not complete[t]:
            raise ValueError(f"{label}: no launch history for the self-excitation term")
        mu = float(fitted.mean(design.X[t : t + 1])[0])
        scores["posture"].append(_score(label, NegativeBinomial(mu, fitted.alpha), observed))
        betas, alphas = fitted.draw(PARAM_DRAWS, rng=int(t))
        mus = np.exp(np.minimum(betas @ design.X[t], MAX_LOG_MEAN))
        scores["posture_param"].append(_score(label, NegativeBinomialMixture(mus, alphas), observed))
        clim = fit_negbin(y[train], np.ones((int(train.sum()), 1)), model.alpha_bounds)
        scores["climatology"].append(
            _score(label, NegativeBinomial(float(np.exp(clim.params[0])), clim.alpha), observed)
        )
        recent = y[max(0, t - 12) : t]
        scores["last12"].append(_score(label, Poisson(max(float(recent.mean()), LAST12_FLOOR)), observed))
        past = _cut(data, int(t))  # the dynamic models see the months before t only
        x_t = covariate_matrix(data, months[t : t + 1])
        ll = LocalLevelModel(target).fit(past, uncertainty=False)
        scores["local_level"].append(_score(label, ll.predictive(x_t, [1])[0], observed))
        ig = IngarchModel(target).fit(past, uncertainty=False)
        scores["ingarch"].append(_score(label, ig.predictive(x_t, [1])[0], observed))
        rg = RegimeModel(target).fit(past, uncertainty=False)
        scores["regime"].append(_score(label, rg.predictive(x_t, [1])[0], observed))
    for t, dist in zip(test_idx, _combination_predictives(data, target, test_idx), strict=True):
        scores["combination"].append(_score(str(months[t]), dist, int(y[t])))
    return Backtest(
        train_end=train_end,
        test_end=test_end,
        target=target,
        models={name: ModelScore(name, tuple(s)) for name, s in scores.items()},
        notes=(EVIDENCE_NOTE, *(f"posture refits, {k} of {t_n} months: {n}" for n, k in fit_notes.items())),
    )
