"""Overlay and cohesion arithmetic, pinned on a small hand-made scenario (worked out in the comments)."""

from __future__ import annotations

import pytest

from peninsula.core import Actor, InputError, Issue, Scenario, Source, Stance
from peninsula.models.base import IssueResult, ModelRun, RoundRecord
from peninsula.scenarios import (
    Overlay,
    OverlayWarning,
    apply_overlay,
    cohesion,
    cohesion_after,
    load_packaged,
    overlay_changes,
    source_problems,
)

CODED = Source(kind="coded", reason="test", low=0.0, high=100.0)


def toy() -> Scenario:
    # x on 0-100, y on 0-10; a third actor Z only on x.
    return Scenario(
        id="toy",
        actors=[
            Actor(id="US", capability=2.0),
            Actor(id="ROK", capability=1.0),
            Actor(id="Z", capability=1.0),
        ],
        issues=[Issue(id="x", lower=0, upper=100), Issue(id="y", lower=0, upper=10)],
        stances=[
            Stance(actor="US", issue="x", position=0, salience=1.0),
            Stance(actor="ROK", issue="x", position=80, salience=0.6),
            Stance(actor="Z", issue="x", position=100, salience=0.5),
            Stance(actor="US", issue="y", position=10, salience=0.2),
            Stance(actor="ROK", issue="y", position=5, salience=0.4),
        ],
    )


def test_cohesion_by_hand() -> None:
    # d_x = |0-80|/100 = 0.8, w_x = (1.0+0.6)/2 = 0.8
    # d_y = |10-5|/10 = 0.5,  w_y = (0.2+0.4)/2 = 0.3
    # D = (0.8*0.8 + 0.3*0.5) / (0.8+0.3) = 0.79/1.1 = 0.718181...; C = 1 - D = 0.281818...
    c = cohesion(toy())
    assert c.allies == ("US", "ROK")
    assert [(g.issue, g.distance, g.weight) for g in c.issues] == [
        ("x", pytest.approx(0.8), pytest.approx(0.8)),
        ("y", pytest.approx(0.5), pytest.approx(0.3)),
    ]
    assert c.distance == pytest.approx(0.79 / 1.1)
    assert c.value == pytest.approx(1 - 0.79 / 1.1)
    assert float(c) == c.value


def test_cohesion_with_overridden_positions() -> None:
    # US moves to 80 on x: d_x = 0; D = 0.3*0.5/1.1
    c = cohesion(toy(), {"x": {"US": 80.0}})
    assert c.distance == pytest.approx(0.15 / 1.1)


def test_cohesion_after_uses_the_last_round() -> None:
    run = ModelRun(
        "fake",
        {},
        {
            "x": IssueResult(
                "x",
                50.0,
                [
                    RoundRecord(0, None, {"US": 0.0, "ROK": 80.0}),
                    RoundRecord(1, 50.0, {"US": 40.0, "ROK": 60.0, "Z": 90.0}),
                ],
            ),
            "y": IssueResult("y", 7.0, []),
        },
    )
    # x: |40-60|/100 = 0.2 (w 0.8); y keeps the scenario's 0.5 (w 0.3): D = (0.16+0.15)/1.1
    assert cohesion_after(toy(), run).distance == pytest.approx(0.31 / 1.1)


def test_cohesion_needs_a_shared_issue() -> None:
    s = toy()
    with pytest.raises(ValueError, match="share no issue"):
        cohesion(s, allies=("US", "Z2"))


def overlay() -> Overlay:
    return Overlay.model_validate(
        {
            "id": "lever",
            "title": "Lever",
            "changes": [
                {
                    "actor": "US",
                    "issue": "x",
                    "field": "position",
                    "op": "toward",
                    "target": "ROK",
                    "fraction": 0.5,
                    "source": {"kind": "coded", "reason": "halfway", "low": 0.25, "high": 0.75},
                },
                {
                    "actor": "ROK",
                    "issue": "y",
                    "field": "position",
                    "op": "at_least",
                    "value": 8,
                    "source": {"kind": "coded", "reason": "floor", "low": 6, "high": 9},
                },
                {
                    "actor": "US",
                    "issue": "y",
                    "field": "position",
                    "op": "at_most",
                    "value": 12 - 2,
                    "source": {"kind": "coded", "reason": "no-op cap", "low": 9, "high": 10},
                },
                {
                    "actor": "US",
                    "issue": "y",
                    "field": "salience",
                    "op": "set",
                    "value": 0.8,
                    "source": {"kind": "coded", "reason": "priority", "low": 0.6, "high": 0.9},
                },
                {
                    "actor": "JPN",
                    "issue": "x",
                    "field": "position",
                    "op": "set",
                    "value": 1,
                    "source": {"kind": "coded", "reason": "absent actor: skipped", "low": 0, "high": 2},
                },
            ],
        }
    )


def test_overlay_arithmetic() -> None:
    base = toy()
    changes = overlay_changes(base, overlay())
    # toward: 0 + 0.5*(80-0) = 40, range 0+0.25*80 = 20 .. 0+0.75*80 = 60
    # at_least 8 on ROK's 5 -> 8; at_most 10 on US's 10 -> unchanged (not listed); salience 0.2 -> 0.8
    assert [(c.actor, c.issue, c.field, c.old, c.new) for c in changes] == [
        ("US", "x", "position", 0.0, 40.0),
        ("ROK", "y", "position", 5.0, 8.0),
        ("US", "y", "salience", 0.2, 0.8),
    ]
    assert (changes[0].source.low, changes[0].source.high) == (20.0, 60.0)
    with pytest.warns(OverlayWarning, match=r"skips changes\[4\] \(JPN x position\)"):  # JPN has no stance
        s = apply_overlay(base, overlay())
    assert s.id == "toy+lever" and s.metadata["overlay"] == "lever"
    pos = {(st.actor, st.issue): (st.position, st.salience) for st in s.stances}
    assert pos[("US", "x")] == (40.0, 1.0)
    assert pos[("ROK", "y")] == (8.0, 0.4)
    assert pos[("US", "y")] == (10.0, 0.8)
    assert pos[("Z", "x")] == (100.0, 0.5)
    # the changed values carry the overlay's sources; untouched ones keep theirs (none here)
    us_x = next(st for st in s.stances if st.actor == "US" and st.issue == "x")
    assert us_x.sources["position"].kind == "coded" and "halfway" in (us_x.sources["position"].reason or "")
    # cohesion after the overlay: x: |40-80|/100 = 0.4 (w 0.8); y: |10-8|/10 = 0.2 (w (0.8+0.4)/2 = 0.6)
    # D = (0.32 + 0.12) / 1.4 = 0.44/1.4
    assert cohesion(s).distance == pytest.approx(0.44 / 1.4)
    # the base is untouched
    assert base == toy()


def test_overlay_that_changes_nothing_is_an_error() -> None:
    # korea-2020-03 codes no enforcement: all three changes are skipped, each with a warning, then the error
    with pytest.warns(OverlayWarning) as caught, pytest.raises(InputError, match="changes nothing"):
        apply_overlay(load_packaged("korea-2020-03"), "dual-track-sanctions")
    assert len(caught) == 3


def test_a_skipped_change_warns_every_time() -> None:
    """D18: an overlay written for several snapshots says what it skips (phased-relief, 2020-03)."""
    from peninsula.scenarios import overlay_status

    base = load_packaged("korea-2020-03")
    status = overlay_status(base, "phased-relief")
    assert status.applies and status.changes == 2 and len(status.skipped) == 1
    with pytest.warns(OverlayWarning, match="US-PRES denuclearization") as caught:
        apply_overlay(base, "phased-relief")
    assert len(caught) == 1
    assert not overlay_status(load_packaged("korea-2019-04"), "sma-first").applies  # Ewha is later


def test_unknown_overlay_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown overlay"):
        apply_overlay(toy(), "no-such-lever")


@pytest.mark.parametrize(
    ("sid", "name", "expected"),
    [
        # resume-exercises: the U.S. to at least a full UFG command-post exercise (level 2), the ROK assumed
        (
            "korea-2019-06",
            "resume-exercises",
            {("US", "exercises", "position"): 2.0, ("ROK", "exercises", "position"): 2.0},
        ),
        ("korea-2019-06", "resume-exercises-rok-stays", {("US", "exercises", "position"): 2.0}),
        # phased-relief: project exemptions (40) on relief, a 75 percent first stage for the President and his
        # administration
        (
            "korea-2019-06",
            "phased-relief",
            {
                ("US", "sanctions-relief", "position"): 40.0,
                ("US", "denuclearization", "position"): 75.0,
                ("US-PRES", "denuclearization", "position"): 75.0,
            },
        ),
        # sma-first: halfway toward the ROK's 1,142.8: the President from 6,000 -> 3,571.4, his negotiators
        # from 4,800 -> 2,971.4; the term 1 -> 3 (toward 5); the scope 100 -> 50 (toward 0); saliences 0.9
        (
            "korea-2020-03",
            "sma-first",
            {
                ("US-PRES", "sma-contribution", "position"): 3571.4,
                ("US", "sma-contribution", "position"): 2971.4,
                ("US-PRES", "sma-term", "position"): 3.0,
                ("US", "sma-term", "position"): 3.0,
                ("US", "sma-scope", "position"): 50.0,
                ("US-PRES", "sma-contribution", "accept_low"): 1246.7,
                ("US-PRES", "sma-contribution", "salience"): 0.9,
                ("US", "sma-contribution", "salience"): 0.9,
                ("ROK", "sma-contribution", "salience"): 0.9,
            },
        ),
        # medical-assistance: an active offer on humanitarian-engagement, not formal relief
        (
            "korea-2020-03",
            "medical-assistance",
            {
                ("US", "humanitarian-engagement", "position"): 100.0,
                ("ROK", "humanitarian-engagement", "position"): 100.0,
            },
        ),
        # dual-track: the President's rollback reversed (30 -> 0), enforcement a priority for both
        (
            "korea-2019-06",
            "dual-track-sanctions",
            {
                ("US-PRES", "sanctions-enforcement", "position"): 0.0,
                ("US-PRES", "sanctions-enforcement", "salience"): 0.9,
                ("US", "sanctions-enforcement", "salience"): 0.9,
            },
        ),
    ],
)
def test_packaged_overlays_on_packaged_scenarios(
    sid: str, name: str, expected: dict[tuple[str, str, str], float]
) -> None:
    base = load_packaged(sid)
    changes = {(c.actor, c.issue, c.field): c.new for c in overlay_changes(base, name)}
    assert changes == pytest.approx(expected)
    s = apply_overlay(base, name)
    assert source_problems(s) == []


def test_default_scenario_cohesion_is_pinned() -> None:
    # Recomputed by hand from korea-2019-04.yaml: per shared issue of US and ROK (d, w) =
    # denuclearization (70/100, (0.9+0.95)/2), sanctions-relief (10/100, (0.9+0.8)/2), exercises (0, 0.35),
    # sma-contribution ((5646.2-1038.9)/5646.2, (0.7+0.6)/2), sma-term (4/4, 0.45), korus (5/25, (0.3+0.7)/2),
    # regional (35/100, 0.5), usfk (0, 0.6)
    pairs = [
        (0.7, 0.925),
        (0.1, 0.85),
        (0.0, 0.35),
        ((5646.2 - 1038.9) / 5646.2, 0.65),
        (1.0, 0.45),
        (0.2, 0.5),
        (0.35, 0.5),
        (0.0, 0.6),
    ]
    d = sum(a * b for a, b in pairs) / sum(b for _, b in pairs)
    c = cohesion(load_packaged("korea-2019-04"))
    assert c.distance == pytest.approx(d)
    assert c.value == pytest.approx(1 - d)


def test_cohesion_by_model() -> None:
    from peninsula.scenarios import cohesion_by_model

    run = ModelRun(
        "fake", {}, {"x": IssueResult("x", 50.0, [RoundRecord(1, 50.0, {"US": 40.0, "ROK": 60.0})])}
    )
    out = cohesion_by_model(toy(), {"fake": run})
    assert out == {"before": pytest.approx(1 - 0.79 / 1.1), "fake": pytest.approx(1 - 0.31 / 1.1)}
    lone = Scenario(
        id="lone",
        actors=[Actor(id="A", capability=1.0)],
        issues=[Issue(id="x")],
        stances=[Stance(actor="A", issue="x", position=1, salience=1)],
    )
    assert cohesion_by_model(lone) is None


def test_compare_overlay_side_by_side() -> None:
    from peninsula.simulate.overlay import compare_overlay

    cmp = compare_overlay("korea-2019-06", "phased-relief", models=["mean", "median-actor"])
    df = cmp.outcomes
    assert list(df.columns) == ["issue", "model", "base", "overlay", "change"]
    assert len(df) == 6 * 2
    row = df[(df.issue == "sanctions-relief") & (df.model == "mean")].iloc[0]
    # mean of the seven relief positions: base (30+40+80+60+60+0+0)/7, overlay with the U.S. at 40
    assert (row.base, row.overlay, row.change) == pytest.approx((270 / 7, 280 / 7, 10 / 7))
    assert [(c.actor, c.issue) for c in cmp.changes] == [
        ("US", "sanctions-relief"),
        ("US", "denuclearization"),
        ("US-PRES", "denuclearization"),
    ]
    assert cmp.cohesion_base is not None and cmp.cohesion_overlaid is not None
    assert set(cmp.cohesion_base) == {"before", "mean", "median-actor"}
    assert cmp.cohesion_overlaid["before"] > cmp.cohesion_base["before"]
