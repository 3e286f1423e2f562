"""Benchmark the agreement model (issue 21): what p_agreement adds to a forecast, and its cost in a sweep.

Run from the project root::

    .venv/bin/python benchmarks/bench_agreement.py            # every configuration
    .venv/bin/python benchmarks/bench_agreement.py forecast   # one of: forecast, sweep

Configurations:

* ``forecast``: ``p_agreement`` for every issue of every packaged snapshot, i.e. the agreement model's run
  with its default 2,000 draws over the sourced ranges (the whole cost it adds to a forecast; the other
  models do not compute it). Also the same run with ``draws=0`` (the agreement set at the scenario's values
  only), and ``compromise`` for scale. Target: < 50 ms per snapshot (median of repeated runs).
* ``sweep``: a 10,000-draw sweep of the default scenario with ``agreement`` alone and with ``compromise``
  alone, in process (same draws, same seed). Target: agreement within 2x the cost of compromise.

Single runs on a shared machine: timings vary with load (``os.getloadavg`` is printed beside them). Nothing
here is asserted. Results go to stdout.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from peninsula.models import REGISTRY  # noqa: E402
from peninsula.scenarios import DEFAULT_SCENARIO, list_packaged, load_packaged  # noqa: E402
from peninsula.simulate.montecarlo import in_process, make_spec, run_sweep  # noqa: E402

CONFIGURATIONS = {
    "forecast": {"repeats": 15},
    "sweep": {"draws": 10_000, "repeats": 3},
}


def load() -> str:
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def _median_ms(fn, repeats: int) -> float:  # type: ignore[no-untyped-def]
    fn()  # warm (imports, caches)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1000.0 * statistics.median(times)


def bench_forecast(repeats: int) -> None:
    print(f"forecast: p_agreement per snapshot, median of {repeats} runs ({load()})")
    print(f"  {'snapshot':16s} {'agreement':>10s} {'draws=0':>10s} {'compromise':>11s}  target < 50 ms")
    agreement = REGISTRY["agreement"]()
    at_values = REGISTRY["agreement"](draws=0)
    compromise = REGISTRY["compromise"]()
    for sid in list_packaged():
        sc = load_packaged(sid)
        a = _median_ms(lambda sc=sc: agreement.run(sc), repeats)
        z = _median_ms(lambda sc=sc: at_values.run(sc), repeats)
        c = _median_ms(lambda sc=sc: compromise.run(sc), repeats)
        verdict = "met" if a < 50.0 else "NOT met"
        print(f"  {sid:16s} {a:8.1f} ms {z:8.1f} ms {c:9.1f} ms  {verdict}")
    print(f"  ({load()})")


def bench_sweep(draws: int, repeats: int) -> None:
    print(f"sweep: {draws:,} draws of {DEFAULT_SCENARIO}, in process, median of {repeats} ({load()})")
    sc = load_packaged(DEFAULT_SCENARIO)
    secs = {}
    for name in ("compromise", "agreement"):
        spec = make_spec(sc, [REGISTRY[name]()], draws=draws, seed=1)

        def run(spec=spec) -> None:  # type: ignore[no-untyped-def]
            run_sweep(spec, executor=in_process(threads=1))

        secs[name] = _median_ms(run, repeats) / 1000.0
        print(f"  {name:11s} {secs[name]:7.2f} s")
    ratio = secs["agreement"] / secs["compromise"]
    print(f"  agreement / compromise = {ratio:.2f}x  (target <= 2x: {'met' if ratio <= 2.0 else 'NOT met'})")
    print(f"  ({load()})")


def main(argv: list[str]) -> None:
    chosen = argv or list(CONFIGURATIONS)
    for name in chosen:
        cfg = CONFIGURATIONS[name]
        if name == "forecast":
            bench_forecast(cfg["repeats"])
        else:
            bench_sweep(cfg["draws"], cfg["repeats"])


if __name__ == "__main__":
    main(sys.argv[1:])
