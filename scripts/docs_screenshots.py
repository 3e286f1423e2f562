"""Regenerate docs/workbench.png and docs/report.png (headless Debian chromium, as the browser tests use).

    .venv/bin/python scripts/docs_screenshots.py

Starts the workbench on a free 127.0.0.1 port, runs the default scenario with a few models, and writes the
report of the default scenario; both pages are photographed at 1280 px width.
"""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import expect, sync_playwright

import peninsula
from peninsula.scenarios import DEFAULT_SCENARIO
from peninsula.web.app import create_app

DOCS = Path(__file__).resolve().parents[1] / "docs"
MODELS = ["compromise", "median", "eu", "exchange", "nash"]


def main() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    report = Path(tempfile.mkdtemp()) / "report.html"
    peninsula.report(DEFAULT_SCENARIO, MODELS, seed=0, out=report)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
            page = browser.new_page(viewport={"width": 1280, "height": 1500})
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector(f"#stances[data-scenario='{DEFAULT_SCENARIO}'] input")
            page.click("#model-box summary")
            for box in page.query_selector_all("#models input"):
                box.set_checked(box.get_attribute("value") in MODELS)
            page.click("#model-box summary")
            page.click("#run")
            expect(page.locator("#status")).to_have_text("done", timeout=120_000)
            page.screenshot(path=str(DOCS / "workbench.png"))
            page = browser.new_page(viewport={"width": 1280, "height": 1500})
            page.goto(report.as_uri())
            page.screenshot(path=str(DOCS / "report.png"))
            browser.close()
    finally:
        server.should_exit = True
        thread.join(10)


if __name__ == "__main__":
    main()
