"""``peninsula backtest`` and ``peninsula whatif``: parse, call :mod:`peninsula.api`, render.

Exit codes: 0 success, 2 bad input or usage (an :class:`InputError` naming file, line and field, or a bad
option), 1 internal error (mapped by the main app).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from peninsula.cli._options import (
    DataOpt,
    LegacyLaunchModelOpt,
    SimsOpt,
    TableFormat,
    draws_option,
    out_option,
    prefer,
    progress,
)
from peninsula.cli._options import TableFormatOpt as FormatOpt

__all__ = ["register"]


class Target(StrEnum):
    """What the launch model counts."""

    events = "events"
    missiles = "missiles"


TargetOpt = Annotated[
    Target, typer.Option("--target", help="Count to model: events (launch days) or missiles.")
]


DEFAULT_TRAIN_END = "2019-12"
#: Simulated paths of a what-if run (``--draws``).
DEFAULT_PATHS = 2000  # the acceptance window of the one-step backtest (README, docs/dynamics.md)


def backtest(
    train_end: Annotated[
        str | None,
        typer.Option(
            "--train-end",
            metavar="YYYY-MM",
            help=f"Last month of the first training window, YYYY-MM (default {DEFAULT_TRAIN_END}).",
        ),
    ] = None,
    test_end: Annotated[
        str | None,
        typer.Option(
            "--test-end",
            metavar="YYYY-MM",
            help="Last test month, YYYY-MM (default: the last month of the data).",
        ),
    ] = None,
    data: DataOpt = None,
    target: TargetOpt = Target.events,
    fmt: FormatOpt = TableFormat.table,
    rolling: Annotated[
        bool,
        typer.Option(
            "--rolling", help="Also run the rolling-origin evaluation (every origin, several horizons)."
        ),
    ] = False,
    horizon: Annotated[
        list[int] | None,
        typer.Option(
            "--horizon",
            min=1,
            max=24,
            metavar="H",
            help="Rolling horizon in months (repeatable; default 1, 3, 6).",
        ),
    ] = None,
    out_png: Annotated[
        Path | None, out_option("With --rolling: write the calibration chart (PIT) here (.png).")
    ] = None,
    posture_effects: Annotated[
        bool,
        typer.Option(
            "--posture-effects",
            help="Also estimate each posture lever's effect on launches: an event study with placebo months "
            "and the models' posture coefficients (JSON: effects).",
        ),
    ] = False,
    effects_png: Annotated[
        Path | None,
        typer.Option(
            "--effects-out", metavar="FILE", help="With --posture-effects: write the effects chart here."
        ),
    ] = None,
) -> None:
    """Backtest the DPRK launch models one month ahead (expanding window) against two baselines.

    With --rolling, also score every model from every origin at horizons 1, 3 and 6 months (log score,
    RPS, MAE, 50/80% coverage, PIT, Diebold-Mariano against the baselines) and name the model the
    evaluation chooses. With --posture-effects, also estimate each posture lever's effect on launches.
    """
    from peninsula import api
    from peninsula.api.render import backtest_table, out, write_json
    from peninsula.core.errors import ParameterError

    if out_png is not None and not rolling:
        raise ParameterError("--out draws the calibration chart of the rolling evaluation: add --rolling")
    if horizon and not rolling:
        raise ParameterError("--horizon applies to the rolling evaluation: add --rolling")
    if effects_png is not None and not posture_effects:
        raise ParameterError("--effects-out draws the posture effects: add --posture-effects")
    for png in (out_png, effects_png):
        if png is not None:
            api.check_figure_target(png)  # before the work: a bad --out fails at once
    korea = api.launch_data(data)
    with progress("backtest", None) as step:
        step("one step ahead")
        result = api.backtest(
            train_end=train_end or DEFAULT_TRAIN_END, test_end=test_end, target=target.value, data=korea
        )
        evaluation = None
        if rolling:
            step("rolling origins")
            evaluation = api.rolling(target=target.value, horizons=horizon, data=korea, png=out_png)
        effects = None
        if posture_effects:
            step("posture effects")
            effects = api.posture_effects(target=target.value, data=korea, png=effects_png)
    if fmt is TableFormat.json:
        doc = result.to_dict()
        if evaluation is not None:
            doc["rolling"] = evaluation.to_dict()
        if effects is not None:
            doc.update(effects.to_dict())
        write_json(doc)
        return
    for part in backtest_table(result, target.value, result.test_end, str(korea.source)):
        out().print(part)
    if evaluation is not None:
        from peninsula.api.render import rolling_tables

        for part in rolling_tables(evaluation, str(korea.source)):
            out().print(part)
        if out_png is not None:
            out().print(f"calibration chart written to {out_png}")
    if effects is not None:
        from peninsula.api.render import effects_tables

        for part in effects_tables(effects, str(korea.source)):
            out().print(part)
        if effects_png is not None:
            out().print(f"posture-effects chart written to {effects_png}")


def whatif(
    from_: Annotated[str, typer.Option("--from", metavar="YYYY-MM", help="First simulated month.")],
    months: Annotated[
        int, typer.Option("--months", metavar="N", help="Number of months to simulate (1-120).")
    ],
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="LEVER=VALUE",
            help="Lever KEY=VALUE (repeatable): exercises=full|reduced|suspended|recorded, "
            "summit=YYYY-MM|none, talks=YYYY-MM|none, sanctions=YYYY-MM|none.",
        ),
    ] = None,
    overlay: Annotated[
        str | None,
        typer.Option(
            "--overlay",
            "-O",
            metavar="NAME",
            help="A Korea scenario overlay mapped onto the levers (resume-exercises, dual-track-sanctions, "
            "phased-relief); added to any --set.",
        ),
    ] = None,
    launch_model: Annotated[
        str | None,
        typer.Option(
            "--launch-model",
            metavar="NAME",
            help="Launch model: regime, combination, local_level, ingarch or posture "
            "(default: the rolling evaluation's choice).",
        ),
    ] = None,
    legacy_model: LegacyLaunchModelOpt = None,
    out_png: Annotated[Path | None, out_option("Write a fan-chart PNG here.")] = None,
    seed: Annotated[int, typer.Option("--seed", metavar="SEED", help="Random seed.", min=0)] = 0,
    draws: Annotated[int | None, draws_option("Number of simulated paths (default 2000).")] = None,
    sims: SimsOpt = None,
    data: DataOpt = None,
    target: TargetOpt = Target.events,
    fmt: FormatOpt = TableFormat.table,
) -> None:
    """Simulate DPRK launches under an alternative alliance posture versus the recorded one."""
    from peninsula import api
    from peninsula.api.render import out, whatif_tables, write_json

    model = prefer(launch_model, legacy_model, "whatif --model NAME", "--launch-model NAME")
    sims = prefer(draws, sims, "--sims N", "--draws/-n N") or DEFAULT_PATHS
    with progress("whatif", None) as step:
        step(f"{sims:,} paths")
        result = api.whatif(
            from_,
            months,
            list(set_ or []),
            overlay=overlay,
            model=model,
            target=target.value,
            sims=sims,
            seed=seed,
            data=data,
            png=out_png,
        )
    if fmt is TableFormat.json:
        doc = result.to_dict()
        doc["seed"] = seed
        doc["png"] = str(out_png) if out_png is not None else None
        doc["overlay"] = overlay
        write_json(doc)
        return
    for part in whatif_tables(result, target.value, sims, seed):
        out().print(part)
    if out_png is not None:
        out().print(f"fan chart written to {out_png}")


def register(app: typer.Typer) -> None:
    """Add the ``backtest`` and ``whatif`` commands to ``app``."""
    app.command("backtest")(backtest)
    app.command("whatif")(whatif)
