"""The Python API: load scenarios, run models, evaluate forecasts; results as pandas objects."""

from __future__ import annotations

import csv
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from peninsula.core import InputError, InputProblem, ParameterError, Scenario
from peninsula.io import load as load_file
from peninsula.io._text import parse_float, read_text
from peninsula.models.base import Model, ModelRun
from peninsula.models.registry import REGISTRY, get_model
from peninsula.simulate.rng import RNGLike

ModelSpec = str | Model


def load(path_or_id: str | Path) -> Scenario:
    """Load a scenario from a file (YAML, DECIDE, BDM CSV/xlsx) or the id of a packaged scenario.

    Examples
    --------
    >>> import peninsula
    >>> s = peninsula.load(peninsula.DEFAULT_SCENARIO)
    >>> len(s.actors) > 0
    True
    """
    p = Path(path_or_id)
    if p.is_file():
        return load_file(p)
    from peninsula import scenarios

    key = str(path_or_id)
    ids = packaged_ids()
    if key in ids:
        return scenarios.load_packaged(key)
    raise InputError.single(
        key,
        None,
        "path",
        f"no such file, and not a packaged scenario id (packaged: {', '.join(ids) or 'none'})",
    )


def packaged_ids() -> list[str]:
    """Ids of the scenarios packaged with peninsula."""
    from peninsula import scenarios

    return scenarios.packaged_ids()


def resolve_models(
    models: str | ModelSpec | Sequence[ModelSpec] | None, settings: Mapping[str, Any] | None = None
) -> list[Model]:
    """Model instances for names (``"all"`` or ``None``: every registered model) and ``KEY=VALUE`` settings.

    Each setting goes to every selected model that has a parameter of that name; a setting that no
    selected model knows raises :class:`ParameterError`.
    """
    if models is None or models == "all":
        specs: list[ModelSpec] = list(REGISTRY)
    elif isinstance(models, str | Model):
        specs = [models]
    else:
        specs = [m for spec in models for m in ([*REGISTRY] if spec == "all" else [spec])]
    settings = dict(settings or {})
    names_seen: set[str] = set()
    out: list[Model] = []
    used: set[str] = set()
    for spec in specs:
        if isinstance(spec, Model):
            out.append(spec)
            names_seen.add(spec.info.name)
            continue
        if spec in names_seen:
            continue
        names_seen.add(spec)
        cls = get_model(spec)
        known = {p.name for p in cls.param_specs}
        mine = {k: v for k, v in settings.items() if k in known}
        used |= set(mine)
        out.append(cls.from_settings(mine))
    unused = set(settings) - used
    if unused:
        raise ParameterError(
            f"no selected model has parameter(s) {', '.join(sorted(unused))}; "
            "see `peninsula models` for each model's parameters"
        )
    return out


@dataclass
class Forecast:
    """The result of :func:`forecast`: one :class:`~peninsula.models.ModelRun` per model.

    Attributes
    ----------
    scenario:
        The scenario that was forecast.
    runs:
        Model name → its run.
    timings:
        Model name → wall time of the model computation alone, in seconds.
    """

    scenario: Scenario
    runs: dict[str, ModelRun]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def outcomes(self) -> pd.DataFrame:
        """Forecast outcome per model (rows) and issue (columns), on each issue's own scale; NaN = none."""
        data = {
            m: {i: (r.outcome if r.outcome is not None else math.nan) for i, r in run.issues.items()}
            for m, run in self.runs.items()
        }
        df = pd.DataFrame.from_dict(data, orient="index", columns=list(self.scenario.issue_ids))
        df.index.name = "model"
        return df

    @property
    def rounds(self) -> pd.DataFrame:
        """Long table of positions: one row per model, round, issue and actor (round 0 = input)."""
        rows = [
            (m, rec.round, i, a, x)
            for m, run in self.runs.items()
            for i, res in run.issues.items()
            for rec in res.rounds
            for a, x in rec.positions.items()
        ]
        return pd.DataFrame(rows, columns=["model", "round", "issue", "actor", "position"])

    @property
    def round_outcomes(self) -> pd.DataFrame:
        """One row per model, issue and round: the outcome after that round."""
        rows = [
            (m, i, rec.round, rec.outcome if rec.outcome is not None else math.nan)
            for m, run in self.runs.items()
            for i, res in run.issues.items()
            for rec in res.rounds
        ]
        return pd.DataFrame(rows, columns=["model", "issue", "round", "outcome"])

    @property
    def events(self) -> pd.DataFrame:
        """Every model event (challenges, exchanges ...) as one row each, with a ``model`` column."""
        rows = [{"model": m, **e} for m, run in self.runs.items() for e in run.events]
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``peninsula forecast --format json``.

        ``{"scenario": str, "models": {MODEL: {"issues": {ISSUE: {"outcome": float, "rounds":
        [{"round": 0, "outcome": float, "positions": {ACTOR: float}, ...}]}}}}}``; per model also
        ``params``, per issue ``converged`` and ``notes``; per round any model-specific extras.
        """
        models: dict[str, Any] = {}
        for m, run in self.runs.items():
            issues = {}
            for i, res in run.issues.items():
                issues[i] = {
                    "outcome": res.outcome,
                    "rounds": [
                        {"round": rec.round, "outcome": rec.outcome, "positions": rec.positions, **rec.extra}
                        for rec in res.rounds
                    ],
                    "converged": res.converged,
                    "notes": res.notes,
                    **res.extra,
                }
            models[m] = {"params": run.params, "issues": issues, "notes": run.notes}
        return {"scenario": self.scenario.id, "models": models}


def forecast(
    scenario: Scenario | str | Path,
    models: str | ModelSpec | Sequence[ModelSpec] | None = "all",
    *,
    rounds: int | None = None,
    settings: Mapping[str, Any] | None = None,
    rng: RNGLike = None,
    on_model: Callable[[str], None] | None = None,
) -> Forecast:
    """Run one or more models on a scenario.

    Parameters
    ----------
    scenario:
        A :class:`~peninsula.core.Scenario`, a file path or a packaged scenario id.
    models:
        Model name(s) or instances; ``"all"`` runs every registered model.
    rounds:
        Maximum rounds for iterative models (``None``: each model's default).
    settings:
        Model parameters, ``{"delta": 6, ...}``; each goes to the selected models that have it.
    rng:
        Seed or generator for stochastic models.
    on_model:
        Called with each model's name before it runs (progress reporting).

    Examples
    --------
    >>> import peninsula
    >>> f = peninsula.forecast(peninsula.DEFAULT_SCENARIO, models=["compromise", "median"])
    >>> list(f.outcomes.index)
    ['compromise', 'median']
    """
    sc = scenario if isinstance(scenario, Scenario) else load(scenario)
    instances = resolve_models(models, settings)
    runs: dict[str, ModelRun] = {}
    timings: dict[str, float] = {}
    for model in instances:
        if on_model is not None:
            on_model(model.info.name)
        t0 = time.perf_counter()
        runs[model.info.name] = model.run(sc, rounds=rounds, rng=rng)
        timings[model.info.name] = time.perf_counter() - t0
    return Forecast(sc, runs, timings)


# -- evaluation ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KnownOutcome:
    """A recorded outcome of an issue, with its reference point (status quo) if known."""

    issue_id: str
    outcome: float
    reference_point: float | None


def read_outcomes(path: str | Path) -> dict[str, KnownOutcome]:
    """Read an outcomes CSV: columns ``issue_id``, ``outcome`` and optionally ``reference_point``.

    Other columns are ignored. A blank outcome means unknown (the issue is left out); a blank reference
    point means none.
    """
    p = Path(path)
    rows = list(csv.reader(read_text(p).split("\n")))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise InputError.single(p.name, None, "file", "empty outcomes file")
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in ("issue_id", "outcome") if c not in header]
    if missing:
        raise InputError([InputProblem(p.name, 1, c, "missing column") for c in missing])
    ki, ko = header.index("issue_id"), header.index("outcome")
    kr = header.index("reference_point") if "reference_point" in header else None
    out: dict[str, KnownOutcome] = {}
    problems: list[InputProblem] = []

    def cell(row: list[str], k: int | None) -> str:
        return row[k].strip() if k is not None and k < len(row) else ""

    for n, row in enumerate(rows[1:], start=2):
        iid = cell(row, ki)
        if not iid:
            problems.append(InputProblem(p.name, n, "issue_id", "empty issue id"))
            continue
        if iid in out:
            problems.append(InputProblem(p.name, n, "issue_id", f"issue '{iid}' listed twice"))
        if not cell(row, ko):
            continue
        try:
            outcome = parse_float(cell(row, ko))
            ref = parse_float(cell(row, kr)) if cell(row, kr) else None
        except ValueError as exc:
            problems.append(
                InputProblem(
                    p.name,
                    n,
                    "outcome" if str(exc) == cell(row, ko) else "reference_point",
                    f"not a number: {exc}",
                    f"issue '{iid}'",
                )
            )
            continue
        out[iid] = KnownOutcome(iid, outcome, ref)
    if problems:
        raise InputError(problems)
    return out


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
    return out


@dataclass
class Evaluation:
    """Forecast errors against known outcomes.

    ``errors`` has one row per model and issue: ``model, issue, file, forecast, outcome, error`` (absolute
    error on the issue's own scale). ``skipped`` lists issues without an outcome or a forecast.
    """

    errors: pd.DataFrame
    skipped: list[str] = field(default_factory=list)

    @property
    def summary(self) -> pd.DataFrame:
        """Mean absolute error and number of issues per model."""
        g = self.errors.groupby("model", sort=False)["error"]
        return pd.DataFrame({"mae": g.mean(), "n": g.size()})

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``peninsula evaluate --format json``: ``{"models": {M: {"mae", "n", "issues"}}}``."""
        out: dict[str, Any] = {}
        for m, grp in self.errors.groupby("model", sort=False):
            out[str(m)] = {
                "mae": float(grp["error"].mean()),
                "n": len(grp),
                "issues": {
                    str(issue): {"forecast": float(f), "outcome": float(o), "error": float(e)}
                    for issue, f, o, e in zip(
                        grp["issue"], grp["forecast"], grp["outcome"], grp["error"], strict=True
                    )
                },
            }
        return {"models": out}


def evaluate(
    paths: Sequence[str | Path],
    outcomes: str | Path | Mapping[str, KnownOutcome],
    models: str | ModelSpec | Sequence[ModelSpec] | None = "all",
    *,
    rounds: int | None = None,
    settings: Mapping[str, Any] | None = None,
    rng: RNGLike = None,
    on_file: Callable[[Path], None] | None = None,
) -> Evaluation:
    """Run models on scenario files and measure their error against known outcomes.

    Each issue with a known outcome gets its reference point (if the outcomes give one) as status quo,
    for the models that use one. Issues without an outcome, or without a forecast from a model, are left
    out of that model's mean and listed in ``skipped``.

    Examples
    --------
    >>> import peninsula, pathlib
    >>> deu = pathlib.Path("data/deu")
    >>> ev = peninsula.evaluate([deu / "deu_train"], deu / "deu_train_issues.csv", ["compromise"])
    >>> round(float(ev.summary.loc["compromise", "mae"]), 2)
    21.2
    """
    known = outcomes if isinstance(outcomes, Mapping) else read_outcomes(outcomes)
    instances = resolve_models(models, settings)
    rows: list[tuple[str, str, str, float, float, float]] = []
    skipped: list[str] = []
    for path in expand_paths(paths):
        if on_file is not None:
            on_file(path)
        sc = load_file(path)
        sq = {
            i: known[i].reference_point
            for i in sc.issue_ids
            if i in known and known[i].reference_point is not None
        }
        if sq:
            sc = sc.with_status_quo({k: v for k, v in sq.items() if v is not None})
        for model in instances:
            run = model.run(sc, rounds=rounds, rng=rng)
            for iid, res in run.issues.items():
                if iid not in known or res.outcome is None:
                    skipped.append(f"{model.info.name}:{iid}")
                    continue
                o = known[iid].outcome
                rows.append((model.info.name, iid, path.name, res.outcome, o, abs(res.outcome - o)))
    df = pd.DataFrame(rows, columns=["model", "issue", "file", "forecast", "outcome", "error"])
    return Evaluation(df, skipped)
