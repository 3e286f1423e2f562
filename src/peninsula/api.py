"""The Python API: load scenarios, run models, evaluate forecasts; results as pandas objects.

This module is the curated façade over the layers below (scenarios, models, simulate); the CLI and the web
workbench call only this.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from peninsula.core import InputError, InputProblem
from peninsula.core.rng import RNGLike
from peninsula.io import load as load_file
from peninsula.io._text import parse_float, read_text
from peninsula.scenarios import load, packaged_ids
from peninsula.simulate.forecast import Forecast, ModelSpec, forecast, resolve_models
from peninsula.simulate.overlay import OverlayComparison, compare_overlay
from peninsula.simulate.uncertainty import Sensitivity, Sweep, sensitivity, sweep

__all__ = [
    "Evaluation",
    "Forecast",
    "KnownOutcome",
    "ModelSpec",
    "OverlayComparison",
    "Sensitivity",
    "Sweep",
    "compare_overlay",
    "evaluate",
    "expand_paths",
    "forecast",
    "load",
    "packaged_ids",
    "read_outcomes",
    "resolve_models",
    "sensitivity",
    "sweep",
]


# -- evaluation ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KnownOutcome:
    """A recorded outcome of an issue, with its reference point (status quo) if known."""

    issue_id: str
    outcome: float
    reference_point: float | None
    group: str | None = None


def read_outcomes(path: str | Path) -> dict[str, KnownOutcome]:
    """Read an outcomes CSV: columns ``issue_id``, ``outcome`` and optionally ``reference_point``.

    The group an issue belongs to (for the bootstrap and cross-validation) comes from a ``proposal``,
    ``proposal_id``, ``case`` or ``case_id`` column, the first present. Other columns are ignored. A
    blank outcome means unknown (the issue is left out); a blank reference point means none.
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
    kg = next((header.index(c) for c in ("proposal", "proposal_id", "case", "case_id") if c in header), None)
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
        out[iid] = KnownOutcome(iid, outcome, ref, cell(row, kg) or None)
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
                    for issue, f, o, e in zip(
                        grp["issue"], grp["forecast"], grp["outcome"], grp["error"], strict=True
                    )
                },
                **{k: v for k, v in self.uncertainty.get(str(m), {}).items() if k not in ("mae",)},
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
    cv: int | None = None,
    n_boot: int = 2000,
    boot_seed: int = 0,
) -> Evaluation:
    """Run models on scenario files and measure their error against known outcomes.

    Each issue with a known outcome gets its reference point (if the outcomes give one) as status quo,
    for the models that use one. Issues without an outcome, or without a forecast from a model, are left
    out of that model's mean and listed in ``skipped``. Errors are grouped by proposal (the outcomes'
    ``proposal`` column, else the file): the bootstrap (``n_boot`` replicates, seed ``boot_seed``)
    resamples whole groups, and ``cv`` = K adds grouped K-fold cross-validation of tunable models.

    Examples
    --------
    >>> import peninsula, pathlib
    >>> deu = pathlib.Path("data/deu")
    >>> ev = peninsula.evaluate([deu / "deu_train"], deu / "deu_train_issues.csv", ["compromise"])
    >>> round(float(ev.summary.loc["compromise", "mae"]), 2)
    21.2
    """
    from peninsula.models.baselines import Compromise
    from peninsula.simulate.evaluation import Case, assess

    known = outcomes if isinstance(outcomes, Mapping) else read_outcomes(outcomes)
    instances = resolve_models(models, settings)
    rows: list[tuple[str, str, str, float, float, float]] = []
    groups: dict[str, str] = {}
    cases: list[Case] = []
    reference: dict[str, float] = {}
    intervals: dict[str, dict[str, tuple[float, float]]] = {}
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
                rows.append((model.info.name, iid, path.name, res.outcome, o, abs(res.outcome - o)))
                if "interval" in res.extra:
                    iv = res.extra["interval"]
                    intervals.setdefault(model.info.name, {})[iid] = (iv["q10"], iv["q90"])
        for iid, res in Compromise().run(sc).issues.items():
            if iid in known and res.outcome is not None:
                reference[iid] = abs(res.outcome - known[iid].outcome)
    df = pd.DataFrame(rows, columns=["model", "issue", "file", "forecast", "outcome", "error"])
    df["group"] = [groups[i] for i in df["issue"]]
    uncertainty = assess(
        [(m, i, groups[i], f, o, e) for m, i, _, f, o, e in rows],
        reference,
        intervals,
        cases,
        {m.info.name: m for m in instances},
        cv=cv,
        n_boot=n_boot,
        seed=boot_seed,
    )
    return Evaluation(df, skipped, uncertainty)
