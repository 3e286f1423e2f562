"""Shared helpers of the bad-input tests: run the CLI in-process and check its answer to bad input."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from peninsula.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    """Exit code and stdout + stderr of ``peninsula ARGS``."""
    r = runner.invoke(app, list(args))
    return r.exit_code, r.stdout + r.stderr


def assert_input_error(args: list[str], *fragments: str) -> str:
    """``peninsula ARGS`` exits 2 with a one-screen message holding every fragment, and no traceback."""
    code, text = run(*args)
    assert code == 2, f"exit {code} for {args}:\n{text}"
    assert "Traceback" not in text and "internal error" not in text, text
    assert "error:" in text or "Error:" in text, text
    for frag in fragments:
        assert re.search(frag, text), f"{frag!r} not in:\n{text}"
    return text
