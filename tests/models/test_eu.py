"""``eu``, the corrected expected-utility model: a 3-actor case worked out by hand round by round, agreement
with the readable loop implementation, permutation invariance with ties, convergence and degenerate inputs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peninsula.core import Actor, Issue, ParameterError, Scenario, Stance
from peninsula.models import REGISTRY
from peninsula.models.eu import ExpectedUtility, ExpectedUtilityMasad
from tests.models import eu_reference as loop
from tests.strategies import permuted, scenarios

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def toy() -> Scenario:
    """A (0, c=1), B (4, c=1), C (10, c=3); every salience 1; the issue runs 0–10 (Δ = 10)."""
    return Scenario(
        id="toy",
        actors=[Actor(id="A", capability=1.0), Actor(id="B", capability=1.0), Actor(id="C", capability=3.0)],
        issues=[Issue(id="x", lower=0.0, upper=10.0)],
        stances=[
            Stance(actor=a, issue="x", position=p, salience=1.0) for a, p in [("A", 0), ("B", 4), ("C", 10)]
        ],
    )


def u(base: float, r: float) -> float:
    return 2 - 4 * base**r


def hand_round(a: float) -> tuple[float, float, float, dict[str, float], str]:
    """One round of the toy case with A at ``a`` (0 <= a < 4), B at 4, C at 10, worked out by hand.

    Votes (w = 1, 1, 3; the paper's P_ij = Σ w max(0, g)/Σ w |g|):
      (A, B): A gives 4 − a to A; B and C give (4 − a)(1 + 3) to B → P_AB = 1/5, P_BA = 4/5.
      (A, C): A gives 10 − a; B at 4 is left of the midpoint (a + 10)/2 and gives a + 10 − 8 = a + 2 to A;
              C gives 3(10 − a) → P_AC = 12/(42 − 3a), P_CA = 1 − P_AC.
      (B, C): A and B give 6 each to B, C gives 18 → P_BC = 2/5, P_CB = 3/5.
    Pass 1 (r = 1, s = 1, Q = 1): U_s = 2d, U_f = −2d, U_sq = 0, so EU_i(j) = 2d(2P_ij − 1).
    Risk: attractiveness as a target S_j = Σ_{k≠j} EU_k(j); R = (2S − max − min)/(max − min);
    r = (1 − R/3)/(1 + R/3).
    Pass 2: EU_i(j) = P U_s(d, r_i) + (1 − P) U_f(d, r_i) − U_sq(r_i), U_sq = 2 − 4·0.5^r.
    Returns (EU_B(A), EU_A(B), new position of A, r, kind); B's offer to A is the only positive one.
    """
    d_ab, d_ac, d_bc = (4 - a) / 10, (10 - a) / 10, 0.6
    p = {("A", "B"): 0.2, ("B", "A"): 0.8, ("A", "C"): 12 / (42 - 3 * a), ("B", "C"): 0.4, ("C", "B"): 0.6}
    p["C", "A"] = 1 - p["A", "C"]
    d = {
        ("A", "B"): d_ab,
        ("B", "A"): d_ab,
        ("A", "C"): d_ac,
        ("C", "A"): d_ac,
        ("B", "C"): d_bc,
        ("C", "B"): d_bc,
    }
    eu1 = {k: 2 * d[k] * (2 * p[k] - 1) for k in p}
    attract = {j: sum(eu1[i, j] for i in "ABC" if i != j) for j in "ABC"}
    hi, lo = max(attract.values()), min(attract.values())
    big_r = {j: (2 * attract[j] - hi - lo) / (hi - lo) for j in "ABC"}
    r = {j: (1 - big_r[j] / 3) / (1 + big_r[j] / 3) for j in "ABC"}
    eu2 = {
        (i, j): p[i, j] * u(0.5 - 0.5 * d[i, j], r[i])
        + (1 - p[i, j]) * u(0.5 + 0.5 * d[i, j], r[i])
        - u(0.5, r[i])
        for (i, j) in p
    }
    positive = sorted(k for k, v in eu2.items() if v > 0)
    assert positive == [("B", "A")], positive
    u_j, u_i = eu2["B", "A"], eu2["A", "B"]
    if 0 < u_i < u_j:
        kind, new = "conflict", 4.0
    elif u_i < 0 and abs(u_i) < u_j:
        kind, new = "compromise", a + (4 - a) * abs(u_i / u_j)
    elif u_i < 0 and abs(u_i) > u_j:
        kind, new = "capitulation", 4.0
    else:
        kind, new = "none", a
    return u_j, u_i, new, r, kind


def test_hand_computed_first_round_numbers() -> None:
    # a = 0: P_AC = 12/42 = 2/7. Pass-1 EU: EU_A(B) = 0.8·(0.4 − 1) = −0.48, EU_B(A) = 0.48,
    # EU_A(C) = 2·(4/7 − 1) = −6/7, EU_C(A) = 6/7, EU_B(C) = 1.2·(0.8 − 1) = −0.24, EU_C(B) = 0.24.
    # S_A = 0.48 + 6/7, S_B = −0.48 + 0.24 = −0.24, S_C = −6/7 − 0.24: A is the most attractive target
    # (r_A = 0.5), C the least (r_C = 2), R_B = (−0.48 − 0.48 − 6/7 + 6/7 + 0.24)/(0.72 + 12/7) = −21/71,
    # so r_B = (1 + 7/71)/(1 − 7/71) = 78/64 = 1.21875.
    u_j, u_i, new, r, kind = hand_round(0.0)
    assert r == pytest.approx({"A": 0.5, "B": 1.21875, "C": 2.0}, abs=1e-12)
    # EU_A(B) = 0.2(2 − 4√0.3) + 0.8(2 − 4√0.7) − (2 − 4√0.5) ≈ −0.28706
    assert u_i == pytest.approx(0.2 * (2 - 4 * 0.3**0.5) + 0.8 * (2 - 4 * 0.7**0.5) - (2 - 4 * 0.5**0.5))
    assert u_i == pytest.approx(-0.2870630, abs=1e-7)
    assert u_j == pytest.approx(0.4629310, abs=1e-7)
    # |U_i| < U_j: A compromises, moving 0.28706/0.46293 = 62.0% of the way to B
    assert kind == "compromise" and new == pytest.approx(4 * 0.2870630 / 0.4629310, abs=1e-6)

    run = ExpectedUtility().run(toy(), rounds=1)
    rec = run.issues["x"].rounds[1]
    assert rec.extra["risk_exponents"] == pytest.approx(r, abs=1e-12)
    assert rec.positions == pytest.approx({"A": new, "B": 4.0, "C": 10.0}, abs=1e-12)
    (event,) = run.events
    assert event["challenger"] == "B" and event["target"] == "A" and event["kind"] == "compromise"
    assert event["eu_challenger"] == pytest.approx(u_j, abs=1e-12)
    assert event["eu_target"] == pytest.approx(u_i, abs=1e-12)


def test_hand_computed_every_round() -> None:
    """The same hand derivation, applied round after round until A reaches B."""
    expected_rounds = [{"A": 0.0, "B": 4.0, "C": 10.0}]
    kinds = []
    a = 0.0
    for _ in range(10):
        _, _, a_new, _, kind = hand_round(a)
        if kind == "none":
            break
        kinds.append(kind)
        expected_rounds.append({"A": a_new, "B": 4.0, "C": 10.0})
        moved = abs(a_new - a)
        a = a_new
        if moved <= 1e-6 * 10 or a == 4.0:
            break
    # A closes in on B by compromises (2.48, 3.51, 3.91, 3.995, ...) and finally capitulates
    assert kinds[:6] == ["compromise"] * 6 and kinds[-1] == "capitulation"
    assert [round(r["A"], 2) for r in expected_rounds[:5]] == [0.0, 2.48, 3.51, 3.91, 4.0]

    res = ExpectedUtility().run(toy(), rounds=10).issues["x"]
    assert len(res.rounds) == len(expected_rounds)
    for rec, want in zip(res.rounds, expected_rounds, strict=True):
        assert rec.positions == pytest.approx(want, abs=1e-9)
        # outcome: the weighted median; C alone holds 3 of 5 weight units
        assert rec.outcome == 10.0 and rec.extra["condorcet_winner"] == 10.0
    assert res.converged is True and res.outcome == 10.0


def test_matches_the_masad_variant_where_they_should_differ() -> None:
    """On the toy case the replication's P (max over the whole sum) makes A capitulate at once."""
    eu = ExpectedUtility().run(toy(), rounds=1).issues["x"].rounds[1].positions["A"]
    masad = ExpectedUtilityMasad().run(toy(), rounds=1).issues["x"].rounds[1].positions["A"]
    assert masad == 4.0 and 2.4 < eu < 2.5


def _arrays(s: Scenario, issue: str) -> tuple[list[float], list[float], list[float], float]:
    d = s.issue_data(issue)
    return d.positions.tolist(), d.capabilities.tolist(), d.saliences.tolist(), d.issue.span


@SETTINGS
@given(s=scenarios(max_issues=1), q=st.sampled_from([1.0, 0.7]), t=st.sampled_from([1.0, 0.4]))
def test_agrees_with_the_loop_reference(s: Scenario, q: float, t: float) -> None:
    issue = s.issue_ids[0]
    x, c, sal, span = _arrays(s, issue)
    if span == 0:
        return
    res = ExpectedUtility(Q=q, T=t, tol=0.0).run(s, rounds=3).issues[issue]
    ids = s.issue_data(issue).actor_ids
    # the loop reference works in the model's canonical (id) order
    order = sorted(range(len(ids)), key=lambda k: ids[k])
    ref = loop.run_loop(
        [x[k] for k in order],
        [c[k] for k in order],
        [sal[k] for k in order],
        rounds=3,
        delta=span,
        Q=q,
        T=t,
        variant="corrected",
        tol=0.0,
    )
    assert len(ref) == len(res.rounds)
    for want, got in zip(ref, res.rounds, strict=True):
        for k, pos in zip(order, want.positions, strict=True):
            assert got.positions[ids[k]] == pytest.approx(pos, rel=1e-9, abs=1e-9 * span)
        assert got.outcome == pytest.approx(want.outcome, abs=1e-9 * span)


@SETTINGS
@given(s=scenarios(min_actors=2), data=st.data())
def test_permutation_invariance_of_every_round(s: Scenario, data: st.DataObject) -> None:
    order = data.draw(st.permutations(list(range(len(s.actors)))))
    a = ExpectedUtility().run(s, rounds=4)
    b = ExpectedUtility().run(permuted(s, order), rounds=4)
    for issue in s.issue_ids:
        ra, rb = a.issues[issue].rounds, b.issues[issue].rounds
        assert len(ra) == len(rb)
        for x, y in zip(ra, rb, strict=True):
            assert x.positions == y.positions and x.outcome == y.outcome
    assert sorted(map(str, a.events)) == sorted(map(str, b.events))


def test_ties_are_broken_by_value() -> None:
    """M (5) gets equal offers from L (0) and R (10): the lower position wins, whatever the list order."""
    actors = [Actor(id=a, capability=c) for a, c in [("L", 2.0), ("M", 0.2), ("R", 2.0)]]
    stances = [
        Stance(actor=a, issue="x", position=p, salience=1.0) for a, p in [("L", 0), ("M", 5), ("R", 10)]
    ]
    s = Scenario(id="tie", actors=actors, issues=[Issue(id="x", lower=0, upper=10)], stances=stances)
    for order in ([0, 1, 2], [2, 1, 0], [1, 2, 0]):
        run = ExpectedUtility().run(permuted(s, order), rounds=1)
        moves = {(e["challenger"], e["target"]) for e in run.events}
        assert moves == {("L", "M")}


def test_probability_form_parameter() -> None:
    """With the replication's P (weaker side 0) A capitulates to B at once, as under eu-masad."""
    rep = ExpectedUtility(probability="replication").run(toy(), rounds=1).issues["x"].rounds[1]
    assert rep.positions["A"] == 4.0
    with pytest.raises(ParameterError, match="probability"):
        ExpectedUtility(probability="bogus").run(toy())


def test_tolerance_and_rounds() -> None:
    loose = ExpectedUtility(tol=0.05).run(toy(), rounds=10).issues["x"]
    tight = ExpectedUtility(tol=0.0).run(toy(), rounds=10).issues["x"]
    assert loose.converged is True and len(loose.rounds) < len(tight.rounds)
    capped = ExpectedUtility().run(toy(), rounds=2).issues["x"]
    assert len(capped.rounds) == 3 and capped.converged is False
    zero = ExpectedUtility().run(toy(), rounds=0).issues["x"]
    assert len(zero.rounds) == 1 and zero.outcome == 10.0


def hand_eu_with_status_quo(q: float, t: float, paper: bool) -> tuple[dict[tuple[str, str], float], dict]:
    """Both passes of the toy's first round at ``Q = q``, ``T = t``, by hand (A at 0, B at 4, C at 10).

    μ is the weighted median of the start positions: weights 1, 1, 3 put half the weight (2.5) at C, so
    μ = 10. With e_ij = (|x_i − μ| + |x_i − x_j|)/Δ the no-challenge utilities are U_b = 2 − 4(½ − ¼e)^r
    and U_w = 2 − 4(½ + ¼e)^r; the paper subtracts SQ = Q·U_sq + (1 − Q)[T·U_b + (1 − T)·U_w] from the
    contest term, the replication subtracts only Q·U_sq and *adds* the (1 − Q) term. Pass 1 has r = 1.
    Returns the pass-2 EU_i(j) and the risk exponents.
    """
    x = {"A": 0.0, "B": 4.0, "C": 10.0}
    mu, delta = 10.0, 10.0
    p = {("A", "B"): 0.2, ("B", "A"): 0.8, ("A", "C"): 12 / 42, ("C", "A"): 30 / 42, ("B", "C"): 0.4,
         ("C", "B"): 0.6}  # the probabilities of hand_round at a = 0

    def eu(i: str, j: str, r: float) -> float:
        d = abs(x[i] - x[j]) / delta
        e = (abs(x[i] - mu) + abs(x[i] - x[j])) / delta
        contest = p[i, j] * u(0.5 - 0.5 * d, r) + (1 - p[i, j]) * u(0.5 + 0.5 * d, r)  # salience 1
        no_contest = t * u(0.5 - 0.25 * e, r) + (1 - t) * u(0.5 + 0.25 * e, r)
        if paper:
            return contest - (q * u(0.5, r) + (1 - q) * no_contest)
        return contest - q * u(0.5, r) + (1 - q) * no_contest

    eu1 = {k: eu(*k, 1.0) for k in p}
    attract = {j: sum(eu1[i, j] for i in "ABC" if i != j) for j in "ABC"}
    hi, lo = max(attract.values()), min(attract.values())
    big_r = {j: (2 * attract[j] - hi - lo) / (hi - lo) for j in "ABC"}
    r = {j: (1 - big_r[j] / 3) / (1 + big_r[j] / 3) for j in "ABC"}
    return {k: eu(*k, r[k[0]]) for k in p}, r


def test_status_quo_sign_matters_below_q_one() -> None:
    """At Q < 1 the paper subtracts (1 − Q)[T U_b + (1 − T) U_w]; the replication adds it: ``eu`` follows
    the paper to the last digit of the hand computation, and the two signs differ by far more than that."""
    q, t = 0.5, 0.8
    paper, r_paper = hand_eu_with_status_quo(q, t, paper=True)
    replication, _ = hand_eu_with_status_quo(q, t, paper=False)
    run = ExpectedUtility(Q=q, T=t).run(toy(), rounds=1)
    assert run.issues["x"].rounds[1].extra["risk_exponents"] == pytest.approx(r_paper, abs=1e-12)
    assert run.events, "some actor challenges another"
    for event in run.events:
        pair, back = (event["challenger"], event["target"]), (event["target"], event["challenger"])
        assert event["eu_challenger"] == pytest.approx(paper[pair], abs=1e-12)
        assert event["eu_target"] == pytest.approx(paper[back], abs=1e-12)
        assert abs(paper[pair] - replication[pair]) > 0.05  # the test can tell the two signs apart


@pytest.mark.parametrize(
    ("positions", "caps", "sals"),
    [
        ([3.0], [1.0], [1.0]),  # one actor
        ([2.0, 2.0, 2.0], [1.0, 2.0, 3.0], [0.5, 0.5, 0.5]),  # all at one position
        ([0.0, 5.0, 10.0], [1.0, 1.0, 1.0], [0.0, 0.0, 0.0]),  # zero salience
        ([0.0, 5.0, 10.0], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]),  # zero capability
        ([0.0, 10.0], [1.0, 1.0], [1.0, 1.0]),  # symmetric pair: risk undefined
    ],
)
@pytest.mark.parametrize("name", ["eu", "eu-masad"])
def test_degenerate_inputs_do_not_crash(
    name: str, positions: list[float], caps: list[float], sals: list[float]
) -> None:
    ids = [f"a{k}" for k in range(len(positions))]
    s = Scenario(
        id="deg",
        actors=[Actor(id=i, capability=c) for i, c in zip(ids, caps, strict=True)],
        issues=[Issue(id="x", lower=0, upper=10)],
        stances=[
            Stance(actor=i, issue="x", position=p, salience=v)
            for i, p, v in zip(ids, positions, sals, strict=True)
        ],
    )
    res = REGISTRY[name]().run(s, rounds=5).issues["x"]
    assert res.outcome is not None and min(positions) <= res.outcome <= max(positions)
    for rec in res.rounds:
        assert all(math.isfinite(v) for v in rec.positions.values())


def test_multi_issue_runs_issue_by_issue() -> None:
    base = toy()
    two = Scenario(
        id="two",
        actors=base.actors,
        issues=[*base.issues, Issue(id="y", lower=0, upper=1)],
        stances=[
            *base.stances,
            *[Stance(actor=a, issue="y", position=p, salience=0.5) for a, p in [("A", 1), ("C", 0)]],
        ],
    )
    run = ExpectedUtility().run(two, rounds=10)
    assert run.issues["x"].rounds == ExpectedUtility().run(base, rounds=10).issues["x"].rounds
    assert {e["issue"] for e in run.events} <= {"x", "y"}
    assert set(run.issues["y"].rounds[0].positions) == {"A", "C"}


def test_metadata_and_params() -> None:
    info = REGISTRY["eu"].info
    assert not info.order_dependent and info.deterministic and info.iterative
    assert ExpectedUtility.param_names() == ("T", "Q", "tol", "probability")
    assert ExpectedUtility.validate_params({"tol": "1e-3"})["tol"] == 1e-3


def test_large_issue_runs_and_stays_in_hull() -> None:
    rng = np.random.default_rng(7)
    n = 300
    x = rng.uniform(0, 100, n).round(1)
    s = Scenario(
        id="big",
        actors=[Actor(id=f"a{k:03d}", capability=float(c)) for k, c in enumerate(rng.uniform(0.1, 1, n))],
        issues=[Issue(id="x", lower=0, upper=100)],
        stances=[Stance(actor=f"a{k:03d}", issue="x", position=float(x[k]), salience=0.5) for k in range(n)],
    )
    for name in ("eu", "eu-masad"):
        res = REGISTRY[name]().run(s, rounds=3).issues["x"]
        final = np.array(list(res.rounds[-1].positions.values()))
        assert final.min() >= x.min() and final.max() <= x.max()


@SETTINGS
@given(s=scenarios(), name=st.sampled_from(["eu", "eu-masad"]), q=st.sampled_from([1.0, 0.5, 0.0]))
def test_no_crash_and_json_able_over_ten_rounds(s: Scenario, name: str, q: float) -> None:
    import json

    run = REGISTRY[name](Q=q, T=0.5).run(s, rounds=10)
    for issue_id, res in run.issues.items():
        iss = s.issue(issue_id)
        assert res.outcome is not None
        assert len(res.rounds) <= 11
        for rec in res.rounds:
            for v in rec.positions.values():
                assert math.isfinite(v) and iss.lower - 1e-9 <= v <= iss.upper + 1e-9
            json.dumps(rec.extra, allow_nan=False)
    json.dumps(run.events, allow_nan=False)
    assert all(e["kind"] in {"conflict", "compromise", "capitulation"} for e in run.events)
