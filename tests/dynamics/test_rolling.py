"""Rolling-origin evaluation: no look-ahead, the DM test and PIT by hand, the choice rule, the CLI block."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

from peninsula.dynamics.loading import load_data
from peninsula.dynamics.registry import DEFAULT_MODELS
from peninsula.dynamics.rolling import (
    RollingEvaluation,
    RollingForecast,
    choose,
    diebold_mariano,
    forecast_origin,
    pit_histogram,
    run_rolling,
    truncate,
)

runner = CliRunner()
MODELS = ("ingarch", "local_level", "posture", "regime", "regime_plain", "climatology", "last12")
BASES = ("climatology", "last12")


def _poisoned(n_keep: int, month: int, value: int):  # type: ignore[no-untyped-def]
    data = truncate(load_data(), n_keep)
    events = data.monthly.events.copy()
    events[month] = value
    return replace(data, monthly=replace(data.monthly, events=events))


@pytest.mark.parametrize("n_keep", [44, 96])  # 2016-01..2019-08, and the whole 2016-2023 series
def test_origins_never_see_their_future(n_keep: int) -> None:
    clean = truncate(load_data(), n_keep)
    poisoned = _poisoned(n_keep, n_keep - 4, 40)  # a month with 40 launch events, about 7 times the record
    grid = np.arange(12)
    for T in (n_keep - 8, n_keep - 6, n_keep - 4):  # origins whose window ends before the poisoned month
        a = forecast_origin(clean, T, horizons=(1, 3), models=MODELS)
        b = forecast_origin(poisoned, T, horizons=(1, 3), models=MODELS)
        for name in MODELS:
            for da, db in zip(a[name], b[name], strict=True):
                assert np.array_equal(da.logpmf(grid), db.logpmf(grid)), (T, name)
    # ...and it does reach every model once it is in the past
    a = forecast_origin(clean, n_keep - 3, horizons=(1,), models=MODELS)
    b = forecast_origin(poisoned, n_keep - 3, horizons=(1,), models=MODELS)
    for name in MODELS:
        assert a[name][0].mean != pytest.approx(b[name][0].mean), name


def test_run_rolling_with_longer_data_and_a_poisoned_last_month() -> None:
    # Six extra synthetic months (not facts: a test fixture) after 2023-12; the last one poisoned.
    base = load_data()
    m = base.monthly
    extra = 6
    months = np.concatenate([m.months, m.months[-1] + np.arange(1, extra + 1).astype("timedelta64[M]")])
    events = np.concatenate([m.events, [0, 1, 0, 2, 0, 999]])
    missiles = np.concatenate([m.missiles, [0] * extra])
    supp = {k: np.concatenate([v, [np.nan] * extra]) for k, v in m.supplementary.items()}
    longer = replace(
        base, monthly=replace(m, months=months, events=events, missiles=missiles, supplementary=supp)
    )
    ev = run_rolling(
        longer, horizons=(1,), min_train=96, models=("local_level", "regime", "climatology", "last12")
    )
    assert ev.origins == ("2023-12", "2024-01", "2024-02", "2024-03", "2024-04", "2024-05")
    last = ev.forecasts["local_level"][1][-1]
    assert last.month == "2024-06" and last.observed == 999
    assert last.mean < 5  # the forecast of the poisoned month did not see it
    assert ev.forecasts["regime"][1][-1].mean < 5
    # and the forecasts before it match a run on the data that stops before the poison
    cut = run_rolling(truncate(longer, 101), horizons=(1,), min_train=96, models=("local_level", "regime"))
    for name in ("local_level", "regime"):
        assert [f.mean for f in cut.forecasts[name][1]] == [f.mean for f in ev.forecasts[name][1][:5]]


def test_diebold_mariano_by_hand() -> None:
    d = [1.0, 2.0, 3.0, 4.0]
    r = diebold_mariano(d, 1)
    # mean 2.5, variance mean((d - 2.5)^2) = 1.25, DM = 2.5 / sqrt(1.25/4); HLN: sqrt((4 + 1 - 2) / 4)
    stat = 2.5 / math.sqrt(1.25 / 4) * math.sqrt(3 / 4)
    assert r["mean_diff"] == 2.5 and r["dm"] == pytest.approx(stat)
    assert r["p_value"] == pytest.approx(2 * stats.t.sf(stat, 3))
    # h = 2 adds the lag-1 autocovariance: sum((d_t - m)(d_{t-1} - m)) / n = (-1.5*-.5 + -.5*.5 + .5*1.5)/4
    r2 = diebold_mariano(d, 2)
    var2 = 1.25 + 2 * (0.75 - 0.25 + 0.75) / 4
    hln = math.sqrt((4 + 1 - 4 + 2 * 1 / 4) / 4)
    assert r2["dm"] == pytest.approx(2.5 / math.sqrt(var2 / 4) * hln)


def _f(lo: float, hi: float) -> RollingForecast:
    return RollingForecast("2020-01", "2020-02", 1, 0, 0.0, 0.0, 0.0, lo, hi, True, True)


def test_pit_histogram_by_hand() -> None:
    # PIT uniform on [0, .5] and on [.5, 1]: together uniform on [0, 1]
    assert pit_histogram([_f(0.0, 0.5), _f(0.5, 1.0)], bins=4) == pytest.approx([0.25] * 4)
    # all mass on [.2, .4] with 5 bins: the second bin only
    assert pit_histogram([_f(0.2, 0.4)], bins=5) == pytest.approx([0, 1, 0, 0, 0])


def _scores(values: dict[str, tuple[float, float, float]]) -> dict[str, dict[int, dict[str, float]]]:
    return {
        m: {h: {"mean_log_score": v} for h, v in zip((1, 3, 6), vs, strict=True)} for m, vs in values.items()
    }


def test_choice_rule() -> None:
    base = {"climatology": (-1.0, -1.0, -1.0), "last12": (-1.2, -1.3, -1.5)}
    # ingarch is best at h=1 but worse than climatology at h=6; local_level qualifies
    s = _scores(
        {**base, "ingarch": (-0.8, -0.9, -1.1), "local_level": (-0.9, -0.95, -1.0), "posture": (-2, -2, -2)}
    )
    assert choose(s, (1, 3, 6)) == ("local_level", True)
    # nobody qualifies: best h=1 named, targets not met
    s = _scores(
        {**base, "ingarch": (-0.8, -0.9, -1.1), "local_level": (-1.1, -0.9, -0.9), "posture": (-2, -2, -2)}
    )
    assert choose(s, (1, 3, 6)) == ("ingarch", False)


GOLDEN = Path(__file__).resolve().parents[1] / "reference" / "golden"


def _golden(name: str) -> dict[str, Any]:
    # tests/test_golden.py checks that these files hold what today's code prints (run__rolling-<target> is the
    # `rolling` block of `backtest --rolling --target T --format json`), so the rolling evaluation of the
    # packaged data is computed once per suite run, there.
    doc: dict[str, Any] = json.loads((GOLDEN / f"run__{name}.json").read_text(encoding="utf-8"))
    return doc


@pytest.mark.parametrize("target", ["events", "missiles"])
def test_the_evaluation_chooses_each_targets_default(target: str) -> None:
    rolling = _golden(f"rolling-{target}")
    assert rolling["chosen"] in rolling["models"]
    # the default model of whatif and the coupled simulation is the one this evaluation chooses
    assert rolling["chosen"] == DEFAULT_MODELS[target]
    assert rolling["horizons"] == [1, 3, 6] and rolling["first_origin"] == "2017-12"
    assert rolling["last_origin"] == "2023-11" and rolling["origins"] == 72  # every origin of 2016-2023
    scores = rolling["models"]
    for name in ("ingarch", "local_level", "posture", "combination", "climatology", "last12"):
        for h in ("1", "3", "6"):
            s = scores[name][h]
            assert {"n", "mean_log_score", "rps", "mae", "coverage50", "coverage80", "pit"} <= set(s)
            assert sum(s["pit"]) == pytest.approx(1.0)
    assert scores["climatology"]["1"]["n"] == 72 and scores["climatology"]["6"]["n"] == 67
    # targets_met is what the scores say, not a constant
    ls = {m: {h: scores[m][h]["mean_log_score"] for h in ("1", "3", "6")} for m in scores}
    c = rolling["chosen"]
    met = all(ls[c]["1"] > ls[b]["1"] for b in ("climatology", "last12")) and all(
        ls[c][h] >= ls[b][h] for b in ("climatology", "last12") for h in ("3", "6")
    )
    assert rolling["targets_met"] is met
    # the versus block: the chosen model against the baselines and the best model without posture
    for h in ("1", "3", "6"):
        v = rolling["versus"][h]
        assert v["chosen"] == c and v["mean_log_score"] == pytest.approx(ls[c][h])
        plain = [m for m in scores if m.endswith("_plain") or m in ("climatology", "last12")]
        best = max(plain, key=lambda m: ls[m][h])
        assert v["best_without_posture"]["model"] == best
        assert v["best_without_posture"]["mean_diff"] == pytest.approx(ls[c][h] - ls[best][h])
        assert v["climatology"]["mean_diff"] == pytest.approx(ls[c][h] - ls["climatology"][h])


def test_what_the_docs_report_about_the_choice() -> None:
    # the figures and verdicts docs/dynamics.md and the README quote; a change here must update them
    events, missiles = _golden("rolling-events"), _golden("rolling-missiles")
    assert events["targets_met"] is True
    ls = events["models"]
    assert ls["regime"]["1"]["mean_log_score"] == pytest.approx(-1.324, abs=5e-4)
    assert ls["climatology"]["1"]["mean_log_score"] == pytest.approx(-1.491, abs=5e-4)
    # posture does not help out of sample: the same model without covariates scores better
    for h in ("1", "3", "6"):
        assert events["versus"][h]["best_without_posture"]["model"] == "regime_plain"
        assert events["versus"][h]["best_without_posture"]["mean_diff"] < 0
    assert missiles["chosen"] == DEFAULT_MODELS["missiles"]


def test_the_one_step_backtest_combination_is_the_rolling_one() -> None:
    # the one-step backtest's combination row is the rolling evaluation's h = 1 combination, month by month
    monthly = _golden("backtest-events")["models"]["combination"]["monthly"]
    one_step = {m["month"]: m["log_score"] for m in monthly}
    rolled = {f["month"]: f["log_score"] for f in _golden("rolling-events")["forecasts"]["combination"]["1"]}
    assert len(one_step) == 48 and all(one_step[m] == pytest.approx(rolled[m], abs=1e-12) for m in one_step)


def test_rolling_json_block_from_the_cli(packaged_copy: Path) -> None:
    from peninsula.cli import app

    monthly = packaged_copy / "dprk_missile_tests_monthly.csv"
    lines = monthly.read_text(encoding="utf-8").splitlines(keepends=True)
    monthly.write_text("".join(lines[:41]), encoding="utf-8")  # 2016-01..2019-04: a quick evaluation
    args = ["backtest", "--data", str(packaged_copy), "--train-end", "2019-01", "--rolling", "--horizon", "1"]
    res = runner.invoke(app, [*args, "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert {"train_end", "test_end", "target", "months", "models", "rolling"} == set(doc)
    assert (doc["train_end"], doc["test_end"], doc["months"]) == ("2019-01", "2019-04", 3)
    rolling = doc["rolling"]
    assert rolling["chosen"] in rolling["models"] and rolling["horizons"] == [1]
    assert (rolling["first_origin"], rolling["last_origin"]) == ("2017-12", "2019-03")
    assert set(rolling["versus"]) == {"1"} and rolling["versus"]["1"]["chosen"] == rolling["chosen"]


def test_rolling_cli_table_horizon_and_chart(tmp_path: Path) -> None:
    from peninsula.cli import app

    png = tmp_path / "pit.png"
    args = ["backtest", "--train-end", "2021-06", "--rolling", "--horizon", "1", "--out", str(png)]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "Rolling-origin evaluation" in res.output and "chosen" in res.output
    assert png.stat().st_size > 10_000
    bad = runner.invoke(app, ["backtest", "--out", str(png)])
    assert bad.exit_code == 2


def test_undefined_statistics_become_null_in_json() -> None:
    same = tuple(_f(0.0, 0.5) for _ in range(5))  # identical scores: the DM variance is 0, DM undefined
    ev = RollingEvaluation(
        "events",
        (1,),
        24,
        ("2020-01",) * 5,
        {m: {1: same} for m in ("local_level", *BASES)},
        "local_level",
        False,
    )
    assert math.isnan(ev.comparisons()["local_level"][1]["climatology"]["dm"])
    doc = json.loads(json.dumps(ev.to_dict(), allow_nan=False))
    assert doc["comparisons"]["local_level"]["1"]["climatology"]["dm"] is None


def test_first_origin_waits_for_a_launch() -> None:
    base = load_data()
    events = base.monthly.events.copy()
    events[:30] = 0  # no launch before 2019-04 (index 39)
    quiet = replace(base, monthly=replace(base.monthly, events=events))
    ev = run_rolling(quiet, horizons=(1,), models=("local_level", "climatology", "last12"))
    assert ev.origins[0] == "2019-04" and ev.forecasts["local_level"][1][0].month == "2019-05"


def test_coverage_counts_the_band_edges_as_inside() -> None:
    """Issue 24: the central intervals are closed, so a count equal to q10 or q90 (q25, q75) is inside.

    Poisson(5): q10 = 2, q25 = 3, q75 = 6, q90 = 8 (P(Y <= 1) = .040, P(Y <= 2) = .125; P(Y <= 7) = .867,
    P(Y <= 8) = .932; P(Y <= 3) = .265, P(Y <= 6) = .762).
    """
    from peninsula.dynamics.rolling import _score
    from peninsula.dynamics.scoring import Poisson, quantile

    dist = Poisson(5.0)
    assert [quantile(dist, p) for p in (0.1, 0.25, 0.75, 0.9)] == [2.0, 3.0, 6.0, 8.0]
    observed = (1, 2, 3, 6, 8, 9)
    fs = tuple(_score(dist, y, "2020-01", "2020-02", 1) for y in observed)
    assert [f.in80 for f in fs] == [False, True, True, True, True, False]
    assert [f.in50 for f in fs] == [False, False, True, True, False, False]
    ev = RollingEvaluation("events", (1,), 24, ("2020-01",) * 6, {m: {1: fs} for m in BASES}, "", False)
    s = ev.scores()["climatology"][1]
    assert (s["coverage80"], s["coverage50"]) == (pytest.approx(4 / 6), pytest.approx(2 / 6))
