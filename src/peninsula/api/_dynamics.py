"""The launch-dynamics entry points of :mod:`peninsula.api` (``backtest``, ``rolling``, ``whatif``, ...).

The command line's ``backtest`` and ``whatif`` call these only. :mod:`peninsula.dynamics` is imported
inside each function, so importing the façade stays light.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from peninsula.dynamics.backtest import Backtest
    from peninsula.dynamics.effects import PostureEffects
    from peninsula.dynamics.loading import KoreaData
    from peninsula.dynamics.rolling import RollingEvaluation
    from peninsula.dynamics.whatif import WhatIf

__all__ = ["backtest", "check_figure_target", "launch_data", "posture_effects", "rolling", "whatif"]


def launch_data(data: str | Path | None = None) -> KoreaData:
    """The monthly launch counts and the alliance timeline: the packaged copy, or the CSVs in folder ``data``.

    Raises
    ------
    InputError
        Naming file, line and field of every problem found.

    Examples
    --------
    >>> import peninsula.api as api
    >>> str(api.launch_data().monthly.months[0])
    '2016-01'
    """
    from peninsula.dynamics.loading import load_data

    return load_data(data)


def check_figure_target(path: str | Path) -> Path:
    """Check, before any work, that ``path`` can take a chart (a writable ``.png``, ``.svg`` or ``.pdf``).

    The commands that write a chart call it first, so that a bad ``--out`` fails at once.

    Raises
    ------
    InputError
        If the suffix names no chart format or the target cannot be written.
    """
    from peninsula.io.atomic import check_figure_target as check

    return check(path)


def _month(value: str, name: str, option: str) -> str:
    from peninsula.core import ParameterError
    from peninsula.dynamics.loading import parse_month

    try:
        parse_month(value)
    except ValueError as exc:
        raise ParameterError(f"{option} ({name}): {exc}") from exc
    return value


def _launch_input(data: str | Path | KoreaData | None) -> KoreaData:
    from peninsula.dynamics.loading import KoreaData as _KoreaData

    return data if isinstance(data, _KoreaData) else launch_data(data)


def backtest(
    *,
    train_end: str = "2019-12",
    test_end: str | None = None,
    target: str = "events",
    data: str | Path | KoreaData | None = None,
) -> Backtest:
    """The expanding-window one-step-ahead backtest of every launch model against two baselines.

    What ``peninsula backtest`` prints (see ``docs/dynamics.md``): for each month after ``train_end``
    through ``test_end`` (default: the last month of the data), every model refitted on the months before
    it (:func:`peninsula.dynamics.run_backtest`).

    Raises
    ------
    ParameterError
        On a malformed month, months out of order or outside the data, or a window with no launch.

    Examples
    --------
    >>> import peninsula.api as api
    >>> bt = api.backtest(train_end="2021-09", test_end="2021-10")
    >>> bt.months, round(bt.models["last12"].monthly[0].mean, 4)
    (1, 0.25)
    """
    from peninsula.core import ParameterError
    from peninsula.dynamics.backtest import run_backtest

    korea = _launch_input(data)
    end = test_end or str(korea.monthly.months[-1])
    _month(train_end, "train_end", "--train-end")
    _month(end, "test_end", "--test-end")
    try:
        return run_backtest(korea, train_end, end, target)
    except ValueError as exc:
        raise ParameterError(str(exc)) from exc


def rolling(
    *,
    target: str = "events",
    horizons: Sequence[int] | None = None,
    data: str | Path | KoreaData | None = None,
    png: str | Path | None = None,
) -> RollingEvaluation:
    """The rolling-origin evaluation of the launch models (``peninsula backtest --rolling``).

    Every origin the data allow, ``horizons`` (default 1, 3 and 6 months): log score, RPS, MAE, 50/80 %
    coverage, PIT, Diebold–Mariano comparisons with the baselines, and the model the evaluation chooses
    (:func:`peninsula.dynamics.run_rolling`). With ``png``, the calibration chart (PIT histograms) is
    written there; the target is checked before the work.

    Raises
    ------
    ParameterError
        On a horizon below 1 or data that leave no origin.
    InputError
        If ``png`` cannot take a chart.
    """
    from peninsula.core import ParameterError
    from peninsula.dynamics.forecasts import HORIZONS
    from peninsula.dynamics.rolling import run_rolling

    if png is not None:
        check_figure_target(png)
    korea = _launch_input(data)
    try:
        evaluation = run_rolling(korea, target, tuple(horizons or HORIZONS))
    except ValueError as exc:
        raise ParameterError(str(exc)) from exc
    if png is not None:
        from peninsula.reports.rolling import plot_calibration

        plot_calibration(evaluation, png)
    return evaluation


def whatif(
    start: str,
    months: int,
    settings: Sequence[str] = (),
    *,
    overlay: str | None = None,
    model: str | None = None,
    target: str = "events",
    sims: int = 2000,
    seed: int = 0,
    data: str | Path | KoreaData | None = None,
    png: str | Path | None = None,
) -> WhatIf:
    """Simulate launches along the recorded and an alternative alliance posture (``peninsula whatif``).

    Parameters
    ----------
    start:
        First simulated month, ``YYYY-MM``; the window may run past the data.
    months:
        Months to simulate (1-120).
    settings:
        Levers ``KEY=VALUE``: ``exercises=full|reduced|suspended|recorded``, ``summit=``, ``talks=``,
        ``sanctions=`` a month or ``none`` (:func:`peninsula.dynamics.parse_levers`).
    overlay:
        A Korea scenario overlay mapped onto the levers (``resume-exercises``, ``dual-track-sanctions``,
        ``phased-relief``), added before ``settings``.
    model:
        Launch model (default: the rolling evaluation's choice for ``target``).
    sims, seed:
        Simulated paths and their seed.
    png:
        Write the fan chart here (checked before the work).

    Raises
    ------
    ParameterError
        On a bad lever, month, overlay, model or count.

    Examples
    --------
    >>> import peninsula.api as api
    >>> w = api.whatif("2019-06", 3, ["exercises=full"], sims=100, seed=1)
    >>> w.months, w.model
    (('2019-06', '2019-07', '2019-08'), 'regime')
    """
    from peninsula.core.limits import check_seed, check_sims
    from peninsula.dynamics.overlays import overlay_levers
    from peninsula.dynamics.whatif import parse_levers, run_whatif

    check_sims(sims)
    check_seed(seed)
    if png is not None:
        check_figure_target(png)
    _month(start, "start", "--from")
    levers = parse_levers([*(overlay_levers(overlay, start) if overlay else ()), *settings])
    korea = _launch_input(data)
    result = run_whatif(korea, start, months, levers, target=target, n_sims=sims, rng=seed, model=model)
    if png is not None:
        from peninsula.reports.plots import plot_whatif

        plot_whatif(result, png)
    return result


def posture_effects(
    *,
    target: str = "events",
    data: str | Path | KoreaData | None = None,
    draws: int = 20_000,
    seed: int = 0,
    png: str | Path | None = None,
) -> PostureEffects:
    """Each posture lever's effect on the next months' launches (``peninsula backtest --posture-effects``).

    For each lever (exercises held, scaled back, suspended; talks; new sanctions): an event study that
    depends on no model (the change in launches around each event against placebo months, with a
    permutation interval and p-value) and each launch model's posture coefficients, fitted on all the data
    (:func:`peninsula.dynamics.effects.estimate_posture_effects`, ``docs/dynamics.md``). With ``png``, the
    chart is written there (checked before the work).

    Examples
    --------
    >>> import peninsula.api as api
    >>> pe = api.posture_effects(draws=500)
    >>> sorted(pe.effects)
    ['exercises_held', 'exercises_scaled_back', 'exercises_suspended', 'new_sanctions', 'talks']
    """
    from peninsula.core.limits import check_seed
    from peninsula.dynamics.effects import estimate_posture_effects

    check_seed(seed)
    if png is not None:
        check_figure_target(png)
    result = estimate_posture_effects(_launch_input(data), target, draws=draws, rng=seed)
    if png is not None:
        from peninsula.reports.effects import plot_posture_effects

        plot_posture_effects(result, png)
    return result
