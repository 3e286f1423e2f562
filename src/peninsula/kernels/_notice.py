"""A status line while numba compiles a kernel for the first time, so a first run does not look hung.

numba compiles each kernel on its first call and caches the machine code in ``__pycache__``; on a fresh
install the exchange kernel takes about 25 s and the EU kernels about 5 s (issue 10), later runs load them
in well under a second. :func:`compile_notice` wraps a kernel call: if the kernel is not compiled in this
process yet and the call is still running after :data:`THRESHOLD` seconds, one line goes to stderr (when it
is a terminal) and to the ``peninsula`` logger, and a second line says when it is done. ``peninsula warmup``
compiles everything ahead of time. Standard library only: importing this module costs nothing.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

__all__ = ["THRESHOLD", "compile_notice", "kernel_clock", "kernel_seconds", "prepare", "signature_of"]

#: Seconds a first call may take before the status line appears (loading from the cache is faster).
THRESHOLD = 1.5

log = logging.getLogger("peninsula")

_clock_lock = threading.Lock()
_clock = [0.0]


def kernel_seconds() -> float:
    """Seconds this process has spent loading (from numba's cache) or compiling kernels so far.

    ``forecast --timings`` subtracts it from a model's wall time, so that the time reported is the
    computation's and the kernels' load or compile is reported apart.
    """
    with _clock_lock:
        return _clock[0]


@contextmanager
def kernel_clock() -> Iterator[None]:
    """Count the wrapped block's wall time as kernel loading (importing numba, loading a kernel)."""
    t0 = time.perf_counter()
    try:
        yield
    finally:
        with _clock_lock:
            _clock[0] += time.perf_counter() - t0


_INT64 = (-(2**63), 2**63)
#: numba signatures by the arguments' type keys: typing every argument anew cost about half of a small
#: forecast (0.8 of 1.6 ms for 10 actors on one issue). An argument's type does not depend on the dispatcher
#: (every CPU dispatcher types arguments with ``typeof(value, Purpose.argument)``), so one memo serves all.
_signatures: dict[tuple[Any, ...], tuple[Any, ...]] = {}


def _type_key(a: Any) -> Any:
    """What numba's ``typeof`` of ``a`` depends on, cheaply, or ``None`` (type it each time).

    An array's type is its dtype, dimensions, layout (C, F or neither), read-only flag and alignment; a
    Python float or bool has one type; an int is int64 or, past its range, uint64; a NumPy number's or
    bool's type is its class (not so for datetimes, whose unit is part of the type: those are typed each
    time)."""
    np = sys.modules.get("numpy")  # this module imports nothing beyond the standard library
    kind = type(a)
    if np is None:
        return kind if kind is float or kind is bool else None
    if kind is np.ndarray:
        f = a.flags
        return (a.dtype, a.ndim, f.c_contiguous, f.f_contiguous, f.writeable, f.aligned)
    if kind is float or kind is bool:
        return kind
    if kind is int:
        return (int, _INT64[0] <= a < _INT64[1])
    if isinstance(a, (np.number, np.bool_)):
        return kind
    return None


def signature_of(dispatcher: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
    """numba's signature of ``args`` for ``dispatcher`` (``typeof_pyval`` of each), remembered by the
    arguments' :func:`_type_key`."""
    keys = tuple(_type_key(a) for a in args)
    if None in keys:
        return tuple(dispatcher.typeof_pyval(a) for a in args)
    sig = _signatures.get(keys)
    if sig is None:
        sig = _signatures[keys] = tuple(dispatcher.typeof_pyval(a) for a in args)
    return sig


def prepare(label: str, dispatcher: Any, *args: Any) -> None:
    """Load or compile ``dispatcher`` for the types of ``args`` now, before the call that needs it.

    A no-op when that signature is already in this process. Otherwise numba loads it from its cache or
    compiles it, with :func:`compile_notice`'s status line, and the time goes on the kernel clock
    (:func:`kernel_seconds`) rather than on the computation that follows.
    """
    sig = signature_of(dispatcher, args)
    if sig in dispatcher.overloads:
        return
    with kernel_clock(), _status(label, None):
        dispatcher.compile(sig)


def _compiled(dispatchers: tuple[Any, ...]) -> bool:
    """Whether every numba dispatcher already holds a compiled signature in this process."""
    return all(getattr(d, "signatures", None) for d in dispatchers)


@contextmanager
def compile_notice(label: str, *dispatchers: Any, stream: TextIO | None = None) -> Iterator[None]:
    """Show ``peninsula: compiling <label> ...`` if the wrapped first call takes longer than THRESHOLD.

    ``dispatchers`` are the numba functions the call compiles (nothing is shown once they are compiled).
    ``stream`` defaults to ``sys.stderr``, written to only when it is a terminal.

    Examples
    --------
    >>> with compile_notice("a kernel"):  # no dispatchers: nothing to compile, nothing shown
    ...     pass
    """
    if _compiled(dispatchers):
        yield
        return
    with _status(label, stream):
        yield


@contextmanager
def _status(label: str, stream: TextIO | None) -> Iterator[None]:
    """The status lines of :func:`compile_notice` around a block that compiles (shown after THRESHOLD)."""
    out = sys.stderr if stream is None else stream
    shown = threading.Event()
    t0 = time.perf_counter()

    def show() -> None:
        shown.set()
        msg = f"compiling {label} (first run after installing, then cached; `peninsula warmup` does it ahead)"
        log.info(msg)
        if out.isatty():
            out.write(f"peninsula: {msg} ...\n")
            out.flush()

    timer = threading.Timer(THRESHOLD, show)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        if shown.is_set():
            msg = f"compiled {label} in {time.perf_counter() - t0:.1f} s"
            log.info(msg)
            if out.isatty():
                out.write(f"peninsula: {msg}\n")
                out.flush()
