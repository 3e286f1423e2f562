"""The Korea case library (data/korea-cases): every case loads, validates, is sourced and has an outcome."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest
import yaml

import peninsula
from peninsula.core import Source
from peninsula.io import load
from peninsula.scenarios.sources import check_sources, source_problem

ROOT = Path(__file__).resolve().parents[2]
LIB = ROOT / "data" / "korea-cases"
CASES = sorted((LIB / "yaml").glob("*.yaml"))
OUTCOMES = {o["issue_id"]: o for o in yaml.safe_load((LIB / "outcomes.yaml").read_text())["outcomes"]}


def test_library_size_and_period() -> None:
    assert len(CASES) >= 12
    dates = [load(p).date for p in CASES]
    assert all(d is not None and dt.date(2016, 1, 1) <= d <= dt.date(2021, 12, 31) for d in dates)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_case_loads_validates_and_has_outcomes(path: Path) -> None:
    sc = load(path)
    assert sc.id == path.stem == sc.metadata["case"]
    assert sc.metadata["decision_date"] == sc.date.isoformat()
    # every number sourced, quotes attributed to their actor, no source dated after the decision
    assert check_sources(path, sc) == []
    for st in sc.stances:
        assert {"position", "salience", "capability"} <= set(st.sources), f"{st.actor}/{st.issue}"
    for issue in sc.issues:
        o = OUTCOMES.get(issue.id)
        assert o is not None, f"{issue.id}: no outcome"
        assert o["case"] == sc.id
        assert str(o["decision_date"]) == sc.date.isoformat()
        value = float(o["outcome"])
        assert issue.lower <= value <= issue.upper
        src = Source(**o["source"])
        assert source_problem(src, value) is None, f"{issue.id}: {source_problem(src, value)}"
        if src.kind == "record":
            assert src.date is not None and src.date >= sc.date, (
                "an outcome is reported on or after the decision"
            )


def test_every_outcome_belongs_to_a_case_issue() -> None:
    issues = {i.id for p in CASES for i in load(p).issues}
    assert set(OUTCOMES) == issues


def test_decide_files_and_outcomes_csv_are_built_from_the_yaml() -> None:
    spec = importlib.util.spec_from_file_location(
        "build_korea_cases", ROOT / "scripts" / "build_korea_cases.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main(["--check"]) == 0


def test_evaluate_runs_on_the_library_grouped_by_case() -> None:
    ev = peninsula.evaluate(
        [LIB / "decide"],
        LIB / "outcomes.csv",
        ["compromise", "median", "consensus"],
        normalise=True,
        n_boot=200,
    )
    assert set(ev.errors["group"]) == {p.stem for p in CASES}
    n = len(OUTCOMES)
    assert int(ev.summary.loc["compromise", "n"]) == n
    assert (ev.errors["error"] <= 100.0 + 1e-9).all(), "normalised errors are percent of the scale"
    doc = ev.to_dict()["models"]["consensus"]
    assert doc["mae_low"] <= doc["mae"] <= doc["mae_high"]
    assert 0.0 <= doc["coverage"]["rate"] <= 1.0
