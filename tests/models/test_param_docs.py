"""The parameter tables in docs/models/*.md name exactly the parameters the constructors declare."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from peninsula.models import REGISTRY

DOCS = Path(__file__).resolve().parents[2] / "docs" / "models"


def _documented(page: str) -> set[str]:
    text = (DOCS / page).read_text(encoding="utf-8")
    section = text.split("## Parameters (`--set KEY=VALUE`)", 1)[1].split("\n## ", 1)[0]
    return {m.group(1) for m in re.finditer(r"^\|[^|\n]*?`(\w+)`[^|\n]*\|", section, re.M)} | {
        m.group(1) for m in re.finditer(r"^\|[^|\n]*\|\s*`(\w+)`\s*\|", section, re.M)
    }


@pytest.mark.parametrize(
    ("page", "models"),
    [
        ("eu.md", ["eu", "eu-masad"]),
        ("exchange.md", ["exchange", "exchange-random", "exchange-clean"]),
        ("agreement.md", ["agreement"]),
    ],
)
def test_parameter_table_matches_the_signatures(page: str, models: list[str]) -> None:
    declared = {name for m in models for name in REGISTRY[m].param_names()}
    documented = _documented(page) - set(models) - {"both"}
    assert declared <= documented, f"{page} does not document {sorted(declared - documented)}"
    assert documented <= declared, f"{page} documents unknown parameters {sorted(documented - declared)}"
