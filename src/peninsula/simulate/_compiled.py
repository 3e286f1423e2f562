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

from peninsula.kernels._eu_numba import eu_matrix_offdiag_into, offers_into, pair_sums_into, risk_into
from peninsula.kernels.exchange import _round as _exchange_round

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
def _pair_sums(x, w, order, y, wy, cum_w, cum_wx, le_own, lt_own, margin, support, total):  # type: ignore[no-untyped-def]
    """:func:`peninsula.kernels._eu_numba.pair_sums_1d` into the caller's buffers (same operations)."""
    _stable_order(x, order)
    pair_sums_into(x, w, order, y, wy, cum_w, cum_wx, le_own, lt_own, margin, support, total)


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
        np.empty((n, n)),  # support
        np.empty((n, n)),  # total
        np.empty((n, n)),  # prob
        np.empty((n, n)),  # eu1
        np.empty((n, n)),  # eu2
        np.empty(n),  # scratch
        np.empty(n),  # risk
    )


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
def _eu_outcome(x, w, ones, order):  # type: ignore[no-untyped-def]
    total = 0.0
    for a in range(x.shape[0]):
        total += w[a]
    if total > 0:
        return _median_buf(x, w, order, 1e-9)
    return _median_buf(x, ones, order, 1e-9)


@njit(cache=True, nogil=True)
def _eu_row(b, dl, rounds, Q, T, tol, paper_prob, tie_rtol):  # type: ignore[no-untyped-def]
    """The ``eu`` model on the row loaded in the buffers ``b`` (:func:`_eu_buffers`; ``x``, ``s``, ``w``
    filled): its outcome; ``x`` holds the final positions."""
    ones, x, s, w, new, sender, kind, order, y, wy, cum_w, cum_wx, le_own, lt_own = b[:14]
    margin, support, total, prob, eu1, eu2, scratch, risk = b[14:]
    n = x.shape[0]
    outcome = _eu_outcome(x, w, ones, order)
    _pair_sums(x, w, order, y, wy, cum_w, cum_wx, le_own, lt_own, margin, support, total)
    for _ in range(rounds):
        if x.max() - x.min() == 0 or dl <= 0:
            break
        _probabilities(margin, support, total, paper_prob, prob)
        mu = outcome
        eu_matrix_offdiag_into(x, s, prob, ones, mu, dl, Q, T, True, order, eu1)
        risk_into(eu1, scratch, risk)
        eu_matrix_offdiag_into(x, s, prob, risk, mu, dl, Q, T, True, order, eu2)
        offers_into(eu2, x, True, tie_rtol, new, sender, kind)
        moved = 0.0
        for a in range(n):
            moved = max(moved, abs(new[a] - x[a]))
            x[a] = new[a]
        _pair_sums(x, w, order, y, wy, cum_w, cum_wx, le_own, lt_own, margin, support, total)
        outcome = _eu_outcome(x, w, ones, order)
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
    (the replication's vote); ``x`` holds the final positions."""
    ones, x, s, w, new, sender, kind, order, y, wy, cum_w, cum_wx, le_own, lt_own = b[:14]
    margin, support, total, prob, eu1, eu2, scratch, risk = b[14:]
    n = x.shape[0]
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
        eu_matrix_offdiag_into(x, s, prob, ones, outcome, dl, Q, T, False, order, eu1)
        defined = risk_into(eu1, scratch, risk)
        if not defined:
            break
        eu_matrix_offdiag_into(x, s, prob, risk, mu, dl, Q, T, False, order, eu2)
        offers_into(eu2, x, False, 0.0, new, sender, kind)
        same = True
        for a in range(n):
            if new[a] != x[a]:
                same = False
            x[a] = new[a]
        if same:
            break  # a fixed point: every later round is this one again (it reads nothing but x)
        spread = x.max() - x.min()
        _pair_sums(x, w, order, y, wy, cum_w, cum_wx, le_own, lt_own, margin, support, total)
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
                Xd, sd, cd, fixed_weight, salience_weight, p, seeds[d], r, tie_mode, choices, clean
            )
            Xd = Xn
            if fixed and info.shape[0] == 0:
                break
        out[d] = Xd
    return out
