"""The self-contained HTML report (``peninsula report``): render the collected results as one HTML file.

The results are computed above this layer, by the report pipeline (:func:`peninsula.api.collect_report`,
which returns a :class:`ReportData`); this module only renders:

* :func:`render_html` turns a :class:`ReportData` into one HTML document: every style, script and chart
  inline (charts are matplotlib figures rendered to SVG by :mod:`peninsula.reports.charts`), a
  Content-Security-Policy that forbids every network request, so the file opens offline and can be mailed;
* :func:`charts` gives the same figures for ``--png DIR``.

The report is short by default (:attr:`ReportData.full` ``False``): the summary panels only; ``full``
adds the per-issue detail (positions by round, tornadoes) and every exchange variant's network
(:data:`FULL_ONLY` and :func:`charts`).
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from peninsula.core import Scenario, Source
from peninsula.core.sanitize import script_json
from peninsula.reports.console import fmt, signed
from peninsula.scenarios.sources import describe_source

if TYPE_CHECKING:
    from peninsula.dynamics.whatif import WhatIf
    from peninsula.models.base import Model
    from peninsula.reports.charts import Chart
    from peninsula.scenarios.sources import SourceRecord
    from peninsula.simulate.forecast import Forecast
    from peninsula.simulate.montecarlo import Sweep
    from peninsula.simulate.overlay import OverlayComparison
    from peninsula.simulate.sensitivity import Sensitivity

__all__ = [
    "FULL_ONLY",
    "LAUNCH_MODEL_TEXT",
    "LaunchPanel",
    "Report",
    "ReportData",
    "charts",
    "launch_model_text",
    "render_html",
    "write_text_atomic",
]


@dataclass(frozen=True)
class LaunchPanel:
    """The DPRK launch panel: the record around the scenario's month and the what-if run from it."""

    months: tuple[str, ...]
    observed: tuple[float | None, ...]
    scenario_month: str
    whatif: WhatIf
    levers: tuple[str, ...]
    data_source: str
    coupled: dict[str, list[Any]] | None = None
    coupled_model: str = ""


@dataclass
class ReportData:
    """Everything a report shows (computed by :func:`peninsula.api.collect_report`, rendered by
    :func:`render_html`)."""

    forecast: Forecast
    seed: int
    run_id: str
    version: str
    models: list[Model]
    rounds: int | None = None
    cohesion: dict[str, float] | None = None
    comparison: OverlayComparison | None = None
    snapshots: list[dict[str, Any]] = field(default_factory=list)
    launch: LaunchPanel | None = None
    notes: list[str] = field(default_factory=list)
    sources: list[SourceRecord] = field(default_factory=list)
    created: str = ""
    sweep: Sweep | None = None
    sweep_overlay: Sweep | None = None
    sensitivity: Sensitivity | None = None
    levers: dict[str, Any] | None = None
    #: Render every panel (``peninsula report --full``); ``False``: the short report (:func:`charts`).
    full: bool = False

    @property
    def scenario(self) -> Scenario:
        """The base scenario."""
        return self.forecast.scenario


@dataclass(frozen=True)
class Report:
    """A rendered report: the HTML text, the charts it shows, and what reproduces it."""

    html: str
    charts: list[Chart]
    data: ReportData

    @property
    def run_id(self) -> str:
        """The run id printed in the footer."""
        return self.data.run_id

    def write(self, path: str | Path) -> Path:
        """Write the HTML file (atomically) and return its path."""
        return write_text_atomic(path, self.html)

    def write_pngs(self, folder: str | Path) -> list[Path]:
        """Write every chart as ``<key>.png`` into ``folder`` (created if missing): every panel's, also
        those the short report leaves out (:func:`charts` with ``full=True``).

        The file name is :func:`peninsula.core.sanitize.file_name` of the key (an issue id such as
        ``a/../../x`` gives ``a_.._.._x-<hash>.png``, inside ``folder``).
        """
        from peninsula.core import InputError
        from peninsula.core.sanitize import file_name, inside
        from peninsula.reports.charts import save_png

        out = Path(folder)
        if str(folder).strip() == "" or (out.exists() and not out.is_dir()):
            raise InputError.single(
                str(folder), None, "--png", "must name a folder (it is created if missing)"
            )
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError.single(
                str(folder), None, "--png", f"cannot create the folder: {exc.strerror}"
            ) from None
        shown = {c.key: c for c in self.charts}
        every = self.charts if self.data.full else [shown.get(c.key, c) for c in charts(self.data, full=True)]
        # chart keys hold issue ids from the scenario file: one sanitiser keeps every file in the folder
        return [save_png(c.figure, inside(out, file_name(c.key, ".png"))) for c in every]


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) through a temp file in the same folder and ``os.replace``.

    Delegates to :func:`peninsula.io.atomic.write_text`: a folder, a missing or unwritable folder or a full
    disk is an :class:`~peninsula.core.InputError` naming the path (exit 2).
    """
    from peninsula.io.atomic import write_text

    write_text(path, text)
    return Path(path)


# -- charts -------------------------------------------------------------------------------------------------


def _samples(sw: Sweep, issue_id: str) -> dict[str, Any]:
    """Per model, the sweep's outcome draws on one issue."""
    i = list(sw.spec.issue_ids).index(issue_id)
    return {m: sw.outcome_array[:, k, i] for k, m in enumerate(sw.spec.model_names)}


#: The chart kinds (key prefixes) only the full report shows: the per-issue detail of how the models got
#: to their outcome (positions round by round, one panel per iterative model) and what moves the first
#: model's outcome (tornado). The short report keeps the forecast table, the outcome distributions of a
#: sweep (they show what the table's intervals hide: two modes, a one-sided range), the first exchange
#: model's network (the other variants' look alike), cohesion, the overlay, the launch panel and the levers.
FULL_ONLY = ("positions-", "tornado-")


def charts(data: ReportData, full: bool | None = None) -> list[Chart]:
    """The report's charts, in page order (keys are the PNG file names of ``--png``).

    ``full`` (default: ``data.full``): every chart; ``False``: the short report's, without the
    :data:`FULL_ONLY` kinds and with the first exchange model's network only.
    """
    from peninsula.reports import charts as ch

    every = data.full if full is None else full
    result = data.forecast
    out: list[Chart] = []
    for issue in result.scenario.issues:
        fig = ch.positions_chart(result, issue.id) if every else None
        if fig is not None:
            out.append(
                ch.Chart(
                    f"positions-{issue.id}",
                    f"Positions by round: {issue.id}",
                    "One panel per model that runs rounds; dashed: the outcome after each round; "
                    "dotted: the status quo.",
                    fig,
                )
            )
        if data.sweep is not None:
            models = data.sweep.spec.model_names
            out.append(
                ch.Chart(
                    f"distribution-{issue.id}",
                    f"Outcome distribution: {issue.id}",
                    f"{data.sweep.spec.draws} draws of the sourced ranges (run {data.sweep.run_id}); "
                    "line in each violin: the median.",
                    ch.distribution_chart(
                        issue,
                        models,
                        _samples(data.sweep, issue.id),
                        _samples(data.sweep_overlay, issue.id) if data.sweep_overlay is not None else None,
                        data.comparison.overlay if data.comparison is not None else None,
                    ),
                )
            )
        if every and data.sensitivity is not None and issue.id in data.sensitivity.issues:
            fig = ch.tornado_chart(issue, data.sensitivity.issues[issue.id], data.sensitivity.model)
            if fig is not None:
                out.append(
                    ch.Chart(
                        f"tornado-{issue.id}",
                        f"Tornado: {issue.id}",
                        f"{data.sensitivity.model}'s outcome with one input at a time at the low and "
                        "the high end of its range, the others at the scenario's values.",
                        fig,
                    )
                )
    for m in ch.exchange_models(result)[: None if every else 1]:
        fig = ch.network_chart(result, m)
        if fig is not None:
            out.append(
                ch.Chart(
                    f"network-{m}",
                    f"Exchange network: {m}",
                    "Edge width: summed gain of the pair's exchanges; node size: the actor's summed gain.",
                    fig,
                )
            )
    if data.snapshots:
        out.append(
            ch.Chart(
                "cohesion-snapshots",
                "U.S.-ROK cohesion across the snapshots",
                "Thick: the snapshots' input positions; thin: each model's forecast positions.",
                ch.cohesion_chart(data.snapshots),
            )
        )
    if data.comparison is not None:
        out.append(
            ch.Chart(
                "overlay",
                f"Base vs. overlay {data.comparison.overlay}",
                "Blue: base forecast; orange: with the overlay; dotted: the status quo.",
                ch.overlay_chart(data.comparison),
            )
        )
    if data.launch is not None:
        lp = data.launch
        alt = ", ".join(lp.levers) if lp.levers else None
        out.append(
            ch.Chart(
                "dprk-launches",
                "DPRK launches: record and fan chart",
                f"Monthly CNS launch events; fan from {lp.scenario_month}, {lp.whatif.n_sims} "
                "simulated paths with parameter uncertainty.",
                ch.launch_chart(
                    lp.months,
                    lp.observed,
                    lp.scenario_month,
                    lp.whatif,
                    f"alternative ({alt})" if alt else None,
                    lp.coupled,
                    f"coupled simulation ({lp.coupled_model})",
                ),
            )
        )
    if data.levers is not None:
        from peninsula.reports.levers import chart_axes, front_chart

        x, y, c = chart_axes(data.levers)
        out.append(
            ch.Chart(
                "levers-front",
                "Which lever? Candidates against the baseline",
                f"Means over {data.levers['draws']} draws of {data.levers['months']} months: {x} (x) "
                f"against {y or c} (y)" + (f", colour {c}" if y and c else "") + "; ringed: the Pareto "
                "front; red square: the baseline.",
                front_chart(data.levers),
            )
        )
    return out


# -- rendering ----------------------------------------------------------------------------------------------

_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


def _asset(name: str) -> str:
    from importlib import resources

    return resources.files("peninsula.reports").joinpath("assets", name).read_text(encoding="utf-8")


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _source_dict(src: Source | None) -> dict[str, Any] | None:
    if src is None:
        return None
    d = src.model_dump(mode="json")
    return {
        k: d.get(k)
        for k in (
            "kind",
            "file",
            "quote",
            "row",
            "reason",
            "low",
            "high",
            "url",
            "date",
            "attributed_to",
            "evidence",
        )
    } | {"label": describe_source(src).split(":", 1)[0] if src.kind == "seed" else None}


class _Values:
    """Numbers shown with their sources: each gets a key into the page's JSON of sources."""

    def __init__(self) -> None:
        self.table: dict[str, dict[str, Any]] = {}

    def span(self, what: str, value: float | None, src: Source | None, text: str | None = None) -> str:
        if value is None:
            return "–"
        key = f"s{len(self.table)}"
        self.table[key] = {"what": what, "value": fmt(value), "source": _source_dict(src)}
        shown = text if text is not None else fmt(value)
        if src is None:
            return f'<span class="v none" data-src="{key}" title="no source">{_e(shown)}</span>'
        cls = "v coded" if src.kind == "coded" else "v"
        tip = describe_source(src)
        if src.kind != "coded" and src.low is not None and src.high is not None:
            tip += f" [range {src.low:g}, {src.high:g}]"
        return f'<span class="{cls}" data-src="{key}" title="{_e(tip)}">{_e(shown)}</span>'


def _scenario_section(sc: Scenario, vals: _Values) -> str:
    parts = ['<section id="scenario"><h2>Scenario</h2>']
    if sc.description:
        parts.append(f"<p>{_e(sc.description)}</p>")
    parts.append(
        '<p class="muted legend">Click or hover a number to see its source. <span><span class="v">12</span> '
        'seed quote, dataset row or public record</span><span><span class="v coded">12</span> coded '
        'judgement (with its range)</span><span><span class="v none">12</span> no source</span></p>'
    )
    parts.append(
        '<h3>Actors</h3><table><tr><th>id</th><th>name</th><th>kind</th><th class="n">capability</th></tr>'
    )
    for a in sc.actors:
        cap = vals.span(f"{a.id} capability", a.capability, a.capability_source)
        parts.append(
            f'<tr><td>{_e(a.id)}</td><td>{_e(a.name)}</td><td>{_e(a.kind)}</td><td class="n">{cap}</td></tr>'
        )
    parts.append(
        "</table><h3>Issues</h3><table><tr><th>issue</th><th>scale</th><th>labelled points</th>"
        '<th class="n">status quo</th></tr>'
    )
    for i in sc.issues:
        pts = "; ".join(f"{p.value:,g} = {p.label}" for p in i.points)
        sq = vals.span(f"{i.id} status quo", i.status_quo, i.status_quo_source)
        scale = f"{i.lower:,g} – {i.upper:,g}" + (f" {i.unit}" if i.unit else "")
        desc = f'<br><span class="muted">{_e(i.description)}</span>' if i.description else ""
        parts.append(
            f"<tr><td><b>{_e(i.id)}</b>{desc}</td><td>{_e(scale)}</td><td>{_e(pts)}</td>"
            f'<td class="n">{sq}</td></tr>'
        )
    parts.append(
        "</table><h3>Stances: position / salience (issue-specific capability)</h3>"
        + (
            '<p class="muted"><span class="veto">veto</span> a veto player on that issue: no agreement '
            "without it.</p>"
            if any(s.veto for s in sc.stances)
            else ""
        )
        + '<div style="overflow-x:auto"><table><tr><th>actor</th>'
    )
    parts += [f'<th class="n">{_e(i.id)}</th>' for i in sc.issues]
    parts.append("</tr>")
    by = {(s.actor, s.issue): s for s in sc.stances}
    for a in sc.actors:
        parts.append(f"<tr><td><b>{_e(a.id)}</b></td>")
        for i in sc.issues:
            st = by.get((a.id, i.id))
            if st is None:
                parts.append('<td class="n muted">·</td>')
                continue
            pos = vals.span(f"{a.id} / {i.id} position", st.position, st.sources.get("position"))
            sal = vals.span(f"{a.id} / {i.id} salience", st.salience, st.sources.get("salience"))
            cap = ""
            if st.capability is not None:
                cap = (
                    " ("
                    + vals.span(f"{a.id} / {i.id} capability", st.capability, st.sources.get("capability"))
                    + ")"
                )
            veto = ' <span class="veto" title="veto player: no deal without it">veto</span>' * st.veto
            parts.append(f'<td class="n">{pos} / {sal}{cap}{veto}</td>')
        parts.append("</tr>")
    parts.append("</table></div></section>")
    return "".join(parts)


def _interval(summary: dict[str, Any] | None, model: str, issue_id: str) -> str:
    if summary is None:
        return ""
    entry = summary["models"].get(model, {}).get("issues", {}).get(issue_id)
    if not entry or entry.get("q05") is None:
        return ""
    return f'<br><span class="iv">[{fmt(entry["q05"])}, {fmt(entry["q95"])}]</span>'


def _p_agreement(result: Forecast, model: str, issue_id: str) -> str:
    """``p(agree) 0.42`` under a forecast whose model says whether the parties agree (issue 21)."""
    res = result.runs[model].issues.get(issue_id)
    p = None if res is None else res.extra.get("p_agreement")
    if p is None:
        return ""
    return f'<br><span class="iv" title="probability of agreement">p(agree) {float(p):.2f}</span>'


def _forecast_section(data: ReportData) -> str:
    result = data.forecast
    sc = result.scenario
    models = list(result.runs)
    out = result.outcomes
    summary = data.sweep.to_dict() if data.sweep is not None else None
    parts = [
        '<section id="forecast"><h2>Forecast</h2>',
        '<p class="muted">Outcome per issue and model on the issue\'s own scale; under a model that can '
        "forecast no agreement (<code>agreement</code>), its probability of agreement p(agree). "
        + (
            f"Below each forecast: the 90% interval (5th–95th percentile) over the sweep's "
            f"{data.sweep.spec.draws} draws of the sourced ranges (run {_e(data.sweep.run_id)}).</p>"
            if data.sweep is not None
            else "No sweep ran, so the forecasts carry no interval.</p>"
        ),
        '<table id="forecast-table"><tr><th>issue</th><th class="n">status quo</th>',
    ]
    parts += [f'<th class="n">{_e(m)}</th>' for m in models]
    parts.append("</tr>")
    for i in sc.issues:
        parts.append(f'<tr><td>{_e(i.id)}</td><td class="n">{fmt(i.status_quo)}</td>')
        for m in models:
            under = _interval(summary, m, i.id) + _p_agreement(result, m, i.id)
            parts.append(f'<td class="n">{fmt(out.at[m, i.id])}{under}</td>')
        parts.append("</tr>")
    if data.cohesion is not None:
        parts.append(
            f'<tr class="cohesion"><td>U.S.-ROK cohesion</td><td class="n">{data.cohesion["before"]:.3f}</td>'
        )
        parts += [
            f'<td class="n">{data.cohesion[m]:.3f}</td>' if m in data.cohesion else "<td>–</td>"
            for m in models
        ]
        parts.append("</tr>")
    parts.append("</table>")
    notes = [
        (m, iid, n) for m, run in result.runs.items() for iid, res in run.issues.items() for n in res.notes
    ]
    if notes:
        parts.append('<details><summary>Model notes</summary><ul class="notes">')
        parts += [f"<li>{_e(m)} / {_e(i)}: {_e(n)}</li>" for m, i, n in notes]
        parts.append("</ul></details>")
    parts.append("</section>")
    return "".join(parts)


def _figure_html(chart: Chart) -> str:
    from peninsula.reports.charts import svg

    return (
        f'<figure id="fig-{_e(chart.key)}" data-chart="{_e(chart.key)}">{svg(chart.figure, chart.key)}'
        f"<figcaption><b>{_e(chart.title)}.</b> {_e(chart.caption)}</figcaption></figure>"
    )


def _exchange_table(data: ReportData, model: str) -> str:
    from peninsula.reports.charts import exchange_edges

    edges = exchange_edges(data.forecast, model)
    rows = "".join(
        f'<tr><td class="n">{e["round"]}</td><td>{_e(e["i"])}</td><td>{_e(e["supply_i"])}</td>'
        f'<td>{_e(e["j"])}</td><td>{_e(e["supply_j"])}</td><td class="n">{fmt(e["gain"])}</td></tr>'
        for e in edges
    )
    return (
        f"<details><summary>{len(edges)} exchanges of {_e(model)}</summary><table><tr>"
        '<th class="n">round</th><th>actor i</th><th>i supplies</th><th>actor j</th><th>j supplies</th>'
        f'<th class="n">gain</th></tr>{rows}</table></details>'
    )


def _overlay_section(data: ReportData, chart: Chart | None) -> str:
    cmp = data.comparison
    if cmp is None:
        return ""
    parts = [
        f'<section id="overlay"><h2>Overlay: {_e(cmp.overlay)}</h2>',
        f'<p class="muted">Base and overlay ran on one seed ({data.seed}): the difference is the '
        "overlay's alone.</p><h3>What the overlay changes</h3><table><tr><th>actor</th><th>issue</th>"
        '<th>field</th><th class="n">base</th><th class="n">overlay</th><th>source</th></tr>',
    ]
    for c in cmp.changes:
        cls = ' class="v coded"' if c.source.kind == "coded" else ""
        parts.append(
            f"<tr><td>{_e(c.actor)}</td><td>{_e(c.issue)}</td><td>{_e(c.field)}</td>"
            f'<td class="n">{fmt(c.old)}</td><td class="n"><span{cls}>{fmt(c.new)}</span></td>'
            f"<td>{_e(describe_source(c.source))}</td></tr>"
        )
    parts.append("</table>")
    if chart is not None:
        parts.append(_figure_html(chart))
    parts.append(
        "<details><summary>Every forecast, base and overlay</summary>"
        '<table id="overlay-table"><tr><th>issue</th><th>model</th><th class="n">base</th>'
        '<th class="n">overlay</th><th class="n">change</th></tr>'
    )
    for r in cmp.outcomes.itertuples(index=False):
        parts.append(
            f'<tr><td>{_e(r.issue)}</td><td>{_e(r.model)}</td><td class="n">{fmt(r.base)}</td>'
            f'<td class="n">{fmt(r.overlay)}</td><td class="n">{signed(r.change)}</td></tr>'
        )
    if cmp.cohesion_base is not None and cmp.cohesion_overlaid is not None:
        for key, b in cmp.cohesion_base.items():
            o = cmp.cohesion_overlaid.get(key, math.nan)
            parts.append(
                f'<tr class="cohesion"><td>U.S.-ROK cohesion</td><td>{_e(key)}</td>'
                f'<td class="n">{b:.3f}</td><td class="n">{o:.3f}</td><td class="n">{o - b:+.3f}</td></tr>'
            )
    parts.append("</table></details></section>")
    return "".join(parts)


#: What each launch model is, in one phrase (the report names the model that ran, not a fixed one).
LAUNCH_MODEL_TEXT = {
    "regime": "Two-regime (quiet / active) hidden Markov model of {what}, its switching driven by alliance "
    "posture",
    "combination": "Forecast combination of {what}: a mixture of the dynamic launch models and climatology, "
    "weighted by past scores, with alliance posture covariates",
    "ingarch": "Negative binomial INGARCH(1,1) model of {what} with a posture-driven baseline",
    "local_level": "Local-level (Poisson-gamma) model of {what} with alliance posture covariates",
    "posture": "Negative binomial regression of {what} on alliance posture",
}


def launch_model_text(model: str, target: str = "events") -> str:
    """One phrase for the launch model ``model`` on ``target`` (``events`` or ``missiles``)."""
    what = "monthly missiles launched" if target == "missiles" else "monthly CNS launch events"
    text = LAUNCH_MODEL_TEXT.get(model)
    return text.format(what=what) if text else f"Launch model {model} of {what}"


def _launch_section(data: ReportData, chart: Chart | None) -> str:
    lp = data.launch
    if lp is None or chart is None:
        return ""
    from peninsula.dynamics import EVIDENCE_NOTE

    w = lp.whatif
    rec = w.recorded.total_summary()
    parts = [
        '<section id="launches"><h2>DPRK launches</h2>',
        f"<p>{_e(launch_model_text(w.model, w.target))} (launch model <code>{_e(w.model)}</code>, "
        f"fitted {_e(w.fit.first_month)}..{_e(w.fit.last_month)}; data: {_e(lp.data_source)}). "
        f"Fan from {_e(lp.scenario_month)} for {len(w.months)} months: window total under the recorded "
        f"posture median {rec['p50']:.0f} (80% interval {rec['p10']:.0f}–{rec['p90']:.0f}).</p>",
    ]
    if lp.levers:
        alt = w.alternative.total_summary()
        diff = w.difference()
        parts.append(
            f"<p>Under the alternative posture ({_e(', '.join(lp.levers))}): median {alt['p50']:.0f} "
            f"(80% interval {alt['p10']:.0f}–{alt['p90']:.0f}); alternative − recorded: median "
            f"{diff['p50']:+.0f}, 80% interval {diff['p10']:+.0f} to {diff['p90']:+.0f}.</p>"
        )
    if lp.coupled is not None:
        total = lp.coupled.get("total")
        told = (
            f"; its window total: median {total[1]:.0f} (80% interval {total[0]:.0f}–{total[2]:.0f})"
            if total
            else ""
        )
        parts.append(
            f"<p>Coupled simulation ({_e(lp.coupled_model)}, green, dashed): bargaining sets the posture "
            "each month, the posture drives the launch model, and launches move the actors' positions "
            f"(<code>peninsula simulate</code>, docs/system.md){told}. The dashed line is each month's "
            "median; in months where most paths have no launch it is 0, so the monthly medians need not add "
            "up to the total's median.</p>"
        )
    parts.append(_figure_html(chart))
    notes = [
        EVIDENCE_NOTE,
        *w.notes,
        "The model is fitted on the whole record, months after the scenario's date included; the "
        "recorded launches after that date are hindsight, shown for comparison.",
    ]
    parts.append('<ul class="notes">' + "".join(f"<li>{_e(n)}</li>" for n in dict.fromkeys(notes)) + "</ul>")
    parts.append("</section>")
    return "".join(parts)


def _levers_section(doc: dict[str, Any], chart: Chart | None) -> str:
    """Which lever? The front chart, the ranked table and, per candidate, its comparison with the baseline
    (each row links to it)."""
    from peninsula.reports.levers import ranked_rows

    ranked = [o for o in doc["objectives"] if o["better"] is not None]
    parts = [
        '<section id="levers"><h2>Which lever?</h2>',
        "<p>Every overlay that applies to the snapshot ran through the coupled simulation for "
        f"{doc['months']} months from {_e(doc['start'])}, as did the baseline, {doc['draws']} draws "
        f"each on one seed ({doc['seed']}): draw <i>d</i> of every candidate uses the baseline's random "
        "numbers, so each difference is paired. p = share of draws in which the candidate is better "
        "(ties in neither). The ranking is only as good as the response rules and the launch model's "
        "posture evidence (docs/levers.md).</p>",
    ]
    if chart is not None:
        parts.append(_figure_html(chart))
    head = "".join(f'<th class="n">{_e(o["name"])}</th>' for o in ranked)
    parts.append(
        '<table id="levers-table"><tr><th class="n">#</th><th>lever</th><th>kind</th><th>front</th>'
        f'<th class="n">front share</th>{head}</tr>'
    )
    rows = ranked_rows(doc)
    for r in rows:
        cells = "".join(f'<td class="n">{_e(r["cells"][o["name"]])}</td>' for o in ranked)
        parts.append(
            f'<tr data-lever="{_e(r["id"])}"><td class="n">{r["rank"]}</td>'
            f'<td><a href="#lever-{r["rank"]}">{_e(r["id"])}</a></td><td>{_e(r["kind"])}</td>'
            f'<td>{"yes" if r["pareto"] else ""}</td><td class="n">{r["front_share"]:.2f}</td>{cells}</tr>'
        )
    parts.append("</table>")
    base = doc["baseline"]["objectives"]
    for lv in doc["levers"]:
        parts.append(
            f'<details id="lever-{lv["rank"]}"><summary>{lv["rank"]}. {_e(lv["id"])} ({_e(lv["kind"])}) '
            "against the baseline</summary>"
        )
        if lv["changes"]:
            parts.append(
                '<table><tr><th>actor</th><th>issue</th><th>field</th><th class="n">base</th>'
                '<th class="n">candidate</th><th>source</th></tr>'
                + "".join(
                    f"<tr><td>{_e(c['actor'])}</td><td>{_e(c['issue'])}</td><td>{_e(c['field'])}</td>"
                    f'<td class="n">{fmt(c["old"])}</td><td class="n">{fmt(c["new"])}</td>'
                    f"<td>{_e(c['source'])}</td></tr>"
                    for c in lv["changes"]
                )
                + "</table>"
            )
        parts.append(
            '<table class="compare"><tr><th>objective</th><th class="n">baseline</th>'
            '<th class="n">candidate</th><th class="n">difference [10%, 90%]</th>'
            '<th class="n">P(better)</th></tr>'
        )
        for o in doc["objectives"]:
            v = lv["objectives"][o["name"]]
            pb = v.get("p_better")
            parts.append(
                f'<tr><td>{_e(o["name"])}</td><td class="n">{fmt(base[o["name"]]["median"])}</td>'
                f'<td class="n">{fmt(v["median"])}</td><td class="n">{signed(v["delta_median"])} '
                f"[{signed(v['delta_q10'])}, {signed(v['delta_q90'])}]</td>"
                f'<td class="n">{"–" if pb is None else f"{pb:.2f}"}</td></tr>'
            )
        parts.append("</table>")
        rob = lv.get("robustness")
        if rob:
            parts.append(f"<p>{_e(rob['summary'])}</p>")
        if lv["kind"] == "overlay":
            cmd = (
                f"peninsula simulate {doc['scenario']} --months {doc['months']} --draws {doc['draws']} "
                f"--seed {doc['seed']} --compare {lv['id']}"
            )
            parts.append(f"<p>The same comparison month by month: <code>{_e(cmd)}</code></p>")
        if lv["notes"]:
            parts.append('<ul class="notes">' + "".join(f"<li>{_e(n)}</li>" for n in lv["notes"]) + "</ul>")
        parts.append("</details>")
    parts.append('<ul class="notes">' + "".join(f"<li>{_e(n)}</li>" for n in doc["notes"]) + "</ul>")
    parts.append("</section>")
    return "".join(parts)


def _short_note(data: ReportData) -> str:
    """What the short report leaves out, and how to get it (issue 26: ``--full`` for every panel)."""
    from peninsula.reports import charts as ch

    result = data.forecast
    left = []
    rounds = {m for i in result.scenario.issue_ids for m in ch.iterative_models(result, i)}
    if rounds:
        left.append(f"positions round by round on every issue ({len(rounds)} models run rounds)")
    if data.sensitivity is not None and data.sensitivity.issues:
        left.append(f"the tornado charts ({data.sensitivity.model}'s most influential inputs)")
    if len(ch.exchange_models(result)) > 1:
        left.append("every exchange variant's network")
    if not left:
        return ""
    return (
        '<p class="muted" id="short-note">This is the short report. The full one (<code>peninsula report '
        f"--full</code>) adds {_e('; '.join(left))}.</p>"
    )


def _footer(data: ReportData) -> str:
    params = "".join(
        f"<tr><td>{_e(m.info.name)}</td><td><code>{_e(json.dumps(m.get_params(), default=str))}</code>"
        "</td></tr>"
        for m in data.models
    )
    sc = data.scenario
    overlay = data.comparison.overlay if data.comparison is not None else None
    cmd = f"peninsula report {sc.id}" + (f" --overlay {overlay}" if overlay else "")
    cmd += "".join(f" -m {m.info.name}" for m in data.models) + f" --seed {data.seed}"
    if data.rounds is not None:
        cmd += f" --rounds {data.rounds}"
    if data.levers is not None:
        cmd += f" --levers {data.levers['draws']}"
    if data.sweep is not None:
        cmd += f" --draws {data.sweep.spec.draws}"
    if data.full:
        cmd += " --full"
    return (
        f'<footer id="footer"><p>peninsula <b>{_e(data.version)}</b> · run id '
        f'<code id="run-id">{_e(data.run_id)}</code> · seed <code>{data.seed}</code>'
        f" · scenario <code>{_e(sc.id)}</code>"
        + (f" · overlay <code>{_e(overlay)}</code>" if overlay else "")
        + f" · written {_e(data.created)}</p>"
        f"<p>Reproduce: <code>{_e(cmd)}</code> (same run id = same numbers).</p>"
        f"<details><summary>Model parameters</summary><table>{params}</table></details></footer>"
    )


def render_html(data: ReportData, chart_list: Sequence[Chart] | None = None) -> str:
    """The report as one self-contained HTML document (see the module docstring)."""
    from peninsula.reports import charts as ch

    figures = list(chart_list) if chart_list is not None else charts(data)
    by_key = {c.key: c for c in figures}
    sc = data.scenario
    vals = _Values()
    scenario_html = _scenario_section(sc, vals)
    title = sc.title or sc.id
    overlay = data.comparison.overlay if data.comparison is not None else None
    nav = [
        '<a href="#scenario">scenario</a>',
        '<a href="#forecast">forecast</a>',
        '<a href="#issues">issues</a>',
    ]
    body = [scenario_html, _forecast_section(data), '<section id="issues"><h2>Issue by issue</h2>']
    if not data.full:
        body.append(_short_note(data))
    elif not any(c.key.startswith("positions-") for c in figures):
        body.append('<p class="muted">No selected model runs rounds: positions do not move.</p>')
    if data.sweep is None:
        body.append(
            '<p class="muted">No sweep ran (<code>--draws N</code> adds outcome distributions and '
            "tornado charts).</p>"
        )
    kinds = {"positions": "positions by round", "distribution": "distribution", "tornado": "tornado"}
    folded = False
    for issue in sc.issues:
        mine = [(kind, by_key[f"{kind}-{issue.id}"]) for kind in kinds if f"{kind}-{issue.id}" in by_key]
        if mine:
            if not folded:
                body.append('<p class="muted">Each issue&#x27;s charts are folded: open one to see them.</p>')
                folded = True
            shown = ", ".join(kinds[k] for k, _ in mine)
            body.append(
                f'<details class="charts" id="issue-{_e(issue.id)}"><summary><h3>{_e(issue.id)}</h3> '
                f'<span class="muted">{_e(shown)}</span></summary>'
            )
            body += [_figure_html(c) for _, c in mine]
            body.append("</details>")
    body.append("</section>")
    ex = ch.exchange_models(data.forecast)
    if ex:
        nav.append('<a href="#exchanges">exchanges</a>')
        body.append(
            '<section id="exchanges"><h2>Exchange network</h2>'
            '<p class="muted">Who traded with whom, on which issues, with what gain.</p>'
        )
        if not data.full and len(ex) > 1:
            body.append(
                f'<p class="muted" id="exchange-others">{len(ex) - 1} more exchange variant'
                f"{'s' if len(ex) > 2 else ''} ran ({_e(', '.join(ex[1:]))}): their networks look like this "
                "one; the full report (<code>--full</code>) shows each, with its exchanges.</p>"
            )
        for k, m in enumerate(ex if data.full else ex[:1]):
            if k:  # the exchange variants' networks look alike: the first is open, the others folded
                n = sum(1 for e in data.forecast.runs[m].events if e.get("actor_i"))
                body.append(
                    f'<details class="charts" id="exchange-{_e(m)}"><summary><h3>{_e(m)}</h3> '
                    f'<span class="muted">{n} exchanges: network and table</span></summary>'
                )
            if f"network-{m}" in by_key:
                body.append(_figure_html(by_key[f"network-{m}"]))
            body.append(_exchange_table(data, m))
            if k:
                body.append("</details>")
        body.append("</section>")
    if data.snapshots:
        nav.append('<a href="#cohesion">cohesion</a>')
        rows = "".join(
            f'<tr><td>{_e(r["scenario"])}</td><td>{_e(r["date"])}</td><td class="n">{r["before"]:.3f}</td>'
            + "".join(f'<td class="n">{v:.3f}</td>' for v in r["after"].values())
            + "</tr>"
            for r in data.snapshots
        )
        head = "".join(f'<th class="n">{_e(m)}</th>' for m in data.snapshots[0]["after"])
        body.append(
            '<section id="cohesion"><h2>Alliance cohesion across the snapshots</h2>'
            '<p class="muted">1 = Washington and Seoul want the same outcome on every shared issue, '
            "0 = opposite ends of every scale (salience-weighted, normalised by scale).</p>"
            + _figure_html(by_key["cohesion-snapshots"])
            + f'<table><tr><th>scenario</th><th>date</th><th class="n">before</th>{head}</tr>{rows}'
            "</table></section>"
        )
    if data.comparison is not None:
        nav.append('<a href="#overlay">overlay</a>')
        body.append(_overlay_section(data, by_key.get("overlay")))
    if data.launch is not None:
        nav.append('<a href="#launches">DPRK launches</a>')
        body.append(_launch_section(data, by_key.get("dprk-launches")))
    if data.levers is not None:
        nav.append('<a href="#levers">levers</a>')
        body.append(_levers_section(data.levers, by_key.get("levers-front")))
    if data.notes:
        body.append('<ul class="notes">' + "".join(f"<li>{_e(n)}</li>" for n in data.notes) + "</ul>")
    sources_json = script_json(vals.table)  # no "</script>" nor "<!--" can survive in it
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>peninsula report: {_e(title)}{' + ' + _e(overlay) if overlay else ''}</title>"
        f"<style>{_asset('report.css')}</style></head><body>"
        f'<header><h1>{_e(title)}</h1><p class="muted">{_e(sc.id)}'
        + (f" · {sc.date.isoformat()}" if sc.date else "")
        + (f" · overlay <b>{_e(overlay)}</b>" if overlay else "")
        + f" · {len(sc.actors)} actors, {len(sc.issues)} issues · {len(data.forecast.runs)} models</p>"
        f"<nav>{''.join(nav)}</nav></header><main>{''.join(body)}</main>{_footer(data)}"
        '<aside id="panel"><button id="panel-close" type="button" aria-label="close">×</button>'
        '<div id="panel-body"></div></aside>'
        f'<script type="application/json" id="sources">{sources_json}</script>'
        f"<script>{_asset('report.js')}</script></body></html>\n"
    )
