"""``consensus``: hand-computed forecasts, its interval, its fit, and the shipped fit reproduced."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings

import peninsula
from peninsula.core import Actor, Issue, IssueData, Scenario, Stance
from peninsula.models.baselines import Compromise, Median
from peninsula.models.consensus import GRID, Consensus, conformal_bounds, shipped_fit
from tests.strategies import scenarios

ROOT = Path(__file__).resolve().parents[2]


def _one_issue(positions: list[float], caps: list[float] | None = None, upper: float = 100.0) -> Scenario:
    ids = [f"a{i}" for i in range(len(positions))]
    caps = caps or [1.0] * len(positions)
    return Scenario(
        id="t",
        actors=[Actor(id=a, capability=c) for a, c in zip(ids, caps, strict=True)],
        issues=[Issue(id="x", lower=0, upper=upper)],
        stances=[
            Stance(actor=a, issue="x", position=p, salience=1.0) for a, p in zip(ids, positions, strict=True)
        ],
    )


def test_hand_computed_mixture_median() -> None:
    # Three of four equal actors at 100: compromise 75. λ = 0.7 puts 0.175 on each position and 0.3 on 75:
    # cumulative 0.175 (at 0), 0.475 (at 75), 1.0 (at 100) -> the median is 100.
    assert Consensus(position_weight=0.7).run(_one_issue([0, 100, 100, 100])).issues["x"].outcome == 100.0
    # Two of four at 100: compromise 50; cumulative 0.35 (at 0), 0.65 (at 50) -> 50, the compromise.
    assert Consensus(position_weight=0.7).run(_one_issue([0, 0, 100, 100])).issues["x"].outcome == 50.0
    # Threshold 0.5 / λ: with λ = 0.6 three quarters of the weight (< 0.5/0.6 = 0.83) do not move it:
    # cumulative 0.15 (at 0), 0.55 (at 75) -> 75.
    assert Consensus(position_weight=0.6).run(_one_issue([0, 100, 100, 100])).issues["x"].outcome == 75.0


def test_end_points_are_compromise_and_weighted_median() -> None:
    s = _one_issue([0, 10, 30, 90], caps=[1, 2, 3, 1])
    assert Consensus(position_weight=0.0).run(s).issues["x"].outcome == pytest.approx(
        Compromise().run(s).issues["x"].outcome
    )
    assert Consensus(position_weight=1.0).run(s).issues["x"].outcome == Median().run(s).issues["x"].outcome


@settings(max_examples=40, deadline=None)
@given(s=scenarios())
def test_zero_position_weight_is_the_compromise(s: Scenario) -> None:
    a = Consensus(position_weight=0.0).run(s)
    b = Compromise().run(s)
    for i in s.issue_ids:
        x, y = a.issues[i].outcome, b.issues[i].outcome
        assert (x is None) == (y is None)
        if x is not None and y is not None:
            assert x == pytest.approx(y, rel=1e-9, abs=1e-9 * s.issue(i).span)


@settings(max_examples=40, deadline=None)
@given(s=scenarios(max_actors=6, max_issues=2))
def test_combine_rows_is_combine_on_every_row(s: Scenario) -> None:
    """The vectorised form (sweeps) against the model's own combine, row by row; zero weights give NaN."""
    lam = shipped_fit().position_weight
    for iid in s.issue_ids:
        d = s.issue_data(iid)
        if not d.actor_ids:
            continue
        # three rows: the issue itself, its saliences zeroed (no forecast), its capabilities halved
        x = np.vstack([d.positions] * 3)
        sal = np.vstack([d.saliences, np.zeros_like(d.saliences), d.saliences])
        cap = np.vstack([d.capabilities, d.capabilities, d.capabilities / 2])
        got, comp = Consensus.combine_rows(x, sal, cap, lam)
        for row in range(3):
            data = IssueData(d.issue, d.actor_ids, x[row], sal[row], cap[row], d.vetoes)
            try:
                want, want_comp = Consensus.combine(data, lam)
            except ValueError:
                assert np.isnan(got[row]) and np.isnan(comp[row])
                continue
            assert got[row] == pytest.approx(want, rel=1e-12, abs=1e-12 * d.issue.span)
            assert comp[row] == pytest.approx(want_comp, rel=1e-12, abs=1e-12 * d.issue.span)


def test_combine_rows_pinned() -> None:
    # the hand-computed case above (λ = 0.7: three of four at 100 -> 100) and a subnormal capability
    x = np.array([[0.0, 100.0, 100.0, 100.0], [0.25, 0.0, 0.0, 0.0]])
    s = np.ones((2, 4))
    c = np.array([[1.0, 1.0, 1.0, 1.0], [5e-324, 0.0, 0.0, 0.0]])
    got, comp = Consensus.combine_rows(x, s, c, 0.7)
    assert got.tolist() == [100.0, 0.25] and comp.tolist() == [75.0, 0.25]


def test_interval_is_forecast_plus_span_times_quantiles_clipped() -> None:
    s = _one_issue([0, 0, 100, 100], upper=100)
    res = Consensus(position_weight=0.7, q10=-0.2, q90=0.6).run(s).issues["x"]
    assert res.outcome == 50.0
    assert res.extra["interval"] == {"q10": pytest.approx(30.0), "q90": 100.0}  # 50 + 60 clipped to 100
    assert res.extra["compromise"] == pytest.approx(50.0)


def test_conformal_bounds_known_answer() -> None:
    # 9 residuals 1..9, 80 %: upper = ceil(10 * 0.9) = 9th smallest = 9, lower = floor(10 * 0.1) = 1st = 1
    assert conformal_bounds(np.arange(1.0, 10.0), 0.8) == (1.0, 9.0)
    # 99 residuals 0..98: upper = ceil(100 * 0.9) = 90th smallest = 89; lower = floor(100 * 0.1) = 10th = 9
    assert conformal_bounds(np.arange(99.0), 0.8) == (9.0, 89.0)


def test_fit_picks_the_smallest_lambda_with_least_error() -> None:
    # One issue, three of four at 100, outcome 100: λ > 2/3 forecasts 100 (λ = 2/3 ties: 87.5), so the
    # smallest grid value with zero error is 0.68.
    data = _one_issue([0, 100, 100, 100]).issue_data("x")
    fitted = Consensus(position_weight=0.1, q10=-0.1, q90=0.2).fit([data], np.array([100.0]))
    assert fitted.position_weight == 0.68
    assert (fitted.q10, fitted.q90) == (-0.1, 0.2), "fit keeps the interval"
    assert 0.68 in GRID


def test_forecast_json_has_an_interval_around_each_outcome() -> None:
    doc = peninsula.forecast(peninsula.DEFAULT_SCENARIO, models=["consensus"]).to_dict()
    issues = doc["models"]["consensus"]["issues"]
    assert issues
    for v in issues.values():
        assert v["interval"]["q10"] <= v["outcome"] <= v["interval"]["q90"]


def test_shipped_fit_is_reproduced_by_the_refit_script() -> None:
    spec = importlib.util.spec_from_file_location("fit_consensus", ROOT / "scripts" / "fit_consensus.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    shipped = json.loads((ROOT / "src/peninsula/models/data/consensus.json").read_text(encoding="utf-8"))
    assert mod.fit_document() == shipped
    fit = shipped_fit()
    assert Consensus().get_params() == {
        "position_weight": fit.position_weight,
        "q10": fit.q10,
        "q90": fit.q90,
        "agreement": True,  # issue 21: the agreement step, a no-op on DEU (no veto players coded there)
        "draws": 2000,
        "seed": 21,
    }


def test_nested_cv_beats_the_compromise_on_deu() -> None:
    # The figure docs/skill.md reports: grouped 10-fold CV of the whole procedure on the DEU training half.
    shipped = shipped_fit().document["nested_cv"]
    assert shipped["mae"] < shipped["compromise_mae"] == pytest.approx(21.201452)


def test_forecast_table_leads_with_consensus_and_its_interval() -> None:
    from typer.testing import CliRunner

    from peninsula.cli import app

    result = CliRunner().invoke(app, ["forecast", "-m", "compromise", "-m", "median", "-m", "consensus"])
    assert result.exit_code == 0, result.stderr
    header = "\n".join(result.stdout.splitlines()[:5])
    assert "(recommended)" in header and "80% interval" in header
    line = next(line for line in result.stdout.splitlines() if "compromise" in line)
    assert (
        line.index("(recommended)")
        < line.index("80% interval")
        < line.index("compromise")
        < line.index("median")
    )
    doc = peninsula.forecast(peninsula.DEFAULT_SCENARIO, models=["consensus"]).to_dict()
    iid, res = next(iter(doc["models"]["consensus"]["issues"].items()))
    row = next(line for line in result.stdout.splitlines() if line.lstrip("│ ").startswith(iid))
    lo, hi = res["interval"]["q10"], res["interval"]["q90"]
    assert "–" in row, "the interval cell q10–q90 follows the consensus forecast"
    assert lo <= res["outcome"] <= hi


def test_evaluate_cv_equals_the_refit_scripts_nested_cv() -> None:
    # Two code paths (peninsula evaluate --cv 10 and scripts/fit_consensus.py) must give one estimate.
    deu = ROOT / "data" / "deu"
    ev = peninsula.evaluate(
        [deu / "deu_train"], deu / "deu_train_issues.csv", ["compromise", "consensus"], cv=10, n_boot=500
    )
    cv = ev.to_dict()["models"]["consensus"]["cv"]
    shipped = shipped_fit().document["nested_cv"]
    assert cv["tuned"] is True and cv["k"] == 10 and cv["n"] == 176
    assert cv["mae"] == pytest.approx(shipped["mae"], abs=1e-6)
    assert cv["diff_vs_compromise"]["mean"] == pytest.approx(shipped["diff_vs_compromise"]["mean"], abs=1e-6)
    assert cv["coverage"]["rate"] == pytest.approx(shipped["coverage_80"], abs=1e-6)


def _doc_row(table: str, model: str) -> list[str]:
    line = next(x for x in table.splitlines() if x.startswith(f"| `{model}` |"))
    return [c.strip().strip("*") for c in line.strip("|").split("|")]


def test_skill_page_rows_of_consensus_and_compromise_are_current() -> None:
    doc = (ROOT / "docs" / "skill.md").read_text(encoding="utf-8")
    deu_table = doc.split("## DEU:", 1)[1].split("##", 1)[0]
    korea_table = doc.split("## Korea:", 1)[1].split("##", 1)[0]
    deu, lib = ROOT / "data" / "deu", ROOT / "data" / "korea-cases"
    runs = {
        "deu": peninsula.evaluate(
            [deu / "deu_train"], deu / "deu_train_issues.csv", ["compromise", "consensus"], cv=10
        ).to_dict()["models"],
        "korea": peninsula.evaluate(
            [lib / "decide"], lib / "outcomes.csv", ["compromise", "consensus"], normalise=True
        ).to_dict()["models"],
    }
    for key, table in (("deu", deu_table), ("korea", korea_table)):
        for model in ("compromise", "consensus"):
            block = runs[key][model]["cv"] if key == "deu" else runs[key][model]
            row = _doc_row(table, model)
            assert row[1] == f"{block['mae']:.2f}", (key, model)
            assert row[2] == f"{block['mae_low']:.2f}–{block['mae_high']:.2f}", (key, model)
            if model == "consensus":
                d = block["diff_vs_compromise"]
                assert row[3] == f"{d['mean']:+.2f} [{d['low']:+.2f}, {d['high']:+.2f}]", key
                assert row[4] == f"{block['coverage']['rate']:.0%} of {block['coverage']['n']}", key
