"""Expanding-window, one-step-ahead backtest of the launch models against two baselines.

For each test month *t* (the month after ``train_end`` through ``test_end``), every model is refitted on all
months before *t* and issues a predictive distribution for the count in *t*. The models condition on *t*'s
alliance posture as the timeline records it, and on the launch counts observed up to *t-1*.

The backtest is a view of the rolling-origin harness (:func:`~peninsula.dynamics.origins.run_origins`):
its rows are the one-step forecasts (:func:`~peninsula.dynamics.forecasts.forecast`) from the origins just
before the test months, so "the past" is the data cut at the origin, as in the rolling evaluation, and a
model cannot be fitted through the month it forecasts.

Models
------
``posture``
    :class:`~peninsula.dynamics.nbregression.NegBinRegression` (plug-in NB2 predictive at the estimates).
``posture_param``
    The same fit, but the predictive averages the NB2 over 500 parameter draws from the estimated
    sampling distribution (as :mod:`~peninsula.dynamics.whatif` simulates), seeded per month so the
    backtest is deterministic. Reported so that the calibration of the what-if intervals can be judged;
    it was added after the first backtest run, with no change to the covariates.
``climatology``
    An intercept-only NB2 fitted (with the same estimator) to all counts before *t*.
``last12``
    Poisson with the mean of the 12 months before *t*. When those 12 months are all zero the mean is
    floored at 1/24 per month (half an event in a year, :data:`LAST12_FLOOR`) so that a launch does not
    score ``-inf``; this continuity correction is the only change to the textbook baseline.
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

from peninsula.dynamics.combination import COMPONENTS, add_combination
from peninsula.dynamics.forecasts import LAST12_FLOOR, PARAM_DRAWS, forecast
from peninsula.dynamics.loading import KoreaData, parse_month
from peninsula.dynamics.nbregression import EVIDENCE_NOTE, NegBinRegression, NegBinRegressionFit, build_design
from peninsula.dynamics.origins import first_origin, run_origins
from peninsula.dynamics.scoring import CountDistribution, log_score, quantile, rps

__all__ = [
    "LAST12_FLOOR",
    "MODEL_NAMES",
    "PARAM_DRAWS",
    "Backtest",
    "ModelScore",
    "MonthScore",
    "run_backtest",
]

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
#: The backtest's models computed directly at each test origin (the combination is mixed from COMPONENTS).
DIRECT = tuple(m for m in MODEL_NAMES if m != "combination")


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


def run_backtest(
    data: KoreaData,
    train_end: str,
    test_end: str,
    target: str = "events",
    model: NegBinRegression | None = None,
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
        The posture regression (default ``NegBinRegression(target)``): its covariates and dispersion
        interval are used at every test month.

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
    model = model or NegBinRegression(target)
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
    complete = build_design(data, target, model.covariates).complete()
    test_idx = [int(t) for t in np.flatnonzero((months >= first_test) & (months <= last_test))]
    for t in test_idx:
        if not complete[t]:
            raise ValueError(f"{months[t]}: no launch history for the self-excitation term")
    # Origin n = t (the first t months) forecasts test month t. The combination's weights come from its
    # components' forecasts at every origin from the rolling evaluation's first one on, so its row equals
    # the rolling evaluation's h = 1 combination of the same month.
    start = first_origin(data.monthly.target(target))
    tests = set(test_idx)
    origins = sorted(tests | set(range(start, test_idx[-1] + 1)))
    fits: list[NegBinRegressionFit] = []

    def forecaster(past: KoreaData, horizons: tuple[int, ...]) -> dict[str, list[CountDistribution]]:
        n = len(past.monthly.months)
        names = [*(DIRECT if n in tests else ()), *(COMPONENTS if n >= start else ())]
        return forecast(
            past,
            target,
            horizons,
            list(dict.fromkeys(names)),
            covariates=model.covariates,
            alpha_bounds=model.alpha_bounds,
            on_fit=fits,
        )

    runs = add_combination(run_origins(data, target, origins, (1,), forecaster), scored_from=start)
    scores: dict[str, list[MonthScore]] = {name: [] for name in MODEL_NAMES}
    for run in runs:
        if run.n_train not in tests:
            continue
        for name in MODEL_NAMES:
            scores[name].append(_score(run.months[0], run.dists[name][0], run.observed[0]))
    fit_notes: dict[str, int] = {}
    for fitted in fits:
        for note in fitted.notes[1:]:
            fit_notes[note] = fit_notes.get(note, 0) + 1
    t_n = len(test_idx)
    return Backtest(
        train_end=train_end,
        test_end=test_end,
        target=target,
        models={name: ModelScore(name, tuple(s)) for name, s in scores.items()},
        notes=(EVIDENCE_NOTE, *(f"posture refits, {k} of {t_n} months: {n}" for n, k in fit_notes.items())),
    )
