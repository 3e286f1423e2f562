"""``peninsula simulate``: the coupled monthly simulation (bargaining → posture → launches → responses).

Thin: parse, build the run with :func:`peninsula.api.system_spec`, call :mod:`peninsula.api`
(``simulate``, ``simulate_backtest``, ``simulate_compare``, ``simulate_sensitivity``), render with
:mod:`peninsula.reports.system`. Exit 2 on bad input (mapped by the app).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from peninsula.cli._options import DataOpt, OverlayOpt, TableFormat, draws_callback
from peninsula.cli._options import TableFormatOpt as FormatOpt

__all__ = ["register"]


def simulate(
    scenario: Annotated[
        str | None,
        typer.Argument(help="Packaged scenario id or scenario file (default: the default scenario)."),
    ] = None,
    months: Annotated[
        int, typer.Option("--months", help="Months to simulate from the scenario's month.")
    ] = 24,
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="Bargaining model (default: compromise).")
    ] = None,
    overlay: OverlayOpt = None,
    draws: Annotated[
        int, typer.Option("--draws", help="Number of draws (vectorised).", callback=draws_callback)
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same output).", min=0)] = 0,
    data: DataOpt = None,
    train_end: Annotated[
        str | None,
        typer.Option(
            "--train-end", help="Last month the launch model is fitted on (default: before the start)."
        ),
    ] = None,
    fmt: FormatOpt = TableFormat.table,
    out_png: Annotated[
        Path | None, typer.Option("--out", help="Write the chart (launch fan, posture, cohesion) as a PNG.")
    ] = None,
    backtest: Annotated[
        bool, typer.Option("--backtest", help="Score the run against the record (launches and posture).")
    ] = False,
    compare: Annotated[
        str | None, typer.Option("--compare", help="Run base and this overlay on common random numbers.")
    ] = None,
    sensitivity: Annotated[
        bool, typer.Option("--sensitivity", help="One-at-a-time sensitivity over the rules' ranges.")
    ] = False,
    launch_model: Annotated[
        str | None,
        typer.Option(
            "--launch-model",
            help="regime, combination, local_level, ingarch or posture (default: the dynamics default).",
        ),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="First month YYYY-MM (default: the scenario's month); at most the month after the data's "
            "last, and the window may run past the data (a forecast).",
        ),
    ] = None,
) -> None:
    """Simulate the alliance's posture and North Korea's launches month by month, with response rules."""
    from peninsula import api
    from peninsula.core import ParameterError
    from peninsula.core.limits import MAX_MONTHS, check_count
    from peninsula.reports import system as render
    from peninsula.reports.console import out, write_json

    check_count("--months", months, MAX_MONTHS)
    if out_png is not None:
        api.check_figure_target(out_png)  # before the work: a bad --out fails at once
    modes = [
        m
        for m, on in (("--backtest", backtest), ("--compare", compare), ("--sensitivity", sensitivity))
        if on
    ]
    if len(modes) > 1:
        raise ParameterError(f"choose one of {', '.join(modes)}")
    if compare is not None and overlay is not None:
        raise ParameterError("--compare OVERLAY runs the base and the overlay; drop --overlay")
    spec = api.system_spec(
        scenario or api.DEFAULT_SCENARIO,
        overlay=overlay,
        months=months,
        model=model,
        launch_model=launch_model,
        draws=draws,
        seed=seed,
        train_end=train_end,
        start=start,
    )
    if compare is not None:
        cmp = api.simulate_compare(spec, compare, data)
        if out_png is not None:
            render.plot_system(cmp.alternative, out_png, base=cmp.base)
        if fmt is TableFormat.json:
            write_json(cmp.to_dict())
            return
        for part in render.compare_tables(cmp):
            out().print(part)
    elif sensitivity:
        rows = api.simulate_sensitivity(spec, data)
        if fmt is TableFormat.json:
            key = scenario or api.DEFAULT_SCENARIO
            write_json({"scenario": key, "months": months, "draws": draws, "seed": seed, "sensitivity": rows})
            return
        out().print(render.sensitivity_table(rows, months))
    elif backtest:
        bt = api.simulate_backtest(spec, data)
        if out_png is not None:
            render.plot_system(bt.run, out_png)
        if fmt is TableFormat.json:
            write_json(bt.to_dict())
            return
        for part in render.backtest_tables(bt):
            out().print(part)
    else:
        run = api.simulate(spec, data)
        if out_png is not None:
            render.plot_system(run, out_png)
        if fmt is TableFormat.json:
            write_json(run.to_dict())
            return
        for part in render.system_tables(run):
            out().print(part)
    if out_png is not None:
        out().print(f"chart written to {out_png}")


def register(app: typer.Typer) -> None:
    """Add the ``simulate`` command to ``app``."""
    app.command("simulate")(simulate)
