"""Compiled (numba) loops over many draws: the baselines, both EU models and the exchange model.

Each function runs one model on a batch of rows (draws of one issue, or whole draws for the exchange model)
inside a single compiled call, reusing the models' own compiled kernels for one row
(:mod:`peninsula.kernels._eu_numba`, the exchange kernel's round). Per row it performs the same operations
in the same order as the model does for one scenario, so a row's result does not depend on the other rows
of its batch. Imported only when a sweep runs (numba compiles these on first use and caches them).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from peninsula.kernels._eu_numba import eu_matrix_1d, offers_1d, pair_sums_1d, risk_1d
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
def _probabilities(margin, support, total, paper):  # type: ignore[no-untyped-def]
    n = margin.shape[0]
    prob = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if total[i, j] > 0:
                num = support[i, j] if paper else max(margin[i, j], 0.0)
                prob[i, j] = num / total[i, j]
    return prob


@njit(cache=True, nogil=True)
def _eu_outcome(x, w):  # type: ignore[no-untyped-def]
    total = 0.0
    for a in range(x.shape[0]):
        total += w[a]
    if total > 0:
        return _weighted_median(x, w, 1e-9)
    return _weighted_median(x, np.ones(x.shape[0]), 1e-9)


@njit(cache=True, nogil=True)
def eu_rows(X, S, C, delta, rounds, Q, T, tol, paper_prob, tie_rtol):  # type: ignore[no-untyped-def]
    """The ``eu`` model per row (actors in the model's canonical order): outcome and final positions."""
    R, n = X.shape
    out = np.empty(R)
    final = np.empty((R, n))
    ones = np.ones(n)
    for r in range(R):
        x = X[r].copy()
        s = S[r].copy()
        w = C[r] * s
        dl = delta[r]
        outcome = _eu_outcome(x, w)
        margin, support, total = pair_sums_1d(x, w)
        for _ in range(rounds):
            if x.max() - x.min() == 0 or dl <= 0:
                break
            prob = _probabilities(margin, support, total, paper_prob)
            mu = outcome
            eu1 = eu_matrix_1d(x, s, prob, ones, mu, dl, Q, T, True)
            risk, _defined = risk_1d(eu1)
            eu2 = eu_matrix_1d(x, s, prob, risk, mu, dl, Q, T, True)
            new, _sender, _kind = offers_1d(eu2, x, True, tie_rtol)
            moved = np.max(np.abs(new - x))
            x = new
            margin, support, total = pair_sums_1d(x, w)
            outcome = _eu_outcome(x, w)
            if moved <= tol * dl:
                break
        out[r] = outcome
        final[r] = x
    return out, final


@njit(cache=True, nogil=True)
def masad_rows(X, S, C, delta, rounds, Q, T):  # type: ignore[no-untyped-def]
    """The ``eu-masad`` model per row: outcome (the replication's vote) and final positions."""
    R, n = X.shape
    out = np.empty(R)
    final = np.empty((R, n))
    ones = np.ones(n)
    for r in range(R):
        x = X[r].copy()
        s = S[r].copy()
        w = C[r] * s
        dl = delta[r]
        wsum = 0.0
        for a in range(n):
            wsum += w[a]
        has_weight = wsum > 0
        vdelta = dl if dl > 0 else 1.0
        margin, support, total = pair_sums_1d(x, w)
        outcome = _masad_vote(x, margin, vdelta)
        spread = x.max() - x.min()
        for _ in range(rounds):
            if spread == 0 or not has_weight:
                break
            prob = _probabilities(margin, support, total, False)
            mu = _weighted_mean(x, w)
            eu1 = eu_matrix_1d(x, s, prob, ones, outcome, dl, Q, T, False)
            risk, defined = risk_1d(eu1)
            if not defined:
                break
            eu2 = eu_matrix_1d(x, s, prob, risk, mu, dl, Q, T, False)
            new, _sender, _kind = offers_1d(eu2, x, False, 0.0)
            x = new
            spread = x.max() - x.min()
            margin, support, total = pair_sums_1d(x, w)
            outcome = _masad_vote(x, margin, vdelta)
        out[r] = outcome
        final[r] = x
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
