"""The record of what happened (issue 17): sound, shown by --against-record, never an input."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from peninsula.cli import app
from peninsula.scenarios import load_packaged, load_record, observed_outcomes, packaged_ids, record_problems

runner = CliRunner()


@pytest.mark.parametrize("sid", packaged_ids())
def test_every_snapshot_has_a_sound_record(sid: str) -> None:
    assert record_problems(sid) == []
    rec = load_record(sid)
    s = load_packaged(sid)
    assert rec and set(rec) <= set(s.issue_ids)
    assert s.date is not None and all(e.date >= s.date for e in rec.values())


def test_record_checks_catch_a_value_off_the_scale_and_a_date_before_the_snapshot(monkeypatch) -> None:
    real = observed_outcomes._load("korea-2019-04")
    off = real.issues[0].model_copy(update={"value": 150.0})
    early = real.issues[1].model_copy(update={"date": real.issues[1].date.replace(year=2018, day=1)})
    wrong = real.later[0].model_copy(update={"value": 1100.0})  # the row says 1,183.3 billion won
    unlabelled = real.later[1].model_copy(update={"label": ""})
    fake = real.model_copy(update={"issues": (off, early, real.issues[2]), "later": (wrong, unlabelled)})
    monkeypatch.setattr(observed_outcomes, "_load", lambda sid: fake)
    msgs = [p.message for p in record_problems("korea-2019-04")]
    assert any("outside the issue's scale" in m for m in msgs)
    assert any("before the scenario" in m for m in msgs)
    assert any("differs from the row's value" in m for m in msgs)
    assert any("needs a label" in m for m in msgs)


def test_record_checks_the_horizon(monkeypatch) -> None:
    """Issue 22: a scored entry lies within the horizon, which the snapshot states (metadata.horizon)."""
    import datetime as dt

    real = observed_outcomes._load("korea-2019-04")
    late = real.issues[0].model_copy(
        update={"date": dt.date(2021, 3, 10)}
    )  # another administration's decision
    fake = real.model_copy(update={"issues": (late, *real.issues[1:])})
    monkeypatch.setattr(observed_outcomes, "_load", lambda sid: fake)
    (p,) = record_problems("korea-2019-04")
    assert "after the horizon 2020-04-30" in p.message and "later:" in p.message
    other = real.model_copy(update={"horizon": dt.date(2020, 5, 1)})
    monkeypatch.setattr(observed_outcomes, "_load", lambda sid: other)
    (p,) = record_problems("korea-2019-04")
    assert p.field == "horizon" and "metadata.horizon" in p.message


def test_later_records_are_labelled_and_not_scored() -> None:
    from peninsula.scenarios import load_later_records

    later = load_later_records("korea-2019-04")
    assert {e.issue for e in later} == {"sma-contribution", "sma-term"}
    assert all("Biden" in e.label for e in later)
    rec = load_record("korea-2019-04")
    assert rec["sma-contribution"].agreement is False and rec["sma-contribution"].value == 0


def test_the_record_is_never_an_input() -> None:
    """Scenario loading, overlays and models do not read the records folder."""
    import inspect

    from peninsula.scenarios import library, overlays, sources

    for mod in (library, overlays, sources):
        text = inspect.getsource(mod)
        assert '"records"' not in text and "load_record" not in text
        assert "scenarios.observed_outcomes" not in text


def test_forecast_against_record_json_and_table() -> None:
    r = runner.invoke(
        app, ["forecast", "korea-2019-06", "-m", "median", "--against-record", "--format", "json"]
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert set(doc["record"]) == set(load_packaged("korea-2019-06").issue_ids)
    sma = doc["record"]["sma-contribution"]
    assert set(sma) >= {"value", "date", "source", "agreement"}
    assert sma["value"] == 0 and sma["agreement"] is False and sma["date"] <= doc["record_horizon"]
    assert doc["record_horizon"] == "2020-06-24"
    assert doc["record"]["sanctions-enforcement"] is None  # no record on that scale
    assert [e["issue"] for e in doc["record_later"]] == ["sma-contribution", "sma-term"]
    assert doc["record_later"][0]["value"] == 1183.3 and "Biden" in doc["record_later"][0]["label"]
    r = runner.invoke(
        app, ["forecast", "korea-2019-04", "-m", "median", "--against-record"], env={"COLUMNS": "200"}
    )
    head = r.stdout.splitlines()[2].split()
    assert r.exit_code == 0 and head[:2] == ["issue", "record"]  # the record first, beside the forecasts
    assert "no deal" in r.stdout
    r = runner.invoke(
        app,
        ["forecast", "korea-2019-04", "-m", "median", "--against-record", "--notes"],
        env={"COLUMNS": "200"},
    )
    assert r.exit_code == 0 and "Record sources (horizon 2020-04-30)" in r.stdout
    assert "no agreement" in r.stdout and "Later, not scored" in r.stdout
    plain = runner.invoke(app, ["forecast", "korea-2017-06", "-m", "median", "--format", "json"])
    assert "record" not in json.loads(plain.stdout)


def test_against_record_needs_a_packaged_snapshot_and_no_overlay() -> None:
    r = runner.invoke(app, ["forecast", "tests/reference/decide/inputs/sample_data.txt", "--against-record"])
    assert r.exit_code == 2 and "no record of what happened" in r.stderr
    r = runner.invoke(
        app, ["forecast", "korea-2019-06", "--against-record", "--overlay", "resume-exercises", "-m", "mean"]
    )
    assert r.exit_code == 2 and "--overlay" in r.stderr
