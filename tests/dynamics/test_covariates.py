"""Covariate construction pinned on a small hand-made timeline (renamed exercises, mixed units, blanks)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from peninsula.core.errors import InputError
from peninsula.dynamics.covariates import (
    ELECTION_DATES,
    posture_covariates,
    recent_counts,
)
from peninsula.dynamics.loading import load_data, parse_month
from peninsula.dynamics.nbregression import build_design

from .conftest import write_small

MONTHS_2020 = np.arange(np.datetime64("2020-01", "M"), np.datetime64("2021-04", "M"))


def test_exercise_flags_follow_type_dates_and_values_not_names(small_data: Path) -> None:
    data = load_data(small_data)
    cov = posture_covariates(data.timeline, MONTHS_2020)
    #                         J  F  M  A  M  J  J  A  S  O  N  D  J  F  M
    expected_active = [0, 0, 1, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    # Mar-Apr: 17,000 troops with an end date; May: "resumption agreed" (no end date, no value) ignored;
    # Jun: 100 aircraft (another unit, counted as held, never compared with troops); Aug: the renamed
    # exercise with an end date but a blank value.
    assert cov["exercise_active"].tolist() == expected_active
    # value 0 on 2020-07-01: suspension in force Jul 2020 .. Jun 2021 (12 months).
    assert cov["exercise_suspended"].tolist() == [0] * 6 + [1] * 9


def test_diplomacy_sanctions_and_elections(small_data: Path) -> None:
    data = load_data(small_data)
    cov = posture_covariates(data.timeline, MONTHS_2020)
    # summit 30 Sep - 1 Oct: months Sep, Oct, plus two months after Oct.
    assert cov["summit_recent"].tolist() == [0] * 8 + [1, 1, 1, 1] + [0, 0, 0]
    # talks Dec 2020: Dec, Jan, Feb.
    assert cov["talks_recent"].tolist() == [0] * 11 + [1, 1, 1, 0]
    # sanctions May 2020, lagged one to three months: Jun, Jul, Aug (never the month itself).
    assert cov["sanctions_recent"].tolist() == [0] * 5 + [1, 1, 1] + [0] * 7
    # elections: ROK National Assembly 15 Apr 2020 and U.S. 3 Nov 2020, +-1 month.
    assert cov["election_window"].tolist() == [0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0]
    assert ("ROK National Assembly", np.datetime64("2020-04-15").item()) in ELECTION_DATES


def test_seasonality_is_an_annual_harmonic() -> None:
    cov = posture_covariates((), np.array(["2020-03", "2020-06", "2020-12"], dtype="datetime64[M]"))
    assert np.allclose(cov["season_sin"], [1.0, 0.0, 0.0], atol=1e-12)
    assert np.allclose(cov["season_cos"], [0.0, -1.0, 1.0], atol=1e-12)


def test_self_excitation_uses_only_past_months() -> None:
    got = recent_counts(np.array([1, 0, 2, 5, 0, 0, 0]))
    assert np.isnan(got[:3]).all()
    assert got[3:].tolist() == pytest.approx([math.log(4), math.log(8), math.log(8), math.log(6)])


def test_blank_supplementary_cells_are_not_zero(small_data: Path) -> None:
    data = load_data(small_data)
    supp = data.monthly.supplementary["supp_events_non_cns"]
    assert np.isnan(supp).all()
    packaged = load_data()
    supp = packaged.monthly.supplementary["supp_events_non_cns"]
    assert np.nansum(supp) == 10  # 3+1+1+1+1+1+2, all in 2016-2021
    assert np.isnan(supp[72:]).all()  # 2022-2023: not compiled, blank, never 0


def test_design_matrix_columns_and_history(small_data: Path) -> None:
    design = build_design(load_data(small_data), "events")
    assert design.names[0] == "const" and design.names[-1] == "season_cos"
    assert design.complete().tolist() == [False] * 3 + [True] * 12
    assert parse_month("2020-01") == design.months[0]


def test_packaged_covariates_match_the_record() -> None:
    data = load_data()
    cov = posture_covariates(data.timeline, data.monthly.months)
    months = [str(m) for m in data.monthly.months]
    active = {m for m, v in zip(months, cov["exercise_active"], strict=True) if v}
    # KR/FE 2016 and 2017, Dong Maeng 2019 (renamed, no value) and the 2021 CCPTs are all "held".
    assert {"2016-03", "2016-04", "2017-03", "2019-03", "2021-03", "2021-08"} <= active
    # suspensions: UFG 2018 (Jun 2018) ... spring CCPT 2020 postponed (Feb 2020) -> in force to Jan 2021.
    suspended = [m for m, v in zip(months, cov["exercise_suspended"], strict=True) if v]
    assert suspended[0] == "2018-06" and suspended[-1] == "2021-01"


@pytest.mark.parametrize(
    ("rows", "line", "field"),
    [
        ("2020-01,1,1,0,,,\n2020-03,0,0,0,,,\n", 3, "month"),
        ("2020-01,1,x,0,,,\n", 2, "missiles"),
        ("2020-01,-1,0,0,,,\n", 2, "events"),
        ("2020-1,0,0,0,,,\n", 2, "month"),
    ],
)
def test_bad_monthly_cells_name_file_line_field(tmp_path: Path, rows: str, line: int, field: str) -> None:
    folder = write_small(tmp_path / "bad", rows)
    with pytest.raises(InputError) as info:
        load_data(folder)
    problem = info.value.problems[0]
    assert (problem.line, problem.field) == (line, field)
    assert problem.file.endswith("dprk_missile_tests_monthly.csv")


def test_bad_timeline_and_missing_column(tmp_path: Path) -> None:
    folder = write_small(tmp_path / "bad", "2020-01,1,1,0,,,\n")  # a launch: all-zero series are rejected
    path = folder / "alliance_timeline.csv"
    text = path.read_text(encoding="utf-8").replace("2020-06-11,,exercise", "2020-06-31,,drill")
    path.write_text(text.replace(",100,aircraft (more than)", ",100,"), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_data(folder)
    found = {(p.line, p.field) for p in info.value.problems}
    assert found == {(4, "date"), (4, "type"), (4, "value_unit")}
    path.write_text("date,end_date,type,value\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_data(folder)
    assert [(p.line, p.field) for p in info.value.problems] == [(1, "value_unit")]
