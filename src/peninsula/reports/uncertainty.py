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


SWEEP_KEY = (
    "[dim]point: the model's forecast of the scenario as coded; pctl: its percentile among the draws; "
    "5%, median, 95%: quantiles of the draws (the sweep's 90% band: uncertainty of the inputs only, not a "
    "model's own error; consensus's 80% predictive interval, conformal, is `peninsula forecast`'s); "
    ">sq, <sq: shares of draws above and below the status quo (=sq, the share at it, is shown when some "
    "issue has such ties, and with --wide; the three add up to 1); ! the point lies outside the 5-95% "
    "band (why: below); M the draws have several modes (a mean between them describes no likely outcome)."
    "[/dim]"
)


def _flags(v: Mapping[str, Any]) -> str:
    return ("!" if v.get("point_outside") else "") + ("M" if len(v.get("modes") or ()) > 1 else "")


def _pct(x: Any) -> str:
    return "–" if x is None else f"{float(x):.0f}"


def sweep_tables(
    doc: Mapping[str, Any], *, wide: bool = False, width: int | None = None
) -> list[RenderableType]:
    """``peninsula sweep``'s JSON as tables that fit ``width``: per model and issue the point forecast with
    its percentile beside the draws' quantiles, the shares above, at and below the status quo, flags for
    points outside the 5-95 % band and for multimodal draws, then why each flag was raised.

    ``wide`` adds the status quo, mean, sd and quartiles.
    """
    from rich.markup import escape

    from peninsula.reports.layout import Column, Prose, fit_tables

    head = (
        f"[bold]{escape(str(doc['scenario']))}[/bold]"
        + (f" + overlay [bold]{escape(str(doc['overlay']))}[/bold]" if doc["overlay"] else "")
        + f": {doc['draws']:,} draws, seed {doc['seed']}, run {doc['run_id']}"
    )
    out: list[RenderableType] = [Prose(head)]
    outside: dict[str, list[str]] = {}
    multimodal: list[str] = []
    for model, entry in doc["models"].items():
        issues = entry["issues"]
        vals = list(issues.values())
        cols = [Column("issue", list(issues), justify="left", key=True, style="bold")]
        if wide:
            cols.append(Column("status\nquo", [fmt(v["status_quo"]) for v in vals]))
        if any("point" in v for v in vals):
            cols.append(Column("point", [fmt(v.get("point")) for v in vals], style="bold"))
            cols.append(Column("pctl", [_pct(v.get("point_percentile")) for v in vals]))
        if wide:
            cols += [
                Column("mean", [fmt(v["mean"]) for v in vals]),
                Column("sd", [fmt(v["sd"]) for v in vals]),
            ]
        cols.append(Column("5%", [fmt(v["q05"]) for v in vals]))
        if wide:
            cols.append(Column("25%", [fmt(v["q25"]) for v in vals]))
        cols.append(Column("median", [fmt(v["q50"]) for v in vals]))
        if wide:
            cols.append(Column("75%", [fmt(v["q75"]) for v in vals]))
        cols.append(Column("95%", [fmt(v["q95"]) for v in vals]))
        cols.append(Column(">sq", [_p(v["p_above_status_quo"]) for v in vals]))
        if wide or any((v.get("p_at_status_quo") or 0) >= 0.005 for v in vals):
            cols.append(Column("=sq", [_p(v.get("p_at_status_quo")) for v in vals]))
        cols.append(Column("<sq", [_p(v["p_below_status_quo"]) for v in vals]))
        if any("p_agreement" in v for v in vals):  # issue 21: can it say "no deal"?
            cols.append(Column("P(agree)", [_p(v.get("p_agreement")) for v in vals]))
        flags = [_flags(v) for v in vals]
        if any(flags):
            cols.append(Column("", flags, justify="left", style="bold yellow"))
        out += fit_tables(escape(model), cols, width=width)
        for issue, v in issues.items():
            if v.get("point_outside"):
                outside.setdefault(f"{issue}: {v['point_outside']}", []).append(model)
            if len(v.get("modes") or ()) > 1:
                near = ", ".join(fmt(x) for x in v["modes"])
                multimodal.append(
                    f"M {model} / {issue}: {len(v['modes'])} modes, near {near}; mean {fmt(v['mean'])}, "
                    f"median {fmt(v['q50'])}"
                )
        coh = entry.get("cohesion")
        if coh:
            out.append(
                Prose(
                    f"  U.S.–ROK cohesion after {escape(model)}: mean {coh['mean']:.3f}, 90% of draws in "
                    f"[{coh['q05']:.3f}, {coh['q95']:.3f}] (median {coh['q50']:.3f})"
                )
            )
    out.append(Prose(SWEEP_KEY))
    for reason, models in outside.items():
        issue, _, why = reason.partition(": ")
        out.append(Prose(f"! {issue} ({', '.join(models)}): {why}", indent=0, markup=False))
    out += [Prose(line, markup=False) for line in multimodal]
    return out


def runs_table(rows: Sequence[Mapping[str, Any]], store: str) -> RenderableType:
    """``peninsula runs list``: one row per stored run, newest first (``latest``, ``latest~1`` ... name
    them in that order)."""
    from rich.table import Table

    from peninsula.reports.layout import fitted

    t = Table(title=f"runs in {store}", title_justify="left")
    for col in (
        "run",
        "name",
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
        t.add_column(
            col, justify="right" if col in ("draws", "stored", "seed") else "left", no_wrap=col != "models"
        )
    for k, r in enumerate(rows):
        t.add_row(
            r["run_id"],
            "latest" if k == 0 else f"latest~{k}",
            r.get("kind", "sweep"),
            str(r["created"])[:16],
            r["scenario_id"],
            r["overlay"] or "–",
            ", ".join(r["models"]),
            f"{r['draws']:,}",
            f"{r['committed_draws']:,}",
            str(r["seed"]),
            r["status"],
        )
    return fitted(t)


def compare_tables(doc: Mapping[str, Any]) -> list[RenderableType]:
    """``peninsula runs compare``: per model and issue, how the second run's distribution differs, and how
    often its outcome lies above, at or below the first's (draw by draw when the runs are paired)."""
    from rich.markup import escape

    from peninsula.reports.layout import Column, Prose, fit_tables

    paired = doc.get("paired")
    how = (
        "draw by draw (same seed and draws: common random numbers)"
        if paired
        else "over every pair of draws (the runs are not paired)"
    )
    out: list[RenderableType] = [
        Prose(f"[bold]{doc['second']}[/bold] (2nd) compared with [bold]{doc['first']}[/bold] (1st), {how}")
    ]
    for model, entry in doc["models"].items():
        issues = entry["issues"]
        v = list(issues.values())
        cols = [
            Column("issue", list(issues), justify="left", key=True, style="bold"),
            Column("median\n1st", [fmt(x["median_first"]) for x in v]),
            Column("median\n2nd", [fmt(x["median_second"]) for x in v]),
            Column("Δ\nmedian", [signed(x["diff_median"]) for x in v]),
            Column("Δ\nmean", [signed(x["diff_mean"]) for x in v]),
            Column("P(2nd\n> 1st)", [_p(x["p_second_above_first"]) for x in v]),
            Column("P(=)", [_p(x.get("p_equal")) for x in v]),
            Column("P(2nd\n< 1st)", [_p(x["p_second_below_first"]) for x in v]),
        ]
        out += fit_tables(escape(model), cols)
    out.append(
        Prose(
            "[dim]P(2nd > 1st), P(=), P(2nd < 1st): how often the second run's outcome lies above, at "
            "(within 1e-9 of the scale) or below the first's; they add up to 1.[/dim]"
        )
    )
    for note in doc.get("notes", []):
        out.append(Prose(f"[dim]{escape(note)}[/dim]"))
    return out


def sensitivity_tables(doc: Mapping[str, Any], top: int = 10) -> list[RenderableType]:
    """``peninsula sensitivity``: per issue the inputs that move the outcome most (a tornado as a table)."""
    from rich.table import Table

    from peninsula.reports.layout import fit_table

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
        for col in ("actor", "input", "low", "high", "outcome\nat low", "outcome\nat high", "swing"):
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
        out += fit_table(t, keys=2)
        rest = len(v["inputs"]) - len(inputs)
        if rest > 0:
            out.append(f"[dim]  … and {rest} more inputs (--format json lists all)[/dim]")
    return out
