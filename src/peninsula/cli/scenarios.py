"""The scenario library's commands: ``peninsula sources``, ``peninsula scenarios``, ``peninsula cohesion``.

Thin: parse, call :mod:`peninsula.scenarios`, render. Registered on the main app by
:func:`register` from the feature block of :mod:`peninsula.cli`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from peninsula.cli._options import LegacyOverlayOpt, ModelOpt, OverlayOpt, SeedOpt, TableFormat, prefer
from peninsula.cli._options import TableFormatOpt as FormatOpt

if TYPE_CHECKING:
    from peninsula.core import Scenario

__all__ = ["register"]


def _load(key: str, overlay: str | None) -> Scenario:
    from peninsula import api

    scenario = api.load(key)
    return api.apply_overlay(scenario, overlay) if overlay else scenario


def sources(
    scenario: Annotated[
        str, typer.Argument(metavar="SCENARIO", help="Packaged scenario id or scenario file.")
    ],
    fmt: FormatOpt = TableFormat.table,
    overlay: OverlayOpt = None,
    legacy_overlay: LegacyOverlayOpt = None,
    rules: Annotated[
        bool, typer.Option("--rules", help="Also list the response rules of `peninsula simulate`.")
    ] = False,
) -> None:
    """List every number of a scenario with its source (seed quote, dataset row or coded judgement).

    JSON: a list of {actor, issue, field, value, source: {kind, file, quote, row, reason, low, high}}.
    Exits with status 2 if any value lacks a source or its source does not check out.
    """
    from pathlib import Path

    from peninsula import api
    from peninsula.api.render import out, sources_table, write_json
    from peninsula.core import InputError

    overlay = prefer(overlay, legacy_overlay, "-o NAME", "--overlay/-O NAME")
    sc = _load(scenario, overlay)
    records = api.source_records(sc)
    if rules:
        records += api.rule_source_records()
    if fmt is TableFormat.json:
        write_json([r.to_dict() for r in records])
    else:
        out().print(sources_table(sc.id, records, api.source_problem))
    if overlay is None and Path(scenario).is_file() and api.detect_format(scenario) == "yaml":
        problems = api.file_source_problems(scenario, sc)  # with the file's name and each value's line
    else:
        problems = api.source_problems(sc, scenario if Path(scenario).is_file() else None)
    if problems:
        raise InputError(problems)


def scenarios(fmt: FormatOpt = TableFormat.table) -> None:
    """List the packaged scenarios and the policy-lever overlays, and which overlay applies to which snapshot.

    JSON: {default, scenarios: [{id, date, title, actors, issues, seeds, overlays}], overlays: [{id, title,
    description, applies_to}]}; an overlay applies to a snapshot dated on or after its seeds where it changes
    something.
    """
    from peninsula import api
    from peninsula.api.render import out, scenarios_tables, write_json

    infos = api.list_packaged()
    overlays = [api.load_overlay(name) for name in api.list_overlays()]
    snapshots = {i.id: api.load_packaged(i.id) for i in infos}
    applies = {
        o.id: [sid for sid, sc in snapshots.items() if api.overlay_status(sc, o).applies] for o in overlays
    }
    if fmt is TableFormat.json:
        write_json(
            {
                "default": api.DEFAULT_SCENARIO,
                "scenarios": [
                    {
                        "id": i.id,
                        "date": i.date.isoformat() if i.date else None,
                        "title": i.title,
                        "actors": i.n_actors,
                        "issues": i.n_issues,
                        "seeds": i.seeds,
                        "overlays": [o for o, ids in applies.items() if i.id in ids],
                    }
                    for i in infos
                ],
                "overlays": [
                    {"id": o.id, "title": o.title, "description": o.description, "applies_to": applies[o.id]}
                    for o in overlays
                ],
            }
        )
        return
    for part in scenarios_tables(infos, overlays, api.DEFAULT_SCENARIO, applies):
        out().print(part)


def cohesion(
    scenario: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="SCENARIO", help="Scenario ids or files; none = every packaged Korea snapshot."
        ),
    ] = None,
    model: ModelOpt = None,
    overlay: OverlayOpt = None,
    legacy_overlay: LegacyOverlayOpt = None,
    fmt: FormatOpt = TableFormat.table,
    seed: SeedOpt = 0,
) -> None:
    """Trace U.S.-ROK alliance cohesion (1 = aligned, 0 = opposite ends) across snapshots.

    'before' uses the scenario's positions; one column per model uses the positions after its last round.
    """
    from peninsula import api
    from peninsula.api.render import cohesion_table, out, write_json
    from peninsula.cli._options import progress

    overlay = prefer(overlay, legacy_overlay, "-o NAME", "--overlay/-O NAME")
    keys = scenario or [i.id for i in api.list_packaged()]
    models = api.resolve_models(model or ["all"])
    rows: list[dict[str, Any]] = []
    with progress("cohesion", len(keys)) as step:
        for key in keys:
            step(key)
            sc = _load(key, overlay)
            result = api.forecast(sc, models, rng=seed)
            rows.append(_cohesion_row(api, sc, result))
    if fmt is TableFormat.json:
        write_json(rows)
        return
    out().print(cohesion_table(rows, [m.info.name for m in models]))


def _cohesion_row(api: Any, sc: Scenario, result: Any) -> dict[str, Any]:
    return {
        "scenario": sc.id,
        "date": sc.date.isoformat() if sc.date else None,
        "before": api.cohesion(sc).value,
        "after": {m: api.cohesion_after(sc, run).value for m, run in result.runs.items()},
        "issues": [
            {
                "issue": g.issue,
                "us": g.positions[0],
                "rok": g.positions[1],
                "distance": g.distance,
                "weight": g.weight,
            }
            for g in api.cohesion(sc).issues
        ],
    }


def register(app: typer.Typer) -> None:
    """Add the ``sources``, ``scenarios`` and ``cohesion`` commands to ``app``."""
    app.command("sources")(sources)
    app.command("scenarios")(scenarios)
    app.command("cohesion")(cohesion)
