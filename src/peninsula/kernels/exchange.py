"""Kernels of the Stokman exchange model: DECIDE's "Equal Gain" rounds, compiled with numba.

The algorithm is DECIDE's (foarsitter/decide-exchange-model, GPL-3; Stokman & Van Oosten 1994; Dijkstra,
van Assen, Stokman & Draaijer 2018) as restated in the project's ``EXCHANGE.md``; section numbers (§)
below refer to that text. No upstream code is used. Where DECIDE keeps a list of candidate exchanges,
re-sorts it after every realisation and rescans it, this kernel keeps

* a binary heap keyed on gain with *lazy invalidation*: a recalculated candidate pushes a new heap item
  and the old one is skipped when popped;
* per (actor, issue) cell, the candidates in which that cell supplies or demands (CSR lists), so that a
  realisation touches only the exchanges it can change (§7 UPDATE);
* for every candidate its gain history, from which the position of any list entry in DECIDE's stably
  re-sorted list can be recovered exactly. This matters only for exact ties in gain (§7.2, §10) and for
  the order of the update pass when the realised exchange is itself still listed (a tie duplicate).

Scales: positions are on DECIDE's internal 0-100 scale (``x' = (x - lower)·100/(upper - lower)``);
saliences are on 0-1; capabilities (DECIDE's "power") on any ratio scale >= 0. Missing cells are ``NaN``.
A cell with capability x salience = 0 stays in every weighted mean (with weight 0) but takes part in no
exchange (DECIDE divides by saliences; it has nothing to give or to gain).

Tie rule. ``tie_mode`` 0 is §10's deterministic rule (realise the first candidate after the stable sort and
list the runner-up again, DECIDE's "tails"); 1 flips a seeded coin as DECIDE does; 2 replays given
choices. The randomised variant (§11, ``p > 0``) draws (u, v, z) keyed on (seed, round, candidate,
calculation number) with a counter-based hash, so runs are reproducible and independent of processing
order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

__all__ = [
    "TIE",
    "RoundResult",
    "exchange_round",
    "issue_bounds_scale",
    "third_party_effects",
    "weighted_outcomes",
]

TIE = 1e-12  # §9: two gains closer than this are tied
EPS = 1e-10  # §9: "no move / no gain"
BOUND = 1e-9  # §9: slack on the [0, 100] bounds and the Σ hist <= 100 test
KNIFE = 1e-9  # §9: |d0| <= KNIFE counts as d0 = 0 (no cap)

_F = TypeVar("_F", bound=Callable[..., Any])


def _jit_inline(fn: _F) -> _F:
    """Like :func:`_jit`, inlined into callers at numba-IR level (small hot helpers)."""
    return cast(_F, numba.njit(cache=True, nogil=True, inline="always")(fn))


def _jit(fn: _F) -> _F:
    """``numba.njit(cache=True)`` with the function's own type (numba ships no type hints)."""
    return cast(_F, numba.njit(cache=True, nogil=True)(fn))


# column indices of the per-side state arrays fs[M, 2, NF] and ints[M, 2, NI]
POS, START, TGT, MOVE, Y, EU, HSUM, HLAST, UCORR, USELF = 0, 1, 2, 3, 4, 5, 6, 7, 8, 9
NF = 10
ACTOR, SUP, DEM, HPOS, HNEG, UHEAD, UHAS = 0, 1, 2, 3, 4, 5, 6
NI = 7

@_jit
def _mix(x: np.uint64) -> np.uint64:
    """splitmix64's finaliser: a bijective 64-bit hash."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@_jit
def uniform(seed: np.uint64, a: int, b: int, c: int, d: int) -> float:
    """A U[0, 1) number keyed on (seed, a, b, c, d): a counter-based stream, order independent."""
    h = _mix(seed ^ np.uint64(0x9E3779B97F4A7C15))
    h = _mix(h ^ np.uint64(a))
    h = _mix(h ^ np.uint64(b))
    h = _mix(h ^ np.uint64(c))
    h = _mix(h ^ np.uint64(d))
    return float(h >> np.uint64(11)) * (1.0 / 9007199254740992.0)


# -- candidate state ---------------------------------------------------------------------------------
@_jit_inline
def _local_sum(e: int, k: int, v: float, self_from_u: bool, fs: FloatArray, ints: IntArray, X: FloatArray,
               cs: FloatArray, S: FloatArray) -> float:
    """Σ c·s·z on side k's supply issue (§4 N_k times W): U entries override X, k sits at ``v``.

    With ``self_from_u`` an entry for k itself in U overrides ``v`` (§6.2's Δ). The U table of the side
    is kept as a running correction Σ c·s·(U − X) over the other actors plus k's own entry.
    """
    a = ints[e, k, ACTOR]
    d = ints[e, k, SUP]
    z = v
    if self_from_u and ints[e, k, UHAS] == 1:
        z = fs[e, k, USELF]
    return float(S[d] - cs[a, d] * X[a, d] + fs[e, k, UCORR] + cs[a, d] * z)


@_jit_inline
def _ok(e: int, k: int, m: float, fs: FloatArray, ints: IntArray) -> bool:
    """§6.1, the move test; the side's history already ends with ``m``."""
    if abs(m) > 100.0 or abs(m) <= EPS:
        return False
    y = fs[e, k, POS] + m
    if y < -BOUND or y > 100.0 + BOUND:
        return False
    if fs[e, k, HSUM] + fs[e, k, HLAST] > 100.0 + BOUND:
        return False
    last = fs[e, k, HLAST]
    allpos = ints[e, k, HPOS] == 1 and last > 0
    allneg = ints[e, k, HNEG] == 1 and last < 0
    return bool(allpos or allneg)


@_jit_inline
def _set_moves(e: int, mi: float, mj: float, fs: FloatArray) -> None:
    """§5.3 signs, replace the last history entries and set y = pos + move on both sides."""
    mi = -abs(mi) if fs[e, 0, POS] > fs[e, 1, TGT] else abs(mi)
    mj = -abs(mj) if fs[e, 1, POS] > fs[e, 0, TGT] else abs(mj)
    fs[e, 0, MOVE] = mi
    fs[e, 1, MOVE] = mj
    fs[e, 0, HLAST] = mi
    fs[e, 1, HLAST] = mj
    fs[e, 0, Y] = fs[e, 0, POS] + mi
    fs[e, 1, Y] = fs[e, 1, POS] + mj


@_jit
def _cap(
    e: int, k: int, gain: FloatArray,
    fs: FloatArray, ints: IntArray, X: FloatArray, s: FloatArray, c: FloatArray, cs: FloatArray,
    W: FloatArray, S: FloatArray,
) -> None:
    """§6.2: cut side k's move so that its local outcome is not carried across its partner's position."""
    kb = 1 - k
    a = ints[e, k, ACTOR]
    b = ints[e, kb, ACTOR]
    d = ints[e, k, SUP]
    f = ints[e, kb, SUP]
    t = fs[e, kb, TGT]
    n0 = _local_sum(e, k, fs[e, k, POS], False, fs, ints, X, cs, S) / W[d]
    n1 = _local_sum(e, k, fs[e, k, Y], False, fs, ints, X, cs, S) / W[d]
    d0 = t - n0
    d1 = t - n1
    if abs(d0) <= KNIFE:
        d0 = 0.0
    if abs(d1) <= KNIFE:
        d1 = 0.0  # a full move that lands exactly on t: rounding must not decide (matters for §11)
    if (d0 >= 0 and d1 >= 0) or (d0 <= 0 and d1 <= 0):
        return
    zsum = _local_sum(e, k, fs[e, k, POS], True, fs, ints, X, cs, S)
    delta = abs(t * W[d] - zsum) / cs[a, d]
    r_k = delta * s[a, d] * c[a, d] / W[d]
    r_kb = r_k * (s[a, d] + s[b, d]) / (s[a, f] + s[b, f])
    m_kb = r_kb * W[f] / cs[b, f]
    if k == 0:
        _set_moves(e, delta, m_kb, fs)
    else:
        _set_moves(e, m_kb, delta, fs)
    gain[e] = abs(r_kb * s[b, f] - r_k * s[b, d])


@_jit
def _calc(
    e: int, p: float, seed: np.uint64, round_no: int, gen_index: IntArray,
    gain: FloatArray, valid: npt.NDArray[np.bool_], ncalc: IntArray,
    fs: FloatArray, ints: IntArray, X: FloatArray, s: FloatArray, c: FloatArray, cs: FloatArray,
    W: FloatArray, S: FloatArray, clean: int,
) -> None:
    """§5 CALC: the equal-gain exchange of candidate ``e`` from its current private state.

    With ``clean`` a capped exchange's ``eu`` is its capped gain (DECIDE keeps the pre-cap value).
    """
    a = ints[e, 0, ACTOR]
    b = ints[e, 1, ACTOR]
    Q = ints[e, 0, SUP]
    P = ints[e, 1, SUP]
    Dj = abs(fs[e, 0, TGT] - fs[e, 1, POS])
    Di = abs(fs[e, 1, TGT] - fs[e, 0, POS])
    dP = Dj * s[b, P] * c[b, P] / W[P]
    dQ = dP * (s[b, P] + s[a, P]) / (s[b, Q] + s[a, Q])
    mi = dQ * W[Q] / (c[a, Q] * s[a, Q])
    mj = Dj
    if mi > Di:
        dQ = Di * s[a, Q] * c[a, Q] / W[Q]
        dP = dQ * (s[a, Q] + s[b, Q]) / (s[a, P] + s[b, P])
        mi = Di
        mj = dP * W[P] / (c[b, P] * s[b, P])
    _set_moves(e, mi, mj, fs)
    g = abs(dQ * s[a, Q] - dP * s[a, P])
    gain[e] = g
    fs[e, 0, EU] = g
    fs[e, 1, EU] = g
    ncalc[e] += 1
    ok = _ok(e, 0, fs[e, 0, MOVE], fs, ints) and _ok(e, 1, fs[e, 1, MOVE], fs, ints) and g >= EPS
    valid[e] = ok
    if not ok:
        return
    _cap(e, 0, gain, fs, ints, X, s, c, cs, W, S)
    _cap(e, 1, gain, fs, ints, X, s, c, cs, W, S)
    valid[e] = _ok(e, 0, fs[e, 0, MOVE], fs, ints) and _ok(e, 1, fs[e, 1, MOVE], fs, ints)
    if clean == 1:
        fs[e, 0, EU] = gain[e]
        fs[e, 1, EU] = gain[e]
    if p > 0:
        gi = gen_index[e]
        u = uniform(seed, round_no, gi, ncalc[e], 0)
        v = uniform(seed, round_no, gi, ncalc[e], 1)
        z = uniform(seed, round_no, gi, ncalc[e], 2)
        _randomise(e, p, u, v, z, gain, valid, fs, ints, X, s, c, cs, W, S)


@_jit
def _randomise(
    e: int, p: float, u: float, v: float, z: float,
    gain: FloatArray, valid: npt.NDArray[np.bool_],
    fs: FloatArray, ints: IntArray, X: FloatArray, s: FloatArray, c: FloatArray, cs: FloatArray,
    W: FloatArray, S: FloatArray,
) -> None:
    """§11, randomised equal gain, as peninsula restates it (see ``docs/models/exchange.md``).

    Utilities are salience-weighted outcome shifts, eu_i = δP·s_iP − δQ·s_iQ and eu_j = δQ·s_jQ − δP·s_jP.
    Side A (i if u < 0.5) wins (v < 0.5: eu' = eu + p·z·(eu_max − eu)) or loses (eu' = eu − p·z·eu); A
    moves fully and the partner's shift follows from eu' (or the partner moves fully if it would overshoot
    and A's shift follows), then the §6.2 cap runs on the side that moves partially. ``gain`` (the sort
    key) keeps its p = 0 value.
    """
    a = ints[e, 0, ACTOR]
    b = ints[e, 1, ACTOR]
    Q = ints[e, 0, SUP]
    P = ints[e, 1, SUP]
    FP = abs(fs[e, 0, TGT] - fs[e, 1, POS]) * cs[b, P] / W[P]
    FQ = abs(fs[e, 1, TGT] - fs[e, 0, POS]) * cs[a, Q] / W[Q]
    siP = s[a, P]
    siQ = s[a, Q]
    sjP = s[b, P]
    sjQ = s[b, Q]
    eu = gain[e]
    if u < 0.5:
        eu_max = min(FP, FQ * sjQ / sjP) * (siP - siQ * sjP / sjQ)
    else:
        eu_max = min(FQ, FP * siP / siQ) * (sjQ - sjP * siQ / siP)
    eu_new = eu + p * z * (eu_max - eu) if v < 0.5 else eu - p * z * eu
    if u < 0.5:
        dQ = FQ
        dP = (eu_new + dQ * siQ) / siP
        capped = 0
        if dP > FP:
            dP = FP
            dQ = (dP * siP - eu_new) / siQ
            capped = 1
    else:
        dP = FP
        dQ = (eu_new + dP * sjP) / sjQ
        capped = 1
        if dQ > FQ:
            dQ = FQ
            dP = (dQ * sjQ - eu_new) / sjP
            capped = 0
    dP = max(dP, 0.0)
    dQ = max(dQ, 0.0)
    _set_moves(e, dQ * W[Q] / cs[a, Q], dP * W[P] / cs[b, P], fs)
    saved = gain[e]
    _cap(e, capped, gain, fs, ints, X, s, c, cs, W, S)
    gain[e] = saved
    dQ = abs(fs[e, 0, MOVE]) * cs[a, Q] / W[Q]
    dP = abs(fs[e, 1, MOVE]) * cs[b, P] / W[P]
    fs[e, 0, EU] = dP * siP - dQ * siQ
    fs[e, 1, EU] = dQ * sjQ - dP * sjP
    valid[e] = _ok(e, 0, fs[e, 0, MOVE], fs, ints) and _ok(e, 1, fs[e, 1, MOVE], fs, ints)


# -- candidate generation (§3) -------------------------------------------------------------------------
@_jit
def _generate(X: FloatArray, s: FloatArray, cs: FloatArray, W: FloatArray, S: FloatArray) -> IntArray:
    """Candidate exchanges in DECIDE's order: rows (actor_i, actor_j, Q = i's supply, P = j's supply)."""
    n, m = X.shape
    left = np.zeros((n, m), dtype=np.bool_)
    ok = np.zeros((n, m), dtype=np.bool_)
    for d in range(m):
        if W[d] > 0:
            o = S[d] / W[d]
            for a in range(n):
                if not np.isnan(X[a, d]):
                    left[a, d] = X[a, d] <= o
                    ok[a, d] = cs[a, d] > 0
    groups = np.empty((4, n), dtype=np.int64)
    sizes = np.zeros(4, dtype=np.int64)
    total = 0
    for p in range(m):
        for q in range(p + 1, m):
            sizes[:] = 0
            for a in range(n):
                if ok[a, p] and ok[a, q]:
                    sizes[int(left[a, p]) + 2 * int(left[a, q])] += 1
            total += sizes[0] * sizes[3] + sizes[1] * sizes[2]
    out = np.empty((total, 4), dtype=np.int64)
    e = 0
    for p in range(m):
        for q in range(p + 1, m):
            sizes[:] = 0
            for a in range(n):
                if ok[a, p] and ok[a, q]:
                    g = int(left[a, p]) + 2 * int(left[a, q])
                    groups[g, sizes[g]] = a
                    sizes[g] += 1
            for pair in range(2):
                ga = 0 if pair == 0 else 1
                gb = 3 if pair == 0 else 2
                for x in range(sizes[ga]):
                    for y in range(sizes[gb]):
                        ia = groups[ga, x]
                        ib = groups[gb, y]
                        if s[ia, p] / s[ia, q] < s[ib, p] / s[ib, q]:
                            ia, ib = ib, ia
                        out[e, 0] = ia
                        out[e, 1] = ib
                        out[e, 2] = q
                        out[e, 3] = p
                        e += 1
    return out


@_jit
def _csr(keys: IntArray, n_keys: int) -> tuple[IntArray, IntArray]:
    """Counting sort of item indices by key: (start offsets of length n_keys + 1, items)."""
    start = np.zeros(n_keys + 1, dtype=np.int64)
    for k in keys:
        start[k + 1] += 1
    for k in range(n_keys):
        start[k + 1] += start[k]
    fill = start[:-1].copy()
    items = np.empty(len(keys), dtype=np.int64)
    for idx in range(len(keys)):
        k = keys[idx]
        items[fill[k]] = idx
        fill[k] += 1
    return start, items


# -- DECIDE's list order, recovered from gain histories (§7.1) ------------------------------------------
@_jit
def _gain_at(cand: int, t: int, gh_head: IntArray, gh_time: IntArray, gh_prev: IntArray) -> int:
    """The gain-history node of ``cand`` in force at sort ``t``."""
    node = int(gh_head[cand])
    while gh_time[node] > t:
        node = int(gh_prev[node])
    return node


@_jit
def _before(
    e1: int, e2: int, t: int,
    e_cand: IntArray, e_birth: IntArray, e_base: IntArray,
    gh_head: IntArray, gh_time: IntArray, gh_gain: FloatArray, gh_prev: IntArray,
) -> bool:
    """Whether list entry e1 precedes e2 in DECIDE's list right after the stable sort number ``t``.

    A stable sort orders by gain (within TIE: equal) and keeps the previous order among equals; the
    previous order is the one after the previous sort, with entries appended since then at the end. So
    equal gains are compared one sort further back until they differ or an entry's birth is reached.
    """
    c1 = e_cand[e1]
    c2 = e_cand[e2]
    n1 = _gain_at(c1, t, gh_head, gh_time, gh_prev)
    n2 = _gain_at(c2, t, gh_head, gh_time, gh_prev)
    while True:
        g1 = gh_gain[n1]
        g2 = gh_gain[n2]
        if g1 > g2 + TIE:
            return True
        if g2 > g1 + TIE:
            return False
        lo = max(gh_time[n1], gh_time[n2], e_birth[e1], e_birth[e2])
        b1 = e_birth[e1] == lo
        b2 = e_birth[e2] == lo
        if b1 and b2:
            return bool(e_base[e1] < e_base[e2])
        if b1:
            return False
        if b2:
            return True
        t = lo - 1
        while gh_time[n1] > t:
            n1 = gh_prev[n1]
        while gh_time[n2] > t:
            n2 = gh_prev[n2]


# -- binary heap of (gain, entry, version), highest gain first -------------------------------------------
@_jit_inline
def _heap_less(i: int, j: int, hg: FloatArray, he: IntArray) -> bool:
    return bool(hg[i] > hg[j] or (hg[i] == hg[j] and he[i] < he[j]))


@_jit_inline
def _heap_swap(i: int, j: int, hg: FloatArray, he: IntArray, hv: IntArray) -> None:
    hg[i], hg[j] = hg[j], hg[i]
    he[i], he[j] = he[j], he[i]
    hv[i], hv[j] = hv[j], hv[i]


@_jit
def _heap_push(n: int, g: float, ent: int, ver: int, hg: FloatArray, he: IntArray, hv: IntArray) -> int:
    hg[n] = g
    he[n] = ent
    hv[n] = ver
    i = n
    while i > 0:
        parent = (i - 1) // 2
        if _heap_less(i, parent, hg, he):
            _heap_swap(i, parent, hg, he, hv)
            i = parent
        else:
            break
    return n + 1


@_jit_inline
def _heap_sift_down(i: int, n: int, hg: FloatArray, he: IntArray, hv: IntArray) -> None:
    """Move item ``i`` down the heap of size ``n`` until neither child ranks before it."""
    while True:
        left = 2 * i + 1
        if left >= n:
            return
        best = left
        if left + 1 < n and _heap_less(left + 1, left, hg, he):
            best = left + 1
        if not _heap_less(best, i, hg, he):
            return
        _heap_swap(best, i, hg, he, hv)
        i = best


@_jit
def _heap_pop(n: int, hg: FloatArray, he: IntArray, hv: IntArray) -> int:
    """Remove the top item (the caller read it first); return the new size."""
    n -= 1
    if n == 0:
        return 0
    _heap_swap(0, n, hg, he, hv)
    _heap_sift_down(0, n, hg, he, hv)
    return n


@_jit
def _heap_rebuild(
    n_e: int, e_alive: IntArray, e_cand: IntArray, e_ver: IntArray, gain: FloatArray,
    hg: FloatArray, he: IntArray, hv: IntArray,
) -> int:
    """Rebuild the heap from the live entries only (drops stale items); returns its size."""
    n = 0
    for ent in range(n_e):
        if e_alive[ent] == 1:
            hg[n] = gain[e_cand[ent]]
            he[n] = ent
            hv[n] = e_ver[ent]
            n += 1
    for start in range((n - 2) // 2, -1, -1):
        _heap_sift_down(start, n, hg, he, hv)
    return n


_A = TypeVar("_A", bound="np.ndarray[Any, Any]")


@_jit
def _grow(a: _A, need: int) -> _A:
    """``a`` itself if it holds ``need`` items, else a copy with room for at least ``need`` (doubling)."""
    if need <= len(a):
        return a
    out = np.empty(max(need, 2 * len(a)), dtype=a.dtype)
    out[: len(a)] = a
    return out  # type: ignore[return-value]  # same dtype as a; numba compiles no typing.cast


# -- one round -------------------------------------------------------------------------------------------
@_jit
def _round(
    X: FloatArray, s: FloatArray, c: FloatArray, fixed_weight: float, salience_weight: float,
    p: float, seed: np.uint64, round_no: int, tie_mode: int, tie_choices: IntArray, clean: int,
) -> tuple[FloatArray, FloatArray, IntArray, FloatArray, IntArray]:
    n, m = X.shape
    cs = np.zeros((n, m))
    W = np.zeros(m)
    S = np.zeros(m)
    for a in range(n):
        for d in range(m):
            if not np.isnan(X[a, d]):
                cs[a, d] = c[a, d] * s[a, d]
                W[d] += cs[a, d]
                S[d] += cs[a, d] * X[a, d]
    cand = _generate(X, s, cs, W, S)
    M = cand.shape[0]
    fs = np.zeros((M, 2, NF))
    ints = np.zeros((M, 2, NI), dtype=np.int64)
    gain = np.zeros(M)
    valid = np.zeros(M, dtype=np.bool_)
    ncalc = np.zeros(M, dtype=np.int64)
    gen_index = np.arange(M)
    for e in range(M):
        a, b, Q, P = cand[e, 0], cand[e, 1], cand[e, 2], cand[e, 3]
        ints[e, 0, ACTOR] = a
        ints[e, 0, SUP] = Q
        ints[e, 0, DEM] = P
        ints[e, 1, ACTOR] = b
        ints[e, 1, SUP] = P
        ints[e, 1, DEM] = Q
        for k in range(2):
            ints[e, k, HPOS] = 1
            ints[e, k, HNEG] = 1
            ints[e, k, UHEAD] = -1
        fs[e, 0, POS] = X[a, Q]
        fs[e, 0, START] = X[a, Q]
        fs[e, 0, TGT] = X[a, P]
        fs[e, 1, POS] = X[b, P]
        fs[e, 1, START] = X[b, P]
        fs[e, 1, TGT] = X[b, Q]
    u_actor = np.empty(max(16, M // 4), dtype=np.int64)
    u_val = np.empty(len(u_actor))
    u_next = np.empty(len(u_actor), dtype=np.int64)
    n_u = 0
    for e in range(M):
        _calc(e, p, seed, round_no, gen_index, gain, valid, ncalc, fs, ints, X, s, c, cs, W, S, clean)

    # cell -> candidates in which that cell supplies / demands (CSR)
    sup_key = np.empty(2 * M, dtype=np.int64)
    dem_key = np.empty(2 * M, dtype=np.int64)
    for e in range(M):
        for k in range(2):
            sup_key[2 * e + k] = ints[e, k, ACTOR] * m + ints[e, k, SUP]
            dem_key[2 * e + k] = ints[e, k, ACTOR] * m + ints[e, k, DEM]
    sup_start, sup_items = _csr(sup_key, n * m)
    dem_start, dem_items = _csr(dem_key, n * m)

    # gain histories: node = (time of the first sort it holds for, gain, previous node)
    gh_time = np.empty(2 * M + 16, dtype=np.int64)
    gh_gain = np.empty(2 * M + 16)
    gh_prev = np.empty(2 * M + 16, dtype=np.int64)
    gh_head = np.empty(M, dtype=np.int64)
    for e in range(M):
        gh_time[e] = 0
        gh_gain[e] = gain[e]
        gh_prev[e] = -1
        gh_head[e] = e
    n_gh = M
    # list entries: the candidate, the sort at which the entry first took part, its base order
    cap_e = M + 16
    e_cand = np.empty(cap_e, dtype=np.int64)
    e_birth = np.empty(cap_e, dtype=np.int64)
    e_base = np.empty(cap_e, dtype=np.int64)
    e_alive = np.empty(cap_e, dtype=np.int64)
    e_ver = np.empty(cap_e, dtype=np.int64)
    e_next = np.empty(cap_e, dtype=np.int64)
    ent_head = np.empty(M, dtype=np.int64)
    for e in range(M):
        e_cand[e] = e
        e_birth[e] = 0
        e_base[e] = e
        e_alive[e] = 1
        e_ver[e] = 0
        e_next[e] = -1
        ent_head[e] = e
    n_e = M
    n_live = M
    n_appended = 0
    # heap
    hcap = 2 * M + 16
    hg = np.empty(hcap)
    he = np.empty(hcap, dtype=np.int64)
    hv = np.empty(hcap, dtype=np.int64)
    hn = _heap_rebuild(M, e_alive, e_cand, e_ver, gain, hg, he, hv)  # heapify every initial entry

    real_cand = np.empty(16, dtype=np.int64)
    real_f = np.empty((16, 2, 4))  # per side: pos, y, move, eu
    real_gain = np.empty(16)
    n_real = 0
    stamp = np.full(M, -1, dtype=np.int64)
    affected = np.empty(M, dtype=np.int64)
    cluster = np.empty(16, dtype=np.int64)
    order_e = np.empty(16, dtype=np.int64)
    tie_count = 0
    n_recalc = 0
    n_visit = 0
    n_pop = 0
    n_dropped = 0
    capped = 0
    max_iter = 50 * M + 100000
    linger = np.empty(16, dtype=np.int64)
    n_linger = 0
    first_done = False
    T = 0
    while True:
        # pop the top cluster of live items (gains within TIE of the best)
        nc = 0
        top_gain = 0.0
        while hn > 0:
            ent = he[0]
            ver = hv[0]
            g = hg[0]
            n_pop += 1
            if e_alive[ent] == 0 or e_ver[ent] != ver:
                hn = _heap_pop(hn, hg, he, hv)
                continue
            if nc > 0 and not (abs(top_gain - g) < TIE):
                break
            if g != gain[e_cand[ent]]:
                # lazy decrease: the item's key is an upper bound; re-insert it with the current gain
                hn = _heap_pop(hn, hg, he, hv)
                hn = _heap_push(hn, gain[e_cand[ent]], ent, ver, hg, he, hv)
                continue
            if nc == 0:
                top_gain = g
            cluster = _grow(cluster, nc + 1)
            cluster[nc] = ent
            nc += 1
            hn = _heap_pop(hn, hg, he, hv)
        if nc == 0:
            break
        if nc >= 2:
            any_valid = False
            for x in range(nc):
                if valid[e_cand[cluster[x]]]:
                    any_valid = True
            if not any_valid:
                # DECIDE would cycle these tied invalid candidates forever (§7.2-7.3): drop them all
                for x in range(nc):
                    e_alive[cluster[x]] = 0
                    n_live -= 1
                n_dropped += nc
                T += 1
                continue
        if max_iter < T:  # (T is the sort counter, not a constant)
            capped = 1
            break
        # first (F) and runner-up (S) in list order
        fi = 0
        for x in range(1, nc):
            if _before(cluster[x], cluster[fi], T, e_cand, e_birth, e_base, gh_head, gh_time, gh_gain,
                       gh_prev):
                fi = x
        F = cluster[fi]
        Sx = -1
        for x in range(nc):
            if x == fi:
                continue
            if Sx < 0 or _before(cluster[x], Sx, T, e_cand, e_birth, e_base, gh_head, gh_time, gh_gain,
                                 gh_prev):
                Sx = cluster[x]
        # everything else of the cluster goes back into the heap unchanged
        for x in range(nc):
            ent = cluster[x]
            if ent != F and ent != Sx:
                hg = _grow(hg, hn + 1)
                he = _grow(he, hn + 1)
                hv = _grow(hv, hn + 1)
                hn = _heap_push(hn, gh_gain[_gain_at(e_cand[ent], T, gh_head, gh_time, gh_prev)],
                                ent, e_ver[ent], hg, he, hv)
        e_alive[F] = 0
        n_live -= 1
        R = e_cand[F]
        if Sx >= 0:
            heads = False
            if tie_mode == 1:
                heads = uniform(seed, round_no, tie_count, 0, 3) >= 0.5
            elif tie_mode == 2 and tie_count < len(tie_choices):
                heads = tie_choices[tie_count] == 1
            tie_count += 1
            if clean == 1:
                # no duplicate: the candidate not realised keeps its place in the list
                keep = Sx
                if heads:
                    e_alive[Sx] = 0
                    e_alive[F] = 1  # net: one entry fewer, as without a tie
                    R = e_cand[Sx]
                    keep = F
                hg = _grow(hg, hn + 1)
                he = _grow(he, hn + 1)
                hv = _grow(hv, hn + 1)
                hn = _heap_push(hn, gain[e_cand[keep]], keep, e_ver[keep], hg, he, hv)
            else:
                moved = F if heads else Sx  # the entry whose candidate is listed again at the end
                if heads:
                    e_alive[Sx] = 0
                    n_live -= 1
                    R = e_cand[Sx]
                else:
                    # S stays at the front: back into the heap as it was
                    hg = _grow(hg, hn + 1)
                    he = _grow(he, hn + 1)
                    hv = _grow(hv, hn + 1)
                    hn = _heap_push(hn, gain[e_cand[Sx]], Sx, e_ver[Sx], hg, he, hv)
                # append a new entry for the candidate of ``moved``
                cm = e_cand[moved]
                if n_e + 1 > len(e_cand):
                    e_cand = _grow(e_cand, n_e + 1)
                    e_birth = _grow(e_birth, n_e + 1)
                    e_base = _grow(e_base, n_e + 1)
                    e_alive = _grow(e_alive, n_e + 1)
                    e_ver = _grow(e_ver, n_e + 1)
                    e_next = _grow(e_next, n_e + 1)
                e_cand[n_e] = cm
                e_birth[n_e] = T + 1
                e_base[n_e] = M + n_appended
                n_appended += 1
                e_alive[n_e] = 1
                n_live += 1
                e_ver[n_e] = 0
                e_next[n_e] = ent_head[cm]
                ent_head[cm] = n_e
                hg = _grow(hg, hn + 1)
                he = _grow(he, hn + 1)
                hv = _grow(hv, hn + 1)
                hn = _heap_push(hn, gain[cm], n_e, 0, hg, he, hv)
                n_e += 1
        if not valid[R]:
            T += 1
            continue
        # §7.4: the pass drops every listed entry whose candidate is invalid: all of them at the first
        # realisation, later only those left behind by a duplicate's update in the previous pass
        if not first_done:
            first_done = True
            for ent in range(n_e):
                if e_alive[ent] == 1 and not valid[e_cand[ent]]:
                    e_alive[ent] = 0
                    n_live -= 1
        for x in range(n_linger):
            e = linger[x]
            if not valid[e]:
                ent = ent_head[e]
                while ent >= 0:
                    if e_alive[ent] == 1:
                        e_alive[ent] = 0
                        n_live -= 1
                    ent = e_next[ent]
        n_linger = 0
        # candidates the realisation can change (supply or demand identity, §7 UPDATE)
        na = 0
        for k in range(2):
            cell = ints[R, k, ACTOR] * m + ints[R, k, SUP]
            n_visit += sup_start[cell + 1] - sup_start[cell]
            for idx in range(sup_start[cell], sup_start[cell + 1]):
                e = sup_items[idx] // 2
                if stamp[e] != T:
                    stamp[e] = T
                    affected[na] = e
                    na += 1
            cell = ints[R, k, ACTOR] * m + ints[R, k, DEM]
            for idx in range(dem_start[cell], dem_start[cell + 1]):
                e = dem_items[idx] // 2
                if stamp[e] != T:
                    stamp[e] = T
                    affected[na] = e
                    na += 1
        # their live entries; the pass order matters when a candidate is listed more than once (a tie
        # duplicate): UPDATE(R, R) changes R, and a duplicate's second update can invalidate a candidate
        # whose first entry has already been kept
        multi = False
        no = 0
        for x in range(na):
            e = affected[x]
            if not valid[e]:
                continue
            count = 0
            ent = ent_head[e]
            while ent >= 0:
                if e_alive[ent] == 1:
                    order_e = _grow(order_e, no + 1)
                    order_e[no] = ent
                    no += 1
                    count += 1
                ent = e_next[ent]
            if count > 1:
                multi = True
        if multi:
            # insertion sort by list position; entries appended in this iteration come last
            for x in range(1, no):
                cur = order_e[x]
                yy = x - 1
                while yy >= 0:
                    prev = order_e[yy]
                    if e_birth[prev] > T and e_birth[cur] > T:
                        cur_first = e_base[cur] < e_base[prev]
                    elif e_birth[cur] > T:
                        cur_first = False
                    elif e_birth[prev] > T:
                        cur_first = True
                    else:
                        cur_first = _before(cur, prev, T, e_cand, e_birth, e_base, gh_head, gh_time, gh_gain,
                                            gh_prev)
                    if cur_first:
                        order_e[yy + 1] = prev
                        yy -= 1
                    else:
                        break
                order_e[yy + 1] = cur
        for x in range(no):
            ent = order_e[x]
            e = e_cand[ent]
            if e_alive[ent] == 0:
                continue
            if not valid[e]:
                e_alive[ent] = 0
                n_live -= 1
                continue
            n_recalc += 1
            g_old = gain[e]
            n_u = _update(e, R, n_u, p, seed, round_no, gen_index, gain, valid, ncalc, fs, ints, X, s, c, cs,
                          W, S, u_actor, u_val, u_next, clean)
            if n_u > len(u_actor) - 8:
                u_actor = _grow(u_actor, 2 * len(u_actor))
                u_val = _grow(u_val, 2 * len(u_val))
                u_next = _grow(u_next, 2 * len(u_next))
            # record the new gain from the next sort on
            node = gh_head[e]
            if gh_time[node] == T + 1:
                gh_gain[node] = gain[e]
            else:
                if n_gh + 1 > len(gh_time):
                    gh_time = _grow(gh_time, n_gh + 1)
                    gh_gain = _grow(gh_gain, n_gh + 1)
                    gh_prev = _grow(gh_prev, n_gh + 1)
                gh_time[n_gh] = T + 1
                gh_gain[n_gh] = gain[e]
                gh_prev[n_gh] = node
                gh_head[e] = n_gh
                n_gh += 1
            if not valid[e]:
                # this entry goes; entries of e already kept in this pass stay listed until the next pass
                e_alive[ent] = 0
                n_live -= 1
                linger = _grow(linger, n_linger + 1)
                linger[n_linger] = e
                n_linger += 1
            if gain[e] > g_old:
                # a higher key needs a new item; a lower one is fixed when the old item surfaces
                e2 = ent_head[e]
                while e2 >= 0:
                    if e_alive[e2] == 1:
                        e_ver[e2] += 1
                        hg = _grow(hg, hn + 1)
                        he = _grow(he, hn + 1)
                        hv = _grow(hv, hn + 1)
                        hn = _heap_push(hn, gain[e], e2, e_ver[e2], hg, he, hv)
                    e2 = e_next[e2]
        if hn > 2 * n_live + 1024:
            hn = _heap_rebuild(n_e, e_alive, e_cand, e_ver, gain, hg, he, hv)
        # record R's state after the pass
        if n_real + 1 > len(real_cand):
            real_cand = _grow(real_cand, n_real + 1)
            real_gain = _grow(real_gain, n_real + 1)
            bigger = np.empty((len(real_cand), 2, 4))
            bigger[:n_real] = real_f[:n_real]
            real_f = bigger
        real_cand[n_real] = R
        real_gain[n_real] = gain[R]
        for k in range(2):
            real_f[n_real, k, 0] = fs[R, k, POS]
            real_f[n_real, k, 1] = fs[R, k, Y]
            real_f[n_real, k, 2] = fs[R, k, MOVE]
            real_f[n_real, k, 3] = fs[R, k, EU]
        n_real += 1
        T += 1

    # §8: voting positions and the preference update (supply cells of realised exchanges; last wins)
    Yv = X.copy()
    Xn = X.copy()
    info = np.empty((n_real, 5), dtype=np.int64)  # actor_i, Q, actor_j, P, candidate
    for r in range(n_real):
        e = real_cand[r]
        for k in range(2):
            a = ints[e, k, ACTOR]
            d = ints[e, k, SUP]
            y = real_f[r, k, 1]
            Yv[a, d] = y
            w = fixed_weight + salience_weight * (1.0 - s[a, d])
            Xn[a, d] = (1.0 - w) * fs[e, k, START] + w * y
        info[r, 0] = ints[e, 0, ACTOR]
        info[r, 1] = ints[e, 0, SUP]
        info[r, 2] = ints[e, 1, ACTOR]
        info[r, 3] = ints[e, 1, SUP]
        info[r, 4] = gen_index[e]
    flat = np.empty((n_real, 9))
    for r in range(n_real):
        for k in range(2):
            for col in range(4):
                flat[r, 4 * k + col] = real_f[r, k, col]
        flat[r, 8] = real_gain[r]
    ties = np.array([tie_count, n_recalc, n_visit, n_pop, M, n_dropped, capped], dtype=np.int64)
    return Xn, Yv, info, flat, ties


@_jit
def _update(
    e: int, R: int, n_u: int, p: float, seed: np.uint64, round_no: int, gen_index: IntArray,
    gain: FloatArray, valid: npt.NDArray[np.bool_], ncalc: IntArray,
    fs: FloatArray, ints: IntArray, X: FloatArray, s: FloatArray, c: FloatArray, cs: FloatArray,
    W: FloatArray, S: FloatArray, u_actor: IntArray, u_val: FloatArray, u_next: IntArray, clean: int,
) -> int:
    """§7 UPDATE(C = e, R): supply trigger, demand trigger, recalculation. Returns the U pool size.

    With ``clean`` a matched supply side's history records R's realised move instead of keeping its own
    stale candidate move.
    """
    matched_a = False
    fold0 = False
    fold1 = False
    rmove0 = 0.0
    rmove1 = 0.0
    for k in range(2):
        for r in range(2):
            if ints[e, k, ACTOR] == ints[R, r, ACTOR] and ints[e, k, SUP] == ints[R, r, SUP]:
                fs[e, k, POS] = fs[R, r, Y]
                if k == 0:
                    fold0 = True
                    rmove0 = fs[R, r, MOVE]
                else:
                    fold1 = True
                    rmove1 = fs[R, r, MOVE]
                matched_a = True
                break
    matched_b = False
    for step in range(2):
        dside = 1 if step == 0 else 0  # D = R.j then R.i
        sside = 1 - dside
        da = ints[R, dside, ACTOR]
        dd = ints[R, dside, DEM]
        for k in range(2):
            if ints[e, k, ACTOR] == da and ints[e, k, DEM] == dd:
                # U_C[dd] is the table of the side of C that supplies dd (the partner of k)
                kk = 1 - k
                sa = ints[R, sside, ACTOR]
                ys = fs[R, sside, Y]
                node = ints[e, kk, UHEAD]
                found = -1
                while node >= 0:
                    if u_actor[node] == sa:
                        found = node
                        break
                    node = u_next[node]
                if found < 0:
                    u_actor[n_u] = sa
                    u_val[n_u] = ys
                    u_next[n_u] = ints[e, kk, UHEAD]
                    ints[e, kk, UHEAD] = n_u
                    n_u += 1
                    old = X[sa, dd]
                    new = ys
                else:
                    old = u_val[found]
                    new = min(old, ys) if fs[R, sside, START] <= old else max(old, ys)
                    u_val[found] = new
                if sa == ints[e, kk, ACTOR]:
                    ints[e, kk, UHAS] = 1
                    fs[e, kk, USELF] = new
                else:
                    fs[e, kk, UCORR] += cs[sa, dd] * (new - old)
                matched_b = True
                break
    if matched_a or matched_b:
        # history: a matched supply side keeps its old candidate move (stale entry), the other side's
        # last entry is replaced by the recalculation
        if fold0:
            _fold(e, 0, rmove0 if clean == 1 else fs[e, 0, HLAST], fs, ints)
        if fold1:
            _fold(e, 1, rmove1 if clean == 1 else fs[e, 1, HLAST], fs, ints)
        _calc(e, p, seed, round_no, gen_index, gain, valid, ncalc, fs, ints, X, s, c, cs, W, S, clean)
    return n_u


@_jit_inline
def _fold(e: int, k: int, last: float, fs: FloatArray, ints: IntArray) -> None:
    """Move ``last`` into the side's history prefix (the last entry is then set by CALC)."""
    fs[e, k, HSUM] = fs[e, k, HSUM] + last
    if not last > 0:
        ints[e, k, HPOS] = 0
    if not last < 0:
        ints[e, k, HNEG] = 0


# -- public helpers ---------------------------------------------------------------------------------------
class RoundResult:
    """One round's result on DECIDE's 0-100 scale.

    Attributes
    ----------
    preference:
        Preference positions after the round's update, ``(n_actors, n_issues)``, NaN where missing.
    voting:
        Voting positions at the end of the round.
    exchanges:
        Integer columns per realised exchange, in order: actor_i, i's supply issue, actor_j, j's supply
        issue, candidate generation index.
    values:
        Float columns per realised exchange: for i then j: start position, voting position (y), move, eu;
        then the gain (all after the update pass, §7.4).
    n_ties:
        Exact ties in gain met in the round.
    """

    __slots__ = ("counters", "exchanges", "n_ties", "preference", "values", "voting")

    def __init__(
        self, preference: FloatArray, voting: FloatArray, exchanges: IntArray, values: FloatArray, n_ties: int
    ) -> None:
        self.preference = preference
        self.voting = voting
        self.exchanges = exchanges
        self.values = values
        self.n_ties = n_ties
        self.counters: dict[str, int] = {}


def exchange_round(
    X: FloatArray,
    s: FloatArray,
    c: FloatArray,
    *,
    fixed_weight: float = 0.1,
    salience_weight: float = 0.4,
    p: float = 0.0,
    seed: int = 0,
    round_no: int = 1,
    tie_mode: int = 0,
    tie_choices: IntArray | None = None,
    clean: bool = False,
) -> RoundResult:
    """Run one round of DECIDE's equal-gain exchange model (§2-§8; §11 if ``p > 0``).

    Parameters
    ----------
    X:
        Preference positions at the start of the round on 0-100, ``(n_actors, n_issues)``; NaN = missing.
    s, c:
        Saliences (0-1) and capabilities (ratio scale >= 0), same shape; ignored where X is NaN.
    fixed_weight, salience_weight:
        The preference update x' = (1 − w)·start + w·y with w = fixed + salience_weight·(1 − s).
    p:
        Randomisation strength of §11 (0 = DECIDE's equal gain).
    seed, round_no:
        Key of the counter-based random draws (coin flips and §11 draws).
    tie_mode:
        0: §10 (realise the first candidate); 1: seeded coin; 2: replay ``tie_choices`` (1 = realise the
        runner-up), then §10.
    clean:
        Drop three DECIDE accidents (model ``exchange-clean``): a recalculated supply side's history
        records the realised move instead of its own stale candidate move; a capped exchange's ``eu`` is
        its capped gain; a tie does not list the runner-up a second time.

    Returns
    -------
    RoundResult

    Examples
    --------
    >>> X = np.array([[0.0, 100.0], [100.0, 0.0]])
    >>> s = np.array([[0.9, 0.2], [0.2, 0.9]])
    >>> r = exchange_round(X, s, np.ones_like(X))
    >>> r.exchanges.shape[0], np.round(r.voting, 6).tolist()
    (1, [[0.0, 0.0], [0.0, 0.0]])
    """
    Xf = np.ascontiguousarray(X, dtype=np.float64)
    sf = np.ascontiguousarray(np.nan_to_num(s, nan=0.0), dtype=np.float64)
    cf = np.ascontiguousarray(np.nan_to_num(c, nan=0.0), dtype=np.float64)
    choices = np.zeros(0, dtype=np.int64) if tie_choices is None else np.asarray(tie_choices, dtype=np.int64)
    Xn, Yv, info, flat, ties = _round(
        Xf, sf, cf, float(fixed_weight), float(salience_weight), float(p),
        np.uint64(seed & 0xFFFFFFFFFFFFFFFF), int(round_no), int(tie_mode), choices, int(clean),
    )
    out = RoundResult(Xn, Yv, info, flat, int(ties[0]))
    out.counters = {"recalculations": int(ties[1]), "cells_visited": int(ties[2]), "heap_pops": int(ties[3]),
                    "candidates": int(ties[4]), "dropped_invalid_ties": int(ties[5]),
                    "iteration_cap_hit": int(ties[6])}
    return out


def weighted_outcomes(X: FloatArray, s: FloatArray, c: FloatArray) -> FloatArray:
    """Σ c·s·x / Σ c·s per issue (DECIDE's NBS / "MDS"), NaN cells left out; NaN where Σ c·s = 0.

    Examples
    --------
    >>> weighted_outcomes(np.array([[0.0], [100.0]]), np.array([[1.0], [1.0]]), np.array([[3.0], [1.0]]))
    array([25.])
    """
    present = ~np.isnan(X)
    w = np.where(present, np.nan_to_num(c) * np.nan_to_num(s), 0.0)
    tot = w.sum(axis=0)
    num = np.where(present, w * np.nan_to_num(X), 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, num / np.where(tot > 0, tot, 1.0), np.nan)


def issue_bounds_scale(lower: float, upper: float) -> float:
    """DECIDE's factor from an issue's own scale to 0-100: 100 / (upper − lower) (1 for a point scale)."""
    span = upper - lower
    return 100.0 / span if span > 0 else 1.0


def third_party_effects(
    X: FloatArray, s: FloatArray, c: FloatArray, exchanges: IntArray, values: FloatArray
) -> FloatArray:
    """Utility change of every actor from each realised exchange of one round, ``(n_exchanges, n_actors)``.

    Exchange e shifts the weighted mean of i's supply issue Q by move_i·c_iQ·s_iQ / W_Q and of P by
    move_j·c_jP·s_jP / W_P. Actor a's utility change is Σ_d s_ad·(|x_ad − O_d| − |x_ad − O_d − δ_d|) over
    the two issues, with x the round-start preference positions and O_d the round-start weighted mean
    (0-100 scale times salience). The two parties themselves are included (their rows are their own gains).

    Examples
    --------
    >>> X = np.array([[0.0, 100.0], [100.0, 0.0], [0.0, 0.0]])
    >>> s = np.array([[0.9, 0.2], [0.2, 0.9], [0.5, 0.5]])
    >>> r = exchange_round(X, s, np.ones_like(X))
    >>> np.round(third_party_effects(X, s, np.ones_like(X), r.exchanges, r.values), 3).tolist()
    [[8.75, 8.75, 12.5]]
    """
    present = ~np.isnan(X)
    w = np.where(present, np.nan_to_num(c) * np.nan_to_num(s), 0.0)
    W = w.sum(axis=0)
    out0 = weighted_outcomes(X, s, c)
    xs = np.nan_to_num(X)
    ss = np.where(present, np.nan_to_num(s), 0.0)
    n_ex = exchanges.shape[0]
    out = np.zeros((n_ex, X.shape[0]))
    # all exchanges at once (in row blocks to bound the temporaries); per element the same operations in
    # the same order as one exchange at a time: 0 + (effect on Q) + (effect on P)
    block = 2048
    for lo in range(0, n_ex, block):
        hi = min(lo + block, n_ex)
        for actor_col, d_col, move_col in ((0, 1, 2), (2, 3, 6)):
            actor = exchanges[lo:hi, actor_col]
            d = exchanges[lo:hi, d_col]
            delta = values[lo:hi, move_col] * w[actor, d] / W[d]
            dev = xs[:, d].T - out0[d][:, None]
            out[lo:hi] += ss[:, d].T * (np.abs(dev) - np.abs(dev - delta[:, None]))
    return out
