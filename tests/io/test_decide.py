"""DECIDE input files: the shipped anchors load; bad input fails with file, line and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peninsula import api
from peninsula.core import Actor, InputError, Issue, ScalePoint, Scenario, Stance
from peninsula.io import DecideLimitWarning, load, read_decide, save
from tests.conftest import DECIDE_INPUTS


@pytest.mark.parametrize(
    ("name", "n_actors", "n_issues", "n_stances"),
    [("sample_data.txt", 10, 6, 60), ("cop21.csv", 15, 13, 181), ("copenhagen.csv", 11, 7, 75)],
)
def test_anchor_files_load(name: str, n_actors: int, n_issues: int, n_stances: int) -> None:
    s = load(DECIDE_INPUTS / name)
    assert (len(s.actors), len(s.issues), len(s.stances)) == (n_actors, n_issues, n_stances)


def test_sample_data_scales_come_from_m_rows() -> None:
    s = read_decide(DECIDE_INPUTS / "sample_data.txt")
    toll = s.issue("tol-hoogte")
    assert (toll.lower, toll.upper) == (0.5, 7.0)
    assert (s.issue("wanneer-tol").lower, s.issue("wanneer-tol").upper) == (0.0, 100.0)
    st = next(x for x in s.stances if x.actor == "Willems" and x.issue == "tol-hoogte")
    assert (st.position, st.salience, st.capability) == (3.0, 0.7, 1.0)
    assert st.sources["position"].row == "line 30"


def test_copenhagen_with_errors_names_file_line_actor_issue_field() -> None:
    with pytest.raises(InputError) as info:
        read_decide(DECIDE_INPUTS / "copenhagen_with_errors.csv")
    msg = str(info.value)
    power = [p for p in info.value.problems if p.field == "power"]
    assert len(power) == 1
    assert power[0].line == 87 and power[0].file == "copenhagen_with_errors.csv"
    assert "China India" in power[0].context and "Control" in power[0].context
    assert "negative" in power[0].message
    # without #M rows the scale is 0-100, so Russia's 160 on line 86 is reported in the same error
    assert any(p.line == 86 and p.field == "position" for p in info.value.problems)
    assert "copenhagen_with_errors.csv:87" in msg


def _write(tmp_path: Path, text: str, name: str = "f.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize("delim", ["\t", ";", ","])
@pytest.mark.parametrize("quote", ["", "'", '"'])
def test_delimiters_and_quoting(tmp_path: Path, delim: str, quote: str) -> None:
    q = lambda x: f"{quote}{x}{quote}"  # noqa: E731
    rows = [
        ["#O", "t"],
        ["#A", "a", "Alpha"],
        ["#A", "b", "Beta"],
        ["#P", "x", "an issue"],
        ["#M", "x", "0"],
        ["#M", "x", "10"],
        ["#D", "a", "x", "2", "0.5", "1"],
        ["#D", "b", "x", "8", "1", "3"],
    ]
    text = "\n".join(delim.join(q(f) if not f.replace(".", "").isdigit() else f for f in r) for r in rows)
    s = load(_write(tmp_path, text))
    assert s.issue("x").upper == 10.0
    assert [t.position for t in s.stances] == [2.0, 8.0]


def test_every_invalid_row_is_reported(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "#A\ta",
            "#P\tx",
            "#D\ta\tx\tfive\t0.5\t1",
            "#D\tzz\tx\t5\t0.5\t1",
            "#D\ta\tnope\t5\t0.5\t1",
            "#Q\tbogus",
            "#D\ta\tx\t5\t-1\t1",
        ]
    )
    with pytest.raises(InputError) as info:
        load(_write(tmp_path, text))
    got = {(p.line, p.field) for p in info.value.problems}
    assert got == {(3, "position"), (4, "actor_id"), (5, "issue_id"), (6, "row type"), (7, "salience")}


def test_saliences_on_0_100_are_scaled_with_a_warning(tmp_path: Path) -> None:
    text = "#A\ta\n#A\tb\n#P\tx\n#D\ta\tx\t10\t80\t1\n#D\tb\tx\t20\t40\t1\n"
    with pytest.warns(UserWarning, match="dividing by 100"):
        s = load(_write(tmp_path, text))
    assert [t.salience for t in s.stances] == [0.8, 0.4]


@pytest.mark.parametrize("name", ["sample_data.txt", "cop21.csv", "copenhagen.csv"])
def test_decide_round_trips(tmp_path: Path, name: str) -> None:
    s = load(DECIDE_INPUTS / name)
    as_yaml = tmp_path / "s.yaml"
    save(s, as_yaml)
    assert load(as_yaml) == s
    as_decide = tmp_path / "s.csv"
    assert save(s, as_decide) == []
    back = load(as_decide)
    strip = lambda sc: sc.model_dump(exclude={"id": True, "stances": {"__all__": {"sources"}}})  # noqa: E731
    assert strip(back) == strip(s)


# -- the writer, as the DECIDE 2025.3.1 client reads it (issue 10) ------------------------------------------
def _m_values(path: Path, issue: str) -> list[float]:
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]
    return [float(r[2]) for r in rows if r[0] == "'#M'" and r[1] == f"'{issue}'"]


def _one_issue(
    points: list[ScalePoint], lower: float = 0.0, upper: float = 10.0, power: float = 1.0
) -> Scenario:
    return Scenario(
        id="w",
        actors=[Actor(id="a", capability=power), Actor(id="b", capability=2 * power)],
        issues=[Issue(id="x", lower=lower, upper=upper, points=points)],
        stances=[
            Stance(actor="a", issue="x", position=lower, salience=0.5),
            Stance(actor="b", issue="x", position=upper, salience=0.9),
        ],
    )


def test_labelled_lower_bound_and_unlabelled_upper_bound_in_ascending_order(tmp_path: Path) -> None:
    # the case that made the DECIDE client fail: a label on the lower bound only
    s = _one_issue([ScalePoint(value=0, label="big deal")])
    out = tmp_path / "w.csv"
    assert save(s, out) == []
    assert _m_values(out, "x") == [0.0, 10.0]
    assert "'#M'\t'x'\t0.0\t'big deal'" in out.read_text(encoding="utf-8")
    assert load(out).issue("x") == s.issue("x")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lower=st.sampled_from([-50.0, 0.0, 3.5]),
    span=st.sampled_from([1.0, 10.0, 830.0]),
    fractions=st.lists(st.sampled_from([0.0, 0.25, 0.5, 1.0]), max_size=4, unique=True),
    order=st.randoms(use_true_random=False),
)
def test_m_rows_ascend_and_round_trip(
    tmp_path: Path, lower: float, span: float, fractions: list[float], order: Any
) -> None:
    points = [ScalePoint(value=lower + f * span, label=f"p{f}") for f in fractions]
    order.shuffle(points)
    s = _one_issue(points, lower, lower + span)
    out = tmp_path / "w.csv"
    save(s, out)
    values = _m_values(out, "x")
    assert values == sorted(values) and values[0] == lower and values[-1] == lower + span
    back = load(out).issue("x")
    assert (back.lower, back.upper) == (lower, lower + span)
    assert sorted((p.value, p.label) for p in back.points) == sorted((p.value, p.label) for p in points)


def test_power_above_100_is_rescaled_with_a_warning(tmp_path: Path) -> None:
    s = _one_issue([], power=400.0)  # powers 400 and 800
    out = tmp_path / "w.csv"
    with pytest.warns(DecideLimitWarning, match=r"power values up to 800 exceed DECIDE's limit of 100"):
        save(s, out)
    back = load(out)
    assert [back.capability_of(t) for t in back.stances] == pytest.approx([50.0, 100.0], rel=1e-15)
    assert [t.salience for t in back.stances] == [0.5, 0.9]
    # capabilities are a ratio scale: the forecast is the same
    assert api.forecast(back, ["compromise", "eu"]).outcomes.to_numpy() == pytest.approx(
        api.forecast(s, ["compromise", "eu"]).outcomes.to_numpy(), rel=1e-12
    )


def test_power_at_100_is_written_as_it_is(tmp_path: Path) -> None:
    s = _one_issue([], power=50.0)  # powers 50 and 100: no warning (warnings are errors in this suite)
    out = tmp_path / "w.csv"
    save(s, out)
    assert [load(out).capability_of(t) for t in load(out).stances] == [50.0, 100.0]
