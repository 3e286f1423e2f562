"""Baselines every forecasting paper compares against: weighted and unweighted means and medians.

Definitions follow Achen (2006), "Institutional realism and bargaining models", ch. 10 of Thomson,
Stokman, Achen & König (eds.), *The European Union Decides* (Cambridge UP): the "compromise model" is the
capability x salience weighted mean of the positions; the weighted median is Black's median voter with the
same weights.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from peninsula.core import IssueData
from peninsula.core.rng import RNGLike
from peninsula.kernels.central import FloatArray, weighted_mean, weighted_median
from peninsula.models.base import IssueResult, ModelInfo, PerIssueModel, RoundRecord

ACHEN_2006 = "Achen (2006), ch. 10 in Thomson, Stokman, Achen & König (eds.), The European Union Decides"


class _OneShot(PerIssueModel):
    """A baseline: one formula over the input positions; round 0 is both input and forecast."""

    weighting: ClassVar[str]
    kernel: ClassVar[Callable[..., float]]

    def _weights(self, data: IssueData) -> FloatArray:
        if self.weighting == "capability_salience":
            return data.relative_weights
        return np.ones_like(data.positions)

    def run_issue(
        self, data: IssueData, params: dict[str, Any], rounds: int, rng: RNGLike
    ) -> tuple[IssueResult, list[dict[str, Any]]]:
        """Apply the baseline's formula to the input positions."""
        positions = dict(zip(data.actor_ids, data.positions.tolist(), strict=True))
        try:
            outcome: float | None = type(self).kernel(data.positions, self._weights(data))
            notes: list[str] = []
        except ValueError as exc:
            outcome, notes = None, [str(exc)]
        return IssueResult(data.issue.id, outcome, [RoundRecord(0, outcome, positions)], True, notes), []


class Compromise(_OneShot):
    """Capability x salience weighted mean, Σ c·s·x / Σ c·s (Achen 2006's "compromise model")."""

    info = ModelInfo("compromise", "Weighted mean (capability x salience)", ACHEN_2006)
    weighting = "capability_salience"
    kernel = staticmethod(weighted_mean)


class Mean(_OneShot):
    """Unweighted mean of the positions (Achen 2006's simplest baseline)."""

    info = ModelInfo("mean", "Unweighted mean", ACHEN_2006)
    weighting = "none"
    kernel = staticmethod(weighted_mean)


class Median(_OneShot):
    """Capability x salience weighted median (Black 1948's median voter, weighted as in Achen 2006).

    See :func:`peninsula.kernels.weighted_median` for the exact rule on ties at half the weight.
    """

    info = ModelInfo("median", "Weighted median (capability x salience)", ACHEN_2006)
    weighting = "capability_salience"
    kernel = staticmethod(weighted_median)


class MedianActor(_OneShot):
    """Unweighted median of the positions: the median actor (Black 1948; Achen 2006)."""

    info = ModelInfo("median-actor", "Unweighted median (median actor)", ACHEN_2006)
    weighting = "none"
    kernel = staticmethod(weighted_median)
