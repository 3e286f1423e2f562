"""Tables and the front chart of ``peninsula levers`` (rendered from its JSON document).

Every function takes the document :meth:`peninsula.system.levers.LeverResult.to_dict` returns (or a stored
one), so the command line, ``runs show``, the HTML report and the workbench show the same numbers. Tables are
rich renderables (rich imported inside the functions); the chart is a :class:`matplotlib.figure.Figure`
built without pyplot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from peninsula.reports.console import fmt, signed

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from rich.console import RenderableType

__all__ = ["chart_axes", "front_chart", "front_points", "lever_tables", "ranked_rows"]


def chart_axes(doc: Mapping[str, Any]) -> tuple[str, str | None, str | None]:
    """The front chart's objectives: launches (x), a ``p_agreement`` (y: denuclearization if reported,
    else the first) and cohesion (colour); ``None`` where the run has none."""
    names = [o["name"] for o in doc["objectives"]]
    agree = [n for n in names if n.startswith("p_agreement:")]
    y = (
        "p_agreement:denuclearization"
        if "p_agreement:denuclearization" in agree
        else (agree[0] if agree else None)
    )
    return "launches", y, "cohesion" if "cohesion" in names else None


def front_points(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One point per run (the baseline first): id, kind, rank, front flag and the means on the chart's
    axes (``x``, ``y``, ``colour``; ``None`` when the run has no such objective). Means, not medians: the
    medians of a launch count or of a probability of 0 or 1 often coincide for every candidate."""
    x, y, c = chart_axes(doc)

    def med(objs: Mapping[str, Any], name: str | None) -> float | None:
        return None if name is None else objs[name]["mean"]

    pts = [
        {
            "id": "baseline",
            "kind": "baseline",
            "rank": 0,
            "pareto": doc["baseline"]["pareto"],
            "x": med(doc["baseline"]["objectives"], x),
            "y": med(doc["baseline"]["objectives"], y),
            "colour": med(doc["baseline"]["objectives"], c),
        }
    ]
    for lv in doc["levers"]:
        pts.append(
            {
                "id": lv["id"],
                "kind": lv["kind"],
                "rank": lv["rank"],
                "pareto": lv["pareto"],
                "x": med(lv["objectives"], x),
                "y": med(lv["objectives"], y),
                "colour": med(lv["objectives"], c),
            }
        )
    return pts


def _delta(o: Mapping[str, Any]) -> str:
    """``Δ median [q10, q90] p=…`` of one objective."""
    text = f"{signed(o['delta_median'])} [{signed(o['delta_q10'])}, {signed(o['delta_q90'])}]"
    if o.get("p_better") is not None:
        text += f" p={o['p_better']:.2f}"
    return text


def ranked_rows(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ranked table as plain rows (rank, id, kind, front, front share, per objective the paired
    difference in words), for the HTML report and the workbench."""
    rows = []
    for lv in doc["levers"]:
        rows.append(
            {
                "rank": lv["rank"],
                "id": lv["id"],
                "kind": lv["kind"],
                "pareto": lv["pareto"],
                "front_share": lv["front_share"],
                "cells": {name: _delta(o) for name, o in lv["objectives"].items()},
                "summary": (lv.get("robustness") or {}).get("summary", ""),
            }
        )
    return rows


def lever_tables(doc: Mapping[str, Any]) -> list[RenderableType]:
    """The baseline, the ranked candidates (paired differences from the baseline, ``p_better``), the
    robustness of the front in words and the notes."""
    from rich.table import Table

    moved = {
        name
        for lv in doc["levers"]
        for name, o in lv["objectives"].items()
        if (o["delta_q10"], o["delta_q90"]) != (0.0, 0.0) or o.get("p_better") or o.get("p_worse")
    }
    ranked = [o for o in doc["objectives"] if o["better"] is not None and o["name"] in moved]
    reported = [o for o in doc["objectives"] if o["better"] is None and o["name"] in moved]
    still = [o["name"] for o in doc["objectives"] if o["name"] not in moved]
    head = (
        f"{doc['scenario']}: {doc['model']} bargaining, {doc['launch_model']} launches ({doc['target']}), "
        f"{doc['months']} months from {doc['start']}, {doc['draws']:,} draws, seed {doc['seed']}"
        + (f", run {doc['run_id']}" if doc.get("run_id") else "")
    )
    base = Table(title=f"baseline: {head}", title_justify="left")
    base.add_column("objective", style="bold")
    base.add_column("better")
    base.add_column("median [10%, 90%]", justify="right")
    for o in doc["objectives"]:
        b = doc["baseline"]["objectives"][o["name"]]
        base.add_row(o["name"], o["better"] or "–", f"{fmt(b['median'])} [{fmt(b['q10'])}, {fmt(b['q90'])}]")
    out: list[RenderableType] = [base]

    t = Table(
        title="candidates, ranked"
        + (f" by {doc['rank_by']}" if doc.get("rank_by") else " (front first)")
        + ": difference from the baseline, median [10%, 90%], p = P(better)",
        title_justify="left",
    )
    t.add_column("#", justify="right")
    t.add_column("lever", style="bold")
    t.add_column("kind")
    t.add_column("front")
    t.add_column("front share", justify="right")
    for o in ranked:
        t.add_column(o["name"], justify="right")
    for lv in doc["levers"]:
        t.add_row(
            str(lv["rank"]),
            lv["id"],
            lv["kind"],
            "yes" if lv["pareto"] else "",
            f"{lv['front_share']:.2f}",
            *(_delta(lv["objectives"][o["name"]]) for o in ranked),
        )
    out.append(t)
    if reported:
        r = Table(
            title="reported, not ranked (no better end): difference from the baseline", title_justify="left"
        )
        r.add_column("lever", style="bold")
        for o in reported:
            r.add_column(o["name"], justify="right")
        for lv in doc["levers"]:
            r.add_row(lv["id"], *(_delta(lv["objectives"][o["name"]]) for o in reported))
        out.append(r)
    words = [(lv["id"], lv["robustness"]["summary"]) for lv in doc["levers"] if lv.get("robustness")]
    if words:
        w = Table(
            title="how robust the front is: what each front candidate's advantage rests on",
            title_justify="left",
        )
        w.add_column("lever", style="bold")
        w.add_column("front share", justify="right")
        w.add_column("in words")
        share = {lv["id"]: lv["front_share"] for lv in doc["levers"]}
        for lid, text in words:
            w.add_row(lid, f"{share[lid]:.2f}", text)
        out.append(w)
    if still:
        out.append(f"[dim]no candidate changes (every difference 0 in every draw): {', '.join(still)}[/dim]")
    out.extend(f"[dim]note: {n}[/dim]" for n in doc.get("notes", ()))
    for lv in doc["levers"]:
        out.extend(f"[dim]{lv['id']}: {n}[/dim]" for n in lv.get("notes", ()))
    return out


def _spread(xs: Sequence[float], ys: Sequence[float]) -> list[float]:
    """``xs`` with runs at the same (x, y) moved apart along x by 1 % of the x range each (drawn side by
    side, as the workbench's chart does)."""
    span = (max(xs) - min(xs)) or 1.0
    seen: dict[tuple[float, float], int] = {}
    out = []
    for x, y in zip(xs, ys, strict=True):
        k = seen.get((x, y), 0)
        seen[(x, y)] = k + 1
        out.append(x + 0.01 * span * k)
    return out


def front_chart(doc: Mapping[str, Any], *, highlight: Sequence[str] = ()) -> Figure:
    """The front as a chart: launches over the window (x) against ``p_agreement`` (y), colour cohesion.

    Means per run (:func:`front_points`); front candidates ringed, the baseline a square; runs at the same
    point are spread apart along x by a few points. Without a ``p_agreement`` objective the y axis is
    cohesion and there is no colour scale.
    """
    from matplotlib.figure import Figure

    from peninsula.reports.charts import _rc

    x, y, c = chart_axes(doc)
    pts = front_points(doc)
    if y is None:
        y, c = c, None
        for p in pts:
            p["y"], p["colour"] = p["colour"], None
    with _rc():
        fig = Figure(figsize=(7.0, 4.6))
        ax = fig.add_subplot()
        ys = [p["y"] if p["y"] is not None else 0.0 for p in pts]
        xs = _spread([p["x"] for p in pts], ys)
        for p, xv in zip(pts, xs, strict=True):
            p["x"] = xv
        cs = [p["colour"] for p in pts]
        kw: dict[str, Any] = {}
        if c is not None and all(v is not None for v in cs):
            kw = {"c": cs, "cmap": "viridis"}
        sc = ax.scatter(xs, ys, s=36, zorder=3, **kw)
        front = [p for p in pts if p["pareto"]]
        ax.scatter(
            [p["x"] for p in front],
            [p["y"] if p["y"] is not None else 0.0 for p in front],
            s=140,
            facecolors="none",
            edgecolors="black",
            linewidths=1.2,
            zorder=4,
            label="on the front",
        )
        ax.scatter(
            [pts[0]["x"]],
            [ys[0]],
            marker="s",
            s=80,
            facecolors="none",
            edgecolors="red",
            zorder=5,
            label="baseline",
        )
        for p in pts:
            if p["pareto"] or p["id"] in highlight or p["id"] == "baseline":
                ax.annotate(
                    p["id"],
                    (p["x"], p["y"] if p["y"] is not None else 0.0),
                    fontsize=7,
                    xytext=(4, 4),
                    textcoords="offset points",
                )
        if kw:
            cb = fig.colorbar(sc, ax=ax)
            cb.set_label(f"{c} (mean)")
        ax.set_xlabel(f"{x} over {doc['months']} months (mean over the draws)")
        ax.set_ylabel(f"{y} (mean)" if y else "")
        ax.margins(x=0.15, y=0.1)  # room for the labels
        ax.legend(loc="best", fontsize=7)
        ax.set_title(f"{doc['scenario']}: {len(pts) - 1} candidates and the baseline", fontsize=9)
        fig.tight_layout()
    return fig
