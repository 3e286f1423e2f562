"""Property tests of the exchange kernel: no generated input crashes it, and it equals the reference.

Generators come from ``tests/strategies.py`` (ties, zero saliences and capabilities, actors missing on
issues, single issues, identical positions).
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peninsula.core import Actor, Issue, Scenario, Stance
from peninsula.kernels.exchange import exchange_round
from peninsula.models.exchange import Exchange, ExchangeRandom, _Arrays
from tests.models import exchange_reference as ref
from tests.models.test_exchange import _compare, _fast_rounds, _inputs
from tests.strategies import scenarios

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(s=scenarios(max_actors=8, max_issues=4), seed=st.integers(0, 2**32 - 1), p=st.sampled_from([0.0, 0.7]),
       coin=st.booleans(), clean=st.booleans())
def test_kernel_equals_reference_on_generated_scenarios(
    s: Scenario, seed: int, p: float, coin: bool, clean: bool
) -> None:
    arr, X, sal, cap = _inputs(s)
    ref_rounds = ref.run_keyed(X, sal, cap, 3, seed=seed, p=p, coin=coin, clean=clean)
    fast = _fast_rounds(arr, 3, p=p, seed=seed, tie_mode=1 if coin else 0, clean=clean)
    _compare(arr, ref_rounds, fast)


@st.composite
def symmetric_scenarios(draw: st.DrawFn) -> Scenario:
    """Scenarios built from a few repeated actor profiles: exact ties in gain everywhere."""
    n_issues = draw(st.integers(2, 4))
    profiles = draw(st.lists(st.tuples(*[st.tuples(st.sampled_from([0.0, 25.0, 50.0, 100.0]),
                                                     st.sampled_from([0.2, 0.5, 0.9]))
                                          for _ in range(n_issues)]), min_size=2, max_size=3))
    copies = draw(st.integers(2, 3))
    actors, stances = [], []
    for k, prof in enumerate(profiles * copies):
        actors.append(Actor(id=f"a{k}", capability=1.0))
        for d, (x, sal) in enumerate(prof):
            stances.append(Stance(actor=f"a{k}", issue=f"i{d}", position=x, salience=sal))
    issues = [Issue(id=f"i{d}") for d in range(n_issues)]
    return Scenario(id="sym", actors=actors, issues=issues, stances=stances)


@SETTINGS
@given(s=symmetric_scenarios(), coin=st.booleans(), seed=st.integers(0, 1000), clean=st.booleans())
def test_kernel_equals_reference_under_many_exact_ties(
    s: Scenario, coin: bool, seed: int, clean: bool
) -> None:
    arr, X, sal, cap = _inputs(s)
    ref_rounds = ref.run_keyed(X, sal, cap, 3, seed=seed, coin=coin, clean=clean)
    fast = _fast_rounds(arr, 3, seed=seed, tie_mode=1 if coin else 0, clean=clean)
    _compare(arr, ref_rounds, fast)


@SETTINGS
@given(s=scenarios(max_actors=7, max_issues=3), seed=st.integers(0, 2**32 - 1))
def test_models_never_crash_and_stay_on_the_scale(s: Scenario, seed: int) -> None:
    for model in (Exchange(), ExchangeRandom(p=1.0)):
        run = model.run(s, rounds=3, rng=seed)
        for issue_id, res in run.issues.items():
            issue = s.issue(issue_id)
            for rec in res.rounds:
                for x in [*rec.positions.values(), *rec.extra["voting_positions"].values()]:
                    assert issue.lower <= x <= issue.upper
        for e in run.events:
            assert e["gain"] >= 0  # a tie duplicate updated by its own realisation may end at 0


def test_one_issue_and_identical_positions_give_no_exchange() -> None:
    one = Scenario(id="one", actors=[Actor(id="A", capability=1), Actor(id="B", capability=1)],
                   issues=[Issue(id="x")],
                   stances=[Stance(actor="A", issue="x", position=0, salience=1),
                            Stance(actor="B", issue="x", position=100, salience=1)])
    run = Exchange().run(one)
    assert run.events == [] and run.issues["x"].outcome == 50
    same = np.full((3, 2), 40.0)
    res = exchange_round(same, np.full((3, 2), 0.5), np.ones((3, 2)))
    assert res.exchanges.shape[0] == 0
    assert np.array_equal(res.preference, same)


def test_zero_weight_cells_take_no_part() -> None:
    X = np.array([[0.0, 100.0], [100.0, 0.0]])
    s = np.array([[0.9, 0.0], [0.2, 0.9]])
    res = exchange_round(X, s, np.ones_like(X))
    assert res.exchanges.shape[0] == 0
    arr = _Arrays(Scenario(id="z", actors=[Actor(id="A", capability=0.0)], issues=[Issue(id="x")],
                           stances=[Stance(actor="A", issue="x", position=3, salience=0.5)]))
    assert arr.c.tolist() == [[0.0]]
    run = Exchange().run(Scenario(id="z", actors=[Actor(id="A", capability=0.0)], issues=[Issue(id="x")],
                                  stances=[Stance(actor="A", issue="x", position=3, salience=0.5)]))
    assert run.issues["x"].outcome is None and run.issues["x"].notes
