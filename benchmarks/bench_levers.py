"""Benchmark ``peninsula levers`` (issue 25): 50 candidates × 1,000 draws × 12 months, in process and on dask.

Run from the project root::

    .venv/bin/python benchmarks/bench_levers.py            # every configuration
    .venv/bin/python benchmarks/bench_levers.py levers50   # one of: levers50, dask
    .venv/bin/python benchmarks/bench_levers.py dask --repeat 3   # three 1-vs-2 pairs, alternating order

Configurations (the default scenario, from its month; the default bargaining and launch models):

* ``levers50``: 50 candidates -- every overlay that applies, then settings of both allies' positions on
  ``sanctions-relief`` evenly over its scale up to 50 -- each with the baseline through 12 months × 1,000
  draws on common random numbers, with and without the robustness runs (default 200 draws each), in this
  process and on a dask ``LocalCluster`` of 2 workers started before timing (target < 60 s on 2 cores);
* ``dask``: the same run on 1 and on 2 workers (clusters started and warmed before timing), the speed-up,
  beside a control measured before and after: the same pure-Python loop in 1 and in 2 processes at once
  (the speed-up the machine itself offers two processes at that moment). Target (issue 25, with issue 28's
  condition): >= 1.6x whenever the control is >= 1.8x both times; the line says whether the condition
  applied and, if so, whether the target was met.

Single runs on a shared machine: times and ratios vary with load (``os.getloadavg`` is printed with each
line). Nothing here is asserted. Results go to stdout.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

# compile every kernel at once (not the cold-start plain-Python path), here and in the dask workers
os.environ.setdefault("PENINSULA_JIT", "compile")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sweep import control  # noqa: E402  (the two-process control, one definition)

from peninsula.dynamics import load_data  # noqa: E402
from peninsula.scenarios import DEFAULT_SCENARIO, load_packaged  # noqa: E402
from peninsula.simulate.distributed import dask_map  # noqa: E402
from peninsula.system import SystemSpec  # noqa: E402
from peninsula.system.levers import (  # noqa: E402
    DEFAULT_ROBUST_DRAWS,
    GridAxis,
    LeverSpec,
    applicable_overlays,
    run_levers,
)

CANDIDATES, DRAWS, MONTHS = 50, 1000, 12
AXIS = "sanctions-relief"


def load() -> str:
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def spec(draws: int = DRAWS, robust: int = DEFAULT_ROBUST_DRAWS) -> LeverSpec:
    """Every applicable overlay, then settings on ``AXIS`` up to :data:`CANDIDATES` candidates."""
    sc = load_packaged(DEFAULT_SCENARIO)
    n = CANDIDATES - len(applicable_overlays(sc))
    issue = sc.issue(AXIS)
    step = (issue.upper - issue.lower) / (n - 1)
    values = tuple(float(issue.lower + k * step) for k in range(n))
    base = SystemSpec(sc, months=MONTHS, draws=draws, seed=1)
    return LeverSpec(base, grid=(GridAxis(AXIS, None, values),), robust_draws=robust)


def timed(s: LeverSpec, data: object, task_map: object = None) -> tuple[float, dict]:  # type: ignore[type-arg]
    t0 = time.perf_counter()
    res = run_levers(s, data, task_map=task_map)  # type: ignore[arg-type]
    return time.perf_counter() - t0, res.to_dict()


def bench_levers50() -> None:
    data = load_data()
    s = spec()
    assert len(s.candidates()) == CANDIDATES
    run_levers(spec(draws=20, robust=0), data)  # warm imports and kernels
    main_only, _ = timed(spec(robust=0), data)
    full, doc = timed(s, data)
    front = sum(lv["pareto"] for lv in doc["levers"])
    print(
        f"levers50: {CANDIDATES} candidates + baseline x {DRAWS:,} draws x {MONTHS} months on "
        f"{DEFAULT_SCENARIO}, in process: {main_only:.1f} s without robustness, {full:.1f} s with it "
        f"({front} on the front, {DEFAULT_ROBUST_DRAWS} draws per robustness run) ({load()})"
    )
    with dask_map(workers=2) as run:
        run_levers(spec(draws=20, robust=0), data, task_map=run)  # warm the workers
        two, doc2 = timed(s, data, run)
    assert doc2 == doc
    print(
        f"levers50 on 2 dask workers (cluster started before timing): {two:.1f} s with robustness "
        f"(target < 60 s on 2 cores); same JSON as in process ({load()})"
    )


def bench_dask(repeat: int = 1) -> None:
    """1 against 2 local workers, beside the two-process control measured before and after each pair (the
    load moves meanwhile); the order of the pair alternates between repeats (1, 2 then 2, 1)."""
    data = load_data()
    s = spec()
    first: dict | None = None  # type: ignore[type-arg]
    for rep in range(repeat):
        before = control()
        walls = {}
        for k in (1, 2) if rep % 2 == 0 else (2, 1):
            with dask_map(workers=k) as run:
                run_levers(spec(draws=20, robust=0), data, task_map=run)  # warm every worker
                walls[k], doc = timed(s, data, run)
            if first is None:
                first = doc
            else:
                assert doc == first
        after = control()
        ratio = walls[1] / walls[2]
        applies = min(before, after) >= 1.8
        verdict = ("met" if ratio >= 1.6 else "NOT met") if applies else "does not apply (control < 1.8x)"
        print(
            f"dask: levers50 (with robustness) on 1 worker {walls[1]:.1f} s, on 2 workers {walls[2]:.1f} s: "
            f"speed-up {ratio:.2f}x; control, two processes of a Python loop at once: {before:.2f}x before, "
            f"{after:.2f}x after. Target >= 1.6x whenever the control >= 1.8x: {verdict} ({load()})",
            flush=True,
        )


def main() -> None:
    args = sys.argv[1:]
    repeat = 1
    if "--repeat" in args:
        at = args.index("--repeat")
        repeat = int(args[at + 1])
        del args[at : at + 2]
    for name in args or ["levers50", "dask"]:
        if name == "dask":
            bench_dask(repeat)
        else:
            globals()[f"bench_{name}"]()


if __name__ == "__main__":
    main()
