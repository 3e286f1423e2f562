"""The compiled loops over draws give, draw by draw, what the models give on the drawn scenario."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peninsula.core import Scenario
from peninsula.models import REGISTRY
from peninsula.scenarios import cohesion_after, load_packaged
from peninsula.simulate.batch import batch_cohesion, is_vectorised, run_model, scenario_for_draw
from peninsula.simulate.perturb import MODEL_STREAM, InputSpace, NoiseSpec
from tests.strategies import scenarios

KOREA = load_packaged("korea-2019-04")
SEED = 21


def loop(model_name: str, scenario: Scenario, space: InputSpace, values: np.ndarray) -> np.ndarray:
    """The reference: the model's own run on each drawn scenario, one draw at a time.

    In a sweep the agreement and consensus models evaluate each draw at its values (the sweep's draws
    replace their own): the reference is the model with ``draws=0`` on the drawn scenario.
    """
    own_draws = model_name in ("agreement", "consensus")  # a sweep's draws replace the model's own
    model = REGISTRY[model_name](draws=0) if own_draws else REGISTRY[model_name]()
    out = np.full((len(values), len(space.issue_ids)), np.nan)
    for d, v in enumerate(values):
        run = model.run(
            scenario_for_draw(scenario, space, v),
            rng=np.random.SeedSequence(SEED, spawn_key=(d, MODEL_STREAM)),
        )
        for i, iid in enumerate(space.issue_ids):
            o = run.issues[iid].outcome
            out[d, i] = np.nan if o is None else o
    return out


def batch(model_name: str, scenario: Scenario, space: InputSpace, values: np.ndarray, threads: int = 1):  # type: ignore[no-untyped-def]
    X, S, C = space.arrays(values)
    return run_model(
        REGISTRY[model_name](),
        scenario,
        space,
        X,
        S,
        C,
        values=values,
        rounds=None,
        seed=SEED,
        start=0,
        threads=threads,
    )


@pytest.mark.parametrize("name", list(REGISTRY))
def test_batch_equals_the_model_on_every_draw(name: str) -> None:
    space = InputSpace.from_scenario(KOREA)
    values = space.values_from_uniforms(space.uniforms(SEED, 0, 12))
    got = batch(name, KOREA, space, values).outcomes
    want = loop(name, KOREA, space, values)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(
    s=scenarios(max_actors=5, max_issues=2, agreement=True),
    rule=st.sampled_from(["compromise", "nash", "setter"]),
)
def test_agreement_batch_equals_the_model_with_limits_and_reversions(s: Scenario, rule: str) -> None:
    """Issue 21: the batch path draws limits and reversions too, and agrees with the model draw by draw,
    flags included (1 where the draw's set is non-empty)."""
    space = InputSpace.from_scenario(s, NoiseSpec(0.2, 0.2, 0.5))
    values = np.vstack([space.base_values(), space.values_from_uniforms(space.uniforms(SEED, 0, 4))])
    X, S, C = space.arrays(values)
    model = REGISTRY["agreement"](rule=rule)
    res = run_model(model, s, space, X, S, C, values=values, rounds=None, seed=SEED, start=0)
    assert res.agreed is not None
    for d, v in enumerate(values):
        run = REGISTRY["agreement"](rule=rule, draws=0).run(scenario_for_draw(s, space, v))
        for i, iid in enumerate(space.issue_ids):
            got, want = res.outcomes[d, i], run.issues[iid].outcome
            assert (np.isnan(got) and want is None) or got == pytest.approx(want, rel=1e-12, abs=1e-9)
            p = run.issues[iid].extra.get("p_agreement")
            assert (np.isnan(res.agreed[d, i]) and p is None) or res.agreed[d, i] == p


def test_the_vectorised_models_are_the_ones_the_benchmark_needs() -> None:
    for name in (
        "compromise",
        "mean",
        "median",
        "median-actor",
        "eu",
        "eu-masad",
        "exchange",
        "exchange-random",
        "consensus",
        "nash",
    ):
        assert is_vectorised(REGISTRY[name]())


@settings(max_examples=25, deadline=None)
@given(
    s=scenarios(max_actors=5, max_issues=2),
    name=st.sampled_from(
        [
            "compromise",
            "mean",
            "median",
            "median-actor",
            "eu",
            "eu-masad",
            "exchange",
            "exchange-random",
            "consensus",
        ]
    ),
)
def test_batch_equals_the_model_on_generated_scenarios(s: Scenario, name: str) -> None:
    """Degenerate inputs too: ties, zero saliences and capabilities, actors missing on issues."""
    space = InputSpace.from_scenario(s, NoiseSpec(0.2, 0.2, 0.5))
    values = space.values_from_uniforms(space.uniforms(SEED, 0, 4))
    values = np.vstack([space.base_values(), values])
    got = batch(name, s, space, values).outcomes
    want = loop(name, s, space, values)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(
    s=scenarios(max_actors=5, max_issues=2),
    where=st.sampled_from([0.0, 0.5, 1.0]) | st.floats(0.0, 1.0),
    veto=st.integers(0, 4),
    weights=st.sampled_from(["capability", "capability_salience"]),
)
def test_nash_batch_equals_the_model_with_status_quos_and_vetoes(
    s: Scenario, where: float, veto: int, weights: str
) -> None:
    issues = [i.model_copy(update={"status_quo": i.lower + where * i.span}) for i in s.issues]
    stances = [x.model_copy(update={"veto": k % 5 == veto}) for k, x in enumerate(s.stances)]
    doc = s.model_dump()
    doc.update(issues=[i.model_dump() for i in issues], stances=[x.model_dump() for x in stances])
    s = Scenario.model_validate(doc)
    space = InputSpace.from_scenario(s, NoiseSpec(0.2, 0.2, 0.5))
    values = np.vstack([space.base_values(), space.values_from_uniforms(space.uniforms(SEED, 0, 6))])
    X, S, C = space.arrays(values)
    model = REGISTRY["nash"](weights=weights)
    got = run_model(model, s, space, X, S, C, values=values, rounds=None, seed=SEED, start=0).outcomes
    for d, v in enumerate(values):
        run = model.run(scenario_for_draw(s, space, v))
        want = [run.issues[i].outcome for i in space.issue_ids]
        np.testing.assert_array_equal(np.isnan(got[d]), [w is None for w in want])
        np.testing.assert_allclose(got[d], [np.nan if w is None else w for w in want], rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("rounds", [0, None])
def test_eu_batch_with_a_subnormal_weight_is_the_model(rounds: int | None) -> None:
    """Issue 24: half of a subnormal total rounded to 0 in the compiled median (0.125 instead of 0.25)."""
    from peninsula.core import Actor, Issue, Stance

    s = Scenario(
        id="tiny",
        actors=[Actor(id="A", capability=5e-324), Actor(id="B", capability=0.0)],
        issues=[Issue(id="x", lower=0.0, upper=1.0)],
        stances=[
            Stance(actor="A", issue="x", position=0.25, salience=1.0),
            Stance(actor="B", issue="x", position=0.0, salience=1.0),
        ],
    )
    space = InputSpace.from_scenario(s, NoiseSpec.none())
    values = space.base_values()[None, :]
    X, S, C = space.arrays(values)
    got = run_model(REGISTRY["eu"](), s, space, X, S, C, values=values, rounds=rounds, seed=SEED, start=0)
    want = REGISTRY["eu"]().run(s, rounds=rounds).issues["x"].outcome
    assert want == 0.25 and got.outcomes.tolist() == [[want]]


def test_threads_and_batch_composition_change_no_bit() -> None:
    space = InputSpace.from_scenario(KOREA)
    values = space.values_from_uniforms(space.uniforms(SEED, 0, 40))
    for name in ("eu", "eu-masad", "exchange-random", "median"):
        whole = batch(name, KOREA, space, values, threads=1).outcomes
        split = batch(name, KOREA, space, values, threads=3).outcomes
        X, S, C = space.arrays(values[25:])
        tail = run_model(
            REGISTRY[name](), KOREA, space, X, S, C, values=values[25:], rounds=None, seed=SEED, start=25
        ).outcomes
        np.testing.assert_array_equal(whole, split)
        np.testing.assert_array_equal(whole[25:], tail)


@pytest.mark.parametrize("name", ["compromise", "eu", "eu-masad", "exchange", "nash"])
def test_cohesion_per_draw_is_the_scenarios_cohesion(name: str) -> None:
    space = InputSpace.from_scenario(KOREA)
    values = space.values_from_uniforms(space.uniforms(SEED, 0, 8))
    res = batch(name, KOREA, space, values)
    _, S, _ = space.arrays(values)
    coh = batch_cohesion(KOREA, space, res.positions, S)
    assert coh is not None
    model = REGISTRY[name]()
    for d, v in enumerate(values):
        sc = scenario_for_draw(KOREA, space, v)
        run = model.run(sc, rng=np.random.SeedSequence(SEED, spawn_key=(d, MODEL_STREAM)))
        assert coh[d] == pytest.approx(cohesion_after(sc, run).value, abs=1e-12)


def test_no_cohesion_without_the_allies() -> None:
    from peninsula.io import load
    from tests.conftest import DECIDE_INPUTS

    s = load(DECIDE_INPUTS / "cop21.csv")
    space = InputSpace.from_scenario(s)
    X, S, _ = space.draw(1, 0, 3)
    assert batch_cohesion(s, space, X, S) is None
