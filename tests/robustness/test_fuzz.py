"""Property tests: a bad value in any cell of a DECIDE file, BDM table, YAML scenario, outcomes CSV or launch
series gives exit 2 and a message naming the file and the line of that cell, never anything else."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import BDM_INPUTS, DECIDE_INPUTS, DEU
from tests.robustness._helpers import run
from tests.robustness.test_launch_data import MONTHLY, MONTHLY_FILE, make_data

FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
BAD_NUMBERS = st.sampled_from(["x", "nan", "inf", "-inf", "1e400", "1e308", "-1e308", "1,2,3", "0x10", "--1"])


def _assert_names(args: list[str], name: str, line: int) -> None:
    code, text = run(*args)
    assert code == 2, text
    assert "Traceback" not in text and "internal error" not in text
    assert re.search(rf"{re.escape(name)}:{line}\b", text), f"{name}:{line} not in\n{text}"


@FUZZ
@given(data=st.data(), bad=BAD_NUMBERS)
def test_decide_cell(tmp_path: Path, data: st.DataObject, bad: str) -> None:
    lines = (DECIDE_INPUTS / "cop21.csv").read_text(encoding="utf-8").split("\n")
    rows = [k for k, line in enumerate(lines) if line.lstrip("'\"").startswith("#D")]
    k = data.draw(st.sampled_from(rows))
    delim = ";" if ";" in lines[k] else ("\t" if "\t" in lines[k] else ",")
    cells = lines[k].split(delim)
    cells[data.draw(st.sampled_from([3, 4, 5]))] = bad
    lines[k] = delim.join(cells)
    f = tmp_path / "f.csv"
    f.write_text("\n".join(lines), encoding="utf-8")
    _assert_names(["validate", str(f)], "f.csv", k + 1)


@FUZZ
@given(data=st.data(), bad=BAD_NUMBERS)
def test_bdm_cell(tmp_path: Path, data: st.DataObject, bad: str) -> None:
    text = (
        (BDM_INPUTS / "ChinaData.csv").read_text(encoding="utf-8").replace("\r\n", "\n").replace("\r", "\n")
    )
    lines = text.split("\n")
    header = [h.strip().lower() for h in lines[0].split(",")]
    rows = [k for k in range(1, len(lines)) if lines[k].strip()]
    k = data.draw(st.sampled_from(rows))
    col = data.draw(
        st.sampled_from([c for c, h in enumerate(header) if h in ("capability", "position", "salience")])
    )
    cells = lines[k].split(",")
    cells[col] = bad.replace(",", ";")
    lines[k] = ",".join(cells)
    f = tmp_path / "b.csv"
    f.write_text("\n".join(lines), encoding="utf-8")
    _assert_names(["validate", str(f)], "b.csv", k + 1)


TOY = """id: toy
actors:
- id: A
  capability: 1.0
- id: B
  capability: 2.0
issues:
- id: x
  lower: 0
  upper: 10
stances:
- actor: A
  issue: x
  position: 2
  salience: 0.5
- actor: B
  issue: x
  position: 8
  salience: 1.0
"""


@FUZZ
@given(
    data=st.data(),
    bad=st.sampled_from(["x", ".nan", ".inf", "-.inf", "1e308", "-1e308", "[1]", "{a: 1}", "2019-02-30"]),
)
def test_yaml_value(tmp_path: Path, data: st.DataObject, bad: str) -> None:
    lines = TOY.split("\n")
    numeric = [k for k, line in enumerate(lines) if re.search(r": [0-9.]+$", line)]
    k = data.draw(st.sampled_from(numeric))
    key = lines[k].split(":")[0]
    lines[k] = f"{key}: {bad}"
    f = tmp_path / "y.yaml"
    f.write_text("\n".join(lines))
    _assert_names(["validate", "--no-sources", str(f)], "y.yaml", k + 1)


@FUZZ
@given(data=st.data(), bad=BAD_NUMBERS)
def test_outcomes_cell(tmp_path: Path, data: st.DataObject, bad: str) -> None:
    lines = (DEU / "deu_train_issues.csv").read_text(encoding="utf-8").split("\n")[:40]
    header = lines[0].split(",")
    k = data.draw(st.integers(1, len(lines) - 1))
    col = header.index(data.draw(st.sampled_from(["outcome", "reference_point"])))
    cells = lines[k].split(",")
    cells[col] = f'"{bad}"'
    lines[k] = ",".join(cells)
    f = tmp_path / "o.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _assert_names(
        ["evaluate", str(DEU / "deu_train"), "--outcomes", str(f), "-m", "compromise"], "o.csv", k + 1
    )


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), bad=st.sampled_from(["x", "-1", "1.5", "1e3", "9" * 40, "nan"]))
def test_launch_series_cell(tmp_path: Path, data: st.DataObject, bad: str) -> None:
    lines = MONTHLY.split("\n")
    header = lines[0].split(",")
    k = data.draw(st.integers(1, len([x for x in lines if x]) - 1))
    col = header.index(data.draw(st.sampled_from(["events", "missiles"])))
    cells = lines[k].split(",")
    cells[col] = bad
    lines[k] = ",".join(cells)
    folder = make_data(tmp_path / "d", "\n".join(lines))
    _assert_names(["backtest", "--data", str(folder)], MONTHLY_FILE, k + 1)
