"""Issue 22: look-ahead through labels, bounds, ranges and text; seeds by name; the President as decider."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from peninsula.cli import app
from peninsula.core import Actor, Issue, ScalePoint, Scenario, Source, Stance
from peninsula.scenarios import load_packaged, packaged_ids
from peninsula.scenarios.sources import (
    SEED_LABELS,
    describe_source,
    lookahead_problems,
    seed_label,
    source_problem,
    text_dates,
)

CODED = Source(kind="coded", reason="test", low=0.0, high=1.0)


def _one_issue(
    date: str, issue: Issue, reason: str = "a judgement", low: float = 0, high: float = 100
) -> Scenario:
    """A hand-made one-issue scenario: A's position is coded with ``reason`` and range ``low``..``high``."""
    return Scenario(
        id="hand-made",
        date=dt.date.fromisoformat(date),
        actors=[
            Actor(id="A", capability=1.0, capability_source=Source(kind="coded", reason="t", low=0, high=2))
        ],
        issues=[issue],
        stances=[
            Stance(
                actor="A",
                issue=issue.id,
                position=50,
                salience=0.5,
                sources={
                    "position": Source(kind="coded", reason=reason, low=low, high=high, evidence="test"),
                    "salience": CODED,
                },
            )
        ],
    )


def test_text_dates_reads_the_forms_the_library_uses() -> None:
    found = dict(
        text_dates("UFG 2017 (2017-08-21); late 2019; May 2018; 27 December 2019; cow_nmc_2000_2022.csv")
    )
    assert found == {
        "2017": dt.date(2017, 1, 1),
        "2017-08-21": dt.date(2017, 8, 21),
        "late 2019": dt.date(2019, 9, 1),
        "May 2018": dt.date(2018, 5, 1),
        "27 December 2019": dt.date(2019, 12, 27),
    }
    assert text_dates("FY2019 NDAA, UNSCR 2321, US$110M, 1,038.9") == []


def test_validate_fails_on_a_label_a_bound_and_a_reason_dated_after_the_snapshot() -> None:
    """The three cases item 4 names, each on its own, on a scenario dated 2019-04-30."""
    plain = Issue(id="sma", lower=0, upper=6000, points=[ScalePoint(value=1000, label="the 2019 level")])
    assert lookahead_problems(_one_issue("2019-04-30", plain)) == []
    # a label naming a later date
    label = plain.model_copy(update={"points": (ScalePoint(value=1000, label="U.S. demand of late 2019"),)})
    (p,) = lookahead_problems(_one_issue("2019-04-30", label))
    assert p.field == "issues[0].points[0].label" and "late 2019" in p.message and "look-ahead" in p.message
    # a bound sitting on a labelled point whose source is dated later (the point's label itself names no date)
    later = Source(kind="record", url="https://example.org/a", quote="q", date=dt.date(2019, 11, 20))
    bound = plain.model_copy(
        update={"points": (ScalePoint(value=6000, label="the U.S. demand", source=later),)}
    )
    fields = {p.field for p in lookahead_problems(_one_issue("2019-04-30", bound))}
    assert fields == {"issues[0].points[0].source", "issues[0].upper"}
    # a reason naming a later date
    (p,) = lookahead_problems(_one_issue("2019-04-30", plain, reason="it cited the talks of October 2019"))
    assert p.field == "stances[0].sources.position.reason" and "October 2019" in p.message
    # a range end sitting on that later labelled point
    (p,) = [
        q
        for q in lookahead_problems(_one_issue("2019-04-30", bound, low=0, high=6000))
        if "range" in q.message
    ]
    assert p.field == "stances[0].sources.position.high"


def test_a_date_known_in_advance_is_not_look_ahead() -> None:
    plain = Issue(id="x", lower=0, upper=100)
    for known in (
        "before the National Assembly elections scheduled for April 2020",  # marked before the date
        "before the April 2020 elections",  # an event fixed in advance, named after the date
        "Pyongyang set the end of 2020 as the deadline",
        "a deal was wanted before the 2020 campaign",
    ):
        assert lookahead_problems(_one_issue("2020-03-19", plain, reason=known)) == [], known
    later_texts = ("the talks of April 2020", "the April 2020 deal", "settled in March 2021, by the next one")
    for later in later_texts:
        assert lookahead_problems(_one_issue("2020-03-19", plain, reason=later)), later


def test_validate_cli_names_the_file_the_line_and_the_field(tmp_path: Path) -> None:
    doc = load_packaged("korea-2019-04").model_dump(mode="json", exclude_none=True)
    doc["issues"][0]["description"] = "what the talks of 2021-03-10 decided"
    f = tmp_path / "late.yaml"
    f.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    r = CliRunner().invoke(app, ["validate", str(f)])
    assert r.exit_code == 2
    assert "late.yaml:" in r.stderr and "issues[0].description" in r.stderr and "2021-03-10" in r.stderr


@pytest.mark.parametrize("sid", packaged_ids())
def test_packaged_snapshots_pass_the_extended_check(sid: str) -> None:
    assert lookahead_problems(load_packaged(sid)) == []


def test_seeds_are_shown_by_their_human_name() -> None:
    assert [seed_label(f) for f in sorted(SEED_LABELS)] == [
        "CNAS 2019",
        "Asan Plenum 2019",
        "IPCS 2019",
        "Ewha 2020",
        "RUSI 2017",
    ]
    src = Source(kind="seed", file="000_e167a870257eb646.txt", quote="not in the text")
    assert describe_source(src) == 'seed CNAS 2019: "not in the text"'
    msg = source_problem(src, 0)
    assert msg is not None and "seed CNAS 2019" in msg and "000_e167" not in msg


def test_the_president_decides_where_he_has_a_stance() -> None:
    """Item 2: US-PRES holds the U.S. veto and full leverage on his issues; the administration keeps 0.5."""
    seen = set()
    for sid in packaged_ids():
        s = load_packaged(sid)
        for st in s.stances:
            if st.actor != "US-PRES":
                continue
            seen.add((sid, st.issue))
            admin = next(x for x in s.stances if x.actor == "US" and x.issue == st.issue)
            assert not admin.veto, (sid, st.issue)  # the administration never holds the U.S. veto beside him
            # he holds it where the outcome needs U.S. consent (enforcement is China's decision: no U.S. veto)
            assert st.veto == (st.issue != "sanctions-enforcement"), (sid, st.issue)
            assert st.capability is not None and admin.capability is not None
            assert st.capability >= admin.capability, (sid, st.issue)
    assert {
        ("korea-2018-06", "exercises"),
        ("korea-2019-04", "denuclearization"),
        ("korea-2019-06", "denuclearization"),
        ("korea-2019-06", "sanctions-enforcement"),
        ("korea-2020-03", "sma-contribution"),
    } <= seen


def test_the_review_values_that_blocked_analysis_are_gone() -> None:
    """D02, D03, D06, D07, D08: the positions the review showed contradicted by the record, recoded."""
    sma = {st.actor: st.position for st in load_packaged("korea-2019-04").stances_on("sma-contribution")}
    assert sma["US"] > 4500  # the President's 'US$5 billion worth of protection', not the 10th-SMA ask
    s20 = load_packaged("korea-2020-03")
    sma20 = {st.actor: st.position for st in s20.stances_on("sma-contribution")}
    assert sma20["US"] == 4800 and sma20["US-PRES"] == 6000 and s20.issue("sma-contribution").status_quo == 0
    assert {"sma-term", "sma-scope", "usfk-troops"} <= set(s20.issue_ids)
    s17 = load_packaged("korea-2017-06")
    rok = {st.issue: st for st in s17.stances if st.actor == "ROK"}
    assert rok["thaad"].sources["position"].low == 2  # never 0: Moon kept the two launchers
    assert rok["kaesong"].position <= 25  # the conditional reopening is not a half-reopening
    s19 = load_packaged("korea-2019-04")
    korus = next(st for st in s19.stances if (st.actor, st.issue) == ("US", "korus-auto-tariff"))
    assert korus.position <= 10


def test_printed_sources_name_the_seed_and_json_keeps_the_file() -> None:
    """The sources table, the workbench's scenario document and the JSON: name shown, file kept."""
    from peninsula.web.app import scenario_doc

    wide = CliRunner(env={"COLUMNS": "250"}).invoke(app, ["sources", "korea-2019-04"])
    assert wide.exit_code == 0 and "seed IPCS 2019" in wide.stdout
    assert "002_4164321d603cee7f" not in wide.stdout
    as_json = CliRunner().invoke(app, ["sources", "korea-2019-04", "--format", "json"])
    assert "002_4164321d603cee7f.txt" in as_json.stdout
    doc = scenario_doc("korea-2019-04", load_packaged("korea-2019-04"))
    seeds = [s for st in doc["stances"] for s in st["sources"].values() if s and s["kind"] == "seed"]
    assert seeds and all(s["text"].startswith(("seed IPCS 2019", "seed Asan Plenum 2019")) for s in seeds)
    assert {s["file"] for s in seeds} <= {"002_4164321d603cee7f.txt", "001_19be76d3830d7c65.txt"}
