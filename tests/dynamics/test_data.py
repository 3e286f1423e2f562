"""The packaged 2016-2023 data (issue 23): what was copied, the coverage caveat, and how the 2022-23 timeline
rows enter the covariates (docs/dynamics.md, Data)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from importlib import resources

import numpy as np
import pytest

from peninsula.dynamics.covariates import EXCLUDED_ROWS, posture_covariates
from peninsula.dynamics.loading import TimelineEvent, load_data


def _months(first: str, last: str) -> np.ndarray:
    return np.arange(first, np.datetime64(last, "M") + 1, dtype="datetime64[M]")


def test_the_packaged_series_runs_2016_01_to_2023_12_with_the_readmes_yearly_totals() -> None:
    m = load_data().monthly
    assert (str(m.months[0]), str(m.months[-1]), len(m.months)) == ("2016-01", "2023-12", 96)
    years = m.months.astype("datetime64[Y]").astype(int) + 1970
    totals = {int(y): (int(m.events[years == y].sum()), int(m.missiles[years == y].sum())) for y in years}
    # the yearly table of the data README (CNS scope)
    assert totals == {
        2016: (15, 24),
        2017: (15, 21),
        2018: (0, 0),
        2019: (14, 27),
        2020: (4, 9),
        2021: (4, 6),
        2022: (33, 69),
        2023: (20, 33),
    }


def test_supplementary_counts_are_unknown_from_2022_not_zero() -> None:
    m = load_data().monthly
    from_2022 = m.months >= np.datetime64("2022-01", "M")
    for name, values in m.supplementary.items():
        assert np.isnan(values[from_2022]).all(), name  # blank in the file: not compiled
        assert np.isfinite(values[~from_2022]).all(), name


def test_the_timeline_is_the_shared_file_byte_for_byte() -> None:
    folder = resources.files("peninsula.scenarios").joinpath("datasets")
    digest = hashlib.sha256(folder.joinpath("alliance_timeline.csv").read_bytes()).hexdigest()
    readme = folder.joinpath("README.md").read_text(encoding="utf-8")
    quoted = re.search(r"alliance_timeline.csv` \(sha256\s+`([0-9a-f]{64})`\)", readme)
    assert quoted is not None and quoted.group(1) == digest
    assert len(load_data().timeline) == 96


def test_the_2022_23_rows_enter_the_covariates_as_documented() -> None:
    data = load_data()
    months = _months("2022-01", "2023-12")
    cols = posture_covariates(data.timeline, months)

    def on(name: str) -> list[str]:
        return [str(m) for m, v in zip(months, cols[name], strict=True) if v]

    assert on("exercise_active") == ["2022-08", "2022-09", "2022-10", "2022-11", "2023-03", "2023-08"]
    assert on("exercise_suspended") == []
    assert on("talks_recent") == ["2023-07", "2023-08", "2023-09", "2023-12"]
    # the Biden-Yoon summits and Camp David; not the Putin-Kim summit of 2023-09-13 (else 2023-11 too)
    spring_2022, spring_2023, summer_2023 = (
        ["2022-05", "2022-06", "2022-07"],
        ["2023-04", "2023-05", "2023-06"],
        [
            "2023-08",
            "2023-09",
            "2023-10",
        ],
    )
    assert on("summit_recent") == [*spring_2022, *spring_2023, *summer_2023]
    # the veto of 2022-05-26 adopted nothing: no new-sanctions months in 2022-23
    assert on("sanctions_recent") == []
    assert on("election_window") == ["2022-02", "2022-03", "2022-04", "2022-10", "2022-11", "2022-12"]


@pytest.mark.parametrize(("date", "kind"), sorted(EXCLUDED_ROWS))
def test_an_excluded_row_moves_nothing_but_the_same_row_a_day_later_would(date: dt.date, kind: str) -> None:
    column = {"sanctions": "sanctions_recent", "summit": "summit_recent"}[kind]
    months = _months("2022-01", "2024-03")
    row = TimelineEvent(date, None, kind, None, "", 0)
    assert not posture_covariates([row], months)[column].any()
    later = TimelineEvent(date + dt.timedelta(days=1), None, kind, None, "", 0)
    assert posture_covariates([later], months)[column].sum() == 3


def test_the_2024_elections_are_known_for_forecasts_after_the_data() -> None:
    months = _months("2024-01", "2024-12")
    window = posture_covariates(load_data().timeline, months)["election_window"]
    on = [str(m) for m, v in zip(months, window, strict=True) if v]
    assert on == ["2024-03", "2024-04", "2024-05", "2024-10", "2024-11", "2024-12"]
