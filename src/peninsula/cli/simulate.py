"""``peninsula simulate``: the coupled monthly simulation (bargaining → posture → launches → responses).

Thin: parse, build the run with :func:`peninsula.api.system_spec`, call :mod:`peninsula.api`
(``simulate``, ``simulate_backtest``, ``simulate_compare``, ``simulate_sensitivity``), render with
:mod:`peninsula.api.render` (the tables and chart of :mod:`peninsula.reports.system`). Exit 2 on bad input
(mapped by the app).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from peninsula.cli._options import (
    DataOpt,
    LaunchModelOpt,
    MonthsOpt,
    OverlayOpt,
    ScenarioArg,
    StartOpt,
    SystemModelOpt,
    SystemSeedOpt,
    TableFormat,
    TrainEndOpt,
    draws_option,
    out_option,
    overlay_given_as_out,
    progress,
)
from peninsula.cli._options import TableFormatOpt as FormatOpt

__all__ = ["register"]


def simulate(
    scenario: ScenarioArg = None,
    months: MonthsOpt = 24,
    model: SystemModelOpt = None,
    overlay: OverlayOpt = None,
    draws: Annotated[int, draws_option("Number of draws (vectorised).")] = 1000,
    seed: SystemSeedOpt = 0,
    data: DataOpt = None,
    train_end: TrainEndOpt = None,
    fmt: FormatOpt = TableFormat.table,
    out_png: Annotated[
        Path | None, out_option("Write the chart (launch fan, posture, cohesion) as a PNG.")
    ] = None,
    backtest: Annotated[
        bool, typer.Option("--backtest", help="Score the run against the record (launches and posture).")
    ] = False,
    compare: Annotated[
        str | None,
        typer.Option(
            "--compare", metavar="OVERLAY", help="Run base and this overlay on common random numbers."
        ),
    ] = None,
    sensitivity: Annotated[
        bool, typer.Option("--sensitivity", help="One-at-a-time sensitivity over the rules' ranges.")
    ] = False,
    launch_model: LaunchModelOpt = None,
    start: StartOpt = None,
) -> None:
    """Simulate the alliance's posture and North Korea's launches month by month, with response rules."""
    from peninsula import api
    from peninsula.api import render
    from peninsula.api.render import err, out, write_json
    from peninsula.core import ParameterError
    from peninsula.core.limits import MAX_MONTHS, check_count

    check_count("--months", months, MAX_MONTHS)
    legacy = overlay_given_as_out(out_png)
    if legacy is not None:
        if overlay is not None:
            raise ParameterError(f"-o {legacy} is the overlay's old spelling; give --overlay/-O only")
        overlay, out_png = legacy, None
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
    mode = (
        "compare"
        if compare is not None
        else "sensitivity"
        if sensitivity
        else "backtest"
        if backtest
        else "run"
    )
    with progress("simulate", None) as step:
        step(f"{mode}, {draws:,} draws x {months} months")
        if compare is not None:
            result: Any = api.simulate_compare(spec, compare, data)
        elif sensitivity:
            result = api.simulate_sensitivity(spec, data)
        elif backtest:
            result = api.simulate_backtest(spec, data)
        else:
            result = api.simulate(spec, data)
    if compare is not None:
        if out_png is not None:
            render.plot_system(result.alternative, out_png, base=result.base)
        if fmt is TableFormat.json:
            write_json(result.to_dict())
            return
        for part in render.system_compare_tables(result):
            out().print(part)
    elif sensitivity:
        if fmt is TableFormat.json:
            key = scenario or api.DEFAULT_SCENARIO
            write_json(
                {"scenario": key, "months": months, "draws": draws, "seed": seed, "sensitivity": result}
            )
            return
        out().print(render.sensitivity_table(result, months))
    else:
        run = result.run if backtest else result
        if out_png is not None:
            render.plot_system(run, out_png)
        if fmt is TableFormat.json:
            write_json(result.to_dict())
            return
        for part in render.backtest_tables(result) if backtest else render.system_tables(result):
            out().print(part)
    if out_png is not None:
        err().print(f"wrote chart {out_png}")


def register(app: typer.Typer) -> None:
    """Add the ``simulate`` command to ``app``."""
    app.command("simulate")(simulate)
