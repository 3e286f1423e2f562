"""``docs/security.md`` names only tests that exist: every promise stays tied to a real test."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _defined_tests() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        names |= set(re.findall(r"^def (test_\w+)", path.read_text(encoding="utf-8"), re.M))
    return names


def test_every_test_the_security_page_names_exists() -> None:
    page = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(?:[\w/]+\.py::)?(test_\w+)`", page))
    files = set(re.findall(r"`(tests/[\w/]+\.py)(?:::\w+)?`", page))
    assert len(named) >= 30
    assert sorted(named - _defined_tests()) == []
    assert sorted(f for f in files if not (ROOT / f).is_file()) == []
