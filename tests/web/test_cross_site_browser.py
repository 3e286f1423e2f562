"""A hostile page in a real browser (headless chromium) tries to drive the workbench on 127.0.0.1.

The attacker's page is served from ``http://localhost:OTHER`` (another site than ``127.0.0.1:PORT``) by a
small server started and stopped here. It posts a scenario upload and a forecast to the workbench the ways
a page can without CORS: a ``fetch`` in ``no-cors`` mode and an auto-submitted multipart form. Neither may
reach the workbench's state.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.web.conftest import free_port

MARK = "planted-by-a-hostile-page"

ATTACK = """<!doctype html><html><body>
<form id="f" method="post" enctype="multipart/form-data" action="{wb}/api/scenarios" target="sink">
  <textarea name="file" id="t"></textarea>
</form>
<iframe name="sink"></iframe>
<script>
const yaml = {yaml};
const fd = new FormData();
fd.append("file", new Blob([yaml], {{type: "application/x-yaml"}}), "planted.yaml");
fetch("{wb}/api/scenarios", {{method: "POST", mode: "no-cors", body: fd}})
  .then(() => {{ document.body.dataset.fetch = "sent"; }},
        () => {{ document.body.dataset.fetch = "failed"; }});
fetch("{wb}/api/forecast", {{method: "POST", mode: "no-cors", headers: {{"content-type": "text/plain"}},
  body: JSON.stringify({{scenario: "x", models: ["compromise"]}})}})
  .then(() => {{ document.body.dataset.forecast = "sent"; }},
        () => {{ document.body.dataset.forecast = "failed"; }});
document.getElementById("t").value = yaml;
document.getElementById("f").submit();
</script></body></html>"""


@pytest.fixture
def attacker(server: str) -> Iterator[str]:
    yaml = (
        f"id: {MARK}\ntitle: {MARK}\nactors: [{{id: A, capability: 1}}]\nissues: [{{id: x}}]\n"
        "stances: [{actor: A, issue: x, position: 1, salience: 1}]\n"
    )
    page = ATTACK.format(wb=server, yaml=json.dumps(yaml)).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: Any) -> None:
            pass

    port = free_port()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{port}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(10)


def _titles(server: str) -> list[str]:
    return [u["title"] for u in httpx.get(server + "/api/scenarios").json()["uploaded"]]


def test_a_hostile_page_cannot_upload_or_run(browser: Any, server: str, attacker: str) -> None:
    seen: list[tuple[str, int]] = []
    context = browser.new_context()
    try:
        pg = context.new_page()
        pg.on("response", lambda r: seen.append((r.url, r.status)) if "/api/" in r.url else None)
        pg.goto(attacker)
        pg.wait_for_function("document.body.dataset.fetch && document.body.dataset.forecast", timeout=30_000)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(u.endswith("/api/scenarios") for u, _ in seen):
            time.sleep(0.1)
    finally:
        context.close()
    assert MARK not in _titles(server)
    # the form's navigation shows the refusal (fetch in no-cors mode hides its status from the page)
    statuses = {s for u, s in seen if u.endswith("/api/scenarios")}
    assert statuses == {403}, seen
