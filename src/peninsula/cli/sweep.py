"""Uncertainty commands: ``peninsula sweep``, ``peninsula runs list|show|compare|export``, ``sensitivity``.

Thin: parse, call :mod:`peninsula.api` (``sweep``, ``resume_sweep``, the run store's ``stored_runs``,
``stored_run``, ``compare_stored_runs``, ``export_run``, ``sensitivity``), render with
:mod:`peninsula.reports.uncertainty`. Registered on the main app by :func:`register`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from peninsula.cli._options import ModelOpt, OverlayOpt, RoundsOpt, TableFormat, draws_callback
from peninsula.cli._options import TableFormatOpt as FormatOpt

__all__ = ["register"]

ScenarioArg = Annotated[
    str | None, typer.Argument(help="Packaged scenario id or scenario file (default: the default scenario).")
]
NoiseOpt = Annotated[
    str | None,
    typer.Option(
        "--noise",
        help="Default perturbation of values without a sourced range: 'none', or position=F,salience=F,"
        "capability=F (fractions: of the scale, absolute, relative; default position=0.05,salience=0.05,"
        "capability=0.1).",
    ),
]
StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="DuckDB run store (default: $PENINSULA_STORE, else ./peninsula-runs.duckdb).",
        dir_okay=True,
    ),
]
SeedArg = Annotated[int | None, typer.Option("--seed", help="Root seed (default: a fresh one, recorded).")]


class Method(StrEnum):
    """Sensitivity methods."""

    oat = "oat"
    sobol = "sobol"


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr that appears once the work has taken a second (terminals only)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from peninsula.reports.console import err

    prog = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err(),
        transient=True,
        disable=not err().is_terminal,
    )
    task = prog.add_task(label, total=None)
    timer = threading.Timer(1.0, prog.start)
    timer.daemon = True
    timer.start()

    def step(done: int, total: int) -> None:
        prog.update(task, completed=done, total=total)

    try:
        yield step
    finally:
        timer.cancel()
        prog.stop()


def sweep(
    scenario: ScenarioArg = None,
    draws: Annotated[
        int, typer.Option("--draws", "-n", help="Number of drawn scenarios.", callback=draws_callback)
    ] = 1000,
    model: ModelOpt = None,
    overlay: OverlayOpt = None,
    seed: SeedArg = None,
    noise: NoiseOpt = None,
    rounds: RoundsOpt = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Run on a dask LocalCluster of K processes on 127.0.0.1.")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Run on an existing dask scheduler (tcp://HOST:PORT).")
    ] = None,
    store: StoreOpt = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="Keep the draws in memory only.")] = False,
    resume: Annotated[
        str | None, typer.Option("--resume", help="Continue the stored run with this id (its own settings).")
    ] = None,
    chunk_size: Annotated[
        int | None,
        typer.Option(
            "--chunk-size", help="Draws per committed chunk (changes no number).", callback=draws_callback
        ),
    ] = None,
    fmt: FormatOpt = TableFormat.table,
) -> None:
    """Run models on N scenarios drawn from every sourced range: outcome distributions per model and issue.

    Coded values with a low/high range are drawn from a triangular distribution (low, value, high); other
    values get the --noise perturbation. Reports mean, sd, quantiles and P(above/below the status quo), and
    U.S.-ROK cohesion for Korea scenarios. Every chunk of draws is committed to the run store; the same
    command after an interruption continues where it stopped. JSON: {scenario, overlay, draws, seed, run_id,
    models: {MODEL: {issues: {ISSUE: {mean, sd, q05, q25, q50, q75, q95, status_quo, p_above_status_quo,
    p_below_status_quo}}, cohesion: {mean, q05, q50, q95} | null}}}.
    """
    from peninsula import api
    from peninsula.core import ParameterError
    from peninsula.reports.console import out, write_json
    from peninsula.reports.uncertainty import sweep_tables

    if workers is not None and scheduler is not None:
        raise ParameterError("give either --workers K or --scheduler ADDRESS, not both")
    if no_store and (store is not None or resume is not None):
        raise ParameterError("--no-store cannot be combined with --store or --resume")
    if workers is not None and workers < 1:
        raise ParameterError(f"--workers: {workers} is not a positive number of processes")
    if resume is not None:
        with _progress("sweep") as step:
            result = api.resume_sweep(
                resume, store, workers=workers, scheduler=scheduler, chunk_size=chunk_size, on_chunk=step
            )
    else:
        if draws <= 0:
            raise ParameterError(f"--draws: {draws} is not a positive number of draws")
        store_path = None if no_store else api.store_path(store)
        with _progress("sweep") as step:
            result = api.sweep(
                scenario or api.DEFAULT_SCENARIO,
                model or "all",
                draws=draws,
                seed=seed,
                overlay=overlay,
                noise=noise,
                rounds=rounds,
                store=store_path,
                workers=workers,
                scheduler=scheduler,
                chunk_size=chunk_size,
                on_chunk=step,
            )
    doc = result.to_dict()
    if fmt is TableFormat.json:
        write_json(doc)
    else:
        for r in sweep_tables(doc):
            out().print(r)


runs_app = typer.Typer(
    help="The run store: list, show, compare and export stored sweeps (list and show levers runs too).",
    no_args_is_help=True,
)


@runs_app.command("list")
def runs_list(store: StoreOpt = None, fmt: FormatOpt = TableFormat.table) -> None:
    """List the stored runs, newest first (JSON: a list of run records)."""
    from peninsula import api
    from peninsula.reports.console import out, write_json
    from peninsula.reports.uncertainty import runs_table

    path, rows = api.stored_runs(store)
    if fmt is TableFormat.json:
        write_json([_jsonable(r) for r in rows])
    else:
        out().print(runs_table(rows, str(path)))


def _jsonable(record: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if k in ("created", "finished") and v is not None else v) for k, v in record.items()}


@runs_app.command("show")
def runs_show(
    run_id: Annotated[str, typer.Argument(help="Run id (or a unique prefix).")],
    store: StoreOpt = None,
    fmt: FormatOpt = TableFormat.table,
) -> None:
    """Show a stored run: its settings and the summary of its draws (JSON: {run, summary}); a levers run
    shows its ranked table (summary: the `peninsula levers` JSON)."""
    from peninsula import api
    from peninsula.reports.console import out, write_json
    from peninsula.reports.uncertainty import sweep_tables

    if api.run_kind(run_id, store) == "levers":
        from peninsula.reports.levers import lever_tables

        rec, lever_doc = api.stored_levers(run_id, store)
        if fmt is TableFormat.json:
            write_json({"run": _jsonable(rec), "summary": lever_doc})
            return
        out().print(
            f"levers run {rec['run_id']} ({rec['status']}, {rec['committed_levers']:,} of "
            f"{len(rec['levers']):,} runs stored), created {str(rec['created'])[:19]} by peninsula "
            f"{rec['version']}"
        )
        for part in lever_tables(lever_doc):
            out().print(part)
        return
    record, run = api.stored_run(run_id, store)
    doc = run.to_dict()
    if fmt is TableFormat.json:
        write_json({"run": _jsonable(record), "summary": doc})
        return
    out().print(
        f"run {record['run_id']} ({record['status']}, {record['committed_draws']:,} of {record['draws']:,} "
        f"draws stored), created {str(record['created'])[:19]} by peninsula {record['version']}; "
        f"noise {record['noise']}; rounds {record['rounds'] if record['rounds'] is not None else 'default'}"
    )
    for r in sweep_tables(doc):
        out().print(r)


@runs_app.command("compare")
def runs_compare(
    first: Annotated[str, typer.Argument(help="First run id.")],
    second: Annotated[str, typer.Argument(help="Second run id.")],
    store: StoreOpt = None,
    fmt: FormatOpt = TableFormat.table,
) -> None:
    """How two runs' outcome distributions differ, per model and issue.

    Differences of means and medians (second − first) and the probability that a draw of the second run lies
    above (below) a draw of the first. JSON: {first, second, models: {M: {issues: {I: {mean_first,
    mean_second, diff_mean, median_first, median_second, diff_median, p_second_above_first,
    p_second_below_first}}}}, notes}.
    """
    from peninsula import api
    from peninsula.reports.console import out, write_json
    from peninsula.reports.uncertainty import compare_tables

    doc = api.compare_stored_runs(first, second, store)
    if fmt is TableFormat.json:
        write_json(doc)
    else:
        for r in compare_tables(doc):
            out().print(r)


@runs_app.command("export")
def runs_export(
    run_id: Annotated[str, typer.Argument(help="Run id (or a unique prefix).")],
    out_path: Annotated[Path, typer.Argument(metavar="OUT", help="Output file: .parquet or .csv.")],
    store: StoreOpt = None,
) -> None:
    """Write a run's draws (draw, model, issue, outcome, cohesion) to a Parquet or CSV file."""
    from peninsula import api
    from peninsula.reports.console import err

    n = api.export_run(run_id, out_path, store)
    err().print(f"wrote {n:,} rows to {out_path}")


def sensitivity(
    scenario: ScenarioArg = None,
    model: Annotated[str, typer.Option("--model", "-m", help="The model to analyse.")] = "compromise",
    issue: Annotated[list[str] | None, typer.Option("--issue", help="Issue to report (repeatable).")] = None,
    method: Annotated[Method, typer.Option("--method", help="oat (a tornado) or sobol (adds indices).")] = (
        Method.oat
    ),
    draws: Annotated[
        int | None,
        typer.Option(
            "--draws", "-n", help="Sobol base samples (default 256; a power of two).", callback=draws_callback
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the Sobol sequence and bootstrap.", min=0)] = 0,
    overlay: OverlayOpt = None,
    noise: NoiseOpt = None,
    rounds: RoundsOpt = None,
    fmt: FormatOpt = TableFormat.table,
) -> None:
    """Which inputs move a model's outcome: one-at-a-time swings (a tornado) and Sobol indices.

    Every ranged input is set to its low and its high with the rest at the scenario's value; --method sobol
    adds first-order and total Sobol indices (SALib) over the same triangular distributions. JSON: {model,
    method, issues: {ISSUE: {base, inputs: [{actor, field, low, high, outcome_low, outcome_high, swing}],
    sobol: {"ACTOR/FIELD": {S1, ST, S1_conf, ST_conf}} | null}}}.
    """
    from peninsula import api
    from peninsula.reports.console import out, write_json
    from peninsula.reports.uncertainty import sensitivity_tables

    with _progress(f"sensitivity ({method.value})") as _step:
        result = api.sensitivity(
            scenario or api.DEFAULT_SCENARIO,
            model,
            issues=issue,
            method=method.value,
            draws=draws,
            seed=seed,
            overlay=overlay,
            noise=noise,
            rounds=rounds,
        )
    doc = result.to_dict()
    if fmt is TableFormat.json:
        write_json(doc)
    else:
        for r in sensitivity_tables(doc):
            out().print(r)


def register(app: typer.Typer) -> None:
    """Add ``sweep``, ``runs`` and ``sensitivity`` to the main app."""
    app.command("sweep")(sweep)
    app.add_typer(runs_app, name="runs")
    app.command("sensitivity")(sensitivity)
