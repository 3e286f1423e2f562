"""The packaged Korea scenarios: they load, hold the required actors and issues, every number sourced."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
import yaml

from peninsula.core import Scenario
from peninsula.scenarios import (
    DEFAULT_SCENARIO,
    list_overlays,
    list_packaged,
    load_overlay,
    load_packaged,
    source_problems,
)
from peninsula.scenarios.sources import dataset_names, seed_names

PKG = Path(str(resources.files("peninsula.scenarios")))
IDS = ["korea-2017-06", "korea-2018-06", "korea-2019-04", "korea-2019-06", "korea-2020-03", "korea-2022-05"]
STATES = {"US", "ROK", "DPRK", "CHN", "JPN", "RUS"}
REQUIRED_ISSUES = {
    "denuclearization",
    "sanctions-relief",
    "sanctions-enforcement",
    "exercises",
    "sma-contribution",
    "sma-term",
    "thaad",
    "kaesong",
    "korus-auto-tariff",
    "regional-alignment",
    "usfk-troops",
}


def _all_sources() -> list[tuple[str, dict[str, object]]]:
    """Every source mapping in the packaged YAML (scenarios and overlays), with the file it is in."""
    found: list[tuple[str, dict[str, object]]] = []

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            if node.get("kind") in ("seed", "dataset", "record", "coded"):
                found.append((where, node))
            for v in node.values():
                walk(v, where)
        elif isinstance(node, list):
            for v in node:
                walk(v, where)

    for f in sorted((PKG / "data").glob("*.yaml")) + sorted((PKG / "overlays").glob("*.yaml")):
        walk(yaml.safe_load(f.read_text(encoding="utf-8")), f.name)
    return found


def test_six_snapshots_are_packaged_and_dated() -> None:
    infos = list_packaged()
    assert [i.id for i in infos] == IDS
    assert [str(i.date) for i in infos] == [
        "2017-06-28",
        "2018-06-11",
        "2019-04-30",
        "2019-06-24",
        "2020-03-19",  # Ewha's revision date (the seed page: approved 2020.03.15, revised 2020.03.19)
        "2022-05-31",
    ]
    assert DEFAULT_SCENARIO == "korea-2019-04"


@pytest.mark.parametrize("sid", IDS)
def test_scenario_validates_against_the_model(sid: str) -> None:
    text = (PKG / "data" / f"{sid}.yaml").read_text(encoding="utf-8")
    assert Scenario.model_validate(yaml.safe_load(text)) == load_packaged(sid)


@pytest.mark.parametrize("sid", IDS)
def test_the_six_states_are_in_every_scenario(sid: str) -> None:
    s = load_packaged(sid)
    states = {a.id for a in s.actors if a.kind == "state"}
    assert states == STATES


@pytest.mark.parametrize("sid", IDS)
def test_every_value_has_a_source_that_checks_out(sid: str) -> None:
    assert source_problems(load_packaged(sid)) == []


@pytest.mark.parametrize("sid", IDS)
def test_state_capabilities_are_cow_cinc_of_the_year_before(sid: str) -> None:
    """The last year that ended before the snapshot: no look-ahead in the capabilities either."""
    s = load_packaged(sid)
    assert s.date is not None
    for a in s.actors:
        if a.kind == "state":
            assert a.capability_source is not None and a.capability_source.kind == "dataset"
            assert a.capability_source.file == "cow_nmc_2000_2022.csv"
            assert a.capability_source.row is not None
            assert a.capability_source.row.endswith(f"year={s.date.year - 1}")


def test_every_listed_issue_is_in_at_least_one_scenario() -> None:
    present = {i.id for sid in IDS for i in load_packaged(sid).issues}
    assert present >= REQUIRED_ISSUES


def test_every_issue_has_a_unit_labelled_points_and_a_sourced_status_quo() -> None:
    for sid in IDS:
        for issue in load_packaged(sid).issues:
            assert issue.unit and len(issue.points) >= 2, issue.id
            assert issue.status_quo is not None and issue.status_quo_source is not None, issue.id


def test_same_issue_id_means_the_same_unit_everywhere() -> None:
    """The unit is fixed per issue id; the bounds may differ, set from what was known at each date (D14)."""
    units: dict[str, str] = {}
    for sid in IDS:
        for i in load_packaged(sid).issues:
            units.setdefault(i.id, i.unit)
            assert units[i.id] == i.unit, (sid, i.id)


def test_every_snapshot_states_its_horizon_and_seeds_by_name() -> None:
    from peninsula.scenarios import record_horizon
    from peninsula.scenarios.sources import SEED_LABELS

    for sid in IDS:
        s = load_packaged(sid)
        assert s.metadata["horizon"] == record_horizon(sid).isoformat() >= str(s.date)
        for name in s.metadata.get("seed_files", "").split():
            assert SEED_LABELS[name] in s.metadata["seeds"], (sid, name)


def test_every_seed_quote_is_found_verbatim_in_its_seed_file() -> None:
    """The acceptance test: exact substring of the packaged seed text, no normalisation."""
    seeds = {p.name: p.read_text(encoding="utf-8") for p in (PKG / "seeds").glob("*.txt")}
    assert sorted(seeds) == seed_names() and len(seeds) == 5
    quotes = [(where, s) for where, s in _all_sources() if s["kind"] == "seed"]
    assert len(quotes) > 30
    for where, s in quotes:
        assert s["file"] in seeds, (where, s["file"])
        assert isinstance(s["quote"], str) and s["quote"] in seeds[str(s["file"])], (where, s["quote"])


def test_every_dataset_source_names_a_packaged_file_and_a_unique_row() -> None:
    from peninsula.scenarios.sources import dataset_row

    rows = [(where, s) for where, s in _all_sources() if s["kind"] == "dataset"]
    assert rows
    for where, s in rows:
        assert s["file"] in dataset_names(), where
        dataset_row(str(s["file"]), str(s["row"]))  # raises unless exactly one row matches


def test_every_coded_value_has_a_reason_and_a_range() -> None:
    coded = [(where, s) for where, s in _all_sources() if s["kind"] == "coded"]
    assert coded
    for where, s in coded:
        assert s.get("reason") and s.get("low") is not None and s.get("high") is not None, (where, s)


def test_seed_and_dataset_copies_carry_attribution() -> None:
    for folder in ("seeds", "datasets"):
        readme = (PKG / folder / "README.md").read_text(encoding="utf-8")
        names = seed_names() if folder == "seeds" else dataset_names()
        for name in names:
            assert name in readme


def test_packaged_overlays_load() -> None:
    assert list_overlays() == [
        "dual-track-sanctions",
        "medical-assistance",
        "phased-relief",
        "resume-exercises",
        "resume-exercises-rok-stays",
        "sma-first",
    ]
    for name in list_overlays():
        assert load_overlay(name).changes
