"""The posture-effect machinery on synthetic data: a known effect is recovered, no effect gives an interval
that covers 0 (at about its nominal rate), a slow confounder is removed by the change from the months before,
and the levers' events and placebo months are read correctly."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import numpy as np
import pytest
from typer.testing import CliRunner

from peninsula.dynamics.effects import (
    LEVERS,
    Lever,
    estimate_posture_effects,
    event_study,
    lever_events,
    merge_events,
    placebo_mask,
)
from peninsula.dynamics.loading import KoreaData, MonthlyCounts, TimelineEvent, load_data

MONTHS = np.arange("2004-01", "2024-01", dtype="datetime64[M]")  # twenty years
LEVER = Lever("x", "synthetic", ("exercise_active",), 0, 3, "synthetic")


def test_merge_events() -> None:
    assert merge_events([7, 1, 2, 3, 4, 5], 3) == [1, 4, 7]


def _events(months: np.ndarray) -> list[int]:
    """May of every other year: ten events, each with months clear of its windows between it and the next."""
    idx = months.astype(np.int64)
    return [int(m) for m in idx if m % 12 + 1 == 5 and (m // 12) % 2 == 0]


def _series(rng: np.random.Generator, effect: float, events: list[int], by_year: bool) -> np.ndarray:
    """Poisson months around a level of 1 a month, or (``by_year``) a level drawn for each year from 0.2, 1
    and 3 (campaign and quiet years), plus exactly ``effect`` launches a month in each event window (the event
    month and the two after: the constant additive effect the interval assumes)."""
    idx = MONTHS.astype(np.int64)
    level = np.ones(len(idx))
    if by_year:
        level = rng.choice([0.2, 1.0, 3.0], size=len(np.unique(idx // 12)))[idx // 12 - idx[0] // 12]
    y = rng.poisson(level).astype(np.float64)
    for e in events:
        i = int(np.flatnonzero(idx == e)[0])
        y[i : i + 3] += effect
    return y


@pytest.mark.parametrize("baseline", [True, False])
def test_a_known_effect_is_recovered(baseline: bool) -> None:
    events = _events(MONTHS)
    placebo = placebo_mask(MONTHS, events, LEVER)
    rng = np.random.default_rng(1)
    estimates = []
    for _ in range(40):
        # the change from the months before (E1) holds with a level that moves from year to year; the level
        # comparison needs months that are exchangeable (it under-covers when a year's level is shared)
        y = _series(rng, 2.0, events, by_year=baseline)
        r = event_study(y, MONTHS, events, placebo, baseline=baseline, draws=4000, rng=rng)
        assert r.low < r.estimate < r.high
        estimates.append((r.estimate, r.low, r.high, r.p_value))
    est = np.array(estimates)
    assert abs(est[:, 0].mean() - 2.0) < 0.25  # unbiased for the added two launches a month
    inside = (est[:, 1] <= 2.0) & (est[:, 2] >= 2.0)
    assert np.mean(inside) >= 0.8  # the truth inside the 90 % interval
    assert np.mean(est[:, 1] > 0) >= 0.9 and np.median(est[:, 3]) < 0.01  # and 0 outside it


@pytest.mark.parametrize("baseline", [True, False])
def test_no_effect_gives_an_interval_that_covers_0(baseline: bool) -> None:
    events = _events(MONTHS)
    placebo = placebo_mask(MONTHS, events, LEVER)
    rng = np.random.default_rng(2)
    covered, estimates, p_values = [], [], []
    for _ in range(200):
        y = _series(rng, 0.0, events, by_year=baseline)
        r = event_study(y, MONTHS, events, placebo, baseline=baseline, draws=2000, rng=rng)
        covered.append(r.low <= 0.0 <= r.high)
        estimates.append(r.estimate)
        p_values.append(r.p_value)
    # nominal 90 %: 200 replications put the coverage within 0.84..0.96 with probability > .99
    assert 0.84 <= np.mean(covered) <= 0.97
    assert abs(np.mean(estimates)) < 0.1
    assert 0.05 <= np.mean(np.array(p_values) < 0.1) <= 0.16  # the test's size is about its level


def test_the_change_from_before_removes_a_slow_level_that_moves_with_the_lever() -> None:
    # A launch level that cycles slowly (period 36 months, 0.2 to 3 a month) and events at its peaks, no
    # effect: comparing levels makes the lever look provocative; comparing changes does not.
    t = np.arange(len(MONTHS))
    level = 0.2 + 2.8 * (1 + np.cos(2 * np.pi * t / 36)) / 2
    idx = MONTHS.astype(np.int64)
    events = [int(idx[k]) for k in range(36, len(t) - 3, 36)]
    placebo = placebo_mask(MONTHS, events, LEVER)
    rng = np.random.default_rng(3)
    levels, changes = [], []
    for _ in range(60):
        y = rng.poisson(level).astype(np.float64)
        levels.append(event_study(y, MONTHS, events, placebo, baseline=False, draws=2000, rng=rng))
        changes.append(event_study(y, MONTHS, events, placebo, baseline=True, draws=2000, rng=rng))
    assert np.mean([r.low > 0 for r in levels]) > 0.9  # confounded: "an effect"
    assert np.mean([r.low <= 0 <= r.high for r in changes]) > 0.8  # the change: none
    assert abs(np.mean([r.estimate for r in changes])) < 0.3


def test_event_study_by_hand() -> None:
    # One event in June 2020; 3 launches a month in its window (Jun-Aug), none elsewhere. A placebo month
    # needs a 3-month baseline, an outcome window inside the data and windows clear of June's (it must be
    # more than 5 months from June): months 11..21. Every one holds 0 launches before and after.
    months = np.arange("2020-01", "2022-01", dtype="datetime64[M]")
    y = np.zeros(24)
    y[5:8] = 3.0
    events = [int(months[5].astype(np.int64))]
    placebo = placebo_mask(months, events, LEVER)
    assert np.flatnonzero(placebo).tolist() == list(range(11, 22))
    r = event_study(y, months, events, placebo, draws=20_000)
    assert r.event_mean == 3.0 and r.placebo_mean == 0.0 and r.n_placebo == 11
    assert r.estimate == 3.0 and r.events == ("2020-06",) and r.dropped == ()
    # 12 months, one with 3 and eleven with 0: a relabelling puts the event on the 3 with chance 1/12
    assert r.p_value == pytest.approx(1 / 12, abs=0.01)
    level = event_study(y, months, events, placebo, baseline=False, draws=200)
    assert level.estimate == 3.0


def test_events_in_one_window_merge_and_events_off_the_data_drop() -> None:
    months = np.arange("2020-01", "2023-01", dtype="datetime64[M]")
    idx = months.astype(np.int64)
    # Feb 2020 has no 3-month baseline, Dec 2020 falls in Nov's window, Dec 2022 has no outcome window
    events = [int(idx[1]), int(idx[10]), int(idx[11]), int(idx[35])]
    r = event_study(np.ones(36), months, events, placebo_mask(months, events, LEVER), draws=100)
    assert r.events == ("2020-11",) and set(r.dropped) == {"2020-02", "2020-12", "2022-12"}
    assert r.estimate == 0.0


def _data(timeline: list[TimelineEvent], y: np.ndarray) -> KoreaData:
    monthly = MonthlyCounts(MONTHS, y.astype(np.int64), y.astype(np.int64), {})
    return KoreaData(monthly=monthly, timeline=tuple(timeline), source="synthetic")


def test_the_levers_read_the_timeline() -> None:
    t = TimelineEvent(dt.date(2019, 3, 4), dt.date(2019, 3, 12), "exercise", None, "", 0)
    rows = [
        t,  # Dong Maeng 19-1: scaled back
        replace(t, date=dt.date(2017, 8, 21), end_date=dt.date(2017, 8, 31), value=17500.0, value_unit="US"),
        replace(t, date=dt.date(2018, 6, 18), end_date=None, value=0.0, value_unit="held"),  # suspended
        replace(t, date=dt.date(2018, 3, 20), end_date=None),  # "resumption agreed": no event
        replace(t, date=dt.date(2022, 5, 26), end_date=None, type="sanctions"),  # the veto: not adopted
        replace(t, date=dt.date(2017, 9, 11), end_date=None, type="sanctions"),
        replace(t, date=dt.date(2019, 10, 5), end_date=None, type="talks"),
    ]

    def months(lever: str) -> list[str]:
        return [str(np.datetime64(m, "M")) for m in lever_events(rows, lever)]

    assert months("exercises_held") == ["2017-08"]
    assert months("exercises_scaled_back") == ["2019-03"]
    assert months("exercises_suspended") == ["2018-06"]
    assert months("talks") == ["2019-10"]
    assert months("new_sanctions") == ["2017-09"]
    with pytest.raises(ValueError, match="unknown lever"):
        lever_events(rows, "summits")


def test_sanctions_window_starts_the_month_after() -> None:
    lever = LEVERS["new_sanctions"]
    assert (lever.offset, lever.length) == (1, 3)
    months = np.arange("2020-01", "2023-01", dtype="datetime64[M]")
    y = np.zeros(36)
    y[12] = 9.0  # a launch burst in the sanctions month itself (what the resolution answered)
    events = [int(months[12].astype(np.int64))]
    r = event_study(y, months, events, placebo_mask(months, events, lever), lever.offset, lever.length)
    assert r.event_mean == 0.0 and r.n_placebo > 0  # the same-month burst is not the sanctions' effect
    at_once = event_study(y, months, events, placebo_mask(months, events, LEVERS["talks"]))
    assert at_once.event_mean == 3.0  # a window that starts in the event month would count it


def test_packaged_data_effects_and_json_shape() -> None:
    pe = estimate_posture_effects(load_data(), draws=2000, models=("posture", "regime"))
    doc = json.loads(json.dumps(pe.to_dict(), allow_nan=False))
    assert set(doc["effects"]) == set(LEVERS)
    for v in doc["effects"].values():
        assert {"estimate", "low", "high", "method"} <= set(v)
        assert v["low"] <= v["estimate"] <= v["high"]
    models = doc["posture_effects"]["models"]
    assert [m["model"] for m in models["talks"]] == ["posture", "regime"]
    for rows in models.values():
        for m in rows:
            assert 0 < m["low"] <= m["estimate"] <= m["high"]


def test_scaled_back_effect_in_a_model_sums_the_two_coefficients() -> None:
    from peninsula.dynamics.effects import model_effects
    from peninsula.dynamics.nbregression import NegBinRegression

    data = load_data()
    fit = NegBinRegression("events").fit(data)
    b = dict(zip(fit.names, fit.params, strict=True))
    got = {m.model: m for m in model_effects(data, models=("posture",))["exercises_scaled_back"]}
    assert got["posture"].estimate == pytest.approx(np.exp(b["exercise_active"] + b["exercise_suspended"]))


def test_cli_posture_effects_json_and_table() -> None:
    from peninsula.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["backtest", "--train-end", "2023-09", "--posture-effects", "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert {"train_end", "models", "effects", "posture_effects"} <= set(doc)
    for v in doc["effects"].values():
        assert {"estimate", "low", "high", "method"} <= set(v)
    table = runner.invoke(app, ["backtest", "--train-end", "2023-09", "--posture-effects"])
    assert table.exit_code == 0 and "Posture effects" in table.output, table.output
