"""The report's "Which lever?" section (``report --levers N``): chart, ranked table, a comparison per row."""

from __future__ import annotations

import re

import peninsula
from peninsula.system.levers import applicable_overlays


def test_levers_section_has_the_front_chart_the_table_and_a_comparison_per_candidate() -> None:
    sid = "korea-2019-06"
    rep = peninsula.report(sid, ["compromise"], seed=2, levers=30, snapshots=False, launch=False)
    assert rep.data.levers is not None
    doc = rep.data.levers
    assert (doc["scenario"], doc["draws"], doc["seed"], doc["months"]) == (sid, 30, 2, 12)
    assert "levers-front" in {c.key for c in rep.charts}
    assert '<a href="#levers">levers</a>' in rep.html
    table = re.search(r'<table id="levers-table">(.*?)</table>', rep.html, re.S)
    assert table is not None
    rows = re.findall(
        r'<tr data-lever="([^"]+)"><td class="n">(\d+)</td><td><a href="#lever-(\d+)">', table.group(1)
    )
    ids = [r[0] for r in rows]
    assert set(ids) == set(applicable_overlays(peninsula.load(sid)))
    for _, rank, anchor in rows:  # every row links to its candidate's comparison with the baseline
        assert rank == anchor and f'<details id="lever-{rank}">' in rep.html
    assert rep.html.count('<table class="compare">') == len(ids)
    assert "--levers 30" in rep.html  # the footer's command reproduces the section


def test_no_levers_section_without_the_option() -> None:
    rep = peninsula.report("korea-2019-06", ["compromise"], seed=2, snapshots=False, launch=False)
    assert rep.data.levers is None and 'id="levers"' not in rep.html
