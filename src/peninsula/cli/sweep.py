"""Uncertainty commands: ``peninsula sweep``, ``peninsula runs list|show|compare|export``, ``sensitivity``.

Thin: parse, call :mod:`peninsula.api` (``sweep``, ``resume_sweep``, the run store's ``stored_runs``,
``stored_run``, ``compare_stored_runs``, ``export_run``, ``sensitivity``), render with
:mod:`peninsula.api.render` (the tables of :mod:`peninsula.reports.uncertainty`). Registered on the main app
by :func:`register`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from peninsula.cli._options import (
    LegacyOverlayOpt,
    ModelOpt,
    NoStoreOpt,
    OverlayOpt,
    RoundsOpt,
    ScenarioArg,
    SchedulerOpt,
    TableFormat,
    WorkersOpt,
    draws_callback,
    draws_option,
    prefer,
)
from peninsula.cli._options import TableFormatOpt as FormatOpt

__all__ = ["register"]

NoiseOpt = Annotated[
    str | None,
    typer.Option(
        "--noise",
        metavar="SPEC",
        help="Default perturbation of values without a sourced range: 'none', or position=F,salience=F,"
        "capability=F (fractions: of the scale, absolute, relative; default position=0.05,salience=0.05,"
        "capability=0.1).",
    ),
]
StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        metavar="FILE",
        help="DuckDB run store (default: $PENINSULA_STORE, else peninsula-runs.duckdb in "
        "~/.local/share/peninsula, or $XDG_DATA_HOME/peninsula).",
        dir_okay=True,
    ),
]
SeedArg = Annotated[
    int | None,
    typer.Option("--seed", metavar="SEED", help="Root seed (default: a fresh one, printed and recorded)."),
]
RunArg = Annotated[
    str, typer.Argument(metavar="RUN", help="Run id, a unique prefix, latest or latest~N (see `runs list`).")
]
WideOpt = Annotated[bool, typer.Option("--wide", "-w", help="Also the status quo, mean, sd and quartiles.")]


class Method(StrEnum):
    """Sensitivity methods."""

    oat = "oat"
    sobol = "sobol"


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr that appears once the work has taken a second (terminals only)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from peninsula.api.render import err

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


def _interrupted(store: Path, seed: int | None, run_id: str | None) -> None:
    """After Ctrl-C: say how many draws the store kept and how to continue, then exit 130."""
    from peninsula import api
    from peninsula.api.render import err

    record = None
    try:
        _, rows = api.stored_runs(store)
        running = [r for r in rows if r["status"] != "complete"]
        if run_id is not None:
            record = next((r for r in rows if r["run_id"] == run_id), None)
        elif seed is not None:
            record = next((r for r in running if int(r["seed"]) == seed), None)
    except Exception:  # the store itself is unreadable: say what we can
        record = None
    if record is None:
        err().print(f"interrupted: nothing was stored in {store}")
        raise typer.Exit(130)
    err().print(
        f"interrupted: {record['committed_draws']:,} of {record['draws']:,} draws of run {record['run_id']} "
        f"are stored in {store}; continue with `peninsula sweep --resume {record['run_id']}"
        + (f" --store {store}" if store != api.store_path() else "")
        + "` (or the same command with --seed "
        + f"{record['seed']})"
    )
    raise typer.Exit(130)


def sweep(
    scenario: ScenarioArg = None,
    draws: Annotated[int, draws_option("Number of drawn scenarios.")] = 1000,
    model: ModelOpt = None,
    overlay: OverlayOpt = None,
    legacy_overlay: LegacyOverlayOpt = None,
    seed: SeedArg = None,
    noise: NoiseOpt = None,
    rounds: RoundsOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
    resume: Annotated[
        str | None,
        typer.Option(
            "--resume",
            metavar="RUN",
            help="Continue the stored run RUN (an id, a prefix, latest or latest~N) with its own settings.",
        ),
    ] = None,
    chunk_size: Annotated[
        int | None,
        typer.Option(
            "--chunk-size",
            metavar="N",
            help="Draws per committed chunk (changes no number).",
            callback=draws_callback,
        ),
    ] = None,
    fmt: FormatOpt = TableFormat.table,
    wide: WideOpt = False,
) -> None:
    """Run models on N scenarios drawn from every sourced range: outcome distributions per model and issue.

    Coded values with a low/high range are drawn from a triangular distribution (low, value, high); other
    values get the --noise perturbation. Reports each model's point forecast with its percentile among the
    draws, the draws' quantiles, P(above/at/below the status quo), flags for points outside the 5-95% band
    (with the reason) and for multimodal draws, and U.S.-ROK cohesion for Korea scenarios. Every chunk of
    draws is committed to the run store (its path is printed); after Ctrl-C, --resume RUN (or the same
    command with the printed seed) continues where it stopped. JSON: {scenario, overlay, draws, seed, run_id,
    models: {MODEL: {issues: {ISSUE: {mean, sd, q05, q25, q50, q75, q95, status_quo, p_above_status_quo,
    p_at_status_quo, p_below_status_quo, n, modes, point, point_percentile, point_outside}}, cohesion:
    {mean, q05, q50, q95} | null}}}.
    """
    from peninsula import api
    from peninsula.api.render import err, out, sweep_tables, write_json
    from peninsula.core import ParameterError
    from peninsula.core.rng import fresh_seed

    overlay = prefer(overlay, legacy_overlay, "-o NAME", "--overlay/-O NAME")
    if workers is not None and scheduler is not None:
        raise ParameterError("give either --workers K or --scheduler ADDRESS, not both")
    if no_store and (store is not None or resume is not None):
        raise ParameterError("--no-store cannot be combined with --store or --resume")
    if workers is not None and workers < 1:
        raise ParameterError(f"--workers: {workers} is not a positive number of processes")
    store_path = None if no_store else api.store_path(store, create=True)
    if resume is not None:
        assert store_path is not None
        try:
            with _progress("sweep") as step:
                result = api.resume_sweep(
                    resume,
                    store_path,
                    workers=workers,
                    scheduler=scheduler,
                    chunk_size=chunk_size,
                    on_chunk=step,
                )
        except KeyboardInterrupt:
            _interrupted(store_path, None, _resolved(store_path, resume))
    else:
        if draws <= 0:
            raise ParameterError(f"--draws: {draws} is not a positive number of draws")
        if seed is None:
            seed = fresh_seed()  # drawn here so that an interrupted sweep can name it
        try:
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
        except KeyboardInterrupt:
            if store_path is None:
                err().print("interrupted: --no-store keeps no draws; nothing to resume")
                raise typer.Exit(130) from None
            _interrupted(store_path, seed, None)
    if store_path is not None:
        if result.resumed:
            err().print(
                f"resumed run {result.run_id} from draw {result.resumed:,} ({result.resumed:,} of "
                f"{result.spec.draws:,} draws were already stored)",
                highlight=False,
            )
        err().print(f"stored run {result.run_id} (seed {result.spec.seed}) in {store_path}", highlight=False)
    doc = result.to_dict()
    if fmt is TableFormat.json:
        write_json(doc)
    else:
        for r in sweep_tables(doc, wide=wide):
            out().print(r)


def _resolved(store: Path, run: str) -> str | None:
    """The full id ``run`` names in ``store`` (``None`` if it names none)."""
    from peninsula import api

    try:
        return api.stored_run_id(run, store)
    except Exception:  # only for the interrupt message: an unreadable store names no run
        return None


def _runs_group() -> type[TyperGroup]:
    from peninsula.cli import _Group

    return _Group


runs_app = typer.Typer(
    cls=_runs_group(),
    help="The run store: list, show, compare and export stored sweeps (list and show levers runs too; a run: "
    "its id, a unique prefix, latest or latest~N).",
    no_args_is_help=True,
)


@runs_app.command("list")
def runs_list(store: StoreOpt = None, fmt: FormatOpt = TableFormat.table) -> None:
    """List the stored runs, newest first (JSON: a list of run records)."""
    from peninsula import api
    from peninsula.api.render import out, runs_table, write_json

    path, rows = api.stored_runs(store)
    if fmt is TableFormat.json:
        write_json([_jsonable(r) for r in rows])
    else:
        out().print(runs_table(rows, str(path)))


def _jsonable(record: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if k in ("created", "finished") and v is not None else v) for k, v in record.items()}


@runs_app.command("show")
def runs_show(
    run_id: RunArg,
    store: StoreOpt = None,
    fmt: FormatOpt = TableFormat.table,
    wide: WideOpt = False,
) -> None:
    """Show a stored run: its settings and the summary of its draws (JSON: {run, summary}); a levers run
    shows its ranked table (summary: the `peninsula levers` JSON)."""
    from peninsula import api
    from peninsula.api.render import out, sweep_tables, write_json

    if run_id.strip().startswith("latest"):  # latest / latest~N may name a levers run (ids are hex)
        run_id = api.stored_run_id(run_id, store)
    if api.run_kind(run_id, store) == "levers":
        from peninsula.api.render import lever_tables

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
    from peninsula.api.render import Prose

    noise = ", ".join(f"{k}={v:g}" for k, v in record["noise"].items())
    out().print(
        Prose(
            f"run {record['run_id']} ({record['status']}, {record['committed_draws']:,} of "
            f"{record['draws']:,} draws stored), created {str(record['created'])[:19]} by peninsula "
            f"{record['version']}; noise {noise}; rounds "
            f"{record['rounds'] if record['rounds'] is not None else 'default'}",
            markup=False,
        )
    )
    for r in sweep_tables(doc, wide=wide):
        out().print(r)


@runs_app.command("compare")
def runs_compare(
    first: Annotated[str, typer.Argument(metavar="FIRST", help="First run: id, prefix, latest or latest~N.")],
    second: Annotated[
        str, typer.Argument(metavar="SECOND", help="Second run: id, prefix, latest or latest~N.")
    ],
    store: StoreOpt = None,
    fmt: FormatOpt = TableFormat.table,
) -> None:
    """How two runs' outcome distributions differ, per model and issue.

    Differences of means and medians (second − first) and how often the second run's outcome lies above, at
    or below the first's: draw by draw when both runs have one seed and number of draws (common random
    numbers; two identical runs give P(=) 1), else over every pair of draws. JSON: {first, second, paired,
    models: {M: {issues: {I: {mean_first, mean_second, diff_mean, median_first, median_second, diff_median,
    p_second_above_first, p_second_below_first, p_equal}}}}, notes}.
    """
    from peninsula import api
    from peninsula.api.render import compare_tables, out, write_json

    doc = api.compare_stored_runs(first, second, store)
    if fmt is TableFormat.json:
        write_json(doc)
    else:
        for r in compare_tables(doc):
            out().print(r)


@runs_app.command("export")
def runs_export(
    run_id: RunArg,
    out_path: Annotated[
        Path, typer.Argument(metavar="OUT", help="Output file: .parquet or .csv, or - (CSV on stdout).")
    ],
    store: StoreOpt = None,
) -> None:
    """Write a run's draws (draw, model, issue, outcome, cohesion) to a Parquet or CSV file."""
    from peninsula import api
    from peninsula.api.render import err
    from peninsula.cli._io import is_std

    if is_std(out_path):
        import sys
        import tempfile

        with tempfile.TemporaryDirectory(prefix="peninsula-export-") as tmp:
            csv = Path(tmp) / "draws.csv"
            api.export_run(run_id, csv, store)
            with open(csv, encoding="utf-8") as fh:
                for line in fh:
                    sys.stdout.write(line)
        return
    n = api.export_run(run_id, out_path, store)
    err().print(f"wrote {n:,} rows to {out_path}")


def sensitivity(
    scenario: ScenarioArg = None,
    model: Annotated[
        str, typer.Option("--model", "-m", metavar="MODEL", help="The bargaining model to analyse.")
    ] = "compromise",
    issue: Annotated[
        list[str] | None, typer.Option("--issue", metavar="ISSUE", help="Issue to report (repeatable).")
    ] = None,
    method: Annotated[Method, typer.Option("--method", help="oat (a tornado) or sobol (adds indices).")] = (
        Method.oat
    ),
    draws: Annotated[int | None, draws_option("Sobol base samples (default 256; a power of two).")] = None,
    seed: Annotated[
        int, typer.Option("--seed", metavar="SEED", help="Seed of the Sobol sequence and bootstrap.", min=0)
    ] = 0,
    overlay: OverlayOpt = None,
    legacy_overlay: LegacyOverlayOpt = None,
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
    from peninsula.api.render import out, sensitivity_tables, write_json

    overlay = prefer(overlay, legacy_overlay, "-o NAME", "--overlay/-O NAME")
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
