"""Forecast combination: the weight update by hand, the mixture, no look-ahead (poisoned future rows)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peninsula.dynamics.combination import (
    COMPONENTS,
    FORGETTING,
    CombinationModel,
    Mixture,
    combine_forecasts,
    dma_weights,
)
from peninsula.dynamics.loading import load_data
from peninsula.dynamics.origins import truncate
from peninsula.dynamics.rolling import run_rolling
from peninsula.dynamics.scoring import NegativeBinomial, Poisson, log_score


def test_weight_update_by_hand() -> None:
    # Two models; predictive probabilities of the observed count: month 1 (.2, .4), month 2 (.5, .1);
    # forgetting α = .5; weights for the forecast made at the end of month 2.
    # Raftery et al. (2010), by hand, starting from (.5, .5):
    #   predict month 1: (.5^.5, .5^.5) normalised = (.5, .5); update: (.1, .2) -> (1/3, 2/3)
    #   predict month 2: ((1/3)^.5, (2/3)^.5) = (.57735, .81650) -> (.41421, .58579)
    #   update: (.41421 * .5, .58579 * .1) = (.207107, .058579) -> (.77957, .22043)
    #   predict month 3: (.77957^.5, .22043^.5) = (.88293, .46950) -> (.6529, .3471)
    ls = np.log([[0.2, 0.5], [0.4, 0.1]])
    w = dma_weights(ls, [2, 1], forgetting=0.5)  # ages T + 1 - s with T = 2
    assert w == pytest.approx([0.6529, 0.3471], abs=2e-4)
    # ...and the recursion itself, literally
    pi = np.array([0.5, 0.5])
    for p in ([0.2, 0.4], [0.5, 0.1]):
        pi = pi**0.5 / (pi**0.5).sum()
        pi = pi * np.array(p) / (pi * np.array(p)).sum()
    pi = pi**0.5 / (pi**0.5).sum()
    assert w == pytest.approx(pi, rel=1e-12)
    # nothing resolved: equal weights; α = 1: static Bayes (weights ∝ product of predictive probabilities)
    assert dma_weights(np.zeros((3, 0)), []) == pytest.approx([1 / 3] * 3)
    assert dma_weights(ls, [2, 1], forgetting=1.0) == pytest.approx([0.1 / 0.14, 0.04 / 0.14])
    with pytest.raises(ValueError, match="resolved"):
        dma_weights(ls, [1, 0])


def test_mixture_by_hand() -> None:
    a, b = Poisson(1.0), NegativeBinomial(3.0, 0.5)
    m = Mixture((a, b), (0.3, 0.7))
    k = np.arange(6)
    assert np.exp(m.logpmf(k)) == pytest.approx(0.3 * np.exp(a.logpmf(k)) + 0.7 * np.exp(b.logpmf(k)))
    assert m.cdf(k) == pytest.approx(0.3 * a.cdf(k) + 0.7 * b.cdf(k))
    assert m.mean == pytest.approx(0.3 * 1.0 + 0.7 * 3.0)


@settings(max_examples=50, deadline=None)
@given(
    w=st.floats(0.01, 0.99),
    mu1=st.floats(0.05, 10.0),
    mu2=st.floats(0.05, 10.0),
    y=st.integers(0, 30),
)
def test_mixture_log_score_is_at_least_the_weighted_average(w: float, mu1: float, mu2: float, y: int) -> None:
    a, b = NegativeBinomial(mu1, 0.5), Poisson(mu2)
    mix = Mixture((a, b), (w, 1.0 - w))
    assert log_score(mix, y) >= w * log_score(a, y) + (1 - w) * log_score(b, y) - 1e-9


def test_combine_forecasts_ignores_unresolved_scores() -> None:
    dists = {"a": [Poisson(1.0)] * 3, "b": [Poisson(2.0)] * 3}
    scores = {"a": [("2020-02", -1.0), ("2020-03", -0.5)], "b": [("2020-02", -2.0), ("2020-03", -3.0)]}
    out = combine_forecasts(["2020-01", "2020-02", "2020-03"], dists, scores, forgetting=0.9)
    assert out[0][1] == pytest.approx([0.5, 0.5])  # nothing resolved at 2020-01
    assert out[1][1] == pytest.approx(dma_weights([[-1.0], [-2.0]], [1], 0.9))
    assert out[2][1] == pytest.approx(dma_weights([[-1.0, -0.5], [-2.0, -3.0]], [2, 1], 0.9))
    # a poisoned score of a month after the origin changes nothing at that origin
    poisoned = {"a": [("2020-02", -1.0), ("2020-03", -99.0)], "b": scores["b"]}
    again = combine_forecasts(["2020-01", "2020-02", "2020-03"], dists, poisoned, forgetting=0.9)
    assert again[1][1] == pytest.approx(out[1][1]) and again[0][1] == pytest.approx(out[0][1])
    assert again[2][1] != pytest.approx(out[2][1])


def _poisoned(n_keep: int, month: int, value: int):  # type: ignore[no-untyped-def]
    data = truncate(load_data(), n_keep)
    events = data.monthly.events.copy()
    events[month] = value
    return replace(data, monthly=replace(data.monthly, events=events))


def test_rolling_combination_never_sees_its_future() -> None:
    models = ("combination", "climatology", "last12")
    clean = run_rolling(truncate(load_data(), 44), horizons=(1, 3), min_train=30, models=models)
    poisoned = run_rolling(_poisoned(44, 40, 40), horizons=(1, 3), min_train=30, models=models)
    bad = str(load_data().monthly.months[40])  # the poisoned month, 2019-05
    for h in (1, 3):
        for f, g in zip(clean.forecasts["combination"][h], poisoned.forecasts["combination"][h], strict=True):
            assert (f.origin, f.month) == (g.origin, g.month)
            if f.origin < bad:  # made before the poisoned month: the same distribution
                assert f.mean == g.mean, (h, f.origin)
                if f.month != bad:  # ...scored on the same count
                    assert (f.log_score, f.pit_lo, f.pit_hi) == (g.log_score, g.pit_lo, g.pit_hi)
            else:  # the poison is in the past: it reaches the components (and later the weights)
                assert f.mean != pytest.approx(g.mean), (h, f.origin)


def test_fit_weights_use_only_the_training_window() -> None:
    clean = CombinationModel("events").fit(load_data(), end="2018-06", uncertainty=False)
    poisoned = CombinationModel("events").fit(_poisoned(72, 30, 40), end="2018-06", uncertainty=False)
    assert clean.weights == poisoned.weights and clean.resolved == poisoned.resolved == 6
    assert math.isclose(sum(clean.weights), 1.0)
    # the weights are (C2) of the components' one-step forecasts at origins 2017-12..2018-05
    ev = run_rolling(truncate(load_data(), 30), horizons=(1,), models=COMPONENTS)
    ls = np.array([[f.log_score for f in ev.forecasts[c][1]] for c in COMPONENTS])
    ages = np.arange(ls.shape[1], 0, -1)
    assert clean.weights == pytest.approx(tuple(dma_weights(ls, ages, FORGETTING)))
    # a poisoned month inside the window moves them
    inside = CombinationModel("events").fit(_poisoned(72, 27, 40), end="2018-06", uncertainty=False)
    assert inside.weights != pytest.approx(clean.weights)


def test_rolling_weights_are_learned_per_horizon() -> None:
    # At horizon h the weights at origin T come from the components' own h-step scores whose target month
    # is <= T (C2), not from their one-step scores: rebuild every h = 3 mean from the components' forecasts.
    ev = run_rolling(
        truncate(load_data(), 44), horizons=(1, 3), min_train=30, models=(*COMPONENTS, "combination")
    )
    h = 3
    comb = ev.forecasts["combination"][h]
    comp = {c: ev.forecasts[c][h] for c in COMPONENTS}
    one = {c: ev.forecasts[c][1] for c in COMPONENTS}
    months = np.array([np.datetime64(f.month, "M").astype(np.int64) for f in comp[COMPONENTS[0]]])
    months1 = np.array([np.datetime64(f.month, "M").astype(np.int64) for f in one[COMPONENTS[0]]])
    ls = np.array([[f.log_score for f in comp[c]] for c in COMPONENTS])
    ls1 = np.array([[f.log_score for f in one[c]] for c in COMPONENTS])
    differs = 0
    for i, f in enumerate(comb):
        T = np.datetime64(f.origin, "M").astype(np.int64)
        assert all(comp[c][i].origin == f.origin for c in COMPONENTS)
        means = np.array([comp[c][i].mean for c in COMPONENTS])
        ok = months <= T
        w = dma_weights(ls[:, ok], T + 1 - months[ok], FORGETTING)
        assert f.mean == pytest.approx(float(w @ means), rel=1e-9), f.origin
        ok1 = months1 <= T
        w1 = dma_weights(ls1[:, ok1], T + 1 - months1[ok1], FORGETTING)
        differs += not math.isclose(float(w1 @ means), f.mean, rel_tol=1e-6)
    assert differs > 0  # one-step weights would give other forecasts: the test tells the two apart
