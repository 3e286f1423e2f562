"""Log score and RPS arithmetic against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peninsula.dynamics.scoring import NegativeBinomial, Poisson, log_score, quantile, rps


def test_geometric_case() -> None:
    # NB2 with mu = 1, alpha = 1 is geometric: P(k) = 0.5**(k+1), F(k) = 1 - 0.5**(k+1).
    dist = NegativeBinomial(1.0, 1.0)
    assert log_score(dist, 1) == pytest.approx(math.log(0.25))
    # RPS at y = 1: F(0)**2 + sum_{k>=1} (1 - F(k))**2 = 0.25 + sum_{k>=1} 0.25**(k+1) = 0.25 + 1/12.
    assert rps(dist, 1) == pytest.approx(1 / 3, abs=1e-10)
    # RPS at y = 0: sum_{k>=0} 0.25**(k+1) = 1/3 as well (symmetry of this case).
    assert rps(dist, 0) == pytest.approx(1 / 3, abs=1e-10)
    # quantiles: F(2) = 0.875 < 0.9 <= F(3) = 0.9375; F(0) = 0.5 >= 0.1.
    assert quantile(dist, 0.9) == 3.0
    assert quantile(dist, 0.1) == 0.0


def test_poisson_case() -> None:
    dist = Poisson(1.0)
    assert log_score(dist, 0) == pytest.approx(-1.0)
    assert log_score(dist, 2) == pytest.approx(-1.0 - math.log(2))
    # RPS at y = 0 is sum_k (1 - F(k))**2; the first terms by hand:
    # (1 - e^-1)^2 + (1 - 2e^-1)^2 + (1 - 2.5e^-1)^2 + (1 - 8/3 e^-1)^2 + ...
    e = math.exp(-1)
    terms = [(1 - e) ** 2, (1 - 2 * e) ** 2, (1 - 2.5 * e) ** 2, (1 - 8 / 3 * e) ** 2, (1 - 65 / 24 * e) ** 2]
    assert sum(terms) == pytest.approx(0.476222, abs=1e-6)
    assert rps(dist, 0) == pytest.approx(sum(terms), abs=1e-5)


def test_degenerate_forecast_scores_zero_rps() -> None:
    # A near-point mass at 0 scores (almost) perfectly on 0 and pays 1 per unit of error in RPS.
    dist = Poisson(1e-9)
    assert rps(dist, 0) == pytest.approx(0.0, abs=1e-8)
    assert rps(dist, 3) == pytest.approx(3.0, abs=1e-6)


def test_nb_tends_to_poisson() -> None:
    assert log_score(NegativeBinomial(2.0, 1e-7), 3) == pytest.approx(log_score(Poisson(2.0), 3), abs=1e-5)
    assert log_score(NegativeBinomial(2.0, 0.0), 3) == log_score(Poisson(2.0), 3)


def test_quantile_rejects_bad_level() -> None:
    with pytest.raises(ValueError):
        quantile(Poisson(1.0), 1.0)


def test_mixture_is_the_average_of_its_components() -> None:
    from peninsula.dynamics.scoring import NegativeBinomialMixture

    mix = NegativeBinomialMixture(np.array([0.5, 3.0]), np.array([0.2, 1.5]))
    a, b = NegativeBinomial(0.5, 0.2), NegativeBinomial(3.0, 1.5)
    for k in (0, 1, 4, 9):
        p = 0.5 * (math.exp(log_score(a, k)) + math.exp(log_score(b, k)))
        assert log_score(mix, k) == pytest.approx(math.log(p), rel=1e-9)
        assert float(mix.cdf(k)) == pytest.approx(0.5 * float(a.cdf(k) + b.cdf(k)), rel=1e-9)
    assert mix.mean == pytest.approx(1.75)
    assert rps(mix, 2) == pytest.approx(
        sum((0.5 * float(a.cdf(k) + b.cdf(k)) - (k >= 2)) ** 2 for k in range(400)), rel=1e-9
    )


@settings(max_examples=60, deadline=None)
@given(
    mu=st.floats(0.01, 30.0),
    alpha=st.floats(0.01, 5.0),
    y=st.integers(0, 40),
)
def test_score_invariants(mu: float, alpha: float, y: int) -> None:
    from peninsula.dynamics.scoring import NegativeBinomialMixture

    dist = NegativeBinomial(mu, alpha)
    assert log_score(dist, y) <= 0.0
    assert rps(dist, y) >= 0.0
    assert quantile(dist, 0.1) <= quantile(dist, 0.9)
    # A mixture of identical components is that component.
    mix = NegativeBinomialMixture(np.array([mu, mu]), np.array([alpha, alpha]))
    assert log_score(mix, y) == pytest.approx(log_score(dist, y), rel=1e-6, abs=1e-9)
    assert rps(mix, y) == pytest.approx(rps(dist, y), rel=1e-6, abs=1e-9)
