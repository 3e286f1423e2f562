"""Does the alliance's posture move North Korea's launches? The effect of each lever, estimated two ways.

Levers (:data:`LEVERS`)
-----------------------
``exercises_held``
    A combined exercise held at full scale begins (an ``exercise`` row that counts as held, see
    :func:`~peninsula.dynamics.covariates.held_exercise`, and is not one of :data:`SCALED_BACK`).
``exercises_scaled_back``
    A scaled-back exercise begins (:data:`SCALED_BACK`: the command-post drills that replaced the large
    series in 2019-2021, as the timeline's own rows describe them; a coded classification).
``exercises_suspended``
    An exercise is suspended, cancelled or terminated (an ``exercise`` row with value 0).
``talks``
    A ``talks`` row (talks held, a policy review, an accepted or cancelled meeting, as the timeline records).
``new_sanctions``
    A ``sanctions`` row that adopted new sanctions (every such row except those in
    :data:`~peninsula.dynamics.covariates.NOT_ADOPTED`).

(a) From the models
-------------------
Each launch model is fitted on every month of the data (2016-2023 on the packaged copy) and the lever's
coefficient is read with its 90 % interval (:func:`model_effects`): the NB2 posture regression (a rate
ratio of the month's expected launches, Wald interval), the local level (a rate ratio) and INGARCH (a
multiplier of the baseline; both Laplace intervals under their Normal(0, 0.5²) prior), and the regime model
(an odds ratio of the *active regime next month*; Laplace interval). A scaled-back exercise is what the
what-if lever ``exercises=reduced`` simulates — an exercise held while the large series is suspended — so its
effect is the sum of the ``exercise_active`` and ``exercise_suspended`` coefficients (interval from their
joint covariance). These are associations inside each model's assumptions.

(b) A design that depends on no model: an event study against placebo months
-----------------------------------------------------------------------------
For a lever with event months e_1..e_n, a month m has an outcome window starting ``offset`` months after it,
``length`` months long (:class:`Lever`: the event month and the two after it; for new sanctions, which
usually answer a launch in the same month, the three months *after* it) and a baseline window, the
``length`` months before m. With Y_m the mean monthly count over the outcome window and B_m over the
baseline window, the headline estimate (:func:`event_study`, ``baseline=True``) is a difference in
differences,

    τ̂ = mean_i (Y_{e_i} − B_{e_i}) − mean_{p ∈ P} (Y_p − B_p)                                       (E1)

in launches per month: how much more the count rises from the months before an event to the months after
it than it does around a placebo month. Placebo months P are months whose two windows lie in the data and
hold no event of the lever and — for the exercise levers — whose outcome window holds no exercise at all
("non-exercise months"). Taking the change rather than the level removes what is slow — the 2016-17 and
2022 campaigns, the 2018 diplomacy, the weapons plan announced in January 2021 — which would otherwise be
credited to whichever lever happened in those years; ``baseline=False`` compares levels
(mean_i Y_{e_i} − mean_P Y_p) and is reported beside it to show what the slow part does. Two events less
than ``length`` months apart share a window: the later one is merged into the earlier.

The interval and p-value come from a two-sample permutation test (Fisher's randomisation inference;
Imbens & Rubin 2015, *Causal Inference for Statistics, Social, and Biomedical Sciences*, ch. 5): under "no
effect" the labels event / placebo are exchangeable, so the null distribution of (E1) is that of the
difference in means after a random relabelling of the n + |P| months, drawn ``draws`` times; the p-value is
P(|τ_b| ≥ |τ̂|). The interval inverts the test for a constant additive effect τ, approximately: the
permutation distribution of the same statistic with τ̂ taken off the events gives
[τ̂ − q_{1−α/2}, τ̂ − q_{α/2}]. It assumes what any permutation test assumes — that, absent the lever, an
event month is exchangeable with a placebo month — and reads every count as fixed. That fails where the
lever answers the launches themselves (sanctions follow a burst, so the change after them is biased down by
the burst's end) or moves with something else inside a few months (talks and summits came together in
2018); see docs/dynamics.md, "Confounding".
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from peninsula.core.rng import RNGLike, check_rng
from peninsula.dynamics.covariates import (
    NOT_ADOPTED,
    POSTURE_COVARIATES,
    held_exercise,
    month_index,
    posture_covariates,
    suspended_exercise,
)
from peninsula.dynamics.ingarch import IngarchModel
from peninsula.dynamics.loading import KoreaData, TimelineEvent
from peninsula.dynamics.locallevel import LocalLevelModel
from peninsula.dynamics.nbregression import NegBinRegression
from peninsula.dynamics.regime import RegimeModel

__all__ = [
    "DRAWS",
    "LEVERS",
    "SCALED_BACK",
    "DesignEffect",
    "Lever",
    "ModelEffect",
    "PostureEffects",
    "estimate_posture_effects",
    "event_study",
    "lever_events",
    "merge_events",
    "model_effects",
    "placebo_mask",
]

#: Randomisation draws behind each interval and p-value of the design.
DRAWS = 20_000


@dataclass(frozen=True)
class Lever:
    """One posture lever: its events, its outcome window and its coefficients in the models.

    Attributes
    ----------
    name, label:
        Key and a short description.
    coefficients:
        Posture covariates whose coefficients sum to the lever's effect in a model.
    offset, length:
        The outcome window of an event in month m: months m + offset .. m + offset + length − 1.
    events:
        What counts as an event (one line).
    """

    name: str
    label: str
    coefficients: tuple[str, ...]
    offset: int
    length: int
    events: str


LEVERS: dict[str, Lever] = {
    "exercises_held": Lever(
        "exercises_held",
        "combined exercises held (full scale)",
        ("exercise_active",),
        0,
        3,
        "start month of an exercise held at full scale",
    ),
    "exercises_scaled_back": Lever(
        "exercises_scaled_back",
        "exercises scaled back (held while the large series is suspended)",
        ("exercise_active", "exercise_suspended"),
        0,
        3,
        "start month of a scaled-back exercise (SCALED_BACK)",
    ),
    "exercises_suspended": Lever(
        "exercises_suspended",
        "exercises suspended, cancelled or terminated",
        ("exercise_suspended",),
        0,
        3,
        "month of an exercise row with value 0",
    ),
    "talks": Lever("talks", "talks", ("talks_recent",), 0, 3, "month of a talks row"),
    "new_sanctions": Lever(
        "new_sanctions",
        "new sanctions adopted",
        ("sanctions_recent",),
        1,
        3,
        "month of a sanctions row that adopted sanctions (outcome: the three months after it)",
    ),
}

#: Exercise rows of the timeline classified as *scaled back* (coded judgement from the rows' own text, quoted;
#: keyed by start date). The covariates never read text; this classification is used only by the lever
#: ``exercises_scaled_back`` of the event study, and a row held but not listed here counts as full scale.
SCALED_BACK: tuple[tuple[dt.date, str], ...] = (
    (dt.date(2019, 3, 4), "Dong Maeng 19-1 CPX held (replaces Key Resolve); Nine-day command post exercise"),
    (
        dt.date(2019, 8, 11),
        "Summer Combined Command Post Training held (replaces UFG); 10-day computer-simulated CPX, no troop "
        "mobilization",
    ),
    (dt.date(2020, 8, 18), "Summer 2020 CCPT held, scaled back"),
    (dt.date(2021, 3, 8), "Spring 2021 CCPT held, scaled back"),
    (dt.date(2021, 8, 16), "Summer 2021 CCPT held, scaled back"),
)


def _scaled_back(event: TimelineEvent) -> bool:
    return held_exercise(event) and any(event.date == d for d, _ in SCALED_BACK)


def lever_events(timeline: Sequence[TimelineEvent], lever: str) -> list[int]:
    """Event months of ``lever`` (months since 1970-01, sorted, one per month).

    Examples
    --------
    >>> from peninsula.dynamics.loading import load_data
    >>> [str(np.datetime64(m, "M")) for m in lever_events(load_data().timeline, "exercises_suspended")]
    ['2018-06', '2018-10', '2019-03', '2020-02']
    """
    if lever == "exercises_held":
        rows = [e for e in timeline if held_exercise(e) and not _scaled_back(e)]
    elif lever == "exercises_scaled_back":
        rows = [e for e in timeline if _scaled_back(e)]
    elif lever == "exercises_suspended":
        rows = [e for e in timeline if suspended_exercise(e)]
    elif lever == "talks":
        rows = [e for e in timeline if e.type == "talks"]
    elif lever == "new_sanctions":
        rows = [e for e in timeline if e.type == "sanctions" and (e.date, e.type) not in NOT_ADOPTED]
    else:
        raise ValueError(f"unknown lever {lever!r}; choose from {', '.join(LEVERS)}")
    return sorted({month_index(e.date) for e in rows})


def merge_events(events: Sequence[int], length: int) -> list[int]:
    """Events with every event less than ``length`` months after a kept one merged into it (sorted).

    Examples
    --------
    >>> merge_events([5, 3, 4, 9, 12], 3)
    [3, 9, 12]
    """
    kept: list[int] = []
    for m in sorted(set(int(e) for e in events)):
        if not kept or m - kept[-1] >= length:
            kept.append(m)
    return kept


def placebo_mask(
    months: npt.NDArray[np.datetime64],
    events: Sequence[int],
    lever: Lever,
    exercise_held: npt.NDArray[np.float64] | None = None,
) -> npt.NDArray[np.bool_]:
    """Placebo months of ``lever``: both windows (the ``length`` months before, and the outcome window) in
    the data and clear of every event's windows; with ``exercise_held`` (0/1 per month), also no exercise
    held in the outcome window (a non-exercise month).

    Examples
    --------
    >>> months = np.arange("2020-01", "2021-01", dtype="datetime64[M]")
    >>> mask = placebo_mask(months, [int(months[0].astype(np.int64))], LEVERS["talks"])
    >>> np.flatnonzero(mask).tolist()   # from month 3 (a full baseline), clear of Jan's windows up to Jun
    [6, 7, 8, 9]
    """
    idx = np.asarray(months, dtype="datetime64[M]").astype(np.int64)
    n = len(idx)
    ok = np.zeros(n, dtype=bool)
    hits = set(int(e) for e in events)
    reach = lever.offset + 2 * lever.length - 1  # windows of months i and e overlap iff |i - e| <= reach
    for i in range(n):
        lo, hi = i - lever.length, i + lever.offset + lever.length
        if lo < 0 or hi > n:
            continue
        if any(int(idx[i]) + k in hits for k in range(-reach, reach + 1)):
            continue
        if exercise_held is not None and bool(np.any(exercise_held[i + lever.offset : hi] > 0)):
            continue
        ok[i] = True
    return ok


@dataclass(frozen=True)
class DesignEffect:
    """The event-study estimate of one lever ((E1), or the level comparison).

    Attributes
    ----------
    estimate, low, high:
        τ̂ and its permutation interval, launches per month.
    p_value:
        Two-sided permutation p-value.
    level:
        Interval level.
    method:
        Description.
    events:
        Event months used (``YYYY-MM``).
    dropped:
        Event months left out (a window beyond the data, or merged into an earlier event).
    n_placebo:
        Placebo months.
    event_mean, placebo_mean:
        Mean outcome (the change from the baseline window with ``baseline``, else the level) of the events
        and of the placebo months, launches per month.
    """

    estimate: float
    low: float
    high: float
    p_value: float
    level: float
    method: str
    events: tuple[str, ...]
    dropped: tuple[str, ...]
    n_placebo: int
    event_mean: float
    placebo_mean: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (``estimate, low, high, method`` first)."""
        return {
            "estimate": self.estimate,
            "low": self.low,
            "high": self.high,
            "method": self.method,
            "scale": "launches per month, events minus placebo months",
            "p_value": self.p_value,
            "level": self.level,
            "n_events": len(self.events),
            "events": list(self.events),
            "dropped": list(self.dropped),
            "n_placebo": self.n_placebo,
            "event_mean": self.event_mean,
            "placebo_mean": self.placebo_mean,
        }


def _window_means(y: npt.NDArray[np.float64], offset: int, length: int) -> npt.NDArray[np.float64]:
    """Mean of ``y`` over months m + offset .. m + offset + length − 1 for each m (NaN outside the data)."""
    n = len(y)
    out = np.full(n, np.nan)
    for i in range(n):
        lo, hi = i + offset, i + offset + length
        if lo >= 0 and hi <= n:
            out[i] = float(np.mean(y[lo:hi]))
    return out


def event_study(
    y: npt.ArrayLike,
    months: npt.NDArray[np.datetime64],
    events: Sequence[int],
    placebo: npt.NDArray[np.bool_],
    offset: int = 0,
    length: int = 3,
    baseline: bool = True,
    level: float = 0.9,
    draws: int = DRAWS,
    rng: RNGLike = 0,
) -> DesignEffect:
    """The event-study estimate (E1) with its permutation interval and p-value (module docstring).

    Parameters
    ----------
    y:
        Monthly counts, aligned with ``months``.
    months:
        ``datetime64[M]``, consecutive.
    events:
        Event months (months since 1970-01); merged (:func:`merge_events`), and dropped when a window
        leaves the data.
    placebo:
        Boolean mask of placebo months (see :func:`placebo_mask`).
    offset, length:
        Outcome window; the baseline window is the ``length`` months before the event month.
    baseline:
        ``True``: the change from the baseline window (E1); ``False``: the outcome level.
    level:
        Interval level.
    draws:
        Randomisation draws.
    rng:
        Seed or generator (:func:`peninsula.core.rng.check_rng`).

    Examples
    --------
    >>> months = np.arange("2020-01", "2023-01", dtype="datetime64[M]")
    >>> y = np.zeros(36); y[[5, 6, 7, 17, 18, 19]] = 2.0      # two launches a month after each event
    >>> ev = [int(months[5].astype(np.int64)), int(months[17].astype(np.int64))]
    >>> r = event_study(y, months, ev, placebo_mask(months, ev, LEVERS["talks"]), draws=2000)
    >>> r.estimate, r.events
    (2.0, ('2020-06', '2021-06'))
    """
    yy = np.asarray(y, dtype=np.float64)
    idx = np.asarray(months, dtype="datetime64[M]").astype(np.int64)
    if len(yy) != len(idx):
        raise ValueError(f"{len(yy)} counts for {len(idx)} months")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    outcome = _window_means(yy, offset, length)
    if baseline:
        outcome = outcome - _window_means(yy, -length, length)
    pos = {int(m): i for i, m in enumerate(idx)}
    kept = merge_events(events, length)
    merged = sorted(set(int(e) for e in events) - set(kept))
    used = [pos[m] for m in kept if m in pos and np.isfinite(outcome[pos[m]])]
    dropped = sorted(merged + [m for m in kept if m not in pos or not np.isfinite(outcome[pos[m]])])
    pool = np.flatnonzero(np.asarray(placebo, dtype=bool) & np.isfinite(outcome))
    what = "change from the 3 months before, minus the same at placebo months" if baseline else "level"
    window = f"t{offset:+d}..t{offset + length - 1:+d}"
    method = (
        f"event study ({what}), window {window}; permutation test and interval, {draws} relabellings"
    ).replace("3 months", f"{length} months")
    names = tuple(str(np.datetime64(int(idx[i]), "M")) for i in used)
    gone = tuple(str(np.datetime64(m, "M")) for m in dropped)
    if not used or len(pool) < 2:
        nan = math.nan
        return DesignEffect(nan, nan, nan, nan, level, method, names, gone, len(pool), nan, nan)
    ev = outcome[np.asarray(used)]
    base = outcome[pool]
    estimate = float(np.mean(ev) - np.mean(base))
    gen = check_rng(rng)
    n_ev = len(ev)
    # one random relabelling per draw: the first n_ev of a random permutation are the "events"
    order = np.argsort(gen.random((draws, n_ev + len(base))), axis=1)

    def relabelled(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        perm = values[order]
        diff = perm[:, :n_ev].mean(axis=1) - perm[:, n_ev:].mean(axis=1)
        return np.asarray(diff, dtype=np.float64)

    null = relabelled(np.concatenate([ev, base]))
    shifted = relabelled(np.concatenate([ev - estimate, base]))
    alpha = 1.0 - level
    q_lo, q_hi = np.quantile(shifted, [alpha / 2.0, 1.0 - alpha / 2.0])
    p_value = float(np.mean(np.abs(null) >= abs(estimate) - 1e-12))
    return DesignEffect(
        estimate=estimate,
        low=estimate - float(q_hi),
        high=estimate - float(q_lo),
        p_value=p_value,
        level=level,
        method=method,
        events=names,
        dropped=gone,
        n_placebo=len(pool),
        event_mean=float(np.mean(ev)),
        placebo_mean=float(np.mean(base)),
    )


@dataclass(frozen=True)
class ModelEffect:
    """A lever's effect read off one fitted model's posture coefficients.

    Attributes
    ----------
    model:
        ``posture``, ``local_level``, ``ingarch`` or ``regime``.
    estimate, low, high:
        The ratio and its interval.
    scale:
        What the ratio multiplies (1 = no effect).
    method:
        Description (fit window, interval).
    """

    model: str
    estimate: float
    low: float
    high: float
    scale: str
    method: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "model": self.model,
            "estimate": self.estimate,
            "low": self.low,
            "high": self.high,
            "method": self.method,
            "scale": self.scale,
        }


_SCALES = {
    "posture": ("rate ratio of the month's expected launches", "Wald"),
    "local_level": ("rate ratio of the month's expected launches", "Laplace"),
    "ingarch": ("multiplier of the baseline intensity", "Laplace"),
    "regime": ("odds ratio of the active regime next month", "Laplace"),
}
EFFECT_MODELS = tuple(_SCALES)


def _ratio(
    names: Sequence[str], coef: npt.NDArray[np.float64], cov: npt.NDArray[np.float64], lever: Lever, z: float
) -> tuple[float, float, float]:
    c = np.array([1.0 if n in lever.coefficients else 0.0 for n in names])
    b = float(c @ coef)
    se = math.sqrt(max(float(c @ cov @ c), 0.0))
    return math.exp(b), math.exp(b - z * se), math.exp(b + z * se)


def model_effects(
    data: KoreaData, target: str = "events", level: float = 0.9, models: Sequence[str] = EFFECT_MODELS
) -> dict[str, list[ModelEffect]]:
    """Each lever's effect in each model fitted on all of ``data`` (module docstring, (a)).

    Returns
    -------
    dict
        Lever name → one :class:`ModelEffect` per model.
    """
    from scipy import stats

    z = float(stats.norm.ppf(0.5 + level / 2))
    out: dict[str, list[ModelEffect]] = {name: [] for name in LEVERS}
    for model in models:
        scale, kind = _SCALES[model]
        if model == "posture":
            nb = NegBinRegression(target).fit(data)
            names, coef, cov = nb.names, nb.params, nb.fit.cov
            window = f"{nb.first_month}..{nb.last_month}"
        else:
            dynamic: dict[str, type[LocalLevelModel | IngarchModel | RegimeModel]] = {
                "local_level": LocalLevelModel,
                "ingarch": IngarchModel,
                "regime": RegimeModel,
            }
            fit = dynamic[model](target).fit(data)
            k = len(POSTURE_COVARIATES)
            theta, full = fit.params.theta, fit.params.cov
            names, coef, cov = (
                fit.covariates,
                theta[len(theta) - k :],
                full[len(theta) - k :, len(theta) - k :],
            )
            window = f"{fit.first_month}..{fit.last_month}"
        method = (
            f"{model} fitted on {window}: exp(sum of the lever's coefficients), {kind} {level:.0%} interval"
        )
        for name, lever in LEVERS.items():
            est, lo, hi = _ratio(names, np.asarray(coef), np.asarray(cov), lever, z)
            out[name].append(ModelEffect(model, est, lo, hi, scale, method))
    return out


@dataclass(frozen=True)
class PostureEffects:
    """Result of :func:`estimate_posture_effects`: the design's estimates (the change from the months before,
    (E1), and the level comparison) and the models' coefficients per lever."""

    target: str
    first_month: str
    last_month: str
    level: float
    effects: dict[str, DesignEffect]
    levels: dict[str, DesignEffect]
    models: dict[str, list[ModelEffect]]
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """``{"effects": {lever: {estimate, low, high, method, ...}}, "posture_effects": {...}}``.

        ``effects`` holds the headline, model-independent estimate per lever (the event study (E1));
        ``posture_effects`` the level comparison, each model's coefficient and the notes.
        """
        return {
            "effects": {k: v.to_dict() for k, v in self.effects.items()},
            "posture_effects": {
                "target": self.target,
                "first_month": self.first_month,
                "last_month": self.last_month,
                "level": self.level,
                "levers": {
                    k: {
                        "label": lev.label,
                        "events": lev.events,
                        "window": [lev.offset, lev.offset + lev.length - 1],
                        "coefficients": list(lev.coefficients),
                    }
                    for k, lev in LEVERS.items()
                },
                "levels": {k: v.to_dict() for k, v in self.levels.items()},
                "models": {k: [m.to_dict() for m in v] for k, v in self.models.items()},
                "notes": list(self.notes),
            },
        }


def estimate_posture_effects(
    data: KoreaData,
    target: str = "events",
    level: float = 0.9,
    draws: int = DRAWS,
    rng: RNGLike = 0,
    models: Sequence[str] = EFFECT_MODELS,
) -> PostureEffects:
    """Every lever's effect: the event study ((E1) and the level comparison) and each model's coefficients.

    Examples
    --------
    >>> from peninsula.dynamics.loading import load_data
    >>> pe = estimate_posture_effects(load_data(), draws=500, models=("posture",))
    >>> sorted(pe.effects) == sorted(LEVERS), pe.models["talks"][0].model
    (True, 'posture')
    """
    months = data.monthly.months
    y = data.monthly.target(target).astype(np.float64)
    held = posture_covariates(data.timeline, months)["exercise_active"]
    gen = check_rng(rng)
    effects: dict[str, DesignEffect] = {}
    levels: dict[str, DesignEffect] = {}
    for name, lever in LEVERS.items():
        events = lever_events(data.timeline, name)
        exercise = held if name.startswith("exercises_") else None
        mask = placebo_mask(months, events, lever, exercise)
        for with_baseline, store in ((True, effects), (False, levels)):
            store[name] = event_study(
                y, months, events, mask, lever.offset, lever.length, with_baseline, level, draws, gen
            )
    notes = (
        "Associations in one series of monthly counts: the design compares the change in launches around "
        "each event with the change around placebo months, which removes slow movements (campaign years, "
        "the 2018 diplomacy) but not what moves with a lever within months (docs/dynamics.md, Confounding).",
    )
    return PostureEffects(
        target=target,
        first_month=str(months[0]),
        last_month=str(months[-1]),
        level=level,
        effects=effects,
        levels=levels,
        models=model_effects(data, target, level, models),
        notes=notes,
    )
