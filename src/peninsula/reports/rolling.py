"""Render the rolling-origin evaluation of the launch models: rich tables and a calibration chart.

rich and matplotlib are imported inside the functions; the chart is built on a
:class:`matplotlib.figure.Figure` (no pyplot, no backend switch).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import RenderableType

    from peninsula.dynamics.rolling import RollingEvaluation

__all__ = ["plot_calibration", "rolling_tables"]


def _p(x: float) -> str:
    return "–" if x != x else f"{x:.2f}"  # NaN-safe


def rolling_tables(ev: RollingEvaluation, source: str) -> list[RenderableType]:
    """Scores per model and horizon, the Diebold–Mariano comparisons, and the model choice."""
    from rich.table import Table

    scores = ev.scores()
    comps = ev.comparisons()
    table = Table(
        title=f"Rolling-origin evaluation, {ev.target}: {len(ev.origins)} origins "
        f"({ev.origins[0]}..{ev.origins[-1]}), first window {ev.min_train} months, data: {source}"
    )
    table.add_column("model", style="bold")
    table.add_column("h", justify="right")
    table.add_column("n", justify="right")
    table.add_column("log score ↑", justify="right")
    table.add_column("RPS ↓", justify="right")
    table.add_column("MAE ↓", justify="right")
    table.add_column("cover 50%", justify="right")
    table.add_column("cover 80%", justify="right")
    table.add_column("Δ vs clim. (p)", justify="right")
    table.add_column("Δ vs last12 (p)", justify="right")
    for name, by_h in scores.items():
        for h, s in by_h.items():
            c = comps.get(name, {}).get(h, {})

            def dm(b: str, c: dict[str, dict[str, float]] = c) -> str:
                return f"{c[b]['mean_diff']:+.3f} ({_p(c[b]['p_value'])})" if b in c else ""

            table.add_row(
                name + (" *" if name == ev.chosen else ""),
                str(h),
                str(s["n"]),
                f"{s['mean_log_score']:.3f}",
                f"{s['rps']:.3f}",
                f"{s['mae']:.3f}",
                f"{s['coverage50']:.2f}",
                f"{s['coverage80']:.2f}",
                dm("climatology"),
                dm("last12"),
            )
        table.add_section()
    verdict = (
        f"chosen (*): {ev.chosen} — "
        + (
            "meets the targets"
            if ev.targets_met
            else "NO candidate met the targets; best h=1 log score shown"
        )
        + " (beat climatology and last12 in mean log score at h=1, no worse at longer horizons). "
        "Δ: mean log-score difference, model − baseline; p: Diebold–Mariano (HLN-corrected), two-sided."
    )
    versus = Table(
        title=f"The chosen model ({ev.chosen}) against the baselines and the best model without posture "
        "covariates, per horizon: mean log-score difference (Diebold–Mariano p)"
    )
    versus.add_column("h", justify="right")
    versus.add_column(f"{ev.chosen} log score", justify="right")
    versus.add_column("vs climatology", justify="right")
    versus.add_column("vs last12", justify="right")
    versus.add_column("best without posture", justify="right")
    versus.add_column("vs it", justify="right")
    for h, row in ev.versus().items():

        def cell(r: dict[str, Any] | None) -> str:
            return "–" if r is None else f"{r['mean_diff']:+.3f} ({_p(r['p_value'])})"

        best = row.get("best_without_posture")
        versus.add_row(
            str(h),
            f"{row['mean_log_score']:.3f}",
            cell(row.get("climatology")),
            cell(row.get("last12")),
            "–" if best is None else f"{best['model']} {best['mean_log_score']:.3f}",
            cell(best),
        )
    note = (
        "[dim]note: forecasts are conditional on the posture path the timeline records for the target "
        f"months; counts after each origin are never used. Evidence is thin (one series, {len(ev.origins)} "
        "overlapping origins).[/dim]"
    )
    from peninsula.reports.layout import Prose, fitted

    return [fitted(table), Prose(verdict), fitted(versus), Prose(note)]


def plot_calibration(ev: RollingEvaluation, path: str | Path | None = None, *, figure: Any = None) -> Any:
    """PIT histograms (rows: models, columns: horizons) with 50 %/80 % coverage in each title.

    Parameters
    ----------
    ev:
        A :class:`~peninsula.dynamics.rolling.RollingEvaluation`.
    path:
        Where to save a PNG (120 dpi); ``None`` saves nothing.
    figure:
        A matplotlib figure to draw on; ``None`` makes a new :class:`~matplotlib.figure.Figure`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    scores = ev.scores()
    models = list(scores)
    hs = list(ev.horizons)
    fig = (
        figure
        if figure is not None
        else Figure(figsize=(3.2 * len(hs), 1.9 * len(models)), layout="constrained")
    )
    axes = fig.subplots(len(models), len(hs), squeeze=False, sharex=True, sharey=True)
    for i, name in enumerate(models):
        for j, h in enumerate(hs):
            ax = axes[i][j]
            s = scores[name].get(h)
            if s is None:
                ax.set_axis_off()
                continue
            pit = s["pit"]
            width = 1.0 / len(pit)
            ax.bar(
                [k * width for k in range(len(pit))],
                [v / width for v in pit],
                width=width,
                align="edge",
                color="#4c72b0" if name != ev.chosen else "#dd8452",
                edgecolor="white",
            )
            ax.axhline(1.0, color="black", lw=0.8, ls="--")
            ax.set_title(
                f"{name}, h={h}: cover50 {s['coverage50']:.2f}, cover80 {s['coverage80']:.2f}", fontsize=8
            )
            if j == 0:
                ax.set_ylabel("PIT density")
    for ax in axes[-1]:
        ax.set_xlabel("PIT")
    fig.suptitle(
        f"Calibration of the launch models ({ev.target}), rolling origins {ev.origins[0]}..{ev.origins[-1]}: "
        "flat = calibrated, U = too narrow, hump = too wide",
        fontsize=9,
    )
    if path is not None:
        from peninsula.io.atomic import save_figure

        save_figure(fig, path, dpi=120)
    return fig
