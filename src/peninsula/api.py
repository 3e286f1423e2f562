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

__all__ = [
    "Evaluation",
    "Forecast",
    "KnownOutcome",
    "ModelSpec",
    "OverlayComparison",
    "compare_overlay",
    "evaluate",
    "expand_paths",
    "forecast",
    "load",
    "packaged_ids",
    "read_outcomes",
    "resolve_models",
]


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
