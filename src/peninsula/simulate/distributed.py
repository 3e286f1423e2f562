"""Sweeps (and any pure tasks) on dask: a LocalCluster of K worker processes on 127.0.0.1, or an existing
scheduler.

Chunks are independent (each is a pure function of the spec and its draw range, see
:mod:`peninsula.simulate.montecarlo`), so they are submitted all at once and gathered as they finish; the
process that started the sweep alone writes the run store, chunk by chunk. Results are identical to an
in-process run. :func:`dask_map` is the general form (a pure function over tasks sharing one scattered
payload), used by the sweep's executor and by ``peninsula levers``. dask is an optional dependency
(``pip install 'peninsula[dist]'``), imported only here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any, Protocol, TypeVar

from peninsula.core import ParameterError
from peninsula.simulate.montecarlo import Chunk, Executor, SweepSpec, run_chunk

__all__ = ["MAX_WORKERS", "TaskMap", "batch_bounds", "dask_executor", "dask_map", "in_process_map"]

J = TypeVar("J")
T = TypeVar("T")
R = TypeVar("R")

#: Upper limit on ``--workers`` (one process each).
MAX_WORKERS = 256
_ADDRESS = re.compile(r"^(tcp|tls|inproc|ucx|ws|wss)://[^\s/]+(:\d+)?/?$")


def _import_dask() -> Any:
    try:
        import distributed
    except ImportError:  # pragma: no cover - the dist extra is installed in development
        raise ParameterError(
            "--workers/--scheduler need dask.distributed: pip install 'peninsula[dist]'"
        ) from None
    return distributed


def _probe(address: str, timeout: float) -> None:
    """Fail fast, with the reason, when nothing listens at a ``tcp://HOST:PORT`` address."""
    import socket

    m = re.match(r"^tcp://\[?([^\]/]+?)\]?:(\d+)/?$", address)
    if not m:
        return
    try:
        with socket.create_connection((m.group(1), int(m.group(2))), timeout=timeout):
            pass
    except OSError as exc:
        raise ParameterError(
            f"--scheduler {address}: no dask scheduler reachable ({exc.strerror or exc})"
        ) from None


def _identify(address: str, timeout: float) -> None:
    """Ask the listener at ``address`` who it is (dask's ``identity`` call), within ``timeout`` seconds in
    all, and refuse anything but a dask scheduler: a listener that accepts and stays silent, or speaks
    another protocol, made ``Client`` wait far past its own timeout (over 90 s) or fail on closing."""
    import asyncio
    import queue
    import threading

    import distributed.core

    make_rpc: Any = distributed.core.rpc  # untyped in dask

    async def ask() -> Any:
        r = make_rpc(address, timeout=timeout)
        try:
            return await r.identity()
        finally:
            await r.close_rpc()

    answers: queue.Queue[tuple[bool, Any]] = queue.Queue()

    def run() -> None:
        try:
            answers.put((True, asyncio.run(asyncio.wait_for(ask(), timeout))))
        except BaseException as exc:  # any failure means: not a scheduler
            answers.put((False, exc))

    threading.Thread(target=run, name="peninsula-scheduler-probe", daemon=True).start()
    try:
        ok, info = answers.get(timeout=timeout + 1)
    except queue.Empty:
        ok, info = False, TimeoutError()
    if not ok:
        why = (
            f"no answer within {timeout:g} s"
            if isinstance(info, TimeoutError | asyncio.TimeoutError)
            else f"it does not speak dask's protocol: {type(info).__name__}"
        )
        raise ParameterError(
            f"--scheduler {address}: not a dask scheduler ({why}); give the address dask-scheduler printed"
        )
    if not isinstance(info, dict) or info.get("type") != "Scheduler":
        kind = info.get("type") if isinstance(info, dict) else type(info).__name__
        raise ParameterError(f"--scheduler {address}: answers as {kind!r}, not as a dask scheduler")


def _warm(spec: SweepSpec) -> bool:
    """On a worker: a two-draw chunk of ``spec`` (loads the kernels of its models, builds its input space)."""
    run_chunk(spec, -1, 0, min(2, spec.draws), 1)
    return True


class TaskMap(Protocol):
    """A way to run tasks: ``(function, shared payload, tasks) -> (task index, result)`` as each finishes.

    ``warm``, if given, is called as ``warm(shared)`` once on every worker before its first task on that
    payload (where there are workers: in process it is not called), so that no worker starts its share late.
    ``batches_per_worker`` *k* (where there are workers), if given, groups consecutive tasks into batches,
    each one submitted unit: with *W* workers each batch takes ``1/(k*W)`` of the tasks not yet batched
    (:func:`batch_bounds`; fewer units: less dispatch per task; the results and their indices are the same).
    """

    def __call__(
        self,
        fn: Callable[[Any, Any], Any],
        shared: Any,
        tasks: Sequence[Any],
        warm: Callable[[Any], Any] | None = None,
        *,
        batches_per_worker: int | None = None,
    ) -> Iterator[tuple[int, Any]]: ...


def in_process_map(
    fn: Callable[[J, T], R],
    shared: J,
    tasks: Sequence[T],
    warm: Callable[[J], Any] | None = None,
    *,
    batches_per_worker: int | None = None,
) -> Iterator[tuple[int, R]]:
    """Run ``fn(shared, task)`` for every task in this process, in order (the in-process :class:`TaskMap`;
    ``warm`` and ``batches_per_worker`` are not needed here and not used)."""
    for k, task in enumerate(tasks):
        yield k, fn(shared, task)


def batch_bounds(n: int, split: int) -> list[tuple[int, int]]:
    """``[lo, hi)`` bounds of consecutive batches covering ``range(n)``, shrinking: each batch takes
    ``1/split`` of the tasks not yet batched (rounded up, so at least one).

    Large batches first keep the number of submitted units small (``split`` times the logarithm of ``n``,
    about); small ones last let workers taking them in turn end within about one task of each other
    (equal batches would leave one worker idle for up to a whole batch at the end).

    Examples
    --------
    >>> batch_bounds(20, 4)
    [(0, 5), (5, 9), (9, 12), (12, 14), (14, 16), (16, 17), (17, 18), (18, 19), (19, 20)]
    """
    if split < 1:
        raise ParameterError(f"a batch split must be at least 1, not {split}")
    out, lo = [], 0
    while lo < n:
        hi = lo + -(-(n - lo) // split)
        out.append((lo, hi))
        lo = hi
    return out


def _batch(fn: Callable[[J, T], R], shared: J, tasks: Sequence[T]) -> list[R]:
    """On a worker: ``fn(shared, task)`` for each task of one batch, in order."""
    return [fn(shared, task) for task in tasks]


@contextmanager
def dask_map(
    workers: int | None = None, scheduler: str | None = None, *, connect_timeout: float = 5.0
) -> Iterator[TaskMap]:
    """A :data:`TaskMap` on dask; the cluster (if started here) stops when the block ends.

    ``shared`` is scattered to every worker once (a later call with the same object reuses that copy, so the
    object must not change between calls), each task (or batch of tasks, see :class:`TaskMap`) is submitted
    at once, and results come back as they finish (with the task's index), so a task must be a pure function
    of ``shared`` and itself.

    Parameters
    ----------
    workers:
        Start a ``LocalCluster`` of this many single-threaded worker processes on 127.0.0.1.
    scheduler:
        Instead, the address of a running scheduler (``tcp://HOST:PORT``).
    connect_timeout:
        Seconds to wait for the scheduler before giving up with a :class:`ParameterError`.
    """
    if (workers is None) == (scheduler is None):
        raise ParameterError("give either --workers K or --scheduler ADDRESS, not both")
    distributed = _import_dask()
    with ExitStack() as stack:
        if scheduler is not None:
            if not _ADDRESS.match(scheduler):
                raise ParameterError(
                    f"--scheduler: {scheduler!r} is not a scheduler address such as tcp://127.0.0.1:8786"
                )
            _probe(scheduler, connect_timeout)
            _identify(scheduler, connect_timeout)
            try:
                client = distributed.Client(scheduler, timeout=f"{connect_timeout}s", set_as_default=False)
            except (OSError, TimeoutError) as exc:
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise ParameterError(
                    f"--scheduler {scheduler}: no dask scheduler answered within {connect_timeout:g} s "
                    f"({reason[:120]})"
                ) from None
            stack.callback(client.close)
        else:
            assert workers is not None
            if not 1 <= workers <= MAX_WORKERS:
                raise ParameterError(f"--workers: {workers} is not between 1 and {MAX_WORKERS}")
            import dask

            # dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 in its workers, which turns off glibc's dynamic
            # mmap threshold: every array over 128 KiB is then mapped and unmapped afresh, and the coupled
            # loop spent 25-30 % more CPU per task on a worker than in process (measured); unset it here
            # (numbers unchanged: only the allocator differs)
            # and the active memory manager off: its ReduceReplicas drops every broadcast copy of the shared
            # payload but one whenever no task waits on it (every 2 s), so a worker would fetch and unpickle
            # it again for the next call (and a warm-up could run on a copy another worker already warmed)
            with dask.config.set(
                {
                    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
                    "distributed.scheduler.active-memory-manager.start": False,
                }
            ):
                cluster = distributed.LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address="127.0.0.1:0",  # its HTTP endpoints on a free port of 127.0.0.1
                    silence_logs=logging.ERROR,
                )
            stack.callback(cluster.close)
            client = distributed.Client(cluster, set_as_default=False)
            stack.callback(client.close)

        # the payload last scattered, with the object it was scattered from and the workers warmed on it
        held: dict[str, Any] = {}

        def run(
            fn: Callable[[Any, Any], Any],
            shared: Any,
            tasks: Sequence[Any],
            warm: Callable[[Any], Any] | None = None,
            *,
            batches_per_worker: int | None = None,
        ) -> Iterator[tuple[int, Any]]:
            if batches_per_worker is not None and batches_per_worker < 1:
                raise ParameterError(f"batches_per_worker must be at least 1, not {batches_per_worker}")
            if held.get("shared") is shared:
                # the same object as the last call's (a levers run's second phase): its copy is still on
                # every worker (held here), so it is neither sent nor unpickled again
                payload = held["payload"]
            else:
                held.clear()  # drop the previous payload (the workers release their copy)
                # hash=False: a fresh key per scatter, so a new payload does not race the release of an
                # earlier copy of the same bytes on the scheduler
                payload = client.scatter(shared, broadcast=True, hash=False)
                held.update(shared=shared, payload=payload, warmed=set())
            workers = list(client.scheduler_info()["workers"])
            if warm is not None:
                # warm every worker not yet warmed on this payload, so that none starts its share late
                cold = [w for w in workers if w not in held["warmed"]]
                client.gather(
                    [
                        client.submit(warm, payload, workers=[w], allow_other_workers=False, pure=False)
                        for w in cold
                    ]
                )
                held["warmed"].update(cold)
            if batches_per_worker is None:
                futures = [client.submit(fn, payload, task, pure=False) for task in tasks]
                index = {fut.key: k for k, fut in enumerate(futures)}
                for fut in distributed.as_completed(futures, loop=client.loop):
                    result = fut.result()
                    fut.release()
                    yield index[fut.key], result
                return
            bounds = batch_bounds(len(tasks), batches_per_worker * max(1, len(workers)))
            futures = [
                client.submit(_batch, fn, payload, list(tasks[lo:hi]), pure=False) for lo, hi in bounds
            ]
            span = {fut.key: b for fut, b in zip(futures, bounds, strict=True)}
            for fut in distributed.as_completed(futures, loop=client.loop):
                results = fut.result()
                fut.release()
                lo, hi = span[fut.key]
                if len(results) != hi - lo:  # pragma: no cover - _batch returns one result per task
                    raise RuntimeError(f"a batch of {hi - lo} tasks returned {len(results)} results")
                # each result under its own task's index: batching cannot reorder or shift results
                yield from zip(range(lo, hi), results, strict=True)

        yield run


def _chunk(spec: SweepSpec, task: tuple[int, int, int]) -> Chunk:
    """One sweep chunk on a worker (single-threaded: the worker is one process)."""
    index, lo, hi = task
    return run_chunk(spec, index, lo, hi, 1)


@contextmanager
def dask_executor(
    workers: int | None = None, scheduler: str | None = None, *, connect_timeout: float = 5.0
) -> Iterator[Executor]:
    """An executor running sweep chunks on dask (:func:`dask_map`); the cluster (if started here) stops
    when the block ends.

    Parameters
    ----------
    workers:
        Start a ``LocalCluster`` of this many single-threaded worker processes on 127.0.0.1.
    scheduler:
        Instead, the address of a running scheduler (``tcp://HOST:PORT``).
    connect_timeout:
        Seconds to wait for the scheduler before giving up with a :class:`ParameterError`.
    """
    with dask_map(workers, scheduler, connect_timeout=connect_timeout) as run:

        def execute(spec: SweepSpec, todo: Sequence[tuple[int, int, int]]) -> Iterator[Chunk]:
            # every worker warmed first (its kernels loaded, the spec's input space built)
            for _, chunk in run(_chunk, spec, list(todo), warm=_warm):
                yield chunk

        yield execute
