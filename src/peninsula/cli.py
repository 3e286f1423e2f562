"""The ``peninsula`` command line: parse, call the API, render. Nothing else lives here.

Exit codes: 0 success, 2 bad input or usage, 1 internal error (a short message; the traceback only with
``--debug``).
"""

from __future__ import annotations

import json
import math
import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperGroup
from typer.exceptions import TyperException

from peninsula import api
from peninsula.core import InputError, ParameterError, PeninsulaError, Scenario
from peninsula.models import Model

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)


class _Group(TyperGroup):
    """Maps peninsula's errors to exit codes: 2 for bad input, 1 (short message) for anything else."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always")
                warnings.showwarning = _show_warning
                return super().invoke(ctx)
        except (InputError, ParameterError) as exc:
            err.print(f"[red]error:[/red] {exc}", markup=True, highlight=False)
            raise typer.Exit(2) from None
        except (TyperException, typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            if _debug(ctx):
                raise
            kind = "error" if isinstance(exc, PeninsulaError) else "internal error"
            err.print(f"[red]{kind}:[/red] {type(exc).__name__}: {exc} (run with --debug for the traceback)")
            raise typer.Exit(1) from None


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    err.print(f"[yellow]warning:[/yellow] {message}")


def _debug(ctx: typer.Context) -> bool:
    root = ctx.find_root()
    return bool((root.obj or {}).get("debug")) or os.environ.get("PENINSULA_DEBUG") == "1"


app = typer.Typer(
    cls=_Group,
    help="peninsula: forecast the U.S.-ROK alliance's bargaining over North Korea policy.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")] = False,
) -> None:
    ctx.obj = {"debug": debug}


def _parse_settings(items: list[str] | None) -> dict[str, str]:
    settings: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ParameterError(f"--set expects KEY=VALUE, got {item!r}")
        settings[key.strip()] = value.strip()
    return settings


@contextmanager
def _progress(label: str, total: int | None) -> Iterator[Any]:
    """A progress bar on stderr (hidden when stderr is not a terminal)."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as prog:
        task = prog.add_task(label, total=total)

        def step(desc: str) -> None:
            prog.update(task, description=f"{label}: {desc}", advance=1)

        yield step


def _fmt(x: Any) -> str:
    """A number for a table: thousands separators for large values, two decimals for small ones."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    v = float(x)
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.1f}" if abs(v) >= 100 else f"{v:.2f}"


def _write_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, indent=2, allow_nan=False) + "\n")


FormatOpt = Annotated[str, typer.Option("--format", "-f", help="Output format: table, json or csv.")]
ModelOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--model", "-m", help="Model to run (repeatable); 'all' (the default) runs every registered model."
    ),
]
RoundsOpt = Annotated[int | None, typer.Option(help="Maximum rounds for iterative models.", min=0)]
SetOpt = Annotated[list[str] | None, typer.Option("--set", help="Model parameter KEY=VALUE (repeatable).")]
SeedOpt = Annotated[int | None, typer.Option(help="Seed for stochastic models.")]


@app.command()
def forecast(
    path: Annotated[
        str | None,
        typer.Argument(
            help="A YAML scenario, a DECIDE file, a BDM table, or a packaged scenario id; none = the default."
        ),
    ] = None,
    model: ModelOpt = None,
    rounds: RoundsOpt = None,
    set_: SetOpt = None,
    fmt: FormatOpt = "table",
    seed: SeedOpt = None,
    timings: Annotated[
        bool, typer.Option("--timings", help="Print 'timing MODEL SECONDS' per model to stderr.")
    ] = False,
    events: Annotated[
        Path | None, typer.Option(help="Write every model event (challenges, exchanges) to this CSV file.")
    ] = None,
    overlay: Annotated[
        str | None,
        typer.Option("--overlay", "-o", help="Also forecast with this policy-lever overlay, side by side."),
    ] = None,
) -> None:
    """Forecast a scenario with one or more bargaining models."""
    if fmt not in ("table", "json", "csv"):
        raise ParameterError(f"--format must be table, json or csv, not {fmt!r}")
    from peninsula import scenarios

    scenario = api.load(path if path is not None else scenarios.DEFAULT_SCENARIO)
    instances = api.resolve_models(model or ["all"], _parse_settings(set_))
    if overlay is not None:
        _forecast_overlay(scenario, overlay, instances, rounds, seed, fmt, timings, events)
        return
    with _progress("forecast", len(instances)) as step:
        result = api.forecast(scenario, instances, rounds=rounds, rng=seed, on_model=step)
    _write_timings(result, timings)
    if events is not None:
        result.events.to_csv(events, index=False)
    cohesion = scenarios.cohesion_by_model(scenario, result.runs)
    if fmt == "json":
        doc = result.to_dict()
        if cohesion is not None:
            doc["cohesion"] = cohesion
        _write_json(doc)
    elif fmt == "csv":
        sys.stdout.write(_rounds_csv(result))
    else:
        _render_forecast(result, cohesion)


def _write_timings(result: api.Forecast, timings: bool, tag: str = "") -> None:
    if timings:
        for name, seconds in result.timings.items():
            sys.stderr.write(f"timing {name}{tag} {seconds:.6f}\n")


def _rounds_csv(result: api.Forecast, run: str | None = None) -> str:
    df = result.rounds.merge(result.round_outcomes, on=["model", "issue", "round"], how="left")
    if run is not None:
        df.insert(0, "run", run)
    return str(df.to_csv(index=False))


def _forecast_overlay(
    scenario: Scenario,
    overlay: str,
    instances: list[Model],
    rounds: int | None,
    seed: int | None,
    fmt: str,
    timings: bool,
    events: Path | None,
) -> None:
    """``forecast --overlay``: the base scenario and the overlaid one, side by side."""
    import pandas as pd

    from peninsula.scenarios import compare_overlay

    cmp = compare_overlay(scenario, overlay, instances, rounds=rounds, rng=seed)
    _write_timings(cmp.base, timings)
    _write_timings(cmp.overlaid, timings, tag="+overlay")
    if events is not None:
        both = [cmp.base.events.assign(run="base"), cmp.overlaid.events.assign(run="overlay")]
        pd.concat(both, ignore_index=True).to_csv(events, index=False)
    if fmt == "json":
        doc = cmp.base.to_dict()
        if cmp.cohesion_base is not None:
            doc["cohesion"] = cmp.cohesion_base
        over = cmp.overlaid.to_dict()
        changes = [
            {
                "actor": c.actor,
                "issue": c.issue,
                "field": c.field,
                "old": c.old,
                "new": c.new,
                "source": c.source.model_dump(mode="json"),
            }
            for c in cmp.changes
        ]
        doc["overlay"] = {
            "name": cmp.overlay,
            "scenario": over["scenario"],
            "changes": changes,
            "models": over["models"],
            "cohesion": cmp.cohesion_overlaid,
        }
        _write_json(doc)
        return
    if fmt == "csv":
        sys.stdout.write(_rounds_csv(cmp.base, "base"))
        sys.stdout.write(_rounds_csv(cmp.overlaid, "overlay").split("\n", 1)[1])
        return
    sc = cmp.base.scenario
    out.print(f"[bold]{sc.title or sc.id}[/bold] with overlay [bold]{cmp.overlay}[/bold]")
    changed = Table(title="What the overlay changes", title_justify="left")
    for col in ("actor", "issue", "field", "base", "overlay", "source"):
        changed.add_column(col, overflow="fold")
    for c in cmp.changes:
        changed.add_row(c.actor, c.issue, c.field, _fmt(c.old), _fmt(c.new), escape(c.source.describe()))
    out.print(changed)
    table = Table(title="Forecasts: base vs. overlay", title_justify="left")
    table.add_column("issue", style="bold", no_wrap=True)
    table.add_column("model")
    for col in ("base", "overlay", "change"):
        table.add_column(col, justify="right")
    df = cmp.outcomes
    for k, issue in enumerate(sc.issues):
        rows = list(df[df["issue"] == issue.id].itertuples(index=False))
        for j, r in enumerate(rows):
            last = j == len(rows) - 1 and k < len(sc.issues) - 1
            table.add_row(
                issue.id if j == 0 else "",
                str(r.model),
                _fmt(r.base),
                _fmt(r.overlay),
                _signed(r.change),
                end_section=last,
            )
    if cmp.cohesion_base is not None and cmp.cohesion_overlaid is not None:
        table.add_section()
        for j, key in enumerate(cmp.cohesion_base):
            b, o = cmp.cohesion_base[key], cmp.cohesion_overlaid[key]
            table.add_row(
                "U.S.-ROK cohesion" if j == 0 else "",
                key,
                f"{b:.3f}",
                f"{o:.3f}",
                f"{o - b:+.3f}",
                style="italic",
            )
    out.print(table)


def _signed(x: Any) -> str:
    """A change for a table: explicit sign, same precision rules as :func:`_fmt`."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    v = float(x)
    return "0" if v == 0 else ("+" if v > 0 else "-") + _fmt(abs(v))


def _render_forecast(result: api.Forecast, cohesion: dict[str, float] | None = None) -> None:
    """The forecast table: issues as rows, the status quo and each model's outcome, and cohesion."""
    sc = result.scenario
    title = f"{sc.title or sc.id}" + (f" ({sc.date})" if sc.date else "")
    table = Table(title=title, title_justify="left")
    table.add_column("issue", style="bold", no_wrap=True)
    table.add_column("status quo", justify="right")
    for m in result.runs:
        table.add_column(m, justify="right")
    outcomes = result.outcomes
    for issue in sc.issues:
        table.add_row(
            issue.id, _fmt(issue.status_quo), *(_fmt(outcomes.at[m, issue.id]) for m in result.runs)
        )
    if cohesion is not None:
        table.add_section()
        table.add_row(
            "U.S.-ROK cohesion",
            f"{cohesion['before']:.3f}",
            *(f"{cohesion[m]:.3f}" if m in cohesion else "–" for m in result.runs),
            style="italic",
        )
    out.print(table)
    if cohesion is not None:
        out.print(
            "[dim]U.S.-ROK cohesion: 1 = the allies want the same outcome on every shared issue, 0 = opposite"
            " ends of every scale (salience-weighted, normalised by scale; see docs/scenarios.md). The status"
            " quo column holds it before bargaining, each model's column after that model's rounds.[/dim]"
        )
    scales = Table(title="Scales", title_justify="left", show_header=True, box=None, padding=(0, 2))
    for col in ("issue", "scale", "unit", "what the scale measures"):
        scales.add_column(col, no_wrap=col != "what the scale measures")
    for issue in sc.issues:
        scales.add_row(issue.id, f"{issue.lower:,g} – {issue.upper:,g}", issue.unit, issue.description)
    out.print(scales)
    notes = [
        (m, iid, note)
        for m, run in result.runs.items()
        for iid, res in run.issues.items()
        for note in res.notes
    ]
    if notes:
        out.print("[bold]Notes[/bold]")
        for m, iid, note in notes:
            out.print(f"  {m} / {iid}: {note}", markup=False)


@app.command()
def evaluate(
    paths: Annotated[list[Path], typer.Argument(help="DECIDE files, or folders of them.")],
    outcomes: Annotated[Path, typer.Option(help="CSV with issue_id, outcome [, reference_point].")],
    model: ModelOpt = None,
    rounds: RoundsOpt = None,
    set_: SetOpt = None,
    fmt: FormatOpt = "table",
    seed: SeedOpt = None,
) -> None:
    """Measure models' forecast error (mean absolute error) against known outcomes."""
    if fmt not in ("table", "json"):
        raise ParameterError(f"--format must be table or json, not {fmt!r}")
    files = api.expand_paths(paths)
    with _progress("evaluate", len(files)) as step:
        ev = api.evaluate(
            files,
            outcomes,
            model or ["all"],
            rounds=rounds,
            settings=_parse_settings(set_),
            rng=seed,
            on_file=lambda p: step(p.name),
        )
    if fmt == "json":
        _write_json(ev.to_dict())
        return
    table = Table(title=f"Mean absolute error on {len(files)} file(s)")
    table.add_column("model", style="bold")
    table.add_column("MAE", justify="right")
    table.add_column("issues", justify="right")
    for m, row in ev.summary.iterrows():
        table.add_row(str(m), f"{row['mae']:.2f}", str(int(row["n"])))
    out.print(table)


@app.command()
def validate(
    paths: Annotated[list[str], typer.Argument(help="Scenario files or packaged scenario ids.")],
    check_sources: Annotated[
        bool,
        typer.Option(
            "--sources/--no-sources",
            help="Also require a checked source for every number of YAML and packaged scenarios.",
        ),
    ] = True,
) -> None:
    """Check scenario files; list every problem (exit 2 if any).

    YAML and packaged scenarios must also source every number: a seed quote found verbatim in the seed, a
    row that exists in the named dataset, or a coded judgement with a reason and range. DECIDE and BDM files
    are sourced by construction (each number cites its file and line).
    """
    from peninsula.io import detect_format
    from peninsula.scenarios import file_source_problems, source_problems

    problems = []
    for p in paths:
        try:
            sc = api.load(p)
        except InputError as exc:
            problems += list(exc.problems)
            continue
        found = []
        if check_sources:
            if not Path(p).is_file():
                found = source_problems(sc, p)
            elif detect_format(p) == "yaml":
                found = file_source_problems(p, sc)
        problems += found
        if not found:
            out.print(f"ok {p}: {len(sc.actors)} actors, {len(sc.issues)} issues, {len(sc.stances)} stances")
    if problems:
        raise InputError(problems)


@app.command()
def convert(
    source: Annotated[str, typer.Argument(help="Input scenario (any readable format or packaged id).")],
    target: Annotated[Path, typer.Argument(help="Output file: .yaml/.yml, or a DECIDE .csv/.txt.")],
) -> None:
    """Convert a scenario between formats (YAML and DECIDE are written)."""
    from peninsula.io import save

    lost = save(api.load(source), target)
    if lost:
        err.print(f"[yellow]warning:[/yellow] the DECIDE format cannot hold {', '.join(lost)}; left out")
    err.print(f"wrote {target}")


@app.command()
def models(fmt: FormatOpt = "table") -> None:
    """List the registered models with their metadata and parameters."""
    from dataclasses import asdict

    from peninsula.models.registry import REGISTRY

    if fmt == "json":
        _write_json(
            {
                n: {
                    **asdict(c.info),
                    "params": {p.name: {"default": p.default, "doc": p.doc} for p in c.param_specs},
                }
                for n, c in REGISTRY.items()
            }
        )
        return
    table = Table(title="Registered models")
    for col in ("name", "title", "deterministic", "order-dependent", "parameters", "reference"):
        table.add_column(col)
    for name, cls in REGISTRY.items():
        i = cls.info
        params = ", ".join(f"{p.name}={p.default}" for p in cls.param_specs) or "–"
        table.add_row(name, i.title, str(i.deterministic), str(i.order_dependent), params, i.reference)
    out.print(table)


@app.command()
def schema() -> None:
    """Print the JSON Schema of peninsula's YAML scenario format."""
    from peninsula.io import scenario_json_schema

    _write_json(scenario_json_schema())


# feature commands: each feature area registers its own commands here (one import + one call each).
from peninsula.dynamics.cli import register as register_dynamics  # noqa: E402 (feature block)

register_dynamics(app)
from peninsula.scenarios.cli import register as register_scenarios  # noqa: E402 (feature block)

register_scenarios(app)
# end of feature commands


def main() -> None:
    """Console-script entry point."""
    app()
