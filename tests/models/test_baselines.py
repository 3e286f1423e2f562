"""Baselines: hand-computed cases, the DEU training half's published figures, and invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peninsula.api import evaluate
from peninsula.core import Actor, Issue, Scenario, Stance
from peninsula.kernels import weighted_mean, weighted_median
from peninsula.models.baselines import Compromise, Mean, Median, MedianActor
from tests.conftest import DEU
from tests.strategies import permuted, scaled_capabilities, scenarios

BASELINES = [Compromise, Mean, Median, MedianActor]


def _toy() -> Scenario:
    # positions 0, 40, 100; capabilities 1, 2, 3; saliences 1, 0.5, 0.5 -> weights 1, 1, 1.5 (total 3.5)
    return Scenario(
        id="toy",
        actors=[Actor(id="a", capability=1), Actor(id="b", capability=2), Actor(id="c", capability=3)],
        issues=[Issue(id="x")],
        stances=[
            Stance(actor="a", issue="x", position=0, salience=1),
            Stance(actor="b", issue="x", position=40, salience=0.5),
            Stance(actor="c", issue="x", position=100, salience=0.5),
        ],
    )


def test_hand_computed_toy() -> None:
    s = _toy()
    out = {cls.info.name: cls().run(s).issues["x"].outcome for cls in BASELINES}
    assert out["compromise"] == pytest.approx((0 * 1 + 40 * 1 + 100 * 1.5) / 3.5)  # 54.2857...
    assert out["mean"] == pytest.approx(140 / 3)
    assert out["median"] == 40.0  # cumulative 1, 2 >= 1.75 at position 40
    assert out["median-actor"] == 40.0


def test_weighted_median_half_weight_rule() -> None:
    # cumulative weight hits exactly half at 10: midpoint with the next actor of positive weight (30),
    # skipping the zero-weight actor at 20
    x = np.array([10.0, 20.0, 30.0, 0.0])
    w = np.array([1.0, 0.0, 2.0, 1.0])
    assert weighted_median(x, w) == 20.0
    # the next actor may stand at the same position: then the midpoint is that position
    assert weighted_median(np.array([5.0, 5.0, 9.0, 9.0]), np.ones(4)) == 7.0
    assert weighted_median(np.array([5.0, 5.0, 5.0, 9.0]), np.ones(4)) == 5.0


def test_zero_weights_give_no_forecast_with_a_note() -> None:
    s = _toy()
    zero = Scenario(
        id="z",
        actors=s.actors,
        issues=s.issues,
        stances=[t.model_copy(update={"salience": 0.0}) for t in s.stances],
    )
    res = Compromise().run(zero).issues["x"]
    assert res.outcome is None and "sum to zero" in res.notes[0]
    assert Mean().run(zero).issues["x"].outcome == pytest.approx(140 / 3)
    with pytest.raises(ValueError):
        weighted_mean(np.array([1.0]), np.array([0.0]))


def test_deu_training_half_reproduces_published_baselines() -> None:
    ev = evaluate(
        [DEU / "deu_train"], DEU / "deu_train_issues.csv", ["compromise", "mean", "median", "median-actor"]
    )
    s = ev.summary
    assert (s["n"] == 176).all()
    assert round(float(s.loc["compromise", "mae"]), 2) == 21.20
    assert round(float(s.loc["mean", "mae"]), 2) == 23.06
    assert round(float(s.loc["median", "mae"]), 2) == 26.57
    assert round(float(s.loc["median-actor", "mae"]), 2) == 28.77


@pytest.mark.parametrize("cls", BASELINES)
@settings(max_examples=60, deadline=None)
@given(s=scenarios(min_actors=1), data=st.data(), factor=st.floats(1e-3, 1e3))
def test_invariants(cls: type, s: Scenario, data: st.DataObject, factor: float) -> None:
    base = cls().run(s)
    order = data.draw(st.permutations(list(range(len(s.actors)))))
    for other in (cls().run(permuted(s, order)), cls().run(scaled_capabilities(s, factor))):
        for issue_id in s.issue_ids:
            a, b = base.issues[issue_id].outcome, other.issues[issue_id].outcome
            if a is None or b is None:
                assert a is b
            else:
                assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9 * s.issue(issue_id).span)
    for issue_id in s.issue_ids:
        out = base.issues[issue_id].outcome
        xs = s.issue_data(issue_id).positions
        if out is not None:
            assert xs.min() - 1e-9 * s.issue(issue_id).span <= out <= xs.max() + 1e-9 * s.issue(issue_id).span


def test_tiny_weights_do_not_underflow() -> None:
    # found by hypothesis: capability 0.5 x salience 5e-324 underflowed to a zero total weight
    s = Scenario(
        id="tiny",
        actors=[Actor(id="a", capability=0.5)],
        issues=[Issue(id="x", lower=0, upper=1)],
        stances=[Stance(actor="a", issue="x", position=0.25, salience=5e-324)],
    )
    assert Compromise().run(s).issues["x"].outcome == 0.25
    assert Median().run(s).issues["x"].outcome == 0.25
