"""``consensus``: the recommended forecast — the compromise, pulled to a position holding most of the weight.

The forecast is the weighted median of a mixture: mass ``1 − λ`` on the compromise forecast (the capability
× salience weighted mean, Achen 2006's "compromise model") and mass ``λ`` spread over the actors' positions
in proportion to capability × salience (the weights of Black's weighted median). In words: the compromise,
unless actors holding more than ``0.5 / λ`` of the weight stand together on one side of it, in which case
the forecast moves to the position where that weighted share is reached (often a scale end, where about a
third of DEU outcomes lie). ``λ = 0`` is the compromise model, ``λ = 1`` the weighted median.

``λ`` (``position_weight``) was chosen by grouped cross-validation on the DEU training half only
(``scripts/fit_consensus.py``; the shipped values are in ``models/data/consensus.json``), as were the
interval's two quantiles: split-conformal quantiles of the out-of-fold signed residuals
``(outcome − forecast) / span``, so that on each issue the 80 % interval is ``forecast + span · [q10, q90]``,
clipped to the scale (``span`` = the issue's scale ``upper − lower``).

**Deal or no deal** (issue 21, ``agreement=True``, the default): on an issue with veto players and a
reversion the forecast takes the ``agreement`` model into account. In each draw over the scenario's
sourced ranges (``draws``, ``seed``, as :mod:`peninsula.models.agreement` draws them) the consensus
forecast is projected onto the veto players' agreement set, or is the reversion where the set is empty;
the forecast is the median of those outcomes (so a deal with probability below one half forecasts the
reversion), the interval is placed around it, and ``p_agreement`` and ``agreement_set`` are reported. On
issues without veto players (every DEU issue as shipped) nothing changes, so the fit on DEU is unchanged.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Annotated, Any, ClassVar

import numpy as np
from pydantic import Field

from peninsula.core import IssueData, ParameterError, Scenario
from peninsula.core.limits import MAX_DRAWS
from peninsula.core.rng import RNGLike
from peninsula.kernels.agreement import MIN_MOVE, AgreementSet, agreement_set
from peninsula.kernels.central import (
    FloatArray,
    weighted_mean,
    weighted_mean_rows,
    weighted_median,
    weighted_median_rows,
)
from peninsula.models.agreement import (
    DEFAULT_DRAWS,
    DEFAULT_SEED,
    MAX_DRAW_SEED,
    IssueDraws,
    draw_inputs,
    veto_mask,
)
from peninsula.models.base import IssueResult, ModelInfo, ModelRun, PerIssueModel, RoundRecord

__all__ = ["GRID", "Consensus", "ShippedFit", "agreement_step", "conformal_bounds", "shipped_fit"]

ACHEN_BLACK = (
    "Achen (2006), ch. 10 in Thomson, Stokman, Achen & König (eds.), The European Union Decides (compromise "
    "model); Black (1948) (weighted median); Bates & Granger (1969) (forecast combination); split-conformal "
    "intervals: Lei, G'Sell, Rinaldo, Tibshirani & Wasserman (2018), JASA 113(523)"
)

#: Candidate values of ``position_weight`` searched by :meth:`Consensus.fit` (steps of 0.02 from 0 to 1).
GRID: tuple[float, ...] = tuple(round(0.02 * k, 2) for k in range(51))

#: The nominal coverage of the reported interval (q10 to q90).
LEVEL = 0.8


@dataclass(frozen=True)
class ShippedFit:
    """The fitted values shipped in ``models/data/consensus.json`` (from ``scripts/fit_consensus.py``)."""

    position_weight: float
    q10: float
    q90: float
    document: dict[str, Any]


@cache
def shipped_fit() -> ShippedFit:
    """Read the shipped fit (package data) once."""
    text = resources.files("peninsula.models").joinpath("data/consensus.json").read_text(encoding="utf-8")
    doc = json.loads(text)
    p = doc["params"]
    return ShippedFit(float(p["position_weight"]), float(p["q10"]), float(p["q90"]), doc)


def conformal_bounds(residuals: FloatArray, level: float = LEVEL) -> tuple[float, float]:
    """Split-conformal lower and upper quantiles of signed residuals for a central ``level`` interval.

    Each tail gets ``α/2 = (1 − level) / 2``. With the finite-sample correction of Lei et al. (2018), the
    ``k = ⌈(n + 1)(1 − α/2)⌉``-th smallest residual is the upper bound and the ``(n + 1 − k)``-th the lower;
    with too few residuals for the correction the extreme residual is used.

    Examples
    --------
    >>> conformal_bounds(np.arange(-9.0, 10.0), 0.8)  # 19 residuals −9 … 9: the 2nd and 18th
    (-8.0, 8.0)
    """
    r = np.sort(np.asarray(residuals, dtype=float))
    n = r.size
    if n == 0:
        raise ValueError("no residuals to calibrate the interval on")
    tail = (1.0 - level) / 2.0
    k = int(np.ceil((n + 1) * (1.0 - tail) - 1e-9))  # the tolerance absorbs float noise in (n + 1)(1 − α/2)
    k_hi, k_lo = min(k, n), max(n + 1 - k, 1)
    return float(r[k_lo - 1]), float(r[k_hi - 1])


_SHIPPED = shipped_fit()

_PositionWeight = Annotated[
    float,
    Field(
        ge=0.0,
        le=1.0,
        description="λ: share of the mixture on the actors' positions (0 = compromise, 1 = weighted median); "
        "fitted on DEU by grouped CV",
    ),
]
_Q10 = Annotated[
    float,
    Field(ge=-1.0, le=1.0, description="lower interval bound as (outcome − forecast) / scale span (fitted)"),
]
_Q90 = Annotated[
    float,
    Field(ge=-1.0, le=1.0, description="upper interval bound as (outcome − forecast) / scale span (fitted)"),
]


#: Forecasts over :data:`GRID` per issue, keyed by ``id`` (the object is kept to make the key safe); cross-
#: validation refits on subsets of the same issues many times.
_PATHS: dict[int, tuple[IssueData, FloatArray | None]] = {}


def _grid_path(data: IssueData) -> FloatArray | None:
    """The forecast of every λ in :data:`GRID` for one issue (``None`` where no forecast is defined)."""
    hit = _PATHS.get(id(data))
    if hit is not None and hit[0] is data:
        return hit[1]
    try:
        path: FloatArray | None = np.array([Consensus.combine(data, lam)[0] for lam in GRID])
    except ValueError:
        path = None
    if len(_PATHS) > 50_000:
        _PATHS.clear()
    _PATHS[id(data)] = (data, path)
    return path


def _set_at_values(data: IssueData) -> AgreementSet:
    """The veto players' agreement set at the issue's own values (:func:`agreement_set`)."""
    n = len(data.actor_ids)
    nan = np.full(n, np.nan)
    r = data.issue.reversion_value
    return agreement_set(
        data.positions,
        np.array(np.nan if r is None else r),
        data.accept_low if data.accept_low is not None else nan,
        data.accept_high if data.accept_high is not None else nan,
        veto_mask(data),
        data.issue.lower,
        data.issue.upper,
    )


def agreement_step(data: IssueData, forecasts: FloatArray) -> FloatArray:
    """Forecasts of one issue after the agreement step at the issue's own values: projected onto the veto
    players' agreement set, or the reversion where it is empty; unchanged without veto players or reversion.

    Examples
    --------
    >>> from peninsula.core import Actor, Issue, Reversion, Scenario, Stance
    >>> s = Scenario(id="t", actors=[Actor(id="A", capability=1.0), Actor(id="B", capability=1.0)],
    ...     issues=[Issue(id="x", reversion=Reversion(value=0))],
    ...     stances=[Stance(actor="A", issue="x", position=80, salience=1, veto=True),
    ...              Stance(actor="B", issue="x", position=30, salience=1, veto=True)])
    >>> agreement_step(s.issue_data("x"), np.array([55.0, 70.0])).tolist()   # the set is (0, 60)
    [55.0, 60.0]
    """
    f = np.asarray(forecasts, dtype=np.float64)
    r = data.issue.reversion_value
    if r is None or not veto_mask(data).any():
        return f
    w = _set_at_values(data)
    if not bool(w.nonempty):
        return np.full_like(f, float(r))
    return np.asarray(np.clip(f, float(w.low), float(w.high)), dtype=np.float64)


class Consensus(PerIssueModel):
    """The recommended forecast: weighted median of (1 − λ) × compromise + λ × the weighted positions.

    One-shot; round 0 holds the inputs and the forecast. Each issue's result carries ``interval``
    ``{"q10", "q90"}`` (80 % predictive interval on the issue's scale) and ``compromise`` (the weighted
    mean it starts from) in ``IssueResult.extra``.

    Examples
    --------
    >>> from peninsula.core import Actor, Issue, Scenario, Stance
    >>> s = Scenario(id="toy", actors=[Actor(id=a, capability=1.0) for a in "ABCD"],
    ...     issues=[Issue(id="x", lower=0, upper=100)],
    ...     stances=[Stance(actor=a, issue="x", position=p, salience=1.0)
    ...              for a, p in zip("ABCD", [100, 100, 100, 0])])
    >>> Consensus(position_weight=0.0).run(s).issues["x"].outcome   # the compromise
    75.0
    >>> Consensus(position_weight=0.7).run(s).issues["x"].outcome   # 3/4 of the weight at 100 > 0.5/0.7
    100.0
    """

    info: ClassVar[ModelInfo] = ModelInfo(
        "consensus",
        "Recommended: compromise pulled to a heavily backed position (fitted by grouped CV on DEU)",
        ACHEN_BLACK,
        deterministic=True,
        order_dependent=False,
        multi_issue=False,
        uses_status_quo=True,
        iterative=False,
        represents_no_agreement=True,
    )

    def __init__(
        self,
        *,
        position_weight: _PositionWeight = _SHIPPED.position_weight,
        q10: _Q10 = _SHIPPED.q10,
        q90: _Q90 = _SHIPPED.q90,
        agreement: Annotated[
            bool,
            Field(
                description="take the agreement model into account: the forecast inside the veto players' "
                "agreement set, the reversion where a deal is less likely than not"
            ),
        ] = True,
        draws: Annotated[
            int, Field(ge=0, le=MAX_DRAWS, description="draws behind p_agreement (0: the scenario's values)")
        ] = DEFAULT_DRAWS,
        seed: Annotated[int, Field(ge=0, le=MAX_DRAW_SEED, description="seed of those draws")] = DEFAULT_SEED,
    ) -> None:
        self.position_weight = position_weight
        self.q10 = q10
        self.q90 = q90
        self.agreement = agreement
        self.draws = draws
        self.seed = seed

    # -- the forecast ----------------------------------------------------------------------------------
    @staticmethod
    def combine(data: IssueData, position_weight: float) -> tuple[float, float]:
        """``(forecast, compromise)`` for one issue; ``ValueError`` if every weight is zero."""
        w = data.relative_weights
        total = float(w.sum())
        if not total > 0:
            raise ValueError("every capability x salience weight is zero: no forecast is defined")
        # Scale before mixing so the weights are shares (and cannot underflow); same idea as the baselines.
        w = w / total
        compromise = weighted_mean(data.positions, w)
        xs = np.append(data.positions, compromise)
        ws = np.append(position_weight * w, 1.0 - position_weight)
        forecast = weighted_median(xs, ws)
        lo, hi = float(data.positions.min()), float(data.positions.max())
        return min(max(forecast, lo), hi), compromise

    @staticmethod
    def combine_rows(
        positions: FloatArray, saliences: FloatArray, capabilities: FloatArray, position_weight: float
    ) -> tuple[FloatArray, FloatArray]:
        """:meth:`combine` for many draws of one issue at once: ``(forecast, compromise)``, each ``(draws,)``.

        ``positions``, ``saliences``, ``capabilities`` are ``(draws, actors)`` (the actors with a stance, in
        scenario order). Each row takes :meth:`combine`'s steps (the weights are ``IssueData``'s relative
        weights); NaN where every weight of a row is zero (where :meth:`combine` raises). The compromise's
        dot product may round differently in the last bit.
        """
        x = np.asarray(positions, dtype=np.float64)
        c = np.asarray(capabilities, dtype=np.float64)
        s = np.asarray(saliences, dtype=np.float64)
        c_max = c.max(axis=1, keepdims=True, initial=0.0)
        s_max = s.max(axis=1, keepdims=True, initial=0.0)
        ok = (c_max > 0) & (s_max > 0)
        w = (c / np.where(ok, c_max, 1.0)) * (s / np.where(ok, s_max, 1.0))
        w = np.where(ok, w, 0.0)
        total = w.sum(axis=1, keepdims=True)
        ok = total[:, 0] > 0
        w = w / np.where(total > 0, total, 1.0)
        compromise = weighted_mean_rows(x, w)
        xs = np.concatenate([x, compromise[:, None]], axis=1)
        ws = np.concatenate([position_weight * w, np.full((len(x), 1), 1.0 - position_weight)], axis=1)
        forecast = np.minimum(np.maximum(weighted_median_rows(xs, ws), x.min(axis=1)), x.max(axis=1))
        return np.where(ok, forecast, np.nan), np.where(ok, compromise, np.nan)

    @staticmethod
    def interval(data: IssueData, forecast: float, q10: float, q90: float) -> tuple[float, float]:
        """The predictive interval ``forecast + span · [q10, q90]``, clipped to the issue's scale."""
        lower, upper = data.issue.lower, data.issue.upper
        span = upper - lower
        return max(lower, forecast + q10 * span), min(upper, forecast + q90 * span)

    def predict_issue(self, data: IssueData) -> tuple[float, float, float] | None:
        """``(forecast, q10, q90)`` with this model's parameters, or ``None`` where no forecast is defined."""
        try:
            f, _ = self.combine(data, self.position_weight)
        except ValueError:
            return None
        if self.agreement:  # at the issue's own values: an IssueData carries no sources to draw from
            f = float(agreement_step(data, np.array([f]))[0])
        lo, hi = self.interval(data, f, self.q10, self.q90)
        return f, lo, hi

    def run(self, scenario: Scenario, *, rounds: int | None = None, rng: RNGLike = None) -> ModelRun:
        """Forecast every issue; with ``agreement`` the inputs are drawn once for the agreement step."""
        params = self.validate_params(self.get_params())
        n_rounds = self.default_rounds if rounds is None else rounds
        if n_rounds < 0:
            raise ParameterError(f"rounds must be >= 0, not {n_rounds}")
        drawn: dict[str, IssueDraws] = {}
        if params["agreement"] and params["draws"] > 0 and any(s.veto for s in scenario.stances):
            drawn = draw_inputs(scenario, params["draws"], params["seed"])
        issues: dict[str, IssueResult] = {}
        for issue_id in scenario.issue_ids:
            data = scenario.issue_data(issue_id)
            if len(data.actor_ids) == 0:
                no_stance = ["no actor has a stance on this issue"]
                issues[issue_id] = IssueResult(issue_id, None, [], notes=no_stance)
                continue
            issues[issue_id] = self._issue(data, params, drawn.get(issue_id))
        return ModelRun(self.info.name, params, issues, [])

    def run_issue(
        self, data: IssueData, params: dict[str, Any], rounds: int, rng: RNGLike
    ) -> tuple[IssueResult, list[dict[str, Any]]]:
        """Forecast one issue at its own values (the agreement step without draws) and attach its interval."""
        return self._issue(data, params, None), []

    def _issue(self, data: IssueData, params: dict[str, Any], d: IssueDraws | None) -> IssueResult:
        positions = dict(zip(data.actor_ids, data.positions.tolist(), strict=True))
        lam = params["position_weight"]
        try:
            f, compromise = self.combine(data, lam)
        except ValueError as exc:
            return IssueResult(data.issue.id, None, [RoundRecord(0, None, positions)], True, [str(exc)])
        extra: dict[str, Any] = {"compromise": compromise}
        notes: list[str] = []
        r = data.issue.reversion_value
        if params["agreement"] and veto_mask(data).any() and r is not None:
            f, p = self._agreement(data, f, compromise, lam, r, d, extra)
            how = "over the draws of the sourced ranges" if d is not None else "at the scenario's values"
            then = (
                f"below one half, so the forecast is the reversion {r:g}"
                if p < 0.5
                else "the forecast is the median of the consensus inside the agreement set and the reversion"
            )
            if extra.get("agreement_set") is None and p >= 0.5:
                then += (
                    " (there is no agreement set at the scenario's values, only in most draws: e.g. a veto "
                    "player at or near the reversion whose drawn position accepts a move of at least the "
                    f"minimal move, {100 * MIN_MOVE:g} % of the scale; the agreement model's notes give the "
                    "reason)"
                )
            notes.append(f"agreement step: p_agreement {p:.3f} {how}; {then}")
        lo, hi = self.interval(data, f, params["q10"], params["q90"])
        extra["interval"] = {"q10": lo, "q90": hi}
        return IssueResult(data.issue.id, f, [RoundRecord(0, f, positions)], True, notes, extra)

    def _agreement(
        self,
        data: IssueData,
        f: float,
        compromise: float,
        lam: float,
        r: float,
        d: IssueDraws | None,
        extra: dict[str, Any],
    ) -> tuple[float, float]:
        """The agreement step: ``(forecast, p_agreement)``; fills ``extra`` with the set and the reversion."""
        inside = float(agreement_step(data, np.array([f]))[0])
        w0 = _set_at_values(data)
        agreed0 = bool(w0.nonempty)
        extra.update(
            agreement_set=[float(w0.low), float(w0.high)] if agreed0 else None,
            outcome_if_agreement=inside if agreed0 else None,
            reversion=r,
        )
        if d is None:
            realised, nonempty = np.array([inside]), np.array([float(agreed0)])
        else:
            F, _ = self.combine_rows(d.positions.T, d.saliences.T, d.capabilities.T, lam)
            lower, upper = data.issue.lower, data.issue.upper
            vetoes = veto_mask(data)
            w = agreement_set(d.positions, d.reversion, d.accept_low, d.accept_high, vetoes, lower, upper)
            inside_d = np.clip(np.where(np.isnan(F), compromise, F), w.low, w.high)
            realised = np.where(w.nonempty, inside_d, d.reversion)
            nonempty = w.nonempty.astype(np.float64)
        p = float(np.mean(nonempty))
        extra["p_agreement"] = p
        extra["p_agreement_se"] = math.sqrt(p * (1.0 - p) / realised.size) if d is not None else 0.0
        return float(np.quantile(realised, 0.5, method="inverted_cdf")), p

    # -- tuning (used by peninsula.simulate.evaluation and scripts/fit_consensus.py) ----------------------
    def fit(self, data: Sequence[IssueData], outcomes: FloatArray) -> Consensus:
        """A copy with ``position_weight`` chosen on ``data`` from :data:`GRID` (least MAE; ties: smaller λ).

        The interval quantiles are kept; :meth:`calibrate` sets them from out-of-fold residuals.
        """
        y = np.asarray(outcomes, dtype=float)
        errors = np.zeros(len(GRID))
        for d, o in zip(data, y, strict=True):
            path = _grid_path(d)
            if path is not None:
                if self.agreement:
                    path = agreement_step(d, path)
                errors += np.abs(path - o)
        out = self.clone()
        if len(data):
            out.position_weight = GRID[int(np.argmin(errors))]  # argmin: the first (smallest λ) of ties
        return out

    def residual(self, data: IssueData, outcome: float) -> float | None:
        """Signed residual ``(outcome − forecast) / span``, the quantity the interval is calibrated on."""
        p = self.predict_issue(data)
        span = data.issue.upper - data.issue.lower
        if p is None or not span > 0:
            return None
        return (outcome - p[0]) / span

    def calibrate(self, residuals: FloatArray) -> Consensus:
        """A copy whose interval quantiles are the split-conformal bounds of ``residuals`` (80 %)."""
        out = self.clone()
        out.q10, out.q90 = conformal_bounds(residuals, LEVEL)
        return out
