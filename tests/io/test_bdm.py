"""Bueno de Mesquita tables: the replication's files (bare CR), CSV variants and xlsx."""

from __future__ import annotations

from pathlib import Path

import pytest

from peninsula.core import InputError
from peninsula.io import load, read_bdm
from tests.conftest import BDM_INPUTS


def test_example_actors() -> None:
    with pytest.warns(UserWarning, match="0-100"):
        s = read_bdm(BDM_INPUTS / "ExampleActors.csv")
    assert len(s.actors) == 10 and len(s.issues) == 1
    issue = s.issues[0]
    assert (issue.lower, issue.upper) == (4.0, 10.0)
    nl = s.issue_data(issue.id)
    assert nl.actor_ids[0] == "Netherlands"
    assert (nl.positions[0], nl.saliences[0], nl.capabilities[0]) == (4.0, 0.8, 0.08)


def test_china_and_honduras() -> None:
    with pytest.warns(UserWarning):
        china = load(BDM_INPUTS / "ChinaData.csv")
    assert len(china.actors) == 24 and china.issues[0].upper == 100.0
    honduras = load(BDM_INPUTS / "HondurasCrisisData.csv")  # saliences already on 0-1: no warning
    assert honduras.issue_data(honduras.issues[0].id).saliences.tolist() == [1, 1, 0.3, 0.1, 0.3]


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"])
def test_line_endings_and_column_names(tmp_path: Path, eol: str) -> None:
    text = eol.join(["STAKEHOLDER,Clout,position,SALIENCE,comment", "A,2,0,0.5,x", "B,1,10,1,y"]) + eol
    p = tmp_path / "t.csv"
    p.write_bytes(text.encode())
    s = load(p)
    assert s.issue_data("t").weights.tolist() == [1.0, 1.0]


def test_xlsx(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["Actor", "Power", "Position", "Salience"], ["A", 2, 0, 50], ["B", 1, 10, 100]):
        ws.append(row)
    p = tmp_path / "t.xlsx"
    wb.save(p)
    with pytest.warns(UserWarning):
        s = load(p)
    assert s.issue_data("t").saliences.tolist() == [0.5, 1.0]


def test_all_errors_reported(tmp_path: Path) -> None:
    p = tmp_path / "bad.csv"
    p.write_text("Actor,Capability,Position,Salience\nA,x,1,0.5\nB,-1,2,0.5\n,1,2,0.5\nA,1,2,0.5\n")
    with pytest.raises(InputError) as info:
        load(p)
    assert {(q.line, q.field) for q in info.value.problems} == {
        (2, "capability"),
        (3, "capability"),
        (4, "actor"),
        (5, "actor"),
    }


def test_missing_column(tmp_path: Path) -> None:
    p = tmp_path / "bad.csv"
    p.write_text("Actor,Position,Salience\nA,1,0.5\n")
    with pytest.raises(InputError, match="capability"):
        load(p)
