"""The workbench's work in killable worker processes, each with a time and a memory budget.

Parsing an upload, a forecast, a report and a sweep run in a child process, never on the event loop and
never in a thread of the server: a run past its time budget is killed (not abandoned: its CPU and memory are
freed at once), and a run past its memory budget fails in its own process with a clear error instead of
taking the server down. :class:`Runner` starts one process per task from a fork server that imported and
warmed peninsula's kernels once (:mod:`peninsula.web._preload`), so a small task starts in milliseconds.

Liveness: at most :attr:`Runner.workers` tasks run at once and a quick task may also use one extra slot
that long tasks never take, so a quick request (a small forecast, a YAML download, a small upload) still
answers within its own budget while long ones run. At most :attr:`Runner.queue` tasks wait for a slot; past
that a request is refused at once (:class:`Busy`, 503) instead of piling up threads.

The child side is :func:`child_main`; the tasks are the functions of :data:`TASKS`, run with a payload of
plain data (scenario JSON, the request as a dict) and a ``send`` callback for progress messages.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from peninsula.core import InputError, InputProblem, ParameterError, PeninsulaError

__all__ = [
    "PRELOAD",
    "TASKS",
    "Busy",
    "MemoryLimit",
    "Runner",
    "TimeLimit",
    "WorkerFailure",
    "child_main",
]

#: The module the fork server imports first: it imports and warms every kernel a task uses.
PRELOAD = "peninsula.web._preload"


class TimeLimit(ParameterError):
    """A task went past its time budget (it was killed)."""


class MemoryLimit(ParameterError):
    """A task needed more memory than its budget (it failed in its own process)."""


class Busy(ParameterError):
    """Every worker is busy and the queue is full."""


class WorkerFailure(Exception):
    """A task failed with an internal error, or its process died; ``kind`` names it (never a traceback)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


Task = Callable[[dict[str, Any], Callable[[Any], None]], Any]

#: The tasks a worker can run, by name (filled by :mod:`peninsula.web.app`, which defines them).
TASKS: dict[str, Task] = {}


# -- the child -----------------------------------------------------------------------------------------------


def _vm_size() -> int:
    """The process's virtual memory size in bytes (Linux ``/proc``; 0 if unknown)."""
    try:
        with open(f"/proc/{os.getpid()}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - not Linux
        return 0
    return 0  # pragma: no cover


def limit_memory(budget: int) -> None:
    """Cap this process's address space at its current size plus ``budget`` bytes (``RLIMIT_AS``): an
    allocation past it raises :class:`MemoryError` here instead of exhausting the machine."""
    import resource

    cap = _vm_size() + budget
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def child_main(conn: Any, task: str, payload: dict[str, Any], memory: int) -> None:
    """Run ``TASKS[task](payload, send)`` in this (child) process and send back one answer.

    Answers: ``("ok", result)``, ``("input", [problem fields])``, ``("error", message)``,
    ``("memory", None)`` or ``("internal", exception type name)``; progress messages are
    ``("message", value)``. Nothing of a traceback leaves the process.
    """
    try:
        limit_memory(memory)

        def send(value: Any) -> None:
            conn.send(("message", value))

        try:
            result = TASKS[task](payload, send)
            answer: tuple[str, Any] = ("ok", result)
        except InputError as exc:
            answer = ("input", [asdict(p) for p in exc.problems])
        except MemoryError:
            answer = ("memory", None)
        except PeninsulaError as exc:
            answer = ("error", str(exc))
        except Exception as exc:
            answer = ("internal", type(exc).__name__)
        try:
            conn.send(answer)
        except MemoryError:
            conn.send(("memory", None))
    finally:
        conn.close()


# -- the parent ----------------------------------------------------------------------------------------------


class Runner:
    """Runs tasks in worker processes: ``workers`` at once (+1 kept for quick tasks), ``queue`` waiting.

    Parameters
    ----------
    workers:
        Tasks that may run at once (each one process).
    queue:
        Tasks that may wait for a slot; one more is refused with :class:`Busy`.
    memory:
        Memory budget of one task, bytes (address space it may add to the fork server's).
    """

    def __init__(self, workers: int, queue: int, memory: int) -> None:
        self.workers = workers
        self.queue = queue
        self.memory = memory
        self._long = threading.BoundedSemaphore(workers)
        self._quick = threading.BoundedSemaphore(1)
        self._lock = threading.Lock()
        self._waiting = 0
        self._procs: set[Any] = set()
        self._ctx: Any = None

    def context(self) -> Any:
        """The fork-server context (its server started on first use, with :data:`PRELOAD` imported)."""
        if self._ctx is None:
            ctx = mp.get_context("forkserver")
            ctx.set_forkserver_preload([PRELOAD])
            self._ctx = ctx
        return self._ctx

    def start(self) -> None:
        """Start the fork server now (in the background): the first request need not wait for its warm-up."""

        def go() -> None:
            from multiprocessing import forkserver

            self.context()
            forkserver.ensure_running()

        threading.Thread(target=go, name="peninsula-forkserver", daemon=True).start()

    def active(self) -> int:
        """Worker processes alive now."""
        with self._lock:
            return sum(1 for p in self._procs if p.is_alive())

    def _acquire(self, quick: bool, deadline: float) -> threading.BoundedSemaphore | None:
        with self._lock:
            if self._waiting >= self.queue:
                raise Busy(
                    f"the workbench is busy ({self.workers} runs in progress and {self._waiting} waiting); "
                    "try again when one has finished"
                )
            self._waiting += 1
        try:
            while True:
                if quick and self._quick.acquire(blocking=False):
                    return self._quick
                if self._long.acquire(blocking=False):
                    return self._long
                if time.monotonic() >= deadline:
                    return None
                time.sleep(0.02)
        finally:
            with self._lock:
                self._waiting -= 1

    def run(
        self,
        task: str,
        payload: dict[str, Any],
        *,
        seconds: float,
        quick: bool = False,
        what: str = "the run",
        on_message: Callable[[Any], None] | None = None,
    ) -> Any:
        """Run ``task`` in a worker process and return its result; raise what the task raised.

        Parameters
        ----------
        task, payload:
            The task's name in :data:`TASKS` and its plain-data argument.
        seconds:
            Time budget from now, waiting for a slot included; past it the process is killed.
        quick:
            The caller expects a short task: it may also take the slot long tasks never use.
        what:
            How messages name the task ("the upload", "the sweep").
        on_message:
            Called in this thread with each progress message the task sends.

        Raises
        ------
        InputError, ParameterError
            As the task raised them.
        TimeLimit, MemoryLimit, Busy
            Past the budgets, or with every slot taken and the queue full.
        WorkerFailure
            An internal error in the task, or its process died.
        """
        start = time.monotonic()
        deadline = start + seconds
        slot = self._acquire(quick, deadline)
        if slot is None:
            raise TimeLimit(self._late(what, seconds, "waiting for a free worker"))
        try:
            return self._run(task, payload, deadline, seconds, what, on_message)
        finally:
            slot.release()

    def _late(self, what: str, seconds: float, doing: str = "") -> str:
        return (
            f"{what} took longer than the workbench's limit of {seconds:g} s"
            + (f" ({doing})" if doing else "")
            + "; it was stopped. Choose fewer models, rounds or draws, or use the command line"
        )

    def _run(
        self,
        task: str,
        payload: dict[str, Any],
        deadline: float,
        seconds: float,
        what: str,
        on_message: Callable[[Any], None] | None,
    ) -> Any:
        ctx = self.context()
        parent, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(
            target=child_main, args=(child, task, payload, self.memory), name=f"peninsula-{task}", daemon=True
        )
        with self._lock:
            self._procs.add(proc)
        try:
            proc.start()
            child.close()
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeLimit(self._late(what, seconds))
                if not parent.poll(min(remaining, 0.25)):
                    if not proc.is_alive() and not parent.poll():
                        raise WorkerFailure(f"worker process ended with code {proc.exitcode}")
                    continue
                try:
                    kind, value = parent.recv()
                except EOFError:
                    proc.join(5)
                    raise WorkerFailure(f"worker process ended with code {proc.exitcode}") from None
                if kind == "message":
                    if on_message is not None:
                        on_message(value)
                    continue
                return _answer(kind, value, what, self.memory)
        finally:
            if proc.is_alive():
                proc.kill()
            proc.join(10)
            parent.close()
            with self._lock:
                self._procs.discard(proc)
            if proc.exitcode is not None:
                proc.close()

    def close(self) -> None:
        """Kill every worker still running."""
        with self._lock:
            procs = list(self._procs)
        for p in procs:
            if p.is_alive():
                p.kill()


def _answer(kind: str, value: Any, what: str, memory: int) -> Any:
    if kind == "ok":
        return value
    if kind == "input":
        raise InputError([InputProblem(**p) for p in value])
    if kind == "error":
        raise ParameterError(str(value))
    if kind == "memory":
        raise MemoryLimit(
            f"{what} needed more memory than the workbench's budget of {memory / 2**20:,.0f} MiB; it was "
            "stopped. Choose a smaller scenario, fewer models or draws, or use the command line"
        )
    raise WorkerFailure(str(value))
