"""The EU kernels: prefix-sum vote sums against brute force, the batch axis, and NumPy vs numba paths."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from peninsula.kernels import eu as K
from peninsula.kernels.central import weighted_median

SETTINGS = settings(max_examples=60, deadline=None)
GRID = [0.0, 0.25, 0.5, 0.7, 1.0, 3.0, 10.0]


@st.composite
def issue_arrays(draw: st.DrawFn, min_n: int = 1, max_n: int = 9, batch: int = 0) -> tuple[np.ndarray, ...]:
    """Positions (with ties), saliences and capabilities (with zeros), optionally with a batch axis."""
    n = draw(st.integers(min_n, max_n))
    shape = (batch, n) if batch else (n,)
    pos = st.one_of(st.sampled_from(GRID), st.floats(0.0, 10.0, allow_nan=False))
    x = draw(hnp.arrays(np.float64, shape, elements=pos))
    s = draw(hnp.arrays(np.float64, shape, elements=st.one_of(st.just(0.0), st.floats(0.0, 1.0))))
    c = draw(hnp.arrays(np.float64, shape, elements=st.one_of(st.just(0.0), st.floats(0.01, 5.0))))
    return x, s, c


def brute_pair_sums(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """O(n³) definition: g_k(i, j) = |x_k − x_j| − |x_k − x_i|."""
    g = np.abs(x[None, None, :] - x[None, :, None]) - np.abs(x[None, None, :] - x[:, None, None])
    same = x[:, None] == x[None, :]
    margin = np.where(same, 0.0, (w * g).sum(-1))
    support = np.where(same, 0.0, (w * np.maximum(g, 0.0)).sum(-1))
    total = np.where(same, 0.0, (w * np.abs(g)).sum(-1))
    return margin, support, total


def test_pair_sums_worked_example() -> None:
    # x = 0, 1, 4 with unit weights. Pair (0, 4): actor at 0 gives 4 to "0"; actor at 1 is left of the
    # midpoint 2 and gives 0 + 4 − 2 = 2 to "0"; actor at 4 gives 4 to "4". support = 6, against = 4.
    s = K.pair_sums(np.array([0.0, 1.0, 4.0]), np.ones(3))
    assert s.support[0, 2] == 6.0 and s.support[2, 0] == 4.0
    assert s.margin[0, 2] == 2.0 and s.margin[2, 0] == -2.0
    assert s.total[0, 2] == s.total[2, 0] == 10.0
    assert np.all(np.diag(s.total) == 0)


@SETTINGS
@given(issue_arrays())
def test_pair_sums_match_brute_force(arrs: tuple[np.ndarray, ...]) -> None:
    x, s, c = arrs
    w = c * s
    want = brute_pair_sums(x, w)
    scale = max(1.0, float(np.abs(w).sum() * 10.0))
    for engine in ("numpy", "numba"):
        got = K.pair_sums_fast(x, w, engine=engine)  # type: ignore[arg-type]
        for a, b in zip((got.margin, got.support, got.total), want, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12 * scale)


@SETTINGS
@given(issue_arrays(batch=4))
def test_batch_axis_equals_row_by_row(arrs: tuple[np.ndarray, ...]) -> None:
    x, s, c = arrs
    w = c * s
    sums = K.pair_sums(x, w)
    vote = K.masad_vote(x, sums.margin, 10.0)
    for b in range(x.shape[0]):
        row = K.pair_sums(x[b], w[b])
        np.testing.assert_allclose(sums.margin[b], row.margin, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(sums.total[b], row.total, rtol=1e-12, atol=1e-12)
        assert vote[b] == K.masad_vote(x[b], row.margin, 10.0)


@SETTINGS
@given(issue_arrays(min_n=2, batch=3))
def test_eu_round_batched_equals_row_by_row(arrs: tuple[np.ndarray, ...]) -> None:
    x, s, c = arrs
    w = c * s
    prob = K.win_probabilities(K.pair_sums(x, w))
    mu = np.array([weighted_median(x[b], np.ones_like(x[b])) for b in range(x.shape[0])])
    batched = K.eu_round(
        x,
        s,
        prob,
        delta=10.0,
        mu_first=mu,
        mu_second=mu,
        Q=0.5,
        T=0.3,
        tie="value",
        rtol=1e-12,
        engine="numpy",
    )
    for b in range(x.shape[0]):
        one = K.eu_round(
            x[b],
            s[b],
            prob[b],
            delta=10.0,
            mu_first=mu[b],
            mu_second=mu[b],
            Q=0.5,
            T=0.3,
            tie="value",
            rtol=1e-12,
            engine="numpy",
        )
        np.testing.assert_allclose(batched.eu[b], one.eu, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(batched.positions[b], one.positions, rtol=1e-12, atol=1e-12)


@SETTINGS
@given(issue_arrays(min_n=2), st.sampled_from(["masad", "paper"]), st.sampled_from([1.0, 0.6]))
def test_numpy_and_numba_rounds_agree(arrs: tuple[np.ndarray, ...], sign: str, q: float) -> None:
    x, s, c = arrs
    w = c * s
    form = "masad" if sign == "masad" else "paper"
    prob = K.win_probabilities(K.pair_sums(x, w), form=form)  # type: ignore[arg-type]
    args = {
        "delta": 10.0,
        "mu_first": 3.0,
        "mu_second": 5.0,
        "Q": q,
        "T": 0.4,
        "sign": sign,
        "tie": "index" if sign == "masad" else "value",
        "rtol": 0.0 if sign == "masad" else 1e-12,
    }
    a = K.eu_round(x, s, prob, engine="numpy", **args)  # type: ignore[arg-type]
    b = K.eu_round(x, s, prob, engine="numba", **args)  # type: ignore[arg-type]
    np.testing.assert_allclose(a.eu, b.eu, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(a.risk, b.risk, rtol=1e-9, atol=1e-12)
    assert bool(a.risk_defined) == bool(b.risk_defined)
    if np.array_equal(a.sender, b.sender):  # identical unless a near-tie sits on a rounding boundary
        np.testing.assert_allclose(a.positions, b.positions, rtol=1e-9, atol=1e-9)
        assert np.array_equal(a.kind, b.kind)


def test_win_probabilities_forms() -> None:
    x = np.array([0.0, 4.0, 10.0])
    w = np.array([1.0, 1.0, 3.0])
    sums = K.pair_sums(x, w)
    paper = K.win_probabilities(sums, "paper")
    masad = K.win_probabilities(sums, "masad")
    # pair (0, 4): votes 4 for "0", 4 + 3·4 = 16 for "4", 20 in all
    assert paper[0, 1] == pytest.approx(0.2) and paper[1, 0] == pytest.approx(0.8)
    assert masad[0, 1] == 0.0 and masad[1, 0] == pytest.approx(12 / 20)
    off = ~np.eye(3, dtype=bool)
    np.testing.assert_allclose((paper + paper.T)[off], 1.0)
    assert np.all(np.diag(paper) == 0)


def test_utilities_risk_neutral_are_linear() -> None:
    x = np.array([0.0, 5.0, 10.0])
    u = K.utilities(x, np.ones(3), 5.0, 10.0)
    d = np.abs(x[:, None] - x[None, :]) / 10.0
    np.testing.assert_allclose(u.success, 2 * d)  # 2 − 4(0.5 − 0.5d) = 2d
    np.testing.assert_allclose(u.failure, -2 * d)
    np.testing.assert_allclose(u.status_quo, 0.0)
    e = (np.abs(x - 5.0)[:, None] + np.abs(x[:, None] - x[None, :])) / 10.0
    np.testing.assert_allclose(u.better, e)  # 2 − 4(0.5 − 0.25e) = e
    np.testing.assert_allclose(u.worse, -e)


def test_status_quo_sign_differs_only_below_q_one() -> None:
    x = np.array([0.0, 5.0, 10.0])
    s = np.array([0.5, 1.0, 0.2])
    prob = K.win_probabilities(K.pair_sums(x, np.ones(3)))
    u = K.utilities(x, np.array([0.5, 1.0, 2.0]), 5.0, 10.0)
    for q in (1.0,):
        np.testing.assert_array_equal(
            K.expected_utilities(prob, s, u, Q=q, T=0.5, sign="paper"),
            K.expected_utilities(prob, s, u, Q=q, T=0.5, sign="masad"),
        )
    paper = K.expected_utilities(prob, s, u, Q=0.5, T=0.5, sign="paper")
    masad = K.expected_utilities(prob, s, u, Q=0.5, T=0.5, sign="masad")
    no_contest = 0.5 * u.better + 0.5 * u.worse
    np.testing.assert_allclose(masad - paper, 2 * 0.5 * no_contest, atol=1e-12)


def test_risk_exponents_range_and_degenerate() -> None:
    eu = np.array([[0.0, 1.0, -1.0], [0.5, 0.0, 2.0], [-0.5, 0.3, 0.0]])
    r, ok = K.risk_exponents(eu)
    assert bool(ok)
    # A = column sums off the diagonal = (0, 1.3, 1): the most attractive gets 0.5, the least 2
    assert r[1] == pytest.approx(0.5) and r[0] == pytest.approx(2.0)
    big_r = (2 * 1.0 - 1.3 - 0.0) / 1.3
    assert r[2] == pytest.approx((1 - big_r / 3) / (1 + big_r / 3))
    r, ok = K.risk_exponents(np.zeros((3, 3)))
    assert not bool(ok) and np.all(r == 1.0)


def test_masad_vote_first_occurrence_and_largest_margin() -> None:
    x = np.array([7.0, 4.0, 7.0, 10.0])
    w = np.array([1.0, 1.0, 1.0, 0.5])
    m = K.pair_sums(x, w).margin
    # margins: v(7, 4) = 1·3 (at 7) + 1·3 (7) + 0.5·3 (10) − 1·3 (at 4) = 4.5 is the largest
    assert K.masad_vote(x, m, 6.0) == 7.0
    assert K.masad_vote(np.array([3.0, 3.0]), np.zeros((2, 2)), 1.0) == 3.0


@SETTINGS
@given(issue_arrays(min_n=1))
def test_condorcet_winner_is_the_weighted_median(arrs: tuple[np.ndarray, ...]) -> None:
    x, s, c = arrs
    w = c * s
    if not w.sum() > 0:
        return
    cw = float(K.condorcet_winner(x, K.pair_sums(x, w).margin))
    if not np.isnan(cw):
        assert cw == weighted_median(x, w)


def test_choose_offers_tie_rules() -> None:
    # receiver 1 (at 5) gets equal offers from 0 (at 3) and 2 (at 7): equally near.
    eu = np.array([[0.0, 1.0, 0.0], [-0.5, 0.0, -0.5], [0.0, 1.0, 0.0]])
    x = np.array([3.0, 5.0, 7.0])
    assert K.choose_offers(eu, x, tie="index")[1] == 0
    assert K.choose_offers(eu[::-1][:, ::-1], x[::-1], tie="index")[1] == 0  # list order decides
    assert K.choose_offers(eu[::-1][:, ::-1], x[::-1], tie="value")[1] == 2  # value: the lower position
    new, kind = K.respond_to_offers(eu, x, K.choose_offers(eu, x))
    # U_i = −0.5 < 0, |U_i| < U_j = 1: compromise half-way to 3
    assert kind[1] == K.COMPROMISE and new[1] == pytest.approx(4.0)


@SETTINGS
@given(issue_arrays(min_n=1, batch=5))
def test_weighted_median_rows_matches_the_baseline_kernel(arrs: tuple[np.ndarray, ...]) -> None:
    x, s, c = arrs
    w = c * s
    got = K.weighted_median_rows(x, w)
    for b in range(x.shape[0]):
        wb = w[b] if w[b].sum() > 0 else np.ones_like(w[b])
        assert got[b] == weighted_median(x[b], wb)


def test_weighted_median_rows_with_subnormal_weights_is_the_single_row_kernel() -> None:
    # issue 24: half of a subnormal total rounded to 0, so the first sorted position "reached" it (0.125)
    x, w = np.array([[0.25, 0.0]]), np.array([[5e-324, 0.0]])
    assert weighted_median(x[0], w[0]) == 0.25
    assert K.weighted_median_rows(x, w).tolist() == [0.25]
    both = K.weighted_median_rows(np.vstack([x, x[:, ::-1]]), np.vstack([w, w[:, ::-1]]))
    assert both.tolist() == [0.25, 0.25]


def _scenario_rows(x: np.ndarray, s: np.ndarray, c: np.ndarray) -> list[object]:
    from peninsula.core import Actor, Issue, Scenario, Stance

    out = []
    for b in range(x.shape[0]):
        ids = [f"a{k}" for k in range(x.shape[1])]
        out.append(
            Scenario(
                id="draw",
                actors=[Actor(id=i, capability=float(ck)) for i, ck in zip(ids, c[b], strict=True)],
                issues=[Issue(id="x", lower=0.0, upper=10.0)],
                stances=[
                    Stance(actor=i, issue="x", position=float(xk), salience=float(sk))
                    for i, xk, sk in zip(ids, x[b], s[b], strict=True)
                ],
            )
        )
    return out


@settings(max_examples=30, deadline=None)
@given(issue_arrays(min_n=1, max_n=6, batch=4), st.sampled_from(["eu", "eu-masad"]))
def test_run_batch_equals_the_models_draw_by_draw(arrs: tuple[np.ndarray, ...], variant: str) -> None:
    from peninsula.models import REGISTRY

    x, s, c = arrs
    batch = K.run_batch(x, s, c, rounds=4, delta=10.0, variant=variant)  # type: ignore[arg-type]
    model = REGISTRY[variant](delta=10.0) if variant == "eu-masad" else REGISTRY[variant]()
    for b, scenario in enumerate(_scenario_rows(x, s, c)):
        res = model.run(scenario, rounds=4).issues["x"]  # type: ignore[attr-defined]
        for k, rec in enumerate(res.rounds):
            want = np.array(list(rec.positions.values()))
            np.testing.assert_allclose(batch.positions[k, b], want, rtol=1e-9, atol=1e-9)
            assert batch.outcomes[k, b] == pytest.approx(rec.outcome, abs=1e-9)
        # after the model stopped, the batch keeps the positions fixed
        for k in range(len(res.rounds), 5):
            np.testing.assert_array_equal(batch.positions[k, b], batch.positions[len(res.rounds) - 1, b])


@SETTINGS
@given(issue_arrays(min_n=1), st.sampled_from([1.0, 0.6]), st.sampled_from([1.0, 0.3]), st.booleans())
def test_the_off_diagonal_eu_matrix_is_the_full_one_off_the_diagonal(
    arrs: tuple[np.ndarray, ...], Q: float, T: float, paper: bool
) -> None:
    """The sweeps' loops skip the diagonal (never read) and reuse powers between actors at one position;
    every other entry is the full kernel's, exactly (ties in ``x`` are common in the generated arrays)."""
    from peninsula.kernels import _eu_numba as nb

    x, s, _ = arrs
    n = len(x)
    prob = np.linspace(0.0, 1.0, n * n).reshape(n, n)
    r = np.linspace(0.5, 2.0, n)
    delta = float(np.ptp(x)) or 1.0
    full = np.empty((n, n))
    off = np.full((n, n), np.nan)
    nb.eu_matrix_into(x, s, prob, r, float(np.median(x)), delta, Q, T, paper, full)
    order = np.argsort(x, kind="stable")
    nb.eu_matrix_offdiag_into(x, s, prob, r, float(np.median(x)), delta, Q, T, paper, order, off)
    mask = ~np.eye(n, dtype=bool)
    assert np.array_equal(full[mask], off[mask])
    assert np.all(np.diag(off) == 0.0)
