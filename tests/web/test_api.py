"""The workbench's JSON API does what the page needs: edits, overlays, sweeps with progress, YAML, report."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import peninsula
from peninsula.io.yaml_format import parse_yaml
from peninsula.scenarios import DEFAULT_SCENARIO, load_packaged
from peninsula.web.app import create_app
from tests.web.conftest import test_client


def _stance() -> Any:
    sc = load_packaged(DEFAULT_SCENARIO)
    return next(s for s in sc.stances if s.salience < 0.5 and s.position != sc.issue(s.issue).lower)


def test_forecast_equals_the_api_and_edits_apply(client: Any) -> None:
    sc = load_packaged(DEFAULT_SCENARIO)
    doc = client.post("/api/forecast", json={"scenario": DEFAULT_SCENARIO, "models": ["compromise"]}).json()
    expected = peninsula.forecast(sc, ["compromise"]).outcomes.loc["compromise"]
    assert doc["outcomes"]["compromise"] == {i: float(expected[i]) for i in sc.issue_ids}
    st = _stance()
    edit = {"actor": st.actor, "issue": st.issue, "field": "salience", "value": 0.9}
    doc2 = client.post(
        "/api/forecast", json={"scenario": DEFAULT_SCENARIO, "models": ["compromise"], "edits": [edit]}
    ).json()
    key = (st.actor, st.issue)
    stances = tuple(
        s.model_copy(update={"salience": 0.9}) if (s.actor, s.issue) == key else s for s in sc.stances
    )
    edited = peninsula.forecast(sc.model_copy(update={"stances": stances}), ["compromise"]).outcomes.loc[
        "compromise"
    ]
    assert doc2["outcomes"]["compromise"][st.issue] == float(edited[st.issue])
    assert doc2["outcomes"]["compromise"][st.issue] != doc["outcomes"]["compromise"][st.issue]


def test_yaml_download_reads_back_with_the_edit_and_without_its_source(client: Any) -> None:
    st = _stance()
    edit = {"actor": st.actor, "issue": st.issue, "field": "salience", "value": 0.9}
    r = client.post("/api/scenarios/yaml", json={"scenario": DEFAULT_SCENARIO, "edits": [edit]})
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    back = parse_yaml(r.text, "download.yaml")
    got = next(s for s in back.stances if (s.actor, s.issue) == (st.actor, st.issue))
    assert got.salience == 0.9 and "salience" not in got.sources and "position" in got.sources


def test_sweep_reports_progress_and_saves_to_the_servers_store(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    c = test_client(create_app(store=store))
    req = {"scenario": DEFAULT_SCENARIO, "models": ["compromise"], "draws": 60, "seed": 3, "save": True}
    job = c.post("/api/sweep", json=req).json()
    seen = []
    for _ in range(400):
        st = c.get(f"/api/sweep/{job['job']}").json()
        seen.append(st["done"])
        if st["state"] != "running":
            break
        time.sleep(0.05)
    assert st["state"] == "done", st
    assert st["done"] == st["total"] == 60 and seen == sorted(seen)
    res = st["result"]
    assert res["saved"] is True and store.exists()
    direct = peninsula.sweep(DEFAULT_SCENARIO, ["compromise"], draws=60, seed=3).to_dict()
    assert res["models"] == direct["models"] and res["run_id"] == direct["run_id"]


def test_report_download_is_the_self_contained_report(client: Any) -> None:
    r = client.post("/api/report", json={"scenario": DEFAULT_SCENARIO, "models": ["compromise"], "seed": 2})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert r.text.startswith("<!DOCTYPE html>") and "default-src 'none'" in r.text
    rep = peninsula.report(DEFAULT_SCENARIO, ["compromise"], seed=2, snapshots=False, launch=False)
    assert f'<code id="run-id">{rep.run_id}</code>' in r.text


def test_report_download_is_short_unless_full(client: Any) -> None:
    # issue 26: the workbench's "every panel" box asks for the full report
    body = {"scenario": DEFAULT_SCENARIO, "models": ["eu"], "seed": 2}
    short = client.post("/api/report", json=body).text
    full = client.post("/api/report", json={**body, "full": True}).text
    assert 'id="fig-positions-' in full and 'id="fig-positions-' not in short
    assert short.count("<svg") < full.count("<svg") and 'id="short-note"' in short


def test_forecast_carries_the_positions_the_page_draws(client: Any) -> None:
    # issue 26: the page draws the positions-by-round charts from these numbers (no server-side SVG)
    sc = load_packaged(DEFAULT_SCENARIO)
    doc = client.post(
        "/api/forecast", json={"scenario": DEFAULT_SCENARIO, "models": ["compromise", "eu"], "charts": False}
    ).json()
    run = peninsula.forecast(sc, ["compromise", "eu"], rng=0).runs["eu"]
    moving = [i for i in sc.issue_ids if len(run.issues[i].rounds) > 1]
    assert [p["issue"] for p in doc["positions"]] == moving
    for p in doc["positions"]:
        issue = sc.issue(p["issue"])
        assert (p["lower"], p["upper"], p["status_quo"]) == (issue.lower, issue.upper, issue.status_quo)
        assert [m["model"] for m in p["models"]] == ["eu"]  # compromise runs no rounds
        rounds = run.issues[p["issue"]].rounds
        m = p["models"][0]
        assert m["rounds"] == [r.round for r in rounds]
        assert m["outcome"] == [r.outcome for r in rounds]
        for a, values in zip(p["actors"], m["positions"], strict=True):
            assert values == [r.positions.get(a) for r in rounds]


def test_positions_stay_within_their_budget() -> None:
    # a large upload must not turn a fast forecast response into megabytes of positions
    from peninsula.web.app import positions_doc

    result = peninsula.forecast(DEFAULT_SCENARIO, ["eu"], rng=0)
    every = positions_doc(result)
    sizes = [len(p["actors"]) * len(p["models"][0]["rounds"]) for p in every]
    assert all("omitted" not in p for p in every) and len(sizes) > 2
    budget = sizes[0] + sizes[1]
    cut = positions_doc(result, budget=budget)
    assert [p["issue"] for p in cut] == [p["issue"] for p in every]
    assert cut[:2] == every[:2]
    for p in cut[2:]:
        assert p["models"] == [] and p["actors"] == [] and "too many positions to draw" in p["omitted"]


def test_forecast_without_charts_has_the_same_numbers(client: Any) -> None:
    body = {"scenario": DEFAULT_SCENARIO, "models": ["compromise", "eu"], "seed": 0}
    full = client.post("/api/forecast", json=body).json()
    quick = client.post("/api/forecast", json={**body, "charts": False}).json()
    assert full["charts"] and quick["charts"] == []
    assert quick["outcomes"] == full["outcomes"] and quick["cohesion"] == full["cohesion"]
