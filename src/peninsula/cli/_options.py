"""Options shared by the commands (one definition each), the ``--format`` enums and the progress bar."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

__all__ = [
    "DataOpt",
    "Format",
    "FormatOpt",
    "ModelOpt",
    "OverlayOpt",
    "RoundsOpt",
    "SeedOpt",
    "SetOpt",
    "TableFormat",
    "TableFormatOpt",
    "draws_callback",
    "parse_settings",
    "progress",
]


class Format(StrEnum):
    """Output formats of commands that can also write their rounds as CSV."""

    table = "table"
    json = "json"
    csv = "csv"


class TableFormat(StrEnum):
    """Output formats of the other commands."""

    table = "table"
    json = "json"


FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
TableFormatOpt = Annotated[TableFormat, typer.Option("--format", "-f", help="Output format.")]
ModelOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--model", "-m", help="Model to run (repeatable); 'all' (the default) runs every registered model."
    ),
]


def _rounds(value: int | None) -> int | None:
    from peninsula.core.limits import check_rounds  # at run time: start-up imports typer only

    return check_rounds(value)


def _seed(value: int | None) -> int | None:
    from peninsula.core.limits import check_seed

    return check_seed(value)


def draws_callback(param: typer.CallbackParam, value: int | None) -> int | None:
    """Typer callback: a draw count within :data:`peninsula.core.limits.MAX_DRAWS` (``None`` passes)."""
    from peninsula.core.limits import check_draws

    return None if value is None else check_draws(value, (param.opts or ["--draws"])[0])


RoundsOpt = Annotated[
    int | None,
    typer.Option(
        help="Maximum rounds for iterative models (0-1000, see docs/limits.md); they stop earlier when "
        "nothing can change.",
        callback=_rounds,
    ),
]
SetOpt = Annotated[list[str] | None, typer.Option("--set", help="Model parameter KEY=VALUE (repeatable).")]
SeedOpt = Annotated[int | None, typer.Option(help="Seed for stochastic models.", callback=_seed)]
OverlayOpt = Annotated[
    str | None,
    typer.Option("--overlay", "-o", help="Apply this policy-lever overlay (see `peninsula scenarios`)."),
]
DataOpt = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="Folder with dprk_missile_tests_monthly.csv and alliance_timeline.csv (default: packaged copy).",
    ),
]


def parse_settings(items: list[str] | None, option: str = "--set") -> dict[str, str]:
    """:func:`peninsula.core.settings.parse_settings`, imported when a command runs (not at start-up)."""
    from peninsula.core.settings import parse_settings as parse

    return parse(items, option)


@contextmanager
def progress(label: str, total: int | None) -> Iterator[Callable[[str], None]]:
    """A progress bar on stderr (hidden when stderr is not a terminal); yields ``step(description)``."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from peninsula.reports.console import err

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err(),
        transient=True,
        disable=not err().is_terminal,
    ) as prog:
        task = prog.add_task(label, total=total)

        def step(desc: str) -> None:
            prog.update(task, description=f"{label}: {desc}", advance=1)

        yield step
