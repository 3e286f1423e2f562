"""Distributions the draws over a scenario's sourced ranges use (sweeps and the agreement model)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

__all__ = ["triangular_ppf"]


def triangular_ppf(u: FloatArray, low: FloatArray, mode: FloatArray, high: FloatArray) -> FloatArray:
    """Inverse CDF of the triangular distribution (min ``low``, mode ``mode``, max ``high``) at ``u``.

    Broadcasts; where ``low == high`` the result is ``low``.

    Examples
    --------
    >>> triangular_ppf(np.array([0.0, 0.5, 1.0]), np.zeros(3), np.full(3, 5.0), np.full(3, 10.0)).tolist()
    [0.0, 5.0, 10.0]
    """
    width = high - low
    safe = np.where(width > 0, width, 1.0)
    fc = (mode - low) / safe
    left = low + np.sqrt(u * width * (mode - low))
    right = high - np.sqrt((1.0 - u) * width * (high - mode))
    out = np.where(u < fc, left, right)
    return np.asarray(np.where(width > 0, out, low), dtype=np.float64)
