"""Monthly covariates of the DPRK launch model, derived from the alliance timeline's type, dates and values.

The covariate set was fixed *before* any model was fitted, one covariate per hypothesis in the seed analyses
(``/work/shared/seeds``); it is never searched against a backtest period. Each covariate reads only the
``type``, ``date``/``end_date`` and ``value``/``value_unit`` of a timeline row, never its name or text,
because names change (Key Resolve became Dong Maeng, then the Combined Command Post Training).

=====================  ============================================================  ======================
covariate              definition (month *t*, KST calendar months)                   hypothesis
=====================  ============================================================  ======================
exercise_active        1 if a combined exercise was *held* on any day of *t*         exercises provoke
                       (an ``exercise`` row with an ``end_date``, or a value > 0)     launches (DPRK
                                                                                     counter-signalling)
exercise_suspended     1 if an ``exercise`` row with value 0 (suspended, cancelled,  CNAS: suspended
                       terminated) is dated in *t* or the 11 months before            exercises invite
                                                                                     probing
summit_recent          1 if a ``summit`` row (date..end_date) overlaps *t*, *t-1*     Ewha: summitry buys
                       or *t-2*                                                       restraint
talks_recent           the same for ``talks`` rows                                    working-level talks
                                                                                     buy restraint
sanctions_recent       1 if a ``sanctions`` row is dated in *t-1*, *t-2* or *t-3*     new sanctions draw
                       (lagged: resolutions answer launches, usually the same month)  defiant launches
election_window        1 if a U.S. or ROK national election falls in *t-1*, *t* or   DPRK tests new
                       *t+1* (dates: :data:`ELECTION_DATES`)                          administrations and
                                                                                     campaigns
recent_launches        log(1 + launches in *t-1*..*t-3*) of the target series         self-excitation /
                                                                                     test campaigns
season_sin/season_cos  sin and cos of 2π·(month of year)/12                           training-year
                                                                                     seasonality
=====================  ============================================================  ======================

Exercise rows that have neither an ``end_date`` nor a value (announcements such as "resumption agreed")
carry no information about whether an exercise ran, so they are ignored. Values are only ever tested for
``== 0`` (the dataset's code for "not held") or ``> 0``; values in different units are never compared or
summed. Blank ``value`` cells stay unknown.

Two rows of the 2022-2023 extension are left out although their ``type`` would count (:data:`EXCLUDED_ROWS`,
keyed by date and type, with the row's own words; a coded judgement made when the rows were added, before any
fit on them): the China-Russia veto of 2022-05-26 is a ``sanctions`` row that adopted nothing
(:data:`NOT_ADOPTED`; ``sanctions_recent`` means new sanctions adopted), and the Putin-Kim summit of
2023-09-13 is a ``summit`` row without the United States or South Korea (:data:`NOT_ALLIANCE`;
``summit_recent`` tests the seed hypothesis that the allies' summitry buys restraint). Every other row of
2022-2023 enters by its type, as the 2016-2021 rows do (docs/dynamics.md lists each).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from peninsula.dynamics.loading import KoreaData, TimelineEvent

__all__ = [
    "COVARIATES",
    "ELECTION_DATES",
    "EXCLUDED_ROWS",
    "NOT_ADOPTED",
    "NOT_ALLIANCE",
    "POSTURE_COVARIATES",
    "SEASON_COVARIATES",
    "SELF_EXCITATION",
    "Covariate",
    "covariate_matrix",
    "held_exercise",
    "month_index",
    "posture_covariates",
    "recent_counts",
    "seasonality",
    "suspended_exercise",
]

# Election dates are NOT in the alliance timeline (it records inaugurations as `other` rows, not
# elections), so they are public-record facts entered here by hand. Source: the Wikipedia articles
# "2016/2020 South Korean legislative election" (13 Apr 2016, 15 Apr 2020, checked against the stored
# pages), "2017/2022 South Korean presidential election", "2016/2020 United States presidential election"
# and "2018 United States elections" (common knowledge; verify). National elections only: U.S. general
# elections (presidential and midterm) and ROK presidential and National Assembly elections.
# The two of 2024 matter only for months after the data (forecasts from 2024-01); both were scheduled by
# law before 2024: "Legislative elections were held in South Korea on 10 April 2024"
# (https://www.how.com.vn/wiki/en/2024_South_Korean_legislative_election, a Wikipedia copy) and "set to be
# held on Tuesday, November 5, 2024" (https://wiki.gravy.cc/wiki/2024_United_States_presidential_election,
# a Wikipedia copy from before the election).
ELECTION_DATES: tuple[tuple[str, dt.date], ...] = (
    ("ROK National Assembly", dt.date(2016, 4, 13)),
    ("U.S. presidential", dt.date(2016, 11, 8)),
    ("ROK presidential (early, after impeachment)", dt.date(2017, 5, 9)),
    ("U.S. midterm", dt.date(2018, 11, 6)),
    ("ROK National Assembly", dt.date(2020, 4, 15)),
    ("U.S. presidential", dt.date(2020, 11, 3)),
    ("ROK presidential", dt.date(2022, 3, 9)),
    ("U.S. midterm", dt.date(2022, 11, 8)),
    ("ROK National Assembly", dt.date(2024, 4, 10)),
    ("U.S. presidential", dt.date(2024, 11, 5)),
)

#: ``sanctions`` rows that adopted no sanctions (date, type → the row's ``event`` text): left out of
#: ``sanctions_recent`` and of the posture-effect lever ``new_sanctions``.
NOT_ADOPTED: dict[tuple[dt.date, str], str] = {
    (dt.date(2022, 5, 26), "sanctions"): (
        "China and Russia veto US-drafted UNSC resolution tightening DPRK sanctions (US time)"
    ),
}
#: ``summit`` rows without the United States or South Korea: left out of ``summit_recent``.
NOT_ALLIANCE: dict[tuple[dt.date, str], str] = {
    (dt.date(2023, 9, 13), "summit"): "Putin-Kim summit at Vostochny Cosmodrome (Russia)",
}
#: Every timeline row the covariates leave out (module docstring).
EXCLUDED_ROWS: dict[tuple[dt.date, str], str] = {**NOT_ADOPTED, **NOT_ALLIANCE}


@dataclass(frozen=True)
class Covariate:
    """A documented model covariate.

    Attributes
    ----------
    name:
        Column name in the design matrix.
    definition:
        How it is computed, in one sentence (unit included).
    hypothesis:
        The seed hypothesis it tests.
    """

    name: str
    definition: str
    hypothesis: str


COVARIATES: tuple[Covariate, ...] = (
    Covariate(
        "exercise_active",
        "1 if a combined exercise was held on any day of the month (0/1)",
        "combined exercises provoke launches (DPRK counter-signalling)",
    ),
    Covariate(
        "exercise_suspended",
        "1 if an exercise was suspended/cancelled/terminated in this or the previous 11 months (0/1)",
        "CNAS: suspending exercises invites probing",
    ),
    Covariate(
        "summit_recent",
        "1 if a summit took place in this or the previous 2 months (0/1)",
        "Ewha: summitry buys restraint (until it doesn't)",
    ),
    Covariate(
        "talks_recent",
        "1 if talks took place in this or the previous 2 months (0/1)",
        "working-level talks buy restraint",
    ),
    Covariate(
        "sanctions_recent",
        "1 if new sanctions were adopted in the previous 1-3 months (0/1, lagged)",
        "new sanctions draw defiant launches",
    ),
    Covariate(
        "election_window",
        "1 if a U.S. or ROK national election falls within one month of this month (0/1)",
        "DPRK tests campaigns and new administrations",
    ),
    Covariate(
        "recent_launches",
        "log(1 + target count in the previous 3 months)",
        "self-excitation: launches come in test campaigns (technical schedule)",
    ),
    Covariate(
        "season_sin",
        "sin(2π·month/12) (month of year 1..12)",
        "KPA training-year seasonality (winter/summer training periods)",
    ),
    Covariate(
        "season_cos",
        "cos(2π·month/12) (month of year 1..12)",
        "KPA training-year seasonality (winter/summer training periods)",
    ),
)
POSTURE_COVARIATES: tuple[str, ...] = (
    "exercise_active",
    "exercise_suspended",
    "summit_recent",
    "talks_recent",
    "sanctions_recent",
    "election_window",
)
SELF_EXCITATION = "recent_launches"
SEASON_COVARIATES: tuple[str, ...] = ("season_sin", "season_cos")

SUSPENSION_MEMORY = 12  # months a suspension stays "in force" (this month and the 11 before)
DIPLOMACY_WINDOW = 3  # months: this one and the two before
SANCTIONS_LAGS = (1, 2, 3)  # months before
ELECTION_HALF_WIDTH = 1  # months either side
LAUNCH_MEMORY = 3  # months of launch history for self-excitation


def month_index(date: dt.date | np.datetime64) -> int:
    """Return the number of months since 1970-01 (``datetime64[M]`` as an integer).

    Examples
    --------
    >>> month_index(dt.date(1970, 3, 31))
    2
    """
    if isinstance(date, dt.date):
        return (date.year - 1970) * 12 + date.month - 1
    return int(np.asarray(date, dtype="datetime64[M]").astype(np.int64))


def held_exercise(event: TimelineEvent) -> bool:
    """Whether a timeline row records a combined exercise that was held.

    An ``exercise`` row counts as held if it has an ``end_date`` or a value > 0 (in whatever unit: troops,
    aircraft, ...); a value of exactly 0 is the dataset's code for suspended/terminated.
    """
    if event.type != "exercise" or (event.value is not None and event.value == 0):
        return False
    return event.end_date is not None or (event.value is not None and event.value > 0)


def suspended_exercise(event: TimelineEvent) -> bool:
    """Whether a timeline row records a suspended, cancelled or terminated exercise (value 0)."""
    return event.type == "exercise" and event.value is not None and event.value == 0


def _span(event: TimelineEvent) -> range:
    start = month_index(event.date)
    end = month_index(event.end_date) if event.end_date is not None else start
    return range(start, end + 1)


def _months(months: npt.NDArray[np.datetime64]) -> npt.NDArray[np.int64]:
    return np.asarray(months, dtype="datetime64[M]").astype(np.int64)


def _flag(idx: npt.NDArray[np.int64], hits: Iterable[int], offsets: Sequence[int]) -> npt.NDArray[np.float64]:
    hit = set(hits)
    return np.array([float(any(int(m) - k in hit for k in offsets)) for m in idx])


def seasonality(months: npt.NDArray[np.datetime64]) -> dict[str, npt.NDArray[np.float64]]:
    """Annual harmonic of the calendar month: ``season_sin``, ``season_cos`` (dimensionless)."""
    moy = _months(months) % 12 + 1
    angle = 2.0 * np.pi * moy / 12.0
    return {"season_sin": np.sin(angle), "season_cos": np.cos(angle)}


def posture_covariates(
    timeline: Sequence[TimelineEvent],
    months: npt.NDArray[np.datetime64],
    elections: Sequence[tuple[str, dt.date]] = ELECTION_DATES,
) -> dict[str, npt.NDArray[np.float64]]:
    """Exogenous covariates (posture, elections, season) for each month.

    Parameters
    ----------
    timeline:
        Validated timeline rows; only ``type``, dates and ``value`` are read.
    months:
        ``datetime64[M]`` months to compute covariates for (need not be in the data's range).
    elections:
        ``(label, date)`` pairs of national elections.

    Returns
    -------
    dict
        Name → float array aligned with ``months``; keys are :data:`POSTURE_COVARIATES` and
        :data:`SEASON_COVARIATES`. All are 0/1 indicators except the season terms (in [-1, 1]).
    """
    idx = _months(months)
    timeline = [e for e in timeline if (e.date, e.type) not in EXCLUDED_ROWS]
    held = [m for e in timeline if held_exercise(e) for m in _span(e)]
    suspended = [month_index(e.date) for e in timeline if suspended_exercise(e)]
    summits = [m for e in timeline if e.type == "summit" for m in _span(e)]
    talks = [m for e in timeline if e.type == "talks" for m in _span(e)]
    sanctions = [month_index(e.date) for e in timeline if e.type == "sanctions"]
    election_months = [month_index(d) for _, d in elections]
    out = {
        "exercise_active": _flag(idx, held, [0]),
        "exercise_suspended": _flag(idx, suspended, range(SUSPENSION_MEMORY)),
        "summit_recent": _flag(idx, summits, range(DIPLOMACY_WINDOW)),
        "talks_recent": _flag(idx, talks, range(DIPLOMACY_WINDOW)),
        "sanctions_recent": _flag(idx, sanctions, SANCTIONS_LAGS),
        "election_window": _flag(idx, election_months, range(-ELECTION_HALF_WIDTH, ELECTION_HALF_WIDTH + 1)),
    }
    out.update(seasonality(months))
    return out


def recent_counts(history: npt.NDArray[np.int64], memory: int = LAUNCH_MEMORY) -> npt.NDArray[np.float64]:
    """Self-excitation term ``log(1 + sum of the previous `memory` counts)`` for each month.

    Months whose window reaches before the first month of ``history`` get ``NaN`` (history unknown).

    Examples
    --------
    >>> recent_counts(np.array([1, 0, 2, 5, 0])).round(3).tolist()
    [nan, nan, nan, 1.386, 2.079]
    """
    y = np.asarray(history, dtype=np.float64)
    out = np.full(y.shape, np.nan)
    csum = np.concatenate([[0.0], np.cumsum(y)])
    for t in range(memory, len(y)):
        out[t] = np.log1p(csum[t] - csum[t - memory])
    return out


def covariate_matrix(
    data: KoreaData, months: npt.NDArray[np.datetime64], covariates: Sequence[str] = POSTURE_COVARIATES
) -> npt.NDArray[np.float64]:
    """``(len(months), k)`` matrix of posture covariates (0/1) for any months, from the data's timeline.

    Examples
    --------
    >>> from peninsula.dynamics.loading import load_data
    >>> covariate_matrix(load_data(), np.array(["2018-06"], dtype="datetime64[M]"), ["summit_recent"])
    array([[1.]])
    """
    if not covariates:
        return np.zeros((len(months), 0))
    cols = posture_covariates(data.timeline, np.asarray(months, dtype="datetime64[M]"))
    unknown = [c for c in covariates if c not in cols]
    if unknown:
        raise ValueError(f"unknown covariates {unknown}; choose from {sorted(cols)}")
    return np.column_stack([cols[c] for c in covariates]).astype(np.float64)
