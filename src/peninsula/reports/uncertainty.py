"""Tables of the uncertainty experiments: sweep summaries, run listings and comparisons, tornado tables.

Each function takes the JSON-shaped results of :mod:`peninsula.simulate` and returns rich renderables;
the CLI prints them with :func:`peninsula.reports.console.out`. rich is imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from peninsula.reports.console import fmt, signed

if TYPE_CHECKING:
    from rich.console import RenderableType

__all__ = ["compare_tables", "runs_table", "sensitivity_tables", "sweep_tables"]


def _p(x: Any) -> str:
    return "–" if x is None else f"{float(x):.2f}"


def sweep_tables(doc: Mapping[str, Any]) -> list[RenderableType]:
    """One table per model of ``peninsula sweep``'s JSON: the distribution of each issue's outcome."""
    from rich.table import Table

    head = (
        f"[bold]{doc['scenario']}[/bold]"
        + (f" + overlay [bold]{doc['overlay']}[/bold]" if doc["overlay"] else "")
        + f": {doc['draws']:,} draws, seed {doc['seed']}, run {doc['run_id']}"
    )
    out: list[RenderableType] = [head]
    for model, entry in doc["models"].items():
        t = Table(title=f"{model}", title_justify="left")
        agree = any("p_agreement" in v for v in entry["issues"].values())  # issue 21: can it say "no deal"?
        cols = (
            "issue",
            "status quo",
            "mean",
            "sd",
            "q05",
            "q25",
            "median",
            "q75",
            "q95",
            "P(>sq)",
            "P(<sq)",
        ) + (("P(agree)",) if agree else ())
        for col in cols:
            t.add_column(col, justify="left" if col == "issue" else "right")
        for issue, v in entry["issues"].items():
            extra = (_p(v.get("p_agreement")),) if agree else ()
            t.add_row(
                issue,
                fmt(v["status_quo"]),
                fmt(v["mean"]),
                fmt(v["sd"]),
                fmt(v["q05"]),
                fmt(v["q25"]),
                fmt(v["q50"]),
                fmt(v["q75"]),
                fmt(v["q95"]),
                _p(v["p_above_status_quo"]),
                _p(v["p_below_status_quo"]),
                *extra,
            )
        out.append(t)
        coh = entry.get("cohesion")
        if coh:
            out.append(
                f"  U.S.–ROK cohesion after {model}: mean {coh['mean']:.3f}, 90% of draws in "
                f"[{coh['q05']:.3f}, {coh['q95']:.3f}] (median {coh['q50']:.3f})"
            )
    return out


def runs_table(rows: Sequence[Mapping[str, Any]], store: str) -> RenderableType:
    """``peninsula runs list``: one row per stored run, newest first."""
    from rich.table import Table

    t = Table(title=f"runs in {store}", title_justify="left")
    for col in (
        "run",
        "kind",
        "created",
        "scenario",
        "overlay",
        "models",
        "draws",
        "stored",
        "seed",
        "status",
    ):
        t.add_column(col, justify="right" if col in ("draws", "stored", "seed") else "left")
    for r in rows:
        t.add_row(
            r["run_id"],
            r.get("kind", "sweep"),
            str(r["created"])[:19],
            r["scenario_id"],
            r["overlay"] or "–",
            ", ".join(r["models"]),
            f"{r['draws']:,}",
            f"{r['committed_draws']:,}",
            str(r["seed"]),
            r["status"],
        )
    return t


def compare_tables(doc: Mapping[str, Any]) -> list[RenderableType]:
    """``peninsula runs compare``: per model and issue, how the second run's distribution differs."""
    from rich.table import Table

    out: list[RenderableType] = [f"[bold]{doc['second']}[/bold] compared with [bold]{doc['first']}[/bold]"]
    for model, entry in doc["models"].items():
        t = Table(title=model, title_justify="left")
        for col in (
            "issue",
            "mean 1st",
            "mean 2nd",
            "Δ mean",
            "median 1st",
            "median 2nd",
            "Δ median",
            "P(2nd > 1st)",
            "P(2nd < 1st)",
        ):
            t.add_column(col, justify="left" if col == "issue" else "right")
        for issue, v in entry["issues"].items():
            t.add_row(
                issue,
                fmt(v["mean_first"]),
                fmt(v["mean_second"]),
                signed(v["diff_mean"]),
                fmt(v["median_first"]),
                fmt(v["median_second"]),
                signed(v["diff_median"]),
                _p(v["p_second_above_first"]),
                _p(v["p_second_below_first"]),
            )
        out.append(t)
    for note in doc.get("notes", []):
        out.append(f"[dim]{note}[/dim]")
    return out


def sensitivity_tables(doc: Mapping[str, Any], top: int = 10) -> list[RenderableType]:
    """``peninsula sensitivity``: per issue the inputs that move the outcome most (a tornado as a table)."""
    from rich.table import Table

    out: list[RenderableType] = [
        f"[bold]{doc['scenario']}[/bold], model [bold]{doc['model']}[/bold], method {doc['method']}"
        + (f" ({doc['samples']} base samples, seed {doc['seed']})" if doc["method"] == "sobol" else "")
    ]
    for issue, v in doc["issues"].items():
        inputs = v["inputs"][:top]
        movers = []
        for r in inputs:
            if r["swing"] and r["actor"] not in movers:
                movers.append(r["actor"])
        t = Table(
            title=f"{issue}: base {fmt(v['base'])}; moved most by {', '.join(movers[:3]) or 'no input'}",
            title_justify="left",
        )
        sobol = v.get("sobol") or {}
        for col in ("actor", "input", "low", "high", "outcome at low", "outcome at high", "swing"):
            t.add_column(col, justify="left" if col in ("actor", "input") else "right")
        if sobol:
            t.add_column("S1", justify="right")
            t.add_column("ST", justify="right")
        for r in inputs:
            name = r["field"] if r["issue"] in (issue, None) else f"{r['field']}@{r['issue']}"
            row = [
                r["actor"],
                name,
                fmt(r["low"]),
                fmt(r["high"]),
                fmt(r["outcome_low"]),
                fmt(r["outcome_high"]),
                fmt(r["swing"]),
            ]
            if sobol:
                key = f"{r['actor']}/{name}"
                s = sobol.get(key) or sobol.get(f"{key}@actor") or {}
                row += [_p(s.get("S1")), _p(s.get("ST"))]
            t.add_row(*row)
        out.append(t)
        rest = len(v["inputs"]) - len(inputs)
        if rest > 0:
            out.append(f"[dim]  … and {rest} more inputs (--format json lists all)[/dim]")
    return out
