"""Error and warning lines print the message verbatim: no rich markup or emoji codes taken from the text."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from peninsula.cli import app


def test_error_message_keeps_brackets_and_colon_codes(tmp_path: Path) -> None:
    name = str(tmp_path / "x[ccode=2]:100:.yaml")  # a rich markup tag and the emoji code :100:
    res = CliRunner().invoke(app, ["validate", name])
    assert res.exit_code == 2
    assert name in res.output
    assert "💯" not in res.output
