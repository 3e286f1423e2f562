"""The posture regression (``posture`` on the command line): a negative binomial (NB2) regression of monthly
DPRK launch counts.

``log E[y_t] = β·x_t`` where ``x_t`` holds the covariates of :mod:`peninsula.dynamics.covariates` (alliance
posture as the timeline records it for month *t*, elections, season, and log(1 + launches in the three
previous months), which makes the model a discrete-time self-exciting process). ``Var[y_t] = μ + α·μ²``.

β is estimated by statsmodels' GLM (IRLS) for a given α, and α by maximising the profile likelihood over
``log α`` in ``alpha_bounds`` (scipy's bounded scalar minimiser). Coefficient covariance is the GLM's
(conditional on α̂); α's uncertainty comes from the curvature of the profile likelihood in ``log α``.

Evidence is thin: 96 months on the packaged data (2016-2023), of which 93 have a full launch history, and ten
coefficients. Intervals are wide and the coefficients are associations under a covariate set fixed in
advance, not causal effects.

:class:`NegBinRegression` and :class:`NegBinRegressionFit` were ``PostureModel`` and ``PostureFit`` in
``peninsula.dynamics.model`` until 0.1.0; the old names still answer, with a ``DeprecationWarning``, until
0.2.0.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import optimize, stats

from peninsula.core.rng import RNGLike, check_rng
from peninsula.dynamics.covariates import COVARIATES, SELF_EXCITATION, posture_covariates, recent_counts
from peninsula.dynamics.loading import KoreaData, parse_month

__all__ = [
    "DEFAULT_COVARIATES",
    "EVIDENCE_NOTE",
    "MAX_LOG_MEAN",
    "Design",
    "NegBinFit",
    "NegBinRegression",
    "NegBinRegressionFit",
    "build_design",
    "fit_negbin",
]

MAX_LOG_MEAN = math.log(1000.0)  # cap on a drawn log-mean (1000 launches/month) against wild parameter draws
DEFAULT_COVARIATES: tuple[str, ...] = tuple(c.name for c in COVARIATES)
EVIDENCE_NOTE = (
    "Evidence is thin: one monthly series (2016-2023 in the packaged data, the first three months used "
    "only as launch history) against ten coefficients and a dispersion. Intervals are wide; coefficients "
    "are associations under a covariate set fixed before fitting, not causal effects."
)


@dataclass(frozen=True)
class Design:
    """A design matrix with its months and target.

    Attributes
    ----------
    months:
        ``datetime64[M]`` month of each row.
    X:
        ``(n, k)`` covariates; column 0 is the constant.
    y:
        Target counts per month.
    names:
        Column names, ``("const", ...)``.
    """

    months: npt.NDArray[np.datetime64]
    X: npt.NDArray[np.float64]
    y: npt.NDArray[np.int64]
    names: tuple[str, ...]

    def complete(self) -> npt.NDArray[np.bool_]:
        """Rows whose covariates are all known (the first months lack launch history)."""
        return np.asarray(~np.isnan(self.X).any(axis=1))


def build_design(data: KoreaData, target: str, covariates: Sequence[str] = DEFAULT_COVARIATES) -> Design:
    """Assemble the design matrix for every month of ``data``.

    Parameters
    ----------
    data:
        Loaded counts and timeline.
    target:
        ``"events"`` or ``"missiles"``; the self-excitation term uses the same series.
    covariates:
        Names from :data:`~peninsula.dynamics.covariates.COVARIATES`.

    Returns
    -------
    Design
        Rows whose launch history is incomplete hold ``NaN`` in ``recent_launches``.
    """
    months = data.monthly.months
    y = data.monthly.target(target)
    cols = posture_covariates(data.timeline, months)
    cols[SELF_EXCITATION] = recent_counts(y)
    unknown = [c for c in covariates if c not in cols]
    if unknown:
        raise ValueError(f"unknown covariates {unknown}; choose from {sorted(cols)}")
    X = np.column_stack([np.ones(len(months))] + [cols[c] for c in covariates])
    return Design(months=months, X=X, y=y, names=("const", *covariates))


@dataclass(frozen=True)
class NegBinFit:
    """Result of :func:`fit_negbin`.

    Attributes
    ----------
    params:
        Coefficients on the log-mean scale.
    cov:
        Their covariance (conditional on ``alpha``).
    alpha:
        NB2 dispersion (``Var = μ + α μ²``); at the lower bound the fit is effectively Poisson.
    log_alpha_se:
        Standard error of ``log alpha`` from the profile likelihood, or 0 at a bound.
    loglike:
        Maximised log likelihood.
    n_obs:
        Number of months fitted.
    notes:
        Messages from the optimiser and statsmodels, recorded instead of silenced.
    """

    params: npt.NDArray[np.float64]
    cov: npt.NDArray[np.float64]
    alpha: float
    log_alpha_se: float
    loglike: float
    n_obs: int
    notes: tuple[str, ...] = ()


def _glm(y: npt.NDArray[np.int64], X: npt.NDArray[np.float64], alpha: float) -> tuple[Any, list[str]]:
    # statsmodels may warn (perfect separation, IRLS not converged, overflow in exp); those warnings are
    # part of the result, so record them and report them with the fit rather than letting them escape.
    import statsmodels.api as sm  # heavy (0.7 s): imported when a model is fitted, not when the CLI starts

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = sm.GLM(y, X, family=sm.families.NegativeBinomial(alpha=alpha))
        res = model.fit(maxiter=200)
    return res, [f"{type(w.message).__name__}: {w.message}" for w in caught]


def fit_negbin(
    y: npt.NDArray[np.int64],
    X: npt.NDArray[np.float64],
    alpha_bounds: tuple[float, float] = (1e-3, 20.0),
) -> NegBinFit:
    """Fit an NB2 regression: β by GLM for fixed α, α by profile likelihood.

    Parameters
    ----------
    y:
        Counts per month.
    X:
        ``(n, k)`` design with a constant column.
    alpha_bounds:
        Search interval for α (dimensionless). The lower bound stands in for the Poisson limit.

    Returns
    -------
    NegBinFit

    Examples
    --------
    >>> y = np.array([0, 1, 0, 3, 2, 0, 5, 1])
    >>> fit = fit_negbin(y, np.ones((8, 1)))
    >>> round(float(np.exp(fit.params[0])), 3)  # intercept-only: the mean of y
    1.5
    """
    y = np.asarray(y, dtype=np.int64)
    lo, hi = (math.log(b) for b in alpha_bounds)

    def negll(log_alpha: float) -> float:
        res, _ = _glm(y, X, math.exp(log_alpha))
        llf = float(res.llf)
        return -llf if math.isfinite(llf) else 1e300

    opt = optimize.minimize_scalar(negll, bounds=(lo, hi), method="bounded", options={"xatol": 1e-4})
    log_alpha = float(opt.x)
    notes: list[str] = []
    se = 0.0
    at_bound = log_alpha - lo < 1e-2 or hi - log_alpha < 1e-2
    if at_bound:
        log_alpha = lo if log_alpha - lo < 1e-2 else hi
        side = "lower (effectively Poisson)" if log_alpha == lo else "upper"
        notes.append(f"dispersion alpha at its {side} bound {math.exp(log_alpha):g}")
    else:
        h = 0.05
        curv = (negll(log_alpha + h) - 2 * negll(log_alpha) + negll(log_alpha - h)) / h**2
        se = 1.0 / math.sqrt(curv) if curv > 0 else 0.0
    res, caught = _glm(y, X, math.exp(log_alpha))
    notes.extend(caught)
    if not bool(res.converged):
        notes.append("IRLS did not converge in 200 iterations")
    return NegBinFit(
        params=np.asarray(res.params, dtype=np.float64),
        cov=np.asarray(res.cov_params(), dtype=np.float64),
        alpha=math.exp(log_alpha),
        log_alpha_se=se,
        loglike=float(res.llf),
        n_obs=len(y),
        notes=tuple(notes),
    )


@dataclass(frozen=True)
class NegBinRegressionFit:
    """A fitted posture regression (:class:`NegBinRegression`).

    Attributes
    ----------
    target:
        ``"events"`` or ``"missiles"``.
    names:
        Coefficient names, ``("const", ...)``.
    fit:
        The underlying :class:`NegBinFit`.
    first_month, last_month:
        First and last month fitted (``YYYY-MM``).
    """

    target: str
    names: tuple[str, ...]
    fit: NegBinFit
    first_month: str
    last_month: str
    notes: tuple[str, ...] = field(default=())

    @property
    def params(self) -> npt.NDArray[np.float64]:
        """Coefficients on the log-mean scale."""
        return self.fit.params

    @property
    def alpha(self) -> float:
        """NB2 dispersion."""
        return self.fit.alpha

    def mean(self, X: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Expected counts per month for design rows ``X``."""
        return np.exp(np.asarray(X, dtype=np.float64) @ self.params)

    def coefficients(self, level: float = 0.9) -> list[dict[str, float | str]]:
        """Coefficients with Wald intervals, also as rate ratios (multiplicative effect on the mean).

        Parameters
        ----------
        level:
            Two-sided interval level (default 0.9).

        Returns
        -------
        list of dict
            Keys ``name, coef, se, lo, hi, rate_ratio, rr_lo, rr_hi``; the last entry is ``alpha``
            with its profile-likelihood interval.
        """
        z = float(stats.norm.ppf(0.5 + level / 2))
        se = np.sqrt(np.clip(np.diag(self.fit.cov), 0.0, None))
        rows: list[dict[str, float | str]] = []
        for name, b, s in zip(self.names, self.params, se, strict=True):
            lo, hi = float(b - z * s), float(b + z * s)
            rows.append(
                {
                    "name": name,
                    "coef": float(b),
                    "se": float(s),
                    "lo": lo,
                    "hi": hi,
                    "rate_ratio": math.exp(b),
                    "rr_lo": math.exp(lo),
                    "rr_hi": math.exp(hi),
                }
            )
        la, sa = math.log(self.alpha), self.fit.log_alpha_se
        rows.append(
            {
                "name": "alpha",
                "coef": self.alpha,
                "se": sa * self.alpha,
                "lo": math.exp(la - z * sa),
                "hi": math.exp(la + z * sa),
                "rate_ratio": math.nan,
                "rr_lo": math.nan,
                "rr_hi": math.nan,
            }
        )
        return rows

    def draw(self, n: int, rng: RNGLike = None) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Draw ``n`` parameter sets from the estimated sampling distribution.

        β ~ Normal(β̂, Σ̂); log α ~ Normal(log α̂, se²) independently (fixed at a bound).

        Returns
        -------
        tuple
            ``(betas (n, k), alphas (n,))``.
        """
        gen = check_rng(rng)
        # Draw only the estimated coefficients (those fixed at 0 have no variance); symmetrise and clip
        # round-off negative eigenvalues so the draw is well defined.
        free = np.diag(self.fit.cov) > 0
        sub = self.fit.cov[np.ix_(free, free)]
        vals, vecs = np.linalg.eigh((sub + sub.T) / 2.0)
        root = vecs * np.sqrt(np.clip(vals, 0.0, None))
        betas = np.tile(self.params, (n, 1))
        betas[:, free] += gen.standard_normal((n, int(free.sum()))) @ root.T
        alphas = np.exp(math.log(self.alpha) + self.fit.log_alpha_se * gen.standard_normal(n))
        return np.asarray(betas, dtype=np.float64), np.asarray(alphas, dtype=np.float64)


class NegBinRegression:
    """Negative binomial regression of monthly launch counts on alliance posture.

    Parameters
    ----------
    target:
        ``"events"`` (CNS launch days) or ``"missiles"`` (CNS missiles).
    covariates:
        Covariate names, fixed in advance (default: all of :data:`DEFAULT_COVARIATES`).
    alpha_bounds:
        Search interval for the NB2 dispersion.

    Examples
    --------
    >>> from peninsula.dynamics.loading import load_data
    >>> fit = NegBinRegression("events").fit(load_data(), end="2019-12")
    >>> fit.first_month, fit.last_month, fit.names[1]
    ('2016-04', '2019-12', 'exercise_active')
    """

    def __init__(
        self,
        target: str = "events",
        covariates: Sequence[str] = DEFAULT_COVARIATES,
        alpha_bounds: tuple[float, float] = (1e-3, 20.0),
    ) -> None:
        self.target = target
        self.covariates = tuple(covariates)
        self.alpha_bounds = alpha_bounds

    def get_params(self) -> dict[str, Any]:
        """Constructor parameters (for provenance and sweeps)."""
        return {"target": self.target, "covariates": self.covariates, "alpha_bounds": self.alpha_bounds}

    def fit(self, data: KoreaData, end: str | np.datetime64 | None = None) -> NegBinRegressionFit:
        """Fit on every month with a full launch history, up to and including ``end`` (``YYYY-MM``)."""
        design = build_design(data, self.target, self.covariates)
        use = design.complete()
        if end is not None:
            last = parse_month(end if isinstance(end, str) else str(np.asarray(end, dtype="datetime64[M]")))
            use &= design.months <= last
        if use.sum() < len(design.names) + 2:
            raise ValueError(
                f"only {int(use.sum())} months to fit {len(design.names)} coefficients; need a longer series"
            )
        if not (design.y[use] > 0).any():
            months = design.months[use]
            raise ValueError(
                f"no launch in the training window {months[0]}..{months[-1]}: the posture model (an NB2 "
                "regression with a log link) has no finite estimate; train on a window with a launch"
            )
        X = design.X[use]
        # A covariate that never varies in the fitting window (e.g. no suspension before mid-2018) is not
        # identified: fix its coefficient at 0 with no uncertainty and say so, rather than fit a singular
        # design.
        varies = np.ones(X.shape[1], dtype=bool)
        varies[1:] = np.ptp(X[:, 1:], axis=0) > 0
        dropped = [n for n, v in zip(design.names, varies, strict=True) if not v]
        sub = fit_negbin(design.y[use], X[:, varies], self.alpha_bounds)
        params = np.zeros(X.shape[1])
        params[varies] = sub.params
        cov = np.zeros((X.shape[1], X.shape[1]))
        cov[np.ix_(varies, varies)] = sub.cov
        res = replace(sub, params=params, cov=cov)
        fitted = design.months[use]
        notes = [f"{n} never varies in the fitting window: coefficient fixed at 0" for n in dropped]
        return NegBinRegressionFit(
            target=self.target,
            names=design.names,
            fit=res,
            first_month=str(fitted[0]),
            last_month=str(fitted[-1]),
            notes=(EVIDENCE_NOTE, *notes, *res.notes),
        )
