"""The workbench's security behaviours, one test (or more) each (see peninsula.web.app's docstring)."""

from __future__ import annotations

import importlib
import inspect
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from peninsula.scenarios import DEFAULT_SCENARIO, load_packaged
from peninsula.web.app import CSP, Limits, create_app
from tests.web.conftest import big_yaml, test_client

ROOT = Path(__file__).resolve().parents[2]
BAD_CSV = b"Actor,Capability,Position,Salience\nA,1,50,0.5\nB,x,20,0.5\n"


def _first_issue() -> str:
    return load_packaged(DEFAULT_SCENARIO).issue_ids[0]


# -- binding -------------------------------------------------------------------------------------------------


def test_serve_binds_localhost_by_default_and_warns_for_another_host(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from peninsula.cli import app
    from peninsula.cli.serve import serve

    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app_, **kw: calls.append({"app": app_, **kw}))
    monkeypatch.setenv("PENINSULA_STORE", "unchanged.duckdb")
    runner = CliRunner()
    r = runner.invoke(app, ["serve", "--port", "8123"])
    assert r.exit_code == 0, r.output
    assert calls[-1]["host"] == "127.0.0.1" and calls[-1]["port"] == 8123
    # uvicorn imports the app factory by name (the CLI and the web layer do not import each other)
    module, _, name = calls[-1]["app"].partition(":")
    assert calls[-1]["factory"] is True
    assert getattr(importlib.import_module(module), name) is create_app
    assert os.environ["PENINSULA_STORE"] == "unchanged.duckdb"
    r = runner.invoke(app, ["serve", "--store", "mine.duckdb"])
    assert r.exit_code == 0 and os.environ["PENINSULA_STORE"] == "mine.duckdb"
    assert "warning" not in r.output
    r = runner.invoke(app, ["serve", "--host", "0.0.0.0"])
    assert r.exit_code == 0, r.output
    assert calls[-1]["host"] == "0.0.0.0"
    assert "warning" in r.output and "0.0.0.0" in r.output


# -- uploads: capped, parsed by peninsula's readers, errors with file/line/field -----------------------------


def test_upload_over_the_cap_is_refused_before_reading(client: Any) -> None:
    big = b"#A;x;1\n" * (2 * 2**20 // 7 + 10)
    r = client.post("/api/scenarios", files={"file": ("big.csv", big)})
    assert r.status_code == 413
    assert "2,097,152" in r.json()["error"]


def test_a_streamed_body_past_the_cap_is_cut_off() -> None:
    """Without a Content-Length (chunked), the middleware counts the bytes and stops at the cap."""
    c = test_client(create_app(limits=Limits(max_upload=1000)))

    def chunks() -> Any:
        for _ in range(200):
            yield b"x" * 1000

    r = c.post("/api/forecast", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_a_smaller_cap_applies_to_uploads() -> None:
    c = test_client(create_app(limits=Limits(max_upload=10)))
    r = c.post("/api/scenarios", files={"file": ("s.csv", BAD_CSV)})
    assert r.status_code == 413


def test_bad_upload_gives_file_line_and_field_never_a_traceback(client: Any) -> None:
    r = client.post("/api/scenarios", files={"file": ("bad.csv", BAD_CSV)})
    assert r.status_code == 422
    doc = r.json()
    (p,) = doc["problems"]
    assert (p["file"], p["line"], p["field"]) == ("bad.csv", 3, "capability")
    assert p["text"].startswith("bad.csv:3: field 'capability'")
    assert "Traceback" not in r.text and "/tmp" not in r.text


def test_upload_errors_match_the_cli(client: Any, tmp_path: Path) -> None:
    """The same file gives the same problem lines in the browser as ``peninsula validate``."""
    from typer.testing import CliRunner

    from peninsula.cli import app

    (tmp_path / "bad.csv").write_bytes(BAD_CSV)
    cli = CliRunner().invoke(app, ["validate", str(tmp_path / "bad.csv")])
    web = client.post("/api/scenarios", files={"file": ("bad.csv", BAD_CSV)}).json()
    assert cli.exit_code == 2
    for p in web["problems"]:
        assert p["text"] in cli.output


def test_upload_name_never_becomes_a_path(
    client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name with folders is reduced to its last part and only the suffix picks the reader."""
    monkeypatch.chdir(tmp_path)
    r = client.post("/api/scenarios", files={"file": ("../../escape.yaml", b"id: [unclosed\n")})
    assert r.status_code == 422
    assert {p["file"] for p in r.json()["problems"]} == {"escape.yaml"}
    assert list(tmp_path.iterdir()) == [] and not (tmp_path.parent.parent / "escape.yaml").exists()


def test_good_upload_gets_an_id_and_is_addressed_by_it(client: Any) -> None:
    text = (ROOT / "tests/reference/decide/inputs/sample_data.txt").read_bytes()
    doc = client.post("/api/scenarios", files={"file": ("sample_data.txt", text)}).json()
    assert doc["id"].startswith("upload-") and doc["stances"]
    assert client.get(f"/api/scenarios/{doc['id']}").json()["stances"] == doc["stances"]


# -- no request parameter becomes a filesystem path ----------------------------------------------------------


@pytest.mark.parametrize(
    "sid",
    [
        str(ROOT / "tests/reference/decide/inputs/sample_data.txt"),
        "tests/reference/decide/inputs/sample_data.txt",
        "../README.md",
    ],
)
def test_scenarios_are_addressed_by_id_not_by_path(client: Any, sid: str) -> None:
    """Even a path to a readable scenario file is refused: only packaged ids and upload ids are known."""
    assert Path(ROOT / "tests/reference/decide/inputs/sample_data.txt").is_file()
    r = client.post("/api/forecast", json={"scenario": sid, "models": ["compromise"]})
    assert r.status_code == 422
    assert "no such scenario" in r.json()["problems"][0]["message"]


def test_static_files_come_from_a_fixed_table(client: Any) -> None:
    assert client.get("/static/app.js").status_code == 200
    for name in ("app.py", "..%2Fapp.py", "%2E%2E%2F__init__.py"):
        assert client.get(f"/static/{name}").status_code == 404


# -- bounded runs --------------------------------------------------------------------------------------------


def test_draws_and_rounds_are_bounded_with_a_clear_error() -> None:
    c = test_client(create_app(limits=Limits(max_draws=100, max_rounds=20)))
    r = c.post("/api/sweep", json={"scenario": DEFAULT_SCENARIO, "models": ["compromise"], "draws": 101})
    assert r.status_code == 400 and "limit of 100" in r.json()["error"]
    r = c.post("/api/forecast", json={"scenario": DEFAULT_SCENARIO, "models": ["eu"], "rounds": 21})
    assert r.status_code == 400 and "limit of 20" in r.json()["error"]
    r = c.post("/api/report", json={"scenario": DEFAULT_SCENARIO, "models": ["compromise"], "draws": 500})
    assert r.status_code == 400 and "limit of 100" in r.json()["error"]


def test_a_run_past_the_time_limit_gets_a_clear_error() -> None:
    """A real forecast too long for the budget (see tests/web/test_workers.py for the process it kills)."""
    c = test_client(create_app(limits=Limits(max_seconds=2.0)))
    sid = c.post("/api/scenarios", files={"file": ("big.yaml", big_yaml(300, 3))}).json()["id"]
    r = c.post("/api/forecast", json={"scenario": sid, "models": ["eu"], "rounds": 200})
    assert r.status_code == 503
    assert "longer than the workbench's limit of 2 s" in r.json()["error"]


def test_a_sweep_past_the_time_limit_stops_with_a_clear_error() -> None:
    import time

    c = test_client(create_app(limits=Limits(max_seconds=0.0)))
    req = {"scenario": DEFAULT_SCENARIO, "models": ["compromise"], "draws": 200}
    job = c.post("/api/sweep", json=req).json()
    for _ in range(200):
        st = c.get(f"/api/sweep/{job['job']}").json()
        if st["state"] != "running":
            break
        time.sleep(0.05)
    assert st["state"] == "error"
    assert "longer than the workbench's limit" in st["error"]["error"]
    assert st["done"] < 200


# -- no shell-outs -------------------------------------------------------------------------------------------


def test_no_request_starts_a_process(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a process was started: {args!r}")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    monkeypatch.setattr(os, "system", refuse)
    monkeypatch.setattr(os, "posix_spawn", refuse, raising=False)
    req = {"scenario": DEFAULT_SCENARIO, "models": ["compromise", "eu"]}
    assert client.get("/api/scenarios").status_code == 200
    assert client.post("/api/forecast", json=req).status_code == 200
    assert client.post("/api/scenarios/yaml", json=req).status_code == 200
    assert client.post("/api/scenarios", files={"file": ("bad.csv", BAD_CSV)}).status_code == 422


# -- Content-Security-Policy and headers ---------------------------------------------------------------------


def test_every_response_carries_a_restrictive_csp(client: Any) -> None:
    responses = [
        client.get("/"),
        client.get("/static/app.js"),
        client.get("/api/scenarios"),
        client.get("/api/scenarios/none-such"),
        client.post("/api/scenarios", files={"file": ("bad.csv", BAD_CSV)}),
    ]
    for r in responses:
        csp = r.headers["content-security-policy"]
        assert csp == CSP
        assert r.headers["x-content-type-options"] == "nosniff"
    directives = dict(d.strip().split(" ", 1) for d in CSP.split(";"))
    assert directives["default-src"] == "'self'"
    assert "unsafe-inline" not in directives["script-src"] and "unsafe-eval" not in CSP
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "http" not in CSP


def test_the_page_has_no_inline_script_or_style_and_loads_nothing_external(client: Any) -> None:
    import re

    page = client.get("/").text
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert "<style" not in page and " style=" not in page
    assert not re.findall(r"(?:src|href)=[\"']https?://", page)


# -- never a traceback ---------------------------------------------------------------------------------------


def test_an_internal_error_never_shows_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    from peninsula.web.workers import Runner

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret detail at /home/someone/file.py")

    monkeypatch.setattr(Runner, "run", broken)
    c = test_client(create_app())
    r = c.post("/api/forecast", json={"scenario": DEFAULT_SCENARIO, "models": ["compromise"]})
    assert r.status_code == 500
    assert r.json() == {"error": "internal error (RuntimeError)", "problems": []}
    assert "Traceback" not in r.text and "secret" not in r.text


def test_a_worker_reports_an_internal_error_without_its_message(monkeypatch: pytest.MonkeyPatch) -> None:
    """The child side: an unexpected exception in a task goes back as its type's name only."""
    import multiprocessing as mp

    from peninsula.web import workers
    from peninsula.web.workers import TASKS, child_main

    monkeypatch.setattr(workers, "limit_memory", lambda budget: None)  # this is the test process
    def broken(payload: Any, send: Any) -> Any:
        raise RuntimeError("secret detail at /home/someone/file.py")

    TASKS["broken-for-test"] = broken
    try:
        parent, child = mp.Pipe(duplex=False)
        child_main(child, "broken-for-test", {}, 2**30)
        assert parent.recv() == ("internal", "RuntimeError")
    finally:
        del TASKS["broken-for-test"]


def test_bad_edits_and_bad_requests_are_json_problems(client: Any) -> None:
    issue = _first_issue()
    bad = {"actor": "US", "issue": issue, "field": "salience", "value": 3}
    req = {"scenario": DEFAULT_SCENARIO, "models": ["compromise"], "edits": [bad]}
    r = client.post("/api/forecast", json=req)
    assert r.status_code == 422
    assert r.json()["problems"][0]["field"] == f"US/{issue}/salience"
    r = client.post("/api/forecast", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and "problems" in r.json() and "Traceback" not in r.text


# -- the API is documented -----------------------------------------------------------------------------------


def test_openapi_documents_the_api(client: Any) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/api/scenarios", "/api/forecast", "/api/sweep", "/api/report"):
        assert p in paths


# -- DNS rebinding and cross-site requests (issue 27) -------------------------------------------------------


def test_a_foreign_host_header_is_refused_by_the_real_server(server: str) -> None:
    """DNS rebinding: a page whose name now points at 127.0.0.1 sends that name as Host and reads nothing."""
    import httpx

    port = int(server.rsplit(":", 1)[1])
    for ok in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}"):
        assert httpx.get(server + "/api/scenarios", headers={"Host": ok}).status_code == 200, ok
    for host in (f"rebind.attacker.example:{port}", "rebind.attacker.example", f"localhost:{port + 1}", ""):
        r = httpx.get(server + "/api/scenarios", headers={"Host": host})
        assert r.status_code == 400, host
        assert "not this workbench's" in r.json()["error"]
        assert "packaged" not in r.text and r.headers["content-security-policy"] == CSP


def test_extra_host_names_can_be_allowed() -> None:
    c = test_client(create_app(hosts=("peninsula.test",)))
    assert c.get("/api/scenarios", headers={"Host": "peninsula.test"}).status_code == 200
    assert c.get("/api/scenarios", headers={"Host": "localhost"}).status_code == 400


CROSS_SITE = [
    {"Origin": "https://attacker.example"},
    {"Origin": "null"},
    {"Origin": "http://testserver:8080"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Sec-Fetch-Site": "cross-site", "Origin": "http://testserver"},
]


@pytest.mark.parametrize("headers", CROSS_SITE, ids=lambda h: ",".join(f"{k}={v}" for k, v in h.items()))
def test_cross_site_writes_are_refused_before_their_body(headers: dict[str, str]) -> None:
    c = test_client(create_app())
    good = (ROOT / "tests/reference/decide/inputs/sample_data.txt").read_bytes()
    r = c.post("/api/scenarios", files={"file": ("s.txt", good)}, headers=headers)
    assert r.status_code == 403, r.text
    assert "refused" in r.json()["error"]
    assert c.get("/api/scenarios").json()["uploaded"] == []
    run = {"scenario": DEFAULT_SCENARIO, "models": ["compromise"]}
    for path in ("/api/forecast", "/api/sweep", "/api/report", "/api/scenarios/yaml"):
        assert c.post(path, json=run, headers=headers).status_code == 403, path


def test_the_workbench_own_writes_and_plain_clients_pass() -> None:
    c = test_client(create_app())
    good = (ROOT / "tests/reference/decide/inputs/sample_data.txt").read_bytes()
    own = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    for headers in (own, {"Sec-Fetch-Site": "none"}, {}):
        r = c.post("/api/scenarios", files={"file": ("s.txt", good)}, headers=headers)
        assert r.status_code == 200, (headers, r.text)
    assert len(c.get("/api/scenarios").json()["uploaded"]) == 3
