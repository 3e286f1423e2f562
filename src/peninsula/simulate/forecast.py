"""Run models on a scenario: the :class:`Forecast` experiment that every command and report builds on."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from peninsula.core import ParameterError, Scenario
from peninsula.core.limits import MAX_MODEL_BYTES, MAX_PAIR_ROUNDS, check_round_values
from peninsula.core.rng import RNGLike
from peninsula.models.base import Model, ModelRun
from peninsula.models.registry import REGISTRY, get_model
from peninsula.scenarios import load

if TYPE_CHECKING:
    import pandas as pd  # imported where a table is built: the CLI and api start without pandas

__all__ = [
    "EVENT_COLUMNS",
    "MODEL_BYTES",
    "NO_AGREEMENT_NOTE",
    "Forecast",
    "ModelSpec",
    "check_cost",
    "forecast",
    "resolve_models",
]

#: The note every model that cannot forecast "no agreement" carries in its run notes (issue 21).
NO_AGREEMENT_NOTE = (
    "cannot forecast that the parties do not agree: every outcome is an agreed point on the scale, so a "
    "decision that ends without agreement shows only as an error; the agreement model gives p_agreement"
)

#: Columns of :attr:`Forecast.events` that every model's events share (models may add more).
EVENT_COLUMNS = ("model", "round", "issue")

ModelSpec = str | Model

#: Peak memory of the pairwise models per unit of their pairs, bytes: ``(per actor pair of the largest issue,
#: per actor pair x issue pair)``. ``exchange``: 51-52 bytes per actor pair x issue pair in the first
#: measurement (2026-12-07, kernels compiling in the same process); ``benchmarks/bench_model_memory.py``
#: (kernels compiled before the baseline) gives 28-29 (+15 MiB at 150 actors x 5 issues, +63 MiB at 300 x 5,
#: load ~3.5); 64 keeps a margin over both. A model that holds its pairs in O(n) memory has 0 here: ``eu``
#: and ``eu-masad`` keep n x n arrays only up to :data:`peninsula.kernels.eu.STREAM_ACTORS` (256) actors on
#: an issue (87 and 79 bytes per pair then, under 6 MB) and none above it (``benchmarks/bench_eu.py huge``:
#: 10,000 actors).
MODEL_BYTES: dict[str, tuple[int, int]] = {
    "eu": (0, 0),
    "eu-masad": (0, 0),
    "exchange": (0, 64),
    "exchange-random": (0, 64),
    "exchange-clean": (0, 64),
}


def _pairs(sc: Scenario) -> tuple[int, int, int]:
    """``(sum of n_i², largest n_i², n² x k²)`` of a scenario: n_i actors with a stance on issue i."""
    counts: dict[str, int] = {}
    for st in sc.stances:
        counts[st.issue] = counts.get(st.issue, 0) + 1
    squares = [c * c for c in counts.values()] or [0]
    n, k = len(sc.actors), len(sc.issues)
    return sum(squares), max(squares), n * n * k * k


def check_cost(models: Sequence[Model], sc: Scenario, rounds: int | None) -> None:
    """Refuse, before any work, a model run whose pairwise work or memory is over its limit.

    Work is rounds (the model's default when ``rounds`` is ``None``) x its pairs, against
    :data:`~peninsula.core.limits.MAX_PAIR_ROUNDS`; memory is :data:`MODEL_BYTES` x its pairs, against
    :data:`~peninsula.core.limits.MAX_MODEL_BYTES`. Only the models of :data:`MODEL_BYTES` do pairwise work.

    Raises
    ------
    ParameterError
        Naming the model, the scenario's size, the estimate and the limit.
    """
    total, largest, cross = _pairs(sc)
    for m in models:
        name = m.info.name
        if name not in MODEL_BYTES:
            continue
        per_pair, per_cross = MODEL_BYTES[name]
        pairs = cross if per_cross else total
        n_rounds = rounds if rounds is not None else int(getattr(m, "default_rounds", 1))
        work = max(n_rounds, 1) * pairs
        what = "actor pairs x issue pairs" if per_cross else "actor pairs over the issues"
        if work > MAX_PAIR_ROUNDS:
            raise ParameterError(
                f"model {name}: {n_rounds:,} rounds x {pairs:,} {what} of scenario '{sc.id}' is {work:,} "
                f"pair-rounds, over the limit of {MAX_PAIR_ROUNDS:,} (see docs/limits.md); give fewer "
                "--rounds or a smaller scenario"
            )
        need = per_pair * largest + per_cross * cross
        if need > MAX_MODEL_BYTES:
            raise ParameterError(
                f"model {name}: scenario '{sc.id}' would need about {need / 2**30:.1f} GiB "
                f"({len(sc.actors):,} actors, {len(sc.issues):,} issues), over the limit of "
                f"{MAX_MODEL_BYTES / 2**30:.0f} GiB for one model run (see docs/limits.md)"
            )


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
        known = set(cls.param_names())
        mine = {k: v for k, v in settings.items() if k in known}
        used |= set(mine)
        out.append(cls(**cls.validate_params(mine)))
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
        Model name → wall time of the model computation alone, in seconds (loading or compiling its numba
        kernels excluded).
    kernel_timings:
        Model name → wall time spent loading its numba kernels from the cache, or compiling them on a first
        run, during that model's run, in seconds (0 once they are loaded in the process).
    """

    scenario: Scenario
    runs: dict[str, ModelRun]
    timings: dict[str, float] = field(default_factory=dict)
    kernel_timings: dict[str, float] = field(default_factory=dict)

    def __repr__(self) -> str:
        """One line: the scenario, the models and the issues (not the whole scenario and every round)."""
        names = list(self.runs)
        shown = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
        return (
            f"<Forecast of {self.scenario.id!r}: {len(names)} model(s) x "
            f"{len(self.scenario.issues)} issue(s) ({shown})>"
        )

    def _repr_html_(self) -> str:
        """Notebook view: per issue the status quo and each model's forecast (``.outcomes`` as a table)."""
        from peninsula.core.display import html_table, number

        def cell(run: ModelRun, issue_id: str) -> str:
            res = run.issues.get(issue_id)
            return number(res.outcome if res is not None else None)

        rows = [
            [i.id, number(i.status_quo), *(cell(run, i.id) for run in self.runs.values())]
            for i in self.scenario.issues
        ]
        return html_table(
            ["issue", "status quo", *self.runs],
            rows,
            caption=f"Forecast of {self.scenario.id}",
            notes=["– = no forecast; .outcomes, .rounds and .events hold the numbers"],
        )

    @property
    def outcomes(self) -> pd.DataFrame:
        """Forecast outcome per model (rows) and issue (columns), on each issue's own scale; NaN = none."""
        import pandas as pd

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
        import pandas as pd

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
        import pandas as pd

        rows = [
            (m, i, rec.round, rec.outcome if rec.outcome is not None else math.nan)
            for m, run in self.runs.items()
            for i, res in run.issues.items()
            for rec in res.rounds
        ]
        return pd.DataFrame(rows, columns=["model", "issue", "round", "outcome"])

    @property
    def events(self) -> pd.DataFrame:
        """Every model event (challenges, exchanges ...) as one row each, with a ``model`` column.

        With no events at all the frame is empty but still has the shared :data:`EVENT_COLUMNS`.
        """
        import pandas as pd

        rows = [{"model": m, **e} for m, run in self.runs.items() for e in run.events]
        if not rows:
            return pd.DataFrame(columns=list(EVENT_COLUMNS))
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
    check_round_values(rounds, len(sc.stances))
    instances = resolve_models(models, settings)
    check_cost(instances, sc, rounds)
    runs: dict[str, ModelRun] = {}
    timings: dict[str, float] = {}
    loads: dict[str, float] = {}
    from peninsula.kernels._notice import kernel_seconds

    for model in instances:
        if on_model is not None:
            on_model(model.info.name)
        k0 = kernel_seconds()
        t0 = time.perf_counter()
        run = model.run(sc, rounds=rounds, rng=rng)
        wall = time.perf_counter() - t0
        loads[model.info.name] = kernel_seconds() - k0
        timings[model.info.name] = max(wall - loads[model.info.name], 0.0)
        if not model.info.represents_no_agreement and NO_AGREEMENT_NOTE not in run.notes:
            run.notes.append(NO_AGREEMENT_NOTE)
        runs[model.info.name] = run
    return Forecast(sc, runs, timings, loads)
