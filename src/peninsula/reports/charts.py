"""The report's and the workbench's charts: matplotlib figures, rendered to inline SVG or to PNG.

Every chart is a :class:`matplotlib.figure.Figure` built directly (never through ``pyplot``, and the
backend is never switched), so building a chart has no global side effect and is safe in a web server's
worker threads. :func:`svg` renders a figure to an ``<svg>`` string with text kept as text (small, and
searchable in the page); :func:`save_png` writes the same figure as a PNG. matplotlib is imported inside
the functions, so importing this module costs nothing at CLI start-up.

Each function takes results from the layers below (a forecast, an overlay comparison, cohesion values, a
what-if run) and draws them; nothing here computes a forecast.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from peninsula.dynamics.whatif import WhatIf
    from peninsula.simulate.forecast import Forecast
    from peninsula.simulate.overlay import OverlayComparison

__all__ = [
    "RC",
    "Chart",
    "cohesion_chart",
    "distribution_chart",
    "exchange_edges",
    "exchange_models",
    "launch_chart",
    "network_chart",
    "overlay_chart",
    "positions_chart",
    "save_png",
    "svg",
    "tornado_chart",
]

#: matplotlib settings every chart is drawn with (text stays text in the SVG; fixed ids; no metadata). Labels
#: hold ids and names from scenario files: ``text.parse_math`` off draws them as written (``$\frac{$`` in an
#: issue id used to crash the report and the workbench; see :func:`peninsula.core.sanitize.plain_text`).
RC: dict[str, Any] = {
    "text.parse_math": False,
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 8.5,
    "axes.titlesize": 9,
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "legend.fontsize": 7.5,
    "legend.frameon": False,
}

PALETTE = (
    "#4c72b0",
    "#dd8452",
    "#55a868",
    "#c44e52",
    "#8172b3",
    "#937860",
    "#da8bc3",
    "#8c8c8c",
    "#ccb974",
    "#64b5cd",
)


@dataclass(frozen=True)
class Chart:
    """One chart of a report: a stable ``key`` (file name of its PNG), a title, a caption and the figure."""

    key: str
    title: str
    caption: str
    figure: Figure


def _rc(**extra: Any) -> Any:
    """``matplotlib.rc_context`` with :data:`RC` (and ``extra``: dotted keys given with ``_`` for ``.``)."""
    import matplotlib

    ctx: Any = matplotlib.rc_context
    return ctx({**RC, **{k.replace("__", "."): v for k, v in extra.items()}})


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def svg(fig: Figure, key: str = "chart") -> str:
    """The figure as an inline ``<svg>`` element (no XML prolog, no DOCTYPE, no creation date).

    ``key`` salts the ids matplotlib gives clip paths, so several charts in one page never share an id
    and the same chart renders to the same text every time.
    """

    buf = io.StringIO()
    with _rc(svg__hashsalt=key):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    start = text.find("<svg")
    body = text[start:]
    # Let the page size the chart: keep the viewBox, drop the fixed width/height in pt.
    body = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 class="chart"', body, count=1)
    # matplotlib names its groups figure_1, axes_1 ... in every SVG: prefix every id (and every reference
    # to one) with the chart's key, so the ids of a page with many charts stay unique.
    prefix = re.sub(r"[^A-Za-z0-9_-]", "_", key)
    body = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', body)
    body = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", body)
    return re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', body)


def save_png(fig: Figure, path: str | Path, dpi: int = 150) -> Path:
    """Write the figure as a PNG (atomically: a temp file in the same folder, then ``os.replace``).

    Raises :class:`~peninsula.core.InputError` (exit 2) if the target cannot be written
    (:func:`peninsula.io.atomic.atomic_write`).
    """
    from peninsula.io.atomic import atomic_write

    target = Path(path)
    with atomic_write(target, "wb") as fh, _rc():
        fig.savefig(fh, format="png", dpi=dpi)
    return target


def _color(k: int) -> str:
    return PALETTE[k % len(PALETTE)]


def _grid(n: int, cols: int) -> tuple[int, int]:
    cols = max(1, min(cols, n))
    return math.ceil(n / cols), cols


def iterative_models(result: Forecast, issue_id: str) -> list[str]:
    """Models whose run on ``issue_id`` has more than the input round (the others do not move positions)."""
    return [
        m for m, run in result.runs.items() if issue_id in run.issues and len(run.issues[issue_id].rounds) > 1
    ]


def positions_chart(result: Forecast, issue_id: str, models: Sequence[str] | None = None) -> Figure | None:
    """Positions round by round on one issue, one panel per model, one line per actor, the outcome dashed.

    Returns ``None`` when no model on this issue runs rounds.
    """

    names = list(models) if models is not None else iterative_models(result, issue_id)
    if not names:
        return None
    sc = result.scenario
    issue = sc.issue(issue_id)
    actors = [a for a in sc.actor_ids if any(st.actor == a for st in sc.stances_on(issue_id))]
    rows, cols = _grid(len(names), 3)
    with _rc():
        fig = _figure(3.3 * cols, 2.3 * rows + 0.5)
        axes = fig.subplots(rows, cols, squeeze=False, sharey=True)
        for k, name in enumerate(names):
            ax = axes[k // cols][k % cols]
            res = result.runs[name].issues[issue_id]
            rounds = [r.round for r in res.rounds]
            for j, a in enumerate(actors):
                ys = [r.positions.get(a, math.nan) for r in res.rounds]
                ax.plot(rounds, ys, color=_color(j), lw=1.3, marker="o", ms=2.5, label=a)
            outs = [math.nan if r.outcome is None else r.outcome for r in res.rounds]
            ax.plot(rounds, outs, color="black", lw=1.6, ls="--", label="outcome")
            if issue.status_quo is not None:
                ax.axhline(issue.status_quo, color="#999999", lw=0.8, ls=":")
            ax.set_title(name)
            ax.set_xlabel("round")
            ax.set_ylim(issue.lower - 0.03 * issue.span, issue.upper + 0.03 * issue.span)
            ax.xaxis.get_major_locator().set_params(integer=True)
        for k in range(len(names), rows * cols):
            axes[k // cols][k % cols].set_visible(False)
        axes[0][0].set_ylabel(issue.unit or "position")
        handles, labels = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 9))
    return fig


def overlay_chart(cmp: OverlayComparison) -> Figure:
    """Base vs. overlay forecast per issue and model: one panel per issue, a dumbbell per model."""

    sc = cmp.base.scenario
    df = cmp.outcomes
    issues = list(sc.issues)
    rows, cols = _grid(len(issues), 2)
    models = list(cmp.base.runs)
    with _rc():
        fig = _figure(9.5, 0.22 * len(models) * rows + 0.9 * rows + 0.4)
        axes = fig.subplots(rows, cols, squeeze=False)
        for k, issue in enumerate(issues):
            ax = axes[k // cols][k % cols]
            sub = df[df["issue"] == issue.id].set_index("model").reindex(models)
            y = list(range(len(models)))
            for yy, (b, o) in enumerate(zip(sub["base"], sub["overlay"], strict=True)):
                if math.isfinite(b) and math.isfinite(o):
                    ax.plot([b, o], [yy, yy], color="#bbbbbb", lw=2, zorder=1)
            ax.scatter(sub["base"], y, color=PALETTE[0], s=14, zorder=2, label="base")
            ax.scatter(sub["overlay"], y, color=PALETTE[1], s=14, zorder=3, label=f"overlay {cmp.overlay}")
            if issue.status_quo is not None:
                ax.axvline(issue.status_quo, color="#999999", lw=0.8, ls=":")
            ax.set_yticks(y, models, fontsize=7)
            ax.invert_yaxis()
            ax.set_xlim(issue.lower - 0.03 * issue.span, issue.upper + 0.03 * issue.span)
            ax.set_title(f"{issue.id}" + (f" ({issue.unit})" if issue.unit else ""))
        for k in range(len(issues), rows * cols):
            axes[k // cols][k % cols].set_visible(False)
        handles, labels = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=2)
    return fig


def cohesion_chart(rows: Sequence[Mapping[str, Any]]) -> Figure:
    """U.S.-ROK cohesion across snapshots: ``rows`` of ``{"scenario", "date", "before", "after": {M: C}}``.

    The input positions ("before bargaining") are the thick line; each model's forecast positions a thin one.
    """

    labels = [f"{r['scenario']}" for r in rows]
    x = list(range(len(rows)))
    models = list(dict.fromkeys(m for r in rows for m in r["after"]))
    with _rc():
        fig = _figure(8.0, 3.4)
        ax = fig.subplots()
        ax.plot(x, [r["before"] for r in rows], color="black", lw=2.6, marker="o", label="before bargaining")
        for k, m in enumerate(models):
            ys = [r["after"].get(m, math.nan) for r in rows]
            ax.plot(x, ys, color=_color(k), lw=1.1, marker=".", label=m)
        ax.set_xticks(x, labels)
        ax.set_ylim(0, 1.02)
        ax.set_ylabel("U.S.-ROK cohesion (1 = aligned)")
        fig.legend(loc="outside right center", fontsize=7)
    return fig


def exchange_models(result: Forecast) -> list[str]:
    """Models whose events record exchanges between two actors (``actor_i``, ``actor_j``, ``gain``)."""
    return [
        m
        for m, run in result.runs.items()
        if any("actor_i" in e and "actor_j" in e and e.get("actor_i") for e in run.events)
    ]


def exchange_edges(result: Forecast, model: str) -> list[dict[str, Any]]:
    """The exchanges of one model: ``{"round", "i", "j", "supply_i", "supply_j", "gain"}`` in run order."""
    out = []
    for e in result.runs[model].events:
        if e.get("actor_i") and e.get("actor_j"):
            out.append(
                {
                    "round": int(e.get("round", 0)),
                    "i": str(e["actor_i"]),
                    "j": str(e["actor_j"]),
                    "supply_i": str(e.get("supply_i", "")),
                    "supply_j": str(e.get("supply_j", "")),
                    "gain": float(e.get("gain") or 0.0),
                }
            )
    return out


def network_chart(result: Forecast, model: str) -> Figure | None:
    """Who traded with whom: actors on a circle, one edge per actor pair (width = summed gain), labelled
    with the issues each side supplied. ``None`` if the model made no exchange."""

    edges = exchange_edges(result, model)
    if not edges:
        return None
    actors = list(result.scenario.actor_ids)
    n = len(actors)
    pos = {
        a: (math.cos(math.pi / 2 - 2 * math.pi * k / n), math.sin(math.pi / 2 - 2 * math.pi * k / n))
        for k, a in enumerate(actors)
    }
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    for e in edges:
        key = (e["i"], e["j"]) if actors.index(e["i"]) < actors.index(e["j"]) else (e["j"], e["i"])
        p = pairs.setdefault(key, {"gain": 0.0, "n": 0, "issues": set()})
        p["gain"] += e["gain"]
        p["n"] += 1
        p["issues"] |= {e["supply_i"], e["supply_j"]}
    top = max(p["gain"] for p in pairs.values()) or 1.0
    with _rc(axes__grid=False):
        fig = _figure(6.2, 5.2)
        ax = fig.subplots()
        ax.set_axis_off()
        ax.set_aspect("equal")
        for (a, b), p in pairs.items():
            (x0, y0), (x1, y1) = pos[a], pos[b]
            ax.plot(
                [x0, x1], [y0, y1], color=PALETTE[0], alpha=0.55, lw=0.8 + 5.0 * p["gain"] / top, zorder=1
            )
            ax.text(
                (x0 + x1) / 2,
                (y0 + y1) / 2,
                f"{p['n']}× {p['gain']:.1f}",
                fontsize=6.5,
                ha="center",
                va="center",
                color="#333333",
                bbox={"fc": "white", "ec": "none", "alpha": 0.7, "pad": 0.5},
            )
        degree = {a: sum(p["gain"] for k, p in pairs.items() if a in k) for a in actors}
        for k, a in enumerate(actors):
            x, y = pos[a]
            ax.scatter(
                [x], [y], s=120 + 600 * degree[a] / (max(degree.values()) or 1), color=_color(k), zorder=2
            )
            ax.text(1.17 * x, 1.17 * y, a, ha="center", va="center", fontsize=9, weight="bold")
        ax.set_xlim(-1.4, 1.4)
        ax.set_ylim(-1.35, 1.35)
        ax.set_title(
            f"{model}: {len(edges)} exchanges between {len(pairs)} pairs (label: count × summed gain)"
        )
    return fig


def launch_chart(
    months: Sequence[str],
    observed: Sequence[float | None],
    scenario_month: str,
    result: WhatIf,
    alternative_label: str | None,
    coupled: Mapping[str, Sequence[Any]] | None = None,
    coupled_label: str = "coupled simulation",
) -> Figure:
    """DPRK launches: the recorded monthly counts before and after the scenario's month, and the launch
    model's fan chart (median, 50 % and 80 % bands) from that month on under the recorded posture and,
    when ``alternative_label`` is given, under the alternative posture.

    ``months``/``observed`` is the record (``None`` = no data); ``result`` the what-if run starting at
    ``scenario_month``; ``coupled`` the coupled simulation's path (``month``, ``launches_q10``,
    ``launches_q50``, ``launches_q90``), drawn as a dashed median with a hatched 80 % band.
    """

    index = {m: k for k, m in enumerate(months)}
    x_obs = [k for k, v in enumerate(observed) if v is not None]
    y_obs = [float(v) for v in observed if v is not None]
    fan_x = [index[m] for m in result.months if m in index]
    n = len(fan_x)
    paths = [("recorded posture", result.recorded, PALETTE[0])]
    if alternative_label:
        paths.append((alternative_label, result.alternative, PALETTE[1]))
    with _rc():
        fig = _figure(9.0, 3.6)
        ax: Axes = fig.subplots()
        for label, p, color in paths:
            ax.fill_between(
                fan_x,
                p.p10[:n],
                p.p90[:n],
                color=color,
                alpha=0.18,
                step="mid",
                lw=0,
                label=f"{label}: 80% band",
            )
            ax.fill_between(
                fan_x,
                p.p25[:n],
                p.p75[:n],
                color=color,
                alpha=0.35,
                step="mid",
                lw=0,
                label=f"{label}: 50% band",
            )
            ax.plot(fan_x, p.p50[:n], color=color, lw=2, drawstyle="steps-mid", label=f"{label}: median")
        if coupled is not None:
            cx = [index[m] for m in coupled["month"] if m in index]
            k = len(cx)
            ax.fill_between(
                cx,
                list(coupled["launches_q10"])[:k],
                list(coupled["launches_q90"])[:k],
                facecolor="none",
                edgecolor=PALETTE[2],
                hatch="///",
                lw=0,
                step="mid",
                label=f"{coupled_label}: 80% band",
            )
            ax.plot(
                cx,
                list(coupled["launches_q50"])[:k],
                color=PALETTE[2],
                lw=1.8,
                ls="--",
                drawstyle="steps-mid",
                label=f"{coupled_label}: median",
            )
        ax.plot(x_obs, y_obs, "o-", color="black", ms=3, lw=0.8, label="recorded launches", zorder=5)
        if scenario_month in index:
            ax.axvline(index[scenario_month] - 0.5, color="#c44e52", lw=1, ls="--")
            ax.text(
                index[scenario_month] - 0.4,
                ax.get_ylim()[1] * 0.95,
                "scenario date",
                color="#c44e52",
                fontsize=7,
                va="top",
            )
        step = max(1, len(months) // 12)
        ax.set_xticks(
            list(range(0, len(months), step)),
            [months[k] for k in range(0, len(months), step)],
            rotation=45,
            ha="right",
        )
        unit = "CNS launch events" if result.target == "events" else "CNS missiles"
        ax.set_ylabel(f"{unit} / month")
        ax.set_ylim(bottom=0)
        fig.legend(loc="outside right center", fontsize=7)
    return fig


def distribution_chart(
    issue: Any,
    models: Sequence[str],
    samples: Mapping[str, Sequence[Any]],
    overlay_samples: Mapping[str, Sequence[Any]] | None = None,
    overlay: str | None = None,
) -> Figure:
    """The outcome distribution per model on one issue (violins over the sweep's draws; base and, when
    given, overlay side by side); dotted: the status quo."""
    import numpy as np

    def finite(v: Sequence[Any]) -> Any:
        a = np.asarray(v, dtype=float)
        return a[np.isfinite(a)]

    with _rc():
        fig = _figure(8.5, 0.32 * len(models) + 1.1)
        ax = fig.subplots()
        sets = [(samples, 0.0, PALETTE[0], "the sweep's draws (line: median)")]
        if overlay_samples is not None:
            sets = [
                (samples, -0.18, PALETTE[0], "base"),
                (overlay_samples, 0.18, PALETTE[1], f"overlay {overlay}"),
            ]
        for data, shift, color, label in sets:
            ys, vals = [], []
            for k, m in enumerate(models):
                v = finite(data.get(m, []))
                if v.size == 0:
                    continue
                ys.append(k + shift)
                vals.append(v if np.ptp(v) > 0 else v + np.linspace(-1e-9, 1e-9, v.size) * max(issue.span, 1))
            if not vals:
                continue
            parts: Any = ax.violinplot(
                vals,
                positions=ys,
                orientation="horizontal",
                widths=0.34 if overlay_samples else 0.7,
                showmedians=True,
                showextrema=False,
            )
            for body in parts["bodies"]:
                body.set_facecolor(color)
                body.set_edgecolor(color)
                body.set_alpha(0.45)
            parts["cmedians"].set_color(color)
            ax.plot([], [], color=color, lw=6, alpha=0.45, label=label)
        if issue.status_quo is not None:
            ax.axvline(issue.status_quo, color="#999999", lw=0.8, ls=":", label="status quo")
        ax.set_yticks(range(len(models)), list(models), fontsize=7)
        ax.invert_yaxis()
        ax.set_xlim(issue.lower - 0.03 * issue.span, issue.upper + 0.03 * issue.span)
        ax.set_xlabel(issue.unit or "outcome")
        ax.set_title(f"{issue.id}: outcome over the sweep's draws")
        handles, labels = ax.get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), fontsize=7, frameon=False)
    return fig


def tornado_chart(issue: Any, entry: Mapping[str, Any], model: str, top: int = 10) -> Figure | None:
    """Tornado of one-at-a-time swings on one issue (``entry``: a :class:`Sensitivity` issue entry, its
    ``inputs`` sorted largest swing first): each bar runs from the outcome at the input's low end to the one
    at its high end; the line is the outcome at the scenario's values. ``None`` if no input moves it."""

    rows = [r for r in entry.get("inputs", []) if r.get("swing") and r["swing"] > 0][:top]
    if not rows:
        return None
    base = entry.get("base")
    with _rc():
        fig = _figure(8.5, 0.28 * len(rows) + 1.1)
        ax = fig.subplots()
        for k, r in enumerate(rows):
            lo, hi = r["outcome_low"], r["outcome_high"]
            ax.barh(k, hi - lo, left=lo, color=PALETTE[0] if hi >= lo else PALETTE[3], alpha=0.75, height=0.6)
        labels = [f"{r['actor']} {r['field']} {r['issue']} [{r['low']:g}, {r['high']:g}]" for r in rows]
        ax.set_yticks(range(len(rows)), labels, fontsize=7)
        ax.invert_yaxis()
        if base is not None:
            ax.axvline(base, color="black", lw=1)
        ax.set_xlabel(issue.unit or "outcome")
        ax.set_title(f"{issue.id}: inputs that move {model}'s outcome most (low end → high end)")
        from matplotlib.artist import Artist
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        key: list[Artist] = [
            Patch(color=PALETTE[0], alpha=0.75, label="the outcome rises with the input"),
            Patch(color=PALETTE[3], alpha=0.75, label="the outcome falls as the input rises"),
        ]
        if base is not None:
            key.append(Line2D([], [], color="black", lw=1, label="outcome at the scenario's values"))
        fig.legend(handles=key, loc="outside lower center", ncols=len(key), fontsize=7, frameon=False)
    return fig
