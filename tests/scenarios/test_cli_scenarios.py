"""``peninsula sources``, ``scenarios`` and ``cohesion``: JSON shapes and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from peninsula.cli import app
from peninsula.scenarios import cohesion, load_packaged

runner = CliRunner()


def test_scenarios_lists_the_snapshots_and_overlays_and_which_applies_where() -> None:
    r = runner.invoke(app, ["scenarios", "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["default"] == "korea-2019-04"
    assert [s["id"] for s in doc["scenarios"]] == [
        "korea-2017-06",
        "korea-2018-06",
        "korea-2019-04",
        "korea-2019-06",
        "korea-2020-03",
        "korea-2022-05",
    ]
    assert len(doc["overlays"]) == 6
    applies = {o["id"]: o["applies_to"] for o in doc["overlays"]}
    # dated after their seeds and changing something: CNAS levers from 2019-06, Ewha's from 2020-03
    assert applies["dual-track-sanctions"] == ["korea-2019-06"]
    assert applies["sma-first"] == ["korea-2020-03"] == applies["medical-assistance"]
    assert "korea-2019-04" not in applies["resume-exercises"]
    by_sid = {s["id"]: s["overlays"] for s in doc["scenarios"]}
    assert by_sid["korea-2017-06"] == [] and "sma-first" in by_sid["korea-2020-03"]
    table = runner.invoke(app, ["scenarios"], env={"COLUMNS": "250"})
    assert table.exit_code == 0
    assert "overlays that apply" in table.stdout and "applies to" in table.stdout
    assert "CNAS 2019" in table.stdout  # seeds by their human names


def test_sources_json() -> None:
    r = runner.invoke(app, ["sources", "korea-2019-04", "--format", "json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    kinds = {row["source"]["kind"] for row in rows}
    assert kinds == {"seed", "dataset", "record", "coded"}
    row = next(
        x
        for x in rows
        if x["actor"] == "US" and x["issue"] == "sanctions-relief" and x["field"] == "position"
    )
    assert row["value"] == 30 and row["source"]["file"] == "002_4164321d603cee7f.txt"  # JSON keeps the file
    assert row["source"]["row"] is None and row["source"]["reason"] is None
    assert row["source"]["attributed_to"] == "US"
    rec = next(x for x in rows if x["source"]["kind"] == "record")
    assert rec["source"]["url"].startswith("http") and rec["source"]["date"] <= "2019-04-30"


def test_sources_table_and_overlay_show_seeds_by_name() -> None:
    r = runner.invoke(
        app, ["sources", "korea-2019-06", "--overlay", "resume-exercises"], env={"COLUMNS": "250"}
    )
    assert r.exit_code == 0, r.output
    assert "resume-exercises" in r.stdout and "the lever" in r.stdout
    assert "seed CNAS 2019:" in r.stdout and "000_e167a870257eb646.txt" not in r.stdout


def test_sources_exits_2_on_an_unsourced_value(tmp_path: Path) -> None:
    doc = load_packaged("korea-2019-06").model_dump(mode="json")
    doc["stances"][0]["sources"] = {}
    f = tmp_path / "unsourced.yaml"
    f.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    r = runner.invoke(app, ["sources", str(f), "--format", "json"])
    assert r.exit_code == 2
    assert "no source" in r.stderr


def test_cohesion_json() -> None:
    r = runner.invoke(app, ["cohesion", "korea-2019-04", "-m", "compromise", "--format", "json"])
    assert r.exit_code == 0, r.output
    (row,) = json.loads(r.stdout)
    assert row["before"] == cohesion(load_packaged("korea-2019-04")).value
    # a one-shot baseline does not move positions: after == before
    assert row["after"] == {"compromise": row["before"]}


def test_cohesion_traces_all_snapshots() -> None:
    r = runner.invoke(app, ["cohesion", "-m", "mean"])
    assert r.exit_code == 0, r.output
    for sid in ("korea-2017-06", "korea-2018-06", "korea-2019-04", "korea-2019-06", "korea-2020-03"):
        assert sid in r.stdout
