"""Benchmark: the workbench's Run, from the click to the table and the charts on screen (issue 26: < 3 s).

Run from the repository root (needs the web extra, Playwright and Debian's chromium)::

    .venv/bin/python benchmarks/bench_workbench.py             # 3 timed Runs, default scenario, every model
    .venv/bin/python benchmarks/bench_workbench.py --runs 5 --models compromise eu

It starts ``peninsula serve`` on a free port (as a user would: the server warms the kernels in its fork
server at start), opens the page in headless chromium, waits until the page is ready and does one untimed
Run (the fork server's warm-up), then alternates, ``--runs`` times:

* **page Run**: click Run, then the time until the status says "done" (the forecast table is on screen) and
  until every positions-by-round chart is drawn (no "drawing the charts…" placeholder left, one figure per
  issue on which a selected model runs rounds);
* **API charts=true**: ``POST /api/forecast`` with ``"charts": true`` from Python, the server-rendered
  matplotlib SVGs of the same charts (what the page waited for before it drew them itself).

Each figure is printed with the 1-minute load average when it was taken (the machine is shared). Nothing is
asserted: the coordinator re-runs it on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
#: The charts are on screen: no placeholder left, one positions figure per issue that moves.
DRAWN = (
    "n => !document.getElementById('charts-pending') && "
    "document.querySelectorAll(\"#charts figure[data-chart^='positions-']\").length === n"
)
LAUNCH = "import sys; sys.argv[0] = 'peninsula'; from peninsula.cli import main; main()"


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def expected_charts(scenario: str, models: list[str]) -> int:
    """Issues on which a selected model runs rounds (one positions chart each)."""
    import peninsula

    result = peninsula.forecast(scenario, models, rng=0)
    runs = result.runs.values()
    moving = [i for i in result.scenario.issue_ids if any(len(r.issues[i].rounds) > 1 for r in runs)]
    return len(moving)


def api_charts(base: str, scenario: str, models: list[str]) -> float:
    body = json.dumps({"scenario": scenario, "models": models, "seed": 0, "charts": True}).encode()
    req = urllib.request.Request(
        base + "/api/forecast", data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    t0 = time.perf_counter()
    with urllib.request.urlopen(req, timeout=120) as r:
        doc = json.loads(r.read())
    seconds = time.perf_counter() - t0
    if not doc.get("charts"):
        raise SystemExit("the API returned no chart")
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--scenario", default=None, help="default: the default scenario")
    ap.add_argument("--models", nargs="*", default=None, help="default: every model (the page's default)")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from peninsula.scenarios import DEFAULT_SCENARIO

    scenario = args.scenario or DEFAULT_SCENARIO
    n_charts = expected_charts(scenario, args.models or ["all"])
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PENINSULA_STORE": str(Path(tmp) / "runs.duckdb")}
        t_start = time.perf_counter()
        srv = subprocess.Popen(
            [sys.executable, "-c", LAUNCH, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(600):
                try:
                    urllib.request.urlopen(base + "/api/scenarios", timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                raise SystemExit("the server did not start")
            print(f"server up in {time.perf_counter() - t_start:.1f} s ({load()})")
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                errors: list[str] = []
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.goto(base + "/")
                page.wait_for_selector("body[data-ready='1']")
                page.wait_for_selector("#stances input")
                if page.input_value("#scenario") != scenario:
                    page.select_option("#scenario", scenario)
                    page.wait_for_selector(f"#stances[data-scenario='{scenario}'] input")
                if args.models:
                    page.click("#model-box summary")
                    for box in page.query_selector_all("#models input"):
                        box.set_checked(box.get_attribute("value") in args.models)

                def page_run() -> tuple[float, float]:
                    page.evaluate("() => { document.getElementById('status').textContent = ''; }")
                    t0 = time.perf_counter()
                    page.click("#run")
                    page.wait_for_function(
                        "() => document.getElementById('status').textContent === 'done'", timeout=120_000
                    )
                    t_table = time.perf_counter() - t0
                    page.wait_for_function(DRAWN, arg=n_charts, timeout=120_000)
                    return t_table, time.perf_counter() - t0

                t_table, t_all = page_run()
                print(
                    f"first Run (fork server warming): table {t_table:.2f} s, table and charts {t_all:.2f} s "
                    f"({load()})"
                )
                print(f"{scenario}, models {' '.join(args.models or ['all'])}, {n_charts} positions charts")
                totals, apis = [], []
                for k in range(args.runs):
                    t_table, t_all = page_run()
                    totals.append(t_all)
                    print(f"run {k + 1}: page Run -> table {t_table:.2f} s, ", end="")
                    print(f"table and charts drawn {t_all:.2f} s ({load()})")
                    t_api = api_charts(base, scenario, args.models or ["all"])
                    apis.append(t_api)
                    print(f"run {k + 1}: API /api/forecast charts=true (matplotlib SVGs) ", end="")
                    print(f"{t_api:.2f} s ({load()})")
                print(
                    f"median: page Run {statistics.median(totals):.2f} s (target < 3 s), "
                    f"API with server charts {statistics.median(apis):.2f} s; ratio "
                    f"{statistics.median(apis) / statistics.median(totals):.1f}x ({load()})"
                )
                if errors:
                    print("page errors:", errors)
                browser.close()
        finally:
            srv.terminate()
            srv.wait(30)


if __name__ == "__main__":
    main()
