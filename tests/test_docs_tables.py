"""The forecast table shown in docs/scenarios.md is what `peninsula forecast --seed 1` prints today.

A change that moves any forecast of the default scenario fails here until the docs (and a
changed-forecasts changelog entry) are updated with it.
"""

from __future__ import annotations

from typer.testing import CliRunner

from peninsula.cli import app
from tests.conftest import ROOT


def test_default_forecast_table_in_docs_is_current() -> None:
    doc = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    section = doc.split("## What a user sees: the default scenario", 1)[1]
    shown = section.split("```text\n", 1)[1].split("```", 1)[0].rstrip("\n").splitlines()
    result = CliRunner().invoke(app, ["forecast", "--seed", "1"])
    assert result.exit_code == 0, result.stderr
    printed = [line.rstrip() for line in result.stdout.splitlines()]
    assert [line.rstrip() for line in shown] == printed[: len(shown)]
