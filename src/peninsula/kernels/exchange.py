"""Kernels of the Stokman exchange model: DECIDE's "Equal Gain" rounds, compiled with numba.

The algorithm is DECIDE's (foarsitter/decide-exchange-model, GPL-3; Stokman & Van Oosten 1994; Dijkstra,
van Assen, Stokman & Draaijer 2018) as specified in ``docs/models/exchange-spec.md``; section numbers (§)
below refer to that page. No upstream code is used. Where DECIDE keeps a list of candidate exchanges,
re-sorts it after every realisation and rescans it, this kernel keeps

* a binary heap keyed on gain with *lazy invalidation* (:mod:`peninsula.kernels._heap`): a recalculated
  candidate pushes a new heap item and the old one is skipped when popped;
* per (actor, issue) cell, the candidates in which that cell supplies or demands (CSR lists,
  :mod:`peninsula.kernels._csr`), so that a realisation touches only the exchanges it can change (§7
  UPDATE);
* for every candidate its gain history, from which the position of any list entry in DECIDE's stably
  re-sorted list can be recovered exactly. This matters only for exact ties in gain (§7.2, §10) and for
  the order of the update pass when the realised exchange is itself still listed (a tie duplicate).

State is kept in numpy structured arrays with named fields (:data:`SIDE`: one record per candidate and
side, whose side-0 record also holds the candidate's gain, validity, computation count, list and
gain-history heads; :data:`ENTRY`: one per list entry; :data:`GAIN_NODE`: the gain histories;
:data:`REALISED`: the realised exchanges; :data:`ROUND_STATE`: the round's scalar counters), read and
written by name in the compiled code. The cells' X, s, c, c·s and the issue sums W, S travel in one array
(``CW``): every array argument of a compiled call is reference-counted, so the steps called for each
recalculation take two or three arrays. One round (:func:`_round`) is :func:`_setup` (generate and compute
every candidate), :func:`_heap_loop` (pop the best cluster, pick first and runner-up, resolve a tie, drop
invalid entries, update the affected candidates) and :func:`_settle` (the §8 preference update).

A sweep's rounds are small (the default scenario: ~28 candidates, ~13 realisations, ~43 recalculations per
round), and there the heap's bookkeeping costs more than it saves: :func:`_round_fast`, the sweep's round,
runs :func:`_list_loop` instead when a round has at most :data:`LIST_MAX` candidates. It keeps DECIDE's
list itself (a stable insertion sort by gain per realisation) and makes the same choices and updates in
the same order, so its outputs equal the heap path's bit for bit (``tests/kernels/test_exchange_list.py``).

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

from typing import Any

import numpy as np
import numpy.typing as npt

from peninsula.kernels import _cold
from peninsula.kernels import _heap as heap
from peninsula.kernels._csr import csr
from peninsula.kernels._jit import INTERPRETED, grow, jit, jit_inline, kernel

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Records = npt.NDArray[Any]  # structured arrays (SIDE, ENTRY, ...)

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

#: One side of a candidate exchange (``side[e, 0]`` is actor i, ``side[e, 1]`` actor j).
SIDE = np.dtype(
    [
        ("pos", np.float64),  # current position on the supply issue (moves with realised exchanges)
        ("move", np.float64),  # the candidate's move on the supply issue (signed)
        ("y", np.float64),  # pos + move: the voting position if realised
        ("eu", np.float64),  # the side's expected utility of the exchange
        ("gain", np.float64),  # side 0 only: the candidate's gain, the sort key (§5.5, §6.2)
        ("hist_sum", np.float64),  # Σ of the side's move history before its last entry (§6.1)
        ("hist_last", np.float64),  # the last entry of the move history (the current move)
        ("u_corr", np.float64),  # Σ c·s·(U − X) over the other actors' entries of the side's U table
        ("u_self", np.float64),  # the side's own entry in its U table (if u_has_self)
        ("actor", np.int32),
        ("supply", np.int32),  # the issue the side gives ground on
        ("demand", np.int32),  # the issue the side gains on (the partner's supply issue)
        ("u_head", np.int32),  # first node of the side's U table in the U pool (-1: empty)
        ("ncalc", np.int32),  # side 0 only: how many times the candidate has been computed (§11's key)
        ("ent_head", np.int32),  # side 0 only: the candidate's newest list entry (the heap path's ENTRY)
        ("gh_head", np.int32),  # side 0 only: the newest node of its gain history (GAIN_NODE)
        ("gh_time", np.int32),  # side 0 only: that node's time (kept here: one cache miss less per update)
        ("stamp", np.int32),  # side 0 only: the sort at which it was last collected as affected (-1: never)
        ("hist_all_pos", np.bool_),  # every history entry before the last is > 0
        ("hist_all_neg", np.bool_),  # every history entry before the last is < 0
        ("u_has_self", np.bool_),
        ("valid", np.bool_),  # side 0 only: the candidate is valid (§5.6, §6.1)
    ],
    align=True,
)

#: One entry of DECIDE's candidate list (a candidate may be listed twice after a tie, §10).
ENTRY = np.dtype(
    [
        ("cand", np.int64),  # the candidate exchange
        ("birth", np.int64),  # the sort at which the entry first took part
        ("base_order", np.int64),  # its order among entries born together
        ("version", np.int64),  # bumped when the entry's heap key rises (older heap items are stale)
        ("next", np.int64),  # the candidate's next entry (-1: none)
        ("alive", np.bool_),
    ],
    align=True,
)

#: A node of a candidate's gain history: the gain in force from sort ``time`` on.
GAIN_NODE = np.dtype([("time", np.int64), ("gain", np.float64), ("prev", np.int64)], align=True)

#: A node of the U pool: one actor's entry in a side's U table (§6.2), linked per side.
U_NODE = np.dtype([("actor", np.int64), ("value", np.float64), ("next", np.int64)], align=True)

#: A realised exchange as it stands after its update pass (§7.4).
REALISED = np.dtype(
    [
        ("cand", np.int64),
        ("gain", np.float64),
        ("pos_i", np.float64), ("y_i", np.float64), ("move_i", np.float64), ("eu_i", np.float64),
        ("pos_j", np.float64), ("y_j", np.float64), ("move_j", np.float64), ("eu_j", np.float64),
    ],
    align=True,
)

#: The scalar state of one round's realisation loop, and its counters.
ROUND_STATE = np.dtype(
    [
        ("n_sort", np.int64),  # T, the number of DECIDE list sorts so far
        ("heap_size", np.int64),
        ("n_entries", np.int64),
        ("n_live", np.int64),
        ("n_appended", np.int64),
        ("n_gain_nodes", np.int64),
        ("n_u", np.int64),
        ("n_realised", np.int64),
        ("n_linger", np.int64),
        ("first_done", np.bool_),
        ("ties", np.int64),
        ("recalculations", np.int64),
        ("cells_visited", np.int64),
        ("heap_pops", np.int64),
        ("dropped", np.int64),
        ("capped", np.int64),
    ],
    align=True,
)

if INTERPRETED:  # plain Python (kernels/_cold.py): records read and written by attribute, as numba's are
    SIDE, ENTRY, GAIN_NODE, U_NODE, REALISED, ROUND_STATE = (
        np.dtype((np.record, d)) for d in (SIDE, ENTRY, GAIN_NODE, U_NODE, REALISED, ROUND_STATE)
    )

#: SIDE keeps counters and indices in 32 bits: a round's sort count stays below ``max_sorts(M)`` < 2**31.
#: Far above what the memory check admits (``MODEL_BYTES`` per actor pair × issue pair within 2 GiB).
MAX_CANDIDATES = 40_000_000
_TOO_MANY_CANDIDATES = f"the exchange kernel takes at most {MAX_CANDIDATES:,} candidate exchanges per round"


@jit_inline
def max_sorts(M: int) -> int:
    """The most list sorts a round of ``M`` candidates runs before it stops as capped (a safety net: DECIDE's
    loop ends by itself; the counter ``iteration cap hit`` says when this one did)."""
    return 50 * M + 100000

#: Inputs of at most this many cells (actors x issues) run uncompiled on a cold start (kernels/_cold.py):
#: the default scenario's 64 cells take about 0.3 s per model that way at load 1.
SMALL_CELLS = 100


@jit_inline
def _mix(x: np.uint64) -> np.uint64:
    """splitmix64's finaliser: a bijective 64-bit hash."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@jit_inline
def _key(seed: np.uint64, a: int, b: int, c: int) -> np.uint64:
    """The hash of (seed, a, b, c) that :func:`uniform` finishes with its last key."""
    h = _mix(seed ^ np.uint64(0x9E3779B97F4A7C15))
    h = _mix(h ^ np.uint64(a))
    h = _mix(h ^ np.uint64(b))
    return _mix(h ^ np.uint64(c))


@jit_inline
def _unit(h: np.uint64, d: int) -> float:
    """U[0, 1) from :func:`_key`'s hash and the last key ``d``."""
    return float(_mix(h ^ np.uint64(d)) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@kernel
def uniform(seed: np.uint64, a: int, b: int, c: int, d: int) -> float:
    """A U[0, 1) number keyed on (seed, a, b, c, d): a counter-based stream, order independent."""
    return _unit(_key(seed, a, b, c), d)


# -- candidate state ---------------------------------------------------------------------------------
@jit_inline
def _local_sum(e: int, k: int, v: float, self_from_u: bool, side: Records, CW: FloatArray) -> float:
    """Σ c·s·z on side k's supply issue (§4 N_k times W): U entries override X, k sits at ``v``.

    With ``self_from_u`` an entry for k itself in U overrides ``v`` (§6.2's Δ). The U table of the side
    is kept as a running correction Σ c·s·(U − X) over the other actors plus k's own entry.
    """
    sd = side[e, k]
    a = sd.actor
    d = sd.supply
    z = v
    if self_from_u and sd.u_has_self:
        z = sd.u_self
    return float(CW[4, 1, d] - CW[3, a, d] * CW[0, a, d] + sd.u_corr + CW[3, a, d] * z)


@jit_inline
def _ok(e: int, k: int, m: float, side: Records) -> bool:
    """§6.1, the move test; the side's history already ends with ``m``."""
    sd = side[e, k]
    if abs(m) > 100.0 or abs(m) <= EPS:
        return False
    y = sd.pos + m
    if y < -BOUND or y > 100.0 + BOUND:
        return False
    if sd.hist_sum + sd.hist_last > 100.0 + BOUND:
        return False
    last = sd.hist_last
    allpos = sd.hist_all_pos and last > 0
    allneg = sd.hist_all_neg and last < 0
    return bool(allpos or allneg)


@jit_inline
def _both_ok(e: int, side: Records) -> bool:
    return _ok(e, 0, side[e, 0].move, side) and _ok(e, 1, side[e, 1].move, side)


@jit_inline
def _set_moves(e: int, mi: float, mj: float, side: Records, CW: FloatArray) -> None:
    """§5.3 signs, replace the last history entries and set y = pos + move on both sides."""
    si = side[e, 0]
    sj = side[e, 1]
    mi = -abs(mi) if si.pos > CW[0, sj.actor, sj.demand] else abs(mi)
    mj = -abs(mj) if sj.pos > CW[0, si.actor, si.demand] else abs(mj)
    si.move = mi
    sj.move = mj
    si.hist_last = mi
    sj.hist_last = mj
    si.y = si.pos + mi
    sj.y = sj.pos + mj


@kernel
def _cap(
    e: int, k: int, side: Records, CW: FloatArray,
) -> None:
    """§6.2: cut side k's move so that its local outcome is not carried across its partner's position."""
    kb = 1 - k
    a = side[e, k].actor
    b = side[e, kb].actor
    d = side[e, k].supply
    f = side[e, kb].supply
    t = CW[0, b, side[e, kb].demand]  # the partner's target: its round-start position on its demand issue
    n0 = _local_sum(e, k, side[e, k].pos, False, side, CW) / CW[4, 0, d]
    n1 = _local_sum(e, k, side[e, k].y, False, side, CW) / CW[4, 0, d]
    d0 = t - n0
    d1 = t - n1
    if abs(d0) <= KNIFE:
        d0 = 0.0
    if abs(d1) <= KNIFE:
        d1 = 0.0  # a full move that lands exactly on t: rounding must not decide (matters for §11)
    if (d0 >= 0 and d1 >= 0) or (d0 <= 0 and d1 <= 0):
        return
    zsum = _local_sum(e, k, side[e, k].pos, True, side, CW)
    delta = abs(t * CW[4, 0, d] - zsum) / CW[3, a, d]
    r_k = delta * CW[1, a, d] * CW[2, a, d] / CW[4, 0, d]
    r_kb = r_k * (CW[1, a, d] + CW[1, b, d]) / (CW[1, a, f] + CW[1, b, f])
    m_kb = r_kb * CW[4, 0, f] / CW[3, b, f]
    if k == 0:
        _set_moves(e, delta, m_kb, side, CW)
    else:
        _set_moves(e, m_kb, delta, side, CW)
    side[e, 0].gain = abs(r_kb * CW[1, b, f] - r_k * CW[1, b, d])


@kernel
def _calc(
    e: int, p: float, seed: np.uint64, round_no: int, side: Records, CW: FloatArray, clean: int,
) -> None:
    """§5 CALC: the equal-gain exchange of candidate ``e`` from its current private state.

    With ``clean`` a capped exchange's ``eu`` is its capped gain (DECIDE keeps the pre-cap value).
    """
    si = side[e, 0]
    sj = side[e, 1]
    a = si.actor
    b = sj.actor
    Q = si.supply
    P = sj.supply
    Dj = abs(CW[0, a, P] - sj.pos)  # i's target: its round-start position on its demand issue P
    Di = abs(CW[0, b, Q] - si.pos)
    dP = Dj * CW[1, b, P] * CW[2, b, P] / CW[4, 0, P]
    dQ = dP * (CW[1, b, P] + CW[1, a, P]) / (CW[1, b, Q] + CW[1, a, Q])
    mi = dQ * CW[4, 0, Q] / (CW[2, a, Q] * CW[1, a, Q])
    mj = Dj
    if mi > Di:
        dQ = Di * CW[1, a, Q] * CW[2, a, Q] / CW[4, 0, Q]
        dP = dQ * (CW[1, a, Q] + CW[1, b, Q]) / (CW[1, a, P] + CW[1, b, P])
        mi = Di
        mj = dP * CW[4, 0, P] / (CW[2, b, P] * CW[1, b, P])
    _set_moves(e, mi, mj, side, CW)
    g = abs(dQ * CW[1, a, Q] - dP * CW[1, a, P])
    si.gain = g
    si.eu = g
    sj.eu = g
    si.ncalc += 1
    ok = _both_ok(e, side) and g >= EPS
    si.valid = ok
    if not ok:
        return
    _cap(e, 0, side, CW)
    _cap(e, 1, side, CW)
    si.valid = _both_ok(e, side)
    if clean == 1:
        si.eu = si.gain
        sj.eu = si.gain
    if p > 0:
        h = _key(seed, round_no, e, si.ncalc)  # keyed on the candidate's generation index e
        _randomise(e, p, _unit(h, 0), _unit(h, 1), _unit(h, 2), side, CW)


@kernel
def _randomise(
    e: int, p: float, u: float, v: float, z: float, side: Records, CW: FloatArray,
) -> None:
    """§11, randomised equal gain, as peninsula restates it (see ``docs/models/exchange.md``).

    Utilities are salience-weighted outcome shifts, eu_i = δP·s_iP − δQ·s_iQ and eu_j = δQ·s_jQ − δP·s_jP.
    Side A (i if u < 0.5) wins (v < 0.5: eu' = eu + p·z·(eu_max − eu)) or loses (eu' = eu − p·z·eu); A
    moves fully and the partner's shift follows from eu' (or the partner moves fully if it would overshoot
    and A's shift follows), then the §6.2 cap runs on the side that moves partially. ``gain`` (the sort
    key) keeps its p = 0 value.
    """
    si = side[e, 0]
    sj = side[e, 1]
    a = si.actor
    b = sj.actor
    Q = si.supply
    P = sj.supply
    FP = abs(CW[0, a, P] - sj.pos) * CW[3, b, P] / CW[4, 0, P]
    FQ = abs(CW[0, b, Q] - si.pos) * CW[3, a, Q] / CW[4, 0, Q]
    siP = CW[1, a, P]
    siQ = CW[1, a, Q]
    sjP = CW[1, b, P]
    sjQ = CW[1, b, Q]
    eu = si.gain
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
    _set_moves(e, dQ * CW[4, 0, Q] / CW[3, a, Q], dP * CW[4, 0, P] / CW[3, b, P], side, CW)
    saved = si.gain
    _cap(e, capped, side, CW)
    si.gain = saved
    dQ = abs(si.move) * CW[3, a, Q] / CW[4, 0, Q]
    dP = abs(sj.move) * CW[3, b, P] / CW[4, 0, P]
    si.eu = dP * siP - dQ * siQ
    sj.eu = dQ * sjQ - dP * sjP
    si.valid = _both_ok(e, side)


@jit_inline
def _fold(sd: Any, last: float) -> None:
    """Move ``last`` into the side's history prefix (the last entry is then set by CALC)."""
    sd.hist_sum = sd.hist_sum + last
    if not last > 0:
        sd.hist_all_pos = False
    if not last < 0:
        sd.hist_all_neg = False


@kernel
def _update(
    e: int, R: int, n_u: int, p: float, seed: np.uint64, round_no: int,
    side: Records, CW: FloatArray, upool: Records, clean: int,
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
            if side[e, k].actor == side[R, r].actor and side[e, k].supply == side[R, r].supply:
                side[e, k].pos = side[R, r].y
                if k == 0:
                    fold0 = True
                    rmove0 = side[R, r].move
                else:
                    fold1 = True
                    rmove1 = side[R, r].move
                matched_a = True
                break
    matched_b = False
    for step in range(2):
        dside = 1 if step == 0 else 0  # D = R.j then R.i
        sside = 1 - dside
        da = side[R, dside].actor
        dd = side[R, dside].demand
        for k in range(2):
            if side[e, k].actor == da and side[e, k].demand == dd:
                # U_C[dd] is the table of the side of C that supplies dd (the partner of k)
                sk = side[e, 1 - k]
                sa = side[R, sside].actor
                ys = side[R, sside].y
                node = sk.u_head
                found = -1
                while node >= 0:
                    if upool[node].actor == sa:
                        found = node
                        break
                    node = upool[node].next
                if found < 0:
                    upool[n_u].actor = sa
                    upool[n_u].value = ys
                    upool[n_u].next = sk.u_head
                    sk.u_head = n_u
                    n_u += 1
                    old = CW[0, sa, dd]
                    new = ys
                else:
                    old = upool[found].value
                    start = CW[0, sa, side[R, sside].supply]  # S's round-start position
                    new = min(old, ys) if start <= old else max(old, ys)
                    upool[found].value = new
                if sa == sk.actor:
                    sk.u_has_self = True
                    sk.u_self = new
                else:
                    sk.u_corr += CW[3, sa, dd] * (new - old)
                matched_b = True
                break
    if matched_a or matched_b:
        # history: a matched supply side keeps its old candidate move (stale entry), the other side's
        # last entry is replaced by the recalculation
        if fold0:
            _fold(side[e, 0], rmove0 if clean == 1 else side[e, 0].hist_last)
        if fold1:
            _fold(side[e, 1], rmove1 if clean == 1 else side[e, 1].hist_last)
        _calc(e, p, seed, round_no, side, CW, clean)
    return n_u


# -- candidate generation (§3) -------------------------------------------------------------------------
@kernel
def _cell_weights(X: FloatArray, s: FloatArray, c: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per cell c·s (0 where missing); per issue W = Σ c·s and S = Σ c·s·x."""
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
    return cs, W, S


@kernel
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


@kernel
def _new_sides(cand: IntArray, X: FloatArray) -> Records:
    """The round-start state of both sides of every candidate (empty histories and U tables)."""
    M = cand.shape[0]
    side = np.zeros((M, 2), dtype=SIDE)
    for e in range(M):
        a, b, Q, P = cand[e, 0], cand[e, 1], cand[e, 2], cand[e, 3]
        si = side[e, 0]
        sj = side[e, 1]
        si.actor = a
        si.supply = Q
        si.demand = P
        sj.actor = b
        sj.supply = P
        sj.demand = Q
        for k in range(2):
            side[e, k].hist_all_pos = True
            side[e, k].hist_all_neg = True
            side[e, k].u_head = -1
            side[e, k].stamp = -1
        si.pos = X[a, Q]
        sj.pos = X[b, P]
    return side


@kernel
def _cell_lists(side: Records, n: int, m: int) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Cell → the candidate sides in which that cell supplies, and demands (CSR; item = 2·e + k)."""
    M = side.shape[0]
    sup_key = np.empty(2 * M, dtype=np.int64)
    dem_key = np.empty(2 * M, dtype=np.int64)
    for e in range(M):
        for k in range(2):
            sup_key[2 * e + k] = side[e, k].actor * m + side[e, k].supply
            dem_key[2 * e + k] = side[e, k].actor * m + side[e, k].demand
    sup_start, sup_items = csr(sup_key, n * m)
    dem_start, dem_items = csr(dem_key, n * m)
    return sup_start, sup_items, dem_start, dem_items


# -- DECIDE's list order, recovered from gain histories (§7.1) ------------------------------------------
@kernel
def _gain_at(cand: int, t: int, side: Records, gh: Records) -> int:
    """The gain-history node of ``cand`` in force at sort ``t``."""
    node = int(side[cand, 0].gh_head)
    while gh[node].time > t:
        node = int(gh[node].prev)
    return node


@kernel
def _before(e1: int, e2: int, t: int, ent: Records, side: Records, gh: Records) -> bool:
    """Whether list entry e1 precedes e2 in DECIDE's list right after the stable sort number ``t``.

    A stable sort orders by gain (within TIE: equal) and keeps the previous order among equals; the
    previous order is the one after the previous sort, with entries appended since then at the end. So
    equal gains are compared one sort further back until they differ or an entry's birth is reached.
    """
    n1 = _gain_at(ent[e1].cand, t, side, gh)
    n2 = _gain_at(ent[e2].cand, t, side, gh)
    b1_at = ent[e1].birth
    b2_at = ent[e2].birth
    while True:
        g1 = gh[n1].gain
        g2 = gh[n2].gain
        if g1 > g2 + TIE:
            return True
        if g2 > g1 + TIE:
            return False
        lo = max(gh[n1].time, gh[n2].time, b1_at, b2_at)
        b1 = b1_at == lo
        b2 = b2_at == lo
        if b1 and b2:
            return bool(ent[e1].base_order < ent[e2].base_order)
        if b1:
            return False
        if b2:
            return True
        t = lo - 1
        while gh[n1].time > t:
            n1 = gh[n1].prev
        while gh[n2].time > t:
            n2 = gh[n2].prev


# -- the steps of one round --------------------------------------------------------------------------------
@kernel
def _rebuild_heap(st: Records, ent: Records, side: Records, hg: FloatArray, he: IntArray,
                  hv: IntArray) -> None:
    """Rebuild the heap from the live entries only (drops stale items)."""
    n = 0
    for k in range(st[0].n_entries):
        if ent[k].alive:
            hg[n] = side[ent[k].cand, 0].gain
            he[n] = k
            hv[n] = ent[k].version
            n += 1
    heap.heapify(n, hg, he, hv)
    st[0].heap_size = n


@kernel
def _pop_cluster(
    st: Records, ent: Records, side: Records, hg: FloatArray, he: IntArray, hv: IntArray,
    cluster: IntArray,
) -> tuple[int, IntArray]:
    """Pop the top cluster of live entries (gains within TIE of the best) into ``cluster``; its size."""
    r = st[0]
    nc = 0
    top_gain = 0.0
    while r.heap_size > 0:
        k = he[0]
        ver = hv[0]
        g = hg[0]
        r.heap_pops += 1
        if not ent[k].alive or ent[k].version != ver:
            r.heap_size = heap.pop(r.heap_size, hg, he, hv)
            continue
        if nc > 0 and not (abs(top_gain - g) < TIE):
            break
        if g != side[ent[k].cand, 0].gain:
            # lazy decrease: the item's key is an upper bound; re-insert it with the current gain
            r.heap_size = heap.pop(r.heap_size, hg, he, hv)
            r.heap_size = heap.push(r.heap_size, side[ent[k].cand, 0].gain, k, ver, hg, he, hv)
            continue
        if nc == 0:
            top_gain = g
        if nc >= len(cluster):
            cluster = grow(cluster, nc + 1)
        cluster[nc] = k
        nc += 1
        r.heap_size = heap.pop(r.heap_size, hg, he, hv)
    return nc, cluster


@kernel
def _drop_if_all_invalid(st: Records, ent: Records, side: Records, cluster: IntArray, nc: int) -> bool:
    """Drop a tied cluster none of whose candidates is valid (DECIDE would cycle it forever, §7.2-7.3)."""
    for x in range(nc):
        if side[ent[cluster[x]].cand, 0].valid:
            return False
    for x in range(nc):
        ent[cluster[x]].alive = False
        st[0].n_live -= 1
    st[0].dropped += nc
    return True


@kernel
def _first_two(cluster: IntArray, nc: int, t: int, ent: Records, side: Records,
               gh: Records) -> tuple[int, int]:
    """The cluster's first entry and its runner-up (-1 if none) in DECIDE's list order after sort t."""
    fi = 0
    for x in range(1, nc):
        if _before(cluster[x], cluster[fi], t, ent, side, gh):
            fi = x
    first = cluster[fi]
    second = -1
    for x in range(nc):
        if x == fi:
            continue
        if second < 0 or _before(cluster[x], second, t, ent, side, gh):
            second = cluster[x]
    return first, second


@kernel
def _requeue_rest(
    st: Records, cluster: IntArray, nc: int, first: int, second: int, ent: Records, side: Records,
    gh: Records, hg: FloatArray, he: IntArray, hv: IntArray,
) -> tuple[FloatArray, IntArray, IntArray]:
    """Push every cluster entry but the first two back into the heap, keyed on its gain at this sort."""
    r = st[0]
    for x in range(nc):
        k = cluster[x]
        if k != first and k != second:
            key = gh[_gain_at(ent[k].cand, r.n_sort, side, gh)].gain
            r.heap_size, hg, he, hv = heap.push_grow(r.heap_size, key, k, ent[k].version, hg, he, hv)
    return hg, he, hv


@jit_inline
def _heads(tie_mode: int, tie_choices: IntArray, seed: np.uint64, round_no: int, tie_no: int) -> bool:
    """§10: whether tie number ``tie_no`` of the round realises the runner-up (a seeded coin with
    ``tie_mode`` 1, a replayed choice with 2, never with 0: DECIDE's "tails")."""
    if tie_mode == 1:
        return bool(uniform(seed, round_no, tie_no, 0, 3) >= 0.5)
    if tie_mode == 2 and tie_no < len(tie_choices):
        return bool(tie_choices[tie_no] == 1)
    return False


@kernel
def _resolve_tie(
    st: Records, first: int, second: int, M: int, tie_mode: int, tie_choices: IntArray, seed: np.uint64,
    round_no: int, clean: int, ent: Records, side: Records,
    hg: FloatArray, he: IntArray, hv: IntArray,
) -> tuple[int, Records, FloatArray, IntArray, IntArray]:
    """§10: realise the first or (coin / replayed choice) the runner-up; the realised candidate R.

    DECIDE lists the candidate not realised again at the end of the list (a duplicate entry); with
    ``clean`` it keeps its place instead. The first entry has already been taken off the list.
    """
    r = st[0]
    R = ent[first].cand
    heads = _heads(tie_mode, tie_choices, seed, round_no, r.ties)
    r.ties += 1
    if clean == 1:
        # no duplicate: the candidate not realised keeps its place in the list
        keep = second
        if heads:
            ent[second].alive = False
            ent[first].alive = True  # net: one entry fewer, as without a tie
            R = ent[second].cand
            keep = first
        r.heap_size, hg, he, hv = heap.push_grow(
            r.heap_size, side[ent[keep].cand, 0].gain, keep, ent[keep].version, hg, he, hv)
        return R, ent, hg, he, hv
    moved = first if heads else second  # the entry whose candidate is listed again at the end
    if heads:
        ent[second].alive = False
        r.n_live -= 1
        R = ent[second].cand
    else:
        # the runner-up stays at the front: back into the heap as it was
        r.heap_size, hg, he, hv = heap.push_grow(
            r.heap_size, side[ent[second].cand, 0].gain, second, ent[second].version, hg, he, hv)
    # append a new entry for the candidate of ``moved``
    cm = ent[moved].cand
    k = r.n_entries
    if k >= len(ent):
        ent = grow(ent, k + 1)
    ent[k].cand = cm
    ent[k].birth = r.n_sort + 1
    ent[k].base_order = M + r.n_appended
    r.n_appended += 1
    ent[k].alive = True
    r.n_live += 1
    ent[k].version = 0
    ent[k].next = side[cm, 0].ent_head
    side[cm, 0].ent_head = k
    r.heap_size, hg, he, hv = heap.push_grow(r.heap_size, side[cm, 0].gain, k, 0, hg, he, hv)
    r.n_entries += 1
    return R, ent, hg, he, hv


@kernel
def _drop_invalid_entries(st: Records, ent: Records, side: Records,
                          linger: IntArray) -> None:
    """§7.4: the pass drops every listed entry whose candidate is invalid: all of them at the first
    realisation, later only those left behind by a duplicate's update in the previous pass."""
    r = st[0]
    if not r.first_done:
        r.first_done = True
        for k in range(r.n_entries):
            if ent[k].alive and not side[ent[k].cand, 0].valid:
                ent[k].alive = False
                r.n_live -= 1
    for x in range(r.n_linger):
        e = linger[x]
        if not side[e, 0].valid:
            k = side[e, 0].ent_head
            while k >= 0:
                if ent[k].alive:
                    ent[k].alive = False
                    r.n_live -= 1
                k = ent[k].next
    r.n_linger = 0


@kernel
def _collect_affected(
    st: Records, R: int, side: Records, m: int, sup_start: IntArray, sup_items: IntArray,
    dem_start: IntArray, dem_items: IntArray, affected: IntArray,
) -> int:
    """The candidates the realisation of R can change (supply or demand identity, §7 UPDATE); how many."""
    r = st[0]
    na = 0
    for k in range(2):
        cell = side[R, k].actor * m + side[R, k].supply
        r.cells_visited += sup_start[cell + 1] - sup_start[cell]
        for idx in range(sup_start[cell], sup_start[cell + 1]):
            e = sup_items[idx] // 2
            if side[e, 0].stamp != r.n_sort:
                side[e, 0].stamp = r.n_sort
                affected[na] = e
                na += 1
        cell = side[R, k].actor * m + side[R, k].demand
        for idx in range(dem_start[cell], dem_start[cell + 1]):
            e = dem_items[idx] // 2
            if side[e, 0].stamp != r.n_sort:
                side[e, 0].stamp = r.n_sort
                affected[na] = e
                na += 1
    return na


@kernel
def _pass_order(
    st: Records, affected: IntArray, na: int, side: Records, ent: Records, gh: Records, order: IntArray,
) -> tuple[int, IntArray]:
    """The live entries of the affected valid candidates, in list order when a candidate is listed twice.

    The pass order matters when a candidate is listed more than once (a tie duplicate): UPDATE(R, R)
    changes R, and a duplicate's second update can invalidate a candidate whose first entry has already
    been kept.
    """
    t = st[0].n_sort
    multi = False
    no = 0
    for x in range(na):
        e = affected[x]
        if not side[e, 0].valid:
            continue
        count = 0
        k = side[e, 0].ent_head
        while k >= 0:
            if ent[k].alive:
                if no >= len(order):  # grow only when full: every call reference-counts its array
                    order = grow(order, no + 1)
                order[no] = k
                no += 1
                count += 1
            k = ent[k].next
        if count > 1:
            multi = True
    if multi:
        # insertion sort by list position; entries appended in this iteration come last
        for x in range(1, no):
            cur = order[x]
            yy = x - 1
            while yy >= 0:
                prev = order[yy]
                if ent[prev].birth > t and ent[cur].birth > t:
                    cur_first = ent[cur].base_order < ent[prev].base_order
                elif ent[cur].birth > t:
                    cur_first = False
                elif ent[prev].birth > t:
                    cur_first = True
                else:
                    cur_first = _before(cur, prev, t, ent, side, gh)
                if cur_first:
                    order[yy + 1] = prev
                    yy -= 1
                else:
                    break
            order[yy + 1] = cur
    return no, order


@kernel
def _record_gain(st: Records, e: int, side: Records, gh: Records) -> Records:
    """Record candidate e's new gain in its history, in force from the next sort on."""
    r = st[0]
    node = side[e, 0].gh_head
    if side[e, 0].gh_time == r.n_sort + 1:
        gh[node].gain = side[e, 0].gain
        return gh
    k = r.n_gain_nodes
    if k >= len(gh):
        gh = grow(gh, k + 1)
    gh[k].time = r.n_sort + 1
    gh[k].gain = side[e, 0].gain
    gh[k].prev = node
    side[e, 0].gh_head = k
    side[e, 0].gh_time = r.n_sort + 1
    r.n_gain_nodes += 1
    return gh


@kernel
def _update_pass(
    st: Records, R: int, order: IntArray, no: int, p: float, seed: np.uint64, round_no: int,
    side: Records, CW: FloatArray, clean: int,
    ent: Records, gh: Records, upool: Records, linger: IntArray,
    hg: FloatArray, he: IntArray, hv: IntArray,
) -> tuple[Records, Records, IntArray, FloatArray, IntArray, IntArray]:
    """§7 UPDATE of every entry in ``order`` after R's realisation; re-key the heap where gains rose."""
    r = st[0]
    for x in range(no):
        k = order[x]
        e = ent[k].cand
        if not ent[k].alive:
            continue
        if not side[e, 0].valid:
            ent[k].alive = False
            r.n_live -= 1
            continue
        r.recalculations += 1
        g_old = side[e, 0].gain
        r.n_u = _update(e, R, r.n_u, p, seed, round_no, side, CW, upool, clean)
        if r.n_u > len(upool) - 8:
            upool = grow(upool, 2 * len(upool))
        gh = _record_gain(st, e, side, gh)
        if not side[e, 0].valid:
            # this entry goes; entries of e already kept in this pass stay listed until the next pass
            ent[k].alive = False
            r.n_live -= 1
            if r.n_linger >= len(linger):
                linger = grow(linger, r.n_linger + 1)
            linger[r.n_linger] = e
            r.n_linger += 1
        if side[e, 0].gain > g_old:
            # a higher key needs a new item; a lower one is fixed when the old item surfaces
            k2 = side[e, 0].ent_head
            while k2 >= 0:
                if ent[k2].alive:
                    ent[k2].version += 1
                    r.heap_size, hg, he, hv = heap.push_grow(
                        r.heap_size, side[e, 0].gain, k2, ent[k2].version, hg, he, hv)
                k2 = ent[k2].next
    return gh, upool, linger, hg, he, hv


@kernel
def _record_realised(k: int, R: int, side: Records, real: Records) -> Records:
    """Store R as it stands after its update pass as realised exchange number ``k`` (grows ``real``)."""
    if k >= len(real):
        real = grow(real, k + 1)
    real[k].cand = R
    real[k].gain = side[R, 0].gain
    si = side[R, 0]
    sj = side[R, 1]
    real[k].pos_i = si.pos
    real[k].y_i = si.y
    real[k].move_i = si.move
    real[k].eu_i = si.eu
    real[k].pos_j = sj.pos
    real[k].y_j = sj.y
    real[k].move_j = sj.move
    real[k].eu_j = sj.eu
    return real


@kernel
def _settle(
    X: FloatArray, s: FloatArray, side: Records, real: Records, n_real: int,
    fixed_weight: float, salience_weight: float,
) -> tuple[FloatArray, FloatArray, IntArray, FloatArray]:
    """§8: voting positions and the preference update (supply cells of realised exchanges; last wins)."""
    Yv = X.copy()
    Xn = X.copy()
    info = np.empty((n_real, 5), dtype=np.int64)  # actor_i, Q, actor_j, P, candidate
    flat = np.empty((n_real, 9))
    for r in range(n_real):
        e = real[r].cand
        for k in range(2):
            a = side[e, k].actor
            d = side[e, k].supply
            y = real[r].y_i if k == 0 else real[r].y_j
            Yv[a, d] = y
            w = fixed_weight + salience_weight * (1.0 - s[a, d])
            Xn[a, d] = (1.0 - w) * X[a, d] + w * y  # X: the round-start positions
        info[r, 0] = side[e, 0].actor
        info[r, 1] = side[e, 0].supply
        info[r, 2] = side[e, 1].actor
        info[r, 3] = side[e, 1].supply
        info[r, 4] = e  # the candidate's generation index
        flat[r, 0] = real[r].pos_i
        flat[r, 1] = real[r].y_i
        flat[r, 2] = real[r].move_i
        flat[r, 3] = real[r].eu_i
        flat[r, 4] = real[r].pos_j
        flat[r, 5] = real[r].y_j
        flat[r, 6] = real[r].move_j
        flat[r, 7] = real[r].eu_j
        flat[r, 8] = real[r].gain
    return Xn, Yv, info, flat


# -- one round ----------------------------------------------------------------------------------------------
@kernel
def _setup(
    X: FloatArray, s: FloatArray, c: FloatArray, p: float, seed: np.uint64, round_no: int, clean: int,
) -> tuple[Records, FloatArray, Records]:
    """§2-§5: the round's candidates, computed once: their SIDE records, the cell array CW and a U pool."""
    n, m = X.shape
    cs, W, S = _cell_weights(X, s, c)
    cand = _generate(X, s, cs, W, S)
    M = cand.shape[0]
    if M > MAX_CANDIDATES:
        raise ValueError(_TOO_MANY_CANDIDATES)
    side = _new_sides(cand, X)
    upool = np.empty(max(16, M // 4), dtype=U_NODE)
    # the cells' arrays and the issue sums packed into one array CW: layers 0-3 are X, s, c and c·s, layer 4
    # holds W (row 0) and S (row 1). With the candidates' gain, validity and computation count in their
    # SIDE records, the steps called for every recalculation take two arrays (side, CW) instead of seven:
    # each array argument of a compiled call is reference-counted
    CW = np.zeros((5, max(n, 2), m))
    CW[0, :n] = X
    CW[1, :n] = s
    CW[2, :n] = c
    CW[3, :n] = cs
    CW[4, 0] = W
    CW[4, 1] = S
    for e in range(M):
        _calc(e, p, seed, round_no, side, CW, clean)
    return side, CW, upool


@kernel
def _heap_loop(
    side: Records, CW: FloatArray, upool: Records, n: int, m: int, p: float, seed: np.uint64, round_no: int,
    tie_mode: int, tie_choices: IntArray, clean: int,
) -> tuple[Records, IntArray]:
    """§7 with a heap over the list entries (see the module docstring): the realised exchanges and the
    counters (ties, recalculations, cells visited, heap pops, candidates, dropped tied invalid entries,
    iteration cap hit, realised)."""
    M = side.shape[0]
    sup_start, sup_items, dem_start, dem_items = _cell_lists(side, n, m)

    st = np.zeros(1, dtype=ROUND_STATE)
    r = st[0]
    # gain histories: node = (time of the first sort it holds for, gain, previous node)
    gh = np.empty(2 * M + 16, dtype=GAIN_NODE)
    # list entries: one per candidate to start with
    ent = np.empty(M + 16, dtype=ENTRY)
    for e in range(M):
        gh[e].time = 0
        gh[e].gain = side[e, 0].gain
        gh[e].prev = -1
        side[e, 0].gh_head = e
        side[e, 0].gh_time = 0
        ent[e].cand = e
        ent[e].birth = 0
        ent[e].base_order = e
        ent[e].alive = True
        ent[e].version = 0
        ent[e].next = -1
        side[e, 0].ent_head = e
    r.n_gain_nodes = M
    r.n_entries = M
    r.n_live = M
    hg = np.empty(2 * M + 16)
    he = np.empty(2 * M + 16, dtype=np.int64)
    hv = np.empty(2 * M + 16, dtype=np.int64)
    _rebuild_heap(st, ent, side, hg, he, hv)  # heapify every initial entry

    real = np.empty(16, dtype=REALISED)
    affected = np.empty(M, dtype=np.int64)
    cluster = np.empty(16, dtype=np.int64)
    order = np.empty(16, dtype=np.int64)
    linger = np.empty(16, dtype=np.int64)
    max_iter = max_sorts(M)
    while True:
        nc, cluster = _pop_cluster(st, ent, side, hg, he, hv, cluster)
        if nc == 0:
            break
        if nc >= 2 and _drop_if_all_invalid(st, ent, side, cluster, nc):
            r.n_sort += 1
            continue
        if max_iter < r.n_sort:
            r.capped = 1
            break
        first, second = _first_two(cluster, nc, r.n_sort, ent, side, gh)
        hg, he, hv = _requeue_rest(st, cluster, nc, first, second, ent, side, gh, hg, he, hv)
        ent[first].alive = False
        r.n_live -= 1
        R = ent[first].cand
        if second >= 0:
            R, ent, hg, he, hv = _resolve_tie(st, first, second, M, tie_mode, tie_choices, seed, round_no,
                                              clean, ent, side, hg, he, hv)
        if not side[R, 0].valid:
            r.n_sort += 1
            continue
        _drop_invalid_entries(st, ent, side, linger)
        na = _collect_affected(st, R, side, m, sup_start, sup_items, dem_start, dem_items, affected)
        no, order = _pass_order(st, affected, na, side, ent, gh, order)
        gh, upool, linger, hg, he, hv = _update_pass(
            st, R, order, no, p, seed, round_no, side, CW,
            clean, ent, gh, upool, linger, hg, he, hv)
        if r.heap_size > 2 * r.n_live + 1024:
            _rebuild_heap(st, ent, side, hg, he, hv)
        real = _record_realised(r.n_realised, R, side, real)
        r.n_realised += 1
        r.n_sort += 1

    # ``r`` is a view into ``st`` and keeps no reference to it: read the final state through ``st``
    counters = np.array([st[0].ties, st[0].recalculations, st[0].cells_visited, st[0].heap_pops, M,
                         st[0].dropped, st[0].capped, st[0].n_realised], dtype=np.int64)
    return real, counters


@kernel
def _list_loop(
    side: Records, CW: FloatArray, upool: Records, n: int, m: int, p: float, seed: np.uint64, round_no: int,
    tie_mode: int, tie_choices: IntArray, clean: int,
) -> tuple[Records, IntArray]:
    """§7 on DECIDE's list itself, for small rounds: the same choices, updates and counters as
    :func:`_heap_loop` (heap pops 0), without its heap, gain histories and cell lists.

    The list holds candidate numbers in list order; each sort is a stable insertion sort by gain (a
    later entry moves ahead only when its gain is larger by more than TIE), which is the order
    :func:`_before` recovers. A realisation's update pass visits the candidates :func:`_collect_affected`
    collects (it is called, on the same cell lists), in its order, or in list order when one of them is
    listed twice, as :func:`_pass_order` does. Costs O(list length) per sort and per realisation: cheaper
    than the heap's bookkeeping up to a few hundred candidates.
    """
    M = side.shape[0]
    sup_start, sup_items, dem_start, dem_items = _cell_lists(side, n, m)
    st = np.zeros(1, dtype=ROUND_STATE)  # n_sort (the stamp of the affected candidates), cells visited
    cap = M + 16
    L = np.empty(cap, dtype=np.int64)  # candidate of each list slot, in list order
    alive = np.ones(cap, dtype=np.bool_)
    n_live = np.ones(M, dtype=np.int64)  # live list entries per candidate
    for e in range(M):
        L[e] = e
    nL = M
    affected = np.empty(M, dtype=np.int64)
    order = np.empty(M + 16, dtype=np.int64)  # list slots of the update pass
    linger = np.empty(16, dtype=np.int64)
    real = np.empty(16, dtype=REALISED)
    n_real = 0
    n_linger = 0
    n_u = 0
    n_sort = 0
    ties = 0
    recalculations = 0
    dropped = 0
    capped = 0
    first_done = False
    max_iter = max_sorts(M)
    while True:
        # §7.1: drop dead slots, then the stable sort
        w = 0
        for x in range(nL):
            if alive[x]:
                L[w] = L[x]
                w += 1
        nL = w
        for x in range(nL):
            alive[x] = True
        for x in range(1, nL):
            cur = L[x]
            g = side[cur, 0].gain
            y = x - 1
            while y >= 0 and g > side[L[y], 0].gain + TIE:
                L[y + 1] = L[y]
                y -= 1
            L[y + 1] = cur
        if nL == 0:
            break
        g0 = side[L[0], 0].gain
        nc = 1
        while nc < nL and abs(g0 - side[L[nc], 0].gain) < TIE:
            nc += 1
        if nc >= 2:
            any_valid = False
            for x in range(nc):
                if side[L[x], 0].valid:
                    any_valid = True
                    break
            if not any_valid:  # as _drop_if_all_invalid
                for x in range(nc):
                    alive[x] = False
                    n_live[L[x]] -= 1
                dropped += nc
                n_sort += 1
                continue
        if max_iter < n_sort:
            capped = 1
            break
        # §7.2: take the first entry off; a tie with the runner-up (slot 1) as _resolve_tie
        alive[0] = False
        n_live[L[0]] -= 1
        R = L[0]
        if nc >= 2:
            heads = _heads(tie_mode, tie_choices, seed, round_no, ties)
            ties += 1
            if clean == 1:
                if heads:
                    alive[1] = False
                    n_live[L[1]] -= 1
                    alive[0] = True
                    n_live[L[0]] += 1
                    R = L[1]
            else:
                moved = L[0] if heads else L[1]
                if heads:
                    alive[1] = False
                    n_live[L[1]] -= 1
                    R = L[1]
                if nL >= len(L):
                    L = grow(L, nL + 1)
                    alive = grow(alive, nL + 1)
                L[nL] = moved
                alive[nL] = True
                n_live[moved] += 1
                nL += 1
        if not side[R, 0].valid:
            n_sort += 1
            continue
        # §7.4, as _drop_invalid_entries
        if not first_done:
            first_done = True
            for x in range(nL):
                if alive[x] and not side[L[x], 0].valid:
                    alive[x] = False
                    n_live[L[x]] -= 1
        for q in range(n_linger):
            e = linger[q]
            if not side[e, 0].valid:
                for x in range(nL):
                    if alive[x] and L[x] == e:
                        alive[x] = False
                        n_live[e] -= 1
        n_linger = 0
        st[0].n_sort = n_sort
        na = _collect_affected(st, R, side, m, sup_start, sup_items, dem_start, dem_items, affected)
        # the pass order, as _pass_order: list order when an affected valid candidate is listed twice
        multi = False
        for q in range(na):
            e = affected[q]
            if side[e, 0].valid and n_live[e] > 1:
                multi = True
                break
        no = 0
        if len(order) < nL:
            order = np.empty(nL + 16, dtype=np.int64)
        if multi:
            for x in range(nL):
                if alive[x] and side[L[x], 0].stamp == n_sort and side[L[x], 0].valid:
                    order[no] = x
                    no += 1
        else:
            for q in range(na):
                e = affected[q]
                if side[e, 0].valid and n_live[e] == 1:
                    for x in range(nL):
                        if alive[x] and L[x] == e:
                            order[no] = x
                            no += 1
                            break
        # §7 UPDATE of each, as _update_pass
        for q in range(no):
            x = order[q]
            e = L[x]
            if not alive[x]:
                continue
            if not side[e, 0].valid:
                alive[x] = False
                n_live[e] -= 1
                continue
            recalculations += 1
            n_u = _update(e, R, n_u, p, seed, round_no, side, CW, upool, clean)
            if n_u > len(upool) - 8:
                upool = grow(upool, 2 * len(upool))
            if not side[e, 0].valid:
                alive[x] = False
                n_live[e] -= 1
                if n_linger >= len(linger):
                    linger = grow(linger, n_linger + 1)
                linger[n_linger] = e
                n_linger += 1
        real = _record_realised(n_real, R, side, real)
        n_real += 1
        n_sort += 1
    counters = np.array([ties, recalculations, st[0].cells_visited, 0, M, dropped, capped, n_real],
                        dtype=np.int64)
    return real, counters


#: Rounds of at most this many candidates run on the list itself (:func:`_list_loop`) in a sweep. The list
#: path was 1.5x faster than the heap at ~230-310 candidates, 1.2x at ~500, even at ~900 and slower above
#: (synthetic 8-40 actors x 8 issues, one round, CPU time, 2026-12-07; the default scenario has ~28).
LIST_MAX = 512


@jit
def _round_fast(
    X: FloatArray, s: FloatArray, c: FloatArray, fixed_weight: float, salience_weight: float,
    p: float, seed: np.uint64, round_no: int, tie_mode: int, tie_choices: IntArray, clean: int,
    list_max: int,
) -> tuple[FloatArray, FloatArray, IntArray, FloatArray, IntArray]:
    """One round (§2-§8): generate and calculate the candidates, realise them best first, update.

    Rounds of at most ``list_max`` candidates run on :func:`_list_loop` (a sweep passes :data:`LIST_MAX`),
    the others on :func:`_heap_loop`: the same outputs either way, the counters but heap pops included.
    Returns the preference and voting positions, the realised exchanges (:class:`RoundResult`'s
    ``exchanges`` and ``values``) and the counters (ties, recalculations, cells visited, heap pops,
    candidates, dropped tied invalid entries, iteration cap hit).
    """
    n, m = X.shape
    side, CW, upool = _setup(X, s, c, p, seed, round_no, clean)
    if side.shape[0] <= list_max:
        real, counters = _list_loop(side, CW, upool, n, m, p, seed, round_no, tie_mode, tie_choices, clean)
    else:
        real, counters = _heap_loop(side, CW, upool, n, m, p, seed, round_no, tie_mode, tie_choices, clean)
    Xn, Yv, info, flat = _settle(X, s, side, real, counters[7], fixed_weight, salience_weight)
    return Xn, Yv, info, flat, counters[:7].copy()


@jit
def _round(
    X: FloatArray, s: FloatArray, c: FloatArray, fixed_weight: float, salience_weight: float,
    p: float, seed: np.uint64, round_no: int, tie_mode: int, tie_choices: IntArray, clean: int,
) -> tuple[FloatArray, FloatArray, IntArray, FloatArray, IntArray]:
    """:func:`_round_fast` on the heap path only (a forecast: its counters include the heap pops).

    Written out rather than calling ``_round_fast(..., -1)``: that would compile :func:`_list_loop` into
    every forecast's kernel too (a cold compile of this kernel took 31.1 s of CPU that way, 23.2 s this way).
    """
    n, m = X.shape
    side, CW, upool = _setup(X, s, c, p, seed, round_no, clean)
    real, counters = _heap_loop(side, CW, upool, n, m, p, seed, round_no, tie_mode, tie_choices, clean)
    Xn, Yv, info, flat = _settle(X, s, side, real, counters[7], fixed_weight, salience_weight)
    return Xn, Yv, info, flat, counters[:7].copy()


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
    args = (Xf, sf, cf, float(fixed_weight), float(salience_weight), float(p),
            np.uint64(seed & 0xFFFFFFFFFFFFFFFF), int(round_no), int(tie_mode), choices, int(clean))
    get = _cold.choose("the exchange kernel", __name__, {"_round": args}, small=Xf.size <= SMALL_CELLS)
    with np.errstate(over="ignore"):  # plain Python: numpy warns where the uint64 hash wraps (as intended)
        Xn, Yv, info, flat, ties = get("_round")(*args)
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
    cc = np.where(present, np.nan_to_num(c), 0.0)
    ss = np.where(present, np.nan_to_num(s), 0.0)
    # Per issue, capabilities and saliences are scaled by powers of two so that the largest of each lies in
    # [0.5, 1): exact, so ordinary inputs give the unscaled result bit for bit, while tiny (even subnormal)
    # values no longer lose their digits in c·s·x (which could put the mean outside the positions' hull).
    cc = np.ldexp(cc, -np.frexp(cc.max(axis=0, initial=0.0))[1])
    ss = np.ldexp(ss, -np.frexp(ss.max(axis=0, initial=0.0))[1])
    w = cc * ss
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
