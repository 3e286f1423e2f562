"""The Python API: load scenarios, run models, evaluate forecasts; results as pandas objects.

This package is the curated façade over the layers below (scenarios, models, simulate, system): the command
line and the web workbench call only this (and render through :mod:`peninsula.api.render`, the functions
of :mod:`peninsula.reports` they use), which an import-linter contract checks. Besides the analyses it offers
what the edges need around them: the scenario library (packaged ids, overlays, sources and their checks, the
record of what happened, cohesion), file formats (:func:`save`, :func:`detect_format`, the JSON Schema), the
model registry, the run store (:func:`resume_sweep`, :func:`stored_runs` ...), the response rules and the
kernels' warm-up. Every name is imported on first use, so ``import peninsula.api`` pulls in neither duckdb
nor dask nor pandas.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from peninsula.core import (
    Actor,
    InputError,
    InputProblem,
    Issue,
    IssueData,
    ParameterError,
    PeninsulaError,
    ScalePoint,
    Scenario,
    Source,
    Stance,
)

if TYPE_CHECKING:
    import pandas as pd  # imported where a table is built: the CLI and api start without pandas

    from peninsula.api._dynamics import (
        backtest,
        check_figure_target,
        launch_data,
        posture_effects,
        rolling,
        whatif,
    )
    from peninsula.api._levers import lever_comparison, lever_spec, levers, run_kind, stored_levers
    from peninsula.api._report import ReportSpec, build_report, collect_report, run_id
    from peninsula.api._runs import (
        compare_stored_runs,
        export_run,
        resume_sweep,
        store_path,
        stored_run,
        stored_run_id,
        stored_runs,
    )
    from peninsula.core.rng import RNGLike
    from peninsula.dynamics.loading import KoreaData
    from peninsula.io import check_target, detect_format, save, scenario_json_schema, write_text
    from peninsula.io import load as load_file
    from peninsula.io.outcomes import KnownOutcome, read_outcomes
    from peninsula.io.yaml_format import scenario_to_yaml
    from peninsula.models import Model, ModelInfo, ModelRun
    from peninsula.models.registry import REGISTRY, model_names
    from peninsula.reports.report import Report, ReportData
    from peninsula.scenarios import (
        DEFAULT_SCENARIO,
        SourceRecord,
        apply_overlay,
        check_sources,
        cohesion,
        cohesion_after,
        cohesion_by_model,
        file_source_problems,
        list_overlays,
        list_packaged,
        load,
        load_later_records,
        load_overlay,
        load_packaged,
        load_record,
        overlay_status,
        packaged_ids,
        record_horizon,
        source_problems,
        source_records,
    )
    from peninsula.scenarios.overlays import OverlayStatus, OverlayWarning
    from peninsula.scenarios.sources import describe_source, source_problem
    from peninsula.simulate.forecast import Forecast, ModelSpec, forecast, resolve_models
    from peninsula.simulate.overlay import OverlayComparison, compare_overlay
    from peninsula.simulate.store import StoreError
    from peninsula.simulate.uncertainty import Sensitivity, Sweep, sensitivity, sweep
    from peninsula.simulate.warmup import warmup
    from peninsula.system import (
        DEFAULT_MODEL,
        SystemBacktest,
        SystemComparison,
        SystemRun,
        SystemSpec,
        load_rules,
    )

#: Re-exported names -> ``module`` or ``module:attribute``, imported on first use (PEP 562), so that
#: ``import peninsula.api`` stays light (``peninsula models`` needs the registry, not duckdb).
_LAZY: dict[str, str] = {
    "DEFAULT_SCENARIO": "peninsula.scenarios",
    "REGISTRY": "peninsula.models.registry",
    "Forecast": "peninsula.simulate.forecast",
    "KnownOutcome": "peninsula.io.outcomes",
    "Model": "peninsula.models",
    "ModelInfo": "peninsula.models",
    "ModelRun": "peninsula.models",
    "ModelSpec": "peninsula.simulate.forecast",
    "OverlayComparison": "peninsula.simulate.overlay",
    "Sensitivity": "peninsula.simulate.uncertainty",
    "SourceRecord": "peninsula.scenarios",
    "Sweep": "peninsula.simulate.uncertainty",
    "apply_overlay": "peninsula.scenarios",
    "backtest": "peninsula.api._dynamics",
    "check_figure_target": "peninsula.api._dynamics",
    "launch_data": "peninsula.api._dynamics",
    "posture_effects": "peninsula.api._dynamics",
    "rolling": "peninsula.api._dynamics",
    "whatif": "peninsula.api._dynamics",
    "lever_comparison": "peninsula.api._levers",
    "lever_spec": "peninsula.api._levers",
    "levers": "peninsula.api._levers",
    "stored_levers": "peninsula.api._levers",
    "run_kind": "peninsula.api._levers",
    "check_sources": "peninsula.scenarios",
    "check_target": "peninsula.io",
    "cohesion": "peninsula.scenarios",
    "cohesion_after": "peninsula.scenarios",
    "cohesion_by_model": "peninsula.scenarios",
    "compare_overlay": "peninsula.simulate.overlay",
    "detect_format": "peninsula.io",
    "file_source_problems": "peninsula.scenarios",
    "forecast": "peninsula.simulate.forecast",
    "list_overlays": "peninsula.scenarios",
    "list_packaged": "peninsula.scenarios",
    "load": "peninsula.scenarios",
    "load_file": "peninsula.io:load",
    "load_overlay": "peninsula.scenarios",
    "load_packaged": "peninsula.scenarios",
    "load_record": "peninsula.scenarios",
    "load_later_records": "peninsula.scenarios",
    "record_horizon": "peninsula.scenarios",
    "overlay_status": "peninsula.scenarios",
    "OverlayStatus": "peninsula.scenarios",
    "OverlayWarning": "peninsula.scenarios",
    "describe_source": "peninsula.scenarios.sources",
    "model_names": "peninsula.models.registry",
    "packaged_ids": "peninsula.scenarios",
    "read_outcomes": "peninsula.io.outcomes",
    "resolve_models": "peninsula.simulate.forecast",
    "save": "peninsula.io",
    "scenario_json_schema": "peninsula.io",
    "scenario_to_yaml": "peninsula.io.yaml_format",
    "sensitivity": "peninsula.simulate.uncertainty",
    "source_problem": "peninsula.scenarios.sources",
    "source_problems": "peninsula.scenarios",
    "source_records": "peninsula.scenarios",
    "sweep": "peninsula.simulate.uncertainty",
    "write_text": "peninsula.io",
    "DEFAULT_MODEL": "peninsula.system",
    "Report": "peninsula.reports.report",
    "ReportData": "peninsula.reports.report",
    "ReportSpec": "peninsula.api._report",
    "StoreError": "peninsula.simulate.store",
    "SystemBacktest": "peninsula.system",
    "SystemComparison": "peninsula.system",
    "SystemRun": "peninsula.system",
    "SystemSpec": "peninsula.system",
    "build_report": "peninsula.api._report",
    "collect_report": "peninsula.api._report",
    "compare_stored_runs": "peninsula.api._runs",
    "export_run": "peninsula.api._runs",
    "load_rules": "peninsula.system",
    "resume_sweep": "peninsula.api._runs",
    "run_id": "peninsula.api._report",
    "store_path": "peninsula.api._runs",
    "stored_run": "peninsula.api._runs",
    "stored_run_id": "peninsula.api._runs",
    "stored_runs": "peninsula.api._runs",
    "warmup": "peninsula.simulate.warmup",
}


def __getattr__(name: str) -> Any:
    from peninsula.api._lazy import load_lazy

    return load_lazy(__name__, _LAZY, globals(), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_SCENARIO",
    "REGISTRY",
    "Actor",
    "Evaluation",
    "Forecast",
    "InputError",
    "InputProblem",
    "Issue",
    "IssueData",
    "KnownOutcome",
    "Model",
    "ModelInfo",
    "ModelRun",
    "ModelSpec",
    "OverlayComparison",
    "OverlayStatus",
    "OverlayWarning",
    "ParameterError",
    "PeninsulaError",
    "Report",
    "ReportData",
    "ReportSpec",
    "ScalePoint",
    "Scenario",
    "Sensitivity",
    "Source",
    "SourceRecord",
    "Stance",
    "StoreError",
    "Sweep",
    "SystemBacktest",
    "SystemComparison",
    "SystemRun",
    "SystemSpec",
    "apply_overlay",
    "backtest",
    "build_report",
    "check_figure_target",
    "check_sources",
    "check_target",
    "cohesion",
    "cohesion_after",
    "cohesion_by_model",
    "collect_report",
    "compare_overlay",
    "compare_stored_runs",
    "describe_source",
    "detect_format",
    "evaluate",
    "expand_paths",
    "export_run",
    "file_source_problems",
    "forecast",
    "launch_data",
    "lever_comparison",
    "lever_spec",
    "levers",
    "list_overlays",
    "list_packaged",
    "load",
    "load_file",
    "load_later_records",
    "load_overlay",
    "load_packaged",
    "load_record",
    "load_rules",
    "model_names",
    "overlay_status",
    "packaged_ids",
    "posture_effects",
    "read_outcomes",
    "record_horizon",
    "report",
    "resolve_models",
    "resume_sweep",
    "rolling",
    "rule_source_records",
    "run_id",
    "run_kind",
    "save",
    "scenario_json_schema",
    "scenario_to_yaml",
    "sensitivity",
    "simulate",
    "simulate_backtest",
    "simulate_compare",
    "simulate_sensitivity",
    "source_problem",
    "source_problems",
    "source_records",
    "store_path",
    "stored_levers",
    "stored_run",
    "stored_run_id",
    "stored_runs",
    "sweep",
    "system_spec",
    "warmup",
    "whatif",
    "write_text",
]


# -- report --------------------------------------------------------------------------------------------------


def report(
    scenario: Scenario | str | Path | None = None,
    models: str | ModelSpec | Sequence[ModelSpec] | None = "all",
    *,
    overlay: str | None = None,
    rounds: int | None = None,
    settings: Mapping[str, Any] | None = None,
    seed: int | None = None,
    draws: int | None = None,
    out: str | Path | None = None,
    png: str | Path | None = None,
    snapshots: bool = True,
    launch: bool = True,
    levers: int | None = None,
    full: bool = False,
    on_step: Callable[[str], None] | None = None,
) -> Report:
    """Build the self-contained HTML report of a scenario (what ``peninsula report`` writes).

    The report shows the scenario with every value's source, the forecast per issue and model (with
    intervals, outcome distributions and tornado charts when ``draws`` runs a sweep), positions by round,
    exchange networks, cohesion across the packaged snapshots, ``overlay`` side by side with the base, the
    DPRK launch panel and a footer with the version, the models' parameters, the seed and the run id. See
    ``docs/report.md``.

    Parameters
    ----------
    scenario:
        A scenario, file or packaged id (``None``: the default scenario).
    models, rounds, settings:
        As for :func:`forecast`.
    overlay:
        A packaged overlay: base and overlay side by side, on one seed.
    seed:
        Seed of every stochastic part; ``None`` draws one and prints it in the footer.
    draws:
        Run a sweep of this many draws for intervals and distributions (``None``: none).
    out:
        Write the HTML file here (atomically).
    png:
        Write every chart as a PNG into this folder (every panel's, even when ``full`` is ``False``).
    snapshots, launch:
        Include cohesion across the snapshots, and the DPRK launch panel.
    levers:
        Add the "Which lever?" section: every overlay that applies through the coupled simulation over 12
        months with this many draws each (:func:`levers`; ``None``: no section).
    full:
        Every panel: also positions by round on every issue, the tornado charts and every exchange
        variant's network (``peninsula report --full``). ``False``: the short report (the forecast table,
        the first exchange network, cohesion, the overlay, the launch panel, the levers and, with
        ``draws``, the outcome distributions; see ``docs/report.md``). The numbers are the same either way.
    on_step:
        Called with a short description of each step (progress).

    Returns
    -------
    peninsula.reports.report.Report
        ``.html``, ``.charts``, ``.run_id``, ``.data``.
    """
    from peninsula.api._report import ReportSpec, build_report
    from peninsula.scenarios import DEFAULT_SCENARIO, load
    from peninsula.simulate.forecast import resolve_models

    sc = scenario if isinstance(scenario, Scenario) else load(scenario or DEFAULT_SCENARIO)
    spec = ReportSpec(
        sc,
        tuple(resolve_models(models, settings)),
        overlay,
        seed,
        rounds,
        draws,
        snapshots,
        launch,
        levers,
        full,
    )
    result = build_report(spec, on_step)
    if out is not None:
        result.write(out)
    if png is not None:
        result.write_pngs(png)
    return result


# -- the response rules of the coupled simulation, as sources -----------------------------------------------


def rule_source_records() -> list[SourceRecord]:
    """The coupled simulation's response rules and constants as sourced values (``sources --rules``)."""
    from peninsula.scenarios import SourceRecord
    from peninsula.system import load_rules

    rs = load_rules()
    records = [SourceRecord("", None, f"rule {r.id}", r.value, r.source) for r in rs.rules]
    records += [SourceRecord("", None, f"rule {k}", c.value, c.source) for k, c in rs.constants.items()]
    return records


# -- evaluation ---------------------------------------------------------------------------------------------


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files named directly, plus every ``.csv``/``.txt`` file in named folders (sorted by name)."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out += sorted(q for q in p.iterdir() if q.is_file() and q.suffix.lower() in (".csv", ".txt"))
        elif p.is_file():
            out.append(p)
        else:
            raise InputError.single(str(p), None, "path", "no such file or folder")
        if p.is_dir() and not any(q.parent == p for q in out):
            raise InputError.single(str(p), None, "path", "the folder holds no .csv or .txt scenario file")
    return out


@dataclass
class Evaluation:
    """Forecast errors against known outcomes.

    ``errors`` has one row per model and issue: ``model, issue, file, forecast, outcome, error`` (absolute
    error on the issue's own scale) and ``group`` (the proposal or case). ``skipped`` lists issues without
    an outcome or a forecast. ``uncertainty`` holds, per model, the group-bootstrap interval of the MAE,
    the paired difference from ``compromise``, interval coverage and any cross-validation (see
    :func:`peninsula.simulate.evaluation.assess`).
    """

    errors: pd.DataFrame
    skipped: list[str] = field(default_factory=list)
    uncertainty: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def summary(self) -> pd.DataFrame:
        """Mean absolute error and number of issues per model, with the bootstrap interval where computed."""
        import pandas as pd

        g = self.errors.groupby("model", sort=False)["error"]
        df = pd.DataFrame({"mae": g.mean(), "n": g.size()})
        for key in ("mae_low", "mae_high"):
            df[key] = [self.uncertainty.get(str(m), {}).get(key, math.nan) for m in df.index]
        return df

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``peninsula evaluate --format json``: ``{"models": {M: {"mae", "n", "issues"}}}``."""
        out: dict[str, Any] = {}
        for m, grp in self.errors.groupby("model", sort=False):
            out[str(m)] = {
                "mae": float(grp["error"].mean()),
                "n": len(grp),
                "issues": {
                    str(issue): {"forecast": float(f), "outcome": float(o), "error": float(e)}
                    | _agreement_cells(grp, k)
                    for k, (issue, f, o, e) in enumerate(
                        zip(grp["issue"], grp["forecast"], grp["outcome"], grp["error"], strict=True)
                    )
                },
                **{k: v for k, v in self.uncertainty.get(str(m), {}).items() if k not in ("mae",)},
            }
        return {"models": out}


def _agreement_cells(grp: pd.DataFrame, k: int) -> dict[str, float]:
    """``p_agreement`` and ``agreement`` of row ``k`` where known (issue 21), else nothing."""
    out: dict[str, float] = {}
    for key in ("p_agreement", "agreement"):
        if key in grp.columns and math.isfinite(float(grp[key].iloc[k])):
            out[key] = float(grp[key].iloc[k])
    return out


def evaluate(
    paths: Sequence[str | Path],
    outcomes: str | Path | Mapping[str, KnownOutcome],
    models: str | ModelSpec | Sequence[ModelSpec] | None = "all",
    *,
    rounds: int | None = None,
    settings: Mapping[str, Any] | None = None,
    rng: RNGLike = None,
    on_file: Callable[[Path], None] | None = None,
    cv: int | None = None,
    n_boot: int = 2000,
    boot_seed: int = 0,
    normalise: bool = False,
) -> Evaluation:
    """Run models on scenario files and measure their error against known outcomes.

    Each issue with a known outcome gets its reference point (if the outcomes give one) as status quo,
    for the models that use one. Issues without an outcome, or without a forecast from a model, are left
    out of that model's mean and listed in ``skipped``. Errors are grouped by proposal (the outcomes'
    ``proposal`` column, else the file): the bootstrap (``n_boot`` replicates, seed ``boot_seed``)
    resamples whole groups, and ``cv`` = K adds grouped K-fold cross-validation of tunable models. With
    ``normalise`` every error is in percent of its issue's scale (``100 · |forecast − outcome| / span``), so
    that issues in different units can be averaged. Where the outcomes give ``agreement`` (1 agreed, 0 not)
    and a model reports ``p_agreement`` (the ``agreement`` model), its ``agreement`` block scores that
    probability: Brier and log score with group-bootstrap intervals beside a leave-one-group-out base rate
    (:func:`peninsula.simulate.evaluation.probability_scores`).

    Examples
    --------
    >>> import peninsula, pathlib
    >>> deu = pathlib.Path("data/deu")
    >>> ev = peninsula.evaluate([deu / "deu_train"], deu / "deu_train_issues.csv", ["compromise"])
    >>> round(float(ev.summary.loc["compromise", "mae"]), 2)
    21.2
    """
    from peninsula.core.limits import check_rounds
    from peninsula.io import load as load_file
    from peninsula.io.outcomes import outcome_problems, read_outcomes
    from peninsula.models.baselines import Compromise
    from peninsula.simulate.evaluation import Case, assess
    from peninsula.simulate.forecast import resolve_models

    known = outcomes if isinstance(outcomes, Mapping) else read_outcomes(outcomes)
    check_rounds(rounds)
    instances = resolve_models(models, settings)
    files = expand_paths(paths)
    if not files:
        raise InputError.single("PATH", None, "path", "no scenario files given")
    rows: list[tuple[str, str, str, float, float, float]] = []
    groups: dict[str, str] = {}
    cases: list[Case] = []
    reference: dict[str, float] = {}
    intervals: dict[str, dict[str, tuple[float, float]]] = {}
    skipped: list[str] = []
    probs: dict[tuple[str, str], float] = {}  # (model, issue) -> p_agreement (issue 21)
    for path in files:
        if on_file is not None:
            on_file(path)
        sc = load_file(path)
        bad_refs = outcome_problems(sc, known)
        if bad_refs:
            raise InputError(bad_refs)
        sq = {
            i: known[i].reference_point
            for i in sc.issue_ids
            if i in known and known[i].reference_point is not None
        }
        if sq:
            sc = sc.with_status_quo({k: v for k, v in sq.items() if v is not None})
        for iid in sc.issue_ids:
            if iid in known:
                groups[iid] = known[iid].group or path.name
                cases.append(Case(iid, sc.issue_data(iid), known[iid].outcome, groups[iid]))
        for model in instances:
            run = model.run(sc, rounds=rounds, rng=rng)
            for iid, res in run.issues.items():
                if iid not in known or res.outcome is None:
                    skipped.append(f"{model.info.name}:{iid}")
                    continue
                o = known[iid].outcome
                k = _error_scale(sc, iid, normalise)
                rows.append((model.info.name, iid, path.name, res.outcome, o, k * abs(res.outcome - o)))
                p_agree = res.extra.get("p_agreement")
                if p_agree is not None:
                    probs[(model.info.name, iid)] = float(p_agree)
                if "interval" in res.extra:
                    iv = res.extra["interval"]
                    intervals.setdefault(model.info.name, {})[iid] = (iv["q10"], iv["q90"])
        for iid, res in Compromise().run(sc).issues.items():
            if iid in known and res.outcome is not None:
                reference[iid] = _error_scale(sc, iid, normalise) * abs(res.outcome - known[iid].outcome)
    if not rows:
        name = next((k.file for k in known.values() if k.file), "outcomes")
        raise InputError.single(
            name,
            None,
            "issue_id",
            f"no issue of the {len(files)} scenario file(s) has a known outcome here, so there is nothing to "
            "score (are the issue ids those of the #P rows?)",
        )
    import pandas as pd

    df = pd.DataFrame(rows, columns=["model", "issue", "file", "forecast", "outcome", "error"])
    df["group"] = [groups[i] for i in df["issue"]]
    if probs:
        pairs = zip(df["model"], df["issue"], strict=True)
        df["p_agreement"] = [probs.get((m, i), math.nan) for m, i in pairs]
        df["agreement"] = [
            math.nan if known[i].agreement is None else known[i].agreement for i in df["issue"]
        ]
    uncertainty = assess(
        [(m, i, groups[i], f, o, e) for m, i, _, f, o, e in rows],
        reference,
        intervals,
        cases,
        {m.info.name: m for m in instances},
        cv=cv,
        n_boot=n_boot,
        seed=boot_seed,
        normalise=normalise,
        rounds=rounds,
        rng=rng,
    )
    if probs:
        from peninsula.simulate.evaluation import probability_scores

        for model_name, grp in df.groupby("model", sort=False):
            ok = grp["p_agreement"].notna() & grp["agreement"].notna()
            if ok.any():
                uncertainty.setdefault(str(model_name), {})["agreement"] = probability_scores(
                    grp.loc[ok, "p_agreement"].to_numpy(float),
                    grp.loc[ok, "agreement"].to_numpy(float),
                    list(grp.loc[ok, "group"]),
                    n_boot,
                    rng=boot_seed,
                )
    return Evaluation(df, skipped, uncertainty)


def _error_scale(sc: Any, issue_id: str, normalise: bool) -> float:
    """1, or ``100 / span`` of the issue's scale when errors are normalised (1 for a one-point scale)."""
    span = float(sc.issue(issue_id).span)
    return 100.0 / span if normalise and span > 0 else 1.0


# -- the coupled simulation ---------------------------------------------------------------------------------


def system_spec(
    scenario: str | Path | Scenario = "korea-2019-04",
    *,
    overlay: str | None = None,
    months: int = 24,
    model: str | None = None,
    launch_model: str | None = None,
    draws: int = 1000,
    seed: int | None = 0,
    train_end: str | None = None,
    start: str | None = None,
    target: str = "events",
    rule_uncertainty: bool = True,
) -> SystemSpec:
    """The validated description of one run of the coupled simulation (:class:`~peninsula.system.SystemSpec`).

    Parameters
    ----------
    scenario:
        A scenario, file or packaged id; ``overlay`` (a packaged overlay) is applied to it.
    months:
        Window length; the window may run past the launch data (a forecast: no record to compare).
    model:
        Bargaining model (default: ``compromise``; one of :data:`peninsula.system.VECTORISED_MODELS`).
    launch_model:
        ``regime``, ``combination``, ``local_level``, ``ingarch`` or ``posture`` (default: the dynamics
        package's default).
    draws, seed:
        Number of draws; the seed reproduces them (``None``: a fresh one, recorded in the result).
    train_end:
        Last month ``YYYY-MM`` the launch model is fitted on (default: the month before the start).
    start:
        First month ``YYYY-MM`` (default: the month of the scenario's date).
    target:
        ``events`` or ``missiles``.
    rule_uncertainty:
        Draw every rule's value in its range per draw (else the point values).

    Examples
    --------
    >>> import peninsula.api as api
    >>> spec = api.system_spec("korea-2019-04", months=3, draws=50, seed=1)
    >>> spec.scenario.id, spec.months, spec.model
    ('korea-2019-04', 3, 'compromise')
    """
    from peninsula.scenarios import apply_overlay, load
    from peninsula.system import DEFAULT_MODEL, SystemSpec

    sc = scenario if isinstance(scenario, Scenario) else load(scenario)
    if overlay:
        sc = apply_overlay(sc, overlay)
    return SystemSpec(
        sc,
        months=months,
        model=model or DEFAULT_MODEL,
        launch_model=launch_model,
        draws=draws,
        seed=seed,
        train_end=train_end,
        start=start,
        target=target,
        overlay=overlay,
        rule_uncertainty=rule_uncertainty,
    )


def _system_args(
    function: str, spec: SystemSpec | str | Path | Scenario, data: Any, keywords: dict[str, Any]
) -> tuple[SystemSpec, Any]:
    """The spec (built from the deprecated keyword form if need be) and the loaded launch data."""
    import warnings

    from peninsula.dynamics.loading import KoreaData, load_data
    from peninsula.system import SystemSpec

    if isinstance(spec, SystemSpec):
        if keywords:
            raise TypeError(
                f"{function}(spec, ...) takes no run keywords ({sorted(keywords)}): set them in the spec"
            )
    else:
        warnings.warn(
            f"peninsula.api.{function}(scenario, months=..., ...) is deprecated and will be removed in the "
            "next release: build the run with peninsula.api.system_spec(scenario, months=..., ...) and "
            f"pass it ({function}(spec, data=...))",
            DeprecationWarning,
            stacklevel=3,
        )
        spec = system_spec(spec, **keywords)
    korea = data if data is None or isinstance(data, KoreaData) else load_data(data)
    return spec, korea


def simulate(
    spec: SystemSpec | str | Path | Scenario = "korea-2019-04",
    data: str | Path | KoreaData | None = None,
    **keywords: Any,
) -> SystemRun:
    """Run the coupled simulation: bargaining sets posture, posture drives launches, launches move actors.

    Runs ``spec.months`` months from its start month for ``spec.draws`` draws at once; see
    :func:`peninsula.system.run_system` and ``docs/system.md``.

    Parameters
    ----------
    spec:
        The run (:func:`system_spec`). A scenario with :func:`system_spec`'s keywords
        (``simulate("korea-2019-04", months=24)``, the form before :class:`~peninsula.system.SystemSpec`)
        still works for one release, with a ``DeprecationWarning``.
    data:
        A folder of launch data with the packaged files' columns, or loaded data (default: the packaged
        data).

    Returns
    -------
    SystemRun
        ``.path`` (DataFrame per month), ``.draws`` (long DataFrame: draw, month, variable, value),
        ``.to_dict()`` (the JSON of ``peninsula simulate --format json``).

    Examples
    --------
    >>> import peninsula.api as api
    >>> run = api.simulate(api.system_spec("korea-2019-04", months=3, draws=50, seed=1))
    >>> list(run.path["month"])
    ['2019-04', '2019-05', '2019-06']
    """
    from peninsula.system import run_system

    spec, korea = _system_args("simulate", spec, data, keywords)
    return run_system(spec, korea)


def simulate_backtest(
    spec: SystemSpec | str | Path | Scenario, data: str | Path | KoreaData | None = None, **keywords: Any
) -> SystemBacktest:
    """:func:`simulate` scored against the record (:func:`peninsula.system.backtest_system`)."""
    from peninsula.system import backtest_system

    spec, korea = _system_args("simulate_backtest", spec, data, keywords)
    return backtest_system(spec, korea)


def simulate_compare(
    spec: SystemSpec | str | Path | Scenario,
    compare: str,
    data: str | Path | KoreaData | None = None,
    **keywords: Any,
) -> SystemComparison:
    """Base and overlay ``compare`` on common random numbers (:func:`peninsula.system.compare_system`)."""
    from peninsula.system import compare_system

    spec, korea = _system_args("simulate_compare", spec, data, keywords)
    return compare_system(spec, compare, korea)


def simulate_sensitivity(
    spec: SystemSpec | str | Path | Scenario, data: str | Path | KoreaData | None = None, **keywords: Any
) -> list[dict[str, Any]]:
    """One-at-a-time sensitivity of the loop to its rules (:func:`peninsula.system.rule_sensitivity`)."""
    from peninsula.system import rule_sensitivity

    spec, korea = _system_args("simulate_sensitivity", spec, data, keywords)
    return rule_sensitivity(spec, korea)
