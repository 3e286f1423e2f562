"""Sensitivity analysis over the same ranges a sweep draws from: one-at-a-time (a tornado) and Sobol.

* **One at a time (OAT)**: every input that varies (a sourced range, or the default perturbation) is set to
  its low and then its high end with every other input at the scenario's value; the outcome's swing
  ``|outcome_high − outcome_low|`` ranks the inputs (the bars of a tornado chart).
* **Sobol**: variance-based first-order (``S1``) and total (``ST``) indices with bootstrap confidence
  half-widths, from SALib (Saltelli's scheme on a scrambled Sobol sequence; ``N·(K + 2)`` model runs for
  ``K`` inputs and ``N`` base samples, ``N`` rounded up to a power of two). Each input is drawn from its
  triangular distribution (:mod:`peninsula.simulate.perturb`), so the indices apportion the same
  uncertainty a sweep propagates.

For models that forecast each issue on its own, an issue's inputs are its stances' positions, saliences and
capabilities and the general capabilities of its actors (``ACTOR/FIELD``); for multi-issue models (the
exchange family) every input of the scenario enters every issue and inputs of other issues are named
``ACTOR/FIELD@ISSUE``. Stochastic models give every run the same random stream (draw 0 of ``seed``), so
runs differ by their inputs only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from peninsula.core import ParameterError, Scenario
from peninsula.models.base import Model
from peninsula.simulate.batch import run_model
from peninsula.simulate.perturb import InputSpace, NoiseSpec, triangular_ppf

FloatArray = npt.NDArray[np.float64]
Method = Literal["oat", "sobol"]

__all__ = ["DEFAULT_SOBOL_SAMPLES", "Sensitivity", "run_sensitivity"]

#: Default number of Sobol base samples N (model runs: N·(K + 2)).
DEFAULT_SOBOL_SAMPLES = 256
MAX_SOBOL_RUNS = 20_000_000


@dataclass
class Sensitivity:
    """The result of :func:`run_sensitivity` (see :meth:`to_dict` for the fields)."""

    model: str
    method: Method
    scenario: str
    issues: dict[str, dict[str, Any]]
    seed: int | None = None
    samples: int | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``peninsula sensitivity --format json``.

        ``{"model", "method", "scenario", "seed", "samples", "issues": {ISSUE: {"base": x, "inputs":
        [{"actor", "field", "issue", "origin", "low", "high", "outcome_low", "outcome_high", "swing"}],
        "sobol": {"ACTOR/FIELD": {"S1", "ST", "S1_conf", "ST_conf"}} | null}}}``; ``inputs`` sorted by
        swing, largest first; ``sobol`` is null for ``method="oat"``.
        """
        return {
            "model": self.model,
            "method": self.method,
            "scenario": self.scenario,
            "seed": self.seed,
            "samples": self.samples,
            "issues": self.issues,
        }

    @property
    def tornado(self) -> Any:
        """Long DataFrame of the OAT rows: ``issue, actor, field, input_issue, low, high, outcome_low,
        outcome_high, swing``."""
        import pandas as pd

        rows = [
            {"issue": i, **{("input_issue" if k == "issue" else k): v for k, v in r.items()}}
            for i, entry in self.issues.items()
            for r in entry["inputs"]
        ]
        return pd.DataFrame(rows)

    @property
    def indices(self) -> Any:
        """Long DataFrame of the Sobol indices: ``issue, input, S1, ST, S1_conf, ST_conf`` (empty for OAT)."""
        import pandas as pd

        rows = [
            {"issue": i, "input": name, **vals}
            for i, entry in self.issues.items()
            for name, vals in (entry["sobol"] or {}).items()
        ]
        return pd.DataFrame(rows, columns=["issue", "input", "S1", "ST", "S1_conf", "ST_conf"])


def _f(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _tornado_order(e: dict[str, Any]) -> tuple[float, str, str, str]:
    swing = e["swing"]
    size = float(swing) if swing is not None else -1.0
    return (-size, str(e["actor"]), str(e["field"]), str(e["issue"] or ""))


def _evaluate(
    model: Model,
    scenario: Scenario,
    space: InputSpace,
    values: FloatArray,
    rounds: int | None,
    seed: int,
    threads: int,
) -> FloatArray:
    X, S, C = space.arrays(values)
    res = run_model(
        model,
        scenario,
        space,
        X,
        S,
        C,
        values=values,
        rounds=rounds,
        seed=seed,
        start=0,
        threads=threads,
        streams=np.zeros(len(values), dtype=np.int64),
    )
    return res.outcomes


def run_sensitivity(
    scenario: Scenario,
    model: Model,
    *,
    issues: list[str] | None = None,
    method: Method = "oat",
    samples: int | None = None,
    seed: int = 0,
    noise: NoiseSpec | None = None,
    rounds: int | None = None,
    threads: int = 1,
) -> Sensitivity:
    """One-at-a-time swings (always) and, with ``method="sobol"``, Sobol indices, per issue.

    Parameters
    ----------
    scenario:
        The scenario (any overlay already applied).
    model:
        The model instance.
    issues:
        Issue ids to report (default: every issue).
    method:
        ``"oat"`` or ``"sobol"``.
    samples:
        Sobol base samples N (default :data:`DEFAULT_SOBOL_SAMPLES`; rounded up to a power of two).
    seed:
        Seeds the Sobol sequence's scrambling, SALib's bootstrap and a stochastic model's stream.
    noise:
        The default perturbation (:class:`~peninsula.simulate.perturb.NoiseSpec`).
    rounds:
        Maximum rounds (``None``: the model's default).
    threads:
        Threads for the compiled loops.
    """
    if method not in ("oat", "sobol"):
        raise ParameterError(f"--method: {method!r} is not 'oat' or 'sobol'")
    space = InputSpace.from_scenario(scenario, noise)
    wanted = list(scenario.issue_ids) if not issues else list(dict.fromkeys(issues))
    unknown = [i for i in wanted if i not in scenario.issue_ids]
    if unknown:
        raise ParameterError(
            f"--issue: no issue {', '.join(map(repr, unknown))} in scenario '{scenario.id}' "
            f"(issues: {', '.join(scenario.issue_ids)})"
        )
    varying = space.varying()
    multi = model.info.multi_issue
    base = space.base_values()
    K = len(varying)
    # OAT: row 0 the base, then (low, high) for each varying input
    rows = np.repeat(base[None, :], 1 + 2 * K, axis=0)
    for r, k in enumerate(varying):
        rows[1 + 2 * r, k] = space.inputs[k].low
        rows[2 + 2 * r, k] = space.inputs[k].high
    out = _evaluate(model, scenario, space, rows, rounds, seed, threads)
    result: dict[str, dict[str, Any]] = {}
    for iid in wanted:
        i = scenario.issue_ids.index(iid)
        keep = set(varying) if multi else set(space.relevant(iid)) & set(varying)
        entries = []
        for r, k in enumerate(varying):
            if k not in keep:
                continue
            u = space.inputs[k]
            lo_out, hi_out = float(out[1 + 2 * r, i]), float(out[2 + 2 * r, i])
            swing = abs(hi_out - lo_out)
            entries.append(
                {
                    "actor": u.actor,
                    "field": u.field,
                    "issue": u.issue,
                    "origin": u.origin,
                    "low": u.low,
                    "high": u.high,
                    "outcome_low": _f(lo_out),
                    "outcome_high": _f(hi_out),
                    "swing": _f(swing),
                }
            )
        entries.sort(key=_tornado_order)
        result[iid] = {"base": _f(float(out[0, i])), "inputs": entries, "sobol": None}
    n_base: int | None = None
    notes: list[str] = []
    if method == "sobol":
        n_base = _sobol(
            model, scenario, space, varying, wanted, multi, result, samples, seed, rounds, threads, notes
        )
    return Sensitivity(
        model.info.name, method, scenario.id, result, seed if method == "sobol" else None, n_base, notes
    )


def _sobol(
    model: Model,
    scenario: Scenario,
    space: InputSpace,
    varying: list[int],
    wanted: list[str],
    multi: bool,
    result: dict[str, dict[str, Any]],
    samples: int | None,
    seed: int,
    rounds: int | None,
    threads: int,
    notes: list[str],
) -> int:
    from SALib.analyze import sobol as sobol_analyze  # type: ignore[import-untyped]
    from SALib.sample import sobol as sobol_sample  # type: ignore[import-untyped]

    n = int(samples or DEFAULT_SOBOL_SAMPLES)
    if n < 2:
        raise ParameterError(f"--draws: Sobol needs at least 2 base samples, not {n}")
    n = 1 << (n - 1).bit_length()  # the Sobol sequence's balance needs a power of two
    K = len(varying)
    if K == 0:
        notes.append("no input varies: nothing to analyse")
        return n
    if n * (K + 2) > MAX_SOBOL_RUNS:
        raise ParameterError(
            f"--draws: {n} base samples x ({K} inputs + 2) = {n * (K + 2):,} model runs is more than "
            f"{MAX_SOBOL_RUNS:,}"
        )
    problem = {"num_vars": K, "names": [str(k) for k in varying], "bounds": [[0.0, 1.0]] * K}
    u = sobol_sample.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    values = np.repeat(space.base_values()[None, :], len(u), axis=0)
    idx = np.array(varying)
    low = np.array([space.inputs[k].low for k in varying])
    high = np.array([space.inputs[k].high for k in varying])
    mode = np.clip(np.array([space.inputs[k].value for k in varying]), low, high)
    lo_clip = np.array([space.inputs[k].lower for k in varying])
    hi_clip = np.array([space.inputs[k].upper for k in varying])
    values[:, idx] = np.clip(triangular_ppf(u, low, mode, high), lo_clip, hi_clip)
    out = _evaluate(model, scenario, space, values, rounds, seed, threads)
    for iid in wanted:
        i = scenario.issue_ids.index(iid)
        y = out[:, i]
        keep = [r for r, k in enumerate(varying) if multi or k in set(space.relevant(iid))]
        names = space.input_names(iid, indices=[varying[r] for r in keep])
        if not np.all(np.isfinite(y)):
            notes.append(f"{iid}: some runs have no forecast; no Sobol indices")
            continue
        if float(np.var(y)) == 0.0:
            result[iid]["sobol"] = {
                nm: {"S1": 0.0, "ST": 0.0, "S1_conf": 0.0, "ST_conf": 0.0} for nm in names
            }
            continue
        si = sobol_analyze.analyze(
            problem,
            y,
            calc_second_order=False,
            num_resamples=100,
            conf_level=0.95,
            print_to_console=False,
            seed=seed,
        )
        result[iid]["sobol"] = {
            nm: {
                "S1": _f(float(si["S1"][r])),
                "ST": _f(float(si["ST"][r])),
                "S1_conf": _f(float(si["S1_conf"][r])),
                "ST_conf": _f(float(si["ST_conf"][r])),
            }
            for nm, r in zip(names, keep, strict=True)
        }
    return n
