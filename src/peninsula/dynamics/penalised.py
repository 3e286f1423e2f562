"""Base of the dynamic count models: penalised ML fit, Laplace draws, the stepping simulation, NB pmf.

The dynamic models (:mod:`~peninsula.dynamics.locallevel`, :mod:`~peninsula.dynamics.ingarch`,
:mod:`~peninsula.dynamics.regime`) derive from :class:`PenalisedCountModel` (constructor, parameters,
``fit``) and their fits from :class:`PenalisedFit` (fields, coefficients, ``simulate`` as ``begin`` then one
``step`` per month). Each is written as a likelihood on an unconstrained parameter vector θ (constraints
such as 0 < ω < 1 or α + β < 1 are built into the transformation), so that

* the fit is a bounded quasi-Newton minimisation (scipy's SLSQP with analytic gradients, several starts)
  of the negative log posterior ``−log L(θ) + Σ γ_j² / (2 s²)``: the log likelihood plus independent
  Normal(0, s²) priors on the posture coefficients γ only (``prior_sd`` = s, a coded judgement, see
  :data:`POSTURE_PRIOR_SD`);
* parameter uncertainty is the Laplace approximation θ ~ Normal(θ̂, H⁻¹) with ``H`` the numerical Hessian
  of the negative log posterior (statsmodels' ``approx_hess3``); every draw, mapped back, satisfies the
  constraints, so no simulated path can leave the stationary (or martingale) region.

Covariates are the six posture indicators of :data:`~peninsula.dynamics.covariates.POSTURE_COVARIATES`
(exercises held, suspension in force, recent summit, recent talks, recent sanctions, election window),
computed from the timeline for any month, inside or beyond the data
(:func:`~peninsula.dynamics.covariates.covariate_matrix`).

This module was ``peninsula.dynamics.dynfit`` (and :class:`PenalisedCountModel` was ``PostureModel`` in
``locallevel``) until 0.1.0; ``peninsula.dynamics.dynfit`` still answers, with a ``DeprecationWarning``,
until 0.2.0.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt
from scipy import special

from peninsula.core.rng import RNGLike, check_rng
from peninsula.dynamics.covariates import POSTURE_COVARIATES, covariate_matrix
from peninsula.dynamics.loading import KoreaData, parse_month

__all__ = [
    "MEAN_CAP_FACTOR",
    "POSTURE_PRIOR_SD",
    "FittedParams",
    "PenalisedCountModel",
    "PenalisedFit",
    "SteppedSimulation",
    "as_matrix",
    "fit_penalised",
    "nb_logpmf",
    "training_arrays",
]

#: c in (IG4) of :mod:`~peninsula.dynamics.ingarch`: a simulated conditional mean (INGARCH), regime mean
#: (regime model) or month's mean (local level, PG4) is capped at c × the largest month of the training data
#: (coded judgement, range 0.5-2; see the ingarch module docstring).
MEAN_CAP_FACTOR = 1.0

#: Standard deviation of the Normal(0, s²) prior on each posture coefficient (log rate ratio). Coded
#: judgement: ±2 s spans rate ratios of 0.37-2.7, which covers every posture effect the full-data NB2 fit
#: estimates (docs/dynamics.md) while keeping six coefficients from chasing single months in a 2-5 year
#: window. Plausible range 0.25-1.0.
POSTURE_PRIOR_SD = 0.5

ArrayF = npt.NDArray[np.float64]


def nb_logpmf(y: npt.ArrayLike, shape: npt.ArrayLike, prob: npt.ArrayLike) -> ArrayF:
    """Negative binomial log pmf ``log Γ(y+r) − log Γ(r) − log y! + r log p + y log(1−p)``.

    ``r`` = ``shape`` > 0, ``p`` = ``prob`` in (0, 1]; mean ``r(1−p)/p``. Broadcasts; written out because
    scipy's generic ``nbinom.logpmf`` is slow inside an optimiser.

    Examples
    --------
    >>> round(float(nb_logpmf(0, 1.0, 0.5)), 6)   # geometric: P(0) = 1/2
    -0.693147
    """
    yy = np.asarray(y, dtype=np.float64)
    r = np.asarray(shape, dtype=np.float64)
    p = np.asarray(prob, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (
            special.gammaln(yy + r)
            - special.gammaln(r)
            - special.gammaln(yy + 1.0)
            + r * np.log(p)
            + special.xlogy(yy, 1.0 - p)
        )
    return np.asarray(out, dtype=np.float64)


def as_matrix(X: npt.ArrayLike, k: int) -> ArrayF:
    """``X`` as a float ``(rows, k)`` matrix (a 1-d input is read as rows of ``k`` values).

    Examples
    --------
    >>> as_matrix([1, 0, 1, 1], 2).shape, as_matrix(np.zeros((3, 0)), 0).shape
    ((2, 2), (3, 0))
    """
    arr = np.asarray(X, dtype=np.float64)
    if arr.ndim == 2:
        if arr.shape[1] != k:
            raise ValueError(f"expected {k} covariate columns, got {arr.shape[1]}")
        return arr
    return arr.reshape(-1, k)


def training_arrays(
    data: KoreaData, target: str, covariates: Sequence[str], end: str | np.datetime64 | None
) -> tuple[npt.NDArray[np.datetime64], npt.NDArray[np.int64], ArrayF]:
    """Months, counts and covariates up to and including ``end`` (``YYYY-MM``; ``None``: all data)."""
    months = data.monthly.months
    y = data.monthly.target(target)
    use = np.ones(len(months), dtype=bool)
    if end is not None:
        last = parse_month(end if isinstance(end, str) else str(np.asarray(end, dtype="datetime64[M]")))
        use = months <= last
    m = months[use]
    return m, y[use], covariate_matrix(data, m, covariates)


@dataclass(frozen=True)
class FittedParams:
    """A penalised ML estimate on the unconstrained scale, with its Laplace covariance.

    Attributes
    ----------
    theta:
        Estimate θ̂ (unconstrained).
    cov:
        Covariance of θ (inverse Hessian of the negative log posterior; eigenvalues floored at 0).
    loglike:
        Log likelihood at θ̂ (without the prior).
    notes:
        Optimiser messages, recorded rather than silenced.
    """

    theta: ArrayF
    cov: ArrayF
    loglike: float
    notes: tuple[str, ...] = field(default=())

    def draw(self, n: int, rng: RNGLike = None) -> ArrayF:
        """``(n, len(theta))`` draws from Normal(θ̂, cov); ``n = 0`` is not allowed."""
        gen = check_rng(rng)
        vals, vecs = np.linalg.eigh((self.cov + self.cov.T) / 2.0)
        root = vecs * np.sqrt(np.clip(vals, 0.0, None))
        return np.asarray(self.theta + gen.standard_normal((n, len(self.theta))) @ root.T, dtype=np.float64)


def fit_penalised(
    negloglike: Callable[[ArrayF], float],
    starts: Sequence[ArrayF],
    bounds: Sequence[tuple[float, float]],
    penalty: Callable[[ArrayF], float],
    uncertainty: bool = True,
    gradient: Callable[[ArrayF], tuple[float, ArrayF]] | None = None,
    hold_at_bounds: bool = False,
) -> FittedParams:
    """Minimise ``negloglike(θ) + penalty(θ)`` from several starts (SLSQP) and attach a Laplace covariance.

    Parameters
    ----------
    negloglike:
        Negative log likelihood on the unconstrained scale.
    starts:
        Starting points; the best local optimum is kept.
    bounds:
        Box on θ that keeps the optimiser away from degenerate limits (e.g. ω → 1, α + β → 1).
    penalty:
        Negative log prior (up to a constant).
    uncertainty:
        Compute the Laplace covariance (``False``: zero covariance, for point forecasts only).
    gradient:
        Optional: ``θ -> (objective, gradient)`` of the full objective (likelihood and prior), analytic;
        without it SLSQP differentiates numerically.
    hold_at_bounds:
        Hold a parameter that ends on its box bound (within 1e-4) at the bound: it gets no sampling
        variance, and the Laplace covariance of the others is the inverse of their block of the Hessian
        (the Normal approximation does not hold at a boundary, and a flat likelihood there would otherwise
        give draws spread over the whole box).

    Returns
    -------
    FittedParams
    """
    from scipy import optimize
    from statsmodels.tools.numdiff import approx_hess3  # heavy: imported when a model is fitted

    def objective(theta: ArrayF) -> float:
        value = negloglike(theta) + penalty(theta)
        return value if math.isfinite(value) else 1e300

    def with_gradient(theta: ArrayF) -> tuple[float, ArrayF]:
        assert gradient is not None
        value, grad = gradient(theta)
        if not (math.isfinite(value) and np.all(np.isfinite(grad))):
            return 1e300, np.zeros_like(theta)
        return value, grad

    best: Any = None
    notes: list[str] = []
    for start in starts:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            x0 = np.asarray(start, dtype=np.float64)
            # SLSQP, not L-BFGS-B: on this 2-core machine scipy's L-BFGS-B spent ~40 ms per iteration in
            # its own routine (the likelihood takes 0.3 ms), SLSQP under 1 ms; both handle the box.
            if gradient is None:
                res = optimize.minimize(
                    objective, x0, method="SLSQP", bounds=bounds, options={"maxiter": 500}
                )
            else:
                res = optimize.minimize(
                    with_gradient, x0, method="SLSQP", jac=True, bounds=bounds, options={"maxiter": 500}
                )
        notes.extend(f"{type(w.message).__name__}: {w.message}" for w in caught)
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    if not best.success:
        notes.append(f"optimiser: {best.message}")
    theta = np.asarray(best.x, dtype=np.float64)
    if not uncertainty:
        return FittedParams(
            theta, np.zeros((len(theta), len(theta))), -float(negloglike(theta)), tuple(notes)
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        hess = np.asarray(approx_hess3(theta, objective), dtype=np.float64)
    notes.extend(f"{type(w.message).__name__}: {w.message}" for w in caught)
    hess = (hess + hess.T) / 2.0
    free = np.ones(len(theta), dtype=bool)
    if hold_at_bounds:
        box = np.asarray(bounds, dtype=np.float64)
        free = (theta - box[:, 0] > 1e-4) & (box[:, 1] - theta > 1e-4)
        if not free.all():
            notes.append(f"{int((~free).sum())} parameter(s) on their bound held there: no sampling variance")
    full_cov = np.zeros((len(theta), len(theta)))
    hess = hess[np.ix_(free, free)]
    vals, vecs = np.linalg.eigh(hess)
    if not np.all(np.isfinite(vals)):
        notes.append("Hessian not finite: parameter uncertainty set to zero")
        cov = np.zeros_like(hess)
    else:
        # A flat direction (vals <= 0, e.g. a parameter at its bound) gets no sampling variance rather than
        # an infinite one; the note says so.
        flat = vals <= 1e-8
        if flat.any():
            notes.append(f"{int(flat.sum())} flat direction(s) in the likelihood: no sampling variance there")
        inv = np.where(flat, 0.0, 1.0 / np.where(flat, 1.0, vals))
        cov = (vecs * inv) @ vecs.T
    full_cov[np.ix_(free, free)] = cov
    cov = full_cov
    return FittedParams(
        theta=theta, cov=cov, loglike=-float(negloglike(theta)), notes=tuple(dict.fromkeys(notes))
    )


class SteppedSimulation:
    """Mixin of the dynamic fits: :meth:`simulate` is :meth:`begin` then one :meth:`step` per month.

    A fit gives ``covariates``, :meth:`draw_thetas`, :meth:`begin`, :meth:`step` and ``_point_thetas``
    (the parameter rows used when ``parameter_uncertainty`` is False).
    """

    covariates: tuple[str, ...]

    def draw_thetas(self, n: int, rng: RNGLike = None) -> ArrayF:
        raise NotImplementedError

    def _point_thetas(self, n: int, rng: RNGLike) -> ArrayF:
        raise NotImplementedError

    def begin(
        self, thetas: ArrayF, history: tuple[npt.ArrayLike, npt.ArrayLike] | None = None
    ) -> dict[str, Any]:
        raise NotImplementedError

    def step(
        self, thetas: ArrayF, state: dict[str, Any], x: npt.ArrayLike, u: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.int64], ArrayF, ArrayF]:
        raise NotImplementedError

    def simulate(
        self,
        X_path: npt.ArrayLike,
        n_paths: int,
        rng: RNGLike = None,
        parameter_uncertainty: bool = True,
        uniforms: ArrayF | None = None,
        thetas: ArrayF | None = None,
        history: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
    ) -> npt.NDArray[np.int64]:
        """Simulate ``(n_paths, H)`` monthly counts after the history along a covariate path.

        Each path draws θ (:meth:`draw_thetas`, unless ``parameter_uncertainty`` is False or ``thetas``
        are given), runs :meth:`begin` over the history (default: the training counts and covariates; or
        ``history = (y, X)``) and then :meth:`step` once per month. Counts are inverse-CDF draws of
        ``uniforms`` (drawn here when not given), so two covariate paths given the same ``thetas`` and
        ``uniforms`` share common random numbers.
        """
        gen = check_rng(rng)
        Xp = as_matrix(X_path, len(self.covariates))
        H = Xp.shape[0]
        if thetas is None:
            thetas = (
                self.draw_thetas(n_paths, gen) if parameter_uncertainty else self._point_thetas(n_paths, gen)
            )
        if uniforms is None:
            uniforms = gen.random((n_paths, H))
        state = self.begin(thetas, history)
        out = np.empty((n_paths, H), dtype=np.int64)
        for j in range(H):
            out[:, j] = self.step(thetas, state, Xp[j], uniforms[:, j])[0]
        return out


@dataclass(frozen=True)
class PenalisedFit(SteppedSimulation):
    """Fields and accessors shared by the fitted penalised dynamic models (local level, INGARCH, regime).

    Attributes
    ----------
    target:
        ``"events"`` or ``"missiles"``.
    covariates:
        Posture covariate names (columns of ``X``).
    params:
        The penalised ML fit on the model's unconstrained θ, whose last ``len(covariates)`` entries are the
        posture coefficients.
    y:
        Training counts.
    X:
        Training covariates ``(n, k)``.
    first_month, last_month:
        ``YYYY-MM`` of the training window.
    """

    target: str
    covariates: tuple[str, ...]
    params: FittedParams
    y: npt.NDArray[np.int64]
    X: ArrayF
    first_month: str
    last_month: str

    @property
    def coefficients(self) -> dict[str, float]:
        """Posture coefficients (the last ``k`` entries of θ), by name; each model's docstring says what
        they multiply."""
        k = len(self.covariates)
        values = self.params.theta[len(self.params.theta) - k :]
        return {n: float(v) for n, v in zip(self.covariates, values, strict=True)}

    @property
    def notes(self) -> tuple[str, ...]:
        """Optimiser notes."""
        return self.params.notes

    @property
    def mean_cap(self) -> float:
        """Cap on a simulated mean, (IG4) of :mod:`~peninsula.dynamics.ingarch`: MEAN_CAP_FACTOR × the
        largest training month (at least 1). INGARCH, the regime model and (since the 2016-2023 data, PG4)
        the local level apply it."""
        return MEAN_CAP_FACTOR * float(max(int(self.y.max()), 1)) if len(self.y) else float("inf")

    def history_arrays(
        self, history: tuple[npt.ArrayLike, npt.ArrayLike] | None
    ) -> tuple[npt.NDArray[np.int64], ArrayF]:
        """``(counts, covariates)`` a simulation starts after: ``history``, or the training data if None."""
        if history is None:
            return self.y, self.X
        return np.asarray(history[0], dtype=np.int64), as_matrix(history[1], len(self.covariates))

    def _point_thetas(self, n: int, rng: RNGLike) -> ArrayF:
        return np.tile(self.params.theta, (n, 1))


FitT = TypeVar("FitT")


class PenalisedCountModel(Generic[FitT]):
    """Base of the penalised posture-covariate count models (local level, INGARCH, regime): constructor,
    parameters, fitting entry and the prior on the posture coefficients.

    Parameters
    ----------
    target:
        ``"events"`` or ``"missiles"``.
    covariates:
        Posture covariates (default: the six of :data:`POSTURE_COVARIATES`).
    prior_sd:
        Standard deviation of the Normal(0, s²) prior on each coefficient.
    """

    def __init__(
        self,
        target: str = "events",
        covariates: Sequence[str] = POSTURE_COVARIATES,
        prior_sd: float = POSTURE_PRIOR_SD,
    ) -> None:
        self.target = target
        self.covariates = tuple(covariates)
        self.prior_sd = prior_sd

    def get_params(self) -> dict[str, Any]:
        """Constructor parameters."""
        return {"target": self.target, "covariates": self.covariates, "prior_sd": self.prior_sd}

    def fit(self, data: KoreaData, end: str | np.datetime64 | None = None, uncertainty: bool = True) -> FitT:
        """Fit on every month up to and including ``end`` (``YYYY-MM``; ``None``: all data).

        ``uncertainty=False`` skips the Laplace covariance (point forecasts need only θ̂).
        """
        months, y, X = training_arrays(data, self.target, self.covariates, end)
        return self.fit_arrays(y, X, str(months[0]), str(months[-1]), uncertainty)

    def fit_arrays(
        self,
        y: npt.ArrayLike,
        X: npt.ArrayLike,
        first_month: str = "",
        last_month: str = "",
        uncertainty: bool = True,
    ) -> FitT:
        """Fit on counts ``y`` and covariates ``X`` ``(n, k)`` (columns as ``covariates``)."""
        yy = np.asarray(y, dtype=np.int64)
        XX = np.asarray(X, dtype=np.float64).reshape(len(yy), len(self.covariates))
        return self._fit(yy, XX, first_month, last_month, uncertainty)

    def _fit(
        self, yy: npt.NDArray[np.int64], XX: ArrayF, first_month: str, last_month: str, uncertainty: bool
    ) -> FitT:
        raise NotImplementedError

    def _penalised(
        self,
        score: Callable[[ArrayF, ArrayF, ArrayF], tuple[float, ArrayF]],
        y: ArrayF,
        X: ArrayF,
        first: int,
    ) -> tuple[Callable[[ArrayF], float], Callable[[ArrayF], tuple[float, ArrayF]]]:
        """``(penalty, objective_and_gradient)``: the Normal(0, prior_sd²) prior on ``theta[first:]`` and
        the penalised negative log likelihood with its gradient from ``score(theta, y, X)``."""

        def penalty(theta: ArrayF) -> float:
            return float(np.sum(theta[first:] ** 2)) / (2.0 * self.prior_sd**2)

        def objective_and_gradient(theta: ArrayF) -> tuple[float, ArrayF]:
            ll, grad = score(theta, y, X)
            pen_grad = np.zeros_like(theta)
            pen_grad[first:] = theta[first:] / self.prior_sd**2
            return -ll + penalty(theta), -grad + pen_grad

        return penalty, objective_and_gradient
