"""The scenario: actors, issues and each actor's stance on each issue, validated once at load."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from peninsula.core.actor import Actor
from peninsula.core.errors import field_problem
from peninsula.core.issue import Issue, scale_problem
from peninsula.core.limits import NonNegative, Number, check_value
from peninsula.core.source import Source

StanceField = Literal["position", "salience", "capability", "accept_low", "accept_high"]
FloatArray = npt.NDArray[np.float64]


class Stance(BaseModel):
    """One actor's stance on one issue.

    Attributes
    ----------
    actor, issue:
        Ids of the actor and the issue.
    position:
        The outcome the actor prefers, on the issue's own scale (between ``Issue.lower`` and ``Issue.upper``).
    salience:
        How much the issue matters to the actor, 0 (not at all) to 1 (above everything else).
    capability:
        Issue-specific capability (>= 0, same ratio scale as ``Actor.capability``); ``None`` means the
        actor's general capability applies.
    sources:
        Provenance of each number, keyed by field name (``position``, ``salience``, ``capability``,
        ``accept_low``, ``accept_high``).
    veto:
        ``True`` if the outcome needs this actor's consent, i.e. its acceptance is required for any
        agreement (a veto player, Tsebelis 2002: the host government on a deployment, a permanent member on
        lifting UN sanctions, a party to an agreement). The ``agreement`` model's agreement set is the
        outcomes every veto player accepts; models with a status quo honour it (see docs/scenarios.md,
        "Vetoes"); the others ignore it.
    accept_low, accept_high:
        Acceptance limits: the worst outcome below (``accept_low``) and above (``accept_high``) the
        position that the actor still prefers to the issue's reversion (no agreement), on the issue's
        scale; ``accept_low <= position <= accept_high``. ``None`` means the single-peaked default: the
        actor accepts an outcome when it is nearer its position than the reversion is.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    actor: str
    issue: str
    position: Number = Field(allow_inf_nan=False)
    salience: float = Field(ge=0, le=1, allow_inf_nan=False)
    capability: NonNegative | None = None
    sources: dict[StanceField, Source] = Field(default_factory=dict)
    veto: bool = False
    accept_low: Number | None = Field(default=None, allow_inf_nan=False)
    accept_high: Number | None = Field(default=None, allow_inf_nan=False)
    note: str = ""

    @model_validator(mode="before")
    @classmethod
    def _veto_needs_a_stance(cls, data: Any) -> Any:
        """``{actor: X, issue: y, veto: true}`` without a position: a veto on an actor without a stance."""
        if isinstance(data, dict) and data.get("veto") is True and "position" not in data:
            raise field_problem(
                "veto",
                f"veto on actor '{data.get('actor')}' without a stance on issue '{data.get('issue')}': "
                "a veto player needs a position (and a salience) on the issue, from which its acceptance "
                "follows",
            )
        return data

    @model_validator(mode="after")
    def _limits_beside_position(self) -> Stance:
        for name, limit, wrong, side in (
            ("accept_low", self.accept_low, "above", "below"),
            ("accept_high", self.accept_high, "below", "above"),
        ):
            if limit is not None and (limit > self.position if side == "below" else limit < self.position):
                raise field_problem(
                    name,
                    f"{name} {limit:g} lies {wrong} the position {self.position:g}: it is the worst outcome "
                    f"{side} the position that the actor still accepts",
                )
        return self


@dataclass(frozen=True)
class IssueData:
    """The arrays a model needs for one issue: the actors with a stance on it, in scenario order.

    Attributes
    ----------
    issue:
        The issue (scale, status quo).
    actor_ids:
        Actor ids, aligned with the arrays.
    positions:
        Positions on the issue's own scale.
    saliences:
        Saliences on 0-1.
    capabilities:
        Capabilities (issue-specific where given, else the actor's general capability), ratio scale >= 0.
    vetoes:
        ``True`` where the actor's consent is required (:attr:`Stance.veto`); ``None`` means no veto player.
    accept_low, accept_high:
        Acceptance limits (:attr:`Stance.accept_low`, :attr:`Stance.accept_high`) on the issue's scale, NaN
        where the stance gives none (the single-peaked default); ``None`` when no stance gives any.
    """

    issue: Issue
    actor_ids: tuple[str, ...]
    positions: FloatArray
    saliences: FloatArray
    capabilities: FloatArray
    vetoes: npt.NDArray[np.bool_] | None = None
    accept_low: FloatArray | None = None
    accept_high: FloatArray | None = None

    @property
    def weights(self) -> FloatArray:
        """Capability x salience, the weight of each actor in the weighted baselines."""
        return self.capabilities * self.saliences

    @property
    def relative_weights(self) -> FloatArray:
        """Capability x salience with each factor divided by its largest value first (all zero if either is).

        The same ratios as :attr:`weights`, but the product cannot underflow to zero for tiny (even subnormal)
        inputs, and rescaling all capabilities or saliences leaves it unchanged.
        """
        c_max = float(self.capabilities.max(initial=0.0))
        s_max = float(self.saliences.max(initial=0.0))
        if c_max == 0.0 or s_max == 0.0:
            return np.zeros_like(self.positions)
        out: FloatArray = (self.capabilities / c_max) * (self.saliences / s_max)
        return out

    def with_positions(self, positions: FloatArray) -> IssueData:
        """A copy with new positions (same actors, saliences and capabilities)."""
        return IssueData(
            self.issue,
            self.actor_ids,
            positions,
            self.saliences,
            self.capabilities,
            self.vetoes,
            self.accept_low,
            self.accept_high,
        )


_INDEXES: dict[int, tuple[tuple[Any, ...], dict[str, Any]]] = {}
_INDEXES_LOCK = threading.Lock()
#: Id indexes kept (the newest; a sweep or an overlay builds a few scenarios at a time).
_INDEXES_KEPT = 32


def _by_id(items: tuple[Any, ...]) -> dict[str, Any]:
    """``{item.id: item}`` of a scenario's actors or issues (the first of an id), built once per tuple.

    Looking an actor up by scanning the tuple made every per-stance lookup O(actors), so building a
    10,000-actor issue's arrays took 2.7 s. The index is kept beside the tuple it was built from and used
    only for that very tuple (``is``), so a scenario copied with other actors (``model_copy``) gets its own;
    holding the tuple also keeps its ``id`` from being reused while the entry lives.
    """
    key = id(items)
    with _INDEXES_LOCK:
        hit = _INDEXES.get(key)
        if hit is not None and hit[0] is items:
            return hit[1]
        index: dict[str, Any] = {}
        for item in items:
            index.setdefault(item.id, item)
        if len(_INDEXES) >= _INDEXES_KEPT:
            del _INDEXES[next(iter(_INDEXES))]  # the oldest
        _INDEXES[key] = (items, index)
        return index


class Scenario(BaseModel):
    """A bargaining scenario: who, over what, wanting what, how much, with what power.

    A scenario is frozen and validated once, when it is built or loaded: ids are unique, every stance names
    a known actor and issue, positions lie on their issue's scale, and every stance has a capability
    (its own or its actor's). After that, models trust the data.

    Examples
    --------
    >>> s = Scenario(
    ...     id="toy", title="Toy",
    ...     actors=[Actor(id="A", capability=2.0), Actor(id="B", capability=1.0)],
    ...     issues=[Issue(id="x", lower=0, upper=10)],
    ...     stances=[Stance(actor="A", issue="x", position=0, salience=1.0),
    ...              Stance(actor="B", issue="x", position=10, salience=0.5)],
    ... )
    >>> s.issue_data("x").weights.tolist()
    [2.0, 0.5]
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    title: str = ""
    date: dt.date | None = None
    description: str = ""
    actors: tuple[Actor, ...]
    issues: tuple[Issue, ...]
    stances: tuple[Stance, ...]
    metadata: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _integrity(self) -> Scenario:
        problems = integrity_problems(self)
        if problems:
            raise PydanticCustomError(
                "scenario_integrity",
                "{summary}",
                {
                    "summary": "; ".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in problems),
                    "problems": problems,
                },
            )
        return self

    # -- lookups ---------------------------------------------------------------------------------------
    @property
    def actor_ids(self) -> tuple[str, ...]:
        """Actor ids in scenario order."""
        return tuple(a.id for a in self.actors)

    @property
    def issue_ids(self) -> tuple[str, ...]:
        """Issue ids in scenario order."""
        return tuple(i.id for i in self.issues)

    def actor(self, actor_id: str) -> Actor:
        """The actor with this id (``KeyError`` if none)."""
        found: Actor = _by_id(self.actors)[actor_id]
        return found

    def issue(self, issue_id: str) -> Issue:
        """The issue with this id (``KeyError`` if none)."""
        found: Issue = _by_id(self.issues)[issue_id]
        return found

    def stances_on(self, issue_id: str) -> Iterator[Stance]:
        """Stances on one issue, in actor order."""
        order = {a: k for k, a in enumerate(self.actor_ids)}
        yield from sorted((s for s in self.stances if s.issue == issue_id), key=lambda s: order[s.actor])

    def capability_of(self, stance: Stance) -> float:
        """The capability that applies to a stance: its own, else its actor's."""
        if stance.capability is not None:
            return stance.capability
        cap = self.actor(stance.actor).capability
        assert cap is not None, "validated at load"
        return cap

    def issue_data(self, issue_id: str) -> IssueData:
        """Arrays of the actors with a stance on ``issue_id``, in scenario actor order."""
        stances = list(self.stances_on(issue_id))
        return IssueData(
            issue=self.issue(issue_id),
            actor_ids=tuple(s.actor for s in stances),
            positions=np.array([s.position for s in stances], dtype=float),
            saliences=np.array([s.salience for s in stances], dtype=float),
            capabilities=np.array([self.capability_of(s) for s in stances], dtype=float),
            vetoes=np.array([s.veto for s in stances], dtype=bool) if any(s.veto for s in stances) else None,
            accept_low=_limits([s.accept_low for s in stances]),
            accept_high=_limits([s.accept_high for s in stances]),
        )

    def with_status_quo(self, status_quo: dict[str, float]) -> Scenario:
        """A copy whose issues carry the given status quo (reference point) values, by issue id."""
        issues = tuple(
            i.model_copy(update={"status_quo": status_quo[i.id]}) if i.id in status_quo else i
            for i in self.issues
        )
        return Scenario.model_validate({**self.model_dump(), "issues": [i.model_dump() for i in issues]})

    def __repr__(self) -> str:
        """One line: id, date, title and counts (the field-by-field form runs to 50,000 characters)."""
        from peninsula.core.display import clip

        date = f" ({self.date.isoformat()})" if self.date else ""
        title = f" {clip(self.title)!r}" if self.title else ""
        return (
            f"<Scenario {self.id!r}{date}{title}: {len(self.actors)} actors, {len(self.issues)} issues, "
            f"{len(self.stances)} stances>"
        )

    def _repr_html_(self) -> str:
        """Notebook view: the title, then per issue its scale, status quo and stances."""
        from peninsula.core.display import html_table, number

        counts = {i.id: sum(1 for _ in self.stances_on(i.id)) for i in self.issues}
        rows = [
            [
                i.id,
                f"{number(i.lower)}–{number(i.upper)}" + (f" {i.unit}" if i.unit else ""),
                number(i.status_quo),
                str(counts[i.id]),
            ]
            for i in self.issues
        ]
        date = f" ({self.date.isoformat()})" if self.date else ""
        return html_table(
            ["issue", "scale", "status quo", "stances"],
            rows,
            caption=f"{self.id}{date}: {self.title or 'untitled'}",
            notes=[f"{len(self.actors)} actors: {', '.join(self.actor_ids)}"],
        )


def _limits(values: list[float | None]) -> FloatArray | None:
    """Limits as an array (NaN = none), or ``None`` when no stance gives one."""
    if all(v is None for v in values):
        return None
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def integrity_problems(s: Scenario) -> list[tuple[tuple[str | int, ...], str]]:
    """Cross-field problems of a scenario, as ``(path, message)`` pairs; empty when it is sound.

    Paths are tuples such as ``("stances", 3, "position")`` that name the offending field.
    """
    problems: list[tuple[tuple[str | int, ...], str]] = []
    if not s.actors:
        problems.append((("actors",), "a scenario needs at least one actor"))
    if not s.issues:
        problems.append((("issues",), "a scenario needs at least one issue"))
    for coll, ids in (("actors", s.actor_ids), ("issues", s.issue_ids)):
        seen: set[str] = set()
        for k, item_id in enumerate(ids):
            if item_id in seen:
                problems.append(((coll, k, "id"), f"duplicate id '{item_id}'"))
            seen.add(item_id)
    for k, one in enumerate(s.issues):
        rev = one.reversion
        why = (
            None
            if rev is None or rev.value is None
            else scale_problem(rev.value, one.lower, one.upper, one.id)
        )
        if why is not None:
            problems.append((("issues", k, "reversion", "value"), f"reversion {why}"))
    actors = {a.id: a for a in s.actors}
    issues = {i.id: i for i in s.issues}
    pairs: set[tuple[str, str]] = set()
    for k, st in enumerate(s.stances):
        if st.actor not in actors:
            problems.append((("stances", k, "actor"), f"unknown actor '{st.actor}'"))
        if st.issue not in issues:
            problems.append((("stances", k, "issue"), f"unknown issue '{st.issue}'"))
        if (st.actor, st.issue) in pairs:
            problems.append((("stances", k), f"second stance of actor '{st.actor}' on issue '{st.issue}'"))
        pairs.add((st.actor, st.issue))
        iss = issues.get(st.issue)
        why = None if iss is None else scale_problem(st.position, iss.lower, iss.upper, iss.id)
        if why is not None:
            problems.append((("stances", k, "position"), f"position {why}"))
        for name, limit in (("accept_low", st.accept_low), ("accept_high", st.accept_high)):
            why = None if iss is None or limit is None else scale_problem(limit, iss.lower, iss.upper, iss.id)
            if why is not None:
                problems.append((("stances", k, name), f"acceptance limit {name} {why}"))
        act = actors.get(st.actor)
        if act is not None and st.capability is None and act.capability is None:
            problems.append(
                (
                    ("stances", k, "capability"),
                    f"no capability: neither the stance nor actor '{st.actor}' gives one",
                )
            )
    return problems


def stance_problem(field: str, value: float, issue: Issue) -> str | None:
    """Why ``value`` cannot be a stance's ``field`` on ``issue``, or ``None`` if it can.

    The one check of a stance value outside the data model's own validation: the workbench's edits and the
    overlays use it. A position and an acceptance limit must stand on the issue's scale
    (:func:`~peninsula.core.issue.scale_problem`), a salience lie in [0, 1] and a capability be >= 0; every
    value must be finite and within the magnitude limit.

    Examples
    --------
    >>> x = Issue(id="x", lower=0, upper=10)
    >>> stance_problem("position", 12, x)
    "12 lies outside the issue's scale [0, 10]"
    >>> stance_problem("salience", 1.5, x), stance_problem("capability", 3, x)
    ('1.5: a salience lies in [0, 1]', None)
    """
    if field in ("position", "accept_low", "accept_high"):  # an acceptance limit is a point on the scale
        return issue.scale_problem(value)
    why = check_value(value)
    if why is not None:
        return why
    if field == "salience" and not 0 <= value <= 1:
        return f"{value:g}: a salience lies in [0, 1]"
    if field == "capability" and value < 0:
        return f"{value:g}: a capability is >= 0"
    if field not in ("salience", "capability"):
        return f"'{field}' is not a stance value (position, salience, capability or an acceptance limit)"
    return None


def stance_values(s: Scenario) -> Iterator[tuple[str, str | None, str, float, Source | None]]:
    """Every sourced number of a scenario: ``(actor, issue, field, value, source)``.

    Covers actor capabilities (``issue`` is ``None``), stance positions, saliences, issue-specific
    capabilities and acceptance limits, and issue status quo and reversion values (``actor`` is ``""``,
    field ``status_quo`` or ``reversion``).
    """
    for a in s.actors:
        if a.capability is not None:
            yield a.id, None, "capability", a.capability, a.capability_source
    for i in s.issues:
        if i.status_quo is not None:
            yield "", i.id, "status_quo", i.status_quo, i.status_quo_source
        if i.reversion is not None and i.reversion.value is not None:
            yield "", i.id, "reversion", i.reversion.value, i.reversion.source
    for st in s.stances:
        yield st.actor, st.issue, "position", st.position, st.sources.get("position")
        yield st.actor, st.issue, "salience", st.salience, st.sources.get("salience")
        if st.capability is not None:
            yield st.actor, st.issue, "capability", st.capability, st.sources.get("capability")
        if st.accept_low is not None:
            yield st.actor, st.issue, "accept_low", st.accept_low, st.sources.get("accept_low")
        if st.accept_high is not None:
            yield st.actor, st.issue, "accept_high", st.accept_high, st.sources.get("accept_high")


def scenario_from_parts(**kwargs: Any) -> Scenario:
    """Build and validate a scenario from plain Python values (dicts or models)."""
    return Scenario.model_validate(kwargs)
