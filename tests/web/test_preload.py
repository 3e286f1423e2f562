"""The workers' fork server imports what a forecast needs, so a freshly forked worker imports nothing more.

Issue 26 (workbench Run < 3 s): every request runs in a worker forked from the fork server
(``peninsula.web._preload``); in 2026-12 each one imported pandas afresh for the forecast's table, 0.4-0.6 s
of a 0.7 s request.
"""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

CODE = """
import sys
import peninsula.web._preload
before = set(sys.modules)
from peninsula.scenarios import DEFAULT_SCENARIO, load_packaged
from peninsula.web.app import RunRequest, forecast_doc
forecast_doc(load_packaged(DEFAULT_SCENARIO), RunRequest(scenario=DEFAULT_SCENARIO, charts=False))
print(" ".join(sorted(set(sys.modules) - before)))
"""


def test_a_forecast_in_a_worker_imports_nothing_the_fork_server_did_not() -> None:
    p = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True, cwd=ROOT)
    new = p.stdout.split()
    assert [m for m in new if not m.startswith("peninsula.")] == [], new
