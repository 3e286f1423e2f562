"""Malformed input of every format ends in a clean InputError, never another exception."""

from __future__ import annotations

import warnings
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peninsula.core import InputError
from peninsula.io import load

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


def _load_cleanly(path: Path) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            load(path)
    except InputError as exc:
        assert exc.problems, "an InputError always lists its problems"
        for p in exc.problems:
            assert p.file and p.field


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
