"""Local-level count model: the Poisson–gamma filter of Harvey & Fernandes (1989), with posture covariates.

Model (Harvey & Fernandes 1989, "Time series models for count or qualitative observations", *Journal of
Business & Economic Statistics* 7(4): 407–417; also Harvey 1989, *Forecasting, Structural Time Series
Models and the Kalman Filter*, ch. 6). Equation numbers of the paper could not be checked here, so the
equations are written out in full and tagged (PG1)–(PG3) for the code to refer to. The count in month *t*
is Poisson given a level μ_t and the month's posture covariates x_t::

    y_t | μ_t ~ Poisson(μ_t · z_t),          z_t = exp(x_t'δ)

and the level is carried forward by a *discount* ω in (0, 1]: if μ_{t-1} | Y_{t-1} ~ Gamma(a_{t-1},
b_{t-1}) (shape, rate), then

    prediction:  a_{t|t-1} = ω a_{t-1},      b_{t|t-1} = ω b_{t-1}                      (PG1)
    update:      a_t = a_{t|t-1} + y_t,      b_t = b_{t|t-1} + z_t                      (PG2)

so the mean a/b is kept and the precision shrinks by ω each month (ω = 1: a constant level; small ω:
the level follows the last few months). The one-step predictive is negative binomial::

    p(y_t | Y_{t-1}) = Γ(a + y_t) / (Γ(a) y_t!) · (b / (b + z_t))^a · (z_t / (b + z_t))^{y_t},
                       a = a_{t|t-1}, b = b_{t|t-1}                                      (PG3)

and the log likelihood is the sum of its logs. Applying the prediction step h times gives the h-step
predictive: NB with a = ω^h a_T, b = ω^h b_T (and z_{T+h}); its mean stays a_T z_{T+h} / b_T while its
spread grows with h. Start: the diffuse prior a_0 = b_0 = 0; months before the first launch contribute no
likelihood term (their predictive is undefined): the likelihood is conditional on the first launch.

Parameters θ = (logit ω, δ_1..δ_k) are estimated by penalised ML (:mod:`~peninsula.dynamics.penalised`):
the likelihood above times a Normal(0, 0.5²) prior on each δ_j.

Brake on simulated months (PG4). The level is a martingale, but a simulated path's spread grows month by
month, and the posture multiplies it. On the 2016-2023 data the last level is a campaign's and 10,000
paths × 36 months under the most provocative posture reached a monthly p99 of 22 launch events, above the
bound of :data:`~peninsula.dynamics.registry.BOUND_FACTOR` × the record (18). So a simulated month
(:meth:`LocalLevelFit.step`, hence ``simulate`` and the coupled simulation) uses the exposure

    z̃_t = min(z_t, c · max_{s ≤ T} y_s · b_{t|t-1} / a_{t|t-1}),     c = MEAN_CAP_FACTOR = 1         (PG4)

in (PG3) and in the update (PG2): the month's mean a z̃ / b may not exceed the largest month of the
training data, the same coded judgement as (IG4) of :mod:`~peninsula.dynamics.ingarch` and the regime
model's cap. The likelihood, the fit and the closed-form h-step predictive of the evaluation are unaffected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import signal, special, stats

from peninsula.core.rng import RNGLike
from peninsula.dynamics._deprecated import forward
from peninsula.dynamics.penalised import (
    PenalisedCountModel,
    PenalisedFit,
    as_matrix,
    fit_penalised,
    nb_logpmf,
)
from peninsula.dynamics.scoring import NegativeBinomial

__all__ = [
    "LocalLevelFit",
    "LocalLevelModel",
    "poisson_gamma_filter",
    "poisson_gamma_loglike",
    "poisson_gamma_score",
]

ArrayF = npt.NDArray[np.float64]
OMEGA_LOGIT_BOUNDS = (-4.0, 6.0)  # ω in [0.018, 0.9975]: away from the degenerate limits 0 and 1
COEF_BOUNDS = (-4.0, 4.0)  # log rate ratios; the prior keeps them far inside
_SHAPE_FLOOR = 1e-10  # a level never seen to launch: shape 0 would be a point mass at 0


def poisson_gamma_filter(
    y: npt.ArrayLike, omega: float, z: npt.ArrayLike | None = None, a0: float = 0.0, b0: float = 0.0
) -> tuple[ArrayF, ArrayF, float, float]:
    """Run the Harvey–Fernandes filter (PG1, PG2).

    Parameters
    ----------
    y:
        Counts y_1..y_n.
    omega:
        Discount ω in (0, 1].
    z:
        Multipliers z_t = exp(x_t'δ) (default 1: no covariates).
    a0, b0:
        Prior shape and rate of the level before month 1 (0, 0: diffuse).

    Returns
    -------
    tuple
        ``(a_pred, b_pred, a_n, b_n)``: the predictive shape and rate a_{t|t-1}, b_{t|t-1} of each month,
        and the filtered a_n, b_n after the last month.

    Examples
    --------
    >>> a, b, an, bn = poisson_gamma_filter([1, 0, 2], 0.5)
    >>> a.tolist(), b.tolist(), an, bn     # a: 0, .5*1, .5*(.5+0); b: 0, .5*1, .5*(.5+1)
    ([0.0, 0.5, 0.25], [0.0, 0.5, 0.75], 2.25, 1.75)
    """
    yy = np.asarray(y, dtype=np.float64)
    zz = np.ones_like(yy) if z is None else np.asarray(z, dtype=np.float64)
    if len(yy) == 0:
        return np.zeros(0), np.zeros(0), float(a0), float(b0)
    # a_t = ω a_{t-1} + y_t is a first-order recursive filter; lfilter runs it with the initial state ω a0.
    a_post = signal.lfilter([1.0], [1.0, -omega], yy, zi=[omega * a0])[0]
    b_post = signal.lfilter([1.0], [1.0, -omega], zz, zi=[omega * b0])[0]
    a_prev = np.concatenate([[a0], a_post[:-1]])
    b_prev = np.concatenate([[b0], b_post[:-1]])
    return omega * a_prev, omega * b_prev, float(a_post[-1]), float(b_post[-1])


def poisson_gamma_loglike(
    y: npt.ArrayLike, a_pred: npt.ArrayLike, b_pred: npt.ArrayLike, z: npt.ArrayLike | None = None
) -> ArrayF:
    """Log predictive probability of each count (PG3); ``NaN`` where the prior is still diffuse.

    Examples
    --------
    >>> round(float(poisson_gamma_loglike([1], [2.0], [1.0])[0]), 6)   # NB(2, p=1/2): P(1) = 2/8
    -1.386294
    """
    yy = np.asarray(y, dtype=np.float64)
    a = np.asarray(a_pred, dtype=np.float64)
    b = np.asarray(b_pred, dtype=np.float64)
    zz = np.ones_like(yy) if z is None else np.asarray(z, dtype=np.float64)
    defined = (a > 0) & (b > 0)
    safe_a, safe_b = np.where(defined, a, 1.0), np.where(defined, b, 1.0)
    ll = nb_logpmf(yy, safe_a, safe_b / (safe_b + zz))
    return np.where(defined, ll, np.nan)


def poisson_gamma_score(theta: npt.ArrayLike, y: npt.ArrayLike, X: npt.ArrayLike) -> tuple[float, ArrayF]:
    """Log likelihood (sum of PG3 over defined months) and its gradient in θ = (logit ω, δ), analytic.

    Differentiating (PG1)-(PG2): with a'_t = ∂a_t/∂ω, a'_t = a_{t-1} + ω a'_{t-1} (the same for b), and
    ∂b_t/∂δ = ω ∂b_{t-1}/∂δ + z_t x_t; the predictive shape and rate of month t have derivatives a'_t and
    b'_t (in ω) and ω ∂b_{t-1}/∂δ (in δ). Then ∂ log p/∂a = ψ(a + y) − ψ(a) + log b − log(b + z),
    ∂ log p/∂b = a/b − (a + y)/(b + z), ∂ log p/∂z = y/z − (a + y)/(b + z), ∂z/∂δ = z x, ∂ω/∂ logit ω =
    ω(1 − ω).

    Examples
    --------
    >>> ll, grad = poisson_gamma_score([0.0], [1, 0, 2], np.zeros((3, 0)))   # ω = 1/2
    >>> a, b, _, _ = poisson_gamma_filter([1, 0, 2], 0.5)
    >>> bool(np.isclose(ll, np.nansum(poisson_gamma_loglike([1, 0, 2], a, b)))), grad.shape
    (True, (1,))
    """
    th = np.asarray(theta, dtype=np.float64)
    yy = np.asarray(y, dtype=np.float64)
    XX = as_matrix(X, len(th) - 1)
    omega = float(_omega(th[0]))
    z = np.exp(XX @ th[1:])
    a_pred, b_pred, _, _ = poisson_gamma_filter(yy, omega, z)
    a_prev = a_pred / omega  # a_{t-1} (filtered), 0 before month 1
    b_prev = b_pred / omega
    # ω-derivatives: x'_t = x_{t-1} + ω x'_{t-1} evaluated for the predictive quantities
    da = signal.lfilter([1.0], [1.0, -omega], a_prev)
    db = signal.lfilter([1.0], [1.0, -omega], b_prev)
    # δ-derivatives of the filtered rate: B_t = ω B_{t-1} + z_t x_t; predictive: ω B_{t-1}
    Bpost = signal.lfilter([1.0], [1.0, -omega], z[:, None] * XX, axis=0) if XX.shape[1] else XX
    Bpred = omega * np.vstack([np.zeros((1, XX.shape[1])), Bpost[:-1]]) if XX.shape[1] else XX
    ok = (a_pred > 0) & (b_pred > 0)
    a = np.where(ok, a_pred, 1.0)
    b = np.where(ok, b_pred, 1.0)
    ll_terms = poisson_gamma_loglike(yy, a_pred, b_pred, z)
    dl_da = special.digamma(a + yy) - special.digamma(a) + np.log(b) - np.log(b + z)
    dl_db = a / b - (a + yy) / (b + z)
    dl_dz = yy / z - (a + yy) / (b + z)
    mask = ok.astype(np.float64)
    grad = np.empty(len(th))
    grad[0] = float(np.sum(mask * (dl_da * da + dl_db * db))) * omega * (1.0 - omega)
    if XX.shape[1]:
        grad[1:] = (mask * dl_db) @ Bpred + (mask * dl_dz * z) @ XX
    return float(np.nansum(ll_terms)), grad


def _omega(logit: npt.ArrayLike) -> Any:
    return special.expit(logit)


@dataclass(frozen=True)
class LocalLevelFit(PenalisedFit):
    """A fitted local-level model, positioned at the end of its training months.

    Fields as :class:`~peninsula.dynamics.penalised.PenalisedFit`; θ = (logit ω, δ), the coefficients δ are
    log rate ratios.
    """

    @property
    def omega(self) -> float:
        """Estimated discount ω."""
        return float(_omega(self.params.theta[0]))

    def _state(self, theta: ArrayF) -> tuple[float, float]:
        z = np.exp(self.X @ theta[1:])
        _, _, a, b = poisson_gamma_filter(self.y, float(_omega(theta[0])), z)
        return a, b

    def predictive(self, X_future: npt.ArrayLike, horizons: Sequence[int]) -> list[NegativeBinomial]:
        """Plug-in h-step predictive distributions (NB with a = ω^h a_T, b = ω^h b_T).

        Parameters
        ----------
        X_future:
            ``(H, k)`` covariates of the months after the training window (row h-1 for horizon h).
        horizons:
            Horizons h ≥ 1 (each ≤ H).
        """
        theta = self.params.theta
        omega = self.omega
        a_T, b_T = self._state(theta)
        Xf = as_matrix(X_future, len(self.covariates))
        out = []
        for h in horizons:
            a = max(omega**h * a_T, _SHAPE_FLOOR)
            b = omega**h * b_T
            z = float(np.exp(Xf[h - 1] @ theta[1:]))
            out.append(NegativeBinomial(mu=a * z / b, alpha=1.0 / a))
        return out

    def draw_thetas(self, n: int, rng: RNGLike = None) -> ArrayF:
        """``(n, 1 + k)`` parameter draws θ = (logit ω, δ) from the Laplace approximation."""
        return self.params.draw(n, rng)

    def begin(
        self, thetas: ArrayF, history: tuple[npt.ArrayLike, npt.ArrayLike] | None = None
    ) -> dict[str, ArrayF]:
        """Filter the history for every parameter draw: the state ``{"a", "b"}`` after its last month.

        Public stepping API (with :meth:`step`) for simulations whose posture differs by draw and month;
        :meth:`simulate` is ``begin`` followed by one ``step`` per month.
        """
        y_hist, X_hist = self.history_arrays(history)
        th = np.atleast_2d(np.asarray(thetas, dtype=np.float64))
        omega = _omega(th[:, 0])
        z_hist = np.exp(th[:, 1:] @ X_hist.T)
        a = np.zeros(th.shape[0])
        b = np.zeros(th.shape[0])
        for t, yt in enumerate(y_hist):  # (PG1, PG2), vectorised over draws
            a = omega * a + yt
            b = omega * b + z_hist[:, t]
        return {"a": a, "b": b}

    def step(
        self, thetas: ArrayF, state: dict[str, ArrayF], x: npt.ArrayLike, u: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.int64], ArrayF, ArrayF]:
        """Simulate one month for every draw and update ``state`` in place.

        Parameters
        ----------
        thetas:
            ``(n, 1 + k)`` parameter draws (as given to :meth:`begin`).
        state:
            From :meth:`begin` (or the previous ``step``).
        x:
            The month's posture: ``(k,)`` for all draws or ``(n, k)``, one row per draw.
        u:
            ``(n,)`` uniforms; the count is the NB inverse CDF at ``u`` (common random numbers).

        Returns
        -------
        tuple
            ``(counts, shape, prob)``: the simulated counts and the NB predictive (PG3, with the exposure
            capped by PG4) they came from.
        """
        th = np.atleast_2d(np.asarray(thetas, dtype=np.float64))
        omega = _omega(th[:, 0])
        delta = th[:, 1:]
        xx = np.asarray(x, dtype=np.float64)
        z = np.exp(delta @ xx) if xx.ndim == 1 else np.exp(np.einsum("nk,nk->n", delta, xx))
        a = np.maximum(omega * state["a"], _SHAPE_FLOOR)
        b = omega * state["b"]
        z = np.minimum(z, self.mean_cap * b / a)  # (PG4): the month's mean a z / b at most the cap
        prob = b / (b + z)
        counts = stats.nbinom.ppf(np.asarray(u, dtype=np.float64), a, prob).astype(np.int64)
        state["a"], state["b"] = a + counts, b + z
        return counts, a, prob


class LocalLevelModel(PenalisedCountModel[LocalLevelFit]):
    """Harvey & Fernandes (1989) Poisson–gamma local-level model with posture covariates.

    Parameters as :class:`~peninsula.dynamics.penalised.PenalisedCountModel` (the posture covariates
    multiply the level).

    Examples
    --------
    >>> from peninsula.dynamics.loading import load_data
    >>> fit = LocalLevelModel("events").fit(load_data(), end="2019-12")
    >>> fit.last_month, 0 < fit.omega < 1
    ('2019-12', True)
    """

    name = "local_level"
    reference = "Harvey & Fernandes (1989), J. Business & Economic Statistics 7(4): 407-417"

    def _fit(
        self, yy: npt.NDArray[np.int64], XX: ArrayF, first_month: str, last_month: str, uncertainty: bool
    ) -> LocalLevelFit:
        if not (yy > 0).any():
            raise ValueError("the local-level model needs at least one launch in the training window")
        yf = yy.astype(np.float64)
        k = XX.shape[1]

        def negll(theta: ArrayF) -> float:
            z = np.exp(XX @ theta[1:])
            a, b, _, _ = poisson_gamma_filter(yf, float(_omega(theta[0])), z)
            return -float(np.nansum(poisson_gamma_loglike(yf, a, b, z)))

        penalty, objective_and_gradient = self._penalised(poisson_gamma_score, yf, XX, 1)

        starts = [np.r_[logit, np.zeros(k)] for logit in (0.0, 1.5, 3.0)]
        params = fit_penalised(
            negll,
            starts,
            [OMEGA_LOGIT_BOUNDS] + [COEF_BOUNDS] * k,
            penalty,
            uncertainty,
            objective_and_gradient,
        )
        return LocalLevelFit(self.target, self.covariates, params, yy, XX, first_month, last_month)


#: Names that lived here until 0.1.0 (the base classes moved to :mod:`~peninsula.dynamics.penalised`;
#: ``PenalisedFit``, imported above, still resolves here without a warning).
__getattr__ = forward(
    "peninsula.dynamics.locallevel",
    None,
    {
        "PostureModel": ("peninsula.dynamics.penalised", "PenalisedCountModel"),
        "SteppedSimulation": ("peninsula.dynamics.penalised", "SteppedSimulation"),
    },
)
