"""The agreement model (issue 21) on three-actor cases worked out by hand.

Each case pins the agreement set, ``p_agreement`` and the outcome, and is built so that ignoring any one
veto or acceptance limit changes what is pinned (checked below by dropping each in turn).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peninsula.core import Actor, Issue, Reversion, Scenario, Source, Stance
from peninsula.kernels.agreement import agreement_set, nash_rule
from peninsula.kernels.nash import nash_bargaining
from peninsula.models.agreement import Agreement, draw_inputs
from tests.strategies import scenarios

ACTORS = [Actor(id="A", capability=1.0), Actor(id="B", capability=1.0), Actor(id="C", capability=2.0)]


def _scenario(stances: list[Stance], reversion: float = 0.0, **issue: object) -> Scenario:
    return Scenario(
        id="three",
        actors=ACTORS,
        issues=[
            Issue(id="x", lower=0, upper=100, reversion=Reversion(value=reversion, label="none"), **issue)
        ],
        stances=stances,
    )


def _drop(s: Scenario, actor: str, field: str) -> Scenario:
    """The scenario with one actor's veto or limit ignored (set to its default)."""
    default = False if field == "veto" else None
    stances = [t.model_copy(update={field: default}) if t.actor == actor else t for t in s.stances]
    return Scenario.model_validate({**s.model_dump(), "stances": [t.model_dump() for t in stances]})


def _x(s: Scenario, **params: object) -> dict[str, object]:
    res = Agreement(**params).run(s).issues["x"]  # type: ignore[arg-type]
    return {"outcome": res.outcome, **res.extra, "notes": res.notes}


# ---- case 1: an empty set ------------------------------------------------------------------------------
# A (veto) wants the big deal, 100, and accepts nothing below 75. B (veto) wants 25; by the single-peaked
# default (reversion 0) it accepts (0, 50). [75, 100] and (0, 50) do not meet: no agreement, outcome 0.
EMPTY = _scenario(
    [
        Stance(actor="A", issue="x", position=100, salience=1.0, veto=True, accept_low=75),
        Stance(actor="B", issue="x", position=25, salience=1.0, veto=True),
        Stance(actor="C", issue="x", position=60, salience=1.0),
    ]
)


def test_empty_set_forecasts_the_reversion() -> None:
    r = _x(EMPTY)
    assert r["agreement_set"] is None and r["outcome_if_agreement"] is None
    assert r["p_agreement"] == 0.0 and r["outcome"] == 0.0 and r["reversion"] == 0.0
    notes = " ".join(r["notes"])  # type: ignore[arg-type]
    assert "do not overlap" in notes and "A accepts [75, 100]" in notes and "B accepts (0, 50)" in notes


@pytest.mark.parametrize(("actor", "field"), [("A", "accept_low"), ("A", "veto"), ("B", "veto")])
def test_empty_set_needs_every_veto_and_limit(actor: str, field: str) -> None:
    r = _x(_drop(EMPTY, actor, field))
    assert r["p_agreement"] == 1.0 and r["agreement_set"] is not None
    # without A's limit the set is (0, 50); without A's veto B's (0, 50); without B's veto A's [75, 100];
    # less the outcomes within the minimal move 5 of the reversion 0
    assert r["agreement_set"] == ([75.0, 100.0] if (actor, field) == ("B", "veto") else [5.0, 50.0])


def test_p_agreement_from_a_coded_range_of_the_limit() -> None:
    """A's limit drawn from triangular(40, 45, 60): the set is non-empty iff the limit is below B's 50,
    P = 1 − (60 − 50)² / ((60 − 40)(60 − 45)) = 2/3."""
    src = Source(kind="coded", reason="test", low=40, high=60)
    stances = list(EMPTY.stances)
    stances[0] = stances[0].model_copy(update={"accept_low": 45.0, "sources": {"accept_low": src}})
    s = _scenario(stances)
    r = _x(s)
    assert r["agreement_set"] == [45.0, 50.0]  # at the scenario's own values
    se = math.sqrt((2 / 3) * (1 / 3) / 2000)
    assert abs(r["p_agreement"] - 2 / 3) < 4 * se  # type: ignore[operator]
    assert r["p_agreement_se"] == pytest.approx(math.sqrt(r["p_agreement"] * (1 - r["p_agreement"]) / 2000))  # type: ignore[operator]
    # p > 1/2: the outcome is an agreed one, between the drawn limit and 50
    assert 40.0 < r["outcome"] <= 50.0  # type: ignore[operator]
    # more draws, another seed: the same probability within its error
    r2 = _x(s, draws=20000, seed=3)
    assert abs(r2["p_agreement"] - 2 / 3) < 4 * math.sqrt((2 / 9) / 20000)  # type: ignore[operator]


def test_a_deal_below_one_half_forecasts_the_reversion() -> None:
    """Limit drawn from triangular(40, 58, 60): P(limit < 50) = (50 − 40)² / ((60 − 40)(58 − 40)) = 5/18."""
    src = Source(kind="coded", reason="test", low=40, high=60)
    stances = list(EMPTY.stances)
    stances[0] = stances[0].model_copy(update={"accept_low": 58.0, "sources": {"accept_low": src}})
    r = _x(_scenario(stances))
    assert abs(r["p_agreement"] - 5 / 18) < 4 * math.sqrt((5 / 18) * (13 / 18) / 2000)  # type: ignore[operator]
    assert r["outcome"] == 0.0 and r["agreement_set"] is None


# ---- case 2: a set cut by a veto -----------------------------------------------------------------------
# Reversion 0. A (veto) at 80 accepts (0, 160) ∩ scale = (0, 100]; B (veto) at 30 accepts (0, 60); C (no
# veto, capability 2) wants 100. The set is (0, 60), [5, 60) without the moves smaller than the minimal move
# (5 % of the scale). The compromise (80 + 30 + 2·100) / 4 = 77.5 is cut to
# 60 by B's veto. Nash between A and B (capabilities 1, 1): the gains are u(160 − u)/6400 and
# u(60 − u)/900, so maximise 2 log u + log(160 − u) + log(60 − u): 2/u = 1/(160 − u) + 1/(60 − u),
# u² − 165u + 4800 = 0, u = (165 − √8025)/2 = 37.70882... The agenda setter B proposes its own 30; A
# proposes 60, its best in the set.
CUT = _scenario(
    [
        Stance(actor="A", issue="x", position=80, salience=1.0, veto=True),
        Stance(actor="B", issue="x", position=30, salience=1.0, veto=True),
        Stance(actor="C", issue="x", position=100, salience=1.0),
    ]
)


def test_veto_cuts_the_set_and_the_rules_pick_inside_it() -> None:
    r = _x(CUT)
    assert r["agreement_set"] == [5.0, 60.0] and r["p_agreement"] == 1.0
    assert r["outcome"] == pytest.approx(60.0) and r["outcome_if_agreement"] == pytest.approx(60.0)
    nash = _x(CUT, rule="nash")
    assert nash["outcome"] == pytest.approx((165 - math.sqrt(8025)) / 2, abs=1e-9)
    assert _x(CUT, rule="setter", setter="B")["outcome"] == pytest.approx(30.0)
    assert _x(CUT, rule="setter", setter="A")["outcome"] == pytest.approx(60.0)
    default_setter = _x(CUT, rule="setter")  # A and B tie on capability x salience: the smaller id, A
    assert default_setter["setter"] == "A" and default_setter["outcome"] == pytest.approx(60.0)


def test_without_the_cutting_veto_the_compromise_stands() -> None:
    free = _x(_drop(CUT, "B", "veto"))
    assert free["agreement_set"] == [5.0, 100.0] and free["outcome"] == pytest.approx(77.5)


def test_a_veto_player_at_the_reversion_blocks() -> None:
    s = _drop(CUT, "C", "veto")
    stances = [t.model_copy(update={"position": 0.0}) if t.actor == "B" else t for t in s.stances]
    r = _x(Scenario.model_validate({**s.model_dump(), "stances": [t.model_dump() for t in stances]}))
    assert r["p_agreement"] == 0.0 and r["outcome"] == 0.0 and "B accepts nothing" in " ".join(r["notes"])  # type: ignore[arg-type]


# ---- case 3: asymmetric limits -------------------------------------------------------------------------
# Reversion 50 (no agreement keeps today's value, the status quo). A (veto) at 70 accepts down to 40 (below
# the reversion: having no deal costs it more than the scale shows) and, by default, up to 90 (exclusive).
# B (veto) at 20 accepts, by default, from −10 (the scale's 0) and, explicitly, up to 55. The set is
# [40, 55]: it holds the reversion itself, so the minimal move removes nothing (both prefer a deal at 50 to
# none). C (no veto) at 90. Compromise (70 + 20 + 2·90)/4 = 67.5, cut to 55.
ASYM = _scenario(
    [
        Stance(actor="A", issue="x", position=70, salience=1.0, veto=True, accept_low=40),
        Stance(actor="B", issue="x", position=20, salience=1.0, veto=True, accept_high=55),
        Stance(actor="C", issue="x", position=90, salience=1.0),
    ],
    reversion=50.0,
    status_quo=50.0,
)


def test_asymmetric_limits_pin_the_set() -> None:
    r = _x(ASYM)
    assert r["agreement_set"] == [40.0, 55.0] and r["p_agreement"] == 1.0
    assert r["outcome"] == pytest.approx(55.0)
    notes = " ".join(r["notes"])  # type: ignore[arg-type]
    assert "A accepts [40, 90)" in notes and "B accepts [0, 55]" in notes


@pytest.mark.parametrize(
    ("actor", "field", "expected"),
    [
        ("A", "accept_low", [55.0, 55.0]),  # default: (50, 90); (50, 55] less the minimal move below 55
        ("B", "accept_high", [40.0, 45.0]),  # default: (−10, 50); [40, 50) less the minimal move above 45
        ("A", "veto", [0.0, 55.0]),
        ("B", "veto", [40.0, 90.0]),
    ],
)
def test_asymmetric_set_needs_every_veto_and_limit(actor: str, field: str, expected: list[float]) -> None:
    assert _x(_drop(ASYM, actor, field))["agreement_set"] == expected


def test_nash_with_asymmetric_limits_by_hand() -> None:
    """A: g = 1 − ((u − 70)/30)² below 70; B: g = 1 − ((u − 20)/35)² above 20. On [40, 55] both gains
    factor: A's (u − 40)(100 − u)/900, B's (55 − u)(u + 15)/1225; the root of
    1/(u − 40) − 1/(100 − u) − 1/(55 − u) + 1/(u + 15) = 0 on (40, 55), found here by bisection."""
    def d(u: float) -> float:
        return 1 / (u - 40) - 1 / (100 - u) - 1 / (55 - u) + 1 / (u + 15)

    lo, hi = 40.0 + 1e-12, 55.0 - 1e-12
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if d(mid) > 0 else (lo, mid)
    assert _x(ASYM, rule="nash")["outcome"] == pytest.approx(lo, abs=1e-9)


# ---- the kernel against the Nash model and across batch shapes --------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    x=st.lists(st.floats(-50, 50, allow_nan=False), min_size=2, max_size=6),
    c=st.lists(st.floats(0.1, 5.0), min_size=6, max_size=6),
    q=st.floats(-60, 60, allow_nan=False),
)
def test_nash_rule_equals_the_nash_model_when_every_actor_holds_a_veto(
    x: list[float], c: list[float], q: float
) -> None:
    """With default limits and every actor a veto player, the normalised gains are Achen's divided by
    s_i d_i², which changes no Nash solution: the kernel must agree with :func:`nash_bargaining`."""
    pos = np.array(x)
    caps = np.array(c[: len(x)])
    sal = np.ones_like(pos)
    ref = nash_bargaining(pos, sal, caps, q, np.ones_like(pos, dtype=bool))
    nan = np.full_like(pos, np.nan)
    # Achen's Nash model knows no minimal move: compare on the set without it
    w = agreement_set(pos, np.array(q), nan, nan, np.ones_like(pos, dtype=bool), -1e9, 1e9, min_move=0.0)
    if not ref.agreement:
        assert not (w.nonempty and w.high - w.low > 1e-9)
        return
    assert w.nonempty
    got = float(nash_rule(pos, caps, np.array(q), nan, nan, np.ones_like(pos, dtype=bool), w.low, w.high))
    assert got == pytest.approx(ref.outcome, abs=1e-7 * max(1.0, float(np.max(np.abs(pos)))))


def test_draws_do_not_depend_on_actor_order_or_other_inputs() -> None:
    src = Source(kind="coded", reason="test", low=40, high=60)
    s = _scenario(
        [
            Stance(actor="A", issue="x", position=50, salience=1.0, sources={"position": src}),
            Stance(actor="B", issue="x", position=50, salience=1.0, sources={"position": src}),
        ]
    )
    d = draw_inputs(s, 500, 7)["x"].positions
    assert not np.array_equal(d[0], d[1])  # two inputs, two streams
    only_b = _scenario([s.stances[1]])
    assert np.array_equal(draw_inputs(only_b, 500, 7)["x"].positions[0], d[1])


@settings(max_examples=30, deadline=None)
@given(s=scenarios(agreement=True, min_actors=2))
def test_p_agreement_is_a_share_and_the_outcome_follows_it(s: Scenario) -> None:
    run = Agreement(draws=200).run(s)
    for issue_id, res in run.issues.items():
        p = res.extra.get("p_agreement")
        if p is None:
            assert res.outcome is None and res.notes
            continue
        assert 0.0 <= p <= 1.0
        r = s.issue(issue_id).reversion_value
        no_random = not any(t.sources for t in s.stances_on(issue_id)) and not (
            s.issue(issue_id).reversion is not None and s.issue(issue_id).reversion.source is not None  # type: ignore[union-attr]
        )
        if p < 0.5 and no_random:
            assert res.outcome == r
        if no_random:  # nothing is drawn: p is 0 or 1, as the set at the scenario's values says
            assert p == (1.0 if res.extra["agreement_set"] is not None else 0.0)
