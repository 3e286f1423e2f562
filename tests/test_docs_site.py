"""The documentation site builds offline, with no broken link, and its API reference comes from docstrings.

``mkdocs build --strict`` turns every warning (a link to a missing page or anchor, a docstring mkdocstrings
cannot parse, a page missing from the navigation it names) into a failure.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_docs_site_builds_strictly_with_the_api_reference(tmp_path: Path) -> None:
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    api = (site / "reference" / "api" / "index.html").read_text(encoding="utf-8")
    for name in ("forecast", "evaluate", "sweep", "report", "simulate"):
        assert f'id="peninsula.api.{name}"' in api, name
    assert "Run the coupled simulation" in api  # a docstring's text, rendered
