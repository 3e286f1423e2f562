"""Fixtures of the workbench tests: a TestClient, and a real uvicorn server on a free 127.0.0.1 port."""

from __future__ import annotations

import socket
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")


def test_client(app: Any) -> Any:
    """A Starlette TestClient that answers errors as the server would (no re-raised exceptions)."""
    with warnings.catch_warnings():
        # Starlette >= 1.x warns at import that its TestClient will move from httpx to httpx2.
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient(app, raise_server_exceptions=False)


test_client.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


@pytest.fixture
def client() -> Any:
    from peninsula.web.app import create_app

    return test_client(create_app())


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """``peninsula``'s workbench served by uvicorn in a thread on 127.0.0.1; stopped after the session."""
    import uvicorn

    from peninsula.web.app import create_app

    port = free_port()
    config = uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(15)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian chromium driven by Playwright (skipped, saying why, if chromium is missing)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield b
        finally:
            b.close()


def big_yaml(n_actors: int, n_issues: int, seed: int = 0) -> bytes:
    """A valid scenario of ``n_actors`` x ``n_issues`` stances, as YAML bytes (a heavy upload or run)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    lines = ["id: big", "title: big", "actors:"]
    lines += [f"- {{id: a{i}, capability: {rng.uniform(1, 10):.3f}}}" for i in range(n_actors)]
    lines += ["issues:"] + [f"- {{id: i{j}, lower: 0, upper: 100}}" for j in range(n_issues)]
    lines += ["stances:"]
    for i in range(n_actors):
        for j in range(n_issues):
            x, s = rng.uniform(0, 100), rng.uniform(0, 1)
            lines.append(f"- {{actor: a{i}, issue: i{j}, position: {x:.2f}, salience: {s:.3f}}}")
    return ("\n".join(lines) + "\n").encode()
