"""Backtest baselines, common random numbers in comparisons, one-at-a-time sensitivity."""

from __future__ import annotations

import numpy as np
import pytest

from peninsula.dynamics.whatif import Levers, run_whatif
from peninsula.scenarios import load_packaged
from peninsula.system import SystemSpec, backtest_system, compare_system, rule_sensitivity, run_system


def test_backtest_baseline_is_whatifs_recorded_path(korea) -> None:  # type: ignore[no-untyped-def]
    sc = load_packaged("korea-2019-06")
    spec = SystemSpec(sc, months=6, draws=100, seed=7, train_end="2023-12", launch_model="posture")
    bt = backtest_system(spec, korea)
    w = run_whatif(korea, "2019-06", 6, Levers(), n_sims=100, rng=7, model="posture")
    rec = bt.scores["recorded_posture"]["total"]
    assert rec["mean"] == pytest.approx(float(w.recorded.total.mean()), abs=1e-12)
    assert rec["q50"] == pytest.approx(float(np.quantile(w.recorded.total, 0.5)), abs=1e-12)
    assert bt.observed_total == sum(w.observed)  # type: ignore[arg-type]
    for s in bt.scores.values():
        assert np.isfinite(s["mean_log_score"]) and 0.0 <= s["coverage80"] <= 1.0


def test_compare_runs_base_and_overlay_on_common_random_numbers(korea) -> None:  # type: ignore[no-untyped-def]
    sc = load_packaged("korea-2019-06")
    spec = SystemSpec(sc, months=6, draws=100, seed=11, launch_model="ingarch")
    cmp = compare_system(spec, "resume-exercises", korea)
    alone = run_system(spec, korea)
    assert np.array_equal(cmp.base.launches, alone.launches)
    d = cmp.difference()["launches"]
    assert d["prob_more"] + d["prob_fewer"] <= 1.0
    # the overlay moves both allies to UFG-2017 scale: the bargained exercise posture starts higher
    assert np.all(cmp.alternative.posture["exercises"][:, 0] > cmp.base.posture["exercises"][:, 0])


def test_sensitivity_moves_one_rule_at_a_time(korea) -> None:  # type: ignore[no-untyped-def]
    sc = load_packaged("korea-2019-06")
    spec = SystemSpec(sc, months=6, draws=50, seed=0, launch_model="ingarch")
    rows = rule_sensitivity(spec, korea, ids=["quiet-china-loosens", "launch-us-exercises"])
    assert [r["id"] for r in rows] in (
        ["quiet-china-loosens", "launch-us-exercises"],
        ["launch-us-exercises", "quiet-china-loosens"],
    )
    by_id = {r["id"]: r for r in rows}
    # Washington's move toward full exercises after launches moves one ally, so it moves cohesion; China's
    # loosening in quiet spells moves no ally, so cohesion stays put. (Issues 21-22: with the President as the
    # U.S. decider on denuclearization, his and the DPRK's acceptable outcomes do not overlap, so talks are
    # not held on korea-2019-06 and the talks rule used before does not fire.)
    moved = by_id["launch-us-exercises"]
    assert moved["cohesion_high"] != moved["cohesion_low"]
    assert by_id["quiet-china-loosens"]["cohesion_high"] == by_id["quiet-china-loosens"]["cohesion_low"]
