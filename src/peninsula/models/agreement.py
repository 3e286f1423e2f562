"""``agreement``: deal or no deal — the veto players' agreement set, the probability that it is non-empty, and
the outcome inside it (Romer & Rosenthal 1978; Tsebelis 2002).

Per issue (see :mod:`peninsula.kernels.agreement` for the equations):

* the **agreement set** is the outcomes every veto player (``Stance.veto``) accepts rather than the
  reversion (``Issue.reversion``, else the status quo): its explicit acceptance limits
  (``Stance.accept_low`` / ``accept_high``) or, on a side without one, the single-peaked default; less the
  outcomes nearer the reversion than the minimal move (``min_move`` of the scale's span, 5 % by default):
  a move that small is not a deal;
* **no agreement** when the set is empty: the outcome is the reversion;
* inside it the outcome follows ``rule``: ``compromise`` (capability × salience weighted mean projected
  onto the set), ``nash`` (Nash bargaining solution among the veto players, the reversion as disagreement
  point) or ``setter`` (the agenda setter's best point, Romer & Rosenthal 1978);
* ``p_agreement`` is the share of ``draws`` draws over the scenario's **sourced ranges** (a source's
  ``low``..``high``, triangular with the coded value as mode, as in sweeps) in which the set is non-empty;
  values without a range stay fixed. Draw ``k`` of an input takes its uniform from a generator keyed by
  ``seed`` and the input's name (actor, issue, field), so adding a stance or permuting actors changes no
  other input's draws;
* the ``outcome`` is the median (the smallest value with CDF >= 1/2) of the outcome over the draws: the
  rule's outcome where the set is non-empty, the reversion where it is empty. A deal with probability
  below one half therefore forecasts the reversion.

Per issue the result also carries ``agreement_set`` ``[low, high]`` (or ``None``) and
``outcome_if_agreement`` at the scenario's own values, ``reversion``, ``p_agreement_se`` (the Monte Carlo
standard error) and ``veto_players``; the notes give the reason in words.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt
from pydantic import Field

from peninsula.core import IssueData, Scenario, Source
from peninsula.core.limits import MAX_DRAWS
from peninsula.core.rng import RNGLike
from peninsula.kernels.agreement import MIN_MOVE, AgreementSet, FloatArray, agreement_set, outcome_in_set
from peninsula.kernels.distributions import triangular_ppf
from peninsula.models.base import IssueResult, Model, ModelInfo, ModelRun, RoundRecord

__all__ = [
    "DEFAULT_DRAWS",
    "DEFAULT_SEED",
    "Agreement",
    "IssueDraws",
    "draw_inputs",
    "setter_mask",
    "solve_issue",
    "veto_mask",
]

#: Default number of draws behind ``p_agreement``: its Monte Carlo standard error is at most
#: 0.5/√2000 ≈ 0.011, and a snapshot's draws take a few milliseconds (``benchmarks/bench_agreement.py``).
DEFAULT_DRAWS = 2000
#: Largest ``seed`` (exactly representable as a float, so ``--set seed=...`` and listings stay exact).
MAX_DRAW_SEED = 2**32 - 1
#: Default seed of those draws (fixed, so a forecast is reproducible; reported in the JSON's ``params``).
DEFAULT_SEED = 21

NO_REVERSION = (
    "no reversion and no status quo on this issue: which outcomes the veto players prefer to no agreement "
    "is undefined, so neither p_agreement nor an outcome is given (set Issue.reversion or Issue.status_quo)"
)


def _uniforms(seed: int, key: str, draws: int) -> FloatArray:
    """``draws`` uniforms for the input named ``key``, from a generator keyed by ``seed`` and the name."""
    h = int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")
    out: FloatArray = np.random.Generator(np.random.PCG64([seed, h])).random(draws)
    return out


class IssueDraws:
    """One issue's inputs over the draws: ``(actors, draws)`` arrays and ``(draws,)`` reversions.

    Attributes
    ----------
    positions, saliences, capabilities, accept_low, accept_high:
        Per actor (stances in scenario actor order) and draw; limits NaN where the single-peaked default
        applies.
    reversion:
        Per draw, the outcome without agreement (NaN: the issue has none).
    """

    __slots__ = ("accept_high", "accept_low", "capabilities", "positions", "reversion", "saliences")

    def __init__(
        self,
        positions: FloatArray,
        saliences: FloatArray,
        capabilities: FloatArray,
        accept_low: FloatArray,
        accept_high: FloatArray,
        reversion: FloatArray,
    ) -> None:
        self.positions = positions
        self.saliences = saliences
        self.capabilities = capabilities
        self.accept_low = accept_low
        self.accept_high = accept_high
        self.reversion = reversion


def draw_inputs(scenario: Scenario, draws: int, seed: int) -> dict[str, IssueDraws]:
    """The inputs of every issue with a sourced range drawn from those ranges (the others stay fixed);
    issues where nothing has a range are left out (their inputs are the scenario's own values).

    A value whose source has ``low < high`` is drawn from the triangular distribution with that minimum and
    maximum and the value as mode (clamped into the range), as sweeps do (:mod:`peninsula.simulate.perturb`),
    and clipped to its valid bounds: positions, limits and the reversion to the issue's scale, saliences to
    [0, 1], capabilities to >= 0. Capabilities are the stance's own where given, else the actor's general
    capability (one draw per actor, shared by every issue). An explicit reversion is drawn from its source's
    range; the status quo standing in for a missing reversion is fixed (as in sweeps, status quo values are
    not drawn). Each input's uniforms come from a generator
    keyed by ``seed`` and the input's name, so no input's draws depend on which other inputs exist or on the
    order of the actors.
    """
    # (key, value, low, high, clip_lo, clip_hi) of every ranged input, and where each value goes
    specs: list[tuple[str, float, float, float, float, float]] = []
    index: dict[str, int] = {}

    def ranged(key: str, value: float, src: Source | None, lo: float, hi: float) -> int | None:
        if src is None or src.low is None or src.high is None or not src.high > src.low:
            return None
        if key not in index:
            index[key] = len(specs)
            specs.append((key, value, src.low, src.high, lo, hi))
        return index[key]

    plan: dict[str, list[tuple[FloatArray, int, int | None, float]]] = {}
    out: dict[str, IssueDraws] = {}
    for issue in scenario.issues:
        stances = list(scenario.stances_on(issue.id))
        n = len(stances)
        lo, hi = issue.lower, issue.upper
        X, S, C = np.empty((n, draws)), np.empty((n, draws)), np.empty((n, draws))
        AL, AH = np.full((n, draws), np.nan), np.full((n, draws), np.nan)
        R = np.full((1, draws), np.nan)
        todo: list[tuple[FloatArray, int, int | None, float]] = []
        for k, st in enumerate(stances):
            base = f"{st.actor}\x1f{issue.id}\x1f"
            todo.append((X, k, ranged(base + "position", st.position, st.sources.get("position"), lo, hi),
                         st.position))
            todo.append((S, k, ranged(base + "salience", st.salience, st.sources.get("salience"), 0.0, 1.0),
                         st.salience))
            if st.capability is not None:
                key = base + "capability"
                todo.append((C, k, ranged(key, st.capability, st.sources.get("capability"), 0.0, math.inf),
                             st.capability))
            else:
                act = scenario.actor(st.actor)
                assert act.capability is not None, "validated at load"
                key = f"{st.actor}\x1f\x1fcapability"
                todo.append((C, k, ranged(key, act.capability, act.capability_source, 0.0, math.inf),
                             act.capability))
            if st.accept_low is not None:
                src = st.sources.get("accept_low")
                todo.append((AL, k, ranged(base + "accept_low", st.accept_low, src, lo, hi), st.accept_low))
            if st.accept_high is not None:
                src = st.sources.get("accept_high")
                k_ah = ranged(base + "accept_high", st.accept_high, src, lo, hi)
                todo.append((AH, k, k_ah, st.accept_high))
        r = issue.reversion_value
        if r is not None:
            key = f"\x1f{issue.id}\x1freversion"
            src = issue.reversion.source if issue.reversion is not None else None
            todo.append((R, 0, ranged(key, r, src, lo, hi), r))
        if any(col is not None for _, _, col, _ in todo):
            plan[issue.id] = todo
            out[issue.id] = IssueDraws(X, S, C, AL, AH, R[0])
    if specs:
        u = np.stack([_uniforms(seed, key, draws) for key, *_ in specs])
        v_low = np.array([s[2] for s in specs])[:, None]
        v_high = np.array([s[3] for s in specs])[:, None]
        v_mode = np.clip(np.array([s[1] for s in specs])[:, None], v_low, v_high)
        values = triangular_ppf(u, v_low, v_mode, v_high)
        clip_lo = np.array([s[4] for s in specs])[:, None]
        clip_hi = np.array([s[5] for s in specs])[:, None]
        values = np.clip(values, clip_lo, clip_hi)
    else:
        values = np.empty((0, draws))
    for todo in plan.values():
        for target, row, col, value in todo:
            target[row] = value if col is None else values[col]
    return out


def _interval(lo: float, hi: float, lo_open: bool, hi_open: bool, lower: float, upper: float) -> str:
    """``[75, 100]`` / ``(0, 50)``: an acceptance interval clipped to the scale, with its open ends."""
    a, b = max(lo, lower), min(hi, upper)
    left = "(" if lo_open and lo >= lower else "["
    right = ")" if hi_open and hi <= upper else "]"
    if b < a or (a == b and (left == "(" or right == ")")):
        return "nothing"
    return f"{left}{a:g}, {b:g}{right}"


def veto_mask(data: IssueData) -> npt.NDArray[np.bool_]:
    """The issue's veto players as a boolean mask (all ``False`` when there is none)."""
    if data.vetoes is None:
        return np.zeros(len(data.actor_ids), dtype=bool)
    return np.asarray(data.vetoes, dtype=bool)


def setter_mask(
    data: IssueData,
    setter: str | None,
    capabilities: FloatArray | None = None,
    saliences: FloatArray | None = None,
) -> npt.NDArray[np.bool_]:
    """The agenda setter as a one-hot mask over the actors (``(actors,)``, or ``(actors, ...)`` for arrays of
    draws): ``setter`` where it has a stance, else the veto player (or, without one, the actor) with the
    largest capability x salience, ties to the smallest actor id (so permuting the actors changes nothing).
    ``capabilities`` and ``saliences`` (``(actors, ...)``) default to the scenario's values."""
    ids = data.actor_ids
    n = len(ids)
    if setter is not None and setter in ids:
        shape = (n,) if capabilities is None else np.shape(capabilities)
        mask = np.zeros(shape, dtype=bool)
        mask[ids.index(setter)] = True
        return mask
    c = data.capabilities if capabilities is None else np.asarray(capabilities, dtype=np.float64)
    s = data.saliences if saliences is None else np.asarray(saliences, dtype=np.float64)
    w = np.nan_to_num(c * s, nan=0.0)
    vetoes = veto_mask(data)
    pool = vetoes if vetoes.any() else np.ones(n, dtype=bool)
    order = sorted(range(n), key=lambda j: ids[j])  # candidates by id: argmax takes the first of equals
    cand = np.where(pool.reshape((n,) + (1,) * (w.ndim - 1)), w, -np.inf)[order]
    pick = np.asarray(order)[np.argmax(cand, axis=0)]
    mask = np.zeros(w.shape, dtype=bool)
    np.put_along_axis(mask, np.expand_dims(pick, 0), True, axis=0)
    return mask


def solve_issue(
    params: dict[str, Any],
    data: IssueData,
    positions: FloatArray,
    saliences: FloatArray,
    capabilities: FloatArray,
    accept_low: FloatArray,
    accept_high: FloatArray,
    reversion: FloatArray,
) -> tuple[FloatArray, FloatArray] | None:
    """The realised outcome and whether the set is non-empty, for inputs ``(actors, ...)``/``(...)``.

    The outcome is the rule's inside the agreement set, else the reversion; ``nonempty`` is 1.0 or 0.0.
    ``data`` gives the issue (scale) and the veto players; the agenda setter is chosen per draw (the
    ``setter`` parameter, else the veto player with the largest capability x salience). ``None`` when the
    issue has veto players but no reversion (nothing can be said). Used for the model's own draws and,
    draw by draw, for a sweep's (:mod:`peninsula.simulate.batch`).
    """
    vetoes = veto_mask(data)
    r = np.asarray(reversion, dtype=np.float64)
    if vetoes.any() and bool(np.all(np.isnan(r))):
        return None
    issue = data.issue
    m = params["min_move"]
    w = agreement_set(positions, r, accept_low, accept_high, vetoes, issue.lower, issue.upper, m)
    mask = setter_mask(data, params["setter"], capabilities, saliences)
    out = outcome_in_set(
        params["rule"], positions, saliences, capabilities, r, accept_low, accept_high, vetoes, mask, w
    )
    realised = np.where(w.nonempty, out, r)
    return np.asarray(realised, dtype=np.float64), np.asarray(w.nonempty, dtype=np.float64)


class Agreement(Model):
    """Agreement set of the veto players; no agreement (the reversion) when it is empty.

    See the module docstring and ``docs/models/agreement.md``. ``p_agreement`` comes from ``draws`` draws
    over the scenario's sourced ranges with a fixed ``seed`` (both reported in ``params``); the model is
    deterministic and ignores ``rng``.

    Examples
    --------
    The U.S. accepts no first stage below 75, the DPRK (by the single-peaked default, reversion 0) nothing
    at or above 50: no agreement, and the forecast is the reversion.

    >>> from peninsula.core import Actor, Issue, Reversion, Scenario, Stance
    >>> s = Scenario(id="hanoi", actors=[Actor(id="US", capability=1.0), Actor(id="DPRK", capability=1.0)],
    ...     issues=[Issue(id="denuc", reversion=Reversion(value=0, label="no agreement"))],
    ...     stances=[Stance(actor="US", issue="denuc", position=100, salience=1, veto=True, accept_low=75),
    ...              Stance(actor="DPRK", issue="denuc", position=25, salience=1, veto=True)])
    >>> r = Agreement().run(s).issues["denuc"]
    >>> r.extra["p_agreement"], r.extra["agreement_set"], r.outcome
    (0.0, None, 0.0)
    """

    info: ClassVar[ModelInfo] = ModelInfo(
        "agreement",
        "Agreement set of the veto players (deal or no deal)",
        "Romer & Rosenthal (1978), Public Choice 33(4); Tsebelis (2002), Veto Players (Princeton UP); "
        "Nash (1950), Econometrica 18(2); Achen (2006), ch. 10 in The European Union Decides",
        deterministic=True,
        order_dependent=False,
        multi_issue=False,
        uses_status_quo=True,
        iterative=False,
        represents_no_agreement=True,
    )

    def __init__(
        self,
        *,
        rule: Annotated[
            Literal["compromise", "nash", "setter"],
            Field(description="outcome inside the agreement set: compromise (c x s weighted mean projected "
                              "onto the set), nash (Nash bargaining among the veto players) or setter "
                              "(the agenda setter's best point)"),
        ] = "compromise",
        setter: Annotated[
            str | None,
            Field(description="agenda setter's actor id for rule=setter (default: the veto player with the "
                              "largest capability x salience)"),
        ] = None,
        draws: Annotated[
            int,
            Field(
                ge=0,
                le=MAX_DRAWS,
                description="draws over the sourced ranges behind p_agreement (0: the scenario's values)",
            ),
        ] = DEFAULT_DRAWS,
        seed: Annotated[
            int, Field(ge=0, le=MAX_DRAW_SEED, description="seed of those draws (0 .. 2^32 - 1)")
        ] = DEFAULT_SEED,
        min_move: Annotated[
            float,
            Field(
                ge=0.0,
                le=1.0,
                description="minimal move, as a share of the issue's span: outcomes nearer the reversion "
                "are no deal (a coded judgement, 0.05; range 0.025-0.10; 0 counts any move)",
            ),
        ] = MIN_MOVE,
    ) -> None:
        self.rule = rule
        self.setter = setter
        self.draws = draws
        self.seed = seed
        self.min_move = min_move

    def run(self, scenario: Scenario, *, rounds: int | None = None, rng: RNGLike = None) -> ModelRun:
        """Forecast every issue: agreement set, ``p_agreement``, outcome (``rounds`` and ``rng`` unused)."""
        params = self.validate_params(self.get_params())
        drawn = draw_inputs(scenario, params["draws"], params["seed"]) if params["draws"] > 0 else {}
        issues: dict[str, IssueResult] = {}
        for issue_id in scenario.issue_ids:
            data = scenario.issue_data(issue_id)
            if len(data.actor_ids) == 0:
                issues[issue_id] = IssueResult(
                    issue_id, None, [], notes=["no actor has a stance on this issue"]
                )
                continue
            issues[issue_id] = self._issue(data, drawn.get(issue_id), params)
        return ModelRun(self.info.name, params, issues)

    # -- one issue -----------------------------------------------------------------------------------
    def _issue(self, data: IssueData, d: IssueDraws | None, params: dict[str, Any]) -> IssueResult:
        issue = data.issue
        rule = params["rule"]
        vetoes = veto_mask(data)
        veto_ids = [a for a, v in zip(data.actor_ids, vetoes.tolist(), strict=True) if v]
        positions = dict(zip(data.actor_ids, data.positions.tolist(), strict=True))
        r = issue.reversion_value
        label = issue.reversion.label if issue.reversion is not None else ""
        extra: dict[str, Any] = {
            "p_agreement": None,
            "p_agreement_se": None,
            "agreement_set": None,
            "outcome_if_agreement": None,
            "reversion": r,
            "reversion_label": label,
            "veto_players": veto_ids,
            "rule": rule,
            "min_move": float(params["min_move"]) * (issue.upper - issue.lower),
        }
        notes: list[str] = []
        if rule == "setter":
            mask = setter_mask(data, params["setter"])
            extra["setter"] = data.actor_ids[int(np.argmax(mask))]
            if params["setter"] is not None and params["setter"] not in data.actor_ids:
                notes.append(
                    f"setter '{params['setter']}' has no stance on this issue: {extra['setter']} sets the "
                    "agenda"
                )
        if r is None and veto_ids:
            notes.append(NO_REVERSION)
            return IssueResult(issue.id, None, [RoundRecord(0, None, positions)], True, notes, extra)
        n = len(data.actor_ids)
        nan_n = np.full(n, np.nan)
        al = data.accept_low if data.accept_low is not None else nan_n
        ah = data.accept_high if data.accept_high is not None else nan_n
        r_base = np.array(np.nan if r is None else r)
        m = params["min_move"]
        w0 = agreement_set(data.positions, r_base, al, ah, vetoes, issue.lower, issue.upper, m)
        agreed0 = bool(w0.nonempty)
        base = solve_issue(params, data, data.positions, data.saliences, data.capabilities, al, ah, r_base)
        assert base is not None  # a reversion, or no veto player
        if agreed0:
            extra["agreement_set"] = [float(w0.low), float(w0.high)]
            extra["outcome_if_agreement"] = float(base[0])
        if d is None:  # nothing is drawn (no sourced range on the issue, or draws=0): the scenario's values
            realised, nonempty = np.atleast_1d(base[0]), np.atleast_1d(base[1])
        else:
            X, S, C = d.positions, d.saliences, d.capabilities
            res = solve_issue(params, data, X, S, C, d.accept_low, d.accept_high, d.reversion)
            assert res is not None
            realised, nonempty = res
        p = float(np.mean(nonempty))
        extra["p_agreement"] = p
        extra["p_agreement_se"] = math.sqrt(p * (1.0 - p) / realised.size) if d is not None else 0.0
        outcome: float | None = None
        if not np.all(np.isnan(realised)):
            outcome = float(np.quantile(realised[~np.isnan(realised)], 0.5, method="inverted_cdf"))
        notes += self._reasons(data, vetoes, al, ah, r, label, w0, agreed0, p, params, d)
        return IssueResult(issue.id, outcome, [RoundRecord(0, outcome, positions)], True, notes, extra)

    @staticmethod
    def _reasons(
        data: IssueData,
        vetoes: Sequence[bool] | np.ndarray[Any, np.dtype[np.bool_]],
        al: FloatArray,
        ah: FloatArray,
        r: float | None,
        label: str,
        w0: AgreementSet,
        agreed0: bool,
        p: float,
        params: dict[str, Any],
        d: IssueDraws | None,
    ) -> list[str]:
        """The reason in words: who accepts what, whether the sets overlap by at least the minimal move, who
        blocks at the scenario's values, and what p_agreement implies."""
        from peninsula.kernels.agreement import acceptance_intervals

        issue = data.issue
        rev = "none" if r is None else (f"{r:g} ({label})" if label else f"{r:g}")
        ids = [a for a, v in zip(data.actor_ids, list(vetoes), strict=True) if v]
        if not ids:
            return [
                "no veto player on this issue: no actor's acceptance is required, so every outcome on the "
                f"scale can be agreed (p_agreement 1) and the outcome is the {params['rule']} rule's"
            ]
        m = float(params["min_move"]) * (issue.upper - issue.lower)
        move = f"the minimal move {m:g} ({100 * params['min_move']:g} % of the scale)"
        r_arr = np.array(np.nan if r is None else r)
        lo, hi, lo_open, hi_open = acceptance_intervals(data.positions, r_arr, al, ah)
        accepts = "; ".join(
            f"{a} accepts "
            + _interval(
                float(lo[k]), float(hi[k]), bool(lo_open[k]), bool(hi_open[k]), issue.lower, issue.upper
            )
            for k, a in enumerate(data.actor_ids)
            if vetoes[k]
        )
        if agreed0:
            head = (
                f"agreement set [{float(w0.low):g}, {float(w0.high):g}] at the scenario's values: the "
                f"outcomes every veto player accepts rather than the reversion {rev} ({accepts}), at least "
                f"{move} from it"
            )
        else:
            bare = agreement_set(data.positions, r_arr, al, ah, np.asarray(vetoes, dtype=bool), issue.lower,
                                 issue.upper, 0.0)
            if bool(bare.nonempty):
                what = "the outcomes every veto player accepts lie within"
                how = f"{what} {move} of the reversion, which is no deal"
            elif len(ids) == 1:
                how = "the only veto player accepts no outcome but the reversion"
            else:
                how = "the veto players' acceptable outcomes do not overlap"
            head = (
                f"no agreement at the scenario's values: {how} ({accepts}); without agreement the outcome is "
                f"the reversion {rev}"
            )
        notes = [head]
        # a veto player that alone blocks every deal at its coded values: in the draws it may not
        for k, a in enumerate(data.actor_ids):
            one = np.zeros(len(data.actor_ids), dtype=bool)
            one[k] = True
            args = (issue.lower, issue.upper, params["min_move"])
            if not vetoes[k] or bool(agreement_set(data.positions, r_arr, al, ah, one, *args).nonempty):
                continue
            if d is None:
                notes.append(f"{a} alone blocks every deal: it accepts no move as large as {move}")
                continue
            alone = agreement_set(d.positions, d.reversion, d.accept_low, d.accept_high, one, *args)
            xs, share = d.positions[k], float(np.mean(alone.nonempty))
            notes.append(
                f"{a} sits at or near the reversion: at its coded values it accepts no move as large as "
                f"{move}, but over the sourced ranges (its position drawn in [{float(xs.min()):.3g}, "
                f"{float(xs.max()):.3g}]) it accepts one in {share:.1%} of the draws; p_agreement counts the "
                "draws in which every veto player does"
            )
        source = (
            f"over {params['draws']} draws from the sourced ranges (seed {params['seed']})"
            if d is not None
            else "at the scenario's values (no sourced range on this issue, or draws=0)"
        )
        tail = (
            f"p_agreement {p:.3f} {source}, the share with an outcome every veto player accepts at least "
            f"{move} from the reversion: "
            + (
                "below one half, so the forecast is the reversion"
                if p < 0.5
                else "at least one half, so the forecast is the median over the agreed outcomes and the "
                "reversion"
            )
        )
        notes.append(tail)
        return notes
