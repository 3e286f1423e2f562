"""``peninsula backtest`` and ``peninsula whatif``: parse, call the dynamics API, render.

Exit codes: 0 success, 2 bad input or usage (an :class:`InputError` naming file, line and field, or a bad
option), 1 internal error (mapped by the main app).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from peninsula.cli._options import DataOpt, TableFormat
from peninsula.cli._options import TableFormatOpt as FormatOpt

__all__ = ["register"]


class Target(StrEnum):
    """What the launch model counts."""

    events = "events"
    missiles = "missiles"


TargetOpt = Annotated[
    Target, typer.Option("--target", help="Count to model: events (launch days) or missiles.")
]


def backtest(
    train_end: Annotated[
        str, typer.Option("--train-end", help="Last month of the first training window, YYYY-MM.")
    ],
    test_end: Annotated[str, typer.Option("--test-end", help="Last test month, YYYY-MM.")],
    data: DataOpt = None,
    target: TargetOpt = Target.events,
    fmt: FormatOpt = TableFormat.table,
) -> None:
    """Backtest the DPRK launch model one month ahead (expanding window) against two baselines."""
    from peninsula.core.errors import ParameterError
    from peninsula.dynamics.backtest import run_backtest
    from peninsula.dynamics.loading import load_data, parse_month
    from peninsula.reports.console import out, write_json
    from peninsula.reports.tables import backtest_table

    for opt, value in (("--train-end", train_end), ("--test-end", test_end)):
        try:
            parse_month(value)
        except ValueError as exc:
            raise ParameterError(f"{opt}: {exc}") from exc
    korea = load_data(data)
    try:
        result = run_backtest(korea, train_end, test_end, target.value)
    except ValueError as exc:
        raise ParameterError(str(exc)) from exc
    if fmt is TableFormat.json:
        write_json(result.to_dict())
        return
    for part in backtest_table(result, target.value, test_end, str(korea.source)):
        out().print(part)


def whatif(
    from_: Annotated[str, typer.Option("--from", help="First simulated month, YYYY-MM.")],
    months: Annotated[int, typer.Option("--months", help="Number of months to simulate (1-120).")],
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Lever KEY=VALUE (repeatable): exercises=full|reduced|suspended|recorded, "
            "summit=YYYY-MM|none, talks=YYYY-MM|none, sanctions=YYYY-MM|none.",
        ),
    ] = None,
    out_png: Annotated[Path | None, typer.Option("--out", help="Write a fan-chart PNG here.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.", min=0)] = 0,
    sims: Annotated[int, typer.Option("--sims", help="Number of simulated paths.", min=1)] = 2000,
    data: DataOpt = None,
    target: TargetOpt = Target.events,
    fmt: FormatOpt = TableFormat.table,
) -> None:
    """Simulate DPRK launches under an alternative alliance posture versus the recorded one."""
    from peninsula.core.errors import ParameterError
    from peninsula.dynamics.loading import load_data, parse_month
    from peninsula.dynamics.whatif import parse_levers, run_whatif
    from peninsula.reports.console import out, write_json
    from peninsula.reports.tables import whatif_tables

    try:
        parse_month(from_)
    except ValueError as exc:
        raise ParameterError(f"--from: {exc}") from exc
    levers = parse_levers(set_ or [])
    korea = load_data(data)
    result = run_whatif(korea, from_, months, levers, target=target.value, n_sims=sims, rng=seed)
    if out_png is not None:
        from peninsula.reports.plots import plot_whatif

        plot_whatif(result, out_png)
    if fmt is TableFormat.json:
        doc = result.to_dict()
        doc["seed"] = seed
        doc["png"] = str(out_png) if out_png is not None else None
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
