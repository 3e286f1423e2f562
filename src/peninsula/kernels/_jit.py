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

__all__ = ["INTERPRETED", "grow", "jit", "jit_inline", "kernel"]

#: Whether numba's decorators are switched off in this copy of the kernel modules (``NUMBA_DISABLE_JIT``,
#: or the plain-Python copies of :func:`peninsula.kernels._cold.interpreted`): the kernels then run as
#: plain Python.
INTERPRETED: bool = bool(getattr(numba.config, "DISABLE_JIT", False))

_F = TypeVar("_F", bound=Callable[..., Any])
_A = TypeVar("_A", bound="np.ndarray[Any, Any]")


def jit(fn: _F) -> _F:
    """``numba.njit(cache=True, nogil=True)`` with the function's own type."""
    return cast(_F, numba.njit(cache=True, nogil=True)(fn))


#: numba options of :func:`kernel` (a dict: numba's type stubs do not list the wrapper options)
_INTERNAL: dict[str, Any] = {
    "cache": True,
    "nogil": True,
    "no_cpython_wrapper": True,
    "no_cfunc_wrapper": True,
}


def kernel(fn: _F) -> _F:
    """Like :func:`jit`, for functions called only from compiled code: no Python or C-callable wrapper is
    generated for them (less to compile: the exchange kernel's internal steps take record arrays and a
    dozen arguments each). Calling such a function from Python crashes the interpreter, so anything Python
    calls (tests and doctests included) uses :func:`jit`."""
    return cast(_F, numba.njit(**_INTERNAL)(fn))


def jit_inline(fn: _F) -> _F:
    """Like :func:`jit`, inlined into callers at numba-IR level (small hot helpers: no call, so no reference
    counting of their array arguments at every call)."""
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
