"""Sensitivity: one-at-a-time swings computed by hand, Sobol indices on a case with a known answer."""

from __future__ import annotations

import pytest

import peninsula
from peninsula.core import Actor, Issue, ParameterError, Scenario, Source, Stance
from peninsula.models import REGISTRY
from peninsula.simulate.perturb import NoiseSpec
from peninsula.simulate.sensitivity import run_sensitivity


def coded(low: float, high: float) -> Source:
    return Source(kind="coded", reason="test range", low=low, high=high)


def toy() -> Scenario:
    """Two actors on one 0-100 issue; only positions are uncertain; capabilities 3 and 1, saliences 1."""
    return Scenario(
        id="toy",
        actors=[Actor(id="A", capability=3.0), Actor(id="B", capability=1.0)],
        issues=[Issue(id="x", lower=0, upper=100)],
        stances=[
            Stance(actor="A", issue="x", position=20, salience=1.0, sources={"position": coded(10, 40)}),
            Stance(actor="B", issue="x", position=80, salience=1.0, sources={"position": coded(60, 100)}),
        ],
    )


def test_oat_swings_by_hand() -> None:
    """Compromise = (3 x_A + x_B) / 4: A (10..40) swings it by 3*30/4 = 22.5, B (60..100) by 40/4 = 10."""
    s = run_sensitivity(toy(), REGISTRY["compromise"](), noise=NoiseSpec.none())
    entry = s.to_dict()["issues"]["x"]
    assert entry["base"] == pytest.approx((3 * 20 + 80) / 4)
    (a, b) = entry["inputs"]
    assert (a["actor"], a["field"], b["actor"]) == ("A", "position", "B")
    assert a["outcome_low"] == pytest.approx((3 * 10 + 80) / 4)
    assert a["outcome_high"] == pytest.approx((3 * 40 + 80) / 4)
    assert a["swing"] == pytest.approx(22.5) and b["swing"] == pytest.approx(10.0)
    assert entry["sobol"] is None


def test_sobol_of_an_additive_model_matches_the_variance_shares() -> None:
    """For a weighted mean the outcome is additive in the inputs: S1 = ST = each term's variance share.

    Var of a triangular(a, c, b) is (a² + b² + c² − ab − ac − bc)/18; terms enter with weights 3/4 and 1/4.
    """
    s = run_sensitivity(
        toy(), REGISTRY["compromise"](), method="sobol", samples=1024, seed=3, noise=NoiseSpec.none()
    )

    def var(a: float, c: float, b: float) -> float:
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18

    va, vb = (0.75**2) * var(10, 20, 40), (0.25**2) * var(60, 80, 100)
    sob = s.to_dict()["issues"]["x"]["sobol"]
    assert s.samples == 1024
    for key, share in (("A/position", va / (va + vb)), ("B/position", vb / (va + vb))):
        assert sob[key]["S1"] == pytest.approx(share, abs=0.05)
        assert sob[key]["ST"] == pytest.approx(share, abs=0.05)
        assert sob[key]["S1_conf"] >= 0


def test_general_capabilities_enter_per_issue_models_and_other_issues_do_not() -> None:
    s = peninsula.sensitivity("korea-2019-04", "median", issues=["sma-contribution"])
    entry = s.to_dict()["issues"]["sma-contribution"]
    assert {r["issue"] for r in entry["inputs"]} <= {"sma-contribution", None}
    multi = peninsula.sensitivity("korea-2019-04", "exchange", issues=["sma-contribution"])
    assert {r["issue"] for r in multi.to_dict()["issues"]["sma-contribution"]["inputs"]} - {
        "sma-contribution",
        None,
    }


def test_tornado_frame_and_bad_input() -> None:
    s = run_sensitivity(toy(), REGISTRY["mean"](), noise=NoiseSpec.none())
    assert list(s.tornado["actor"]) == ["B", "A"]  # mean: B's 40-wide range beats A's 30
    with pytest.raises(ParameterError, match="--issue"):
        run_sensitivity(toy(), REGISTRY["mean"](), issues=["y"])
    with pytest.raises(ParameterError, match="--method"):
        run_sensitivity(toy(), REGISTRY["mean"](), method="morris")  # type: ignore[arg-type]
