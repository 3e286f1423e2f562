"""Which lever? Candidate policies through the coupled simulation on common random numbers, ranked.

A **candidate** changes the snapshot before the coupled simulation (:mod:`peninsula.system.loop`) runs:

* ``overlay`` — one of the seeds' recommendations (:mod:`peninsula.scenarios.overlays`) that applies to
  the snapshot;
* ``setting`` — a point of a grid of the allies' positions (``--grid ISSUE=lo:hi:step`` moves both
  allies together, ``ISSUE@US=…`` or ``ISSUE@ROK=…`` one of them; several axes give their product). "The
  U.S." is every U.S. actor with a stance on the issue (``US`` and, where the library codes him, the
  President ``US-PRES``). A setting is the allies' choice, so it is exact: the set position carries a
  coded source without a range;
* ``pair`` — two overlays, applied one after the other.

Every candidate and the **baseline** (the snapshot as coded) run with the same :class:`SystemSpec` and
seed, so draw *d* of every run uses the same uniforms (launch-model parameters, count uniforms, the rules'
values, the sanctions uniforms): differences between runs are paired draw by draw.

**Objectives**, per draw:

* ``launches`` — launches over the window (fewer is better);
* ``cohesion`` — U.S.–ROK cohesion at the end of the window (higher is better), when both allies are coded;
* ``p_agreement:ISSUE`` — for every issue with a veto player and a reversion (the issues the ``agreement``
  model reports ``p_agreement`` on): the agreement model's probability that the veto players' agreement set
  is non-empty (:func:`peninsula.kernels.agreement.agreement_set`) at the end of the window. Positions on
  the posture issues are the loop's at the end of the draw's path; the sourced ranges the agreement model
  draws from (acceptance limits, reversions, positions) give ``agreement_draws`` inner draws
  (:func:`peninsula.models.agreement.draw_inputs`, one seed for every candidate), each position moved by
  its draw's offset from the coded value. Higher is better;
* ``outcome:ISSUE`` — the bargained outcome in force at the end on each posture issue. Which end is better
  is the analyst's call: without ``prefer`` it is reported, not ranked.

Each objective's summary is the candidate's median and 80 % interval over the draws, the paired
difference from the baseline (median and 80 % interval) and ``p_better``: the share of draws in which the
candidate is strictly better (ties count apart, so a candidate identical to the baseline shows differences
of exactly 0 and ``p_better`` 0 — no preference).

The **Pareto front**: a run (baseline included) is dominated when another is better on some objective with
``p_better`` >= 0.5, worse with that probability on none, and not worse on any by a paired sign test; the
front is the undominated runs (:func:`pareto` says why not "better on every objective").

**Robustness**: ``front_share`` is the share of draws in which no other run is at least as good on every
objective and better on one in that draw; the draws span the rules' coded ranges (one value per rule and
draw) as well as the launch model's uncertainty. For each candidate on the front, the rules' one-at-a-time
sensitivity (:func:`peninsula.system.analysis.sensitivity_variants`) and a run with every response rule at
0 say which rules its advantage over the baseline depends on, and whether it rests on a coded rule, on the
launch model's fitted posture effects or on the change itself.
"""

from __future__ import annotations

import functools
import itertools
import math
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from peninsula.core import ParameterError, Scenario, Source
from peninsula.system.posture import posture_issues
from peninsula.system.rules import RuleSet
from peninsula.system.spec import SystemSpec

if TYPE_CHECKING:
    from peninsula.simulate.distributed import TaskMap
    from peninsula.simulate.store import RunStore
    from peninsula.system.analysis import Setup
    from peninsula.system.loop import SystemRun

__all__ = [
    "ALLY_ACTORS",
    "DEFAULT_AGREEMENT_DRAWS",
    "DEFAULT_ROBUST_DRAWS",
    "MAX_CANDIDATES",
    "POINT",
    "SIGN_ALPHA",
    "ZERO",
    "Candidate",
    "GridAxis",
    "LeverJob",
    "LeverResult",
    "LeverSpec",
    "Objective",
    "agreement_plan",
    "build_candidates",
    "code_digest",
    "data_digest",
    "objectives_for",
    "p_agreement",
    "pareto",
    "parse_grid",
    "parse_prefer",
    "run_levers",
    "run_task",
    "summarise",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Kind = Literal["overlay", "setting", "pair"]

#: The allies a grid setting can act on, and the actors that speak for each (where they have a stance).
ALLY_ACTORS: dict[str, tuple[str, ...]] = {"US": ("US", "US-PRES"), "ROK": ("ROK",)}
#: Most candidates one run may have (the front's pairwise comparison grows with their square).
MAX_CANDIDATES = 500
#: Inner draws over the sourced ranges behind each draw's ``p_agreement`` (its Monte Carlo standard error
#: is at most 0.5/sqrt(200) ~ 0.035 per draw; the paired differences share the inner draws).
DEFAULT_AGREEMENT_DRAWS = 200
#: Draws of each robustness run (rules at point values or at an end of a range; common random numbers).
DEFAULT_ROBUST_DRAWS = 200
#: Level of the one-sided sign test by which a run counts as worse than another (:func:`pareto`).
SIGN_ALPHA = 0.05
#: Variant keys of the robustness runs besides the rules' ends.
POINT, ZERO = "point", "zero"


# -- grids and preferences ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class GridAxis:
    """One ``--grid`` axis: an issue, which ally moves (``None``: both) and the positions it takes.

    Examples
    --------
    >>> parse_grid("exercises=0:3:1")
    GridAxis(issue='exercises', ally=None, values=(0.0, 1.0, 2.0, 3.0))
    >>> parse_grid("sanctions-relief@US=0:50:25").key
    'sanctions-relief@US'
    """

    issue: str
    ally: str | None
    values: tuple[float, ...]

    @property
    def key(self) -> str:
        """``ISSUE`` or ``ISSUE@ALLY``."""
        return self.issue if self.ally is None else f"{self.issue}@{self.ally}"


def parse_grid(text: str) -> GridAxis:
    """A ``--grid`` item ``ISSUE=lo:hi:step`` or ``ISSUE@ALLY=lo:hi:step`` (``hi`` included).

    Raises
    ------
    ParameterError
        Naming ``--grid`` and the item when it is malformed, the step is not positive, ``lo > hi``, the
        ally is not ``US`` or ``ROK``, or the axis would have more than :data:`MAX_CANDIDATES` points.
    """
    from peninsula.core.settings import parse_pairs

    ((key, spec),) = parse_pairs([text], "--grid")
    issue, at, ally = key.partition("@")
    if at and ally not in ALLY_ACTORS:
        raise ParameterError(f"--grid {text!r}: the ally after @ must be one of {', '.join(ALLY_ACTORS)}")
    parts = spec.split(":")
    try:
        lo, hi, step = (float(p) for p in parts)
    except ValueError:
        raise ParameterError(f"--grid {text!r}: expected ISSUE=lo:hi:step with three numbers") from None
    if not all(math.isfinite(v) for v in (lo, hi, step)):
        raise ParameterError(f"--grid {text!r}: lo, hi and step must be finite numbers")
    if step <= 0:
        raise ParameterError(f"--grid {text!r}: the step must be positive")
    if lo > hi:
        raise ParameterError(f"--grid {text!r}: lo {lo:g} exceeds hi {hi:g}")
    n = math.floor((hi - lo) / step * (1 + 1e-12) + 1e-9) + 1
    if n > MAX_CANDIDATES:
        raise ParameterError(
            f"--grid {text!r}: {n:,} points, more than the {MAX_CANDIDATES} candidates allowed"
        )
    values = tuple(float(round(lo + k * step, 12)) for k in range(n))
    return GridAxis(issue.strip(), ally or None, values)


def parse_prefer(items: Iterable[str] | None) -> dict[str, int]:
    """``--prefer ISSUE=higher|lower`` as ``{issue: +1 | -1}`` (which end of a posture outcome is better).

    Examples
    --------
    >>> parse_prefer(["exercises=lower"])
    {'exercises': -1}
    """
    from peninsula.core.settings import parse_pairs

    out: dict[str, int] = {}
    for key, value in parse_pairs(items, "--prefer"):
        if value not in ("higher", "lower"):
            raise ParameterError(f"--prefer {key}={value}: say 'higher' or 'lower'")
        out[key] = 1 if value == "higher" else -1
    return out


# -- objectives ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Objective:
    """One objective: its name in the JSON, a label, and which way is better.

    Attributes
    ----------
    name:
        ``launches``, ``cohesion``, ``p_agreement:ISSUE`` or ``outcome:ISSUE``.
    label:
        What it measures, with its unit.
    direction:
        ``+1`` higher is better, ``-1`` lower is better, ``0`` reported only (no better end).
    issue:
        The issue of a ``p_agreement`` or ``outcome`` objective.
    """

    name: str
    label: str
    direction: int
    issue: str | None = None

    @property
    def better(self) -> str | None:
        """``"higher"``, ``"lower"`` or ``None``."""
        return {1: "higher", -1: "lower"}.get(self.direction)


def agreement_issues(scenario: Scenario) -> list[str]:
    """Issues whose agreement the ``agreement`` model can state: a veto player and a reversion (or status
    quo standing in for it), in scenario order."""
    out = []
    for issue in scenario.issues:
        data = scenario.issue_data(issue.id)
        if data.vetoes is not None and bool(np.any(data.vetoes)) and issue.reversion_value is not None:
            out.append(issue.id)
    return out


def objectives_for(
    scenario: Scenario, prefer: Mapping[str, int] | None = None, target: str = "events"
) -> tuple[Objective, ...]:
    """The objectives of a levers run on ``scenario`` (see the module docstring), in JSON order.

    ``prefer`` maps a posture issue (or role) to ``+1``/``-1``: which end of its bargained outcome is better.
    """
    from peninsula.scenarios.cohesion import has_allies

    issues = posture_issues(scenario)
    prefer = dict(prefer or {})
    known = {p.issue: p for p in issues.values()} | dict(issues)
    unknown = sorted(set(prefer) - set(known))
    if unknown:
        raise ParameterError(
            f"--prefer: {', '.join(unknown)} is not a posture issue of '{scenario.id}' (known: "
            f"{', '.join(sorted({p.issue for p in issues.values()}))})"
        )
    by_issue = {known[k].issue: v for k, v in prefer.items()}
    out = [Objective("launches", f"launches over the window ({target}, count)", -1)]
    if has_allies(scenario):  # the loop's cohesion is defined exactly then
        out.append(Objective("cohesion", "U.S.-ROK cohesion at the end (0-1)", 1))
    for issue in agreement_issues(scenario):
        out.append(Objective(f"p_agreement:{issue}", f"P(agreement) on {issue} at the end", 1, issue))
    for p in issues.values():
        unit = scenario.issue(p.issue).unit
        out.append(
            Objective(
                f"outcome:{p.issue}",
                f"bargained {p.issue} in force at the end ({unit or f'{p.lower:g}-{p.upper:g}'})",
                by_issue.get(p.issue, 0),
                p.issue,
            )
        )
    return tuple(out)


# -- p_agreement at the end of a path -----------------------------------------------------------------------
@dataclass(frozen=True)
class AgreementIssue:
    """One issue's veto players and the agreement model's inner draws over the sourced ranges.

    Attributes
    ----------
    issue, lower, upper:
        The issue and its scale.
    actors:
        The veto players, in stance order.
    coded:
        ``(V,)`` their coded positions (where the loop starts).
    drawn, accept_low, accept_high:
        ``(V, K)`` positions and acceptance limits per inner draw (limits NaN: the single-peaked default).
    reversion:
        ``(K,)`` the reversion per inner draw.
    """

    issue: str
    lower: float
    upper: float
    actors: tuple[str, ...]
    coded: FloatArray
    drawn: FloatArray
    accept_low: FloatArray
    accept_high: FloatArray
    reversion: FloatArray


def agreement_plan(scenario: Scenario, issues: Sequence[str], draws: int, seed: int) -> list[AgreementIssue]:
    """The inner draws of every issue in ``issues`` (:func:`peninsula.models.agreement.draw_inputs`).

    Inputs are keyed by name, so every candidate drawn with the same ``seed`` shares the uniforms of every
    input they share (common random numbers); an issue with nothing sourced to a range has one inner draw
    (the coded values).
    """
    from peninsula.models.agreement import draw_inputs, veto_mask

    inner = draw_inputs(scenario, draws, seed)
    out = []
    for issue_id in issues:
        data = scenario.issue_data(issue_id)
        veto = veto_mask(data)
        n = len(data.actor_ids)
        nan = np.full(n, np.nan)
        d = inner.get(issue_id)
        if d is None:
            drawn = data.positions[:, None]
            al = (data.accept_low if data.accept_low is not None else nan)[:, None]
            ah = (data.accept_high if data.accept_high is not None else nan)[:, None]
            rev = np.array([float(data.issue.reversion_value)])  # type: ignore[arg-type]
        else:
            drawn, al, ah, rev = d.positions, d.accept_low, d.accept_high, d.reversion
        out.append(
            AgreementIssue(
                issue_id,
                float(data.issue.lower),
                float(data.issue.upper),
                tuple(a for a, v in zip(data.actor_ids, veto.tolist(), strict=True) if v),
                np.asarray(data.positions[veto], dtype=np.float64),
                np.asarray(drawn[veto], dtype=np.float64),
                np.asarray(al[veto], dtype=np.float64),
                np.asarray(ah[veto], dtype=np.float64),
                np.asarray(rev, dtype=np.float64),
            )
        )
    return out


def p_agreement(plan: AgreementIssue, end: FloatArray | None, draws: int) -> FloatArray:
    """Per path, the share of inner draws in which the agreement set is non-empty.

    Parameters
    ----------
    plan:
        The issue's veto players and inner draws (:func:`agreement_plan`).
    end:
        ``(draws, V)`` the veto players' positions at the end of each path, or ``None`` when the loop does
        not move them (the coded positions).
    draws:
        Number of paths.

    Returns
    -------
    ndarray
        ``(draws,)`` probabilities.

    Examples
    --------
    Two veto players at 30 and 80, reversion 0, no ranges; the first accepts (0, 60) by the single-peaked
    default, the second nothing below 50: a deal on [50, 60). On a path where the first has moved to 20 (it
    accepts (0, 40)) there is none.

    >>> plan = AgreementIssue("d", 0.0, 100.0, ("A", "B"), np.array([30.0, 80.0]),
    ...     np.array([[30.0], [80.0]]), np.array([[np.nan], [50.0]]), np.full((2, 1), np.nan), np.zeros(1))
    >>> p_agreement(plan, None, 2).tolist()
    [1.0, 1.0]
    >>> p_agreement(plan, np.array([[30.0, 80.0], [20.0, 80.0]]), 2).tolist()
    [1.0, 0.0]
    """
    from peninsula.kernels.agreement import agreement_set

    offset = plan.drawn - plan.coded[:, None]  # (V, K)
    inverse: npt.NDArray[np.intp] | None = None
    if end is None:
        pos = np.clip(plan.drawn, plan.lower, plan.upper)[:, None, :]  # (V, 1, K)
    else:
        # paths that end with the same positions share their probability (veto players the rules do not move)
        ends, inverse = np.unique(end, axis=0, return_inverse=True)
        pos = np.clip(ends.T[:, :, None] + offset[:, None, :], plan.lower, plan.upper)  # (V, U, K)
    V = len(plan.actors)
    w = agreement_set(
        pos,
        plan.reversion[None, :],
        plan.accept_low[:, None, :],
        plan.accept_high[:, None, :],
        np.ones(V, dtype=bool),
        plan.lower,
        plan.upper,
    )
    p = np.asarray(w.nonempty, dtype=np.float64).mean(axis=-1)
    if inverse is not None:
        return np.asarray(p[inverse.reshape(-1)], dtype=np.float64)
    return np.asarray(np.broadcast_to(p, (draws,)), dtype=np.float64).copy()


def run_objectives(
    run: SystemRun, objectives: Sequence[Objective], plans: Mapping[str, AgreementIssue]
) -> dict[str, FloatArray]:
    """Every objective's value per draw of one run of the loop."""
    D = run.n_draws
    out: dict[str, FloatArray] = {}
    for obj in objectives:
        if obj.name == "launches":
            out[obj.name] = run.total().astype(np.float64)
        elif obj.name == "cohesion":
            assert run.cohesion is not None
            out[obj.name] = np.asarray(run.cohesion[:, -1], dtype=np.float64).copy()
        elif obj.name.startswith("outcome:"):
            assert obj.issue is not None
            out[obj.name] = np.asarray(run.posture[obj.issue][:, -1], dtype=np.float64).copy()
        else:
            assert obj.issue is not None
            plan = plans[obj.issue]
            end: FloatArray | None = None
            if obj.issue in run.positions:
                cols = [run.actors[obj.issue].index(a) for a in plan.actors]
                end = np.asarray(run.positions[obj.issue][:, -1, cols], dtype=np.float64)
            out[obj.name] = p_agreement(plan, end, D)
    return out


# -- candidates ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Candidate:
    """One option: the scenario it runs on and what it changed.

    Attributes
    ----------
    id:
        ``OVERLAY``, ``OVERLAY+OVERLAY`` or ``ISSUE=V[,ISSUE@ALLY=V…]``.
    kind:
        ``overlay``, ``setting`` or ``pair``.
    scenario:
        The snapshot with the change applied.
    changes:
        ``{"actor", "issue", "field", "old", "new", "source"}`` (and ``"overlay"``) per changed value.
    notes:
        What the reader must know (skipped changes, a pair whose second overlay adds nothing ...).
    """

    id: str
    kind: Kind
    scenario: Scenario
    changes: tuple[dict[str, Any], ...]
    notes: tuple[str, ...] = ()


def _describe(src: Source) -> str:
    """A source in one line, a seed by its human name (the file name is kept in the scenario)."""
    from peninsula.scenarios.sources import describe_source

    return str(describe_source(src))


def _apply(scenario: Scenario, overlay: Any, label: str) -> tuple[Scenario, list[dict[str, Any]], list[str]]:
    """``overlay`` applied to ``scenario``: the new scenario, the changes, and the warnings as notes.

    An overlay that changes nothing leaves ``scenario`` as it is (no error: a grid point may be the coded
    value itself).
    """
    from peninsula.scenarios import apply_overlay, overlay_changes

    changes = overlay_changes(scenario, overlay)
    if not changes:
        return scenario, [], []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        new = apply_overlay(scenario, overlay)
    notes = [str(w.message) for w in caught]
    rows = [
        {
            "overlay": label,
            "actor": c.actor,
            "issue": c.issue,
            "field": c.field,
            "old": c.old,
            "new": c.new,
            "source": _describe(c.source),
        }
        for c in changes
    ]
    return new, rows, notes


def applicable_overlays(scenario: Scenario) -> list[str]:
    """The packaged overlays that apply to ``scenario`` (:func:`~peninsula.scenarios.overlay_status`: they
    change something and rest on nothing dated after it)."""
    from peninsula.scenarios import list_overlays, overlay_status

    return [name for name in list_overlays() if overlay_status(scenario, name).applies]


def _ally_stances(scenario: Scenario, issue: str, ally: str | None) -> list[str]:
    have = {s.actor for s in scenario.stances_on(issue)}
    allies = [ally] if ally is not None else list(ALLY_ACTORS)
    return [a for al in allies for a in ALLY_ACTORS[al] if a in have]


def _check_axis(scenario: Scenario, axis: GridAxis) -> None:
    if axis.issue not in scenario.issue_ids:
        raise ParameterError(
            f"--grid {axis.key}: '{scenario.id}' has no issue '{axis.issue}' (issues: "
            f"{', '.join(scenario.issue_ids)})"
        )
    if not _ally_stances(scenario, axis.issue, axis.ally):
        who = axis.ally or "U.S. or ROK"
        raise ParameterError(f"--grid {axis.key}: no {who} stance on '{axis.issue}' in '{scenario.id}'")
    issue = scenario.issue(axis.issue)
    for v in axis.values:
        problem = issue.scale_problem(v)
        if problem is not None:
            raise ParameterError(f"--grid {axis.key}: {problem}")


def _setting(scenario: Scenario, point: Sequence[tuple[GridAxis, float]]) -> Candidate:
    """The candidate of one grid point: each ally's position set exactly; an acceptance limit the new
    position passes moves with it (the worst outcome an actor accepts cannot lie beyond its own offer)."""
    cid = ",".join(f"{axis.key}={value:g}" for axis, value in point)
    target = {
        (actor, axis.issue): (axis, value)
        for axis, value in point
        for actor in _ally_stances(scenario, axis.issue, axis.ally)
    }
    rows: list[dict[str, Any]] = []
    stances = []
    for st in scenario.stances:
        hit = target.get((st.actor, st.issue))
        if hit is None or st.position == hit[1]:
            stances.append(st)
            continue
        axis, value = hit
        src = Source(
            kind="coded", reason=f"levers setting {axis.key}={value:g}: the allies' choice, set exactly"
        )
        fields: dict[str, Any] = {"position": value}
        if st.accept_low is not None and st.accept_low > value:
            fields["accept_low"] = value
        if st.accept_high is not None and st.accept_high < value:
            fields["accept_high"] = value
        sources = dict(st.sources)
        for name, new in fields.items():
            sources[name] = src  # type: ignore[index]
            rows.append(
                {
                    "actor": st.actor,
                    "issue": st.issue,
                    "field": name,
                    "old": float(getattr(st, name)),
                    "new": float(new),
                    "source": _describe(src),
                }
            )
        stances.append(st.model_copy(update={**fields, "sources": sources}))
    notes = [] if rows else ["every setting equals the coded position: identical to the baseline"]
    if not rows:
        return Candidate(cid, "setting", scenario, (), tuple(notes))
    data = scenario.model_dump()
    data["metadata"] = {**scenario.metadata, "setting": cid, "base": scenario.id}
    data["stances"] = [s.model_dump() for s in stances]
    return Candidate(cid, "setting", Scenario.model_validate(data), tuple(rows), tuple(notes))


def build_candidates(
    scenario: Scenario,
    overlays: Sequence[str] | None = None,
    grid: Sequence[GridAxis] = (),
    pairs: bool = False,
) -> list[Candidate]:
    """The candidates of a levers run, in order: overlays, pairs, then settings.

    Parameters
    ----------
    scenario:
        The snapshot (the baseline).
    overlays:
        Overlay names (each must apply); ``None``: every packaged overlay that applies
        (:func:`applicable_overlays`).
    grid:
        Axes of settings; the candidates are their product.
    pairs:
        Add every pair of the overlays (the second applied after the first).

    Raises
    ------
    ParameterError
        An overlay that does not apply, a grid axis on an unknown issue, without an ally's stance or outside
        the scale, a duplicate axis, or more than :data:`MAX_CANDIDATES` candidates.
    """
    from peninsula.scenarios import overlay_status

    names = applicable_overlays(scenario) if overlays is None else list(dict.fromkeys(overlays))
    for name in names:
        status = overlay_status(scenario, name)
        if not status.applies:
            raise ParameterError(f"--overlay {name}: does not apply to '{scenario.id}' ({status.reason})")
    keys = [a.key for a in grid]
    if len(set(keys)) != len(keys):
        raise ParameterError(f"--grid: an axis is given twice ({', '.join(keys)})")
    for axis in grid:
        _check_axis(scenario, axis)
    n_settings = math.prod(len(a.values) for a in grid) if grid else 0
    total = len(names) + (len(names) * (len(names) - 1) // 2 if pairs else 0) + n_settings
    if total > MAX_CANDIDATES:
        raise ParameterError(f"{total:,} candidates: more than the {MAX_CANDIDATES} one run allows")
    out: list[Candidate] = []
    applied: dict[str, tuple[Scenario, list[dict[str, Any]], list[str]]] = {}
    for name in names:
        applied[name] = _apply(scenario, name, name)
        new, rows, notes = applied[name]
        out.append(Candidate(name, "overlay", new, tuple(rows), tuple(notes)))
    if pairs:
        for a, b in itertools.combinations(names, 2):
            first, rows_a, notes_a = applied[a]
            new, rows_b, notes_b = _apply(first, b, b)
            notes = [*notes_a, *notes_b]
            if not rows_b:
                notes.append(f"{b} changes nothing once {a} is applied: the pair is {a} alone")
            overlap = {(r["actor"], r["issue"], r["field"]) for r in rows_a} & {
                (r["actor"], r["issue"], r["field"]) for r in rows_b
            }
            if overlap:
                notes.append(f"{b} changes {len(overlap)} value(s) {a} also sets: {b}'s value holds")
            out.append(Candidate(f"{a}+{b}", "pair", new, (*rows_a, *rows_b), tuple(notes)))
    if grid:
        for values in itertools.product(*(a.values for a in grid)):
            out.append(_setting(scenario, list(zip(grid, values, strict=True))))
    return out


# -- summaries and the front --------------------------------------------------------------------------------
def _quantiles(a: FloatArray) -> tuple[float, float, float]:
    q10, q50, q90 = np.quantile(a, [0.1, 0.5, 0.9])
    return float(q50), float(q10), float(q90)


def summarise(values: FloatArray, baseline: FloatArray, direction: int) -> dict[str, float | None]:
    """One objective of one candidate: median and 80 % interval, paired difference, ``p_better``.

    Also the mean and the mean paired difference (the front chart plots means: the medians of a launch count
    often coincide).

    ``p_better`` (``p_worse``) is the share of draws in which the candidate is strictly better (worse) than
    the baseline in the same draw; ties count in neither. ``None`` for an objective without a better end.

    Examples
    --------
    >>> s = summarise(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0]), -1)
    >>> s["delta_median"], s["delta_q10"], s["delta_q90"], s["p_better"], s["p_worse"]
    (0.0, 0.0, 0.0, 0.0, 0.0)
    """
    med, q10, q90 = _quantiles(values)
    delta = values - baseline
    d_med, d_q10, d_q90 = _quantiles(delta)
    p_better = p_worse = None
    if direction:
        p_better = float(np.mean(direction * delta > 0))
        p_worse = float(np.mean(direction * delta < 0))
    return {
        "median": med,
        "q10": q10,
        "q90": q90,
        "mean": float(np.mean(values)),
        "delta_mean": float(np.mean(delta)),
        "delta_median": d_med,
        "delta_q10": d_q10,
        "delta_q90": d_q90,
        "p_better": p_better,
        "p_worse": p_worse,
    }


@dataclass(frozen=True)
class Front:
    """The Pareto front over runs (index 0 is the baseline).

    Attributes
    ----------
    pareto:
        ``(N,)`` whether the run is on the front.
    dominated_by:
        Per run, the runs that dominate it.
    dominates:
        Per run, how many runs it dominates.
    front_share:
        ``(N,)`` share of draws in which the run is on that draw's front.
    """

    pareto: BoolArray
    dominated_by: tuple[tuple[int, ...], ...]
    dominates: tuple[int, ...]
    front_share: FloatArray


def pareto(values: Sequence[Mapping[str, FloatArray]], objectives: Sequence[Objective]) -> Front:
    """The front of runs ``values`` (per run: objective -> ``(draws,)``) over the directional objectives.

    Run j dominates run i when

    * j is better than i with ``p_better`` >= 0.5 on at least one objective, and i is better than j with
      probability 0.5 or more on none (paired draw by draw, ties counted in neither), and
    * j is at least as good as i on every objective: not worse by a one-sided sign test at level
      :data:`SIGN_ALPHA` over the draws in which the two differ.

    Requiring ``p_better`` >= 0.5 on *every* objective instead would let an objective on which no candidate
    differs (a ``p_agreement`` of 0 everywhere) put every run on the front; requiring merely "better in at
    least as many draws as worse" would let one draw of noise in a launch count do the same. Per draw (for
    ``front_share``), j dominates i when it is at least as good on every objective and better on one.

    Examples
    --------
    Run 1 has fewer launches in every draw and the same cohesion: it alone is on the front.

    >>> objs = [Objective("launches", "", -1), Objective("cohesion", "", 1)]
    >>> runs = [{"launches": np.array([3.0, 4.0]), "cohesion": np.array([0.5, 0.5])},
    ...         {"launches": np.array([1.0, 2.0]), "cohesion": np.array([0.5, 0.5])}]
    >>> f = pareto(runs, objs)
    >>> f.pareto.tolist(), f.dominated_by, f.front_share.tolist()
    ([False, True], ((1,), ()), [0.0, 1.0])
    """
    objs = [o for o in objectives if o.direction]
    N = len(values)
    if not objs or N == 0:
        D = len(next(iter(values[0].values()))) if N else 0
        return Front(np.ones(N, dtype=bool), ((),) * N, (0,) * N, np.ones(N) if D else np.zeros(N))
    V = np.stack([np.stack([o.direction * np.asarray(v[o.name]) for o in objs]) for v in values])  # (N, K, D)
    dominated_by: list[tuple[int, ...]] = []
    front_d = np.ones((N, V.shape[2]), dtype=bool)
    from scipy.stats import binom

    for i in range(N):
        diff = V - V[i]  # (N, K, D): run j minus run i
        better = diff > 0
        n_better = better.sum(axis=2)  # (N, K)
        n_worse = (diff < 0).sum(axis=2)
        D = diff.shape[2]
        # one-sided sign test: P(at least n_worse of the discordant draws worse | no difference)
        worse = (n_worse > 0) & (binom.sf(n_worse - 1, n_better + n_worse, 0.5) < SIGN_ALPHA)
        dom = (
            np.any(n_better >= 0.5 * D, axis=1) & ~np.any(n_worse >= 0.5 * D, axis=1) & ~np.any(worse, axis=1)
        )
        dom[i] = False
        dominated_by.append(tuple(int(j) for j in np.flatnonzero(dom)))
        per_draw = np.all(diff >= 0, axis=1) & np.any(better, axis=1)  # (N, D)
        per_draw[i] = False
        front_d[i] = ~np.any(per_draw, axis=0)
    counts = [sum(i in d for d in dominated_by) for i in range(N)]
    front = np.array([not d for d in dominated_by], dtype=bool)
    return Front(
        front, tuple(dominated_by), tuple(counts), np.asarray(front_d.mean(axis=1), dtype=np.float64)
    )


# -- the run ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LeverSpec:
    """Everything that determines a levers run besides the launch data.

    Attributes
    ----------
    base:
        The baseline's :class:`~peninsula.system.spec.SystemSpec` (scenario, months, models, draws, seed,
        rules ...); every candidate runs with it and the same seed. A ``None`` seed is drawn once.
    overlays:
        Overlay candidates (``None``: every overlay that applies; ``()``: none).
    grid:
        Setting axes (their product).
    pairs:
        Every pair of the overlays too.
    prefer:
        ``(issue, +1 | -1)``: which end of a posture outcome is better (else it is not ranked).
    front_objectives:
        Names of the objectives the front and ``front_share`` use (``None``: every one with a better end).
    rank_by:
        Objective to order the table by (``None``: front first, then how many runs each dominates).
    agreement_draws:
        Inner draws behind each path's ``p_agreement``.
    robust_draws:
        Draws of each robustness run (0: no robustness runs).
    """

    base: SystemSpec
    overlays: tuple[str, ...] | None = None
    grid: tuple[GridAxis, ...] = ()
    pairs: bool = False
    prefer: tuple[tuple[str, int], ...] = ()
    front_objectives: tuple[str, ...] | None = None
    rank_by: str | None = None
    agreement_draws: int = DEFAULT_AGREEMENT_DRAWS
    robust_draws: int = DEFAULT_ROBUST_DRAWS

    def __post_init__(self) -> None:
        from peninsula.core.limits import MAX_DRAWS

        if not 1 <= self.agreement_draws <= 10_000:
            raise ParameterError(f"--agreement-draws: {self.agreement_draws} is not between 1 and 10,000")
        if self.robust_draws != 0 and not 10 <= self.robust_draws <= MAX_DRAWS:
            raise ParameterError(
                f"--robust-draws: {self.robust_draws} is neither 0 nor between 10 and {MAX_DRAWS:,}"
            )
        if self.base.seed is None:
            object.__setattr__(self, "base", self.base.with_seed())
        names = {o.name: o for o in self.objectives}
        for name in (*(self.front_objectives or ()), *(() if self.rank_by is None else (self.rank_by,))):
            if name not in names:
                raise ParameterError(f"unknown objective '{name}' (known: {', '.join(names)})")
        if self.rank_by is not None and not names[self.rank_by].direction:
            raise ParameterError(
                f"--rank-by {self.rank_by}: the objective has no better end; say which with --prefer "
                f"{names[self.rank_by].issue}=higher|lower"
            )
        for name in self.front_objectives or ():
            if not names[name].direction:
                raise ParameterError(f"--objective {name}: it has no better end (see --prefer)")

    @property
    def seed(self) -> int:
        """The run's seed (concrete)."""
        assert self.base.seed is not None
        return self.base.seed

    @property
    def objectives(self) -> tuple[Objective, ...]:
        """The objectives (:func:`objectives_for` on the baseline)."""
        return objectives_for(self.base.scenario, dict(self.prefer), self.base.target)

    @property
    def front_set(self) -> tuple[Objective, ...]:
        """The objectives of the front: :attr:`front_objectives`, else every one with a better end."""
        if self.front_objectives is None:
            return tuple(o for o in self.objectives if o.direction)
        chosen = set(self.front_objectives)
        return tuple(o for o in self.objectives if o.name in chosen)

    def candidates(self) -> list[Candidate]:
        """:func:`build_candidates` on the baseline scenario."""
        return build_candidates(self.base.scenario, self.overlays, self.grid, self.pairs)

    def identity(self, candidates: Sequence[Candidate]) -> dict[str, Any]:
        """The canonical description of the run (hashed into the store's run id)."""
        from peninsula.simulate.montecarlo import scenario_hash

        b = self.base
        return {
            "kind": "levers",
            "scenario": b.scenario.id,
            "scenario_hash": scenario_hash(b.scenario),
            "months": b.months,
            "model": b.model,
            "launch_model": b.launch_model_name,
            "draws": b.draws,
            "seed": self.seed,
            "train_end": b.fit_end,
            "start": b.start_month,
            "target": b.target,
            "rules": b.rule_set.records(),
            "rule_uncertainty": b.rule_uncertainty,
            "agreement_draws": self.agreement_draws,
            "robust_draws": self.robust_draws,
            "candidates": [[c.id, c.kind, scenario_hash(c.scenario)] for c in candidates],
            "prefer": sorted(self.prefer),
            "front_objectives": list(self.front_objectives) if self.front_objectives is not None else None,
        }


@dataclass(frozen=True)
class LeverJob:
    """What every task of a run shares (sent once to each worker).

    Attributes
    ----------
    spec:
        The baseline's spec (concrete seed).
    setup:
        The launch data, the window and the launch model fitted once
        (:func:`peninsula.system.analysis.prepare`).
    scenarios:
        Index 0 the baseline, then each candidate's scenario.
    objectives:
        What to measure.
    agreement_draws:
        Inner draws behind ``p_agreement``.
    variants:
        Robustness rule sets by key (:data:`POINT`, :data:`ZERO`, ``RULE:low`` / ``RULE:high``).
    robust_draws:
        Draws of the robustness runs.
    """

    spec: SystemSpec
    setup: Setup
    scenarios: tuple[Scenario, ...]
    objectives: tuple[Objective, ...]
    agreement_draws: int
    variants: Mapping[str, RuleSet] = field(default_factory=dict)
    robust_draws: int = DEFAULT_ROBUST_DRAWS


def run_task(job: LeverJob, task: tuple[int, str | None]) -> dict[str, FloatArray]:
    """Run scenario ``task[0]`` under rule variant ``task[1]`` (``None``: the run's own rules) and measure it.

    A pure function of ``job`` and ``task``: the same on any worker.
    """
    from peninsula.system.loop import run_system

    index, variant = task
    scenario = job.scenarios[index]
    spec = job.spec.replace(scenario=scenario)
    if variant is not None:
        spec = spec.replace(rules=job.variants[variant], rule_uncertainty=False, draws=job.robust_draws)
    run = run_system(spec, job.setup.data, launch_fit=job.setup.fit)
    issues = [o.issue for o in job.objectives if o.name.startswith("p_agreement:") and o.issue is not None]
    plans = {p.issue: p for p in agreement_plan(scenario, issues, job.agreement_draws, job.spec.seed or 0)}
    return run_objectives(run, job.objectives, plans)


def warm_worker(job: LeverJob) -> bool:
    """On a worker, before its first task: a ten-draw run of the baseline and its objectives (loads the
    kernels of its models), so that no worker starts its share of the tasks late."""
    from peninsula.system.loop import run_system

    spec = job.spec.replace(draws=10)  # the fewest a spec allows
    run = run_system(spec, job.setup.data, launch_fit=job.setup.fit)
    issues = [o.issue for o in job.objectives if o.name.startswith("p_agreement:") and o.issue is not None]
    plans = {p.issue: p for p in agreement_plan(job.scenarios[0], issues, 10, job.spec.seed or 0)}
    run_objectives(run, job.objectives, plans)
    return True


#: How runs are batched on dask (:class:`~peninsula.simulate.distributed.TaskMap`): one task per run (tens
#: of ms each) made dispatch and result traffic a visible share; with W workers each batch takes 1/(4 W) of
#: the runs not yet batched (50 runs on 2 workers: 19 batches of 7 down to 1), so the workers end together.
BATCHES_PER_WORKER: int | None = 4


@dataclass(frozen=True)
class LeverResult:
    """A levers run: every run's objective draws, their summaries, the front and its robustness.

    Attributes
    ----------
    spec:
        What ran.
    candidates:
        The candidates, in the order they were built.
    values:
        Index 0 the baseline, then per candidate: objective -> ``(draws,)``.
    robustness:
        Candidate id -> robustness block (front candidates only, when robustness runs were made).
    run_id:
        The store's id of the run.
    launch_model:
        The launch model's name.
    """

    spec: LeverSpec
    candidates: tuple[Candidate, ...]
    values: tuple[dict[str, FloatArray], ...]
    robustness: Mapping[str, dict[str, Any]]
    run_id: str
    launch_model: str

    @functools.cached_property
    def front(self) -> Front:
        """The front over the baseline and the candidates (:func:`pareto`; computed once)."""
        return pareto(self.values, self.spec.front_set)

    def ranked(self) -> list[int]:
        """Candidate indices (0-based, without the baseline) in table order."""
        f = self.front
        objs = {o.name: o for o in self.spec.objectives}
        rows = []
        for k, c in enumerate(self.candidates):
            i = k + 1
            if self.spec.rank_by is not None:
                o = objs[self.spec.rank_by]
                s = summarise(self.values[i][o.name], self.values[0][o.name], o.direction)
                d = s["delta_median"]
                pb = s["p_better"]
                assert d is not None and pb is not None
                key: tuple[Any, ...] = (-o.direction * d, -pb, c.id)
            else:
                key = (not bool(f.pareto[i]), -f.dominates[i], len(f.dominated_by[i]), c.id)
            rows.append((key, k))
        return [k for _, k in sorted(rows)]

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``peninsula levers --format json`` (keys may be added, never renamed)."""
        b, f = self.spec.base, self.front
        objs = self.spec.objectives
        front_names = {o.name for o in self.spec.front_set}
        base_vals = self.values[0]
        ids = ["baseline", *(c.id for c in self.candidates)]
        levers = []
        for rank, k in enumerate(self.ranked(), start=1):
            c, i = self.candidates[k], k + 1
            levers.append(
                {
                    "id": c.id,
                    "kind": c.kind,
                    "rank": rank,
                    "changes": list(c.changes),
                    "objectives": {
                        o.name: summarise(self.values[i][o.name], base_vals[o.name], o.direction)
                        for o in objs
                    },
                    "pareto": bool(f.pareto[i]),
                    "front_share": float(f.front_share[i]),
                    "dominated_by": [ids[j] for j in f.dominated_by[i]],
                    "robustness": self.robustness.get(c.id),
                    "notes": list(c.notes),
                }
            )
        return {
            "scenario": b.scenario.id,
            "months": b.months,
            "draws": b.draws,
            "seed": self.spec.seed,
            "run_id": self.run_id,
            "model": b.model,
            "launch_model": self.launch_model,
            "target": b.target,
            "start": b.start_month,
            "rule_uncertainty": b.rule_uncertainty,
            "agreement_draws": self.spec.agreement_draws,
            "robust_draws": self.spec.robust_draws,
            "rank_by": self.spec.rank_by,
            "objectives": [
                {"name": o.name, "label": o.label, "better": o.better, "front": o.name in front_names}
                for o in objs
            ],
            "baseline": {
                "objectives": {
                    o.name: {
                        **dict(zip(("median", "q10", "q90"), _quantiles(base_vals[o.name]), strict=True)),
                        "mean": float(np.mean(base_vals[o.name])),
                    }
                    for o in objs
                },
                "pareto": bool(f.pareto[0]),
                "front_share": float(f.front_share[0]),
                "dominated_by": [ids[j] for j in f.dominated_by[0]],
            },
            "levers": levers,
            "notes": self.notes(),
        }

    def notes(self) -> list[str]:
        """What the reader must know about every row."""
        from peninsula.dynamics.nbregression import EVIDENCE_NOTE

        b = self.spec.base
        out = [
            "common random numbers: every run uses seed "
            f"{self.spec.seed}, so draw d of each candidate shares the baseline's launch-model parameters, "
            "count uniforms and rule values; differences are paired by draw",
            "p_better: share of draws in which the candidate is strictly better than the baseline (ties "
            "count in neither); front: no other run better on some objective with p_better >= 0.5, worse "
            "with that probability on none and not worse on any by a paired sign test (5 %)",
            f"p_agreement: per draw, the share of {self.spec.agreement_draws} draws over the sourced ranges "
            "(acceptance limits, reversions, positions) in which the veto players' agreement set is "
            "non-empty, with the loop's positions at the end of the window",
            "front_share: share of draws in which the run is on that draw's front; "
            + (
                "each draw has its own value of every rule within its coded range"
                if b.rule_uncertainty
                else "the rules stay at their point values (no rule uncertainty): only the launch model "
                "varies"
            ),
            EVIDENCE_NOTE,
        ]
        undirected = [o.name for o in self.spec.objectives if not o.direction]
        if undirected:
            out.append(
                f"reported, not ranked (no better end; say which with --prefer ISSUE=higher|lower): "
                f"{', '.join(undirected)}"
            )
        return out


def rule_variants(spec: SystemSpec) -> dict[str, RuleSet]:
    """The robustness rule sets: point values, every rule at 0, each rule or constant at each end."""
    from peninsula.system.analysis import sensitivity_variants

    rs = spec.rule_set
    out = {POINT: rs, ZERO: rs.zeroed()}
    for rec, end, variant in sensitivity_variants(spec):
        out[f"{rec['id']}:{end}"] = variant
    return out


def _source_kind(rs: RuleSet, rid: str) -> str:
    """How a rule's or constant's value is sourced, in words."""
    src = rs.constants[rid].source if rid in rs.constants else rs.rule(rid).source
    return {
        "seed": "coded from a seed's words",
        "coded": "a coded judgement",
        "record": "coded from the public record",
        "dataset": "estimated from a dataset",
    }[src.kind]


def robustness_block(
    objectives: Sequence[Objective],
    main: tuple[Mapping[str, FloatArray], Mapping[str, FloatArray]],
    variants: Mapping[str, tuple[Mapping[str, FloatArray], Mapping[str, FloatArray]]],
    rules: RuleSet,
) -> dict[str, Any]:
    """What a front candidate's advantage over the baseline depends on (see the module docstring).

    ``main`` is (candidate, baseline) of the main run; ``variants`` the same per robustness variant.
    """
    cand, base = main
    out: dict[str, Any] = {"advantages": {}, "summary": ""}
    words = []
    for o in objectives:
        if not o.direction:
            continue
        gain = float(np.mean(o.direction * (np.asarray(cand[o.name]) - base[o.name])))
        if gain <= 0:
            continue

        def adv(key: str, o: Objective = o) -> float:
            c, b = variants[key]
            return float(np.mean(o.direction * (np.asarray(c[o.name]) - b[o.name])))

        point, zero = adv(POINT), adv(ZERO)
        depends = []
        for key in variants:
            if key in (POINT, ZERO):
                continue
            a = adv(key)
            if a <= 0 < point or (point <= 0 and a > 0):
                rid, end = key.rsplit(":", 1)
                depends.append({"rule": rid, "end": end, "advantage": a, "source": _source_kind(rules, rid)})
        rests = "rules" if (zero <= 0 < point) else ("evidence" if zero > 0 else "unclear")
        out["advantages"][o.name] = {
            "mean": gain,
            "at_point_values": point,
            "without_rules": zero,
            "rests_on": rests,
            "depends_on": depends,
        }
        what = f"{o.name} better by {gain:.3g} on average"
        if rests == "rules":
            text = f"{what}: rests on the coded response rules (with every rule at 0 it is {zero:+.3g})"
        elif rests == "evidence":
            via = (
                "the launch model's fitted posture effects (the rules add to or take from it)"
                if o.name == "launches"
                else "the change itself through the bargaining and the coded positions and limits, not "
                "on the rules"
            )
            text = f"{what}: holds with every response rule at 0 ({zero:+.3g}), so it rests on {via}"
        else:
            text = f"{what} across the rules' ranges, but not at their point values ({point:+.3g})"
        if depends:
            ends = "; ".join(f"{d['rule']} at its {d['end']} end ({d['source']})" for d in depends)
            text += f"; it vanishes or reverses with {ends}"
        words.append(text)
    out["summary"] = ". ".join(words) + ("." if words else "no advantage over the baseline on any objective.")
    return out


def run_levers(
    spec: LeverSpec,
    data: Any = None,
    *,
    store: RunStore | None = None,
    task_map: TaskMap | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> LeverResult:
    """Run a levers analysis: every candidate and the baseline on common random numbers, then robustness.

    Parameters
    ----------
    spec:
        The run.
    data:
        A :class:`~peninsula.dynamics.KoreaData` (default: the packaged data).
    store:
        An open :class:`~peninsula.simulate.store.RunStore`: each run's draws are committed as they arrive,
        a run already stored resumes from its committed candidates, and the document is kept with the run.
    task_map:
        How tasks run (:func:`~peninsula.simulate.distributed.in_process_map`, the default, or
        :func:`peninsula.simulate.distributed.dask_map`'s). Changes no number.
    on_progress:
        Called with ``(tasks done, tasks in total)``.
    """
    from peninsula.simulate.distributed import in_process_map
    from peninsula.system.analysis import prepare

    run = task_map or in_process_map
    candidates = spec.candidates()
    objectives = spec.objectives
    setup = prepare(spec.base, data)
    variants = rule_variants(spec.base) if spec.robust_draws else {}
    job = LeverJob(
        spec.base.replace(rules=spec.base.rule_set),  # the packaged rules read once, not once per run
        setup,
        (spec.base.scenario, *(c.scenario for c in candidates)),
        objectives,
        spec.agreement_draws,
        variants,
        spec.robust_draws,
    )
    # the launch data too: a store keeps a run by its id, so data that changed (new months, a corrected
    # count) must not resume a run made on the old data
    identity = {**spec.identity(candidates), "data": data_digest(setup.data), "code": code_digest()}
    run_id = _run_id(identity)
    ids = ["baseline", *(c.id for c in candidates)]
    values: list[dict[str, FloatArray] | None] = [None] * len(ids)
    if store is not None:
        from peninsula.simulate.montecarlo import _version

        b = spec.base
        store.begin_levers(
            run_id,
            identity,
            b.scenario.id,
            spec.seed,
            b.draws,
            b.months,
            ids,
            [o.name for o in objectives],
            _version(),
        )
        for i, stored in store.load_lever_draws(
            run_id, ids, [o.name for o in objectives], spec.base.draws
        ).items():
            values[i] = stored
    todo = [(i, None) for i in range(len(ids)) if values[i] is None]
    n_robust = len(variants) * (1 + len(candidates)) if variants else 0  # an upper bound, for progress
    total = len(todo) + n_robust
    done = 0
    if on_progress is not None:
        on_progress(done, total)
    for k, res in run(run_task, job, todo, warm_worker, batches_per_worker=BATCHES_PER_WORKER):
        i = todo[k][0]
        values[i] = res
        if store is not None:
            store.commit_lever(run_id, ids[i], res)
        done += 1
        if on_progress is not None:
            on_progress(done, total)
    vals = tuple(v for v in values if v is not None)
    assert len(vals) == len(ids)
    f = pareto(vals, spec.front_set)
    robustness: dict[str, dict[str, Any]] = {}
    front = [i for i in range(1, len(ids)) if f.pareto[i]]
    if variants and front:
        keys = list(variants)
        tasks = [(i, key) for i in [0, *front] for key in keys]
        got: dict[tuple[int, str], dict[str, FloatArray]] = {}
        total = done + len(tasks)
        # the same job object: on dask its copy on the workers is reused, not sent again
        for k, res in run(run_task, job, tasks, warm_worker, batches_per_worker=BATCHES_PER_WORKER):
            i, key = tasks[k]
            got[(i, key)] = res
            done += 1
            if on_progress is not None:
                on_progress(done, total)
        for i in front:
            robustness[ids[i]] = robustness_block(
                spec.front_set,
                (vals[i], vals[0]),
                {key: (got[(i, key)], got[(0, key)]) for key in keys},
                spec.base.rule_set,
            )
    result = LeverResult(spec, tuple(candidates), vals, robustness, run_id, spec.base.launch_model_name)
    object.__setattr__(result, "front", f)  # the same values and objectives: pareto() once, not again
    if store is not None:
        store.finish_levers(run_id, result.to_dict())
    return result


def data_digest(data: Any) -> str:
    """A SHA-256 (hex, 16 characters) of the launch data a run reads: the months, both counts and the
    timeline (a :class:`~peninsula.dynamics.KoreaData`)."""
    import hashlib

    h = hashlib.sha256()
    m = data.monthly
    for arr in (m.months.astype("datetime64[M]").astype(np.int64), m.events, m.missiles):
        a = np.ascontiguousarray(np.asarray(arr, dtype=np.int64))
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    h.update(repr(data.timeline).encode())
    return h.hexdigest()[:16]


@functools.cache
def code_digest() -> str:
    """A SHA-256 (hex, 16 characters) of peninsula's own source files (``*.py`` and ``*.yaml`` under the
    package): a store keeps a run by its id, and a change to the models' code within one version (an
    agreement step, a kernel fix) must not resume a run made by the old code."""
    import hashlib
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".yaml") and p.is_file()):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _run_id(identity: Mapping[str, Any]) -> str:
    import hashlib
    import json

    from peninsula.simulate.montecarlo import _version

    text = json.dumps({**identity, "version": _version()}, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]
