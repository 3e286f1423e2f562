"""Time the dynamics workflows: one fit, the acceptance backtest, and a what-if.

Run from the project root::

    .venv/bin/python benchmarks/bench_dynamics.py            # all configurations
    .venv/bin/python benchmarks/bench_dynamics.py small      # one of: small, large

Configurations (named, as in Mesa's ``benchmarks/configurations.py``):

* ``small``: one posture, regime, local-level and INGARCH fit on all 72 months; the backtest
  2019-12 -> 2021-12 (24 refits, eight models); a 12-month what-if with 500 paths; ``simulate_counts``
  1,000 x 36 months.
* ``large``: the backtest 2017-12 -> 2021-12 for both targets (96 refits); a 60-month what-if with
  10,000 paths; the rolling-origin evaluation (48 origins, horizons 1, 3, 6, ten models);
  ``simulate_counts`` 10,000 x 36 months (the boundedness test's size).

The rolling evaluation's ratio to the one-step backtest is printed (same run), since the CLI runs both.

The numbers are machine-dependent; nothing here is asserted. Results go to stdout.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from peninsula.dynamics import (
    IngarchModel,
    LocalLevelModel,
    NegBinRegression,
    RegimeModel,
    fit_model,
    load_data,
    most_provocative_posture,
    parse_levers,
    run_backtest,
    run_rolling,
    run_whatif,
    simulate_counts,
)


def _time(label: str, fn: Callable[[], object], repeat: int = 3) -> float:
    best = min(_once(fn) for _ in range(repeat))
    print(f"{label:<55} {best:8.3f} s (best of {repeat})")
    return best


def _once(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def small() -> None:
    data = load_data()
    _time("fit events, 2016-04..2021-12", lambda: NegBinRegression("events").fit(data))
    _time("fit local_level events (with Laplace covariance)", lambda: LocalLevelModel("events").fit(data))
    _time("fit ingarch events (with Laplace covariance)", lambda: IngarchModel("events").fit(data))
    _time("fit regime events (with Laplace covariance)", lambda: RegimeModel("events").fit(data))
    _time("backtest events 2019-12 -> 2021-12", lambda: run_backtest(data, "2019-12", "2021-12"))
    levers = parse_levers(["exercises=full"])
    _time("whatif 12 months x 500 paths", lambda: run_whatif(data, "2018-06", 12, levers, n_sims=500, rng=0))
    fit = fit_model(data)
    loud = most_provocative_posture(fit, 36)
    _time("simulate_counts default model 1,000 x 36", lambda: simulate_counts(fit, loud, 1000, rng=0))


def large() -> None:
    data = load_data()
    for target in ("events", "missiles"):
        _time(
            f"backtest {target} 2017-12 -> 2021-12",
            lambda t=target: run_backtest(data, "2017-12", "2021-12", t),
            repeat=1,
        )
    levers = parse_levers(["exercises=full", "summit=none"])
    _time(
        "whatif 60 months x 10,000 paths",
        lambda: run_whatif(data, "2017-01", 60, levers, n_sims=10_000, rng=0),
        repeat=1,
    )
    one = _time(
        "backtest events 2019-12 -> 2021-12 (one-step)", lambda: run_backtest(data, "2019-12", "2021-12"), 1
    )
    roll = _time("rolling-origin evaluation events (h = 1, 3, 6)", lambda: run_rolling(data), repeat=1)
    print(f"{'ratio rolling / one-step backtest':<55} {roll / one:8.2f}")
    fit = fit_model(data)
    loud = most_provocative_posture(fit, 36)
    _time("simulate_counts default model 10,000 x 36", lambda: simulate_counts(fit, loud, 10_000, rng=0), 1)


CONFIGURATIONS = {"small": small, "large": large}

if __name__ == "__main__":
    names = sys.argv[1:] or list(CONFIGURATIONS)
    for name in names:
        print(f"== {name}")
        CONFIGURATIONS[name]()
