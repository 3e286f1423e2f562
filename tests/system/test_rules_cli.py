"""The rules as sourced data, the posture table, and the ``peninsula simulate`` command."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peninsula.cli import app
from peninsula.core import InputError
from peninsula.scenarios import load_packaged, packaged_ids
from peninsula.system import POSTURE_ROLES, load_rules, posture_issues, rule_problems
from tests.conftest import DECIDE_INPUTS

runner = CliRunner()
RULES = resources.files("peninsula.system").joinpath("data", "rules.yaml").read_text(encoding="utf-8")


def test_packaged_rules_check_out() -> None:
    rs = load_rules()
    assert rule_problems(rs) == []
    for r in rs.records():
        assert r["low"] <= r["value"] <= r["high"] and r["source"] and r["reason"]


@pytest.mark.parametrize(
    "old,new,message",
    [
        (
            "for Trump, additional military pressure",
            "for Trump, extra military pressure",
            "not found verbatim",
        ),
        (
            "  value: 0.1\n  reason: each launch moves Washington",
            "  value: 0.3\n  reason: each launch moves Washington",
            "outside its uncertainty range",
        ),
        ("date=2018-04-01,type=exercise", "date=2018-04-02,type=exercise", "matches 0 rows"),
        (
            "effect: hawkish\n  value: 0.1\n  reason: each launch",
            "effect: sideways\n  value: 0.1\n  reason: each launch",
            "effect",
        ),
    ],
)
def test_a_broken_rule_is_an_input_error_with_its_line(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert old in RULES
    bad = tmp_path / "rules.yaml"
    bad.write_text(RULES.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(InputError, match=message) as exc:
        load_rules(bad)
    assert all(p.file == "rules.yaml" for p in exc.value.problems)
    assert any(p.line is not None for p in exc.value.problems)


def test_posture_table_matches_the_packaged_snapshots() -> None:
    known = {i for r in POSTURE_ROLES for i in r.issues}
    for sid in packaged_ids():
        roles = posture_issues(load_packaged(sid))
        assert "exercises" in roles and "sanctions" in roles, sid
        assert all(p.issue in known for p in roles.values())


def _json(args: list[str]) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_simulate_json_contract_and_determinism() -> None:
    args = ["simulate", "korea-2019-04", "--months", "4", "--draws", "40", "--seed", "2"]
    a, b = _json(args), _json(args)
    assert a == b
    assert {"scenario", "overlay", "model", "start", "months", "draws", "seed", "rules", "path"} <= set(a)
    assert a["model"] == "compromise" and a["start"] == "2019-04" and len(a["path"]) == 4
    assert all({"id", "value", "low", "high", "source"} <= set(r) for r in a["rules"])
    m = a["path"][0]
    assert {"month", "launches", "observed_launches", "posture", "observed_posture", "cohesion"} <= set(m)
    assert {"mean", "q10", "q50", "q90"} <= set(m["launches"])
    assert set(m["posture"]) == {"exercises", "sanctions-relief", "denuclearization"}
    assert m["observed_launches"] == 1


def test_simulate_backtest_compare_sensitivity_and_chart(tmp_path: Path) -> None:
    common = ["korea-2019-04", "--months", "3", "--draws", "30", "--launch-model", "posture"]
    bt = _json(["simulate", *common, "--backtest"])
    scores = {"loop", "recorded_posture", "best_without_posture", "climatology"}
    assert set(bt["backtest"]["scores"]) == scores
    png = tmp_path / "cmp.png"
    later = ["korea-2019-06", *common[1:]]  # overlays apply only to snapshots dated after their seeds
    cmp = _json(["simulate", *later, "--compare", "resume-exercises", "--out", str(png)])
    assert png.stat().st_size > 10_000
    assert cmp["overlay"] == "resume-exercises" and 0.0 <= cmp["compare"]["launches"]["prob_more"] <= 1.0
    sens = _json(["simulate", *common, "--sensitivity"])
    assert {r["id"] for r in sens["sensitivity"]} == {r["id"] for r in bt["rules"]}


@pytest.mark.parametrize(
    "args,message",
    [
        (["--months", "0"], "at least 1"),
        (["--months", "200", "--backtest"], "needs a window the data cover"),
        (["--from", "2024-02"], "outside the data"),
        (["--model", "exchange"], "cannot run on the posture issues"),
        (["--draws", "3"], "at least 10"),
        (["--train-end", "2019-13"], "train-end"),
        (["--backtest", "--compare", "resume-exercises"], "choose one"),
    ],
)
def test_simulate_bad_input_exits_2(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["simulate", "korea-2019-04", *args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.stderr


def test_simulate_scenario_without_posture_issues_exits_2() -> None:
    result = runner.invoke(app, ["simulate", str(DECIDE_INPUTS / "cop21.csv"), "--months", "3"])
    assert result.exit_code == 2
    assert "no posture issue" in result.stderr


def test_sources_lists_the_rules() -> None:
    rows = _json(["sources", "korea-2019-04", "--rules"])
    fields = {r["field"] for r in rows}
    assert {f"rule {r.id}" for r in load_rules().rules} <= fields


def test_the_packaged_rules_are_parsed_once_and_a_file_at_every_call(tmp_path: Path) -> None:
    """A levers run asks for the packaged rules once per simulation: one parse per process (same object);
    a rules file given by path is read again at every call (an edit between calls is seen)."""
    assert load_rules() is load_rules()
    src = resources.files("peninsula.system").joinpath("data", "rules.yaml").read_text(encoding="utf-8")
    f = tmp_path / "rules.yaml"
    f.write_text(src, encoding="utf-8")
    first = load_rules(f)
    assert first is not load_rules(f) and first == load_rules(f)
