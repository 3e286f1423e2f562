"""Invariants of the cohesion measure, on the suite's shared scenario generator."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from peninsula.core import Scenario
from peninsula.scenarios import cohesion
from tests.strategies import permuted, scaled_capabilities, scenarios

PAIR = ("a0", "a1")


def _defined(s: Scenario) -> bool:
    try:
        cohesion(s, allies=PAIR)
    except ValueError:
        return False
    return True


@settings(max_examples=200, deadline=None)
@given(scenarios(min_actors=2))
def test_cohesion_lies_in_0_1_and_is_symmetric(s: Scenario) -> None:
    assume(_defined(s))
    c = cohesion(s, allies=PAIR)
    assert 0.0 <= c.value <= 1.0
    assert c.value == pytest.approx(1.0 - c.distance)
    assert cohesion(s, allies=("a1", "a0")).value == pytest.approx(c.value)


@settings(max_examples=200, deadline=None)
@given(scenarios(min_actors=2), st.randoms(use_true_random=False))
def test_cohesion_ignores_actor_order_and_capabilities(s: Scenario, rnd: object) -> None:
    assume(_defined(s))
    order = list(range(len(s.actors)))
    rnd.shuffle(order)  # type: ignore[attr-defined]
    value = cohesion(s, allies=PAIR).value
    assert cohesion(permuted(s, order), allies=PAIR).value == pytest.approx(value)
    assert cohesion(scaled_capabilities(s, 3.0), allies=PAIR).value == pytest.approx(value)


@settings(max_examples=200, deadline=None)
@given(scenarios(min_actors=2))
def test_allies_at_one_position_are_fully_cohesive(s: Scenario) -> None:
    assume(_defined(s))
    same = {i.id: {"a0": i.lower, "a1": i.lower} for i in s.issues}
    assert cohesion(s, same, allies=PAIR).value == pytest.approx(1.0)
