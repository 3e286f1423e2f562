"""``peninsula levers``: rank the seeds' recommendations and the allies' options by their simulated effect.

Thin: parse, build the run with :func:`peninsula.api.lever_spec`, run it with :func:`peninsula.api.levers`,
render with :mod:`peninsula.api.render` (the tables and chart of :mod:`peninsula.reports.levers`). Exit 2 on
bad input (mapped by the app).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from peninsula.cli._options import (
    DataOpt,
    LaunchModelOpt,
    MonthsOpt,
    NoStoreOpt,
    ScenarioArg,
    SchedulerOpt,
    StartOpt,
    SystemModelOpt,
    SystemSeedOpt,
    TableFormat,
    TrainEndOpt,
    WorkersOpt,
    draws_option,
    out_option,
    overlay_given_as_out,
)
from peninsula.cli._options import TableFormatOpt as FormatOpt

__all__ = ["register"]


def levers(
    scenario: ScenarioArg = None,
    months: MonthsOpt = 12,
    draws: Annotated[int, draws_option("Draws per candidate (common random numbers).")] = 1000,
    seed: SystemSeedOpt = 0,
    model: SystemModelOpt = None,
    launch_model: LaunchModelOpt = None,
    overlay: Annotated[
        list[str] | None,
        typer.Option(
            "--overlay",
            "-O",
            metavar="NAME",
            help="Overlay candidate (repeatable; default: every overlay that applies; 'none' for none).",
        ),
    ] = None,
    grid: Annotated[
        list[str] | None,
        typer.Option(
            "--grid",
            metavar="ISSUE=LO:HI:STEP",
            help="Settings ISSUE=lo:hi:step (both allies) or ISSUE@US=... / ISSUE@ROK=... (repeatable: "
            "their product).",
        ),
    ] = None,
    pairs: Annotated[
        bool, typer.Option("--pairs", help="Also every pair of the overlay candidates.")
    ] = False,
    prefer: Annotated[
        list[str] | None,
        typer.Option(
            "--prefer",
            metavar="ISSUE=higher|lower",
            help="ISSUE=higher|lower: which end of a posture outcome is better.",
        ),
    ] = None,
    objective: Annotated[
        list[str] | None,
        typer.Option(
            "--objective",
            metavar="NAME",
            help="Objective the front uses (repeatable; default: all ranked ones).",
        ),
    ] = None,
    rank_by: Annotated[
        str | None,
        typer.Option("--rank-by", metavar="NAME", help="Order by this objective's paired difference."),
    ] = None,
    target: Annotated[
        str,
        typer.Option(
            "--target",
            metavar="events|missiles",
            help="What the launch objective counts: events or missiles.",
        ),
    ] = "events",
    agreement_draws: Annotated[
        int | None,
        typer.Option(
            "--agreement-draws",
            metavar="N",
            help="Draws over the sourced ranges behind each p_agreement (200).",
        ),
    ] = None,
    robust_draws: Annotated[
        int | None,
        typer.Option(
            "--robust-draws", metavar="N", help="Draws of each robustness run (200; 0: no robustness runs)."
        ),
    ] = None,
    no_rule_uncertainty: Annotated[
        bool, typer.Option("--no-rule-uncertainty", help="Keep every rule at its point value.")
    ] = False,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            metavar="FILE",
            help="DuckDB run store (default: $PENINSULA_STORE, else peninsula-runs.duckdb in the user's data "
            "folder).",
        ),
    ] = None,
    no_store: NoStoreOpt = False,
    data: DataOpt = None,
    train_end: TrainEndOpt = None,
    start: StartOpt = None,
    out_png: Annotated[
        Path | None, out_option("Write the front chart (launches vs p_agreement) as a PNG.")
    ] = None,
    fmt: FormatOpt = TableFormat.table,
) -> None:
    """Which lever? Overlays, settings of the allies' positions and pairs through the coupled simulation.

    Every candidate and the baseline run with the same seed (common random numbers: draw d of each uses the
    same uniforms). Objectives: launches over the window, p_agreement on every issue with a veto player,
    U.S.-ROK cohesion at the end, the bargained outcome of each posture issue; per candidate the median and
    80 % interval, the paired difference from the baseline and P(better) (ties apart). Candidates no other
    run beats are on the Pareto front; for them, how robust that is over the rules' coded ranges and which
    rules the advantage rests on. Every run is kept in the run store (`peninsula runs list|show`). JSON:
    {scenario, months, draws, seed, baseline: {objectives}, levers: [{id, kind, changes, objectives: {NAME:
    {median, q10, q90, delta_median, delta_q10, delta_q90, p_better}}, pareto, front_share}]}.
    """
    from peninsula import api
    from peninsula.api import render
    from peninsula.api.render import out, write_json
    from peninsula.core import ParameterError
    from peninsula.core.limits import MAX_MONTHS, check_count

    check_count("--months", months, MAX_MONTHS)
    legacy = overlay_given_as_out(out_png)  # `-o NAME` was the overlay before issue 26
    if legacy is not None:
        overlay, out_png = [*(overlay or []), legacy], None
    if out_png is not None:
        api.check_figure_target(out_png)
    if workers is not None and scheduler is not None:
        raise ParameterError("give either --workers K or --scheduler ADDRESS, not both")
    if no_store and store is not None:
        raise ParameterError("--no-store cannot be combined with --store")
    overlays = None if not overlay else [] if overlay == ["none"] else list(overlay)
    if overlays is not None and "none" in overlays:
        raise ParameterError("--overlay none cannot be combined with overlay names")
    spec = api.lever_spec(
        scenario or api.DEFAULT_SCENARIO,
        months=months,
        model=model,
        launch_model=launch_model,
        draws=draws,
        seed=seed,
        train_end=train_end,
        start=start,
        target=target,
        overlays=overlays,
        grid=grid or (),
        pairs=pairs,
        prefer=prefer or (),
        objectives=objective,
        rank_by=rank_by,
        agreement_draws=agreement_draws,
        robust_draws=robust_draws,
        rule_uncertainty=not no_rule_uncertainty,
    )
    from peninsula.cli.sweep import _progress

    with _progress("levers") as step:
        result = api.levers(
            spec,
            data,
            store=None if no_store else api.store_path(store),
            workers=workers,
            scheduler=scheduler,
            on_progress=step,
        )
    doc = result.to_dict()
    if out_png is not None:
        from peninsula.api.render import save_png

        save_png(render.front_chart(doc), out_png)
    if fmt is TableFormat.json:
        write_json(doc)
    else:
        for part in render.lever_tables(doc):
            out().print(part)
    if out_png is not None:
        from peninsula.api.render import err

        err().print(f"chart written to {out_png}")


def register(app: typer.Typer) -> None:
    """Add the ``levers`` command to ``app``."""
    app.command("levers")(levers)
