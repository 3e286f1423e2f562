"""Render the posture effects per lever (``peninsula backtest --posture-effects``): a table and a chart.

rich and matplotlib are imported inside the functions; the chart is built on a
:class:`matplotlib.figure.Figure` (no pyplot, no backend switch).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import RenderableType

    from peninsula.dynamics.effects import PostureEffects

__all__ = ["effects_tables", "plot_posture_effects"]


def _interval(est: float, lo: float, hi: float, fmt: str) -> str:
    if not math.isfinite(est):
        return "–"
    return f"{est:{fmt}} [{lo:{fmt}}, {hi:{fmt}}]"


def effects_tables(pe: PostureEffects, source: str) -> list[RenderableType]:
    """The event study per lever (year-matched and pooled), then each model's ratio per lever."""
    from rich.table import Table

    from peninsula.dynamics.effects import LEVERS

    level = f"{pe.level:.0%}"
    design = Table(
        title=f"Posture effects, {pe.target}, {pe.first_month}..{pe.last_month}: event study "
        f"(launches per month, events minus placebo months, {level} permutation interval), data: {source}"
    )
    design.add_column("lever", style="bold")
    design.add_column("events", justify="right")
    design.add_column("window", justify="right")
    design.add_column("change vs before: effect [interval]", justify="right")
    design.add_column("p", justify="right")
    design.add_column("level: effect [interval]", justify="right")
    design.add_column("p", justify="right")
    for name, lever in LEVERS.items():
        m, p = pe.effects[name], pe.levels[name]
        design.add_row(
            name,
            str(len(m.events)),
            f"t{lever.offset:+d}..t{lever.offset + lever.length - 1:+d}",
            _interval(m.estimate, m.low, m.high, "+.2f"),
            "–" if not math.isfinite(m.p_value) else f"{m.p_value:.2f}",
            _interval(p.estimate, p.low, p.high, "+.2f"),
            "–" if not math.isfinite(p.p_value) else f"{p.p_value:.2f}",
        )
    models = Table(
        title=f"Posture effects in the launch models fitted on {pe.first_month}..{pe.last_month} ({level})"
    )
    models.add_column("lever", style="bold")
    names = [m.model for m in next(iter(pe.models.values()))]
    for n in names:
        models.add_column(n, justify="right")
    for name in LEVERS:
        models.add_row(name, *(_interval(m.estimate, m.low, m.high, ".2f") for m in pe.models[name]))
    scales = "; ".join(f"{m.model}: {m.scale}" for m in next(iter(pe.models.values())))
    return [
        design,
        models,
        f"ratios (1 = no effect): {scales}",
        *(f"[dim]note: {n}[/dim]" for n in pe.notes),
    ]


def plot_posture_effects(pe: PostureEffects, path: str | Path | None = None, *, figure: Any = None) -> Any:
    """Two forest plots: the event study (launches per month, year-matched and pooled) and each model's
    ratio (log scale), one row per lever.

    Parameters
    ----------
    pe:
        A :class:`~peninsula.dynamics.effects.PostureEffects`.
    path:
        Where to save a PNG (120 dpi); ``None`` saves nothing.
    figure:
        A matplotlib figure to draw on; ``None`` makes a new :class:`~matplotlib.figure.Figure`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    from peninsula.dynamics.effects import LEVERS

    fig = figure if figure is not None else Figure(figsize=(11, 5.4), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True)
    levers = list(LEVERS)
    ys = list(range(len(levers)))[::-1]
    for offset, (label, store, color) in enumerate(
        (("change from the months before (E1)", pe.effects, "#dd8452"), ("level", pe.levels, "#4c72b0"))
    ):
        for y, name in zip(ys, levers, strict=True):
            e = store[name]
            if not math.isfinite(e.estimate):
                continue
            yy = y + (0.12 if offset == 0 else -0.12)
            left.plot([e.low, e.high], [yy, yy], color=color, lw=2)
            left.plot([e.estimate], [yy], "o", color=color, label=label if y == ys[0] else None)
    left.axvline(0.0, color="black", lw=0.8, ls="--")
    left.set_yticks(ys, levers)
    left.set_xlabel(f"launches / month, events − placebo months ({pe.level:.0%} interval)")
    left.set_title("(b) event study, no model", fontsize=9)
    left.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncols=2)
    models = [m.model for m in next(iter(pe.models.values()))]
    colors = ("#55a868", "#c44e52", "#8172b2", "#937860", "#da8bc3")
    n = len(models)
    for k, model in enumerate(models):
        for y, name in zip(ys, levers, strict=True):
            m = pe.models[name][k]
            yy = y + 0.3 * (k - (n - 1) / 2) / max(n - 1, 1)
            right.plot([m.low, m.high], [yy, yy], color=colors[k % len(colors)], lw=2)
            right.plot(
                [m.estimate], [yy], "o", color=colors[k % len(colors)], label=model if y == ys[0] else None
            )
    right.axvline(1.0, color="black", lw=0.8, ls="--")
    right.set_xscale("log")
    ticks = [0.25, 0.5, 1.0, 2.0, 4.0]
    right.set_xticks(ticks, [f"{t:g}" for t in ticks])
    right.minorticks_off()
    right.set_xlabel(f"ratio, 1 = none ({pe.level:.0%} interval); regime: odds of the active regime")
    right.set_title("(a) the launch models' posture coefficients", fontsize=9)
    right.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncols=4)
    fig.suptitle(
        "Does the alliance's posture move North Korea's launches "
        f"({pe.target}, {pe.first_month}..{pe.last_month})? Associations in one series",
        fontsize=10,
    )
    if path is not None:
        from peninsula.io.atomic import save_figure

        save_figure(fig, path, dpi=120)
    return fig
