"""Counterfactual posture paths: simulate launch counts under alternative alliance levers.

Levers (``--set KEY=VALUE``)
----------------------------
``exercises=full``
    Combined exercises in March, April, August and December (the Key Resolve/Foal Eagle, Ulchi Freedom
    Guardian and Vigilant Ace calendar of 2016-17, the series whose suspensions the timeline records) and
    no suspension in force.
``exercises=reduced``
    Exercises in March and August only (the scaled-back command-post training calendar of 2019-21) with
    the large-scale series counted as suspended, as it was when those drills ran.
``exercises=suspended``
    No exercises; a suspension in force throughout.
``exercises=recorded``
    The timeline as recorded (the default).
``summit=YYYY-MM`` / ``talks=YYYY-MM`` / ``sanctions=YYYY-MM``
    Add such an event in that month (repeatable). ``summit=none`` (etc.) removes every recorded event of
    that type, so that none affects the simulated months.

Simulation
----------
The model (default: the one the rolling-origin evaluation chooses for the target,
:data:`~peninsula.dynamics.registry.DEFAULT_MODELS`; ``regime``, ``combination``, ``local_level``,
``ingarch`` or ``posture`` by name) is fitted on every month of the data. For the dynamic models, each
path draws a parameter vector from the fit's Laplace approximation (the combination first draws the
path's component), filters the launch history up to the month before ``start`` and simulates month by month
(:func:`~peninsula.dynamics.registry.simulate_counts`). For the posture regression, each of ``n_sims``
parameter sets is drawn from the estimated sampling distribution (:meth:`NegBinRegressionFit.draw`), then
counts are simulated month by month, feeding simulated launches back into the self-excitation term. Both paths
share the parameter draws and the uniform numbers behind each month's count (common random
numbers), so their difference reflects the levers rather than simulation noise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats

from peninsula.core.errors import ParameterError
from peninsula.core.limits import check_sims
from peninsula.core.rng import RNGLike, check_rng
from peninsula.core.settings import parse_pairs
from peninsula.dynamics.covariates import (
    LAUNCH_MEMORY,
    SELF_EXCITATION,
    covariate_matrix,
    posture_covariates,
)
from peninsula.dynamics.loading import KoreaData, TimelineEvent, parse_month
from peninsula.dynamics.nbregression import (
    EVIDENCE_NOTE,
    MAX_LOG_MEAN,
    NegBinRegression,
    NegBinRegressionFit,
)
from peninsula.dynamics.registry import DEFAULT_MODELS, DYNAMIC_EVIDENCE_NOTE, DYNAMIC_MODELS, DynamicFit

__all__ = [
    "EXERCISE_CALENDARS",
    "WHATIF_MODELS",
    "Levers",
    "PathSummary",
    "WhatIf",
    "parse_levers",
    "run_whatif",
]

# Month-of-year calendars of the exercise levers, read off the recorded timeline (see module docstring).
EXERCISE_CALENDARS: dict[str, tuple[tuple[int, ...], float]] = {
    # lever: (months of year with an exercise in progress, exercise_suspended flag)
    "full": ((3, 4, 8, 12), 0.0),
    "reduced": ((3, 8), 1.0),
    "suspended": ((), 1.0),
}
EXERCISE_CHOICES = ("recorded", *EXERCISE_CALENDARS)
EVENT_LEVERS = ("summit", "talks", "sanctions")
WHATIF_MODELS = (*DYNAMIC_MODELS, "posture")


@dataclass(frozen=True)
class Levers:
    """An alternative posture path.

    Attributes
    ----------
    exercises:
        One of ``recorded``, ``full``, ``reduced``, ``suspended``.
    add:
        ``(type, "YYYY-MM")`` events to add (type in summit, talks, sanctions).
    remove:
        Event types whose recorded rows are all removed.
    """

    exercises: str = "recorded"
    add: tuple[tuple[str, str], ...] = ()
    remove: tuple[str, ...] = ()

    def describe(self) -> dict[str, Any]:
        """Plain-dict description for reports and JSON."""
        return {"exercises": self.exercises, "add": [list(a) for a in self.add], "remove": list(self.remove)}


def parse_levers(settings: Sequence[str]) -> Levers:
    """Parse ``KEY=VALUE`` strings into :class:`Levers`.

    Raises
    ------
    ParameterError
        On an unknown key or a bad value.

    Examples
    --------
    >>> parse_levers(["exercises=suspended", "summit=2019-06"]).add
    (('summit', '2019-06'),)
    """
    exercises = "recorded"
    add: list[tuple[str, str]] = []
    remove: list[str] = []
    for key, value in parse_pairs(settings):
        if key == "exercises":
            if value not in EXERCISE_CHOICES:
                raise ParameterError(f"exercises must be one of {', '.join(EXERCISE_CHOICES)}, got {value!r}")
            exercises = value
        elif key in EVENT_LEVERS:
            if value == "none":
                remove.append(key)
                continue
            try:
                parse_month(value)
            except ValueError as exc:
                raise ParameterError(f"{key}: {exc} (or 'none')") from exc
            add.append((key, value))
        else:
            keys = ", ".join(("exercises", *EVENT_LEVERS))
            raise ParameterError(f"unknown lever {key!r}; known levers: {keys}")
    return Levers(exercises=exercises, add=tuple(add), remove=tuple(dict.fromkeys(remove)))


@dataclass(frozen=True)
class PathSummary:
    """Simulated counts along one posture path.

    Attributes
    ----------
    mean, p10, p25, p50, p75, p90:
        Per-month predictive mean and quantiles (counts per month).
    total:
        ``n_sims`` simulated totals over the whole window (counts).
    covariates:
        Posture covariates used along the path, name → per-month values.
    """

    mean: npt.NDArray[np.float64]
    p10: npt.NDArray[np.float64]
    p25: npt.NDArray[np.float64]
    p50: npt.NDArray[np.float64]
    p75: npt.NDArray[np.float64]
    p90: npt.NDArray[np.float64]
    total: npt.NDArray[np.float64]
    covariates: dict[str, npt.NDArray[np.float64]]

    @classmethod
    def from_draws(
        cls, draws: npt.NDArray[np.float64], covariates: dict[str, npt.NDArray[np.float64]]
    ) -> PathSummary:
        """Summarise an ``(n_sims, n_months)`` array of simulated counts."""
        q = np.quantile(draws, [0.1, 0.25, 0.5, 0.75, 0.9], axis=0)
        return cls(draws.mean(axis=0), q[0], q[1], q[2], q[3], q[4], draws.sum(axis=1), covariates)

    def total_summary(self) -> dict[str, float]:
        """Mean and 10th/50th/90th percentiles of the window total (counts)."""
        p10, p50, p90 = np.quantile(self.total, [0.1, 0.5, 0.9])
        return {"mean": float(self.total.mean()), "p10": float(p10), "p50": float(p50), "p90": float(p90)}


@dataclass(frozen=True)
class WhatIf:
    """Result of :func:`run_whatif`: the recorded and the alternative path, and their difference."""

    target: str
    months: tuple[str, ...]
    levers: Levers
    recorded: PathSummary
    alternative: PathSummary
    observed: tuple[int | None, ...]
    n_sims: int
    fit: NegBinRegressionFit | DynamicFit
    notes: tuple[str, ...]
    model: str = "posture"

    def difference(self) -> dict[str, float]:
        """Alternative minus recorded window total: mean, percentiles, P(alternative > / < recorded).

        The simulated totals are right-skewed (self-excitation compounds), so the median and the
        percentiles describe them better than the mean.
        """
        diff = self.alternative.total - self.recorded.total
        p10, p50, p90 = np.quantile(diff, [0.1, 0.5, 0.9])
        return {
            "mean": float(diff.mean()),
            "p10": float(p10),
            "p50": float(p50),
            "p90": float(p90),
            "prob_more": float(np.mean(diff > 0)),
            "prob_fewer": float(np.mean(diff < 0)),
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""

        def path(p: PathSummary) -> dict[str, Any]:
            return {
                "total": p.total_summary(),
                "monthly": [
                    {
                        "month": m,
                        "mean": float(p.mean[i]),
                        "p10": float(p.p10[i]),
                        "p50": float(p.p50[i]),
                        "p90": float(p.p90[i]),
                    }
                    for i, m in enumerate(self.months)
                ],
                "covariates": {k: [float(x) for x in v] for k, v in p.covariates.items()},
            }

        return {
            "target": self.target,
            "model": self.model,
            "from": self.months[0],
            "months": len(self.months),
            "levers": self.levers.describe(),
            "n_sims": self.n_sims,
            "fit": {"first_month": self.fit.first_month, "last_month": self.fit.last_month},
            "observed": [
                {"month": m, "observed": o} for m, o in zip(self.months, self.observed, strict=True)
            ],
            "recorded": path(self.recorded),
            "alternative": path(self.alternative),
            "difference": self.difference(),
            "notes": list(self.notes),
        }


def _alternative_timeline(timeline: Sequence[TimelineEvent], levers: Levers) -> list[TimelineEvent]:
    out = [e for e in timeline if e.type not in levers.remove]
    template = TimelineEvent(dt.date(1970, 1, 1), None, "other", None, "", 0)
    for kind, month in levers.add:
        year, mon = (int(p) for p in month.split("-"))
        out.append(replace(template, date=dt.date(year, mon, 1), type=kind))
    return out


def _path_covariates(
    timeline: Sequence[TimelineEvent], months: npt.NDArray[np.datetime64], exercises: str
) -> dict[str, npt.NDArray[np.float64]]:
    cols = posture_covariates(timeline, months)
    if exercises != "recorded":
        active_months, suspended = EXERCISE_CALENDARS[exercises]
        moy = months.astype(np.int64) % 12 + 1
        cols["exercise_active"] = np.isin(moy, active_months).astype(np.float64)
        cols["exercise_suspended"] = np.full(len(months), suspended)
    return cols


def _simulate(
    fit: NegBinRegressionFit,
    cols: Mapping[str, npt.NDArray[np.float64]],
    history: npt.NDArray[np.int64],
    betas: npt.NDArray[np.float64],
    alphas: npt.NDArray[np.float64],
    uniforms: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    n_sims, n_months = uniforms.shape
    names = fit.names
    counts = np.zeros((n_sims, LAUNCH_MEMORY + n_months))
    counts[:, :LAUNCH_MEMORY] = history[-LAUNCH_MEMORY:]
    for j in range(n_months):
        x = np.empty((n_sims, len(names)))
        for i, name in enumerate(names):
            if name == "const":
                x[:, i] = 1.0
            elif name == SELF_EXCITATION:
                x[:, i] = np.log1p(counts[:, j : j + LAUNCH_MEMORY].sum(axis=1))
            else:
                x[:, i] = cols[name][j]
        mu = np.exp(np.minimum(np.einsum("sk,sk->s", x, betas), MAX_LOG_MEAN))
        n = 1.0 / alphas
        counts[:, LAUNCH_MEMORY + j] = stats.nbinom.ppf(uniforms[:, j], n, n / (n + mu))
    return counts[:, LAUNCH_MEMORY:]


def run_whatif(
    data: KoreaData,
    start: str,
    n_months: int,
    levers: Levers,
    target: str = "events",
    n_sims: int = 2000,
    rng: RNGLike = None,
    model: str | None = None,
) -> WhatIf:
    """Simulate launch counts along the recorded and an alternative posture path.

    Parameters
    ----------
    data:
        Loaded counts and timeline.
    start:
        First simulated month, ``YYYY-MM``. The three months before it must be in the data (launch
        history); the window may run past the end of the data (the recorded path then has no events).
    n_months:
        Number of months to simulate (1..120).
    levers:
        The alternative posture (:func:`parse_levers`).
    target:
        ``"events"`` or ``"missiles"``.
    n_sims:
        Number of simulated paths (each with its own parameter draw).
    rng:
        Seed or generator (:func:`peninsula.core.rng.check_rng`).
    model:
        ``regime``, ``combination``, ``local_level``, ``ingarch`` or ``posture`` (default: the rolling
        evaluation's choice for the target, :data:`~peninsula.dynamics.registry.DEFAULT_MODELS`).

    Returns
    -------
    WhatIf

    Examples
    --------
    >>> from peninsula.dynamics.loading import load_data
    >>> w = run_whatif(load_data(), "2018-06", 12, parse_levers(["exercises=full"]), n_sims=200, rng=1)
    >>> len(w.months), w.recorded.mean.shape
    (12, (12,))
    """
    if not 1 <= n_months <= 120:
        raise ParameterError(f"--months must be between 1 and 120, got {n_months}")
    check_sims(n_sims)  # 10 .. MAX_SIMS: the simulated paths are held in memory
    first = parse_month(start)
    months_data = data.monthly.months
    pos = int(np.searchsorted(months_data, first))
    if pos < LAUNCH_MEMORY or pos > len(months_data):
        raise ParameterError(
            f"--from {start}: the {LAUNCH_MEMORY} months before it must be in the data "
            f"({months_data[0]}..{months_data[-1]})"
        )
    name = model or DEFAULT_MODELS.get(target, "posture")
    if name not in WHATIF_MODELS:
        raise ParameterError(f"unknown launch model {name!r}; choose from {', '.join(WHATIF_MODELS)}")
    gen = check_rng(rng)
    history = data.monthly.target(target)[:pos]
    path_months = first + np.arange(n_months).astype("timedelta64[M]")
    rec_cols = _path_covariates(data.timeline, path_months, "recorded")
    alt_cols = _path_covariates(_alternative_timeline(data.timeline, levers), path_months, levers.exercises)
    fit: NegBinRegressionFit | DynamicFit
    if name == "posture":
        fit = NegBinRegression(target).fit(data)
        betas, alphas = fit.draw(n_sims, gen)
        uniforms = gen.random((n_sims, n_months))
        rec = _simulate(fit, rec_cols, history, betas, alphas, uniforms)
        alt = _simulate(fit, alt_cols, history, betas, alphas, uniforms)
        keys = [n for n in fit.names if n not in ("const", SELF_EXCITATION)]
    else:
        fit = DYNAMIC_MODELS[name](target).fit(data)
        keys = list(fit.covariates)
        past = (history, covariate_matrix(data, months_data[:pos], fit.covariates))
        thetas = fit.draw_thetas(n_sims, gen)
        uniforms = gen.random((n_sims, n_months))
        rec, alt = (
            fit.simulate(
                np.column_stack([cols[k] for k in keys]).reshape(n_months, len(keys)),
                n_sims,
                thetas=thetas,
                uniforms=uniforms,
                history=past,
            ).astype(np.float64)
            for cols in (rec_cols, alt_cols)
        )
    y = data.monthly.target(target)
    observed = tuple(int(y[pos + j]) if pos + j < len(y) else None for j in range(n_months))
    notes = [
        EVIDENCE_NOTE if name == "posture" else DYNAMIC_EVIDENCE_NOTE,
        f"model {name} fitted on {fit.first_month}..{fit.last_month}; counts simulated from launch history "
        f"to {months_data[pos - 1]}",
    ]
    if path_months[-1] > months_data[-1]:
        notes.append(
            f"months after {months_data[-1]} are beyond the data: the recorded path has no events there"
        )
    notes.extend(fit.notes[1:] if name == "posture" else fit.notes)
    return WhatIf(
        target=target,
        months=tuple(str(m) for m in path_months),
        levers=levers,
        recorded=PathSummary.from_draws(rec, {k: rec_cols[k] for k in keys}),
        alternative=PathSummary.from_draws(alt, {k: alt_cols[k] for k in keys}),
        observed=observed,
        n_sims=n_sims,
        fit=fit,
        notes=tuple(notes),
        model=name,
    )
