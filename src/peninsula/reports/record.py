"""The record of what happened beside a forecast (``peninsula forecast SCENARIO --against-record``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from peninsula.reports.console import fmt

if TYPE_CHECKING:
    from rich.console import RenderableType

    from peninsula.scenarios.observed_outcomes import RecordEntry
    from peninsula.simulate.forecast import Forecast

__all__ = ["RECORD_NOTE", "record_json", "record_table"]

RECORD_NOTE = (
    "[dim]Record: what happened after the snapshot, on each issue's scale, with its source (the snapshot"
    " is coded only from what was known on its date; the record is for judging the models, never an"
    " input).[/dim]"
)


def record_json(result: Forecast, record: Mapping[str, RecordEntry]) -> dict[str, Any]:
    """``{issue id: {value, date, source, note} or None}`` for every issue of the forecast scenario."""
    return {i.id: (record[i.id].to_dict() if i.id in record else None) for i in result.scenario.issues}


def record_table(result: Forecast, record: Mapping[str, RecordEntry]) -> list[RenderableType]:
    """Per issue: the record (value, date), each model's forecast beside it, and the record's source."""
    from rich.markup import escape
    from rich.table import Table

    sc = result.scenario
    table = Table(title=f"Against the record: {sc.title or sc.id}", title_justify="left")
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
        table.add_row(issue.id, fmt(entry.value), entry.date.isoformat(), *cells)
        sources.append(f"  {issue.id}: {escape(entry.note)} [dim]({escape(entry.source.describe())})[/dim]")
    return [table, "[bold]Record sources[/bold]", *sources, RECORD_NOTE]
