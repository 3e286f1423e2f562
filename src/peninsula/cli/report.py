"""``peninsula report``: write the self-contained HTML report of a scenario (and its charts as PNG)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from peninsula.cli._options import (
    ModelOpt,
    RoundsOpt,
    SetOpt,
    draws_option,
    out_option,
    parse_settings,
    progress,
)

__all__ = ["register"]


def report(
    scenario: Annotated[
        str | None,
        typer.Argument(
            metavar="SCENARIO",
            help="A packaged scenario id or a scenario file; none = the default scenario.",
        ),
    ] = None,
    overlay: Annotated[
        str | None,
        typer.Option(
            "--overlay",
            "-O",
            metavar="NAME",
            help="Show this overlay side by side with the base (see `peninsula scenarios`).",
        ),
    ] = None,
    model: ModelOpt = None,
    draws: Annotated[
        int | None,
        draws_option("Run a sweep of N draws: intervals, outcome distributions and tornado charts."),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            metavar="SEED", help="Seed of every stochastic part (default: drawn and printed).", min=0
        ),
    ] = None,
    rounds: RoundsOpt = None,
    set_: SetOpt = None,
    out: Annotated[Path, out_option("The HTML file to write (- = stdout).")] = Path("report.html"),
    png: Annotated[
        Path | None,
        typer.Option("--png", metavar="DIR", help="Also write every chart as a PNG file into this folder."),
    ] = None,
    levers: Annotated[
        int | None,
        typer.Option(
            "--levers",
            metavar="N",
            help="Add 'Which lever?': every overlay through the coupled simulation, N draws each.",
        ),
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Every panel: also positions by round on every issue, the tornadoes (with --draws) and "
            "every exchange variant's network. Default: the short report (docs/report.md).",
        ),
    ] = False,
) -> None:
    """Write one self-contained HTML report (opens offline; every chart inline) of a scenario's forecast."""
    import time

    from peninsula import api
    from peninsula.api.render import err
    from peninsula.core import InputError
    from peninsula.core.limits import check_draws

    to_stdout = str(out) == "-"
    if not to_stdout:
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
            full=full,
            out=None if to_stdout else out,
            png=png,
            on_step=step,
        )
    if to_stdout:
        import sys

        sys.stdout.write(result.html)
        size = len(result.html.encode())
    else:
        size = out.stat().st_size
    err().print(
        f"wrote {'the report to stdout' if to_stdout else out} ({size / 2**20:.2f} MiB, "
        f"{len(result.charts)} charts"
        + (f", PNGs in {png}" if png is not None else "")
        + f") in {time.perf_counter() - t0:.1f} s; run id {result.run_id}, seed {result.data.seed}"
    )


def register(app: typer.Typer) -> None:
    """Add ``report`` to ``app``."""
    app.command("report")(report)
