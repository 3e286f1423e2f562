"""An overlay that moves a value off a user scenario's scale: a clear error everywhere, never an internal one.

A user's scenario may give an issue another scale than the packaged snapshots (``exercises`` on 0-1 here,
where the overlay ``resume-exercises`` sets U.S. and ROK positions to at least 2 on the packaged ordinal
scale; before the library's recoding of 2026-12 it set 17,500 personnel). In 2026-12 this was
exit 1 ("internal error: ValidationError") in five commands, HTTP 500 in the workbench and a bare pydantic
``ValidationError`` from the API (issue 27). The check is the one scale check every reader uses (issue 24).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import peninsula
from peninsula.core import InputError, Issue, scale_problem, stance_problem
from peninsula.io.yaml_format import parse_yaml
from peninsula.scenarios import apply_overlay, overlay_changes
from peninsula.web.app import create_app
from tests.robustness._helpers import assert_input_error
from tests.web.conftest import test_client

SMALL = """\
id: small
actors:
- {id: US, capability: 1}
- {id: ROK, capability: 1}
issues:
- {id: exercises, lower: 0, upper: 1}
stances:
- {actor: US, issue: exercises, position: 0.5, salience: 0.5}
- {actor: ROK, issue: exercises, position: 0.3, salience: 0.5}
"""
OVERLAY = "resume-exercises"


@pytest.fixture
def small(tmp_path: Path) -> Path:
    p = tmp_path / "small.yaml"
    p.write_text(SMALL)
    return p


@pytest.mark.parametrize(
    "command",
    [
        ["forecast", "-m", "compromise"],
        ["sweep", "-n", "10", "-m", "compromise"],
        ["report", "-m", "compromise", "-o", "{tmp}/r.html"],
        ["simulate", "--months", "3"],
        ["sensitivity"],
    ],
    ids=lambda c: c[0],
)
def test_every_command_names_overlay_value_and_scale(small: Path, command: list[str]) -> None:
    args = [a.format(tmp=small.parent) for a in command]
    extra = ["--store", str(small.parent / "s.duckdb")] if args[0] == "sweep" else []
    assert_input_error(
        [args[0], str(small), *args[1:], *extra, "--overlay", OVERLAY], OVERLAY, "to 2", r"\[0, 1\]"
    )
    assert not (small.parent / "r.html").exists()


def test_the_api_raises_input_error_naming_each_change() -> None:
    sc = parse_yaml(SMALL, "small.yaml")
    with pytest.raises(InputError) as err:
        apply_overlay(sc, OVERLAY)
    probs = err.value.problems
    assert [(p.file, p.field) for p in probs] == [
        (f"overlay {OVERLAY}", "changes[0].position"),
        (f"overlay {OVERLAY}", "changes[1].position"),
    ]
    assert all("2 lies outside the issue's scale [0, 1]" in p.message for p in probs)
    with pytest.raises(InputError):
        overlay_changes(sc, OVERLAY)
    with pytest.raises(InputError):
        peninsula.compare_overlay(sc, OVERLAY, ["compromise"])


def test_the_workbench_answers_422_naming_the_overlay() -> None:
    c: Any = test_client(create_app())
    sid = c.post("/api/scenarios", files={"file": ("small.yaml", SMALL.encode())}).json()["id"]
    for path in ("/api/forecast", "/api/report"):
        r = c.post(path, json={"scenario": sid, "models": ["compromise"], "overlay": OVERLAY})
        assert r.status_code == 422, (path, r.text)
        assert {p["file"] for p in r.json()["problems"]} == {f"overlay {OVERLAY}"}
        assert "[0, 1]" in r.json()["problems"][0]["message"]


def test_one_scale_check_everywhere() -> None:
    """The data model, the DECIDE reader, the workbench and overlays give the same sentence."""
    x = Issue(id="x", lower=0, upper=10)
    assert scale_problem(12, 0, 10) == x.scale_problem(12) == stance_problem("position", 12, x)
    assert scale_problem(12, 0, 10) == "12 lies outside the issue's scale [0, 10]"
    assert scale_problem(float("nan"), 0, 10) is not None and scale_problem(1e300, -1e301, 1e301) is not None
    with pytest.raises(InputError, match=r"position 12 lies outside issue 'x' scale \[0, 10\]"):
        parse_yaml(
            SMALL.replace("upper: 1}", "upper: 10}")
            .replace("position: 0.5", "position: 12")
            .replace("exercises", "x"),
            "s.yaml",
        )
    c: Any = test_client(create_app())
    sid = c.post("/api/scenarios", files={"file": ("small.yaml", SMALL.encode())}).json()["id"]
    edit = {"actor": "US", "issue": "exercises", "field": "position", "value": 12}
    r = c.post("/api/forecast", json={"scenario": sid, "models": ["compromise"], "edits": [edit]})
    assert r.json()["problems"][0]["message"] == scale_problem(12, 0, 1)
