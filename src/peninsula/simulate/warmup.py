"""Compile every numba kernel ahead of time (``peninsula warmup``), for servers, workers and fresh installs.

numba compiles a kernel on its first call and caches the machine code next to the module
(``__pycache__``); a fresh install's first ``peninsula forecast`` would otherwise spend about 30 s compiling
(issue 10). :func:`warmup` runs the code paths that use every compiled kernel once, on the default packaged
scenario: a forecast with every registered model (the exchange kernel and the expected-utility kernels) and a
two-draw sweep (the compiled loops over draws). Later processes load the kernels from the cache.
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["KERNEL_MODULES", "WarmupStep", "background", "warmup"]

#: The modules that hold numba-compiled functions.
KERNEL_MODULES = (
    "peninsula.kernels._cold",
    "peninsula.kernels._heap",
    "peninsula.kernels._csr",
    "peninsula.kernels._jit",
    "peninsula.kernels.exchange",
    "peninsula.kernels._eu_numba",
    "peninsula.kernels._pcg",
    "peninsula.simulate._compiled",
)


@dataclass(frozen=True)
class WarmupStep:
    """One warm-up step: what ran, its wall time, and how many kernels it compiled or loaded from cache."""

    name: str
    seconds: float
    compiled: int
    loaded: int


def _cache_counts() -> tuple[int, int]:
    """(compiled, loaded from cache) summed over every numba dispatcher of :data:`KERNEL_MODULES`."""
    compiled = loaded = 0
    for name in KERNEL_MODULES:
        for obj in vars(importlib.import_module(name)).values():
            stats = getattr(obj, "stats", None)
            if stats is not None and hasattr(stats, "cache_misses") and hasattr(obj, "signatures"):
                compiled += sum(stats.cache_misses.values())
                loaded += sum(stats.cache_hits.values())
    return compiled, loaded


def _forecast() -> None:
    from peninsula.scenarios import DEFAULT_SCENARIO
    from peninsula.simulate.forecast import forecast

    forecast(DEFAULT_SCENARIO, "all", rng=0)


def _sweep() -> None:
    from peninsula.scenarios import DEFAULT_SCENARIO
    from peninsula.simulate.uncertainty import sweep

    sweep(DEFAULT_SCENARIO, "all", draws=2, seed=0)


STEPS: tuple[tuple[str, Callable[[], Any]], ...] = (
    ("forecast: exchange and expected-utility kernels", _forecast),
    ("sweep: compiled loops over draws", _sweep),
)


def warmup(on_step: Callable[[str], None] | None = None) -> list[WarmupStep]:
    """Run every step of :data:`STEPS`; ``on_step(name)`` is called before each. Returns what each did.

    Examples
    --------
    >>> steps = warmup()  # doctest: +SKIP
    >>> [s.name for s in steps]  # doctest: +SKIP
    ['forecast: exchange and expected-utility kernels', 'sweep: compiled loops over draws']
    """
    from peninsula.kernels import _cold

    before = _cold.set_policy("compile")  # compile now: no plain-Python runs, no background compile
    out: list[WarmupStep] = []
    try:
        for name, step in STEPS:
            if on_step is not None:
                on_step(name)
            c0, l0 = _cache_counts()
            t0 = time.perf_counter()
            step()
            seconds = time.perf_counter() - t0
            c1, l1 = _cache_counts()
            out.append(WarmupStep(name, seconds, c1 - c0, l1 - l0))
    finally:
        _cold.set_policy(before)
    return out


def background() -> None:
    """:func:`warmup` at the lowest priority, holding :func:`peninsula.kernels._cold.lock_path` meanwhile.

    What a cold start's background process runs (:func:`peninsula.kernels._cold.start_background_compile`);
    it exits at once if another one holds the lock. Output is discarded by the caller.
    """
    from peninsula.kernels import _cold

    try:
        import fcntl
    except ImportError:  # Windows: no lock
        fcntl = None  # type: ignore[assignment]
    if hasattr(os, "nice"):
        os.nice(19)
    with open(_cold.lock_path(), "a") as fh:
        if fcntl is not None:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return  # another background compile is running
        warmup()
