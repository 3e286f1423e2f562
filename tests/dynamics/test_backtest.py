"""The backtest on the packaged data, via --data on a copy, and the JSON shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from peninsula.cli import app
from peninsula.dynamics.backtest import LAST12_FLOOR, run_backtest
from peninsula.dynamics.loading import load_data

runner = CliRunner()


def _app() -> typer.Typer:
    return app


@pytest.fixture(scope="module")
def packaged_json() -> dict[str, object]:
    res = runner.invoke(
        _app(), ["backtest", "--train-end", "2019-12", "--test-end", "2021-12", "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    doc: dict[str, object] = json.loads(res.output)
    return doc


def test_json_shape_is_exact(packaged_json: dict[str, object]) -> None:
    doc = packaged_json
    assert set(doc) == {"train_end", "test_end", "target", "months", "models"}
    assert (doc["train_end"], doc["test_end"], doc["target"], doc["months"]) == (
        "2019-12",
        "2021-12",
        "events",
        24,
    )
    models = doc["models"]
    assert isinstance(models, dict)
    assert set(models) == {
        "posture",
        "posture_param",
        "climatology",
        "last12",
        "local_level",
        "ingarch",
        "combination",
        "regime",
    }
    for entry in models.values():
        assert set(entry) == {"mean_log_score", "mae", "rps", "monthly"}
        assert all(isinstance(entry[k], float) for k in ("mean_log_score", "mae", "rps"))
        assert len(entry["monthly"]) == 24
        first = entry["monthly"][0]
        assert set(first) == {"month", "observed", "mean", "p10", "p90", "log_score"}
        assert first["month"] == "2020-01" and isinstance(first["observed"], int)
    # every number is the one the backtest computed, month by month (a bound such as p10 <= mean <= p90
    # says nothing where p10 == p90, which is common for counts)
    bt = run_backtest(load_data(), "2019-12", "2021-12", "events")
    for name, entry in models.items():
        want = bt.models[name]
        assert (entry["mean_log_score"], entry["mae"], entry["rps"]) == pytest.approx(
            (want.mean_log_score, want.mae, want.rps), rel=1e-12
        )
        for got, month in zip(entry["monthly"], want.monthly, strict=True):
            assert got["month"] == month.month and got["observed"] == month.observed
            assert (got["mean"], got["p10"], got["p90"], got["log_score"]) == pytest.approx(
                (month.mean, month.p10, month.p90, month.log_score), rel=1e-12, abs=1e-12
            ), (name, got["month"])
            # P(Y >= p10) > 0.9 for counts (p10 is the least k with P(Y <= k) >= 0.1), so mean >= 0.9 p10
            assert got["mean"] >= 0.9 * got["p10"] - 1e-12


def test_data_copy_gives_the_same_numbers(packaged_json: dict[str, object], packaged_copy: Path) -> None:
    args = ["backtest", "--data", str(packaged_copy), "--train-end", "2019-12", "--test-end", "2021-12"]
    res = runner.invoke(_app(), [*args, "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output) == packaged_json
    table = runner.invoke(_app(), args)
    assert table.exit_code == 0 and "posture" in table.output and "thin" in table.output


def test_baselines_by_hand() -> None:
    data = load_data()
    bt = run_backtest(data, "2020-12", "2021-02", "events")
    y = data.monthly.events
    # last12 for Jan 2021 is Poisson(mean of Jan-Dec 2020) = 4/12.
    jan = bt.models["last12"].monthly[0]
    assert jan.mean == pytest.approx(y[48:60].mean()) == pytest.approx(4 / 12)
    # climatology for Jan 2021 is an NB with the mean of every month before it.
    assert bt.models["climatology"].monthly[0].mean == pytest.approx(y[:60].mean())
    # mean metrics are the means of the monthly entries.
    s = bt.models["posture"]
    assert s.mean_log_score == pytest.approx(sum(m.log_score for m in s.monthly) / 2)
    assert s.mae == pytest.approx(sum(abs(m.mean - m.observed) for m in s.monthly) / 2)


def test_last12_floor_after_a_quiet_year() -> None:
    bt = run_backtest(load_data(), "2018-12", "2019-01", "events")  # 2018 had no CNS launches
    assert bt.models["last12"].monthly[0].mean == LAST12_FLOOR


def test_missiles_target_runs() -> None:
    bt = run_backtest(load_data(), "2021-06", "2021-09", "missiles")
    assert bt.target == "missiles" and bt.months == 3
    assert [m.observed for m in bt.models["posture"].monthly] == [0, 0, 3]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--train-end", "2019-12", "--test-end", "2019-11"], "must be after"),
        (["--train-end", "2019-12", "--test-end", "2024-01"], "within the data"),
        (["--train-end", "2019-13", "--test-end", "2020-03"], "--train-end"),
        (["--train-end", "2019-12", "--test-end", "2020-03", "--target", "tests"], "--target"),
        (["--train-end", "2019-12", "--test-end", "2020-03", "--format", "xml"], "--format"),
    ],
)
def test_bad_usage_exits_2(args: list[str], message: str) -> None:
    res = runner.invoke(_app(), ["backtest", *args])
    assert res.exit_code == 2
    assert message in res.output


def test_bad_data_file_exits_2_naming_file_line_field(packaged_copy: Path) -> None:
    path = packaged_copy / "alliance_timeline.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2].replace(",sanctions,", ",sanction,")  # UNSCR 2270 row, line 3
    path.write_text("".join(lines), encoding="utf-8")
    res = runner.invoke(
        _app(), ["backtest", "--data", str(packaged_copy), "--train-end", "2019-12", "--test-end", "2020-03"]
    )
    assert res.exit_code == 2
    assert "alliance_timeline.csv:3" in res.output and "'type'" in res.output
    assert "Traceback" not in res.output
    (packaged_copy / "dprk_missile_tests_monthly.csv").unlink()
    res = runner.invoke(
        _app(), ["backtest", "--data", str(packaged_copy), "--train-end", "2019-12", "--test-end", "2020-03"]
    )
    assert res.exit_code == 2 and "dprk_missile_tests_monthly.csv" in res.output


def test_a_training_window_without_launches_is_a_clear_error(tmp_path: Path) -> None:
    # 40 launch-free months from 2016-01: the posture model has no finite estimate before 2019-05. It used
    # to reach statsmodels' "first guess on the deviance function returned a nan".
    import csv
    from importlib import resources

    folder = tmp_path / "korea"
    folder.mkdir()
    data_dir = resources.files("peninsula.dynamics") / "data"
    text = data_dir.joinpath("dprk_missile_tests_monthly.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(text.splitlines()))
    for row in rows[1:41]:
        row[1] = row[2] = "0"
    with (folder / "dprk_missile_tests_monthly.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    timeline = resources.files("peninsula.scenarios") / "datasets" / "alliance_timeline.csv"
    (folder / "alliance_timeline.csv").write_text(timeline.read_text(encoding="utf-8"), encoding="utf-8")
    res = runner.invoke(app, ["backtest", "--data", str(folder), "--train-end", "2018-06"])
    assert res.exit_code == 2
    assert "no launch in the training window 2016-04..2018-06" in res.output
    ok = runner.invoke(app, ["backtest", "--data", str(folder), "--train-end", "2019-12"])
    assert ok.exit_code == 0, ok.output


def _with_events(data, month: str, value: int):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    import numpy as np

    events = data.monthly.events.copy()
    events[int(np.flatnonzero(data.monthly.months == np.datetime64(month, "M"))[0])] = value
    return replace(data, monthly=replace(data.monthly, events=events))


def test_a_perturbed_future_month_changes_no_forecast() -> None:
    """Issue 24: a backtest fitted through its test month (or any later one) fails here.

    The last test month and the month after the test window (the last month of the 2016-2023 data) are
    set to 40 launch events (about 7 times the record): no forecast of any model in any test month may
    move; only the observed count (and so the score) of the perturbed test month does.
    """
    data = load_data()
    clean = run_backtest(data, "2023-08", "2023-11", "events").to_dict()
    after = run_backtest(_with_events(data, "2023-12", 40), "2023-08", "2023-11", "events").to_dict()
    assert after == clean
    poisoned = run_backtest(_with_events(data, "2023-11", 40), "2023-08", "2023-11", "events").to_dict()
    for name, entry in clean["models"].items():
        for got, want in zip(poisoned["models"][name]["monthly"], entry["monthly"], strict=True):
            assert (got["mean"], got["p10"], got["p90"]) == (want["mean"], want["p10"], want["p90"]), (
                name,
                got["month"],
            )
        last = poisoned["models"][name]["monthly"][-1]
        assert last["observed"] == 40 and last["log_score"] < entry["monthly"][-1]["log_score"], name
