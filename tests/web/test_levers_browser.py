"""The "Which lever?" page in a real browser (Debian's chromium, headless, Playwright) and its JSON API.

Scenario and overlay ids come from the loaded data: the page must list every overlay that applies, and a
click on a candidate must open its comparison with the baseline.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from peninsula.system.levers import applicable_overlays
from tests.web.conftest import test_client

SCENARIO = "korea-2019-06"


@pytest.fixture
def levers_page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.errors = []
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.goto(server + "/levers")
    pg.wait_for_selector("body[data-ready='1']")
    try:
        yield pg
    finally:
        context.close()


def test_run_shows_the_front_the_ranked_table_and_a_candidates_comparison(levers_page: Any) -> None:
    from playwright.sync_api import expect

    from peninsula.scenarios import load_packaged

    pg = levers_page
    pg.select_option("#scenario", SCENARIO)
    pg.fill("#months", "3")
    pg.fill("#draws", "40")
    pg.fill("#grid", "exercises@US=0:2:2")
    pg.click("#run-levers")
    expect(pg.locator("#status")).to_have_text("done", timeout=180_000)
    overlays = applicable_overlays(load_packaged(SCENARIO))
    rows = pg.locator("#levers-table tr[data-lever]")
    ids = [rows.nth(k).get_attribute("data-lever") for k in range(rows.count())]
    assert set(ids) == {*overlays, "exercises@US=0", "exercises@US=2"}
    # the chart: one point per candidate plus the baseline, the front ringed
    assert pg.locator("#front-chart g.point").count() == len(ids) + 1
    assert pg.locator("#front-chart g.point[data-lever='baseline'] rect").count() == 1
    assert pg.locator("#front-chart circle[fill='none']").count() >= 1
    # click-through: the first candidate's comparison with the baseline, month by month
    first = ids[0]
    pg.click(f"#levers-table tr[data-lever='{first}']")
    expect(pg.locator("#compare-body")).to_have_attribute("data-lever", first, timeout=120_000)
    assert pg.locator("#compare-months tr").count() == 1 + 3
    assert "Launches over the window" in pg.inner_text("#compare-summary")
    # a point of the chart opens its candidate too
    second = ids[1]
    pg.click(f"#front-chart g.point[data-lever='{second}'] circle >> nth=0")
    expect(pg.locator("#compare-body")).to_have_attribute("data-lever", second, timeout=120_000)
    assert pg.errors == []


def test_a_bad_grid_shows_the_reason(levers_page: Any) -> None:
    from playwright.sync_api import expect

    pg = levers_page
    pg.select_option("#scenario", SCENARIO)
    pg.fill("#grid", "exercises=3:0:1")
    pg.click("#run-levers")
    expect(pg.locator("#error")).to_contain_text("exceeds", timeout=30_000)


def test_the_api_refuses_runs_past_the_bounds() -> None:
    from peninsula.web.app import Limits, create_app

    client = test_client(create_app(limits=Limits(max_draws=100)))
    r = client.post("/api/levers", json={"scenario": SCENARIO, "draws": 500})
    assert r.status_code == 400 and "limit of 100" in r.json()["error"]
    r = client.post("/api/levers", json={"scenario": SCENARIO, "months": 99})
    assert r.status_code == 422
    r = client.post("/api/levers", json={"scenario": "../etc/passwd", "draws": 50})
    assert r.status_code == 422 and "no such scenario" in r.json()["problems"][0]["message"]
    r = client.post("/api/levers/compare", json={"scenario": SCENARIO, "draws": 50, "lever": "nope"})
    assert r.status_code == 400 and "no candidate 'nope'" in r.json()["error"]
    assert client.get("/levers").status_code == 200
