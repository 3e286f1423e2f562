"""The conformance suite every registered model passes (STYLE habit 2).

For each registry entry: metadata matches its name; ``clone`` equals the original; the outcome lies in
the hull of the positions; a fixed ``rng`` gives identical output; the input scenario is not mutated;
permuting actors changes nothing unless the model declares itself order-dependent; and no generated
input, degenerate ones included, makes it crash.
"""

from __future__ import annotations

import copy
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peninsula.core import Scenario
from peninsula.models import REGISTRY, Model, ModelRun
from tests.strategies import permuted, scenarios

MODELS = sorted(REGISTRY)
ROUNDS = 4
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _outcomes(run: ModelRun) -> dict[str, float | None]:
    return {i: r.outcome for i, r in run.issues.items()}


def _close(a: float | None, b: float | None, span: float) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9 * max(span, 1.0))


@pytest.mark.parametrize("name", MODELS)
def test_metadata_and_clone(name: str) -> None:
    cls = REGISTRY[name]
    assert cls.info.name == name
    assert cls.info.reference, "every model cites its definition"
    assert cls.__doc__, "every model documents itself"
    model = cls()
    assert model.clone() == model
    assert set(model.get_params()) == {p.name for p in cls.param_info()}


@pytest.mark.parametrize("name", MODELS)
@SETTINGS
@given(s=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_outcome_in_hull_deterministic_and_pure(name: str, s: Scenario, seed: int) -> None:
    model: Model = REGISTRY[name]()
    before = copy.deepcopy(s.model_dump())
    run = model.run(s, rounds=ROUNDS, rng=seed)
    assert s.model_dump() == before, "the model mutated its input"
    assert set(run.issues) == set(s.issue_ids)
    for issue_id, res in run.issues.items():
        data = s.issue_data(issue_id)
        assert res.rounds, "round 0 is always reported"
        assert res.rounds[0].round == 0
        assert res.rounds[0].positions == pytest.approx(
            dict(zip(data.actor_ids, data.positions.tolist(), strict=True))
        )
        if res.outcome is None:
            assert res.notes, "a missing outcome is explained"
            continue
        lo, hi = float(data.positions.min()), float(data.positions.max())
        tol = 1e-9 * max(data.issue.span, 1.0)
        assert lo - tol <= res.outcome <= hi + tol, f"{issue_id}: {res.outcome} outside [{lo}, {hi}]"
        for rec in res.rounds:
            for x in rec.positions.values():
                assert data.issue.lower - tol <= x <= data.issue.upper + tol
    again = REGISTRY[name]().run(s, rounds=ROUNDS, rng=seed)
    assert _outcomes(again) == _outcomes(run), "same rng, different output"


@pytest.mark.parametrize(
    "name", [m for m in MODELS if not REGISTRY[m].info.order_dependent and REGISTRY[m].info.deterministic]
)
@SETTINGS
@given(s=scenarios(min_actors=2), data=st.data())
def test_actor_permutation_invariance(name: str, s: Scenario, data: st.DataObject) -> None:
    order = data.draw(st.permutations(list(range(len(s.actors)))))
    a = REGISTRY[name]().run(s, rounds=ROUNDS, rng=0)
    b = REGISTRY[name]().run(permuted(s, order), rounds=ROUNDS, rng=0)
    for issue_id in s.issue_ids:
        assert _close(a.issues[issue_id].outcome, b.issues[issue_id].outcome, s.issue(issue_id).span)
