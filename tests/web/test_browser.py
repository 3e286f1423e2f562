"""The workbench and the report in a real browser: Debian's chromium, headless, driven by Playwright.

The server is uvicorn on a free 127.0.0.1 port (``server`` fixture), stopped after the session. Scenario,
issue and overlay ids come from the loaded data, never from today's files.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from peninsula.core import InputError
from peninsula.scenarios import (
    DEFAULT_SCENARIO,
    apply_overlay,
    list_overlays,
    load_packaged,
    overlay_changes,
    packaged_ids,
)

BAD_CSV = "Actor,Capability,Position,Salience\nA,1,50,0.5\nB,2,20,2O\n"


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    pg.errors = []  # console errors and page errors, checked by the tests
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.goto(server + "/")
    pg.wait_for_selector("body[data-ready='1']")
    pg.wait_for_selector("#stances input")
    try:
        yield pg
    finally:
        context.close()


def _only_models(page: Any, names: list[str]) -> None:
    page.click("#model-box summary")
    for box in page.query_selector_all("#models input"):
        box.set_checked(box.get_attribute("value") in names)


def _cell(page: Any, issue: str, model: str) -> str:
    return str(page.inner_text(f"#forecast-table tr[data-issue='{issue}'] td[data-model='{model}']"))


def _run(page: Any) -> None:
    """Click Run (its handler sets the status to 'running…' at once) and wait for 'done'."""
    from playwright.sync_api import expect

    page.click("#run")
    expect(page.locator("#status")).to_have_text("done", timeout=60_000)


def test_change_one_salience_and_the_forecast_changes(page: Any) -> None:
    sc = load_packaged(DEFAULT_SCENARIO)
    assert page.input_value("#scenario") == DEFAULT_SCENARIO
    page.select_option("#scenario", DEFAULT_SCENARIO)
    page.wait_for_selector(f"#stances[data-scenario='{DEFAULT_SCENARIO}'] input")
    _only_models(page, ["compromise"])
    _run(page)
    # The stance furthest from the compromise outcome on its issue: its salience surely moves the outcome.
    import peninsula

    base = peninsula.forecast(sc, ["compromise"]).outcomes.loc["compromise"]
    st = max(
        (s for s in sc.stances if s.salience > 0),
        key=lambda s: abs(s.position - base[s.issue]) / sc.issue(s.issue).span,
    )
    before = _cell(page, st.issue, "compromise")
    sel = f"#stances input[data-actor='{st.actor}'][data-issue='{st.issue}'][data-field='salience']"
    page.fill(sel, "0.05" if st.salience > 0.5 else "1")
    _run(page)
    after = _cell(page, st.issue, "compromise")
    assert after != before
    cell = f"#forecast-table tr[data-issue='{st.issue}'] td[data-model='compromise']"
    assert "changed-cell" in (page.get_attribute(cell, "class") or "")
    assert page.is_hidden("#error")
    assert page.errors == []


def _overlay_case() -> tuple[str, str]:
    """A packaged scenario and an overlay that applies to it (the default scenario first, if one does)."""
    for sid in [DEFAULT_SCENARIO, *packaged_ids()]:
        sc = load_packaged(sid)
        for ov in list_overlays():
            try:
                apply_overlay(sc, ov)
            except InputError:  # an overlay dated after the snapshot does not apply
                continue
            return sid, ov
    pytest.fail("no packaged overlay applies to any packaged scenario")


def test_apply_an_overlay_shows_base_and_overlay(page: Any) -> None:
    sid, ov = _overlay_case()
    page.select_option("#scenario", sid)
    page.wait_for_selector(f"#stances[data-scenario='{sid}'] input")
    _only_models(page, ["compromise", "median"])
    page.select_option("#overlay", ov)
    _run(page)
    issue = next(c.issue for c in overlay_changes(load_packaged(sid), ov))
    assert "→" in _cell(page, issue, "compromise")
    page.wait_for_selector("#charts figure[data-chart='overlay'] svg.chart circle.overlaid")
    assert page.errors == []


def test_malformed_upload_names_file_line_and_field(page: Any, tmp_path: Path) -> None:
    bad = tmp_path / "broken.csv"
    bad.write_text(BAD_CSV)
    page.set_input_files("#upload", str(bad))
    page.wait_for_selector("#error:not([hidden])")
    text = page.inner_text("#error")
    assert "broken.csv:3" in text and "field 'salience'" in text
    assert "Traceback" not in text


def test_a_good_upload_becomes_the_scenario(page: Any, tmp_path: Path) -> None:
    good = tmp_path / "three.csv"
    good.write_text("Actor,Capability,Position,Salience\nA,1,50,0.5\nB,2,20,0.5\nC,1,90,0.9\n")
    page.set_input_files("#upload", str(good))
    page.wait_for_selector("#stances[data-scenario^='upload-'] input")
    assert page.locator("#stances input[data-field='position']").count() == 3
    _only_models(page, ["median"])
    _run(page)
    assert page.locator("#forecast-table td[data-model='median']").count() == 1


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import peninsula

    out = tmp_path_factory.mktemp("report") / "report.html"
    peninsula.report(DEFAULT_SCENARIO, ["compromise", "eu", "exchange"], seed=3, out=out, full=True)
    return out


def test_report_renders_offline_with_no_console_error(browser: Any, report_file: Path) -> None:
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("request", lambda r: requests.append(r.url))
    pg.goto(report_file.as_uri())
    pg.wait_for_load_state("load")
    # issue 26: the per-issue charts and the other exchange variants are folded, so the page is short
    folded = pg.evaluate("() => document.documentElement.scrollHeight")
    n_folds = pg.locator("details.charts").count()
    assert n_folds > 0 and pg.locator("details.charts[open]").count() == 0
    # a printout shows every chart: the folds open before printing
    pg.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    assert pg.locator("details.charts[open]").count() == n_folds
    pg.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    unfolded = pg.evaluate("() => document.documentElement.scrollHeight")
    assert folded < 0.6 * unfolded, (folded, unfolded)
    charts = pg.locator("figure svg.chart")
    n = charts.count()
    assert n >= 5
    sizes = pg.evaluate(
        "() => [...document.querySelectorAll('figure svg.chart')].map(s => s.getBoundingClientRect().width "
        "* s.getBoundingClientRect().height)"
    )
    assert all(a > 10_000 for a in sizes)
    # every chart has drawn content: paths and text
    drawn = pg.evaluate(
        "() => [...document.querySelectorAll('figure svg.chart')].map(s => s.querySelectorAll('path').length)"
    )
    assert all(k > 5 for k in drawn)
    # a value's source opens in the side panel
    pg.click("#scenario td .v[data-src] >> nth=0")
    assert pg.is_visible("#panel")
    assert "Source" in pg.inner_text("#panel") or "No source" in pg.inner_text("#panel")
    assert [u for u in requests if not u.startswith("file:")] == []
    assert errors == []
    context.close()


def test_download_report_every_panel_box(page: Any) -> None:
    # issue 26: the report is short by default; the "every panel" box downloads the full one
    _only_models(page, ["eu"])
    texts = []
    for full in (False, True):
        page.set_checked("#report-full", full)
        with page.expect_download(timeout=120_000) as dl:
            page.click("#download-report")
        texts.append(Path(dl.value.path()).read_text(encoding="utf-8"))
    short, full_text = texts
    assert 'id="short-note"' in short and 'id="fig-positions-' not in short
    assert 'id="short-note"' not in full_text and 'id="fig-positions-' in full_text
    assert page.errors == []


def test_sweep_shows_progress_then_intervals(page: Any) -> None:
    _only_models(page, ["compromise"])
    page.fill("#draws", "80")
    page.click("#sweep")
    page.wait_for_selector("#progress:not([hidden])")
    page.wait_for_selector("#sweep-table", timeout=60_000)
    assert page.inner_text("#progress-text") == "80 / 80 draws"
    sc = load_packaged(DEFAULT_SCENARIO)
    assert page.locator("#sweep-table tr").count() == 1 + len(sc.issues)
    # issue 26: a chart per cell (the draws' band, median, point and status quo on the issue's scale)
    assert page.locator("#sweep-table svg.range-bar").count() == len(sc.issues)
    assert page.locator("#sweep-table svg.range-bar path.point").count() == len(sc.issues)
    assert page.locator("#sweep-table svg.range-bar line.sq").count() == len(sc.issues)
    assert "5\u201395% of the draws" in page.inner_text("#sweep-key")
    assert page.inner_text("#status") == "sweep done"
    assert page.is_hidden("#error") and page.errors == []


def test_stance_inputs_are_labelled_and_the_status_says_when_the_forecast_is_stale(page: Any) -> None:
    # issue 26: unlabelled boxes, and a "done" that stayed while the inputs no longer matched the forecast
    boxes = page.locator("#stances input")
    n = boxes.count()
    assert n > 0 and page.locator("#stances label.fld input").count() == n
    names = page.locator("#stances label.fld .fld-name").all_inner_texts()
    assert len(names) == n and set(names) <= {"position", "salience", "capability"}
    assert page.inner_text("#status") == f"loaded {DEFAULT_SCENARIO}"
    _only_models(page, ["compromise"])
    _run(page)
    assert "stale" not in (page.get_attribute("#forecast-table", "class") or "")
    first = boxes.first
    first.fill(str(float(first.input_value()) * 0.9 + 0.01))
    assert page.inner_text("#status") == "inputs changed: Run to update the forecast"
    assert "stale" in (page.get_attribute("#forecast-table", "class") or "")
    _run(page)
    assert "stale" not in (page.get_attribute("#forecast-table", "class") or "")
    other = next(sid for sid in packaged_ids() if sid != DEFAULT_SCENARIO)
    page.select_option("#scenario", other)
    page.wait_for_selector(f"#stances[data-scenario='{other}'] input")
    assert page.inner_text("#status") == f"loaded {other}"
    assert page.locator("#forecast-table tr").count() == 0  # the old scenario's forecast is gone
    assert page.errors == []


def test_run_draws_the_table_and_the_charts_from_one_request(page: Any) -> None:
    # issue 26: Run took 4-8 s until the charts showed (matplotlib's SVGs, rendered in a worker, in a second
    # request); the page now draws them from the forecast's numbers, with the table, from one request
    import json

    import peninsula

    bodies: list[dict[str, Any]] = []
    page.on(
        "request",
        lambda r: bodies.append(json.loads(r.post_data or "{}")) if r.url.endswith("/api/forecast") else None,
    )
    sc = load_packaged(DEFAULT_SCENARIO)
    _only_models(page, ["compromise", "eu"])
    _run(page)  # "done": the table and the charts are drawn
    assert [b.get("charts", True) for b in bodies] == [False]
    assert page.locator("#forecast-table tr[data-issue]").count() == len(sc.issues)
    rounds = peninsula.forecast(sc, ["compromise", "eu"], rng=0).runs["eu"]
    moving = [i for i in sc.issue_ids if len(rounds.issues[i].rounds) > 1]
    figures = page.locator("#charts figure[data-chart^='positions-']")
    assert moving and figures.count() == len(moving)
    for issue in moving:
        fig = f"#charts figure[data-chart='positions-{issue}'] svg.chart"
        n_actors = len({st.actor for st in sc.stances_on(issue)})
        assert page.locator(f"{fig} g.panel").count() == 1  # eu only: compromise runs no rounds
        assert page.locator(f"{fig} g.panel[data-model='eu'] path.actor").count() == n_actors
        assert page.locator(f"{fig} path.outcome").count() == 1
        box = page.locator(fig).bounding_box()
        assert box is not None and box["width"] * box["height"] > 10_000
    assert page.locator("#charts-pending").count() == 0 and page.errors == []
