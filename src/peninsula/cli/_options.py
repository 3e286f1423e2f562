"""Options shared by the commands (one definition, one meaning each), the ``--format`` enums, progress.

One flag, one meaning across commands (issue 26):

* ``--model/-m`` the bargaining model(s); the launch model is ``--launch-model`` (``whatif --model`` is a
  hidden, deprecated alias of it);
* ``--overlay/-O`` a policy-lever overlay (``-o`` still means ``--overlay`` where a command writes no file,
  hidden and deprecated);
* ``--out/-o`` the file a command writes (``-`` = stdout where the output is text);
* ``--draws/-n`` the number of draws, simulated paths or samples (``--sims`` is a hidden, deprecated alias);
* ``--seed`` the seed (commands that run stochastic models default to 0, or draw one and print it);
* ``--format/-f`` the output format.

Every option has a readable metavar (``N``, ``NAME``, ``FILE`` ...), never a Python type.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import typer

__all__ = [
    "DataOpt",
    "Format",
    "FormatOpt",
    "LaunchModelOpt",
    "LegacyLaunchModelOpt",
    "LegacyOverlayOpt",
    "ModelOpt",
    "MonthsOpt",
    "NoStoreOpt",
    "OverlayOpt",
    "RoundsOpt",
    "ScenarioArg",
    "SchedulerOpt",
    "SeedOpt",
    "SetOpt",
    "SimsOpt",
    "StartOpt",
    "SystemModelOpt",
    "SystemSeedOpt",
    "TableFormat",
    "TableFormatOpt",
    "TrainEndOpt",
    "WorkersOpt",
    "deprecated",
    "draws_callback",
    "draws_option",
    "out_option",
    "overlay_given_as_out",
    "parse_settings",
    "prefer",
    "progress",
]

T = TypeVar("T")


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
        "--model",
        "-m",
        metavar="MODEL",
        help="Bargaining model to run (repeatable); 'all' (the default) runs every registered model.",
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
        metavar="N",
        help="Maximum rounds for iterative models (0-1000, see docs/limits.md); they stop earlier when "
        "nothing can change.",
        callback=_rounds,
    ),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", metavar="KEY=VALUE", help="Model parameter KEY=VALUE (repeatable)."),
]
SeedOpt = Annotated[
    int,
    typer.Option(
        metavar="SEED",
        help="Seed of the stochastic models (exchange-random): the same seed, the same forecast.",
        callback=_seed,
    ),
]
OverlayOpt = Annotated[
    str | None,
    typer.Option(
        "--overlay", "-O", metavar="NAME", help="Apply this policy-lever overlay (see `peninsula scenarios`)."
    ),
]
#: ``-o NAME`` meant ``--overlay`` before issue 26 where a command writes no file: kept, hidden, warns.
LegacyOverlayOpt = Annotated[str | None, typer.Option("-o", hidden=True, metavar="NAME")]
#: ``whatif --model NAME`` meant the launch model before issue 26 (``--model`` is the bargaining model
#: everywhere else): kept, hidden, with a warning.
LegacyLaunchModelOpt = Annotated[str | None, typer.Option("--model", hidden=True, metavar="NAME")]
#: ``--sims N`` meant ``--draws`` in ``whatif`` before issue 26: kept, hidden, with a warning.
SimsOpt = Annotated[int | None, typer.Option("--sims", hidden=True, metavar="N", min=1)]


def out_option(help: str, metavar: str = "FILE") -> typer.models.OptionInfo:
    """``--out/-o FILE``: the file a command writes (one spelling on every command)."""
    return typer.Option("--out", "-o", metavar=metavar, help=help)  # type: ignore[no-any-return]


def draws_option(help: str) -> typer.models.OptionInfo:
    """``--draws/-n N``: draws, simulated paths or samples (one spelling on every command)."""
    return typer.Option(  # type: ignore[no-any-return]
        "--draws", "-n", metavar="N", help=help, callback=draws_callback
    )


DataOpt = Annotated[
    Path | None,
    typer.Option(
        "--data",
        metavar="DIR",
        help="Folder with dprk_missile_tests_monthly.csv and alliance_timeline.csv (default: packaged copy).",
    ),
]
ScenarioArg = Annotated[
    str | None,
    typer.Argument(
        metavar="SCENARIO",
        help="Packaged scenario id or scenario file (default: the default scenario).",
    ),
]

# The coupled simulation's options (``simulate``, ``levers``); each command sets its own default.
MonthsOpt = Annotated[
    int, typer.Option("--months", metavar="N", help="Months to simulate from the scenario's month.")
]
SystemModelOpt = Annotated[
    str | None,
    typer.Option("--model", "-m", metavar="MODEL", help="Bargaining model (default: compromise)."),
]
SystemSeedOpt = Annotated[
    int, typer.Option("--seed", metavar="SEED", help="Random seed (same seed, same output).", min=0)
]
LaunchModelOpt = Annotated[
    str | None,
    typer.Option(
        "--launch-model",
        metavar="NAME",
        help="regime, combination, local_level, ingarch or posture (default: the dynamics default).",
    ),
]
TrainEndOpt = Annotated[
    str | None,
    typer.Option(
        "--train-end",
        metavar="YYYY-MM",
        help="Last month the launch model is fitted on (default: before the start).",
    ),
]
StartOpt = Annotated[
    str | None,
    typer.Option(
        "--from",
        metavar="YYYY-MM",
        help="First month YYYY-MM (default: the scenario's month); at most the month after the data's "
        "last, and the window may run past the data (a forecast).",
    ),
]

# Where many draws run and are kept (``sweep``, ``levers``).
WorkersOpt = Annotated[
    int | None,
    typer.Option("--workers", metavar="K", help="Run on a dask LocalCluster of K processes on 127.0.0.1."),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler", metavar="ADDRESS", help="Run on an existing dask scheduler (tcp://HOST:PORT)."
    ),
]
NoStoreOpt = Annotated[bool, typer.Option("--no-store", help="Keep the draws in memory only.")]


def deprecated(old: str, new: str) -> None:
    """Warn (``warning: ...`` on stderr) that option ``old`` is deprecated in favour of ``new``."""
    warnings.warn(
        f"{old} is deprecated and will be removed in a future release; use {new}",
        DeprecationWarning,
        stacklevel=2,
    )


def prefer(new: T | None, old: T | None, old_name: str, new_name: str) -> T | None:
    """The value of option ``new_name``, or of its deprecated alias ``old_name`` (with a warning).

    Both given: a :class:`~peninsula.core.ParameterError` (exit 2), since they could disagree.
    """
    if old is None:
        return new
    if new is not None:
        from peninsula.core import ParameterError

        raise ParameterError(f"give {new_name} only ({old_name} is its deprecated spelling)")
    deprecated(old_name, new_name)
    return old


def overlay_given_as_out(out: Path | None) -> str | None:
    """The overlay an old ``-o NAME`` names where ``-o`` is now ``--out`` (``simulate``, ``levers``).

    Before issue 26 ``-o`` was the overlay on these commands. ``NAME`` without a file suffix that names a
    packaged overlay cannot be a chart file (charts need a suffix), so it still means the overlay, with a
    deprecation warning; anything else is the output file (``None`` returned).
    """
    if out is None or out.suffix or len(out.parts) != 1:
        return None
    from peninsula import api

    if out.name not in api.list_overlays():
        return None
    deprecated(f"-o {out.name} (the overlay)", f"--overlay/-O {out.name}; -o is now --out, the chart file")
    return out.name


def parse_settings(items: list[str] | None, option: str = "--set") -> dict[str, str]:
    """:func:`peninsula.core.settings.parse_settings`, imported when a command runs (not at start-up)."""
    from peninsula.core.settings import parse_settings as parse

    return parse(items, option)


@contextmanager
def progress(label: str, total: int | None) -> Iterator[Callable[[str], None]]:
    """A progress bar on stderr (hidden when stderr is not a terminal); yields ``step(description)``."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from peninsula.api.render import err

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
