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
    early = real.issues[1].model_copy(update={"date": real.issues[1].date.replace(year=2018)})
    wrong = real.issues[3].model_copy(update={"value": 1100.0})  # the row says 1,038.9 billion won
    fake = real.model_copy(update={"issues": (off, early, real.issues[2], wrong)})
    monkeypatch.setattr(observed_outcomes, "_load", lambda sid: fake)
    msgs = [p.message for p in record_problems("korea-2019-04")]
    assert any("outside the issue's scale" in m for m in msgs)
    assert any("before the scenario" in m for m in msgs)
    assert any("differs from the row's value" in m for m in msgs)


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
        app, ["forecast", "korea-2019-04", "-m", "median", "--against-record", "--format", "json"]
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert set(doc["record"]) == set(load_packaged("korea-2019-04").issue_ids)
    sma = doc["record"]["sma-contribution"]
    assert set(sma) >= {"value", "date", "source"} and sma["value"] == 1038.9 and sma["date"] == "2021-03-10"
    assert doc["record"]["regional-alignment"] is None  # no record on that scale
    r = runner.invoke(app, ["forecast", "korea-2017-06", "-m", "median", "--against-record"])
    assert r.exit_code == 0 and "Against the record" in r.stdout and "2017-09-07" in r.stdout
    plain = runner.invoke(app, ["forecast", "korea-2017-06", "-m", "median", "--format", "json"])
    assert "record" not in json.loads(plain.stdout)


def test_against_record_needs_a_packaged_snapshot_and_no_overlay() -> None:
    r = runner.invoke(app, ["forecast", "tests/reference/decide/inputs/sample_data.txt", "--against-record"])
    assert r.exit_code == 2 and "no record of what happened" in r.stderr
    r = runner.invoke(
        app, ["forecast", "korea-2019-06", "--against-record", "--overlay", "resume-exercises", "-m", "mean"]
    )
    assert r.exit_code == 2 and "--overlay" in r.stderr
