"""The one rolling-origin harness: every out-of-sample evaluation of the launch models sees the past here.

An *origin* is the last month of a training window; "origin ``n``" means the window of the first ``n``
months of the data. At each origin the harness

1. cuts the data after month ``n`` (:func:`truncate`; the timeline is kept, it is the posture path) —
   the only way a forecaster is shown "the past";
2. asks a *forecaster* ``(past, horizons) -> {model: [distribution per horizon]}`` for the predictive
   distributions of months ``n + h``, for each horizon ``h`` whose target month is in the data;
3. only then reads the observed counts of those target months from the full data and pairs them with
   the forecasts (:class:`OriginForecasts`).

A forecaster therefore cannot fit through the month it forecasts: the count of month ``n + h`` is not in
what it receives. Three evaluations are views of this harness:

* the rolling-origin evaluation (:func:`~peninsula.dynamics.rolling.run_rolling`): every origin from
  :func:`first_origin` on, horizons 1, 3 and 6;
* the one-step backtest (:func:`~peninsula.dynamics.backtest.run_backtest`): the origins just before each
  test month, horizon 1;
* the combination's weights (:mod:`~peninsula.dynamics.combination`), learned from the components'
  one-step forecasts at the origins inside a training window.

This module knows no model: forecasters are passed in, so the models (which may use it) sit above it
(import-linter contract in ``pyproject.toml``: origins ← models ← combination ← rolling / backtest).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from peninsula.dynamics.loading import KoreaData, MonthlyCounts
from peninsula.dynamics.scoring import CountDistribution

__all__ = [
    "MIN_TRAIN",
    "Forecaster",
    "OriginForecasts",
    "first_origin",
    "future_months",
    "run_origins",
    "truncate",
]

#: Months in the first training window of the rolling evaluation (2016-01..2017-12 on the packaged data).
MIN_TRAIN = 24

#: ``(past, horizons) -> {model name: one predictive distribution per horizon}``; ``past`` is the data cut
#: at the origin (:func:`truncate`).
Forecaster = Callable[[KoreaData, tuple[int, ...]], Mapping[str, Sequence[CountDistribution]]]


def truncate(data: KoreaData, n_months: int) -> KoreaData:
    """The data cut after its first ``n_months`` months (the timeline is kept: it is the posture path).

    Examples
    --------
    >>> from peninsula.dynamics.loading import load_data
    >>> past = truncate(load_data(), 24)
    >>> len(past.monthly.months), str(past.monthly.months[-1])
    (24, '2017-12')
    """
    m = data.monthly
    cut = MonthlyCounts(
        months=m.months[:n_months],
        events=m.events[:n_months],
        missiles=m.missiles[:n_months],
        supplementary={k: v[:n_months] for k, v in m.supplementary.items()},
    )
    return replace(data, monthly=cut)


def first_origin(y: npt.NDArray[np.int64], min_train: int = MIN_TRAIN) -> int:
    """The first origin of an evaluation: the later of ``min_train`` months and the first month with a launch.

    The local level's likelihood starts at the first launch, so a window without one cannot be fitted.
    Returns ``len(y)`` when the series has no launch (no origin).

    Examples
    --------
    >>> first_origin(np.array([0, 0, 1, 0]), min_train=1), first_origin(np.array([1, 0, 0]), min_train=2)
    (3, 2)
    """
    first_launch = int(np.argmax(y > 0)) + 1 if (y > 0).any() else len(y)
    return max(min_train, first_launch)


def future_months(past: KoreaData, n_months: int) -> npt.NDArray[np.datetime64]:
    """The ``n_months`` calendar months after the last month of ``past`` (``datetime64[M]``)."""
    last = past.monthly.months[-1]
    return np.asarray(last + np.arange(1, n_months + 1).astype("timedelta64[M]"), dtype="datetime64[M]")


@dataclass(frozen=True)
class OriginForecasts:
    """What a forecaster predicted at one origin, paired with what then happened.

    Attributes
    ----------
    n_train:
        Months in the training window (the origin is month ``n_train``, 1-based).
    origin:
        Last training month, ``YYYY-MM``.
    horizons:
        The horizons forecast (those whose target month is in the data).
    months:
        Target month ``YYYY-MM`` of each horizon.
    observed:
        Observed count of each target month (read after the forecasts were made).
    dists:
        Model name → one predictive distribution per horizon.
    """

    n_train: int
    origin: str
    horizons: tuple[int, ...]
    months: tuple[str, ...]
    observed: tuple[int, ...]
    dists: Mapping[str, tuple[CountDistribution, ...]]

    def at(self, horizon: int) -> int:
        """Index of ``horizon`` in :attr:`horizons`."""
        return self.horizons.index(horizon)


def run_origins(
    data: KoreaData,
    target: str,
    origins: Iterable[int],
    horizons: Sequence[int],
    forecaster: Forecaster,
) -> list[OriginForecasts]:
    """Run ``forecaster`` at each origin on the data cut there, and pair its forecasts with the outcomes.

    Parameters
    ----------
    data:
        The full data; the forecaster sees only ``truncate(data, n)`` at origin ``n``.
    target:
        ``"events"`` or ``"missiles"``: the series whose outcomes are paired.
    origins:
        Training-window lengths ``n`` (each ≥ 1), in the order to run them.
    horizons:
        Horizons ``h`` ≥ 1; at each origin only those with month ``n + h`` in the data are asked for.
    forecaster:
        See :data:`Forecaster`.

    Returns
    -------
    list of OriginForecasts
        One per origin with at least one usable horizon, in the order given.

    Raises
    ------
    ValueError
        If a horizon is below 1, an origin is outside ``1..len(data)``, or the forecaster does not return
        one distribution per requested horizon.

    Examples
    --------
    >>> from peninsula.dynamics.loading import load_data
    >>> from peninsula.dynamics.scoring import Poisson
    >>> def last_month(past, hs):   # forecast every horizon with a Poisson at the origin's count
    ...     return {"naive": [Poisson(max(float(past.monthly.events[-1]), 0.1))] * len(hs)}
    >>> out = run_origins(load_data(), "events", [70, 71], (1, 2), last_month)
    >>> [(o.origin, o.horizons, o.months) for o in out]
    [('2021-10', (1, 2), ('2021-11', '2021-12')), ('2021-11', (1, 2), ('2021-12', '2022-01'))]
    """
    hs = tuple(int(h) for h in horizons)
    if not hs or min(hs) < 1:
        raise ValueError(f"horizons must be >= 1, got {list(horizons)}")
    months = data.monthly.months
    y = data.monthly.target(target)
    n_months = len(months)
    out: list[OriginForecasts] = []
    for n in origins:
        if not 1 <= n <= n_months:
            raise ValueError(f"origin {n} is outside the data's {n_months} months")
        usable = tuple(h for h in hs if n - 1 + h < n_months)
        if not usable:
            continue
        dists = forecaster(truncate(data, n), usable)
        for name, ds in dists.items():
            if len(ds) != len(usable):
                raise ValueError(f"forecaster gave {len(ds)} distributions for {name}, not {len(usable)}")
        # the outcomes are read only now, after the forecaster has returned
        out.append(
            OriginForecasts(
                n_train=n,
                origin=str(months[n - 1]),
                horizons=usable,
                months=tuple(str(months[n - 1 + h]) for h in usable),
                observed=tuple(int(y[n - 1 + h]) for h in usable),
                dists={name: tuple(ds) for name, ds in dists.items()},
            )
        )
    return out
