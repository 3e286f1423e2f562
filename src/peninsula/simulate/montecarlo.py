"""Monte Carlo sweeps: every chosen model on N drawn scenarios, in chunks, seeded per draw, stored as it goes.

A sweep is a :class:`SweepSpec` (scenario with any overlay applied, models, draws, seed, noise, rounds).
Its draws are cut into chunks of consecutive indices; :func:`run_chunk` computes one chunk from the spec
alone (inputs from :mod:`peninsula.simulate.perturb`, models from :mod:`peninsula.simulate.batch`), so
chunks can run in this process, in threads or on dask workers in any order. Draw ``d``'s inputs and its
stochastic models' randomness come from ``SeedSequence(seed, spawn_key=(d, ...))``: the numbers do not
depend on chunking or on which worker ran a chunk, and :func:`summarize` reads the outcomes in draw order,
so the same spec gives the same summary to the last bit.

The run id is a hash of the spec (scenario content, overlay, models and their parameters, noise, seed,
draws, rounds and peninsula's version): the same sweep run again finds its run in the store, continues
from the last committed chunk if it was interrupted, and reports it unchanged if it was complete.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from peninsula.core import ParameterError, Scenario, limits
from peninsula.core.rng import fresh_seed
from peninsula.kernels._threads import default_threads
from peninsula.models.base import Model
from peninsula.simulate.batch import batch_cohesion, run_model
from peninsula.simulate.perturb import InputSpace, NoiseSpec

if TYPE_CHECKING:
    import pandas as pd

    from peninsula.simulate.store import RunStore

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "MAX_DRAWS",
    "Chunk",
    "Sweep",
    "SweepSpec",
    "plan_chunks",
    "run_chunk",
    "run_sweep",
    "summarize",
]

#: Upper limit on ``draws``: the input limit every command and the API apply (``docs/limits.md``).
MAX_DRAWS = limits.MAX_DRAWS
#: Largest seed accepted (seeds are stored as unsigned 64-bit integers).
MAX_SEED = limits.MAX_SEED
#: Default number of draws per chunk (the unit of storing, resuming and distributing).
DEFAULT_CHUNK = 1000
QUANTILES = (("q05", 0.05), ("q25", 0.25), ("q50", 0.5), ("q75", 0.75), ("q95", 0.95))


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("peninsula")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without metadata
        return "0+unknown"


@dataclass(frozen=True)
class SweepSpec:
    """Everything that determines a sweep's numbers.

    Attributes
    ----------
    scenario:
        The scenario swept, any overlay already applied (overlays apply to every draw: the overlay sets
        the values and their sources first, then each draw perturbs the overlaid values within the
        overlay's own ranges; see ``docs/uncertainty.md``).
    base_id, base_hash:
        Id and content hash of the scenario before the overlay.
    overlay:
        The overlay's name, or ``None``.
    models:
        Model instances (with their parameters).
    draws, seed, noise, rounds:
        Number of draws, the root seed, the default perturbation, maximum rounds (``None``: each model's
        default).
    """

    scenario: Scenario
    base_id: str
    base_hash: str
    overlay: str | None
    models: tuple[Model, ...]
    draws: int
    seed: int
    noise: NoiseSpec = field(default_factory=NoiseSpec)
    rounds: int | None = None
    version: str = field(default_factory=_version)

    def __post_init__(self) -> None:
        if isinstance(self.draws, bool) or not isinstance(self.draws, int | np.integer):
            raise ParameterError(f"--draws: {self.draws!r} is not a whole number")
        limits.check_draws(int(self.draws))
        if not 0 <= self.seed <= MAX_SEED:
            raise ParameterError(f"--seed: {self.seed} is not between 0 and 2**63 - 1")
        if self.rounds is not None and self.rounds < 0:
            raise ParameterError(f"--rounds: {self.rounds} is negative")
        if not self.models:
            raise ParameterError("--model: no model selected")

    @property
    def model_names(self) -> list[str]:
        """Model names, in the order given."""
        return [m.info.name for m in self.models]

    @property
    def issue_ids(self) -> tuple[str, ...]:
        """Issue ids in scenario order."""
        return self.scenario.issue_ids

    def identity(self) -> dict[str, Any]:
        """The canonical description hashed into the run id."""
        return {
            "scenario": self.base_id,
            "scenario_hash": self.base_hash,
            "overlay": self.overlay,
            "models": [[m.info.name, _jsonable(m.get_params())] for m in self.models],
            "draws": int(self.draws),
            "seed": int(self.seed),
            "noise": self.noise.to_dict(),
            "rounds": self.rounds,
            "version": self.version,
        }

    @property
    def run_id(self) -> str:
        """12 hex digits of the SHA-256 of :meth:`identity`."""
        text = json.dumps(self.identity(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def record(self, chunk_size: int) -> dict[str, Any]:
        """The store's ``runs`` row for this spec."""
        return {
            "run_id": self.run_id,
            "scenario_id": self.base_id,
            "scenario_hash": self.base_hash,
            "overlay": self.overlay,
            "models": json.dumps(self.model_names),
            "params": json.dumps({m.info.name: _jsonable(m.get_params()) for m in self.models}),
            "noise": json.dumps(self.noise.to_dict()),
            "seed": int(self.seed),
            "draws": int(self.draws),
            "rounds": self.rounds,
            "chunk_size": int(chunk_size),
            "version": self.version,
            "issues": json.dumps(list(self.issue_ids)),
            "scenario_json": self.scenario.model_dump_json(),
        }


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(json.dumps(params, default=str))
    return out


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the scenario's canonical JSON (its content, sources included)."""
    return hashlib.sha256(scenario.model_dump_json().encode()).hexdigest()


def new_seed() -> int:
    """A fresh random seed (for a sweep run without one; it is recorded with the run)."""
    return fresh_seed()


@dataclass(frozen=True)
class Chunk:
    """The results of draws ``start .. stop − 1``: ``outcomes`` ``(n, models, issues)``, ``cohesion``
    ``(n, models)`` (``None`` when the scenario has no U.S.-ROK pair), ``agreed`` ``(n, models, issues)``
    (1 / 0 where a model says whether the draw's agreement set is non-empty, NaN elsewhere; ``None`` when no
    model of the sweep can represent no agreement)."""

    index: int
    start: int
    stop: int
    outcomes: FloatArray
    cohesion: FloatArray | None
    agreed: FloatArray | None = None


def plan_chunks(draws: int, chunk_size: int) -> list[tuple[int, int, int]]:
    """``(index, start, stop)`` of every chunk."""
    return [(k, lo, min(lo + chunk_size, draws)) for k, lo in enumerate(range(0, draws, chunk_size))]


_SPACES: dict[str, InputSpace] = {}


def _space(spec: SweepSpec) -> InputSpace:
    key = spec.run_id
    if key not in _SPACES:
        _SPACES.clear()
        _SPACES[key] = InputSpace.from_scenario(spec.scenario, spec.noise)
    return _SPACES[key]


def run_chunk(spec: SweepSpec, index: int, start: int, stop: int, threads: int = 1) -> Chunk:
    """Compute one chunk of a sweep from the spec alone (a pure function of its arguments' values)."""
    space = _space(spec)
    values = space.values_from_uniforms(space.uniforms(spec.seed, start, stop))
    X, S, C = space.arrays(values)
    n, M, n_iss = stop - start, len(spec.models), len(space.issue_ids)
    outcomes = np.empty((n, M, n_iss))
    cohesion: FloatArray | None = None
    agreed: FloatArray | None = None
    for m, model in enumerate(spec.models):
        res = run_model(
            model,
            spec.scenario,
            space,
            X,
            S,
            C,
            values=values,
            rounds=spec.rounds,
            seed=spec.seed,
            start=start,
            threads=threads,
        )
        outcomes[:, m, :] = res.outcomes
        if res.agreed is not None:
            if agreed is None:
                agreed = np.full((n, M, n_iss), np.nan)
            agreed[:, m, :] = res.agreed
        coh = batch_cohesion(spec.scenario, space, res.positions, S)
        if coh is not None:
            if cohesion is None:
                cohesion = np.empty((n, M))
            cohesion[:, m] = coh
    return Chunk(index, start, stop, outcomes, cohesion, agreed)


Executor = Callable[[SweepSpec, Sequence[tuple[int, int, int]]], Iterator[Chunk]]


def in_process(threads: int | None = None) -> Executor:
    """Run chunks one after another in this process (compiled loops split over ``threads`` threads)."""
    n_threads = threads if threads is not None else default_threads()

    def execute(spec: SweepSpec, todo: Sequence[tuple[int, int, int]]) -> Iterator[Chunk]:
        for index, lo, hi in todo:
            yield run_chunk(spec, index, lo, hi, n_threads)

    return execute


@dataclass
class Sweep:
    """The result of a sweep: every draw's outcome per model and issue, and their summary.

    Attributes
    ----------
    spec:
        What was swept.
    run_id:
        The run's id (in the store, if one was used).
    outcome_array:
        ``(draws, models, issues)`` outcomes on each issue's own scale (NaN = no forecast).
    cohesion_array:
        ``(draws, models)`` U.S.-ROK cohesion after each model, or ``None`` (not a Korea scenario).
    resumed:
        Number of draws that were already stored when this sweep started (0 for a fresh run).
    agreed_array:
        ``(draws, models, issues)``: 1 where a model found the draw's agreement set non-empty, 0 where empty,
        NaN where it cannot say; ``None`` when no model of the sweep reports it (issue 21).
    """

    spec: SweepSpec
    run_id: str
    outcome_array: FloatArray
    cohesion_array: FloatArray | None
    resumed: int = 0
    agreed_array: FloatArray | None = None
    _points: dict[str, dict[str, float | None]] | None = field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:
        """One line: run, scenario, overlay, draws, seed, models and issues (not every draw)."""
        D, M, n_iss = self.outcome_array.shape
        overlay = f" + {self.spec.overlay}" if self.spec.overlay else ""
        return (
            f"<Sweep {self.run_id!r} of {self.spec.scenario.id!r}{overlay}: {D:,} draws (seed "
            f"{self.spec.seed}) x {M} model(s) x {n_iss} issue(s)>"
        )

    def _repr_html_(self) -> str:
        """Notebook view: per model and issue the 5 %, 50 % and 95 % quantiles and the mean of the draws."""
        from peninsula.core.display import html_table, number

        rows = []
        for m, name in enumerate(self.spec.model_names):
            for i, iid in enumerate(self.spec.issue_ids):
                x = self.outcome_array[:, m, i]
                x = x[np.isfinite(x)]
                q: list[float | None] = (
                    [float(v) for v in np.quantile(x, [0.05, 0.5, 0.95])] if x.size else [None] * 3
                )
                rows.append([f"{name} / {iid}", *map(number, q), number(float(x.mean()) if x.size else None)])
        return html_table(
            ["model / issue", "5%", "median", "95%", "mean"],
            rows,
            caption=repr(self)[1:-1],
            notes=["quantiles of the draws (input uncertainty); .summary and .outcomes hold the numbers"],
        )

    def points(self) -> dict[str, dict[str, float | None]]:
        """Each model's point forecast per issue: the model run once on the scenario as coded (with the
        sweep's seed and rounds), the value the draws are spread around. Computed once."""
        if self._points is None:
            from peninsula.simulate.forecast import forecast

            result = forecast(
                self.spec.scenario,
                [m.clone() for m in self.spec.models],
                rounds=self.spec.rounds,
                rng=self.spec.seed,
            )
            self._points = {
                name: {i: res.outcome for i, res in run.issues.items()} for name, run in result.runs.items()
            }
        return self._points

    @property
    def outcomes(self) -> pd.DataFrame:
        """Long table: ``draw, model, issue, outcome``, one row per draw, model and issue."""
        import pandas as pd

        D, M, n_iss = self.outcome_array.shape
        return pd.DataFrame(
            {
                "draw": np.repeat(np.arange(D), M * n_iss),
                "model": np.tile(np.repeat(np.array(self.spec.model_names, dtype=object), n_iss), D),
                "issue": np.tile(np.array(self.spec.issue_ids, dtype=object), D * M),
                "outcome": self.outcome_array.reshape(-1),
            }
        )

    @property
    def summary(self) -> pd.DataFrame:
        """The JSON numbers as a table: one row per model and issue (``model, issue, mean, sd, q05 ...``)."""
        import pandas as pd

        doc = self.to_dict()
        rows = [
            {"model": m, "issue": i, **vals}
            for m, entry in doc["models"].items()
            for i, vals in entry["issues"].items()
        ]
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``peninsula sweep --format json`` (see :func:`summarize`)."""
        return summarize(
            self.spec,
            self.run_id,
            self.outcome_array,
            self.cohesion_array,
            self.agreed_array,
            points=self.points(),
        )


def _f(x: float) -> float | None:
    return None if not math.isfinite(x) else float(x)


def modes(vals: FloatArray, span: float) -> list[float]:
    """The distinct modes of a sample: one value for a unimodal distribution, more for a multimodal one.

    The draws between their 0.5th and 99.5th percentiles are binned (about 20 draws a bin on average, 40
    bins at most) and smoothed with the weights 1-2-1; a local maximum is a mode when its height is at least
    a tenth of the highest, and two modes are distinct when the lowest bin between them is at most half
    the lower of the two (a clear trough). A sample of fewer than 100 draws, or spread over less than 1e-6
    of the scale, is reported as unimodal (its median). Values are bin centres on the issue's scale.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> len(modes(rng.normal(50, 5, 2000), 100.0))
    1
    >>> [10 * round(m / 10) for m in modes(np.r_[rng.normal(20, 3, 1000), rng.normal(80, 3, 1000)], 100.0)]
    [20, 80]
    """
    v = np.asarray(vals, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return []
    lo, hi = (float(x) for x in np.quantile(v, [0.005, 0.995]))
    if v.size < 100 or hi - lo <= 1e-6 * max(span, 1e-300):
        return [float(np.median(v))]
    bins = int(min(40, max(10, v.size // 20)))
    counts, edges = np.histogram(v, bins=bins, range=(lo, hi))
    padded = np.r_[counts[0], counts, counts[-1]].astype(np.float64)
    smooth = (padded[:-2] + 2 * padded[1:-1] + padded[2:]) / 4
    top = smooth.max()
    peaks = [
        k
        for k in range(bins)
        if smooth[k] >= 0.1 * top
        and (k == 0 or smooth[k] > smooth[k - 1])
        and (k == bins - 1 or smooth[k] >= smooth[k + 1])
    ]
    kept = [peaks[0]]
    for k in peaks[1:]:
        j = kept[-1]
        trough = smooth[j : k + 1].min()
        if trough <= 0.5 * min(smooth[j], smooth[k]):
            kept.append(k)
        elif smooth[k] > smooth[j]:
            kept[-1] = k
    centres = (edges[:-1] + edges[1:]) / 2
    return [float(centres[k]) for k in kept]


#: Inputs on the issue's own scale: a one-sided draw of these moves the outcome one way.
_ON_SCALE = ("position", "accept_low", "accept_high", "reversion")


def why_outside(spec: SweepSpec, issue_id: str, below: bool) -> str:
    """Why a point forecast lies outside its draws' 5-95 % band: the inputs of ``issue_id`` whose draws can
    move only one way.

    Named are positions (and acceptance limits, reversions) with a sourced range on one side of their value
    (``one-sided``), with a value at the end of the scale that the perturbation can only move inward, or
    with a sourced range past the scale's end (``clipping``), and the weights (saliences, capabilities)
    drawn one-sidedly. When none is, the reason is the model's uneven answer to symmetric draws.
    ``below``: the point lies below the band (the draws moved the outcome up).
    """
    space = _space(spec)
    rel = [space.inputs[k] for k in space.relevant(issue_id)]
    clipped_ids = {id(u) for u in space.clipped_ranges()}
    one_sided: list[str] = []
    clipped: list[str] = []
    weights: list[str] = []
    up = down = 0
    for u in rel:
        if not u.varies:
            continue
        name = u.actor or u.field
        if id(u) in clipped_ids:
            clipped.append(f"{name} {u.low:g}-{u.high:g} past {u.lower:g}-{u.upper:g}")
            continue
        if u.value > u.low and u.value < u.high:
            continue
        if u.field not in _ON_SCALE:
            weights.append(f"{name} {u.field}")
            continue
        up, down = (up + 1, down) if u.value <= u.low else (up, down + 1)
        if u.origin == "noise" and (u.value <= u.lower or u.value >= u.upper):
            clipped.append(f"{name} {u.value:g} at the end of {u.lower:g}-{u.upper:g}")
        else:
            one_sided.append(f"{name} {u.value:g} on {u.low:g}-{u.high:g}")

    def listed(items: list[str]) -> str:
        return ", ".join(items[:3]) + (", ..." if len(items) > 3 else "")

    parts: list[str] = []
    if one_sided:
        parts.append(
            f"one-sided ranges: {len(one_sided)} position(s) on one side of their range ({listed(one_sided)})"
        )
    if clipped:
        parts.append(
            f"clipping: {len(clipped)} position(s) drawn only inward at the scale's end ({listed(clipped)})"
        )
    if weights:
        parts.append(f"{len(weights)} weight(s) drawn one-sidedly ({listed(weights)})")
    where = "below" if below else "above"
    if not one_sided and not clipped:
        return (
            f"point {where} the band, though no position of this issue is drawn one-sidedly: the model "
            "answers symmetric draws unevenly (a median or a threshold that jumps)"
            + (f"; {parts[0]}" if parts else "")
        )
    moves = f"drawn positions move only up: {up}, only down: {down}"
    return f"point {where} the band; " + "; ".join(parts) + f" ({moves})"


def summarize(
    spec: SweepSpec,
    run_id: str,
    outcomes: FloatArray,
    cohesion: FloatArray | None,
    agreed: FloatArray | None = None,
    *,
    points: Mapping[str, Mapping[str, float | None]] | None = None,
) -> dict[str, Any]:
    """``{"scenario", "overlay", "draws", "seed", "run_id", "models": {M: {"issues", "cohesion"}}}``.

    Per model and issue, over the draws with a forecast: ``mean``, ``sd`` (sample standard deviation,
    ddof = 1), ``q05`` … ``q95`` (linear interpolation between order statistics), ``status_quo`` (the
    stated value, or ``None``), ``p_above_status_quo`` / ``p_at_status_quo`` / ``p_below_status_quo``
    (share of draws whose outcome lies above it by more than 1e-9 of the scale, within that, below it; the
    three add up to 1; ``None`` without a status quo), ``n`` (draws with a forecast), and ``modes`` (the
    draws' distinct modes, :func:`modes`: one value for a unimodal distribution). With ``points`` (model ->
    issue -> the point forecast on the scenario as coded) also ``point``, ``point_percentile`` (its
    percentile among the draws, 0-100, ties counted half) and ``point_outside`` (``None`` when the point
    lies within ``q05``-``q95``, else why it does not: :func:`why_outside`). For a model that can
    represent no agreement (``agreement``) also ``p_agreement``, the share of draws whose agreement set is
    non-empty (``None`` where it cannot say). ``cohesion``: ``mean``, ``q05``, ``q50``, ``q95`` of U.S.–ROK
    cohesion after the model, or ``None``. Every number is ``None`` where no draw has a forecast.
    """
    space_issues = spec.scenario.issues
    models: dict[str, Any] = {}
    for m, name in enumerate(spec.model_names):
        issues: dict[str, Any] = {}
        for i, issue in enumerate(space_issues):
            col = outcomes[:, m, i]
            vals = col[np.isfinite(col)]
            n = int(vals.size)
            sq = issue.status_quo
            entry: dict[str, Any] = {"mean": None, "sd": None, **{k: None for k, _ in QUANTILES}}
            if n:
                entry["mean"] = _f(float(np.mean(vals)))
                entry["sd"] = _f(float(np.std(vals, ddof=1))) if n > 1 else 0.0
                qs = np.quantile(vals, [q for _, q in QUANTILES])
                entry.update({k: _f(float(v)) for (k, _), v in zip(QUANTILES, qs, strict=True)})
            entry["status_quo"] = sq
            eps = 1e-9 * max(issue.span, 1e-300)
            if sq is not None and n:
                above = int(np.count_nonzero(vals > sq + eps))
                below = int(np.count_nonzero(vals < sq - eps))
                entry["p_above_status_quo"] = above / n
                entry["p_below_status_quo"] = below / n
                entry["p_at_status_quo"] = (n - above - below) / n
            else:
                entry["p_above_status_quo"] = None
                entry["p_below_status_quo"] = None
                entry["p_at_status_quo"] = None
            entry["n"] = n
            entry["modes"] = modes(vals, issue.span) if n else []
            if points is not None:
                point = points.get(name, {}).get(issue.id)
                entry["point"] = point
                entry["point_percentile"] = None
                entry["point_outside"] = None
                if point is not None and n:
                    x = float(point)
                    lo_n = int(np.count_nonzero(vals < x - eps))
                    eq_n = int(np.count_nonzero(np.abs(vals - x) <= eps))
                    entry["point_percentile"] = 100.0 * (lo_n + 0.5 * eq_n) / n
                    if x < entry["q05"] - eps or x > entry["q95"] + eps:
                        entry["point_outside"] = why_outside(spec, issue.id, x < entry["q05"])
            if agreed is not None and np.isfinite(agreed[:, m, :]).any():
                flags = agreed[:, m, i]
                flags = flags[np.isfinite(flags)]
                entry["p_agreement"] = float(np.mean(flags)) if flags.size else None
            issues[issue.id] = entry
        coh: dict[str, Any] | None = None
        if cohesion is not None:
            c = cohesion[:, m]
            c = c[np.isfinite(c)]
            if c.size:
                q05, q50, q95 = np.quantile(c, [0.05, 0.5, 0.95])
                coh = {
                    "mean": _f(float(np.mean(c))),
                    "q05": _f(float(q05)),
                    "q50": _f(float(q50)),
                    "q95": _f(float(q95)),
                }
        models[name] = {"issues": issues, "cohesion": coh}
    return {
        "scenario": spec.base_id,
        "overlay": spec.overlay,
        "draws": int(spec.draws),
        "seed": int(spec.seed),
        "run_id": run_id,
        "models": models,
    }


def run_sweep(
    spec: SweepSpec,
    *,
    store: RunStore | None = None,
    executor: Executor | None = None,
    chunk_size: int | None = None,
    on_chunk: Callable[[int, int], None] | None = None,
) -> Sweep:
    """Run (or resume) a sweep and return its :class:`Sweep`.

    Parameters
    ----------
    spec:
        The sweep.
    store:
        An open :class:`~peninsula.simulate.store.RunStore`: each chunk is committed as it arrives, a run
        already in the store resumes from its committed chunks (a complete one is only read back), and the
        result is read from the store. ``None`` keeps everything in memory.
    executor:
        How chunks run (:func:`in_process`, the default, or
        :func:`peninsula.simulate.distributed.dask_executor`).
    chunk_size:
        Draws per chunk (default :data:`DEFAULT_CHUNK`; a stored run keeps its own). It changes no number.
    on_chunk:
        Called with ``(draws done, draws in total)`` after each chunk (progress).
    """
    size = int(chunk_size or DEFAULT_CHUNK)
    if size <= 0:
        raise ParameterError(f"chunk size must be positive, not {size}")
    run_id = spec.run_id
    done: set[int] = set()
    if store is not None:
        store.check_space(spec.draws * len(spec.models) * len(spec.issue_ids))
        done, size = store.begin_run(spec.record(size))
    _check_memory(spec)
    chunks = plan_chunks(spec.draws, size)
    todo = [c for c in chunks if c[0] not in done]
    resumed = sum(hi - lo for k, lo, hi in chunks if k in done)
    progress = resumed
    if on_chunk is not None:
        on_chunk(progress, spec.draws)
    kept: list[Chunk] = []
    run = executor or in_process()
    if todo:
        for chunk in run(spec, todo):
            if store is not None:
                store.commit_chunk(
                    run_id,
                    chunk.index,
                    chunk.start,
                    chunk.outcomes,
                    chunk.cohesion,
                    spec.model_names,
                    spec.issue_ids,
                    agreed=chunk.agreed,
                )
            else:
                kept.append(chunk)
            progress += chunk.stop - chunk.start
            if on_chunk is not None:
                on_chunk(progress, spec.draws)
    if progress != spec.draws:
        from peninsula.core import PeninsulaError

        raise PeninsulaError(
            f"sweep {run_id} stopped with {progress:,} of {spec.draws:,} draws done"
            + ("; run it again to continue from the last committed chunk" if store is not None else "")
        )
    if store is not None:
        store.finish_run(run_id)
        outcomes, cohesion = store.load(run_id, spec.model_names, spec.issue_ids, spec.draws)
        agreed = store.load_agreed(run_id, spec.model_names, spec.issue_ids, spec.draws)
    else:
        outcomes, cohesion = _assemble(spec, kept)
        agreed = _assemble_agreed(spec, kept)
    return Sweep(spec, run_id, outcomes, cohesion, resumed, agreed)


def _check_memory(spec: SweepSpec) -> None:
    """Refuse a sweep whose outcome array cannot fit in the memory available now."""
    need = spec.draws * len(spec.models) * (len(spec.issue_ids) + 1) * 8
    try:
        free = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not on Linux
        return
    if need > free:
        raise ParameterError(
            f"--draws: {spec.draws:,} draws x {len(spec.models)} models would hold {need / 2**30:.1f} GiB of "
            f"outcomes in memory, more than the {free / 2**30:.1f} GiB available"
        )


def _assemble(spec: SweepSpec, chunks: Iterable[Chunk]) -> tuple[FloatArray, FloatArray | None]:
    out = np.full((spec.draws, len(spec.models), len(spec.issue_ids)), np.nan)
    coh: FloatArray | None = None
    for c in chunks:
        out[c.start : c.stop] = c.outcomes
        if c.cohesion is not None:
            if coh is None:
                coh = np.full((spec.draws, len(spec.models)), np.nan)
            coh[c.start : c.stop] = c.cohesion
    return out, coh


def _assemble_agreed(spec: SweepSpec, chunks: Iterable[Chunk]) -> FloatArray | None:
    out: FloatArray | None = None
    for c in chunks:
        if c.agreed is not None:
            if out is None:
                out = np.full((spec.draws, len(spec.models), len(spec.issue_ids)), np.nan)
            out[c.start : c.stop] = c.agreed
    return out


def overlaid(scenario: Scenario, overlay: str | None) -> Scenario:
    """``scenario`` with ``overlay`` applied (``None``: unchanged); a problem is one ``--overlay`` line."""
    if not overlay:
        return scenario
    from peninsula.core import InputError
    from peninsula.scenarios import apply_overlay

    try:
        return apply_overlay(scenario, overlay)
    except InputError as exc:
        raise ParameterError("--overlay: " + "; ".join(str(p) for p in exc.problems)) from None


def make_spec(
    scenario: Scenario,
    models: Sequence[Model],
    *,
    draws: int,
    seed: int | None = None,
    overlay: str | None = None,
    noise: NoiseSpec | str | None = None,
    rounds: int | None = None,
) -> SweepSpec:
    """A :class:`SweepSpec` from a base scenario: applies ``overlay``, parses ``noise``, picks a seed."""
    from peninsula.simulate.forecast import check_cost

    nz = noise if isinstance(noise, NoiseSpec) else NoiseSpec.parse(noise)
    swept = overlaid(scenario, overlay)
    check_cost(models, swept, rounds)  # each draw runs every model on a scenario of this size
    return SweepSpec(
        scenario=swept,
        base_id=scenario.id,
        base_hash=scenario_hash(scenario),
        overlay=overlay,
        models=tuple(models),
        draws=draws,
        seed=new_seed() if seed is None else int(seed),
        noise=nz,
        rounds=rounds,
    )


def spec_from_record(record: dict[str, Any]) -> SweepSpec:
    """Rebuild the :class:`SweepSpec` of a stored run (``RunStore.run``'s row)."""
    from peninsula.models.registry import get_model

    scenario = Scenario.model_validate_json(record["scenario_json"])
    models = []
    for name in record["models"]:
        cls = get_model(name)
        models.append(cls(**cls.validate_params(record["params"].get(name, {}))))
    return SweepSpec(
        scenario=scenario,
        base_id=record["scenario_id"],
        base_hash=record["scenario_hash"],
        overlay=record["overlay"],
        models=tuple(models),
        draws=int(record["draws"]),
        seed=int(record["seed"]),
        noise=NoiseSpec(**record["noise"]),
        rounds=record["rounds"],
        version=record["version"],
    )


def load_sweep(store: RunStore, run_id: str) -> Sweep:
    """A stored run as a :class:`Sweep` (draws not yet committed are NaN and left out of the summary).

    Raises
    ------
    StoreError
        If the run is unknown, or its record cannot be rebuilt into a sweep (a damaged or crafted store:
        a scenario, model parameters or noise that do not validate), naming the store and the run.
    """
    from pydantic import ValidationError

    from peninsula.core import PeninsulaError
    from peninsula.simulate.store import StoreError

    record = store.run(run_id)
    try:
        spec = spec_from_record(record)
    except (PeninsulaError, ValidationError, ValueError, TypeError, KeyError, AttributeError) as exc:
        first = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
        raise StoreError(
            f"store {store.path}: damaged run {record['run_id']}: its record does not rebuild a sweep "
            f"({first}); move the store away or export the other runs"
        ) from None
    outcomes, cohesion = store.load(record["run_id"], spec.model_names, spec.issue_ids, spec.draws)
    agreed = store.load_agreed(record["run_id"], spec.model_names, spec.issue_ids, spec.draws)
    return Sweep(spec, record["run_id"], outcomes, cohesion, agreed_array=agreed)


def paired(first: Sweep, second: Sweep) -> bool:
    """True if draw ``d`` of both sweeps comes from the same random numbers (same seed, same draws): their
    outcomes can then be compared draw by draw (common random numbers)."""
    return first.spec.seed == second.spec.seed and first.spec.draws == second.spec.draws


def compare_sweeps(first: Sweep, second: Sweep) -> dict[str, Any]:
    """How ``second``'s outcome distributions differ from ``first``'s, per model and issue both have.

    Per model and issue: means and medians of each and their differences (second − first), and how often
    the second run's outcome lies above, below or at the first's (``p_second_above_first``,
    ``p_second_below_first``, ``p_equal``; the three add up to 1). When the runs share their seed and
    number of draws (:func:`paired`), draw ``d`` of one is compared with draw ``d`` of the other: the
    probabilities are shares of draws, and two identical runs give ``p_equal`` 1. Otherwise every draw of
    one is compared with every draw of the other (independent pairs). Outcomes within 1e-9 of the issue's
    scale count as equal. ``paired`` says which comparison was made.
    """
    models: dict[str, Any] = {}
    notes: list[str] = []
    is_paired = paired(first, second)
    for m, name in enumerate(first.spec.model_names):
        if name not in second.spec.model_names:
            notes.append(f"model {name} is only in the first run")
            continue
        m2 = second.spec.model_names.index(name)
        issues: dict[str, Any] = {}
        for i, iid in enumerate(first.spec.issue_ids):
            if iid not in second.spec.issue_ids:
                continue
            a_all = first.outcome_array[:, m, i]
            b_all = second.outcome_array[:, m2, second.spec.issue_ids.index(iid)]
            eps = 1e-9 * max(first.spec.scenario.issue(iid).span, 1e-300)
            if is_paired:
                ok = np.isfinite(a_all) & np.isfinite(b_all)
                if not ok.any():
                    continue
                d = b_all[ok] - a_all[ok]
                above, below = float(np.mean(d > eps)), float(np.mean(d < -eps))
            else:
                a = np.sort(a_all[np.isfinite(a_all)])
                b = b_all[np.isfinite(b_all)]
                if not a.size or not b.size:
                    continue
                pairs = float(a.size) * float(b.size)
                below_pairs = np.searchsorted(a, b - eps, side="left").sum()  # pairs with a < b - eps
                above_pairs = (a.size - np.searchsorted(a, b + eps, side="right")).sum()  # a > b + eps
                above, below = float(below_pairs) / pairs, float(above_pairs) / pairs
            a = a_all[np.isfinite(a_all)]
            b = b_all[np.isfinite(b_all)]
            ma, mb = float(np.mean(a)), float(np.mean(b))
            qa, qb = float(np.median(a)), float(np.median(b))
            issues[iid] = {
                "mean_first": ma,
                "mean_second": mb,
                "diff_mean": mb - ma,
                "median_first": qa,
                "median_second": qb,
                "diff_median": qb - qa,
                "p_second_above_first": above,
                "p_second_below_first": below,
                "p_equal": max(0.0, 1.0 - above - below),
            }
        models[name] = {"issues": issues}
    for name in second.spec.model_names:
        if name not in first.spec.model_names:
            notes.append(f"model {name} is only in the second run")
    if not is_paired:
        notes.append(
            "the runs differ in seed or draws, so their draws are not paired: every draw of one is compared "
            "with every draw of the other; run both with one --seed and --draws to compare them draw by draw "
            "on common random numbers"
        )
    return {
        "first": first.run_id,
        "second": second.run_id,
        "paired": is_paired,
        "models": models,
        "notes": notes,
    }
