"""Run a model on many drawn scenarios at once: (draws x actors x issues) arrays in, outcomes out.

The baselines (``compromise``, ``mean``, ``median``, ``median-actor``), both EU models and the exchange
family run inside compiled loops over draws (:mod:`peninsula.simulate._compiled`) that repeat, per draw,
what the model does for one scenario; ``consensus`` and ``nash`` run their formulas over every draw of an
issue at once (:meth:`~peninsula.models.consensus.Consensus.combine_rows`,
:func:`~peninsula.kernels.nash.nash_bargaining_rows`). Any other model (one registered later) runs draw
by draw through its own :meth:`~peninsula.models.Model.run` on a scenario rebuilt from the draw: slower,
never different. ``tests/simulate`` checks every batch path against that loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from peninsula.core import ParameterError, Scenario
from peninsula.core.rng import keyed_seed
from peninsula.kernels._threads import pool
from peninsula.models.agreement import Agreement, solve_issue
from peninsula.models.base import Model
from peninsula.models.baselines import Compromise, Mean, Median, MedianActor
from peninsula.models.consensus import Consensus
from peninsula.models.eu import ExpectedUtility, ExpectedUtilityMasad
from peninsula.models.exchange import Exchange, ExchangeClean, ExchangeRandom
from peninsula.models.nash import Nash
from peninsula.scenarios.cohesion import ALLIES, cohesion_from_sums, gap_and_weight, has_allies
from peninsula.simulate.perturb import MODEL_STREAM, InputSpace

FloatArray = npt.NDArray[np.float64]

__all__ = ["BatchResult", "batch_cohesion", "is_vectorised", "run_model", "scenario_for_draw"]

_BASELINES: dict[type[Model], int] = {Compromise: 0, Mean: 1, Median: 2, MedianActor: 3}
_EXCHANGES = (Exchange, ExchangeClean, ExchangeRandom)
_VECTORISED = (ExpectedUtility, ExpectedUtilityMasad, Consensus, Nash, Agreement, *_EXCHANGES)


@dataclass(frozen=True)
class BatchResult:
    """One model's results over a batch of draws.

    Attributes
    ----------
    outcomes:
        ``(draws, issues)`` forecast per draw and issue on the issue's own scale; NaN = no forecast.
    positions:
        ``(draws, actors, issues)`` positions after the model's last round (the inputs for one-shot
        models), NaN where an actor has no stance.
    agreed:
        ``(draws, issues)`` 1 where the draw's agreement set is non-empty, 0 where it is empty, NaN where
        the model cannot say (``None`` for models that cannot represent no agreement).
    """

    outcomes: FloatArray
    positions: FloatArray
    agreed: FloatArray | None = None


def is_vectorised(model: Model) -> bool:
    """``True`` if ``model`` runs in a compiled loop over draws (else draw by draw)."""
    return type(model) in _BASELINES or type(model) in _VECTORISED


def run_model(
    model: Model,
    scenario: Scenario,
    space: InputSpace,
    X: FloatArray,
    S: FloatArray,
    C: FloatArray,
    *,
    values: FloatArray,
    rounds: int | None,
    seed: int,
    start: int,
    threads: int = 1,
    streams: npt.NDArray[np.int64] | None = None,
) -> BatchResult:
    """Run ``model`` on draws ``start..start+len(X)−1`` given as ``(draws, actors, issues)`` arrays.

    ``X``, ``S``, ``C`` hold positions (issue scale), saliences (0–1) and the capability that applies to each
    stance, NaN where there is none (:meth:`InputSpace.arrays` of ``values``, the ``(draws, n_inputs)``
    input values); ``seed`` and the draw index key a stochastic model's randomness. ``threads`` > 1 splits
    the draws of the compiled loops over that many threads (they release the GIL); every draw is computed
    alone, so the result does not depend on it. ``streams`` overrides the draw indices that key a stochastic
    model's randomness (default ``start, start + 1, ...``; sensitivity analysis gives every row the same
    one, so that rows differ by their inputs only).
    """
    D = X.shape[0]
    ids = np.arange(start, start + D, dtype=np.int64) if streams is None else np.asarray(streams, np.int64)
    params = model.validate_params(model.get_params())
    n_rounds = model.default_rounds if rounds is None else rounds
    if n_rounds < 0:
        raise ParameterError(f"rounds must be >= 0, not {n_rounds}")
    kind = type(model)
    if kind in _BASELINES:
        return _baseline(_BASELINES[kind], space, X, S, C, threads)
    if kind is ExpectedUtility or kind is ExpectedUtilityMasad:
        return _eu(kind is ExpectedUtilityMasad, params, n_rounds, space, X, S, C, threads)
    if kind is Consensus:
        return _consensus(params, scenario, space, X, S, C, values)
    if kind is Nash:
        return _nash(params["weights"] == "capability_salience", scenario, space, X, S, C)
    if kind in _EXCHANGES:
        return _exchange(model, params, n_rounds, space, X, S, C, seed, ids, threads)
    if kind is Agreement:
        return _agreement(params, scenario, space, X, S, C, values)
    return _loop(model, scenario, space, values, X, rounds, seed, ids)


def _split(fn: Callable[..., Any], threads: int, arrays: tuple[Any, ...], *rest: Any) -> Any:
    """``fn(*arrays, *rest)`` with the leading axis of ``arrays`` cut into ``threads`` blocks run in threads.

    ``fn`` (a compiled loop) is loaded or compiled first, with the same "compiling" notice as a forecast's
    kernels (:func:`peninsula.kernels._notice.prepare`). It returns an array or a tuple of arrays with the
    same leading axis; blocks are concatenated in order.
    """
    from peninsula.kernels._notice import prepare

    prepare("the sweep's compiled loops", fn, *arrays, *rest)  # load or compile now, with the notice
    n = len(arrays[0])
    if threads <= 1 or n < 2 * threads:
        return fn(*arrays, *rest)
    cuts = np.linspace(0, n, threads + 1).astype(int)
    parts = list(
        pool(threads).map(lambda k: fn(*(a[cuts[k] : cuts[k + 1]] for a in arrays), *rest), range(threads))
    )
    if isinstance(parts[0], tuple):
        return tuple(np.concatenate([p[j] for p in parts]) for j in range(len(parts[0])))
    return np.concatenate(parts)


def _columns(orders: list[list[int]]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """``(cols, ptr)``: issue ``i``'s actors ``orders[i]`` as ``cols[ptr[i]:ptr[i + 1]]`` (the fused loops'
    index arrays)."""
    ptr = np.zeros(len(orders) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(o) for o in orders])
    cols = np.array([a for o in orders for a in o], dtype=np.int64)
    return cols, ptr


def _present(space: InputSpace, i: int) -> list[int]:
    return np.flatnonzero(space.present[:, i]).tolist()


def _baseline(
    kind: int, space: InputSpace, X: FloatArray, S: FloatArray, C: FloatArray, threads: int = 1
) -> BatchResult:
    """A baseline on every issue and draw in one compiled call (:func:`_compiled.baseline_issues`)."""
    from peninsula.simulate import _compiled

    cols, ptr = _columns([_present(space, i) for i in range(len(space.issue_ids))])
    arrays = tuple(np.ascontiguousarray(A) for A in (X, S, C))
    out = _split(_compiled.baseline_issues, threads, arrays, cols, ptr, kind)
    return BatchResult(out, X)


def _consensus(
    params: dict[str, Any],
    scenario: Scenario,
    space: InputSpace,
    X: FloatArray,
    S: FloatArray,
    C: FloatArray,
    values: FloatArray,
) -> BatchResult:
    """:class:`Consensus` on every draw: per issue, :meth:`Consensus.combine_rows` over the draws; with
    ``agreement``, on an issue with veto players and a reversion, projected onto each draw's agreement set or
    the reversion where it is empty (the sweep's draws replace the model's own, as for ``agreement``)."""
    from peninsula.kernels.agreement import agreement_set
    from peninsula.models.agreement import veto_mask

    lam = float(params["position_weight"])
    D, _, n_iss = X.shape
    out = np.full((D, n_iss), np.nan)
    agreed: FloatArray | None = None
    AL, AH, R = space.agreement_arrays(values) if params["agreement"] else (None, None, None)
    for i, iid in enumerate(space.issue_ids):
        idx = np.flatnonzero(space.present[:, i]).tolist()
        if not idx:
            continue
        f, comp = Consensus.combine_rows(X[:, idx, i], S[:, idx, i], C[:, idx, i], lam)
        out[:, i] = f
        if AL is None or AH is None or R is None:
            continue
        data = scenario.issue_data(iid)
        vetoes = veto_mask(data)
        if not vetoes.any() or np.all(np.isnan(R[:, i])):
            continue
        lower, upper = data.issue.lower, data.issue.upper
        w = agreement_set(X[:, idx, i].T, R[:, i], AL[:, idx, i].T, AH[:, idx, i].T, vetoes, lower, upper)
        inside = np.clip(np.where(np.isnan(f), comp, f), w.low, w.high)
        out[:, i] = np.where(w.nonempty, inside, R[:, i])
        if agreed is None:
            agreed = np.full((D, n_iss), np.nan)
        agreed[:, i] = w.nonempty
    return BatchResult(out, X, agreed)


def _nash(
    with_salience: bool, scenario: Scenario, space: InputSpace, X: FloatArray, S: FloatArray, C: FloatArray
) -> BatchResult:
    """:class:`Nash` on every draw: per issue with a status quo, ``nash_bargaining_rows`` over the draws."""
    from peninsula.kernels.nash import nash_bargaining_rows

    D, _, n_iss = X.shape
    out = np.full((D, n_iss), np.nan)
    for i, iid in enumerate(space.issue_ids):
        idx = np.flatnonzero(space.present[:, i]).tolist()
        q = space.status_quo[i]
        if not idx or q is None:
            continue
        x, s, c = X[:, idx, i], S[:, idx, i], C[:, idx, i]
        w = c * s if with_salience else c
        out[:, i] = nash_bargaining_rows(x, s, w, q, scenario.issue_data(iid).vetoes)[0]
    return BatchResult(out, X)


def _eu(
    masad: bool,
    params: dict[str, Any],
    rounds: int,
    space: InputSpace,
    X: FloatArray,
    S: FloatArray,
    C: FloatArray,
    threads: int,
) -> BatchResult:
    """``eu`` or ``eu-masad`` on every issue and draw in one compiled call (:func:`_compiled.eu_issues`,
    :func:`_compiled.masad_issues`), the draws split over ``threads``."""
    from peninsula.simulate import _compiled

    n_iss = len(space.issue_ids)
    Q, T = float(params["Q"]), float(params["T"])
    orders: list[list[int]] = []
    delta = np.zeros(n_iss)
    for i in range(n_iss):
        idx = _present(space, i)
        span = float(space.upper[i] - space.lower[i])
        if masad:
            orders.append(idx)  # the replication's list order
            if not idx:
                continue
            x = X[:, idx, i]
            delta[i] = span if params["delta"] is None else float(params["delta"])
            spread = float(np.max(x.max(axis=1) - x.min(axis=1)))
            if delta[i] < spread or (delta[i] <= 0 and spread > 0):
                raise ParameterError(
                    f"delta ({delta[i]:g}) must be positive and at least the positions' range ({spread:g}) "
                    f"on issue '{space.issue_ids[i]}' in some draw"
                )
        else:
            orders.append(sorted(idx, key=lambda a: space.actor_ids[a]))  # the model's order (by id)
            delta[i] = span
    if not masad and params["probability"] not in ("paper", "replication"):
        raise ParameterError(
            f"parameter 'probability': {params['probability']!r} is not 'paper' or 'replication'"
        )
    cols, ptr = _columns(orders)
    arrays = tuple(np.ascontiguousarray(A) for A in (X, S, C))
    if masad:
        out, final = _split(_compiled.masad_issues, threads, arrays, cols, ptr, delta, rounds, Q, T)
    else:
        out, final = _split(
            _compiled.eu_issues,
            threads,
            arrays,
            cols,
            ptr,
            delta,
            rounds,
            Q,
            T,
            float(params["tol"]),
            params["probability"] == "paper",
            ExpectedUtility.tie_rtol,
        )
    return BatchResult(out, final)


def _exchange(
    model: Model,
    params: dict[str, Any],
    rounds: int,
    space: InputSpace,
    X: FloatArray,
    S: FloatArray,
    C: FloatArray,
    seed: int,
    ids: npt.NDArray[np.int64],
    threads: int,
) -> BatchResult:
    from peninsula.kernels._pcg import spawned_integers
    from peninsula.simulate import _compiled
    from peninsula.simulate.perturb import draw_generator

    fw, sw = float(params["fixed_weight"]), float(params["salience_weight"])
    if fw + sw > 1.0 + 1e-12:
        raise ParameterError(f"fixed_weight + salience_weight must be <= 1 (got {fw} + {sw})")
    assert isinstance(model, Exchange)
    p = model._p(params)
    D = X.shape[0]
    if model.info.deterministic:
        seeds = np.zeros(D, dtype=np.uint64)
    elif seed >= 0 and (D == 0 or (int(ids.min()) >= 0 and int(ids.max()) <= 0xFFFFFFFF)):
        # as Exchange.run: one integer from the draw's model stream, for every draw at once (the same numbers)
        seeds = spawned_integers(seed, ids, MODEL_STREAM, 2**63 - 1)
    else:
        seeds = np.array(
            [int(draw_generator(seed, int(d), MODEL_STREAM).integers(0, 2**63 - 1)) for d in ids.tolist()],
            dtype=np.uint64,
        )
    span = space.upper - space.lower
    factor = np.where(span > 0, 100.0 / np.where(span > 0, span, 1.0), 1.0)
    X100 = np.ascontiguousarray((X - space.lower) * factor)
    s = np.ascontiguousarray(np.nan_to_num(S, nan=0.0))
    c = np.ascontiguousarray(np.nan_to_num(C, nan=0.0))
    prefs = _split(
        _compiled.exchange_draws,
        threads,
        (X100, s, c, seeds),
        fw,
        sw,
        p,
        rounds,
        model._tie_mode,
        int(model._clean),
    )
    # weighted_outcomes of every draw at once (the same sums, actor by actor); NaN where the weights sum to
    # zero (Exchange.run: no outcome)
    present = ~np.isnan(prefs)
    w = np.where(present, c * s, 0.0)
    tot = w.sum(axis=1)
    num = np.where(present, w * np.nan_to_num(prefs), 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(tot > 0, num / np.where(tot > 0, tot, 1.0), np.nan)
    out = mean / factor + space.lower
    final = np.clip(prefs / factor + space.lower, space.lower, space.upper)
    return BatchResult(out, final)


def scenario_for_draw(scenario: Scenario, space: InputSpace, values: FloatArray) -> Scenario:
    """``scenario`` with one draw's input values (``(n_inputs,)``, in :attr:`InputSpace.inputs` order)."""
    cap: dict[str, float] = {}
    upd: dict[tuple[str, str], dict[str, float]] = {}
    rev: dict[str, float] = {}
    for u, v in zip(space.inputs, values.tolist(), strict=True):
        if u.field == "reversion":
            rev[str(u.issue)] = v
        elif u.issue is None:
            cap[u.actor] = v
        else:
            upd.setdefault((u.actor, u.issue), {})[u.field] = v
    actors = tuple(
        a.model_copy(update={"capability": cap[a.id]}) if a.id in cap else a for a in scenario.actors
    )
    stances = tuple(st.model_copy(update=upd.get((st.actor, st.issue), {})) for st in scenario.stances)
    issues = tuple(
        i.model_copy(update={"reversion": i.reversion.model_copy(update={"value": rev[i.id]})})
        if i.id in rev and i.reversion is not None
        else i
        for i in scenario.issues
    )
    return scenario.model_copy(update={"actors": actors, "stances": stances, "issues": issues})


def _agreement(
    params: dict[str, Any],
    scenario: Scenario,
    space: InputSpace,
    X: FloatArray,
    S: FloatArray,
    C: FloatArray,
    values: FloatArray,
) -> BatchResult:
    """The agreement model on every draw at once: each draw is one realisation of the inputs, so the set
    and the outcome are those at the draw's values (the model's own ``draws`` are not used: a sweep's
    draws take their place, and its ``p_agreement`` is the share of draws with a non-empty set)."""
    AL, AH, R = space.agreement_arrays(values)
    D = X.shape[0]
    out = np.full((D, len(space.issue_ids)), np.nan)
    agreed = np.full((D, len(space.issue_ids)), np.nan)
    for i, iid in enumerate(space.issue_ids):
        rows = np.flatnonzero(space.present[:, i])
        if rows.size == 0:
            continue
        data = scenario.issue_data(iid)
        res = solve_issue(
            params,
            data,
            X[:, rows, i].T,
            S[:, rows, i].T,
            C[:, rows, i].T,
            AL[:, rows, i].T,
            AH[:, rows, i].T,
            R[:, i],
        )
        if res is None:
            continue
        realised, nonempty = res
        out[:, i] = realised
        agreed[:, i] = nonempty
    return BatchResult(out, X, agreed)


def _loop(
    model: Model,
    scenario: Scenario,
    space: InputSpace,
    values: FloatArray,
    X: FloatArray,
    rounds: int | None,
    seed: int,
    ids: npt.NDArray[np.int64],
) -> BatchResult:
    D = X.shape[0]
    out = np.full((D, len(space.issue_ids)), np.nan)
    final = np.array(X, copy=True)
    a_index = {a: k for k, a in enumerate(space.actor_ids)}
    for k in range(D):
        sc = scenario_for_draw(scenario, space, values[k])
        rng = keyed_seed(seed, int(ids[k]), MODEL_STREAM)
        run = model.run(sc, rounds=rounds, rng=rng)
        for i, iid in enumerate(space.issue_ids):
            res = run.issues.get(iid)
            if res is None:
                continue
            out[k, i] = np.nan if res.outcome is None else res.outcome
            if res.rounds:
                for a, x in res.rounds[-1].positions.items():
                    final[k, a_index[a], i] = x
    return BatchResult(out, final)


def batch_cohesion(
    scenario: Scenario,
    space: InputSpace,
    positions: FloatArray,
    saliences: FloatArray,
    allies: tuple[str, str] = ALLIES,
) -> FloatArray | None:
    """Alliance cohesion per draw (:func:`peninsula.scenarios.cohesion`'s definition), or ``None``.

    ``positions`` and ``saliences`` are ``(draws, actors, issues)``; the issues counted are those where both
    allies hold a stance; each gap is normalised by its scale and weighted by the allies' mean salience in
    that draw. ``None`` when the scenario has no such pair; NaN in a draw where the weights sum to zero.
    """
    if not has_allies(scenario, allies):
        return None
    a, b = (space.actor_ids.index(x) for x in allies)
    shared = space.present[a] & space.present[b]
    d, w = gap_and_weight(
        positions[:, a, :],
        positions[:, b, :],
        saliences[:, a, :],
        saliences[:, b, :],
        space.upper - space.lower,
    )
    d = np.where(shared, d, 0.0)
    w = np.where(shared, w, 0.0)
    return np.asarray(cohesion_from_sums((w * d).sum(axis=1), w.sum(axis=1)), dtype=np.float64)
