"""Ids and names from someone else's file reach every output as plain, inert text (issue 27, class 9).

Each test failed in 2026-12: an issue id ``a/../../x`` made ``report --png DIR`` write outside DIR; ids like
``$\\frac{$`` crashed the report and the workbench (matplotlib math text); ``<!--<script>`` in a source quote
disabled the report's script; escape sequences in names reached the terminal; spreadsheet formulas passed
through ``--format csv``; duplicate YAML keys were accepted silently; C1 controls were allowed in ids.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import peninsula
from peninsula.cli import app
from peninsula.core import InputError
from peninsula.core.sanitize import CONTROL_CHARACTERS, file_name, inside
from peninsula.io.yaml_format import parse_yaml
from peninsula.web.app import create_app
from tests.robustness._helpers import assert_input_error
from tests.web.conftest import test_client


def scenario_yaml(
    issue: str = "x", actor_name: str = "", actor: str = "US", reason: str = "coded", title: str = "hostile"
) -> str:
    doc = {
        "id": "hostile",
        "title": title,
        "actors": [
            {"id": actor, "name": actor_name, "capability": 1},
            {"id": "ROK", "capability": 1},
        ],
        "issues": [{"id": issue, "lower": 0, "upper": 10, "status_quo": 5}],
        "stances": [
            {
                "actor": actor,
                "issue": issue,
                "position": 2,
                "salience": 0.8,
                "sources": {"position": {"kind": "coded", "reason": reason}},
            },
            {"actor": "ROK", "issue": issue, "position": 8, "salience": 0.6},
        ],
    }
    return json.dumps(doc)  # JSON is YAML


def _write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# -- file names derived from ids -----------------------------------------------------------------------------


def test_report_png_never_leaves_its_folder(tmp_path: Path) -> None:
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    src = _write(work, scenario_yaml(issue="a/../../x"))
    pngs = work / "pngs"
    r = CliRunner().invoke(
        app, ["report", str(src), "-m", "eu", "-o", str(work / "r.html"), "--png", str(pngs)]
    )
    assert r.exit_code == 0, r.output
    outside = [p for p in tmp_path.rglob("*.png") if pngs not in p.parents]
    assert outside == []
    names = sorted(p.name for p in pngs.iterdir())
    assert file_name("positions-a/../../x", ".png") in names


@pytest.mark.parametrize("text", ["a/../../x", "..", ".", "", "a\\b", "x\x00y", "é" * 300, "/etc/passwd"])
def test_file_name_stays_in_the_folder(tmp_path: Path, text: str) -> None:
    name = file_name(text, ".png")
    assert "/" not in name and "\\" not in name and not name.startswith(".")
    assert inside(tmp_path, name).parent == tmp_path
    assert len(name) <= 120
    assert file_name("a/b") != file_name("a_b")  # replaced characters never make two ids share a file


def test_inside_refuses_what_leaves_the_folder(tmp_path: Path) -> None:
    for bad in ("../x", "..", "a/b", ""):
        with pytest.raises(ValueError):
            inside(tmp_path, bad)


# -- matplotlib labels are plain text ------------------------------------------------------------------------


MATH = "$\\frac{$"


def test_math_text_ids_do_not_crash_the_report_or_the_workbench(tmp_path: Path) -> None:
    text = scenario_yaml(issue=MATH, actor=MATH, actor_name="$\\alpha{$")
    src = _write(tmp_path, text)
    r = CliRunner().invoke(
        app, ["report", str(src), "-m", "compromise", "-m", "eu", "--full", "-o", str(tmp_path / "r.html")]
    )
    assert r.exit_code == 0, r.output
    html = (tmp_path / "r.html").read_text()
    assert f">{MATH}</text>" in html  # drawn as written (text stays text in the SVG)
    c: Any = test_client(create_app())
    sid = c.post("/api/scenarios", files={"file": ("s.yaml", text.encode())}).json()["id"]
    doc = c.post("/api/forecast", json={"scenario": sid, "models": ["compromise", "eu"]})
    assert doc.status_code == 200, doc.text
    assert any(f">{MATH}</text>" in ch["svg"] for ch in doc.json()["charts"])


# -- embedded report data cannot end or disable the report's script ------------------------------------------


HOSTILE_QUOTE = "<!--<script> </script><script>document.title='owned'</script> & \u2028"


def test_report_data_holds_no_script_or_comment_opener(tmp_path: Path) -> None:
    sc = parse_yaml(scenario_yaml(reason=HOSTILE_QUOTE), "s.yaml")
    out = tmp_path / "r.html"
    peninsula.report(sc, ["compromise"], seed=1, out=out)
    html = out.read_text()
    data = re.search(r'<script type="application/json" id="sources">(.*?)</script>', html, re.S)
    assert data is not None
    assert "<" not in data.group(1) and ">" not in data.group(1)
    assert HOSTILE_QUOTE in json.dumps(json.loads(data.group(1)), ensure_ascii=False)
    assert html.count("<script") == 2  # the data and the report's own script, nothing injected


# -- terminal output carries no control sequence -------------------------------------------------------------


def test_escape_sequences_in_names_never_reach_the_terminal(tmp_path: Path) -> None:
    name = "Uncle\x1b]0;pwned\x07 Sam\x1b[2J\x9b31m\u202eevil"
    src = _write(tmp_path, scenario_yaml(actor_name=name, title=name, reason=name))
    for args, shown in (
        (["forecast", str(src), "-m", "compromise"], "Uncle"),  # the title
        (["sources", str(src)], "Uncle"),  # the reason
        (["validate", str(src.parent / "missing" / name)], "missing"),  # an error message
    ):
        r = CliRunner().invoke(app, args)
        assert shown in r.output, (args, r.output)
        leaked = sorted({c for c in r.output if c in CONTROL_CHARACTERS})
        assert leaked == [], (args, leaked)
    r = CliRunner().invoke(app, ["forecast", str(src), "-m", "compromise", "--format", "json"])
    assert not {c for c in r.stdout if c in CONTROL_CHARACTERS}


def test_ids_refuse_c1_controls_and_bidi_overrides() -> None:
    for bad in ("US\x9b2J", "US\u202eSU", "US\x85"):
        with pytest.raises(InputError, match="control character"):
            parse_yaml(scenario_yaml(actor=bad), "s.yaml")


# -- CSV cells -----------------------------------------------------------------------------------------------


def test_forecast_csv_quotes_formula_cells(tmp_path: Path) -> None:
    formula = '=HYPERLINK("http://attacker.example","x")'
    src = _write(tmp_path, scenario_yaml(actor=formula, issue="@SUM(A1)"))
    r = CliRunner().invoke(app, ["forecast", str(src), "-m", "compromise", "--format", "csv"])
    assert r.exit_code == 0, r.output
    cells = [c for line in r.stdout.splitlines() for c in re.findall(r'"(?:[^"]|"")*"|[^,]+', line)]
    assert not any(c.lstrip('"').startswith(("=", "@", "+")) for c in cells), r.stdout
    assert "'@SUM(A1)" in r.stdout
    ev = tmp_path / "events.csv"
    r = CliRunner().invoke(app, ["forecast", str(src), "-m", "eu", "--events", str(ev)])
    assert r.exit_code == 0, r.output
    assert "'@SUM(A1)" in ev.read_text() and ",@SUM" not in ev.read_text()


# -- duplicate YAML keys -------------------------------------------------------------------------------------


def test_duplicate_yaml_keys_name_both_lines(tmp_path: Path) -> None:
    text = (
        "id: dup\nactors:\n- {id: US, capability: 1}\nissues:\n- id: x\n  lower: 0\n  upper: 10\n"
        "  lower: 5\nstances:\n- {actor: US, issue: x, position: 5, salience: 0.5}\n"
    )
    src = _write(tmp_path, text, "dup.yaml")
    assert_input_error(["validate", str(src)], r"dup\.yaml:8", "duplicate key 'lower'", "first on line 6")
    with pytest.raises(InputError, match="duplicate key 'id'"):
        parse_yaml("id: a\nid: b\n", "top.yaml")
    # merge keys may repeat what they merge
    merged = "base: &b {lower: 0, upper: 10}\nid: m\n" + text.split("\n", 1)[1].replace(
        "- id: x\n  lower: 0\n  upper: 10\n  lower: 5", "- <<: *b\n  id: x\n  lower: 1"
    )
    with pytest.raises(InputError) as err:
        parse_yaml(merged, "m.yaml")
    assert "duplicate" not in str(err.value)  # 'base' is not a scenario field: the only problem
