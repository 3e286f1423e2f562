"""Compiled (numba) single-issue round of the expected-utility model: the fast path of the EU models.

The same formulas as the NumPy kernels in :mod:`peninsula.kernels.eu` (and the same tie rules), fused into
two loops so that a round on one issue costs a few compiled passes over the ``n x n`` pairs instead of
dozens of NumPy calls. Imported lazily by :func:`peninsula.kernels.eu.fast_round_available`; the test suite
checks that both paths agree. Arrays are 1-D over actors (no batch axis): positions on the issue's scale,
saliences 0–1, weights ``c·s`` >= 0.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from peninsula.kernels import _jit  # noqa: F401 (before any function here is compiled: the cache stamp)

# The numba-compiled functions are untyped for mypy; the public wrappers in kernels/eu.py are typed.


@njit(cache=True)
def pair_sums_1d(x, w):  # type: ignore[no-untyped-def]
    """``(margin, support, total)`` as in :func:`peninsula.kernels.eu.pair_sums`, for 1-D inputs."""
    n = x.shape[0]
    order = np.argsort(x, kind="mergesort")
    margin = np.empty((n, n))
    support = np.empty((n, n))
    total = np.empty((n, n))
    pair_sums_into(
        x,
        w,
        order,
        np.empty(n),
        np.empty(n),
        np.empty(n + 1),
        np.empty(n + 1),
        np.empty(n, dtype=np.int64),
        np.empty(n, dtype=np.int64),
        margin,
        support,
        total,
    )
    return margin, support, total


@njit(cache=True, nogil=True)
def sorted_prefix_into(x, w, order, y, wy, cum_w, cum_wx, le_own, lt_own):  # type: ignore[no-untyped-def]
    """The sorted state of :func:`pair_sums_into` into the caller's buffers; returns the total weight.

    ``y[a] = x[order[a]]``, ``wy[a] = w[order[a]]``; ``cum_w[k]``, ``cum_wx[k]``: the weight and the weighted
    offset from ``y[0]`` of the first ``k`` sorted positions; ``le_own[a]`` / ``lt_own[a]``: the number of
    sorted positions <= / < ``y[a]``.
    """
    n = x.shape[0]
    for a in range(n):
        y[a] = x[order[a]]
        wy[a] = w[order[a]]
    centre = y[0]
    cum_w[0] = 0.0
    cum_wx[0] = 0.0
    for a in range(n):
        cum_w[a + 1] = cum_w[a] + wy[a]
        cum_wx[a + 1] = cum_wx[a] + wy[a] * (y[a] - centre)
    a = 0
    while a < n:
        b = a
        while b + 1 < n and y[b + 1] == y[a]:
            b += 1
        for k in range(a, b + 1):
            lt_own[k] = a
            le_own[k] = b + 1
        a = b + 1
    return cum_w[n]


@njit(cache=True, nogil=True, inline="always")  # inlined in the pair loops (a call per pair: ~5 %)
def split_sums(lo, hi, centre, n_le_lo, n_le_mid, n_lt_hi, cum_w, cum_wx, total_w):  # type: ignore[no-untyped-def]
    """``(sup_lo, sup_hi)`` of the sorted positions ``lo`` < ``hi`` given the counts of sorted positions
    <= ``lo``, <= their midpoint and < ``hi``: the midpoint split of :func:`pair_sums_1d` on
    :func:`sorted_prefix_into`'s cumulative sums (``centre = y[0]``, ``total_w = cum_w[n]``)."""
    mid = 0.5 * (lo + hi)
    mid_c = mid - centre
    span = hi - lo
    w_le_lo = cum_w[n_le_lo]
    s_le_lo = cum_wx[n_le_lo]
    w_le_mid = cum_w[n_le_mid]
    s_le_mid = cum_wx[n_le_mid]
    w_lt_hi = cum_w[n_lt_hi]
    s_lt_hi = cum_wx[n_lt_hi]
    left = 2.0 * (mid_c * (w_le_mid - w_le_lo) - (s_le_mid - s_le_lo))
    if left < 0.0:
        left = 0.0
    right = 2.0 * ((s_lt_hi - s_le_mid) - mid_c * (w_lt_hi - w_le_mid))
    if right < 0.0:
        right = 0.0
    return span * w_le_lo + left, span * (total_w - w_lt_hi) + right


@njit(cache=True, nogil=True, inline="always")
def pair_support(lo, n_le_lo, b, y, cum_w, cum_wx, lt_own, total_w):  # type: ignore[no-untyped-def]
    """:func:`split_sums` of the sorted position ``lo`` (``n_le_lo`` positions <= it) and the higher sorted
    position ``y[b]``, the count of positions <= their midpoint found by binary search in
    ``[n_le_lo, lt_own[b]]``."""
    hi = y[b]
    n_lt_hi = lt_own[b]
    mid = 0.5 * (lo + hi)
    left_i = n_le_lo
    right_i = n_lt_hi
    while left_i < right_i:
        m = (left_i + right_i) // 2
        if y[m] <= mid:
            left_i = m + 1
        else:
            right_i = m
    return split_sums(lo, hi, y[0], n_le_lo, left_i, n_lt_hi, cum_w, cum_wx, total_w)


@njit(cache=True)
def pair_sums_into(x, w, order, y, wy, cum_w, cum_wx, le_own, lt_own, margin, support, total):  # type: ignore[no-untyped-def]
    """:func:`pair_sums_1d` into the caller's buffers; ``order`` is the stable ascending order of ``x``.

    ``y``, ``wy``, ``le_own``, ``lt_own`` (length n) and ``cum_w``, ``cum_wx`` (n + 1) are scratch;
    ``margin``, ``support``, ``total`` (n x n) are overwritten.
    """
    n = x.shape[0]
    total_w = sorted_prefix_into(x, w, order, y, wy, cum_w, cum_wx, le_own, lt_own)
    for i in range(n):
        for j in range(n):
            margin[i, j] = 0.0
            support[i, j] = 0.0
            total[i, j] = 0.0
    for a in range(n):
        lo = y[a]
        n_le_lo = le_own[a]
        for b in range(n_le_lo, n):  # every b with y[b] > lo
            sup_lo, sup_hi = pair_support(lo, n_le_lo, b, y, cum_w, cum_wx, lt_own, total_w)
            i = order[a]
            j = order[b]
            support[i, j] = sup_lo
            support[j, i] = sup_hi
            margin[i, j] = sup_lo - sup_hi
            margin[j, i] = sup_hi - sup_lo
            total[i, j] = sup_lo + sup_hi
            total[j, i] = sup_hi + sup_lo


@njit(cache=True)
def eu_matrix_1d(x, s, prob, r, mu, delta, Q, T, paper):  # type: ignore[no-untyped-def]
    """``EU[i, j]`` as :func:`peninsula.kernels.eu.expected_utilities` over :func:`utilities`."""
    n = x.shape[0]
    out = np.empty((n, n))
    eu_matrix_into(x, s, prob, r, mu, delta, Q, T, paper, out)
    return out


@njit(cache=True)
def eu_matrix_into(x, s, prob, r, mu, delta, Q, T, paper, out):  # type: ignore[no-untyped-def]
    """:func:`eu_matrix_1d` into ``out`` (n x n)."""
    n = x.shape[0]
    for i in range(n):
        ri = r[i]
        usq = 2.0 - 4.0 * 0.5**ri
        dmu = abs(x[i] - mu)
        for j in range(n):
            dist = abs(x[i] - x[j])
            us, uf = _contest_utilities(dist / delta, ri)
            p = prob[i, j]
            sj = s[j]
            contest = sj * (p * us + (1.0 - p) * uf) + (1.0 - sj) * us
            if Q == 1.0:
                out[i, j] = contest - Q * usq
            else:
                no_contest = _no_contest((dmu + dist) / delta, ri, T)
                if paper:
                    out[i, j] = contest - (Q * usq + (1.0 - Q) * no_contest)
                else:
                    out[i, j] = contest - Q * usq + (1.0 - Q) * no_contest


@njit(cache=True, nogil=True)
def eu_matrix_offdiag_into(x, s, prob, r, mu, delta, Q, T, paper, order, out):  # type: ignore[no-untyped-def]
    """:func:`eu_matrix_into` for the pairs ``i != j`` only (the diagonal is set to 0), ``order`` the
    ascending order of ``x``.

    The rounds read no diagonal entry (an actor neither challenges nor answers itself), so the loops over
    draws skip it. The utilities of i against j depend on j only through ``|x_i − x_j|``: walking the j in
    ascending order, actors at one position (common once actors have moved onto each other) reuse the
    powers computed for the first of them, and a distance of 0 reuses ``0.5**r_i``. Every entry is
    exactly :func:`eu_matrix_into`'s (the same operations on the same numbers).
    """
    n = x.shape[0]
    us = 0.0
    uf = 0.0
    no_contest = 0.0
    for i in range(n):
        ri = r[i]
        half_r = 0.5**ri
        usq = 2.0 - 4.0 * half_r
        dmu = abs(x[i] - mu)
        out[i, i] = 0.0
        have = False
        last = 0.0
        for jj in range(n):
            j = order[jj]
            if j == i:
                continue
            dist = abs(x[i] - x[j])
            if not (have and x[j] == last):
                if dist == 0.0:
                    us = usq  # b_s = 0.5 + 0.5·0 = 0.5 - 0.5·0 = 0.5: the power is 0.5**r_i
                    uf = usq
                else:
                    us, uf = _contest_utilities(dist / delta, ri)
                if Q != 1.0:
                    no_contest = _no_contest((dmu + dist) / delta, ri, T)
                have = True
                last = x[j]
            p = prob[i, j]
            sj = s[j]
            contest = sj * (p * us + (1.0 - p) * uf) + (1.0 - sj) * us
            if Q == 1.0:
                out[i, j] = contest - Q * usq
            else:
                if paper:
                    out[i, j] = contest - (Q * usq + (1.0 - Q) * no_contest)
                else:
                    out[i, j] = contest - Q * usq + (1.0 - Q) * no_contest


@njit(cache=True)
def risk_1d(eu):  # type: ignore[no-untyped-def]
    """``(r, defined)`` as :func:`peninsula.kernels.eu.risk_exponents`."""
    n = eu.shape[0]
    r = np.empty(n)
    defined = risk_into(eu, np.empty(n), r)
    return r, defined


@njit(cache=True)
def risk_into(eu, a, r):  # type: ignore[no-untyped-def]
    """:func:`risk_1d` into ``r`` (``a`` scratch, length n); returns ``defined``."""
    n = eu.shape[0]
    for i in range(n):
        a[i] = 0.0
    for k in range(n):
        for i in range(n):
            if k != i:
                a[i] += eu[k, i]
    a_max = a.max()
    a_min = a.min()
    spread = a_max - a_min
    for i in range(n):
        r[i] = 1.0
    if not spread > 0.0:
        return False
    for i in range(n):
        big_r = (2.0 * a[i] - a_max - a_min) / spread
        r[i] = (1.0 - big_r / 3.0) / (1.0 + big_r / 3.0)
    return True


@njit(cache=True)
def offers_1d(eu, x, tie_value, rtol):  # type: ignore[no-untyped-def]
    """``(new_positions, sender, kind)`` as :func:`choose_offers` then :func:`respond_to_offers`."""
    n = x.shape[0]
    new = np.empty(n)
    sender = np.empty(n, dtype=np.int64)
    kind = np.empty(n, dtype=np.int64)
    offers_into(eu, x, tie_value, rtol, new, sender, kind)
    return new, sender, kind


@njit(cache=True, nogil=True, inline="always")
def _respond(j, pick, u_i, u_j, x, new, kind):  # type: ignore[no-untyped-def]
    """Receiver ``j``'s response to ``pick``'s offer (:func:`peninsula.kernels.eu.respond_to_offers`):
    ``u_i = EU[j, pick]``, ``u_j = EU[pick, j]``; writes ``kind[j]`` (1 conflict, 2 compromise, 3
    capitulation; untouched otherwise) and ``new[j]``."""
    if u_i > 0.0 and u_i < u_j:
        kind[j] = 1
        new[j] = x[pick]
    elif u_i < 0.0 and abs(u_i) < u_j:
        kind[j] = 2
        new[j] = x[j] + (x[pick] - x[j]) * abs(u_i / u_j)
    elif u_i < 0.0 and abs(u_i) > u_j:
        kind[j] = 3
        new[j] = x[pick]


@njit(cache=True)
def offers_into(eu, x, tie_value, rtol, new, sender, kind):  # type: ignore[no-untyped-def]
    """:func:`offers_1d` into ``new``, ``sender`` (-1: no offer) and ``kind`` (length n each)."""
    n = x.shape[0]
    for j in range(n):
        new[j] = x[j]
        sender[j] = -1
        kind[j] = 0
    for j in range(n):
        best = -np.inf
        for i in range(n):
            if i != j and eu[i, j] > 0.0 and eu[i, j] > best:
                best = eu[i, j]
        if best == -np.inf:
            continue
        floor = best - rtol * abs(best)
        pick = -1
        for i in range(n):
            if i == j or not eu[i, j] > 0.0 or eu[i, j] < floor:
                continue
            if pick < 0:
                pick = i
                continue
            di = abs(x[i] - x[j])
            dp = abs(x[pick] - x[j])
            nearer = di < dp
            tie_won = (
                di == dp and tie_value and (x[i] < x[pick] or (x[i] == x[pick] and eu[j, i] < eu[j, pick]))
            )
            if nearer or tie_won:
                pick = i
        sender[j] = pick
        _respond(j, pick, eu[j, pick], eu[pick, j], x, new, kind)


# -- O(n) memory: the same round without any n x n array -------------------------------------------------
# Every pairwise quantity of a round is a function of two positions and the prefix sums of the sorted
# positions, so it can be recomputed where it is needed instead of stored: one "row" (every partner of one
# actor, in sorted order) costs O(n) with a pointer walking the midpoints, and a pass over all rows O(n²)
# time and O(n) memory. Each entry is computed by the same operations on the same numbers as
# pair_sums_into / eu_matrix_into / risk_into / offers_into, and sums run in the same order, so the
# results are identical to the matrix path (tests/kernels/test_eu_stream.py).


@njit(cache=True, nogil=True)
def _pair(lo_i, hi_i, n_le_mid, y, cum_w, cum_wx, le_own, lt_own):  # type: ignore[no-untyped-def]
    """``(sup_lo, sup_hi)`` of sorted positions ``lo_i`` < ``hi_i`` (``y[lo_i] < y[hi_i]``) with the
    count of positions <= their midpoint, as :func:`pair_sums_into` computes them."""
    n = y.shape[0]
    n_le_lo = le_own[lo_i]
    n_lt_hi = lt_own[hi_i]
    if n_le_mid < n_le_lo:
        n_le_mid = n_le_lo
    if n_le_mid > n_lt_hi:
        n_le_mid = n_lt_hi
    return split_sums(y[lo_i], y[hi_i], y[0], n_le_lo, n_le_mid, n_lt_hi, cum_w, cum_wx, cum_w[n])


@njit(cache=True, nogil=True)
def row_sums(a, y, cum_w, cum_wx, le_own, lt_own, own, other):  # type: ignore[no-untyped-def]
    """For sorted actor ``a`` and every sorted partner ``b``: ``own[b]``, the votes for ``a`` against
    ``b`` (``support[a, b]``), and ``other[b]`` (``support[b, a]``); 0 where the positions are equal."""
    n = y.shape[0]
    ya = y[a]
    p = 0  # the number of positions <= the current midpoint (midpoints rise with b)
    for b in range(n):
        yb = y[b]
        if yb == ya:
            own[b] = 0.0
            other[b] = 0.0
            continue
        mid = 0.5 * (yb + ya) if yb < ya else 0.5 * (ya + yb)
        while p < n and y[p] <= mid:
            p += 1
        if yb < ya:
            sup_lo, sup_hi = _pair(b, a, p, y, cum_w, cum_wx, le_own, lt_own)
            own[b] = sup_hi
            other[b] = sup_lo
        else:
            sup_lo, sup_hi = _pair(a, b, p, y, cum_w, cum_wx, le_own, lt_own)
            own[b] = sup_lo
            other[b] = sup_hi


@njit(cache=True, nogil=True)
def _prob(sup, against, masad):  # type: ignore[no-untyped-def]
    """:func:`peninsula.kernels.eu.win_probabilities` of one ordered pair."""
    total = sup + against
    if not total > 0.0:
        return 0.0
    if masad:
        m = sup - against
        return (m if m >= 0.0 else 0.0) / total
    return sup / total


@njit(cache=True, nogil=True, inline="always")
def _contest_utilities(d, ri):  # type: ignore[no-untyped-def]
    """``(u_s, u_f)`` of :func:`eu_matrix_into` at the normalised distance ``d = |x_i − x_j| / Δ``: ``2 −
    4·max(0.5 − 0.5·d, 0)**r_i`` and ``2 − 4·(0.5 + 0.5·d)**r_i`` (no power taken when ``r_i`` is 1)."""
    b_s = max(0.5 - 0.5 * d, 0.0)  # rounding can push d an ulp past 1
    if ri == 1.0:
        return 2.0 - 4.0 * b_s, 2.0 - 4.0 * (0.5 + 0.5 * d)
    return 2.0 - 4.0 * b_s**ri, 2.0 - 4.0 * (0.5 + 0.5 * d) ** ri


@njit(cache=True, nogil=True, inline="always")
def _no_contest(e, ri, T):  # type: ignore[no-untyped-def]
    """``T·u_b + (1 − T)·u_w`` of :func:`eu_matrix_into` at ``e = (|x_i − μ| + |x_i − x_j|) / Δ``."""
    b_b = max(0.5 - 0.25 * e, 0.0)  # and e an ulp past 2
    if ri == 1.0:
        ub = 2.0 - 4.0 * b_b
        uw = 2.0 - 4.0 * (0.5 + 0.25 * e)
    else:
        ub = 2.0 - 4.0 * b_b**ri
        uw = 2.0 - 4.0 * (0.5 + 0.25 * e) ** ri
    return T * ub + (1.0 - T) * uw


@njit(cache=True, nogil=True)
def _eu(i, j, p, x, s, ri, usq, dmu, delta, Q, T, paper):  # type: ignore[no-untyped-def]
    """``EU[i, j]`` of :func:`eu_matrix_into` with ``prob[i, j] = p``, ``usq = 2 - 4·0.5**r_i``, ``dmu =
    |x_i − μ|``."""
    dist = abs(x[i] - x[j])
    us, uf = _contest_utilities(dist / delta, ri)
    sj = s[j]
    contest = sj * (p * us + (1.0 - p) * uf) + (1.0 - sj) * us
    if Q == 1.0:
        return contest - Q * usq
    no_contest = _no_contest((dmu + dist) / delta, ri, T)
    if paper:
        return contest - (Q * usq + (1.0 - Q) * no_contest)
    return contest - Q * usq + (1.0 - Q) * no_contest


@njit(cache=True, nogil=True)
def stream_setup(x, w):  # type: ignore[no-untyped-def]
    """The sorted state of :func:`pair_sums_into` in fresh arrays (:func:`sorted_prefix_into`; ``rank[i]``:
    actor ``i``'s place in the stable ascending order ``order`` of ``x``) and the position groups: ``(order,
    rank, y, cum_w, cum_wx, le_own, lt_own, starts)``; group ``g`` holds the sorted places
    ``starts[g]:starts[g + 1]``, the actors at one position (``order`` over that range: those actors in
    index order, the sort being stable)."""
    n = x.shape[0]
    order = np.argsort(x, kind="mergesort")
    rank = np.empty(n, dtype=np.int64)
    for a in range(n):
        rank[order[a]] = a
    y = np.empty(n)
    wy = np.empty(n)
    cum_w = np.empty(n + 1)
    cum_wx = np.empty(n + 1)
    le_own = np.empty(n, dtype=np.int64)
    lt_own = np.empty(n, dtype=np.int64)
    sorted_prefix_into(x, w, order, y, wy, cum_w, cum_wx, le_own, lt_own)
    groups = 0
    a = 0
    while a < n:
        groups += 1
        a = le_own[a]
    starts = np.empty(groups + 1, dtype=np.int64)
    g = 0
    a = 0
    while a < n:
        starts[g] = a
        g += 1
        a = le_own[a]
    starts[groups] = n
    return order, rank, y, cum_w, cum_wx, le_own, lt_own, starts


@njit(cache=True, nogil=True)
def _sender_terms(a, x, rank, y, cum_w, cum_wx, le_own, lt_own, r, usq, dmu, delta, Q, T, paper, masad,  # type: ignore[no-untyped-def]
                  own, other, A, US, X, N):
    """:func:`row_sums` of the sorted place ``a`` into ``own`` / ``other``, then for every sender ``i``
    against a receiver at that position ``xa = y[a]`` the receiver-free parts of :func:`_eu`: ``EU[i, j] =
    (s_j·A[i] + (1 − s_j)·US[i] − X[i]) + N[i]`` for every receiver ``j`` at that position, the same
    operations in the same order
    (``A = p·us + (1 − p)·uf``, ``US = us``; ``X = Q·usq`` or, when ``Q < 1`` with ``paper``, ``Q·usq + (1 −
    Q)·no_contest``; ``N = (1 − Q)·no_contest`` when ``Q < 1`` without ``paper``, else unused)."""
    row_sums(a, y, cum_w, cum_wx, le_own, lt_own, own, other)
    xa = y[a]
    n = x.shape[0]
    for i in range(n):
        b = rank[i]
        p = _prob(other[b], own[b], masad)
        ri = r[i]
        dist = abs(x[i] - xa)
        us, uf = _contest_utilities(dist / delta, ri)
        A[i] = p * us + (1.0 - p) * uf
        US[i] = us
        if Q == 1.0:
            X[i] = Q * usq[i]
            continue
        no_contest = _no_contest((dmu[i] + dist) / delta, ri, T)
        if paper:
            X[i] = Q * usq[i] + (1.0 - Q) * no_contest
        else:
            X[i] = Q * usq[i]
            N[i] = (1.0 - Q) * no_contest


@njit(cache=True, nogil=True)
def _pass_buffers(x, r, mu):  # type: ignore[no-untyped-def]
    """A pass's per-sender constants and scratch: ``(usq, dmu, own, other, A, US, X, N)`` with ``usq[i] = 2 −
    4·0.5**r_i`` and ``dmu[i] = |x_i − μ|`` (pass 1: every ``r_i`` 1), the rest for :func:`row_sums` and
    :func:`_sender_terms`."""
    n = x.shape[0]
    usq = np.empty(n)
    dmu = np.empty(n)
    for i in range(n):
        usq[i] = 2.0 - 4.0 * 0.5 ** r[i]
        dmu[i] = abs(x[i] - mu)
    return usq, dmu, np.empty(n), np.empty(n), np.empty(n), np.empty(n), np.empty(n), np.zeros(n)


@njit(cache=True, nogil=True)
def stream_risk_block(g0, g1, x, s, order, rank, y, cum_w, cum_wx, le_own, lt_own, starts, mu1, delta, Q, T,  # type: ignore[no-untyped-def]
                      paper, masad, acc):
    """Pass 1 of the O(n)-memory round (:func:`peninsula.kernels.eu.eu_round_streamed`) for the receivers
    in the position groups ``g0:g1``: ``acc[i]``, the risk-neutral ``EU[k, i]`` summed over the senders
    ``k != i`` in index order (``risk_into``'s order).

    Every receiver at one position shares the senders' terms (:func:`_sender_terms`, computed once per
    group); each receiver's sum is then the same additions in the same order as the matrix path's."""
    n = x.shape[0]
    ones = np.ones(n)
    usq, dmu, own, other, A, US, X, N = _pass_buffers(x, ones, mu1)
    plus = Q != 1.0 and not paper
    for g in range(g0, g1):
        _sender_terms(starts[g], x, rank, y, cum_w, cum_wx, le_own, lt_own, ones, usq, dmu, delta, Q, T,
                      paper, masad, own, other, A, US, X, N)
        for m in range(starts[g], starts[g + 1]):
            i = order[m]
            si = s[i]
            oms = 1.0 - si
            total = 0.0
            for k in range(n):
                if k == i:
                    continue
                v = si * A[k] + oms * US[k] - X[k]
                if plus:
                    v = v + N[k]
                total += v
            acc[i] = total


@njit(cache=True, nogil=True)
def stream_exponents(acc):  # type: ignore[no-untyped-def]
    """``(r, defined)`` from pass 1's sums, as :func:`risk_into`."""
    n = acc.shape[0]
    r = np.empty(n)
    a_max = acc.max()
    a_min = acc.min()
    spread = a_max - a_min
    for i in range(n):
        r[i] = 1.0
    defined = spread > 0.0
    if defined:
        for i in range(n):
            big_r = (2.0 * acc[i] - a_max - a_min) / spread
            r[i] = (1.0 - big_r / 3.0) / (1.0 + big_r / 3.0)
    return r, defined


@njit(cache=True, nogil=True, inline="always")
def _back(j, i, own, other, rank, x, s, r, usq, dmu, delta, Q, T, paper, masad):  # type: ignore[no-untyped-def]
    """``EU[j, i]``, receiver ``j``'s expected utility of challenging ``i`` (``own`` / ``other``: the row
    of ``j``'s position)."""
    b = rank[i]
    return _eu(j, i, _prob(own[b], other[b], masad), x, s, r[j], usq[j], dmu[j], delta, Q, T, paper)


@njit(cache=True, nogil=True)
def stream_offer_block(g0, g1, x, s, order, rank, y, cum_w, cum_wx, le_own, lt_own, starts, r, mu2, delta, Q,  # type: ignore[no-untyped-def]
                       T, paper, masad, tie_value, rtol, new, sender, kind, eu_sent, eu_back):
    """Pass 2 of the O(n)-memory round for the receivers in the position groups ``g0:g1``: per receiver
    ``j`` the column ``EU[., j]`` with the risk exponents ``r``, then ``offers_into``'s choice and tie rules
    and the response; writes ``new``, ``sender``, ``kind``, ``eu_sent``, ``eu_back`` at those receivers.

    The senders' powers are computed once per group (every receiver at one position shares them)."""
    n = x.shape[0]
    usq, dmu, own, other, A, US, X, N = _pass_buffers(x, r, mu2)
    col = np.empty(n)
    plus = Q != 1.0 and not paper
    for g in range(g0, g1):
        _sender_terms(starts[g], x, rank, y, cum_w, cum_wx, le_own, lt_own, r, usq, dmu, delta, Q, T, paper,
                      masad, own, other, A, US, X, N)
        for m in range(starts[g], starts[g + 1]):
            j = order[m]
            new[j] = x[j]
            sender[j] = -1
            kind[j] = 0
            eu_sent[j] = 0.0
            eu_back[j] = 0.0
            sj = s[j]
            oms = 1.0 - sj
            best = -np.inf
            for i in range(n):
                v = sj * A[i] + oms * US[i] - X[i]
                if plus:
                    v = v + N[i]
                col[i] = v
                if v > 0.0 and v > best and i != j:
                    best = v
            col[j] = 0.0
            if best == -np.inf:
                continue
            floor = best - rtol * abs(best)
            pick = -1
            for i in range(n):
                if i == j or not col[i] > 0.0 or col[i] < floor:
                    continue
                if pick < 0:
                    pick = i
                    continue
                di = abs(x[i] - x[j])
                dp = abs(x[pick] - x[j])
                nearer = di < dp
                tie_won = False
                if di == dp and tie_value:
                    if x[i] < x[pick]:
                        tie_won = True
                    elif x[i] == x[pick]:
                        back_i = _back(j, i, own, other, rank, x, s, r, usq, dmu, delta, Q, T, paper, masad)
                        back_pick = _back(j, pick, own, other, rank, x, s, r, usq, dmu, delta, Q, T, paper,
                                          masad)
                        tie_won = back_i < back_pick
                if nearer or tie_won:
                    pick = i
            sender[j] = pick
            u_j = col[pick]
            u_i = _back(j, pick, own, other, rank, x, s, r, usq, dmu, delta, Q, T, paper, masad)
            eu_sent[j] = u_j
            eu_back[j] = u_i
            _respond(j, pick, u_i, u_j, x, new, kind)


@njit(cache=True, nogil=True)
def stream_condorcet_block(g0, g1, x, rank, y, cum_w, cum_wx, le_own, lt_own, starts, low, high):  # type: ignore[no-untyped-def]
    """For the position groups ``g0:g1`` (:func:`stream_setup`): ``low[g]``, the group's smallest margin
    against a differing position (``inf``: none), and ``high[g]``, its largest ``|margin|``, from one
    :func:`row_sums` per group (actors at one position have the same row of margins)."""
    n = x.shape[0]
    own = np.empty(n)
    other = np.empty(n)
    for g in range(g0, g1):
        a = starts[g]
        row_sums(a, y, cum_w, cum_wx, le_own, lt_own, own, other)
        lo = np.inf
        hi = 0.0
        for j in range(n):
            b = rank[j]
            m = own[b] - other[b]
            if abs(m) > hi:
                hi = abs(m)
            if x[j] != y[a] and m < lo:
                lo = m
        low[g] = lo
        high[g] = hi


@njit(cache=True, nogil=True)
def stream_vote_block(k0, k1, x, first, rank, y, cum_w, cum_wx, le_own, lt_own, delta, top):  # type: ignore[no-untyped-def]
    """For the distinct positions ``first[k0:k1]`` (first occurrences, ascending index): ``top[k]``, the
    largest ``margin / delta`` of ``first[k]`` against the other distinct positions (``-inf``: none)."""
    n = x.shape[0]
    own = np.empty(n)
    other = np.empty(n)
    for k in range(k0, k1):
        i = first[k]
        row_sums(rank[i], y, cum_w, cum_wx, le_own, lt_own, own, other)
        best = -np.inf
        for j in first:
            if j == i:
                continue
            b = rank[j]
            v = (own[b] - other[b]) / delta
            if v > best:
                best = v
        top[k] = best


