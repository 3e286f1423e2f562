"""The self-contained HTML report: content, sources, reproducibility, charts, PNGs and the CLI command."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import peninsula
from peninsula.core import InputError
from peninsula.reports.report import Report
from peninsula.scenarios import DEFAULT_SCENARIO, apply_overlay, list_overlays, load_packaged, packaged_ids

ROOT = Path(__file__).resolve().parents[2]
MODELS = ["compromise", "eu", "exchange"]


@pytest.fixture(scope="module")
def base() -> Report:
    """The full report (every panel: the tests below check each panel's content)."""
    return peninsula.report(DEFAULT_SCENARIO, MODELS, seed=1, full=True)


@pytest.fixture(scope="module")
def short() -> Report:
    """The default report: the same run, short."""
    return peninsula.report(DEFAULT_SCENARIO, MODELS, seed=1)


def _overlay_case() -> tuple[str, str]:
    for sid in [DEFAULT_SCENARIO, *packaged_ids()]:
        for ov in list_overlays():
            try:
                apply_overlay(load_packaged(sid), ov)
            except InputError:
                continue
            return sid, ov
    pytest.fail("no packaged overlay applies to any packaged scenario")


def test_report_is_one_self_contained_file(base: Report) -> None:
    text = base.html
    assert len(text.encode()) < 5 * 2**20
    # nothing is loaded: no src/href but in-page anchors, and a CSP that forbids every request
    assert re.findall(r"(?<![\w-])(?:src|href)=[\"'](?!#)", text) == []
    assert "<link" not in text and "<img" not in text and "@import" not in text
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', text)
    assert csp is not None and "default-src 'none'" in csp.group(1) and "http" not in csp.group(1)
    assert text.count("<svg") == len(base.charts) >= 5


def test_every_value_is_shown_with_its_source(base: Report) -> None:
    sc = load_packaged(DEFAULT_SCENARIO)
    expected = (
        sum(a.capability is not None for a in sc.actors)
        + sum(i.status_quo is not None for i in sc.issues)
        + sum(2 + (s.capability is not None) for s in sc.stances)
    )
    sources = json.loads(
        re.search(r'<script type="application/json" id="sources">(.*?)</script>', base.html, re.S).group(1)
    )
    assert len(sources) == expected
    spans = re.findall(r'<span class="(v[^"]*)" data-src="(s\d+)" title="([^"]*)"', base.html)
    assert len(spans) == expected
    coded = [(k, html.unescape(t)) for c, k, t in spans if "coded" in c]
    assert coded, "the default scenario has coded judgements"
    for key, title in coded:
        src = sources[key]["source"]
        assert src["kind"] == "coded"
        assert title.startswith("coded: ") and f"[{src['low']:g}, {src['high']:g}]" in title
    seeds = [
        sources[k]["source"] for c, k, _ in spans if sources[k]["source"] and sources[k]["source"]["quote"]
    ]
    # each quote is in the page as the JSON of sources carries it (a straight double quote inside a quote is
    # escaped there, as in every JSON string)
    shown = [json.dumps(s["quote"], ensure_ascii=False)[1:-1].replace("</", "<\\/") for s in seeds[:20]]
    assert seeds and all(q in base.html for q in shown)


def test_forecast_table_has_status_quo_and_every_model(base: Report) -> None:
    table = re.search(r'<table id="forecast-table">(.*?)</table>', base.html, re.S).group(1)
    sc = load_packaged(DEFAULT_SCENARIO)
    for m in MODELS:
        assert f'<th class="n">{m}</th>' in table
    for issue in sc.issues:
        assert f"<td>{issue.id}</td>" in table
    assert "status quo" in table and "U.S.-ROK cohesion" in table
    out = base.data.forecast.outcomes
    from peninsula.reports.console import fmt

    assert fmt(out.at["compromise", sc.issues[0].id]) in table


def test_footer_reproduces_the_run(base: Report) -> None:
    foot = base.html[base.html.index('<footer id="footer">') :]
    assert f'run id <code id="run-id">{base.run_id}</code>' in foot
    assert "seed <code>1</code>" in foot and peninsula.report.__module__ == "peninsula.api"
    for m in MODELS:
        assert f"-m {m}" in foot
    again = peninsula.report(DEFAULT_SCENARIO, MODELS, seed=1, snapshots=False, launch=False)
    other = peninsula.report(DEFAULT_SCENARIO, MODELS, seed=2, snapshots=False, launch=False)
    assert again.run_id == base.run_id != other.run_id
    table = re.compile(r'<table id="forecast-table">.*?</table>', re.S)
    assert table.search(again.html).group(0) == table.search(base.html).group(0)


def test_positions_exchange_network_cohesion_and_launch_panels(base: Report) -> None:
    keys = {c.key for c in base.charts}
    sc = load_packaged(DEFAULT_SCENARIO)
    assert {f"positions-{i}" for i in sc.issue_ids} <= keys  # eu and exchange run rounds on every issue
    assert "network-exchange" in keys and "cohesion-snapshots" in keys and "dprk-launches" in keys
    n_exchanges = sum(1 for e in base.data.forecast.runs["exchange"].events if e.get("actor_i"))
    assert f"{n_exchanges} exchanges of exchange" in base.html
    assert len(base.data.snapshots) == len(packaged_ids())
    assert 'id="launches"' in base.html and "Evidence is thin" in base.html
    # the coupled simulation's path over the fan's months
    lp = base.data.launch
    assert lp is not None and lp.coupled is not None
    assert lp.coupled["month"][0] == lp.scenario_month and "Coupled simulation" in base.html


def test_chart_ids_are_unique_across_the_page(base: Report) -> None:
    ids = re.findall(r'\bid="([^"]+)"', base.html)
    assert len(ids) == len(set(ids))


def test_overlay_side_by_side() -> None:
    sid, ov = _overlay_case()
    rep = peninsula.report(sid, ["compromise", "median"], overlay=ov, seed=0, snapshots=False, launch=False)
    assert 'id="overlay"' in rep.html and "overlay" in {c.key for c in rep.charts}
    rows = re.search(r'<table id="overlay-table">(.*?)</table>', rep.html, re.S).group(1)
    n_issues = len(load_packaged(sid).issues)
    assert rows.count("<tr><td>") == 2 * n_issues


def test_a_sweep_adds_intervals_distributions_and_tornadoes() -> None:
    rep = peninsula.report(
        DEFAULT_SCENARIO, ["compromise", "median"], seed=4, draws=30, snapshots=False, launch=False, full=True
    )
    keys = {c.key for c in rep.charts}
    sc = load_packaged(DEFAULT_SCENARIO)
    assert {f"distribution-{i}" for i in sc.issue_ids} <= keys
    assert any(k.startswith("tornado-") for k in keys)
    assert rep.html.count('<span class="iv">') == 2 * len(sc.issues)
    summary = rep.data.sweep.to_dict()["models"]["compromise"]["issues"][sc.issue_ids[0]]
    from peninsula.reports.console import fmt

    assert f"[{fmt(summary['q05'])}, {fmt(summary['q95'])}]" in rep.html


def test_an_undated_file_scenario_gets_no_launch_panel() -> None:
    path = ROOT / "tests/reference/decide/inputs/sample_data.txt"
    rep = peninsula.report(str(path), ["compromise"], seed=0)
    assert 'id="launches"' not in rep.html and rep.data.snapshots == []


def test_png_files_are_the_same_charts(base: Report, tmp_path: Path) -> None:
    files = base.write_pngs(tmp_path / "png")
    assert sorted(p.name for p in files) == sorted(f"{c.key}.png" for c in base.charts)
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in files)


def test_charts_never_touch_pyplot_or_the_backend() -> None:
    # (matplotlib.get_backend() would itself import pyplot to resolve the default: read the raw setting)
    code = (
        "import matplotlib, sys; raw = lambda: dict.__getitem__(matplotlib.rcParams, 'backend'); "
        "before = raw(); import peninsula; "
        "peninsula.report('korea-2019-04', ['compromise', 'eu'], seed=0, snapshots=False); "
        "print('matplotlib.pyplot' in sys.modules, raw() == before)"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert p.stdout.split() == ["False", "True"]


def test_cli_report_writes_html_and_pngs(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from peninsula.cli import app

    out, png = tmp_path / "r.html", tmp_path / "charts"
    r = CliRunner().invoke(
        app,
        [
            "report",
            DEFAULT_SCENARIO,
            "-m",
            "compromise",
            "-m",
            "eu",
            "--seed",
            "5",
            "-o",
            str(out),
            "--png",
            str(png),
        ],
    )
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    mask = os.umask(0)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~mask  # an ordinary file, not mkstemp's 0600
    assert next(png.glob("*.png")).stat().st_mode & 0o777 == 0o666 & ~mask
    assert any(png.glob("positions-*.png")) and (png / "dprk-launches.png").exists()
    assert "run id" in r.output and "seed 5" in r.output


def test_cli_report_bad_overlay_is_exit_2(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from peninsula.cli import app

    r = CliRunner().invoke(app, ["report", "--overlay", "no-such-overlay", "-o", str(tmp_path / "r.html")])
    assert r.exit_code == 2
    assert "no-such-overlay" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "r.html").exists()


def test_launch_text_names_the_model_that_ran_and_the_coupled_total(base: Report) -> None:
    # issue 26: the text said "Negative binomial model" whatever ran, and summed the coupled monthly medians
    from peninsula.dynamics.registry import DYNAMIC_MODELS
    from peninsula.reports.report import LAUNCH_MODEL_TEXT, launch_model_text

    lp = base.data.launch
    assert lp is not None and lp.coupled is not None
    start = base.html.index('<section id="launches">')
    section = base.html[start : base.html.index("</section>", start)]
    model = lp.whatif.model
    assert f"<code>{model}</code>" in section
    assert html.escape(launch_model_text(model, lp.whatif.target)) in section
    assert model != "posture" and "Negative binomial regression" not in section
    q10, q50, q90 = lp.coupled["total"]
    assert q10 <= q50 <= q90
    assert f"window total: median {q50:.0f} (80% interval {q10:.0f}–{q90:.0f})" in section
    assert "monthly medians add up to" not in section
    assert set(DYNAMIC_MODELS) | {"posture"} <= set(LAUNCH_MODEL_TEXT)  # every launch model has its text


def test_veto_players_are_marked_in_text_not_an_emoji(base: Report) -> None:
    sc = load_packaged(DEFAULT_SCENARIO)
    vetoes = sum(s.veto for s in sc.stances)
    assert vetoes > 0 and "⛔" not in base.html
    assert base.html.count('<span class="veto" title="veto player') == vetoes
    assert "a veto player on that issue: no agreement without it" in base.html


def test_tornado_and_distribution_charts_carry_a_colour_key() -> None:
    # issue 26: the tornado's two colours and the distribution's dotted line were not explained
    from peninsula.reports import charts as ch

    sc = load_packaged(DEFAULT_SCENARIO)
    issue = sc.issues[0]
    entry = {
        "base": 50.0,
        "inputs": [
            {
                "actor": "US",
                "field": "position",
                "issue": issue.id,
                "low": 0,
                "high": 100,
                "swing": 20,
                "outcome_low": 40.0,
                "outcome_high": 60.0,
            },
            {
                "actor": "ROK",
                "field": "salience",
                "issue": issue.id,
                "low": 0.2,
                "high": 0.8,
                "swing": 10,
                "outcome_low": 55.0,
                "outcome_high": 45.0,
            },
        ],
    }
    fig = ch.tornado_chart(issue, entry, "compromise")
    assert fig is not None
    texts = [t.get_text() for lg in fig.legends for t in lg.get_texts()]
    assert texts == [
        "the outcome rises with the input",
        "the outcome falls as the input rises",
        "outcome at the scenario's values",
    ]
    dist = ch.distribution_chart(issue, ["compromise"], {"compromise": [10.0, 20.0, 30.0]})
    texts = [t.get_text() for lg in dist.legends for t in lg.get_texts()]
    assert "status quo" in texts and any("draws" in t for t in texts)


# -- issue 26: short by default, --full for every panel -----------------------------------------------


def _figures(text: str) -> list[str]:
    return re.findall(r'<figure id="fig-([^"]+)"', text)


def test_the_default_report_is_short_and_full_has_every_panel(base: Report, short: Report) -> None:
    sc = load_packaged(DEFAULT_SCENARIO)
    # the same run: same numbers, same run id, same forecast table
    assert short.run_id == base.run_id
    table = re.compile(r'<table id="forecast-table">.*?</table>', re.S)
    assert table.search(short.html).group(0) == table.search(base.html).group(0)
    full_keys = [c.key for c in base.charts]
    short_keys = [c.key for c in short.charts]
    # full: every panel, each in the page
    assert {f"positions-{i}" for i in sc.issue_ids} <= set(full_keys)
    assert _figures(base.html) == full_keys
    # short: the summary panels only, each in the page; no positions by round
    assert short_keys == ["network-exchange", "cohesion-snapshots", "dprk-launches"]
    assert _figures(short.html) == short_keys and short.html.count("<svg") == len(short_keys)
    assert set(short_keys) < set(full_keys)
    assert len(short.html.encode()) < 0.5 * len(base.html.encode())
    # the short page says what it leaves out and how to get it; the full page does not
    assert 'id="short-note"' in short.html and "--full</code>) adds positions round by round" in short.html
    assert 'id="short-note"' not in base.html
    # both footers reproduce their own page
    assert "--seed 1 --full</code>" in base.html and "--seed 1</code>" in short.html


def test_the_short_report_names_the_other_exchange_variants() -> None:
    rep = peninsula.report(
        DEFAULT_SCENARIO, ["exchange", "exchange-clean"], seed=0, snapshots=False, launch=False
    )
    assert [c.key for c in rep.charts] == ["network-exchange"]
    other = re.search(r'<p class="muted" id="exchange-others">(.*?)</p>', rep.html, re.S)
    assert other is not None and "1 more exchange variant ran (exchange-clean)" in other.group(1)
    assert "exchanges of exchange-clean" not in rep.html and "exchanges of exchange<" in rep.html


def test_a_short_report_with_a_sweep_keeps_the_distributions_not_the_tornadoes(tmp_path: Path) -> None:
    rep = peninsula.report(
        DEFAULT_SCENARIO, ["compromise", "median"], seed=4, draws=30, snapshots=False, launch=False
    )
    sc = load_packaged(DEFAULT_SCENARIO)
    keys = [c.key for c in rep.charts]
    assert keys == [f"distribution-{i}" for i in sc.issue_ids]
    assert rep.data.sensitivity is not None  # computed either way (same numbers): only not drawn
    assert "the tornado charts (compromise&#x27;s most influential inputs)" in rep.html
    assert rep.html.count('<span class="iv">') == 2 * len(sc.issues)
    assert "--draws 30</code>" in rep.html
    # --png writes every panel's chart, also those the short page leaves out
    files = {p.name for p in rep.write_pngs(tmp_path)}
    assert {f"{k}.png" for k in keys} < files and any(f.startswith("tornado-") for f in files)


def test_cli_report_full_flag(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from peninsula.cli import app

    runner = CliRunner()
    helped = runner.invoke(app, ["report", "--help"], env={"COLUMNS": "200"})
    assert helped.exit_code == 0 and "--full" in helped.output and "Every panel" in helped.output
    pages = {}
    for extra in ([], ["--full"]):
        out = tmp_path / f"r{len(extra)}.html"
        r = runner.invoke(
            app, ["report", DEFAULT_SCENARIO, "-m", "eu", "--seed", "5", "-o", str(out), *extra]
        )
        assert r.exit_code == 0, r.output
        pages[bool(extra)] = out.read_text(encoding="utf-8")
    sc = load_packaged(DEFAULT_SCENARIO)
    assert {f"positions-{i}" for i in sc.issue_ids} <= set(_figures(pages[True]))
    assert not any(k.startswith("positions-") for k in _figures(pages[False]))
    assert len(_figures(pages[False])) < len(_figures(pages[True]))
