"""Readable per-pair loop implementation of the expected-utility model (the test suite's reference).

Plain Python, one loop per sum, written from the formulas in ``docs/models/eu.md`` (Scholz, Calbert &
Smith 2011, and the replication's quirks restated in the shared MODELS.md). It is deliberately slow
(``O(n³)`` per round) and obvious; ``peninsula.kernels.eu`` must agree with it, and
``benchmarks/bench_eu.py`` measures the vectorised models against it.

``variant="masad"`` follows the replication (D. Masad's port); ``variant="corrected"`` the ``eu`` model
(paper's probability and status-quo sign, weighted median as μ and outcome, value-based tie-breaks).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class LoopRound:
    positions: list[float]
    outcome: float
    weighted_mean: float
    risk: list[float] | None = None
    events: list[tuple[int, int, str, float, float]] = field(default_factory=list)


def weighted_mean(x: list[float], w: list[float]) -> float:
    return sum(wi * xi for wi, xi in zip(w, x, strict=True)) / sum(w)


def weighted_median(x: list[float], w: list[float]) -> float:
    pairs = sorted(zip(x, w, strict=True))
    total = sum(w)
    if total <= 0:
        pairs = [(xi, 1.0) for xi, _ in pairs]
        total = float(len(pairs))
    half = total / 2
    cum = 0.0
    for k, (xi, wi) in enumerate(pairs):
        cum += wi
        if cum >= half * (1 - 1e-9):
            if abs(cum - half) <= 1e-9 * total:
                # exactly half: midpoint with the next actor of positive weight (possibly at xi too)
                later = [xj for xj, wj in pairs[k + 1 :] if wj > 0]
                if later:
                    return (xi + later[0]) / 2
            return xi
    return pairs[-1][0]


def masad_vote(x: list[float], w: list[float], delta: float) -> float:
    uniq: list[float] = []
    for xi in x:
        if xi not in uniq:
            uniq.append(xi)
    best, best_v = uniq[0], float("-inf")
    for a in uniq:
        for b in uniq:
            if a == b:
                continue
            v = 0.0
            for xk, wk in zip(x, w, strict=True):
                v += wk * (abs(xk - b) - abs(xk - a)) / delta
            if v > best_v:
                best, best_v = a, v
    return best


def probability(x: list[float], w: list[float], i: int, j: int, paper: bool) -> float:
    if x[i] == x[j]:
        return 0.0
    num = 0.0
    den = 0.0
    for xk, wk in zip(x, w, strict=True):
        g = abs(xk - x[j]) - abs(xk - x[i])
        num += wk * (max(0.0, g) if paper else g)
        den += wk * abs(g)
    if den == 0:
        return 0.0
    return num / den if paper else max(0.0, num) / den


def eu_matrix(
    x: list[float],
    s: list[float],
    w: list[float],
    r: list[float],
    mu: float,
    delta: float,
    Q: float,
    T: float,
    paper: bool,
) -> list[list[float]]:
    n = len(x)
    out = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            d = abs(x[i] - x[j]) / delta
            e = (abs(x[i] - mu) + abs(x[i] - x[j])) / delta
            us = 2 - 4 * (0.5 - 0.5 * d) ** r[i]
            uf = 2 - 4 * (0.5 + 0.5 * d) ** r[i]
            ub = 2 - 4 * (0.5 - 0.25 * e) ** r[i]
            uw = 2 - 4 * (0.5 + 0.25 * e) ** r[i]
            usq = 2 - 4 * 0.5 ** r[i]
            p = probability(x, w, i, j, paper)
            contest = s[j] * (p * us + (1 - p) * uf) + (1 - s[j]) * us
            if paper:
                out[i][j] = contest - (Q * usq + (1 - Q) * (T * ub + (1 - T) * uw))
            else:
                out[i][j] = contest - Q * usq + (1 - Q) * (T * ub + (1 - T) * uw)
    return out


def risk_from(eu: list[list[float]]) -> list[float] | None:
    n = len(eu)
    a = [sum(eu[k][i] for k in range(n) if k != i) for i in range(n)]
    hi, lo = max(a), min(a)
    if hi == lo:
        return None
    out = []
    for ai in a:
        big_r = (2 * ai - hi - lo) / (hi - lo)
        out.append((1 - big_r / 3) / (1 + big_r / 3))
    return out


def run_loop(
    x0: list[float],
    c: list[float],
    s: list[float],
    *,
    rounds: int,
    delta: float,
    Q: float = 1.0,
    T: float = 1.0,
    variant: str = "masad",
    tol: float = 0.0,
) -> list[LoopRound]:
    """Rounds 0..k of the model, by plain loops. ``tol`` (corrected only) is an absolute move tolerance."""
    paper = variant != "masad"
    n = len(x0)
    x = list(x0)
    w = [ci * si for ci, si in zip(c, s, strict=True)]

    def outcome(xs: list[float]) -> float:
        return weighted_median(xs, w) if paper else masad_vote(xs, w, delta)

    def mean(xs: list[float]) -> float:
        return weighted_mean(xs, w) if sum(w) > 0 else float("nan")

    out = [LoopRound(list(x), outcome(x), mean(x))]
    for _ in range(rounds):
        if len(set(x)) == 1:
            break
        mu1 = outcome(x)
        r = risk_from(eu_matrix(x, s, w, [1.0] * n, mu1, delta, Q, T, paper))
        if r is None:
            if not paper:
                break
            r = [1.0] * n
        mu2 = weighted_median(x, w) if paper else weighted_mean(x, w)
        eu = eu_matrix(x, s, w, r, mu2, delta, Q, T, paper)
        new = list(x)
        events = []
        for j in range(n):
            offers = [i for i in range(n) if i != j and eu[i][j] > 0]
            if not offers:
                continue
            top = max(eu[i][j] for i in offers)
            if paper:
                tied = [i for i in offers if eu[i][j] >= top - 1e-12 * abs(top)]
                # nearest, then lower position, then lowest counter-utility, then list order
                tied.sort(key=lambda i: (abs(x[i] - x[j]), x[i], eu[j][i], i))
            else:
                tied = [i for i in offers if eu[i][j] == top]
                tied.sort(key=lambda i: (abs(x[i] - x[j]), i))
            i = tied[0]
            u_j, u_i = eu[i][j], eu[j][i]
            if 0 < u_i < u_j:
                kind, to = "conflict", x[i]
            elif u_i < 0 and abs(u_i) < u_j:
                kind, to = "compromise", x[j] + (x[i] - x[j]) * abs(u_i / u_j)
            elif u_i < 0 and abs(u_i) > u_j:
                kind, to = "capitulation", x[i]
            else:
                continue
            new[j] = to
            events.append((i, j, kind, x[j], to))
        moved = max(abs(a - b) for a, b in zip(new, x, strict=True))
        x = new
        out.append(LoopRound(list(x), outcome(x), mean(x), r, events))
        if paper and moved <= tol:
            break
    return out
