"""The record of what happened beside a forecast (``peninsula forecast SCENARIO --against-record``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from peninsula.reports.console import fmt
from peninsula.scenarios.sources import describe_source

if TYPE_CHECKING:
    from rich.console import RenderableType

    from peninsula.scenarios.observed_outcomes import RecordEntry
    from peninsula.simulate.forecast import Forecast

__all__ = ["RECORD_NOTE", "record_cell", "record_json", "record_sources", "record_table"]

RECORD_NOTE = (
    "[dim]Record: the state at the snapshot's forecast horizon (or the decision taken before it), on each"
    " issue's scale, with its source; 'no agreement' is the issue's reversion. The snapshot is coded only"
    " from what was known on its date; the record is for judging the models, never an input. Later"
    " decisions (after the horizon or by another administration) are listed, never scored.[/dim]"
)


def record_json(result: Forecast, record: Mapping[str, RecordEntry]) -> dict[str, Any]:
    """``{issue id: {value, date, source, note} or None}`` for every issue of the forecast scenario."""
    return {i.id: (record[i.id].to_dict() if i.id in record else None) for i in result.scenario.issues}


def record_table(
    result: Forecast,
    record: Mapping[str, RecordEntry],
    later: Sequence[RecordEntry] = (),
    horizon: dt.date | None = None,
) -> list[RenderableType]:
    """Per issue: the record (value, date) beside each model's forecast, its source; later records."""
    from rich.markup import escape
    from rich.table import Table

    sc = result.scenario
    at = f" (horizon {horizon.isoformat()})" if horizon is not None else ""
    table = Table(title=f"Against the record{at}: {sc.title or sc.id}", title_justify="left")
    table.add_column("issue", style="bold", no_wrap=True)
    table.add_column("record", justify="right", style="bold")
    table.add_column("date", no_wrap=True)
    for m in result.runs:
        table.add_column(m, justify="right")
    outcomes = result.outcomes
    sources = []
    for issue in sc.issues:
        entry = record.get(issue.id)
        cells = [fmt(outcomes.at[m, issue.id]) for m in result.runs]
        if entry is None:
            table.add_row(issue.id, "–", "no record", *cells)
            continue
        shown = fmt(entry.value) + (" no agreement" if entry.agreement is False else "")
        table.add_row(issue.id, shown, entry.date.isoformat(), *cells)
        src = escape(describe_source(entry.source))
        sources.append(f"  {issue.id}: {escape(entry.note)} [dim]({src})[/dim]")
    from peninsula.reports.layout import Prose, fitted

    parts: list[RenderableType] = [fitted(table), "[bold]Record sources[/bold]", *(Prose(x) for x in sources)]
    if later:
        parts.append("[bold]Later, not scored[/bold]")
        parts += [
            Prose(
                f"  {e.issue}: {fmt(e.value)} ({e.date.isoformat()}) {escape(e.label)}"
                f" [dim]({escape(describe_source(e.source))})[/dim]"
            )
            for e in later
        ]
    return [*parts, Prose(RECORD_NOTE)]


def record_cell(entry: RecordEntry | None) -> str:
    """A record in a forecast table's ``record`` column: its value, ``no deal`` where the record is that the
    parties did not agree (the value is then the issue's reversion), ``–`` without a record."""
    if entry is None:
        return "–"
    return "no deal" if entry.agreement is False else fmt(entry.value)


def record_sources(
    result: Forecast,
    record: Mapping[str, RecordEntry],
    later: Sequence[RecordEntry] = (),
    horizon: dt.date | None = None,
) -> list[RenderableType]:
    """Per issue: what happened, its date and its source; then the later records (``forecast
    --against-record --notes``; the values themselves are the table's ``record`` column)."""
    from rich.markup import escape

    from peninsula.reports.layout import Prose

    at = f" (horizon {horizon.isoformat()})" if horizon is not None else ""
    lines: list[RenderableType] = [f"[bold]Record sources{at}[/bold]"]
    for issue in result.scenario.issues:
        entry = record.get(issue.id)
        if entry is None:
            lines.append(Prose(f"{escape(issue.id)}: no record", indent=2))
            continue
        shown = fmt(entry.value) + (", no agreement" if entry.agreement is False else "")
        lines.append(
            Prose(
                f"{escape(issue.id)}: {shown} ({entry.date.isoformat()}): {escape(entry.note)} "
                f"[dim]({escape(describe_source(entry.source))})[/dim]",
                indent=2,
            )
        )
    if later:
        lines.append("[bold]Later, not scored[/bold]")
        lines += [
            Prose(
                f"{escape(e.issue)}: {fmt(e.value)} ({e.date.isoformat()}) {escape(e.label)}"
                f" [dim]({escape(describe_source(e.source))})[/dim]",
                indent=2,
            )
            for e in later
        ]
    return [*lines, Prose(RECORD_NOTE)]
