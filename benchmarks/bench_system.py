"""Benchmark the coupled simulation (issue 13): 24 months × 1,000 draws, vectorised over draws.

Run from the project root::

    .venv/bin/python benchmarks/bench_system.py              # every configuration
    .venv/bin/python benchmarks/bench_system.py compromise   # one of: compromise, eu

Configurations (the default scenario, korea-2019-04, from 2019-04; the default launch model):

* ``compromise``: 24 months × 1,000 draws with the compromise model (target < 5 s);
* ``eu``: the same with the expected-utility model, ``eu`` (target < 20 s).

Each prints the wall time of one ``run_system`` call in a warm process (imports done, launch model fitted
inside the call, as the CLI does), the time of the loop alone with the fit reused, and the ratio against
the same 1,000 draws run in chunks of 10 draws (timed on ``CHUNKS`` chunks and scaled): what running draws
one small batch at a time would cost. Single runs on a shared machine: ratios vary with load
(``os.getloadavg`` is printed). Nothing here is asserted. Results go to stdout.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from peninsula.dynamics import load_data  # noqa: E402
from peninsula.scenarios import DEFAULT_SCENARIO, load_packaged  # noqa: E402
from peninsula.system import SystemSpec, run_system  # noqa: E402
from peninsula.system.analysis import prepare  # noqa: E402

CONFIGURATIONS = {
    "compromise": {"model": "compromise", "months": 24, "draws": 1000, "target_s": 5.0},
    "eu": {"model": "eu", "months": 24, "draws": 1000, "target_s": 20.0},
}
CHUNKS = 10  # chunks of 10 draws timed for the reference (scaled to 1,000 draws)


def load() -> str:
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def bench(name: str) -> None:
    cfg = CONFIGURATIONS[name]
    sc = load_packaged(DEFAULT_SCENARIO)
    data = load_data()
    spec = SystemSpec(sc, months=int(cfg["months"]), draws=int(cfg["draws"]), model=str(cfg["model"]))
    run_system(spec.replace(months=2, draws=10), data)  # warm imports and compiled kernels
    t0 = time.perf_counter()
    run = run_system(spec, data)
    full = time.perf_counter() - t0
    setup = prepare(spec, data)
    t0 = time.perf_counter()
    run_system(spec.replace(seed=1), data, launch_fit=setup.fit)
    loop = time.perf_counter() - t0
    t0 = time.perf_counter()
    for k in range(CHUNKS):
        run_system(spec.replace(draws=10, seed=100 + k), data, launch_fit=setup.fit)
    chunked = (time.perf_counter() - t0) / (CHUNKS * 10) * int(cfg["draws"])
    print(
        f"{name}: {cfg['months']} months x {cfg['draws']} draws, launch model {run.launch_model}: "
        f"run_system {full:.2f} s (target < {cfg['target_s']:.0f} s), loop with the fit reused {loop:.2f} s; "
        f"in chunks of 10 draws {chunked:.1f} s (scaled), ratio {chunked / loop:.1f}x; {load()}"
    )


if __name__ == "__main__":
    names = sys.argv[1:] or list(CONFIGURATIONS)
    for n in names:
        bench(n)
