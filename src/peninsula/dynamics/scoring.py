"""Count predictive distributions and proper scoring rules (log score, ranked probability score).

All distributions are over launch counts per month (0, 1, 2, ...). The scores follow Czado, Gneiting and
Held (2009), "Predictive model assessment for count data", *Biometrics* 65:1254-1261:

* log score ``log p(y)``: natural log of the predictive probability of the observed count (higher is
  better; the issue's sign convention, the negative of Czado et al.'s ``logs``);
* ranked probability score ``RPS = Σ_{k≥0} (F(k) − 1{y ≤ k})²`` (lower is better; unnormalised, in
  units of counts; Eq. 2 of Czado et al.), summed until the predictive CDF is within 1e-12 of 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import numpy as np
import numpy.typing as npt
from scipy import special, stats

__all__ = [
    "CountDistribution",
    "Mixture",
    "NegativeBinomial",
    "NegativeBinomialMixture",
    "Poisson",
    "log_score",
    "quantile",
    "rps",
]

_TAIL = 1e-12
_MAX_SUPPORT = 100_000
MIXTURE_SUPPORT_CAP = 20_000  # counts; far above any month on record (max 5 events, 10 missiles)


class CountDistribution(Protocol):
    """A predictive distribution over counts 0, 1, 2, ..."""

    @property
    def mean(self) -> float:
        """Expected count."""
        ...

    def logpmf(self, k: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Natural log of the probability of each count in ``k``."""
        ...

    def cdf(self, k: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """P(Y <= k) for each count in ``k``."""
        ...


@dataclass(frozen=True)
class Poisson:
    """Poisson distribution with mean ``mu`` (counts per month).

    Examples
    --------
    >>> round(float(Poisson(1.0).logpmf(0)), 6)
    -1.0
    """

    mu: float

    @property
    def mean(self) -> float:
        """Expected count (``mu``)."""
        return self.mu

    def logpmf(self, k: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Natural log of P(Y = k)."""
        return np.asarray(stats.poisson.logpmf(k, self.mu), dtype=np.float64)

    def cdf(self, k: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """P(Y <= k)."""
        return np.asarray(stats.poisson.cdf(k, self.mu), dtype=np.float64)


@dataclass(frozen=True)
class NegativeBinomial:
    """NB2 negative binomial with mean ``mu`` and dispersion ``alpha``: Var = mu + alpha·mu².

    ``alpha = 0`` is the Poisson limit. In scipy's parametrisation ``n = 1/alpha``, ``p = 1/(1 + alpha·mu)``.

    Examples
    --------
    >>> round(float(NegativeBinomial(1.0, 1.0).logpmf(0)), 6)  # p(0) = 1/(1+1) = 0.5
    -0.693147
    """

    mu: float
    alpha: float

    @property
    def mean(self) -> float:
        """Expected count (``mu``)."""
        return self.mu

    def _scipy(self) -> tuple[float, float]:
        n = 1.0 / self.alpha
        return n, n / (n + self.mu)

    def logpmf(self, k: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Natural log of P(Y = k)."""
        if self.alpha <= 0:
            return Poisson(self.mu).logpmf(k)
        n, p = self._scipy()
        return np.asarray(stats.nbinom.logpmf(k, n, p), dtype=np.float64)

    def cdf(self, k: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """P(Y <= k)."""
        if self.alpha <= 0:
            return Poisson(self.mu).cdf(k)
        n, p = self._scipy()
        return np.asarray(stats.nbinom.cdf(k, n, p), dtype=np.float64)


@dataclass(frozen=True)
class NegativeBinomialMixture:
    """Equal-weight mixture of NB2 distributions (a predictive averaged over parameter draws).

    The mixture pmf is computed once on ``0..K``, with ``K`` twelve standard deviations above the largest
    component mean (at most :data:`MIXTURE_SUPPORT_CAP`); mass beyond ``K`` is treated as negligible.

    Attributes
    ----------
    mus:
        Component means (counts per month).
    alphas:
        Component dispersions (> 0).

    Examples
    --------
    >>> mix = NegativeBinomialMixture(np.array([1.0, 1.0]), np.array([1.0, 1.0]))
    >>> round(float(mix.logpmf(0)), 6)  # same as one geometric component
    -0.693147
    """

    mus: npt.NDArray[np.float64]
    alphas: npt.NDArray[np.float64]

    @property
    def mean(self) -> float:
        """Expected count (mean of the component means)."""
        return float(np.mean(self.mus))

    def _component_logpmf(self, k: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """``(components, len(k))`` NB2 log pmf, written out (scipy's generic code is slow on big grids)."""
        mus = np.maximum(np.asarray(self.mus, dtype=np.float64), 1e-300)[:, None]  # exp() can underflow
        n = 1.0 / np.asarray(self.alphas, dtype=np.float64)[:, None]
        kk = k[None, :]
        return np.asarray(
            special.gammaln(kk + n)
            - special.gammaln(n)
            - special.gammaln(kk + 1.0)
            + n * np.log(n / (n + mus))
            + kk * np.log(mus / (n + mus)),
            dtype=np.float64,
        )

    @cached_property
    def _pmf(self) -> npt.NDArray[np.float64]:
        mus = np.asarray(self.mus, dtype=np.float64)
        sd = np.sqrt(mus + self.alphas * mus**2)
        top = int(min(float(np.max(mus + 12.0 * sd)) + 20.0, MIXTURE_SUPPORT_CAP))
        logp = self._component_logpmf(np.arange(top + 1, dtype=np.float64))
        return np.asarray(np.mean(np.exp(logp), axis=0), dtype=np.float64)

    @cached_property
    def _cum(self) -> npt.NDArray[np.float64]:
        return np.minimum(np.cumsum(self._pmf), 1.0)

    def logpmf(self, k: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Natural log of P(Y = k) (exact also beyond the cached support, by log-mean-exp)."""
        kk = np.asarray(k, dtype=np.int64)
        flat = kk.reshape(-1)
        comp = self._component_logpmf(np.maximum(flat, 0).astype(np.float64))
        out = special.logsumexp(comp, axis=0) - np.log(comp.shape[0])
        out = np.where(flat < 0, -np.inf, out)
        return np.asarray(out.reshape(kk.shape), dtype=np.float64)

    def cdf(self, k: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """P(Y <= k)."""
        kk = np.asarray(k, dtype=np.int64)
        last = len(self._cum) - 1
        out = np.where(kk < 0, 0.0, np.where(kk > last, 1.0, self._cum[np.clip(kk, 0, last)]))
        return np.asarray(out, dtype=np.float64)


@dataclass(frozen=True)
class Mixture:
    """A finite mixture of count distributions, weights summing to 1 (the combination's C1, the regime
    model's R5).

    Examples
    --------
    >>> from peninsula.dynamics.scoring import Poisson
    >>> m = Mixture((Poisson(1.0), Poisson(3.0)), (0.25, 0.75))
    >>> m.mean, bool(abs(float(m.cdf(0)) - (0.25 * np.exp(-1) + 0.75 * np.exp(-3))) < 1e-12)
    (2.5, True)
    """

    components: tuple[CountDistribution, ...]
    weights: tuple[float, ...]

    @property
    def mean(self) -> float:
        """Σ w_k mean_k."""
        return float(sum(w * c.mean for w, c in zip(self.weights, self.components, strict=True)))

    @cached_property
    def _logw(self) -> npt.NDArray[np.float64]:
        with np.errstate(divide="ignore"):
            return np.log(np.asarray(self.weights, dtype=np.float64))

    def logpmf(self, k: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """log Σ w_k p_k(k) (log-sum-exp)."""
        kk = np.asarray(k)
        comp = np.stack([np.asarray(c.logpmf(kk), dtype=np.float64) for c in self.components])
        lw = self._logw.reshape((-1,) + (1,) * kk.ndim)
        return np.asarray(special.logsumexp(comp + lw, axis=0), dtype=np.float64)

    def cdf(self, k: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Σ w_k F_k(k)."""
        kk = np.asarray(k)
        comp = np.stack([np.asarray(c.cdf(kk), dtype=np.float64) for c in self.components])
        w = np.asarray(self.weights, dtype=np.float64).reshape((-1,) + (1,) * kk.ndim)
        return np.asarray(np.sum(comp * w, axis=0), dtype=np.float64)


def _support(dist: CountDistribution, at_least: int) -> npt.NDArray[np.int64]:
    top = max(at_least, 16, math.ceil(dist.mean * 4) + 16)
    while float(dist.cdf(top)) < 1.0 - _TAIL and top < _MAX_SUPPORT:
        top *= 2
    return np.arange(top + 1, dtype=np.int64)


def log_score(dist: CountDistribution, observed: int) -> float:
    """Natural log of the predictive probability of the observed count (higher is better).

    Examples
    --------
    >>> round(log_score(Poisson(2.0), 1), 6)  # log(2 e^-2) = log 2 - 2
    -1.306853
    """
    return float(dist.logpmf(observed))


def rps(dist: CountDistribution, observed: int) -> float:
    """Ranked probability score ``Σ_k (F(k) − 1{observed ≤ k})²`` (lower is better, unit: counts).

    Examples
    --------
    >>> round(rps(Poisson(1.0), 0), 6)  # (e^-1 - 1)^2 + (2e^-1 - 1)^2 + ...
    0.476222
    """
    k = _support(dist, observed + 1)
    cdf = dist.cdf(k)
    step = (k >= observed).astype(np.float64)
    return float(np.sum((cdf - step) ** 2))


def quantile(dist: CountDistribution, q: float) -> float:
    """Smallest count ``k`` with ``P(Y <= k) >= q`` (returned as a float for JSON).

    Examples
    --------
    >>> quantile(Poisson(1.0), 0.5)
    1.0
    """
    if not 0.0 < q < 1.0:
        raise ValueError(f"q must be in (0, 1), got {q}")
    k = _support(dist, 0)
    cdf = dist.cdf(k)
    return float(k[int(np.searchsorted(cdf, q - 1e-12, side="left"))])
