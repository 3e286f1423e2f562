"""Benchmark Monte Carlo sweeps (issues 12, 26, 28): compiled loops over draws, the run store, dask workers.

Run from the project root::

    .venv/bin/python benchmarks/bench_sweep.py              # every configuration
    .venv/bin/python benchmarks/bench_sweep.py all fast     # any of: all, fast, exchange, stream, dask

Configurations (the default scenario, korea-2019-04; kernels loaded and compiled before any timing):

* ``all``: 10,000 draws with every registered model, in process on 1 and 2 threads (target <= 2 s, issue
  28; issue 26 asked < 5 s). Then each model alone, its time beside a loop of ``peninsula.forecast`` on the
  same drawn scenarios (timed on ``LOOP_DRAWS`` of them, scaled to 10,000; building the scenarios is not
  timed), and for ``consensus`` and ``nash`` beside their former draw-by-draw path (``batch._loop``, the
  model's own ``run`` on each drawn scenario) on the same draws. Every batch result is checked against the
  loop, draw by draw.
* ``fast``: the six models that were already vectorised (compromise, mean, median, median-actor, eu,
  eu-masad), 10,000 draws (target <= 0.5 s, issue 28; >= 50x the loop), also through a DuckDB run store.
* ``exchange``: 1,000 draws with ``exchange`` (target < 10 s).
* ``stream``: 100,000 draws of the six models through a run store in chunks of 1,000, in a child process
  whose peak RSS is reported (target < 1 GiB).
* ``dask``: an ``exchange`` sweep of 80,000 draws on 1 and on 2 local workers (clusters started and their
  workers warmed before timing), beside a control measured in the same run: the same pure-Python loop in
  1 process and in 2 at once, the speed-up this machine offers two processes at that moment. Target
  (issue 28): >= 1.6x whenever the control is >= 1.8x; the script says whether the condition applied.

``benchmarks/bench_schelling.py`` compares with schelling's Monte Carlo on its own case.

Single runs on a shared 2-core machine: the ratios vary with load, so each line carries the load average
(``os.getloadavg``) and the wall times it divides are measured in the same run. Nothing here is asserted.
Results go to stdout.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402

import peninsula  # noqa: E402
from peninsula.models import REGISTRY  # noqa: E402
from peninsula.scenarios import DEFAULT_SCENARIO, load_packaged  # noqa: E402
from peninsula.simulate.batch import _loop, scenario_for_draw  # noqa: E402
from peninsula.simulate.montecarlo import in_process, make_spec, run_sweep  # noqa: E402
from peninsula.simulate.perturb import InputSpace  # noqa: E402

FAST = ["compromise", "mean", "median", "median-actor", "eu", "eu-masad"]
DRAWS = 10_000
LOOP_DRAWS = 200
CONFIGURATIONS = {
    "all": {"draws": DRAWS, "models": sorted(REGISTRY), "loop_draws": LOOP_DRAWS},
    "fast": {"draws": DRAWS, "models": FAST, "loop_draws": LOOP_DRAWS},
    "exchange": {"draws": 1_000, "models": ["exchange"]},
    "stream": {"draws": 100_000, "models": FAST, "chunk": 1_000},
    "dask": {"draws": 80_000, "models": ["exchange"], "chunk": 1_000},
}


def load() -> str:
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def spec(models: list[str], draws: int, seed: int = 1):  # type: ignore[no-untyped-def]
    return make_spec(load_packaged(DEFAULT_SCENARIO), [REGISTRY[m]() for m in models], draws=draws, seed=seed)


def warm(models: list[str]) -> None:
    run_sweep(spec(models, 20))


def timed_sweep(models: list[str], draws: int, threads: int):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    sweep = run_sweep(spec(models, draws), executor=in_process(threads))
    return time.perf_counter() - t0, sweep


def forecast_loop(models: list[str], draws: int, n_loop: int) -> tuple[float, np.ndarray]:
    """Seconds a loop of ``peninsula.forecast`` would take on ``draws`` draws (timed on ``n_loop``), and its
    outcomes ``(n_loop, models, issues)``."""
    s = spec(models, draws)
    space = InputSpace.from_scenario(s.scenario, s.noise)
    values = space.values_from_uniforms(space.uniforms(s.seed, 0, n_loop))
    scenarios = [scenario_for_draw(s.scenario, space, v) for v in values]
    # the agreement model's (and consensus's agreement step's) own draws would be a Monte Carlo inside each
    # draw: a sweep's draws replace them
    instances = [REGISTRY[m](draws=0) if m in ("agreement", "consensus") else REGISTRY[m]() for m in models]
    peninsula.forecast(scenarios[0], instances, rng=0)
    out = []
    t0 = time.perf_counter()
    for d, sc in enumerate(scenarios):
        rng = np.random.SeedSequence(s.seed, spawn_key=(d, 1))  # a stochastic model's stream of draw d
        out.append(peninsula.forecast(sc, instances, rng=rng).outcomes.to_numpy())
    return (time.perf_counter() - t0) * draws / n_loop, np.stack(out)


def largest_difference(a: np.ndarray, b: np.ndarray) -> float:
    both = np.isfinite(a) & np.isfinite(b)
    if not np.array_equal(np.isfinite(a), np.isfinite(b)):
        return float("inf")
    return float(np.max(np.abs(a[both] - b[both]), initial=0.0))


def bench_all(cfg: dict) -> None:  # type: ignore[type-arg]
    draws, models, n_loop = cfg["draws"], cfg["models"], cfg["loop_draws"]
    warm(models)
    walls = {}
    for threads in (1, 2):
        walls[threads], _ = timed_sweep(models, draws, threads)
    print(f"all: {draws:,} draws x {len(models)} models ({', '.join(models)}) ({load()})")
    print(
        f"  sweep in process: 1 thread {walls[1]:.2f} s, 2 threads {walls[2]:.2f} s "
        f"(target <= 2 s; issue 26: < 5 s)"
    )
    # each model alone on the same thread counts: the all-model sweep against the sum of its parts (a sum
    # of 2-thread times beside a 1-thread all-model time once looked like a 6.6 s overhead; there is none)
    singles: dict[int, dict[str, tuple[float, Any]]] = {1: {}, 2: {}}
    for m in models:
        for threads in (1, 2):
            singles[threads][m] = timed_sweep([m], draws, threads)
    sums = {k: sum(t for t, _ in v.values()) for k, v in singles.items()}
    print(
        f"  each model alone, summed: 1 thread {sums[1]:.2f} s, 2 threads {sums[2]:.2f} s "
        f"(all models in one sweep: {walls[1]:.2f} s / {walls[2]:.2f} s)"
    )
    head = f"{'model':16s} {'sweep':>8s} {'loop':>9s} {'ratio':>7s} {'per-draw path':>14s} {'ratio':>7s}"
    print(f"  {head}  max diff  (sweep: the model alone on 2 threads; on 1 thread)")
    for m in models:
        one, alone = singles[2][m]
        loop, loop_out = forecast_loop([m], draws, n_loop)
        err = largest_difference(alone.outcome_array[:n_loop, 0, :], loop_out[:, 0, :])
        old = ""
        if m in ("consensus", "nash"):  # their former path: the model's own run, draw by draw
            s = spec([m], draws)
            space = InputSpace.from_scenario(s.scenario, s.noise)
            values = space.values_from_uniforms(space.uniforms(s.seed, 0, n_loop))
            X, _S, _C = space.arrays(values)
            t0 = time.perf_counter()
            model = REGISTRY[m](draws=0) if m == "consensus" else REGISTRY[m]()
            _loop(model, s.scenario, space, values, X, None, s.seed, np.arange(n_loop))
            per_draw = (time.perf_counter() - t0) * draws / n_loop
            old = f"{per_draw:12.2f} s {per_draw / one:6.0f}x"
        print(
            f"  {m:16s} {one:6.2f} s {loop:7.1f} s {loop / one:6.0f}x {old:>22s}  {err:.1e}  "
            f"({singles[1][m][0]:.2f} s)"
        )
    print(f"  (loop and per-draw path timed on {n_loop} draws and scaled to {draws:,})")


def bench_fast(cfg: dict) -> None:  # type: ignore[type-arg]
    draws, models, n_loop = cfg["draws"], cfg["models"], cfg["loop_draws"]
    warm(models)
    walls = {}
    for threads in (1, 2):
        walls[threads], sweep = timed_sweep(models, draws, threads)
    engine = min(walls.values())
    with tempfile.TemporaryDirectory() as d:
        from peninsula.simulate.store import RunStore

        t0 = time.perf_counter()
        with RunStore.open(Path(d) / "b.duckdb") as st:
            stored = run_sweep(spec(models, draws), store=st)
        with_store = time.perf_counter() - t0
    assert stored.to_dict() == sweep.to_dict()
    loop, loop_out = forecast_loop(models, draws, n_loop)
    err = largest_difference(sweep.outcome_array[:n_loop], loop_out)
    print(f"fast: {draws:,} draws x {len(models)} models ({', '.join(models)}) ({load()})")
    print(f"  sweep in process: 1 thread {walls[1]:.2f} s, 2 threads {walls[2]:.2f} s (target <= 0.5 s)")
    print(f"  sweep with the DuckDB run store: {with_store:.2f} s")
    print(
        f"  loop of peninsula.forecast: {loop / draws * 1e3:.2f} ms per draw, {loop:.1f} s for {draws:,} "
        f"(timed on {n_loop})"
    )
    print(f"  speed-up: {loop / engine:.0f}x (target >= 50x); largest difference from the loop {err:.1e}")


def bench_exchange(cfg: dict) -> None:  # type: ignore[type-arg]
    warm(cfg["models"])
    t0 = time.perf_counter()
    run_sweep(spec(cfg["models"], cfg["draws"]))
    wall = time.perf_counter() - t0
    print(f"exchange: {cfg['draws']:,} draws, 10 rounds: {wall:.2f} s (target < 10 s) ({load()})")


def bench_stream(cfg: dict) -> None:  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory() as d:
        store = Path(d) / "stream.duckdb"
        code = (
            "import resource, sys, time\n"
            f"sys.path.insert(0, {str(ROOT / 'src')!r})\n"
            "import peninsula\n"
            "t = time.perf_counter()\n"
            f"sw = peninsula.sweep({DEFAULT_SCENARIO!r}, {cfg['models']!r}, draws={cfg['draws']}, seed=1, "
            f"store={str(store)!r}, chunk_size={cfg['chunk']})\n"
            "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
            "sw.outcome_array.nbytes)\n"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        wall, rss_kib, nbytes = out.stdout.split()
        size = store.stat().st_size
    print(
        f"stream: {cfg['draws']:,} draws x {len(cfg['models'])} models through the store in chunks of "
        f"{cfg['chunk']:,}: {float(wall):.1f} s, peak RSS {int(rss_kib) / 1024:.0f} MiB (target < 1 GiB); "
        f"outcome array {int(nbytes) / 2**20:.0f} MiB; store file {size / 2**20:.0f} MiB ({load()})"
    )


def _burn(n: int) -> float:
    t0 = time.perf_counter()
    s = 0
    for i in range(n):
        s += i * i
    return time.perf_counter() - t0


def _burn_at(start_at: float, n: int) -> float:
    """Wait until ``start_at`` (epoch seconds), run :func:`_burn`, return when it ended (epoch seconds)."""
    time.sleep(max(0.0, start_at - time.time()))
    _burn(n)
    return time.time()


def control() -> float:
    """The speed-up two processes get on this machine now: one pure-Python loop alone, then two at once."""
    import multiprocessing

    one = _burn(10_000_000)
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        start_at = time.time() + 5.0  # both processes started and imported by then
        two = max(pool.starmap(_burn_at, [(start_at, 10_000_000)] * 2)) - start_at
    return 2 * one / two


def bench_dask(cfg: dict) -> None:  # type: ignore[type-arg]
    """1 against 2 local workers, with the control measured before and after (the load moves meanwhile)."""
    from peninsula.simulate.distributed import dask_executor

    s = spec(cfg["models"], cfg["draws"])
    before = control()
    walls = {}
    for k in (1, 2):
        with dask_executor(workers=k) as ex:
            run_sweep(spec(cfg["models"], 400 * k), executor=ex, chunk_size=5)  # every worker warm
            t0 = time.perf_counter()
            result = run_sweep(s, executor=ex, chunk_size=cfg["chunk"])
            walls[k] = time.perf_counter() - t0
            if k == 1:
                first = result.to_dict()
            else:
                assert result.to_dict() == first
    after = control()
    ratio = walls[1] / walls[2]
    applies = min(before, after) >= 1.8
    verdict = ("met" if ratio >= 1.6 else "NOT met") if applies else "does not apply (control < 1.8x)"
    print(
        f"dask: {cfg['draws']:,} draws of exchange in chunks of {cfg['chunk']:,}: 1 worker {walls[1]:.1f} s, "
        f"2 workers {walls[2]:.1f} s: speed-up {ratio:.2f}x; control, two processes of a Python loop at "
        f"once: {before:.2f}x before, {after:.2f}x after. Target >= 1.6x whenever the control >= 1.8x: "
        f"{verdict} ({load()})"
    )


def main() -> None:
    names = sys.argv[1:] or list(CONFIGURATIONS)
    for name in names:
        globals()[f"bench_{name}"](CONFIGURATIONS[name])
    print(f"(this process: peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB)")


if __name__ == "__main__":
    main()
