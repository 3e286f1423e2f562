"""Count limits (actors, issues, stances), the limits page, and the compact DECIDE scenario objects."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import peninsula.io.decide as decide
from peninsula.core import InputError, Scenario, limits
from peninsula.io import load
from tests.conftest import DECIDE_INPUTS
from tests.robustness._helpers import assert_input_error

ROOT = Path(__file__).resolve().parents[2]


def test_too_many_actors_stops_at_the_row_over_the_limit(tmp_path: Path) -> None:
    f = tmp_path / "many.txt"
    f.write_text("#P\tx\n" + "".join(f"#A\ta{k}\n" for k in range(limits.MAX_ACTORS + 5)))
    assert_input_error(
        ["validate", str(f)],
        rf"many.txt:{limits.MAX_ACTORS + 2}: field 'actor_id'",
        "more than 10,000 actors",
    )


@pytest.mark.parametrize(
    ("name", "rows"), [("MAX_ISSUES", "#P\ti{k}\n"), ("MAX_STANCES", "#D\ta\tx\t1\t1\t1\n")]
)
def test_issue_and_stance_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, rows: str
) -> None:
    monkeypatch.setattr(decide, name, 50)
    f = tmp_path / "n.txt"
    f.write_text("#A\ta\n#P\tx\n" + "".join(rows.format(k=k) for k in range(60)))
    with pytest.raises(InputError, match=r"more than 50 .*over the input limit"):
        load(f)


def test_limits_page_lists_every_limit_with_its_value() -> None:
    text = (ROOT / "docs" / "limits.md").read_text()
    rows = dict(re.findall(r"^\| `(MAX_[A-Z_]+)` \| ([^|]+) \|", text, flags=re.M))
    constants = {n for n in limits.__all__ if n.startswith("MAX_")}
    assert set(rows) == constants
    for name, shown in rows.items():
        value = getattr(limits, name)
        numbers = re.findall(r"[0-9][0-9,.e]*", shown.replace("**", "^"))
        first = numbers[0].replace(",", "")
        if name == "MAX_FILE_BYTES":
            assert value == int(first) * 2**20
        elif name == "MAX_SEED":
            assert value == 2**63 - 1 and "2^63" in shown.replace("**", "^")
        else:
            assert float(first) == value, (name, shown)


@pytest.mark.parametrize("name", ["sample_data.txt", "cop21.csv", "copenhagen.csv"])
def test_compact_decide_objects_equal_validated_ones(name: str) -> None:
    s = load(DECIDE_INPUTS / name)
    again = Scenario.model_validate(s.model_dump())
    assert again == s
    assert again.model_dump(exclude_defaults=True) == s.model_dump(exclude_defaults=True)
    for st in s.stances[:5]:
        assert type(st).model_validate(st.model_dump()) == st
