"""The render door of the edges: the functions of :mod:`peninsula.reports` the CLI and the workbench call.

:mod:`peninsula.reports` renders (consoles, JSON, tables, charts); the edges (:mod:`peninsula.cli`,
:mod:`peninsula.web`) may not import it, nor any layer below :mod:`peninsula.api` (import-linter's Edges
contract in ``pyproject.toml``), so they reach its functions here. Each name is a re-export, the very
object of its ``peninsula.reports`` module (no copy, no wrapper), imported on first use (PEP 562): asking
for :func:`err` loads :mod:`peninsula.reports.console` only, as the edges' local imports did before, so no
command starts slower. One name differs from its source: :func:`system_compare_tables` is
:func:`peninsula.reports.system.compare_tables` (the coupled simulation's comparison tables), which would
otherwise clash with :func:`compare_tables` of :mod:`peninsula.reports.uncertainty` (stored sweeps).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from peninsula.reports.charts import iterative_models, overlay_chart, positions_chart, save_png, svg
    from peninsula.reports.console import csv_text, err, out, write_json
    from peninsula.reports.effects import effects_tables
    from peninsula.reports.layout import Prose
    from peninsula.reports.levers import front_chart, lever_tables
    from peninsula.reports.record import record_json, record_sources
    from peninsula.reports.rolling import rolling_tables
    from peninsula.reports.system import backtest_tables, plot_system, sensitivity_table, system_tables
    from peninsula.reports.system import compare_tables as system_compare_tables
    from peninsula.reports.tables import (
        agreement_table,
        backtest_table,
        cohesion_table,
        evaluation_table,
        forecast_tables,
        models_table,
        overlay_tables,
        scenarios_tables,
        sources_table,
        whatif_tables,
    )
    from peninsula.reports.uncertainty import compare_tables, runs_table, sensitivity_tables, sweep_tables

#: Public name -> ``module`` (same name there) or ``module:attribute``, imported on first use.
_LAZY: dict[str, str] = {
    "iterative_models": "peninsula.reports.charts",
    "overlay_chart": "peninsula.reports.charts",
    "positions_chart": "peninsula.reports.charts",
    "save_png": "peninsula.reports.charts",
    "svg": "peninsula.reports.charts",
    "csv_text": "peninsula.reports.console",
    "err": "peninsula.reports.console",
    "out": "peninsula.reports.console",
    "write_json": "peninsula.reports.console",
    "effects_tables": "peninsula.reports.effects",
    "Prose": "peninsula.reports.layout",
    "front_chart": "peninsula.reports.levers",
    "lever_tables": "peninsula.reports.levers",
    "record_json": "peninsula.reports.record",
    "record_sources": "peninsula.reports.record",
    "rolling_tables": "peninsula.reports.rolling",
    "backtest_tables": "peninsula.reports.system",
    "plot_system": "peninsula.reports.system",
    "sensitivity_table": "peninsula.reports.system",
    "system_compare_tables": "peninsula.reports.system:compare_tables",
    "system_tables": "peninsula.reports.system",
    "agreement_table": "peninsula.reports.tables",
    "backtest_table": "peninsula.reports.tables",
    "cohesion_table": "peninsula.reports.tables",
    "evaluation_table": "peninsula.reports.tables",
    "forecast_tables": "peninsula.reports.tables",
    "models_table": "peninsula.reports.tables",
    "overlay_tables": "peninsula.reports.tables",
    "scenarios_tables": "peninsula.reports.tables",
    "sources_table": "peninsula.reports.tables",
    "whatif_tables": "peninsula.reports.tables",
    "compare_tables": "peninsula.reports.uncertainty",
    "runs_table": "peninsula.reports.uncertainty",
    "sensitivity_tables": "peninsula.reports.uncertainty",
    "sweep_tables": "peninsula.reports.uncertainty",
}


def __getattr__(name: str) -> Any:
    from peninsula.api._lazy import load_lazy

    return load_lazy(__name__, _LAZY, globals(), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Prose",
    "agreement_table",
    "backtest_table",
    "backtest_tables",
    "cohesion_table",
    "compare_tables",
    "csv_text",
    "effects_tables",
    "err",
    "evaluation_table",
    "forecast_tables",
    "front_chart",
    "iterative_models",
    "lever_tables",
    "models_table",
    "out",
    "overlay_chart",
    "overlay_tables",
    "plot_system",
    "positions_chart",
    "record_json",
    "record_sources",
    "rolling_tables",
    "runs_table",
    "save_png",
    "scenarios_tables",
    "sensitivity_table",
    "sensitivity_tables",
    "sources_table",
    "svg",
    "sweep_tables",
    "system_compare_tables",
    "system_tables",
    "whatif_tables",
    "write_json",
]
