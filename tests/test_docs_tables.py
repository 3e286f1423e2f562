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
    blocks = [b.split("```", 1)[0] for b in section.split("```text\n")[1:3]]
    for block, (args, columns) in zip(
        blocks, [(["--seed", "1"], "80"), (["--seed", "1", "--wide"], "110")], strict=True
    ):
        shown = block.rstrip("\n").splitlines()
        result = CliRunner().invoke(app, ["forecast", *args], env={"COLUMNS": columns})
        assert result.exit_code == 0, result.stderr
        printed = [line.rstrip() for line in result.stdout.splitlines()]
        assert [line.rstrip() for line in shown] == printed[: len(shown)]
