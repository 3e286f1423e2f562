"""A thin adapter over the dynamics package's launch models: one month at a time, posture per draw.

The dynamics models simulate a whole window along one posture path shared by every draw
(:func:`peninsula.dynamics.registry.simulate_counts`, ``run_whatif``). The coupled loop needs one month at a
time, because next month's posture depends on this month's launches, with a posture that differs by draw.
Each stepper below repeats its model's simulation step exactly as the model's own ``simulate`` (or
``whatif``) does — the same parameter draws, the same uniforms in the same order, the same arithmetic — so
that with every response rule at 0 the loop's launches equal ``run_whatif`` under the same posture path
(a property test checks it for every model).

Random numbers, in this order, from the run's generator (as ``run_whatif`` draws them): the parameter draws
(:meth:`NegBinRegressionFit.draw` or ``fit.draw_thetas``), then the ``(draws, months)`` uniforms behind the
counts.
The loop draws everything else afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from peninsula.core import ParameterError

__all__ = ["LAUNCH_MODELS", "LaunchStepper", "fit_launch_model", "make_stepper"]

FloatArray = npt.NDArray[np.float64]


class LaunchStepper(Protocol):
    """What the loop needs of a launch model."""

    name: str
    covariates: tuple[str, ...]

    def begin(self, n_draws: int, n_months: int, gen: np.random.Generator) -> None:
        """Draw parameters and uniforms (in the model's whatif order) and filter the launch history."""

    def step(
        self, j: int, x: Mapping[str, FloatArray]
    ) -> tuple[npt.NDArray[np.int64], FloatArray, FloatArray]:
        """Month ``j``: covariates per draw ``x[name]`` (draws,) → counts, NB shape ``r`` and prob ``p``."""


@dataclass
class PostureStepper:
    """The NB2 posture regression (:class:`peninsula.dynamics.NegBinRegressionFit`), stepped as ``whatif``
    does."""

    fit: Any
    history: npt.NDArray[np.int64]
    name: str = "posture"
    covariates: tuple[str, ...] = field(default=())
    _state: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from peninsula.dynamics.covariates import SELF_EXCITATION

        self.covariates = tuple(n for n in self.fit.names if n not in ("const", SELF_EXCITATION))

    def begin(self, n_draws: int, n_months: int, gen: np.random.Generator) -> None:
        from peninsula.dynamics.covariates import LAUNCH_MEMORY

        betas, alphas = self.fit.draw(n_draws, gen)
        uniforms = gen.random((n_draws, n_months))
        counts = np.zeros((n_draws, LAUNCH_MEMORY + n_months))
        counts[:, :LAUNCH_MEMORY] = self.history[-LAUNCH_MEMORY:]
        self._state = {"betas": betas, "alphas": alphas, "u": uniforms, "counts": counts}

    def step(
        self, j: int, x: Mapping[str, FloatArray]
    ) -> tuple[npt.NDArray[np.int64], FloatArray, FloatArray]:
        from scipy import stats

        from peninsula.dynamics.covariates import LAUNCH_MEMORY, SELF_EXCITATION
        from peninsula.dynamics.nbregression import MAX_LOG_MEAN

        st = self._state
        counts = st["counts"]
        n = counts.shape[0]
        X = np.empty((n, len(self.fit.names)))
        for i, name in enumerate(self.fit.names):
            if name == "const":
                X[:, i] = 1.0
            elif name == SELF_EXCITATION:
                X[:, i] = np.log1p(counts[:, j : j + LAUNCH_MEMORY].sum(axis=1))
            else:
                X[:, i] = x[name]
        mu = np.exp(np.minimum(np.einsum("sk,sk->s", X, st["betas"]), MAX_LOG_MEAN))
        r = 1.0 / st["alphas"]
        p = r / (r + mu)
        y = stats.nbinom.ppf(st["u"][:, j], r, p)
        counts[:, LAUNCH_MEMORY + j] = y
        return y.astype(np.int64), r, p


@dataclass
class FitStepper:
    """Any dynamics fit with the public stepping API (``draw_thetas``, ``begin``, ``step``): the regime
    model, the local level, INGARCH and the forecast combination. The same draws, uniforms and steps as
    its ``simulate`` in ``run_whatif``, with the posture given per draw."""

    fit: Any
    history: tuple[npt.NDArray[np.int64], FloatArray]
    name: str = "regime"
    covariates: tuple[str, ...] = field(default=())
    _state: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.covariates = tuple(self.fit.covariates)

    def begin(self, n_draws: int, n_months: int, gen: np.random.Generator) -> None:
        thetas = self.fit.draw_thetas(n_draws, gen)
        uniforms = gen.random((n_draws, n_months))
        self._state = {"thetas": thetas, "u": uniforms, "fit": self.fit.begin(thetas, self.history)}

    def step(
        self, j: int, x: Mapping[str, FloatArray]
    ) -> tuple[npt.NDArray[np.int64], FloatArray, FloatArray]:
        st = self._state
        n = st["u"].shape[0]
        cols = [np.broadcast_to(np.asarray(x[c], dtype=np.float64), (n,)) for c in self.covariates]
        X = np.column_stack(cols) if cols else np.zeros((n, 0))
        counts, shape, prob = self.fit.step(st["thetas"], st["fit"], X, st["u"][:, j])
        return np.asarray(counts, dtype=np.int64), shape, prob


LAUNCH_MODELS = ("regime", "local_level", "ingarch", "combination", "posture")


def fit_launch_model(data: Any, name: str, target: str, end: str) -> Any:
    """Fit launch model ``name`` on ``data`` up to ``end`` (``YYYY-MM``) through the dynamics public API."""
    if name not in LAUNCH_MODELS:
        raise ParameterError(f"unknown launch model {name!r}; choose from {', '.join(LAUNCH_MODELS)}")
    try:
        if name == "posture":
            from peninsula.dynamics.nbregression import NegBinRegression

            return NegBinRegression(target).fit(data, end=end)
        from peninsula.dynamics.registry import fit_model

        return fit_model(data, model=name, target=target, end=end)
    except ValueError as exc:
        raise ParameterError(f"launch model {name} cannot be fitted up to {end}: {exc}") from exc


def make_stepper(fit: Any, name: str, data: Any, target: str, pos: int) -> LaunchStepper:
    """A stepper for a fitted launch model, with the recorded launch history before data month ``pos``."""
    y = data.monthly.target(target)[:pos]
    if name == "posture":
        return PostureStepper(fit, y)
    from peninsula.dynamics.covariates import covariate_matrix

    X = covariate_matrix(data, data.monthly.months[:pos], fit.covariates)
    return FitStepper(fit, (y, X), name=name)
