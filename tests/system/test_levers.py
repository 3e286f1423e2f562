"""Levers: candidates through the coupled simulation on common random numbers, objectives, front,
robustness."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import numpy as np
import pytest

from peninsula.core import Issue, ParameterError, Reversion, Scenario, Stance
from peninsula.dynamics import load_data
from peninsula.models.agreement import Agreement
from peninsula.system import SystemSpec
from peninsula.system.levers import (
    POINT,
    ZERO,
    LeverSpec,
    Objective,
    build_candidates,
    data_digest,
    pareto,
    parse_grid,
    parse_prefer,
    robustness_block,
    run_levers,
    summarise,
)
from tests.system.conftest import posture_scenario

# denuclearization has veto players and a reversion in the posture scenario (issue 21), so it reports a
# p_agreement too
DIRECTIONAL = ("launches", "cohesion", "p_agreement:denuclearization", "p_agreement:sma")


def sma_scenario(us_limit: float = 60.0) -> Scenario:
    """The hand-made posture scenario plus an SMA-like issue the allies both veto (reversion 0).

    The U.S. sits at 80 and takes nothing below ``us_limit``; the ROK sits at 20 and, by the single-peaked
    default, takes nothing above 40: no deal. The issue is no posture issue, so nothing in the loop moves it
    and no launch depends on it.
    """
    base = posture_scenario(date=dt.date(2019, 1, 15))
    data = base.model_dump()
    data["issues"] = [
        *data["issues"],
        Issue(id="sma", lower=0, upper=100, reversion=Reversion(value=0, label="no SMA")).model_dump(),
    ]
    data["stances"] = [
        *data["stances"],
        Stance(
            actor="US", issue="sma", position=80, salience=0.8, veto=True, accept_low=us_limit
        ).model_dump(),
        Stance(actor="ROK", issue="sma", position=20, salience=0.8, veto=True).model_dump(),
    ]
    return Scenario.model_validate(data)


def levers_doc(korea: Any, grid: str, **kw: Any) -> dict[str, Any]:
    spec = LeverSpec(
        SystemSpec(sma_scenario(), months=3, draws=60, seed=7),
        overlays=(),
        grid=(parse_grid(grid),),
        **{"robust_draws": 0, "agreement_draws": 20, **kw},
    )
    return run_levers(spec, korea).to_dict()


@pytest.fixture(scope="module")
def sma_doc(korea: Any) -> dict[str, Any]:
    # U.S. at 20 (the ROK's own position), 50, or 80 (as coded)
    return levers_doc(korea, "sma@US=20:80:30")


def test_the_dominating_option_ranks_first_and_alone_on_the_front(sma_doc: dict[str, Any]) -> None:
    # At 20 the allies agree on the SMA (the ROK takes [0, 40], the U.S. now [20, ...]) and their gap closes:
    # higher cohesion in every draw, p_agreement 1 against 0; launches do not depend on the SMA (ties).
    ids = [lv["id"] for lv in sma_doc["levers"]]
    assert ids[0] == "sma@US=20"
    assert [lv["id"] for lv in sma_doc["levers"] if lv["pareto"]] == ["sma@US=20"]
    assert sma_doc["baseline"]["pareto"] is False
    best = sma_doc["levers"][0]
    assert best["objectives"]["cohesion"]["p_better"] == 1.0
    assert best["objectives"]["p_agreement:sma"]["delta_median"] == 1.0
    assert best["objectives"]["launches"]["p_better"] == best["objectives"]["launches"]["p_worse"] == 0.0
    assert {lv["id"]: lv["dominated_by"] for lv in sma_doc["levers"][1:]} == {
        "sma@US=50": ["sma@US=20"],
        "sma@US=80": ["sma@US=20", "sma@US=50"],
    }
    assert best["front_share"] == 1.0


def test_a_candidate_identical_to_the_baseline_shows_exact_zeros(sma_doc: dict[str, Any]) -> None:
    same = next(lv for lv in sma_doc["levers"] if lv["id"] == "sma@US=80")
    assert same["changes"] == [] and any("identical to the baseline" in n for n in same["notes"])
    for name, o in same["objectives"].items():
        assert (o["delta_median"], o["delta_q10"], o["delta_q90"]) == (0.0, 0.0, 0.0), name
        if name in DIRECTIONAL:
            assert o["p_better"] == 0.0 and o["p_worse"] == 0.0, name
        else:
            assert o["p_better"] is None, name  # an outcome without a better end is not ranked
        assert (o["median"], o["q10"], o["q90"]) == tuple(
            sma_doc["baseline"]["objectives"][name][k] for k in ("median", "q10", "q90")
        )


def test_json_shape_names_every_objective(sma_doc: dict[str, Any]) -> None:
    assert {"scenario", "months", "draws", "seed", "baseline", "levers"} <= set(sma_doc)
    assert (sma_doc["months"], sma_doc["draws"], sma_doc["seed"]) == (3, 60, 7)
    names = [o["name"] for o in sma_doc["objectives"]]
    assert names[:4] == list(DIRECTIONAL)
    assert {"outcome:exercises", "outcome:denuclearization", "outcome:sanctions-relief"} <= set(names)
    for lv in sma_doc["levers"]:
        assert lv["kind"] == "setting"
        assert set(lv["objectives"]) == set(names)
        for o in lv["objectives"].values():
            assert {"median", "q10", "q90", "delta_median", "delta_q10", "delta_q90", "p_better"} <= set(o)


def test_p_agreement_off_the_loop_is_the_agreement_models(korea: Any) -> None:
    # the SMA is no posture issue: its p_agreement per path is the agreement model's on the scenario, with
    # the same inner draws (seed and count), in every path
    sc = sma_scenario()
    data = sc.model_dump()
    for st in data["stances"]:
        if st["issue"] == "sma" and st["actor"] == "US":
            st["accept_low"] = 30.0  # a limit with a range: some inner draws agree, some do not
            st["sources"] = {
                "accept_low": {"kind": "coded", "reason": "test range", "low": 20, "high": 45},
            }
        if st["issue"] == "sma" and st["actor"] == "ROK":  # it takes (0, 2 x its position)
            st["sources"] = {"position": {"kind": "coded", "reason": "test range", "low": 10, "high": 35}}
    sc = Scenario.model_validate(data)
    spec = LeverSpec(
        SystemSpec(sc, months=2, draws=20, seed=11), overlays=(), robust_draws=0, agreement_draws=400
    )
    res = run_levers(spec, korea)
    model = Agreement(draws=400, seed=11).run(sc).issues["sma"].extra["p_agreement"]
    assert 0.0 < model < 1.0
    assert np.all(res.values[0]["p_agreement:sma"] == model)


def test_settings_move_both_allies_or_one(korea: Any) -> None:
    sc = sma_scenario()
    (both,) = build_candidates(sc, (), [parse_grid("sma=50:50:1")])
    assert {(c["actor"], c["new"]) for c in both.changes} == {("US", 50.0), ("ROK", 50.0)}
    (us,) = build_candidates(sc, (), [parse_grid("sma@US=50:50:1")])
    assert {(c["actor"], c["new"]) for c in us.changes} == {("US", 50.0)}
    # two axes give their product
    cands = build_candidates(
        sc, (), [parse_grid("sma@US=20:80:60"), parse_grid("exercises@ROK=0:25000:25000")]
    )
    assert [c.id for c in cands] == [
        "sma@US=20,exercises@ROK=0",
        "sma@US=20,exercises@ROK=25000",
        "sma@US=80,exercises@ROK=0",
        "sma@US=80,exercises@ROK=25000",
    ]
    # a setting is exact: the set value's source has no range
    st = next(s for s in cands[0].scenario.stances if s.actor == "US" and s.issue == "sma")
    assert st.position == 20 and st.sources["position"].low is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sma", "KEY=VALUE"),
        ("sma=0:10", "three numbers"),
        ("sma=0:10:0", "step must be positive"),
        ("sma=10:0:1", "exceeds"),
        ("sma@JPN=0:10:1", "ally after @"),
        ("sma=0:1e9:1", "more than"),
    ],
)
def test_bad_grids_are_refused(text: str, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        parse_grid(text)


@pytest.mark.parametrize(
    ("grid", "message"),
    [("nope=0:1:1", "no issue 'nope'"), ("sma=0:200:100", "outside the issue's scale")],
)
def test_grids_off_the_scenario_are_refused(grid: str, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        build_candidates(sma_scenario(), (), [parse_grid(grid)])


def test_an_overlay_that_does_not_apply_is_refused() -> None:
    with pytest.raises(ParameterError, match="does not apply"):
        build_candidates(sma_scenario(), ("sma-first",))


def test_prefer_and_rank_by(korea: Any) -> None:
    assert parse_prefer(["exercises=higher", "sma=lower"]) == {"exercises": 1, "sma": -1}
    with pytest.raises(ParameterError, match="higher"):
        parse_prefer(["exercises=more"])
    base = SystemSpec(sma_scenario(), months=3, draws=20, seed=7)
    with pytest.raises(ParameterError, match="no better end"):
        LeverSpec(base, overlays=(), rank_by="outcome:exercises")
    with pytest.raises(ParameterError, match="not a posture issue"):
        _ = LeverSpec(base, overlays=(), prefer=(("sma", 1),)).objectives
    spec = LeverSpec(base, overlays=(), prefer=(("exercises", 1),), rank_by="outcome:exercises")
    assert {o.name: o.direction for o in spec.objectives}["outcome:exercises"] == 1


def test_rank_by_orders_by_the_paired_difference(korea: Any) -> None:
    doc = levers_doc(korea, "sma@US=20:80:30", rank_by="cohesion")
    deltas = [lv["objectives"]["cohesion"]["delta_median"] for lv in doc["levers"]]
    assert deltas == sorted(deltas, reverse=True) and deltas[0] > 0


# -- the front, by hand -----------------------------------------------------------------------------------
OBJS = [Objective("launches", "", -1), Objective("cohesion", "", 1), Objective("outcome:x", "", 0, "x")]


def _run(launches: list[float], cohesion: list[float], x: float = 0.0) -> dict[str, np.ndarray]:
    return {
        "launches": np.array(launches),
        "cohesion": np.array(cohesion),
        "outcome:x": np.full(len(launches), x),
    }


def test_the_front_by_hand() -> None:
    runs = [
        _run([5, 5, 5, 5], [0.5, 0.5, 0.5, 0.5]),  # baseline
        _run([4, 4, 6, 4], [0.5, 0.5, 0.5, 0.5]),  # fewer launches in 3 of 4 draws, more in 1: dominates 0
        _run([5, 5, 5, 5], [0.5, 0.5, 0.5, 0.5], x=9.0),  # = baseline on every ranked objective
        _run([3, 3, 3, 3], [0.4, 0.4, 0.4, 0.4]),  # fewest launches, least cohesion: a trade-off
        _run([5, 5, 5, 5], [0.6, 0.6, 0.4, 0.6]),  # more cohesive in 3 draws, less in 1
    ]
    f = pareto(runs, OBJS)
    assert f.pareto.tolist() == [False, True, False, True, True]
    assert f.dominated_by[0] == (1, 4) and f.dominated_by[2] == (1, 4)
    assert f.dominates[1] == 2
    # per draw: in draws 0, 1 and 3 runs 1, 3 and 4 form the front; in draw 2 (run 1 at 6 launches, run 4
    # at 0.4) runs 0, 2 and 3 do
    assert f.front_share.tolist() == [0.25, 0.75, 0.25, 1.0, 0.75]


def test_identical_runs_never_dominate_each_other() -> None:
    runs = [_run([1, 2, 3], [0.1, 0.2, 0.3]), _run([1, 2, 3], [0.1, 0.2, 0.3])]
    f = pareto(runs, OBJS)
    assert f.pareto.tolist() == [True, True] and f.dominated_by == ((), ())


def test_summarise_counts_ties_apart() -> None:
    s = summarise(np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 2.0, 2.0, 2.0]), -1)
    assert (s["p_better"], s["p_worse"]) == (0.25, 0.5)
    assert summarise(np.array([1.0]), np.array([2.0]), 0)["p_better"] is None


def test_robustness_names_the_rules_an_advantage_rests_on(korea: Any) -> None:
    from peninsula.system import load_rules

    rs = load_rules()
    objs = [Objective("launches", "", -1), Objective("cohesion", "", 1)]
    z = np.zeros(4)

    def pair(launch_gain: float, coh_gain: float) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        return {"launches": z - launch_gain, "cohesion": z + coh_gain}, {"launches": z, "cohesion": z}

    variants = {
        POINT: pair(1.0, 0.1),
        ZERO: pair(0.0, 0.1),  # without the rules: no fewer launches, the cohesion gain stays
        "launch-us-exercises:low": pair(-0.5, 0.1),  # the launch advantage reverses at this end
        "launch-us-exercises:high": pair(2.0, 0.1),
        "launch-rok-exercises:high": pair(0.0, 0.1),  # ... and vanishes at this one
        "exercise-full:low": pair(1.0, 0.1),
    }
    block = robustness_block(objs, pair(1.0, 0.1), variants, rs)
    adv = block["advantages"]
    assert adv["launches"]["rests_on"] == "rules" and adv["cohesion"]["rests_on"] == "evidence"
    assert [(d["rule"], d["end"]) for d in adv["launches"]["depends_on"]] == [
        ("launch-us-exercises", "low"),
        ("launch-rok-exercises", "high"),
    ]
    assert adv["cohesion"]["depends_on"] == []
    assert "rests on the coded response rules" in block["summary"]
    assert "launch-us-exercises at its low end (coded from a seed's words)" in block["summary"]


def test_a_few_draws_of_noise_do_not_block_dominance_but_a_clear_loss_does() -> None:
    five, half = [5.0] * 100, [0.5] * 100
    noisy = [6.0, 6.0, 4.0] + [5.0] * 97  # two draws worse, one better: no evidence of more launches
    worse = [6.0] * 10 + [5.0] * 90  # ten draws worse, none better: more launches (sign test)
    runs = [_run(five, half), _run(noisy, [0.6] * 100), _run(worse, [0.6] * 100)]
    f = pareto(runs, OBJS)
    assert f.dominated_by[0] == (1,)  # the noisy one dominates the baseline; the clearly worse one does not
    # the noisy one has fewer launches than the clearly worse one in only 8 % of the draws (p_better < 0.5):
    # by the issue's rule it does not beat it, so both stay on the front
    assert f.dominated_by[2] == () and f.pareto.tolist() == [False, True, True]


def test_the_run_id_follows_the_launch_data(korea: Any) -> None:
    # a stored run resumes by its id: data with one count changed must give another id (and the same data
    # the same id), or a store would resume a run made on the old data
    changed = dataclasses.replace(
        korea,
        monthly=dataclasses.replace(korea.monthly, events=korea.monthly.events.copy()),
    )
    changed.monthly.events[0] += 1
    assert data_digest(korea) == data_digest(load_data()) != data_digest(changed)
    spec = LeverSpec(
        SystemSpec(sma_scenario(), months=2, draws=10, seed=7),
        overlays=(),
        grid=(parse_grid("sma@US=20:20:1"),),
        robust_draws=0,
        agreement_draws=4,
    )
    assert run_levers(spec, korea).run_id == run_levers(spec, load_data()).run_id
    assert run_levers(spec, korea).run_id != run_levers(spec, changed).run_id


def test_the_run_id_follows_the_code(korea: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # a change to peninsula's source (here: its digest) must give another id, or a store would resume a run
    # made by the old code
    import peninsula.system.levers as levers

    spec = LeverSpec(
        SystemSpec(sma_scenario(), months=2, draws=10, seed=7),
        overlays=(),
        grid=(parse_grid("sma@US=20:20:1"),),
        robust_draws=0,
        agreement_draws=4,
    )
    before = run_levers(spec, korea).run_id
    assert run_levers(spec, korea).run_id == before
    assert len(levers.code_digest()) == 16
    monkeypatch.setattr(levers, "code_digest", lambda: "0" * 16)
    assert run_levers(spec, korea).run_id != before
