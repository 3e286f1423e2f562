"""``Scenario.actor`` / ``Scenario.issue`` look ids up in an index built once per actors or issues tuple.

The index is kept beside the tuple it was built from and used only for that very tuple, so a scenario copied
with other actors answers with its own actors, never with a stale index of the original's.
"""

from __future__ import annotations

import pytest

from peninsula.core import Actor, Issue, Scenario, Stance
from peninsula.core import scenario as S
from peninsula.scenarios import DEFAULT_SCENARIO, load_packaged


def _small() -> Scenario:
    """Three actors on one issue; the stances take their actors' capabilities."""
    return Scenario(
        id="lookups",
        actors=[Actor(id=a, capability=c) for a, c in (("a", 1.0), ("b", 2.0), ("c", 3.0))],
        issues=[Issue(id="x", lower=0.0, upper=100.0)],
        stances=[Stance(actor=a, issue="x", position=p, salience=0.5) for a, p in (("a", 10.0), ("b", 50.0),
                                                                                ("c", 90.0))],
    )


def test_lookups_find_every_actor_and_issue_and_refuse_unknown_ids() -> None:
    sc = load_packaged(DEFAULT_SCENARIO)
    assert [sc.actor(a.id) for a in sc.actors] == list(sc.actors)
    assert [sc.issue(i.id) for i in sc.issues] == list(sc.issues)
    with pytest.raises(KeyError, match="nobody"):
        sc.actor("nobody")
    with pytest.raises(KeyError, match="nothing"):
        sc.issue("nothing")


def test_the_index_is_built_once_per_tuple() -> None:
    sc = load_packaged(DEFAULT_SCENARIO)
    assert S._by_id(sc.actors) is S._by_id(sc.actors)


def test_a_copy_with_other_actors_answers_with_its_own() -> None:
    sc = _small()
    stance = sc.stances[1]  # takes its actor's capability
    assert stance.capability is None
    k = sc.actor_ids.index(stance.actor)
    first = sc.actors[k]
    assert sc.actor(first.id) is first  # the original's index is built and kept
    changed = first.model_copy(update={"capability": (first.capability or 0.0) + 1.0})
    copy = sc.model_copy(update={"actors": (*sc.actors[:k], changed, *sc.actors[k + 1 :])})
    assert copy.actor(first.id) is changed
    assert copy.capability_of(stance) == changed.capability != sc.capability_of(stance)
    assert sc.actor(first.id) is first


def test_the_kept_indexes_are_bounded() -> None:
    sc = load_packaged(DEFAULT_SCENARIO)
    for k in range(S._INDEXES_KEPT + 5):
        S._by_id(tuple(sc.actors[: 1 + k % len(sc.actors)]))
    assert len(S._INDEXES) <= S._INDEXES_KEPT
