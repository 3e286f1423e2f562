"""Kernels of the expected-utility ("predictioneer") model of Bueno de Mesquita.

Pure, vectorised array functions shared by the ``eu`` and ``eu-masad`` models. The formulas follow
Scholz, Calbert & Smith (2011), "Unravelling Bueno de Mesquita's group decision model", *Journal of
Theoretical Politics* 23(4):510–531 ([SCS2011]), as restated in ``docs/models/eu.md``; where the public
replication by D. Masad (github dmasad/BDM_DecisionModel_Replication, 2014; [Masad2014]) computes something
else, a keyword selects either form.

Every function accepts an optional leading batch axis: ``positions`` of shape ``(..., n)`` (draws x actors)
give pairwise arrays of shape ``(..., n, n)``, indexed ``[..., i, j]``. Positions are on the issue's own
scale; ``delta`` is a length on that scale; saliences are on 0–1; capabilities and weights are on any ratio
scale >= 0 (only ratios matter).

The pairwise vote sums (who supports ``i`` against ``j``) only depend on which side of ``x_i``, ``x_j``
and their midpoint each third actor stands. With positions sorted and prefix sums of ``w`` and ``w·x``,
each pair costs ``O(log n)``: ``O(n² log n)`` time and ``O(n²)`` memory per round instead of ``O(n³)``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from peninsula.kernels import _cold, central
from peninsula.kernels._notice import kernel_clock
from peninsula.kernels._threads import default_threads, pool

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

#: Codes of a receiver's response in :func:`respond_to_offers`.
NO_MOVE, CONFLICT, COMPROMISE, CAPITULATION = 0, 1, 2, 3
KIND_NAMES = {CONFLICT: "conflict", COMPROMISE: "compromise", CAPITULATION: "capitulation"}

__all__ = [
    "CAPITULATION",
    "COMPROMISE",
    "CONFLICT",
    "KIND_NAMES",
    "NO_MOVE",
    "STREAM_ACTORS",
    "BatchRun",
    "PairSums",
    "RoundResult",
    "StreamedRound",
    "Utilities",
    "choose_offers",
    "condorcet_winner",
    "condorcet_winner_streamed",
    "eu_round",
    "eu_round_streamed",
    "expected_utilities",
    "fast_round_available",
    "masad_vote",
    "masad_vote_streamed",
    "pair_sums",
    "pair_sums_fast",
    "respond_to_offers",
    "risk_exponents",
    "run_batch",
    "stream_available",
    "target_attractiveness",
    "utilities",
    "weighted_median_rows",
    "win_probabilities",
]


@dataclass(frozen=True)
class PairSums:
    """Weighted pairwise vote sums over all actors ``k`` (the two contenders included).

    With ``g_k(i, j) = |x_k − x_j| − |x_k − x_i|`` (how much closer ``k`` is to ``i`` than to ``j``, in
    position units) and ``w_k = c_k·s_k``:

    Attributes
    ----------
    margin:
        ``Σ_k w_k g_k(i, j)``: the net vote for ``i`` over ``j`` (antisymmetric), weight x position units.
    support:
        ``Σ_k w_k max(0, g_k(i, j))``: the votes for ``i`` against ``j`` only ([SCS2011]'s numerator).
    total:
        ``Σ_k w_k |g_k(i, j)|``: every vote cast in the contest (symmetric; ``support_ij + support_ji``).
    """

    margin: FloatArray
    support: FloatArray
    total: FloatArray


def _count_le(sorted_values: FloatArray, queries: FloatArray) -> IntArray:
    """Per batch row, how many of ``sorted_values[..., :]`` are <= each of ``queries[..., :]``."""
    if sorted_values.ndim == 1:
        return np.searchsorted(sorted_values, queries, side="right").astype(np.intp)
    n = sorted_values.shape[-1]
    q = queries.shape[-1]
    batch = sorted_values.shape[:-1]
    flat_v = sorted_values.reshape(-1, n)
    flat_q = queries.reshape(-1, q)
    # A stable sort of [values, queries] puts every value before an equal query, so the number of values
    # sorted before a query is the number of values <= it.
    perm = np.argsort(np.concatenate([flat_v, flat_q], axis=-1), axis=-1, kind="stable")
    is_value = perm < n
    values_before = np.cumsum(is_value, axis=-1)
    rows = flat_v.shape[0]
    q_idx = perm[~is_value].reshape(rows, q) - n
    counts = values_before[~is_value].reshape(rows, q)
    out = np.empty((rows, q), dtype=np.intp)
    np.put_along_axis(out, q_idx, counts, axis=-1)
    return out.reshape(*batch, q)


def _gather(table: FloatArray, idx: IntArray) -> FloatArray:
    """``table[..., idx[..., i, j]]`` for a per-row lookup table of shape ``(..., m)``."""
    if table.ndim == 1:  # fast path: plain fancy indexing
        return np.asarray(table[idx], dtype=np.float64)
    shape = idx.shape
    flat = idx.reshape(*shape[:-2], shape[-2] * shape[-1])
    return np.take_along_axis(table, flat, axis=-1).reshape(shape)


def pair_sums(positions: FloatArray, weights: FloatArray) -> PairSums:
    """Weighted vote sums for every ordered pair of actors, in ``O(n² log n)``.

    Parameters
    ----------
    positions:
        ``(..., n)`` positions on the issue's scale.
    weights:
        ``(..., n)`` vote weights ``c·s`` (>= 0).

    Returns
    -------
    PairSums
        ``(..., n, n)`` arrays; see :class:`PairSums`. For ``lo < hi`` the actors ``k`` at or left of
        ``lo`` give ``hi − lo`` to ``lo``, those at or right of ``hi`` give it to ``hi``, and those strictly
        between give ``lo + hi − 2 x_k`` (positive left of the midpoint), so prefix sums of ``w`` and
        ``w·x`` over the sorted positions give every sum in closed form.

    Examples
    --------
    >>> s = pair_sums(np.array([0.0, 1.0, 4.0]), np.array([1.0, 1.0, 1.0]))
    >>> s.margin[0, 2], s.support[0, 2], s.total[0, 2]
    (np.float64(2.0), np.float64(6.0), np.float64(10.0))
    """
    x = np.asarray(positions, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    order = np.argsort(x, axis=-1, kind="stable")
    if x.ndim == 1:
        y, wy = x[order], w[order]
    else:
        y = np.take_along_axis(x, order, axis=-1)
        wy = np.take_along_axis(w, order, axis=-1)
    centre = y[..., :1]  # centring keeps the prefix sums of w·x small (less cancellation)
    zeros = np.zeros((*x.shape[:-1], 1))
    cum_w = np.concatenate([zeros, np.cumsum(wy, axis=-1)], axis=-1)
    cum_wx = np.concatenate([zeros, np.cumsum(wy * (y - centre), axis=-1)], axis=-1)
    total_w = cum_w[..., -1:, None]

    xi = x[..., :, None]
    xj = x[..., None, :]
    i_left = xi < xj
    lo = np.minimum(xi, xj)
    hi = np.maximum(xi, xj)
    span = hi - lo
    mid_c = 0.5 * (lo + hi) - centre[..., None]  # midpoints, centred like cum_wx

    le_own = _count_le(y, x)  # actors at or left of each actor's position
    lt_own = _count_lt(y, x)  # actors strictly left of it
    n_le_lo = np.where(i_left, le_own[..., :, None], le_own[..., None, :])
    n_lt_hi = np.where(i_left, lt_own[..., None, :], lt_own[..., :, None])
    mid = 0.5 * (lo + hi)
    n_le_mid = _count_le(y, mid.reshape(*x.shape[:-1], -1)).reshape(span.shape)
    n_le_mid = np.clip(n_le_mid, n_le_lo, np.maximum(n_lt_hi, n_le_lo))

    w_le_lo = _gather(cum_w, n_le_lo)
    w_le_mid = _gather(cum_w, n_le_mid)
    w_lt_hi = _gather(cum_w, n_lt_hi)
    s_le_lo = _gather(cum_wx, n_le_lo)
    s_le_mid = _gather(cum_wx, n_le_mid)
    s_lt_hi = _gather(cum_wx, n_lt_hi)

    # left half of the gap: Σ w (lo + hi − 2x) = 2 (mid·W − S) >= 0; right half: 2 (S − mid·W) >= 0
    left = np.maximum(2.0 * (mid_c * (w_le_mid - w_le_lo) - (s_le_mid - s_le_lo)), 0.0)
    right = np.maximum(2.0 * ((s_lt_hi - s_le_mid) - mid_c * (w_lt_hi - w_le_mid)), 0.0)
    sup_lo = span * w_le_lo + left
    sup_hi = span * (total_w - w_lt_hi) + right
    support = np.where(i_left, sup_lo, sup_hi)
    against = np.where(i_left, sup_hi, sup_lo)
    same = xi == xj
    support = np.where(same, 0.0, support)
    against = np.where(same, 0.0, against)
    return PairSums(margin=support - against, support=support, total=support + against)


def _count_lt(sorted_values: FloatArray, queries: FloatArray) -> IntArray:
    """Per batch row, how many of ``sorted_values`` are < each query."""
    if sorted_values.ndim == 1:
        return np.searchsorted(sorted_values, queries, side="left").astype(np.intp)
    below = sorted_values.shape[-1] - _count_le(-sorted_values[..., ::-1], -queries)
    return np.asarray(below, dtype=np.intp)


def win_probabilities(sums: PairSums, form: Literal["paper", "masad"] = "paper") -> FloatArray:
    """Probability ``P[..., i, j]`` that ``i`` prevails over ``j`` in a contest, 0–1.

    ``form="paper"``: ``Σ_k w_k max(0, g_k) / Σ_k w_k |g_k|`` ([SCS2011], the probability of success);
    ``P_ij + P_ji = 1`` wherever anyone votes. ``form="masad"``: ``max(0, Σ_k w_k g_k) / Σ_k w_k |g_k|``,
    the max taken over the whole signed sum as [Masad2014] computes it (so the weaker side gets 0).
    ``P`` is 0 where nobody votes (``total == 0``), in particular where ``x_i == x_j``.
    """
    numerator = sums.support if form == "paper" else np.maximum(sums.margin, 0.0)
    safe = np.where(sums.total > 0, sums.total, 1.0)
    return np.where(sums.total > 0, numerator / safe, 0.0)


@dataclass(frozen=True)
class Utilities:
    """Challenger ``i``'s utilities towards target ``j``, each ``(..., n, n)`` except ``status_quo``.

    ``success``/``failure``: ``U_s``/``U_f`` (i wins / loses the contest); ``better``/``worse``: ``U_b``/
    ``U_w`` (things improve / worsen for ``i`` without a contest); ``status_quo``: ``U_sq`` (``(..., n)``,
    per challenger). Unitless, in [−2, 2].
    """

    success: FloatArray
    failure: FloatArray
    better: FloatArray
    worse: FloatArray
    status_quo: FloatArray


def utilities(
    positions: FloatArray,
    risk: FloatArray,
    mu: FloatArray | float,
    delta: FloatArray | float,
    *,
    need_better_worse: bool = True,
) -> Utilities:
    """The five utilities of [SCS2011], with ``i``'s own risk exponent ``r_i``.

    With ``d = |x_i − x_j|/Δ`` and ``e = (|x_i − μ| + |x_i − x_j|)/Δ``:
    ``U_s = 2 − 4(0.5 − 0.5d)^r``, ``U_f = 2 − 4(0.5 + 0.5d)^r``, ``U_b = 2 − 4(0.5 − 0.25e)^r``,
    ``U_w = 2 − 4(0.5 + 0.25e)^r``, ``U_sq = 2 − 4·0.5^r``.

    Parameters
    ----------
    positions:
        ``(..., n)`` positions on the issue's scale.
    risk:
        ``(..., n)`` risk exponents ``r_i`` (0.5–2; 1 is risk neutral).
    mu:
        Reference position ``μ`` (the expected outcome), scalar or ``(...,)``, on the issue's scale.
    delta:
        ``Δ``, the length that normalises distances (scalar or ``(...,)``); must be >= the positions' range
        for the bases to stay >= 0.
    need_better_worse:
        If ``False``, ``U_b`` and ``U_w`` are returned as zeros (they only matter when ``Q < 1``).
    """
    x = np.asarray(positions, dtype=np.float64)
    r = np.asarray(risk, dtype=np.float64)[..., :, None]
    dlt = np.asarray(delta, dtype=np.float64)[..., None, None]
    dist = np.abs(x[..., :, None] - x[..., None, :])
    d = dist / dlt
    all_one = bool(np.all(r == 1.0))

    def u(base: FloatArray) -> FloatArray:
        base = np.maximum(base, 0.0)  # rounding can push d or e an ulp past their bounds
        return 2.0 - 4.0 * (base if all_one else np.power(base, r))

    success = u(0.5 - 0.5 * d)
    failure = u(0.5 + 0.5 * d)
    if need_better_worse:
        m = np.asarray(mu, dtype=np.float64)[..., None, None]
        e = (np.abs(x[..., :, None] - m) + dist) / dlt
        better = u(0.5 - 0.25 * e)
        worse = u(0.5 + 0.25 * e)
    else:
        better = worse = np.zeros_like(d)
    status_quo = 2.0 - 4.0 * np.power(0.5, np.asarray(risk, dtype=np.float64))
    return Utilities(success, failure, better, worse, status_quo)


def expected_utilities(
    prob: FloatArray,
    salience: FloatArray,
    u: Utilities,
    *,
    Q: float = 1.0,
    T: float = 1.0,
    sign: Literal["paper", "masad"] = "paper",
) -> FloatArray:
    """Expected utility ``EU[..., i, j]`` of ``i`` challenging ``j`` (unitless).

    ``EU = s_j [P_ij U_s + (1 − P_ij) U_f] + (1 − s_j) U_s − SQ`` where, with ``sign="paper"`` ([SCS2011]),
    ``SQ = Q·U_sq + (1 − Q)[T·U_b + (1 − T)·U_w]``, the whole expected utility of not challenging; with
    ``sign="masad"`` ([Masad2014]) only ``Q·U_sq`` is subtracted and the ``(1 − Q)`` term added. Both agree
    at ``Q = 1``. ``salience`` is ``(..., n)`` on 0–1 (``s_j``, the target's); ``Q`` and ``T`` are
    probabilities (0–1).
    """
    s = np.asarray(salience, dtype=np.float64)[..., None, :]
    usq = u.status_quo[..., :, None]
    contest = s * (prob * u.success + (1.0 - prob) * u.failure) + (1.0 - s) * u.success
    if Q == 1.0:
        return contest - Q * usq
    no_contest = T * u.better + (1.0 - T) * u.worse
    if sign == "masad":
        return contest - Q * usq + (1.0 - Q) * no_contest
    return contest - (Q * usq + (1.0 - Q) * no_contest)


def target_attractiveness(eu: FloatArray) -> FloatArray:
    """``A_j = Σ_{k≠j} EU[..., k, j]``: how much the others expect from challenging ``j``, ``(..., n)``."""
    n = eu.shape[-1]
    off = np.where(np.eye(n, dtype=bool), 0.0, eu)
    return np.asarray(off.sum(axis=-2), dtype=np.float64)


def risk_exponents(eu: FloatArray) -> tuple[FloatArray, BoolArray]:
    """Endogenous risk exponents from a risk-neutral ``EU`` matrix ([SCS2011], after BdM 1985).

    ``R_i = (2A_i − max A − min A)/(max A − min A)`` with ``A`` from :func:`target_attractiveness`, and
    ``r_i = (1 − R_i/3)/(1 + R_i/3)`` in [0.5, 2]: the most attractive target (``R = 1``) gets
    ``r = 0.5``, the least attractive (``R = −1``) ``r = 2``.

    Returns
    -------
    (r, defined)
        ``r`` of shape ``(..., n)`` and a ``(...,)`` mask, ``False`` where ``max A == min A`` (every actor
        equally attractive, e.g. all at one position): there ``r`` is 1 (risk neutral).
    """
    a = target_attractiveness(eu)
    a_max = a.max(axis=-1, keepdims=True)
    a_min = a.min(axis=-1, keepdims=True)
    spread = a_max - a_min
    defined = spread[..., 0] > 0
    safe = np.where(spread > 0, spread, 1.0)
    big_r = (2.0 * a - a_max - a_min) / safe
    r = np.where(spread > 0, (1.0 - big_r / 3.0) / (1.0 + big_r / 3.0), 1.0)
    return np.asarray(r, dtype=np.float64), np.asarray(defined)


def masad_vote(positions: FloatArray, margin: FloatArray, delta: FloatArray | float) -> FloatArray:
    """The replication's "vote" ([Masad2014]): ``x_j`` of the pair with the single largest margin.

    For every ordered pair of distinct positions ``(j, k)``, ``v(j, k) = margin[j, k]/Δ``; positions are
    taken once each in first-occurrence order, pairs in row-major order, and the first strictly largest
    ``v`` wins. Not a Condorcet winner. With a single distinct position, that position. Returns ``(...,)``.
    """
    x = np.asarray(positions, dtype=np.float64)
    n = x.shape[-1]
    if x.ndim == 1:  # fast path: the distinct positions' first occurrences, in list order
        first = np.sort(np.unique(x, return_index=True)[1])
        if first.size < 2:
            return np.asarray(x[0], dtype=np.float64)
        sub = margin[np.ix_(first, first)] / np.asarray(delta, dtype=np.float64)
        np.fill_diagonal(sub, -np.inf)
        return np.asarray(x[first[int(np.argmax(sub)) // first.size]], dtype=np.float64)
    earlier = np.tril(np.ones((n, n), dtype=bool), k=-1)  # [i, k]: k < i
    first = ~np.any((x[..., :, None] == x[..., None, :]) & earlier, axis=-1)
    ok = first[..., :, None] & first[..., None, :] & ~np.eye(n, dtype=bool)
    dlt = np.asarray(delta, dtype=np.float64)[..., None, None]
    v = np.where(ok, margin / dlt, -np.inf).reshape(*x.shape[:-1], n * n)
    best = np.argmax(v, axis=-1)
    winner = np.where(np.any(ok.reshape(v.shape), axis=-1), best // n, 0)
    return np.asarray(np.take_along_axis(x, winner[..., None], axis=-1)[..., 0], dtype=np.float64)


def condorcet_winner(positions: FloatArray, margin: FloatArray, rtol: float = 1e-12) -> FloatArray:
    """The position that beats every other distinct position in pairwise weighted votes, else NaN.

    ``margin`` is :attr:`PairSums.margin`; a margin counts as a win when above ``rtol`` times the largest
    absolute margin (so rounding noise is not a win). In one dimension with these symmetric preferences it
    is the weighted median whenever it exists. Returns ``(...,)``.
    """
    x = np.asarray(positions, dtype=np.float64)
    scale = np.max(np.abs(margin), axis=(-2, -1), keepdims=True)
    differ = x[..., :, None] != x[..., None, :]
    wins = (margin > rtol * scale) | ~differ
    beats_all = np.all(wins, axis=-1) & np.any(differ, axis=-1)
    single = ~np.any(differ, axis=(-2, -1))
    idx = np.argmax(beats_all, axis=-1)
    found = np.any(beats_all, axis=-1) | single
    val = np.take_along_axis(x, idx[..., None], axis=-1)[..., 0]
    return np.asarray(np.where(found, val, np.nan), dtype=np.float64)


def choose_offers(
    eu: FloatArray,
    positions: FloatArray,
    *,
    tie: Literal["index", "value"] = "index",
    rtol: float = 0.0,
) -> IntArray:
    """Which offer each receiver ``j`` takes up: the sender index, or −1 if none, ``(..., n)``.

    Every ``i ≠ j`` with ``EU[i, j] > 0`` sends ``j`` an offer carrying ``x_i``. Receiver ``j`` keeps the
    offers with the largest ``EU`` (within ``rtol`` relative), then the one whose position is nearest
    ``x_j``. Remaining ties go, with ``tie="index"``, to the first sender in list order ([Masad2014]); with
    ``tie="value"``, to the lower position, then the sender for whom ``j``'s counter-utility ``EU[j, i]`` is
    lowest, and only then to list order (so the choice does not depend on how actors are listed unless
    they are indistinguishable).
    """
    e = np.asarray(eu, dtype=np.float64)
    x = np.asarray(positions, dtype=np.float64)
    n = x.shape[-1]
    offered = (e > 0) & ~np.eye(n, dtype=bool)
    masked = np.where(offered, e, -np.inf)
    best = masked.max(axis=-2, keepdims=True)
    finite = np.isfinite(best)
    floor = np.where(finite, best - rtol * np.abs(np.where(finite, best, 0.0)), np.inf)
    cand = offered & (masked >= floor)
    dist = np.abs(x[..., :, None] - x[..., None, :])  # [i, j] distance of sender i's offer to x_j
    dist = np.where(cand, dist, np.inf)
    cand &= dist == dist.min(axis=-2, keepdims=True)
    if tie == "value":
        xs = np.where(cand, x[..., :, None], np.inf)
        cand &= xs == xs.min(axis=-2, keepdims=True)
        counter = np.where(cand, np.swapaxes(e, -1, -2), np.inf)
        cand &= counter == counter.min(axis=-2, keepdims=True)
    has = np.any(cand, axis=-2)
    return np.where(has, np.argmax(cand, axis=-2), -1).astype(np.intp)


def respond_to_offers(eu: FloatArray, positions: FloatArray, sender: IntArray) -> tuple[FloatArray, IntArray]:
    """Each receiver's response to the offer it took up ([SCS2011]'s conflict/compromise/capitulation).

    With ``U_j = EU[sender, j]`` (the sender's expected gain) and ``U_i = EU[j, sender]`` (the receiver's
    expected utility of challenging the sender back): ``0 < U_i < U_j`` is a conflict the receiver loses
    (it moves to the sender's position); ``U_i < 0`` and ``|U_i| < U_j`` a compromise (it moves the fraction
    ``|U_i/U_j|`` of the way); ``U_i < 0`` and ``|U_i| > U_j`` a capitulation (it moves all the way).
    Otherwise it stays. Offers carry the sender's position at the start of the round and all receivers
    respond to the same snapshot.

    Returns
    -------
    (new_positions, kind)
        ``(..., n)`` positions and response codes (:data:`NO_MOVE`, :data:`CONFLICT`, ...).
    """
    e = np.asarray(eu, dtype=np.float64)
    x = np.asarray(positions, dtype=np.float64)
    has = sender >= 0
    s = np.where(has, sender, 0)
    if x.ndim == 1:  # fast path
        cols = np.arange(x.shape[-1])
        u_j, u_i, offer = e[s, cols], e[cols, s], x[s]
    else:
        u_j = np.take_along_axis(e, s[..., None, :], axis=-2)[..., 0, :]  # EU[s_j, j]
        u_i = np.take_along_axis(e, s[..., :, None], axis=-1)[..., :, 0]  # EU[j, s_j]
        offer = np.take_along_axis(x, s, axis=-1)
    conflict = has & (u_i > 0) & (u_i < u_j)
    negative = has & (u_i < 0)
    compromise = negative & (np.abs(u_i) < u_j)
    capitulation = negative & (np.abs(u_i) > u_j)
    safe_uj = np.where(u_j != 0, u_j, 1.0)
    moved = np.where(compromise, x + (offer - x) * np.abs(u_i / safe_uj), x)
    moved = np.where(conflict | capitulation, offer, moved)
    kind = np.select([conflict, compromise, capitulation], [CONFLICT, COMPROMISE, CAPITULATION], NO_MOVE)
    return np.asarray(moved, dtype=np.float64), kind.astype(np.intp)


# -- one whole round ------------------------------------------------------------------------------------
Engine = Literal["auto", "numpy", "numba"]


@dataclass(frozen=True)
class RoundResult:
    """What one round of the model produces (``(..., n)`` arrays unless stated).

    Attributes
    ----------
    positions:
        Positions after the round, on the issue's scale.
    sender:
        Index of the offer each receiver took up (−1: none).
    kind:
        Each receiver's response code (:data:`NO_MOVE`, :data:`CONFLICT`, ...).
    risk:
        The risk exponents used in the round's second pass.
    risk_defined:
        ``(...,)``: ``False`` where every actor was an equally attractive target (``risk`` is then 1).
    eu:
        ``(..., n, n)`` the second-pass expected utilities that drove the offers.
    """

    positions: FloatArray
    sender: IntArray
    kind: IntArray
    risk: FloatArray
    risk_defined: BoolArray
    eu: FloatArray


_numba_state: dict[str, object] = {}
_LABEL = "the expected-utility kernels"
_MODULE = "peninsula.kernels._eu_numba"
#: Issues with at most this many actors run uncompiled on a cold start (see :mod:`peninsula.kernels._cold`).
SMALL_ACTORS = 64


def fast_round_available() -> bool:
    """``True`` if the compiled (numba) single-issue path can be used; imports numba on first call."""
    if "module" not in _numba_state:
        try:
            with kernel_clock():  # importing numba is part of loading the kernels
                from peninsula.kernels import _eu_numba
        except ImportError:  # numba missing or broken: the NumPy kernels do everything
            _numba_state["module"] = None
        else:
            _numba_state["module"] = _eu_numba
    return _numba_state["module"] is not None


def _use_numba(ndim: int, engine: Engine) -> bool:
    if engine == "numpy" or ndim != 1:
        if engine == "numba" and ndim != 1:
            raise ValueError("the numba engine takes 1-D (single-issue, unbatched) arrays only")
        return False
    available = fast_round_available()
    if engine == "numba" and not available:
        raise ImportError("numba is not available")
    return available


def pair_sums_fast(positions: FloatArray, weights: FloatArray, engine: Engine = "auto") -> PairSums:
    """:func:`pair_sums`, compiled for 1-D inputs when numba is available (``engine="auto"``)."""
    x = np.asarray(positions, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    if not _use_numba(x.ndim, engine):
        return pair_sums(x, w)
    get = _cold.choose(_LABEL, _MODULE, {"pair_sums_1d": (x, w)}, small=x.shape[0] <= SMALL_ACTORS)
    margin, support, total = get("pair_sums_1d")(x, w)
    return PairSums(margin=margin, support=support, total=total)


def eu_round(
    positions: FloatArray,
    saliences: FloatArray,
    prob: FloatArray,
    *,
    delta: FloatArray | float,
    mu_first: FloatArray | float,
    mu_second: FloatArray | float,
    Q: float = 1.0,
    T: float = 1.0,
    sign: Literal["paper", "masad"] = "paper",
    tie: Literal["index", "value"] = "index",
    rtol: float = 0.0,
    engine: Engine = "auto",
) -> RoundResult:
    """One round of offers: risk-neutral pass with ``mu_first``, risk exponents, second pass with
    ``mu_second``, offers and responses ([SCS2011]; see ``docs/models/eu.md``).

    Parameters
    ----------
    positions, saliences:
        ``(..., n)``: positions on the issue's scale; saliences 0–1.
    prob:
        ``(..., n, n)`` win probabilities from :func:`win_probabilities`.
    delta:
        Δ normalising distances, in issue units (>= the positions' range); scalar or ``(...,)``.
    mu_first, mu_second:
        The reference position μ of the two passes, on the issue's scale.
    Q, T, sign:
        Status-quo term, see :func:`expected_utilities`.
    tie, rtol:
        Offer tie rules, see :func:`choose_offers`.
    engine:
        ``"auto"`` (compiled for 1-D input when numba is available), ``"numpy"`` or ``"numba"``.
    """
    x = np.asarray(positions, dtype=np.float64)
    s = np.asarray(saliences, dtype=np.float64)
    if _use_numba(x.ndim, engine):
        paper = sign == "paper"
        ones = np.ones_like(x)
        mu1, mu2, dl, by_value = float(mu_first), float(mu_second), float(delta), tie == "value"
        square = np.empty((x.shape[0], x.shape[0]))  # the type of the matrices the kernels return
        calls = {
            "eu_matrix_1d": (x, s, prob, ones, mu1, dl, Q, T, paper),
            "risk_1d": (square,),
            "offers_1d": (square, x, by_value, rtol),
        }
        get = _cold.choose(_LABEL, _MODULE, calls, small=x.shape[0] <= SMALL_ACTORS)
        eu1 = get("eu_matrix_1d")(x, s, prob, ones, mu1, dl, Q, T, paper)
        r, defined = get("risk_1d")(eu1)
        eu2 = get("eu_matrix_1d")(x, s, prob, r, mu2, dl, Q, T, paper)
        new, sender, kind = get("offers_1d")(eu2, x, by_value, rtol)
        return RoundResult(new, sender.astype(np.intp), kind.astype(np.intp), r, np.asarray(defined), eu2)
    need_bw = Q != 1.0
    u1 = utilities(x, np.ones_like(x), mu_first, delta, need_better_worse=need_bw)
    r, defined = risk_exponents(expected_utilities(prob, s, u1, Q=Q, T=T, sign=sign))
    u2 = utilities(x, r, mu_second, delta, need_better_worse=need_bw)
    eu2 = expected_utilities(prob, s, u2, Q=Q, T=T, sign=sign)
    sender = choose_offers(eu2, x, tie=tie, rtol=rtol)
    new, kind = respond_to_offers(eu2, x, sender)
    return RoundResult(new, sender, kind, r, defined, eu2)


# -- O(n) memory for many actors ----------------------------------------------------------------------------
#: Issues with more actors than this run the round without n x n arrays (:func:`eu_round_streamed`); the
#: results are identical either way (``tests/kernels/test_eu_stream.py``). That path is as fast at 100 actors
#: and faster from 300 on (``bench_eu.py stream``, 2026-12-07: 0.40 vs 0.45 s at 600 actors, 7.9 vs 14.5 s at
#: 2,000, ``eu-masad``, 10 rounds).
STREAM_ACTORS = 256


@dataclass(frozen=True)
class StreamedRound:
    """:class:`RoundResult` without the ``eu`` matrix: the two entries of it each receiver's event reports.

    Attributes
    ----------
    positions, sender, kind, risk, risk_defined:
        As in :class:`RoundResult` (1-D).
    eu_sent:
        ``EU[sender_j, j]``, the sender's expected utility of the offer receiver ``j`` took up (0: none).
    eu_back:
        ``EU[j, sender_j]``, the receiver's expected utility of challenging the sender back (0: none).
    """

    positions: FloatArray
    sender: IntArray
    kind: IntArray
    risk: FloatArray
    risk_defined: bool
    eu_sent: FloatArray
    eu_back: FloatArray


def stream_available(n: int, engine: Engine = "auto") -> bool:
    """Whether an issue with ``n`` actors runs in O(n) memory: more than :data:`STREAM_ACTORS` actors and
    the compiled kernels available (``engine`` not ``"numpy"``)."""
    return n > STREAM_ACTORS and engine != "numpy" and fast_round_available()


def eu_round_streamed(
    positions: FloatArray,
    saliences: FloatArray,
    capabilities: FloatArray,
    *,
    delta: float,
    mu_first: float,
    mu_second: float,
    Q: float = 1.0,
    T: float = 1.0,
    sign: Literal["paper", "masad"] = "paper",
    form: Literal["paper", "masad"] = "paper",
    tie: Literal["index", "value"] = "index",
    rtol: float = 0.0,
    threads: int | None = None,
) -> StreamedRound:
    """:func:`eu_round` on :func:`win_probabilities` (``form``) of :func:`pair_sums_fast`, in O(n) memory.

    Every pairwise term is recomputed from the sorted positions' prefix sums where it is needed (two passes
    over the pairs, O(n²) time) instead of stored in ``n x n`` arrays; the numbers are identical. Actors at
    one position share their row of vote sums and the senders' powers (computed once per distinct
    position), and the receivers are split over ``threads`` threads (default
    :func:`peninsula.kernels._threads.default_threads`); neither changes a number. 1-D arrays: positions on
    the issue's scale, saliences 0–1, capabilities >= 0; ``delta``, ``mu_first``, ``mu_second`` on the
    issue's scale. Compiled kernels only (see :func:`stream_available`).
    """
    x = np.ascontiguousarray(positions, dtype=np.float64)
    s = np.ascontiguousarray(saliences, dtype=np.float64)
    w = np.ascontiguousarray(capabilities, dtype=np.float64) * s
    n = x.shape[0]
    paper, masad, by_value = sign == "paper", form == "masad", tie == "value"
    get = _cold.choose(_LABEL, _MODULE, {"stream_setup": (x, w)}, small=False)
    state = get("stream_setup")(x, w)
    order, rank, y, cum_w, cum_wx, le_own, lt_own, starts = state
    acc = np.empty(n)
    common = (x, s, order, rank, y, cum_w, cum_wx, le_own, lt_own, starts)
    threads = default_threads() if threads is None else threads
    blocks = _group_blocks(starts, threads)
    pass1 = (*common, float(mu_first), float(delta), float(Q), float(T), paper, masad, acc)
    get = _cold.choose(_LABEL, _MODULE, {"stream_risk_block": (0, 0, *pass1)}, small=False)
    _run_blocks(get("stream_risk_block"), blocks, pass1, threads)
    get = _cold.choose(_LABEL, _MODULE, {"stream_exponents": (acc,)}, small=False)
    r, defined = get("stream_exponents")(acc)
    new = np.empty(n)
    sender = np.empty(n, dtype=np.int64)
    kind = np.empty(n, dtype=np.int64)
    sent = np.zeros(n)
    back = np.zeros(n)
    pass2 = (*common, r, float(mu_second), float(delta), float(Q), float(T), paper, masad, by_value,
             float(rtol), new, sender, kind, sent, back)
    get = _cold.choose(_LABEL, _MODULE, {"stream_offer_block": (0, 0, *pass2)}, small=False)
    _run_blocks(get("stream_offer_block"), blocks, pass2, threads)
    return StreamedRound(new, sender.astype(np.intp), kind.astype(np.intp), r, bool(defined), sent, back)


#: Below this many ordered pairs (n²) a streamed round runs on one thread. Two threads were faster from the
#: smallest streamed issue up (best of 20 rounds, 2026-12-08, load 0.5: 260 actors 3.48 vs 3.04 ms, 350
#: actors 6.01 vs 3.68 ms, 1,000 actors 36.3 vs 19.5 ms), so every streamed round (above
#: :data:`STREAM_ACTORS` actors) is split; smaller inputs are split only where a test sets this lower.
_THREAD_PAIRS = (STREAM_ACTORS + 1) ** 2
#: A position group's weight in the blocks' balance, in units of one receiver's pass over the senders: a
#: rough guess for its row of vote sums and the senders' terms (not measured; it can only make the blocks
#: less even, never change a number).
_GROUP_COST = 3


def _group_blocks(starts: npt.NDArray[np.int64], threads: int) -> list[tuple[int, int]]:
    """``(g0, g1)`` ranges of position groups of about equal work, four per thread (a free thread takes the
    next), or one range on one thread (``starts``: group ``g`` holds ``starts[g + 1] − starts[g]`` of the
    ``starts[-1]`` actors)."""
    groups = starts.shape[0] - 1
    n = int(starts[-1])
    if threads <= 1 or groups < 2 or n * n < _THREAD_PAIRS:
        return [(0, groups)]
    cost = np.cumsum(np.diff(starts) + _GROUP_COST)
    pieces = min(groups, 4 * threads)
    cuts = np.searchsorted(cost, cost[-1] * np.arange(1, pieces) / pieces, side="left") + 1
    edges = np.unique(np.concatenate(([0], cuts, [groups])))
    return [(int(a), int(b)) for a, b in itertools.pairwise(edges) if b > a]


def _run_blocks(fn: object, blocks: list[tuple[int, int]], args: tuple[object, ...], threads: int) -> None:
    """``fn(g0, g1, *args)`` for every block, on the shared pool when there are several (the compiled
    blocks release the GIL and write disjoint receivers)."""
    call = fn  # a numba dispatcher or its plain-Python copy
    if len(blocks) == 1:
        call(*blocks[0], *args)  # type: ignore[operator]
        return
    list(pool(min(threads, len(blocks))).map(lambda b: call(b[0], b[1], *args), blocks))  # type: ignore[operator]


def condorcet_winner_streamed(
    positions: FloatArray, weights: FloatArray, rtol: float = 1e-12, threads: int | None = None
) -> float:
    """:func:`condorcet_winner` of :func:`pair_sums_fast`'s margins in O(n) memory (1-D; NaN: none).

    One row of margins per distinct position, the positions split over ``threads`` threads (default
    :func:`peninsula.kernels._threads.default_threads`); the same winner as the matrix path."""
    x = np.ascontiguousarray(positions, dtype=np.float64)
    w = np.ascontiguousarray(weights, dtype=np.float64)
    get = _cold.choose(_LABEL, _MODULE, {"stream_setup": (x, w)}, small=False)
    order, rank, y, cum_w, cum_wx, le_own, lt_own, starts = get("stream_setup")(x, w)
    if y[0] == y[-1]:
        return float(x[0])  # a single position
    groups = starts.shape[0] - 1
    low, high = np.empty(groups), np.empty(groups)
    args = (x, rank, y, cum_w, cum_wx, le_own, lt_own, starts, low, high)
    get = _cold.choose(_LABEL, _MODULE, {"stream_condorcet_block": (0, 0, *args)}, small=False)
    threads = default_threads() if threads is None else threads
    _run_blocks(get("stream_condorcet_block"), _group_blocks(starts, threads), args, threads)
    bound = rtol * float(high.max())
    beats = np.flatnonzero((low < np.inf) & (low > bound))  # groups that beat every other position
    if beats.size == 0:
        return float("nan")
    return float(x[int(order[starts[beats]].min())])  # the first such actor in index order


def masad_vote_streamed(
    positions: FloatArray, weights: FloatArray, delta: float, threads: int | None = None
) -> float:
    """:func:`masad_vote` of :func:`pair_sums_fast`'s margins in O(n) memory (1-D), the distinct positions
    split over ``threads`` threads (default :func:`peninsula.kernels._threads.default_threads`)."""
    x = np.ascontiguousarray(positions, dtype=np.float64)
    first = np.sort(np.unique(x, return_index=True)[1]).astype(np.int64)
    if first.size < 2:
        return float(x[0])
    w = np.ascontiguousarray(weights, dtype=np.float64)
    get = _cold.choose(_LABEL, _MODULE, {"stream_setup": (x, w)}, small=False)
    _order, rank, y, cum_w, cum_wx, le_own, lt_own, _starts = get("stream_setup")(x, w)
    top = np.empty(first.size)
    args = (x, first, rank, y, cum_w, cum_wx, le_own, lt_own, float(delta), top)
    get = _cold.choose(_LABEL, _MODULE, {"stream_vote_block": (0, 0, *args)}, small=False)
    threads = default_threads() if threads is None else threads
    rows = np.arange(first.size + 1, dtype=np.int64) * x.shape[0] // first.size  # equal rows, n in all
    _run_blocks(get("stream_vote_block"), _group_blocks(rows, threads), args, threads)
    # the matrix path's scan: the first distinct position (in index order) with the largest margin wins;
    # top holds no NaN (a NaN margin never beats), and every top equal to -inf leaves first[0]
    return float(x[first[int(np.argmax(top))]])


# -- many draws at once -----------------------------------------------------------------------------------
def weighted_median_rows(positions: FloatArray, weights: FloatArray, rtol: float = 1e-9) -> FloatArray:
    """Row-wise weighted median of ``(..., n)`` arrays, the rule of :func:`peninsula.kernels.weighted_median`.

    :func:`peninsula.kernels.central.weighted_median_rows`, except that rows whose weights sum to zero use
    unit weights (the EU models' outcome rule). Returns ``(...,)`` on the issue's scale.

    Examples
    --------
    >>> weighted_median_rows(np.array([[0.25, 0.0], [1.0, 3.0]]), np.array([[5e-324, 0.0], [0.0, 0.0]]))
    array([0.25, 2.  ])
    """
    x = np.asarray(positions, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    total = w.sum(axis=-1, keepdims=True)
    return central.weighted_median_rows(x, np.where(total > 0, w, 1.0), rtol)


@dataclass(frozen=True)
class BatchRun:
    """Rounds of the model for many draws at once.

    Attributes
    ----------
    positions:
        ``(rounds + 1, ..., n)`` positions after each round (index 0 = input), on the issue's scale.
    outcomes:
        ``(rounds + 1, ...)`` the forecast after each round (``eu``: weighted median; ``eu-masad``: vote).
    stopped:
        ``(...,)`` ``True`` for draws that stopped early (converged, or a degenerate round); their
        positions stay fixed from then on.
    """

    positions: FloatArray
    outcomes: FloatArray
    stopped: BoolArray


def run_batch(
    positions: FloatArray,
    saliences: FloatArray,
    capabilities: FloatArray,
    *,
    rounds: int,
    delta: FloatArray | float,
    variant: Literal["eu", "eu-masad"] = "eu",
    Q: float = 1.0,
    T: float = 1.0,
    tol: float = 1e-6,
) -> BatchRun:
    """Run ``rounds`` rounds of either model for a batch of draws of one issue, ``(draws, n)`` arrays.

    The Monte Carlo counterpart of the ``eu`` / ``eu-masad`` models (same rounds, same stopping rules;
    ``eu`` with the paper's probability). ``delta`` is the issue's span for ``eu``, the replication's
    Δ for ``eu-masad``; ``tol`` is a fraction of ``delta`` (``eu`` only). Positions on the issue's scale,
    saliences 0–1, capabilities >= 0. Per draw, the result equals the model's up to rounding and the
    tie-breaks that depend on actor ids (``eu`` breaks ties by value and only then by list order here).
    """
    x = np.array(positions, dtype=np.float64)
    s = np.asarray(saliences, dtype=np.float64)
    w = np.asarray(capabilities, dtype=np.float64) * s
    dlt = np.broadcast_to(np.asarray(delta, dtype=np.float64), x.shape[:-1])
    masad = variant == "eu-masad"
    has_weight = w.sum(axis=-1) > 0

    def outcome(xs: FloatArray, sums: PairSums) -> FloatArray:
        if masad:
            return masad_vote(xs, sums.margin, np.where(dlt > 0, dlt, 1.0))
        return weighted_median_rows(xs, w)

    sums = pair_sums(x, w)
    history = [x.copy()]
    outcomes = [outcome(x, sums)]
    stopped = np.zeros(x.shape[:-1], dtype=bool)
    safe_w = np.where(has_weight, w.sum(axis=-1), 1.0)
    for _ in range(rounds):
        stopped |= x.max(axis=-1) == x.min(axis=-1)
        if masad:
            stopped |= ~has_weight
        if bool(np.all(stopped)):
            history.append(x.copy())
            outcomes.append(outcomes[-1])
            continue
        prob = win_probabilities(sums, form="masad" if masad else "paper")
        safe_delta = np.where(dlt > 0, dlt, 1.0)
        if masad:
            mu1, mu2 = outcomes[-1], (w * x).sum(axis=-1) / safe_w
        else:
            mu1 = mu2 = outcomes[-1]
        res = eu_round(
            x,
            s,
            prob,
            delta=safe_delta,
            mu_first=mu1,
            mu_second=mu2,
            Q=Q,
            T=T,
            sign="masad" if masad else "paper",
            tie="index" if masad else "value",
            rtol=0.0 if masad else 1e-12,
            engine="numpy",
        )
        if masad:
            stopped |= ~res.risk_defined
        new = np.where(stopped[..., None], x, res.positions)
        if not masad:
            stopped |= np.max(np.abs(new - x), axis=-1) <= tol * safe_delta
        x = new
        sums = pair_sums(x, w)
        history.append(x.copy())
        outcomes.append(outcome(x, sums))
    return BatchRun(np.stack(history), np.stack(outcomes), stopped)
