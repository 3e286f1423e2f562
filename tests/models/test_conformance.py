"""The conformance suite every registered model passes (STYLE habit 2).

For each registry entry: metadata matches its name; ``clone`` carries every parameter and
``get_params``/``set_params`` round-trip; the constructor rejects a misspelt parameter and ``--set``
strings convert to the same values; the outcome lies in the hull of the positions; a fixed ``rng`` gives
identical output (every round and event, not only the outcomes); the input scenario is not mutated;
permuting actors changes no outcome, round or event unless the model declares itself order-dependent;
scaling every capability by a power of two changes nothing (exactly representable, so even tie-breaks
see the same numbers); and no generated input, degenerate ones included, makes it crash.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from peninsula.core import Actor, Issue, Scenario, Stance
from peninsula.models import REGISTRY, Model, ModelRun
from tests.strategies import model_params, permuted, scaled_capabilities, scenarios

MODELS = sorted(REGISTRY)
ROUNDS = 4
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _outcomes(run: ModelRun) -> dict[str, float | None]:
    return {i: r.outcome for i, r in run.issues.items()}


def _close(a: float | None, b: float | None, span: float) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9 * max(span, 1.0))


def _differences(a: Any, b: Any, span: float, path: str = "") -> list[str]:
    """Where two JSON-like values differ: floats to 1e-9 (NaN equals NaN), everything else exactly."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None or isinstance(a, str):
        return [] if a == b and type(a) is type(b) else [f"{path}: {a!r} != {b!r}"]
    if isinstance(a, int | float) and isinstance(b, int | float):
        if math.isnan(a) and math.isnan(b):
            return []
        return [] if _close(float(a), float(b), span) else [f"{path}: {a!r} != {b!r}"]
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{path}: keys {sorted(a)} != {sorted(b)}"]
        return [d for k in a for d in _differences(a[k], b[k], span, f"{path}.{k}")]
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        if len(a) != len(b):
            return [f"{path}: length {len(a)} != {len(b)}"]
        return [
            d
            for k, (x, y) in enumerate(zip(a, b, strict=True))
            for d in _differences(x, y, span, f"{path}[{k}]")
        ]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def _run_differences(a: ModelRun, b: ModelRun, s: Scenario) -> list[str]:
    """Outcomes, every round (outcome, positions, extras), convergence, notes and events of two runs."""
    if set(a.issues) != set(b.issues):
        return [f"issues {sorted(a.issues)} != {sorted(b.issues)}"]
    span = max((s.issue(i).span for i in s.issue_ids), default=1.0)
    out: list[str] = []
    for i, ra in a.issues.items():
        rb = b.issues[i]
        doc_a = {
            "outcome": ra.outcome,
            "converged": ra.converged,
            "notes": ra.notes,
            "extra": ra.extra,
            "rounds": [[r.round, r.outcome, r.positions, r.extra] for r in ra.rounds],
        }
        doc_b = {
            "outcome": rb.outcome,
            "converged": rb.converged,
            "notes": rb.notes,
            "extra": rb.extra,
            "rounds": [[r.round, r.outcome, r.positions, r.extra] for r in rb.rounds],
        }
        out += _differences(doc_a, doc_b, s.issue(i).span, f"issues.{i}")
    out += _differences(a.events, b.events, span, "events")
    return out


@pytest.mark.parametrize("name", MODELS)
def test_metadata_and_clone(name: str) -> None:
    cls = REGISTRY[name]
    assert cls.info.name == name
    assert cls.info.reference, "every model cites its definition"
    assert cls.__doc__, "every model documents itself"
    model = cls()
    assert model.clone() == model
    assert set(model.get_params()) == {p.name for p in cls.param_info()}
    assert cls.validate_params({}) == cls().get_params(), "the defaults pass their own validation"
    with pytest.raises(TypeError):
        cls(no_such_parameter=1)


@pytest.mark.parametrize("name", [m for m in MODELS if REGISTRY[m].param_info()])
@SETTINGS
@given(data=st.data())
def test_clone_and_set_params_carry_every_parameter(name: str, data: st.DataObject) -> None:
    cls = REGISTRY[name]
    params = data.draw(model_params(cls))
    model = cls(**params)
    assert model.get_params() == params
    clone = model.clone()
    assert type(clone) is cls and clone is not model
    assert clone.get_params() == params, "clone dropped or changed a parameter"
    assert cls().set_params(**params).get_params() == params
    with pytest.raises(TypeError):
        model.set_params(no_such_parameter=1)
    # --set KEY=VALUE: the strings convert back to the same values
    strings = {k: str(v) for k, v in params.items() if v is not None}
    assert {k: v for k, v in cls.validate_params(strings).items() if k in strings} == {
        k: params[k] for k in strings
    }


@pytest.mark.parametrize("name", MODELS)
@SETTINGS
@given(s=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_outcome_in_hull_deterministic_and_pure(name: str, s: Scenario, seed: int) -> None:
    model: Model = REGISTRY[name]()
    before = copy.deepcopy(s.model_dump())
    run = model.run(s, rounds=ROUNDS, rng=seed)
    assert s.model_dump() == before, "the model mutated its input"
    assert set(run.issues) == set(s.issue_ids)
    for issue_id, res in run.issues.items():
        data = s.issue_data(issue_id)
        assert res.rounds, "round 0 is always reported"
        assert res.rounds[0].round == 0
        assert res.rounds[0].positions == pytest.approx(
            dict(zip(data.actor_ids, data.positions.tolist(), strict=True))
        )
        if res.outcome is None:
            assert res.notes, "a missing outcome is explained"
            continue
        lo, hi = float(data.positions.min()), float(data.positions.max())
        tol = 1e-9 * max(data.issue.span, 1.0)
        assert lo - tol <= res.outcome <= hi + tol, f"{issue_id}: {res.outcome} outside [{lo}, {hi}]"
        for rec in res.rounds:
            for x in rec.positions.values():
                assert data.issue.lower - tol <= x <= data.issue.upper + tol
    again = REGISTRY[name]().run(s, rounds=ROUNDS, rng=seed)
    assert _outcomes(again) == _outcomes(run), "same rng, different outcomes"
    assert not _run_differences(run, again, s), "same rng, different rounds or events"


def _weight_underflows(s: Scenario) -> bool:
    """Whether some stance with a positive capability and a positive salience has c·s == 0 (underflow)."""
    for issue_id in s.issue_ids:
        data = s.issue_data(issue_id)
        c, sal = data.capabilities, data.saliences
        if bool(((c > 0) & (sal > 0) & (c * sal == 0)).any()):
            return True
    return False


@pytest.mark.parametrize("name", MODELS)
@SETTINGS
@given(s=scenarios(), seed=st.integers(0, 2**32 - 1), factor=st.sampled_from([2.0, 4.0, 8.0]))
def test_capability_scaling_changes_nothing(name: str, s: Scenario, seed: int, factor: float) -> None:
    """Capabilities are a ratio scale: multiplying all of them by one factor leaves every output alone.

    Factors are powers of two >= 2, so every product c·s scales exactly; a factor below 1 can underflow
    a subnormal c·s (salience 5e-324) to 0, which no floating-point model could tell from a zero weight.
    For the same reason a scenario whose own c·s already underflows (capability 0.5, salience 5e-324: the
    product rounds to 0, while x 2 it is 5e-324) is outside the property: the weight is zero before the
    scaling and positive after it (a case found by a local hypothesis run on eu-masad, whose weighted mean
    is then None before and 0.0 after).
    """
    assume(not _weight_underflows(s))
    a = REGISTRY[name]().run(s, rounds=ROUNDS, rng=seed)
    b = REGISTRY[name]().run(scaled_capabilities(s, factor), rounds=ROUNDS, rng=seed)
    diff = _run_differences(a, b, s)
    assert not diff, f"capabilities x {factor}: " + "; ".join(diff[:5])


@pytest.mark.parametrize(
    "name", [m for m in MODELS if not REGISTRY[m].info.order_dependent and REGISTRY[m].info.deterministic]
)
@SETTINGS
@given(s=scenarios(min_actors=2), data=st.data())
def test_actor_permutation_invariance(name: str, s: Scenario, data: st.DataObject) -> None:
    order = data.draw(st.permutations(list(range(len(s.actors)))))
    a = REGISTRY[name]().run(s, rounds=ROUNDS, rng=0)
    b = REGISTRY[name]().run(permuted(s, order), rounds=ROUNDS, rng=0)
    for issue_id in s.issue_ids:
        assert _close(a.issues[issue_id].outcome, b.issues[issue_id].outcome, s.issue(issue_id).span)
    diff = _run_differences(a, b, s)
    assert not diff, "permuting the actors changed: " + "; ".join(diff[:5])


@pytest.mark.parametrize("name", MODELS)
@SETTINGS
@given(s=scenarios(agreement=True), seed=st.integers(0, 2**32 - 1))
def test_reversions_limits_and_vetoes_break_no_model(name: str, s: Scenario, seed: int) -> None:
    """Issue 21's fields (status quo, reversion, vetoes, acceptance limits, ranges): every model still runs,
    stays deterministic for a fixed ``rng`` and pure, and forecasts within the hull of the positions, the
    status quo, the reversion (no agreement is a forecast the reversion may give) and the acceptance
    limits."""
    before = copy.deepcopy(s.model_dump())
    run = REGISTRY[name]().run(s, rounds=ROUNDS, rng=seed)
    assert s.model_dump() == before, "the model mutated its input"
    for issue_id, res in run.issues.items():
        issue = s.issue(issue_id)
        if res.outcome is None:
            assert res.notes, "a missing outcome is explained"
            continue
        data = s.issue_data(issue_id)
        points = [*data.positions.tolist()]
        points += [v for v in (issue.status_quo, issue.reversion_value) if v is not None]
        # an agreement lies in the veto players' acceptance intervals: the minimal move may put it at a limit
        # beyond every position (a veto player at the reversion that accepts a move up to its limit)
        for limits in (data.accept_low, data.accept_high):
            if limits is not None:
                points += [v for v in limits.tolist() if math.isfinite(v)]
        if issue.reversion is not None and issue.reversion.source is not None:
            src = issue.reversion.source
            points += [v for v in (src.low, src.high) if v is not None]
        if any(st_.sources for st_ in s.stances_on(issue_id)):  # drawn positions may reach the scale
            points += [issue.lower, issue.upper]
        tol = 1e-9 * max(issue.span, 1.0)
        assert min(points) - tol <= res.outcome <= max(points) + tol
    again = REGISTRY[name]().run(s, rounds=ROUNDS, rng=seed)
    assert not _run_differences(run, again, s), "same rng, different rounds or events"


# ---- vetoes: every model that reads a status quo honours them (Stance.veto) ---------------------------

STATUS_QUO_MODELS = [m for m in MODELS if REGISTRY[m].info.uses_status_quo]


def _with_status_quo_and_veto(s: Scenario, where: float, veto_at: float) -> Scenario:
    """``s`` with each issue's status quo at fraction ``where`` of its scale and one weightless veto player
    ``V`` (capability 0, salience 1) at fraction ``veto_at``."""
    issues = [i.model_copy(update={"status_quo": i.lower + where * i.span}) for i in s.issues]
    veto = Actor(id="V", capability=0.0)
    stances = [*s.stances] + [
        Stance(actor="V", issue=i.id, position=i.lower + veto_at * i.span, salience=1.0, veto=True)
        for i in s.issues
    ]
    out = Scenario.model_validate(
        {
            **s.model_dump(),
            "actors": [a.model_dump() for a in (*s.actors, veto)],
            "issues": [i.model_dump() for i in issues],
            "stances": [x.model_dump() for x in stances],
        }
    )
    return out


def test_there_is_a_status_quo_model() -> None:
    assert STATUS_QUO_MODELS  # nash today; the veto tests below must run on something


@pytest.mark.parametrize("name", STATUS_QUO_MODELS)
@SETTINGS
@given(
    s=scenarios(max_actors=5),
    where=st.sampled_from([0.0, 0.25, 1.0]),
    veto_at=st.sampled_from([0.0, 0.3, 0.5, 1.0]),
)
def test_a_weightless_veto_player_is_never_worse_off_than_at_the_status_quo(
    name: str, s: Scenario, where: float, veto_at: float
) -> None:
    """A veto player's consent is needed: the outcome is one it likes at least as well as the status quo
    (``|outcome − x_V| <= |q − x_V|``), however little it weighs (here: nothing at all)."""
    sv = _with_status_quo_and_veto(s, where, veto_at)
    run = REGISTRY[name]().run(sv, rounds=ROUNDS, rng=0)
    for issue in sv.issues:
        out = run.issues[issue.id].outcome
        if out is None:
            continue
        q = issue.status_quo
        assert q is not None
        x_v = next(x.position for x in sv.stances if x.issue == issue.id and x.actor == "V")
        tol = 1e-9 * max(issue.span, 1.0)
        assert abs(out - x_v) <= abs(q - x_v) + tol, f"{issue.id}: {out} is worse for V at {x_v} than q = {q}"


@pytest.mark.parametrize("name", STATUS_QUO_MODELS)
def test_a_weightless_veto_player_at_the_status_quo_blocks_a_move_others_agree_on(name: str) -> None:
    base = Scenario(
        id="agree",
        actors=[Actor(id="A", capability=1.0), Actor(id="B", capability=1.0)],
        issues=[Issue(id="x", lower=0, upper=10)],
        stances=[
            Stance(actor="A", issue="x", position=10, salience=1.0),
            Stance(actor="B", issue="x", position=8, salience=1.0),
        ],
    )
    free = REGISTRY[name]().run(base.with_status_quo({"x": 0.0}), rng=0).issues["x"].outcome
    assert free is not None and free > 1.0  # the pinned case is not vacuous: without V the outcome moves
    blocked = _with_status_quo_and_veto(base, 0.0, 0.0)
    assert REGISTRY[name]().run(blocked, rng=0).issues["x"].outcome == pytest.approx(0.0, abs=1e-9)
