"""peninsula's YAML format: round trip, YAML paths and lines in errors, the JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from peninsula.core import InputError
from peninsula.io import load, save, scenario_json_schema
from tests.conftest import ROOT

GOOD = """\
id: toy
title: Toy
date: 2019-04-11
actors:
  - {id: US, name: United States, capability: 0.14,
     capability_source: {kind: dataset, file: cow_nmc_2000_2022.csv, row: "ccode=2,year=2019"}}
  - {id: ROK, capability: 0.02, capability_source: {kind: coded, reason: test, low: 0.01, high: 0.03}}
issues:
  - id: sma
    unit: USD million per year
    lower: 800
    upper: 5000
    points: [{value: 924, label: 2019 SMA}]
    status_quo: 924
stances:
  - actor: US
    issue: sma
    position: 5000
    salience: 0.8
    sources:
      position: {kind: seed, file: a.txt, quote: "five billion"}
  - {actor: ROK, issue: sma, position: 924, salience: 0.9}
"""


def test_round_trip(tmp_path: Path) -> None:
    p = tmp_path / "toy.yaml"
    p.write_text(GOOD)
    s = load(p)
    assert str(s.date) == "2019-04-11" and s.issue("sma").points[0].label == "2019 SMA"
    out = tmp_path / "out.yaml"
    save(s, out)
    assert load(out) == s


def test_errors_name_yaml_path_and_line(tmp_path: Path) -> None:
    bad = GOOD.replace("salience: 0.8", "salience: 1.8").replace("position: 924", "position: 99999")
    bad = bad.replace('{kind: seed, file: a.txt, quote: "five billion"}', "{kind: seed, file: a.txt}")
    p = tmp_path / "bad.yaml"
    p.write_text(bad)
    with pytest.raises(InputError) as info:
        load(p)
    got = {(q.field, q.line) for q in info.value.problems}
    assert ("stances[0].salience", 19) in got
    assert ("stances[0].sources.position", 21) in got
    assert ("stances[1].position", 22) in got  # a cross-field check, reported in the same run


def test_syntax_error_has_line(tmp_path: Path) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text("id: x\nactors: [\n")
    with pytest.raises(InputError) as info:
        load(p)
    assert info.value.problems[0].line is not None


def test_schema_is_exported_and_current() -> None:
    schema = scenario_json_schema()
    assert schema["title"] == "peninsula scenario"
    assert {"actors", "issues", "stances"} <= set(schema["required"])
    shipped = json.loads((ROOT / "docs" / "scenario.schema.json").read_text())
    assert shipped == schema, "regenerate with: peninsula schema > docs/scenario.schema.json"


def test_docs_example_loads(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "scenario-format.md").read_text()
    block = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    p = tmp_path / "toy.yaml"
    p.write_text(block)
    s = load(p)
    assert s.id == "toy-sma" and s.stances[0].sources["salience"].kind == "coded"
