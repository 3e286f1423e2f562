"""The asymmetric Nash bargaining solution on one issue (Nash 1950; Achen 2006, ch. 10).

Actor i has position x_i, salience s_i (0-1) and capability c_i (ratio scale >= 0), and a quadratic,
salience-weighted loss utility u_i(x) = −s_i·(x − x_i)² (Achen 2006, "Institutional realism and bargaining
models", ch. 10 of *The European Union Decides*). With status quo (disagreement point) q, i's gain from an
outcome x is g_i(x) = u_i(x) − u_i(q) = s_i·[(q − x_i)² − (x − x_i)²]. The asymmetric Nash bargaining
solution maximises the weighted product Π_i g_i(x)^{w_i} over the outcomes every actor prefers to q, i.e.
maximises N(x) = Σ_i w_i·log g_i(x), with bargaining weights w_i = c_i (the default) or c_i·s_i. N is
strictly concave there, so its maximiser is the unique root of

    N'(x) = Σ_i w_i·(−2 s_i (x − x_i)) / g_i(x) = 0,  i.e.  x = Σ_i (w_i s_i / g_i) x_i / Σ_i (w_i s_i / g_i).

The solution is a weighted mean whose weights w_i·s_i/g_i favour actors who gain little over the status
quo. Achen's compromise model (the capability x salience weighted mean) is this formula with every gain
g_i taken equal. Two consequences worth knowing: (1) the Nash solution does not change when one actor's
utility is multiplied by a constant, so with w_i = c_i the saliences cancel out of the exact solution (they
matter only through the equal-gain approximation); (2) as the status quo moves far away, g_i ∝ s_i and
the solution tends to Σ w_i x_i / Σ w_i: the capability-weighted mean for w = c, and exactly the compromise
model for w = c·s. Actors with w_i·s_i = 0 neither weigh nor constrain.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

__all__ = [
    "NashResult",
    "brentq",
    "brentq_rows",
    "feasible_interval",
    "nash_bargaining",
    "nash_bargaining_rows",
    "nash_gains",
]


class NashResult:
    """The solution on one issue.

    Attributes
    ----------
    outcome:
        The Nash bargaining solution on the issue's scale (the status quo where no outcome improves on it
        for every actor).
    agreement:
        ``False`` when no outcome is better than the status quo for every actor with weight (the
        feasible set is the status quo alone), so the outcome is the status quo itself.
    low, high:
        The open interval of outcomes every weighted actor prefers to the status quo (``low == high``
        when it is empty).
    """

    __slots__ = ("agreement", "high", "low", "outcome")

    def __init__(self, outcome: float, agreement: bool, low: float, high: float) -> None:
        self.outcome = outcome
        self.agreement = agreement
        self.low = low
        self.high = high

    def __repr__(self) -> str:
        return f"NashResult(outcome={self.outcome!r}, agreement={self.agreement!r})"


def nash_gains(x: float, positions: FloatArray, saliences: FloatArray, status_quo: float) -> FloatArray:
    """g_i(x) = s_i·[(q − x_i)² − (x − x_i)²], each actor's utility gain over the status quo.

    Examples
    --------
    >>> nash_gains(5.0, np.array([4.0, 10.0]), np.array([1.0, 0.5]), 0.0).tolist()
    [15.0, 37.5]
    """
    return np.asarray(saliences * ((status_quo - positions) ** 2 - (x - positions) ** 2), dtype=np.float64)


def feasible_interval(positions: FloatArray, status_quo: float) -> tuple[float, float]:
    """The outcomes every actor prefers to q: ∩_i (x_i − |q − x_i|, x_i + |q − x_i|), as (low, high).

    Examples
    --------
    >>> feasible_interval(np.array([4.0, 10.0]), 0.0)
    (0.0, 8.0)
    >>> feasible_interval(np.array([-1.0, 1.0]), 0.0)
    (0.0, 0.0)
    """
    r = np.abs(status_quo - positions)
    low = float(np.max(positions - r))
    high = float(np.min(positions + r))
    if high < low:
        return status_quo, status_quo
    return low, high


def nash_bargaining(
    positions: FloatArray,
    saliences: FloatArray,
    weights: FloatArray,
    status_quo: float,
    vetoes: npt.NDArray[np.bool_] | None = None,
) -> NashResult:
    """The asymmetric Nash bargaining solution with quadratic salience-weighted losses (see module doc).

    Parameters
    ----------
    positions:
        Actors' positions on the issue's scale.
    saliences:
        Saliences on 0-1.
    weights:
        Bargaining weights (the exponents of the product), ratio scale >= 0: capabilities, or capability x
        salience.
    status_quo:
        The disagreement point on the issue's scale.
    vetoes:
        ``True`` for veto players (consent required). Every actor with weight x salience > 0 already bounds
        the agreement set; a veto player bounds it even with zero weight or salience (a party whose consent
        is needed blocks any outcome it does not prefer to the status quo, however little it weighs).

    Returns
    -------
    NashResult

    Raises
    ------
    ValueError
        If no actor has positive weight x salience.

    Examples
    --------
    Two equally strong actors, both right of the status quo: the solution lies between them,

    >>> r = nash_bargaining(np.array([4.0, 10.0]), np.array([1.0, 1.0]), np.array([1.0, 1.0]), 0.0)
    >>> round(r.outcome, 4), r.agreement
    (5.0, True)

    a status quo far away makes it the weighted mean Σ w x / Σ w (with w = c·s: the compromise model),

    >>> r = nash_bargaining(np.array([4.0, 10.0]), np.array([1.0, 1.0]), np.array([3.0, 1.0]), -1e6)
    >>> round(r.outcome, 3)
    5.5

    and a status quo between the actors leaves nothing to agree on.

    >>> nash_bargaining(np.array([-1.0, 1.0]), np.array([1.0, 1.0]), np.array([1.0, 1.0]), 0.0).agreement
    False
    """
    keep = (weights * saliences > 0) & np.isfinite(positions)
    if not np.any(keep):
        raise ValueError("no actor has weight x salience > 0: the Nash solution is undefined")
    x = np.asarray(positions[keep], dtype=np.float64)
    s = np.asarray(saliences[keep], dtype=np.float64)
    w = np.asarray(weights[keep], dtype=np.float64)
    q = float(status_quo)
    bound = keep if vetoes is None else keep | (np.asarray(vetoes, dtype=bool) & np.isfinite(positions))
    low, high = feasible_interval(np.asarray(positions[bound], dtype=np.float64), q)
    if not high > low:
        return NashResult(q, False, low, high)
    # the root lies in the hull of the positions too (N' >= 0 at min x, <= 0 at max x)
    a = max(low, float(np.min(x)))
    b = min(high, float(np.max(x)))
    if b < a:  # a veto player's set lies beside every weighted position: its nearest end is best for all
        return NashResult(high if a > high else low, True, low, high)
    scale = max(1.0, abs(q), float(np.max(np.abs(x))))
    if b - a <= 1e-12 * scale:
        return NashResult(0.5 * (a + b), True, low, high)

    def slope(v: float) -> float:
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(np.sum(w * (-2.0 * s * (v - x)) / nash_gains(v, x, s, q)))

    eps = 1e-9 * (b - a)
    a_in = a if a > low else a + eps
    b_in = b if b < high else b - eps
    fa, fb = slope(a_in), slope(b_in)
    if not fa > 0:
        return NashResult(a, True, low, high)
    if not fb < 0:
        return NashResult(b, True, low, high)
    # Brent's method in SciPy brentq's steps (importing SciPy for it would take 0.4 s)
    root = brentq(slope, a_in, b_in, fa, fb, 1e-14 * scale, 4 * float(np.finfo(float).eps), 200)
    return NashResult(root, True, low, high)


def brentq(
    f: Callable[[float], float], xa: float, xb: float, fa: float, fb: float, xtol: float, rtol: float,
    maxiter: int,
) -> float:
    """Brent's root finder in the steps of ``scipy.optimize.brentq`` (one bracket; see :func:`brentq_rows`).

    ``fa``, ``fb`` are ``f(xa)``, ``f(xb)``, of opposite signs. Raises ``RuntimeError`` if not converged
    after ``maxiter`` steps.

    Examples
    --------
    >>> round(brentq(lambda v: v * v - 2.0, 0.0, 4.0, -2.0, 14.0, 1e-14, 4e-16, 100), 12)
    1.414213562373
    """
    xpre, xcur, fpre, fcur = float(xa), float(xb), float(fa), float(fb)
    xblk = fblk = spre = scur = 0.0
    if fpre == 0:
        return xpre
    if fcur == 0:
        return xcur
    for _ in range(maxiter):
        if fpre != 0 and fcur != 0 and (math.copysign(1.0, fpre) != math.copysign(1.0, fcur)):
            xblk, fblk = xpre, fpre
            spre = scur = xcur - xpre
        if abs(fblk) < abs(fcur):
            xpre, xcur, xblk = xcur, xblk, xcur
            fpre, fcur, fblk = fcur, fblk, fcur
        delta = (xtol + rtol * abs(xcur)) / 2
        sbis = (xblk - xcur) / 2
        if fcur == 0 or abs(sbis) < delta:
            return xcur
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            if xpre == xblk:
                stry = -fcur * (xcur - xpre) / (fcur - fpre)
            else:
                dpre = (fpre - fcur) / (xpre - xcur)
                dblk = (fblk - fcur) / (xblk - xcur)
                stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            if 2 * abs(stry) < min(abs(spre), 3 * abs(sbis) - delta):
                spre, scur = scur, stry
            else:
                spre = scur = sbis
        else:
            spre = scur = sbis
        xpre, fpre = xcur, fcur
        xcur += scur if abs(scur) > delta else (delta if sbis > 0 else -delta)
        fcur = f(xcur)
    raise RuntimeError(f"brentq: not converged after {maxiter} iterations")


def brentq_rows(
    f: Callable[[IntArray, FloatArray], FloatArray],
    xa: FloatArray,
    xb: FloatArray,
    fa: FloatArray,
    fb: FloatArray,
    xtol: FloatArray,
    rtol: float,
    maxiter: int,
) -> FloatArray:
    """Brent's root finder on many brackets at once: the steps of ``scipy.optimize.brentq`` per row.

    Brent (1973), *Algorithms for Minimization without Derivatives*, ch. 4, in the form of SciPy's
    ``brentq`` (inverse quadratic interpolation or secant step, else bisection), each row stepping alone.
    ``f(rows, v)`` evaluates the function of rows ``rows`` (indices) at points ``v``; ``fa``, ``fb`` are
    its values at the bracket ends, of opposite signs. Returns the roots ``(rows,)``. A row still open
    after ``maxiter`` steps raises ``RuntimeError`` (as ``brentq``).

    Examples
    --------
    >>> roots = brentq_rows(lambda k, v: v**2 - np.array([2.0, 9.0])[k], np.zeros(2), np.full(2, 4.0),
    ...                     np.array([-2.0, -9.0]), np.array([14.0, 7.0]), np.full(2, 1e-14), 4e-16, 100)
    >>> np.round(roots, 12).tolist()
    [1.414213562373, 3.0]
    """
    n = len(xa)
    xpre, xcur = np.array(xa, dtype=np.float64), np.array(xb, dtype=np.float64)
    fpre, fcur = np.array(fa, dtype=np.float64), np.array(fb, dtype=np.float64)
    xblk, fblk = np.zeros(n), np.zeros(n)
    spre, scur = np.zeros(n), np.zeros(n)
    root = np.array(xcur)
    tol = np.broadcast_to(np.asarray(xtol, dtype=np.float64), (n,))
    at_a, at_b = fpre == 0, (fpre != 0) & (fcur == 0)
    root[at_a] = xpre[at_a]
    active = np.flatnonzero(~(at_a | at_b))
    with np.errstate(all="ignore"):
        for _ in range(maxiter):
            if active.size == 0:
                return root
            k = active
            xp, xc, fp, fc = xpre[k], xcur[k], fpre[k], fcur[k]
            xb_, fb_, sp, sc = xblk[k], fblk[k], spre[k], scur[k]
            new = (fp != 0) & (fc != 0) & (np.signbit(fp) != np.signbit(fc))
            xb_ = np.where(new, xp, xb_)
            fb_ = np.where(new, fp, fb_)
            sp = np.where(new, xc - xp, sp)
            sc = np.where(new, xc - xp, sc)
            swap = np.abs(fb_) < np.abs(fc)
            xp, xc, xb_ = np.where(swap, xc, xp), np.where(swap, xb_, xc), np.where(swap, xc, xb_)
            fp, fc, fb_ = np.where(swap, fc, fp), np.where(swap, fb_, fc), np.where(swap, fc, fb_)
            delta = (tol[k] + rtol * np.abs(xc)) / 2
            sbis = (xb_ - xc) / 2
            done = (fc == 0) | (np.abs(sbis) < delta)
            # the step (computed for every row; used where the row goes on)
            interp = xp == xb_
            dpre = (fp - fc) / (xp - xc)
            dblk = (fb_ - fc) / (xb_ - xc)
            stry = np.where(
                interp,
                -fc * (xc - xp) / (fc - fp),
                -fc * (fb_ * dblk - fp * dpre) / (dblk * dpre * (fb_ - fp)),
            )
            try_step = (np.abs(sp) > delta) & (np.abs(fc) < np.abs(fp))
            good = try_step & (2 * np.abs(stry) < np.minimum(np.abs(sp), 3 * np.abs(sbis) - delta))
            sp = np.where(good, sc, sbis)
            sc = np.where(good, stry, sbis)
            xnext = np.where(np.abs(sc) > delta, xc + sc, xc + np.where(sbis > 0, delta, -delta))
            root[k[done]] = xc[done]
            go = ~done
            k = k[go]
            xpre[k], fpre[k] = xc[go], fc[go]
            xblk[k], fblk[k], spre[k], scur[k] = xb_[go], fb_[go], sp[go], sc[go]
            xcur[k] = xnext[go]
            if k.size:
                fcur[k] = f(k, xcur[k])
            active = k
    if active.size:
        raise RuntimeError(f"brentq_rows: {active.size} row(s) not converged after {maxiter} iterations")
    return root


def nash_bargaining_rows(
    positions: FloatArray,
    saliences: FloatArray,
    weights: FloatArray,
    status_quo: float,
    vetoes: npt.NDArray[np.bool_] | None = None,
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """:func:`nash_bargaining` for many draws of one issue: ``(outcome, agreement)``, each ``(draws,)``.

    ``positions``, ``saliences``, ``weights`` are ``(draws, actors)``; ``vetoes`` ``(actors,)`` (the same veto
    players in every draw). Each row takes :func:`nash_bargaining`'s steps (the root by :func:`brentq_rows`,
    the same steps as SciPy's ``brentq``); the outcome is NaN (and ``agreement`` ``False``) in a row where no
    actor has weight x salience > 0, where :func:`nash_bargaining` raises. Sums over actors may round
    differently in the last bit where some actors carry no weight.

    Examples
    --------
    >>> out, ok = nash_bargaining_rows(np.array([[4.0, 10.0], [-1.0, 1.0]]), np.ones((2, 2)), np.ones((2, 2)),
    ...                                0.0)
    >>> np.round(out, 4).tolist(), ok.tolist()
    ([5.0, 0.0], [True, False])
    """
    X = np.asarray(positions, dtype=np.float64)
    S = np.asarray(saliences, dtype=np.float64)
    W = np.asarray(weights, dtype=np.float64)
    q = float(status_quo)
    D = X.shape[0]
    finite = np.isfinite(X)
    keep = (W * S > 0) & finite
    bound = keep if vetoes is None else keep | (np.asarray(vetoes, dtype=bool)[None, :] & finite)
    defined = keep.any(axis=1)
    r = np.abs(q - X)
    low = np.max(np.where(bound, X - r, -np.inf), axis=1)
    high = np.min(np.where(bound, X + r, np.inf), axis=1)
    empty = high < low
    low = np.where(empty, q, low)
    high = np.where(empty, q, high)
    out = np.full(D, q)
    agreement = defined & (high > low)
    x_lo = np.min(np.where(keep, X, np.inf), axis=1)
    x_hi = np.max(np.where(keep, X, -np.inf), axis=1)
    a = np.maximum(low, x_lo)
    b = np.minimum(high, x_hi)
    beside = agreement & (b < a)
    out[beside] = np.where(a > high, high, low)[beside]
    scale = np.maximum(np.maximum(1.0, abs(q)), np.max(np.where(keep, np.abs(X), 0.0), axis=1))
    todo = agreement & ~beside
    with np.errstate(invalid="ignore"):
        point = todo & (b - a <= 1e-12 * scale)
    with np.errstate(invalid="ignore"):  # rows without a weighted actor hold inf - inf here
        out[point] = (0.5 * (a + b))[point]
    todo &= ~point
    rows = np.flatnonzero(todo)
    if rows.size:
        Xk, Sk, Wk, Kk = X[rows], S[rows], W[rows], keep[rows]
        ak, bk, lowk, highk = a[rows], b[rows], low[rows], high[rows]

        def slope(k: IntArray, v: FloatArray) -> FloatArray:
            x, s, w = Xk[k], Sk[k], Wk[k]
            d = v[:, None] - x
            with np.errstate(divide="ignore", invalid="ignore"):
                term = w * (-2.0 * s * d) / (s * ((q - x) ** 2 - d**2))
            return np.asarray(np.where(Kk[k], term, 0.0).sum(axis=1), dtype=np.float64)

        eps = 1e-9 * (bk - ak)
        a_in = np.where(ak > lowk, ak, ak + eps)
        b_in = np.where(bk < highk, bk, bk - eps)
        every = np.arange(rows.size)
        fa, fb = slope(every, a_in), slope(every, b_in)
        res = np.where(~(fa > 0), ak, np.where(~(fb < 0), bk, np.nan))
        solve = np.flatnonzero(np.isnan(res))
        if solve.size:
            sub = solve

            def f(k: IntArray, v: FloatArray) -> FloatArray:
                return slope(sub[k], v)

            res[solve] = brentq_rows(
                f, a_in[solve], b_in[solve], fa[solve], fb[solve], 1e-14 * scale[rows][solve],
                4 * np.finfo(float).eps, 200,
            )
        out[rows] = res
    out = np.where(defined, out, np.nan)
    return out, agreement
