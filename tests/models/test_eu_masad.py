"""``eu-masad``: every recorded round of the replication's reference outputs, a hand-computed round, and the
degenerate cases where the replication itself would divide by zero.

Reference outputs (``tests/reference/bdm/*.csv``, see the README there) come from running D. Masad's
BDM_DecisionModel_Replication on the EC car-emissions table (positions 4–10, Salience/100, Δ = 6) and the
China table (positions/100, Resources/ΣResources, Salience/100, Δ = 6 in ``notebook``, Δ = the observed
range 0.9 in ``dx_from_data``). Our scenarios keep the file's own scale, as ``peninsula.io`` does: China
positions are 10–100, so the notebook's Δ = 6 becomes ``delta=600`` and positions are divided by 100 before
comparing. Capabilities are kept raw (only their ratios matter).
"""

from __future__ import annotations

import csv
import json
import warnings
from pathlib import Path

import pytest

from peninsula.core import Actor, Issue, ParameterError, Scenario, Stance
from peninsula.models import REGISTRY
from peninsula.models.eu import ExpectedUtilityMasad
from tests.conftest import BDM_INPUTS, REFERENCE
from tests.models import eu_reference as loop

BDM_REF = REFERENCE / "bdm"
TOL = 1e-9
VERB = {
    "conflict": "loses confrontation to",
    "compromise": "compromises with",
    "capitulation": "capituates to",
}

# dataset -> (input file, scale of the reference relative to the file, delta per variant on the file's scale)
DATASETS = {
    "EC_car_emissions": ("ExampleActors.csv", 1.0, {"notebook": 6.0, "dx_from_data": None}),
    "China": ("ChinaData.csv", 100.0, {"notebook": 600.0, "dx_from_data": None}),
}
CASES = [(ds, var) for ds in DATASETS for var in ("notebook", "dx_from_data")]


def _rows(name: str) -> list[dict[str, str]]:
    with open(BDM_REF / name, newline="") as fh:
        return list(csv.DictReader(fh))


def read_table(path: Path) -> Scenario:
    """The BDM table on its own scale (issue = range of positions), saliences /100, raw capabilities."""
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    body = rows[1:]
    pos = [float(r[2]) for r in body]
    return Scenario(
        id=path.stem,
        actors=[Actor(id=r[0], capability=float(r[1])) for r in body],
        issues=[Issue(id="single", lower=min(pos), upper=max(pos))],
        stances=[
            Stance(actor=r[0], issue="single", position=float(r[2]), salience=float(r[3]) / 100) for r in body
        ],
    )


def _run(ds: str, var: str) -> tuple[object, float]:
    fname, scale, deltas = DATASETS[ds]
    delta = deltas[var]
    model = ExpectedUtilityMasad() if delta is None else ExpectedUtilityMasad(delta=delta)
    return model.run(read_table(BDM_INPUTS / fname), rounds=10), scale


@pytest.mark.parametrize(("ds", "var"), CASES)
def test_reproduces_reference_positions(ds: str, var: str) -> None:
    run, scale = _run(ds, var)
    rounds = run.issues["single"].rounds  # type: ignore[attr-defined]
    rows = [r for r in _rows("bdm_positions.csv") if r["dataset"] == ds and r["model_variant"] == var]
    assert len(rows) == 11 * len(rounds[0].positions)
    for r in rows:
        got = rounds[int(r["round"])].positions[r["actor"]] / scale
        assert got == pytest.approx(float(r["position"]), abs=TOL), (r["round"], r["actor"])


@pytest.mark.parametrize(("ds", "var"), CASES)
def test_reproduces_reference_risk_exponents(ds: str, var: str) -> None:
    run, _ = _run(ds, var)
    rounds = run.issues["single"].rounds  # type: ignore[attr-defined]
    rows = [r for r in _rows("bdm_risk_exponents.csv") if r["dataset"] == ds and r["model_variant"] == var]
    assert rows
    for r in rows:
        got = rounds[int(r["round"])].extra["risk_exponents"][r["actor"]]
        assert got == pytest.approx(float(r["r"]), abs=TOL), (r["round"], r["actor"])


@pytest.mark.parametrize(("ds", "var"), CASES)
def test_reproduces_reference_vote_and_mean(ds: str, var: str) -> None:
    run, scale = _run(ds, var)
    res = run.issues["single"]  # type: ignore[attr-defined]
    rows = [r for r in _rows("bdm_outcomes.csv") if r["dataset"] == ds and r["model_variant"] == var]
    assert len(rows) == len(res.rounds) == 11
    for r in rows:
        rec = res.rounds[int(r["round"])]
        assert rec.outcome / scale == pytest.approx(float(r["vote_condorcet"]), abs=TOL)
        assert rec.extra["vote"] == rec.outcome
        assert rec.extra["weighted_mean"] / scale == pytest.approx(float(r["weighted_mean"]), abs=TOL)
        if int(r["round"]) > 0:
            assert rec.extra["mu"] / scale == pytest.approx(float(r["mu_used_last_pass"]), abs=TOL)
    assert res.outcome == res.rounds[-1].outcome


@pytest.mark.parametrize(("ds", "var"), CASES)
def test_reproduces_reference_events(ds: str, var: str) -> None:
    run, _ = _run(ds, var)
    want = [
        (int(r["round"]), r["event"])
        for r in _rows("bdm_events.csv")
        if r["dataset"] == ds and r["model_variant"] == var
    ]
    events = run.events  # type: ignore[attr-defined]
    got = [(e["round"], f"{e['target']} {VERB[e['kind']]} {e['challenger']}") for e in events]
    assert got == want
    positions = {k: rec.positions for k, rec in enumerate(run.issues["single"].rounds)}  # type: ignore[attr-defined]
    for e in events:
        assert e["issue"] == "single"
        assert e["from"] == positions[e["round"] - 1][e["target"]]
        assert e["to"] == positions[e["round"]][e["target"]]


@pytest.mark.parametrize(("ds", "var"), CASES)
def test_loop_reference_agrees(ds: str, var: str) -> None:
    """The readable loop implementation reproduces the same rounds (on the reference's own scale)."""
    fname, scale, deltas = DATASETS[ds]
    s = read_table(BDM_INPUTS / fname)
    d = s.issue_data("single")
    x = (d.positions / scale).tolist()
    delta = (deltas[var] or d.issue.span) / scale
    rounds = loop.run_loop(x, d.capabilities.tolist(), d.saliences.tolist(), rounds=10, delta=delta)
    for r in _rows("bdm_positions.csv"):
        if r["dataset"] == ds and r["model_variant"] == var:
            k, a = int(r["round"]), d.actor_ids.index(r["actor"])
            assert rounds[k].positions[a] == pytest.approx(float(r["position"]), abs=TOL)


def _load_quietly(path: Path) -> Scenario:
    from peninsula.io import SalienceScaleWarning, load

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SalienceScaleWarning)
        return load(path)


@pytest.mark.parametrize(("ds", "var"), CASES)
def test_reproduces_reference_through_reader_and_api(ds: str, var: str) -> None:
    import peninsula.api as api

    fname, scale, deltas = DATASETS[ds]
    s = _load_quietly(BDM_INPUTS / fname)
    settings = {} if deltas[var] is None else {"delta": deltas[var]}
    run = api.forecast(s, "eu-masad", rounds=10, settings=settings).runs["eu-masad"]
    (res,) = run.issues.values()
    for r in _rows("bdm_positions.csv"):
        if r["dataset"] == ds and r["model_variant"] == var:
            got = res.rounds[int(r["round"])].positions[r["actor"]] / scale
            assert got == pytest.approx(float(r["position"]), abs=TOL)


@pytest.mark.parametrize(("ds", "var"), CASES)
def test_reproduces_reference_through_cli(ds: str, var: str) -> None:
    from typer.testing import CliRunner

    from peninsula.cli import app

    fname, scale, deltas = DATASETS[ds]
    args = ["forecast", str(BDM_INPUTS / fname), "--model", "eu-masad", "--rounds", "10", "--format", "json"]
    if deltas[var] is not None:
        args += ["--set", f"delta={deltas[var]:g}", "--set", "T=1", "--set", "Q=1"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    (issue,) = doc["models"]["eu-masad"]["issues"].values()
    got = {r["round"]: r for r in issue["rounds"]}
    for r in _rows("bdm_positions.csv"):
        if r["dataset"] == ds and r["model_variant"] == var:
            x = got[int(r["round"])]["positions"][r["actor"]] / scale
            assert x == pytest.approx(float(r["position"]), abs=TOL)
    for r in _rows("bdm_outcomes.csv"):
        if r["dataset"] == ds and r["model_variant"] == var:
            rec = got[int(r["round"])]
            assert rec["outcome"] / scale == pytest.approx(float(r["vote_condorcet"]), abs=TOL)
            assert rec["weighted_mean"] / scale == pytest.approx(float(r["weighted_mean"]), abs=TOL)


# -- a hand-computed round --------------------------------------------------------------------------------
def toy() -> Scenario:
    return Scenario(
        id="toy",
        actors=[Actor(id="A", capability=1.0), Actor(id="B", capability=1.0), Actor(id="C", capability=3.0)],
        issues=[Issue(id="x", lower=0.0, upper=10.0)],
        stances=[
            Stance(actor=a, issue="x", position=p, salience=1.0) for a, p in [("A", 0), ("B", 4), ("C", 10)]
        ],
    )


def test_hand_computed_round() -> None:
    """A (0, c=1), B (4, c=1), C (10, c=3), all s = 1, Δ = 10, Q = T = 1.

    Replication's P_ij = max(0, Σ w g)/Σ w |g|:
      (A, B): A gives 4 to A; B gives 4, C 3·4 to B → P_AB = max(0, 4 − 16)/20 = 0,   P_BA = 12/20 = 0.6
      (A, C): A 10; B (left of midpoint 5) 0 + 10 − 8 = 2 to A; C 3·10 → P_AC = 0,    P_CA = 18/42 = 3/7
      (B, C): A, B 6 each to B; C 18 → P_BC = 0,                          P_CB = 6/30 = 0.2
    Pass 1 (r = 1, s = 1): EU = 2d(2P − 1), d = |x_i − x_j|/10:
      EU_A(B) = −0.8, EU_B(A) = 0.16, EU_A(C) = −2, EU_C(A) = −2/7, EU_B(C) = −1.2, EU_C(B) = −0.72
      A (as target) = 0.16 − 2/7, B: −0.8 − 0.72 = −1.52, C: −2 − 1.2 = −3.2
      r_A = 0.5 (most attractive), r_C = 2, R_B = (2·(−1.52) − (0.16 − 2/7) + 3.2)/((0.16 − 2/7) + 3.2)
    Pass 2: EU_i(j) = P U_s + (1 − P) U_f − U_sq with U = 2 − 4(·)^r_i:
      EU_B(A) = 0.6(2 − 4·0.3^r_B) + 0.4(2 − 4·0.7^r_B) − (2 − 4·0.5^r_B) > 0: the only positive offer
      EU_A(B) = (2 − 4·0.7^0.5) − (2 − 4·0.5^0.5) = 4(√0.5 − √0.7) ≈ −0.518 < 0, and |EU_A(B)| > EU_B(A),
      so A capitulates to B: A moves to 4.
    """
    s_a = 0.16 - 2 / 7
    big_r_b = (2 * -1.52 - s_a + 3.2) / (s_a + 3.2)
    r_b = (1 - big_r_b / 3) / (1 + big_r_b / 3)
    eu_ba = 0.6 * (2 - 4 * 0.3**r_b) + 0.4 * (2 - 4 * 0.7**r_b) - (2 - 4 * 0.5**r_b)
    eu_ab = 4 * (0.5**0.5 - 0.7**0.5)
    assert eu_ba == pytest.approx(0.16677847, abs=1e-8) and eu_ab == pytest.approx(-0.51821298, abs=1e-8)

    run = ExpectedUtilityMasad().run(toy(), rounds=2)
    res = run.issues["x"]
    assert res.rounds[1].extra["risk_exponents"] == pytest.approx({"A": 0.5, "B": r_b, "C": 2.0}, abs=1e-12)
    assert res.rounds[1].positions == {"A": 4.0, "B": 4.0, "C": 10.0}
    (event,) = [e for e in run.events if e["round"] == 1]
    assert (event["challenger"], event["target"], event["kind"]) == ("B", "A", "capitulation")
    assert event["eu_challenger"] == pytest.approx(eu_ba, abs=1e-12)
    assert event["eu_target"] == pytest.approx(eu_ab, abs=1e-12)
    # the vote over the distinct positions 4, 10: v(10, 4) = (3·6 − 1·6 − 1·6)/10 = 0.6 > v(4, 10) = −0.6
    assert res.rounds[1].outcome == 10.0
    assert res.rounds[1].extra["weighted_mean"] == pytest.approx((4 + 4 + 30) / 5)


# -- degenerate inputs --------------------------------------------------------------------------------------
def test_all_at_one_position_stops_cleanly() -> None:
    s = Scenario(
        id="one",
        actors=[Actor(id=a, capability=1.0) for a in "ABC"],
        issues=[Issue(id="x", lower=0, upper=10)],
        stances=[Stance(actor=a, issue="x", position=3.0, salience=0.5) for a in "ABC"],
    )
    res = ExpectedUtilityMasad().run(s, rounds=10).issues["x"]
    assert res.converged is True
    assert len(res.rounds) == 1 and res.outcome == 3.0
    assert res.notes


def test_converging_to_one_position_stops_cleanly() -> None:
    # A (10, c=1) and B (0, c=2), s = 0.5: both end at one position after two rounds, where the
    # replication would divide by zero; the run stops there, converged
    s = Scenario(
        id="two",
        actors=[Actor(id="A", capability=1.0), Actor(id="B", capability=2.0)],
        issues=[Issue(id="x", lower=0, upper=10)],
        stances=[
            Stance(actor="A", issue="x", position=10.0, salience=0.5),
            Stance(actor="B", issue="x", position=0.0, salience=0.5),
        ],
    )
    res = ExpectedUtilityMasad().run(s, rounds=10).issues["x"]
    assert res.converged is True
    assert len(res.rounds) == 3
    assert len(set(res.rounds[-1].positions.values())) == 1
    assert res.outcome == next(iter(res.rounds[-1].positions.values()))


def test_zero_weights_stop_cleanly() -> None:
    s = Scenario(
        id="z",
        actors=[Actor(id=a, capability=0.0) for a in "AB"],
        issues=[Issue(id="x", lower=0, upper=1)],
        stances=[Stance(actor=a, issue="x", position=p, salience=1.0) for a, p in [("A", 0), ("B", 1)]],
    )
    res = ExpectedUtilityMasad().run(s, rounds=5).issues["x"]
    assert res.outcome in (0.0, 1.0)
    assert res.rounds[0].extra["weighted_mean"] is None
    assert res.notes


def test_delta_below_the_range_is_refused() -> None:
    with pytest.raises(ParameterError, match="delta"):
        ExpectedUtilityMasad(delta=5.0).run(toy())


def test_metadata() -> None:
    info = REGISTRY["eu-masad"].info
    assert info.order_dependent and info.deterministic and info.iterative
    assert ExpectedUtilityMasad.param_names() == ("delta", "T", "Q")


def test_order_dependence_is_real() -> None:
    """Ties go to the first sender in list order: twins A and B (10, c=1) make C (0, c=3) equal offers."""
    s = Scenario(
        id="tie",
        actors=[Actor(id=a, capability=c) for a, c in [("A", 1.0), ("B", 1.0), ("C", 3.0)]],
        issues=[Issue(id="x", lower=0, upper=10)],
        stances=[
            Stance(actor=a, issue="x", position=p, salience=0.5) for a, p in [("A", 10), ("B", 10), ("C", 0)]
        ],
    )
    rev = Scenario(
        id="tie", actors=list(reversed(s.actors)), issues=s.issues, stances=list(reversed(s.stances))
    )
    first = [(e["challenger"], e["target"]) for e in ExpectedUtilityMasad().run(s, rounds=1).events]
    second = [(e["challenger"], e["target"]) for e in ExpectedUtilityMasad().run(rev, rounds=1).events]
    assert first == [("A", "C")] and second == [("B", "C")]


def test_honduras_table_runs_with_t_zero() -> None:
    """The third replication table (no reference output): the notebook's T = 0, through the reader."""
    s = _load_quietly(BDM_INPUTS / "HondurasCrisisData.csv")
    run = ExpectedUtilityMasad(T=0.0).run(s, rounds=10)
    (res,) = run.issues.values()
    assert len(res.rounds) >= 2
    for rec in res.rounds:
        assert all(0.0 <= v <= 1.0 for v in rec.positions.values())
    assert res.outcome in {v for rec in res.rounds for v in rec.positions.values()}
