"""Agreement sets of veto players and the outcome inside them (Romer & Rosenthal 1978; Tsebelis 2002).

One issue is a scale ``[lower, upper]`` with a **reversion** r, the outcome if no agreement is reached. Actor
i at position x_i accepts the outcomes it prefers to r. Without explicit limits, preferences are
single-peaked and symmetric (Tsebelis 2002, ch. 1: the "winset" of the status quo), so i accepts the open
interval

    A_i = (x_i − d_i, x_i + d_i),  d_i = |r − x_i|,

and with explicit acceptance limits a_i^lo <= x_i <= a_i^hi (the worst outcomes on each side that i still
prefers to r) the closed interval [a_i^lo, a_i^hi]; a side without a limit keeps the default. The
**agreement set** is the part of the scale every veto player accepts,

    W = [lower, upper] ∩ ⋂_{i veto} A_i,

(Tsebelis 2002's winset of the status quo for the veto players; the whole scale when there is no veto
player), less the outcomes nearer the reversion than the **minimal move** m (a share ``min_move`` of the
scale's span, :data:`MIN_MOVE` by default): an outcome that moves less than m from r is not a deal but the
reversion, so

    W_m = W ∖ (r − m, r + m)

where some veto player binds and W lies on one side of r. (Explicit limits beyond the reversion can make W
contain r itself: agreeing is then worth something to every veto player even at the reversion's value, as
a small exercise held rather than none, and nothing is removed.) **No agreement** when W_m is empty:
the outcome is r. A veto player nearer the reversion than m/2 without an explicit limit accepts no move of
at least m (its default interval reaches 2 d_i from r) and blocks every agreement.

Inside W the outcome follows a declared rule:

* ``compromise`` — the capability × salience weighted mean of all positions (Achen 2006's compromise
  model), projected onto the closure of W (the nearest point of W, or its end);
* ``nash`` — the asymmetric Nash bargaining solution (Nash 1950) among the veto players with the reversion
  as disagreement point: the maximiser over W of Σ_i w_i log g_i(x), w_i = capability, with the gain
  normalised so that it is 1 at the position and 0 at each acceptance limit,

      g_i(x) = 1 − ((x − x_i) / δ_i(x))²,  δ_i(x) = x_i − a_i^lo for x < x_i, a_i^hi − x_i otherwise

  (with the default limits this is Achen's g_i = s_i[(r − x_i)² − (x − x_i)²] divided by s_i d_i², a
  rescaling of each actor's utility that leaves the Nash solution unchanged); g_i is concave and C¹, so
  the objective is concave and its maximiser the root of its derivative (found by bisection);
* ``setter`` — the agenda setter's best point (Romer & Rosenthal 1978): the setter proposes the outcome in
  W nearest its own position, which every veto player accepts rather than the reversion.

Every function here works on arrays with actors on the **first** axis and any batch shape after it
(``(actors, draws)``: reductions over actors then run across contiguous rows); an actor without a stance on
the issue has position NaN and is ignored.

References
----------
Romer, T. & Rosenthal, H. (1978). Political resource allocation, controlled agendas, and the status quo.
*Public Choice* 33(4), 27–43. Tsebelis, G. (2002). *Veto Players: How Political Institutions Work*.
Princeton UP. Nash, J. (1950). The bargaining problem. *Econometrica* 18(2), 155–162. Achen, C. (2006).
Institutional realism and bargaining models, ch. 10 of Thomson, Stokman, Achen & König (eds.), *The
European Union Decides*. Cambridge UP.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Rule = Literal["compromise", "nash", "setter"]

__all__ = [
    "MIN_MOVE",
    "NASH_STEPS",
    "RULES",
    "AgreementSet",
    "acceptance_intervals",
    "agreement_set",
    "compromise_rule",
    "nash_rule",
    "outcome_in_set",
    "setter_rule",
]

#: Default minimal move, as a share of the issue's span: an agreement must move the outcome at least this
#: far from the reversion (5 % of the scale). A coded judgement (range 0.025-0.10): the Korea library codes
#: 86 % of its positions and range ends on a grid of 5 % of the scale (75 % on 10 %), so a smaller move is
#: below the resolution at which the inputs are coded and cannot be told from the reversion
#: (docs/models/agreement.md).
MIN_MOVE = 0.05

#: The rules :func:`outcome_in_set` knows.
RULES: tuple[Rule, ...] = ("compromise", "nash", "setter")

#: Most safeguarded Newton steps of :func:`nash_rule` (each at worst halves the bracket; from the weighted
#: mean start Newton meets the 1e-12 tolerance in about five on the Korea snapshots, then the loop stops).
NASH_STEPS = 60


@dataclass(frozen=True)
class AgreementSet:
    """The agreement set per batch element (shape ``(...)``, the arrays' shape without the actor axis).

    Attributes
    ----------
    low, high:
        Ends of the set's closure, on the issue's scale (meaningless where ``nonempty`` is ``False``).
    low_open, high_open:
        ``True`` where the end is not itself in the set (a default, single-peaked limit attains it).
    nonempty:
        ``True`` where some outcome is acceptable to every veto player.
    """

    low: FloatArray
    high: FloatArray
    low_open: BoolArray
    high_open: BoolArray
    nonempty: BoolArray


def _bvec(vetoes: BoolArray | npt.ArrayLike, shape: tuple[int, ...]) -> BoolArray:
    """``vetoes`` (actors,) or full-shaped, broadcast to ``shape`` (actors first)."""
    v = np.asarray(vetoes, dtype=bool)
    if v.ndim == 1 and len(shape) > 1:
        v = v.reshape((-1,) + (1,) * (len(shape) - 1))
    return np.broadcast_to(v, shape)


def acceptance_intervals(
    positions: FloatArray, reversion: FloatArray, accept_low: FloatArray, accept_high: FloatArray
) -> tuple[FloatArray, FloatArray, BoolArray, BoolArray]:
    """Each actor's acceptable outcomes: ``(low, high, low_open, high_open)``, shape of ``positions``.

    Parameters
    ----------
    positions:
        ``(actors, ...)`` positions on the issue's scale (NaN = no stance).
    reversion:
        ``(...)`` the outcome without agreement (broadcast over actors).
    accept_low, accept_high:
        ``(actors, ...)`` explicit acceptance limits, NaN where the single-peaked default applies. A limit on
        the wrong side of its position (possible in draws whose ranges overlap) is moved to the position.

    Returns
    -------
    tuple of arrays
        Ends of each actor's acceptance interval; ends from the default are open (the reversion itself and
        the point as far on the other side are not preferred to the reversion), explicit limits closed.

    Examples
    --------
    The default: an actor at 30 with the reversion at 0 accepts (0, 60); one with limits 20 below and 70
    above its position accepts [20, 70].

    >>> lo, hi, lo_open, hi_open = acceptance_intervals(
    ...     np.array([30.0, 50.0]), np.array(0.0), np.array([np.nan, 20.0]), np.array([np.nan, 70.0]))
    >>> lo.tolist(), hi.tolist(), lo_open.tolist(), hi_open.tolist()
    ([0.0, 20.0], [60.0, 70.0], [True, False], [True, False])
    """
    x = np.asarray(positions, dtype=np.float64)
    d = np.abs(np.asarray(reversion, dtype=np.float64) - x)
    al = np.asarray(accept_low, dtype=np.float64)
    ah = np.asarray(accept_high, dtype=np.float64)
    low_default = np.broadcast_to(np.isnan(al), x.shape)
    high_default = np.broadcast_to(np.isnan(ah), x.shape)
    low = np.where(low_default, x - d, np.minimum(al, x))
    high = np.where(high_default, x + d, np.maximum(ah, x))
    return low, high, low_default, high_default


def agreement_set(
    positions: FloatArray,
    reversion: FloatArray,
    accept_low: FloatArray,
    accept_high: FloatArray,
    vetoes: BoolArray,
    lower: FloatArray | float,
    upper: FloatArray | float,
    min_move: FloatArray | float = MIN_MOVE,
) -> AgreementSet:
    """The outcomes on ``[lower, upper]`` that every veto player accepts and that move at least the minimal
    move from the reversion (see the module docstring).

    Parameters
    ----------
    positions, accept_low, accept_high:
        ``(actors, ...)``; NaN position = no stance, NaN limit = the single-peaked default.
    reversion:
        ``(...)`` the outcome without agreement.
    vetoes:
        ``(actors,)`` or ``(actors, ...)``: ``True`` for veto players; actors without a stance never count.
    lower, upper:
        The issue's scale (scalars or ``(...)``).
    min_move:
        The minimal move m as a share of the span ``upper - lower`` (scalar or ``(...)``): where a veto
        player binds and the reversion is finite, outcomes nearer the reversion than m are removed (0: none).

    Returns
    -------
    AgreementSet

    Examples
    --------
    Two veto players at 30 and 100 with the reversion at 0: the default lets them agree on (0, 60), of which
    the outcomes at least the minimal move of 5 from the reversion make [5, 60);

    >>> x = np.array([30.0, 100.0]); nan = np.array([np.nan, np.nan]); v = np.array([True, True])
    >>> w = agreement_set(x, np.array(0.0), nan, nan, v, 0.0, 100.0)
    >>> bool(w.nonempty), float(w.low), float(w.high), bool(w.low_open), bool(w.high_open)
    (True, 5.0, 60.0, False, True)

    a limit of 75 for the second (no first stage below 75) leaves nothing both accept;

    >>> bool(agreement_set(x, np.array(0.0), np.array([np.nan, 75.0]), nan, v, 0.0, 100.0).nonempty)
    False

    and a veto player 2 above the reversion accepts only (0, 4): no move of at least 5.

    >>> x2 = np.array([2.0, 100.0])
    >>> bool(agreement_set(x2, np.array(0.0), nan, nan, v, 0.0, 100.0).nonempty)
    False
    >>> bool(agreement_set(x2, np.array(0.0), nan, nan, v, 0.0, 100.0, min_move=0.0).nonempty)
    True
    """
    x = np.asarray(positions, dtype=np.float64)
    lo, hi, lo_open, hi_open = acceptance_intervals(x, reversion, accept_low, accept_high)
    bind = _bvec(vetoes, x.shape) & np.isfinite(x)
    lo_b = np.where(bind, lo, -np.inf)
    hi_b = np.where(bind, hi, np.inf)
    low = np.maximum(lo_b.max(axis=0), np.asarray(lower, dtype=np.float64))
    high = np.minimum(hi_b.min(axis=0), np.asarray(upper, dtype=np.float64))
    # an end is open if an open (default) limit of a veto player attains it; a scale end alone is closed
    low_open = np.any(bind & lo_open & (lo_b >= low), axis=0)
    high_open = np.any(bind & hi_open & (hi_b <= high), axis=0)
    # the minimal move: outcomes within m of the reversion are no deal (where a veto player binds)
    r = np.asarray(reversion, dtype=np.float64)
    m = np.asarray(min_move, dtype=np.float64) * (np.asarray(upper, dtype=np.float64) - lower)
    trim = bind.any(axis=0) & np.isfinite(r) & (m > 0)
    if np.any(trim):
        with np.errstate(invalid="ignore"):
            # explicit limits may make the reversion's value itself acceptable as a deal: nothing is removed
            holds_r = (low <= r) & (r <= high) & ~((low == r) & low_open) & ~((high == r) & high_open)
            trim = trim & ~holds_r
            up = low >= r  # the set lies above the reversion (else below it)
            cut_low = trim & up & (r + m > low)
            cut_high = trim & ~up & (r - m < high)
        low = np.where(cut_low, r + m, low)
        low_open = np.where(cut_low, False, low_open)
        high = np.where(cut_high, r - m, high)
        high_open = np.where(cut_high, False, high_open)
    nonempty = (low < high) | ((low == high) & ~low_open & ~high_open)
    return AgreementSet(low, high, low_open, high_open, np.asarray(nonempty, dtype=bool))


def compromise_rule(
    positions: FloatArray, weights: FloatArray, low: FloatArray, high: FloatArray
) -> FloatArray:
    """The weighted mean Σ w x / Σ w of the positions (actors first, NaN = none), projected onto
    ``[low, high]``.

    ``weights`` are capability × salience (Achen 2006's compromise model). Where every weight is zero the
    unweighted mean is used (all actors count alike), so the rule is always defined.

    Examples
    --------
    >>> float(compromise_rule(np.array([0.0, 100.0]), np.array([3.0, 1.0]), np.array(30.0), np.array(60.0)))
    30.0
    """
    x = np.asarray(positions, dtype=np.float64)
    present = np.isfinite(x)
    w = np.where(present, np.asarray(weights, dtype=np.float64), 0.0)
    w = np.where(np.isfinite(w) & (w > 0), w, 0.0)
    w_max = w.max(axis=0)
    scale = np.where(w_max > 0, w_max, 1.0)
    w = np.where(w_max > 0, w / scale, present.astype(np.float64))
    xs = np.where(present, x, 0.0)
    mean = (w * xs).sum(axis=0) / w.sum(axis=0)
    return np.asarray(np.clip(mean, low, high), dtype=np.float64)


def setter_rule(setter_position: FloatArray, low: FloatArray, high: FloatArray) -> FloatArray:
    """The agenda setter's best point in ``[low, high]``: its position, projected (Romer & Rosenthal 1978).

    Examples
    --------
    >>> setter_rule(np.array([80.0, 40.0]), np.array([30.0, 30.0]), np.array([60.0, 60.0])).tolist()
    [60.0, 40.0]
    """
    return np.asarray(np.clip(setter_position, low, high), dtype=np.float64)


def nash_rule(
    positions: FloatArray,
    weights: FloatArray,
    reversion: FloatArray,
    accept_low: FloatArray,
    accept_high: FloatArray,
    vetoes: BoolArray,
    low: FloatArray,
    high: FloatArray,
    steps: int = NASH_STEPS,
) -> FloatArray:
    """The asymmetric Nash bargaining solution among the veto players over ``[low, high]`` (module doc).

    Maximises N(x) = Σ_i w_i log g_i(x) over the veto players i with w_i > 0. N is strictly concave inside
    the agreement set, so the solution is the root of N'(x) = Σ_i w_i g_i'(x)/g_i(x) (or an end of the set
    where N' keeps one sign), found by Newton steps on N' kept inside a bisection bracket. ``[low, high]``
    must lie within every veto player's acceptance interval (an agreement set), so each g_i > 0 inside it.
    Where no veto player has a positive weight the result is NaN (the caller falls back to another rule).

    Examples
    --------
    Two equally strong veto players at 4 and 10, reversion 0: the same 5 as :mod:`peninsula.kernels.nash`
    (Achen's solution with capability weights; the normalised gains change no Nash solution).

    >>> x = np.array([4.0, 10.0]); nan = np.full(2, np.nan); v = np.array([True, True])
    >>> round(float(nash_rule(x, np.ones(2), np.array(0.0), nan, nan, v, np.array(0.0), np.array(8.0))), 9)
    5.0
    """
    x = np.asarray(positions, dtype=np.float64)
    lo_i, hi_i, _, _ = acceptance_intervals(x, reversion, accept_low, accept_high)
    present = np.isfinite(x)
    w = np.where(_bvec(vetoes, x.shape) & present, np.asarray(weights, dtype=np.float64), 0.0)
    w = np.where(np.isfinite(w) & (w > 0), w, 0.0)
    active = w > 0
    xs = np.where(active, x, 0.0)
    d_lo = np.where(active, xs - np.where(active, lo_i, 0.0), 1.0)
    d_hi = np.where(active, np.where(active, hi_i, 0.0) - xs, 1.0)
    a = np.array(low, dtype=np.float64, copy=True)
    b = np.array(high, dtype=np.float64, copy=True)

    def slopes(v: FloatArray) -> tuple[FloatArray, FloatArray]:
        # g = 0 at an end of the set, and tiny (subnormal) distances overflow: inf/NaN there only steers
        # the bracket, never the result
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            dev = v - xs
            delta = np.where(dev < 0, d_lo, d_hi)
            safe = np.where(delta > 0, delta, 1.0)
            t = dev / safe
            g = 1.0 - t * t
            gp = -2.0 * t / safe  # g'
            gpp = -2.0 / (safe * safe)  # g''
            r1 = np.where(active, gp / g, 0.0)
            r2 = np.where(active, gpp / g, 0.0)
            return (w * r1).sum(axis=0), (w * (r2 - r1 * r1)).sum(axis=0)

    # start from the weighted mean of the veto players' positions, inside the bracket
    total = w.sum(axis=0)
    start = (w * xs).sum(axis=0) / np.where(total > 0, total, 1.0)
    v = np.clip(start, a, b)
    v = np.where((v > a) & (v < b), v, 0.5 * (a + b))
    # converged: a step below 1e-12 of the scale's magnitude (rounding in N' near its root is larger than
    # double precision's 2.2e-16, so a tighter test would only let the bracket creep on by bisection)
    tol = 1e-12 * np.maximum(1.0, np.maximum(np.abs(a), np.abs(b)))
    idle = (total <= 0) | ~(b > a)  # nothing to solve: no weight, or an empty or one-point set
    for _ in range(steps):
        f1, f2 = slopes(v)
        up = f1 > 0
        a = np.where(up, v, a)
        b = np.where(up, b, v)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = v - f1 / f2
        inside = np.isfinite(newton) & (newton >= a) & (newton <= b)
        step = np.where(inside, np.abs(newton - v), np.inf)
        done = bool(np.all(idle | (step <= tol) | (b - a <= tol)))
        v = np.where(inside, newton, 0.5 * (a + b))
        if done:  # every element has converged (to a root, or its bracket has closed on an end)
            break
    return np.asarray(np.where(total > 0, v, np.nan), dtype=np.float64)


def outcome_in_set(
    rule: Rule,
    positions: FloatArray,
    saliences: FloatArray,
    capabilities: FloatArray,
    reversion: FloatArray,
    accept_low: FloatArray,
    accept_high: FloatArray,
    vetoes: BoolArray,
    setter: BoolArray,
    w: AgreementSet,
) -> FloatArray:
    """The outcome by ``rule`` inside the agreement set ``w`` (NaN where ``w`` is empty).

    ``setter`` is an ``(actors,)`` boolean mask of the agenda setter (used by ``setter`` only; where it marks
    no actor with a stance, the compromise applies). ``nash`` falls back to the compromise where no veto
    player has positive capability.
    """
    x = np.asarray(positions, dtype=np.float64)
    comp = compromise_rule(x, capabilities * saliences, w.low, w.high)
    if rule == "compromise":
        out = comp
    elif rule == "nash":
        nash = nash_rule(x, capabilities, reversion, accept_low, accept_high, vetoes, w.low, w.high)
        out = np.where(np.isnan(nash), comp, nash)
    elif rule == "setter":
        mask = _bvec(setter, x.shape) & np.isfinite(x)
        has = mask.any(axis=0)
        sx = np.where(mask, x, 0.0).sum(axis=0) / np.maximum(mask.sum(axis=0), 1)
        out = np.where(has, setter_rule(sx, w.low, w.high), comp)
    else:  # pragma: no cover - the model validates its parameter
        raise ValueError(f"unknown rule {rule!r} (known: {', '.join(RULES)})")
    return np.asarray(np.where(w.nonempty, out, np.nan), dtype=np.float64)
