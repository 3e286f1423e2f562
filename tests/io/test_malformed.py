"""Malformed input of every format ends in a clean InputError, never another exception; what loads is sound.

A load that succeeds must give a scenario that passes the core's integrity checks, keeps every value in
its range, and survives a round trip through peninsula's YAML unchanged.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from peninsula.core import InputError, Scenario, integrity_problems
from peninsula.io import load, parse_yaml, scenario_to_yaml
from tests.strategies import scenarios

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

DECIDE_TOKENS = [
    "#A",
    "#P",
    "#M",
    "#D",
    "#/",
    "#O",
    "#X",
    "a",
    "b",
    "x",
    "y",
    "'q'",
    "0",
    "1",
    "-1",
    "50",
    "0.5",
    "1e400",
    "nan",
    "",
    "'",
    '"',
    "150",
    "inf",
]
BDM_TOKENS = [
    "Actor",
    "Capability",
    "Position",
    "Salience",
    "Stakeholder",
    "Power",
    "A",
    "B",
    "0",
    "1",
    "-3",
    "0.5",
    "100",
    "250",
    "x",
    "",
    "nan",
    '"',
    "1,5",
]


def _check_loaded(s: Scenario) -> None:
    """What a successful load must hold, whatever the format."""
    assert isinstance(s, Scenario) and s.actors and s.issues
    assert integrity_problems(s) == []
    actors = {a.id: a for a in s.actors}
    issues = {i.id: i for i in s.issues}
    assert len(actors) == len(s.actors) and len(issues) == len(s.issues), "ids are unique"
    for t in s.stances:
        assert t.actor in actors and t.issue in issues
        issue = issues[t.issue]
        assert math.isfinite(t.position) and issue.lower <= t.position <= issue.upper
        assert 0.0 <= t.salience <= 1.0
        cap = s.capability_of(t)
        assert math.isfinite(cap) and cap >= 0.0
    again = parse_yaml(scenario_to_yaml(s), "roundtrip.yaml")
    assert again == s, "the loaded scenario does not survive a YAML round trip"


def _load_cleanly(path: Path) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s = load(path)
    except InputError as exc:
        event("InputError")
        assert exc.problems, "an InputError always lists its problems"
        for p in exc.problems:
            assert p.file and p.field
    else:
        event("loaded")
        _check_loaded(s)


@FUZZ
@given(
    rows=st.lists(st.lists(st.sampled_from(DECIDE_TOKENS), min_size=1, max_size=7), max_size=12),
    delim=st.sampled_from(["\t", ";", ","]),
)
def test_decide_fuzz(tmp_path: Path, rows: list[list[str]], delim: str) -> None:
    p = tmp_path / "f.csv"
    p.write_text("#A\ta\n" + "\n".join(delim.join(r) for r in rows), encoding="utf-8")
    _load_cleanly(p)


@FUZZ
@given(
    rows=st.lists(st.lists(st.sampled_from(BDM_TOKENS), min_size=0, max_size=6), max_size=8),
    eol=st.sampled_from(["\n", "\r", "\r\n"]),
)
def test_bdm_fuzz(tmp_path: Path, rows: list[list[str]], eol: str) -> None:
    p = tmp_path / "t.csv"
    p.write_bytes(eol.join(",".join(r) for r in rows).encode())
    _load_cleanly(p)


YAML_FRAGMENTS = [
    "id: s",
    "actors: []",
    "actors: [{id: a, capability: 1}]",
    "actors: [{id: a}]",
    "issues: [{id: x}]",
    "issues: [{id: x, lower: 5, upper: 1}]",
    "issues: 3",
    "stances: [{actor: a, issue: x, position: 5, salience: 0.5}]",
    "stances: [{actor: b, issue: x, position: 500, salience: 2}]",
    "stances: [1, 2]",
    "date: notadate",
    "title: [",
    "- a",
    "actors: {id: a}",
    "stances:",
    "  - {actor: a}",
]


@FUZZ
@given(lines=st.lists(st.sampled_from(YAML_FRAGMENTS), max_size=6))
def test_yaml_fuzz(tmp_path: Path, lines: list[str]) -> None:
    p = tmp_path / "s.yaml"
    p.write_text("\n".join(lines), encoding="utf-8")
    _load_cleanly(p)


@FUZZ
@given(blob=st.binary(max_size=200))
def test_arbitrary_bytes(tmp_path: Path, blob: bytes) -> None:
    for name in ("b.csv", "b.yaml"):
        p = tmp_path / name
        p.write_bytes(blob)
        _load_cleanly(p)


# -- mostly well-formed files, so that successful loads are common and checked -----------------------
BAD_CELLS = ["", "x", "nan", "-1", "1e400", "'", "150"]


def _cell(valid: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A valid cell nine times in ten, else a bad token."""
    return st.integers(0, 9).flatmap(lambda k: st.sampled_from(BAD_CELLS) if k == 0 else valid)


def _num(lo: float, hi: float) -> st.SearchStrategy[str]:
    return st.floats(lo, hi, allow_nan=False).map(repr) | st.integers(int(lo), int(hi)).map(str)


@st.composite
def decide_files(draw: st.DrawFn) -> tuple[str, str]:
    actors = draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=4, unique=True))
    issues = draw(st.lists(st.sampled_from(["x", "y", "z"]), min_size=1, max_size=3, unique=True))
    delim = draw(st.sampled_from(["\t", ";", ","]))
    quote = draw(st.sampled_from(["", "'"]))
    rows = [["#A", a, a] for a in actors]
    for i in issues:
        rows.append(["#P", i, i])
        if draw(st.booleans()):
            rows.append(["#M", i, draw(_cell(_num(0, 10)))])
            rows.append(["#M", i, draw(_cell(_num(50, 100))), draw(st.sampled_from(["", "high"]))])
    for a in actors:
        for i in issues:
            if draw(st.integers(0, 3)) > 0:
                rows.append(
                    ["#D", a, i, draw(_cell(_num(0, 100))), draw(_cell(_num(0, 1))), draw(_cell(_num(0, 10)))]
                )
    text = "\n".join(delim.join(f"{quote}{c}{quote}" if not c[:1].isdigit() else c for c in r) for r in rows)
    return text, delim


@FUZZ
@given(f=decide_files())
def test_decide_structured_fuzz(tmp_path: Path, f: tuple[str, str]) -> None:
    p = tmp_path / "d.csv"
    p.write_text(f[0], encoding="utf-8")
    _load_cleanly(p)


@FUZZ
@given(
    header=st.tuples(
        st.sampled_from(["Actor", "Stakeholder", "actor"]),
        st.sampled_from(["Capability", "Resources", "Power", "Clout"]),
        st.sampled_from(["Position", "position"]),
        st.sampled_from(["Salience", "SALIENCE"]),
    ),
    rows=st.lists(
        st.tuples(_cell(_num(0, 100)), _cell(_num(0, 100)), _cell(_num(0, 1))), min_size=2, max_size=5
    ),
    eol=st.sampled_from(["\n", "\r", "\r\n"]),
)
def test_bdm_structured_fuzz(
    tmp_path: Path, header: tuple[str, ...], rows: list[tuple[str, ...]], eol: str
) -> None:
    lines = [",".join(header), *(",".join((f"actor{k}", *r)) for k, r in enumerate(rows))]
    p = tmp_path / "t.csv"
    p.write_bytes(eol.join(lines).encode())
    _load_cleanly(p)


@FUZZ
@given(s=scenarios())
def test_yaml_of_any_valid_scenario_loads_back(tmp_path: Path, s: Scenario) -> None:
    p = tmp_path / "s.yaml"
    p.write_text(scenario_to_yaml(s), encoding="utf-8")
    loaded = load(p)
    _check_loaded(loaded)
    assert loaded == s
