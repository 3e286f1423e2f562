"""``peninsula report``: write the self-contained HTML report of a scenario (and its charts as PNG)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from peninsula.cli._options import ModelOpt, RoundsOpt, SetOpt, parse_settings, progress

__all__ = ["register"]


def report(
    scenario: Annotated[
        str | None,
        typer.Argument(help="A packaged scenario id or a scenario file; none = the default scenario."),
    ] = None,
    overlay: Annotated[
        str | None,
        typer.Option(
            "--overlay", help="Show this overlay side by side with the base (see `peninsula scenarios`)."
        ),
    ] = None,
    model: ModelOpt = None,
    draws: Annotated[
        int | None,
        typer.Option(
            help="Run a sweep of N draws: intervals, outcome distributions and tornado charts.", min=1
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Seed of every stochastic part (default: drawn and printed).", min=0)
    ] = None,
    rounds: RoundsOpt = None,
    set_: SetOpt = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write.")] = Path("report.html"),
    png: Annotated[
        Path | None, typer.Option("--png", help="Also write every chart as a PNG file into this folder.")
    ] = None,
    levers: Annotated[
        int | None,
        typer.Option(
            "--levers", help="Add 'Which lever?': every overlay through the coupled simulation, N draws each."
        ),
    ] = None,
) -> None:
    """Write one self-contained HTML report (opens offline; every chart inline) of a scenario's forecast."""
    import time

    from peninsula import api
    from peninsula.core import InputError
    from peninsula.core.limits import check_draws
    from peninsula.reports.console import err

    api.check_target(out)  # before the work: bad targets fail at once
    if png is not None and (str(png).strip() == "" or (png.exists() and not png.is_dir())):
        raise InputError.single(str(png), None, "--png", "must name a folder (it is created if missing)")
    if draws is not None:
        check_draws(draws)
    if levers is not None:
        check_draws(levers, "--levers")
    t0 = time.perf_counter()
    with progress("report", None) as step:
        result = api.report(
            scenario,
            model or ["all"],
            overlay=overlay,
            rounds=rounds,
            settings=parse_settings(set_),
            seed=seed,
            draws=draws,
            levers=levers,
            out=out,
            png=png,
            on_step=step,
        )
    size = out.stat().st_size
    err().print(
        f"wrote {out} ({size / 2**20:.2f} MiB, {len(result.charts)} charts"
        + (f", PNGs in {png}" if png is not None else "")
        + f") in {time.perf_counter() - t0:.1f} s; run id {result.run_id}, seed {result.data.seed}"
    )


def register(app: typer.Typer) -> None:
    """Add ``report`` to ``app``."""
    app.command("report")(report)
