"""Observation-driven count model: a negative binomial INGARCH(1,1) with a posture-driven baseline.

Model (Ferland, Latour & Oraichi 2006, "Integer-valued GARCH process", *Journal of Time Series Analysis*
27(6): 923–942, for the Poisson INGARCH(1,1); Zhu 2011, "A negative binomial integer-valued GARCH model",
*Journal of Time Series Analysis* 32(1): 54–67, for the negative binomial response; exogenous covariates
enter the intercept, as in the PARX model of Agosto, Cavaliere, Kristensen & Rahbek 2016, *Journal of
Empirical Finance* 38: 640–663, but multiplicatively so that the baseline stays positive)::

    λ_t = w · exp(x_t'γ) + α y_{t-1} + β λ_{t-1}                                         (IG1)
    y_t | past ~ NB2(mean λ_t, variance λ_t + φ λ_t²)                                   (IG2)
    λ_1 = w · exp(x_1'γ) / (1 − α − β)                                                   (IG3)

with w > 0, α, β ≥ 0, α + β < 1, φ > 0. Unrolled, λ_t = Σ_j β^j w e^{x_{t-j}'γ} + Σ_{j≥1} α β^{j-1} y_{t-j}:
a discrete-time self-exciting (Hawkes) process with a geometric kernel whose branching ratio α / (1 − β) is
below 1. That is the brake the posture model's ``recent_launches`` term lacks: for any covariate path the
conditional mean is bounded by max_t(w e^{x_t'γ}) / (1 − α − β), whatever the simulated counts.

The log likelihood is Σ_t log NB2(y_t; λ_t, φ) (IG2), started at (IG3), the stationary mean of the first
month's baseline. θ = (log w, ℓ_α, ℓ_β, log φ, γ) with α = e^{ℓ_α} / (1 + e^{ℓ_α} + e^{ℓ_β}) and β likewise,
which enforces α + β < 1. The box on ℓ caps the persistence α + β at 0.95 (a coded judgement: excitation
may not last longer than a half-life of about 13.5 months; the 2016–17 and 2019 campaigns lasted under a
year); parameter draws for simulation are clipped to the same box. γ has the Normal(0, 0.5²) prior of
:mod:`~peninsula.dynamics.penalised`.

Brake on simulated means (IG4). The stationarity bound above holds for the *expected* path, not for every
path: with the NB2 dispersion of the missiles fit (φ ≈ 2) a single large draw feeds back through α y_{t-1}
and one path in a hundred reached 47 missiles in a month (4.7 × the record) in 10,000 × 36-month
simulations under the most provocative posture. So every simulated and predicted month
(:meth:`IngarchFit.step`, hence ``simulate``, ``predictive`` for h > 1 and the coupled simulation) uses::

    λ̃_t = min(λ_t, c · max_{s ≤ T} y_s),      c = MEAN_CAP_FACTOR = 1                    (IG4)

the conditional mean may not exceed the largest month of the training data (a coded judgement: the model
has seen no month above it, and a mean above it would be extrapolation; the NB2 draw around the capped
mean can still exceed the record). The likelihood and the one-step fit are unaffected (the filter over
observed months is uncapped). Plausible range for c: 0.5-2 (at 2 the missiles p99 is 36 > 30, see
docs/dynamics.md).

Parameter draws (IG5). The Laplace approximation Normal(θ̂, H⁻¹) of the other models fails here when β is
near 0: the likelihood is flat in ℓ_β there, so H⁻¹ gives ℓ_β a standard deviation of about 4 (missiles,
2016–2023; up to 25 on short fits) and 15 % of the clipped draws land at the top of the box, α + β = 0.95 —
far more persistence than the posterior allows (the simulated missiles p99 reached 55, above the bound of
48). So :meth:`IngarchFit.draw_thetas` samples the penalised posterior itself::

    p(θ | y) ∝ L(θ) · Normal(γ; 0, prior_sd²) on the fitting box (flat on the unconstrained scale)   (IG5)

by adaptive random-walk Metropolis (Haario, Saksman & Tamminen 2001, *Bernoulli* 7(2): 223–242), all
``MCMC_CHAINS`` chains at once (:meth:`IngarchFit.posterior_chains`, which also returns the split R-hat).
Point forecasts and the one-step predictive use θ̂ and are unaffected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import signal, stats

from peninsula.core.rng import RNGLike, check_rng
from peninsula.dynamics.penalised import (
    MEAN_CAP_FACTOR,
    POSTURE_PRIOR_SD,
    PenalisedCountModel,
    PenalisedFit,
    as_matrix,
    fit_penalised,
    nb_logpmf,
)
from peninsula.dynamics.scoring import NegativeBinomial, NegativeBinomialMixture

__all__ = [
    "MAX_PERSISTENCE",
    "MEAN_CAP_FACTOR",
    "IngarchFit",
    "IngarchModel",
    "ingarch_filter",
    "ingarch_loglike",
    "ingarch_score",
    "unpack",
]

ArrayF = npt.NDArray[np.float64]
_LOGW_BOUNDS = (-8.0, 3.0)  # baseline w in [0.0003, 20] launches per month
_L_BOUNDS = (-6.0, 2.25)  # with both at the top, α + β = 2e^2.25 / (1 + 2e^2.25) = 0.95
_LOGPHI_BOUNDS = (-6.0, 3.0)  # NB2 dispersion φ in [0.0025 (near Poisson), 20]
_COEF_BOUNDS = (-4.0, 4.0)
MAX_PERSISTENCE = float(2 * np.exp(_L_BOUNDS[1]) / (1 + 2 * np.exp(_L_BOUNDS[1])))
PREDICTIVE_DRAWS = 1000  # simulated paths behind an h > 1 predictive (a Rao-Blackwellised NB mixture)
#: The posterior sampler of (IG5): chains run at once, steps of each adaptation round, steps kept after them.
MCMC_CHAINS = 32
MCMC_ADAPT = (300, 300, 300, 300)
MCMC_SAMPLE = 2000


def unpack(theta: npt.ArrayLike) -> tuple[Any, Any, Any, Any, Any]:
    """Map θ (one vector or rows of vectors) to ``(w, α, β, φ, γ)``.

    Examples
    --------
    >>> w, a, b, phi, g = unpack([0.0, 0.0, 0.0, 0.0])
    >>> float(w), round(float(a), 6), round(float(b), 6), float(phi), g.shape
    (1.0, 0.333333, 0.333333, 1.0, (0,))
    """
    th = np.asarray(theta, dtype=np.float64)
    la, lb = th[..., 1], th[..., 2]
    m = np.maximum(np.maximum(la, lb), 0.0)  # stable softmax with a fixed third logit 0
    ea, eb, e0 = np.exp(la - m), np.exp(lb - m), np.exp(-m)
    denom = ea + eb + e0
    return np.exp(th[..., 0]), ea / denom, eb / denom, np.exp(th[..., 3]), th[..., 4:]


def ingarch_filter(y: npt.ArrayLike, base: npt.ArrayLike, alpha: float, beta: float) -> tuple[ArrayF, float]:
    """Conditional means λ_1..λ_n (IG1, IG3) and the next one, λ_{n+1} without its baseline term.

    Parameters
    ----------
    y:
        Counts y_1..y_n.
    base:
        Baselines w·exp(x_t'γ), t = 1..n.
    alpha, beta:
        Feedback on the last count and on the last mean.

    Returns
    -------
    tuple
        ``(lam, carry)`` with ``lam[t]`` = λ_{t+1} in 0-based terms and ``carry`` = α y_n + β λ_n, so that
        λ_{n+1} = base_{n+1} + carry.

    Examples
    --------
    >>> lam, carry = ingarch_filter([2, 0], [0.5, 0.5], 0.25, 0.25)
    >>> lam.tolist(), carry        # λ1 = .5/(1-.5) = 1; λ2 = .5 + .25*2 + .25*1 = 1.25
    ([1.0, 1.25], 0.3125)
    """
    yy = np.asarray(y, dtype=np.float64)
    bb = np.asarray(base, dtype=np.float64)
    lam = np.empty(len(yy))
    lam[0] = bb[0] / (1.0 - alpha - beta)
    if len(yy) > 1:
        # λ_t = (base_t + α y_{t-1}) + β λ_{t-1}: a first-order recursive filter, run by lfilter from λ_1.
        drive = bb[1:] + alpha * yy[:-1]
        lam[1:] = signal.lfilter([1.0], [1.0, -beta], drive, zi=[beta * lam[0]])[0]
    return lam, float(alpha * yy[-1] + beta * lam[-1])


def ingarch_loglike(y: npt.ArrayLike, lam: npt.ArrayLike, phi: float) -> ArrayF:
    """Log NB2 probability of each count given its conditional mean (IG2).

    Examples
    --------
    >>> round(float(ingarch_loglike([0], [1.0], 1.0)[0]), 6)   # NB2(1, φ=1) = geometric(1/2)
    -0.693147
    """
    r = 1.0 / phi
    lam_arr = np.asarray(lam, dtype=np.float64)
    return nb_logpmf(y, r, r / (r + lam_arr))


def ingarch_score(theta: npt.ArrayLike, y: npt.ArrayLike, X: npt.ArrayLike) -> tuple[float, ArrayF]:
    """Log likelihood of (IG1)-(IG3) and its gradient with respect to θ (analytic).

    The gradient follows the recursion of the means: with g_t = ∂base_t/∂θ + (∂α/∂θ) y_{t-1} +
    (∂β/∂θ) λ_{t-1}, ∂λ_t/∂θ = g_t + β ∂λ_{t-1}/∂θ, started from the derivative of (IG3); and
    ∂ log p_t/∂λ_t = y_t/λ_t − (r + y_t)/(r + λ_t), ∂ log p_t/∂r = ψ(y_t + r) − ψ(r) + log(r/(r + λ_t)) +
    (λ_t − y_t)/(r + λ_t), with r = 1/φ (so ∂r/∂ log φ = −r).

    Examples
    --------
    >>> ll, grad = ingarch_score([0.0, 0.0, 0.0, 0.0], [1, 0, 2], np.zeros((3, 0)))
    >>> grad.shape
    (4,)
    """
    from scipy import special

    th = np.asarray(theta, dtype=np.float64)
    yy = np.asarray(y, dtype=np.float64)
    XX = as_matrix(X, len(th) - 4)
    w, a, b, phi, g = unpack(th)
    a, b, phi = float(a), float(b), float(phi)
    base = w * np.exp(XX @ g)
    lam, _ = ingarch_filter(yy, base, a, b)
    r = 1.0 / phi
    ll = float(np.sum(ingarch_loglike(yy, lam, phi)))
    p = len(th)
    # derivatives of base, alpha, beta with respect to θ (columns)
    dbase = np.zeros((len(yy), p))
    dbase[:, 0] = base
    dbase[:, 4:] = base[:, None] * XX
    dab = np.zeros((2, p))
    dab[0, 1], dab[0, 2] = a * (1 - a), -a * b
    dab[1, 1], dab[1, 2] = -a * b, b * (1 - b)
    dlam = np.empty((len(yy), p))
    s = 1.0 - a - b
    dlam[0] = dbase[0] / s + base[0] * (dab[0] + dab[1]) / s**2
    if len(yy) > 1:
        drive = dbase[1:] + np.outer(yy[:-1], dab[0]) + np.outer(lam[:-1], dab[1])
        dlam[1:] = signal.lfilter([1.0], [1.0, -b], drive, axis=0, zi=(b * dlam[0])[None, :])[0]
    dl_dlam = yy / lam - (r + yy) / (r + lam)
    grad = dl_dlam @ dlam
    dl_dr = special.digamma(yy + r) - special.digamma(r) + np.log(r / (r + lam)) + (lam - yy) / (r + lam)
    grad[3] += float(np.sum(dl_dr)) * (-r)
    return ll, np.asarray(grad, dtype=np.float64)


def _split_rhat(samples: ArrayF) -> ArrayF:
    """Split-chain R-hat per parameter of ``(steps, chains, d)`` samples (Gelman et al., *Bayesian Data
    Analysis*, 3rd ed., section 11.4): each chain's halves as separate chains; 1 when they agree."""
    half = samples.shape[0] // 2
    parts = np.concatenate([samples[:half], samples[half : 2 * half]], axis=1)
    m = parts.mean(axis=0)
    within = parts.var(axis=0, ddof=1).mean(axis=0)
    between = half * m.var(axis=0, ddof=1)
    var_plus = (half - 1) / half * within + between / half
    return np.asarray(np.sqrt(var_plus / np.where(within > 0, within, np.inf)), dtype=np.float64)


def _clip(thetas: ArrayF, k: int) -> ArrayF:
    lo = np.array([_LOGW_BOUNDS[0], _L_BOUNDS[0], _L_BOUNDS[0], _LOGPHI_BOUNDS[0]] + [_COEF_BOUNDS[0]] * k)
    hi = np.array([_LOGW_BOUNDS[1], _L_BOUNDS[1], _L_BOUNDS[1], _LOGPHI_BOUNDS[1]] + [_COEF_BOUNDS[1]] * k)
    return np.clip(thetas, lo, hi)


@dataclass(frozen=True)
class IngarchFit(PenalisedFit):
    """A fitted NB-INGARCH(1,1), positioned at the end of its training months.

    Fields as :class:`~peninsula.dynamics.penalised.PenalisedFit`; θ = (log w, ℓ_α, ℓ_β, log φ, γ), the
    coefficients γ are log multipliers of the baseline; ``prior_sd`` is the posture prior's standard
    deviation the fit used (the posterior of (IG5) includes it).
    """

    prior_sd: float = POSTURE_PRIOR_SD

    @property
    def values(self) -> dict[str, float]:
        """``w, alpha, beta, phi`` and the branching ratio α / (1 − β)."""
        w, a, b, phi, _ = unpack(self.params.theta)
        return {
            "w": float(w),
            "alpha": float(a),
            "beta": float(b),
            "phi": float(phi),
            "branching_ratio": float(a / (1 - b)),
        }

    def _history(self, thetas: ArrayF, y_hist: npt.NDArray[np.int64], X_hist: ArrayF) -> ArrayF:
        """λ_n for each row of ``thetas`` (time loop over the history, vectorised over draws)."""
        w, a, b, _, g = unpack(thetas)
        base = w[:, None] * np.exp(g @ X_hist.T)
        lam = base[:, 0] / (1.0 - a - b)
        for t in range(1, len(y_hist)):
            lam = base[:, t] + a * y_hist[t - 1] + b * lam
        return np.asarray(lam, dtype=np.float64)

    def _run(
        self,
        thetas: ArrayF,
        X_path: ArrayF,
        uniforms: ArrayF,
        history: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
    ) -> tuple[npt.NDArray[np.int64], ArrayF]:
        """Simulate counts along ``X_path``; returns counts and the mean λ of each simulated month."""
        n, H = uniforms.shape
        state = self.begin(thetas, history)
        counts = np.empty((n, H), dtype=np.int64)
        means = np.empty((n, H))
        for j in range(H):
            counts[:, j], _, _ = self.step(thetas, state, X_path[j], uniforms[:, j])
            means[:, j] = state["lam"]
        return counts, means

    def begin(
        self, thetas: ArrayF, history: tuple[npt.ArrayLike, npt.ArrayLike] | None = None
    ) -> dict[str, ArrayF]:
        """Run (IG1) over the history for every draw: the state ``{"lam", "y"}`` after its last month.

        Public stepping API (with :meth:`step`) for simulations whose posture differs by draw and month;
        :meth:`simulate` is ``begin`` followed by one ``step`` per month.
        """
        y_hist, X_hist = self.history_arrays(history)
        th = np.atleast_2d(np.asarray(thetas, dtype=np.float64))
        return {"lam": self._history(th, y_hist, X_hist), "y": np.full(th.shape[0], float(y_hist[-1]))}

    def step(
        self, thetas: ArrayF, state: dict[str, ArrayF], x: npt.ArrayLike, u: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.int64], ArrayF, ArrayF]:
        """Simulate one month for every draw (IG1, IG2) and update ``state`` in place.

        ``x`` is the month's posture, ``(k,)`` for all draws or ``(n, k)`` one row per draw; ``u`` holds
        ``(n,)`` uniforms (the count is the NB2 inverse CDF at ``u``). Returns ``(counts, r, p)``: the
        counts and the NB predictive (shape r = 1/φ, probability p = r/(r + λ)) they came from.
        """
        th = np.atleast_2d(np.asarray(thetas, dtype=np.float64))
        w, a, b, phi, g = unpack(th)
        xx = np.asarray(x, dtype=np.float64)
        lift = np.exp(g @ xx) if xx.ndim == 1 else np.exp(np.einsum("nk,nk->n", g, xx))
        lam = np.minimum(w * lift + a * state["y"] + b * state["lam"], self.mean_cap)  # (IG1), (IG4)
        r = 1.0 / phi
        prob = r / (r + lam)
        counts = stats.nbinom.ppf(np.asarray(u, dtype=np.float64), r, prob).astype(np.int64)
        state["lam"], state["y"] = lam, counts.astype(np.float64)
        return counts, r, prob

    def predictive(
        self, X_future: npt.ArrayLike, horizons: Sequence[int], rng: RNGLike = 0
    ) -> list[NegativeBinomial | NegativeBinomialMixture]:
        """Plug-in h-step predictive distributions.

        h = 1 is NB2(λ_{T+1}, φ). For h > 1 the intermediate counts are simulated (:data:`PREDICTIVE_DRAWS`
        paths, seeded by ``rng``) and the predictive is the average of NB2(λ_{T+h}^{(s)}, φ) over paths.
        """
        Xf = as_matrix(X_future, len(self.covariates))
        H = max(horizons)
        theta = self.params.theta
        _, _, _, phi, _ = unpack(theta)
        n = 1 if H == 1 else PREDICTIVE_DRAWS
        gen = check_rng(rng)
        _, means = self._run(np.tile(theta, (n, 1)), Xf[:H], gen.random((n, H)))
        out: list[NegativeBinomial | NegativeBinomialMixture] = []
        for h in horizons:
            if h == 1:
                out.append(NegativeBinomial(float(means[0, 0]), float(phi)))
            else:
                out.append(NegativeBinomialMixture(means[:, h - 1].copy(), np.full(n, float(phi))))
        return out

    def log_posterior(self, thetas: npt.ArrayLike) -> ArrayF:
        """Penalised log posterior of each row of ``thetas`` up to a constant: the log likelihood of
        (IG1)-(IG3) over the training months plus the Normal(0, prior_sd²) prior on γ; −inf outside the
        fitting box (the flat prior's support). Vectorised over rows (time loop over months)."""
        every = np.atleast_2d(np.asarray(thetas, dtype=np.float64))
        inside = np.all(_clip(every, len(self.covariates)) == every, axis=1)
        out = np.full(len(every), -np.inf)
        th = every[inside]
        w, a, b, phi, g = unpack(th)
        y = self.y.astype(np.float64)
        base = w[:, None] * np.exp(g @ self.X.T)
        lam = np.empty_like(base)
        lam[:, 0] = base[:, 0] / (1.0 - a - b)
        for t in range(1, len(y)):
            lam[:, t] = base[:, t] + a * y[t - 1] + b * lam[:, t - 1]
        r = (1.0 / phi)[:, None]
        ll = nb_logpmf(y[None, :], r, r / (r + lam)).sum(axis=1)
        out[inside] = ll - np.sum(g**2, axis=1) / (2.0 * self.prior_sd**2)
        return out

    def draw_thetas(self, n: int, rng: RNGLike = None) -> ArrayF:
        """``(n, 4 + k)`` parameter draws from the penalised posterior by adaptive Metropolis (IG5), taken
        without replacement from the pooled chains (with replacement beyond their size); the clipped Laplace
        draws when the fit has no covariance (``uncertainty=False``)."""
        gen = check_rng(rng)
        if not np.any(self.params.cov):
            return _clip(self.params.draw(n, gen), len(self.covariates))
        pool = self.posterior_chains(gen)[0].reshape(-1, len(self.params.theta))
        return np.asarray(pool[gen.choice(len(pool), n, replace=n > len(pool))], dtype=np.float64)

    def posterior_chains(self, rng: RNGLike = None) -> tuple[ArrayF, ArrayF]:
        """Run the sampler of (IG5): ``(samples, rhat)``, samples ``(MCMC_SAMPLE, MCMC_CHAINS, 4 + k)`` after
        adaptation and the split-chain potential scale reduction (Gelman-Rubin R-hat) of each parameter.

        Random-walk Metropolis, all chains at once, started near θ̂; the Gaussian proposal starts from the
        Laplace covariance with every standard deviation capped at 1 (the Laplace one of ℓ_β can be 4-25) and
        is re-estimated from the chains after each adaptation round, scaled by 2.38² / d (Haario, Saksman &
        Tamminen 2001, "An adaptive Metropolis algorithm", *Bernoulli* 7(2): 223-242; Gelman, Roberts & Gilks
        1996 for the scale). Proposals outside the box have posterior 0 and are rejected.
        """
        gen = check_rng(rng)
        P = self.params
        d = len(P.theta)
        sd = np.sqrt(np.clip(np.diag(P.cov), 0.0, None))
        shrink = np.where(sd > 1.0, 1.0 / np.where(sd > 0, sd, 1.0), 1.0)
        prop = (P.cov * np.outer(shrink, shrink) + 1e-8 * np.eye(d)) * 2.38**2 / d
        x = _clip(
            P.theta + 0.1 * np.minimum(sd, 1.0) * gen.standard_normal((MCMC_CHAINS, d)), len(self.covariates)
        )
        lp = self.log_posterior(x)
        rounds = [*MCMC_ADAPT, MCMC_SAMPLE]
        for i, steps in enumerate(rounds):
            chol = np.linalg.cholesky(prop)
            kept = np.empty((steps, MCMC_CHAINS, d))
            for j in range(steps):
                y = x + gen.standard_normal((MCMC_CHAINS, d)) @ chol.T
                lpy = self.log_posterior(y)
                accept = np.log(gen.random(MCMC_CHAINS)) < lpy - lp
                x[accept], lp[accept] = y[accept], lpy[accept]
                kept[j] = x
            if i < len(rounds) - 1:
                prop = (np.cov(kept.reshape(-1, d).T) + 1e-8 * np.eye(d)) * 2.38**2 / d
        return kept, _split_rhat(kept)


class IngarchModel(PenalisedCountModel[IngarchFit]):
    """Negative binomial INGARCH(1,1) (discrete-time Hawkes) with posture covariates in the baseline.

    Parameters as :class:`~peninsula.dynamics.penalised.PenalisedCountModel` (the posture covariates multiply
    the baseline).

    Examples
    --------
    >>> from peninsula.dynamics.loading import load_data
    >>> fit = IngarchModel("events").fit(load_data(), end="2019-12")
    >>> fit.last_month, fit.values["alpha"] + fit.values["beta"] <= MAX_PERSISTENCE + 1e-9
    ('2019-12', True)
    """

    name = "ingarch"
    reference = "Ferland, Latour & Oraichi (2006); Zhu (2011), J. Time Series Analysis"

    def _fit(
        self, yy: npt.NDArray[np.int64], XX: ArrayF, first_month: str, last_month: str, uncertainty: bool
    ) -> IngarchFit:
        if len(yy) < 6:
            raise ValueError("the INGARCH model needs at least 6 months to fit")
        yf = yy.astype(np.float64)
        k = XX.shape[1]

        def negll(theta: ArrayF) -> float:
            w, a, b, phi, g = unpack(theta)
            base = w * np.exp(XX @ g) if k else np.full(len(yf), float(w))
            lam, _ = ingarch_filter(yf, base, float(a), float(b))
            return -float(np.sum(ingarch_loglike(yf, lam, float(phi))))

        penalty, objective_and_gradient = self._penalised(ingarch_score, yf, XX, 4)

        mean = max(float(yf.mean()), 0.05)
        starts = [
            np.r_[np.log(mean * 0.3), 0.0, 0.5, np.log(0.5), np.zeros(k)],
            np.r_[np.log(mean * 0.7), -2.0, -2.0, np.log(1.0), np.zeros(k)],
            np.r_[np.log(mean * 0.1), 1.0, 1.0, np.log(0.2), np.zeros(k)],
        ]
        bounds = [_LOGW_BOUNDS, _L_BOUNDS, _L_BOUNDS, _LOGPHI_BOUNDS] + [_COEF_BOUNDS] * k
        params = fit_penalised(negll, starts, bounds, penalty, uncertainty, objective_and_gradient)
        return IngarchFit(
            self.target, self.covariates, params, yy, XX, first_month, last_month, prior_sd=self.prior_sd
        )
