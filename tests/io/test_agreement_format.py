"""Issue 21, the data model: reversion points, acceptance limits and vetoes in YAML, the schema and DECIDE.

Each bad-input case is checked through the CLI (exit 2, the file, the line, the YAML path of the field).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from peninsula.cli import app
from peninsula.core import InputError, Issue, Reversion, ScalePoint
from peninsula.io import load, save
from peninsula.scenarios.sources import source_problems
from tests.conftest import ROOT

runner = CliRunner()

GOOD = """\
id: deal
title: Deal or no deal
actors:
  - {id: A, capability: 1.0}
  - {id: B, capability: 1.0}
  - {id: C, capability: 0.5}
issues:
  - id: x
    lower: 0
    upper: 100
    points:
      - {value: 0, label: not held}
      - {value: 60, label: last year's level}
    status_quo: 60
    reversion:
      label: not held
      source: {kind: coded, reason: "a combined exercise needs both allies", low: 0, high: 10}
stances:
  - actor: A
    issue: x
    position: 80
    salience: 1.0
    veto: true
    accept_low: 50
    sources:
      accept_low: {kind: coded, reason: "illustration", low: 40, high: 60}
  - {actor: B, issue: x, position: 30, salience: 0.5, veto: true, accept_high: 70}
  - {actor: C, issue: x, position: 10, salience: 0.2}
"""


def _write(tmp_path: Path, text: str, name: str = "deal.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_round_trip_keeps_reversion_limits_and_their_sources(tmp_path: Path) -> None:
    s = load(_write(tmp_path, GOOD))
    x = s.issue("x")
    assert x.reversion is not None and x.reversion.value == 0.0 and x.reversion.label == "not held"
    assert x.reversion_value == 0.0 and x.status_quo == 60  # distinct from the status quo
    a = next(s.stances_on("x"))
    assert (a.accept_low, a.accept_high) == (50.0, None)
    assert a.sources["accept_low"].low == 40
    save(s, tmp_path / "out.yaml")
    assert load(tmp_path / "out.yaml") == s


def test_reversion_defaults_to_the_status_quo() -> None:
    assert Issue(id="x", status_quo=40).reversion_value == 40
    assert Issue(id="x").reversion_value is None
    assert Issue(id="x", status_quo=40, reversion=Reversion(value=0)).reversion_value == 0


def test_reversion_label_names_a_labelled_point() -> None:
    i = Issue(id="x", points=[ScalePoint(value=5, label="no SMA")], reversion=Reversion(label="no SMA"))
    assert i.reversion is not None and i.reversion.value == 5


def test_issue_data_carries_the_limits(tmp_path: Path) -> None:
    d = load(_write(tmp_path, GOOD)).issue_data("x")
    assert d.accept_low is not None and d.accept_high is not None
    assert np.array_equal(d.accept_low, [50.0, np.nan, np.nan], equal_nan=True)
    assert np.array_equal(d.accept_high, [np.nan, 70.0, np.nan], equal_nan=True)
    assert d.vetoes is not None and d.vetoes.tolist() == [True, True, False]
    same = d.with_positions(d.positions)
    assert same.accept_low is d.accept_low and same.accept_high is d.accept_high


@pytest.mark.parametrize(
    ("old", "new", "field", "line", "needle"),
    [
        ("accept_low: 50\n", "accept_low: -5\n", "stances[0].accept_low", 24, "outside issue 'x' scale"),
        ("accept_low: 50\n", "accept_low: 90\n", "stances[0].accept_low", 24, "lies above the position 80"),
        ("accept_high: 70}", "accept_high: 20}", "stances[1].accept_high", 27, "lies below the position 30"),
        ("accept_high: 70}", "accept_high: 170}", "stances[1].accept_high", 27, "outside issue 'x' scale"),
        ("      label: not held\n", "      value: 150\n", "issues[0].reversion.value", 16, "150 lies"),
        ("      label: not held\n", "      label: gone\n", "issues[0].reversion.value", 16, "names none"),
        (
            "  - {actor: C, issue: x, position: 10, salience: 0.2}",
            "  - {actor: C, issue: x, veto: true}",
            "stances[2].veto",
            28,
            "veto on actor 'C' without a stance",
        ),
    ],
)
def test_bad_agreement_input_exits_2_naming_file_line_and_field(
    tmp_path: Path, old: str, new: str, field: str, line: int, needle: str
) -> None:
    assert old in GOOD
    p = _write(tmp_path, GOOD.replace(old, new), "bad.yaml")
    with pytest.raises(InputError) as info:
        load(p)
    got = {(q.field, q.line) for q in info.value.problems}
    assert (field, line) in got, got
    r = runner.invoke(app, ["validate", "--no-sources", str(p)])
    assert r.exit_code == 2
    assert f"bad.yaml:{line}: field '{field}'" in r.stderr and needle in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def test_limits_and_reversion_need_sources_like_every_number(tmp_path: Path) -> None:
    s = load(_write(tmp_path, GOOD))
    fields = {q.field for q in source_problems(s)}
    assert "stances[1].accept_high" in fields  # unsourced limit
    assert "stances[0].accept_low" not in fields  # sourced (coded, with a range)
    assert "issues[0].reversion" not in fields  # sourced
    unsourced = load(_write(tmp_path, GOOD.replace(
        '      source: {kind: coded, reason: "a combined exercise needs both allies", low: 0, high: 10}\n', ""
    ), "u.yaml"))
    assert "issues[0].reversion" in {q.field for q in source_problems(unsourced)}


def test_decide_writer_says_what_it_loses(tmp_path: Path) -> None:
    s = load(_write(tmp_path, GOOD))
    lost = save(s, tmp_path / "deal.csv")
    assert {"vetoes", "reversion points", "acceptance limits"} <= set(lost)
    back = load(tmp_path / "deal.csv")  # DECIDE gives the defaults
    assert back.issue("x").reversion is None
    assert all(st.accept_low is None and st.accept_high is None and not st.veto for st in back.stances)
    r = runner.invoke(app, ["convert", str(tmp_path / "deal.yaml"), str(tmp_path / "again.csv")])
    assert r.exit_code == 0 and "vetoes, reversion points, acceptance limits" in r.stderr


def test_docs_agreement_example_loads(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "scenario-format.md").read_text()
    block = text.split("```yaml agreement\n", 1)[1].split("```", 1)[0]
    s = load(_write(tmp_path, block, "example.yaml"))
    assert any(i.reversion is not None for i in s.issues)
    assert any(st.accept_low is not None or st.accept_high is not None for st in s.stances)
