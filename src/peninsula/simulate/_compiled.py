"""Compiled (numba) loops over many draws: the baselines, both EU models and the exchange model.

Each function runs one model on a batch of rows (draws of one issue, or whole draws for the exchange model)
inside a single compiled call. The EU loops repeat, per row, the operations of the models' compiled
single-issue kernels (:mod:`peninsula.kernels._eu_numba`) in the same order, but write into buffers
allocated once per call (for the few actors of an issue, allocation would cost more than the arithmetic);
the exchange loop calls the exchange kernel's compiled round. A row's result does not depend on the other
rows of its batch; ``tests/simulate/test_batch.py`` checks every loop against the model, draw by draw.
Imported only when a sweep runs (numba compiles these on first use and caches them).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from peninsula.kernels.exchange import _round as _exchange_round

# The numba-compiled functions are untyped for mypy; peninsula.simulate.batch wraps them with types.

COMPROMISE, MEAN, MEDIAN, MEDIAN_ACTOR = 0, 1, 2, 3


@njit(cache=True, nogil=True)
def _weighted_median(x, w, rtol):  # type: ignore[no-untyped-def]
    """:func:`peninsula.kernels.central.weighted_median` for 1-D arrays (weights sum > 0)."""
    n = x.shape[0]
    order = np.argsort(x, kind="mergesort")
    total = 0.0
    for a in range(n):
        total += w[a]
    half = total / 2.0
    cum = 0.0
    k = n - 1
    ck = 0.0
    for a in range(n):
        cum += w[order[a]]
        if cum >= half * (1 - rtol):
            k = a
            ck = cum
            break
    at = x[order[k]]
    if abs(ck - half) <= rtol * total:
        for b in range(k + 1, n):
            if w[order[b]] > 0:
                return (at + x[order[b]]) / 2.0
    return at


@njit(cache=True, nogil=True)
def _weighted_mean(x, w):  # type: ignore[no-untyped-def]
    num = 0.0
    den = 0.0
    for a in range(x.shape[0]):
        num += w[a] * x[a]
        den += w[a]
    return num / den


@njit(cache=True, nogil=True)
def baseline_rows(X, S, C, kind):  # type: ignore[no-untyped-def]
    """Outcome of a baseline (``kind``: COMPROMISE, MEAN, MEDIAN, MEDIAN_ACTOR) per row; NaN if undefined.

    Weighted baselines use ``(c / max c)·(s / max s)`` as :class:`peninsula.models.baselines._OneShot`.
    """
    R, n = X.shape
    out = np.empty(R)
    w = np.empty(n)
    for r in range(R):
        x = X[r]
        if kind in (MEAN, MEDIAN_ACTOR):
            for a in range(n):
                w[a] = 1.0
        else:
            c_max = 0.0
            s_max = 0.0
            for a in range(n):
                c_max = max(c_max, C[r, a])
                s_max = max(s_max, S[r, a])
            if c_max == 0.0 or s_max == 0.0:
                out[r] = np.nan
                continue
            for a in range(n):
                w[a] = (C[r, a] / c_max) * (S[r, a] / s_max)
        total = 0.0
        for a in range(n):
            total += w[a]
        if not total > 0:
            out[r] = np.nan
        elif kind in (COMPROMISE, MEAN):
            out[r] = _weighted_mean(x, w)
        else:
            out[r] = _weighted_median(x, w, 1e-9)
    return out


@njit(cache=True, nogil=True)
def _masad_vote(x, margin, delta):  # type: ignore[no-untyped-def]
    """:func:`peninsula.kernels.eu.masad_vote` for 1-D arrays."""
    n = x.shape[0]
    first = np.empty(n, dtype=np.int64)
    m = 0
    for i in range(n):
        new = True
        for j in range(i):
            if x[j] == x[i]:
                new = False
                break
        if new:
            first[m] = i
            m += 1
    if m < 2:
        return x[0]
    best = -np.inf
    win = first[0]
    for a in range(m):
        for b in range(m):
            if a == b:
                continue
            v = margin[first[a], first[b]] / delta
            if v > best:
                best = v
                win = first[a]
    return x[win]


@njit(cache=True, nogil=True)
def _stable_order(x, order):  # type: ignore[no-untyped-def]
    """``order`` = ``np.argsort(x, kind="mergesort")`` (a stable sort: ties keep index order), in place."""
    n = x.shape[0]
    for a in range(n):
        order[a] = a
    for a in range(1, n):
        k = order[a]
        v = x[k]
        b = a - 1
        while b >= 0 and x[order[b]] > v:
            order[b + 1] = order[b]
            b -= 1
        order[b + 1] = k


@njit(cache=True, nogil=True)
def _median_buf(x, w, order, rtol):  # type: ignore[no-untyped-def]
    """:func:`_weighted_median` with a caller's ``order`` buffer (weights sum > 0)."""
    n = x.shape[0]
    _stable_order(x, order)
    total = 0.0
    for a in range(n):
        total += w[a]
    half = total / 2.0
    cum = 0.0
    k = n - 1
    ck = 0.0
    for a in range(n):
        cum += w[order[a]]
        if cum >= half * (1 - rtol):
            k = a
            ck = cum
            break
    at = x[order[k]]
    if abs(ck - half) <= rtol * total:
        for b in range(k + 1, n):
            if w[order[b]] > 0:
                return (at + x[order[b]]) / 2.0
    return at


@njit(cache=True, nogil=True)
def _pair_sums(x, w, order, y, wy, cum_w, cum_wx, le_own, lt_own, margin, support, total):  # type: ignore[no-untyped-def]
    """:func:`peninsula.kernels._eu_numba.pair_sums_1d` into the caller's buffers (same operations)."""
    n = x.shape[0]
    _stable_order(x, order)
    for a in range(n):
        y[a] = x[order[a]]
        wy[a] = w[order[a]]
    centre = y[0]
    cum_w[0] = 0.0
    cum_wx[0] = 0.0
    for a in range(n):
        cum_w[a + 1] = cum_w[a] + wy[a]
        cum_wx[a + 1] = cum_wx[a] + wy[a] * (y[a] - centre)
    total_w = cum_w[n]
    a = 0
    while a < n:
        b = a
        while b + 1 < n and y[b + 1] == y[a]:
            b += 1
        for k in range(a, b + 1):
            lt_own[k] = a
            le_own[k] = b + 1
        a = b + 1
    for i in range(n):
        for j in range(n):
            margin[i, j] = 0.0
            support[i, j] = 0.0
            total[i, j] = 0.0
    for a in range(n):
        lo = y[a]
        n_le_lo = le_own[a]
        w_le_lo = cum_w[n_le_lo]
        s_le_lo = cum_wx[n_le_lo]
        for b in range(n_le_lo, n):
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
            n_le_mid = left_i
            mid_c = mid - centre
            span = hi - lo
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
            sup_lo = span * w_le_lo + left
            sup_hi = span * (total_w - w_lt_hi) + right
            i = order[a]
            j = order[b]
            support[i, j] = sup_lo
            support[j, i] = sup_hi
            margin[i, j] = sup_lo - sup_hi
            margin[j, i] = sup_hi - sup_lo
            total[i, j] = sup_lo + sup_hi
            total[j, i] = sup_hi + sup_lo


@njit(cache=True, nogil=True)
def _probabilities(margin, support, total, paper, prob):  # type: ignore[no-untyped-def]
    n = margin.shape[0]
    for i in range(n):
        for j in range(n):
            if total[i, j] > 0:
                num = support[i, j] if paper else max(margin[i, j], 0.0)
                prob[i, j] = num / total[i, j]
            else:
                prob[i, j] = 0.0


@njit(cache=True, nogil=True)
def _eu_matrix(x, s, prob, r, mu, delta, Q, T, paper, out):  # type: ignore[no-untyped-def]
    """:func:`peninsula.kernels._eu_numba.eu_matrix_1d` into ``out`` (same operations)."""
    n = x.shape[0]
    for i in range(n):
        ri = r[i]
        usq = 2.0 - 4.0 * 0.5**ri
        dmu = abs(x[i] - mu)
        for j in range(n):
            dist = abs(x[i] - x[j])
            d = dist / delta
            b_s = max(0.5 - 0.5 * d, 0.0)
            if ri == 1.0:
                us = 2.0 - 4.0 * b_s
                uf = 2.0 - 4.0 * (0.5 + 0.5 * d)
            else:
                us = 2.0 - 4.0 * b_s**ri
                uf = 2.0 - 4.0 * (0.5 + 0.5 * d) ** ri
            p = prob[i, j]
            sj = s[j]
            contest = sj * (p * us + (1.0 - p) * uf) + (1.0 - sj) * us
            if Q == 1.0:
                out[i, j] = contest - Q * usq
            else:
                e = (dmu + dist) / delta
                b_b = max(0.5 - 0.25 * e, 0.0)
                if ri == 1.0:
                    ub = 2.0 - 4.0 * b_b
                    uw = 2.0 - 4.0 * (0.5 + 0.25 * e)
                else:
                    ub = 2.0 - 4.0 * b_b**ri
                    uw = 2.0 - 4.0 * (0.5 + 0.25 * e) ** ri
                no_contest = T * ub + (1.0 - T) * uw
                if paper:
                    out[i, j] = contest - (Q * usq + (1.0 - Q) * no_contest)
                else:
                    out[i, j] = contest - Q * usq + (1.0 - Q) * no_contest


@njit(cache=True, nogil=True)
def _risk(eu, a, r):  # type: ignore[no-untyped-def]
    """:func:`peninsula.kernels._eu_numba.risk_1d` into ``r`` (``a`` scratch); returns ``defined``."""
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


@njit(cache=True, nogil=True)
def _offers(eu, x, tie_value, rtol, new):  # type: ignore[no-untyped-def]
    """The positions of :func:`peninsula.kernels._eu_numba.offers_1d`, into ``new``."""
    n = x.shape[0]
    for j in range(n):
        new[j] = x[j]
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
        u_j = eu[pick, j]
        u_i = eu[j, pick]
        if u_i > 0.0 and u_i < u_j:
            new[j] = x[pick]
        elif u_i < 0.0 and abs(u_i) < u_j:
            new[j] = x[j] + (x[pick] - x[j]) * abs(u_i / u_j)
        elif u_i < 0.0 and abs(u_i) > u_j:
            new[j] = x[pick]


@njit(cache=True, nogil=True)
def _eu_outcome(x, w, ones, order):  # type: ignore[no-untyped-def]
    total = 0.0
    for a in range(x.shape[0]):
        total += w[a]
    if total > 0:
        return _median_buf(x, w, order, 1e-9)
    return _median_buf(x, ones, order, 1e-9)


@njit(cache=True, nogil=True)
def eu_rows(X, S, C, delta, rounds, Q, T, tol, paper_prob, tie_rtol):  # type: ignore[no-untyped-def]
    """The ``eu`` model per row (actors in the model's canonical order): outcome and final positions."""
    R, n = X.shape
    out = np.empty(R)
    final = np.empty((R, n))
    ones = np.ones(n)
    x = np.empty(n)
    s = np.empty(n)
    w = np.empty(n)
    new = np.empty(n)
    order = np.empty(n, dtype=np.int64)
    y = np.empty(n)
    wy = np.empty(n)
    cum_w = np.empty(n + 1)
    cum_wx = np.empty(n + 1)
    le_own = np.empty(n, dtype=np.int64)
    lt_own = np.empty(n, dtype=np.int64)
    margin = np.empty((n, n))
    support = np.empty((n, n))
    total = np.empty((n, n))
    prob = np.empty((n, n))
    eu1 = np.empty((n, n))
    eu2 = np.empty((n, n))
    scratch = np.empty(n)
    risk = np.empty(n)
    for r in range(R):
        for a in range(n):
            x[a] = X[r, a]
            s[a] = S[r, a]
            w[a] = C[r, a] * s[a]
        dl = delta[r]
        outcome = _eu_outcome(x, w, ones, order)
        _pair_sums(x, w, order, y, wy, cum_w, cum_wx, le_own, lt_own, margin, support, total)
        for _ in range(rounds):
            if x.max() - x.min() == 0 or dl <= 0:
                break
            _probabilities(margin, support, total, paper_prob, prob)
            mu = outcome
            _eu_matrix(x, s, prob, ones, mu, dl, Q, T, True, eu1)
            _risk(eu1, scratch, risk)
            _eu_matrix(x, s, prob, risk, mu, dl, Q, T, True, eu2)
            _offers(eu2, x, True, tie_rtol, new)
            moved = 0.0
            for a in range(n):
                moved = max(moved, abs(new[a] - x[a]))
                x[a] = new[a]
            _pair_sums(x, w, order, y, wy, cum_w, cum_wx, le_own, lt_own, margin, support, total)
            outcome = _eu_outcome(x, w, ones, order)
            if moved <= tol * dl:
                break
        out[r] = outcome
        for a in range(n):
            final[r, a] = x[a]
    return out, final


@njit(cache=True, nogil=True)
def masad_rows(X, S, C, delta, rounds, Q, T):  # type: ignore[no-untyped-def]
    """The ``eu-masad`` model per row: outcome (the replication's vote) and final positions."""
    R, n = X.shape
    out = np.empty(R)
    final = np.empty((R, n))
    ones = np.ones(n)
    x = np.empty(n)
    s = np.empty(n)
    w = np.empty(n)
    new = np.empty(n)
    order = np.empty(n, dtype=np.int64)
    y = np.empty(n)
    wy = np.empty(n)
    cum_w = np.empty(n + 1)
    cum_wx = np.empty(n + 1)
    le_own = np.empty(n, dtype=np.int64)
    lt_own = np.empty(n, dtype=np.int64)
    margin = np.empty((n, n))
    support = np.empty((n, n))
    total = np.empty((n, n))
    prob = np.empty((n, n))
    eu1 = np.empty((n, n))
    eu2 = np.empty((n, n))
    scratch = np.empty(n)
    risk = np.empty(n)
    for r in range(R):
        for a in range(n):
            x[a] = X[r, a]
            s[a] = S[r, a]
            w[a] = C[r, a] * s[a]
        dl = delta[r]
        wsum = 0.0
        for a in range(n):
            wsum += w[a]
        has_weight = wsum > 0
        vdelta = dl if dl > 0 else 1.0
        _pair_sums(x, w, order, y, wy, cum_w, cum_wx, le_own, lt_own, margin, support, total)
        outcome = _masad_vote(x, margin, vdelta)
        spread = x.max() - x.min()
        for _ in range(rounds):
            if spread == 0 or not has_weight:
                break
            _probabilities(margin, support, total, False, prob)
            mu = _weighted_mean(x, w)
            _eu_matrix(x, s, prob, ones, outcome, dl, Q, T, False, eu1)
            defined = _risk(eu1, scratch, risk)
            if not defined:
                break
            _eu_matrix(x, s, prob, risk, mu, dl, Q, T, False, eu2)
            _offers(eu2, x, False, 0.0, new)
            for a in range(n):
                x[a] = new[a]
            spread = x.max() - x.min()
            _pair_sums(x, w, order, y, wy, cum_w, cum_wx, le_own, lt_own, margin, support, total)
            outcome = _masad_vote(x, margin, vdelta)
        out[r] = outcome
        for a in range(n):
            final[r, a] = x[a]
    return out, final


@njit(cache=True, nogil=True)
def exchange_draws(X, s, c, seeds, fixed_weight, salience_weight, p, rounds, tie_mode, clean):  # type: ignore[no-untyped-def]
    """``rounds`` rounds of the exchange model for every draw: preference positions after the last round.

    ``X`` ``(draws, actors, issues)`` on DECIDE's 0-100 scale (NaN = no stance); ``s``, ``c`` the same shape
    with 0 where missing; ``seeds`` the per-draw key of the counter-based random draws (uint64).
    """
    D = X.shape[0]
    out = np.empty_like(X)
    choices = np.zeros(0, dtype=np.int64)
    for d in range(D):
        Xd = X[d].copy()
        sd = s[d].copy()
        cd = c[d].copy()
        for r in range(1, rounds + 1):
            Xn, _Yv, _info, _flat, _ties = _exchange_round(
                Xd, sd, cd, fixed_weight, salience_weight, p, seeds[d], r, tie_mode, choices, clean
            )
            Xd = Xn
        out[d] = Xd
    return out
