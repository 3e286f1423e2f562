"""Benchmark: the exchange kernel against the readable reference implementation, measured in one run.

Run from the repository root::

    .venv/bin/python benchmarks/bench_exchange.py            # all configurations
    .venv/bin/python benchmarks/bench_exchange.py --quick    # skip the slow reference at 50 actors

Configurations (synthetic scenarios, fixed seed 20261123; positions U(0, 100), saliences U(0.1, 1),
capabilities U(0.1, 1) constant per actor; plus DECIDE's cop21 file):

* ``cop21``  15 actors x 13 issues x 10 rounds (actors missing on some issues; DECIDE: 7.5 s)
* ``medium`` 50 actors x 10 issues x 10 rounds (DECIDE: > 180 s)
* ``large``  200 actors x 10 issues x 10 rounds (target: < 10 s; the reference is not run)

For each it prints the reference time (``tests/models/exchange_reference.py``), the kernel time
(``peninsula.kernels.exchange.exchange_round``, compiled beforehand; compilation is reported separately),
the full model time (``Exchange().run``: kernel plus result and event records with third-party effects;
"lean": with ``third_parties=False``, counts only), the ratio reference / kernel, and checks that both
produced the same exchanges.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.models import exchange_reference as ref  # noqa: E402

from peninsula.core import Actor, Issue, Scenario, Stance  # noqa: E402 (after the path set-up)
from peninsula.io import load  # noqa: E402
from peninsula.kernels.exchange import exchange_round  # noqa: E402
from peninsula.models.exchange import Exchange, _Arrays  # noqa: E402

SEED = 20261123
ROUNDS = 10


def synthetic(n_actors: int, n_issues: int, seed: int = SEED) -> Scenario:
    """A random scenario on 0-100 issues with every actor present on every issue."""
    g = np.random.default_rng(seed)
    actors = [Actor(id=f"a{k}", capability=float(g.uniform(0.1, 1.0))) for k in range(n_actors)]
    issues = [Issue(id=f"i{d}") for d in range(n_issues)]
    stances = [Stance(actor=f"a{k}", issue=f"i{d}", position=float(g.uniform(0, 100)),
                      salience=float(g.uniform(0.1, 1.0)))
               for k in range(n_actors) for d in range(n_issues)]
    return Scenario(id=f"synthetic-{n_actors}x{n_issues}", actors=actors, issues=issues, stances=stances)


def _matrix(a: np.ndarray) -> ref.Matrix:
    return [[None if np.isnan(v) else float(v) for v in row] for row in a]


def time_kernel(arr: _Arrays) -> tuple[float, list[int], np.ndarray]:
    t0 = time.perf_counter()
    X = arr.X
    counts = []
    for r in range(1, ROUNDS + 1):
        res = exchange_round(X, arr.s, arr.c, round_no=r)
        counts.append(int(res.exchanges.shape[0]))
        X = res.preference
    return time.perf_counter() - t0, counts, X


def time_reference(arr: _Arrays) -> tuple[float, list[int], np.ndarray]:
    present = ~np.isnan(arr.X)
    s = _matrix(np.where(present, arr.s, np.nan))
    c = _matrix(np.where(present, arr.c, np.nan))
    t0 = time.perf_counter()
    out = ref.run(_matrix(arr.X), s, c, ROUNDS)
    elapsed = time.perf_counter() - t0
    final = np.array([[np.nan if v is None else v for v in row] for row in out[-1].preference])
    return elapsed, [len(o.realised) for o in out[1:]], final


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the reference at 50 actors")
    args = parser.parse_args()

    t0 = time.perf_counter()
    exchange_round(np.array([[0.0, 100.0], [100.0, 0.0]]), np.full((2, 2), 0.5), np.ones((2, 2)))
    print(f"numba compile/load of the kernel: {time.perf_counter() - t0:.2f} s (excluded below)")

    configs = [
        ("cop21", load(ROOT / "tests" / "reference" / "decide" / "inputs" / "cop21.csv"), True),
        ("medium", synthetic(50, 10), not args.quick),
        ("large", synthetic(200, 10), False),
    ]
    print(f"{'config':8} {'actors x issues':>15} {'exchanges':>10} {'reference s':>12} {'kernel s':>9} "
          f"{'model s':>8} {'lean s':>7} {'ratio':>8}  same")
    for name, scenario, run_ref in configs:
        arr = _Arrays(scenario)
        t_kernel, counts, final = time_kernel(arr)
        t1 = time.perf_counter()
        Exchange().run(scenario, rounds=ROUNDS)
        t_model = time.perf_counter() - t1
        t1 = time.perf_counter()
        Exchange(third_parties=False).run(scenario, rounds=ROUNDS)
        t_lean = time.perf_counter() - t1
        if run_ref:
            t_ref, ref_counts, ref_final = time_reference(arr)
            same = ref_counts == counts and np.allclose(ref_final, final, atol=1e-9, equal_nan=True)
            ref_txt, ratio_txt, same_txt = f"{t_ref:12.2f}", f"{t_ref / t_kernel:7.0f}x", str(same)
        else:
            ref_txt, ratio_txt, same_txt = f"{'-':>12}", f"{'-':>8}", "-"
        size = f"{len(scenario.actors)} x {len(scenario.issues)}"
        print(f"{name:8} {size:>15} {sum(counts):10d} {ref_txt} {t_kernel:9.3f} {t_model:8.3f} {t_lean:7.3f} "
              f"{ratio_txt}  {same_txt}")


if __name__ == "__main__":
    main()
