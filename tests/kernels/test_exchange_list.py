"""The exchange round on DECIDE's list itself (``_list_loop``, a sweep's path for small rounds) equals the
heap path (``_heap_loop``, which ``tests/models/test_exchange.py`` checks against DECIDE's records and the
readable reference) exactly: the same realised exchanges in the same order, the same positions to the bit,
the same counters but heap pops, on DECIDE's inputs, on generated scenarios and under many exact ties.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peninsula.core import Scenario
from peninsula.io import load
from peninsula.kernels.exchange import LIST_MAX, _round, _round_fast
from peninsula.models.exchange import _Arrays
from tests.models.test_exchange_properties import symmetric_scenarios
from tests.strategies import scenarios

DECIDE = Path(__file__).resolve().parents[1] / "reference" / "decide"
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: replayed tie choices (tie mode 2): heads and tails mixed
CHOICES = np.array([1, 0, 1, 1, 0, 0, 1, 0] * 64, dtype=np.int64)


def _both_paths(X: np.ndarray, s: np.ndarray, c: np.ndarray, rounds: int, **kw: Any) -> int:
    """Run ``rounds`` rounds on both paths from the heap path's positions; assert each round equal.

    Returns the number of ties met (so that a test can insist that its input exercised the tie rule).
    """
    p = float(kw.get("p", 0.0))
    seed = np.uint64(kw.get("seed", 0))
    tie_mode = int(kw.get("tie_mode", 0))
    clean = int(kw.get("clean", 0))
    ties = 0
    for r in range(1, rounds + 1):
        heap = _round(X, s, c, 0.1, 0.4, p, seed, r, tie_mode, CHOICES, clean)
        lst = _round_fast(X, s, c, 0.1, 0.4, p, seed, r, tie_mode, CHOICES, clean, 10**9)
        for a, b in zip(heap[:4], lst[:4], strict=True):
            assert a.shape == b.shape
            assert np.array_equal(a, b, equal_nan=True), f"round {r}"
        counters_heap = heap[4].copy()
        counters_heap[3] = 0  # heap pops: the list path has no heap
        assert lst[4].tolist() == counters_heap.tolist(), f"round {r}"
        ties += int(heap[4][0])
        X = heap[0]
    return ties


@pytest.mark.parametrize("file", ["sample_data.txt", "copenhagen.csv", "cop21.csv"])
@pytest.mark.parametrize(
    ("p", "tie_mode", "clean"),
    [(0.0, 0, 0), (0.0, 1, 0), (0.0, 2, 0), (0.5, 1, 0), (0.0, 1, 1), (0.5, 0, 1)],
)
def test_list_path_equals_heap_path_on_decides_inputs(file: str, p: float, tie_mode: int, clean: int) -> None:
    arr = _Arrays(load(DECIDE / "inputs" / file))
    ties = _both_paths(arr.X, arr.s, arr.c, 4 if file == "cop21.csv" else 10, p=p, seed=2024,
                       tie_mode=tie_mode, clean=clean)
    if file == "sample_data.txt" and p == 0.0:
        assert ties > 0  # DECIDE's sample_data meets ties in its rounds: the tie branches ran


@SETTINGS
@given(sc=scenarios(max_actors=9, max_issues=4), seed=st.integers(0, 2**32 - 1),
       p=st.sampled_from([0.0, 0.7]), tie_mode=st.integers(0, 2), clean=st.integers(0, 1))
def test_list_path_equals_heap_path_on_generated_scenarios(
    sc: Scenario, seed: int, p: float, tie_mode: int, clean: int
) -> None:
    arr = _Arrays(sc)
    _both_paths(arr.X, arr.s, arr.c, 3, p=p, seed=seed, tie_mode=tie_mode, clean=clean)


@SETTINGS
@given(sc=symmetric_scenarios(), seed=st.integers(0, 1000), tie_mode=st.integers(0, 2),
       clean=st.integers(0, 1))
def test_list_path_equals_heap_path_under_many_exact_ties(sc: Scenario, seed: int, tie_mode: int,
                                                          clean: int) -> None:
    arr = _Arrays(sc)
    _both_paths(arr.X, arr.s, arr.c, 3, seed=seed, tie_mode=tie_mode, clean=clean)


def test_list_path_equals_heap_path_on_seeded_random_rounds() -> None:
    """300 random inputs, half on a coarse grid (exact ties: duplicates listed twice, update passes in list
    order), a third with missing cells, up to 20 actors (rounds of up to a few hundred candidates)."""
    g = np.random.default_rng(20261207)
    ties = 0
    for it in range(300):
        n, m = int(g.integers(2, 21)), int(g.integers(2, 7))
        X = g.uniform(0, 100, (n, m))
        s = g.uniform(0.1, 1, (n, m))
        c = np.repeat(g.uniform(0.1, 1, (n, 1)), m, 1)
        if it % 2 == 0:
            X, s, c = np.round(X / 25) * 25, np.round(s * 4) / 4 + 0.25, np.round(c * 2) / 2 + 0.5
        missing = g.random((n, m)) < [0.0, 0.2, 0.5][it % 3]
        X[missing], s[missing], c[missing] = np.nan, 0.0, 0.0
        ties += _both_paths(X, s, c, 3, p=0.3 if it % 5 == 4 else 0.0, seed=int(g.integers(0, 2**63)),
                            tie_mode=int(g.integers(0, 3)), clean=int(g.integers(0, 2)))
    assert ties > 100


def test_a_sweep_uses_the_list_path_for_small_rounds_only() -> None:
    """``list_max`` chooses the path: the default scenario's 28 candidates are under LIST_MAX, cop21's
    rounds (hundreds of candidates) above it; either choice gives the heap path's numbers."""
    from peninsula.scenarios import DEFAULT_SCENARIO, load_packaged

    default = _Arrays(load_packaged(DEFAULT_SCENARIO))
    small = _round(default.X, default.s, default.c, 0.1, 0.4, 0.0, np.uint64(0), 1, 0, CHOICES, 0)[4]
    assert small[4] <= LIST_MAX
    arr = _Arrays(load(DECIDE / "inputs" / "cop21.csv"))
    counters = _round(arr.X, arr.s, arr.c, 0.1, 0.4, 0.0, np.uint64(0), 1, 0, CHOICES, 0)[4]
    assert counters[4] > LIST_MAX
    args = (arr.X, arr.s, arr.c, 0.1, 0.4, 0.0, np.uint64(0), 1, 0, CHOICES, 0)
    heap_pops = _round_fast(*args, LIST_MAX)[4][3]
    assert heap_pops > 0  # above LIST_MAX: the heap ran
    listed = _round_fast(*args, 10**9)[4][3]
    assert listed == 0


def test_the_32_bit_fields_hold_every_count_of_an_admitted_round() -> None:
    """SIDE's 32-bit counters hold a round's sorts (at most ``max_sorts(M)``) up to MAX_CANDIDATES, the page
    states it, and the memory check refuses any input with that many pairs before the kernel sees it."""
    from peninsula.core import limits
    from peninsula.kernels.exchange import MAX_CANDIDATES, SIDE, max_sorts
    from peninsula.simulate.forecast import MODEL_BYTES

    assert np.iinfo(SIDE["stamp"]).max > max_sorts(MAX_CANDIDATES)
    # the check counts n² × k² actor pairs × issue pairs; a round has fewer candidates than that
    assert limits.MAX_MODEL_BYTES // MODEL_BYTES["exchange"][1] < MAX_CANDIDATES
    text = (Path(__file__).resolve().parents[2] / "docs" / "limits.md").read_text()
    assert f"| `kernels.exchange.MAX_CANDIDATES` | {MAX_CANDIDATES:,} per round |" in text
