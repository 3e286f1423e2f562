"""Benchmark the expected-utility models against the readable loop implementation kept in the test suite.

Run from the project root::

    .venv/bin/python benchmarks/bench_eu.py            # all configurations
    .venv/bin/python benchmarks/bench_eu.py small      # one of: small, large, batch, stream, huge

Configurations (named, as in Mesa's ``benchmarks/configurations.py``):

* ``small``: 50 actors, one issue, 10 rounds; ``eu-masad`` and ``eu`` against ``tests/models/eu_reference.py``
  (pure-Python per-pair loops, ``O(n³)`` per round), best of several runs each, measured in this run.
  Target: ≥ 100x.
* ``large``: 1,000 actors, one issue, 10 rounds: wall time (target < 5 s) and memory (target < 1 GiB):
  tracemalloc's peak of Python/NumPy allocations during the run, and the process's peak RSS.
* ``stream``: 1,000 and 2,000 actors, 10 rounds, each model on the n x n matrix path and on the O(n)-memory
  path (``kernels.eu.STREAM_ACTORS``) alternately in this run: the wall times side by side (where the
  threshold should sit) and whether the runs are identical.
* ``huge``: 10,000 actors, one issue, 10 rounds (issue 28: <= 10 s and <= 2 GiB), each model in a fresh
  process: wall time of the run and the process's peak RSS (the interpreter and its imports included);
  positions on the 0.1 grid, then all distinct (the worst case of the per-position sharing).
* ``batch``: Monte Carlo of a 10-actor issue, 2,000 draws x 10 rounds: the NumPy kernels with a leading
  batch axis (draws x actors) against a Python loop over draws calling the same kernels per draw.

The numbers are machine-dependent; nothing here is asserted. Results go to stdout.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.models import eu_reference as loop  # noqa: E402

from peninsula.core import Actor, Issue, Scenario, Stance  # noqa: E402 (after the sys.path line)
from peninsula.kernels import eu as K  # noqa: E402
from peninsula.models.eu import ExpectedUtility, ExpectedUtilityMasad  # noqa: E402

CONFIGURATIONS = {
    "small": {"actors": 50, "rounds": 10},
    "large": {"actors": 1000, "rounds": 10},
    "stream": {"actors": 2000, "rounds": 10},
    "huge": {"actors": 10000, "rounds": 10},
    "batch": {"actors": 10, "draws": 2000, "rounds": 10},
}


def random_issue(
    n: int, seed: int = 0, grid: bool = True
) -> tuple[Scenario, list[float], list[float], list[float]]:
    """One issue on 0–100 with ``n`` actors; positions on a 0.1 grid so that ties occur (``grid=False``:
    every position distinct)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 100, n)
    x = x.round(1) if grid else x
    c = rng.uniform(0.1, 1.0, n)
    s = rng.uniform(0.1, 1.0, n)
    ids = [f"a{k:04d}" for k in range(n)]
    scenario = Scenario(
        id=f"bench-{n}",
        actors=[Actor(id=i, capability=float(ck)) for i, ck in zip(ids, c, strict=True)],
        issues=[Issue(id="x", lower=0.0, upper=100.0)],
        stances=[
            Stance(actor=i, issue="x", position=float(xk), salience=float(sk))
            for i, xk, sk in zip(ids, x, s, strict=True)
        ],
    )
    return scenario, x.tolist(), c.tolist(), s.tolist()


def best_of(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def bench_small() -> None:
    cfg = CONFIGURATIONS["small"]
    n, rounds = cfg["actors"], cfg["rounds"]
    scenario, x, c, s = random_issue(n)
    print(f"## small: {n} actors x {rounds} rounds (best of repeated runs, same process)")
    loop_ms = {}
    for name, model, variant in (
        ("eu-masad", ExpectedUtilityMasad(), "masad"),
        ("eu", ExpectedUtility(tol=0.0), "corrected"),
    ):
        model.run(scenario, rounds=1)  # warm-up: loads the compiled kernels
        t_model = best_of(lambda m=model: m.run(scenario, rounds=rounds), 30)
        ids = scenario.issue_data("x").actor_ids
        order = sorted(range(n), key=lambda k: ids[k]) if variant == "corrected" else list(range(n))
        xs, cs, ss = ([v[k] for k in order] for v in (x, c, s))
        t_loop = best_of(
            lambda v=variant, xs=xs, cs=cs, ss=ss: loop.run_loop(
                xs, cs, ss, rounds=rounds, delta=100.0, variant=v, tol=0.0
            ),
            3,
        )
        loop_ms[name] = t_loop * 1e3
        print(
            f"{name:9s} loop reference {t_loop * 1e3:9.1f} ms   model {t_model * 1e3:7.2f} ms   "
            f"ratio {t_loop / t_model:7.0f}x"
        )
    kernel_ms = {}
    for engine in ("numpy", "numba"):

        class Masad(ExpectedUtilityMasad):
            pass

        Masad.engine = engine  # type: ignore[assignment]
        Masad().run(scenario, rounds=1)
        kernel_ms[engine] = best_of(lambda m=Masad: m().run(scenario, rounds=rounds), 30) * 1e3
    print(
        f"eu-masad by engine: numpy {kernel_ms['numpy']:.2f} ms "
        f"({loop_ms['eu-masad'] / kernel_ms['numpy']:.0f}x), numba {kernel_ms['numba']:.2f} ms "
        f"({loop_ms['eu-masad'] / kernel_ms['numba']:.0f}x)"
    )


def bench_large() -> None:
    cfg = CONFIGURATIONS["large"]
    n, rounds = cfg["actors"], cfg["rounds"]
    scenario, *_ = random_issue(n)
    print(f"## large: {n} actors x {rounds} rounds")
    ExpectedUtilityMasad().run(random_issue(20)[0], rounds=1)  # warm-up (compiled kernels)
    for name, model in (("eu-masad", ExpectedUtilityMasad()), ("eu", ExpectedUtility(tol=0.0))):
        tracemalloc.start()
        t0 = time.perf_counter()
        run = model.run(scenario, rounds=rounds)
        elapsed = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        done = len(run.issues["x"].rounds) - 1
        t_untraced = best_of(lambda m=model: m.run(scenario, rounds=rounds), 2)
        rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
        print(
            f"{name:9s} {done} rounds in {t_untraced:.2f} s (traced run {elapsed:.2f} s), "
            f"tracemalloc peak {peak / 2**20:.0f} MiB, process peak RSS so far {rss_mib:.0f} MiB"
        )


def bench_stream() -> None:
    rounds = CONFIGURATIONS["stream"]["rounds"]
    print(f"## stream: matrix path vs O(n) path, {rounds} rounds, alternating (load {_load()})")
    ExpectedUtilityMasad().run(random_issue(20)[0], rounds=1)  # warm-up (compiled kernels)
    for n in (1000, CONFIGURATIONS["stream"]["actors"]):
        scenario, *_ = random_issue(n)
        for name, model in (("eu-masad", ExpectedUtilityMasad()), ("eu", ExpectedUtility(tol=0.0))):
            times: dict[str, list[float]] = {"matrix": [], "stream": []}
            runs: dict[str, object] = {}
            for _ in range(2):
                for path, limit in (("matrix", 10**9), ("stream", 0)):
                    old, K.STREAM_ACTORS = K.STREAM_ACTORS, limit
                    try:
                        t0 = time.perf_counter()
                        runs[path] = model.run(scenario, rounds=rounds)
                        times[path].append(time.perf_counter() - t0)
                    finally:
                        K.STREAM_ACTORS = old
            a, b = runs["matrix"], runs["stream"]
            same = repr(a.events) == repr(b.events) and all(  # type: ignore[attr-defined]
                repr(r1.rounds) == repr(r2.rounds)
                for r1, r2 in zip(a.issues.values(), b.issues.values(), strict=True)  # type: ignore[attr-defined]
            )
            tm, ts = min(times["matrix"]), min(times["stream"])
            print(f"{name:9s} {n:5d} actors: matrix {tm:6.2f} s, O(n) {ts:6.2f} s (ratio {tm / ts:.2f}); "
                  f"identical: {same}")


HUGE = """
import resource, sys, time
sys.path.insert(0, {root!r})
from benchmarks.bench_eu import random_issue
from peninsula.models.eu import ExpectedUtility, ExpectedUtilityMasad
model = ExpectedUtilityMasad() if {name!r} == "eu-masad" else ExpectedUtility()
model.run(random_issue(1100)[0], rounds=1)  # load the compiled kernels (O(n) path) before timing
scenario = random_issue({n}, grid={grid})[0]
t0 = time.perf_counter()
run = model.run(scenario, rounds={rounds})
print(time.perf_counter() - t0, len(run.issues["x"].rounds) - 1,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def _load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def bench_huge() -> None:
    n, rounds = CONFIGURATIONS["huge"]["actors"], CONFIGURATIONS["huge"]["rounds"]
    print(f"## huge: {n} actors x {rounds} rounds, one fresh process per model (targets <= 10 s, <= 2 GiB)")
    print("positions on a 0.1 grid (about 1,000 distinct: the configuration the target was set on), then all "
          "distinct (the O(n) round's worst case: no two receivers share a row or a power)")
    for grid in (True, False):
        for name in ("eu", "eu-masad"):
            load0 = _load()
            code = HUGE.format(root=str(ROOT), name=name, n=n, rounds=rounds, grid=grid)
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
            seconds, done, rss = out.stdout.split()
            label = "grid" if grid else "distinct"
            print(f"{name:9s} {label:8s} {done} rounds in {float(seconds):.1f} s, process peak RSS "
                  f"{int(rss) / 2**30:.2f} GiB (load {load0} -> {_load()})")


def bench_batch() -> None:
    cfg = CONFIGURATIONS["batch"]
    n, draws, rounds = cfg["actors"], cfg["draws"], cfg["rounds"]
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 100, (draws, n)).round(0)
    s = rng.uniform(0.1, 1.0, (draws, n))
    c = rng.uniform(0.1, 1.0, (draws, n))
    print(
        f"## batch: {draws} draws x {n} actors x {rounds} rounds (kernels.eu.run_batch vs a loop over draws)"
    )
    for variant in ("eu-masad", "eu"):
        kw = {"rounds": rounds, "delta": 100.0, "variant": variant, "tol": 0.0}
        t_batch = best_of(lambda kw=kw: K.run_batch(x, s, c, **kw), 3)
        out_b = K.run_batch(x, s, c, **kw).positions[-1]
        t0 = time.perf_counter()
        out_l = np.stack([K.run_batch(x[b], s[b], c[b], **kw).positions[-1] for b in range(draws)])
        t_loop = time.perf_counter() - t0
        agree = np.allclose(out_b, out_l, rtol=1e-9, atol=1e-9)
        print(
            f"{variant:9s} batched {t_batch:.2f} s ({draws / t_batch:,.0f} draws/s); loop over draws "
            f"{t_loop:.2f} s; ratio {t_loop / t_batch:.1f}x; same results: {agree}"
        )


def main(argv: list[str]) -> None:
    chosen = argv or list(CONFIGURATIONS)
    print(f"numba fast path available: {K.fast_round_available()}")
    for name in chosen:
        {"small": bench_small, "large": bench_large, "batch": bench_batch, "stream": bench_stream,
         "huge": bench_huge}[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
