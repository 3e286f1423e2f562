"""The minimal move of the agreement model (issue 21, the knife edge): an outcome nearer the reversion than
``min_move`` of the scale is no deal, so a veto player coded at the reversion with a range no longer makes
every draw an "agreement". Every expectation is worked out by hand below."""

from __future__ import annotations

import math

import numpy as np
import pytest

from peninsula.core import Actor, Issue, Reversion, Scenario, Source, Stance
from peninsula.kernels.agreement import MIN_MOVE, agreement_set
from peninsula.models.agreement import Agreement
from peninsula.scenarios import load_packaged

ACTORS = [Actor(id="A", capability=1.0), Actor(id="B", capability=1.0), Actor(id="C", capability=2.0)]
NAN2 = np.full(2, np.nan)
BOTH = np.array([True, True])


def _knife(reversion: float = 30.0) -> Scenario:
    """B, the only veto player (as the U.S. on sanctions relief), is coded at the reversion 30, its position
    sourced over [20, 40]; A at 60 and C at 45 hold no veto."""
    src = Source(kind="coded", reason="test", low=20, high=40)
    return Scenario(
        id="knife",
        actors=ACTORS,
        issues=[Issue(id="x", lower=0, upper=100, reversion=Reversion(value=reversion))],
        stances=[
            Stance(actor="A", issue="x", position=60, salience=1.0),
            Stance(actor="B", issue="x", position=30, salience=1.0, veto=True, sources={"position": src}),
            Stance(actor="C", issue="x", position=45, salience=1.0),
        ],
    )


def test_default_is_five_percent_of_the_scale() -> None:
    assert MIN_MOVE == 0.05
    r = Agreement().run(_knife()).issues["x"]
    assert r.extra["min_move"] == 5.0


def test_a_sliver_is_no_deal_at_the_kernel() -> None:
    """Reversion 0, veto players at 2 and 100: by the default the first accepts (0, 4), a move of at most 4,
    below the minimal move of 5 (5 % of 0-100): no agreement. Without the minimal move: (0, 4)."""
    x = np.array([2.0, 100.0])
    w = agreement_set(x, np.array(0.0), NAN2, NAN2, BOTH, 0.0, 100.0)
    assert not bool(w.nonempty)
    w0 = agreement_set(x, np.array(0.0), NAN2, NAN2, BOTH, 0.0, 100.0, min_move=0.0)
    assert bool(w0.nonempty) and (float(w0.low), float(w0.high)) == (0.0, 4.0)
    # at 3 the first accepts (0, 6): the deals of at least 5 are [5, 6), closed where the band ends
    w3 = agreement_set(np.array([3.0, 100.0]), np.array(0.0), NAN2, NAN2, BOTH, 0.0, 100.0)
    assert bool(w3.nonempty) and (float(w3.low), float(w3.high)) == (5.0, 6.0)
    assert not bool(w3.low_open) and bool(w3.high_open)
    # below the reversion the band cuts the set's upper end: veto players at 80 and 70, reversion 90
    wd = agreement_set(np.array([80.0, 70.0]), np.array(90.0), NAN2, NAN2, BOTH, 0.0, 100.0)
    assert (float(wd.low), float(wd.high)) == (70.0, 85.0) and not bool(wd.high_open)


def test_nothing_is_removed_where_the_limits_make_the_reversion_a_deal() -> None:
    """A (veto) at 70 accepts down to 40, B (veto) at 20 up to 55, reversion 50: both accept 50 itself as a
    deal (agreeing is worth something at the reversion's value), so the set stays [40, 55]."""
    x = np.array([70.0, 20.0])
    w = agreement_set(x, np.array(50.0), np.array([40.0, np.nan]), np.array([np.nan, 55.0]), BOTH, 0.0, 100.0)
    assert (float(w.low), float(w.high)) == (40.0, 55.0)


def test_a_veto_player_at_the_reversion_with_a_range_is_not_sold_as_a_deal() -> None:
    """B drawn from triangular(20, 30, 40) accepts a move of at least m from 30 iff its default interval
    (around x, reaching 2|x − 30| from the reversion) does: p = P(|x − 30| >= m/2) = (1 − m/20)²: 0.5625
    for m = 5, 0.25 for m = 10, 1 for m = 0."""
    s = _knife()
    se = 4 * math.sqrt(0.25 / 2000)
    r = Agreement().run(s).issues["x"]
    assert r.extra["agreement_set"] is None  # B blocks at its coded position
    assert abs(r.extra["p_agreement"] - 0.5625) < se
    notes = " ".join(r.notes)
    assert "B sits at or near the reversion" in notes and "B accepts nothing" in notes
    assert "the minimal move 5 (5 % of the scale)" in notes
    r10 = Agreement(min_move=0.10).run(s).issues["x"]
    assert abs(r10.extra["p_agreement"] - 0.25) < se
    assert r10.outcome == 30.0  # a deal below one half: the reversion
    # without the minimal move every draw moves B off the reversion and counts as a deal
    assert Agreement(min_move=0.0).run(s).issues["x"].extra["p_agreement"] == 1.0


def test_agreed_outcomes_move_at_least_the_minimal_move() -> None:
    s = _knife()
    run = Agreement(draws=0).run(s).issues["x"]
    assert run.outcome == 30.0 and run.extra["p_agreement"] == 0.0
    moved = s.model_copy(
        update={"stances": (s.stances[0], s.stances[1].model_copy(update={"position": 33.0}), s.stances[2])}
    )
    # B at 33 accepts (30, 36): the deals of at least 5 from 30 are [35, 36); the compromise (60 + 33 + 90)
    # / 4 = 45.75 is cut to 36
    r = Agreement(draws=0).run(moved).issues["x"]
    assert r.extra["agreement_set"] == [35.0, 36.0] and r.outcome == pytest.approx(36.0)


def test_korea_2019_04_sanctions_relief_is_coherent() -> None:
    """The coordinator's case: the U.S. is coded at the reversion (30, range 20-40) and is the only veto
    player. It accepts nothing at its coded position, so p_agreement must not be 1 and the notes must say
    why the draws differ from the scenario's values."""
    r = Agreement().run(load_packaged("korea-2019-04")).issues["sanctions-relief"]
    assert r.extra["agreement_set"] is None
    assert r.extra["p_agreement"] < 0.99
    assert "US sits at or near the reversion" in " ".join(r.notes)


def test_consensus_says_why_there_is_a_deal_without_a_set() -> None:
    """consensus's agreement step on the same knife edge: p >= 1/2 with no set at the scenario's values must
    not read as a contradiction."""
    from peninsula.models.consensus import Consensus

    r = Consensus().run(_knife()).issues["x"]
    assert r.extra["agreement_set"] is None and r.extra["p_agreement"] >= 0.5
    assert "no agreement set at the scenario's values, only in most draws" in " ".join(r.notes)
