"""Charts of the launch dynamics, as figure objects that never touch matplotlib's global state.

Figures are built with :class:`matplotlib.figure.Figure` directly (no pyplot, no backend switch), so a
notebook user's backend is left alone; saving uses the figure's own canvas. matplotlib is imported inside
the functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from peninsula.dynamics.whatif import PathSummary, WhatIf

__all__ = ["plot_whatif"]


def _band(ax: Any, x: np.ndarray[Any, Any], p: PathSummary, color: str, label: str) -> None:
    ax.fill_between(x, p.p10, p.p90, color=color, alpha=0.2, step="mid", linewidth=0, label="80% band")
    ax.fill_between(x, p.p25, p.p75, color=color, alpha=0.45, step="mid", linewidth=0, label="50% band")
    ax.plot(x, p.p50, color=color, lw=2, drawstyle="steps-mid", label="median")
    ax.plot(x, p.mean, color=color, lw=1.2, ls=":", drawstyle="steps-mid", label="mean (can leave the chart)")
    ax.set_title(label, fontsize=10, loc="left")


def plot_whatif(result: WhatIf, path: str | Path | None = None, *, axes: Any = None) -> Any:
    """Draw the recorded and the alternative path as two fan charts, with the observed counts.

    Parameters
    ----------
    result:
        A :class:`~peninsula.dynamics.whatif.WhatIf`.
    path:
        Where to save a PNG (150 dpi); ``None`` saves nothing.
    axes:
        Two matplotlib axes to draw on (e.g. from a notebook's figure); ``None`` makes a new
        :class:`~matplotlib.figure.Figure` of two rows.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.
    """
    if axes is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(10, 7), layout="constrained")
        axes = fig.subplots(2, 1, sharex=True, sharey=True)
    else:
        fig = axes[0].figure
    x = np.arange(len(result.months), dtype=float)
    obs = np.array([np.nan if o is None else o for o in result.observed], dtype=float)
    levers = ", ".join(
        [f"exercises={result.levers.exercises}"]
        + [f"{k}={m}" for k, m in result.levers.add]
        + [f"{k}=none" for k in result.levers.remove]
    )
    panels = (
        (axes[0], result.recorded, "#4c72b0", "recorded posture (timeline as it happened)"),
        (axes[1], result.alternative, "#dd8452", f"alternative posture: {levers}"),
    )
    unit = "CNS launch events" if result.target == "events" else "CNS missiles"
    for ax, summary, color, label in panels:
        _band(ax, x, summary, color, label)
        if np.isfinite(obs).any():
            ax.plot(x, obs, "o", color="black", ms=4, label="observed", zorder=5)
        ax.set_ylabel(f"{unit} / month")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=8, loc="upper left", ncols=5)
    # Means of right-skewed simulated counts can run far above the bands; scale to the bands and the data.
    top = max(
        float(result.recorded.p90.max()),
        float(result.alternative.p90.max()),
        float(np.nanmax(obs, initial=0)),
    )
    axes[0].set_ylim(0, top * 1.25 + 1)
    step = max(1, len(x) // 12)
    axes[1].set_xticks(x[::step], [result.months[i] for i in range(0, len(x), step)], rotation=45, ha="right")
    diff = result.difference()
    fig.suptitle(
        f"What if: {levers}  ({result.months[0]}..{result.months[-1]})\n"
        f"window total, alternative − recorded: median {diff['p50']:+.0f}, "
        f"80% interval {diff['p10']:+.0f} to {diff['p90']:+.0f}\n"
        f"{result.n_sims} simulations incl. parameter uncertainty; thin evidence (one series, "
        f"{result.fit.first_month}..{result.fit.last_month})",
        fontsize=10,
    )
    if path is not None:
        from peninsula.io.atomic import save_figure

        save_figure(fig, path, dpi=150)
    return fig
