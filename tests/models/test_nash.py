"""The asymmetric Nash bargaining solution: hand-computed cases, the compromise limit, properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peninsula.core import Actor, Issue, ParameterError, Scenario, Stance
from peninsula.kernels.nash import feasible_interval, nash_bargaining, nash_bargaining_rows, nash_gains
from peninsula.models import REGISTRY
from peninsula.models.baselines import Compromise
from peninsula.models.nash import Nash


def _scenario(status_quo: float | None) -> Scenario:
    return Scenario(
        id="toy", actors=[Actor(id="A", capability=3.0), Actor(id="B", capability=1.0)],
        issues=[Issue(id="x", lower=0, upper=10, status_quo=status_quo)],
        stances=[Stance(actor="A", issue="x", position=4, salience=1.0),
                 Stance(actor="B", issue="x", position=10, salience=0.5)],
    )


def test_symmetric_pair_by_hand() -> None:
    # g_A = 16 − (x − 4)², g_B = 100 − (x − 10)²; N'(5) = −2/15 + 10/75 = 0.
    r = nash_bargaining(np.array([4.0, 10.0]), np.array([1.0, 1.0]), np.array([1.0, 1.0]), 0.0)
    assert r.outcome == pytest.approx(5.0, abs=1e-10)
    assert (r.low, r.high) == (0.0, 8.0)
    assert r.agreement


def test_asymmetric_weights_by_hand() -> None:
    # c = (3, 1), s = (1, 0.5), q = 0: N'(x) = −6(x − 4)/(16 − (x − 4)²) − (x − 10)/(100 − (x − 10)²) = 0
    # (B's salience cancels), i.e. 3(x − 4)/(16 − (x − 4)²) = (10 − x)/(100 − (x − 10)²);
    # at x = 4.5: 1.5/15.75 = 0.0952 vs 5.5/69.75 = 0.0789, so the root lies a little left of 4.5.
    r = nash_bargaining(np.array([4.0, 10.0]), np.array([1.0, 0.5]), np.array([3.0, 1.0]), 0.0)
    x = r.outcome
    assert 4.0 < x < 4.5
    assert 3 * (x - 4) / (16 - (x - 4) ** 2) == pytest.approx((10 - x) / (100 - (x - 10) ** 2), abs=1e-10)


def test_solution_is_the_gain_weighted_mean_and_compromise_is_its_equal_gain_approximation() -> None:
    x, s, c = np.array([4.0, 10.0, 7.0]), np.array([1.0, 0.5, 0.8]), np.array([3.0, 1.0, 2.0])
    r = nash_bargaining(x, s, c, 0.0)
    g = nash_gains(r.outcome, x, s, 0.0)
    weights = c * s / g
    assert r.outcome == pytest.approx(float(np.sum(weights * x) / np.sum(weights)), abs=1e-9)
    # equal gains: the weights become c·s, the compromise model
    compromise = float(np.sum(c * s * x) / np.sum(c * s))
    assert Compromise().run(_scenario(None)).issues["x"].outcome == pytest.approx((3 * 4 + 0.5 * 10) / 3.5)
    # a distant status quo: w = c gives the capability-weighted mean, w = c·s the compromise model
    far_c = nash_bargaining(x, s, c, -1e7).outcome
    far_cs = nash_bargaining(x, s, c * s, -1e7).outcome
    assert far_c == pytest.approx(float(np.sum(c * x) / np.sum(c)), abs=1e-5)
    assert far_cs == pytest.approx(compromise, abs=1e-5)


def test_saliences_cancel_with_capability_weights() -> None:
    x, c = np.array([4.0, 10.0, 7.0]), np.array([3.0, 1.0, 2.0])
    a = nash_bargaining(x, np.array([1.0, 0.5, 0.8]), c, 1.0).outcome
    b = nash_bargaining(x, np.array([0.2, 0.9, 0.4]), c, 1.0).outcome
    assert a == pytest.approx(b, abs=1e-9)


def test_weights_parameter() -> None:
    run = Nash(weights="capability_salience").run(_scenario(0.0))
    assert run.issues["x"].outcome != Nash().run(_scenario(0.0)).issues["x"].outcome
    with pytest.raises(ParameterError):
        Nash(weights="votes").run(_scenario(0.0))


def test_no_status_quo_gives_no_outcome_and_says_why() -> None:
    res = Nash().run(_scenario(None)).issues["x"]
    assert res.outcome is None
    assert "status quo" in res.notes[0]
    assert res.rounds[0].positions == {"A": 4.0, "B": 10.0}


def test_status_quo_between_the_actors_leaves_it_in_place() -> None:
    res = Nash().run(_scenario(7.0)).issues["x"]
    assert res.outcome == 7.0
    assert res.extra["agreement"] is False
    assert res.notes


def test_zero_weight_actors_are_ignored() -> None:
    a = nash_bargaining(np.array([4.0, 10.0, 0.0]), np.array([1.0, 1.0, 0.0]), np.array([1.0, 1.0, 5.0]), 0.0)
    assert a.outcome == pytest.approx(5.0, abs=1e-10)
    with pytest.raises(ValueError, match="undefined"):
        nash_bargaining(np.array([4.0]), np.array([0.0]), np.array([1.0]), 0.0)


def test_helpers() -> None:
    assert nash_gains(5.0, np.array([4.0, 10.0]), np.array([1.0, 0.5]), 0.0).tolist() == [15.0, 37.5]
    assert feasible_interval(np.array([-1.0, 1.0]), 0.0) == (0.0, 0.0)
    assert REGISTRY["nash"].info.uses_status_quo and not REGISTRY["nash"].info.iterative


@settings(max_examples=200, deadline=None)
@given(
    xs=st.lists(st.sampled_from([0.0, 1.0, 2.5, 6.0, 10.0]) | st.floats(0, 10), min_size=1, max_size=6),
    data=st.data(),
    q=st.sampled_from([-5.0, 0.0, 3.0, 10.0, 12.0]) | st.floats(-20, 30),
    k=st.floats(0.1, 100),
)
def test_solution_is_feasible_in_hull_optimal_and_scale_free(
    xs: list[float], data: st.DataObject, q: float, k: float
) -> None:
    n = len(xs)
    x = np.array(xs)
    s = np.array(data.draw(st.lists(st.sampled_from([0.0, 0.3, 1.0]) | st.floats(0.01, 1), min_size=n,
                                    max_size=n)))
    c = np.array(data.draw(st.lists(st.sampled_from([0.0, 1.0]) | st.floats(0.01, 10), min_size=n,
                                    max_size=n)))
    if not np.any(c * s > 0):
        return
    r = nash_bargaining(x, s, c, q)
    keep = c * s > 0
    lo, hi = float(np.min(x[keep])), float(np.max(x[keep]))
    if r.agreement:
        assert lo - 1e-9 <= r.outcome <= hi + 1e-9
        assert r.low - 1e-9 <= r.outcome <= r.high + 1e-9
        if r.high - r.low < 1e-6 * max(1.0, abs(q), float(np.max(np.abs(x)))):
            return  # a sliver: any point of it is the solution to within rounding
        # optimal: no grid point inside the feasible interval has a larger weighted log-product
        grid = np.linspace(r.low, r.high, 41)[1:-1]
        def value(v: float) -> float:
            g = nash_gains(v, x[keep], s[keep], q)
            return float(np.sum(c[keep] * np.log(np.maximum(g, 1e-300))))
        best = value(r.outcome)
        assert all(value(v) <= best + 1e-7 * max(1.0, abs(best)) for v in grid)
    else:
        assert r.outcome == q
    # multiplying every capability by k changes nothing
    r2 = nash_bargaining(x, s, c * k, q)
    assert r2.outcome == pytest.approx(r.outcome, abs=1e-7 * max(1.0, abs(hi - lo)))


# ---- vetoes ------------------------------------------------------------------------------------------


def _veto_scenario(veto_at: float) -> Scenario:
    """A and B (capability 1) want 10 and 8; V has no capability, sits at ``veto_at`` and holds a veto."""
    return Scenario(
        id="veto", actors=[Actor(id="A", capability=1.0), Actor(id="B", capability=1.0),
                           Actor(id="V", capability=0.0)],
        issues=[Issue(id="x", lower=0, upper=10, status_quo=0)],
        stances=[Stance(actor="A", issue="x", position=10, salience=1.0),
                 Stance(actor="B", issue="x", position=8, salience=1.0),
                 Stance(actor="V", issue="x", position=veto_at, salience=1.0, veto=True)],
    )


def test_a_weightless_veto_player_bounds_the_solution() -> None:
    # Without the veto V counts for nothing: A and B settle between 8 and 10. V at 3 accepts nothing beyond
    # 2 x 3 = 6 over the status quo 0 (it prefers only outcomes nearer to 3 than 0 is), so the solution is
    # the feasible end nearest to A and B: 6. V at the status quo itself blocks every move.
    x, s, c = np.array([10.0, 8.0, 3.0]), np.ones(3), np.array([1.0, 1.0, 0.0])
    free = nash_bargaining(x, s, c, 0.0)
    assert free.outcome > 8.0
    capped = nash_bargaining(x, s, c, 0.0, vetoes=np.array([False, False, True]))
    assert capped.outcome == pytest.approx(6.0) and (capped.low, capped.high) == (0.0, 6.0)
    assert Nash().run(_veto_scenario(3.0)).issues["x"].outcome == pytest.approx(6.0)
    blocked = Nash().run(_veto_scenario(0.0)).issues["x"]
    assert blocked.outcome == 0.0 and blocked.extra["agreement"] is False


@settings(max_examples=150, deadline=None)
@given(
    xs=st.lists(st.sampled_from([0.0, 2.0, 5.0, 10.0]) | st.floats(0, 10), min_size=2, max_size=6),
    data=st.data(),
    q=st.sampled_from([0.0, 5.0, 10.0]) | st.floats(0, 10),
)
def test_the_rows_kernel_is_the_kernel_on_every_row(xs: list[float], data: st.DataObject, q: float) -> None:
    """nash_bargaining_rows (sweeps) against nash_bargaining, row by row, vetoes and zero weights included."""
    n = len(xs)
    rows = 4
    x = np.array([xs] * rows) + np.arange(rows)[:, None] * np.linspace(0, 0.5, n)[None, :]
    x = np.clip(x, 0, 10)
    s = np.array(data.draw(st.lists(st.sampled_from([0.0, 0.5, 1.0]) | st.floats(0.01, 1), min_size=n * rows,
                                    max_size=n * rows))).reshape(rows, n)
    c = np.array(data.draw(st.lists(st.sampled_from([0.0, 1.0]) | st.floats(0.01, 10), min_size=n * rows,
                                    max_size=n * rows))).reshape(rows, n)
    vetoes = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    out, agreement = nash_bargaining_rows(x, s, c, q, vetoes)
    for r in range(rows):
        try:
            want = nash_bargaining(x[r], s[r], c[r], q, vetoes)
        except ValueError:
            assert np.isnan(out[r]) and not agreement[r]
            continue
        assert agreement[r] == want.agreement
        assert out[r] == pytest.approx(want.outcome, rel=1e-12, abs=1e-12)
