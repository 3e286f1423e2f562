"""The source checker itself: it must catch each way a number can be unsupported."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from peninsula.core import Scenario, Source
from peninsula.scenarios import file_source_problems, load_packaged, source_problems, source_records
from peninsula.scenarios.sources import dataset_row, source_problem

ASAN = "001_19be76d3830d7c65.txt"


def test_source_problem_cases() -> None:
    assert source_problem(None, 1) == "no source"
    assert source_problem(Source(kind="seed", file=ASAN, quote="75 percent of the dismantlement"), 75) is None
    assert "not found verbatim" in str(
        source_problem(Source(kind="seed", file=ASAN, quote="75 per cent"), 75)
    )
    # typographic quotes are part of the text: a straight-quote version is not the same quote
    assert source_problem(Source(kind="seed", file=ASAN, quote="a “big deal”"), 0) is None
    assert source_problem(Source(kind="seed", file=ASAN, quote='a "big deal"'), 0) is not None
    assert "unknown seed" in str(source_problem(Source(kind="seed", file="x.txt", quote="a"), 0))
    assert "outside its uncertainty range" in str(
        source_problem(Source(kind="seed", file=ASAN, quote="75 percent", low=0, high=50), 75)
    )
    assert "without an uncertainty range" in str(source_problem(Source(kind="coded", reason="r"), 1))
    ok = Source(kind="dataset", file="cow_nmc_2000_2022.csv", row="ccode=2,year=2019")
    assert source_problem(ok, 0.12605037) is None
    assert "differs" in str(source_problem(ok, 0.13))
    bad_row = Source(kind="dataset", file="cow_nmc_2000_2022.csv", row="ccode=2,year=1999")
    assert "matches 0 rows" in str(source_problem(bad_row, 0.1))
    two = Source(kind="dataset", file="alliance_timeline.csv", row="date=2018-06-12")
    assert "matches 2 rows" in str(source_problem(two, 0))


def test_dataset_row_lookup() -> None:
    assert dataset_row("alliance_timeline.csv", "date=2017-08-21,type=exercise")["value"] == "17500"
    with pytest.raises(ValueError, match="unknown column"):
        dataset_row("alliance_timeline.csv", "day=2017-08-21")


def test_problems_name_field_and_line_in_a_yaml_file(tmp_path: Path) -> None:
    doc = load_packaged("korea-2019-06").model_dump(mode="json")
    doc["stances"][0]["sources"]["position"]["quote"] = "a quote that is in no seed"
    del doc["stances"][1]["sources"]["salience"]
    f = tmp_path / "bad.yaml"
    f.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    s = Scenario.model_validate(yaml.safe_load(f.read_text(encoding="utf-8")))
    problems = file_source_problems(f, s)
    assert [p.field for p in problems] == ["stances[0].position", "stances[1].salience"]
    assert all(p.line is not None and p.line > 1 for p in problems)
    assert "not found verbatim" in problems[0].message and "no source" in problems[1].message
    assert source_problems(s)[0].file == "scenario korea-2019-06"


def test_source_records_json_shape() -> None:
    recs = [r.to_dict() for r in source_records(load_packaged("korea-2019-04"))]
    assert {tuple(r) for r in recs} == {("actor", "issue", "field", "value", "source")}
    keys = (
        "kind",
        "file",
        "quote",
        "row",
        "reason",
        "low",
        "high",
        "url",
        "attributed_to",
        "evidence",
        "date",
    )
    assert {tuple(r["source"]) for r in recs} == {keys}
    assert {r["field"] for r in recs} == {
        "capability",
        "status_quo",
        "position",
        "salience",
        "reversion",
        "accept_low",
        "accept_high",
    }


def test_check_sources_for_ids_and_files(tmp_path: Path) -> None:
    from peninsula.scenarios import check_sources

    assert check_sources("korea-2019-04") == []
    doc = load_packaged("korea-2019-06").model_dump(mode="json")
    doc["stances"][0]["sources"]["position"]["quote"] = "zzz"
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (p,) = check_sources(f)
    assert p.file == str(f) and p.field == "stances[0].position" and p.line is not None
    other = tmp_path / "x.csv"
    other.write_text("a,b\n", encoding="utf-8")
    assert check_sources(other, load_packaged("korea-2019-06")) == []
