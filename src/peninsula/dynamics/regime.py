"""Regime-switching count model: a two-state hidden Markov model whose switching follows the posture.

North Korea's launches come in regimes — the 2016-17 campaign, the 2018 hiatus, the 2019 resumption. This
model says so directly: each month the country is in a *quiet* (s = 0) or an *active* (s = 1) regime, the
regime is a Markov chain whose switching probabilities move with the alliance's posture, and the month's
count depends on the regime only (a Poisson / negative binomial hidden Markov model, Zucchini, MacDonald &
Langrock 2016, *Hidden Markov Models for Time Series: An Introduction Using R*, 2nd ed., CRC Press,
ch. 2-5; with covariate-dependent transition probabilities as in the Markov-switching models of Diebold,
Lee & Weinbach 1994, "Regime switching with time-varying transition probabilities", in Hargreaves (ed.),
*Nonstationary Time Series Analysis and Cointegration*, Oxford UP, 283-302, and Filardo 1994, *Journal of
Business & Economic Statistics* 12(3): 299-308)::

    P(s_t = 1 | s_{t-1} = i, x_t) = expit(c_i + x_t'γ),   c_0 = logit(1 − p_00), c_1 = logit(p_11)     (R1)
    y_t | s_t ~ NB2(mean μ_{s_t}, variance μ + φ μ²),     μ_1 = e^m,  μ_0 = μ_1 · expit(q) < μ_1       (R2)
    s_1 ~ stationary law of the x = 0 chain: (1 − p_11, 1 − p_00) / (2 − p_00 − p_11)               (R3)

p_00 and p_11 are the chance that a quiet / active month is followed by another of the same regime when
every posture indicator is 0; a posture coefficient γ_j > 0 makes the active regime more likely next month
from either regime (it raises the odds of entering and of staying). The posture therefore acts on *which
regime comes next*, not on the count within a regime.

Filter and likelihood (Hamilton 1989, *Econometrica* 57(2): 357-384; Zucchini et al. 2016, §2.3.2)::

    ξ_{t|t-1} = ξ_{t-1|t-1} Γ(x_t),   ξ_{t|t} ∝ ξ_{t|t-1} ⊙ (f_0(y_t), f_1(y_t)),
    log L = Σ_t log Σ_s ξ_{t|t-1}(s) f_s(y_t)                                                      (R4)

with Γ(x) the 2 × 2 transition matrix of (R1), f_s the NB2 pmf of (R2), and ξ_{1|0} from (R3).

h-step predictive from the last training month T (exact, no simulation)::

    ξ_{T+h|T} = ξ_{T|T} Γ(x_{T+1}) ··· Γ(x_{T+h}),    p(y) = Σ_s ξ_{T+h|T}(s) NB2(y; μ_s, φ)          (R5)

As h grows ξ_{T+h|T} forgets the current regime and approaches the chain's long-run mix: at long horizons
the forecast is a two-regime version of climatology, at h = 1 it follows the current regime. This is what
the local level (a random walk in the level, which keeps forecasting the hiatus into the resumption) lacks.

Estimation: penalised maximum likelihood (:func:`~peninsula.dynamics.penalised.fit_penalised`) of
θ = (m, q, logit p_00, logit p_11, log φ, γ) with

* a Beta(1 + 11, 1 + 1) prior on p_00 and on p_11 (:data:`REGIME_PRIOR`): eleven pseudo-months of staying
  and one of switching, i.e. a prior mode of 11/12, a regime expected to last 12 months. Coded judgement:
  each regime on record lasted about a year (the 2016-17 campaign ~ 24 months, the 2018 hiatus ~ 15, the
  2019 resumption ~ 9, in the packaged CNS data), and without a prior a window that has never seen a
  switch out of a regime would estimate it as permanent (p → 1) and forecast a hiatus forever. Plausible
  range: expected durations of 6-24 months (pseudo-counts 5-23 to 1); docs/dynamics.md reports the
  rolling evaluation at both ends.
* the Normal(0, 0.5²) prior on each γ_j of :data:`~peninsula.dynamics.penalised.POSTURE_PRIOR_SD`.

The box keeps μ_1 in [0.05, 33] launches per month and φ in [0.0025, 20]. Parameter uncertainty is the
Laplace approximation over the parameters inside the box; one that ends on its bound (φ at its floor when
months are Poisson-like, μ_0 at its floor when the quiet regime has no launch) is held there, since a flat
likelihood at a boundary would otherwise spread its draws over the whole box. Draws are clipped to the box.

Simulation (:meth:`RegimeFit.step`): the filter runs over the history; each simulated month draws the
regime from ξ Γ(x) and then the count from that regime's NB2, both from the month's one uniform u (the
regime is 0 when u < ξ_0, and the count is the NB2 inverse CDF at u rescaled inside the regime's share of
[0, 1]), so two posture paths with the same uniforms share common random numbers. The simulated regime is
then known, and the next month starts from it. Bounded: a simulated mean never exceeds μ_1, which does not
depend on the posture, and is capped like (IG4) at the largest month of the training data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special, stats

from peninsula.core.rng import RNGLike
from peninsula.dynamics.penalised import (
    PenalisedCountModel,
    PenalisedFit,
    as_matrix,
    fit_penalised,
    nb_logpmf,
)
from peninsula.dynamics.scoring import Mixture, NegativeBinomial

__all__ = [
    "REGIME_PRIOR",
    "RegimeFit",
    "RegimeModel",
    "regime_filter",
    "regime_loglike",
    "stationary",
    "transition",
    "unpack",
]

ArrayF = npt.NDArray[np.float64]
#: (stay, switch) pseudo-months of the Beta(1 + stay, 1 + switch) prior on p_00 and p_11 (module docstring).
REGIME_PRIOR = (11.0, 1.0)
_M_BOUNDS = (math.log(0.05), 3.5)  # μ_1 (active-regime mean) in [0.05, 33] per month
_Q_BOUNDS = (-12.0, 6.0)  # μ_0 / μ_1 = expit(q) in [6e-6, 0.9975]
_P_BOUNDS = (-4.0, 6.0)  # p_00, p_11 in [0.018, 0.9975]
_LOGPHI_BOUNDS = (-6.0, 3.0)
_COEF_BOUNDS = (-4.0, 4.0)
_FIRST_COEF = 5


def unpack(theta: npt.ArrayLike) -> tuple[Any, Any, Any, Any, Any, Any]:
    """Map θ (one vector or rows) to ``(μ_0, μ_1, p_00, p_11, φ, γ)``.

    Examples
    --------
    >>> mu0, mu1, p00, p11, phi, g = unpack([0.0, 0.0, 0.0, 0.0, 0.0])
    >>> float(mu0), float(mu1), float(p00), float(phi), g.shape
    (0.5, 1.0, 0.5, 1.0, (0,))
    """
    th = np.asarray(theta, dtype=np.float64)
    mu1 = np.exp(th[..., 0])
    return (
        mu1 * special.expit(th[..., 1]),
        mu1,
        special.expit(th[..., 2]),
        special.expit(th[..., 3]),
        np.exp(th[..., 4]),
        th[..., _FIRST_COEF:],
    )


def transition(p00: npt.ArrayLike, p11: npt.ArrayLike, lift: npt.ArrayLike) -> tuple[ArrayF, ArrayF]:
    """(R1): the probabilities of the active regime next month from quiet and from active.

    ``lift`` = x_t'γ (0 for the baseline chain). Returns ``(up, stay)``: P(1 | 0) and P(1 | 1).

    Examples
    --------
    >>> up, stay = transition(0.9, 0.8, 0.0)
    >>> round(float(up), 6), round(float(stay), 6)
    (0.1, 0.8)
    """
    c0 = special.logit(1.0 - np.asarray(p00, dtype=np.float64))
    c1 = special.logit(np.asarray(p11, dtype=np.float64))
    z = np.asarray(lift, dtype=np.float64)
    return np.asarray(special.expit(c0 + z)), np.asarray(special.expit(c1 + z))


def stationary(p00: npt.ArrayLike, p11: npt.ArrayLike) -> ArrayF:
    """(R3): the probability of the active regime in the stationary law of the baseline chain.

    Examples
    --------
    >>> round(float(stationary(0.9, 0.8)), 6)   # (1 − .9) / (2 − .9 − .8)
    0.333333
    """
    a = 1.0 - np.asarray(p00, dtype=np.float64)
    b = 1.0 - np.asarray(p11, dtype=np.float64)
    return np.asarray(a / (a + b), dtype=np.float64)


def _emission_logpmf(y: npt.ArrayLike, mu: npt.ArrayLike, phi: npt.ArrayLike) -> ArrayF:
    r = 1.0 / np.asarray(phi, dtype=np.float64)
    return nb_logpmf(y, r, r / (r + np.asarray(mu, dtype=np.float64)))


def regime_filter(y: npt.ArrayLike, theta: npt.ArrayLike, X: npt.ArrayLike) -> tuple[ArrayF, ArrayF]:
    """Run the filter (R4) over counts ``y`` with covariates ``X`` for one or many parameter rows.

    Parameters
    ----------
    y:
        Counts y_1..y_n.
    theta:
        One θ ``(p,)`` or rows ``(n_draws, p)``.
    X:
        ``(n, k)`` posture covariates of the same months.

    Returns
    -------
    tuple
        ``(loglike, active)``: the log likelihood per parameter row and ξ_{n|n}(1), the filtered
        probability that the last month was in the active regime (each of shape ``(n_draws,)``, or scalars
        for one θ).

    Examples
    --------
    One month, both regimes with mean ≈ 1 (q = 12 makes μ_0 ≈ μ_1) and φ ≈ 0 (Poisson): the likelihood is
    log Poisson(1; 1) = −1, and equal likelihoods leave the stationary mix 1/2 unchanged.

    >>> ll, act = regime_filter([1], [0.0, 12.0, 0.0, 0.0, -30.0], np.zeros((1, 0)))
    >>> round(float(ll), 6), round(float(act), 6)      # log Poisson(1; 1) = −1; stationary 1/2
    (-1.0, 0.5)
    """
    th = np.asarray(theta, dtype=np.float64)
    single = th.ndim == 1
    th2 = np.atleast_2d(th)
    yy = np.asarray(y, dtype=np.float64)
    XX = as_matrix(X, th2.shape[1] - _FIRST_COEF)
    mu0, mu1, p00, p11, phi, g = unpack(th2)
    lift = g @ XX.T  # (draws, n)
    f0 = _emission_logpmf(yy[None, :], mu0[:, None], phi[:, None])
    f1 = _emission_logpmf(yy[None, :], mu1[:, None], phi[:, None])
    active = stationary(p00, p11)
    ll = np.zeros(th2.shape[0])
    for t in range(len(yy)):
        if t > 0:
            up, stay = transition(p00, p11, lift[:, t])
            active = (1.0 - active) * up + active * stay
        top = np.maximum(f0[:, t], f1[:, t])
        w0 = (1.0 - active) * np.exp(f0[:, t] - top)
        w1 = active * np.exp(f1[:, t] - top)
        total = w0 + w1
        ll += np.log(total) + top
        active = w1 / total
    if single:
        return np.asarray(ll[0]), np.asarray(active[0])
    return ll, active


def regime_loglike(theta: Sequence[float], y: Sequence[float], lift: Sequence[float]) -> float:
    """Log likelihood (R4) for one θ, in scalar arithmetic (the optimiser's inner loop).

    ``lift[t]`` = x_t'γ. Agrees with :func:`regime_filter` (a test checks it); written apart because a
    2-state filter in Python floats is ~10× faster than numpy on arrays of length 2.
    """
    mu1 = math.exp(theta[0])
    mu0 = mu1 / (1.0 + math.exp(-theta[1]))
    p00 = 1.0 / (1.0 + math.exp(-theta[2]))
    p11 = 1.0 / (1.0 + math.exp(-theta[3]))
    r = math.exp(-theta[4])
    c0 = math.log((1.0 - p00) / p00)
    c1 = math.log(p11 / (1.0 - p11))
    lr0 = r * math.log(r / (r + mu0))
    lr1 = r * math.log(r / (r + mu1))
    lq0 = math.log(mu0 / (r + mu0))
    lq1 = math.log(mu1 / (r + mu1))
    lgr = math.lgamma(r)
    active = (1.0 - p00) / (2.0 - p00 - p11)
    ll = 0.0
    for t, yt in enumerate(y):
        if t > 0:
            z = lift[t]
            up = 1.0 / (1.0 + math.exp(-(c0 + z)))
            stay = 1.0 / (1.0 + math.exp(-(c1 + z)))
            active = (1.0 - active) * up + active * stay
        common = math.lgamma(yt + r) - lgr - math.lgamma(yt + 1.0)
        f0 = common + lr0 + yt * lq0
        f1 = common + lr1 + yt * lq1
        top = max(f0, f1)
        w0 = (1.0 - active) * math.exp(f0 - top)
        w1 = active * math.exp(f1 - top)
        total = w0 + w1
        ll += math.log(total) + top
        active = w1 / total
    return ll


def _box(k: int) -> list[tuple[float, float]]:
    return [_M_BOUNDS, _Q_BOUNDS, _P_BOUNDS, _P_BOUNDS, _LOGPHI_BOUNDS] + [_COEF_BOUNDS] * k


def _clip(thetas: ArrayF, k: int) -> ArrayF:
    box = np.array(_box(k))
    return np.clip(thetas, box[:, 0], box[:, 1])


@dataclass(frozen=True)
class RegimeFit(PenalisedFit):
    """A fitted regime-switching model, positioned at the end of its training months.

    Fields as :class:`~peninsula.dynamics.penalised.PenalisedFit`; θ = (log μ_1, q, logit p_00,
    logit p_11, log φ, γ), the coefficients γ are log odds of the active regime next month (R1).
    """

    @property
    def values(self) -> dict[str, float]:
        """``mu_quiet, mu_active`` (launches per month), ``p_stay_quiet, p_stay_active``, ``phi``, the
        expected regime durations in months (1 / (1 − p)) and ``p_active_now`` (ξ_{T|T}(1))."""
        mu0, mu1, p00, p11, phi, _ = unpack(self.params.theta)
        _, active = regime_filter(self.y, self.params.theta, self.X)
        return {
            "mu_quiet": float(mu0),
            "mu_active": float(mu1),
            "p_stay_quiet": float(p00),
            "p_stay_active": float(p11),
            "phi": float(phi),
            "months_quiet": float(1.0 / (1.0 - p00)),
            "months_active": float(1.0 / (1.0 - p11)),
            "p_active_now": float(active),
        }

    def predictive(self, X_future: npt.ArrayLike, horizons: Sequence[int]) -> list[Mixture]:
        """Exact h-step predictive distributions (R5): two-component NB2 mixtures.

        Parameters
        ----------
        X_future:
            ``(H, k)`` covariates of the months after the training window (row h-1 for horizon h).
        horizons:
            Horizons h ≥ 1 (each ≤ H).
        """
        theta = self.params.theta
        mu0, mu1, p00, p11, phi, g = unpack(theta)
        Xf = as_matrix(X_future, len(self.covariates))
        _, active = regime_filter(self.y, theta, self.X)
        a = float(active)
        probs = []
        for j in range(max(horizons)):
            up, stay = transition(p00, p11, float(Xf[j] @ g))
            a = (1.0 - a) * float(up) + a * float(stay)
            probs.append(a)
        comps = (NegativeBinomial(float(mu0), float(phi)), NegativeBinomial(float(mu1), float(phi)))
        return [Mixture(comps, (1.0 - probs[h - 1], probs[h - 1])) for h in horizons]

    def draw_thetas(self, n: int, rng: RNGLike = None) -> ArrayF:
        """``(n, 5 + k)`` parameter draws from the Laplace approximation, clipped to the fitting box."""
        return _clip(self.params.draw(n, rng), len(self.covariates))

    def begin(
        self, thetas: ArrayF, history: tuple[npt.ArrayLike, npt.ArrayLike] | None = None
    ) -> dict[str, ArrayF]:
        """Filter the history (R4) for every draw: the state ``{"active"}``, P(active) after its last month.

        Public stepping API (with :meth:`step`); :meth:`simulate` is ``begin`` then one ``step`` per month.
        """
        y_hist, X_hist = self.history_arrays(history)
        th = np.atleast_2d(np.asarray(thetas, dtype=np.float64))
        _, active = regime_filter(y_hist, th, X_hist)
        return {"active": np.asarray(active, dtype=np.float64)}

    def step(
        self, thetas: ArrayF, state: dict[str, ArrayF], x: npt.ArrayLike, u: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.int64], ArrayF, ArrayF]:
        """Simulate one month for every draw (R1, R2) and update ``state`` in place.

        ``x`` is the month's posture, ``(k,)`` for all draws or ``(n, k)``; ``u`` holds ``(n,)`` uniforms.
        The regime is active when u ≥ P(quiet); the count is the regime's NB2 inverse CDF at u rescaled
        into that regime's share of [0, 1]. Returns ``(counts, r, p)``: the counts and the NB predictive
        of the drawn regime (shape r = 1/φ, probability p = r/(r + μ_s)). The state becomes the drawn
        regime (P(active) = 0 or 1).
        """
        th = np.atleast_2d(np.asarray(thetas, dtype=np.float64))
        mu0, mu1, p00, p11, phi, g = unpack(th)
        xx = np.asarray(x, dtype=np.float64)
        lift = g @ xx if xx.ndim == 1 else np.einsum("nk,nk->n", g, xx)
        up, stay = transition(p00, p11, lift)
        active = state["active"]
        p_active = (1.0 - active) * up + active * stay
        p_quiet = 1.0 - p_active
        uu = np.asarray(u, dtype=np.float64)
        is_active = uu >= p_quiet
        inner = np.where(
            is_active, (uu - p_quiet) / np.maximum(p_active, 1e-300), uu / np.maximum(p_quiet, 1e-300)
        )
        inner = np.clip(inner, 0.0, 1.0 - 1e-12)
        mu = np.minimum(np.where(is_active, mu1, mu0), self.mean_cap)
        r = 1.0 / phi
        prob = r / (r + mu)
        counts = stats.nbinom.ppf(inner, r, prob).astype(np.int64)
        state["active"] = is_active.astype(np.float64)
        return counts, r, prob


class RegimeModel(PenalisedCountModel[RegimeFit]):
    """Two-regime (quiet / active) hidden Markov model of monthly launches; posture moves the switching.

    Parameters as :class:`~peninsula.dynamics.penalised.PenalisedCountModel` (the posture covariates enter the
    log odds of the active regime next month, R1).

    Examples
    --------
    >>> from peninsula.dynamics.loading import load_data
    >>> fit = RegimeModel("events").fit(load_data(), end="2019-12")
    >>> fit.last_month, fit.values["mu_quiet"] < fit.values["mu_active"]
    ('2019-12', True)
    """

    name = "regime"
    reference = (
        "Zucchini, MacDonald & Langrock (2016), Hidden Markov Models for Time Series; "
        "Diebold, Lee & Weinbach (1994), time-varying transition probabilities"
    )

    def _fit(
        self, yy: npt.NDArray[np.int64], XX: ArrayF, first_month: str, last_month: str, uncertainty: bool
    ) -> RegimeFit:
        if len(yy) < 6:
            raise ValueError("the regime model needs at least 6 months to fit")
        if not (yy > 0).any():
            raise ValueError("the regime model needs at least one launch in the training window")
        yf = [float(v) for v in yy]
        k = XX.shape[1]
        stay, switch = REGIME_PRIOR
        sd = self.prior_sd

        def negll(theta: ArrayF) -> float:
            lift = (XX @ theta[_FIRST_COEF:]).tolist() if k else [0.0] * len(yf)
            return -regime_loglike(theta.tolist(), yf, lift)

        def penalty(theta: ArrayF) -> float:
            # Beta(1 + stay, 1 + switch) on p_00, p_11: stay·log p + switch·log(1 − p), with log p =
            # −log(1 + e^{−ℓ}) and log(1 − p) = −log(1 + e^{ℓ}).
            lp = 0.0
            for ell in (float(theta[2]), float(theta[3])):
                lp += -stay * math.log1p(math.exp(-ell)) - switch * math.log1p(math.exp(ell))
            return -lp + float(np.sum(theta[_FIRST_COEF:] ** 2)) / (2.0 * sd**2)

        top = float(max(yy.max(), 1))
        mean = max(float(np.mean(yy)), 0.05)
        # two starts inside the box (μ_1 ≥ 0.05, hence 0.06): a campaign-like and a flatter chain
        starts = [
            np.r_[math.log(min(2.0 * mean, top)), -3.0, 2.0, 2.0, math.log(0.2), np.zeros(k)],
            np.r_[math.log(max(mean, 0.06)), -1.0, 1.0, 1.0, math.log(0.5), np.zeros(k)],
        ]
        params = fit_penalised(negll, starts, _box(k), penalty, uncertainty, hold_at_bounds=True)
        return RegimeFit(self.target, self.covariates, params, yy, XX, first_month, last_month)
