"""A binary max-heap of ``(key, item, version)`` triples in three parallel arrays, compiled with numba.

The exchange kernel keys candidate-list entries on their gain and uses *lazy invalidation*: an item whose
entry has changed since it was pushed (its ``version`` no longer matches) is skipped when it surfaces, so
no item is ever removed from the middle. Items rank by key, highest first; equal keys rank by item,
lowest first (so the order is total and the heap deterministic).

The arrays are ``keys`` (float64), ``items`` and ``versions`` (int64); ``n`` is the number of items in use.
:func:`push` needs room for one more item (:func:`push_grow` makes it).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from peninsula.kernels._jit import grow, jit, jit_inline

__all__ = ["heapify", "pop", "push", "push_grow", "sift_down"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@jit_inline
def _less(i: int, j: int, keys: FloatArray, items: IntArray) -> bool:
    """Whether slot ``i`` ranks before slot ``j`` (higher key; on equal keys, lower item)."""
    return bool(keys[i] > keys[j] or (keys[i] == keys[j] and items[i] < items[j]))


@jit_inline
def _swap(i: int, j: int, keys: FloatArray, items: IntArray, versions: IntArray) -> None:
    keys[i], keys[j] = keys[j], keys[i]
    items[i], items[j] = items[j], items[i]
    versions[i], versions[j] = versions[j], versions[i]


@jit
def push(n: int, key: float, item: int, version: int, keys: FloatArray, items: IntArray,
         versions: IntArray) -> int:
    """Add an item to the heap of size ``n`` (the arrays must have room); return the new size."""
    keys[n] = key
    items[n] = item
    versions[n] = version
    i = n
    while i > 0:
        parent = (i - 1) // 2
        if _less(i, parent, keys, items):
            _swap(i, parent, keys, items, versions)
            i = parent
        else:
            break
    return n + 1


@jit
def push_grow(
    n: int, key: float, item: int, version: int, keys: FloatArray, items: IntArray, versions: IntArray
) -> tuple[int, FloatArray, IntArray, IntArray]:
    """:func:`push`, first growing the arrays if full; return the new size and the (new) arrays."""
    keys = grow(keys, n + 1)
    items = grow(items, n + 1)
    versions = grow(versions, n + 1)
    return push(n, key, item, version, keys, items, versions), keys, items, versions


@jit_inline
def sift_down(i: int, n: int, keys: FloatArray, items: IntArray, versions: IntArray) -> None:
    """Move slot ``i`` down the heap of size ``n`` until neither child ranks before it."""
    while True:
        left = 2 * i + 1
        if left >= n:
            return
        best = left
        if left + 1 < n and _less(left + 1, left, keys, items):
            best = left + 1
        if not _less(best, i, keys, items):
            return
        _swap(best, i, keys, items, versions)
        i = best


@jit
def pop(n: int, keys: FloatArray, items: IntArray, versions: IntArray) -> int:
    """Remove the top item (the caller read slot 0 first); return the new size."""
    n -= 1
    if n == 0:
        return 0
    _swap(0, n, keys, items, versions)
    sift_down(0, n, keys, items, versions)
    return n


@jit
def heapify(n: int, keys: FloatArray, items: IntArray, versions: IntArray) -> None:
    """Order the first ``n`` slots into a heap (Floyd's bottom-up construction)."""
    for start in range((n - 2) // 2, -1, -1):
        sift_down(start, n, keys, items, versions)
