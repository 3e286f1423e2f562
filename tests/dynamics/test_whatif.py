"""Counterfactual levers, seeding, the fan chart and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from peninsula.core.errors import ParameterError
from peninsula.dynamics.loading import load_data
from peninsula.dynamics.whatif import parse_levers, run_whatif

runner = CliRunner()


def _app() -> typer.Typer:
    from peninsula.cli import app

    return app


def test_parse_levers() -> None:
    levers = parse_levers(["exercises=reduced", "summit=2019-06", "talks=none", "sanctions=2018-01"])
    assert levers.exercises == "reduced"
    assert levers.add == (("summit", "2019-06"), ("sanctions", "2018-01"))
    assert levers.remove == ("talks",)
    for bad in (["exercises=max"], ["summit=June"], ["budget=1"], ["exercises"]):
        with pytest.raises(ParameterError):
            parse_levers(bad)


def test_lever_paths_and_seeding() -> None:
    data = load_data()
    w1 = run_whatif(data, "2018-06", 12, parse_levers(["exercises=full", "summit=none"]), n_sims=200, rng=5)
    w2 = run_whatif(data, "2018-06", 12, parse_levers(["exercises=full", "summit=none"]), n_sims=200, rng=5)
    assert np.array_equal(w1.alternative.total, w2.alternative.total)
    # full calendar: exercises in Aug and Dec 2018, Mar and Apr 2019; no suspension in force.
    alt = w1.alternative.covariates
    assert alt["exercise_active"].tolist() == [0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 1, 0]
    assert alt["exercise_suspended"].tolist() == [0] * 12
    assert alt["summit_recent"].sum() == 0
    rec = w1.recorded.covariates
    assert rec["exercise_suspended"].tolist() == [1] * 12 and rec["summit_recent"][0] == 1
    assert w1.observed[:3] == (0, 0, 0)


def test_recorded_lever_gives_identical_paths() -> None:
    w = run_whatif(load_data(), "2019-01", 6, parse_levers([]), n_sims=100, rng=1)
    assert np.array_equal(w.recorded.total, w.alternative.total)
    assert w.difference()["prob_more"] == 0.0


def test_window_past_the_data_and_bad_start() -> None:
    w = run_whatif(load_data(), "2023-10", 6, parse_levers(["exercises=suspended"]), n_sims=50, rng=0)
    assert w.observed == (0, 2, 2, None, None, None)
    assert any("beyond the data" in n for n in w.notes)
    with pytest.raises(ParameterError):
        run_whatif(load_data(), "2016-02", 6, parse_levers([]), n_sims=50, rng=0)
    with pytest.raises(ParameterError):
        run_whatif(load_data(), "2019-01", 0, parse_levers([]), n_sims=50, rng=0)


def test_cli_writes_png_and_json(tmp_path: Path) -> None:
    png = tmp_path / "fan.png"
    args = ["whatif", "--from", "2018-06", "--months", "12", "--set", "exercises=full", "--draws", "200"]
    res = runner.invoke(_app(), [*args, "--seed", "3", "--out", str(png), "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["levers"]["exercises"] == "full" and doc["seed"] == 3 and doc["months"] == 12
    assert set(doc["difference"]) == {"mean", "p10", "p50", "p90", "prob_more", "prob_fewer"}
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    again = runner.invoke(_app(), [*args, "--seed", "3", "--format", "json"])
    assert json.loads(again.output)["alternative"] == doc["alternative"]
    table = runner.invoke(_app(), args)
    assert table.exit_code == 0 and "alternative" in table.output


def test_cli_bad_lever_exits_2() -> None:
    res = runner.invoke(_app(), ["whatif", "--from", "2018-06", "--months", "6", "--set", "exercises=max"])
    assert res.exit_code == 2 and "exercises must be one of" in res.output
