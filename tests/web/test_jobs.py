"""Background jobs (a sweep, a levers run): one runner, one poll, one "no such job" for both.

The worker is replaced by a stand-in that sends progress messages and then returns or raises, so each path
of :meth:`peninsula.web.app.Workbench.start_job` is checked without starting a process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from peninsula.core import InputError, ParameterError
from peninsula.web.app import Job, Limits, Workbench, _sweep_done
from peninsula.web.levers import _runs_done
from peninsula.web.workers import TimeLimit, WorkerFailure


class _Runner:
    """Stands in for the worker pool: sends ``messages``, then returns ``result`` or raises ``error``."""

    def __init__(self, messages: list[Any], result: Any = None, error: BaseException | None = None) -> None:
        self.messages, self.result, self.error = messages, result, error
        self.calls: list[tuple[str, dict[str, Any], str, str]] = []

    def run(
        self,
        task: str,
        payload: dict[str, Any],
        *,
        seconds: float,
        what: str,
        on_message: Callable[[Any], None],
    ) -> Any:
        self.calls.append((task, payload, what, threading.current_thread().name))
        for message in self.messages:
            on_message(message)
        if self.error is not None:
            raise self.error
        return self.result


def _finish(wb: Workbench, runner: _Runner, kind: str, total: int) -> Job:
    wb.runner = runner  # type: ignore[assignment]
    unit, progress = ("draws", _sweep_done) if kind == "sweep" else ("runs", _runs_done)
    job = wb.start_job(kind, {"x": 1}, total, what=f"the {kind}", unit=unit, on_message=progress)
    deadline = time.monotonic() + 10
    while job.state == "running" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert job.finished is not None
    return job


def test_a_finished_sweep_polls_its_result_and_all_its_draws() -> None:
    wb = Workbench(None, Limits())
    runner = _Runner([3, 7], result={"summary": 1})
    job = _finish(wb, runner, "sweep", 10)
    assert wb.job(job.id, "sweep").poll() == {
        "job": job.id,
        "state": "done",
        "done": 10,
        "total": 10,
        "result": {"summary": 1},
        "error": None,
    }
    task, payload, what, thread = runner.calls[0]
    assert (task, payload, what) == ("sweep", {"x": 1}, "the sweep")
    assert thread == f"peninsula-sweep-{job.id[:8]}"


@pytest.mark.parametrize(("kind", "unit"), [("sweep", "draws"), ("levers", "runs")])
def test_a_job_past_its_time_says_how_far_it_got_in_its_own_unit(kind: str, unit: str) -> None:
    wb = Workbench(None, Limits())
    message = 1200 if kind == "sweep" else [1200, 4000]
    job = _finish(wb, _Runner([message], error=TimeLimit("the run went past its limit of 3 s")), kind, 4000)
    assert job.state == "error"
    assert job.error == {
        "error": f"the run went past its limit of 3 s It had run 1,200 of 4,000 {unit}.",
        "problems": [],
    }


def test_a_levers_job_takes_its_total_from_the_progress_messages() -> None:
    wb = Workbench(None, Limits())
    job = _finish(wb, _Runner([[1, 5], [2, 6]], result={"levers": []}), "levers", 5)
    assert (job.state, job.done, job.total) == ("done", 6, 6)


def test_input_errors_and_failures_reach_the_page_without_a_traceback() -> None:
    wb = Workbench(None, Limits())
    bad = InputError.single("x.yaml", 3, "position", "out of the scale")
    job = _finish(wb, _Runner([], error=bad), "sweep", 5)
    assert job.error is not None and job.error["error"] == "1 problem in input:"
    assert [p["field"] for p in job.error["problems"]] == ["position"]
    job = _finish(wb, _Runner([], error=WorkerFailure("crashed")), "sweep", 5)
    assert job.error == {"error": "internal error (crashed)", "problems": []}
    job = _finish(wb, _Runner([], error=KeyError("secret")), "levers", 5)
    assert job.error == {"error": "internal error (KeyError)", "problems": []}


@pytest.mark.parametrize("kind", ["sweep", "levers"])
def test_an_unknown_job_is_an_error_naming_its_kind(kind: str) -> None:
    with pytest.raises(ParameterError, match=f"^no such {kind} job \\(finished jobs are kept"):
        Workbench(None, Limits()).job("0" * 32, kind)
