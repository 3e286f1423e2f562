"""The report pipeline: run everything the HTML report shows, then hand it to :mod:`peninsula.reports`.

:func:`collect_report` runs the forecast (or base vs. overlay on common random numbers), the sweep and the
sensitivity analysis when asked, cohesion across the packaged snapshots, the DPRK launch model's fan chart and
the coupled simulation, and returns a :class:`~peninsula.reports.report.ReportData`; :func:`build_report`
then renders it (:func:`peninsula.reports.report.render_html`), so that :mod:`peninsula.reports` only
renders. :func:`peninsula.api.report` is the public entry point.

The run id is a hash of everything that determines the numbers (scenario content, overlay, models and their
parameters, seed, rounds, version), so two reports with the same run id show the same forecast.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from peninsula.core import Scenario
from peninsula.core.rng import fresh_seed
from peninsula.models.base import Model
from peninsula.reports.report import LaunchPanel, Report, ReportData, charts, render_html

__all__ = [
    "COUPLED_DRAWS",
    "FAN_MONTHS",
    "FAN_SIMS",
    "LEVERS_MONTHS",
    "OVERLAY_LEVERS",
    "RECORD_MONTHS",
    "ReportSpec",
    "build_report",
    "collect_report",
    "run_id",
]

#: Overlays that map directly onto a lever of the launch model (docs/dynamics.md, "How the Korea scenario
#: overlays map onto these levers"); the other overlays only partly overlap or not at all, and the launch
#: panel then shows the recorded posture alone and says so.
OVERLAY_LEVERS: dict[str, tuple[str, ...]] = {"resume-exercises": ("exercises=full",)}

#: Months of launch record shown before the scenario's month, and months simulated from it.
RECORD_MONTHS = 24
FAN_MONTHS = 12
FAN_SIMS = 1000
COUPLED_DRAWS = 500
#: Months of the levers section's runs (``peninsula levers``' default).
LEVERS_MONTHS = 12


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("peninsula")
    except PackageNotFoundError:  # pragma: no cover - a source tree without metadata
        return "0+unknown"


def run_id(
    scenario: Scenario,
    overlay: str | None,
    models: Sequence[Model],
    seed: int,
    rounds: int | None,
    version: str,
) -> str:
    """12 hex digits of the SHA-256 of what determines a report's numbers.

    Examples
    --------
    >>> from peninsula.scenarios import load_packaged
    >>> from peninsula.models.baselines import Compromise
    >>> s = load_packaged("korea-2019-04")
    >>> a = run_id(s, None, [Compromise()], 1, None, "0.1.0")
    >>> b = run_id(s, None, [Compromise()], 2, None, "0.1.0")
    >>> a == run_id(s, None, [Compromise()], 1, None, "0.1.0"), a == b
    (True, False)
    """
    identity = {
        "scenario": scenario.model_dump(mode="json"),
        "overlay": overlay,
        "models": [[m.info.name, {k: repr(v) for k, v in m.get_params().items()}] for m in models],
        "seed": int(seed),
        "rounds": rounds,
        "version": version,
    }
    text = json.dumps(identity, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


# -- collecting ---------------------------------------------------------------------------------------------


def _launch_panel(scenario: Scenario, overlay: str | None, seed: int) -> tuple[LaunchPanel | None, list[str]]:
    """The launch model run from the scenario's month, or ``None`` with the reason."""
    import numpy as np

    from peninsula.dynamics import load_data, parse_levers, run_whatif

    if scenario.date is None:
        return None, ["DPRK launch panel: the scenario has no date, so there is no month to start from."]
    data = load_data()
    months = [str(m) for m in data.monthly.months]
    start = f"{scenario.date.year:04d}-{scenario.date.month:02d}"
    if start not in months:
        return None, [
            f"DPRK launch panel: the launch record ({months[0]}..{months[-1]}) does not cover {start}."
        ]
    k = months.index(start)
    if k < 3:
        return None, [f"DPRK launch panel: {start} has fewer than three months of launch history before it."]
    notes = []
    levers: tuple[str, ...] = ()
    if overlay is not None:
        levers = OVERLAY_LEVERS.get(overlay, ())
        if not levers:
            notes.append(
                f"DPRK launch panel: overlay '{overlay}' has no direct lever in the launch model "
                "(docs/dynamics.md); the fan shows the recorded posture only."
            )
    w = run_whatif(data, start, FAN_MONTHS, parse_levers(list(levers)), n_sims=FAN_SIMS, rng=seed)
    lo = max(0, k - RECORD_MONTHS)
    first = np.datetime64(months[lo], "M")
    window = [str(first + np.timedelta64(j, "M")) for j in range(k - lo + FAN_MONTHS)]
    counts = dict(zip(months, (float(v) for v in data.monthly.events), strict=True))
    observed = tuple(counts.get(m) for m in window)
    coupled, model, coupled_notes = _coupled_path(scenario, overlay, seed)
    panel = LaunchPanel(tuple(window), observed, start, w, levers, data.source, coupled, model)
    return panel, notes + coupled_notes


def _coupled_path(
    scenario: Scenario, overlay: str | None, seed: int
) -> tuple[dict[str, list[Any]] | None, str, list[str]]:
    """The coupled simulation's launch path (bargaining sets posture, posture drives launches, launches move
    the actors; :func:`peninsula.system.run_system`) over the fan's months, or ``None`` with the reason."""
    import numpy as np

    from peninsula.core import PeninsulaError
    from peninsula.scenarios import apply_overlay
    from peninsula.system import DEFAULT_MODEL, SystemSpec, run_system

    sc = apply_overlay(scenario, overlay) if overlay else scenario
    try:
        spec = SystemSpec(
            sc, months=FAN_MONTHS, model=DEFAULT_MODEL, draws=COUPLED_DRAWS, seed=seed, overlay=overlay
        )
        run = run_system(spec)
    except PeninsulaError as exc:
        return None, "", [f"Coupled simulation not shown: {exc}"]
    path = run.path
    cols: dict[str, list[Any]] = {"month": [str(m) for m in path["month"]]}
    for k in ("launches_q10", "launches_q50", "launches_q90"):
        cols[k] = [float(v) for v in path[k]]
    # the window total per draw: its q10, q50, q90 (the monthly medians need not add up to its median)
    cols["total"] = [float(v) for v in np.quantile(run.total(), [0.1, 0.5, 0.9])]
    notes = [f"Coupled simulation ({run.model}, {run.n_draws} draws): {n}" for n in run.notes]
    return cols, str(run.model), notes


def _snapshot_rows(models: Sequence[Model], seed: int, rounds: int | None) -> list[dict[str, Any]]:
    from peninsula.scenarios import cohesion, cohesion_after, has_allies, list_packaged, load_packaged
    from peninsula.simulate.forecast import forecast

    rows = []
    for info in list_packaged():
        sc = load_packaged(info.id)
        if not has_allies(sc):
            continue
        result = forecast(sc, [m.clone() for m in models], rounds=rounds, rng=seed)
        rows.append(
            {
                "scenario": sc.id,
                "date": sc.date.isoformat() if sc.date else "",
                "before": cohesion(sc).value,
                "after": {m: cohesion_after(sc, run).value for m, run in result.runs.items()},
            }
        )
    return rows


@dataclass(frozen=True)
class ReportSpec:
    """What a report shows: everything that determines its numbers, given once to the pipeline.

    Attributes
    ----------
    scenario:
        The base scenario.
    models:
        Model instances (as :func:`peninsula.api.resolve_models` gives them); at least one.
    overlay:
        A packaged overlay's name: base and overlay run side by side on one seed.
    seed:
        The seed of every stochastic part (models, launch simulations); ``None`` draws one when the report is
        collected and records it, so the report can be reproduced from its footer.
    rounds:
        Maximum rounds for iterative models.
    draws:
        Run a sweep of this many draws (:func:`peninsula.simulate.uncertainty.sweep`, on the same seed; with
        an overlay, base and overlay each) for intervals and outcome distributions, and a one-at-a-time
        sensitivity analysis of the first model for the tornado charts. ``None``: no sweep.
    snapshots:
        Also trace cohesion across the packaged snapshots (only for a U.S.-ROK scenario).
    launch:
        Also run the DPRK launch model and the coupled simulation from the scenario's month (only for a
        dated U.S.-ROK scenario).
    levers:
        Also rank every overlay that applies by its simulated effect (``peninsula levers`` over
        :data:`LEVERS_MONTHS` months, this many draws per candidate, on the same seed). ``None``: no section.
    full:
        Render every panel (:func:`peninsula.reports.report.charts`): positions by round on every issue,
        the tornadoes, every exchange variant's network. ``False`` (the default) renders the short report;
        what runs, and so every number and the run id, is the same either way.
    """

    scenario: Scenario
    models: tuple[Model, ...]
    overlay: str | None = None
    seed: int | None = None
    rounds: int | None = None
    draws: int | None = None
    snapshots: bool = True
    launch: bool = True
    levers: int | None = None
    full: bool = False

    def __post_init__(self) -> None:
        from peninsula.core import ParameterError
        from peninsula.core.limits import check_draws, check_rounds, check_seed

        if not self.models:
            raise ParameterError("--model: no model selected")
        check_seed(self.seed)
        check_rounds(self.rounds)
        if self.draws is not None:
            check_draws(self.draws)
        if self.levers is not None:
            check_draws(self.levers, "--levers")


def collect_report(spec: ReportSpec, on_step: Callable[[str], None] | None = None) -> ReportData:
    """Run everything the report ``spec`` shows and return it as a :class:`ReportData`.

    ``on_step`` is called with a short description before each step (progress).
    """
    from peninsula.scenarios import cohesion_by_model, has_allies, source_records
    from peninsula.simulate.forecast import forecast
    from peninsula.simulate.overlay import compare_overlay

    scenario, models, overlay = spec.scenario, spec.models, spec.overlay
    rounds, draws = spec.rounds, spec.draws
    step = on_step or (lambda _s: None)
    seed = fresh_seed() if spec.seed is None else int(spec.seed)
    version = _version()
    comparison = None
    step("forecast")
    if overlay is not None:
        comparison = compare_overlay(scenario, overlay, [m.clone() for m in models], rounds=rounds, rng=seed)
        result = comparison.base
        coh = comparison.cohesion_base
    else:
        result = forecast(scenario, [m.clone() for m in models], rounds=rounds, rng=seed)
        coh = cohesion_by_model(scenario, result.runs)
    data = ReportData(
        forecast=result,
        seed=seed,
        run_id=run_id(scenario, overlay, models, seed, rounds, version),
        version=version,
        models=list(models),
        rounds=rounds,
        cohesion=coh,
        comparison=comparison,
        sources=source_records(scenario),
        created=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        full=spec.full,
    )
    if draws is not None:
        from peninsula.simulate.uncertainty import sensitivity, sweep

        step(f"sweep of {draws} draws")
        data.sweep = sweep(scenario, [m.clone() for m in models], draws=draws, seed=seed, rounds=rounds)
        if overlay is not None:
            step(f"sweep of {draws} draws with the overlay")
            data.sweep_overlay = sweep(
                scenario, [m.clone() for m in models], draws=draws, seed=seed, rounds=rounds, overlay=overlay
            )
        step("sensitivity")
        data.sensitivity = sensitivity(scenario, models[0].clone(), seed=seed % 2**32, rounds=rounds)
    if spec.snapshots and has_allies(scenario):
        step("cohesion across snapshots")
        data.snapshots = _snapshot_rows(models, seed, rounds)
    if spec.launch and has_allies(scenario):
        step("launch model")
        data.launch, notes = _launch_panel(scenario, overlay, seed)
        data.notes += notes
    if spec.levers is not None:
        step(f"levers ({spec.levers} draws per candidate)")
        data.levers, notes = _levers(scenario, spec.levers, seed)
        data.notes += notes
    return data


def _levers(scenario: Scenario, draws: int, seed: int) -> tuple[dict[str, Any] | None, list[str]]:
    """Every overlay that applies, through the coupled simulation (``peninsula levers``), or the reason
    there is none."""
    from peninsula.core import PeninsulaError
    from peninsula.system import SystemSpec
    from peninsula.system.levers import DEFAULT_ROBUST_DRAWS, LeverSpec, run_levers

    try:
        spec = LeverSpec(
            SystemSpec(scenario, months=LEVERS_MONTHS, draws=draws, seed=seed),
            robust_draws=min(draws, DEFAULT_ROBUST_DRAWS),
        )
        if not spec.candidates():
            return None, ["Levers: no overlay applies to this scenario."]
        return run_levers(spec).to_dict(), []
    except PeninsulaError as exc:
        return None, [f"Levers not shown: {exc}"]


def build_report(spec: ReportSpec, on_step: Callable[[str], None] | None = None) -> Report:
    """Collect and render the report ``spec`` (:func:`collect_report`, then
    :func:`~peninsula.reports.report.render_html`); nothing is written."""
    data = collect_report(spec, on_step)
    if on_step is not None:
        on_step("charts")
    figures = charts(data)
    return Report(render_html(data, figures), figures, data)
