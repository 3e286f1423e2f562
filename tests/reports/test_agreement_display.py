"""Issue 21: p_agreement is shown beside each model that reports it (forecast table, report, workbench), and
the models that cannot forecast "no agreement" say so in their notes."""

from __future__ import annotations

from rich.console import Console

import peninsula
from peninsula.core import Actor, Issue, Reversion, Scenario, Stance
from peninsula.models import REGISTRY
from peninsula.reports.report import ReportData, _forecast_section
from peninsula.reports.tables import forecast_tables
from peninsula.simulate.forecast import NO_AGREEMENT_NOTE

HANOI = Scenario(
    id="hanoi",
    actors=[Actor(id="US", capability=1.0), Actor(id="DPRK", capability=1.0)],
    issues=[Issue(id="denuc", reversion=Reversion(value=0, label="no agreement"))],
    stances=[
        Stance(actor="US", issue="denuc", position=100, salience=1, veto=True, accept_low=75),
        Stance(actor="DPRK", issue="denuc", position=25, salience=1, veto=True),
    ],
)


def test_notes_say_which_models_cannot_forecast_no_agreement() -> None:
    f = peninsula.forecast(HANOI, "all")
    for name, run in f.runs.items():
        said = NO_AGREEMENT_NOTE in run.notes
        assert said is (not REGISTRY[name].info.represents_no_agreement), name
    assert NO_AGREEMENT_NOTE not in f.to_dict()["models"]["agreement"]["notes"]
    assert NO_AGREEMENT_NOTE in f.to_dict()["models"]["compromise"]["notes"]


def test_forecast_table_has_p_agreement_beside_the_agreement_model_only() -> None:
    f = peninsula.forecast(HANOI, ["compromise", "agreement"])
    console = Console(record=True, width=200)
    for part in forecast_tables(f):
        console.print(part)
    text = console.export_text()
    assert "p(agree)" in text and text.count("p(agree)") == 1
    row = next(line for line in text.splitlines() if line.startswith("denuc"))
    assert row.split()[-1] == "0.00"  # the agreement model's p(agree), its last column: no agreement


def test_report_shows_p_agreement_under_the_forecast() -> None:
    f = peninsula.forecast(HANOI, ["compromise", "agreement"])
    data = ReportData(forecast=f, seed=0, run_id="r", version="v", models=[])
    html = _forecast_section(data)
    assert html.count("p(agree)") == 2  # the explanation, and one cell: the agreement model's
    assert "p(agree) 0.00" in html
