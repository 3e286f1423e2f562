"""A notebook user's first look (issue 26): short ``repr`` and an HTML table for the result objects, and a
``dir(peninsula)`` that lists the public names only."""

from __future__ import annotations

import re

import pytest

import peninsula
import peninsula.api as api
from peninsula.core import Actor, Issue, Scenario, Stance
from peninsula.core.display import number

SCENARIO = peninsula.load(peninsula.DEFAULT_SCENARIO)


def _table_cells(html: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    return [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S) for r in rows]


def test_scenario_repr_is_one_short_line_and_its_html_lists_the_issues() -> None:
    r = repr(SCENARIO)
    assert len(r) < 200 and "\n" not in r
    assert r.startswith(f"<Scenario '{SCENARIO.id}'")
    assert f"{len(SCENARIO.actors)} actors, {len(SCENARIO.issues)} issues" in r
    cells = _table_cells(SCENARIO._repr_html_())
    assert cells[0] == ["issue", "scale", "status quo", "stances"]
    assert [row[0] for row in cells[1:]] == list(SCENARIO.issue_ids)
    troops = next(row for row in cells if row[0] == "usfk-troops")
    assert troops[2] == number(SCENARIO.issue("usfk-troops").status_quo) == "28,500"


def test_forecast_repr_and_html_table_of_outcomes() -> None:
    f = peninsula.forecast(SCENARIO, ["compromise", "median"])
    r = repr(f)
    assert len(r) < 200 and "compromise, median" in r and "Stance(" not in r
    cells = _table_cells(f._repr_html_())
    assert cells[0] == ["issue", "status quo", "compromise", "median"]
    row = next(c for c in cells if c[0] == "sanctions-relief")
    assert row[2] == number(float(f.outcomes.at["compromise", "sanctions-relief"]))


def test_sweep_repr_and_html_quantiles() -> None:
    w = peninsula.sweep(SCENARIO, ["compromise"], draws=40, seed=2)
    r = repr(w)
    assert len(r) < 200 and "40 draws (seed 2)" in r and "1 model(s)" in r
    cells = _table_cells(w._repr_html_())
    assert cells[0] == ["model / issue", "5%", "median", "95%", "mean"]
    doc = w.to_dict()["models"]["compromise"]["issues"]["exercises"]
    row = next(c for c in cells if c[0] == "compromise / exercises")
    assert row[1] == number(doc["q05"]) and row[3] == number(doc["q95"])


def test_system_run_repr_and_html_months() -> None:
    run = api.simulate(api.system_spec(SCENARIO, months=3, draws=30, seed=1))
    r = repr(run)
    assert len(r) < 200 and "2019-04..2019-06 (3 months) x 30 draws, seed 1" in r
    cells = _table_cells(run._repr_html_())
    assert [c[0] for c in cells[1:]] == ["2019-04", "2019-05", "2019-06"]
    assert cells[1][3] == str(run.observed_launches[0])


def test_html_escapes_what_the_data_says() -> None:
    sc = Scenario(
        id="toy",
        title="<script>alert(1)</script>",
        actors=[Actor(id="A", capability=1.0)],
        issues=[Issue(id="x", lower=0, upper=1)],
        stances=[Stance(actor="A", issue="x", position=0.5, salience=1.0)],
    )
    html = sc._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("leak", ["Any", "TYPE_CHECKING", "importlib", "annotations", "sys", "_API_NAME"])
def test_dir_lists_the_public_names_only(leak: str) -> None:
    names = dir(peninsula)
    assert leak not in names
    assert set(peninsula.__all__) <= set(names) and "__version__" in names
