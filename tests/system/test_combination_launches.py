"""The forecast combination as the coupled simulation's launch model (issue 14): the generic stepper."""

from __future__ import annotations

import numpy as np

from peninsula.dynamics.registry import DEFAULT_MODELS
from peninsula.dynamics.whatif import run_whatif
from peninsula.system import SystemSpec, load_rules, run_system
from tests.system.conftest import posture_scenario
from tests.system.test_loop import _expected_levers


def test_zero_rules_combination_equals_whatif(korea) -> None:  # type: ignore[no-untyped-def]
    # with every response rule at 0 the loop's launches equal run_whatif's under the same posture path,
    # for the combination too (component per path, then that component's steps, posture per draw)
    sc = posture_scenario(exercises=(15000.0, 15000.0))
    months = [f"2019-{m:02d}" for m in range(1, 13)]
    spec = SystemSpec(
        sc,
        months=12,
        draws=200,
        seed=5,
        train_end="2023-12",
        launch_model="combination",
        rules=load_rules().zeroed(),
    )
    run = run_system(spec, korea)
    levers = _expected_levers(sc, months, ["2019-01", "2019-02", "2019-07"])
    w = run_whatif(korea, "2019-01", 12, levers, n_sims=200, rng=5, model="combination")
    assert np.array_equal(run.total(), w.alternative.total)
    assert run.launches.sum() > 0


def test_default_launch_model_runs() -> None:
    from peninsula.scenarios import load_packaged

    run = run_system(SystemSpec(load_packaged("korea-2019-04"), months=3, draws=20, seed=0))
    assert run.launch_model == DEFAULT_MODELS["events"]
    assert run.launches.shape == (20, 3) and (run.launches >= 0).all()
