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

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

__all__ = ["NashResult", "feasible_interval", "nash_bargaining", "nash_gains"]


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
    from scipy.optimize import brentq  # 0.4 s to import: loaded when a Nash solution is computed

    root = float(brentq(slope, a_in, b_in, xtol=1e-14 * scale, rtol=4 * np.finfo(float).eps, maxiter=200))
    return NashResult(root, True, low, high)
