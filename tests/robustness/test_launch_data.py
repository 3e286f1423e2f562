"""Bad launch-series folders for backtest/whatif --data: BOM, huge counts, all-zero series, folders."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest

from peninsula.dynamics.loading import MONTHLY_FILE, TIMELINE_FILE, load_data
from tests.robustness._helpers import assert_input_error

MONTHLY = resources.files("peninsula.dynamics").joinpath("data", MONTHLY_FILE).read_text(encoding="utf-8")
TIMELINE = resources.files("peninsula.scenarios").joinpath("datasets", TIMELINE_FILE)


def make_data(folder: Path, monthly: str | bytes) -> Path:
    folder.mkdir(exist_ok=True)
    with resources.as_file(TIMELINE) as t:
        shutil.copy(t, folder / TIMELINE_FILE)
    target = folder / MONTHLY_FILE
    if isinstance(monthly, bytes):
        target.write_bytes(monthly)
    else:
        target.write_text(monthly, encoding="utf-8")
    return folder


def _with_counts(events: str | None = None, line: int = 2) -> str:
    lines = MONTHLY.split("\n")
    header = lines[0].split(",")
    out = [lines[0]]
    for k, row in enumerate(lines[1:], start=2):
        cells = row.split(",")
        if row and events is None:
            cells[header.index("events")] = "0"
            cells[header.index("missiles")] = "0"
        elif row and k == line:
            cells[header.index("events")] = events
        out.append(",".join(cells))
    return "\n".join(out)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_bom_and_utf16_are_read(tmp_path: Path, encoding: str) -> None:
    folder = make_data(tmp_path / "d", MONTHLY.encode(encoding))
    assert load_data(folder).monthly.events.tolist() == load_data().monthly.events.tolist()


@pytest.mark.parametrize("value", ["9" * 30, "9" * 5000, "1e3", "-4"])
def test_counts_that_are_not_counts(tmp_path: Path, value: str) -> None:
    folder = make_data(tmp_path / "d", _with_counts(value, line=5))
    assert_input_error(["backtest", "--data", str(folder)], rf"{MONTHLY_FILE}:5: field 'events'")


def test_all_zero_series(tmp_path: Path) -> None:
    folder = make_data(tmp_path / "d", _with_counts(None))
    assert_input_error(
        ["backtest", "--data", str(folder)], f"{MONTHLY_FILE}: field 'events'", "0 in every month"
    )


def test_data_that_is_not_a_folder(tmp_path: Path) -> None:
    f = tmp_path / "file.csv"
    f.write_text("x")
    assert_input_error(["backtest", "--data", str(f)], "not a folder")
    assert_input_error(
        ["whatif", "--from", "2018-06", "--months", "3", "--data", str(tmp_path / "none")], "not a folder"
    )
