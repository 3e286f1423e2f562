"""numba decorators with the decorated function's own type, and the one array-growing helper.

numba ships no type hints; these wrappers keep mypy's view of a kernel function its Python signature.
Every kernel is compiled with ``cache=True`` (compiled once per install, then loaded from ``__pycache__``)
and ``nogil=True`` (callers may run kernels in threads).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np

__all__ = ["grow", "jit", "jit_inline"]

_F = TypeVar("_F", bound=Callable[..., Any])
_A = TypeVar("_A", bound="np.ndarray[Any, Any]")


def jit(fn: _F) -> _F:
    """``numba.njit(cache=True, nogil=True)`` with the function's own type."""
    return cast(_F, numba.njit(cache=True, nogil=True)(fn))


def jit_inline(fn: _F) -> _F:
    """Like :func:`jit`, inlined into callers at numba-IR level (small hot helpers)."""
    return cast(_F, numba.njit(cache=True, nogil=True, inline="always")(fn))


@jit
def grow(a: _A, need: int) -> _A:
    """``a`` itself if it holds ``need`` items, else a copy with room for at least ``need`` (doubling).

    Works for any 1-d array, structured (record) arrays included; the new tail is uninitialised.
    """
    if need <= len(a):
        return a
    out = np.empty(max(need, 2 * len(a)), dtype=a.dtype)
    out[: len(a)] = a
    return out  # type: ignore[return-value]  # same dtype as a; numba compiles no typing.cast
