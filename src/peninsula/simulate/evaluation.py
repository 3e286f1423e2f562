"""Evaluation with uncertainty: bootstrap over whole groups, grouped K-fold CV, paired differences, coverage.

Forecast errors on issues of one proposal (one DEU file, one Korea case) are not independent, so every
resampling here works on whole groups: the bootstrap draws groups with replacement, and cross-validation
folds never split a group. Groups come from the outcomes CSV's ``proposal`` column or, failing that, from
the file an issue came from (see :func:`peninsula.api.evaluate`).

Probabilities of agreement (issue 21) are scored by the Brier score and the log score, each with the same
group-bootstrap interval, beside a leave-one-group-out base rate (:func:`probability_scores`).

Tunable models (see :class:`Tunable`; today ``consensus``) are refitted on the training folds only, and
their interval is calibrated on out-of-fold residuals of an inner grouped CV inside those training folds,
so that the reported coverage is an honest out-of-sample figure.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, Self, runtime_checkable

import numpy as np
import numpy.typing as npt

from peninsula.core import IssueData, ParameterError
from peninsula.core.rng import RNGLike, check_rng

__all__ = [
    "EPS",
    "CVPredictions",
    "Case",
    "GridSearch",
    "Tunable",
    "base_rate",
    "bootstrap_means",
    "brier",
    "coverage",
    "cross_validated",
    "fit_calibrated",
    "grouped_folds",
    "log_loss",
    "mae_interval",
    "paired_difference",
    "param_grid",
    "percentile_interval",
    "probability_scores",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Default number of bootstrap replicates and default interval level of the bootstrap.
N_BOOT = 2000
LEVEL = 0.95


@dataclass(frozen=True)
class Case:
    """One issue with a known outcome: its model inputs, the outcome and its group (proposal)."""

    issue_id: str
    data: IssueData
    outcome: float
    group: str


@runtime_checkable
class Tunable(Protocol):
    """A model whose parameters are fitted to known outcomes (``consensus``).

    ``fit`` returns a copy tuned on the cases given, ``calibrate`` a copy whose interval is set from signed
    residuals, ``residual`` the signed residual one issue contributes to that calibration, and
    ``predict_issue`` the forecast and interval ``(forecast, low, high)`` (``None`` if undefined).
    """

    def fit(self, data: Sequence[IssueData], outcomes: FloatArray) -> Any: ...

    def calibrate(self, residuals: FloatArray) -> Any: ...

    def residual(self, data: IssueData, outcome: float) -> float | None: ...

    def predict_issue(self, data: IssueData) -> tuple[float, float, float] | None: ...

    def clone(self) -> Self: ...


# -- resampling ---------------------------------------------------------------------------------------------


def _codes(groups: Sequence[str]) -> tuple[list[str], IntArray]:
    labels = sorted(set(groups))
    index = {g: i for i, g in enumerate(labels)}
    return labels, np.array([index[g] for g in groups], dtype=np.int64)


def grouped_folds(groups: Sequence[str], k: int, seed: int = 0) -> IntArray:
    """Fold number (0 … k−1) of each item; every item of a group is in the same fold.

    The distinct groups are sorted, shuffled with ``seed`` and dealt to the folds in turn, so fold sizes
    in groups differ by at most one. ``k`` must be between 2 and the number of groups.

    Examples
    --------
    >>> grouped_folds(["a", "a", "b", "c", "c", "d"], 2, seed=0).tolist()
    [1, 1, 0, 0, 0, 1]
    """
    labels, codes = _codes(groups)
    if not 2 <= k <= len(labels):
        raise ParameterError(f"--cv must be between 2 and the number of groups ({len(labels)}), not {k}")
    order = check_rng(seed).permutation(len(labels))
    fold_of_group = np.empty(len(labels), dtype=np.int64)
    fold_of_group[order] = np.arange(len(labels)) % k
    return fold_of_group[codes]


def bootstrap_means(
    values: FloatArray, groups: Sequence[str], n_boot: int = N_BOOT, rng: RNGLike = 0
) -> FloatArray:
    """Replicates of the mean of ``values``, each over a bootstrap sample of whole groups.

    Each replicate draws as many groups as there are, with replacement, and takes the mean over every item
    of the drawn groups (a group drawn twice counts twice): Σ_g c_g S_g / Σ_g c_g n_g, where ``c_g`` is how
    often group g was drawn, ``S_g`` the sum and ``n_g`` the number of its values.
    """
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return np.full(n_boot, np.nan)
    labels, codes = _codes(groups)
    g = len(labels)
    sums = np.bincount(codes, weights=v, minlength=g)
    sizes = np.bincount(codes, minlength=g).astype(float)
    counts = check_rng(rng).multinomial(g, np.full(g, 1.0 / g), size=n_boot).astype(float)
    reps: FloatArray = (counts @ sums) / (counts @ sizes)
    return reps


def percentile_interval(replicates: FloatArray, level: float = LEVEL) -> tuple[float, float]:
    """The central ``level`` percentile interval of bootstrap replicates."""
    tail = (1.0 - level) / 2.0 * 100.0
    lo, hi = np.percentile(replicates, [tail, 100.0 - tail])
    return float(lo), float(hi)


def mae_interval(
    errors: FloatArray, groups: Sequence[str], n_boot: int = N_BOOT, level: float = LEVEL, rng: RNGLike = 0
) -> tuple[float, float]:
    """Group-bootstrap percentile interval of the mean absolute error."""
    return percentile_interval(bootstrap_means(errors, groups, n_boot, rng), level)


def paired_difference(
    errors: FloatArray,
    reference_errors: FloatArray,
    groups: Sequence[str],
    n_boot: int = N_BOOT,
    level: float = LEVEL,
    rng: RNGLike = 0,
) -> dict[str, float]:
    """MAE of a model minus the reference's on the same issues, with a paired group-bootstrap interval.

    Negative = the model's errors are smaller. ``{"mean", "low", "high", "n"}``.
    """
    d = np.asarray(errors, dtype=float) - np.asarray(reference_errors, dtype=float)
    if d.size == 0:
        return {"mean": float("nan"), "low": float("nan"), "high": float("nan"), "n": 0}
    lo, hi = percentile_interval(bootstrap_means(d, groups, n_boot, rng), level)
    return {"mean": float(d.mean()), "low": lo, "high": hi, "n": int(d.size)}


def coverage(outcomes: FloatArray, low: FloatArray, high: FloatArray) -> float:
    """Share of outcomes inside their interval ``[low, high]`` (NaN intervals are left out)."""
    y, lo, hi = (np.asarray(a, dtype=float) for a in (outcomes, low, high))
    ok = ~(np.isnan(lo) | np.isnan(hi))
    if not ok.any():
        return float("nan")
    return float(np.mean((y[ok] >= lo[ok] - 1e-9) & (y[ok] <= hi[ok] + 1e-9)))


# -- cross-validation -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CVPredictions:
    """Out-of-fold forecasts and intervals, aligned with the cases (NaN where the model gave none)."""

    forecast: FloatArray
    low: FloatArray
    high: FloatArray
    folds: IntArray


def _fit(model: Tunable, cases: Sequence[Case]) -> Any:
    return model.fit([c.data for c in cases], np.array([c.outcome for c in cases], dtype=float))


def cross_validated(
    model: Tunable, cases: Sequence[Case], k: int, seed: int = 0, *, calibrate: bool = True
) -> CVPredictions:
    """Grouped K-fold out-of-fold predictions of a tunable model.

    For each fold the model is fitted on the other folds; with ``calibrate`` its interval is then set from
    the out-of-fold residuals of an inner grouped CV (``min(k, groups)`` folds) on those training folds
    only — nothing of the held-out fold is used.
    """
    folds = grouped_folds([c.group for c in cases], k, seed)
    n = len(cases)
    forecast, low, high = (np.full(n, np.nan) for _ in range(3))
    for f in range(k):
        train = [c for c, fo in zip(cases, folds, strict=True) if fo != f]
        fitted = _fit(model, train)
        if calibrate:
            fitted = fitted.calibrate(_inner_residuals(model, train, k, seed))
        for i in np.flatnonzero(folds == f).tolist():
            p = fitted.predict_issue(cases[i].data)
            if p is not None:
                forecast[i], low[i], high[i] = p
    return CVPredictions(forecast, low, high, folds)


def _inner_residuals(model: Tunable, cases: Sequence[Case], k: int, seed: int) -> FloatArray:
    """Signed out-of-fold residuals of ``model`` over ``cases`` (grouped CV, fitted per fold)."""
    n_groups = len({c.group for c in cases})
    k_in = min(k, n_groups)
    if k_in < 2:
        raise ParameterError("too few groups to calibrate an interval by cross-validation")
    folds = grouped_folds([c.group for c in cases], k_in, seed)
    out: list[float] = []
    for f in range(k_in):
        fitted = _fit(model, [c for c, fo in zip(cases, folds, strict=True) if fo != f])
        for i in np.flatnonzero(folds == f).tolist():
            r = fitted.residual(cases[i].data, cases[i].outcome)
            if r is not None:
                out.append(r)
    return np.array(out, dtype=float)


# -- grid search over a model's declared parameters ------------------------------------------------------

#: Largest grid :func:`param_grid` builds; a model with more combinations is not tuned.
MAX_SETTINGS = 32


def param_grid(model_cls: Any, max_settings: int = MAX_SETTINGS) -> list[dict[str, Any]]:
    """Settings to tune a model over, from its declared parameters (empty: nothing to tune).

    Each parameter with a finite set of values contributes them: a ``Literal`` its choices, a ``bool`` both
    values, a non-nullable float bounded on both sides its two bounds and midpoint. Unbounded or nullable
    parameters keep their value. More than ``max_settings`` combinations: empty (too costly to search).

    Examples
    --------
    >>> from peninsula.models.nash import Nash
    >>> param_grid(Nash)
    [{'weights': 'capability'}, {'weights': 'capability_salience'}]
    """
    axes: list[tuple[str, list[Any]]] = []
    for p in model_cls.param_info():
        if p.choices:
            axes.append((p.name, list(p.choices)))
        elif p.kind == "bool":
            axes.append((p.name, [False, True]))
        elif p.kind == "float" and not p.nullable and p.low is not None and p.high is not None:
            axes.append((p.name, [p.low, (p.low + p.high) / 2.0, p.high]))
    if not axes or math.prod(len(v) for _, v in axes) > max_settings:
        return []
    names = [n for n, _ in axes]
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(v for _, v in axes))]


@dataclass
class GridSearch:
    """A per-issue model tuned by choosing, on the training cases, the setting of least MAE from a grid.

    Makes any :class:`~peninsula.models.PerIssueModel` with a :func:`param_grid` a :class:`Tunable` for
    :func:`cross_validated` (it has no interval: ``calibrate`` changes nothing). Ties go to the first
    setting in grid order.
    """

    model: Any
    grid: list[dict[str, Any]]
    rounds: int | None = None
    rng: RNGLike = None
    chosen: int = 0
    _paths: dict[int, tuple[IssueData, FloatArray]] = field(default_factory=dict, repr=False)

    def clone(self) -> Self:
        """A copy sharing the forecast cache."""
        return replace(self)

    def _path(self, data: IssueData) -> FloatArray:
        hit = self._paths.get(id(data))
        if hit is not None and hit[0] is data:
            return hit[1]
        base = self.model.get_params()
        n_rounds = self.model.default_rounds if self.rounds is None else self.rounds
        out = np.full(len(self.grid), np.nan)
        for j, setting in enumerate(self.grid):
            params = self.model.validate_params({**base, **setting})
            res, _ = self.model.run_issue(data, params, n_rounds, self.rng)
            if res.outcome is not None:
                out[j] = res.outcome
        self._paths[id(data)] = (data, out)
        return out

    def fit(self, data: Sequence[IssueData], outcomes: FloatArray) -> Self:
        """A copy set to the setting of least MAE on ``data`` (issues it cannot forecast are left out)."""
        paths = np.array([self._path(d) for d in data]).reshape(len(data), len(self.grid))
        err = np.abs(paths - np.asarray(outcomes, dtype=float)[:, None])
        counts = np.sum(~np.isnan(err), axis=0)
        mae = np.where(counts > 0, np.nansum(err, axis=0) / np.maximum(counts, 1), np.inf)
        return replace(self, chosen=int(np.argmin(mae)))

    def calibrate(self, residuals: FloatArray) -> Self:
        """No interval to calibrate."""
        return self

    def residual(self, data: IssueData, outcome: float) -> float | None:
        """No interval: nothing to calibrate on."""
        return None

    def predict_issue(self, data: IssueData) -> tuple[float, float, float] | None:
        """The chosen setting's forecast, without an interval (NaN bounds)."""
        f = float(self._path(data)[self.chosen])
        return None if math.isnan(f) else (f, math.nan, math.nan)

    @property
    def setting(self) -> dict[str, Any]:
        """The chosen setting."""
        return self.grid[self.chosen]


def fit_calibrated(model: Tunable, cases: Sequence[Case], k: int = 10, seed: int = 0) -> Any:
    """Fit on every case, and calibrate the interval on grouped-CV out-of-fold residuals (split-conformal)."""
    return _fit(model, cases).calibrate(_inner_residuals(model, cases, k, seed))


# -- the evaluate command's uncertainty block --------------------------------------------------------------

#: One forecast error: ``(model, issue, group, forecast, outcome, absolute error)``.
ErrorRow = tuple[str, str, str, float, float, float]


def _block(
    errors: FloatArray,
    groups: Sequence[str],
    issues: Sequence[str],
    reference: dict[str, float],
    n_boot: int,
    level: float,
    seed: int,
) -> dict[str, Any]:
    """``mae``, ``mae_low``, ``mae_high`` and ``diff_vs_compromise`` of one set of errors."""
    lo, hi = mae_interval(errors, groups, n_boot, level, seed)
    common = [k for k, i in enumerate(issues) if i in reference]
    diff = paired_difference(
        errors[common],
        np.array([reference[issues[k]] for k in common], dtype=float),
        [groups[k] for k in common],
        n_boot,
        level,
        seed,
    )
    return {"mae": float(errors.mean()), "mae_low": lo, "mae_high": hi, "diff_vs_compromise": diff}


def assess(
    rows: Sequence[ErrorRow],
    reference: dict[str, float],
    intervals: dict[str, dict[str, tuple[float, float]]],
    cases: Sequence[Case],
    models: dict[str, Any],
    *,
    cv: int | None = None,
    n_boot: int = N_BOOT,
    level: float = LEVEL,
    seed: int = 0,
    normalise: bool = False,
    rounds: int | None = None,
    rng: RNGLike = None,
) -> dict[str, dict[str, Any]]:
    """Per model: bootstrap interval of the MAE, paired difference from ``compromise``, interval coverage.

    ``rows`` are the errors of each model's forecasts as run; ``reference`` maps issue → compromise's
    absolute error; ``intervals`` model → issue → its predictive interval (models that give one);
    ``cases`` are every issue with a known outcome and its group, in the order the models saw them;
    ``models`` maps each evaluated model's name to its instance. With ``cv`` = K, each model also gets a
    ``cv`` block: for a :class:`Tunable` model the same figures over grouped K-fold out-of-fold forecasts
    (fitted and calibrated on the training folds only), for any other model (nothing fitted to outcomes)
    its errors as run. A per-issue model with a :func:`param_grid` is tuned on the training folds by
    :class:`GridSearch` (``rounds``, ``rng`` as in the evaluation), and its ``cv`` block names the setting
    chosen on all cases (``selected``). Replicates use the same group draws for every model (``seed``). With
    ``normalise``
    the cross-validated errors are, like ``rows``, in percent of each issue's scale.
    """
    out: dict[str, dict[str, Any]] = {}
    names = list(dict.fromkeys(r[0] for r in rows))
    cv_pred: dict[str, CVPredictions] = {}
    selected: dict[str, dict[str, Any]] = {}
    if cv is not None:
        from peninsula.models.base import PerIssueModel

        for name, model in models.items():
            tunable: Any = model
            if not isinstance(model, Tunable):
                grid = param_grid(type(model)) if isinstance(model, PerIssueModel) else []
                if not grid:
                    continue
                tunable = GridSearch(model, grid, rounds, rng)
                selected[name] = _fit(tunable, cases).setting
            cv_pred[name] = cross_validated(tunable, cases, cv, seed)
    for name in names:
        mine = [r for r in rows if r[0] == name]
        issues = [r[1] for r in mine]
        groups = [r[2] for r in mine]
        errors = np.array([r[5] for r in mine], dtype=float)
        block = _block(errors, groups, issues, reference, n_boot, level, seed)
        if name in intervals:
            iv = intervals[name]
            have = [r for r in mine if r[1] in iv]
            block["coverage"] = {
                "level": 0.8,
                "rate": coverage(
                    np.array([r[4] for r in have]),
                    np.array([iv[r[1]][0] for r in have]),
                    np.array([iv[r[1]][1] for r in have]),
                ),
                "n": len(have),
            }
        if cv is not None:
            if name in cv_pred:
                p = cv_pred[name]
                ok = ~np.isnan(p.forecast)
                y = np.array([c.outcome for c in cases], dtype=float)
                cv_issues = [c.issue_id for c, k in zip(cases, ok, strict=True) if k]
                cv_groups = [c.group for c, k in zip(cases, ok, strict=True) if k]
                cv_err = np.abs(p.forecast[ok] - y[ok])
                if normalise:
                    spans = np.array([c.data.issue.span for c in cases], dtype=float)[ok]
                    cv_err = np.where(spans > 0, 100.0 * cv_err / np.where(spans > 0, spans, 1.0), cv_err)
                cv_block = _block(cv_err, cv_groups, cv_issues, reference, n_boot, level, seed)
                rate = coverage(y, p.low, p.high)
                if not math.isnan(rate):
                    cv_block["coverage"] = {"level": 0.8, "rate": rate, "n": int(ok.sum())}
                if name in selected:
                    cv_block["selected"] = selected[name]
                cv_block.update(k=cv, tuned=True, n=int(ok.sum()))
            else:
                cv_block = {**{k: v for k, v in block.items() if k != "coverage"}, "k": cv, "tuned": False}
                cv_block["n"] = len(mine)
            block["cv"] = cv_block
        out[name] = block
    return out


# -- probability of agreement (issue 21) --------------------------------------------------------------------

#: Probabilities are clipped to [EPS, 1 − EPS] in the log score: a share of 2,000 Monte Carlo draws cannot
#: tell a probability below about 1/1000 from 0, and an unclipped 0 on an event that happened scores −∞.
EPS = 1e-3


def brier(p: FloatArray, y: FloatArray) -> FloatArray:
    """Brier score of each forecast, ``(p − y)²`` (0 best, 1 worst; Brier 1950).

    Examples
    --------
    >>> np.round(brier(np.array([0.9, 0.2]), np.array([1.0, 1.0])), 6).tolist()
    [0.01, 0.64]
    """
    return np.asarray((np.asarray(p, dtype=float) - np.asarray(y, dtype=float)) ** 2, dtype=np.float64)


def log_loss(p: FloatArray, y: FloatArray, eps: float = EPS) -> FloatArray:
    """Negative log score of each forecast, ``−ln p`` if the event happened, ``−ln(1 − p)`` if not, with ``p``
    clipped to ``[eps, 1 − eps]`` (0 best; Good 1952).

    Examples
    --------
    >>> np.round(log_loss(np.array([0.5, 0.0]), np.array([1.0, 1.0])), 4).tolist()
    [0.6931, 6.9078]
    """
    q = np.clip(np.asarray(p, dtype=float), eps, 1.0 - eps)
    yy = np.asarray(y, dtype=float)
    return np.asarray(-(yy * np.log(q) + (1.0 - yy) * np.log(1.0 - q)), dtype=np.float64)


def base_rate(y: FloatArray, groups: Sequence[str]) -> FloatArray:
    """The base-rate forecast of each item: the share of agreements among the items of the *other* groups
    (leave one group out, so no item's own outcome enters its forecast); 0.5 where no other group exists.

    Examples
    --------
    >>> base_rate(np.array([1.0, 1.0, 0.0, 1.0]), ["a", "a", "b", "c"]).tolist()
    [0.5, 0.5, 1.0, 0.6666666666666666]
    """
    yy = np.asarray(y, dtype=float)
    labels, codes = _codes(groups)
    sums = np.bincount(codes, weights=yy, minlength=len(labels))
    sizes = np.bincount(codes, minlength=len(labels)).astype(float)
    rest_n = sizes.sum() - sizes[codes]
    rest_s = sums.sum() - sums[codes]
    return np.asarray(np.where(rest_n > 0, rest_s / np.where(rest_n > 0, rest_n, 1.0), 0.5), dtype=np.float64)


def probability_scores(
    p: FloatArray,
    y: FloatArray,
    groups: Sequence[str],
    n_boot: int = N_BOOT,
    level: float = LEVEL,
    rng: RNGLike = 0,
) -> dict[str, Any]:
    """Brier and log score of probabilities ``p`` of events ``y`` (1 happened, 0 not), beside the base rate.

    Each score is a mean over items with a group-bootstrap percentile interval (whole groups resampled,
    as for the MAE); ``base_rate`` scores the leave-one-group-out share of events (:func:`base_rate`), and
    ``diff_brier_vs_base_rate`` / ``diff_log_vs_base_rate`` are the paired differences (negative = the
    probabilities beat the base rate). The same group draws serve every figure (``rng``).
    """
    pp = np.asarray(p, dtype=float)
    yy = np.asarray(y, dtype=float)
    seed = rng if isinstance(rng, int) else 0

    def scored(values: FloatArray) -> dict[str, float]:
        lo, hi = percentile_interval(bootstrap_means(values, groups, n_boot, seed), level)
        return {"mean": float(values.mean()), "low": lo, "high": hi}

    b, ll = brier(pp, yy), log_loss(pp, yy)
    base = base_rate(yy, groups)
    bb, bl = brier(base, yy), log_loss(base, yy)
    return {
        "n": int(yy.size),
        "events": int(yy.sum()),
        "brier": scored(b),
        "log_score": scored(ll),
        "base_rate": {"brier": scored(bb), "log_score": scored(bl)},
        "diff_brier_vs_base_rate": paired_difference(b, bb, groups, n_boot, level, seed),
        "diff_log_vs_base_rate": paired_difference(ll, bl, groups, n_boot, level, seed),
        "eps": EPS,
    }
