"""The workbench's "Which lever?" page: ``/levers`` and its JSON API (``/api/levers``).

Kept apart from :mod:`peninsula.web.app` (which calls :func:`add_routes` and imports this module, so that
the fork server's workers know its tasks): a levers run is a background job in a worker process the page
polls, like a sweep; a candidate's row opens its comparison with the baseline on common random numbers (the
``simulate --compare`` view), run in a worker too. The same bounds as every workbench run apply: draws
(:attr:`~peninsula.web.app.Limits.max_draws`), wall time (:attr:`~peninsula.web.app.Limits.max_seconds`),
and here also months and candidates; scenarios are addressed by id, never by path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from peninsula import api
from peninsula.core import ParameterError, Scenario
from peninsula.web.workers import TASKS

if TYPE_CHECKING:
    from fastapi import FastAPI

    from peninsula.web.app import Job, Workbench

__all__ = ["MAX_MONTHS", "LeverRequest", "add_routes", "compare_doc"]

#: Longest window the workbench simulates (the command line has no such bound).
MAX_MONTHS = 36


class LeverRequest(BaseModel):
    """A levers run: the snapshot by id, the window, the draws, the candidates."""

    scenario: str = Field(max_length=200, description="A packaged scenario id or an uploaded scenario's id.")
    months: int = Field(default=12, ge=1, le=MAX_MONTHS)
    draws: int = Field(default=1000, ge=10)
    seed: int = Field(default=0, ge=0, le=2**63 - 1)
    overlays: list[str] | None = Field(default=None, max_length=50)
    grid: list[str] = Field(default_factory=list, max_length=4)
    pairs: bool = False
    model: str | None = Field(default=None, max_length=50)
    launch_model: str | None = Field(default=None, max_length=50)
    robust_draws: int = Field(default=100, ge=0)


class CompareRequest(LeverRequest):
    """One candidate of a levers run against the baseline."""

    lever: str = Field(max_length=400)


def _spec(sc: Scenario, req: LeverRequest) -> Any:
    """The run ``req`` asks for on ``sc`` (every parameter checked: a bad grid or overlay is an error)."""
    return api.lever_spec(
        sc,
        months=req.months,
        model=req.model,
        launch_model=req.launch_model,
        draws=req.draws,
        seed=req.seed,
        overlays=req.overlays,
        grid=req.grid,
        pairs=req.pairs,
        robust_draws=req.robust_draws,
    )


def _payload(wb: Workbench, req: LeverRequest) -> dict[str, Any]:
    """What a worker needs: where the scenario is (an upload's JSON or a packaged id), the request."""
    return {"scenario": wb.source(req.scenario), "request": req.model_dump()}


def _check(wb: Workbench, req: LeverRequest) -> Any:
    """Refuse a run past the workbench's bounds or with a bad parameter, before any work; its spec."""
    from peninsula.web.app import _scenario

    if req.draws > wb.limits.max_draws or req.robust_draws > wb.limits.max_draws:
        raise ParameterError(
            f"draws: above the workbench's limit of {wb.limits.max_draws} (run larger ones with "
            "`peninsula levers`)"
        )
    return _spec(_scenario(_payload(wb, req)), req)


def compare_doc(cmp: Any, lever: str, changes: list[dict[str, Any]]) -> dict[str, Any]:
    """The compare view of a candidate: what it changes, the differences from the baseline, and both runs'
    monthly launch bands and posture medians."""
    base, alt = cmp.base.to_dict(), cmp.alternative.to_dict()

    def path(doc: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {
                "month": row["month"],
                "launches": row["launches"],
                "cohesion": row["cohesion"],
                "posture": {k: v["q50"] for k, v in row["posture"].items()},
            }
            for row in doc["path"]
        ]

    return {
        "lever": lever,
        "changes": changes,
        "compare": cmp.difference(),
        "total_launches": {"baseline": base["total_launches"], "candidate": alt["total_launches"]},
        "baseline": path(base),
        "candidate": path(alt),
        "notes": alt["notes"],
    }


# -- the tasks workers run (peninsula.web.workers) -----------------------------------------------------------
def _task_levers(payload: dict[str, Any], send: Any) -> dict[str, Any]:
    from peninsula.web.app import _scenario

    spec = _spec(_scenario(payload), LeverRequest.model_validate(payload["request"]))
    doc: dict[str, Any] = api.levers(spec, on_progress=lambda done, total: send([done, total])).to_dict()
    return doc


def _task_compare(payload: dict[str, Any], send: Any) -> dict[str, Any]:
    from peninsula.web.app import _scenario

    req = CompareRequest.model_validate(payload["request"])
    spec = _spec(_scenario(payload), req)
    cand = next((c for c in spec.candidates() if c.id == req.lever), None)
    if cand is None:
        raise ParameterError(f"no candidate '{req.lever}' in this run")
    return compare_doc(api.lever_comparison(spec, req.lever), req.lever, list(cand.changes))


TASKS.update({"levers": _task_levers, "levers-compare": _task_compare})


def _runs_done(job: Job, msg: Any) -> None:
    """A levers run's progress message: [runs done, runs in all]."""
    job.done, job.total = int(msg[0]), int(msg[1])


def add_routes(app: FastAPI, wb: Workbench, static: Any) -> None:
    """Add ``/levers`` (the page) and ``/api/levers`` (start, poll, compare) to the workbench ``app``.

    ``static(name)`` reads one of the page's packaged files.
    """
    from fastapi.responses import Response

    @app.get("/levers", include_in_schema=False)
    def page() -> Response:
        return Response(static("levers.html"), media_type="text/html; charset=utf-8")

    @app.post("/api/levers", summary="Start a levers run (candidates through the coupled simulation)")
    def start(req: LeverRequest) -> dict[str, Any]:
        n = len(_check(wb, req).candidates())
        if n == 0:
            raise ParameterError(
                f"no candidate: no overlay applies to '{req.scenario}' and no grid was given"
            )
        job = wb.start_job(
            "levers", _payload(wb, req), n + 1, what="the levers run", unit="runs", on_message=_runs_done
        )
        return {"job": job.id, "total": job.total, "candidates": n}

    @app.get("/api/levers/{job_id}", summary="A levers run's progress, then its JSON (or its error)")
    def status(job_id: str) -> dict[str, Any]:
        return wb.job(job_id, "levers").poll()

    @app.post("/api/levers/compare", summary="One candidate against the baseline on common random numbers")
    def compare(req: CompareRequest) -> dict[str, Any]:
        _check(wb, req)
        doc: dict[str, Any] = wb.runner.run(
            "levers-compare", _payload(wb, req), seconds=wb.limits.max_seconds, what="the comparison"
        )
        return doc
