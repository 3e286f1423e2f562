"""Newcomer papercuts: piped tables keep their cells, README links stay inside the clone, empty events
keep their columns, and `sources FILE.yaml` names the file and line of a problem."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from peninsula import api
from tests.robustness._helpers import assert_input_error, run

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("args", [["cohesion", "-m", "compromise", "-m", "exchange-random"], ["scenarios"]])
def test_piped_tables_are_not_squeezed(args: list[str]) -> None:
    code, text = run(*args)  # CliRunner's stdout is not a terminal, as in a pipe
    assert code == 0, text
    assert "…" not in text


def test_readme_links_stay_inside_the_clone() -> None:
    text = (ROOT / "README.md").read_text()
    for target in re.findall(r"\]\(([^)#]+)", text) + re.findall(r"`(\.\./[^`]+)`", text):
        if target.startswith(("http://", "https://")):
            continue
        assert not target.startswith(".."), target
        assert (ROOT / target).exists(), target


def test_forecast_events_has_columns_without_events() -> None:
    f = api.forecast("korea-2019-04", ["compromise"])
    assert f.events.empty
    assert {"model", "round"} <= set(f.events.columns)


def test_sources_on_a_yaml_file_names_file_and_line(tmp_path: Path) -> None:
    doc = yaml.safe_load((ROOT / "src/peninsula/scenarios/data/korea-2019-04.yaml").read_text())
    st = next(s for s in doc["stances"] if s.get("sources", {}).get("position", {}).get("kind") == "seed")
    st["sources"]["position"]["quote"] = "this quote is in no seed"
    f = tmp_path / "t.yaml"
    f.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    where = r"t\.yaml:\d+: field 'stances\[\d+\]\.position'"
    assert_input_error(["sources", str(f)], where, "quote not found")
