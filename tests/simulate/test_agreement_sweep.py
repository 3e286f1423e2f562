"""Issue 21 in sweeps: limits and reversions are drawn inputs, and p_agreement is summarised and stored."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import numpy as np
import pytest

from peninsula.core import Actor, Issue, Reversion, Scenario, Source, Stance
from peninsula.models import REGISTRY
from peninsula.simulate.montecarlo import load_sweep, make_spec, run_sweep
from peninsula.simulate.perturb import InputSpace, NoiseSpec
from peninsula.simulate.store import SCHEMA_VERSION, RunStore

#: A (veto) at 100 accepts down to a limit drawn from triangular(40, 45, 60); B (veto) at 25 accepts (0, 50)
#: by the single-peaked default (reversion 0): the set is non-empty iff the limit is below 50, P = 2/3.
LIMIT = Source(kind="coded", reason="test", low=40, high=60)
DEAL = Scenario(
    id="deal",
    actors=[Actor(id="A", capability=1.0), Actor(id="B", capability=1.0), Actor(id="C", capability=2.0)],
    issues=[
        Issue(id="x", lower=0, upper=100, reversion=Reversion(value=0, label="no deal")),
        Issue(id="y", lower=0, upper=10, status_quo=5),
    ],
    stances=[
        Stance(actor="A", issue="x", position=100, salience=1, veto=True, accept_low=45,
               sources={"accept_low": LIMIT}),
        Stance(actor="B", issue="x", position=25, salience=1, veto=True),
        Stance(actor="C", issue="x", position=60, salience=1),
        Stance(actor="A", issue="y", position=2, salience=1),
        Stance(actor="B", issue="y", position=8, salience=1),
    ],
)


def test_limits_and_reversion_are_inputs_after_the_others() -> None:
    space = InputSpace.from_scenario(DEAL)
    fields = [u.field for u in space.inputs]
    assert fields[-2:] == ["accept_low", "reversion"]  # after every position, salience and capability
    assert space.inputs[-1].origin == "fixed"  # a reversion without a range is not perturbed
    assert space.inputs[-2].origin == "range" and (space.inputs[-2].low, space.inputs[-2].high) == (40, 60)
    assert space.input_names("x")[-1] == "reversion" and space.input_names("y")[-1] == "reversion@x"
    AL, AH, R = space.agreement_arrays(space.base_values())
    assert AL[0, 0, 0] == 45 and np.isnan(AL[0, 1, 0]) and np.isnan(AH).all()
    assert R[0].tolist() == [0.0, 5.0]  # the explicit reversion; the status quo where there is none


def test_the_other_inputs_keep_their_uniforms() -> None:
    """Appending issue 21's inputs leaves every earlier input's draws alone (common random numbers)."""
    bare = tuple(s.model_copy(update={"accept_low": None, "sources": {}}) for s in DEAL.stances)
    plain = DEAL.model_copy(update={"stances": bare})
    a, b = InputSpace.from_scenario(plain), InputSpace.from_scenario(DEAL)
    ua, ub = a.uniforms(5, 0, 20), b.uniforms(5, 0, 20)
    np.testing.assert_array_equal(ua, ub[:, : a.n_inputs])


def test_sweep_p_agreement_is_the_share_of_draws_with_a_set(tmp_path: Path) -> None:
    models = [REGISTRY["agreement"](), REGISTRY["compromise"]()]
    spec = make_spec(DEAL, models, draws=3000, seed=4, noise="none")
    sweep = run_sweep(spec)
    doc = sweep.to_dict()
    p = doc["models"]["agreement"]["issues"]["x"]["p_agreement"]
    assert abs(p - 2 / 3) < 4 * math.sqrt((2 / 9) / 3000)
    assert doc["models"]["agreement"]["issues"]["y"]["p_agreement"] == 1.0  # no veto player
    assert "p_agreement" not in doc["models"]["compromise"]["issues"]["x"]  # cannot represent no agreement
    # stored and read back: the same numbers
    with RunStore.open(tmp_path / "runs.duckdb") as store:
        stored = run_sweep(spec, store=store).to_dict()
        again = load_sweep(store, spec.run_id).to_dict()
    assert stored["models"] == doc["models"] == again["models"]


def test_a_version_1_store_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with RunStore.open(path):
        pass
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE agreed; DROP TABLE lever_runs; DROP TABLE lever_draws")  # as version 1 had it
    con.execute("UPDATE meta SET value = '1'")
    con.close()
    with RunStore.open(path) as store:
        version = store.con.execute("SELECT value FROM meta").fetchone()
        assert version == (str(SCHEMA_VERSION),) and SCHEMA_VERSION >= 2  # 1 -> 2 (agreed) -> 3 (levers)
        spec = make_spec(DEAL, [REGISTRY["agreement"]()], draws=50, seed=1, noise=NoiseSpec.none())
        assert run_sweep(spec, store=store).to_dict()["models"]["agreement"]["issues"]["x"]["p_agreement"] > 0


@pytest.mark.parametrize("noise", ["none", "default"])
def test_sweep_outcome_is_the_reversion_where_no_set(noise: str) -> None:
    spec = make_spec(DEAL, [REGISTRY["agreement"]()], draws=400, seed=2, noise=noise)
    sweep = run_sweep(spec)
    assert sweep.agreed_array is not None
    flags = sweep.agreed_array[:, 0, 0]
    out = sweep.outcome_array[:, 0, 0]
    assert set(np.unique(flags).tolist()) == {0.0, 1.0}
    np.testing.assert_array_equal(out[flags == 0], 0.0)  # no agreement: the reversion
    assert (out[flags == 1] > 0).all()  # an agreement: inside the set, above the reversion


def test_a_sweep_counts_no_sliver_as_a_deal() -> None:
    """The minimal move in sweeps (both batch paths): B, the only veto player, is coded at the reversion 30
    with its position drawn from triangular(20, 30, 40). It accepts a move of at least m = 5 iff its drawn
    position lies at least 2.5 from 30: p = (1 − 2.5/10)² = 0.5625, and every agreed outcome moves >= 5."""
    src = Source(kind="coded", reason="test", low=20, high=40)
    knife = Scenario(
        id="knife",
        actors=[Actor(id="A", capability=1.0), Actor(id="B", capability=1.0)],
        issues=[Issue(id="x", lower=0, upper=100, reversion=Reversion(value=30))],
        stances=[
            Stance(actor="A", issue="x", position=60, salience=1),
            Stance(actor="B", issue="x", position=30, salience=1, veto=True, sources={"position": src}),
        ],
    )
    n = 3000
    models = [REGISTRY["agreement"](), REGISTRY["consensus"](), REGISTRY["agreement"](min_move=0.0)]
    sweep = run_sweep(make_spec(knife, models[:2], draws=n, seed=5, noise="none"))
    doc = sweep.to_dict()["models"]
    for name in ("agreement", "consensus"):
        assert abs(doc[name]["issues"]["x"]["p_agreement"] - 0.5625) < 4 * math.sqrt(0.25 / n), name
    assert sweep.agreed_array is not None
    for m in range(2):
        agreed = sweep.agreed_array[:, m, 0] == 1
        assert (np.abs(sweep.outcome_array[agreed, m, 0] - 30.0) >= 5.0 - 1e-9).all()
    # without the minimal move every draw off the reversion is a "deal"
    bare = run_sweep(make_spec(knife, models[2:], draws=n, seed=5, noise="none")).to_dict()["models"]
    assert bare["agreement"]["issues"]["x"]["p_agreement"] == 1.0
