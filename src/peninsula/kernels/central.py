"""Central-tendency kernels: the weighted mean and weighted median baselines.

Pure functions over 1-D arrays of positions and non-negative weights, and their row-wise forms over
``(..., n)`` arrays (many draws at once; each row computed by the same operations as the 1-D form).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

__all__ = ["weighted_mean", "weighted_mean_rows", "weighted_median", "weighted_median_rows"]


def weighted_mean(positions: FloatArray, weights: FloatArray) -> float:
    """Σ w·x / Σ w: the "compromise model" of Achen (2006, *The European Union Decides*, ch. 10).

    With ``weights`` = capability x salience this is the weighted-mean baseline that the DEU literature
    finds hard to beat. Raises ``ValueError`` if the weights sum to zero (no forecast is defined).

    Examples
    --------
    >>> weighted_mean(np.array([0.0, 10.0]), np.array([3.0, 1.0]))
    2.5
    >>> weighted_mean(np.array([0.0, 0.25]), np.array([0.0, 5e-324]))
    0.25
    """
    w_max = float(np.max(weights, initial=0.0))
    if not w_max > 0:
        raise ValueError("the weights sum to zero: the weighted mean is undefined")
    # Divide by the largest weight first: with subnormal weights Σ w·x underflows to 0 while Σ w does not
    # (weights 0 and 5e-324 at positions 0 and 0.25 gave 0, not 0.25).
    w = weights / w_max
    return float(np.dot(w, positions) / np.sum(w))


def weighted_median(positions: FloatArray, weights: FloatArray, rtol: float = 1e-9) -> float:
    """The weighted median (Black's median voter with weights; Achen 2006, ch. 10).

    Sort by position; take the smallest position at which the cumulative weight reaches half the total.
    If the cumulative weight there equals half the total exactly (relative tolerance ``rtol``), return the
    midpoint between that position and the position of the next actor (in sorted order) of positive
    weight, which may be the same position.
    With unit weights this is the ordinary median. Raises ``ValueError`` if the weights sum to zero.

    Examples
    --------
    >>> weighted_median(np.array([0.0, 10.0, 4.0]), np.array([1.0, 1.0, 1.0]))
    4.0
    >>> weighted_median(np.array([0.0, 10.0]), np.array([1.0, 1.0]))
    5.0
    >>> weighted_median(np.array([0.0, 10.0, 6.0]), np.array([2.0, 1.0, 0.0]))
    0.0
    >>> weighted_median(np.array([0.7, 0.0]), np.array([5e-324, 0.0]))
    0.7
    """
    order = np.argsort(positions, kind="stable")
    x = positions[order]
    w = weights[order]
    w_max = float(np.max(w, initial=0.0))
    if not w_max > 0:
        raise ValueError("the weights sum to zero: the weighted median is undefined")
    # Divide by the largest weight first: half of a subnormal total would underflow to 0 and make the
    # first position "reach" half the weight (weights 5e-324 at 0.7 and 0 at 0 gave 0.35, not 0.7).
    w = w / w_max
    total = float(np.sum(w))
    half = total / 2.0
    cum = np.cumsum(w)
    reached = cum >= half * (1 - rtol)
    k = int(np.argmax(reached))
    if abs(cum[k] - half) <= rtol * total:
        later = np.flatnonzero(w[k + 1 :] > 0)
        if later.size:
            return float((x[k] + x[k + 1 + later[0]]) / 2.0)
    return float(x[k])


def weighted_mean_rows(positions: FloatArray, weights: FloatArray) -> FloatArray:
    """Row-wise :func:`weighted_mean` of ``(..., n)`` arrays: ``(...,)``, NaN where a row's weights sum to 0.

    The same steps as the 1-D form (divide by the row's largest weight first); the dot product may round
    differently from BLAS in the last bit.

    Examples
    --------
    >>> weighted_mean_rows(np.array([[0.0, 10.0], [0.0, 0.25]]), np.array([[3.0, 1.0], [0.0, 5e-324]]))
    array([2.5 , 0.25])
    >>> weighted_mean_rows(np.array([[1.0, 2.0]]), np.zeros((1, 2)))
    array([nan])
    """
    x = np.asarray(positions, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    w_max = w.max(axis=-1, keepdims=True, initial=0.0)
    ok = w_max > 0
    w = w / np.where(ok, w_max, 1.0)
    num = np.einsum("...i,...i->...", w, x)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num / w.sum(axis=-1)
    return np.asarray(np.where(ok[..., 0], out, np.nan), dtype=np.float64)


def weighted_median_rows(positions: FloatArray, weights: FloatArray, rtol: float = 1e-9) -> FloatArray:
    """Row-wise :func:`weighted_median` of ``(..., n)`` arrays: ``(...,)``, NaN where a row's weights are 0.

    Every row takes the steps of the 1-D form (stable sort, weights divided by the row's largest first, the
    same sums), so each row's result equals ``weighted_median(positions[row], weights[row])`` exactly.

    Examples
    --------
    >>> weighted_median_rows(np.array([[0.0, 10.0, 4.0], [0.0, 10.0, 6.0]]),
    ...                      np.array([[1.0, 1.0, 1.0], [2.0, 1.0, 0.0]]))
    array([4., 0.])

    Subnormal weights: half of a subnormal total would round to zero (hence the division by the largest).

    >>> weighted_median_rows(np.array([[0.25, 0.0]]), np.array([[5e-324, 0.0]]))
    array([0.25])
    """
    x = np.asarray(positions, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    order = np.argsort(x, axis=-1, kind="stable")
    xs = np.take_along_axis(x, order, axis=-1)
    ws = np.take_along_axis(w, order, axis=-1)
    w_max = ws.max(axis=-1, keepdims=True, initial=0.0)
    ok = w_max > 0
    ws = ws / np.where(ok, w_max, 1.0)
    total = ws.sum(axis=-1, keepdims=True)
    half = total / 2.0
    cum = np.cumsum(ws, axis=-1)
    k = np.argmax(cum >= half * (1 - rtol), axis=-1)[..., None]
    at = np.take_along_axis(xs, k, axis=-1)[..., 0]
    exact = np.abs(np.take_along_axis(cum, k, axis=-1) - half)[..., 0] <= rtol * total[..., 0]
    later = (np.arange(x.shape[-1]) > k) & (ws > 0)
    nxt = np.take_along_axis(xs, np.argmax(later, axis=-1)[..., None], axis=-1)[..., 0]
    out = np.where(exact & np.any(later, axis=-1), (at + nxt) / 2.0, at)
    return np.asarray(np.where(ok[..., 0], out, np.nan), dtype=np.float64)
