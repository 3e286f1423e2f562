"""Fixtures for the dynamics tests: a small hand-made data folder and a copy of the packaged data."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest

MONTHLY_HEADER = (
    "month,events,missiles,events_failed_all,"
    "supp_events_non_cns,supp_missiles_stated,supp_events_count_unstated\n"
)

# A hand-made timeline. Two exercises under different names (a rename, as Key Resolve -> Dong Maeng), values
# in three different units, an announcement row with neither end date nor value, blank cells everywhere.
TIMELINE = """date,end_date,type,event,detail,value,value_unit,source
2020-03-05,2020-04-10,exercise,Spring Storm 20 held,,17000,US personnel (approx.),x
2020-05-20,,exercise,Resumption agreed,,,,x
2020-06-11,,exercise,Air Drill 20 held (air),,100,aircraft (more than),x
2020-07-01,,exercise,Summer Storm 20 suspended,,0,exercise held (0=suspended),x
2020-08-01,2020-08-10,exercise,Dong Storm 20-2 held (replaces Summer Storm),,,,x
2020-09-30,2020-10-01,summit,Leaders meet,,,,x
2020-05-10,,sanctions,Resolution 1 adopted,,500000,barrels/yr refined petroleum cap,x
2020-12-15,,talks,Working-level talks,,,,x
2021-02-01,,cost_sharing,Cost deal,,1038900000000,KRW (2021 contribution),x
"""


def write_small(folder: Path, monthly_rows: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dprk_missile_tests_monthly.csv").write_text(MONTHLY_HEADER + monthly_rows, encoding="utf-8")
    (folder / "alliance_timeline.csv").write_text(TIMELINE, encoding="utf-8")
    return folder


@pytest.fixture
def small_data(tmp_path: Path) -> Path:
    months = [f"2020-{m:02d}" for m in range(1, 13)] + [f"2021-{m:02d}" for m in range(1, 4)]
    rows = "".join(f"{m},{i % 3},{i % 4},0,,,\n" for i, m in enumerate(months))
    return write_small(tmp_path / "small", rows)


@pytest.fixture
def packaged_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "korea"
    dest.mkdir()
    for package, folder, name in (
        ("peninsula.dynamics", "data", "dprk_missile_tests_monthly.csv"),
        ("peninsula.scenarios", "datasets", "alliance_timeline.csv"),
    ):
        with resources.as_file(resources.files(package).joinpath(folder, name)) as path:
            shutil.copy(path, dest / name)
    return dest
