"""Every (packaged Korea scenario, registered model) pair forecasts what its golden file records, and every
launch-dynamics command run (backtest, the rolling table, whatif) prints what its golden file records.

The files in ``tests/reference/golden/`` are written only by ``scripts/regen_golden.py`` (see the README
there); a difference here means a forecast, a round or an event changed. If the change is intended,
regenerate, review the diff and add a ``changed-forecasts`` changelog fragment.
"""

from __future__ import annotations

import json

import pytest

from tests.golden import GOLDEN_DIR, differences, golden_document, golden_path, pairs, run_path, runs

PAIRS = pairs()
RUNS = runs()


@pytest.mark.parametrize(("scenario_id", "model"), PAIRS, ids=[f"{s}__{m}" for s, m in PAIRS])
def test_output_matches_golden(scenario_id: str, model: str) -> None:
    path = golden_path(scenario_id, model)
    regen = f"scripts/regen_golden.py -s {scenario_id} -m {model}"
    assert path.is_file(), f"no golden file {path.name}: run {regen}"
    expected = json.loads(path.read_text(encoding="utf-8"))
    actual = json.loads(json.dumps(golden_document(scenario_id, model)))
    diff = differences(expected, actual)
    assert not diff, f"{path.name} differs from today's output:\n" + "\n".join(diff)


@pytest.mark.parametrize("name", list(RUNS))
def test_run_matches_golden(name: str) -> None:
    path = run_path(name)
    regen = f"scripts/regen_golden.py -r {name}"
    assert path.is_file(), f"no golden file {path.name}: run {regen}"
    expected = json.loads(path.read_text(encoding="utf-8"))
    actual = json.loads(json.dumps(RUNS[name]()))
    diff = differences(expected, actual)
    assert not diff, f"{path.name} differs from today's output ({regen} if intended):\n" + "\n".join(diff)


def test_no_stale_golden_files() -> None:
    stored = {p.name for p in GOLDEN_DIR.glob("*.json")}
    wanted = {golden_path(s, m).name for s, m in PAIRS} | {run_path(r).name for r in RUNS}
    assert stored == wanted


def test_golden_files_hold_rounds_and_events() -> None:
    # the comparison above is only as strong as what the files hold: rounds for every model, events for
    # the iterative ones
    for scenario_id, model in PAIRS:
        doc = json.loads(golden_path(scenario_id, model).read_text(encoding="utf-8"))
        issues = doc["forecast"]["issues"]
        assert issues and all(res["rounds"] for res in issues.values() if res["outcome"] is not None)
        if model.startswith(("exchange", "eu")):
            assert doc["events"], (scenario_id, model)


def test_differences_reports_a_changed_float_string_and_length() -> None:
    base = {"a": [1.0, 2.0], "b": "x", "c": {"d": 3}}
    assert differences(base, json.loads(json.dumps(base))) == []
    assert differences(base, {"a": [1.0, 2.0 + 1e-6], "b": "x", "c": {"d": 3}}) == ["$.a[1]: 2.0 != 2.000001"]
    assert differences(base, {"a": [1.0], "b": "x", "c": {"d": 3}}) == ["$.a: length 2 != 1"]
    assert differences(base, {"a": [1.0, 2.0], "b": "y", "c": {"d": 3}}) == ["$.b: 'x' != 'y'"]
    assert differences(base, {"a": [1.0, 2.0], "b": "x", "c": {"d": True}}) == ["$.c.d: 3 != True"]
