"""The monthly loop: bargain on a calendar → posture sets the launch model's levers → launches → responses.

Every month ``j`` of the window, for all draws at once (``(draws, actors)`` arrays):

1. **bargain** (decision months only: the first month and the months of ``calendar.decision_months``): the
   bargaining model forecasts each posture issue from the actors' current positions and saliences; the
   forecast is the posture in force until the next decision;
2. **posture → levers**: exercises at or above ``exercise-full`` keep the full calendar (exercises in March,
   April, August, December; no suspension), below it the scaled-back calendar (March, August; the large-scale
   series counted as suspended) — the ``full`` / ``reduced`` calendars of ``whatif``; talks are held at a
   decision when the bargained denuclearization outcome lies within ``talks-gap`` of the DPRK's position (a
   ``talks`` event that month); a launch month may bring a new round of sanctions (rule
   ``launch-sanctions-round``). Summits, elections and the season stay as recorded (exogenous); a lever
   whose issue the scenario lacks keeps the record too. Recorded events of the modelled types before the
   start still count (history); those inside the window are replaced by the simulated ones;
3. **launches**: drawn from the launch model (:mod:`peninsula.system.launches`) with parameter uncertainty;
4. **responses**: the rules of ``data/rules.yaml`` move positions and saliences.

Random numbers: the launch model's parameter draws and count uniforms first (exactly as ``run_whatif``
draws them), then the rules' values (one uniform draw per rule in its range, when ``rule_uncertainty``),
then the uniforms behind sanctions rounds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from peninsula.core import ParameterError, Scenario
from peninsula.system.bargain import DEFAULT_MODEL, bargain, check_model
from peninsula.system.posture import PostureIssue, posture_issues
from peninsula.system.rules import RuleSet, load_rules

if TYPE_CHECKING:
    import pandas as pd

    from peninsula.system.launches import LaunchStepper

__all__ = ["FULL_CALENDAR", "REDUCED_CALENDAR", "SystemRun", "run_system"]

FloatArray = npt.NDArray[np.float64]
#: Months of the year with an exercise in progress under each level (``whatif``'s ``full`` / ``reduced``).
FULL_CALENDAR = (3, 4, 8, 12)
REDUCED_CALENDAR = (3, 8)
LEVERS = ("exercise_active", "exercise_suspended", "talks_recent", "sanctions_recent")
_ALLIES = ("US", "ROK")
_RECORD_END = np.datetime64("2021-12", "M")  # last month of the packaged record (docs/system.md, "Output")


def _q(a: FloatArray) -> dict[str, float | None]:
    if np.all(np.isnan(a)):
        return {"q10": None, "q50": None, "q90": None}
    q10, q50, q90 = np.nanquantile(a, [0.1, 0.5, 0.9])
    return {"q10": float(q10), "q50": float(q50), "q90": float(q90)}


@dataclass(frozen=True)
class SystemRun:
    """One run of the loop: every draw's path, and what the record says.

    Attributes
    ----------
    scenario, overlay, model, launch_model, target:
        What ran.
    start:
        First simulated month ``YYYY-MM``.
    months:
        The simulated months.
    n_draws, seed:
        Draws and the seed that reproduces them.
    rules:
        The rules and constants in force.
    launches:
        ``(draws, months)`` simulated counts.
    nb_shape, nb_prob:
        ``(draws, months)`` each month's negative binomial predictive given the draw's past (for log scores).
    posture:
        Issue id → ``(draws, months)`` posture in force (the last decision's outcome), on the issue's scale.
    positions:
        Issue id → ``(draws, months, actors)`` positions at the end of each month.
    actors:
        Issue id → actor ids of ``positions``.
    levers:
        Lever → ``(draws, months)`` launch-model covariate values used.
    cohesion:
        ``(draws, months)`` U.S.–ROK cohesion at the end of each month, or ``None`` without both allies.
    observed_launches:
        Recorded counts where the data cover the month, else ``None``.
    observed_posture:
        Per month, the recorded posture on the issues the record speaks to, else ``None``.
    observed_levers:
        Lever → recorded covariate per month (``NaN`` beyond the data).
    notes:
        What the reader must know (evidence, exogenous levers, fit window).
    """

    scenario: str
    overlay: str | None
    model: str
    launch_model: str
    target: str
    start: str
    months: tuple[str, ...]
    n_draws: int
    seed: int | None
    rules: RuleSet
    launches: npt.NDArray[np.int64]
    nb_shape: FloatArray
    nb_prob: FloatArray
    posture: dict[str, FloatArray]
    positions: dict[str, FloatArray]
    actors: dict[str, tuple[str, ...]]
    levers: dict[str, FloatArray]
    cohesion: FloatArray | None
    observed_launches: tuple[int | None, ...]
    observed_posture: tuple[dict[str, float] | None, ...]
    observed_levers: dict[str, FloatArray]
    modelled: tuple[str, ...] = ()
    scales: dict[str, tuple[float, float]] = field(default_factory=dict)
    notes: tuple[str, ...] = field(default=())

    def launch_summary(self) -> list[dict[str, float | None]]:
        """Per month: mean and 10/50/90 % quantiles of the simulated launches."""
        y = self.launches.astype(np.float64)
        return [{"mean": float(y[:, j].mean()), **_q(y[:, j])} for j in range(len(self.months))]

    def total(self) -> npt.NDArray[np.int64]:
        """Window total per draw."""
        return np.asarray(self.launches.sum(axis=1), dtype=np.int64)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``peninsula simulate --format json`` (keys may be added, never renamed)."""
        launches = self.launch_summary()
        path = []
        for j, m in enumerate(self.months):
            obs = self.observed_posture[j]
            path.append(
                {
                    "month": m,
                    "launches": launches[j],
                    "observed_launches": self.observed_launches[j],
                    "posture": {i: _q(v[:, j]) for i, v in self.posture.items()},
                    "observed_posture": obs,
                    "cohesion": _q(self.cohesion[:, j]) if self.cohesion is not None else None,
                    "positions": {
                        i: {a: _q(p[:, j, k]) for k, a in enumerate(self.actors[i])}
                        for i, p in self.positions.items()
                    },
                    "levers": {k: float(v[:, j].mean()) for k, v in self.levers.items()},
                    "observed_levers": {
                        k: (None if np.isnan(v[j]) else float(v[j])) for k, v in self.observed_levers.items()
                    },
                }
            )
        tot = self.total().astype(np.float64)
        return {
            "scenario": self.scenario,
            "overlay": self.overlay,
            "model": self.model,
            "launch_model": self.launch_model,
            "target": self.target,
            "start": self.start,
            "months": len(self.months),
            "draws": self.n_draws,
            "seed": self.seed,
            "rules": [
                {k: r[k] for k in ("id", "value", "low", "high", "source", "reason", "kind")}
                for r in self.rules.records()
            ],
            "calendar": list(self.rules.calendar.decision_months),
            "modelled_levers": list(self.modelled),
            "total_launches": {"mean": float(tot.mean()), **_q(tot)},
            "path": path,
            "notes": list(self.notes),
        }

    @property
    def path(self) -> pd.DataFrame:
        """One row per month: launch mean and quantiles, observed launches, posture and cohesion medians."""
        import pandas as pd

        rows = []
        for j, m in enumerate(self.months):
            y = self.launches[:, j].astype(np.float64)
            row: dict[str, Any] = {
                "month": m,
                "launches_mean": float(y.mean()),
                **{f"launches_{k}": v for k, v in _q(y).items()},
                "observed_launches": self.observed_launches[j],
            }
            for i, v in self.posture.items():
                row[f"posture_{i}"] = float(np.median(v[:, j]))
            if self.cohesion is not None:
                row["cohesion"] = float(np.median(self.cohesion[:, j]))
            rows.append(row)
        return pd.DataFrame(rows)

    @property
    def draws(self) -> pd.DataFrame:
        """Long table: ``draw, month, variable, value`` (launches, posture per issue, cohesion)."""
        import pandas as pd

        n, m = self.launches.shape
        blocks: list[tuple[str, FloatArray]] = [("launches", self.launches.astype(np.float64))]
        blocks += [(f"posture:{i}", v) for i, v in self.posture.items()]
        if self.cohesion is not None:
            blocks.append(("cohesion", self.cohesion))
        frames = [
            pd.DataFrame(
                {
                    "draw": np.repeat(np.arange(n), m),
                    "month": np.tile(np.array(self.months), n),
                    "variable": name,
                    "value": arr.reshape(-1),
                }
            )
            for name, arr in blocks
        ]
        return pd.concat(frames, ignore_index=True)


# -- recorded posture ---------------------------------------------------------------------------------------
def _observed_posture(
    timeline: Sequence[Any], month: np.datetime64, issues: Mapping[str, PostureIssue]
) -> dict[str, float]:
    """The record's posture on the issues it speaks to, in the month (see docs/system.md)."""
    end = (month + np.timedelta64(1, "M")).astype("datetime64[D]").astype(dt.date)
    out: dict[str, float] = {}
    if "exercises" in issues:
        rows = [
            e
            for e in timeline
            if e.type == "exercise"
            and e.date < end
            and e.value is not None
            and (e.value == 0 or e.value_unit.startswith("US personnel"))
        ]
        if rows:
            out[issues["exercises"].issue] = float(max(rows, key=lambda e: e.date).value)
    if month <= _RECORD_END:  # what the record says about relief and a deal holds for 2016-2021 only
        if "sanctions" in issues:
            out[issues["sanctions"].issue] = issues["sanctions"].lower  # no UN or U.S. measure lifted
        if "talks" in issues:
            out[issues["talks"].issue] = issues["talks"].lower  # no dismantlement agreed
    return out


# -- the loop -----------------------------------------------------------------------------------------------
def _month(text: str, what: str) -> np.datetime64:
    from peninsula.dynamics.loading import parse_month

    try:
        return parse_month(text)
    except ValueError as exc:
        raise ParameterError(f"{what}: {exc}") from exc


def run_system(
    scenario: Scenario,
    *,
    months: int,
    model: str = DEFAULT_MODEL,
    launch_model: str | None = None,
    draws: int = 1000,
    seed: int | None = 0,
    data: Any = None,
    train_end: str | None = None,
    start: str | None = None,
    rules: RuleSet | None = None,
    rule_uncertainty: bool = True,
    target: str = "events",
    overlay: str | None = None,
    stepper: LaunchStepper | None = None,
    launch_fit: Any = None,
) -> SystemRun:
    """Run the coupled simulation from ``scenario`` for ``months`` months and ``draws`` draws.

    Parameters
    ----------
    scenario:
        A scenario with at least one posture issue (:func:`~peninsula.system.posture.posture_issues`);
        apply an overlay before (``overlay`` only labels the result).
    months:
        Window length; the window must end within the data (``data``: a longer series).
    model:
        Bargaining model (one of :data:`~peninsula.system.bargain.VECTORISED_MODELS`).
    launch_model:
        ``local_level``, ``ingarch`` or ``posture`` (default: the dynamics package's default for ``target``).
    draws, seed:
        Number of draws; the seed reproduces them (``None``: a fresh seed, recorded in the result).
    data:
        A :class:`~peninsula.dynamics.KoreaData` (default: the packaged data).
    train_end:
        Last month the launch model is fitted on (default: the month before the start).
    start:
        First month ``YYYY-MM`` (default: the month of the scenario's date).
    rules:
        Rules and constants (default: the packaged ``rules.yaml``).
    rule_uncertainty:
        Draw each rule's value uniformly in its range per draw (else use the point value).
    target:
        ``events`` or ``missiles``.
    stepper:
        A ready :class:`~peninsula.system.launches.LaunchStepper` (tests); replaces the fitted model.
    launch_fit:
        A launch model already fitted (by :func:`~peninsula.system.launches.fit_launch_model`) for
        ``launch_model``, reused instead of fitting again (sweeps, comparisons).

    Raises
    ------
    ParameterError, InputError
        Bad months, draws, start, model, or a scenario with no posture issue.
    """
    from peninsula.dynamics.covariates import LAUNCH_MEMORY, posture_covariates
    from peninsula.dynamics.loading import load_data
    from peninsula.system.launches import fit_launch_model, make_stepper

    check_model(model)
    issues = posture_issues(scenario)
    if months < 1:
        raise ParameterError(f"--months must be at least 1, got {months}")
    if draws < 10:
        raise ParameterError(f"--draws must be at least 10, got {draws}")
    korea = data if data is not None else load_data()
    if start is None:
        if scenario.date is None:
            raise ParameterError(f"scenario '{scenario.id}' has no date: give the start month")
        start = f"{scenario.date.year:04d}-{scenario.date.month:02d}"
    first = _month(start, "start")
    data_months = korea.monthly.months
    pos = int(np.searchsorted(data_months, first))
    last_data = data_months[-1]
    if pos < LAUNCH_MEMORY or first > last_data:
        raise ParameterError(
            f"start month {start} lies outside the data: it needs {LAUNCH_MEMORY} months of launch history "
            f"before it, within {data_months[0]}..{last_data}"
        )
    available = int((last_data - first).astype(np.int64)) + 1  # months from the start to the data's end
    if months > available:
        raise ParameterError(
            f"--months {months} from {start} runs beyond the data's last month {last_data} (at most "
            f"{available} months); give --data with a longer series or fewer months"
        )
    path_months = first + np.arange(months).astype("timedelta64[M]")
    rs = rules if rules is not None else load_rules()
    if stepper is None:
        lm_name = launch_model or _default_launch_model(target)
        fit_end = train_end if train_end is not None else str(first - np.timedelta64(1, "M"))
        _month(fit_end, "--train-end")
        fit = launch_fit if launch_fit is not None else fit_launch_model(korea, lm_name, target, fit_end)
        stepper = make_stepper(fit, lm_name, korea, target, pos)
        fit_note = f"launch model {lm_name} fitted on {fit.first_month}..{fit.last_month}"
    else:
        lm_name = stepper.name
        fit_note = f"launch model {lm_name} (given)"
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1, np.uint32)[0])
    gen = np.random.default_rng(seed)

    # 1. random numbers: launch model first (whatif order), then rule values, then sanctions-round uniforms
    D, M = draws, months
    stepper.begin(D, M, gen)
    values = {
        r.id: (gen.uniform(r.low, r.high, D) if rule_uncertainty and r.high > r.low else np.full(D, r.value))
        for r in rs.rules
    }
    u_sanctions = gen.random((D, M))

    # 2. state
    x = {role: np.tile(scenario.issue_data(p.issue).positions, (D, 1)) for role, p in issues.items()}
    s = {role: np.tile(scenario.issue_data(p.issue).saliences, (D, 1)) for role, p in issues.items()}
    c = {role: scenario.issue_data(p.issue).capabilities for role, p in issues.items()}
    idx = {role: {a: k for k, a in enumerate(p.actors)} for role, p in issues.items()}
    talks_modelled = "talks" in issues and "DPRK" in idx["talks"]
    modelled = {
        t
        for t, ok in (
            ("exercise", "exercises" in issues),
            ("talks", talks_modelled),
            ("sanctions", "sanctions" in issues),
        )
        if ok
    }
    start_day = first.astype("datetime64[D]").astype(dt.date)
    pre = [e for e in korea.timeline if not (e.type in modelled and e.date >= start_day)]
    rec = posture_covariates(pre, path_months)
    observed = posture_covariates(korea.timeline, path_months)
    covered = path_months <= last_data
    y_all = korea.monthly.target(target)

    # cohesion: issues both allies hold; posture issues vary, the rest are constants
    coh_const = None
    if all(any(st.actor == a for st in scenario.stances) for a in _ALLIES):
        num = den = 0.0
        shared = False
        posture_ids = {p.issue for p in issues.values()}
        for issue in scenario.issues:
            st = {t.actor: t for t in scenario.stances_on(issue.id) if t.actor in _ALLIES}
            if len(st) < 2:
                continue
            shared = True
            if issue.id in posture_ids:
                continue
            w = (st["US"].salience + st["ROK"].salience) / 2.0
            num += w * (abs(st["US"].position - st["ROK"].position) / issue.span if issue.span > 0 else 0.0)
            den += w
        coh_const = (num, den) if shared else None

    exercise_full = rs.constant("exercise-full")
    talks_gap = rs.constant("talks-gap")
    quiet_n = round(rs.constant("quiet-months"))
    decisions = set(rs.calendar.decision_months)

    launches = np.zeros((D, M), dtype=np.int64)
    shape = np.zeros((D, M))
    prob = np.zeros((D, M))
    posture_out = {p.issue: np.zeros((D, M)) for p in issues.values()}
    positions_out = {p.issue: np.zeros((D, M, len(p.actors))) for p in issues.values()}
    levers = {k: np.zeros((D, M)) for k in LEVERS}
    cohesion = np.zeros((D, M)) if coh_const is not None else None
    talks_events = np.zeros((D, M), dtype=bool)
    sanction_events = np.zeros((D, M), dtype=bool)
    outcome: dict[str, FloatArray] = {}
    full = np.ones(D, dtype=bool)
    # consecutive launch-free months before the start, from the record
    hist = y_all[:pos]
    nz = np.flatnonzero(hist > 0)
    quiet_run = np.full(D, len(hist) - 1 - (int(nz[-1]) if nz.size else -1))

    for j in range(M):
        moy = int(path_months[j].astype(np.int64) % 12 + 1)
        # -- bargain on the calendar
        if j == 0 or moy in decisions:
            for role, p in issues.items():
                outcome[role] = bargain(model, x[role], s[role], c[role], p.span)
            if "exercises" in issues:
                p = issues["exercises"]
                full = outcome["exercises"] >= p.lower + exercise_full * p.span
            if talks_modelled:
                p = issues["talks"]
                dprk = x["talks"][:, idx["talks"]["DPRK"]]
                talks_events[:, j] = np.abs(outcome["talks"] - dprk) <= talks_gap * p.span
        for role, p in issues.items():
            posture_out[p.issue][:, j] = outcome[role]
        # -- levers
        cov: dict[str, FloatArray] = {k: np.full(D, float(v[j])) for k, v in rec.items()}
        if "exercise" in modelled:
            active = np.where(full, moy in FULL_CALENDAR, moy in REDUCED_CALENDAR)
            cov["exercise_active"] = active.astype(np.float64)
            cov["exercise_suspended"] = np.where(full, 0.0, 1.0)
        if "talks" in modelled:
            recent = talks_events[:, max(0, j - 2) : j + 1].any(axis=1)
            cov["talks_recent"] = np.maximum(cov["talks_recent"], recent.astype(np.float64))
        if "sanctions" in modelled:
            recent = sanction_events[:, max(0, j - 3) : j].any(axis=1) if j > 0 else np.zeros(D, dtype=bool)
            cov["sanctions_recent"] = np.maximum(cov["sanctions_recent"], recent.astype(np.float64))
        for k in LEVERS:
            levers[k][:, j] = cov[k]
        # -- launches
        y, r_nb, p_nb = stepper.step(j, cov)
        launches[:, j], shape[:, j], prob[:, j] = y, r_nb, p_nb
        quiet_run = np.where(y > 0, 0, quiet_run + 1)
        quiet = quiet_run >= quiet_n
        talks_now = talks_events[:, j] if talks_modelled else np.full(D, _talks_row(pre, path_months[j]))
        # -- responses
        for rule in rs.rules:
            v = values[rule.id]
            if rule.trigger == "launch":
                f = 1.0 - (1.0 - v) ** y
            elif rule.trigger == "quiet":
                f = v * quiet
            else:
                f = v * talks_now
            if rule.effect == "sanctions-round":
                if "sanctions" in issues:
                    p = issues["sanctions"]
                    h = (outcome["sanctions"] - p.dovish_end) / (p.hawkish_end - p.dovish_end)
                    sanction_events[:, j] |= (y > 0) & (u_sanctions[:, j] < v * np.clip(h, 0.0, 1.0))
                continue
            for role in rule.roles:
                if role not in issues:
                    continue
                p = issues[role]
                for actor in rule.actors:
                    ka = idx[role].get(actor)
                    if ka is None:
                        continue
                    if rule.effect == "salience":
                        s[role][:, ka] += f * (1.0 - s[role][:, ka])
                        continue
                    goal: FloatArray = np.full(D, p.hawkish_end if rule.effect == "hawkish" else p.dovish_end)
                    if rule.effect == "dovish" and role == "talks" and "DPRK" in idx[role]:
                        goal = x[role][:, idx[role]["DPRK"]]
                    x[role][:, ka] += f * (goal - x[role][:, ka])
        for role, p in issues.items():
            positions_out[p.issue][:, j, :] = x[role]
        if cohesion is not None and coh_const is not None:
            c_num = np.full(D, coh_const[0])
            c_den = np.full(D, coh_const[1])
            for role, p in issues.items():
                ia, ib = idx[role].get("US"), idx[role].get("ROK")
                if ia is None or ib is None:
                    continue
                w_i = (s[role][:, ia] + s[role][:, ib]) / 2.0
                c_num += w_i * np.abs(x[role][:, ia] - x[role][:, ib]) / p.span
                c_den += w_i
            cohesion[:, j] = np.where(c_den > 0, 1.0 - c_num / np.where(c_den > 0, c_den, 1.0), np.nan)

    obs_launch = tuple(int(y_all[pos + j]) if covered[j] else None for j in range(M))
    obs_posture = tuple(
        _observed_posture(korea.timeline, path_months[j], issues) if covered[j] else None for j in range(M)
    )
    obs_levers = {k: np.where(covered, observed[k], np.nan) for k in LEVERS}
    from peninsula.dynamics.model import EVIDENCE_NOTE

    notes = [EVIDENCE_NOTE, fit_note + f"; the window starts {start}"]
    exo = sorted({"summit", "election", "season"} | ({"exercise", "talks", "sanctions"} - modelled))
    notes.append(f"exogenous (as recorded): {', '.join(exo)}")
    return SystemRun(
        scenario=scenario.id,
        overlay=overlay,
        model=model,
        launch_model=lm_name,
        target=target,
        start=start,
        months=tuple(str(m) for m in path_months),
        n_draws=D,
        seed=seed,
        rules=rs,
        launches=launches,
        nb_shape=shape,
        nb_prob=prob,
        posture=posture_out,
        positions=positions_out,
        actors={p.issue: p.actors for p in issues.values()},
        levers=levers,
        cohesion=cohesion,
        observed_launches=obs_launch,
        observed_posture=obs_posture,
        observed_levers=obs_levers,
        modelled=tuple(sorted(modelled)),
        scales={p.issue: (p.lower, p.upper) for p in issues.values()},
        notes=tuple(notes),
    )


def _talks_row(timeline: Sequence[Any], month: np.datetime64) -> bool:
    """Whether a recorded ``talks`` row starts in ``month`` (talks as recorded, when not modelled)."""
    from peninsula.dynamics.covariates import month_index

    m = int(month.astype(np.int64))
    return any(e.type == "talks" and month_index(e.date) == m for e in timeline)


def _default_launch_model(target: str) -> str:
    """The dynamics package's default launch model for ``target`` (its rolling evaluation's choice)."""
    from peninsula.dynamics.default import DEFAULT_MODELS

    return DEFAULT_MODELS.get(target, DEFAULT_MODELS["events"])
