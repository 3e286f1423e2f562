"""Hypothesis generators shared by the whole suite: scenarios, including degenerate ones."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from peninsula.core import Actor, Issue, Reversion, Scenario, Source, Stance


@st.composite
def scenarios(
    draw: st.DrawFn,
    min_actors: int = 1,
    max_actors: int = 7,
    min_issues: int = 1,
    max_issues: int = 3,
    allow_missing: bool = True,
    agreement: bool = False,
) -> Scenario:
    """Small valid scenarios with ties, zero saliences, zero capabilities and actors missing on issues.

    Positions are drawn from a handful of points on each issue's scale so that ties (and all actors at one
    position) are common; each issue keeps at least one stance. With ``agreement`` the issues may also get a
    status quo and a reversion (often on a grid point, so actors sit on them), the stances vetoes and
    acceptance limits (issue 21), and some values coded ranges that the agreement model draws from.
    """
    n_actors = draw(st.integers(min_actors, max_actors))
    n_issues = draw(st.integers(min_issues, max_issues))
    caps = st.one_of(st.just(0.0), st.floats(0.01, 10.0, allow_nan=False))
    sals = st.one_of(st.just(0.0), st.just(1.0), st.floats(0.0, 1.0, allow_nan=False))
    actors = [Actor(id=f"a{k}", capability=draw(caps)) for k in range(n_actors)]
    issues, stances = [], []
    for j in range(n_issues):
        lower = draw(st.sampled_from([0.0, -50.0, 4.0]))
        span = draw(st.sampled_from([1.0, 6.0, 100.0, 830.0]))
        grid = [lower + span * q for q in (0.0, 0.25, 0.5, 0.7, 1.0)]
        on_scale = st.one_of(st.sampled_from(grid), st.floats(lower, lower + span, allow_nan=False))
        extra: dict[str, Any] = {}
        if agreement:
            extra["status_quo"] = draw(st.one_of(st.none(), on_scale))
            if draw(st.booleans()):
                value = draw(on_scale)
                ranged = draw(st.booleans())
                source = (
                    Source(kind="coded", reason="generated", low=max(lower, value - span / 4), high=value)
                    if ranged
                    else None
                )
                extra["reversion"] = Reversion(value=value, label="generated", source=source)
        issues.append(Issue(id=f"i{j}", lower=lower, upper=lower + span, **extra))
        present = [k for k in range(n_actors) if not allow_missing or draw(st.booleans()) or k == 0]
        for k in present:
            x = draw(on_scale)
            fields: dict[str, Any] = {}
            if agreement:
                fields["veto"] = draw(st.booleans())
                if draw(st.booleans()):
                    fields["accept_low"] = draw(st.floats(lower, x, allow_nan=False))
                if draw(st.booleans()):
                    fields["accept_high"] = draw(st.floats(x, lower + span, allow_nan=False))
                if draw(st.booleans()):
                    fields["sources"] = {
                        "position": Source(kind="coded", reason="generated", low=lower, high=lower + span)
                    }
            stances.append(Stance(actor=f"a{k}", issue=f"i{j}", position=x, salience=draw(sals), **fields))
    return Scenario(id="generated", actors=actors, issues=issues, stances=stances)


def permuted(s: Scenario, order: list[int]) -> Scenario:
    """The same scenario with its actors (and stances) listed in another order."""
    actors = [s.actors[k] for k in order]
    rank = {a.id: r for r, a in enumerate(actors)}
    stances = sorted(s.stances, key=lambda t: rank[t.actor])
    return Scenario(id=s.id, actors=actors, issues=s.issues, stances=stances)


def scaled_capabilities(s: Scenario, factor: float) -> Scenario:
    """The same scenario with every capability (general and issue-specific) multiplied by ``factor``."""
    actors = [
        a.model_copy(update={"capability": None if a.capability is None else a.capability * factor})
        for a in s.actors
    ]
    stances = [
        t.model_copy(update={"capability": None if t.capability is None else t.capability * factor})
        for t in s.stances
    ]
    return Scenario(id=s.id, actors=actors, issues=s.issues, stances=stances)


def group_labels(min_size: int = 2, max_size: int = 40, max_groups: int = 8) -> st.SearchStrategy[list[str]]:
    """Group (proposal) labels of evaluated issues: a list with at least two distinct labels."""
    labels = st.sampled_from([f"g{i}" for i in range(max_groups)])
    return st.lists(labels, min_size=min_size, max_size=max_size).filter(lambda xs: len(set(xs)) >= 2)


def model_params(cls: type[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Valid keyword arguments for a model class, drawn from its signature (``Model.param_info``).

    Numbers within their declared bounds (or a modest range where unbounded), the other choice of a
    ``Literal``, either bool, and ``None`` where allowed. Every parameter is present.
    """
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for p in cls.param_info():
        if p.choices is not None:
            value: st.SearchStrategy[Any] = st.sampled_from(p.choices)
        elif p.kind == "bool":
            value = st.booleans()
        elif p.kind in ("float", "int"):
            low = p.low if p.low is not None else -1e3
            high = p.high if p.high is not None else low + 1e3
            value = (
                st.integers(int(low), int(high))
                if p.kind == "int"
                else st.floats(low, high, allow_nan=False, allow_infinity=False)
            )
        elif p.kind == "str":  # an actor id (the agreement model's agenda setter)
            value = st.sampled_from(["a0", "a1", "US"])
        else:
            raise NotImplementedError(f"{cls.__name__}.{p.name}: no generator for kind {p.kind!r}")
        fields[p.name] = st.one_of(st.none(), value) if p.nullable else value
    return st.fixed_dictionaries(fields)
