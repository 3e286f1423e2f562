"""Rich tables of peninsula's results (the terminal face of the render layer).

Each function takes results from the layers below and returns rich renderables; the CLI prints them with
:func:`peninsula.reports.console.out`. rich is imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from peninsula.reports.console import fmt, signed
from peninsula.reports.layout import Prose, fitted
from peninsula.scenarios.sources import describe_source

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import RenderableType

    from peninsula.dynamics.backtest import Backtest
    from peninsula.dynamics.whatif import WhatIf
    from peninsula.simulate.forecast import Forecast
    from peninsula.simulate.overlay import OverlayComparison

__all__ = [
    "backtest_table",
    "cohesion_table",
    "evaluation_table",
    "forecast_tables",
    "models_table",
    "overlay_tables",
    "scenarios_tables",
    "sources_table",
    "whatif_tables",
]

COHESION_NOTE = (
    "[dim]U.S.-ROK cohesion: 1 = the allies want the same outcome on every shared issue, 0 = opposite ends"
    " of every scale (salience-weighted, normalised by scale; see docs/scenarios.md). The status quo column"
    " holds it before bargaining, each model's column after that model's rounds.[/dim]"
)


#: The model whose forecast the table shows first, with its interval (see docs/skill.md).
RECOMMENDED = "consensus"

RECOMMENDED_NOTE = (
    "[dim]consensus (recommended): the compromise moved to a position holding most of the weight, fitted on"
    " EU legislative outcomes (DEU); where veto players are coded, kept inside their agreement set, or at the"
    " reversion when a deal is less likely than not (p(agree) < 0.5). Its 80% interval is conformal, from its"
    " cross-validated errors. The evidence for it and the other models: docs/skill.md.[/dim]"
)


def _interval(run: Any, issue_id: str) -> str:
    """``q10–q90`` of a run's interval on one issue, ``–`` if it has none."""
    res = run.issues.get(issue_id)
    iv = res.extra.get("interval") if res is not None else None
    return f"{fmt(iv['q10'])}–{fmt(iv['q90'])}" if iv else "–"


def _span(values: Sequence[float | None], digits: int | None = None) -> str:
    """``low–high`` of the values that exist (one value if they agree), ``–`` if none."""
    xs = [float(v) for v in values if v is not None and v == v]
    if not xs:
        return "–"
    show: Callable[[float], str] = fmt if digits is None else (lambda v: f"{v:.{digits}f}")
    lo, hi = show(min(xs)), show(max(xs))
    return lo if lo == hi else f"{lo}–{hi}"


def model_header(name: str) -> str:
    """A model's column header: a long hyphenated name on two lines (``exchange-`` / ``random``), so that
    its column is as narrow as its numbers allow."""
    head, sep, tail = name.partition("-")
    return f"{head}-\n{tail}" if sep and len(name) > 9 else name


def _p_agree(run: Any, issue_id: str) -> str:
    res = run.issues.get(issue_id)
    p = None if res is None else res.extra.get("p_agreement")
    return "–" if p is None else f"{p:.2f}"


def forecast_tables(
    result: Forecast,
    cohesion: Mapping[str, float] | None = None,
    *,
    wide: bool = False,
    notes: bool = False,
    record: Mapping[str, Any] | None = None,
    seed: int | None = None,
    width: int | None = None,
) -> list[RenderableType]:
    """The forecast as tables that fit ``width`` (default: the console's), then a short key.

    The compact view (the default, when the recommended model :data:`RECOMMENDED` ran beside at least two
    others) shows per issue the record (with ``record``), the status quo, the recommended forecast with its
    80 % interval and the range of the other models' forecasts. ``wide`` shows one column per model
    instead (with ``p(agree)`` beside each model that reports it), in panels when they do not fit.
    ``notes`` adds the scales, the record's sources and every model note; without it a line says how many
    there are. The U.S.-ROK cohesion row closes the table when ``cohesion`` is given.
    """
    from rich.markup import escape

    from peninsula.reports.layout import Column, fit_tables
    from peninsula.reports.record import record_cell

    sc = result.scenario
    issues = sc.issues
    lead = RECOMMENDED in result.runs
    order = ([RECOMMENDED] if lead else []) + [m for m in result.runs if m != RECOMMENDED]
    others = [m for m in order if m != RECOMMENDED]
    compact = not wide and lead and len(others) >= 2
    outcomes = {m: {i: r.outcome for i, r in run.issues.items()} for m, run in result.runs.items()}
    coh = cohesion if cohesion is not None else None
    n = len(issues)

    def cells(values: Sequence[str], coh_cell: str = "") -> list[str]:
        return [*values, coh_cell] if coh is not None else list(values)

    cols: list[Column] = [
        Column(
            "issue",
            cells([i.id for i in issues], "U.S.-ROK cohesion"),
            justify="left",
            key=True,
            style="bold",
        ),
    ]
    if record is not None:
        cols.append(
            Column(
                "record",
                cells([record_cell(record.get(i.id)) for i in issues]),
                style="bold",
            )
        )
    cols.append(
        Column(
            "status\nquo",
            cells([fmt(i.status_quo) for i in issues], f"{coh['before']:.3f}" if coh is not None else ""),
        )
    )
    agrees = [m for m in order if any("p_agreement" in r.extra for r in result.runs[m].issues.values())]
    shown = [RECOMMENDED] if compact else order
    for m in shown:
        run = result.runs[m]
        head = f"{m}\n(recommended)" if m == RECOMMENDED and not compact else model_header(m)
        cols.append(
            Column(
                head,
                cells(
                    [fmt(outcomes[m].get(i.id)) for i in issues],
                    f"{coh[m]:.3f}" if coh is not None and m in coh else "–" if coh else "",
                ),
                style="bold" if m == RECOMMENDED else None,
            )
        )
        if m == RECOMMENDED:
            cols.append(Column("80% interval", cells([_interval(run, i.id) for i in issues])))
        if m in agrees and (not compact or m == RECOMMENDED):
            cols.append(
                Column(
                    f"{m}\np(agree)" if not compact else "p(agree)",
                    cells([_p_agree(run, i.id) for i in issues]),
                )
            )
    if compact:
        cols.append(
            Column(
                f"other {len(others)}\nmodels",
                cells(
                    [_span([outcomes[m].get(i.id) for m in others]) for i in issues],
                    _span([coh.get(m) for m in others], 3) if coh is not None else "",
                ),
            )
        )
    sections = {n} if coh is not None else set()
    styles: list[str | None] = [None] * n + (["italic"] if coh is not None else [])
    title = escape(f"{sc.title or sc.id}" + (f" ({sc.date})" if sc.date else ""))
    parts: list[RenderableType] = list(
        fit_tables(title, cols, width=width, row_styles=styles, sections=sections)
    )
    key: list[str] = []
    if lead:
        key.append(RECOMMENDED_NOTE)
    if record is not None:
        key.append(
            "[dim]record: what happened by the snapshot's horizon (never an input); no deal = the parties "
            "did not agree (the issue's reversion).[/dim]"
        )
    if compact:
        key.append(f"[dim]other {len(others)} models: lowest–highest forecast of {', '.join(others)}.[/dim]")
    if coh is not None and notes:
        key.append(COHESION_NOTE)
    parts += [Prose(k) for k in key]
    model_notes = [
        (m, iid, note)
        for m, run in result.runs.items()
        for iid, res in run.issues.items()
        for note in res.notes
    ]
    by_note: dict[str, list[str]] = {}  # a model-level note, shared by several models, is printed once
    for m, run in result.runs.items():
        for note in run.notes:
            by_note.setdefault(note, []).append(m)
    n_notes = len(model_notes) + len(by_note)
    if notes:
        if seed is not None:
            parts.append(Prose(f"[dim]seed {seed} (--seed): the same seed gives the same forecast.[/dim]"))
        parts.append(_scales_table(sc))
        if n_notes:
            parts.append("[bold]Notes[/bold]")
            parts += [
                Prose(f"{', '.join(ms)}: {note}", indent=2, markup=False) for note, ms in by_note.items()
            ]
            parts += [Prose(f"{m} / {iid}: {note}", indent=2, markup=False) for m, iid, note in model_notes]
    else:
        hints = [] if seed is None else [f"seed {seed}"]
        if compact:
            hints.append("--wide: a column per model")
        hints.append(
            f"--notes: the scales{', the record sources' if record is not None else ''}"
            + (f" and {n_notes} model notes" if n_notes else "")
        )
        parts.append(Prose("[dim]" + " · ".join(hints) + "[/dim]"))
    return parts


def _scales_table(sc: Any) -> RenderableType:
    from rich.table import Table

    scales = Table(title="Scales", title_justify="left", show_header=True, box=None, padding=(0, 2))
    for col in ("issue", "scale", "unit", "what the scale measures"):
        scales.add_column(col, no_wrap=col in ("issue", "scale"), overflow="fold")
    for issue in sc.issues:
        scales.add_row(issue.id, f"{issue.lower:,g} – {issue.upper:,g}", issue.unit, issue.description)
    return scales


def overlay_tables(cmp: OverlayComparison, *, seed: int | None = None) -> list[RenderableType]:
    """``forecast --overlay``: what the overlay changes, and base vs. overlay per issue and model."""
    from rich.markup import escape
    from rich.table import Table

    sc = cmp.base.scenario
    parts: list[RenderableType] = [
        f"[bold]{escape(sc.title or sc.id)}[/bold] with overlay [bold]{cmp.overlay}[/bold]"
    ]
    changed = Table(title="What the overlay changes", title_justify="left")
    for col in ("actor", "issue", "field", "base", "overlay", "source"):
        changed.add_column(col, overflow="fold", justify="right" if col in ("base", "overlay") else "left")
    for c in cmp.changes:
        changed.add_row(c.actor, c.issue, c.field, fmt(c.old), fmt(c.new), escape(describe_source(c.source)))
    parts.append(fitted(changed))
    table = Table(title="Forecasts: base vs. overlay", title_justify="left")
    table.add_column("issue", style="bold", no_wrap=True)
    table.add_column("model")
    for col in ("base", "overlay", "change"):
        table.add_column(col, justify="right")
    df = cmp.outcomes
    for k, issue in enumerate(sc.issues):
        rows = list(df[df["issue"] == issue.id].itertuples(index=False))
        for j, r in enumerate(rows):
            last = j == len(rows) - 1 and k < len(sc.issues) - 1
            table.add_row(
                issue.id if j == 0 else "",
                str(r.model),
                fmt(r.base),
                fmt(r.overlay),
                signed(r.change),
                end_section=last,
            )
    if cmp.cohesion_base is not None and cmp.cohesion_overlaid is not None:
        table.add_section()
        for j, key in enumerate(cmp.cohesion_base):
            b, o = cmp.cohesion_base[key], cmp.cohesion_overlaid[key]
            table.add_row(
                "U.S.-ROK cohesion" if j == 0 else "",
                key,
                f"{b:.3f}",
                f"{o:.3f}",
                f"{o - b:+.3f}",
                style="italic",
            )
    parts.append(fitted(table, keys=2))
    if seed is not None:
        parts.append(f"[dim]base and overlay on one seed: {seed} (--seed)[/dim]")
    return parts


def evaluation_table(
    summary: pd.DataFrame,
    n_files: int,
    uncertainty: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    normalised: bool = False,
) -> RenderableType:
    """Mean absolute error per model (``summary``: index model, columns ``mae``, ``n``).

    With ``uncertainty`` (``Evaluation.uncertainty``) also the 95 % group-bootstrap interval of the MAE,
    the paired difference from ``compromise`` with its interval, the 80 % interval's coverage, and the
    grouped cross-validation figures where they were computed.
    """
    from rich.table import Table

    unc = uncertainty or {}
    has_cov = any("coverage" in v for v in unc.values())
    has_cv = any("cv" in v for v in unc.values())

    def diff(d: Mapping[str, Any] | None) -> str:
        if not d or d.get("n", 0) == 0:
            return "–"
        return f"{signed(d['mean'])} [{signed(d['low'])}, {signed(d['high'])}]"

    unit = " (percent of each issue's scale)" if normalised else ""
    table = Table(title=f"Mean absolute error on {n_files} file(s){unit}")
    table.add_column("model", style="bold")
    table.add_column("MAE", justify="right")
    table.add_column("issues", justify="right")
    if unc:
        table.add_column("95% interval", justify="right")
        table.add_column("vs compromise [95%]", justify="right")
    if has_cov:
        table.add_column("80% coverage" + (" (CV)" if has_cv else ""), justify="right")
    if has_cv:
        table.add_column("CV MAE", justify="right")
        table.add_column("CV vs compromise [95%]", justify="right")
    for m, row in summary.iterrows():
        u = unc.get(str(m), {})
        cells = [str(m), f"{row['mae']:.2f}", str(int(row["n"]))]
        if unc:
            cells.append(f"{u['mae_low']:.2f}–{u['mae_high']:.2f}" if "mae_low" in u else "–")
            cells.append(diff(u.get("diff_vs_compromise")))
        if has_cov:
            c = u.get("cv", {}).get("coverage") or u.get("coverage")
            cells.append(f"{c['rate']:.0%}" if c else "–")
        if has_cv:
            cv = u.get("cv", {})
            tag = "" if cv.get("tuned") else " (as run)"
            cells.append(f"{cv['mae']:.2f}{tag}" if cv else "–")
            cells.append(diff(cv.get("diff_vs_compromise")))
        table.add_row(*cells)
    return fitted(table)


def agreement_table(uncertainty: Mapping[str, Mapping[str, Any]]) -> RenderableType:
    """The probability of agreement scored (issue 21): per model that reports ``p_agreement``, its Brier and
    log score with their 95 % group-bootstrap intervals, the leave-one-group-out base rate's, and the paired
    differences (negative = better than the base rate)."""
    from rich.table import Table

    def cell(d: Mapping[str, Any]) -> str:
        return f"{d['mean']:.3f} [{d['low']:.3f}, {d['high']:.3f}]"

    def diff(d: Mapping[str, Any]) -> str:
        return "–" if not d.get("n") else f"{signed(d['mean'])} [{signed(d['low'])}, {signed(d['high'])}]"

    table = Table(title="Probability of agreement: Brier and log score (0 best) [95% interval]")
    table.add_column("model", style="bold")
    brier_cols = ("Brier", "base rate", "vs base rate")
    log_cols = ("log score", "base rate", "vs base rate")
    for col in ("decisions", "agreed", *brier_cols, *log_cols):
        table.add_column(col, justify="right")
    for m, u in uncertainty.items():
        a = u.get("agreement")
        if not a:
            continue
        base = a["base_rate"]
        table.add_row(
            str(m),
            str(a["n"]),
            str(a["events"]),
            cell(a["brier"]),
            cell(base["brier"]),
            diff(a["diff_brier_vs_base_rate"]),
            cell(a["log_score"]),
            cell(base["log_score"]),
            diff(a["diff_log_vs_base_rate"]),
        )
    return fitted(table)


def models_table(rows: Sequence[Mapping[str, Any]]) -> RenderableType:
    """The registered models, one row each (name, title, flags, parameters, reference)."""
    from rich.table import Table

    table = Table(title="Registered models")
    cols = ("name", "title", "deterministic", "order-dependent", "parameters", "reference")
    for col in cols:
        table.add_column(col)
    for r in rows:
        table.add_row(*(str(r[c]) for c in cols))
    return fitted(table)


def backtest_table(result: Backtest, target: str, test_end: str, source: str) -> list[RenderableType]:
    """The one-step-ahead backtest: mean log score, MAE and RPS per model, then the notes."""
    from rich.table import Table

    from peninsula.reports.console import num

    first = next(iter(result.models.values())).monthly[0].month
    table = Table(
        title=f"One-step-ahead backtest, {target}, {result.months} test months "
        f"({first}..{test_end}), expanding window, data: {source}"
    )
    table.add_column("model", style="bold")
    table.add_column("mean log score ↑", justify="right")
    table.add_column("MAE ↓", justify="right")
    table.add_column("RPS ↓", justify="right")
    for name, score in result.models.items():
        table.add_row(name, num(score.mean_log_score, 3), num(score.mae, 3), num(score.rps, 3))
    return [fitted(table), *(Prose(f"[dim]note: {note}[/dim]") for note in result.notes)]


def whatif_tables(result: WhatIf, target: str, sims: int, seed: int) -> list[RenderableType]:
    """A what-if run: monthly medians and 80 % bands, the window total, the difference and the notes."""
    from rich.table import Table

    table = Table(
        title=f"What if ({target}, {result.months[0]}..{result.months[-1]}, {sims} paths, seed {seed})"
    )
    table.add_column("month", style="bold")
    table.add_column("observed", justify="right")
    table.add_column("recorded: median [p10, p90]", justify="right")
    table.add_column("alternative: median [p10, p90]", justify="right")
    rec_path, alt_path = result.recorded, result.alternative
    for i, m in enumerate(result.months):
        obs = result.observed[i]
        table.add_row(
            m,
            "–" if obs is None else str(obs),
            f"{rec_path.p50[i]:.0f} [{rec_path.p10[i]:.0f}, {rec_path.p90[i]:.0f}]",
            f"{alt_path.p50[i]:.0f} [{alt_path.p10[i]:.0f}, {alt_path.p90[i]:.0f}]",
        )
    rec, alt, diff = result.recorded.total_summary(), result.alternative.total_summary(), result.difference()
    observed = [o for o in result.observed if o is not None]
    table.add_section()
    table.add_row(
        "total",
        str(sum(observed)) if len(observed) == len(result.observed) else "–",
        f"{rec['p50']:.0f} [{rec['p10']:.0f}, {rec['p90']:.0f}]",
        f"{alt['p50']:.0f} [{alt['p10']:.0f}, {alt['p90']:.0f}]",
    )
    summary = (
        f"alternative − recorded, window total: median {diff['p50']:+.0f}, 80% interval "
        f"[{diff['p10']:+.0f}, {diff['p90']:+.0f}]; P(more launches) = {diff['prob_more']:.2f}, "
        f"P(fewer) = {diff['prob_fewer']:.2f}"
    )
    return [fitted(table), Prose(summary), *(Prose(f"[dim]note: {note}[/dim]") for note in result.notes)]


def sources_table(
    scenario_id: str, records: Sequence[Any], check: Callable[[Any, float], str | None]
) -> RenderableType:
    """Every value of a scenario with its source and the result of ``check(source, value)`` (None = ok)."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"Sources of {scenario_id}", show_lines=True)
    for col in ("actor", "issue", "field", "value", "source", "check"):
        table.add_column(col, justify="right" if col == "value" else "left", overflow="fold")
    for r in records:
        problem = check(r.source, r.value)
        table.add_row(
            r.actor or "–",
            r.issue or "–",
            r.field,
            f"{r.value:g}",
            escape(describe_source(r.source)) if r.source else "[red]none[/red]",
            "ok" if problem is None else f"[red]{escape(problem)}[/red]",
        )
    return fitted(table)


def scenarios_tables(
    infos: Sequence[Any],
    overlays: Sequence[Any],
    default: str,
    applies: Mapping[str, Sequence[str]] | None = None,
) -> list[RenderableType]:
    """The packaged scenarios (``ScenarioInfo``) and the overlays (``Overlay``) as two tables.

    ``applies`` maps an overlay id to the snapshots it applies to (shown as a column of each table).
    """
    from rich.markup import escape
    from rich.table import Table

    applies = applies or {}
    table = Table(title="Packaged scenarios")
    for col in ("id", "date", "title", "actors", "issues", "seeds", "overlays that apply"):
        table.add_column(col, overflow="fold")
    for i in infos:
        mark = " (default)" if i.id == default else ""
        ovs = ", ".join(o for o, ids in applies.items() if i.id in ids) or "–"
        table.add_row(
            i.id + mark, str(i.date or "–"), i.title, str(i.n_actors), str(i.n_issues), i.seeds, ovs
        )
    otable = Table(title="Overlays (--overlay NAME)")
    otable.add_column("name")
    otable.add_column("applies to", overflow="fold")
    otable.add_column("lever", overflow="fold")
    for o in overlays:
        otable.add_row(o.id, ", ".join(applies.get(o.id, ())) or "–", escape(o.description))
    return [fitted(table), fitted(otable)]


def cohesion_table(rows: Sequence[Mapping[str, Any]], models: Sequence[str]) -> RenderableType:
    """U.S.-ROK cohesion per scenario: ``before`` and after each model (``rows`` as ``peninsula cohesion``'s
    JSON)."""
    from rich.table import Table

    table = Table(title="U.S.-ROK alliance cohesion (1 - salience-weighted normalised gap)")
    table.add_column("scenario", no_wrap=True)
    table.add_column("before", justify="right")
    for n in models:
        table.add_column(n, justify="right")
    for r in rows:
        table.add_row(r["scenario"], f"{r['before']:.3f}", *(f"{r['after'][n]:.3f}" for n in models))
    return fitted(table)
