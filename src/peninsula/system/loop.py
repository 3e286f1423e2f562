"""The monthly loop: bargain on a calendar → posture sets the launch model's levers → launches → responses.

Every month ``j`` of the window, for all draws at once (``(draws, actors)`` arrays):

1. **bargain** (decision months only: the first month and the months of ``calendar.decision_months``): the
   bargaining model forecasts each posture issue from the actors' current positions and saliences; the
   forecast is the posture in force until the next decision;
2. **posture → levers**: exercises at or above ``exercise-full`` keep the full calendar (exercises in March,
   April, August, December; no suspension), below it the scaled-back calendar (March, August; the large-scale
   series counted as suspended) — the ``full`` / ``reduced`` calendars of ``whatif``; talks are held at a
   decision when the agreement set on the denuclearization issue is non-empty (some outcome every veto player
   accepts rather than the reversion, at the draw's current positions: :mod:`peninsula.kernels.agreement`;
   a ``talks`` event that month); a launch month may bring a new round of sanctions (rule
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

from peninsula.core import Scenario
from peninsula.core.rng import check_rng, fresh_seed
from peninsula.kernels.agreement import agreement_set
from peninsula.scenarios.cohesion import ALLIES, cohesion_from_sums, gap_and_weight
from peninsula.system.bargain import bargain
from peninsula.system.posture import PostureIssue, posture_issues
from peninsula.system.rules import Rule, RuleSet
from peninsula.system.spec import SystemSpec, Window, check_window, legacy_spec

if TYPE_CHECKING:
    import pandas as pd

    from peninsula.system.launches import LaunchStepper

__all__ = [
    "FULL_CALENDAR",
    "REDUCED_CALENDAR",
    "LoopState",
    "Setting",
    "SystemRun",
    "Trace",
    "initial_state",
    "observe",
    "run_system",
    "step_month",
]

FloatArray = npt.NDArray[np.float64]
#: Months of the year with an exercise in progress under each level (``whatif``'s ``full`` / ``reduced``).
FULL_CALENDAR = (3, 4, 8, 12)
REDUCED_CALENDAR = (3, 8)
LEVERS = ("exercise_active", "exercise_suspended", "talks_recent", "sanctions_recent")
_RECORD_END = np.datetime64("2023-12", "M")  # last month of the packaged record (docs/system.md, "Output")


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

    def __repr__(self) -> str:
        """One line: scenario, overlay, models, window, draws and seed (not every draw's path)."""
        overlay = f" + {self.overlay}" if self.overlay else ""
        window = f"{self.months[0]}..{self.months[-1]}" if self.months else "no months"
        return (
            f"<SystemRun {self.scenario!r}{overlay}: {self.model} / {self.launch_model}, {window} "
            f"({len(self.months)} months) x {self.n_draws:,} draws, seed {self.seed}>"
        )

    def _repr_html_(self) -> str:
        """Notebook view: per month the simulated launches (median and 80 % interval) beside the record."""
        from peninsula.core.display import html_table, number

        summary = self.launch_summary()
        rows = [
            [
                m,
                number(s["q50"]),
                f"{number(s['q10'])}–{number(s['q90'])}",
                "–" if obs is None else str(obs),
            ]
            for m, s, obs in zip(self.months, summary, self.observed_launches, strict=True)
        ]
        return html_table(
            ["month", f"{self.target} (median)", "80% interval", "recorded"],
            rows,
            caption=repr(self)[1:-1],
            notes=[".path and .to_dict() hold posture, cohesion and positions too"],
        )

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
    if month <= _RECORD_END:  # what the record says about relief and a deal holds for 2016-2023 only
        if "sanctions" in issues:
            out[issues["sanctions"].issue] = issues["sanctions"].lower  # no UN or U.S. measure lifted
        if "talks" in issues:
            out[issues["talks"].issue] = issues["talks"].lower  # no dismantlement agreed
    return out


# -- the loop: spec -> initial state -> month steps -> observation ------------------------------------------
@dataclass(frozen=True)
class Setting:
    """What a run holds fixed: the spec placed in the data, the posture issues, the rules' drawn values.

    Attributes
    ----------
    spec, window:
        The run and its months in the data.
    issues:
        Role -> posture issue; ``idx`` role -> actor id -> column; ``capabilities`` role -> ``(actors,)``.
    modelled:
        Event types the loop simulates (``exercise``, ``talks``, ``sanctions``); the others stay as recorded.
    record:
        Lever -> ``(months,)`` covariates of the record without the modelled events inside the window.
    pre:
        The timeline rows kept (history, and what is not modelled).
    rules, values:
        The rules in force and each rule's value per draw (``(draws,)``).
    u_sanctions:
        ``(draws, months)`` uniforms behind new sanctions rounds.
    stepper:
        The launch model, stepped one month at a time (parameters and count uniforms already drawn).
    cohesion_base:
        ``(sum w d, sum w)`` over the allies' shared issues that are not posture issues (constant through
        the run), or ``None`` when the scenario lacks the pair.
    """

    spec: SystemSpec
    window: Window
    issues: dict[str, PostureIssue]
    idx: dict[str, dict[str, int]]
    capabilities: dict[str, FloatArray]
    modelled: frozenset[str]
    talks_modelled: bool
    record: dict[str, FloatArray]
    pre: tuple[Any, ...]
    rules: RuleSet
    values: dict[str, FloatArray]
    u_sanctions: FloatArray
    stepper: LaunchStepper
    cohesion_base: tuple[float, float] | None
    exercise_full: float
    talks_terms: TalksTerms | None
    quiet_months: int
    decisions: frozenset[int]


@dataclass
class LoopState:
    """What moves from month to month: positions, saliences, the posture in force and the event memory.

    Arrays are per draw: ``x``, ``s`` role -> ``(draws, actors)``; ``outcome`` role -> ``(draws,)`` (the
    last decision's outcome); ``full`` whether the full exercise calendar is in force; ``quiet_run`` the
    consecutive launch-free months; ``talks_events`` and ``sanction_events`` ``(draws, months)``.
    """

    x: dict[str, FloatArray]
    s: dict[str, FloatArray]
    outcome: dict[str, FloatArray]
    full: npt.NDArray[np.bool_]
    quiet_run: npt.NDArray[np.int64]
    talks_events: npt.NDArray[np.bool_]
    sanction_events: npt.NDArray[np.bool_]


@dataclass
class Trace:
    """What each month leaves behind (the arrays of :class:`SystemRun`), filled by :func:`step_month`."""

    launches: npt.NDArray[np.int64]
    nb_shape: FloatArray
    nb_prob: FloatArray
    posture: dict[str, FloatArray]
    positions: dict[str, FloatArray]
    levers: dict[str, FloatArray]
    cohesion: FloatArray | None

    @classmethod
    def empty(cls, setting: Setting) -> Trace:
        """Zeroed arrays for ``setting``'s draws and months."""
        D, M = setting.spec.draws, setting.spec.months
        return cls(
            launches=np.zeros((D, M), dtype=np.int64),
            nb_shape=np.zeros((D, M)),
            nb_prob=np.zeros((D, M)),
            posture={p.issue: np.zeros((D, M)) for p in setting.issues.values()},
            positions={p.issue: np.zeros((D, M, len(p.actors))) for p in setting.issues.values()},
            levers={k: np.zeros((D, M)) for k in LEVERS},
            cohesion=np.zeros((D, M)) if setting.cohesion_base is not None else None,
        )


def _cohesion_base(scenario: Scenario, issues: Mapping[str, PostureIssue]) -> tuple[float, float] | None:
    """Sums of :func:`~peninsula.scenarios.cohesion.gap_and_weight` over the allies' shared issues that are
    not posture issues (they do not move), or ``None`` without both allies or a shared issue."""
    if not all(any(st.actor == a for st in scenario.stances) for a in ALLIES):
        return None
    num = den = 0.0
    shared = False
    posture_ids = {p.issue for p in issues.values()}
    a, b = ALLIES
    for issue in scenario.issues:
        st = {t.actor: t for t in scenario.stances_on(issue.id) if t.actor in ALLIES}
        if len(st) < 2:
            continue
        shared = True
        if issue.id in posture_ids:
            continue
        d, w = gap_and_weight(st[a].position, st[b].position, st[a].salience, st[b].salience, issue.span)
        num += w * d
        den += w
    return (num, den) if shared else None


def _rule_values(rule: Rule, draws: int, gen: np.random.Generator, uncertainty: bool) -> FloatArray:
    """One value of ``rule`` per draw: uniform in its range, or from its Beta posterior if it is estimated
    (the inverse CDF of the same uniform, so both consume one number per draw); its value without
    ``uncertainty``."""
    if not uncertainty or rule.high <= rule.low:
        return np.full(draws, rule.value)
    if rule.beta is None:
        return gen.uniform(rule.low, rule.high, draws)
    from scipy import stats

    return np.asarray(stats.beta.ppf(gen.uniform(0.0, 1.0, draws), *rule.beta), dtype=np.float64)


def initial_state(
    spec: SystemSpec, data: Any, stepper: LaunchStepper, gen: np.random.Generator
) -> tuple[Setting, LoopState]:
    """The run's fixed setting and its state before the first month.

    Draws, from ``gen`` and in this order, the launch model's parameters and count uniforms
    (``stepper.begin``, exactly as ``run_whatif`` draws them), then the rules' values (one uniform per rule
    in its range, when ``spec.rule_uncertainty``), then the uniforms behind sanctions rounds.
    """
    from peninsula.dynamics.covariates import posture_covariates

    window = check_window(spec, data)
    scenario, rs = spec.scenario, spec.rule_set
    issues = posture_issues(scenario)
    D, M = spec.draws, spec.months
    stepper.begin(D, M, gen)
    values = {r.id: _rule_values(r, D, gen, spec.rule_uncertainty) for r in rs.rules}
    u_sanctions = gen.random((D, M))

    idx = {role: {a: k for k, a in enumerate(p.actors)} for role, p in issues.items()}
    talks_terms = _talks_terms(scenario, issues["talks"].issue) if "talks" in issues else None
    talks_modelled = "talks" in issues and "DPRK" in idx["talks"] and talks_terms is not None
    modelled = frozenset(
        t
        for t, ok in (
            ("exercise", "exercises" in issues),
            ("talks", talks_modelled),
            ("sanctions", "sanctions" in issues),
        )
        if ok
    )
    start_day = window.first.astype("datetime64[D]").astype(dt.date)
    pre = tuple(e for e in data.timeline if not (e.type in modelled and e.date >= start_day))
    setting = Setting(
        spec=spec,
        window=window,
        issues=issues,
        idx=idx,
        capabilities={role: scenario.issue_data(p.issue).capabilities for role, p in issues.items()},
        modelled=modelled,
        talks_modelled=talks_modelled,
        record=posture_covariates(list(pre), window.months),
        pre=pre,
        rules=rs,
        values=values,
        u_sanctions=u_sanctions,
        stepper=stepper,
        cohesion_base=_cohesion_base(scenario, issues),
        exercise_full=rs.constant("exercise-full"),
        talks_terms=talks_terms,
        quiet_months=round(rs.constant("quiet-months")),
        decisions=frozenset(rs.calendar.decision_months),
    )
    # consecutive launch-free months before the start, from the record
    hist = data.monthly.target(spec.target)[: window.pos]
    nz = np.flatnonzero(hist > 0)
    state = LoopState(
        x={role: np.tile(scenario.issue_data(p.issue).positions, (D, 1)) for role, p in issues.items()},
        s={role: np.tile(scenario.issue_data(p.issue).saliences, (D, 1)) for role, p in issues.items()},
        outcome={},
        full=np.ones(D, dtype=bool),
        quiet_run=np.full(D, len(hist) - 1 - (int(nz[-1]) if nz.size else -1)),
        talks_events=np.zeros((D, M), dtype=bool),
        sanction_events=np.zeros((D, M), dtype=bool),
    )
    return setting, state


def _bargain(setting: Setting, state: LoopState, j: int) -> None:
    """Decision month: bargain every posture issue; set the exercise calendar and this month's talks."""
    issues, x = setting.issues, state.x
    for role, p in issues.items():
        state.outcome[role] = bargain(
            setting.spec.model, x[role], state.s[role], setting.capabilities[role], p.span
        )
    if "exercises" in issues:
        p = issues["exercises"]
        state.full = state.outcome["exercises"] >= p.lower + setting.exercise_full * p.span
    if setting.talks_modelled and setting.talks_terms is not None:
        p, terms = issues["talks"], setting.talks_terms
        r, low, high = np.asarray(terms.reversion, dtype=np.float64), terms.accept_low, terms.accept_high
        w = agreement_set(x["talks"].T, r, low, high, terms.vetoes, p.lower, p.upper)
        state.talks_events[:, j] = w.nonempty


@dataclass(frozen=True)
class TalksTerms:
    """What decides talks on the denuclearization issue (issue 21): the veto players, their acceptance limits
    (``(actors, 1)``, NaN = the single-peaked default) and the reversion. Talks are held at a decision when
    the agreement set at the draw's current positions is non-empty."""

    vetoes: npt.NDArray[np.bool_]
    accept_low: FloatArray
    accept_high: FloatArray
    reversion: float


def _talks_terms(scenario: Scenario, issue_id: str) -> TalksTerms | None:
    """The talks issue's terms, or ``None`` when it has no reversion (nor status quo): without one no
    agreement set is defined, and talks stay as recorded."""
    d = scenario.issue_data(issue_id)
    r = d.issue.reversion_value
    if r is None:
        return None
    n = len(d.actor_ids)
    nan = np.full(n, np.nan)
    low = d.accept_low if d.accept_low is not None else nan
    high = d.accept_high if d.accept_high is not None else nan
    vetoes = d.vetoes if d.vetoes is not None else np.zeros(n, dtype=bool)
    return TalksTerms(np.asarray(vetoes, dtype=bool), low[:, None], high[:, None], float(r))


def _levers(setting: Setting, state: LoopState, j: int, moy: int) -> dict[str, FloatArray]:
    """Month ``j``'s launch-model covariates per draw: the record, with the modelled levers simulated."""
    D = setting.spec.draws
    cov: dict[str, FloatArray] = {k: np.full(D, float(v[j])) for k, v in setting.record.items()}
    if "exercise" in setting.modelled:
        active = np.where(state.full, moy in FULL_CALENDAR, moy in REDUCED_CALENDAR)
        cov["exercise_active"] = active.astype(np.float64)
        cov["exercise_suspended"] = np.where(state.full, 0.0, 1.0)
    if "talks" in setting.modelled:
        recent = state.talks_events[:, max(0, j - 2) : j + 1].any(axis=1)
        cov["talks_recent"] = np.maximum(cov["talks_recent"], recent.astype(np.float64))
    if "sanctions" in setting.modelled:
        recent = state.sanction_events[:, max(0, j - 3) : j].any(axis=1) if j > 0 else np.zeros(D, dtype=bool)
        cov["sanctions_recent"] = np.maximum(cov["sanctions_recent"], recent.astype(np.float64))
    return cov


def _respond(setting: Setting, state: LoopState, j: int, y: npt.NDArray[np.int64]) -> None:
    """The response rules: move positions and saliences, and draw new sanctions rounds."""
    D, issues, idx, x, s = setting.spec.draws, setting.issues, setting.idx, state.x, state.s
    state.quiet_run = np.where(y > 0, 0, state.quiet_run + 1)
    quiet = state.quiet_run >= setting.quiet_months
    if setting.talks_modelled:
        talks_now = state.talks_events[:, j]
    else:
        talks_now = np.full(D, _talks_row(setting.pre, setting.window.months[j]))
    for rule in setting.rules.rules:
        v = setting.values[rule.id]
        if rule.trigger == "launch":
            f = 1.0 - (1.0 - v) ** y
        elif rule.trigger == "quiet":
            f = v * quiet
        else:
            f = v * talks_now
        if rule.effect == "sanctions-round":
            if "sanctions" in issues:
                p = issues["sanctions"]
                h = (state.outcome["sanctions"] - p.dovish_end) / (p.hawkish_end - p.dovish_end)
                u = setting.u_sanctions[:, j]
                state.sanction_events[:, j] |= (y > 0) & (u < v * np.clip(h, 0.0, 1.0))
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


def _cohesion(setting: Setting, state: LoopState) -> FloatArray | None:
    """U.S.-ROK cohesion per draw now: the constant issues' sums plus the posture issues' current gaps."""
    if setting.cohesion_base is None:
        return None
    D = setting.spec.draws
    num = np.full(D, setting.cohesion_base[0])
    den = np.full(D, setting.cohesion_base[1])
    a, b = ALLIES
    for role, p in setting.issues.items():
        ia, ib = setting.idx[role].get(a), setting.idx[role].get(b)
        if ia is None or ib is None:
            continue
        x, s = state.x[role], state.s[role]
        d, w = gap_and_weight(x[:, ia], x[:, ib], s[:, ia], s[:, ib], p.span)
        num += w * d
        den += w
    return np.asarray(cohesion_from_sums(num, den), dtype=np.float64)


def step_month(setting: Setting, state: LoopState, trace: Trace, j: int) -> None:
    """Month ``j``: bargain (on the calendar), set the levers, draw launches, apply the responses.

    Updates ``state`` and writes month ``j`` of ``trace``.
    """
    moy = int(setting.window.months[j].astype(np.int64) % 12 + 1)
    if j == 0 or moy in setting.decisions:
        _bargain(setting, state, j)
    for role, p in setting.issues.items():
        trace.posture[p.issue][:, j] = state.outcome[role]
    cov = _levers(setting, state, j, moy)
    for k in LEVERS:
        trace.levers[k][:, j] = cov[k]
    y, r_nb, p_nb = setting.stepper.step(j, cov)
    trace.launches[:, j], trace.nb_shape[:, j], trace.nb_prob[:, j] = y, r_nb, p_nb
    _respond(setting, state, j, y)
    for role, p in setting.issues.items():
        trace.positions[p.issue][:, j, :] = state.x[role]
    coh = _cohesion(setting, state)
    if trace.cohesion is not None and coh is not None:
        trace.cohesion[:, j] = coh


def observe(setting: Setting, trace: Trace, data: Any, seed: int, fit_note: str) -> SystemRun:
    """The run's result: the trace beside what the record says about the same months."""
    from peninsula.dynamics.covariates import posture_covariates
    from peninsula.dynamics.nbregression import EVIDENCE_NOTE

    spec, window, issues = setting.spec, setting.window, setting.issues
    covered = window.covered
    y_all = data.monthly.target(spec.target)
    observed = posture_covariates(data.timeline, window.months)
    M = spec.months
    notes = [EVIDENCE_NOTE, fit_note + f"; the window starts {window.start}"]
    exo = sorted({"summit", "election", "season"} | ({"exercise", "talks", "sanctions"} - setting.modelled))
    notes.append(f"exogenous (as recorded): {', '.join(exo)}")
    if not covered.all():
        notes.append(
            f"months after {window.last_data} are beyond the data: a forecast, no record to score; the "
            "recorded events (summits, and the exogenous levers) are absent there; the bargaining state is "
            f"the scenario's ({spec.scenario.date})"
        )
    return SystemRun(
        scenario=spec.scenario.id,
        overlay=spec.overlay,
        model=spec.model,
        launch_model=setting.stepper.name,
        target=spec.target,
        start=window.start,
        months=tuple(str(m) for m in window.months),
        n_draws=spec.draws,
        seed=seed,
        rules=setting.rules,
        launches=trace.launches,
        nb_shape=trace.nb_shape,
        nb_prob=trace.nb_prob,
        posture=trace.posture,
        positions=trace.positions,
        actors={p.issue: p.actors for p in issues.values()},
        levers=trace.levers,
        cohesion=trace.cohesion,
        observed_launches=tuple(int(y_all[window.pos + j]) if covered[j] else None for j in range(M)),
        observed_posture=tuple(
            _observed_posture(data.timeline, window.months[j], issues) if covered[j] else None
            for j in range(M)
        ),
        observed_levers={k: np.where(covered, observed[k], np.nan) for k in LEVERS},
        modelled=tuple(sorted(setting.modelled)),
        scales={p.issue: (p.lower, p.upper) for p in issues.values()},
        notes=tuple(notes),
    )


def run_system(
    spec: SystemSpec | Scenario,
    data: Any = None,
    *,
    stepper: LaunchStepper | None = None,
    launch_fit: Any = None,
    **keywords: Any,
) -> SystemRun:
    """Run the coupled simulation that ``spec`` describes (see the module docstring).

    Parameters
    ----------
    spec:
        The run (:class:`~peninsula.system.spec.SystemSpec`). A scenario with the run's keywords
        (``run_system(scenario, months=..., draws=...)``, the form before ``SystemSpec``) still works for one
        release, with a ``DeprecationWarning``.
    data:
        A :class:`~peninsula.dynamics.KoreaData` (default: the packaged data).
    stepper:
        A ready :class:`~peninsula.system.launches.LaunchStepper` (tests); replaces the fitted model.
    launch_fit:
        The launch model already fitted (by :func:`~peninsula.system.launches.fit_launch_model`) for
        ``spec.launch_model_name`` on ``spec.fit_end``, reused instead of fitting again (several runs).

    Raises
    ------
    ParameterError, InputError
        A window outside the data (:func:`~peninsula.system.spec.check_window`); a bad spec when given as
        keywords.
    """
    from peninsula.dynamics.loading import load_data
    from peninsula.system.launches import fit_launch_model, make_stepper

    if not isinstance(spec, SystemSpec):
        spec, rest = legacy_spec("run_system", spec, keywords)
        data = rest.pop("data", data)
        if rest:
            raise TypeError(f"run_system() got unexpected keyword arguments {sorted(rest)}")
    elif keywords:
        raise TypeError(
            f"run_system(spec, ...) takes no run keywords ({sorted(keywords)}): set them in the spec"
        )
    korea = data if data is not None else load_data()
    window = check_window(spec, korea)
    if stepper is None:
        name = spec.launch_model_name
        fit = (
            launch_fit if launch_fit is not None else fit_launch_model(korea, name, spec.target, spec.fit_end)
        )
        stepper = make_stepper(fit, name, korea, spec.target, window.pos)
        fit_note = f"launch model {name} fitted on {fit.first_month}..{fit.last_month}"
    else:
        fit_note = f"launch model {stepper.name} (given)"
    seed = spec.seed if spec.seed is not None else fresh_seed()
    setting, state = initial_state(spec, korea, stepper, check_rng(seed))
    trace = Trace.empty(setting)
    for j in range(spec.months):
        step_month(setting, state, trace, j)
    return observe(setting, trace, korea, seed, fit_note)


def _talks_row(timeline: Sequence[Any], month: np.datetime64) -> bool:
    """Whether a recorded ``talks`` row starts in ``month`` (talks as recorded, when not modelled)."""
    from peninsula.dynamics.covariates import month_index

    m = int(month.astype(np.int64))
    return any(e.type == "talks" and month_index(e.date) == m for e in timeline)
