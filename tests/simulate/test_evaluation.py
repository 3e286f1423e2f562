"""The evaluation machinery: group bootstrap, grouped K-fold CV, paired differences, coverage.

Known answers are worked out by hand on tiny outcome sets written out in each test.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import peninsula
from peninsula.core import Issue, IssueData, ParameterError
from peninsula.simulate.evaluation import (
    Case,
    GridSearch,
    bootstrap_means,
    coverage,
    cross_validated,
    grouped_folds,
    mae_interval,
    paired_difference,
    param_grid,
    percentile_interval,
)
from tests.strategies import group_labels


# -- bootstrap over whole groups ----------------------------------------------------------------------------
def test_bootstrap_resamples_whole_groups_known_distribution() -> None:
    # Group A: three issues with error 0; group B: one issue with error 12. Drawing 2 groups with
    # replacement: AA (p = 1/4) -> 0/6 = 0, AB (p = 1/2) -> 12/4 = 3, BB (p = 1/4) -> 24/2 = 12.
    # Resampling issues instead would give values such as 6 (two copies of B's issue among four).
    errors = np.array([0.0, 0.0, 0.0, 12.0])
    groups = ["A", "A", "A", "B"]
    reps = bootstrap_means(errors, groups, n_boot=20_000, rng=1)
    freq = Counter(np.round(reps, 9).tolist())
    assert set(freq) == {0.0, 3.0, 12.0}
    assert freq[0.0] / 20_000 == pytest.approx(0.25, abs=0.015)
    assert freq[3.0] / 20_000 == pytest.approx(0.50, abs=0.015)
    assert freq[12.0] / 20_000 == pytest.approx(0.25, abs=0.015)
    assert mae_interval(errors, groups, n_boot=20_000, level=0.95, rng=1) == (0.0, 12.0)
    # the central 40 % (30th to 70th percentile) holds only AB
    assert percentile_interval(reps, 0.4) == (3.0, 3.0)


def test_bootstrap_is_reproducible_under_a_seed() -> None:
    e, g = np.arange(10.0), [f"p{i // 2}" for i in range(10)]
    assert np.array_equal(bootstrap_means(e, g, 500, rng=7), bootstrap_means(e, g, 500, rng=7))


def test_paired_difference_known_answers() -> None:
    groups = ["a", "a", "b", "c"]
    ref = np.array([10.0, 20.0, 30.0, 40.0])
    same = paired_difference(ref, ref, groups, n_boot=200)
    assert (same["mean"], same["low"], same["high"]) == (0.0, 0.0, 0.0)
    shifted = paired_difference(ref - 2.5, ref, groups, n_boot=200)
    assert shifted["mean"] == pytest.approx(-2.5)
    assert shifted["low"] == pytest.approx(-2.5) and shifted["high"] == pytest.approx(-2.5)
    # differences -4 on group a (two issues), 0 on b and c: the mean is -8/4 = -2; replicate values lie
    # between all-a (-4) and no-a (0)
    mixed = paired_difference(ref - np.array([4.0, 4.0, 0.0, 0.0]), ref, groups, n_boot=4000, rng=3)
    assert mixed["mean"] == pytest.approx(-2.0)
    assert -4.0 <= mixed["low"] < -2.0 < mixed["high"] <= 0.0


def test_coverage_known_answer() -> None:
    y = np.array([1.0, 5.0, 9.0, 3.0])
    lo = np.array([0.0, 6.0, 9.0, np.nan])
    hi = np.array([2.0, 8.0, 10.0, np.nan])
    assert coverage(y, lo, hi) == pytest.approx(2 / 3)  # the NaN interval is left out


# -- grouped folds ------------------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(groups=group_labels(), data=st.data())
def test_folds_never_split_a_group(groups: list[str], data: st.DataObject) -> None:
    n_groups = len(set(groups))
    k = data.draw(st.integers(2, n_groups))
    seed = data.draw(st.integers(0, 2**16))
    folds = grouped_folds(groups, k, seed)
    for g in set(groups):
        assert len({int(f) for f, h in zip(folds, groups, strict=True) if h == g}) == 1
    per_fold = Counter(int(f) for _, f in {(g, int(f)) for g, f in zip(groups, folds, strict=True)})
    assert set(per_fold) == set(range(k)), "every fold holds a group"
    assert max(per_fold.values()) - min(per_fold.values()) <= 1


def test_folds_reject_bad_k() -> None:
    with pytest.raises(ParameterError):
        grouped_folds(["a", "b", "c"], 4)
    with pytest.raises(ParameterError):
        grouped_folds(["a", "b", "c"], 1)


# -- cross-validation with a tunable model ------------------------------------------------------------------
def _issue(iid: str) -> IssueData:
    return IssueData(Issue(id=iid), ("A",), np.array([50.0]), np.array([1.0]), np.array([1.0]))


class TrainingMean:
    """A tunable stub: forecasts the mean outcome of what it was fitted on; records what it saw."""

    seen: ClassVar[list[set[str]]] = []

    def __init__(self, value: float = 0.0, half_width: float = 0.0) -> None:
        self.value, self.half_width = value, half_width

    def clone(self) -> TrainingMean:
        return TrainingMean(self.value, self.half_width)

    def fit(self, data: Sequence[IssueData], outcomes: np.ndarray) -> TrainingMean:
        TrainingMean.seen.append({d.issue.id for d in data})
        return TrainingMean(float(np.mean(outcomes)), self.half_width)

    def calibrate(self, residuals: np.ndarray) -> TrainingMean:
        return TrainingMean(self.value, float(np.max(np.abs(residuals))))

    def residual(self, data: IssueData, outcome: float) -> float | None:
        return outcome - self.value

    def predict_issue(self, data: IssueData) -> tuple[float, float, float] | None:
        return self.value, self.value - self.half_width, self.value + self.half_width


def test_cross_validation_known_answer_and_no_leakage() -> None:
    # Four proposals, leave-one-proposal-out (k = 4): each issue is forecast by the mean outcome of the
    # other three proposals' issues. Outcomes: p1 -> 0, 0; p2 -> 10; p3 -> 20; p4 -> 30, 30.
    spec = [
        ("i1", "p1", 0.0),
        ("i2", "p1", 0.0),
        ("i3", "p2", 10.0),
        ("i4", "p3", 20.0),
        ("i5", "p4", 30.0),
        ("i6", "p4", 30.0),
    ]
    cases = [Case(i, _issue(i), y, g) for i, g, y in spec]
    TrainingMean.seen = []
    cv = cross_validated(TrainingMean(), cases, k=4, seed=0, calibrate=False)
    expected = {"i1": 90 / 4, "i2": 90 / 4, "i3": 80 / 5, "i4": 70 / 5, "i5": 30 / 4, "i6": 30 / 4}
    assert dict(zip([c.issue_id for c in cases], cv.forecast.tolist(), strict=True)) == pytest.approx(
        expected
    )
    for c, fold in zip(cases, cv.folds, strict=True):
        same_fold = {d.issue_id for d, f in zip(cases, cv.folds, strict=True) if f == fold}
        assert c.issue_id in same_fold
    # no fit ever saw an issue of the fold it predicted: every training set misses exactly one proposal
    missing = [
        {c.group for c in cases} - {c.group for c in cases if c.issue_id in s} for s in TrainingMean.seen
    ]
    assert all(len(m) == 1 for m in missing)


def test_nested_calibration_uses_training_folds_only() -> None:
    spec = [(f"i{n}", f"p{n % 5}", float(10 * (n % 5))) for n in range(10)]
    cases = [Case(i, _issue(i), y, g) for i, g, y in spec]
    TrainingMean.seen = []
    cv = cross_validated(TrainingMean(), cases, k=5, seed=2, calibrate=True)
    # one outer fit per fold plus k inner fits per fold; none of them saw the outer fold's proposal
    assert len(TrainingMean.seen) == 5 * (1 + 4)
    assert np.all(cv.high - cv.low > 0)


# -- through the API --------------------------------------------------------------------------------------
DECIDE = """'#A'\t'A'\t'A'\t''
'#A'\t'B'\t'B'\t''
'#P'\t'{p}x'\t'x'
'#P'\t'{p}y'\t'y'
'#D'\t'A'\t'{p}x'\t{ax}\t1.0\t1.0
'#D'\t'B'\t'{p}x'\t{bx}\t1.0\t1.0
'#D'\t'A'\t'{p}y'\t{ay}\t1.0\t1.0
'#D'\t'B'\t'{p}y'\t{by}\t1.0\t1.0
"""


def test_api_evaluate_adds_uncertainty_keys(tmp_path: Path) -> None:
    # Two proposals, two issues each, two equal-weight actors: compromise = the midpoint.
    (tmp_path / "p1.csv").write_text(DECIDE.format(p="p1", ax=0, bx=100, ay=20, by=40))
    (tmp_path / "p2.csv").write_text(DECIDE.format(p="p2", ax=60, bx=80, ay=0, by=0))
    out = tmp_path / "outcomes.csv"
    out.write_text("issue_id,outcome,proposal\np1x,50,P1\np1y,40,P1\np2x,70,P2\np2y,10,P2\n")
    ev = peninsula.evaluate([tmp_path / "p1.csv", tmp_path / "p2.csv"], out, ["compromise", "mean"])
    doc = json.loads(json.dumps(ev.to_dict()))
    comp = doc["models"]["compromise"]
    # errors: p1x 0, p1y 10, p2x 0, p2y 10 -> MAE 5; both proposals have mean error 5, so every bootstrap
    # replicate is 5
    assert comp["mae"] == pytest.approx(5.0)
    assert (comp["mae_low"], comp["mae_high"]) == pytest.approx((5.0, 5.0))
    assert comp["diff_vs_compromise"] == {"mean": 0.0, "low": 0.0, "high": 0.0, "n": 4}
    assert set(doc["models"]["mean"]) >= {"mae", "n", "issues", "mae_low", "mae_high", "diff_vs_compromise"}
    assert list(ev.errors["group"]) == ["P1", "P1", "P1", "P1", "P2", "P2", "P2", "P2"]


def test_api_groups_default_to_the_file(tmp_path: Path) -> None:
    files = tmp_path / "files"
    files.mkdir()
    (files / "p1.csv").write_text(DECIDE.format(p="p1", ax=0, bx=100, ay=20, by=40))
    (files / "p2.csv").write_text(DECIDE.format(p="p2", ax=60, bx=80, ay=0, by=0))
    out = tmp_path / "outcomes.csv"
    out.write_text("issue_id,outcome\np1x,50\np1y,40\np2x,70\np2y,30\n")
    ev = peninsula.evaluate([files], out, ["compromise"], n_boot=300)
    assert set(ev.errors["group"]) == {"p1.csv", "p2.csv"}
    # proposal means 5 (p1) and 15 (p2): replicates are 5, 10 or 15
    c = ev.to_dict()["models"]["compromise"]
    assert c["mae"] == pytest.approx(10.0)
    assert 5.0 <= c["mae_low"] < 10.0 < c["mae_high"] <= 15.0


# -- grid search over declared parameters -------------------------------------------------------------------
def test_param_grid_from_declared_parameters() -> None:
    from peninsula.models.eu import ExpectedUtility
    from peninsula.models.nash import Nash

    assert param_grid(Nash) == [{"weights": "capability"}, {"weights": "capability_salience"}]
    grid = param_grid(
        ExpectedUtility
    )  # T and Q on [0, 1]: 0, 0.5, 1; probability: two choices; tol unbounded
    assert len(grid) == 3 * 3 * 2
    assert {g["T"] for g in grid} == {0.0, 0.5, 1.0} and all("tol" not in g for g in grid)
    assert param_grid(ExpectedUtility, max_settings=10) == []


def _nash_case(iid: str, group: str, outcome: float) -> Case:
    # Actors A (capability 1, salience 1, at 10) and B (capability 1, salience 0.25, at 90), status quo 100:
    # both gain on (80, 100), so the solution lies between 80 and 90 and moves with the bargaining weights.
    issue = Issue(id=iid, lower=0, upper=100, status_quo=100)
    data = IssueData(issue, ("A", "B"), np.array([10.0, 90.0]), np.array([1.0, 0.25]), np.array([1.0, 1.0]))
    return Case(iid, data, outcome, group)


def test_grid_search_picks_the_setting_of_least_error_on_training_folds_only() -> None:
    from peninsula.models.nash import Nash

    model = Nash()
    d = _nash_case("x", "p", 0.0).data
    by_setting = {}
    for setting in param_grid(Nash):
        res, _ = model.run_issue(d, Nash.validate_params(setting), 1, None)
        by_setting[setting["weights"]] = res.outcome
    assert by_setting["capability"] != by_setting["capability_salience"]
    best = min(by_setting, key=lambda w: abs(by_setting[w] - 0.0))
    # every case has the same inputs and the outcome 0: the setting closer to 0 wins on any training part
    cases = [_nash_case(f"i{n}", f"p{n % 4}", 0.0) for n in range(8)]
    gs = GridSearch(model, param_grid(Nash))
    assert gs.fit([c.data for c in cases], np.zeros(8)).setting == {"weights": best}
    cv = cross_validated(gs, cases, k=4, seed=0)
    assert np.allclose(cv.forecast, by_setting[best])
    assert np.all(np.isnan(cv.low)), "a grid-searched model has no interval"


def test_evaluate_cv_tunes_per_issue_models_with_a_grid(tmp_path: Path) -> None:
    files = tmp_path / "files"
    files.mkdir()
    for k in range(4):
        (files / f"p{k}.csv").write_text(DECIDE.format(p=f"p{k}", ax=0, bx=100, ay=20, by=40))
    out = tmp_path / "outcomes.csv"
    rows = [f"p{k}x,0,100,P{k}\np{k}y,20,100,P{k}" for k in range(4)]
    out.write_text("issue_id,outcome,reference_point,proposal\n" + "\n".join(rows) + "\n")
    ev = peninsula.evaluate([files], out, ["compromise", "nash"], cv=4, n_boot=100)
    doc = ev.to_dict()["models"]
    assert doc["nash"]["cv"]["tuned"] is True
    assert doc["nash"]["cv"]["selected"] in param_grid(type(peninsula.api.resolve_models("nash")[0]))
    assert doc["compromise"]["cv"]["tuned"] is False and "selected" not in doc["compromise"]["cv"]
