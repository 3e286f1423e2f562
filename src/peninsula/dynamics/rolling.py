"""Rolling-origin evaluation of the launch models at several horizons, with calibration and DM tests.

Design
------
Every month from the ``min_train``-th month of the data to the last-but-one is a forecast *origin* T. At
each origin every model is refitted on the counts of months 1..T only — the rolling-origin harness
(:func:`~peninsula.dynamics.origins.run_origins`) cuts the data at T before any model sees them, so
nothing after the origin can enter a fit — and forecasts the counts of months T+h for each horizon h whose
target month is in the data (:func:`~peninsula.dynamics.forecasts.forecast`). The forecasts are
*conditional on the posture path as the alliance timeline records it* for the target months (exercises
held, summits, ...), which is what :func:`~peninsula.dynamics.registry.simulate_counts` and the coupled
simulation supply; the launch counts after the origin are never used.

Scores, per model and horizon, averaged over origins
----------------------------------------------------
* mean log score (log predictive probability of the observed count; higher is better);
* ranked probability score and MAE of the predictive mean (lower is better);
* calibration: empirical coverage of the central 50 % and 80 % prediction intervals ([q25, q75] and
  [q10, q90]; for counts the intervals are closed, so coverage at or above nominal is expected), and the
  non-randomised PIT histogram of Czado, Gneiting & Held (2009, *Biometrics* 65: 1254-1261) in 10 bins
  (flat = calibrated; U-shape = too narrow; hump = too wide).

Comparison with the baselines (Diebold & Mariano 1995, *J. Business & Economic Statistics* 13: 253-263)
--------------------------------------------------------------------------------------------------------
For each horizon h, the log-score differential d_T = LS_model − LS_baseline over the common origins has
mean d̄; its long-run variance is estimated from the autocovariances up to lag h − 1 (the h-step forecast
errors overlap), and the statistic DM = d̄ / sqrt(V/n) gets the small-sample correction of Harvey,
Leybourne & Newbold (1997, *International Journal of Forecasting* 13: 281-291) and a Student-t with n − 1
degrees of freedom. With a few dozen overlapping origins the p-values are rough.

Model choice (the only one made in the package)
-----------------------------------------------
The default launch model is chosen by this evaluation alone (:func:`choose`): among the models with
posture covariates (``CANDIDATES``), those that beat both baselines in mean log score at h = 1 and are no
worse than either at every longer horizon qualify, and the one with the best h = 1 mean log score is
chosen. When none qualifies, the best at h = 1 is still named, with ``targets_met`` false.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from peninsula.dynamics.combination import COMPONENTS, add_combination
from peninsula.dynamics.forecasts import HORIZONS, forecast, forecast_origin
from peninsula.dynamics.loading import KoreaData
from peninsula.dynamics.origins import MIN_TRAIN, first_origin, run_origins, truncate
from peninsula.dynamics.scoring import CountDistribution, log_score, quantile, rps

__all__ = [
    "BASELINES",
    "CANDIDATES",
    "DIRECT_MODELS",
    "HORIZONS",
    "MIN_TRAIN",
    "PLAIN",
    "ROLLING_MODELS",
    "RollingEvaluation",
    "RollingForecast",
    "choose",
    "diebold_mariano",
    "forecast_origin",
    "pit_histogram",
    "run_rolling",
    "truncate",
]

#: Models with posture covariates: eligible as default. ``combination``
#: (:mod:`~peninsula.dynamics.combination`) mixes local level, INGARCH and climatology
#: with weights learned from forecasts resolved before each origin; ``regime``
#: (:mod:`~peninsula.dynamics.regime`) is the two-regime hidden Markov model.
CANDIDATES = ("ingarch", "local_level", "posture", "combination", "regime")
BASELINES = ("climatology", "last12")
#: The same dynamics without posture covariates: they show whether the covariates help (never chosen).
PLAIN = ("ingarch_plain", "local_level_plain", "regime_plain")
ROLLING_MODELS = (*CANDIDATES, *PLAIN, *BASELINES)
#: The models :func:`forecast_origin` computes on its own (the combination needs earlier origins).
DIRECT_MODELS = tuple(m for m in ROLLING_MODELS if m != "combination")
PIT_BINS = 10


@dataclass(frozen=True)
class RollingForecast:
    """One model's forecast from one origin at one horizon, scored.

    Attributes
    ----------
    origin:
        Last month of the training window, ``YYYY-MM``.
    month:
        Target month (origin + h).
    horizon:
        h in months.
    observed:
        Observed count.
    mean:
        Predictive mean.
    log_score, rps:
        Scores of the observed count.
    pit_lo, pit_hi:
        Predictive CDF at observed − 1 and at observed (the non-randomised PIT interval).
    in50, in80:
        Whether the observed count lies in the central 50 % / 80 % interval.
    """

    origin: str
    month: str
    horizon: int
    observed: int
    mean: float
    log_score: float
    rps: float
    pit_lo: float
    pit_hi: float
    in50: bool
    in80: bool


def _score(dist: CountDistribution, observed: int, origin: str, month: str, horizon: int) -> RollingForecast:
    lo = float(dist.cdf(observed - 1)) if observed > 0 else 0.0
    hi = float(dist.cdf(observed))
    q = {p: quantile(dist, p) for p in (0.1, 0.25, 0.75, 0.9)}
    return RollingForecast(
        origin=origin,
        month=month,
        horizon=horizon,
        observed=observed,
        mean=float(dist.mean),
        log_score=log_score(dist, observed),
        rps=rps(dist, observed),
        pit_lo=lo,
        pit_hi=hi,
        in50=q[0.25] <= observed <= q[0.75],
        in80=q[0.1] <= observed <= q[0.9],
    )


def diebold_mariano(d: npt.ArrayLike, horizon: int) -> dict[str, float]:
    """Diebold–Mariano test of a mean score differential, with the HLN small-sample correction.

    Parameters
    ----------
    d:
        Score differentials (model − baseline, log score: positive favours the model), one per origin.
    horizon:
        Forecast horizon h; autocovariances up to lag h − 1 enter the variance.

    Returns
    -------
    dict
        ``mean_diff``, ``dm`` (corrected statistic), ``p_value`` (two-sided, Student-t with n − 1 df), ``n``.

    Examples
    --------
    >>> r = diebold_mariano([0.5, -0.1, 0.3, 0.2, 0.0, 0.4], 1)
    >>> round(r["mean_diff"], 4), r["n"]
    (0.2167, 6)
    """
    from scipy import stats

    x = np.asarray(d, dtype=np.float64)
    n = len(x)
    mean = float(x.mean())
    dev = x - mean
    var = float(dev @ dev) / n
    for k in range(1, min(horizon, n)):
        var += 2.0 * float(dev[k:] @ dev[:-k]) / n
    if var <= 0:  # the truncated estimate can be negative: fall back to the lag-0 variance
        var = float(dev @ dev) / n
    if var <= 0 or n < 3:
        return {"mean_diff": mean, "dm": math.nan, "p_value": math.nan, "n": n}
    dm = mean / math.sqrt(var / n)
    correction = math.sqrt(max((n + 1 - 2 * horizon + horizon * (horizon - 1) / n) / n, 0.0))
    stat = dm * correction
    p = float(2.0 * stats.t.sf(abs(stat), n - 1))
    return {"mean_diff": mean, "dm": stat, "p_value": p, "n": n}


def pit_histogram(forecasts: Sequence[RollingForecast], bins: int = PIT_BINS) -> list[float]:
    """Non-randomised PIT histogram (Czado, Gneiting & Held 2009): bin masses summing to 1.

    For each forecast the PIT is uniform on [F(y−1), F(y)]; the histogram averages those uniforms.

    Examples
    --------
    >>> f = RollingForecast("2020-01", "2020-02", 1, 0, 0.5, -0.7, 0.1, 0.0, 0.5, True, True)
    >>> pit_histogram([f], bins=2)
    [1.0, 0.0]
    """
    edges = np.linspace(0.0, 1.0, bins + 1)
    cdf = np.zeros(bins + 1)
    for f in forecasts:
        width = f.pit_hi - f.pit_lo
        if width <= 0:
            cdf += (edges >= f.pit_hi).astype(np.float64)
        else:
            cdf += np.clip((edges - f.pit_lo) / width, 0.0, 1.0)
    cdf /= max(len(forecasts), 1)
    return [float(v) for v in np.diff(cdf)]


def _summary(forecasts: Sequence[RollingForecast]) -> dict[str, Any]:
    return {
        "n": len(forecasts),
        "mean_log_score": float(np.mean([f.log_score for f in forecasts])),
        "rps": float(np.mean([f.rps for f in forecasts])),
        "mae": float(np.mean([abs(f.mean - f.observed) for f in forecasts])),
        "coverage50": float(np.mean([f.in50 for f in forecasts])),
        "coverage80": float(np.mean([f.in80 for f in forecasts])),
        "pit": pit_histogram(forecasts),
    }


def choose(scores: dict[str, dict[int, dict[str, Any]]], horizons: Sequence[int]) -> tuple[str, bool]:
    """Apply the model-choice rule of the module docstring; returns ``(chosen, targets_met)``."""
    candidates = [c for c in CANDIDATES if c in scores]
    if not candidates:
        raise ValueError("no candidate model was evaluated")
    first = min(horizons)

    def ls(name: str, h: int) -> float:
        return float(scores[name][h]["mean_log_score"])

    base = [b for b in BASELINES if b in scores]
    qualified = [
        c
        for c in candidates
        if all(ls(c, first) > ls(b, first) for b in base)
        and all(ls(c, h) >= ls(b, h) for b in base for h in horizons if h != first)
    ]
    pool = qualified or candidates
    best = max(pool, key=lambda c: ls(c, first))
    return best, bool(qualified)


@dataclass(frozen=True)
class RollingEvaluation:
    """Result of :func:`run_rolling`."""

    target: str
    horizons: tuple[int, ...]
    min_train: int
    origins: tuple[str, ...]
    forecasts: dict[str, dict[int, tuple[RollingForecast, ...]]]
    chosen: str
    targets_met: bool

    def scores(self) -> dict[str, dict[int, dict[str, Any]]]:
        """Per model and horizon: n, mean log score, RPS, MAE, coverage 50/80, PIT histogram."""
        return {m: {h: _summary(fs) for h, fs in by_h.items()} for m, by_h in self.forecasts.items()}

    def comparisons(self) -> dict[str, dict[int, dict[str, dict[str, float]]]]:
        """Diebold–Mariano comparisons of every model with each baseline, per horizon (log score)."""
        out: dict[str, dict[int, dict[str, dict[str, float]]]] = {}
        for m, by_h in self.forecasts.items():
            if m in BASELINES:
                continue
            out[m] = {}
            for h, fs in by_h.items():
                out[m][h] = {}
                for b in BASELINES:
                    if b not in self.forecasts:
                        continue
                    d = [f.log_score - g.log_score for f, g in zip(fs, self.forecasts[b][h], strict=True)]
                    out[m][h][b] = diebold_mariano(d, h)
        return out

    def versus(self) -> dict[int, dict[str, Any]]:
        """Per horizon, the chosen model against climatology, last12 and the best model without posture
        covariates at that horizon (the best mean log score among :data:`PLAIN` and :data:`BASELINES`), each
        with its Diebold–Mariano comparison (chosen − other, log score).

        Returns
        -------
        dict
            Horizon → ``{"chosen", "mean_log_score", "climatology": {...}, "last12": {...},
            "best_without_posture": {"model", "mean_log_score", ...}}`` (the DM keys of
            :func:`diebold_mariano`); empty when no model was chosen.
        """
        out: dict[int, dict[str, Any]] = {}
        if self.chosen not in self.forecasts:
            return out

        def ls(name: str, h: int) -> float:
            return float(np.mean([f.log_score for f in self.forecasts[name][h]]))

        def dm(other: str, h: int) -> dict[str, float]:
            pairs = zip(self.forecasts[self.chosen][h], self.forecasts[other][h], strict=True)
            return diebold_mariano([f.log_score - g.log_score for f, g in pairs], h)

        for h in self.horizons:
            if h not in self.forecasts[self.chosen]:
                continue
            row: dict[str, Any] = {"chosen": self.chosen, "mean_log_score": ls(self.chosen, h)}
            for b in BASELINES:
                if b in self.forecasts and h in self.forecasts[b]:
                    row[b] = {"mean_log_score": ls(b, h), **dm(b, h)}
            plain = [m for m in (*PLAIN, *BASELINES) if m in self.forecasts and h in self.forecasts[m]]
            if plain:
                best = max(plain, key=lambda m: ls(m, h))
                row["best_without_posture"] = {"model": best, "mean_log_score": ls(best, h), **dm(best, h)}
            out[h] = row
        return out

    def to_dict(self) -> dict[str, Any]:
        """The ``rolling`` block of ``backtest --format json`` (non-finite numbers, e.g. an undefined DM
        statistic, become ``None``)."""
        scores = self.scores()
        doc: dict[str, Any] = _json_safe(
            {
                "target": self.target,
                "horizons": list(self.horizons),
                "min_train_months": self.min_train,
                "first_origin": self.origins[0],
                "last_origin": self.origins[-1],
                "origins": len(self.origins),
                "conditioning": "posture covariates of target months as the timeline records them; "
                "counts after the origin never used",
                "models": {m: {str(h): s for h, s in by_h.items()} for m, by_h in scores.items()},
                "comparisons": {
                    m: {str(h): c for h, c in by_h.items()} for m, by_h in self.comparisons().items()
                },
                "candidates": [c for c in CANDIDATES if c in scores],
                "rule": "best h=1 mean log score among candidates that beat climatology and last12 at h=1 "
                "and are no worse at every longer horizon",
                "chosen": self.chosen,
                "targets_met": self.targets_met,
                "versus": {str(h): row for h, row in self.versus().items()},
                "forecasts": {
                    m: {
                        str(h): [
                            {
                                "origin": f.origin,
                                "month": f.month,
                                "observed": f.observed,
                                "mean": f.mean,
                                "log_score": f.log_score,
                            }
                            for f in fs
                        ]
                        for h, fs in by_h.items()
                    }
                    for m, by_h in self.forecasts.items()
                },
            }
        )
        return doc


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def run_rolling(
    data: KoreaData,
    target: str = "events",
    horizons: Sequence[int] = HORIZONS,
    min_train: int = MIN_TRAIN,
    models: Sequence[str] = ROLLING_MODELS,
) -> RollingEvaluation:
    """Rolling-origin evaluation over the whole series (see the module docstring).

    Parameters
    ----------
    data:
        Loaded counts and timeline (any length; origins run to the end).
    target:
        ``"events"`` or ``"missiles"``.
    horizons:
        Forecast horizons in months (each ≥ 1).
    min_train:
        Months in the first training window (later if no launch is on record by then).
    models:
        Models to evaluate (default: :data:`ROLLING_MODELS`).

    Raises
    ------
    ValueError
        If a horizon is < 1 or the data leave no origin.
    """
    hs = tuple(sorted(set(int(h) for h in horizons)))
    if not hs or hs[0] < 1:
        raise ValueError(f"horizons must be >= 1, got {list(horizons)}")
    n = len(data.monthly.months)
    if min_train < 12 or n - min_train < hs[0]:
        raise ValueError(
            f"need at least 12 training months and one test month: {n} months, min_train {min_train}"
        )
    y = data.monthly.target(target)
    combine = "combination" in models
    direct = [m for m in models if m != "combination"]
    computed = list(dict.fromkeys([*direct, *(COMPONENTS if combine else ())]))
    unknown = [m for m in computed if m not in DIRECT_MODELS]
    if unknown:
        raise ValueError(f"unknown model {unknown[0]!r}; choose from {', '.join(ROLLING_MODELS)}")

    def forecaster(past: KoreaData, usable: tuple[int, ...]) -> dict[str, list[CountDistribution]]:
        return forecast(past, target, usable, computed)

    # The local level needs a launch in its window (its likelihood starts at the first launch): the first
    # origin is the later of min_train and the first month with a launch on record.
    start = first_origin(y, min_train)
    runs = run_origins(data, target, range(start, n), hs, forecaster)
    if not runs:
        raise ValueError("no forecast origin: the data need a launch and a month after the first window")
    if combine:
        runs = add_combination(runs, scored_from=start)
    collected: dict[str, dict[int, list[RollingForecast]]] = {
        m: {h: [] for h in hs} for m in (*computed, *(("combination",) if combine else ()))
    }
    for run in runs:
        for name, ds in run.dists.items():
            for h, dist, month, obs in zip(run.horizons, ds, run.months, run.observed, strict=True):
                collected[name][h].append(_score(dist, obs, run.origin, month, h))
    origins = [r.origin for r in runs]
    forecasts = {m: {h: tuple(fs) for h, fs in collected[m].items() if fs} for m in models if m in collected}
    evaluation = RollingEvaluation(target, hs, min_train, tuple(origins), forecasts, "", False)
    chosen, met = choose(evaluation.scores(), hs) if any(c in models for c in CANDIDATES) else ("", False)
    return replace(evaluation, chosen=chosen, targets_met=met)
