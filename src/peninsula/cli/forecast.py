"""The core commands (forecast, evaluate, validate, convert, models, schema): parse, call the API, render."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from peninsula.cli._options import (
    Format,
    FormatOpt,
    LegacyOverlayOpt,
    ModelOpt,
    OverlayOpt,
    RoundsOpt,
    SeedOpt,
    SetOpt,
    TableFormat,
    TableFormatOpt,
    parse_settings,
    prefer,
    progress,
)

if TYPE_CHECKING:
    from peninsula import api

__all__ = ["register"]


def forecast(
    path: Annotated[
        str | None,
        typer.Argument(
            metavar="SCENARIO",
            help="A YAML scenario, a DECIDE file, a BDM table, a packaged scenario id, or - (a scenario on "
            "stdin); none = the default scenario.",
        ),
    ] = None,
    model: ModelOpt = None,
    rounds: RoundsOpt = None,
    set_: SetOpt = None,
    fmt: FormatOpt = Format.table,
    seed: SeedOpt = 0,
    timings: Annotated[
        bool,
        typer.Option(
            "--timings",
            help="Print 'timing MODEL SECONDS kernels SECONDS' per model to stderr: the computation, then "
            "the time spent loading (or on a first run compiling) its numba kernels.",
        ),
    ] = False,
    events: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Write every model event (challenges, exchanges) to this CSV file (- = stdout).",
        ),
    ] = None,
    overlay: OverlayOpt = None,
    legacy_overlay: LegacyOverlayOpt = None,
    against_record: Annotated[
        bool,
        typer.Option(
            "--against-record",
            help="Print the record of what happened after the packaged snapshot first, beside the forecasts "
            "(JSON: 'record' {value, date, source} per issue). The record is never an input.",
        ),
    ] = False,
    wide: Annotated[
        bool,
        typer.Option(
            "--wide",
            "-w",
            help="A column per model (the default view shows the recommended model, its interval and the "
            "other models' range; naming models with --model shows theirs).",
        ),
    ] = False,
    notes: Annotated[
        bool,
        typer.Option("--notes", help="Also print the scales, the record's sources and every model note."),
    ] = False,
) -> None:
    """Forecast a scenario with one or more bargaining models (every model by default, seed 0).

    The table fits the terminal: the recommended model (consensus) with its 80% interval, the range of the
    other models and the status quo; --wide shows every model, --notes the scales and the models' notes.
    """
    from peninsula import api
    from peninsula.api.render import csv_text, forecast_tables, out, overlay_tables, write_json
    from peninsula.cli._io import scenario_argument, write_output

    overlay = prefer(overlay, legacy_overlay, "-o NAME", "--overlay/-O NAME")
    if events is not None and str(events) != "-":
        api.check_target(events)  # before the work: a bad --events path fails at once
    scenario = scenario_argument(path)
    instances = api.resolve_models(model or ["all"], parse_settings(set_))
    record = None
    if against_record:
        from peninsula.core import ParameterError

        if overlay is not None:
            raise ParameterError("--against-record takes no --overlay: the record is of the snapshot itself")
        record = api.load_record(scenario.id)
        later, horizon = api.load_later_records(scenario.id), api.record_horizon(scenario.id)
    if overlay is not None:
        cmp = api.compare_overlay(scenario, overlay, instances, rounds=rounds, rng=seed)
        _write_timings(cmp.base, timings)
        _write_timings(cmp.overlaid, timings, tag="+overlay")
        if events is not None:
            import pandas as pd

            both = [cmp.base.events.assign(run="base"), cmp.overlaid.events.assign(run="overlay")]
            write_output(events, csv_text(pd.concat(both, ignore_index=True)))
        if fmt is Format.json:
            write_json(cmp.to_dict() | {"seed": seed})
        elif fmt is Format.csv:
            sys.stdout.write(_rounds_csv(cmp.base, "base"))
            sys.stdout.write(_rounds_csv(cmp.overlaid, "overlay").split("\n", 1)[1])
        else:
            for part in overlay_tables(cmp, seed=seed):
                out().print(part)
        return
    with progress("forecast", len(instances)) as step:
        result = api.forecast(scenario, instances, rounds=rounds, rng=seed, on_model=step)
    _write_timings(result, timings)
    if events is not None:
        write_output(events, csv_text(result.events))
    cohesion = api.cohesion_by_model(scenario, result.runs)
    if fmt is Format.json:
        doc = result.to_dict()
        if cohesion is not None:
            doc["cohesion"] = cohesion
        if record is not None:
            from peninsula.api.render import record_json

            doc["record"] = record_json(result, record)
            doc["record_horizon"] = horizon.isoformat()
            doc["record_later"] = [{"issue": e.issue, **e.to_dict()} for e in later]
        doc["seed"] = seed
        write_json(doc)
    elif fmt is Format.csv:
        sys.stdout.write(_rounds_csv(result))
    else:
        named = model is not None and [m for m in model if m != "all"] != []
        for part in forecast_tables(
            result, cohesion, wide=wide or named, notes=notes, record=record, seed=seed
        ):
            out().print(part)
        if record is not None and notes:
            from peninsula.api.render import record_sources

            for part in record_sources(result, record, later, horizon):
                out().print(part)


def _write_timings(result: api.Forecast, timings: bool, tag: str = "") -> None:
    if timings:
        for name, seconds in result.timings.items():
            load = result.kernel_timings.get(name, 0.0)
            sys.stderr.write(f"timing {name}{tag} {seconds:.6f} kernels {load:.6f}\n")


def _rounds_csv(result: api.Forecast, run: str | None = None) -> str:
    df = result.rounds.merge(result.round_outcomes, on=["model", "issue", "round"], how="left")
    if run is not None:
        df.insert(0, "run", run)
    from peninsula.api.render import csv_text

    return csv_text(df)


def evaluate(
    paths: Annotated[list[Path], typer.Argument(metavar="PATH", help="DECIDE files, or folders of them.")],
    outcomes: Annotated[
        Path, typer.Option(metavar="CSV", help="CSV with issue_id, outcome [, reference_point].")
    ],
    model: ModelOpt = None,
    rounds: RoundsOpt = None,
    set_: SetOpt = None,
    fmt: TableFormatOpt = TableFormat.table,
    seed: SeedOpt = 0,
    cv: Annotated[
        int | None,
        typer.Option(
            "--cv",
            min=2,
            metavar="K",
            help="Grouped K-fold cross-validation (groups: the outcomes' proposal column, else the file); "
            "consensus is refitted, and per-issue models with a small parameter grid (eu, eu-masad, nash) "
            "are tuned, on each fold's training part only.",
        ),
    ] = None,
    normalise: Annotated[
        bool,
        typer.Option(
            "--normalise",
            help="Give every error in percent of its issue's scale (for issues in different units).",
        ),
    ] = False,
) -> None:
    """Measure models' forecast error (mean absolute error, group-bootstrap intervals) against outcomes."""
    from peninsula import api
    from peninsula.api.render import agreement_table, evaluation_table, out, write_json

    files = api.expand_paths(paths)
    with progress("evaluate", len(files)) as step:
        ev = api.evaluate(
            files,
            outcomes,
            model or ["all"],
            rounds=rounds,
            settings=parse_settings(set_),
            rng=seed,
            on_file=lambda p: step(p.name),
            cv=cv,
            normalise=normalise,
        )
    if fmt is TableFormat.json:
        write_json(ev.to_dict())
        return
    out().print(evaluation_table(ev.summary, len(files), ev.uncertainty, normalised=normalise))
    if any("agreement" in u for u in ev.uncertainty.values()):  # issue 21: the probability of agreement
        out().print(agreement_table(ev.uncertainty))


def validate(
    paths: Annotated[
        list[str],
        typer.Argument(metavar="SCENARIO", help="Scenario files or packaged scenario ids (- = stdin)."),
    ],
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
    from peninsula import api
    from peninsula.api.render import out
    from peninsula.cli._io import scenario_argument
    from peninsula.core import InputError

    problems = []
    for p in paths:
        try:
            sc = scenario_argument(p)
        except InputError as exc:
            problems += list(exc.problems)
            continue
        found = api.check_sources(p, sc) if check_sources and p != "-" else []
        problems += found
        if not found:
            out().print(
                f"ok {p}: {len(sc.actors)} actors, {len(sc.issues)} issues, {len(sc.stances)} stances"
            )
    if problems:
        raise InputError(problems)


def convert(
    source: Annotated[
        str,
        typer.Argument(metavar="IN", help="Input scenario (any readable format, a packaged id, - = stdin)."),
    ],
    target: Annotated[
        str,
        typer.Argument(
            metavar="OUT", help="Output file: .yaml/.yml, a DECIDE .csv/.txt, or - (YAML on stdout)."
        ),
    ],
) -> None:
    """Convert a scenario between formats (YAML and DECIDE are written)."""
    from peninsula import api
    from peninsula.api.render import err
    from peninsula.cli._io import is_std, scenario_argument

    if is_std(target):
        import sys

        sys.stdout.write(api.scenario_to_yaml(scenario_argument(source)))
        return
    api.check_target(target)  # before reading: an empty or unwritable target fails at once
    lost = api.save(scenario_argument(source), target)
    if lost:
        err().print(f"[yellow]warning:[/yellow] the DECIDE format cannot hold {', '.join(lost)}; left out")
    err().print(f"wrote {target}")


def models(fmt: TableFormatOpt = TableFormat.table) -> None:
    """List the registered models with their metadata and parameters."""
    from dataclasses import asdict

    from peninsula.api import REGISTRY
    from peninsula.api.render import models_table, out, write_json

    if fmt is TableFormat.json:
        write_json(
            {
                n: {
                    **asdict(c.info),
                    "params": {
                        p.name: {
                            "default": p.default,
                            "doc": p.doc,
                            "type": p.kind,
                            "low": p.low,
                            "high": p.high,
                            "choices": p.choices,
                        }
                        for p in c.param_info()
                    },
                }
                for n, c in REGISTRY.items()
            }
        )
        return
    rows = [
        {
            "name": name,
            "title": cls.info.title,
            "deterministic": cls.info.deterministic,
            "order-dependent": cls.info.order_dependent,
            "parameters": ", ".join(p.describe() for p in cls.param_info()) or "–",
            "reference": cls.info.reference,
        }
        for name, cls in REGISTRY.items()
    ]
    out().print(models_table(rows))


def schema() -> None:
    """Print the JSON Schema of peninsula's YAML scenario format."""
    from peninsula import api
    from peninsula.api.render import write_json

    write_json(api.scenario_json_schema())


def register(app: typer.Typer) -> None:
    """Add the commands of this module to ``app``."""
    for command in (forecast, evaluate, validate, convert, models, schema):
        app.command(command.__name__)(command)
