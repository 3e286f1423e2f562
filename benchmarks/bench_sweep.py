"""Benchmark Monte Carlo sweeps (issue 12): compiled loops over draws, the run store, dask workers.

Run from the project root::

    .venv/bin/python benchmarks/bench_sweep.py              # every configuration
    .venv/bin/python benchmarks/bench_sweep.py baselines    # one of: baselines, exchange, stream, dask

Configurations:

* ``baselines``: 10,000 draws of the default scenario with compromise, mean, median, median-actor, eu and
  eu-masad, in process, kernels compiled beforehand. Against a loop of ``peninsula.forecast`` calls on the
  same drawn scenarios (timed on ``LOOP_DRAWS`` of them and scaled to 10,000; building the scenarios is not
  timed). Targets: >= 50x and < 2 s wall. Also the same sweep through a DuckDB run store.
* ``exchange``: 1,000 draws with ``exchange`` (target < 10 s).
* ``stream``: 100,000 draws of the six models above through a run store in chunks of 1,000, in a child
  process whose peak RSS is reported (target < 1 GiB).
* ``dask``: an ``exchange`` sweep that takes >= 20 s in one local worker process, then on two (clusters
  started and warmed before timing; target >= 1.6x).

Single runs on a shared machine: the ratios vary with load (``os.getloadavg`` is printed). Nothing here is
asserted. Results go to stdout.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402

import peninsula  # noqa: E402
from peninsula.models import REGISTRY  # noqa: E402
from peninsula.scenarios import DEFAULT_SCENARIO, load_packaged  # noqa: E402
from peninsula.simulate.batch import scenario_for_draw  # noqa: E402
from peninsula.simulate.montecarlo import in_process, make_spec, run_sweep  # noqa: E402
from peninsula.simulate.perturb import InputSpace  # noqa: E402

SIX = ["compromise", "mean", "median", "median-actor", "eu", "eu-masad"]
CONFIGURATIONS = {
    "baselines": {"draws": 10_000, "models": SIX, "loop_draws": 300},
    "exchange": {"draws": 1_000, "models": ["exchange"]},
    "stream": {"draws": 100_000, "models": SIX, "chunk": 1_000},
    "dask": {"draws": 80_000, "models": ["exchange"], "chunk": 1_000},  # >= 20 s on one idle worker
}


def load() -> str:
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def spec(models: list[str], draws: int, seed: int = 1):  # type: ignore[no-untyped-def]
    return make_spec(load_packaged(DEFAULT_SCENARIO), [REGISTRY[m]() for m in models], draws=draws, seed=seed)


def warm(models: list[str]) -> None:
    run_sweep(spec(models, 20))


def bench_baselines(cfg: dict) -> None:  # type: ignore[type-arg]
    draws, models, n_loop = cfg["draws"], cfg["models"], cfg["loop_draws"]
    warm(models)
    s = spec(models, draws)
    timings = {}
    for threads in (1, 2):
        t0 = time.perf_counter()
        sweep = run_sweep(s, executor=in_process(threads))
        timings[threads] = time.perf_counter() - t0
    engine = min(timings.values())
    with tempfile.TemporaryDirectory() as d:
        from peninsula.simulate.store import RunStore

        t0 = time.perf_counter()
        with RunStore.open(Path(d) / "b.duckdb") as st:
            stored = run_sweep(s, store=st)
        with_store = time.perf_counter() - t0
    assert stored.to_dict() == sweep.to_dict()
    # the reference: peninsula.forecast on each drawn scenario, one at a time
    space = InputSpace.from_scenario(s.scenario, s.noise)
    values = space.values_from_uniforms(space.uniforms(s.seed, 0, n_loop))
    scenarios = [scenario_for_draw(s.scenario, space, v) for v in values]
    instances = [REGISTRY[m]() for m in models]
    peninsula.forecast(scenarios[0], instances)
    t0 = time.perf_counter()
    loop_out = [peninsula.forecast(sc, instances).outcomes.to_numpy() for sc in scenarios]
    loop = (time.perf_counter() - t0) * draws / n_loop
    # the loop and the sweep agree draw by draw
    got = sweep.outcome_array[:n_loop]
    want = np.stack(loop_out)
    err = float(np.nanmax(np.abs(got - want)))
    print(f"baselines: {draws:,} draws x {len(models)} models ({', '.join(models)}) ({load()})")
    print(f"  sweep in process: 1 thread {timings[1]:.2f} s, 2 threads {timings[2]:.2f} s (target < 2 s)")
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


def bench_dask(cfg: dict) -> None:  # type: ignore[type-arg]
    """1 against 2 local workers, beside a control: the same pure-Python loop in 1 and in 2 processes at once
    (the speed-up the machine itself offers two processes at that moment)."""
    import multiprocessing

    from peninsula.simulate.distributed import dask_executor

    s = spec(cfg["models"], cfg["draws"])
    walls = {}
    for k in (1, 2):
        with dask_executor(workers=k) as ex:
            # load the compiled kernels on every worker before timing
            run_sweep(spec(cfg["models"], 400 * k), executor=ex, chunk_size=5)
            t0 = time.perf_counter()
            result = run_sweep(s, executor=ex, chunk_size=cfg["chunk"])
            walls[k] = time.perf_counter() - t0
            if k == 1:
                first = result.to_dict()
            else:
                assert result.to_dict() == first
    one = _burn(10_000_000)
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        start_at = time.time() + 5.0  # both processes started and imported by then
        two = max(pool.starmap(_burn_at, [(start_at, 10_000_000)] * 2)) - start_at
    print(
        f"dask: {cfg['draws']:,} draws of exchange in chunks of {cfg['chunk']:,}: 1 worker {walls[1]:.1f} s, "
        f"2 workers {walls[2]:.1f} s: speed-up {walls[1] / walls[2]:.2f}x (target >= 1.6x); control, two "
        f"processes of a Python loop at once: {2 * one / two:.2f}x ({load()})"
    )


def main() -> None:
    names = sys.argv[1:] or list(CONFIGURATIONS)
    for name in names:
        globals()[f"bench_{name}"](CONFIGURATIONS[name])
    print(f"(this process: peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB)")


if __name__ == "__main__":
    main()
