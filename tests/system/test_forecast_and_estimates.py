"""Issue 23 in the coupled simulation: windows past the data (forecasts from 2024-01), the rule the data pin
down (launch-sanctions-round, estimated and drawn from its posterior), and the backtest's no-posture model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

from peninsula.core import ParameterError
from peninsula.dynamics.registry import PLAIN_MODELS
from peninsula.system import SystemSpec, backtest_system, run_system
from peninsula.system.estimates import sanctions_round
from peninsula.system.loop import _rule_values
from peninsula.system.rules import load_rules
from tests.system.conftest import posture_scenario

GOLDEN = Path(__file__).resolve().parents[1] / "reference" / "golden"


def test_the_rules_file_carries_todays_estimate(korea) -> None:  # type: ignore[no-untyped-def]
    est = sanctions_round(korea)
    rule = load_rules().rule("launch-sanctions-round")
    assert (est.successes, est.trials) == (8, 48)
    assert rule.beta == (est.a, est.b)
    assert (rule.value, rule.low, rule.high) == pytest.approx((est.value, est.low, est.high), abs=5e-4)


def test_an_estimated_rule_is_drawn_from_its_posterior() -> None:
    rule = load_rules().rule("launch-sanctions-round")
    a, b = rule.beta  # type: ignore[misc]
    values = _rule_values(rule, 20_000, np.random.default_rng(1), uncertainty=True)
    # the draws follow Beta(a, b): their quantiles are the posterior's (not uniform in low..high)
    for q in (0.05, 0.5, 0.95):
        assert np.quantile(values, q) == pytest.approx(stats.beta.ppf(q, a, b), abs=0.005)
    assert values.min() < rule.low and values.max() > rule.high  # the tails beyond the 90 % interval
    assert np.all(_rule_values(rule, 5, np.random.default_rng(1), uncertainty=False) == rule.value)
    # the same stream as a uniform rule (one number per draw): the inverse CDF of the same uniforms
    u = np.random.default_rng(1).uniform(0.0, 1.0, 20_000)
    assert np.allclose(values, stats.beta.ppf(u, a, b))
    # a value set for a sensitivity run replaces the estimate
    fixed = (
        load_rules().with_values({"launch-sanctions-round": 0.3}, fixed=True).rule("launch-sanctions-round")
    )
    assert fixed.beta is None
    assert np.all(_rule_values(fixed, 5, np.random.default_rng(1), uncertainty=True) == 0.3)


def test_a_window_past_the_data_is_a_forecast(korea) -> None:  # type: ignore[no-untyped-def]
    spec = SystemSpec(posture_scenario(), months=4, draws=50, seed=1, start="2023-11")
    run = run_system(spec, korea)
    assert run.months == ("2023-11", "2023-12", "2024-01", "2024-02")
    assert run.observed_launches == (2, 2, None, None)
    assert any("beyond the data" in n for n in run.notes)
    doc = json.loads(json.dumps(run.to_dict(), allow_nan=False))
    assert doc["path"][2]["observed_launches"] is None and doc["path"][2]["launches"]["q90"] >= 0
    with pytest.raises(ParameterError, match="needs a window the data cover"):
        backtest_system(spec, korea)
    # from the month after the data: the launch model is fitted on all of it
    later = run_system(spec.replace(start="2024-01"), korea)
    assert any("fitted on 2016-01..2023-12" in n for n in later.notes)


def test_the_backtest_scores_the_best_model_without_posture(korea) -> None:  # type: ignore[no-untyped-def]
    spec = SystemSpec(posture_scenario(), months=6, draws=100, seed=2, start="2019-04")
    bt = backtest_system(spec, korea)
    assert list(bt.scores) == ["loop", "recorded_posture", "best_without_posture", "climatology"]
    plain = bt.scores["best_without_posture"]
    assert plain["model"] == PLAIN_MODELS["events"] and len(plain["monthly"]) == 6
    assert (
        np.isfinite(plain["mean_log_score"])
        and plain["mean_log_score"] != bt.scores["loop"]["mean_log_score"]
    )


@pytest.mark.parametrize("target", ["events", "missiles"])
def test_the_plain_model_is_the_rolling_evaluations_best_without_posture(target: str) -> None:
    rolling = json.loads((GOLDEN / f"run__rolling-{target}.json").read_text(encoding="utf-8"))
    assert PLAIN_MODELS[target] == rolling["versus"]["1"]["best_without_posture"]["model"]


def test_simulate_from_the_cli() -> None:
    from peninsula.cli import app

    args = [
        "simulate",
        "korea-2020-03",
        "--from",
        "2024-01",
        "--months",
        "2",
        "--draws",
        "20",
        "--format",
        "json",
    ]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["start"] == "2024-01" and [m["observed_launches"] for m in doc["path"]] == [None, None]
    bad = CliRunner().invoke(app, ["simulate", "korea-2020-03", "--from", "2024-02", "--months", "2"])
    assert bad.exit_code == 2 and "outside the data" in bad.output
