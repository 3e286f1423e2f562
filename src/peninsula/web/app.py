"""The workbench: a FastAPI app serving one plain page and a JSON API under ``/api/``.

This module imports FastAPI at the top: only ``peninsula serve`` (and the tests) import it, never the
CLI at start-up. The page (``static/index.html``, ``app.js``, ``style.css``; no build step, no library,
nothing from a CDN) uses only the JSON API, which FastAPI documents at ``/docs`` (``/openapi.json``).

Security (each has a test in ``tests/web/test_security.py``):

* ``peninsula serve`` binds 127.0.0.1 unless ``--host`` says otherwise (and then warns);
* only requests for this workbench's own host and port are answered (a ``Host`` allow-list against DNS
  rebinding), and a request that may change state is refused when it comes from another site (a foreign
  ``Origin``, or ``Sec-Fetch-Site`` other than ``same-origin``/``none``), before its body is read;
* request bodies are capped (:attr:`Limits.max_upload`, 2 MB): a larger ``Content-Length`` is refused
  before reading, and a body that streams past the cap is cut off (413);
* an upload is written to a fresh temporary folder under a fixed name (only its suffix, from a fixed list,
  comes from the upload) and parsed only by :func:`peninsula.io.load`; its problems come back as the CLI
  prints them (file, line, field), under the name the user gave;
* no request parameter becomes a filesystem path: scenarios are addressed by id (packaged ids, or ids this
  server gave to uploads), static files come from a fixed table, and the run store's path is fixed when
  the server starts;
* model runs are bounded: draws (:attr:`Limits.max_draws`), rounds (:attr:`Limits.max_rounds`) and wall
  time (:attr:`Limits.max_seconds`), each with a clear error past the bound;
* uploads are parsed, and forecasts, reports and sweeps run, in worker processes
  (:mod:`peninsula.web.workers`) with a time budget (the process is killed at it, its CPU and memory
  freed) and a memory budget (:attr:`Limits.worker_memory`); never on the event loop;
* what the server holds is bounded: uploads are kept as JSON text, at most :attr:`Limits.max_scenarios`
  of them and :attr:`Limits.max_stances_held` stances in all (oldest dropped first); finished sweep jobs at
  most :attr:`Limits.max_jobs_kept` (oldest dropped first);
* one long request never starves the others: :attr:`Limits.max_workers` runs at once plus one slot only
  quick requests may take, and at most :attr:`Limits.max_queue` waiting (503 past that);
* no shell-outs; every response carries a restrictive Content-Security-Policy (``default-src 'self'``,
  no inline script, images also from ``data:``), ``X-Content-Type-Options: nosniff`` and
  ``X-Frame-Options: DENY``;
* errors are JSON ``{"error": ..., "problems": [...]}``, never a traceback.
"""

from __future__ import annotations

import json
import math
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, File, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from peninsula import api
from peninsula.core import (
    InputError,
    InputProblem,
    ParameterError,
    PeninsulaError,
    Scenario,
    stance_problem,
)
from peninsula.core.sanitize import file_name
from peninsula.web.workers import TASKS, Busy, MemoryLimit, Runner, TimeLimit, WorkerFailure

__all__ = ["CSP", "LOCAL_HOSTS", "Limits", "Workbench", "create_app"]

#: The Content-Security-Policy of every response (the OpenAPI page ``/docs`` excepted: ``_DOCS_CSP``).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

#: Host names the workbench answers to (with its port; see :class:`_Guard`). ``create_app(hosts=...)``
#: replaces them, e.g. for a name that points at this machine.
LOCAL_HOSTS: tuple[str, ...] = ("127.0.0.1", "localhost", "[::1]")
#: Methods that never change the server's state; every other method gets the cross-site checks.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: Upload suffixes peninsula's readers take; anything else is parsed as a DECIDE/BDM text file (``.txt``).
UPLOAD_SUFFIXES = (".yaml", ".yml", ".csv", ".txt", ".xlsx", ".xlsm")

#: The page's files: URL name -> (package file, media type). Nothing else is served from the package.
STATIC = {
    "index.html": ("index.html", "text/html; charset=utf-8"),
    "app.js": ("app.js", "text/javascript; charset=utf-8"),
    "style.css": ("style.css", "text/css; charset=utf-8"),
    "levers.html": ("levers.html", "text/html; charset=utf-8"),
    "levers.js": ("levers.js", "text/javascript; charset=utf-8"),
}


@dataclass(frozen=True)
class Limits:
    """Bounds on what one request may ask for and on what the server holds (see the module docstring)."""

    max_upload: int = 2 * 2**20
    max_draws: int = 5000
    max_rounds: int = 200
    max_seconds: float = 120.0
    max_scenarios: int = 200
    #: Stances of all uploads held together (each kept as JSON text, about 1 kB per stance).
    max_stances_held: int = 200_000
    #: Finished sweep jobs kept for the page to poll.
    max_jobs_kept: int = 50
    #: Runs at once, one process each (one more slot is kept for quick requests).
    max_workers: int = 2
    #: Requests that may wait for a worker; one more gets 503 at once.
    max_queue: int = 8
    #: Memory one run may add to its worker process, bytes.
    worker_memory: int = 1024 * 2**20
    #: Time budget of parsing one upload, seconds.
    upload_seconds: float = 30.0
    #: Largest work (actors² x issues x rounds x models x draws) of a request that counts as quick (the
    #: packaged snapshots with every model: at most about 0.5 million).
    quick_work: int = 5_000_000
    #: Largest upload, bytes, that counts as quick to parse.
    quick_upload: int = 128 * 1024


class Edit(BaseModel):
    """One changed value of a stance."""

    actor: str = Field(max_length=200)
    issue: str = Field(max_length=200)
    field: str = Field(pattern="^(position|salience|capability)$")
    value: float = Field(allow_inf_nan=False)


class RunRequest(BaseModel):
    """What to run: a scenario by id, edits to it, an overlay, models, seed, rounds."""

    scenario: str = Field(max_length=200, description="A packaged scenario id or an uploaded scenario's id.")
    edits: list[Edit] = Field(default_factory=list, max_length=5000)
    overlay: str | None = Field(default=None, max_length=200)
    models: list[str] = Field(default_factory=lambda: ["all"], max_length=50)
    seed: int | None = Field(default=None, ge=0, le=2**63 - 1)
    rounds: int | None = Field(default=None, ge=0)
    charts: bool = Field(
        default=True,
        description="False: without the matplotlib SVG charts (fast; the workbench draws its charts from "
        "`positions` and the outcomes).",
    )


class SweepRequest(RunRequest):
    """A sweep: also the number of draws, and whether to save it in the run store."""

    draws: int = Field(default=500, ge=1)
    save: bool = False


class ReportRequest(RunRequest):
    """A report: optionally with a sweep of ``draws``."""

    draws: int | None = Field(default=None, ge=1)
    full: bool = Field(
        default=False,
        description="Every panel (`peninsula report --full`); false: the short report.",
    )


@dataclass
class Job:
    """A sweep or a levers run in the background (the page polls it for progress)."""

    id: str
    total: int
    done: int = 0
    state: str = "running"
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    def poll(self) -> dict[str, Any]:
        """What a poll returns: the progress, then the result (or the error)."""
        return {
            "job": self.id,
            "state": self.state,
            "done": self.done,
            "total": self.total,
            "result": self.result,
            "error": self.error,
        }


@dataclass(frozen=True)
class Upload:
    """An uploaded scenario as the server keeps it: JSON text (the parsed scenario and the page's table)."""

    id: str
    title: str
    actors: int
    issues: int
    stances: int
    scenario_json: str
    doc_json: str


def problem_dict(p: InputProblem) -> dict[str, Any]:
    """A problem as JSON, with the CLI's one-line message."""
    return {
        "file": p.file,
        "line": p.line,
        "field": p.field,
        "message": p.message,
        "context": p.context,
        "text": str(p),
    }


#: Rounds assumed for a request that gives none, when judging whether it is quick.
_DEFAULT_ROUNDS = 100


class Workbench:
    """The server's state: uploads by id (as JSON text), sweep jobs, the run store's path, the workers."""

    def __init__(self, store: Path | None, limits: Limits) -> None:
        self.store = store
        self.limits = limits
        self.uploads: OrderedDict[str, Upload] = OrderedDict()
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self.lock = threading.Lock()
        self.runner = Runner(limits.max_workers, limits.max_queue, limits.worker_memory)

    # -- scenarios by id --------------------------------------------------------------------------------

    def source(self, sid: str) -> dict[str, Any]:
        """How a worker finds the scenario ``sid``: an upload's JSON or a packaged id (never a path)."""
        up = self.uploads.get(sid)
        if up is not None:
            return {"json": up.scenario_json}
        if sid in api.packaged_ids():
            return {"packaged": sid}
        raise InputError.single(sid, None, "scenario", "no such scenario (use an id from /api/scenarios)")

    def shape(self, sid: str) -> tuple[int, int]:
        """Actors and issues of the scenario ``sid`` (known without building it for uploads)."""
        self.source(sid)  # unknown ids: the same error everywhere
        up = self.uploads.get(sid)
        if up is not None:
            return up.actors, up.issues
        sc = api.load_packaged(sid)
        return len(sc.actors), len(sc.issues)

    def scenario_doc(self, sid: str) -> str:
        """The page's table of the scenario ``sid``, as JSON text."""
        self.source(sid)  # unknown ids: the same error everywhere
        up = self.uploads.get(sid)
        if up is not None:
            return up.doc_json
        return json.dumps(scenario_doc(sid, api.load_packaged(sid)), allow_nan=False)

    def add_upload(self, filename: str, content: bytes) -> str:
        """Parse an upload in a worker (time and memory budget); keep it as JSON; return its page table."""
        name = Path(filename or "upload").name or "upload"
        lim = self.limits
        sid = f"upload-{uuid.uuid4().hex[:10]}"
        got = self.runner.run(
            "upload",
            {"name": name, "content": content, "sid": sid},
            seconds=lim.upload_seconds,
            quick=len(content) <= lim.quick_upload,
            what=f"parsing {name}",
        )
        up = Upload(
            sid,
            got["title"],
            got["actors"],
            got["issues"],
            got["stances"],
            got["scenario_json"],
            got["doc_json"],
        )
        if up.stances > lim.max_stances_held:
            raise ParameterError(
                f"{name}: {up.stances:,} stances, more than the workbench holds ({lim.max_stances_held:,}); "
                "use the command line for scenarios this large"
            )
        with self.lock:
            self.uploads[sid] = up
            while len(self.uploads) > lim.max_scenarios or self.held() > lim.max_stances_held:
                self.uploads.popitem(last=False)  # the oldest upload goes first
        return up.doc_json

    def held(self) -> int:
        """Stances of every upload held now."""
        return sum(u.stances for u in self.uploads.values())

    # -- bounds ---------------------------------------------------------------------------------------------

    def check(self, req: RunRequest, draws: int | None = None) -> None:
        """Refuse runs past the bounds, with a message naming the bound."""
        if req.rounds is not None and req.rounds > self.limits.max_rounds:
            raise ParameterError(
                f"rounds: {req.rounds} is above the workbench's limit of {self.limits.max_rounds}"
            )
        if draws is not None and draws > self.limits.max_draws:
            raise ParameterError(
                f"draws: {draws} is above the workbench's limit of {self.limits.max_draws} "
                "(run larger sweeps with `peninsula sweep`)"
            )

    def payload(self, req: RunRequest) -> dict[str, Any]:
        """What a worker needs to run ``req``: where its scenario is, and the request as plain data."""
        return {"scenario": self.source(req.scenario), "request": req.model_dump()}

    def quick(self, req: RunRequest, draws: int | None = None) -> bool:
        """Whether ``req`` is small enough to use the slot kept for quick requests: its work, actors² x
        issues x rounds x models x draws (the expected-utility models compare every pair of actors on
        every issue each round), is at most :attr:`Limits.quick_work`."""
        actors, issues = self.shape(req.scenario)
        models = 12 if not req.models or "all" in req.models else len(req.models)
        work = actors**2 * issues * (req.rounds or _DEFAULT_ROUNDS) * models * (draws or 1)
        return work <= self.limits.quick_work

    def run(self, task: str, req: RunRequest, *, quick: bool, what: str) -> Any:
        """Run ``task`` for ``req`` in a worker within :attr:`Limits.max_seconds`."""
        seconds = self.limits.max_seconds
        return self.runner.run(task, self.payload(req), seconds=seconds, quick=quick, what=what)

    def add_job(self, job: Job) -> None:
        """Keep ``job`` (and drop what :meth:`prune_jobs` drops)."""
        with self.lock:
            self.jobs[job.id] = job
        self.prune_jobs()

    def start_job(
        self,
        task: str,
        payload: dict[str, Any],
        total: int,
        *,
        what: str,
        unit: str,
        on_message: Callable[[Job, Any], None],
    ) -> Job:
        """Keep a new :class:`Job` and run ``task`` for it in a worker, from a thread of its own.

        ``on_message(job, message)`` records a progress message of the task; ``what`` names the run in
        errors and ``unit`` what it counts ("draws", "runs") in the message of a run past its time.
        """
        job = Job(uuid.uuid4().hex, total)
        self.add_job(job)
        threading.Thread(
            target=_run_job,
            args=(self, job, task, payload, what, unit, on_message),
            name=f"peninsula-{task}-{job.id[:8]}",
            daemon=True,
        ).start()
        return job

    def job(self, job_id: str, kind: str) -> Job:
        """The job ``job_id``, or a :class:`ParameterError` naming the ``kind`` of job asked for."""
        job = self.jobs.get(job_id)
        if job is None:
            raise ParameterError(f"no such {kind} job (finished jobs are kept for a while, then dropped)")
        return job

    def prune_jobs(self) -> None:
        """Drop the oldest finished jobs past :attr:`Limits.max_jobs_kept` (running jobs are kept)."""
        with self.lock:
            finished = [k for k, j in self.jobs.items() if j.state != "running"]
            for k in finished[: max(0, len(finished) - self.limits.max_jobs_kept)]:
                del self.jobs[k]


def _rename(p: InputProblem, path: Path, name: str) -> InputProblem:
    file = name if p.file in (str(path), path.name, path.as_posix()) else p.file.replace(str(path), name)
    return InputProblem(file, p.line, p.field, p.message.replace(str(path), name), p.context)


def apply_edits(sc: Scenario, edits: list[Edit]) -> Scenario:
    """``sc`` with stance values changed; every bad edit is reported (field ``ACTOR/ISSUE/FIELD``)."""
    if not edits:
        return sc
    stances = {(s.actor, s.issue): s.model_dump() for s in sc.stances}
    problems: list[InputProblem] = []
    for k, e in enumerate(edits):
        where = f"{e.actor}/{e.issue}/{e.field}"
        st = stances.get((e.actor, e.issue))
        if st is None:
            problems.append(InputProblem("edits", k + 1, where, "no such stance in the scenario"))
            continue
        why = stance_problem(e.field, e.value, sc.issue(e.issue))
        if why is not None:
            problems.append(InputProblem("edits", k + 1, where, why))
            continue
        st[e.field] = e.value
        st["sources"] = {f: s for f, s in st["sources"].items() if f != e.field}
    if problems:
        raise InputError(problems)
    data = sc.model_dump()
    data["stances"] = [stances[(s.actor, s.issue)] for s in sc.stances]
    return Scenario.model_validate(data)


def scenario_doc(sid: str, sc: Scenario) -> dict[str, Any]:
    """A scenario as the page's editable table needs it: actors, issues, stances with their sources."""

    def src(s: Any) -> dict[str, Any] | None:
        if s is None:
            return None
        return {"kind": s.kind, "text": api.describe_source(s), "file": s.file, "low": s.low, "high": s.high}

    return {
        "id": sid,
        "scenario_id": sc.id,
        "title": sc.title,
        "date": sc.date.isoformat() if sc.date else None,
        "actors": [
            {"id": a.id, "name": a.name, "capability": a.capability, "source": src(a.capability_source)}
            for a in sc.actors
        ],
        "issues": [
            {
                "id": i.id,
                "lower": i.lower,
                "upper": i.upper,
                "unit": i.unit,
                "status_quo": i.status_quo,
                "description": i.description,
            }
            for i in sc.issues
        ],
        "stances": [
            {
                "actor": s.actor,
                "issue": s.issue,
                "position": s.position,
                "salience": s.salience,
                "capability": s.capability,
                "sources": {f: src(v) for f, v in s.sources.items()},
            }
            for s in sc.stances
        ],
    }


def _num(x: Any) -> float | None:
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else float(x)


#: Most positions (actor x round x model) one forecast response carries for the page's charts, about 1 MB of
#: JSON; a large upload's issues past it are listed without their positions (a chart of hundreds of lines
#: would not be read, and the response of a forecast must stay small).
POSITIONS_POINTS = 100_000


def positions_doc(result: api.Forecast, budget: int = POSITIONS_POINTS) -> list[dict[str, Any]]:
    """Positions round by round, for the page to draw (what ``positions_chart`` draws, as numbers).

    One entry per issue on which a model runs rounds: the issue's scale and status quo, the actors with a
    stance on it and, per such model, its rounds, each actor's position per round (``None``: no position
    that round) and the outcome per round. The page draws its positions charts from these in a few
    milliseconds; matplotlib took 0.3-0.6 s per chart in the worker (issue 26: Run under 3 s). Once the
    entries hold ``budget`` positions, a further issue's entry has no models and says why (``omitted``).
    """
    from peninsula.api import render as ch

    sc = result.scenario
    out: list[dict[str, Any]] = []
    used = 0
    for issue in sc.issues:
        names = ch.iterative_models(result, issue.id)
        if not names:
            continue
        on_issue = {st.actor for st in sc.stances_on(issue.id)}
        actors = [a for a in sc.actor_ids if a in on_issue]
        entry: dict[str, Any] = {
            "issue": issue.id,
            "lower": issue.lower,
            "upper": issue.upper,
            "status_quo": issue.status_quo,
            "unit": issue.unit,
            "actors": actors,
            "models": [],
        }
        points = len(actors) * sum(len(result.runs[m].issues[issue.id].rounds) for m in names)
        if used + points > budget:
            entry["actors"] = []
            entry["omitted"] = (
                f"{len(actors)} actors x the rounds of {len(names)} models: too many positions to draw here "
                f"(the page draws at most {budget:,} in one forecast; the report draws them: --full)"
            )
            out.append(entry)
            continue
        used += points
        models = entry["models"]
        for name in names:
            res = result.runs[name].issues[issue.id]
            models.append(
                {
                    "model": name,
                    "rounds": [r.round for r in res.rounds],
                    "positions": [[_num(r.positions.get(a)) for r in res.rounds] for a in actors],
                    "outcome": [_num(r.outcome) for r in res.rounds],
                }
            )
        out.append(entry)
    return out


def forecast_doc(sc: Scenario, req: RunRequest) -> dict[str, Any]:
    """Run the forecast (or base vs. overlay) and return the table, cohesion and charts (SVG text)."""
    from peninsula.api import render as ch

    models = api.resolve_models(req.models or ["all"])
    doc: dict[str, Any] = {"scenario": sc.id, "overlay": req.overlay}
    svgs: list[dict[str, str]] = []
    if req.overlay:
        cmp = api.compare_overlay(sc, req.overlay, models, rounds=req.rounds, rng=req.seed)
        result, coh = cmp.base, cmp.cohesion_base
        over = cmp.overlaid.outcomes
        doc["overlay_outcomes"] = {m: {i: _num(over.at[m, i]) for i in sc.issue_ids} for m in over.index}
        doc["overlay_cohesion"] = cmp.cohesion_overlaid
        doc["changes"] = [
            {
                "actor": c.actor,
                "issue": c.issue,
                "field": c.field,
                "old": c.old,
                "new": c.new,
                "source": c.source.describe(),
                "source_label": api.describe_source(c.source),
            }
            for c in cmp.changes
        ]
        if req.charts:
            svgs.append(
                {
                    "key": "overlay",
                    "title": f"Base vs. overlay {cmp.overlay}",
                    "svg": ch.svg(ch.overlay_chart(cmp), "overlay"),
                }
            )
    else:
        result = api.forecast(sc, models, rounds=req.rounds, rng=req.seed)
        coh = api.cohesion_by_model(sc, result.runs)
    out = result.outcomes
    doc["models"] = list(result.runs)
    doc["issues"] = [
        {"id": i.id, "status_quo": i.status_quo, "unit": i.unit, "lower": i.lower, "upper": i.upper}
        for i in sc.issues
    ]
    doc["outcomes"] = {m: {i: _num(out.at[m, i]) for i in sc.issue_ids} for m in out.index}
    # issue 21: each model that says whether the parties agree, with its probability per issue
    doc["p_agreement"] = {
        m: {i: _num(r.extra.get("p_agreement")) for i, r in run.issues.items()}
        for m, run in result.runs.items()
        if any("p_agreement" in r.extra for r in run.issues.values())
    }
    doc["cohesion"] = coh
    doc["positions"] = positions_doc(result)
    for issue in sc.issues if req.charts else ():
        fig = ch.positions_chart(result, issue.id)
        if fig is not None:
            key = f"positions-{issue.id}"
            svgs.append({"key": key, "title": f"Positions by round: {issue.id}", "svg": ch.svg(fig, key)})
    doc["charts"] = svgs
    return doc


# -- the tasks workers run (peninsula.web.workers) -----------------------------------------------------------


def _scenario(payload: dict[str, Any]) -> Scenario:
    """The payload's scenario (an upload's JSON or a packaged id) with the request's edits applied."""
    src = payload["scenario"]
    sc = Scenario.model_validate_json(src["json"]) if "json" in src else api.load_packaged(src["packaged"])
    edits = [Edit.model_validate(e) for e in payload["request"].get("edits", [])]
    return apply_edits(sc, edits)


def _task_upload(payload: dict[str, Any], send: Any) -> dict[str, Any]:
    name = payload["name"]
    suffix = Path(name).suffix.lower()
    suffix = suffix if suffix in UPLOAD_SUFFIXES else ".txt"
    with tempfile.TemporaryDirectory(prefix="peninsula-upload-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(payload["content"])
        try:
            sc = api.load_file(path)
        except InputError as exc:
            raise InputError([_rename(p, path, name) for p in exc.problems]) from None
    return {
        "title": sc.title or sc.id,
        "actors": len(sc.actors),
        "issues": len(sc.issues),
        "stances": len(sc.stances),
        "scenario_json": sc.model_dump_json(),
        "doc_json": json.dumps(scenario_doc(payload["sid"], sc), allow_nan=False),
    }


def _task_forecast(payload: dict[str, Any], send: Any) -> dict[str, Any]:
    return forecast_doc(_scenario(payload), RunRequest.model_validate(payload["request"]))


def _task_yaml(payload: dict[str, Any], send: Any) -> tuple[str, str]:
    sc = _scenario(payload)
    return sc.id, api.scenario_to_yaml(sc)


def _task_report(payload: dict[str, Any], send: Any) -> tuple[str, str]:
    req = ReportRequest.model_validate(payload["request"])
    sc = _scenario(payload)
    rep = api.report(
        sc,
        req.models or ["all"],
        overlay=req.overlay,
        rounds=req.rounds,
        seed=req.seed,
        draws=req.draws,
        full=req.full,
    )
    return sc.id, rep.html


def _task_sweep(payload: dict[str, Any], send: Any) -> dict[str, Any]:
    req = SweepRequest.model_validate(payload["request"])
    sc = _scenario(payload)
    models = api.resolve_models(req.models or ["all"])
    store = Path(payload["store"]) if payload.get("store") else None
    sw = api.sweep(
        sc,
        models,
        draws=req.draws,
        seed=req.seed,
        overlay=req.overlay,
        rounds=req.rounds,
        store=store,
        chunk_size=max(10, req.draws // 20),
        on_chunk=lambda done, total: send(done),
    )
    return {**sw.to_dict(), "saved": store is not None}


TASKS.update(
    upload=_task_upload, forecast=_task_forecast, yaml=_task_yaml, report=_task_report, sweep=_task_sweep
)
from peninsula.web import levers as _levers  # noqa: E402, F401 (registers the levers tasks for the workers)


def _static(name: str) -> str:
    return resources.files("peninsula.web").joinpath("static", name).read_text(encoding="utf-8")


def create_app(
    store: str | Path | None = None, limits: Limits | None = None, hosts: tuple[str, ...] = ()
) -> FastAPI:
    """The workbench app.

    Parameters
    ----------
    store:
        The run store "save run" writes to (fixed here, never per request).
    limits:
        Bounds on what one request may ask for (default :class:`Limits`).
    hosts:
        Host names the workbench answers to, with its port (default :data:`LOCAL_HOSTS`); any other
        ``Host`` header is refused (DNS rebinding).
    """
    lim = limits or Limits()
    wb = Workbench(Path(store) if store is not None else None, lim)
    wb.runner.start()  # the worker fork server warms up while the page loads
    app = FastAPI(
        title="peninsula workbench",
        version=_version(),
        description="Edit a scenario, run bargaining models and sweeps, download the HTML report. "
        "Scenarios are addressed by id; uploads are parsed by peninsula's readers.",
    )
    app.state.workbench = wb

    # -- the body cap and the security headers (pure ASGI: runs before any body is read) ----------------
    app.add_middleware(_Guard, max_body=lim.max_upload, hosts=hosts)

    # -- errors: JSON, never a traceback ---------------------------------------------------------------------
    @app.exception_handler(InputError)
    async def _input_error(request: Request, exc: InputError) -> JSONResponse:
        return JSONResponse(
            {"error": str(exc).split("\n")[0], "problems": [problem_dict(p) for p in exc.problems]},
            status_code=422,
        )

    @app.exception_handler(TimeLimit)
    async def _time_limit(request: Request, exc: TimeLimit) -> JSONResponse:
        return JSONResponse({"error": str(exc), "problems": []}, status_code=503)

    @app.exception_handler(MemoryLimit)
    async def _memory_limit(request: Request, exc: MemoryLimit) -> JSONResponse:
        return JSONResponse({"error": str(exc), "problems": []}, status_code=503)

    @app.exception_handler(Busy)
    async def _busy(request: Request, exc: Busy) -> JSONResponse:
        doc = {"error": str(exc), "problems": []}
        return JSONResponse(doc, status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(WorkerFailure)
    async def _worker(request: Request, exc: WorkerFailure) -> JSONResponse:
        return JSONResponse({"error": f"internal error ({exc.kind})", "problems": []}, status_code=500)

    @app.exception_handler(PeninsulaError)
    async def _peninsula_error(request: Request, exc: PeninsulaError) -> JSONResponse:
        return JSONResponse({"error": str(exc), "problems": []}, status_code=400)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "file": "request",
                "line": None,
                "field": ".".join(str(x) for x in e.get("loc", ())),
                "message": str(e.get("msg", "")),
                "context": "",
                "text": f"request: field '{'.'.join(str(x) for x in e.get('loc', ()))}': {e.get('msg', '')}",
            }
            for e in exc.errors()
        ]
        return JSONResponse({"error": "bad request", "problems": problems}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail), "problems": []}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(
            {"error": f"internal error ({type(exc).__name__})", "problems": []}, status_code=500
        )

    # -- the page ---------------------------------------------------------------------------------------
    @app.get("/", include_in_schema=False)
    def index() -> Response:
        return Response(_static("index.html"), media_type=STATIC["index.html"][1])

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        if name not in STATIC:
            return JSONResponse({"error": "not found", "problems": []}, status_code=404)
        file, media = STATIC[name]
        return Response(_static(file), media_type=media)

    # -- the API ----------------------------------------------------------------------------------------
    @app.get("/api/scenarios", summary="Packaged and uploaded scenarios, the overlays and the models")
    def scenarios() -> dict[str, Any]:
        return {
            "default": _default(),
            "packaged": [
                {"id": i.id, "title": i.title, "date": i.date.isoformat() if i.date else None}
                for i in api.list_packaged()
            ],
            "uploaded": [{"id": k, "title": u.title} for k, u in list(wb.uploads.items())],
            "overlays": api.list_overlays(),
            "models": [{"name": n, "title": c.info.title} for n, c in api.REGISTRY.items()],
            "limits": {
                "max_upload": lim.max_upload,
                "max_draws": lim.max_draws,
                "max_rounds": lim.max_rounds,
                "max_seconds": lim.max_seconds,
            },
        }

    @app.get("/api/scenarios/{sid}", summary="A scenario's actors, issues and stances with their sources")
    def scenario(sid: str) -> Response:
        return Response(wb.scenario_doc(sid), media_type="application/json")

    @app.post("/api/scenarios", summary="Upload a scenario file (any format peninsula reads; 2 MB at most)")
    async def upload(file: UploadFile = File(...)) -> Response:  # noqa: B008 (FastAPI's idiom)
        content = await file.read(lim.max_upload + 1)
        if len(content) > lim.max_upload:
            return JSONResponse(
                {"error": f"upload larger than {lim.max_upload:,} bytes", "problems": []}, status_code=413
            )
        doc = await run_in_threadpool(wb.add_upload, file.filename or "upload", content)
        return Response(doc, media_type="application/json")

    @app.post("/api/scenarios/yaml", summary="The edited scenario as peninsula YAML (download)")
    def scenario_yaml(req: RunRequest) -> Response:
        sid, text = wb.run("yaml", req, quick=True, what="the YAML download")
        return Response(
            text,
            media_type="application/x-yaml",
            headers={"Content-Disposition": f'attachment; filename="{file_name(sid, ".yaml")}"'},
        )

    @app.post("/api/forecast", summary="Forecast the (edited) scenario: table, cohesion, charts")
    def forecast(req: RunRequest) -> dict[str, Any]:
        wb.check(req)
        api.resolve_models(req.models or ["all"])
        doc: dict[str, Any] = wb.run("forecast", req, quick=wb.quick(req), what="the forecast")
        return doc

    @app.post("/api/sweep", summary="Start a sweep (Monte Carlo over the sourced ranges); poll its progress")
    def sweep(req: SweepRequest) -> dict[str, Any]:
        wb.check(req, req.draws)
        api.resolve_models(req.models or ["all"])
        payload = wb.payload(req)
        if req.save:
            payload["store"] = str(wb.store if wb.store is not None else api.store_path())
        job = wb.start_job(
            "sweep", payload, req.draws, what="the sweep", unit="draws", on_message=_sweep_done
        )
        return {"job": job.id, "total": job.total}

    @app.get("/api/sweep/{job_id}", summary="A sweep's progress, then its summary (or its error)")
    def sweep_status(job_id: str) -> dict[str, Any]:
        return wb.job(job_id, "sweep").poll()

    @app.post("/api/report", summary="The self-contained HTML report of the (edited) scenario (download)")
    def report(req: ReportRequest) -> Response:
        wb.check(req, req.draws)
        api.resolve_models(req.models or ["all"])
        sid, html = wb.run("report", req, quick=False, what="the report")
        return Response(
            html,
            media_type="text/html; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{file_name("report-" + sid, ".html")}"'},
        )

    from peninsula.web.levers import add_routes  # the "Which lever?" page (peninsula levers)

    add_routes(app, wb, _static)
    return app


def _sweep_done(job: Job, done: Any) -> None:
    """A sweep's progress message: the draws done so far."""
    job.done = int(done)


def _run_job(
    wb: Workbench,
    job: Job,
    task: str,
    payload: dict[str, Any],
    what: str,
    unit: str,
    on_message: Callable[[Job, Any], None],
) -> None:
    """Run ``task`` for ``job`` in a worker (called in a thread of its own), reporting into ``job``."""
    try:
        job.result = wb.runner.run(
            task,
            payload,
            seconds=wb.limits.max_seconds,
            what=what,
            on_message=lambda message: on_message(job, message),
        )
        job.done = job.total
        job.state = "done"
    except InputError as exc:
        job.error = {"error": str(exc).split("\n")[0], "problems": [problem_dict(p) for p in exc.problems]}
        job.state = "error"
    except PeninsulaError as exc:
        after = f" It had run {job.done:,} of {job.total:,} {unit}." if isinstance(exc, TimeLimit) else ""
        job.error = {"error": str(exc) + after, "problems": []}
        job.state = "error"
    except WorkerFailure as exc:
        job.error = {"error": f"internal error ({exc.kind})", "problems": []}
        job.state = "error"
    except Exception as exc:  # reported to the page as an internal error, never a traceback
        job.error = {"error": f"internal error ({type(exc).__name__})", "problems": []}
        job.state = "error"
    finally:
        job.finished = time.monotonic()
        wb.prune_jobs()


def _default() -> str:
    return api.DEFAULT_SCENARIO


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("peninsula")
    except PackageNotFoundError:  # pragma: no cover
        return "0+unknown"


class _Guard:
    """ASGI middleware: refuses foreign hosts and cross-site writes, caps request bodies and adds the security
    headers to every response.

    * **Host allow-list** (DNS rebinding): a request's ``Host`` must be one of ``hosts`` (default
      :data:`LOCAL_HOSTS`) or the address the request reached, with the server's port (no port only on port
      80). A page on ``attacker.example`` whose name is re-pointed at 127.0.0.1 sends ``Host:
      attacker.example:PORT`` and gets 400, so it cannot read any answer.
    * **Cross-site writes**: a request that may change state (any method but GET, HEAD, OPTIONS) with an
      ``Origin`` other than the workbench's own, or with ``Sec-Fetch-Site`` other than ``same-origin`` or
      ``none`` (typed by the user), gets 403 before its body is read: a page the user visits cannot upload a
      scenario or start a run. Clients that send neither header (curl, scripts) are not browsers a page can
      drive, and pass.
    """

    def __init__(self, app: Any, max_body: int, hosts: tuple[str, ...] = ()) -> None:
        self.app = app
        self.max_body = max_body
        self.hosts = tuple(h.lower() for h in hosts) or LOCAL_HOSTS

    def allowed_hosts(self, scope: dict[str, Any]) -> set[str]:
        """The ``Host`` values this request may carry: each allowed name (and the address the request
        reached) with the server's port; without a port too on port 80."""
        server = scope.get("server") or ("127.0.0.1", 80)
        addr, port = str(server[0]).lower(), int(server[1] or 80)
        names = {*self.hosts, f"[{addr}]" if ":" in addr else addr}
        out = {f"{n}:{port}" for n in names}
        if port == 80:
            out |= names
        return out

    def refuse(self, scope: dict[str, Any], headers: dict[bytes, bytes]) -> tuple[int, str] | None:
        """``(status, message)`` if the request is refused before it reaches the app, else ``None``."""
        host = headers.get(b"host", b"").decode("latin-1").strip().lower()
        allowed = self.allowed_hosts(scope)
        if host not in allowed:
            return (
                400,
                f"Host {host[:80]!r} is not this workbench's (it answers to "
                f"{', '.join(sorted(allowed))}): a page reaching it through another name is refused",
            )
        if scope.get("method", "GET") in SAFE_METHODS:
            return None
        site = headers.get(b"sec-fetch-site", b"").decode("latin-1").strip().lower()
        if site and site not in ("same-origin", "none"):
            return (
                403,
                f"cross-site request refused (Sec-Fetch-Site: {site[:40]}): use the workbench's own page",
            )
        origin = headers.get(b"origin")
        if origin is not None:
            text = origin.decode("latin-1").strip().lower()
            scheme = str(scope.get("scheme", "http"))
            if text != f"{scheme}://{host}":
                return (
                    403,
                    f"cross-origin request refused (Origin: {text[:80]}): use the workbench's own page",
                )
        return None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        refusal = self.refuse(scope, headers)
        if refusal is not None:
            await _json(send, refusal[0], {"error": refusal[1], "problems": []})
            return
        length = headers.get(b"content-length")
        # The body cap leaves room for the multipart envelope around an upload of max_body bytes.
        cap = self.max_body + 64 * 1024
        if length is not None and (not length.isdigit() or int(length) > cap):
            await _json(
                send, 413, {"error": f"request body larger than {self.max_body:,} bytes", "problems": []}
            )
            return
        seen = 0
        too_big = False

        async def limited() -> dict[str, Any]:
            nonlocal seen, too_big
            message: dict[str, Any] = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    too_big = True
                    raise _BodyTooLarge
            return message

        path = scope.get("path", "")
        csp = _DOCS_CSP if path in ("/docs", "/redoc") else CSP
        started = False

        async def secured(message: dict[str, Any]) -> None:
            nonlocal started
            if too_big:
                # The app answered a body cut off at the cap (FastAPI turns the read error into a 400): the
                # client gets the 413 instead, and the app's own response is dropped.
                if not started:
                    started = True
                    await _json(
                        send,
                        413,
                        {"error": f"request body larger than {self.max_body:,} bytes", "problems": []},
                    )
                return
            if message["type"] == "http.response.start":
                started = True
                extra = [
                    (b"content-security-policy", csp.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cache-control", b"no-store"),
                ]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            await self.app(scope, limited, secured)
        except _BodyTooLarge:
            if not started:
                await _json(
                    send, 413, {"error": f"request body larger than {self.max_body:,} bytes", "problems": []}
                )
        except Exception as exc:  # last resort: never a traceback to the client
            if too_big and not started:
                await _json(
                    send, 413, {"error": f"request body larger than {self.max_body:,} bytes", "problems": []}
                )
            elif not started:
                await _json(send, 500, {"error": f"internal error ({type(exc).__name__})", "problems": []})


#: FastAPI's OpenAPI page loads Swagger UI from jsDelivr: only that page may, and only scripts and styles.
_DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


class _BodyTooLarge(Exception):
    pass


async def _json(send: Any, status: int, doc: dict[str, Any]) -> None:
    import json

    body = json.dumps(doc).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"content-security-policy", CSP.encode()),
                (b"x-content-type-options", b"nosniff"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
