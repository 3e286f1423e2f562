"""A readable, straightforward reference implementation of DECIDE's equal-gain exchange model.

It follows ``docs/models/exchange-spec.md`` (the project's restatement of foarsitter/decide-exchange-model
@51dee66, GPL-3; no upstream code is copied) line by line, with Python objects and one candidate list
that is re-sorted and re-scanned after every realisation. It is deliberately slow: it is the oracle the fast
kernel in ``peninsula.kernels.exchange`` is checked against, and the baseline of
``benchmarks/bench_exchange.py``.

Positions are on DECIDE's internal 0-100 scale throughout. ``None`` marks a missing (actor, issue) cell.
"""

from __future__ import annotations

import copy
import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

TIE = 1e-12  # §9: tie threshold on gains
EPS = 1e-10  # §9: "no move / no gain"
BOUND = 1e-9  # §9: slack on the [0, 100] bound and on the Σ hist ≤ 100 test
KNIFE = 1e-9  # §9: |d0| ≤ KNIFE counts as d0 = 0 (no cap)

Matrix = list[list[float | None]]


@dataclass
class Side:
    actor: int
    supply: int
    demand: int
    pos: float
    start: float
    tgt: float
    move: float = 0.0
    y: float = 0.0
    eu: float = 0.0
    hist: list[float] = field(default_factory=list)


@dataclass(eq=False)
class Exchange:
    i: Side
    j: Side
    index: int  # generation order within the round
    U: dict[int, dict[int, float]] = field(default_factory=dict)
    gain: float = 0.0
    valid: bool = False
    n_calc: int = 0

    def key(self) -> tuple[int, int, int, int]:
        return (self.i.actor, self.i.supply, self.j.actor, self.j.supply)


class Round:
    """The state shared by all candidates of one round (§2)."""

    def __init__(self, X: Matrix, s: Matrix, c: Matrix) -> None:
        self.X, self.s, self.c = X, s, c
        self.n_actors = len(X)
        self.n_issues = len(X[0]) if X else 0
        self.W = [
            sum(c[a][d] * s[a][d] for a in range(self.n_actors) if X[a][d] is not None)  # type: ignore[operator]
            for d in range(self.n_issues)
        ]

    def x(self, a: int, d: int) -> float:
        v = self.X[a][d]
        assert v is not None
        return v

    def cs(self, a: int, d: int) -> float:
        return self.c[a][d] * self.s[a][d]  # type: ignore[operator]

    def outcome(self, d: int) -> float:
        present = [a for a in range(self.n_actors) if self.X[a][d] is not None]
        if self.W[d] <= 0:
            return float("nan")
        return sum(self.cs(a, d) * self.x(a, d) for a in present) / self.W[d]

    def local_sum(self, E: Exchange, k: Side, v: float, self_from_u: bool = False) -> float:
        """Σ c·s·z on k's supply issue: U overrides X, k sits at v (or at its U entry if asked)."""
        d = k.supply
        u = E.U.get(d, {})
        total = 0.0
        for a in range(self.n_actors):
            if self.X[a][d] is None:
                continue
            z = (u.get(a, v) if self_from_u else v) if a == k.actor else u.get(a, self.x(a, d))
            total += self.cs(a, d) * z
        return total


def ok(k: Side, m: float) -> bool:
    """§6.1: the move test (hist_k already ends with m)."""
    if abs(m) > 100 or abs(m) <= EPS:
        return False
    if k.pos + m < -BOUND or k.pos + m > 100 + BOUND:
        return False
    if sum(k.hist) > 100 + BOUND:
        return False
    return all(h < 0 for h in k.hist) or all(h > 0 for h in k.hist)


def signed(E: Exchange, mi: float, mj: float) -> tuple[float, float]:
    """§5.3: m_i < 0 iff pos_i > tgt_j; m_j < 0 iff pos_j > tgt_i."""
    mi = -abs(mi) if E.i.pos > E.j.tgt else abs(mi)
    mj = -abs(mj) if E.j.pos > E.i.tgt else abs(mj)
    return mi, mj


def cap(rd: Round, E: Exchange, k: Side) -> None:
    """§6.2: the outcome may not be carried across the partner's position."""
    kb = E.j if k is E.i else E.i
    d, e = k.supply, kb.supply
    t = kb.tgt
    n0 = rd.local_sum(E, k, k.pos) / rd.W[d]
    n1 = rd.local_sum(E, k, k.y) / rd.W[d]
    d0, d1 = t - n0, t - n1
    if abs(d0) <= KNIFE:
        d0 = 0.0
    if abs(d1) <= KNIFE:
        d1 = 0.0  # peninsula: a full move landing exactly on t is not capped by a rounding residue
    if (d0 >= 0 and d1 >= 0) or (d0 <= 0 and d1 <= 0):
        return
    delta = abs(t * rd.W[d] - rd.local_sum(E, k, k.pos, self_from_u=True)) / rd.cs(k.actor, d)
    r_k = delta * rd.s[k.actor][d] * rd.c[k.actor][d] / rd.W[d]  # type: ignore[operator]
    s = rd.s
    r_kb = r_k * (s[k.actor][d] + s[kb.actor][d]) / (s[k.actor][e] + s[kb.actor][e])  # type: ignore[operator]
    m_kb = r_kb * rd.W[e] / rd.cs(kb.actor, e)
    if k is E.i:
        mi, mj = signed(E, delta, m_kb)
    else:
        mi, mj = signed(E, m_kb, delta)
    E.i.move, E.j.move = mi, mj
    E.i.hist[-1], E.j.hist[-1] = mi, mj
    E.i.y, E.j.y = E.i.pos + mi, E.j.pos + mj
    E.gain = abs(r_kb * s[kb.actor][e] - r_k * s[kb.actor][d])  # type: ignore[operator]


Draw = Callable[[Exchange], tuple[float, float, float]]


def calc(rd: Round, E: Exchange, p: float = 0.0, draw: Draw | None = None, clean: bool = False) -> None:
    """§5: the equal-gain exchange (and §11's randomisation when p > 0)."""
    i, j = E.i, E.j
    s, c, W = rd.s, rd.c, rd.W
    P, Q = j.supply, i.supply
    a, b = i.actor, j.actor
    Dj = abs(i.tgt - j.pos)
    Di = abs(j.tgt - i.pos)
    dP = Dj * s[b][P] * c[b][P] / W[P]  # type: ignore[operator]
    dQ = dP * (s[b][P] + s[a][P]) / (s[b][Q] + s[a][Q])  # type: ignore[operator]
    mi = dQ * W[Q] / (c[a][Q] * s[a][Q])  # type: ignore[operator]
    mj = Dj
    if mi > Di:
        dQ = Di * s[a][Q] * c[a][Q] / W[Q]  # type: ignore[operator]
        dP = dQ * (s[a][Q] + s[b][Q]) / (s[a][P] + s[b][P])  # type: ignore[operator]
        mi = Di
        mj = dP * W[P] / (c[b][P] * s[b][P])  # type: ignore[operator]
    mi, mj = signed(E, mi, mj)
    i.hist.append(mi)
    j.hist.append(mj)
    i.move, j.move = mi, mj
    i.y, j.y = i.pos + mi, j.pos + mj
    E.gain = abs(dQ * s[a][Q] - dP * s[a][P])  # type: ignore[operator]
    i.eu = j.eu = E.gain
    E.n_calc += 1
    E.valid = ok(i, mi) and ok(j, mj) and E.gain >= EPS
    if not E.valid:
        return
    cap(rd, E, i)
    cap(rd, E, j)
    E.valid = ok(i, i.move) and ok(j, j.move)
    if clean:
        i.eu = j.eu = E.gain
    if p > 0 and draw is not None:
        randomise(rd, E, p, draw(E))


def randomise(rd: Round, E: Exchange, p: float, uvz: tuple[float, float, float]) -> None:
    """§11 as peninsula restates it: shift the split of the surplus towards a random side.

    Utilities are salience-weighted outcome shifts: eu_i = δP·s_iP − δQ·s_iQ, eu_j = δQ·s_jQ − δP·s_jP.
    """
    u, v, z = uvz
    i, j = E.i, E.j
    s, W = rd.s, rd.W
    P, Q = j.supply, i.supply
    a, b = i.actor, j.actor
    FP = abs(i.tgt - j.pos) * rd.cs(b, P) / W[P]  # j's full shift on P
    FQ = abs(j.tgt - i.pos) * rd.cs(a, Q) / W[Q]  # i's full shift on Q
    siP, siQ, sjP, sjQ = s[a][P], s[a][Q], s[b][P], s[b][Q]
    assert siP is not None and siQ is not None and sjP is not None and sjQ is not None
    eu = E.gain
    if u < 0.5:  # A = i: maximise δP·siP − δQ·siQ with j's utility ≥ 0
        dP_star = min(FP, FQ * sjQ / sjP)
        eu_max = dP_star * (siP - siQ * sjP / sjQ)
    else:
        dQ_star = min(FQ, FP * siP / siQ)
        eu_max = dQ_star * (sjQ - sjP * siQ / siP)
    eu_new = eu + p * z * (eu_max - eu) if v < 0.5 else eu - p * z * eu
    if u < 0.5:
        # i moves fully on Q; j's shift on P from i's utility
        dQ = FQ
        dP = (eu_new + dQ * siQ) / siP
        if dP > FP:
            dP = FP
            dQ = (dP * siP - eu_new) / siQ
            capped_side = j
        else:
            capped_side = i
    else:
        dP = FP
        dQ = (eu_new + dP * sjP) / sjQ
        if dQ > FQ:
            dQ = FQ
            dP = (dQ * sjQ - eu_new) / sjP
            capped_side = i
        else:
            capped_side = j
    dP, dQ = max(dP, 0.0), max(dQ, 0.0)
    mi = dQ * W[Q] / rd.cs(a, Q)
    mj = dP * W[P] / rd.cs(b, P)
    mi, mj = signed(E, mi, mj)
    i.move, j.move = mi, mj
    i.hist[-1], j.hist[-1] = mi, mj
    i.y, j.y = i.pos + mi, j.pos + mj
    saved_gain = E.gain
    cap(rd, E, capped_side)
    E.gain = saved_gain  # the sort keeps the p = 0 gain
    dQ = abs(i.move) * rd.cs(a, Q) / W[Q]
    dP = abs(j.move) * rd.cs(b, P) / W[P]
    i.eu = dP * siP - dQ * siQ
    j.eu = dQ * sjQ - dP * sjP
    E.valid = ok(i, i.move) and ok(j, j.move)


def generate(rd: Round) -> list[Exchange]:
    """§3: candidate exchanges in DECIDE's fixed order."""
    X, s = rd.X, rd.s
    n, m = rd.n_actors, rd.n_issues
    outcomes = [rd.outcome(d) for d in range(m)]
    left = [[X[a][d] is not None and X[a][d] <= outcomes[d] for d in range(m)] for a in range(n)]  # type: ignore[operator]
    out: list[Exchange] = []
    for p, q in itertools.combinations(range(m), 2):
        groups: list[list[int]] = [[], [], [], []]
        for a in range(n):
            if X[a][p] is None or X[a][q] is None:
                continue
            if rd.cs(a, p) <= 0 or rd.cs(a, q) <= 0:
                continue  # peninsula: a cell without weight can neither give nor gain
            groups[int(left[a][p]) + 2 * int(left[a][q])].append(a)
        for g1, g2 in ((groups[0], groups[3]), (groups[1], groups[2])):
            for a in g1:
                for b in g2:
                    ia, ib = a, b
                    if s[ia][p] / s[ia][q] < s[ib][p] / s[ib][q]:  # type: ignore[operator]
                        ia, ib = ib, ia
                    # side i = ia supplies q, demands p; side j = ib supplies p, demands q
                    si = Side(ia, q, p, rd.x(ia, q), rd.x(ia, q), rd.x(ia, p))
                    sj = Side(ib, p, q, rd.x(ib, p), rd.x(ib, p), rd.x(ib, q))
                    E = Exchange(si, sj, len(out))
                    out.append(E)
    return out


def update(rd: Round, C: Exchange, R: Exchange, p: float, draw: Any, clean: bool = False) -> None:
    """§7 UPDATE(C, R); ``clean``: a matched side records R's realised move instead of its stale one."""
    matched_a = False
    realised_moves: list[tuple[Side, float]] = []
    for k in (C.i, C.j):
        for r in (R.i, R.j):
            if (k.actor, k.supply) == (r.actor, r.supply):
                k.pos = r.y
                k.hist.append(r.move)
                realised_moves.append((k, r.move))
                matched_a = True
                break
    if matched_a:
        C.i.hist.pop()
        C.j.hist.pop()
        if clean:
            for k, mv in realised_moves:
                k.hist[-1] = mv
    matched_b = False
    demand_cells = {(C.i.actor, C.i.demand), (C.j.actor, C.j.demand)}
    for D, S in ((R.j, R.i), (R.i, R.j)):
        if (D.actor, D.demand) in demand_cells:
            u = C.U.setdefault(D.demand, {})
            o = u.get(S.actor)
            if o is None:
                u[S.actor] = S.y
            elif S.start <= o:
                u[S.actor] = min(o, S.y)
            else:
                u[S.actor] = max(o, S.y)
            if not matched_a and not matched_b:
                C.i.hist.pop()
                C.j.hist.pop()
            matched_b = True
    if matched_a or matched_b:
        calc(rd, C, p, draw, clean)


def _cmp(a: Exchange, b: Exchange) -> int:
    if a.gain > b.gain + TIE:
        return -1
    if b.gain > a.gain + TIE:
        return 1
    return 0


TieRule = Callable[[Exchange, Exchange, int], bool]  # True = heads (realise the runner-up)


def tails(F: Exchange, S: Exchange, n_realised: int) -> bool:
    """§10: always realise the first item after the stable sort."""
    return False


@dataclass
class Realised:
    ex: Exchange
    snapshot: Exchange


def run_round(
    rd: Round,
    tie_rule: TieRule = tails,
    p: float = 0.0,
    draw: Callable[[Exchange], tuple[float, float, float]] | None = None,
    clean: bool = False,
) -> list[Realised]:
    """§7: one round; returns the realised exchanges in order (object and its state after the pass)."""
    L = generate(rd)
    for E in L:
        calc(rd, E, p, draw, clean)
    realised: list[Realised] = []
    key = functools.cmp_to_key(_cmp)
    while L:
        L.sort(key=key)
        top = [E for E in L if abs(E.gain - L[0].gain) < TIE]
        if len(top) >= 2 and not any(E.valid for E in top):
            # DECIDE would cycle these tied invalid candidates forever (§7.2-7.3): drop them (peninsula)
            L = [E for E in L if abs(E.gain - L[0].gain) >= TIE]
            continue
        F = L.pop(0)
        if L and abs(F.gain - L[0].gain) < TIE:
            heads = tie_rule(F, L[0], len(realised))
            if clean:  # no duplicate: the one not realised keeps its place
                if heads:
                    R = L.pop(0)
                    L.insert(0, F)
                else:
                    R = F
            elif heads:
                L.append(F)
                R = L.pop(0)
            else:
                R = F
                L.append(L[0])
        else:
            R = F
        if not R.valid:
            continue
        kept = []
        for C in L:
            if not C.valid:
                continue
            update(rd, C, R, p, draw, clean)
            if C.valid:
                kept.append(C)
        L = kept
        realised.append(Realised(R, copy.deepcopy(R)))
    return realised


def end_of_round(
    rd: Round, realised: Sequence[Realised], fixed_weight: float = 0.1, salience_weight: float = 0.4
) -> tuple[Matrix, Matrix]:
    """§8: voting positions Y and updated preference positions X'."""
    Y = [row[:] for row in rd.X]
    Xn = [row[:] for row in rd.X]
    for r in realised:
        for k in (r.snapshot.i, r.snapshot.j):
            Y[k.actor][k.supply] = k.y
            w = fixed_weight + salience_weight * (1 - rd.s[k.actor][k.supply])  # type: ignore[operator]
            Xn[k.actor][k.supply] = (1 - w) * k.start + w * k.y
    return Y, Xn


def weighted_means(rd: Round, P: Matrix) -> list[float]:
    out = []
    for d in range(rd.n_issues):
        out.append(sum(rd.cs(a, d) * P[a][d] for a in range(rd.n_actors) if P[a][d] is not None) / rd.W[d])  # type: ignore[operator]
    return out


@dataclass
class RoundOut:
    round: int
    preference: Matrix
    voting: Matrix
    realised: list[Realised]


def run(
    X: Matrix,
    s: Matrix,
    c: Matrix,
    rounds: int = 10,
    tie_rule: Callable[[int, Exchange, Exchange, int], bool] | None = None,
    fixed_weight: float = 0.1,
    salience_weight: float = 0.4,
    p: float = 0.0,
    rng: np.random.Generator | None = None,
) -> list[RoundOut]:
    """Run ``rounds`` rounds; ``tie_rule(round, F, S)`` returns True to realise the runner-up."""
    out = [RoundOut(0, [row[:] for row in X], [row[:] for row in X], [])]
    cur = [row[:] for row in X]
    for r in range(1, rounds + 1):
        rd = Round(cur, s, c)
        rule: TieRule = tails if tie_rule is None else functools.partial(tie_rule, r)
        draw = None
        if p > 0:
            assert rng is not None
            gen = rng

            def draw(E: Exchange, gen: np.random.Generator = gen) -> tuple[float, float, float]:
                u, v, z = gen.random(3)
                return float(u), float(v), float(z)

        realised = run_round(rd, rule, p, draw)
        Y, cur = end_of_round(rd, realised, fixed_weight, salience_weight)
        out.append(RoundOut(r, [row[:] for row in cur], Y, realised))
    return out


def parse_decide(path: str) -> tuple[list[str], list[str], list[float], list[float], Matrix, Matrix, Matrix]:
    """A tiny DECIDE reader for the tests: actors, issues, lower, upper, X (0-100), s, c."""
    import csv

    actors: list[str] = []
    issues: list[str] = []
    marks: dict[str, list[float]] = {}
    cells: dict[tuple[str, str], tuple[float, float, float]] = {}
    with open(path, newline="") as fh:
        for row in csv.reader(fh, delimiter="\t", quotechar="'"):
            if not row:
                continue
            tag = row[0]
            if tag == "#A" and row[1] not in actors:
                actors.append(row[1])
            elif tag == "#P":
                issues.append(row[1])
            elif tag == "#M":
                marks.setdefault(row[1], []).append(float(row[2]))
            elif tag == "#D":
                x, sal, pw = float(row[3]), float(row[4]), float(row[5])
                if 0 <= sal <= 100 and 0 <= pw <= 100:
                    cells[(row[1], row[2])] = (x, sal, pw)
    lower = [min(marks[d]) if d in marks else 0.0 for d in issues]
    upper = [max(marks[d]) if d in marks else 100.0 for d in issues]
    X: Matrix = [[None] * len(issues) for _ in actors]
    S: Matrix = [[None] * len(issues) for _ in actors]
    Cm: Matrix = [[None] * len(issues) for _ in actors]
    for (a, d), (x, sal, pw) in cells.items():
        ia, idd = actors.index(a), issues.index(d)
        X[ia][idd] = (x - lower[idd]) * (100 / (upper[idd] - lower[idd]))
        S[ia][idd] = sal
        Cm[ia][idd] = pw
    return actors, issues, lower, upper, X, S, Cm


_MASK = (1 << 64) - 1


def _mix(x: int) -> int:
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & _MASK
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def uniform(seed: int, a: int, b: int, c: int, d: int) -> float:
    """The kernel's counter-based U[0, 1) draw, in plain Python."""
    h = _mix((seed & _MASK) ^ 0x9E3779B97F4A7C15)
    for v in (a, b, c, d):
        h = _mix(h ^ (v & _MASK))
    return (h >> 11) * (1.0 / 9007199254740992.0)


def run_keyed(
    X: Matrix, s: Matrix, c: Matrix, rounds: int = 10, *, seed: int = 0, p: float = 0.0, coin: bool = False,
    fixed_weight: float = 0.1, salience_weight: float = 0.4, clean: bool = False,
) -> list[RoundOut]:
    """Like :func:`run`, with the kernel's keyed draws: §11 draws per (round, candidate, calc number) and,
    with ``coin``, a seeded coin at ties (per (round, tie number))."""
    out = [RoundOut(0, [row[:] for row in X], [row[:] for row in X], [])]
    cur = [row[:] for row in X]
    for r in range(1, rounds + 1):
        rd = Round(cur, s, c)
        count = [0]

        def rule(F: Exchange, S: Exchange, n: int, r: int = r, count: list[int] = count) -> bool:
            k = count[0]
            count[0] += 1
            return coin and uniform(seed, r, k, 0, 3) >= 0.5

        def draw(E: Exchange, r: int = r) -> tuple[float, float, float]:
            return tuple(uniform(seed, r, E.index, E.n_calc, w) for w in range(3))  # type: ignore[return-value]

        realised = run_round(rd, rule, p, draw if p > 0 else None, clean)
        Y, cur = end_of_round(rd, realised, fixed_weight, salience_weight)
        out.append(RoundOut(r, [row[:] for row in cur], Y, realised))
    return out
