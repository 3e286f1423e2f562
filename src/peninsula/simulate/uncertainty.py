"""The uncertainty experiments behind ``peninsula.sweep`` and ``peninsula.sensitivity``.

Both take a scenario (object, file or packaged id), model names or instances, and the perturbation of
:mod:`peninsula.simulate.perturb`; :func:`sweep` runs the Monte Carlo of :mod:`peninsula.simulate.montecarlo`
in this process or on dask, with or without the DuckDB run store; :func:`sensitivity` the one-at-a-time and
Sobol analyses of :mod:`peninsula.simulate.sensitivity`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from peninsula.core import ParameterError, Scenario
from peninsula.core.limits import check_draws
from peninsula.kernels._threads import default_threads
from peninsula.scenarios import load
from peninsula.simulate.forecast import ModelSpec, resolve_models
from peninsula.simulate.montecarlo import Sweep, in_process, make_spec, overlaid, run_sweep
from peninsula.simulate.perturb import NoiseSpec
from peninsula.simulate.sensitivity import Method, Sensitivity, run_sensitivity

__all__ = ["Sensitivity", "Sweep", "sensitivity", "sweep"]


def sweep(
    scenario: Scenario | str | Path,
    models: str | ModelSpec | Sequence[ModelSpec] | None = "all",
    *,
    draws: int = 1000,
    seed: int | None = None,
    overlay: str | None = None,
    noise: NoiseSpec | str | None = None,
    rounds: int | None = None,
    settings: Mapping[str, Any] | None = None,
    store: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    on_chunk: Callable[[int, int], None] | None = None,
) -> Sweep:
    """Run models on ``draws`` scenarios drawn from every sourced range (a Monte Carlo sweep).

    Parameters
    ----------
    scenario:
        A :class:`~peninsula.core.Scenario`, a file path or a packaged scenario id.
    models:
        Model name(s) or instances (``"all"``: every registered model).
    draws:
        Number of drawn scenarios (1 – 10^8).
    seed:
        Root seed (``None``: a fresh one, recorded in the result). Draw ``d`` depends on ``(seed, d)`` only.
    overlay:
        A packaged overlay, applied before drawing (every draw is perturbed around the overlaid values,
        within the overlay's own ranges).
    noise:
        The default perturbation of values without a sourced range: a
        :class:`~peninsula.simulate.perturb.NoiseSpec` or the ``--noise`` text (``"none"``,
        ``"position=0.1,salience=0.05"`` ...).
    rounds:
        Maximum rounds for iterative models (``None``: each model's default).
    settings:
        Model parameters, as for :func:`peninsula.forecast`.
    store:
        A DuckDB run store file: every chunk is committed as it is computed, and a sweep interrupted earlier
        resumes from its last committed chunk. ``None`` keeps the draws in memory only.
    workers, scheduler:
        Run the chunks on a dask LocalCluster of ``workers`` processes on 127.0.0.1, or on the scheduler at
        ``scheduler`` (``tcp://HOST:PORT``). Results are identical to an in-process run.
    chunk_size:
        Draws per chunk (changes no number).
    on_chunk:
        Called with ``(draws done, draws in total)`` after each chunk.

    Returns
    -------
    Sweep
        ``.outcomes`` (draw, model, issue, outcome), ``.summary`` and ``.to_dict()`` (the CLI's JSON).

    Examples
    --------
    >>> import peninsula
    >>> sw = peninsula.sweep("korea-2019-04", ["compromise", "median"], draws=200, seed=7)
    >>> sw.outcomes.shape[0] == 200 * 2 * len(sw.spec.issue_ids)
    True
    >>> again = peninsula.sweep("korea-2019-04", ["compromise", "median"], draws=200, seed=7)
    >>> sw.to_dict() == again.to_dict()
    True
    """
    if workers is not None and scheduler is not None:
        raise ParameterError("give either --workers K or --scheduler ADDRESS, not both")
    base = scenario if isinstance(scenario, Scenario) else load(scenario)
    instances = resolve_models(models, settings)
    spec = make_spec(base, instances, draws=draws, seed=seed, overlay=overlay, noise=noise, rounds=rounds)
    with ExitStack() as stack:
        run_store = None
        if store is not None:
            from peninsula.simulate.store import RunStore

            run_store = stack.enter_context(RunStore.open(store))
        if workers is not None or scheduler is not None:
            from peninsula.simulate.distributed import dask_executor

            executor = stack.enter_context(dask_executor(workers=workers, scheduler=scheduler))
        else:
            executor = in_process(default_threads())
        return run_sweep(spec, store=run_store, executor=executor, chunk_size=chunk_size, on_chunk=on_chunk)


def sensitivity(
    scenario: Scenario | str | Path,
    model: ModelSpec,
    *,
    issues: Sequence[str] | None = None,
    method: Method = "oat",
    draws: int | None = None,
    seed: int = 0,
    overlay: str | None = None,
    noise: NoiseSpec | str | None = None,
    rounds: int | None = None,
    settings: Mapping[str, Any] | None = None,
) -> Sensitivity:
    """Which inputs move a model's outcome: one-at-a-time swings and (``method="sobol"``) Sobol indices.

    Every input that a sweep would draw is set to its low and high end with the rest at the scenario's
    value (a tornado); Sobol's first-order and total indices come from SALib over the same triangular
    distributions, with ``draws`` base samples (default 256, rounded up to a power of two).

    Examples
    --------
    >>> import peninsula
    >>> s = peninsula.sensitivity("korea-2019-04", "compromise")
    >>> top = s.to_dict()["issues"]["denuclearization"]["inputs"][0]
    >>> sorted(top)[:4]
    ['actor', 'field', 'high', 'issue']
    """
    base = scenario if isinstance(scenario, Scenario) else load(scenario)
    base = overlaid(base, overlay)
    (instance, *rest) = resolve_models([model] if isinstance(model, str) else model, settings)
    if rest:
        raise ParameterError("--model: sensitivity analyses one model at a time")
    nz = noise if isinstance(noise, NoiseSpec) else NoiseSpec.parse(noise)
    if draws is not None and draws <= 0:
        raise ParameterError(f"--draws: {draws} is not a positive number of Sobol base samples")
    if draws is not None:
        check_draws(draws)
    return run_sensitivity(
        base,
        instance,
        issues=list(issues) if issues else None,
        method=method,
        samples=draws,
        seed=seed,
        noise=nz,
        rounds=rounds,
        threads=default_threads(),
    )
