"""Tables and the chart of the coupled simulation (``peninsula simulate``).

Tables are rich renderables (rich imported inside the functions); the chart is a
:class:`matplotlib.figure.Figure` built without pyplot (matplotlib imported inside :func:`plot_system`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from peninsula.reports.console import fmt, signed
from peninsula.reports.layout import Prose, fitted

if TYPE_CHECKING:
    from rich.console import RenderableType

    from peninsula.system import SystemBacktest, SystemComparison, SystemRun

__all__ = ["backtest_tables", "compare_tables", "plot_system", "sensitivity_table", "system_tables"]


def _band(q: dict[str, Any], digits: str = "{:.0f}") -> str:
    if q.get("q50") is None:
        return "–"
    return f"{digits.format(q['q50'])} [{digits.format(q['q10'])}, {digits.format(q['q90'])}]"


def system_tables(run: SystemRun) -> list[RenderableType]:
    """Monthly medians and 80 % bands: launches, posture per issue, cohesion; the rules; the notes."""
    from rich.table import Table

    doc = run.to_dict()
    title = (
        f"{run.scenario}{' + ' + run.overlay if run.overlay else ''}: {run.model} bargaining, "
        f"{run.launch_model} launches ({run.target}), {run.months[0]}..{run.months[-1]}, "
        f"{run.n_draws} draws, seed {run.seed}"
    )
    table = Table(title=title)
    table.add_column("month", style="bold")
    table.add_column("launches: median\n[10%, 90%]", justify="right")
    table.add_column("mean", justify="right")
    table.add_column("observed", justify="right")
    issues = list(run.posture)
    for i in issues:
        table.add_column(f"{i}", justify="right")
    table.add_column("cohesion", justify="right")
    for row in doc["path"]:
        obs = row["observed_launches"]
        table.add_row(
            row["month"],
            _band(row["launches"]),
            f"{row['launches']['mean']:.2f}",
            "–" if obs is None else str(obs),
            *(
                fmt(row["posture"][i]["q50"])
                + (
                    f" ({fmt(row['observed_posture'][i])})"
                    if row["observed_posture"] and i in row["observed_posture"]
                    else ""
                )
                for i in issues
            ),
            _band(row["cohesion"], "{:.3f}") if row["cohesion"] else "–",
        )
    tot = doc["total_launches"]
    observed = [o for o in run.observed_launches if o is not None]
    table.add_section()
    table.add_row(
        "total",
        _band(tot),
        f"{tot['mean']:.1f}",
        str(sum(observed)) if len(observed) == len(run.months) else "–",
        *("" for _ in issues),
        "",
    )
    rules = Table(title="Response rules and posture constants (peninsula/system/data/rules.yaml)")
    for col in ("id", "value", "range", "source"):
        rules.add_column(col, overflow="fold")
    for r in doc["rules"]:
        shown = r.get("source_label", r["source"])  # seeds by their human name; the JSON keeps the file
        rules.add_row(r["id"], f"{r['value']:g}", f"{r['low']:g}–{r['high']:g}", shown)
    notes = [
        "[dim]posture: the bargained outcome in force (median over draws), the record in brackets where it "
        "speaks; cohesion 1 = the allies want the same outcome on every shared issue[/dim]",
        *(f"[dim]note: {n}[/dim]" for n in run.notes),
    ]
    return [fitted(table), fitted(rules), *(Prose(n) for n in notes)]


def backtest_tables(bt: SystemBacktest) -> list[RenderableType]:
    """Launch scores of the loop, the launch model on the recorded posture and climatology; posture levers."""
    from rich.table import Table

    run = bt.run
    t = Table(
        title=f"Backtest {run.scenario} {run.months[0]}..{run.months[-1]} ({len(run.months)} months, "
        f"{run.target}; observed total {bt.observed_total})"
    )
    for col in ("model", "mean log\nscore ↑", "80%\ncoverage", "total: median\n[10%, 90%]", "total\nmean"):
        t.add_column(col, justify="right" if col != "model" else "left")
    names = {
        "loop": f"loop ({run.model} + {run.launch_model})",
        "recorded_posture": f"{run.launch_model} on recorded posture",
        "best_without_posture": f"{bt.scores.get('best_without_posture', {}).get('model', '')} (no posture)",
        "climatology": "climatology",
    }
    for key, s in bt.scores.items():
        t.add_row(
            names.get(key, key),
            f"{s['mean_log_score']:.3f}",
            f"{s['coverage80']:.2f}",
            _band(s["total"]),
            f"{s['total']['mean']:.1f}",
        )
    p = Table(title="Posture levers: simulated vs recorded (share of months with the lever on)")
    for col in ("lever", "modelled", "simulated", "recorded", "Brier ↓", "agreement"):
        p.add_column(col, justify="left" if col in ("lever", "modelled") else "right")
    kinds = {
        "exercise_active": "exercise",
        "exercise_suspended": "exercise",
        "talks_recent": "talks",
        "sanctions_recent": "sanctions",
    }
    for k, v in bt.posture.items():
        p.add_row(
            k,
            "yes" if kinds[k] in run.modelled else "no (record)",
            f"{v['simulated']:.2f}",
            f"{v['recorded']:.2f}",
            f"{v['brier']:.3f}",
            f"{v['agreement']:.2f}",
        )
    return [fitted(t), fitted(p), *(Prose(f"[dim]note: {n}[/dim]") for n in run.notes)]


def compare_tables(cmp: SystemComparison) -> list[RenderableType]:
    """Overlay minus base on common random numbers: launches, cohesion, posture."""
    from rich.table import Table

    d = cmp.difference()
    b, a = cmp.base, cmp.alternative
    t = Table(
        title=f"{a.scenario}: overlay {a.overlay} vs base, {a.months[0]}..{a.months[-1]}, {a.n_draws} "
        f"draws on common random numbers (seed {a.seed})"
    )
    for col in (
        "quantity",
        "base: median\n[10%, 90%]",
        "overlay",
        "overlay − base:\nmedian [10%, 90%]",
        "mean",
    ):
        t.add_column(col, justify="left" if col == "quantity" else "right")
    bt, at = b.to_dict()["total_launches"], a.to_dict()["total_launches"]
    t.add_row(
        "launches, window total",
        _band(bt),
        _band(at),
        _band(d["launches"], "{:+.0f}"),
        f"{d['launches']['mean']:+.2f}",
    )
    if "cohesion" in d and b.cohesion is not None and a.cohesion is not None:
        qb = np.quantile(b.cohesion.mean(axis=1), [0.1, 0.5, 0.9])
        qa = np.quantile(a.cohesion.mean(axis=1), [0.1, 0.5, 0.9])
        t.add_row(
            "cohesion, window mean",
            f"{qb[1]:.3f} [{qb[0]:.3f}, {qb[2]:.3f}]",
            f"{qa[1]:.3f} [{qa[0]:.3f}, {qa[2]:.3f}]",
            _band(d["cohesion"], "{:+.3f}"),
            f"{d['cohesion']['mean']:+.3f}",
        )
    for i, v in d["posture"].items():
        t.add_row(
            f"{i}, last month",
            fmt(float(np.median(b.posture[i][:, -1]))),
            fmt(float(np.median(a.posture[i][:, -1]))),
            f"{signed(v['q50'])} [{signed(v['q10'])}, {signed(v['q90'])}]",
            signed(v["mean"]),
        )
    line = (
        f"P(more launches with {a.overlay}) = {d['launches']['prob_more']:.2f}, "
        f"P(fewer) = {d['launches']['prob_fewer']:.2f}"
    )
    return [fitted(t), Prose(line), *(Prose(f"[dim]note: {n}[/dim]") for n in a.notes)]


def sensitivity_table(rows: Sequence[dict[str, Any]], months: int) -> RenderableType:
    """One-at-a-time sensitivity: launch total and cohesion at each end of every rule's range."""
    from rich.table import Table

    t = Table(title=f"One-at-a-time sensitivity ({months}-month launch total, mean; window-mean cohesion)")
    for col in ("rule", "range", "launches:\nlow → high", "swing", "cohesion:\nlow → high"):
        t.add_column(col, justify="left" if col == "rule" else "right")
    for r in rows:
        t.add_row(
            r["id"],
            f"{r['low']:g}–{r['high']:g}",
            f"{r['launches_low']:.2f} → {r['launches_high']:.2f}",
            f"{r['launches_high'] - r['launches_low']:+.2f}",
            f"{r['cohesion_low']:.3f} → {r['cohesion_high']:.3f}",
        )
    if rows:
        base_l, base_c = rows[0]["launches_base"], rows[0]["cohesion_base"]
        t.caption = f"base (point values): launches {base_l:.2f}, cohesion {base_c:.3f}"
    return fitted(t)


def plot_system(run: SystemRun, path: str | Path | None = None, *, base: SystemRun | None = None) -> Any:
    """Launch fan, posture and cohesion on one figure (three panels); ``base`` adds a comparison run.

    Returns the :class:`matplotlib.figure.Figure`; ``path`` saves it (``.png``, ``.svg`` or ``.pdf``, by
    suffix; 150 dpi, atomic write).
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 9), layout="constrained")
    axes = fig.subplots(3, 1, sharex=True)
    x = np.arange(len(run.months), dtype=float)
    runs = [(run, "#dd8452" if base is not None else "#4c72b0", run.overlay or "simulated")]
    if base is not None:
        runs.insert(0, (base, "#4c72b0", "base"))
    ax = axes[0]
    for r, color, label in runs:
        y = r.launches.astype(float)
        q10, q25, q50, q75, q90 = np.quantile(y, [0.1, 0.25, 0.5, 0.75, 0.9], axis=0)
        ax.fill_between(
            x, q10, q90, color=color, alpha=0.18, step="mid", linewidth=0, label=f"{label}: 80% band"
        )
        ax.fill_between(x, q25, q75, color=color, alpha=0.35, step="mid", linewidth=0)
        ax.plot(x, q50, color=color, lw=2, drawstyle="steps-mid", label=f"{label}: median")
    obs = np.array([np.nan if o is None else o for o in run.observed_launches], dtype=float)
    if np.isfinite(obs).any():
        ax.plot(x, obs, "o", color="black", ms=4, label="observed", zorder=5)
    unit = "CNS launch events" if run.target == "events" else "CNS missiles"
    ax.set_ylabel(f"{unit} / month")
    ax.legend(fontsize=8, loc="upper left", ncols=3)
    ax.set_title(
        f"{run.scenario}: {run.model} bargaining, {run.launch_model} launches, {run.n_draws} draws",
        fontsize=10,
        loc="left",
    )
    ax = axes[1]
    for k, issue in enumerate(run.posture):
        lo, hi = run.scales[issue]
        span = hi - lo if hi > lo else 1.0
        for r, color, label in runs:
            a = (r.posture[issue] - lo) / span
            q10, q50, q90 = np.quantile(a, [0.1, 0.5, 0.9], axis=0)
            ls = ["-", "--", ":", "-."][k % 4]
            ax.plot(x, q50, color=color, lw=1.6, ls=ls, drawstyle="steps-mid", label=f"{label}: {issue}")
            ax.fill_between(x, q10, q90, color=color, alpha=0.1, step="mid", linewidth=0)
    ax.set_ylabel("posture (share of scale)")
    ax.set_ylim(-0.05, 1.05)
    ax.legend(fontsize=7, loc="upper left", ncols=2)
    ax = axes[2]
    for r, color, label in runs:
        if r.cohesion is None:
            continue
        q10, q50, q90 = np.nanquantile(r.cohesion, [0.1, 0.5, 0.9], axis=0)
        ax.fill_between(x, q10, q90, color=color, alpha=0.2, step="mid", linewidth=0)
        ax.plot(x, q50, color=color, lw=2, drawstyle="steps-mid", label=f"{label}: cohesion (median, 80%)")
    ax.set_ylabel("U.S.–ROK cohesion")
    ax.legend(fontsize=8, loc="lower left")
    step = max(1, len(x) // 12)
    axes[2].set_xticks(x[::step], [run.months[i] for i in range(0, len(x), step)], rotation=45, ha="right")
    for a in axes:
        a.grid(axis="y", alpha=0.3)
    if path is not None:
        from peninsula.io.atomic import save_figure

        save_figure(fig, path)
    return fig
