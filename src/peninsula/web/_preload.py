"""Imported once by the workbench's fork server (``multiprocessing`` forkserver preload), nowhere else.

Importing it has side effects on purpose: it imports the workbench's tasks (:mod:`peninsula.web.app`, which
fills :data:`peninsula.web.workers.TASKS`) and what they use (models, charts, the report), and runs
:func:`peninsula.api.warmup` so the numba kernels are compiled or loaded from their cache once.
Every worker is forked from that process and starts ready: a small forecast takes about 0.4 s in a warm
worker against 4-5 s in a cold one (measured on the shared 2-core machine, 2026-12-07); with pandas imported
here too, the default scenario with every model takes 0.15-0.2 s in a fresh worker (0.4 s without).
"""

from __future__ import annotations

import contextlib

import matplotlib.backends.backend_agg
import matplotlib.backends.backend_svg
import matplotlib.figure  # noqa: F401

# Every forecast's table (Forecast.outcomes) is a DataFrame: pandas imported here, once, saves each worker
# 0.4-0.6 s of importing it (cProfile of a forecast in a freshly forked worker, 2026-12-07, issue 26).
import pandas  # noqa: F401

import peninsula.web.app  # noqa: F401 (registers the tasks)
from peninsula import api
from peninsula.api.render import overlay_chart  # noqa: F401 (loads the charts module once, here)

with contextlib.suppress(Exception):  # a worker then compiles what it needs itself
    api.warmup()
