"""The expected-utility round in O(n) memory equals the n x n matrix path exactly.

Above ``kernels.eu.STREAM_ACTORS`` actors the EU models recompute every pairwise term where they need it
(``_eu_numba.stream_risk_block``, ``stream_offer_block``, ``stream_condorcet``, ``stream_vote``) instead
of storing ``n x n`` arrays, once per distinct position, and split the receivers over threads.
Here both paths run on generated issues (ties, zero weights, Q < 1, both signs, both tie rules) and on the
BDM reference datasets, and every number must be identical, not merely close.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peninsula.kernels import _eu_numba
from peninsula.kernels import eu as K
from peninsula.models.eu import ExpectedUtility, ExpectedUtilityMasad, _sent_back
from peninsula.scenarios import DEFAULT_SCENARIO, load_packaged
from tests.conftest import BDM_INPUTS
from tests.kernels.test_eu_kernels import issue_arrays
from tests.models.test_eu_masad import read_table
from tests.strategies import scenarios

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _eq(a: Any, b: Any) -> None:
    assert np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True), (a, b)


def _same_round(x: np.ndarray, s: np.ndarray, c: np.ndarray, form: str, threads: int | None = None,
                **kw: Any) -> None:
    """The streamed round (split over ``threads``) returns the matrix round's numbers exactly."""
    mu1, mu2 = kw.pop("mu1", 0.0), kw.pop("mu2", 0.0)
    delta = kw.pop("delta", 10.0)
    prob = K.win_probabilities(K.pair_sums_fast(x, c * s, "numba"), form=form)  # type: ignore[arg-type]
    full = K.eu_round(x, s, prob, delta=delta, mu_first=mu1, mu_second=mu2, engine="numba", **kw)
    streamed = K.eu_round_streamed(x, s, c, delta=delta, mu_first=mu1, mu_second=mu2, form=form,  # type: ignore[arg-type]
                                   threads=threads, **kw)
    for name in ("positions", "sender", "kind", "risk"):
        _eq(getattr(full, name), getattr(streamed, name))
    assert bool(full.risk_defined) == streamed.risk_defined
    sent, back = _sent_back(full.eu, full.sender)
    _eq(sent, streamed.eu_sent)
    _eq(back, streamed.eu_back)


@SETTINGS
@given(
    issue_arrays(min_n=1, max_n=12),
    st.sampled_from([1.0, 0.6]),
    st.sampled_from(["paper", "masad"]),
    st.sampled_from(["paper", "masad"]),
    st.sampled_from(["index", "value"]),
    st.floats(0.0, 10.0),
    st.floats(0.0, 10.0),
)
def test_a_streamed_round_is_the_matrix_round(
    arrs: tuple[np.ndarray, ...], q: float, sign: str, form: str, tie: str, mu1: float, mu2: float
) -> None:
    x, s, c = arrs
    rtol = 1e-12 if tie == "value" else 0.0
    _same_round(x, s, c, form, Q=q, T=0.3, sign=sign, tie=tie, rtol=rtol, mu1=mu1, mu2=mu2)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(
    arrs=issue_arrays(min_n=2, max_n=14),
    threads=st.integers(2, 5),
    q=st.sampled_from([1.0, 0.6]),
    sign=st.sampled_from(["paper", "masad"]),
    tie=st.sampled_from(["index", "value"]),
)
def test_a_round_split_over_threads_is_the_matrix_round(
    arrs: tuple[np.ndarray, ...], threads: int, q: float, sign: str, tie: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every small round split into position-group blocks on several threads (``_THREAD_PAIRS`` 0)."""
    x, s, c = arrs
    with monkeypatch.context() as m:
        m.setattr(K, "_THREAD_PAIRS", 0)
        _same_round(x, s, c, sign, threads=threads, Q=q, T=0.3, sign=sign, tie=tie,
                    rtol=1e-12 if tie == "value" else 0.0, mu1=4.0, mu2=6.5)


@pytest.mark.parametrize("grid", [True, False], ids=["ties", "distinct"])
@pytest.mark.parametrize("kw", [
    {"form": "paper"},
    {"form": "masad", "sign": "masad", "Q": 0.5, "T": 0.3},
    {"form": "masad", "Q": 0.7, "T": 0.6, "tie": "value", "rtol": 1e-12},
], ids=["eu", "masad-q", "paper-q-value"])
def test_a_large_round_on_two_threads_is_the_matrix_round(grid: bool, kw: dict[str, Any]) -> None:
    """600 actors (above ``_THREAD_PAIRS``): on a 0.5 grid most actors share a position with others, so
    the groups hold many receivers; with distinct positions every group holds one."""
    rng = np.random.default_rng(7 if grid else 8)
    x = rng.uniform(0.0, 100.0, 600)
    x = np.round(x * 2.0) / 2.0 if grid else x
    s, c = rng.uniform(0.05, 1.0, 600), rng.uniform(0.1, 1.0, 600)
    assert K._THREAD_PAIRS <= 600 * 600
    assert (np.unique(x).size < 250) == grid
    kw = dict(kw)
    _same_round(x, s, c, kw.pop("form"), threads=2, delta=100.0, mu1=48.0, mu2=52.5, **kw)


@given(st.lists(st.integers(1, 9), min_size=1, max_size=60), st.integers(1, 6))
def test_the_blocks_cover_every_group_once_in_order(sizes: list[int], threads: int) -> None:
    starts = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
    blocks = K._group_blocks(starts, threads)
    covered = [g for a, b in blocks for g in range(a, b)]
    assert covered == list(range(len(sizes)))
    if threads > 1 and len(sizes) >= 2 and int(starts[-1]) ** 2 >= K._THREAD_PAIRS:
        assert len(blocks) >= 2


@SETTINGS
@given(issue_arrays(min_n=1, max_n=12), st.sampled_from([1.0, 7.5]))
def test_streamed_condorcet_winner_and_vote_are_the_matrix_ones(
    arrs: tuple[np.ndarray, ...], delta: float
) -> None:
    x, s, c = arrs
    w = c * s
    margin = K.pair_sums_fast(x, w, "numba").margin
    _eq(K.condorcet_winner(x, margin), K.condorcet_winner_streamed(x, w))
    _eq(K.masad_vote(x, margin, delta), K.masad_vote_streamed(x, w, delta))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(arrs=issue_arrays(min_n=2, max_n=14), threads=st.integers(2, 5), delta=st.sampled_from([1.0, 7.5]))
def test_the_winner_and_vote_split_over_threads_are_the_matrix_ones(
    arrs: tuple[np.ndarray, ...], threads: int, delta: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    x, s, c = arrs
    w = c * s
    margin = K.pair_sums_fast(x, w, "numba").margin
    with monkeypatch.context() as m:
        m.setattr(K, "_THREAD_PAIRS", 0)
        _eq(K.condorcet_winner(x, margin), K.condorcet_winner_streamed(x, w, threads=threads))
        _eq(K.masad_vote(x, margin, delta), K.masad_vote_streamed(x, w, delta, threads=threads))


@pytest.mark.parametrize("grid", [True, False], ids=["ties", "distinct"])
def test_a_large_winner_and_vote_on_two_threads_are_the_matrix_ones(grid: bool) -> None:
    rng = np.random.default_rng(9 if grid else 10)
    x = rng.uniform(0.0, 100.0, 600)
    x = np.round(x * 2.0) / 2.0 if grid else x
    w = rng.uniform(0.0, 1.0, 600)
    margin = K.pair_sums_fast(x, w, "numba").margin
    _eq(K.condorcet_winner(x, margin), K.condorcet_winner_streamed(x, w, threads=2))
    _eq(K.masad_vote(x, margin, 3.0), K.masad_vote_streamed(x, w, 3.0, threads=2))
    # two positions hold the Condorcet-relevant weight, tied: no winner either way
    x2 = np.concatenate([np.full(300, 20.0), np.full(300, 80.0)])
    _eq(K.condorcet_winner(x2, K.pair_sums_fast(x2, np.ones(600), "numba").margin),
        K.condorcet_winner_streamed(x2, np.ones(600), threads=2))


def test_a_row_is_the_matrix_row() -> None:
    x = np.array([3.0, 0.0, 3.0, 10.0, 1.0, 0.0])
    w = np.array([1.0, 2.0, 0.0, 0.5, 1.5, 1.0])
    _margin, support, _total = _eu_numba.pair_sums_1d(x, w)
    order, rank, y, cum_w, cum_wx, le_own, lt_own, starts = _eu_numba.stream_setup(x, w)
    # sorted 0, 0, 1, 3, 3, 10: four position groups, each listing its actors in index order
    _eq(starts, [0, 2, 3, 5, 6])
    _eq(order, [1, 5, 4, 0, 2, 3])
    own, other = np.empty(6), np.empty(6)
    for i in range(6):
        _eu_numba.row_sums(rank[i], y, cum_w, cum_wx, le_own, lt_own, own, other)
        _eq(own[rank], support[i])
        _eq(other[rank], support[:, i])


def _runs(model: Any, scenario: Any, monkeypatch: pytest.MonkeyPatch, rounds: int = 10) -> tuple[Any, Any]:
    """The model's run on the matrix path and on the streamed path (every issue streamed)."""
    full = model.run(scenario, rounds=rounds)
    with monkeypatch.context() as m:
        m.setattr(K, "STREAM_ACTORS", 0)
        streamed = model.run(scenario, rounds=rounds)
    return full, streamed


def _same_run(a: Any, b: Any) -> None:
    assert repr(a.events) == repr(b.events)
    for iid, res in a.issues.items():
        other = b.issues[iid]
        assert (res.outcome, res.converged, res.notes) == (other.outcome, other.converged, other.notes)
        assert repr([(r.outcome, r.positions, r.extra) for r in res.rounds]) == repr(
            [(r.outcome, r.positions, r.extra) for r in other.rounds]
        )


@pytest.mark.parametrize("model", [ExpectedUtility(), ExpectedUtilityMasad(), ExpectedUtility(Q=0.5, T=0.3)])
@pytest.mark.parametrize("data", ["ExampleActors.csv", "ChinaData.csv", "default"])
def test_the_models_stream_to_the_same_run(model: Any, data: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sc = load_packaged(DEFAULT_SCENARIO) if data == "default" else read_table(BDM_INPUTS / data)
    full, streamed = _runs(model, sc, monkeypatch)
    assert full.events  # the comparison covers challenges
    _same_run(full, streamed)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(sc=scenarios(max_actors=7, max_issues=2), masad=st.booleans())
def test_the_models_stream_to_the_same_run_on_generated_scenarios(
    sc: Any, masad: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = ExpectedUtilityMasad() if masad else ExpectedUtility()
    try:
        full = model.run(sc, rounds=4)
    except Exception as exc:  # a scenario the model refuses is refused the same way streamed
        with monkeypatch.context() as m, pytest.raises(type(exc)):
            m.setattr(K, "STREAM_ACTORS", 0)
            model.run(sc, rounds=4)
        return
    _full, streamed = _runs(model, sc, monkeypatch, rounds=4)
    _same_run(full, streamed)


def test_no_condorcet_winner_when_nobody_has_weight() -> None:
    x, w = np.array([1.0, 4.0, 4.0]), np.zeros(3)  # every margin is 0: nobody beats anybody
    assert np.isnan(K.condorcet_winner(x, K.pair_sums_fast(x, w, "numba").margin))
    assert np.isnan(K.condorcet_winner_streamed(x, w))
