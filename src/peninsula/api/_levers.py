"""Which lever? ``peninsula levers`` for the command line, the workbench and the report.

:func:`lever_spec` builds a :class:`~peninsula.system.levers.LeverSpec` from plain values, :func:`levers`
runs it (in this process or on dask, kept in the run store), :func:`lever_comparison` is one candidate
against the baseline on common random numbers (the ``simulate --compare`` view of a candidate) and
:func:`stored_levers` reads a levers run back from the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from peninsula.core import ParameterError, Scenario

if TYPE_CHECKING:
    from peninsula.dynamics.loading import KoreaData
    from peninsula.system import SystemComparison
    from peninsula.system.levers import LeverResult, LeverSpec

__all__ = ["lever_comparison", "lever_spec", "levers", "run_kind", "stored_levers"]


def lever_spec(
    scenario: str | Path | Scenario = "korea-2019-04",
    *,
    months: int = 12,
    model: str | None = None,
    launch_model: str | None = None,
    draws: int = 1000,
    seed: int | None = 0,
    train_end: str | None = None,
    start: str | None = None,
    target: str = "events",
    overlays: Sequence[str] | None = None,
    grid: Iterable[str] = (),
    pairs: bool = False,
    prefer: Iterable[str] = (),
    objectives: Sequence[str] | None = None,
    rank_by: str | None = None,
    agreement_draws: int | None = None,
    robust_draws: int | None = None,
    rule_uncertainty: bool = True,
) -> LeverSpec:
    """The validated description of a levers run (:class:`~peninsula.system.levers.LeverSpec`).

    Parameters
    ----------
    scenario:
        The snapshot (the baseline): a scenario, file or packaged id.
    months, model, launch_model, draws, seed, train_end, start, target:
        As for :func:`peninsula.api.system_spec` (default 12 months, 1,000 draws).
    overlays:
        Overlay candidates (``None``: every overlay that applies to the snapshot; ``[]``: none).
    grid:
        ``ISSUE=lo:hi:step`` (both allies) or ``ISSUE@US=…`` / ``ISSUE@ROK=…`` items; the candidates are
        their product.
    pairs:
        Every pair of the overlays too.
    prefer:
        ``ISSUE=higher|lower`` items: which end of a posture outcome is better (else it is reported only).
    objectives:
        The objectives the front uses (default: every one with a better end).
    rank_by:
        Order the table by this objective's paired difference (default: the front first).
    agreement_draws, robust_draws:
        Inner draws behind ``p_agreement``; draws of each robustness run (0: none).
    rule_uncertainty:
        Draw every rule's value in its range per draw (else the point values).

    Examples
    --------
    >>> import peninsula.api as api
    >>> spec = api.lever_spec("korea-2019-06", months=6, draws=100, grid=["exercises=0:3:1"])
    >>> [c.id for c in spec.candidates()][-4:]
    ['exercises=0', 'exercises=1', 'exercises=2', 'exercises=3']
    """
    from peninsula.api import system_spec
    from peninsula.system.levers import (
        DEFAULT_AGREEMENT_DRAWS,
        DEFAULT_ROBUST_DRAWS,
        LeverSpec,
        parse_grid,
        parse_prefer,
    )

    base = system_spec(
        scenario,
        months=months,
        model=model,
        launch_model=launch_model,
        draws=draws,
        seed=seed,
        train_end=train_end,
        start=start,
        target=target,
        rule_uncertainty=rule_uncertainty,
    )
    return LeverSpec(
        base,
        overlays=tuple(overlays) if overlays is not None else None,
        grid=tuple(parse_grid(g) for g in grid),
        pairs=pairs,
        prefer=tuple(sorted(parse_prefer(prefer).items())),
        front_objectives=tuple(objectives) if objectives is not None else None,
        rank_by=rank_by,
        agreement_draws=DEFAULT_AGREEMENT_DRAWS if agreement_draws is None else agreement_draws,
        robust_draws=DEFAULT_ROBUST_DRAWS if robust_draws is None else robust_draws,
    )


def _data(data: str | Path | KoreaData | None) -> Any:
    from peninsula.dynamics.loading import KoreaData, load_data

    return data if data is None or isinstance(data, KoreaData) else load_data(data)


def levers(
    spec: LeverSpec,
    data: str | Path | KoreaData | None = None,
    *,
    store: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> LeverResult:
    """Run every candidate and the baseline through the coupled simulation and rank them.

    Parameters
    ----------
    spec:
        The run (:func:`lever_spec`).
    data:
        A folder of launch data with the packaged files' columns, or loaded data (default: packaged).
    store:
        A run store path: each run's draws are committed as they arrive, the same run again resumes from
        them, and the document is kept (``peninsula runs list|show``). ``None``: in memory only.
    workers, scheduler:
        Run on a dask ``LocalCluster`` of ``workers`` processes, or on the scheduler at ``scheduler``
        (neither: in this process). The numbers do not change.
    on_progress:
        Called with ``(runs done, runs in total)``.

    Returns
    -------
    LeverResult
        ``.to_dict()`` is the JSON of ``peninsula levers --format json``.
    """
    from peninsula.system.levers import run_levers

    if workers is not None and scheduler is not None:
        raise ParameterError("give either --workers K or --scheduler ADDRESS, not both")
    korea = _data(data)
    with ExitStack() as stack:
        st = None
        if store is not None:
            from peninsula.api._runs import store_path
            from peninsula.simulate.store import RunStore

            st = stack.enter_context(RunStore.open(store_path(store)))
        task_map = None
        if workers is not None or scheduler is not None:
            from peninsula.simulate.distributed import dask_map

            task_map = stack.enter_context(dask_map(workers, scheduler))
        return run_levers(spec, korea, store=st, task_map=task_map, on_progress=on_progress)


def lever_comparison(
    spec: LeverSpec, lever: str, data: str | Path | KoreaData | None = None
) -> SystemComparison:
    """One candidate against the baseline on common random numbers (the ``simulate --compare`` document).

    Raises
    ------
    ParameterError
        If ``lever`` names none of ``spec``'s candidates.
    """
    from peninsula.system import SystemComparison, run_system
    from peninsula.system.analysis import prepare

    cands = {c.id: c for c in spec.candidates()}
    if lever not in cands:
        raise ParameterError(f"no candidate '{lever}' (candidates: {', '.join(cands) or 'none'})")
    cand = cands[lever]
    setup = prepare(spec.base, _data(data))
    base = run_system(spec.base, setup.data, launch_fit=setup.fit)
    label = cand.id if cand.kind != "setting" else f"setting {cand.id}"
    alt_spec = spec.base.replace(scenario=cand.scenario, overlay=label)
    alt = run_system(alt_spec, setup.data, launch_fit=setup.fit)
    return SystemComparison(base, alt)


def stored_levers(run_id: str, store: str | Path | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """A stored levers run's record and its JSON document (``peninsula runs show`` of a levers run).

    Raises
    ------
    StoreError
        If the store has no levers run ``run_id`` (an id or a unique prefix), or it is not complete.
    """
    from peninsula.api._runs import store_path
    from peninsula.simulate.store import RunStore

    with RunStore.open(store_path(store), read_only=True) as st:
        record = st.lever_run(run_id)
        record.pop("identity", None)
        return record, st.lever_document(record["run_id"])


def run_kind(run_id: str, store: str | Path | None = None) -> str:
    """``"sweep"`` or ``"levers"``: which kind of stored run ``run_id`` (an id or a unique prefix) names."""
    from peninsula.api._runs import store_path
    from peninsula.simulate.store import RunStore

    with RunStore.open(store_path(store), read_only=True) as st:
        return st.kind(run_id)
