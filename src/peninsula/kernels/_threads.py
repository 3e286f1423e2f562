"""One thread pool per process and size, shared by the compiled loops that release the GIL.

A sweep splits each model's draws over it (:mod:`peninsula.simulate.batch`) and the O(n)-memory
expected-utility round splits its receivers over it (:func:`peninsula.kernels.eu.eu_round_streamed`).
Starting threads anew for each call cost more than a small call's work, so the pools are kept; a forked
child makes its own (the parent's threads do not exist there).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

__all__ = ["default_threads", "pool"]

_POOLS: dict[tuple[int, int], ThreadPoolExecutor] = {}
_LOCK = threading.Lock()


def default_threads() -> int:
    """Threads to use when the caller does not say: the CPUs this process may run on, at most 4."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(4, cpus))


def pool(threads: int) -> ThreadPoolExecutor:
    """The process's pool of ``threads`` workers (created on first use)."""
    key = (os.getpid(), threads)
    with _LOCK:
        found = _POOLS.get(key)
        if found is None:
            found = _POOLS[key] = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="peninsula")
        return found
