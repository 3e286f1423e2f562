"""Benchmark the agreement model (issue 21): what p_agreement adds to a forecast, and its cost in a sweep.

Run from the project root::

    .venv/bin/python benchmarks/bench_agreement.py            # every configuration
    .venv/bin/python benchmarks/bench_agreement.py forecast   # one of: forecast, sweep

Configurations:

* ``forecast``: ``p_agreement`` for every issue of every packaged snapshot: the agreement model's run with
  its default 2,000 draws over the sourced ranges, plus what consensus's agreement step adds (consensus with
  and without it); ``draws=0`` (the set at the scenario's values only) and ``compromise`` for scale. Target:
  the addition < 50 ms per snapshot (medians of repeated runs).
* ``sweep``: a 10,000-draw sweep of the default scenario with ``agreement`` alone and with ``compromise``
  alone, in process (same draws, same seed), the two alternated run by run in one process. Target:
  agreement within 2x the cost of compromise.

Timings are CPU time of this process by default (``BENCH_CLOCK=wall`` for wall-clock time): on a shared,
loaded machine wall time mostly measures the other processes. The load (``os.getloadavg``) is printed beside
the figures. Nothing here is asserted. Results go to stdout.
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


#: The clock: CPU time of this process (``time.process_time``), so that other processes on a loaded machine
#: do not count; ``BENCH_CLOCK=wall`` uses ``time.perf_counter``. The work here is single-threaded numpy.
CLOCK = time.perf_counter if os.environ.get("BENCH_CLOCK") == "wall" else time.process_time
CLOCK_NAME = "wall" if os.environ.get("BENCH_CLOCK") == "wall" else "CPU"


def _median_ms(fn, repeats: int) -> float:  # type: ignore[no-untyped-def]
    fn()  # warm (imports, caches)
    times = []
    for _ in range(repeats):
        t0 = CLOCK()
        fn()
        times.append(CLOCK() - t0)
    return 1000.0 * statistics.median(times)


def bench_forecast(repeats: int) -> None:
    print(f"forecast: p_agreement per snapshot, {CLOCK_NAME} time, median of {repeats} runs ({load()})")
    print(
        f"  {'snapshot':16s} {'agreement':>10s} {'draws=0':>10s} {'compromise':>11s} {'consensus':>10s} "
        f"{'no step':>9s} {'step adds':>10s}  target < 50 ms"
    )
    agreement = REGISTRY["agreement"]()
    at_values = REGISTRY["agreement"](draws=0)
    compromise = REGISTRY["compromise"]()
    consensus = REGISTRY["consensus"]()
    no_step = REGISTRY["consensus"](agreement=False)
    worst = 0.0
    for info in list_packaged():
        sid = info.id
        sc = load_packaged(sid)
        a = _median_ms(lambda sc=sc: agreement.run(sc), repeats)
        z = _median_ms(lambda sc=sc: at_values.run(sc), repeats)
        c = _median_ms(lambda sc=sc: compromise.run(sc), repeats)
        k = _median_ms(lambda sc=sc: consensus.run(sc), repeats)
        k0 = _median_ms(lambda sc=sc: no_step.run(sc), repeats)
        # what p_agreement adds to a forecast: the agreement model's run plus consensus's agreement step
        added = a + max(k - k0, 0.0)
        worst = max(worst, added)
        verdict = "met" if added < 50.0 else "NOT met"
        print(
            f"  {sid:16s} {a:8.1f} ms {z:8.1f} ms {c:9.1f} ms {k:8.1f} ms {k0:7.1f} ms "
            f"{added:8.1f} ms  {verdict}"
        )
    print(f"  largest addition {worst:.1f} ms = {worst / 50.0:.2f} of the 50 ms target ({load()})")


def bench_sweep(draws: int, repeats: int) -> None:
    print(
        f"sweep: {draws:,} draws of {DEFAULT_SCENARIO}, in process, {CLOCK_NAME} time, median of {repeats} "
        f"({load()})"
    )
    sc = load_packaged(DEFAULT_SCENARIO)
    names = ("compromise", "agreement")
    runs = {}
    for name in names:
        spec = make_spec(sc, [REGISTRY[name]()], draws=draws, seed=1)

        def run(spec=spec) -> None:  # type: ignore[no-untyped-def]
            run_sweep(spec, executor=in_process(threads=1))

        run()  # warm (compiled loops, caches)
        runs[name] = run
    # alternate the two so a change in the machine's load hits both alike
    times: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(repeats):
        for name in names:
            t0 = CLOCK()
            runs[name]()
            times[name].append(CLOCK() - t0)
    secs = {name: statistics.median(t) for name, t in times.items()}
    for name in names:
        print(f"  {name:11s} {secs[name]:7.2f} s  (runs: {', '.join(f'{t:.2f}' for t in times[name])})")
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
