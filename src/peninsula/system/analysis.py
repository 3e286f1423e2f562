"""What the loop is for: a backtest against 2017-2023, counterfactuals on common random numbers, sensitivity.

* :func:`backtest_system` runs the loop from a snapshot over months the data cover and scores its launches
  (mean log score of the monthly counts, coverage of the 80 % band, cumulative launches) next to the same
  launch model run on the **recorded** posture (what the coupling costs or gains), the best launch model
  **without posture** covariates (does the posture help at all?) and climatology (an intercept-only negative
  binomial on the same training months); the simulated posture levers are
  scored against the recorded ones (Brier score and agreement of the 0/1 levers).
* :func:`compare_system` runs a base and an overlay on common random numbers (one seed: the same parameter
  draws, count uniforms and rule values) and reports differences with intervals and P(more launches).
* :func:`rule_sensitivity` moves one rule or constant at a time to the ends of its range (the others at their
  point values, common random numbers) and reports the window's launch total and cohesion.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from peninsula.core import Scenario
from peninsula.core.rng import check_rng
from peninsula.system.loop import LEVERS, SystemRun, run_system
from peninsula.system.rules import RuleSet
from peninsula.system.spec import SystemSpec, Window, check_window, legacy_spec

__all__ = [
    "SystemBacktest",
    "SystemComparison",
    "backtest_system",
    "compare_system",
    "prepare",
    "rule_sensitivity",
    "sensitivity_variants",
]

FloatArray = npt.NDArray[np.float64]


def _q(a: FloatArray) -> dict[str, float]:
    q10, q50, q90 = np.quantile(a, [0.1, 0.5, 0.9])
    return {"q10": float(q10), "q50": float(q50), "q90": float(q90)}


@dataclass(frozen=True)
class Setup:
    """The launch data, the run's window in them and the launch model fitted once, shared by several runs."""

    data: Any
    window: Window
    fit: Any


def prepare(spec: SystemSpec, data: Any = None) -> Setup:
    """Load the data, check the window (:func:`~peninsula.system.spec.check_window`) and fit the launch
    model once (:attr:`SystemSpec.launch_model_name` on :attr:`SystemSpec.fit_end`)."""
    from peninsula.dynamics.loading import load_data
    from peninsula.system.launches import fit_launch_model

    korea = data if data is not None else load_data()
    window = check_window(spec, korea)
    return Setup(korea, window, fit_launch_model(korea, spec.launch_model_name, spec.target, spec.fit_end))


def _run(spec: SystemSpec, setup: Setup) -> SystemRun:
    return run_system(spec, setup.data, launch_fit=setup.fit)


def _spec(
    function: str, spec: SystemSpec | Scenario, keywords: dict[str, Any], **defaults: Any
) -> tuple[SystemSpec, dict[str, Any]]:
    """``spec``, or the spec built from the deprecated keyword form (with the keywords left over)."""
    if isinstance(spec, SystemSpec):
        if keywords:
            raise TypeError(
                f"{function}(spec, ...) takes no run keywords ({sorted(keywords)}): set them in the spec"
            )
        return spec, {}
    return legacy_spec(function, spec, keywords, **defaults)


# -- backtest -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SystemBacktest:
    """The loop against the record, beside the launch model on the recorded posture and climatology.

    Attributes
    ----------
    run:
        The coupled run.
    scores:
        Name (``loop``, ``recorded_posture``, ``best_without_posture``, ``climatology``) →
        ``mean_log_score``, ``coverage80``, ``total`` (mean, q10, q50, q90 of the window total), ``monthly``
        log scores; ``best_without_posture`` also names its ``model`` (the rolling evaluation's best model
        without posture covariates, :data:`~peninsula.dynamics.registry.PLAIN_MODELS`).
    observed_total:
        Recorded launches over the window.
    posture:
        Lever → ``brier`` (mean squared gap between the simulated probability and the recorded 0/1),
        ``agreement`` (share of months where the majority of draws matches the record), ``simulated`` and
        ``recorded`` share of months with the lever on.
    """

    run: SystemRun
    scores: dict[str, dict[str, Any]]
    observed_total: int
    posture: dict[str, dict[str, float]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the run's document plus ``backtest``."""
        doc = self.run.to_dict()
        doc["backtest"] = {
            "months": len(self.run.months),
            "observed_total": self.observed_total,
            "scores": self.scores,
            "posture": self.posture,
        }
        return doc


def _nb_scores(y: npt.NDArray[np.int64], r: FloatArray, p: FloatArray, sims: FloatArray) -> dict[str, Any]:
    from scipy.special import logsumexp

    from peninsula.dynamics.penalised import nb_logpmf

    n = r.shape[0]
    logs = [float(logsumexp(nb_logpmf(y[j], r[:, j], p[:, j])) - np.log(n)) for j in range(len(y))]
    q10, q90 = np.quantile(sims, [0.1, 0.9], axis=0)
    covered = (y >= q10) & (y <= q90)
    tot = sims.sum(axis=1)
    return {
        "mean_log_score": float(np.mean(logs)),
        "coverage80": float(covered.mean()),
        "total": {"mean": float(tot.mean()), **_q(tot)},
        "monthly": logs,
    }


def backtest_system(spec: SystemSpec | Scenario, data: Any = None, **keywords: Any) -> SystemBacktest:
    """Run the loop over months the data cover and score it against the record (see the module docstring).

    ``spec`` is a :class:`~peninsula.system.spec.SystemSpec`; a scenario with the run's keywords (the form
    before it) works for one release, with a ``DeprecationWarning``. ``data``: a
    :class:`~peninsula.dynamics.KoreaData` (default: the packaged data).
    """
    from scipy import stats

    from peninsula.core import ParameterError
    from peninsula.dynamics.covariates import posture_covariates
    from peninsula.dynamics.nbregression import fit_negbin
    from peninsula.dynamics.registry import PLAIN_MODELS, fit_plain
    from peninsula.system.launches import make_stepper

    spec, rest = _spec("backtest_system", spec, keywords)
    data = rest.pop("data", data)
    setup = prepare(spec, data)
    run = _run(spec, setup)
    if any(o is None for o in run.observed_launches):
        raise ParameterError("--backtest needs a window the data cover")
    y = np.array(run.observed_launches, dtype=np.int64)
    korea = setup.data
    months_data = korea.monthly.months
    months, draws, target = spec.months, spec.draws, spec.target
    scores = {"loop": _nb_scores(y, run.nb_shape, run.nb_prob, run.launches.astype(np.float64))}

    # the same launch model, fit, seed and draw order on the recorded posture (whatif's recorded path)
    rec = posture_covariates(korea.timeline, setup.window.months)
    stepper = make_stepper(setup.fit, spec.launch_model_name, korea, target, setup.window.pos)
    gen = check_rng(run.seed)
    stepper.begin(draws, months, gen)
    sims = np.zeros((draws, months))
    r = np.zeros((draws, months))
    p = np.zeros((draws, months))
    for j in range(months):
        cnt, r[:, j], p[:, j] = stepper.step(j, {k: np.full(draws, float(v[j])) for k, v in rec.items()})
        sims[:, j] = cnt
    scores["recorded_posture"] = _nb_scores(y, r, p, sims)

    # the best launch model without posture covariates (the rolling evaluation's, one month ahead), fitted on
    # the same months with the same seed: does the posture, simulated or recorded, help at all?
    plain_name = PLAIN_MODELS[target]
    try:
        plain_fit = fit_plain(korea, target, setup.fit.last_month)
    except ValueError as exc:
        raise ParameterError(f"{plain_name} cannot be fitted up to {setup.fit.last_month}: {exc}") from exc
    plain = make_stepper(plain_fit, plain_name, korea, target, setup.window.pos)
    plain.begin(draws, months, check_rng(run.seed))
    for j in range(months):
        cnt, r[:, j], p[:, j] = plain.step(j, {})
        sims[:, j] = cnt
    scores["best_without_posture"] = {"model": plain_name, **_nb_scores(y, r, p, sims)}

    # climatology: an intercept-only NB2 on the launch model's training months
    last = np.datetime64(setup.fit.last_month, "M")
    train = korea.monthly.target(target)[: int(np.searchsorted(months_data, last)) + 1]
    nb = fit_negbin(train, np.ones((len(train), 1)))
    mu, alpha = float(np.exp(nb.params[0])), nb.alpha
    rr = 1.0 / alpha
    pp = rr / (rr + mu)
    clim_sims = stats.nbinom.rvs(rr, pp, size=(draws, months), random_state=check_rng(run.seed))
    scores["climatology"] = _nb_scores(
        y, np.full((draws, months), rr), np.full((draws, months), pp), clim_sims.astype(np.float64)
    )
    scores["climatology"]["mean_per_month"] = mu

    posture: dict[str, dict[str, float]] = {}
    for k in LEVERS:
        sim = run.levers[k].mean(axis=0)
        obs = run.observed_levers[k]
        posture[k] = {
            "brier": float(np.mean((sim - obs) ** 2)),
            "agreement": float(np.mean((sim > 0.5) == (obs > 0.5))),
            "simulated": float(sim.mean()),
            "recorded": float(obs.mean()),
        }
    return SystemBacktest(run, scores, int(y.sum()), posture)


# -- counterfactuals ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SystemComparison:
    """Base and overlay runs on common random numbers.

    Attributes
    ----------
    base, alternative:
        The two runs (same seed, draws, fit and rule values).
    """

    base: SystemRun
    alternative: SystemRun

    def difference(self) -> dict[str, Any]:
        """Overlay minus base: window launch total, window-mean cohesion, last-month posture per issue."""
        d_tot = (self.alternative.total() - self.base.total()).astype(np.float64)
        out: dict[str, Any] = {
            "launches": {
                "mean": float(d_tot.mean()),
                **_q(d_tot),
                "prob_more": float(np.mean(d_tot > 0)),
                "prob_fewer": float(np.mean(d_tot < 0)),
            }
        }
        if self.base.cohesion is not None and self.alternative.cohesion is not None:
            dc = self.alternative.cohesion.mean(axis=1) - self.base.cohesion.mean(axis=1)
            out["cohesion"] = {"mean": float(np.nanmean(dc)), **_q(dc)}
        out["posture"] = {
            i: {
                "mean": float((self.alternative.posture[i][:, -1] - v[:, -1]).mean()),
                **_q(self.alternative.posture[i][:, -1] - v[:, -1]),
            }
            for i, v in self.base.posture.items()
            if i in self.alternative.posture
        }
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the overlay run's document, the base's path and the ``compare`` block."""
        doc = self.alternative.to_dict()
        doc["base"] = {
            "overlay": None,
            "total_launches": self.base.to_dict()["total_launches"],
            "path": self.base.to_dict()["path"],
        }
        doc["compare"] = self.difference()
        return doc


def compare_system(
    spec: SystemSpec | Scenario, overlay: str, data: Any = None, **keywords: Any
) -> SystemComparison:
    """Run ``spec`` and ``spec`` + ``overlay`` on common random numbers (one seed, one fit).

    ``spec`` is a :class:`~peninsula.system.spec.SystemSpec` of the base run; a scenario with the run's
    keywords works for one release, with a ``DeprecationWarning``.
    """
    from peninsula.scenarios import apply_overlay

    spec, rest = _spec("compare_system", spec, keywords)
    data = rest.pop("data", data)
    spec = spec.with_seed()
    setup = prepare(spec, data)
    base = _run(spec, setup)
    alt = _run(spec.replace(scenario=apply_overlay(spec.scenario, overlay), overlay=overlay), setup)
    return SystemComparison(base, alt)


# -- sensitivity --------------------------------------------------------------------------------------------
def sensitivity_variants(
    spec: SystemSpec, *, ids: Sequence[str] | None = None
) -> Iterator[tuple[dict[str, Any], str, RuleSet]]:
    """The one-at-a-time variants of ``spec``'s rules: each rule and constant at the low, then the high end
    of its range, the others at their point values.

    Yields ``(record, end, rules)`` with ``record`` as in :meth:`RuleSet.records`, ``end`` ``"low"`` or
    ``"high"``, in file order (rules, then constants); ``ids`` limits the rules moved. Used by
    :func:`rule_sensitivity` and by the levers' robustness (:mod:`peninsula.system.levers`).
    """
    rs = spec.rule_set
    for rec in rs.records():
        if ids is not None and rec["id"] not in ids:
            continue
        yield rec, "low", rs.with_values({rec["id"]: rec["low"]})
        yield rec, "high", rs.with_values({rec["id"]: rec["high"]})


def rule_sensitivity(
    spec: SystemSpec | Scenario,
    data: Any = None,
    *,
    ids: Sequence[str] | None = None,
    **keywords: Any,
) -> list[dict[str, Any]]:
    """One-at-a-time sensitivity of the window's launch total and mean cohesion to each rule and constant.

    Every run uses the point values (no rule uncertainty) and one seed (``spec.seed``, 0 when it is
    ``None``); each rule (or constant) in turn goes to the low and the high end of its range. Returns one row
    per rule, sorted by the swing of the mean launch total: ``id, kind, low, high, launches_low,
    launches_high, cohesion_low, cohesion_high``, and the base run's values as ``launches_base`` and
    ``cohesion_base``. ``ids`` limits the rules moved. ``spec`` may still be a scenario with the run's
    keywords for one release (``DeprecationWarning``).
    """
    spec, rest = _spec("rule_sensitivity", spec, keywords, months=24, seed=0)
    data = rest.pop("data", data)
    rs = spec.rule_set
    spec = spec.replace(rule_uncertainty=False, seed=spec.seed if spec.seed is not None else 0)
    setup = prepare(spec, data)

    def measure(r: RuleSet) -> tuple[float, float]:
        run = _run(spec.replace(rules=r), setup)
        coh = float(np.nanmean(run.cohesion)) if run.cohesion is not None else float("nan")
        return float(run.total().mean()), coh

    base_l, base_c = measure(rs)
    rows = []
    variants = iter(sensitivity_variants(spec, ids=ids))
    for (rec, _, low), (_, _, high) in zip(variants, variants, strict=True):
        lo_l, lo_c = measure(low)
        hi_l, hi_c = measure(high)
        rows.append(
            {
                "id": rec["id"],
                "kind": rec["kind"],
                "value": rec["value"],
                "low": rec["low"],
                "high": rec["high"],
                "launches_base": base_l,
                "launches_low": lo_l,
                "launches_high": hi_l,
                "cohesion_base": base_c,
                "cohesion_low": lo_c,
                "cohesion_high": hi_c,
            }
        )
    rows.sort(key=lambda r: -abs(r["launches_high"] - r["launches_low"]))
    return rows
