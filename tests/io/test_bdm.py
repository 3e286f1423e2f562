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


def _table(n: int, tail: str = "\n") -> str:
    body = "\n".join(f"a{k},1,{k % 100},0.5" for k in range(n))
    return "actor,capability,position,salience\n" + body + tail


@pytest.mark.parametrize("tail", ["\n", "\n\n\n", "", "\r\n"])
def test_the_actor_limit_counts_actors_not_lines(tmp_path: Path, tail: str) -> None:
    """Issue 28: a file with exactly the documented limit and a final newline loads; one more is refused."""
    from peninsula.core.limits import MAX_ACTORS

    p = tmp_path / "limit.csv"
    p.write_text(_table(MAX_ACTORS, tail))
    assert len(read_bdm(p).actors) == MAX_ACTORS
    p.write_text(_table(MAX_ACTORS + 1, tail))
    with pytest.raises(InputError, match=f"more than {MAX_ACTORS:,} actors") as info:
        read_bdm(p)
    assert info.value.problems[0].line == MAX_ACTORS + 2  # the first actor over the limit


def test_the_xlsx_actor_limit_counts_actors_not_blank_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import openpyxl

    from peninsula.io import bdm

    monkeypatch.setattr(bdm, "MAX_ACTORS", 3)  # the counting of 10,000, on a workbook written fast
    for n, ok in ((3, True), (4, False)):
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(["actor", "capability", "position", "salience"])
        for k in range(n):
            ws.append([f"a{k}", 1, k, 0.5])
            ws.append([None, None, None, None])  # blank rows between actors are not actors
        p = tmp_path / f"t{n}.xlsx"
        wb.save(p)
        if ok:
            assert len(read_bdm(p).actors) == n
        else:
            with pytest.raises(InputError, match="more than 3 actors"):
                read_bdm(p)
