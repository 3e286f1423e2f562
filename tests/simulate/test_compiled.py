"""The sweeps' fused EU steps equal the compiled single-issue kernels they replace, bit for bit, and the fused
loops over every issue of a batch equal the models draw by draw, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peninsula.kernels import _eu_numba as nb
from peninsula.models import REGISTRY
from peninsula.scenarios import load_packaged
from peninsula.simulate import _compiled
from peninsula.simulate.batch import run_model, scenario_for_draw
from peninsula.simulate.perturb import InputSpace, NoiseSpec
from tests.kernels.test_eu_kernels import issue_arrays
from tests.strategies import scenarios

SETTINGS = settings(max_examples=80, deadline=None)
KOREA = load_packaged("korea-2019-04")


def _scratch(n: int) -> tuple[np.ndarray, ...]:
    """y, wy, cum_w, cum_wx, le_own, lt_own of the vote-sum kernels."""
    return (
        np.empty(n),
        np.empty(n),
        np.empty(n + 1),
        np.empty(n + 1),
        np.empty(n, dtype=np.int64),
        np.empty(n, dtype=np.int64),
    )


@SETTINGS
@given(issue_arrays(min_n=1), st.booleans())
def test_pair_probabilities_are_the_vote_sums_then_the_probabilities(
    arrs: tuple[np.ndarray, ...], paper: bool
) -> None:
    x, s, c = arrs
    n = len(x)
    w = c * s
    order = np.argsort(x, kind="stable")
    margin, support, total = np.empty((n, n)), np.empty((n, n)), np.empty((n, n))
    nb.pair_sums_into(x, w, order, *_scratch(n), margin, support, total)
    num = support if paper else np.where(margin > 0.0, margin, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        want = np.where(total > 0, num / total, 0.0)
    prob, got_margin = np.full((n, n), np.nan), np.full((n, n), np.nan)
    _compiled._pair_probabilities(x, w, order, *_scratch(n), paper, prob, got_margin, True)
    assert want.tobytes() == prob.tobytes()
    assert margin.tobytes() == got_margin.tobytes()
    untouched = np.full((n, n), np.nan)
    _compiled._pair_probabilities(x, w, order, *_scratch(n), paper, prob, untouched, False)
    assert want.tobytes() == prob.tobytes() and np.isnan(untouched).all()


@SETTINGS
@given(
    issue_arrays(min_n=1),
    st.sampled_from([1.0, 0.6]),
    st.sampled_from([1.0, 0.3]),
    st.booleans(),
    st.integers(0, 2**32 - 1),
)
def test_the_first_pass_risk_is_the_stored_first_pass_then_risk(
    arrs: tuple[np.ndarray, ...], Q: float, T: float, paper: bool, seed: int
) -> None:
    """Every exponent 1: the column sums are added up in risk_into's order, so the exponents are its own."""
    x, s, _ = arrs
    n = len(x)
    prob = np.random.default_rng(seed).random((n, n))
    mu = float(np.median(x))
    delta = float(np.ptp(x)) or 1.0
    order = np.argsort(x, kind="stable")
    eu = np.empty((n, n))
    nb.eu_matrix_offdiag_into(x, s, prob, np.ones(n), mu, delta, Q, T, paper, order, eu)
    a_want, r_want = np.empty(n), np.empty(n)
    defined_want = nb.risk_into(eu, a_want, r_want)
    a_got, r_got = np.empty(n), np.empty(n)
    defined_got = _compiled._first_pass_risk(x, s, prob, mu, delta, Q, T, paper, order, a_got, r_got)
    assert defined_got == defined_want
    assert a_got.tobytes() == a_want.tobytes()
    assert r_got.tobytes() == r_want.tobytes()


def _model_outcomes(name: str, scenario, space: InputSpace, values: np.ndarray):  # type: ignore[no-untyped-def]
    """Outcomes ``(draws, issues)`` and final positions ``(draws, actors, issues)`` of the model run on each
    drawn scenario."""
    X, _, _ = space.arrays(values)
    out = np.full((len(values), len(space.issue_ids)), np.nan)
    final = np.array(X, copy=True)
    a_index = {a: k for k, a in enumerate(space.actor_ids)}
    for d, v in enumerate(values):
        run = REGISTRY[name]().run(scenario_for_draw(scenario, space, v))
        for i, iid in enumerate(space.issue_ids):
            res = run.issues.get(iid)
            if res is None:
                continue
            out[d, i] = np.nan if res.outcome is None else res.outcome
            if res.rounds:
                for a, p in res.rounds[-1].positions.items():
                    final[d, a_index[a], i] = p
    return out, final


def _batch(name: str, scenario, space: InputSpace, values: np.ndarray, threads: int = 1):  # type: ignore[no-untyped-def]
    X, S, C = space.arrays(values)
    model = REGISTRY[name]()
    return run_model(
        model, scenario, space, X, S, C, values=values, rounds=None, seed=0, start=0, threads=threads
    )


@pytest.mark.parametrize("name", ["eu", "eu-masad", "mean", "median", "median-actor"])
def test_the_fused_loops_are_the_model_bit_for_bit_on_korea_draws(name: str) -> None:
    """Every issue of the default scenario in one call, 2 threads: outcomes and final positions are the
    model's own on each drawn scenario, to the last bit (``compromise``'s model adds its weights in
    another order: it is checked against the sum in draw order below)."""
    space = InputSpace.from_scenario(KOREA)
    values = space.values_from_uniforms(space.uniforms(3, 0, 60))
    got = _batch(name, KOREA, space, values, threads=2)
    want, final = _model_outcomes(name, KOREA, space, values)
    assert got.outcomes.tobytes() == want.tobytes()
    if name.startswith("eu"):
        assert got.positions.tobytes() == final.tobytes()


@settings(max_examples=30, deadline=None)
@given(s=scenarios(max_actors=6, max_issues=3), name=st.sampled_from(["eu", "eu-masad", "median"]))
def test_the_fused_loops_are_the_model_bit_for_bit_on_generated_scenarios(s, name: str) -> None:  # type: ignore[no-untyped-def]
    """Ties, zero weights, actors missing on issues (an issue with no actor at all gives NaN)."""
    space = InputSpace.from_scenario(s, NoiseSpec(0.2, 0.2, 0.5))
    values = np.vstack([space.base_values(), space.values_from_uniforms(space.uniforms(5, 0, 6))])
    got = _batch(name, s, space, values)
    want, _ = _model_outcomes(name, s, space, values)
    assert got.outcomes.tobytes() == want.tobytes()


def test_the_fused_compromise_is_the_weighted_mean_in_actor_order() -> None:
    space = InputSpace.from_scenario(KOREA)
    values = space.values_from_uniforms(space.uniforms(3, 0, 40))
    X, S, C = space.arrays(values)
    got = _batch("compromise", KOREA, space, values).outcomes
    for d in range(len(values)):
        for i in range(len(space.issue_ids)):
            idx = np.flatnonzero(space.present[:, i])
            c, sal = C[d, idx, i], S[d, idx, i]
            w = (c / c.max()) * (sal / sal.max())
            num = den = 0.0
            for a, k in enumerate(idx):
                num += w[a] * X[d, k, i]
                den += w[a]
            assert got[d, i] == num / den
