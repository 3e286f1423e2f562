"""Workbench memory and liveness (issue 27, classes 3 and 4): runs in killable processes with budgets.

Each test failed in 2026-12, when uploads were parsed on the event loop, runs went to a pool of two threads
that a 503 abandoned (still computing), every upload was kept as a pydantic scenario (about 90 MB for
1.7 MB) and finished jobs were never dropped.

The heavy work is real: a scenario of 300 actors x 3 issues with ``eu`` over 200 rounds takes about 16 s on
the shared 2-core machine, far past the few seconds these tests allow.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest

from peninsula.scenarios import DEFAULT_SCENARIO
from peninsula.web.app import Limits, create_app
from tests.web.conftest import big_yaml, test_client

HEAVY = {"models": ["eu"], "rounds": 200}
SMALL = {"scenario": DEFAULT_SCENARIO, "models": ["compromise"]}


def _upload(c: Any, text: bytes, name: str = "big.yaml") -> str:
    r = c.post("/api/scenarios", files={"file": (name, text)})
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    """One small run with the default budget, so the workers' fork server (one per process) has started
    and warmed its kernels before anything is timed."""
    assert test_client(create_app()).post("/api/forecast", json=SMALL).status_code == 200


def test_a_run_past_its_budget_is_killed_and_frees_its_cpu() -> None:
    app = create_app(limits=Limits(max_seconds=3.0))
    c = test_client(app)
    sid = _upload(c, big_yaml(300, 3))
    t0 = time.monotonic()
    r = c.post("/api/forecast", json={"scenario": sid, **HEAVY})
    assert r.status_code == 503 and "limit of 3 s" in r.json()["error"]
    assert time.monotonic() - t0 < 10
    # nothing keeps computing: this process stays idle (an abandoned thread would not) and no worker lives
    cpu0 = time.process_time()
    time.sleep(1.5)
    assert time.process_time() - cpu0 < 0.5
    assert app.state.workbench.runner.active() == 0


def test_a_run_past_its_memory_budget_fails_in_its_own_process() -> None:
    c = test_client(create_app(limits=Limits(worker_memory=32 * 2**20)))
    r = c.post("/api/scenarios", files={"file": ("big.yaml", big_yaml(2000, 10))})
    assert r.status_code == 503, r.text
    assert "more memory than the workbench's budget of 32 MiB" in r.json()["error"]
    assert c.get("/api/scenarios").status_code == 200  # the server is unharmed


def test_a_small_request_answers_while_two_heavy_ones_run() -> None:
    app = create_app(limits=Limits(max_seconds=20.0))  # two long runs at once (the default)
    c = test_client(app)
    sid = _upload(c, big_yaml(300, 3))
    heavy: list[int] = []

    def run_heavy() -> None:
        heavy.append(c.post("/api/forecast", json={"scenario": sid, **HEAVY}).status_code)

    threads = [threading.Thread(target=run_heavy) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(2)  # both heavy runs are under way
    t0 = time.monotonic()
    r = c.post("/api/forecast", json=SMALL)
    took = time.monotonic() - t0
    assert r.status_code == 200, r.text
    assert took < 8, f"the small forecast took {took:.1f} s behind two heavy ones"
    assert heavy == []  # it answered while both heavy ones were still running
    assert app.state.workbench.runner.active() == 2
    app.state.workbench.runner.close()
    for t in threads:
        t.join(30)


def test_the_queue_is_bounded() -> None:
    app = create_app(limits=Limits(max_seconds=15.0, max_workers=1, max_queue=1))
    c = test_client(app)
    sid = _upload(c, big_yaml(300, 3))
    codes: list[int] = []

    def run_heavy() -> None:
        codes.append(c.post("/api/forecast", json={"scenario": sid, **HEAVY}).status_code)

    running = threading.Thread(target=run_heavy)
    running.start()
    deadline = time.monotonic() + 10
    while app.state.workbench.runner.active() < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    waiting = threading.Thread(target=run_heavy)
    waiting.start()
    time.sleep(0.5)  # the second one now waits in the queue
    t0 = time.monotonic()
    r = c.post("/api/forecast", json={"scenario": sid, **HEAVY})
    assert r.status_code == 503 and "busy" in r.json()["error"]
    assert r.headers["retry-after"] == "5"
    assert time.monotonic() - t0 < 2
    app.state.workbench.runner.close()
    for t in (running, waiting):
        t.join(30)


def test_uploads_are_parsed_off_the_event_loop(server: str) -> None:
    """While a large upload is parsed, the server answers other requests at once (real uvicorn)."""
    with httpx.Client(timeout=120) as warm:
        assert warm.post(server + "/api/forecast", json=SMALL).status_code == 200
    text = big_yaml(2000, 10)  # 1.3 MB of YAML: seconds to parse
    done: list[int] = []

    def upload() -> None:
        with httpx.Client(timeout=120) as cl:
            done.append(cl.post(server + "/api/scenarios", files={"file": ("big.yaml", text)}).status_code)

    t = threading.Thread(target=upload)
    t.start()
    time.sleep(0.5)
    took = []
    for _ in range(3):
        t0 = time.monotonic()
        assert httpx.get(server + "/api/scenarios", timeout=30).status_code == 200
        took.append(time.monotonic() - t0)
    still_parsing = not done
    t.join(120)
    assert still_parsing, "the upload should still be parsing while the other requests answer"
    assert max(took) < 1.5, took


def test_uploads_are_held_as_text_within_a_stance_cap() -> None:
    lim = Limits(max_stances_held=2000)
    app = create_app(limits=lim)
    c = test_client(app)
    first = _upload(c, big_yaml(120, 10))  # 1,200 stances
    second = _upload(c, big_yaml(100, 10, seed=1))  # 1,000: together over the cap, so the first goes
    assert c.get(f"/api/scenarios/{first}").status_code == 422
    assert c.get(f"/api/scenarios/{second}").status_code == 200
    wb = app.state.workbench
    assert wb.held() == 1000
    up = wb.uploads[second]
    assert isinstance(up.scenario_json, str) and isinstance(up.doc_json, str)
    r = c.post("/api/scenarios", files={"file": ("huge.yaml", big_yaml(300, 10))})  # 3,000 > cap
    assert r.status_code == 400 and "more than the workbench holds (2,000)" in r.json()["error"]
    assert [u["id"] for u in c.get("/api/scenarios").json()["uploaded"]] == [second]


@pytest.mark.parametrize("kept", [2])
def test_finished_jobs_are_dropped_past_the_cap(kept: int) -> None:
    c = test_client(create_app(limits=Limits(max_jobs_kept=kept)))
    jobs = []
    for seed in range(kept + 2):
        job = c.post("/api/sweep", json={**SMALL, "draws": 10, "seed": seed}).json()["job"]
        deadline = time.monotonic() + 60
        while c.get(f"/api/sweep/{job}").json()["state"] == "running" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert c.get(f"/api/sweep/{job}").json()["state"] == "done"
        jobs.append(job)
    for job in jobs[:-kept]:
        r = c.get(f"/api/sweep/{job}")
        assert r.status_code == 400 and "no such sweep job" in r.json()["error"]
    for job in jobs[-kept:]:
        assert c.get(f"/api/sweep/{job}").json()["state"] == "done"
