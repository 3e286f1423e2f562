"""Compressed sparse row (CSR) lists: the items grouped by an integer key, compiled with numba.

The exchange kernel keeps, per (actor, issue) cell, the candidate exchanges in which that cell supplies
or demands, so that a realised exchange visits only the candidates it can change.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from peninsula.kernels._jit import jit

__all__ = ["csr"]

IntArray = npt.NDArray[np.int64]


@jit
def csr(keys: IntArray, n_keys: int) -> tuple[IntArray, IntArray]:
    """Counting sort of item indices by key: ``(start, items)``.

    The items with key ``k`` are ``items[start[k]:start[k + 1]]``, in ascending item order; ``start`` has
    ``n_keys + 1`` offsets.

    Examples
    --------
    >>> start, items = csr(np.array([2, 0, 2, 1]), 3)
    >>> start.tolist(), items.tolist()
    ([0, 1, 2, 4], [1, 3, 0, 2])
    """
    start = np.zeros(n_keys + 1, dtype=np.int64)
    for k in keys:
        start[k + 1] += 1
    for k in range(n_keys):
        start[k + 1] += start[k]
    fill = start[:-1].copy()
    items = np.empty(len(keys), dtype=np.int64)
    for idx in range(len(keys)):
        k = keys[idx]
        items[fill[k]] = idx
        fill[k] += 1
    return start, items
