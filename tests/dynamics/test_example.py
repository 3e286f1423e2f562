"""Smoke-run examples/whatif_exercises.py (few paths, output into a temporary folder)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "whatif_exercises.py"


def test_whatif_exercises_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    module = runpy.run_path(str(EXAMPLE))
    module["main"]([str(tmp_path), "--sims", "50"])
    out = capsys.readouterr().out
    assert "exercises=suspended" in out and "observed: 18" in out and "model default" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "whatif_exercises_full.png",
        "whatif_exercises_reduced.png",
        "whatif_exercises_suspended.png",
    ]
    module["main"]([str(tmp_path), "--sims", "20", "--model", "ingarch"])
    assert "model ingarch" in capsys.readouterr().out
