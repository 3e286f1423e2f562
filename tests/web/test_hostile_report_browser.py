"""The report's own script still runs in a real browser when a source quote holds ``<!--<script>`` (issue 27).

In 2026-12 the embedded data ended the HTML parser's script state early: the quote's ``<!--<script>`` made the
report's next ``</script>`` not close the data, and the report's script never ran.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import peninsula
from peninsula.io.yaml_format import parse_yaml
from tests.hostile.test_names import HOSTILE_QUOTE, scenario_yaml


def test_report_script_still_runs_with_a_hostile_quote(browser: Any, tmp_path: Path) -> None:
    sc = parse_yaml(scenario_yaml(reason=HOSTILE_QUOTE), "s.yaml")
    out = tmp_path / "r.html"
    peninsula.report(sc, ["compromise"], seed=1, out=out)
    context = browser.new_context()
    try:
        pg = context.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto(out.as_uri())
        pg.wait_for_load_state("load")
        values = pg.locator(".v[data-src]")
        shown = []
        for k in range(values.count()):
            values.nth(k).click()
            shown.append(pg.inner_text("#panel"))
        assert pg.is_visible("#panel")
        assert any("Coded judgement: <!--<script>" in text for text in shown), shown
        assert pg.title() != "owned" and errors == []
    finally:
        context.close()
