"""Hostile and wrong YAML: deep nesting, alias bombs, impossible dates, empty scenarios, odd ids."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from peninsula.scenarios import DEFAULT_SCENARIO
from tests.robustness._helpers import assert_input_error

ROOT = Path(__file__).resolve().parents[2]
PACKAGED = ROOT / "src" / "peninsula" / "scenarios" / "data" / f"{DEFAULT_SCENARIO}.yaml"

TOY = {
    "id": "toy",
    "actors": [{"id": "A", "capability": 1.0}, {"id": "B", "capability": 2.0}],
    "issues": [{"id": "x", "lower": 0, "upper": 10}],
    "stances": [
        {"actor": "A", "issue": "x", "position": 2, "salience": 0.5},
        {"actor": "B", "issue": "x", "position": 8, "salience": 1.0},
    ],
}


def _write(tmp_path: Path, doc: object, name: str = "t.yaml") -> Path:
    f = tmp_path / name
    f.write_text(yaml.safe_dump(doc, sort_keys=False) if not isinstance(doc, str) else doc)
    return f


@pytest.mark.parametrize(
    "text",
    [
        "[" * 30_000 + "]" * 30_000,
        "a:\n" + "".join("  " * (k + 1) + f"k{k}:\n" for k in range(200)) + "  x\n",
    ],
    ids=["flow-30000", "block-200"],
)
def test_deep_nesting_is_refused_without_a_crash(tmp_path: Path, text: str) -> None:
    f = _write(tmp_path, text, "deep.yaml")
    # a separate interpreter: before the fix this crashed the process (segmentation fault, exit 139)
    r = subprocess.run(
        [sys.executable, "-c", "from peninsula.cli import main; main()", "validate", str(f)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2, r.stderr
    assert "deep.yaml:" in r.stderr and "nested deeper than 64 levels" in r.stderr


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + k)}: &{chr(98 + k)} [{', '.join(['*' + chr(97 + k)] * 10)}]\n" for k in range(9)
    )
    assert_input_error(["validate", str(_write(tmp_path, text, "lol.yaml"))], r"lol.yaml:\d+", "aliases")


def test_impossible_date_names_field_and_line(tmp_path: Path) -> None:
    text = PACKAGED.read_text().replace("date: '2019-04-30'", "date: 2019-02-30", 1)
    assert "date: 2019-02-30" in text
    assert_input_error(["validate", str(_write(tmp_path, text, "d.yaml"))], r"d.yaml:\d+: field 'date'")


@pytest.mark.parametrize("part", ["actors", "issues"])
def test_empty_scenario_is_not_ok(tmp_path: Path, part: str) -> None:
    doc = {**TOY, part: [], "stances": []}
    assert_input_error(
        ["validate", "--no-sources", str(_write(tmp_path, doc))], rf"field '{part}'", "at least one"
    )


@pytest.mark.parametrize("bad_id", ["A\tB", "A\nB", "A\rB", "A\x00B"])
def test_ids_with_control_characters_are_refused(tmp_path: Path, bad_id: str) -> None:
    doc = {**TOY, "actors": [{"id": bad_id, "capability": 1.0}, TOY["actors"][1]]}
    doc["stances"] = [{**TOY["stances"][0], "actor": bad_id}, TOY["stances"][1]]
    assert_input_error(
        ["validate", "--no-sources", str(_write(tmp_path, doc))], r"actors\[0\]\.id", "control"
    )


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("issues", 0, "lower"), -1e308),
        (("issues", 0, "upper"), 1e308),
        (("actors", 0, "capability"), 1e308),
        (("stances", 0, "capability"), 1e300),
        (("stances", 0, "position"), float("nan")),
        (("issues", 0, "upper"), float("inf")),
    ],
)
def test_huge_and_non_finite_numbers_are_refused(
    tmp_path: Path, path: tuple[str, int, str], value: float
) -> None:
    doc = yaml.safe_load(yaml.safe_dump(TOY))
    doc[path[0]][path[1]][path[2]] = value
    f = _write(tmp_path, doc)
    assert_input_error(
        ["forecast", str(f), "-m", "all"], rf"t.yaml:\d+: field '{path[0]}\[{path[1]}\]\.{path[2]}'"
    )
