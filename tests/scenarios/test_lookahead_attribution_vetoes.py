"""Sources dated after their snapshot (look-ahead), positions sourced to their actor, overlay dates, the
``record`` source kind, and veto players in every status-quo model."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peninsula.core import Actor, InputError, Issue, Scenario, Source, Stance
from peninsula.models.registry import REGISTRY
from peninsula.scenarios import apply_overlay, load_packaged, packaged_ids, source_problems
from peninsula.scenarios.sources import SEED_DATES, attribution_problems, lookahead_problems, source_date
from tests.strategies import scenarios

CNAS = "000_e167a870257eb646.txt"  # dated 2019-06-24
RUSI = "004_e28b19d3bd0860f3.txt"  # dated 2017-06-28


def _scenario(date: str, position_source: Source, actor: str = "US") -> Scenario:
    """A hand-made one-issue scenario whose US position carries ``position_source``."""
    cap = Source(kind="coded", reason="test", low=0.0, high=2.0)
    sal = Source(kind="coded", reason="test", low=0.0, high=1.0)
    return Scenario(
        id="hand-made",
        date=dt.date.fromisoformat(date),
        actors=[
            Actor(id="US", capability=1.0, capability_source=cap),
            Actor(id="ROK", capability=1.0, capability_source=cap),
        ],
        issues=[Issue(id="x", lower=0, upper=100)],
        stances=[
            Stance(
                actor=actor,
                issue="x",
                position=10,
                salience=0.5,
                sources={"position": position_source, "salience": sal},
            ),
        ],
    )


CNAS_US = Source(
    kind="seed",
    file=CNAS,
    quote="The United States should head up a dual-track strategy for managing North Korea sanctions.",
    attributed_to="US",
    low=0,
    high=20,
)


def test_a_seed_dated_after_the_scenario_is_look_ahead() -> None:
    early = _scenario("2019-04-11", CNAS_US)
    (p,) = lookahead_problems(early)
    assert "look-ahead" in p.message and "2019-06-24" in p.message and p.field == "stances[0].position"
    assert lookahead_problems(_scenario("2019-06-24", CNAS_US)) == []  # on the day is allowed


def test_a_record_dated_after_the_scenario_is_look_ahead_and_a_record_needs_a_date() -> None:
    rec = Source(
        kind="record", url="https://example.org/a", quote="q", date=dt.date(2019, 12, 27), attributed_to="US"
    )
    assert lookahead_problems(_scenario("2019-12-26", rec))
    assert not source_problems(_scenario("2019-12-27", rec))
    with pytest.raises(ValueError, match="needs date"):
        Source(kind="record", url="https://example.org/a", quote="q")
    bad_url = Source(
        kind="record", url="example.org", quote="q", date=dt.date(2019, 1, 1), attributed_to="US"
    )
    assert any("http" in p.message for p in source_problems(_scenario("2019-12-27", bad_url)))


def test_a_dataset_row_is_dated_by_its_row() -> None:
    row = Source(kind="dataset", file="alliance_timeline.csv", row="date=2019-03-02,type=exercise")
    assert source_date(row) == dt.date(2019, 3, 2)
    cow = Source(kind="dataset", file="cow_nmc_2000_2022.csv", row="ccode=2,year=2019")
    assert source_date(cow) == dt.date(2019, 12, 31)
    s = _scenario("2019-03-01", row)
    assert lookahead_problems(s) and not lookahead_problems(_scenario("2019-03-02", row))


def test_a_position_must_be_sourced_to_its_actor() -> None:
    unattributed = CNAS_US.model_copy(update={"attributed_to": None})
    (p,) = attribution_problems(_scenario("2019-07-01", unattributed))
    assert "attribution" in p.message and "not attributed" in p.message
    (p,) = attribution_problems(_scenario("2019-07-01", CNAS_US, actor="ROK"))
    assert "attributed to 'US', not to 'ROK'" in p.message
    no_evidence = Source(kind="coded", reason="an analyst's guess", low=0, high=50)
    (p,) = attribution_problems(_scenario("2019-07-01", no_evidence))
    assert "evidence" in p.message
    with_evidence = no_evidence.model_copy(update={"evidence": "Asan (an academic's view)"})
    assert attribution_problems(_scenario("2019-07-01", with_evidence)) == []
    assert attribution_problems(_scenario("2019-07-01", CNAS_US)) == []


def test_every_packaged_seed_has_a_date() -> None:
    from peninsula.scenarios.sources import seed_names

    assert set(SEED_DATES) == set(seed_names())


@pytest.mark.parametrize("sid", packaged_ids())
def test_packaged_snapshots_pass_the_new_checks(sid: str) -> None:
    s = load_packaged(sid)
    assert lookahead_problems(s) == [] and attribution_problems(s) == []


@pytest.mark.parametrize("sid", packaged_ids())
def test_capabilities_on_an_issue_are_all_issue_specific_or_none(sid: str) -> None:
    """Leverage (0-1) and CINC are different scales: never mixed on one issue."""
    s = load_packaged(sid)
    for issue in s.issue_ids:
        kinds = {st.capability is None for st in s.stances_on(issue)}
        assert len(kinds) == 1, (sid, issue)


def test_overlays_apply_only_on_or_after_their_seeds() -> None:
    with pytest.raises(InputError, match="may not apply"):
        apply_overlay(load_packaged("korea-2019-04"), "sma-first")  # Ewha, 2020-03-15
    with pytest.raises(InputError, match="may not apply"):
        apply_overlay(load_packaged("korea-2019-04"), "resume-exercises")  # CNAS, 2019-06-24
    assert apply_overlay(load_packaged("korea-2020-03"), "sma-first").metadata["overlay"] == "sma-first"


def test_dual_track_and_phased_relief_do_not_share_a_scale() -> None:
    from peninsula.scenarios import overlay_changes

    base = load_packaged("korea-2019-06")
    dual = {(c.actor, c.issue) for c in overlay_changes(base, "dual-track-sanctions")}
    phased = {(c.actor, c.issue) for c in overlay_changes(base, "phased-relief")}
    assert dual and phased and not dual & phased


# ---- vetoes: pinned on a 3-actor case for every model that uses a status quo --------------------------

STATUS_QUO_MODELS = sorted(name for name, cls in REGISTRY.items() if cls.info.uses_status_quo)


def _three(veto: bool) -> Scenario:
    """A and B (weight 1) want 10 and 8; V (capability 0) sits at the status quo 0 and may hold a veto."""
    return Scenario(
        id="veto",
        actors=[Actor(id="A", capability=1.0), Actor(id="B", capability=1.0), Actor(id="V", capability=0.0)],
        issues=[Issue(id="x", lower=0, upper=10, status_quo=0)],
        stances=[
            Stance(actor="A", issue="x", position=10, salience=1.0),
            Stance(actor="B", issue="x", position=8, salience=1.0),
            Stance(actor="V", issue="x", position=0, salience=1.0, veto=veto),
        ],
    )


def test_there_is_a_status_quo_model_to_pin() -> None:
    assert STATUS_QUO_MODELS  # nash today


@pytest.mark.parametrize("name", STATUS_QUO_MODELS)
def test_a_veto_player_at_the_status_quo_blocks_any_move(name: str) -> None:
    model = REGISTRY[name]()
    free = model.run(_three(veto=False)).issues["x"].outcome
    blocked = model.run(_three(veto=True)).issues["x"].outcome
    assert free is not None and free > 1.0  # without the veto, A and B agree between them
    assert blocked == pytest.approx(0.0, abs=1e-9)  # V consents to nothing: the status quo stands


@pytest.mark.parametrize("name", STATUS_QUO_MODELS)
def test_a_veto_player_off_the_status_quo_caps_the_move(name: str) -> None:
    s = _three(veto=True)
    moved = s.model_copy(
        update={"stances": (*s.stances[:2], s.stances[2].model_copy(update={"position": 3.0}))}
    )
    out = REGISTRY[name]().run(Scenario.model_validate(moved.model_dump())).issues["x"].outcome
    assert out == pytest.approx(6.0)  # V prefers nothing beyond 2 x 3 to the status quo 0


def test_issue_data_carries_vetoes() -> None:
    d = _three(veto=True).issue_data("x")
    assert d.vetoes is not None and d.vetoes.tolist() == [False, False, True]
    assert _three(veto=False).issue_data("x").vetoes is None
    assert np.array_equal(d.with_positions(d.positions).vetoes, d.vetoes)


@st.composite
def _with_veto(draw: st.DrawFn) -> tuple[Scenario, dict[str, str]]:
    """A generated scenario whose issues get a status quo on the scale and one veto player each."""
    s = draw(scenarios(min_actors=2, max_actors=5, allow_missing=False))
    issues, stances, vetoed = [], list(s.stances), {}
    for issue in s.issues:
        q = draw(st.floats(issue.lower, issue.upper, allow_nan=False))
        issues.append(issue.model_copy(update={"status_quo": q}))
        on = [k for k, st_ in enumerate(stances) if st_.issue == issue.id]
        k = draw(st.sampled_from(on))
        stances[k] = stances[k].model_copy(update={"veto": True})
        vetoed[issue.id] = stances[k].actor
    out = Scenario.model_validate(
        {
            **s.model_dump(),
            "issues": [i.model_dump() for i in issues],
            "stances": [x.model_dump() for x in stances],
        }
    )
    return out, vetoed


@pytest.mark.parametrize("name", STATUS_QUO_MODELS)
@given(case=_with_veto())
@settings(max_examples=60, deadline=None)
def test_the_outcome_lies_in_every_veto_players_acceptable_set(
    name: str, case: tuple[Scenario, dict[str, str]]
) -> None:
    """Property: a veto player never ends up worse off than under the status quo, whatever its weight."""
    s, vetoed = case
    run = REGISTRY[name]().run(s)
    for issue in s.issues:
        out = run.issues[issue.id].outcome
        if out is None:  # no actor with weight: no forecast, nothing imposed on the veto player
            continue
        x_v = next(st_.position for st_ in s.stances_on(issue.id) if st_.actor == vetoed[issue.id])
        assert issue.status_quo is not None
        tol = 1e-9 * max(1.0, abs(issue.upper), abs(issue.lower))
        assert abs(out - x_v) <= abs(issue.status_quo - x_v) + tol
