"""The exchange model against DECIDE's recorded runs, the readable reference, and hand computations.

Anchors: ``tests/reference/decide/`` (DECIDE @51dee66 on sample_data and copenhagen, see its README).
The reference implementation ``tests/models/exchange_reference.py`` follows docs/models/exchange-spec.md line
by line; the fast kernel must agree with it exactly (same exchanges in the same order, numbers to 1e-9).
"""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from peninsula.core import ParameterError, Scenario
from peninsula.io import load
from peninsula.kernels.exchange import exchange_round, third_party_effects
from peninsula.models import REGISTRY
from peninsula.models.exchange import Exchange, ExchangeRandom, _Arrays, third_party_table
from tests.models import exchange_reference as ref

DECIDE = Path(__file__).resolve().parents[1] / "reference" / "decide"
DATASETS = {"sample_data": "sample_data.txt", "copenhagen": "copenhagen.csv"}


def _recorded(name: str) -> dict[int, list[dict[str, str]]]:
    out: dict[int, list[dict[str, str]]] = {}
    with open(DECIDE / "decide_exchanges.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["dataset"] == name and row["model_variant"] == "equal":
                out.setdefault(int(row["round"]), []).append(row)
    return out


def _matrix(a: np.ndarray) -> ref.Matrix:
    return [[None if np.isnan(v) else float(v) for v in row] for row in a]


def _inputs(scenario: Scenario) -> tuple[_Arrays, ref.Matrix, ref.Matrix, ref.Matrix]:
    arr = _Arrays(scenario)
    present = ~np.isnan(arr.X)
    s = np.where(present, arr.s, np.nan)
    c = np.where(present, arr.c, np.nan)
    return arr, _matrix(arr.X), _matrix(s), _matrix(c)


def _key(arr: _Arrays, row: Sequence[int]) -> tuple[str, str, str, str]:
    ai, q, aj, p = (int(v) for v in row[:4])
    return arr.actors[ai], arr.issues[q], arr.actors[aj], arr.issues[p]


def _rec_key(row: dict[str, str]) -> tuple[str, str, str, str]:
    return row["i_actor"], row["i_supply_issue"], row["j_actor"], row["j_supply_issue"]


def _replayed_choices(name: str) -> tuple[dict[int, list[int]], list[ref.RoundOut]]:
    """Run the reference, choosing at each tie the candidate DECIDE realised; return the choices."""
    scenario = load(DECIDE / "inputs" / DATASETS[name])
    arr, X, s, c = _inputs(scenario)
    rec = _recorded(name)
    choices: dict[int, list[int]] = {}

    def rule(rnd: int, F: ref.Exchange, S: ref.Exchange, n: int) -> bool:
        expected = rec[rnd][n] if n < len(rec[rnd]) else None
        key_f = _key(arr, F.key())
        key_s = _key(arr, S.key())
        heads = expected is not None and _rec_key(expected) == key_s and key_f != key_s
        assert expected is None or _rec_key(expected) in (key_f, key_s), "no tie choice explains the record"
        choices.setdefault(rnd, []).append(int(heads))
        return heads

    return choices, ref.run(X, s, c, 10, tie_rule=rule)


# -- DECIDE anchors --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(DATASETS))
def test_round1_matches_decide_up_to_the_first_tie(name: str) -> None:
    scenario = load(DECIDE / "inputs" / DATASETS[name])
    _arr, X, s, c = _inputs(scenario)
    first_tie: list[int] = []

    def rule(F: ref.Exchange, S: ref.Exchange, n: int) -> bool:
        first_tie.append(n)
        return False

    ref.run_round(ref.Round(X, s, c), rule)
    k = first_tie[0] if first_tie else 10**9
    run = Exchange().run(scenario, rounds=1)
    recorded = _recorded(name)[1]
    assert k >= 1, "the anchor has exchanges before its first tie"
    for ours, theirs in zip(run.events[:k], recorded[:k], strict=False):
        assert (ours["actor_i"], ours["supply_i"], ours["actor_j"], ours["supply_j"]) == _rec_key(theirs)
        assert ours["gain"] == pytest.approx(float(theirs["gain"]), abs=1e-9)
        assert ours["eu_i"] == pytest.approx(float(theirs["eu_i"]), abs=1e-9)
        assert ours["eu_j"] == pytest.approx(float(theirs["eu_j"]), abs=1e-9)


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_replaying_decides_tie_choices_reproduces_all_ten_rounds(name: str) -> None:
    choices, ref_rounds = _replayed_choices(name)
    scenario = load(DECIDE / "inputs" / DATASETS[name])
    arr = _Arrays(scenario)
    rec = _recorded(name)
    positions: dict[tuple[int, str, str, str], float] = {}
    with open(DECIDE / "decide_positions.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["dataset"] == name and row["model_variant"] == "equal":
                key = (int(row["round"]), row["position_type"], row["actor"], row["issue"])
                positions[key] = float(row["position_norm100"])
    X = arr.X
    for r in range(1, 11):
        res = exchange_round(X, arr.s, arr.c, round_no=r, tie_mode=2,
                             tie_choices=np.array(choices.get(r, []), dtype=np.int64))
        assert res.exchanges.shape[0] == len(rec[r])
        for k, theirs in enumerate(rec[r]):
            assert _key(arr, res.exchanges[k]) == _rec_key(theirs), f"round {r}, exchange {k + 1}"
            v = res.values[k]
            assert v[8] == pytest.approx(float(theirs["gain"]), abs=1e-9)
            assert v[0] == pytest.approx(float(theirs["i_start_norm100"]), abs=1e-9)
            assert v[1] == pytest.approx(float(theirs["i_vote_norm100"]), abs=1e-9)
            assert v[4] == pytest.approx(float(theirs["j_start_norm100"]), abs=1e-9)
            assert v[5] == pytest.approx(float(theirs["j_vote_norm100"]), abs=1e-9)
            assert v[3] == pytest.approx(float(theirs["eu_i"]), abs=1e-9)
            assert v[7] == pytest.approx(float(theirs["eu_j"]), abs=1e-9)
        X = res.preference
        for (a, actor) in enumerate(arr.actors):
            for (d, issue) in enumerate(arr.issues):
                if np.isnan(X[a, d]):
                    assert (r, "preference", actor, issue) not in positions
                    continue
                assert X[a, d] == pytest.approx(positions[(r, "preference", actor, issue)], abs=1e-9)
                assert res.voting[a, d] == pytest.approx(positions[(r, "voting", actor, issue)], abs=1e-9)
        # the readable reference, replayed the same way, agrees
        assert np.allclose(np.array(ref_rounds[r].preference, dtype=float), X, atol=1e-9, equal_nan=True)


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_final_outcomes_lie_in_decides_seed_sweep_range(name: str) -> None:
    scenario = load(DECIDE / "inputs" / DATASETS[name])
    run = Exchange().run(scenario, rounds=10)
    sweep: dict[str, list[float]] = {}
    with open(DECIDE / "decide_seed_sweep.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["dataset"] == name and row["model_variant"] == "equal":
                sweep.setdefault(row["issue"], []).append(float(row["final_preference_nbs_round10"]))
    assert set(sweep) == set(run.issues)
    for issue_id, values in sweep.items():
        one_point = scenario.issue(issue_id).span / 100
        outcome = run.issues[issue_id].outcome
        assert outcome is not None
        assert min(values) - one_point <= outcome <= max(values) + one_point, issue_id


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_round_zero_and_outcomes_match_decides_weighted_means(name: str) -> None:
    scenario = load(DECIDE / "inputs" / DATASETS[name])
    run = Exchange().run(scenario, rounds=0)
    with open(DECIDE / "decide_outcomes.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["dataset"] == name and r["round"] == "0"
                and r["position_type"] == "preference"]
    for row in rows:
        assert run.issues[row["issue"]].outcome == pytest.approx(float(row["nbs_outcome"]), abs=1e-9)


# -- the fast kernel equals the readable reference ---------------------------------------------------------
def _compare(arr: _Arrays, ref_rounds: list[ref.RoundOut], fast: list[Any]) -> None:
    for r, res in enumerate(fast, start=1):
        expected = ref_rounds[r].realised
        assert res.exchanges.shape[0] == len(expected), f"round {r}"
        for k, e in enumerate(expected):
            sn = e.snapshot
            assert tuple(int(v) for v in res.exchanges[k, :4]) == sn.key(), f"round {r}, exchange {k + 1}"
            assert res.values[k, 8] == pytest.approx(sn.gain, abs=1e-9)
            assert res.values[k, 1] == pytest.approx(sn.i.y, abs=1e-9)
            assert res.values[k, 5] == pytest.approx(sn.j.y, abs=1e-9)
            assert res.values[k, 3] == pytest.approx(sn.i.eu, abs=1e-9)
            assert res.values[k, 7] == pytest.approx(sn.j.eu, abs=1e-9)
        pref = np.array([[np.nan if v is None else v for v in row] for row in ref_rounds[r].preference])
        assert np.allclose(res.preference, pref, atol=1e-9, equal_nan=True)


def _fast_rounds(arr: _Arrays, rounds: int, **kw: Any) -> list[Any]:
    out = []
    X = arr.X
    for r in range(1, rounds + 1):
        res = exchange_round(X, arr.s, arr.c, round_no=r, **kw)
        out.append(res)
        X = res.preference
    return out


@pytest.mark.parametrize("file", ["sample_data.txt", "copenhagen.csv", "cop21.csv"])
@pytest.mark.parametrize(("p", "coin"), [(0.0, False), (0.0, True), (0.5, False), (1.0, True)])
def test_kernel_equals_reference(file: str, p: float, coin: bool) -> None:
    scenario = load(DECIDE / "inputs" / file)
    arr, X, s, c = _inputs(scenario)
    rounds = 10 if file != "cop21.csv" else 4
    ref_rounds = ref.run_keyed(X, s, c, rounds, seed=2024, p=p, coin=coin)
    fast = _fast_rounds(arr, rounds, p=p, seed=2024, tie_mode=1 if coin else 0)
    _compare(arr, ref_rounds, fast)


@pytest.mark.parametrize("file", ["sample_data.txt", "copenhagen.csv", "cop21.csv"])
@pytest.mark.parametrize(("p", "coin"), [(0.0, False), (0.0, True), (0.5, True)])
def test_clean_kernel_equals_clean_reference(file: str, p: float, coin: bool) -> None:
    scenario = load(DECIDE / "inputs" / file)
    arr, X, s, c = _inputs(scenario)
    ref_rounds = ref.run_keyed(X, s, c, 4, seed=99, p=p, coin=coin, clean=True)
    fast = _fast_rounds(arr, 4, p=p, seed=99, tie_mode=1 if coin else 0, clean=True)
    _compare(arr, ref_rounds, fast)


def test_clean_variant_differs_from_decide_and_reports_capped_gain_as_eu() -> None:
    scenario = load(DECIDE / "inputs" / "sample_data.txt")
    clean = REGISTRY["exchange-clean"]().run(scenario, rounds=1)
    decide = Exchange().run(scenario, rounds=1)
    assert [e["gain"] for e in clean.events] != [e["gain"] for e in decide.events]
    for e in clean.events:
        assert e["eu_i"] == e["eu_j"] == pytest.approx(e["gain"])
    assert any(e["eu_i"] != pytest.approx(e["gain"]) for e in decide.events)  # DECIDE's pre-cap eu


def test_cop21_with_missing_cells_runs_and_keeps_absent_actors_absent() -> None:
    scenario = load(DECIDE / "inputs" / "cop21.csv")
    run = Exchange().run(scenario, rounds=3)
    for issue_id in scenario.issue_ids:
        data = scenario.issue_data(issue_id)
        for rec in run.issues[issue_id].rounds:
            assert set(rec.positions) == set(data.actor_ids)
            assert set(rec.extra["voting_positions"]) == set(data.actor_ids)
    assert run.events, "cop21 has exchanges"
    for e in run.events:
        for side, issue in (("actor_i", "supply_i"), ("actor_i", "supply_j"),
                            ("actor_j", "supply_i"), ("actor_j", "supply_j")):
            assert e[side] in scenario.issue_data(e[issue]).actor_ids


# -- hand-computed dialogue ----------------------------------------------------------------------------
def _two_actor_scenario() -> Scenario:
    from peninsula.core import Actor, Issue, Stance

    return Scenario(
        id="swap", actors=[Actor(id="A", capability=1.0), Actor(id="B", capability=1.0)],
        issues=[Issue(id="p"), Issue(id="q")],
        stances=[Stance(actor="A", issue="p", position=0, salience=0.9),
                 Stance(actor="A", issue="q", position=100, salience=0.2),
                 Stance(actor="B", issue="p", position=100, salience=0.2),
                 Stance(actor="B", issue="q", position=0, salience=0.9)],
    )


def test_two_actor_swap_by_hand() -> None:
    # W_p = W_q = 1.1; O_p = 20/1.1, O_q = 90/1.1. A is left on p only, B on q only: one candidate.
    # A's s_p/s_q = 4.5 > B's 0.22, so i = A supplies q, j = B supplies p. j moves fully (100 points):
    # δP = 100·0.2/1.1 = 18.18; δQ = δP·(0.2 + 0.9)/(0.9 + 0.2) = δP; i's move = δQ·1.1/0.2 = 100 = D_i.
    # gain = |δQ·0.2 − δP·0.9| = 0.7·20/1.1 = 12.727. No cap (the outcomes land exactly on the targets).
    # Update: w = 0.1 + 0.4·(1 − 0.2) = 0.42, so both suppliers end at 0.58·100 = 58.
    run = Exchange().run(_two_actor_scenario(), rounds=1)
    (e,) = run.events
    assert (e["actor_i"], e["supply_i"], e["actor_j"], e["supply_j"]) == ("A", "q", "B", "p")
    assert e["gain"] == pytest.approx(14 / 1.1)
    assert e["eu_i"] == e["eu_j"] == pytest.approx(14 / 1.1)
    assert (e["i_vote"], e["j_vote"]) == (pytest.approx(0.0, abs=1e-9), pytest.approx(0.0, abs=1e-9))
    expected_rounds = [
        # (issue, round, positions, outcome, voting outcome)
        ("p", 0, {"A": 0.0, "B": 100.0}, 20 / 1.1, 20 / 1.1),
        ("p", 1, {"A": 0.0, "B": 58.0}, 58 * 0.2 / 1.1, 0.0),
        ("q", 1, {"A": 58.0, "B": 0.0}, 58 * 0.2 / 1.1, 0.0),
    ]
    for issue, r, positions, outcome, voting in expected_rounds:
        rec = run.issues[issue].rounds[r]
        assert rec.positions == pytest.approx(positions)
        assert rec.outcome == pytest.approx(outcome)
        assert rec.extra["voting_outcome"] == pytest.approx(voting, abs=1e-9)
    # third party effects: only the two parties exist, so no third parties
    assert (e["n_gainers"], e["n_losers"], e["third_parties"]) == (0, 0, "")


def test_update_weights_are_parameters() -> None:
    run = Exchange(fixed_weight=0.2, salience_weight=0.3).run(_two_actor_scenario(), rounds=1)
    w = 0.2 + 0.3 * 0.8
    assert run.issues["p"].rounds[1].positions["B"] == pytest.approx((1 - w) * 100)
    assert Exchange.validate_params({"fixed_weight": "0.2"})["fixed_weight"] == 0.2
    with pytest.raises(ParameterError):
        Exchange(fixed_weight=0.7, salience_weight=0.4).run(_two_actor_scenario())
    with pytest.raises(ParameterError):
        Exchange.validate_params({"p": "0.5"})


# -- output contract -------------------------------------------------------------------------------------
def test_same_input_gives_byte_identical_json() -> None:
    scenario = load(DECIDE / "inputs" / "sample_data.txt")
    a = json.dumps(dataclasses.asdict(Exchange().run(scenario)), sort_keys=False)
    b = json.dumps(dataclasses.asdict(Exchange().run(scenario)), sort_keys=False)
    assert a == b


def test_events_are_flat_and_third_party_table_expands_them() -> None:
    scenario = load(DECIDE / "inputs" / "sample_data.txt")
    run = Exchange().run(scenario, rounds=2)
    assert [e["round"] for e in run.events] == sorted(e["round"] for e in run.events)
    assert {e["round"] for e in run.events} == {1, 2}
    for e in run.events:
        assert all(isinstance(v, str | int | float) for v in e.values())
        assert e["n_gainers"] + e["n_losers"] <= len(scenario.actors) - 2
    table = third_party_table(run)
    assert list(table.columns) == ["round", "seq", "actor_i", "actor_j", "issues", "actor", "utility_change"]
    assert len(table) == sum(e["n_gainers"] + e["n_losers"] for e in run.events)
    first = table[(table["round"] == 1) & (table["seq"] == 1)]
    assert not first["actor"].isin([run.events[0]["actor_i"], run.events[0]["actor_j"]]).any()


def test_third_party_effects_by_hand() -> None:
    # A and B swap as in the hand test; C sits at 0 on both issues with salience 0.5 and capability 1.
    X = np.array([[0.0, 100.0], [100.0, 0.0], [0.0, 0.0]])
    s = np.array([[0.9, 0.2], [0.2, 0.9], [0.5, 0.5]])
    c = np.ones_like(X)
    res = exchange_round(X, s, c)
    eff = third_party_effects(X, s, c, res.exchanges, res.values)
    # O_p = O_q = 20/1.6 = 12.5 and W = 1.6. B's move of −100 on p shifts O_p by −100·0.2/1.6 = −12.5, to
    # C's position: C gains 0.5·12.5 on p, and likewise on q.
    assert eff[0, 2] == pytest.approx(12.5)


def test_randomised_variant_is_seeded_and_reproducible() -> None:
    scenario = load(DECIDE / "inputs" / "sample_data.txt")
    a = ExchangeRandom().run(scenario, rounds=3, rng=7)
    b = ExchangeRandom().run(scenario, rounds=3, rng=7)
    c = ExchangeRandom().run(scenario, rounds=3, rng=8)
    assert json.dumps(dataclasses.asdict(a)) == json.dumps(dataclasses.asdict(b))
    assert [e["gain"] for e in a.events] != [e["gain"] for e in c.events] or \
        {i: r.outcome for i, r in a.issues.items()} != {i: r.outcome for i, r in c.issues.items()}
    assert not REGISTRY["exchange-random"].info.deterministic
    assert ExchangeRandom().get_params()["p"] == 0.5
    # p = 0 with a seeded coin at ties: still DECIDE's equal gain, but along a random tie path
    zero = ExchangeRandom(p=0.0).run(scenario, rounds=1, rng=1)
    assert zero.events[0]["gain"] == pytest.approx(1.9736842105263157)


def test_registry_metadata() -> None:
    for name in ("exchange", "exchange-random", "exchange-clean"):
        info = REGISTRY[name].info
        assert info.multi_issue and info.iterative and info.order_dependent and not info.uses_status_quo


def test_cli_json_is_byte_identical_and_events_csv_has_every_exchange(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from peninsula.cli import app

    runner = CliRunner()
    path = str(DECIDE / "inputs" / "sample_data.txt")
    events = tmp_path / "events.csv"
    args = ["forecast", path, "--model", "exchange", "--rounds", "10", "--format", "json"]
    first = runner.invoke(app, [*args, "--events", str(events)])
    second = runner.invoke(app, args)
    assert first.exit_code == 0 and second.exit_code == 0
    assert first.stdout == second.stdout
    doc = json.loads(first.stdout)
    rec = doc["models"]["exchange"]["issues"]["tol-hoogte"]["rounds"][10]
    assert {"round", "outcome", "positions", "voting_positions", "voting_outcome"} <= set(rec)
    with open(events, newline="") as fh:
        rows = list(csv.DictReader(fh))
    run = Exchange().run(load(path), rounds=10)
    assert len(rows) == len(run.events)
    assert {"actor_i", "supply_i", "actor_j", "supply_j", "gain", "third_parties"} <= set(rows[0])


def test_outcome_distribution_is_reproducible_and_spreads() -> None:
    from peninsula.models.exchange import outcome_distribution

    scenario = load(DECIDE / "inputs" / "sample_data.txt")
    a = outcome_distribution(scenario, runs=6, rng=11, rounds=3, p=1.0)
    b = outcome_distribution(scenario, runs=6, rng=11, rounds=3, p=1.0)
    assert a.equals(b)
    assert len(a) == 6 * len(scenario.issues)
    assert a.groupby("issue")["outcome"].nunique().max() > 1


def test_third_party_detail_can_be_switched_off() -> None:
    scenario = load(DECIDE / "inputs" / "sample_data.txt")
    full = Exchange().run(scenario, rounds=1)
    lean = Exchange(**Exchange.validate_params({"third_parties": "false"})).run(scenario, rounds=1)
    assert [e["n_losers"] for e in lean.events] == [e["n_losers"] for e in full.events]
    assert all(e["third_parties"] == "" for e in lean.events)
    assert any(e["third_parties"] for e in full.events)


def test_third_party_effects_of_all_exchanges_equal_one_exchange_at_a_time() -> None:
    # the vectorised pass (in row blocks) must give bit for bit what one exchange at a time gives
    arr = _Arrays(load(DECIDE.parent / "decide" / "inputs" / "cop21.csv"))
    res = exchange_round(arr.X, arr.s, arr.c)
    ex = np.tile(res.exchanges, (25, 1))  # > one block of rows
    vals = np.tile(res.values, (25, 1))
    both = third_party_effects(arr.X, arr.s, arr.c, ex, vals)
    single = np.vstack([third_party_effects(arr.X, arr.s, arr.c, ex[r:r + 1], vals[r:r + 1])
                        for r in range(ex.shape[0])])
    assert ex.shape[0] > 2048
    assert both.tobytes() == single.tobytes()


def test_third_party_strings_are_the_kept_effects_formatted_one_by_one() -> None:
    # actor ids with "%" and ":" must come through the %-format unchanged
    base = load(DECIDE / "inputs" / "sample_data.txt")
    names = {a.id: f"{a.id}%s:{k}%%" if k % 2 else a.id for k, a in enumerate(base.actors)}
    scenario = Scenario(
        id=base.id, issues=base.issues,
        actors=[a.model_copy(update={"id": names[a.id]}) for a in base.actors],
        stances=[st.model_copy(update={"actor": names[st.actor]}) for st in base.stances],
    )
    run = Exchange().run(scenario, rounds=3)
    arr = _Arrays(scenario)
    X = arr.X
    expected = []
    for r in range(1, 4):
        res = exchange_round(X, arr.s, arr.c, round_no=r)
        eff = third_party_effects(X, arr.s, arr.c, res.exchanges, res.values)
        for k in range(res.exchanges.shape[0]):
            parties = {int(res.exchanges[k, 0]), int(res.exchanges[k, 2])}
            expected.append(";".join(
                f"{arr.actors[a]}:" + "%+.6g" % x  # noqa: UP031
                for a, x in enumerate(eff[k].tolist()) if abs(x) > 1e-12 and a not in parties))
        X = res.preference
    assert [e["third_parties"] for e in run.events] == expected
    assert any("%s:" in e["third_parties"] for e in run.events)


def test_a_subnormal_weight_keeps_the_outcome_in_the_hull() -> None:
    # found by the conformance suite: a lone stance at 1.5 with salience 5e-324 had c·s·x lose its digits
    # (outcome 2.0); the weighted mean now scales c and s by powers of two first (exact, see the kernel)
    from peninsula.core import Actor, Issue, Stance
    from peninsula.kernels.exchange import weighted_outcomes

    s = Scenario(
        id="tiny",
        actors=[Actor(id="a0", capability=1.0), Actor(id="a1", capability=0.0)],
        issues=[Issue(id="i0", lower=0, upper=1), Issue(id="i1", lower=0, upper=100)],
        stances=[
            Stance(actor="a0", issue="i0", position=0.0, salience=0.0),
            Stance(actor="a0", issue="i1", position=1.5, salience=5e-324),
        ],
    )
    assert Exchange().run(s, rounds=2).issues["i1"].outcome == 1.5
    X, sal, cap = np.array([[1.5, 0.0], [40.0, 60.0]]), np.array([[5e-324, 0.5], [0.0, 0.5]]), np.ones((2, 2))
    assert weighted_outcomes(X, sal, cap).tolist() == [1.5, 30.0]
