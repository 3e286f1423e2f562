"""The run store and resumed sweeps, for the command line and the workbench (``peninsula runs ...``).

Each function opens the DuckDB run store (:class:`peninsula.simulate.store.RunStore`) for as long as it needs
it; ``store`` is a path, or ``None`` for the default (``$PENINSULA_STORE``, else
``~/.local/share/peninsula/peninsula-runs.duckdb``: :func:`store_path`). A run is named by its id, a unique
prefix of it, ``latest`` (the run started last) or ``latest~N`` (the N-th before it).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from peninsula.simulate.montecarlo import Sweep
    from peninsula.simulate.store import RunStore

__all__ = [
    "compare_stored_runs",
    "export_run",
    "resolve_run",
    "resume_sweep",
    "store_path",
    "stored_run",
    "stored_run_id",
    "stored_runs",
]

#: ``latest`` or ``latest~N``: the run started last, or the N-th before it.
LATEST = re.compile(r"latest(?:~(\d+))?")


def store_path(store: str | Path | None = None, *, create: bool = False) -> Path:
    """``store``, or the default run store (``$PENINSULA_STORE``, else ``peninsula-runs.duckdb`` in the
    user's data folder, ``$XDG_DATA_HOME/peninsula`` or ``~/.local/share/peninsula``).

    ``create`` makes the default store's folder if it is missing (a sweep about to write there).
    """
    from peninsula.simulate.store import default_store_path

    if store is not None:
        return Path(store)
    path = default_store_path()
    if create and not os.environ.get("PENINSULA_STORE"):
        path.parent.mkdir(parents=True, exist_ok=True)
    return path


def resolve_run(st: RunStore, run_id: str) -> str:
    """The full id ``run_id`` names in the open store ``st``: an id, a unique prefix, ``latest`` or
    ``latest~N`` (runs ordered by the time they were started, newest first)."""
    from peninsula.simulate.store import StoreError

    m = LATEST.fullmatch(run_id.strip())
    if m is None:
        return st.resolve(run_id)
    back = int(m.group(1) or 0)
    runs = st.runs()
    if back >= len(runs):
        raise StoreError(
            f"store {st.path}: no run {run_id!r}: the store holds {len(runs)} run(s) "
            "(see `peninsula runs list`)"
        )
    return str(runs[back]["run_id"])


def resume_sweep(
    run_id: str,
    store: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    on_chunk: Callable[[int, int], None] | None = None,
) -> Sweep:
    """Continue the stored sweep ``run_id`` with its own settings, from its last committed chunk.

    ``run_id`` is the run's id (or a unique prefix), ``store`` the run store (``None``: the default);
    ``workers``, ``scheduler``, ``chunk_size`` and ``on_chunk`` are as for :func:`peninsula.api.sweep`
    (neither workers nor a scheduler: in this process). The numbers are those the uninterrupted run gives.

    Raises
    ------
    StoreError
        If the run is unknown, or was started by another version of peninsula (its numbers could differ).
    """
    from peninsula.simulate.montecarlo import in_process, run_sweep, spec_from_record
    from peninsula.simulate.store import RunStore, StoreError

    with ExitStack() as stack:
        st = stack.enter_context(RunStore.open(store_path(store)))
        record = st.run(resolve_run(st, run_id))
        spec = spec_from_record(record)
        if spec.run_id != record["run_id"]:
            raise StoreError(
                f"--resume {run_id}: the run was started by peninsula {record['version']}; this version "
                f"({spec.version}) cannot continue it; start a new sweep"
            )
        if workers is not None or scheduler is not None:
            from peninsula.simulate.distributed import dask_executor

            executor = stack.enter_context(dask_executor(workers=workers, scheduler=scheduler))
        else:
            executor = in_process()
        return run_sweep(spec, store=st, executor=executor, chunk_size=chunk_size, on_chunk=on_chunk)


def stored_runs(store: str | Path | None = None) -> tuple[Path, list[dict[str, Any]]]:
    """The store's path and its run records, newest first (``peninsula runs list``)."""
    from peninsula.simulate.store import RunStore

    with RunStore.open(store_path(store), read_only=True) as st:
        return Path(st.path), st.runs()


def stored_run_id(run_id: str, store: str | Path | None = None) -> str:
    """The full id that ``run_id`` (an id, a unique prefix, ``latest`` or ``latest~N``) names in the store."""
    from peninsula.simulate.store import RunStore

    with RunStore.open(store_path(store), read_only=True) as st:
        return resolve_run(st, run_id)


def stored_run(run_id: str, store: str | Path | None = None) -> tuple[dict[str, Any], Sweep]:
    """A stored run's record (without the scenario JSON) and the run as a :class:`~peninsula.api.Sweep`."""
    from peninsula.simulate.montecarlo import load_sweep
    from peninsula.simulate.store import RunStore

    with RunStore.open(store_path(store), read_only=True) as st:
        record = st.run(resolve_run(st, run_id))
        record.pop("scenario_json", None)
        return record, load_sweep(st, record["run_id"])


def compare_stored_runs(first: str, second: str, store: str | Path | None = None) -> dict[str, Any]:
    """How two stored runs' outcome distributions differ, per model and issue (``peninsula runs compare``).

    See :func:`peninsula.simulate.montecarlo.compare_sweeps` for the document's keys.
    """
    from peninsula.simulate.montecarlo import compare_sweeps, load_sweep
    from peninsula.simulate.store import RunStore

    with RunStore.open(store_path(store), read_only=True) as st:
        return compare_sweeps(load_sweep(st, resolve_run(st, first)), load_sweep(st, resolve_run(st, second)))


def export_run(run_id: str, out: str | Path, store: str | Path | None = None) -> int:
    """Write a stored run's draws to ``out`` (``.parquet`` or ``.csv``); returns the number of rows."""
    from peninsula.simulate.store import RunStore

    with RunStore.open(store_path(store), read_only=True) as st:
        return st.export(resolve_run(st, run_id), Path(out))
