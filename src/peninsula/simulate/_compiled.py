"""Compiled (numba) loops over many draws: the baselines, both EU models and the exchange model.

Each function runs one model on a whole batch of draws inside a single compiled call: the baselines and
the EU models on every issue of the batch (``(draws, actors, issues)`` arrays and each issue's actors as
index arrays, so a chunk of a sweep costs one call per model, not one per issue), the exchange model on
whole draws. The EU loops call, per draw and issue, the in-place (``..._into``) forms of the models'
compiled single-issue kernels (:mod:`peninsula.kernels._eu_numba`), writing into buffers allocated once
per issue (for the few actors of an issue, allocation would cost more than the arithmetic);
the exchange loop calls the exchange kernel's compiled round. A row's result does not depend on the other
rows of its batch; ``tests/simulate/test_batch.py`` checks every loop against the model, draw by draw.
Imported only when a sweep runs (numba compiles these on first use and caches them).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from peninsula.kernels._eu_numba import eu_matrix_offdiag_into, offers_into, pair_support, sorted_prefix_into
from peninsula.kernels.exchange import LIST_MAX as _LIST_MAX
from peninsula.kernels.exchange import _round_fast as _exchange_round

# The numba-compiled functions are untyped for mypy; peninsula.simulate.batch wraps them with types.

COMPROMISE, MEAN, MEDIAN, MEDIAN_ACTOR = 0, 1, 2, 3


@njit(cache=True, nogil=True)
def _median_sorted(x, w, order, rtol):  # type: ignore[no-untyped-def]
    """:func:`peninsula.kernels.central.weighted_median` for 1-D arrays (weights sum > 0) given ``order``,
    the stable ascending order of ``x``.

    As the 1-D kernel, the weights are divided by the largest first (half of a subnormal total would
    round to zero).
    """
    n = x.shape[0]
    w_max = 0.0
    for a in range(n):
        w_max = max(w_max, w[a])
    total = 0.0
    for a in range(n):
        total += w[a] / w_max
    half = total / 2.0
    cum = 0.0
    k = n - 1
    ck = 0.0
    for a in range(n):
        cum += w[order[a]] / w_max
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
def baseline_issues(X, S, C, cols, ptr, kind):  # type: ignore[no-untyped-def]
    """Outcome of a baseline (``kind``: COMPROMISE, MEAN, MEDIAN, MEDIAN_ACTOR) on every issue of a batch in
    one call: ``(draws, issues)``, NaN where undefined.

    ``X``, ``S``, ``C`` are ``(draws, actors, issues)``; issue ``i``'s actors are ``cols[ptr[i]:ptr[i + 1]]``
    (NaN outcomes for an issue without any). Weighted baselines use ``(c / max c)·(s / max s)`` as
    :class:`peninsula.models.baselines._OneShot`; medians are
    :func:`peninsula.kernels.central.weighted_median` (the stable order of the positions).
    """
    D = X.shape[0]
    n_iss = X.shape[2]
    out = np.empty((D, n_iss))
    for i in range(n_iss):
        lo = ptr[i]
        n = ptr[i + 1] - lo
        if n == 0:
            for r in range(D):
                out[r, i] = np.nan
            continue
        x = np.empty(n)
        w = np.empty(n)
        order = np.empty(n, dtype=np.int64)
        for r in range(D):
            for a in range(n):
                x[a] = X[r, cols[lo + a], i]
            if kind in (MEAN, MEDIAN_ACTOR):
                for a in range(n):
                    w[a] = 1.0
            else:
                c_max = 0.0
                s_max = 0.0
                for a in range(n):
                    c_max = max(c_max, C[r, cols[lo + a], i])
                    s_max = max(s_max, S[r, cols[lo + a], i])
                if c_max == 0.0 or s_max == 0.0:
                    out[r, i] = np.nan
                    continue
                for a in range(n):
                    w[a] = (C[r, cols[lo + a], i] / c_max) * (S[r, cols[lo + a], i] / s_max)
            total = 0.0
            for a in range(n):
                total += w[a]
            if not total > 0:
                out[r, i] = np.nan
            elif kind in (COMPROMISE, MEAN):
                out[r, i] = _weighted_mean(x, w)
            else:
                out[r, i] = _median_buf(x, w, order, 1e-9)
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
    """:func:`_median_sorted` with the order computed into a caller's ``order`` buffer."""
    _stable_order(x, order)
    return _median_sorted(x, w, order, rtol)


@njit(cache=True, nogil=True)
def _pair_probabilities(x, w, order, y, wy, cum_w, cum_wx, le_own, lt_own, paper, prob, margin, want_margin):  # type: ignore[no-untyped-def]
    """Every pair's win probability into ``prob`` (and, with ``want_margin``, its vote margin into
    ``margin``), ``order`` being the stable ascending order of ``x``.

    :func:`peninsula.kernels._eu_numba.pair_sums_into` and then the probabilities of the EU loops
    (``support / total``, or ``max(margin, 0) / total`` unless ``paper``; 0 where the total is 0, as for
    two actors at one position) in one pass, without storing the vote sums: the same operations on the
    same numbers, so every entry is the one the two steps give (``tests/simulate/test_compiled.py``).
    """
    n = x.shape[0]
    total_w = sorted_prefix_into(x, w, order, y, wy, cum_w, cum_wx, le_own, lt_own)
    for i in range(n):
        for j in range(n):
            prob[i, j] = 0.0
    if want_margin:
        for i in range(n):
            for j in range(n):
                margin[i, j] = 0.0
    for a in range(n):
        lo = y[a]
        n_le_lo = le_own[a]
        for b in range(n_le_lo, n):  # every b with y[b] > lo
            sup_lo, sup_hi = pair_support(lo, n_le_lo, b, y, cum_w, cum_wx, lt_own, total_w)
            i = order[a]
            j = order[b]
            m_ij = sup_lo - sup_hi
            m_ji = sup_hi - sup_lo
            t_ij = sup_lo + sup_hi
            t_ji = sup_hi + sup_lo
            if want_margin:
                margin[i, j] = m_ij
                margin[j, i] = m_ji
            if t_ij > 0:
                prob[i, j] = (sup_lo if paper else max(m_ij, 0.0)) / t_ij
            if t_ji > 0:
                prob[j, i] = (sup_hi if paper else max(m_ji, 0.0)) / t_ji


@njit(cache=True, nogil=True)
def _first_pass_risk(x, s, prob, mu, delta, Q, T, paper, order, a, r):  # type: ignore[no-untyped-def]
    """The risk exponents of a round's first pass: ``risk_into(EU, a, r)`` (returns ``defined``) where
    ``EU = eu_matrix_offdiag_into(x, s, prob, ones, mu, delta, Q, T, paper, order, EU)``, without storing
    ``EU``.

    With every exponent 1 no power is taken; each entry is computed by the operations of
    :func:`peninsula.kernels._eu_numba.eu_matrix_offdiag_into` and added to its column's sum as it is
    made, rows in ascending order: the order in which ``risk_into`` adds a column up. So ``a`` and ``r``
    are exactly ``risk_into``'s (``tests/simulate/test_compiled.py``).
    """
    n = x.shape[0]
    ri = 1.0
    usq = 2.0 - 4.0 * 0.5**ri
    us = 0.0
    uf = 0.0
    ub = 0.0
    uw = 0.0
    for k in range(n):
        a[k] = 0.0
    for i in range(n):
        dmu = abs(x[i] - mu)
        have = False
        last = 0.0
        for jj in range(n):
            j = order[jj]
            if j == i:
                continue
            dist = abs(x[i] - x[j])
            if not (have and x[j] == last):
                d = dist / delta
                if dist == 0.0:
                    us = usq
                    uf = usq
                else:
                    b_s = max(0.5 - 0.5 * d, 0.0)
                    us = 2.0 - 4.0 * b_s
                    uf = 2.0 - 4.0 * (0.5 + 0.5 * d)
                if Q != 1.0:
                    e = (dmu + dist) / delta
                    b_b = max(0.5 - 0.25 * e, 0.0)
                    ub = 2.0 - 4.0 * b_b
                    uw = 2.0 - 4.0 * (0.5 + 0.25 * e)
                have = True
                last = x[j]
            p = prob[i, j]
            sj = s[j]
            contest = sj * (p * us + (1.0 - p) * uf) + (1.0 - sj) * us
            if Q == 1.0:
                v = contest - Q * usq
            else:
                no_contest = T * ub + (1.0 - T) * uw
                if paper:
                    v = contest - (Q * usq + (1.0 - Q) * no_contest)
                else:
                    v = contest - Q * usq + (1.0 - Q) * no_contest
            a[j] += v
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
def _eu_buffers(n):  # type: ignore[no-untyped-def]
    """The buffers of :func:`_eu_row` and :func:`_masad_row` for ``n`` actors, in their order."""
    return (
        np.ones(n),  # ones
        np.empty(n),  # x
        np.empty(n),  # s
        np.empty(n),  # w
        np.empty(n),  # new
        np.empty(n, dtype=np.int64),  # sender
        np.empty(n, dtype=np.int64),  # kind
        np.empty(n, dtype=np.int64),  # order
        np.empty(n),  # y
        np.empty(n),  # wy
        np.empty(n + 1),  # cum_w
        np.empty(n + 1),  # cum_wx
        np.empty(n, dtype=np.int64),  # le_own
        np.empty(n, dtype=np.int64),  # lt_own
        np.empty((n, n)),  # margin
        np.empty((n, n)),  # prob
        np.empty((n, n)),  # eu (the second pass)
        np.empty(n),  # scratch
        np.empty(n),  # risk
    )


@njit(cache=True, nogil=True)
def _eu_row(b, dl, rounds, Q, T, tol, paper_prob, tie_rtol):  # type: ignore[no-untyped-def]
    """The ``eu`` model on the row loaded in the buffers ``b`` (:func:`_eu_buffers`; ``x``, ``s``, ``w``
    filled): its outcome; ``x`` holds the final positions.

    A round as :func:`peninsula.kernels.eu.eu_round` on the compiled kernels: win probabilities from the
    pairs' vote sums, the first pass of expected utilities (every risk exponent 1) for the risk exponents,
    the second pass, offers; the outcome is the weighted median (equal weights if they sum to 0). The
    positions are sorted once per round (for the median, the vote sums and the passes), the vote sums are
    made when a round needs them, and the first pass is not stored (:func:`_first_pass_risk`).
    """
    ones, x, s, w, new, sender, kind, order, y, wy, cum_w, cum_wx, le_own, lt_own = b[:14]
    margin, prob, eu, scratch, risk = b[14:]
    n = x.shape[0]
    wsum = 0.0
    for a in range(n):
        wsum += w[a]
    wt = w if wsum > 0 else ones
    _stable_order(x, order)
    outcome = _median_sorted(x, wt, order, 1e-9)
    for _ in range(rounds):
        if x.max() - x.min() == 0 or dl <= 0:
            break
        _pair_probabilities(
            x, w, order, y, wy, cum_w, cum_wx, le_own, lt_own, paper_prob, prob, margin, False
        )
        mu = outcome
        _first_pass_risk(x, s, prob, mu, dl, Q, T, True, order, scratch, risk)
        eu_matrix_offdiag_into(x, s, prob, risk, mu, dl, Q, T, True, order, eu)
        offers_into(eu, x, True, tie_rtol, new, sender, kind)
        moved = 0.0
        for a in range(n):
            moved = max(moved, abs(new[a] - x[a]))
            x[a] = new[a]
        _stable_order(x, order)
        outcome = _median_sorted(x, wt, order, 1e-9)
        if moved <= tol * dl:
            break
    return outcome


@njit(cache=True, nogil=True)
def _load_cols(X, S, C, r, i, cols, lo, x, s, w):  # type: ignore[no-untyped-def]
    """Draw ``r``'s actors ``cols[lo:lo + n]`` on issue ``i`` into ``x``, ``s`` and ``w = c·s``."""
    for a in range(x.shape[0]):
        k = cols[lo + a]
        x[a] = X[r, k, i]
        s[a] = S[r, k, i]
        w[a] = C[r, k, i] * s[a]


@njit(cache=True, nogil=True)
def eu_issues(X, S, C, cols, ptr, delta, rounds, Q, T, tol, paper_prob, tie_rtol):  # type: ignore[no-untyped-def]
    """The ``eu`` model on every issue of a batch in one call: ``(draws, issues)`` outcomes (NaN for an
    issue without actors) and the ``(draws, actors, issues)`` positions after the last round (the inputs
    where an actor has no stance).

    Issue ``i``'s actors, in the model's canonical order, are ``cols[ptr[i]:ptr[i + 1]]``; ``delta[i]`` its
    scale's span. Each draw of an issue is :func:`_eu_row` on buffers allocated once per issue.
    """
    D = X.shape[0]
    n_iss = X.shape[2]
    out = np.empty((D, n_iss))
    final = X.copy()
    for i in range(n_iss):
        lo = ptr[i]
        n = ptr[i + 1] - lo
        if n == 0:
            for r in range(D):
                out[r, i] = np.nan
            continue
        b = _eu_buffers(n)
        x, s, w = b[1], b[2], b[3]
        for r in range(D):
            _load_cols(X, S, C, r, i, cols, lo, x, s, w)
            out[r, i] = _eu_row(b, delta[i], rounds, Q, T, tol, paper_prob, tie_rtol)
            for a in range(n):
                final[r, cols[lo + a], i] = x[a]
    return out, final


@njit(cache=True, nogil=True)
def _masad_row(b, dl, rounds, Q, T):  # type: ignore[no-untyped-def]
    """The ``eu-masad`` model on the row loaded in the buffers ``b`` (:func:`_eu_buffers`): its outcome
    (the replication's vote); ``x`` holds the final positions. Rounds as :func:`_eu_row` (the masad forms,
    the vote from the margins)."""
    _, x, s, w, new, sender, kind, order, y, wy, cum_w, cum_wx, le_own, lt_own = b[:14]
    margin, prob, eu, scratch, risk = b[14:]
    n = x.shape[0]
    wsum = 0.0
    for a in range(n):
        wsum += w[a]
    has_weight = wsum > 0
    vdelta = dl if dl > 0 else 1.0
    _stable_order(x, order)
    _pair_probabilities(x, w, order, y, wy, cum_w, cum_wx, le_own, lt_own, False, prob, margin, True)
    outcome = _masad_vote(x, margin, vdelta)
    spread = x.max() - x.min()
    for _ in range(rounds):
        if spread == 0 or not has_weight:
            break
        mu = _weighted_mean(x, w)
        defined = _first_pass_risk(x, s, prob, outcome, dl, Q, T, False, order, scratch, risk)
        if not defined:
            break
        eu_matrix_offdiag_into(x, s, prob, risk, mu, dl, Q, T, False, order, eu)
        offers_into(eu, x, False, 0.0, new, sender, kind)
        same = True
        for a in range(n):
            if new[a] != x[a]:
                same = False
            x[a] = new[a]
        if same:
            break  # a fixed point: every later round is this one again (it reads nothing but x)
        spread = x.max() - x.min()
        _stable_order(x, order)
        _pair_probabilities(x, w, order, y, wy, cum_w, cum_wx, le_own, lt_own, False, prob, margin, True)
        outcome = _masad_vote(x, margin, vdelta)
    return outcome


@njit(cache=True, nogil=True)
def masad_issues(X, S, C, cols, ptr, delta, rounds, Q, T):  # type: ignore[no-untyped-def]
    """:func:`eu_issues` for ``eu-masad`` (actors in the replication's list order, ``delta[i]`` the model's
    delta on issue ``i``); each draw of an issue is :func:`_masad_row`."""
    D = X.shape[0]
    n_iss = X.shape[2]
    out = np.empty((D, n_iss))
    final = X.copy()
    for i in range(n_iss):
        lo = ptr[i]
        n = ptr[i + 1] - lo
        if n == 0:
            for r in range(D):
                out[r, i] = np.nan
            continue
        b = _eu_buffers(n)
        x, s, w = b[1], b[2], b[3]
        for r in range(D):
            _load_cols(X, S, C, r, i, cols, lo, x, s, w)
            out[r, i] = _masad_row(b, delta[i], rounds, Q, T)
            for a in range(n):
                final[r, cols[lo + a], i] = x[a]
    return out, final


@njit(cache=True, nogil=True)
def exchange_draws(X, s, c, seeds, fixed_weight, salience_weight, p, rounds, tie_mode, clean):  # type: ignore[no-untyped-def]
    """``rounds`` rounds of the exchange model for every draw: preference positions after the last round.

    ``X`` ``(draws, actors, issues)`` on DECIDE's 0-100 scale (NaN = no stance); ``s``, ``c`` the same shape
    with 0 where missing; ``seeds`` the per-draw key of the counter-based random draws (uint64).

    Without randomness (``p == 0`` and no coin for ties) a round depends on the positions alone, and a round
    that realises no exchange leaves them as they were: every later round would repeat it, so the draw stops
    there (as ``Exchange.run`` does).
    """
    D = X.shape[0]
    out = np.empty_like(X)
    choices = np.zeros(0, dtype=np.int64)
    fixed = p == 0.0 and tie_mode != 1
    for d in range(D):
        Xd = X[d].copy()
        sd = s[d].copy()
        cd = c[d].copy()
        for r in range(1, rounds + 1):
            Xn, _Yv, info, _flat, _ties = _exchange_round(
                Xd, sd, cd, fixed_weight, salience_weight, p, seeds[d], r, tie_mode, choices, clean, _LIST_MAX
            )
            Xd = Xn
            if fixed and info.shape[0] == 0:
                break
        out[d] = Xd
    return out
