"""The ``peninsula`` command line: parse, call the API, render. Nothing else lives here.

Exit codes: 0 success, 2 bad input or usage, 1 internal error (a short message; the traceback only with
``--debug``). Start-up imports only typer: each command imports what it needs when it runs, so
``peninsula --help`` stays fast.

Each feature area has its own module with a ``register(app)`` function; they are registered below.
"""

from __future__ import annotations

import os
import warnings
from typing import Annotated, Any

import typer
from typer.core import TyperGroup
from typer.exceptions import TyperException

__all__ = ["app", "main"]


class _Group(TyperGroup):
    """Maps peninsula's errors to exit codes: 2 for bad input, 1 (short message) for anything else."""

    def get_command(self, ctx: typer.Context, cmd_name: str) -> Any:  # type: ignore[override]
        cmd = super().get_command(ctx, cmd_name)
        for param in getattr(cmd, "params", ()):
            if param.param_type_name == "argument" and param.metavar is not None:
                # the metavar (SCENARIO, RUN, OUT ...) says what to give: no Python type after it in --help
                setattr(param, "display_type_rich", _no_type)  # noqa: B010 (an instance override)
        return cmd

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always")
                warnings.showwarning = _show_warning
                return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):
            raise  # usage errors: typer prints them and exits with 2
        except Exception as exc:
            from rich.markup import escape

            from peninsula.api.render import err
            from peninsula.core.errors import InputError, ParameterError, PeninsulaError

            if isinstance(exc, InputError | ParameterError):
                err().print(f"[red]error:[/red] {escape(str(exc))}", markup=True, highlight=False)
                raise typer.Exit(2) from None
            if _debug(ctx):
                raise
            kind = "error" if isinstance(exc, PeninsulaError) else "internal error"
            detail = escape(f"{type(exc).__name__}: {exc}")
            err().print(f"[red]{kind}:[/red] {detail} (run with --debug for the traceback)")
            raise typer.Exit(1) from None


def _no_type(ctx: Any) -> None:
    return None


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    from rich.markup import escape

    from peninsula.api.render import err

    err().print(f"[yellow]warning:[/yellow] {escape(str(message))}")


def _debug(ctx: typer.Context) -> bool:
    root = ctx.find_root()
    return bool((root.obj or {}).get("debug")) or os.environ.get("PENINSULA_DEBUG") == "1"


app = typer.Typer(
    cls=_Group,
    help="peninsula: forecast the U.S.-ROK alliance's bargaining over North Korea policy.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            v = version("peninsula")
        except PackageNotFoundError:  # pragma: no cover - a source tree without metadata
            from peninsula import __version__ as v
        typer.echo(f"peninsula {v}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", "-V", help="Print the version and exit.", callback=_version, is_eager=True),
    ] = False,
) -> None:
    ctx.obj = {"debug": debug}


# Feature commands: one import and one call per module.
from peninsula.cli import dynamics as _dynamics  # noqa: E402
from peninsula.cli import forecast as _forecast  # noqa: E402 (registration block)
from peninsula.cli import levers as _levers  # noqa: E402
from peninsula.cli import report as _report  # noqa: E402
from peninsula.cli import scenarios as _scenarios  # noqa: E402
from peninsula.cli import serve as _serve  # noqa: E402
from peninsula.cli import simulate as _simulate  # noqa: E402
from peninsula.cli import sweep as _sweep  # noqa: E402
from peninsula.cli import warmup as _warmup  # noqa: E402

_forecast.register(app)
_dynamics.register(app)
_scenarios.register(app)
_report.register(app)
_serve.register(app)
_simulate.register(app)
_levers.register(app)
_sweep.register(app)
_warmup.register(app)
# end of feature commands


def main() -> None:
    """Console-script entry point."""
    app()
