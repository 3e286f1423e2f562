"""Bad DECIDE files, BDM tables and outcomes CSVs, and the round trip of what peninsula itself writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from peninsula.core import InputError
from peninsula.io import load, save
from tests.conftest import BDM_INPUTS, DECIDE_INPUTS, DEU
from tests.robustness._helpers import assert_input_error, run

SAMPLE = (DECIDE_INPUTS / "sample_data.txt").read_text(encoding="utf-8")


def _d_line(text: str) -> int:
    return next(k for k, line in enumerate(text.split("\n"), start=1) if line.lstrip("'\"").startswith("#D"))


@pytest.mark.parametrize("value", ["1e308", "-1e308", "1e400", "nan", "inf"])
def test_decide_power_that_would_overflow(tmp_path: Path, value: str) -> None:
    lines = SAMPLE.split("\n")
    k = _d_line(SAMPLE) - 1
    fields = lines[k].split("\t")
    fields[5] = value
    lines[k] = "\t".join(fields)
    f = tmp_path / "p.txt"
    f.write_text("\n".join(lines))
    assert_input_error(
        ["forecast", str(f), "-m", "exchange", "--format", "json"], rf"p.txt:{k + 1}: field 'power'"
    )


def test_decide_scale_of_1e308(tmp_path: Path) -> None:
    f = tmp_path / "m.txt"
    f.write_text("#A\ta\n#P\tx\n#M\tx\t-1e308\n#M\tx\t1e308\n#D\ta\tx\t0\t1\t1\n")
    assert_input_error(["validate", str(f)], r"m.txt:3: field 'position'", "limit")


def test_bdm_with_all_positions_equal_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "flat.csv"
    f.write_text("Actor,Capability,Position,Salience\nA,1,50,1\nB,2,50,0.5\n")
    assert_input_error(
        ["convert", str(f), str(tmp_path / "flat.txt")], "flat.csv:1: field 'position'", "two different"
    )
    assert not (tmp_path / "flat.txt").exists()


def test_written_decide_file_reads_back_whatever_the_text(tmp_path: Path) -> None:
    s = load(DECIDE_INPUTS / "sample_data.txt")
    odd = s.model_copy(
        update={
            "title": "two\nlines",
            "actors": tuple(a.model_copy(update={"name": "tab\there"}) for a in s.actors),
        }
    )
    save(odd, tmp_path / "odd.txt")
    back = load(tmp_path / "odd.txt")
    assert back.actor_ids == s.actor_ids
    assert back.title == "two lines"


def test_yaml_written_from_a_decide_file_validates(tmp_path: Path) -> None:
    code, text = run("convert", str(DECIDE_INPUTS / "copenhagen.csv"), str(tmp_path / "c.yaml"))
    assert code == 0, text
    code, text = run("validate", str(tmp_path / "c.yaml"))
    assert code == 0, text


def test_yaml_written_from_a_bdm_table_validates(tmp_path: Path) -> None:
    code, text = run("convert", str(BDM_INPUTS / "ChinaData.csv"), str(tmp_path / "c.yaml"))
    assert code == 0, text
    code, text = run("validate", str(tmp_path / "c.yaml"))
    assert code == 0, text


# -- outcomes CSVs ------------------------------------------------------------------------------------------

TRAIN = DEU / "deu_train"
ISSUES = (DEU / "deu_train_issues.csv").read_text(encoding="utf-8")


def _outcomes(tmp_path: Path, text: str) -> Path:
    f = tmp_path / "o.csv"
    f.write_text(text, encoding="utf-8")
    return f


def _replace_cell(text: str, line: int, column: str, value: str) -> str:
    lines = text.split("\n")
    header = lines[0].split(",")
    cells = lines[line - 1].split(",")
    cells[header.index(column)] = value
    lines[line - 1] = ",".join(cells)
    return "\n".join(lines)


def test_reference_point_outside_the_scale(tmp_path: Path) -> None:
    f = _outcomes(tmp_path, _replace_cell(ISSUES, 2, "reference_point", "250"))
    assert_input_error(
        ["evaluate", str(TRAIN), "--outcomes", str(f), "-m", "compromise"],
        "o.csv:2: field 'reference_point'",
        "outside",
    )


def test_non_numeric_outcome_is_named_outcome(tmp_path: Path) -> None:
    f = _outcomes(tmp_path, _replace_cell(ISSUES, 3, "outcome", "lots"))
    assert_input_error(
        ["evaluate", str(TRAIN), "--outcomes", str(f), "-m", "compromise"],
        "o.csv:3: field 'outcome'",
        "not a number",
    )


def test_outcomes_with_a_bom_are_read(tmp_path: Path) -> None:
    f = _outcomes(tmp_path, "\ufeff" + ISSUES)
    code, text = run("evaluate", str(TRAIN), "--outcomes", str(f), "-m", "compromise", "--format", "json")
    assert code == 0, text


def test_outcomes_for_unknown_issues_only(tmp_path: Path) -> None:
    f = _outcomes(tmp_path, "issue_id,outcome\nnot-an-issue,50\n")
    assert_input_error(
        ["evaluate", str(TRAIN), "--outcomes", str(f), "-m", "compromise"], "o.csv", "nothing to score"
    )


def test_evaluate_an_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    args = [
        "evaluate",
        str(tmp_path / "empty"),
        "--outcomes",
        str(DEU / "deu_train_issues.csv"),
        "-m",
        "compromise",
    ]
    assert_input_error(args, "holds no .csv or .txt")


def test_outcome_of_1e308(tmp_path: Path) -> None:
    f = _outcomes(tmp_path, _replace_cell(ISSUES, 4, "outcome", "1e308"))
    with pytest.raises(InputError, match=r"o\.csv:4: field 'outcome'"):
        from peninsula.io.outcomes import read_outcomes

        read_outcomes(f)
