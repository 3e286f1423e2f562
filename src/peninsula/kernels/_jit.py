"""numba decorators with the decorated function's own type, and the one array-growing helper.

numba ships no type hints; these wrappers keep mypy's view of a kernel function its Python signature.
Every kernel is compiled with ``cache=True`` (compiled once per install, then loaded from ``__pycache__``)
and ``nogil=True`` (callers may run kernels in threads).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import numba
import numpy as np

__all__ = ["INTERPRETED", "grow", "install_dependency_stamp", "jit", "jit_inline", "kernel", "kernel_digest"]

#: The package whose compiled functions get the dependency stamp, and the files that define compiled code
#: (relative to it): a cached function of the package is valid only with all of them as they were.
PACKAGE = Path(__file__).resolve().parents[1]
COMPILED_SOURCES = ("kernels/*.py", "simulate/_compiled.py")


@functools.cache
def kernel_digest(root: Path = PACKAGE) -> bytes:
    """SHA-256 over the names and contents of every file under ``root`` that defines compiled code."""
    h = hashlib.sha256()
    for pattern in COMPILED_SOURCES:
        for path in sorted(root.glob(pattern)):
            h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.digest()


def install_dependency_stamp() -> bool:
    """Make numba's on-disk cache of this package's compiled functions depend on every kernel file.

    numba keys a cached function on a hash of its own source file only, and the cached machine code of a
    caller includes its callees: after an edit of ``kernels/exchange.py`` alone, the sweep's loop in
    ``simulate/_compiled.py`` would go on running the old exchange round from the cache (an editable install
    pulling a kernel change would do so silently; ``tests/kernels/test_cache_stamp.py`` shows it).
    This adds :func:`kernel_digest` to the source stamp of every cached function defined in the package, so
    that changing any of those files recompiles them all (once). Other packages' caches are untouched.
    Uses numba's cache-locator internals; without them (another numba) nothing changes and ``False`` is
    returned. Idempotent.
    """
    try:
        from numba.core import caching

        mixin: Any = caching._SourceFileBackedLocatorMixin
        original: Callable[[Any], Any] = mixin.get_source_stamp
    except (ImportError, AttributeError):
        return False
    if getattr(original, "peninsula_stamp", False):
        return True

    def get_source_stamp(self: Any) -> Any:
        stamp = original(self)
        try:
            inside = Path(self._py_file).resolve().is_relative_to(PACKAGE)
        except (AttributeError, OSError, TypeError):
            inside = False
        return (stamp, kernel_digest()) if inside else stamp

    get_source_stamp.peninsula_stamp = True  # type: ignore[attr-defined]
    mixin.get_source_stamp = get_source_stamp
    return True


install_dependency_stamp()

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
