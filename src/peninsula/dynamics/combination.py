"""Forecast combination: a predictive mixture of the dynamic models and climatology, weighted by past scores.

North Korea's launches come in regimes; in some the recent level predicts next month (local level,
INGARCH), in others the long-run rate does (climatology). The combination does not pick one: it forecasts
with the mixture

    p_c(y | origin T, h) = Σ_k w_{k,T}^{(h)} p_k(y | origin T, h)                              (C1)

of the components k ∈ :data:`COMPONENTS`, whose weights are learned *only* from the log scores of the
components' h-step forecasts already resolved at the origin (outcome month s ≤ T), with exponential
forgetting — dynamic model averaging (Raftery, Kárný & Ettler 2010, "Online prediction under model
uncertainty via dynamic model averaging: application to a cold rolling mill", *Technometrics* 52(1):
52-66; the log-score pool of Geweke & Amisano 2011, "Optimal prediction pools", *Journal of
Econometrics* 164(1): 130-141, is the undiscounted, optimised relative). Raftery et al.'s recursion,
prediction π_{t|t-1,k} ∝ π_{t-1|t-1,k}^α and update π_{t|t,k} ∝ π_{t|t-1,k} p_k(y_t), started from equal
weights, unrolls to

    log w_{k,T}^{(h)} = Σ_{s resolved, s ≤ T} α^{T+1-s} log p_k(y_s | origin s − h, h) + const     (C2)

normalised to sum to 1 (equal weights when nothing is resolved yet). α = :data:`FORGETTING` = 0.9 is a
fixed constant, a coded judgement set before any combination was scored: a score's weight halves in
log 0.5 / log 0.9 ≈ 6.6 months, shorter than each regime on record (the 2016-17 campaign, the 2018
hiatus, the 2019 resumption lasted about a year or more), so the weights can move within one regime;
α = 1 would be static Bayesian model averaging, which cannot follow a regime change. Plausible range
0.8-0.99. It was not tuned on the evaluation window.

Because the log score is concave in the mixture, log p_c ≥ Σ_k w_k log p_k at every month: with good
weights the combination's mean log score sits at or above the weighted average of its components'; it
need not beat the best component (the weights must first learn which one that is).

Where the weights come from
---------------------------
* In the rolling-origin evaluation (:func:`~peninsula.dynamics.rolling.run_rolling`) and the one-step
  backtest, at origin T and horizon h, from the evaluation's own component forecasts at horizon h whose
  target month is ≤ T (:func:`add_combination` on the output of the rolling-origin harness,
  :func:`~peninsula.dynamics.origins.run_origins`). A count after T cannot reach them (a test poisons one).
* In a fit (:meth:`CombinationModel.fit`, used by ``whatif``,
  :func:`~peninsula.dynamics.registry.simulate_counts` and the coupled simulation), from the
  components' one-step forecasts at every origin inside the training data (the same harness and origins
  the rolling evaluation uses), i.e. w_{k,T}^{(1)} at the last training month T.

Simulation: a predictive mixture of paths. Each simulated path draws its component k from the one-step
weights w_{k,T}^{(1)} and then follows that component's own simulation for the whole window (the
local-level and INGARCH paths with their parameter draws, climatology as independent NB2 months at the
fitted mean and dispersion). So every path is bounded as its component is (``BOUND_FACTOR`` test).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special, stats

from peninsula.core.rng import RNGLike, check_rng
from peninsula.dynamics.covariates import POSTURE_COVARIATES
from peninsula.dynamics.forecasts import forecast
from peninsula.dynamics.ingarch import IngarchFit, IngarchModel
from peninsula.dynamics.loading import KoreaData, parse_month
from peninsula.dynamics.locallevel import LocalLevelFit, LocalLevelModel
from peninsula.dynamics.nbregression import fit_negbin
from peninsula.dynamics.origins import OriginForecasts, first_origin, run_origins, truncate
from peninsula.dynamics.penalised import SteppedSimulation
from peninsula.dynamics.scoring import CountDistribution, Mixture, log_score

__all__ = [
    "COMPONENTS",
    "FORGETTING",
    "CombinationFit",
    "CombinationModel",
    "Mixture",
    "add_combination",
    "combine_forecasts",
    "dma_weights",
]

ArrayF = npt.NDArray[np.float64]
#: The mixed models: the two dynamic models with posture covariates and the climatology baseline.
COMPONENTS = ("local_level", "ingarch", "climatology")
#: α in (C2), fixed (see the module docstring); not tuned on the evaluation window.
FORGETTING = 0.9


def dma_weights(log_scores: npt.ArrayLike, ages: npt.ArrayLike, forgetting: float = FORGETTING) -> ArrayF:
    """Weights (C2) from resolved log scores.

    Parameters
    ----------
    log_scores:
        ``(K, m)``: log score of each of K components on each of m resolved forecasts (m may be 0).
    ages:
        ``(m,)``: T + 1 − s for each resolved outcome month s, with T the origin (so ≥ 1).
    forgetting:
        α in (0, 1].

    Returns
    -------
    numpy.ndarray
        ``(K,)`` weights summing to 1 (equal when m = 0).

    Examples
    --------
    >>> dma_weights([[-1.0], [-2.0]], [1], forgetting=1.0).round(4).tolist()   # e^-1 : e^-2
    [0.7311, 0.2689]
    """
    ls = np.asarray(log_scores, dtype=np.float64)
    age = np.asarray(ages, dtype=np.float64)
    if ls.ndim != 2 or ls.shape[1] != age.shape[0]:
        raise ValueError(f"log_scores must be (K, m) with m = len(ages), got {ls.shape} and {age.shape}")
    if not 0 < forgetting <= 1:
        raise ValueError(f"forgetting must be in (0, 1], got {forgetting}")
    if np.any(age < 1):
        raise ValueError("ages must be >= 1: a score is usable only once its month is resolved")
    logw = ls @ (forgetting**age) if ls.shape[1] else np.zeros(ls.shape[0])
    return np.asarray(np.exp(logw - special.logsumexp(logw)), dtype=np.float64)


def _month_number(month: str) -> int:
    return int(parse_month(month).astype(np.int64))


def combine_forecasts(
    origins: Sequence[str],
    component_dists: Mapping[str, Sequence[CountDistribution]],
    component_scores: Mapping[str, Sequence[tuple[str, float]]],
    forgetting: float = FORGETTING,
) -> list[tuple[Mixture, ArrayF]]:
    """The combination's forecast (C1) at each origin of one horizon, with its weights (C2).

    Parameters
    ----------
    origins:
        Origin months ``YYYY-MM`` in order (one forecast per origin).
    component_dists:
        Component name → one predictive distribution per origin.
    component_scores:
        Component name → ``(target month, log score)`` of each of its forecasts at this horizon (any order).
        Only those with target month ≤ the origin enter that origin's weights.

    Returns
    -------
    list
        ``(mixture, weights)`` per origin; weights in the order of ``component_dists``.
    """
    names = list(component_dists)
    months = {n: np.array([_month_number(m) for m, _ in component_scores[n]]) for n in names}
    scores = {n: np.array([s for _, s in component_scores[n]], dtype=np.float64) for n in names}
    ref = months[names[0]]
    for n in names[1:]:
        if not np.array_equal(np.sort(months[n]), np.sort(ref)):
            raise ValueError("components must be scored on the same target months")
    order = {n: np.argsort(months[n], kind="stable") for n in names}
    sorted_months = ref[order[names[0]]]
    ls = np.stack([scores[n][order[n]] for n in names]) if names else np.zeros((0, 0))
    out: list[tuple[Mixture, ArrayF]] = []
    for i, origin in enumerate(origins):
        T = _month_number(origin)
        resolved = sorted_months <= T
        w = dma_weights(ls[:, resolved], T + 1 - sorted_months[resolved], forgetting)
        dists = tuple(component_dists[n][i] for n in names)
        out.append((Mixture(dists, tuple(float(v) for v in w)), w))
    return out


def add_combination(
    forecasts: Sequence[OriginForecasts], scored_from: int, forgetting: float = FORGETTING
) -> list[OriginForecasts]:
    """The rolling-origin harness's forecasts with the combination's (C1) added where its components are.

    Parameters
    ----------
    forecasts:
        Output of :func:`~peninsula.dynamics.origins.run_origins` in origin order; origins whose
        forecasts hold every one of :data:`COMPONENTS` get a ``"combination"`` entry.
    scored_from:
        Only forecasts from origins with ``n_train >= scored_from`` enter the weights (the evaluation's
        first origin; earlier ones, forecast for a test month only, are never scored).
    forgetting:
        α in (C2).

    Returns
    -------
    list of OriginForecasts
        The same origins; at horizon h the weights come from the components' h-step forecasts whose
        target month is ≤ the origin (nothing after it).
    """
    has = [i for i, f in enumerate(forecasts) if all(c in f.dists for c in COMPONENTS)]
    horizons = sorted({h for i in has for h in forecasts[i].horizons})
    mixed: dict[tuple[int, int], Mixture] = {}
    for h in horizons:
        rows = [i for i in has if h in forecasts[i].horizons]
        at = {i: forecasts[i].at(h) for i in rows}
        dists = {c: [forecasts[i].dists[c][at[i]] for i in rows] for c in COMPONENTS}
        scored = [(k, i) for k, i in enumerate(rows) if forecasts[i].n_train >= scored_from]
        scores = {
            c: [
                (forecasts[i].months[at[i]], log_score(dists[c][k], forecasts[i].observed[at[i]]))
                for k, i in scored
            ]
            for c in COMPONENTS
        }
        origins = [forecasts[i].origin for i in rows]
        for i, (mix, _) in zip(rows, combine_forecasts(origins, dists, scores, forgetting), strict=True):
            mixed[(i, h)] = mix
    out: list[OriginForecasts] = []
    for i, f in enumerate(forecasts):
        if i not in has:
            out.append(f)
            continue
        comb = tuple(mixed[(i, h)] for h in f.horizons)
        out.append(replace(f, dists={**f.dists, "combination": comb}))
    return out


@dataclass(frozen=True)
class CombinationFit(SteppedSimulation):
    """A fitted combination: component fits, climatology, and the one-step weights at the last month.

    Parameter vector of one simulated path (``draw_thetas`` rows): ``[k, θ_local_level, θ_ingarch]`` with
    k the index of the path's component in :data:`COMPONENTS` (stored as a float).
    """

    target: str
    covariates: tuple[str, ...]
    local_level: LocalLevelFit
    ingarch: IngarchFit
    climatology: tuple[float, float]  # NB2 (mean, dispersion α)
    weights: tuple[float, ...]
    first_month: str
    last_month: str
    resolved: int
    extra_notes: tuple[str, ...] = field(default=())

    @property
    def coefficients(self) -> dict[str, float]:
        """Posture coefficients averaged over the dynamic components by their weights (display, and
        :func:`~peninsula.dynamics.registry.most_provocative_posture`); climatology has none (0)."""
        w = dict(zip(COMPONENTS, self.weights, strict=True))
        ll, ig = self.local_level.coefficients, self.ingarch.coefficients
        return {c: w["local_level"] * ll[c] + w["ingarch"] * ig[c] for c in self.covariates}

    @property
    def values(self) -> dict[str, float]:
        """The weights and the climatology parameters."""
        out = {f"weight_{n}": float(v) for n, v in zip(COMPONENTS, self.weights, strict=True)}
        out.update({"forgetting": FORGETTING, "climatology_mean": self.climatology[0]})
        out["climatology_alpha"] = self.climatology[1]
        return out

    @property
    def notes(self) -> tuple[str, ...]:
        """Weights and the components' optimiser notes."""
        w = ", ".join(f"{n} {v:.2f}" for n, v in zip(COMPONENTS, self.weights, strict=True))
        head = (
            f"combination weights ({self.resolved} resolved one-step forecasts, forgetting {FORGETTING}): {w}"
        )
        return (head, *self.extra_notes, *self.local_level.notes, *self.ingarch.notes)

    @property
    def _split(self) -> tuple[int, int]:
        p_ll = len(self.local_level.params.theta)
        return 1 + p_ll, 1 + p_ll + len(self.ingarch.params.theta)

    def draw_thetas(self, n: int, rng: RNGLike = None) -> ArrayF:
        """``(n, 1 + p_ll + p_ig)``: a component index per path (drawn from the weights), then the two
        components' parameter draws (in this order from ``rng``)."""
        gen = check_rng(rng)
        cum = np.cumsum(self.weights)
        k = np.minimum(np.searchsorted(cum / cum[-1], gen.random(n), side="right"), len(COMPONENTS) - 1)
        return np.column_stack(
            [k.astype(np.float64), self.local_level.draw_thetas(n, gen), self.ingarch.draw_thetas(n, gen)]
        )

    def _point_thetas(self, n: int, rng: RNGLike) -> ArrayF:
        gen = check_rng(rng)
        cum = np.cumsum(self.weights)
        k = np.minimum(np.searchsorted(cum / cum[-1], gen.random(n), side="right"), len(COMPONENTS) - 1)
        return np.column_stack(
            [
                k.astype(np.float64),
                np.tile(self.local_level.params.theta, (n, 1)),
                np.tile(self.ingarch.params.theta, (n, 1)),
            ]
        )

    def begin(
        self, thetas: ArrayF, history: tuple[npt.ArrayLike, npt.ArrayLike] | None = None
    ) -> dict[str, Any]:
        """Filter the history for every draw with both dynamic components (stepping API, as theirs)."""
        th = np.atleast_2d(np.asarray(thetas, dtype=np.float64))
        i, j = self._split
        return {
            "k": th[:, 0].astype(np.int64),
            "local_level": self.local_level.begin(th[:, 1:i], history),
            "ingarch": self.ingarch.begin(th[:, i:j], history),
        }

    def step(
        self, thetas: ArrayF, state: dict[str, Any], x: npt.ArrayLike, u: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.int64], ArrayF, ArrayF]:
        """One month for every draw: each path's count comes from its own component; returns
        ``(counts, shape, prob)`` of the NB it was drawn from (climatology: NB2 at the fitted mean)."""
        th = np.atleast_2d(np.asarray(thetas, dtype=np.float64))
        i, j = self._split
        uu = np.asarray(u, dtype=np.float64)
        c_ll, a_ll, p_ll = self.local_level.step(th[:, 1:i], state["local_level"], x, uu)
        c_ig, r_ig, p_ig = self.ingarch.step(th[:, i:j], state["ingarch"], x, uu)
        mu, alpha = self.climatology
        r_cl = 1.0 / alpha
        p_cl = r_cl / (r_cl + mu)
        c_cl = stats.nbinom.ppf(uu, r_cl, p_cl).astype(np.int64)
        k = state["k"]
        n = len(k)
        counts = np.select([k == 0, k == 1], [c_ll, c_ig], c_cl)
        shape = np.select(
            [k == 0, k == 1], [np.broadcast_to(a_ll, n), np.broadcast_to(r_ig, n)], np.full(n, r_cl)
        )
        prob = np.select(
            [k == 0, k == 1], [np.broadcast_to(p_ll, n), np.broadcast_to(p_ig, n)], np.full(n, p_cl)
        )
        return counts.astype(np.int64), shape.astype(np.float64), prob.astype(np.float64)


class CombinationModel:
    """Dynamic model averaging of local level, INGARCH and climatology (see the module docstring).

    Parameters
    ----------
    target:
        ``"events"`` or ``"missiles"``.
    covariates:
        Posture covariates of the dynamic components.

    Examples
    --------
    >>> from peninsula.dynamics.loading import load_data
    >>> fit = CombinationModel("events").fit(load_data(), end="2018-06")
    >>> fit.last_month, round(sum(fit.weights), 6), fit.resolved
    ('2018-06', 1.0, 6)
    """

    name = "combination"
    reference = "Raftery, Kárný & Ettler (2010), Technometrics 52(1): 52-66"

    def __init__(self, target: str = "events", covariates: Sequence[str] = POSTURE_COVARIATES) -> None:
        self.target = target
        self.covariates = tuple(covariates)

    def get_params(self) -> dict[str, Any]:
        """Constructor parameters."""
        return {"target": self.target, "covariates": self.covariates}

    def fit(
        self, data: KoreaData, end: str | np.datetime64 | None = None, uncertainty: bool = True
    ) -> CombinationFit:
        """Fit the components on every month up to ``end`` and learn the weights from their one-step
        forecasts at the rolling evaluation's origins inside that window (nothing after ``end``)."""
        months = data.monthly.months
        n = (
            len(months)
            if end is None
            else int(
                np.searchsorted(months, parse_month(end if isinstance(end, str) else str(end)), side="right")
            )
        )
        train = truncate(data, n)
        y = train.monthly.target(self.target)
        ll = LocalLevelModel(self.target, self.covariates).fit(train, uncertainty=uncertainty)
        ig = IngarchModel(self.target, self.covariates).fit(train, uncertainty=uncertainty)
        clim = fit_negbin(y, np.ones((len(y), 1)))

        def components(past: KoreaData, horizons: tuple[int, ...]) -> dict[str, list[CountDistribution]]:
            return forecast(past, self.target, horizons, COMPONENTS)

        resolved = run_origins(train, self.target, range(first_origin(y), n), (1,), components)
        scored = [tuple(float(f.dists[c][0].logpmf(f.observed[0])) for c in COMPONENTS) for f in resolved]
        # the outcome month of origin T (0-based index T) is month T + 1; its age at month n is n - T
        ages = [n - f.n_train for f in resolved]
        ls = np.array(scored, dtype=np.float64).T.reshape(len(COMPONENTS), len(scored))
        w = dma_weights(ls, np.array(ages, dtype=np.float64))
        notes = () if scored else ("no resolved one-step forecast in the window: equal weights",)
        return CombinationFit(
            target=self.target,
            covariates=self.covariates,
            local_level=ll,
            ingarch=ig,
            climatology=(float(np.exp(clim.params[0])), float(clim.alpha)),
            weights=tuple(float(v) for v in w),
            first_month=str(months[0]),
            last_month=str(months[n - 1]),
            resolved=len(scored),
            extra_notes=notes,
        )
