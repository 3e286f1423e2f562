"""Bargaining over (draws × actors) arrays: the registered models that run vectorised, through the kernels.

``compromise``, ``mean``, ``median`` and ``median-actor`` are one formula each over the rows
(:mod:`peninsula.kernels.central` semantics; :func:`peninsula.kernels.eu.weighted_median_rows`);
``eu`` and ``eu-masad`` run :func:`peninsula.kernels.eu.run_batch` with the models' default parameters and
rounds; ``consensus`` is its own formula (the compromise and the positions' weighted median, mixed) over
rows, without the model's agreement step (issue 21: the loop decides talks from the agreement set itself).
Every other registered model would have to run draw by draw: the loop refuses it with a clear error.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from peninsula.core import ParameterError

__all__ = ["DEFAULT_MODEL", "VECTORISED_MODELS", "bargain", "check_model"]

FloatArray = npt.NDArray[np.float64]

#: The default bargaining model: the weighted mean has the lowest MAE on the DEU training half (21.20);
#: see docs/system.md for why it, and not ``consensus``, is the default.
DEFAULT_MODEL = "compromise"
VECTORISED_MODELS = ("compromise", "mean", "median", "median-actor", "eu", "eu-masad", "consensus")
_ROUNDS = 10  # Model.default_rounds of the registered eu models


def check_model(name: str) -> None:
    """Raise :class:`ParameterError` unless ``name`` is a registered model the loop runs vectorised."""
    from peninsula.models.registry import get_model

    get_model(name)  # unknown name: ParameterError listing the registry
    if name not in VECTORISED_MODELS:
        raise ParameterError(
            f"model '{name}' cannot run on the posture issues in the coupled simulation (it has no "
            f"vectorised form over draws); choose one of {', '.join(VECTORISED_MODELS)}"
        )


def bargain(name: str, x: FloatArray, s: FloatArray, c: FloatArray, span: float) -> FloatArray:
    """The model's forecast per draw: ``x``, ``s`` ``(draws, n)`` positions and saliences, ``c`` ``(n,)``.

    Rows whose weights sum to zero fall back to unit weights (the ``eu`` convention).

    Examples
    --------
    >>> x = np.array([[0.0, 10.0], [0.0, 4.0]]); s = np.ones((2, 2)); c = np.array([3.0, 1.0])
    >>> bargain("compromise", x, s, c, 10.0).tolist()
    [2.5, 1.0]
    """
    w = s * c
    total = w.sum(axis=1)
    w = np.where(total[:, None] > 0, w, 1.0)
    if name == "compromise":
        return np.asarray((w * x).sum(axis=1) / w.sum(axis=1), dtype=np.float64)
    if name == "mean":
        return np.asarray(x.mean(axis=1), dtype=np.float64)
    from peninsula.kernels.eu import run_batch, weighted_median_rows

    if name == "median":
        return weighted_median_rows(x, w)
    if name == "median-actor":
        return weighted_median_rows(x, np.ones_like(x))
    if name == "consensus":
        # Consensus.combine over rows: the weighted median of the positions (weight λ·share) and the
        # compromise (weight 1 − λ), clipped to the positions' hull; λ as shipped (models/data/consensus.json)
        from peninsula.models.consensus import Consensus

        lam = float(Consensus().get_params()["position_weight"])
        share = w / w.sum(axis=1, keepdims=True)
        comp = (share * x).sum(axis=1) / share.sum(axis=1)
        xs = np.concatenate([x, comp[:, None]], axis=1)
        ws = np.concatenate([lam * share, np.full((x.shape[0], 1), 1.0 - lam)], axis=1)
        return np.clip(weighted_median_rows(xs, ws), x.min(axis=1), x.max(axis=1))
    if name in ("eu", "eu-masad"):
        run = run_batch(x, s, np.broadcast_to(c, x.shape), rounds=_ROUNDS, delta=span, variant=name)  # type: ignore[arg-type]
        return np.asarray(run.outcomes[-1], dtype=np.float64)
    check_model(name)
    raise AssertionError(name)  # pragma: no cover
