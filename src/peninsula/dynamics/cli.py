"""``peninsula backtest`` and ``peninsula whatif``: parse, call the dynamics API, render.

Exit codes: 0 success, 2 bad input or usage (an :class:`InputError` naming file, line and field, or a bad
option), 1 internal error (mapped by the main app).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from peninsula.core.errors import InputError, ParameterError

__all__ = ["register"]

_out = Console(highlight=False, soft_wrap=True)
_err = Console(stderr=True, highlight=False, soft_wrap=True)

DataOpt = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="Folder with dprk_missile_tests_monthly.csv and alliance_timeline.csv (default: packaged copy).",
    ),
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="Output format: table or json.")]
TargetOpt = Annotated[str, typer.Option("--target", help="Count to model: events (launch days) or missiles.")]


def _fail(exc: Exception) -> typer.Exit:
    _err.print(f"[red]error:[/red] {exc}", markup=True, highlight=False)
    return typer.Exit(2)


def _check(fmt: str, target: str) -> None:
    if fmt not in ("table", "json"):
        raise ParameterError(f"--format must be table or json, not {fmt!r}")
    if target not in ("events", "missiles"):
        raise ParameterError(f"--target must be events or missiles, not {target!r}")


def _write_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, indent=2, allow_nan=False) + "\n")


def _num(x: float, digits: int = 2) -> str:
    return "–" if math.isnan(x) else f"{x:.{digits}f}"


def backtest(
    train_end: Annotated[
        str, typer.Option("--train-end", help="Last month of the first training window, YYYY-MM.")
    ],
    test_end: Annotated[str, typer.Option("--test-end", help="Last test month, YYYY-MM.")],
    data: DataOpt = None,
    target: TargetOpt = "events",
    fmt: FormatOpt = "table",
) -> None:
    """Backtest the DPRK launch model one month ahead (expanding window) against two baselines."""
    from peninsula.dynamics.backtest import run_backtest
    from peninsula.dynamics.loading import load_data, parse_month

    try:
        _check(fmt, target)
        for opt, value in (("--train-end", train_end), ("--test-end", test_end)):
            try:
                parse_month(value)
            except ValueError as exc:
                raise ParameterError(f"{opt}: {exc}") from exc
        korea = load_data(data)
        try:
            result = run_backtest(korea, train_end, test_end, target)
        except ValueError as exc:
            raise ParameterError(str(exc)) from exc
    except (InputError, ParameterError) as exc:
        raise _fail(exc) from None
    if fmt == "json":
        _write_json(result.to_dict())
        return
    first = next(iter(result.models.values())).monthly[0].month
    table = Table(
        title=f"One-step-ahead backtest, {target}, {result.months} test months "
        f"({first}..{test_end}), expanding window, data: {korea.source}"
    )
    table.add_column("model", style="bold")
    table.add_column("mean log score ↑", justify="right")
    table.add_column("MAE ↓", justify="right")
    table.add_column("RPS ↓", justify="right")
    for name, score in result.models.items():
        table.add_row(name, _num(score.mean_log_score, 3), _num(score.mae, 3), _num(score.rps, 3))
    _out.print(table)
    for note in result.notes:
        _out.print(f"[dim]note: {note}[/dim]")


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
    out: Annotated[Path | None, typer.Option("--out", help="Write a fan-chart PNG here.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    sims: Annotated[int, typer.Option("--sims", help="Number of simulated paths.")] = 2000,
    data: DataOpt = None,
    target: TargetOpt = "events",
    fmt: FormatOpt = "table",
) -> None:
    """Simulate DPRK launches under an alternative alliance posture versus the recorded one."""
    from peninsula.dynamics.loading import load_data, parse_month
    from peninsula.dynamics.whatif import parse_levers, run_whatif

    try:
        _check(fmt, target)
        try:
            parse_month(from_)
        except ValueError as exc:
            raise ParameterError(f"--from: {exc}") from exc
        levers = parse_levers(set_ or [])
        korea = load_data(data)
        result = run_whatif(korea, from_, months, levers, target=target, n_sims=sims, rng=seed)
    except (InputError, ParameterError) as exc:
        raise _fail(exc) from None
    if out is not None:
        from peninsula.dynamics.plots import plot_whatif

        plot_whatif(result, out)
    if fmt == "json":
        doc = result.to_dict()
        doc["seed"] = seed
        doc["png"] = str(out) if out is not None else None
        _write_json(doc)
        return
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
    _out.print(table)
    _out.print(
        f"alternative − recorded, window total: median {diff['p50']:+.0f}, 80% interval "
        f"[{diff['p10']:+.0f}, {diff['p90']:+.0f}]; P(more launches) = {diff['prob_more']:.2f}, "
        f"P(fewer) = {diff['prob_fewer']:.2f}"
    )
    for note in result.notes:
        _out.print(f"[dim]note: {note}[/dim]")
    if out is not None:
        _out.print(f"fan chart written to {out}")


def register(app: typer.Typer) -> None:
    """Add the ``backtest`` and ``whatif`` commands to ``app``."""
    app.command("backtest")(backtest)
    app.command("whatif")(whatif)
