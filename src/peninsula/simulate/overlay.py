"""Compare a base scenario with an overlaid one on common random numbers (``forecast --overlay``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from peninsula.core import Scenario
from peninsula.core.rng import RNGLike, common_seed
from peninsula.scenarios import load
from peninsula.scenarios.cohesion import cohesion_by_model
from peninsula.scenarios.overlays import AppliedChange, Overlay, apply_overlay, load_overlay, overlay_changes
from peninsula.simulate.forecast import Forecast, ModelSpec, forecast, resolve_models

if TYPE_CHECKING:
    import pandas as pd  # imported where a table is built: the CLI and api start without pandas

__all__ = ["OverlayComparison", "common_seed", "compare_overlay"]


@dataclass(frozen=True)
class OverlayComparison:
    """Forecasts of a base scenario and of the same scenario with an overlay, side by side.

    Attributes
    ----------
    overlay:
        The overlay's id.
    changes:
        What the overlay changed in the base scenario.
    base, overlaid:
        The two :class:`peninsula.api.Forecast` results (same models).
    cohesion_base, cohesion_overlaid:
        :func:`~peninsula.scenarios.cohesion_by_model` of each (``None`` if not a U.S.-ROK scenario).
    seed:
        The one seed both runs used (:func:`common_seed`): rerunning either scenario with it reproduces it.
    """

    overlay: str
    changes: tuple[AppliedChange, ...]
    base: Forecast
    overlaid: Forecast
    cohesion_base: dict[str, float] | None
    cohesion_overlaid: dict[str, float] | None
    seed: int | np.random.SeedSequence | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``forecast --overlay --format json``: the base forecast document, unchanged, plus
        ``cohesion`` and an ``overlay`` block ``{"name", "scenario", "changes", "models", "cohesion"}``."""
        doc = self.base.to_dict()
        if self.cohesion_base is not None:
            doc["cohesion"] = self.cohesion_base
        over = self.overlaid.to_dict()
        changes = [
            {
                "actor": c.actor,
                "issue": c.issue,
                "field": c.field,
                "old": c.old,
                "new": c.new,
                "source": c.source.model_dump(mode="json"),
            }
            for c in self.changes
        ]
        doc["overlay"] = {
            "name": self.overlay,
            "scenario": over["scenario"],
            "changes": changes,
            "models": over["models"],
            "cohesion": self.cohesion_overlaid,
        }
        return doc

    @property
    def outcomes(self) -> pd.DataFrame:
        """Long table, one row per issue and model: ``issue, model, base, overlay, change``."""
        import pandas as pd

        b, o = self.base.outcomes, self.overlaid.outcomes
        bv, ov = b.to_numpy(dtype=float), o.reindex(index=b.index, columns=b.columns).to_numpy(dtype=float)
        rows = [
            (str(issue), str(model), float(bv[r, c]), float(ov[r, c]))
            for c, issue in enumerate(b.columns)
            for r, model in enumerate(b.index)
        ]
        df = pd.DataFrame(rows, columns=["issue", "model", "base", "overlay"])
        df["change"] = df["overlay"] - df["base"]
        return df


def compare_overlay(
    scenario: Scenario | str,
    overlay: str | Overlay,
    models: str | ModelSpec | Sequence[ModelSpec] | None = "all",
    *,
    rounds: int | None = None,
    settings: Mapping[str, Any] | None = None,
    rng: RNGLike = None,
) -> OverlayComparison:
    """Run the same models on a base scenario and on it with ``overlay`` applied.

    This is what ``peninsula forecast SCENARIO --overlay NAME`` shows.

    Parameters
    ----------
    scenario:
        A scenario, or a packaged id / file path (loaded with :func:`peninsula.api.load`).
    overlay:
        A packaged overlay's name or an :class:`Overlay`.
    models, rounds, settings, rng:
        As for :func:`peninsula.api.forecast`. Both runs use one seed from :func:`common_seed`, so a
        stochastic model draws the same random numbers in the base and the overlaid run (with or without
        a seed): the difference is the overlay's alone.

    Examples
    --------
    >>> cmp = compare_overlay("korea-2019-06", "resume-exercises", models=["compromise"])
    >>> cmp.outcomes.query("issue == 'exercises'")[["base", "overlay"]].round(1).to_numpy().tolist()
    [[0.9, 1.9]]
    >>> round(cmp.cohesion_base["before"], 3), round(cmp.cohesion_overlaid["before"], 3)
    (0.466, 0.466)
    """
    base_sc = scenario if isinstance(scenario, Scenario) else load(scenario)
    ov = load_overlay(overlay) if isinstance(overlay, str) else overlay
    over_sc = apply_overlay(base_sc, ov)
    instances = resolve_models(models, settings)
    seed = common_seed(rng)  # base and overlay draw the same stream, seeded or not
    base = forecast(base_sc, instances, rounds=rounds, rng=seed)
    overlaid = forecast(over_sc, [m.clone() for m in instances], rounds=rounds, rng=seed)
    return OverlayComparison(
        ov.id,
        tuple(overlay_changes(base_sc, ov)),
        base,
        overlaid,
        cohesion_by_model(base_sc, base.runs),
        cohesion_by_model(over_sc, overlaid.runs),
        seed,
    )
