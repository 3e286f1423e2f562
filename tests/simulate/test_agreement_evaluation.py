"""Issue 21: p_agreement scored (Brier, log score, base rate); the outcomes file's agreement column."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

import peninsula
from peninsula.cli import app
from peninsula.core import InputError
from peninsula.io.outcomes import read_outcomes
from peninsula.simulate.evaluation import base_rate, brier, log_loss, probability_scores
from tests.conftest import ROOT

LIB = ROOT / "data" / "korea-cases"


def test_scores_by_hand() -> None:
    p = np.array([0.9, 0.2, 0.0, 1.0])
    y = np.array([1.0, 0.0, 1.0, 1.0])
    assert brier(p, y).tolist() == pytest.approx([0.01, 0.04, 1.0, 0.0])
    # −ln 0.9, −ln 0.8, −ln 0.001 (clipped), −ln 0.999 (clipped)
    assert log_loss(p, y).tolist() == pytest.approx(
        [-math.log(0.9), -math.log(0.8), -math.log(0.001), -math.log(0.999)]
    )
    # leave one group out: a sees b and c (0, 1) -> 0.5; b sees a, a, c (1, 1, 1) -> 1; c sees 1, 1, 0 -> 2/3
    assert base_rate(np.array([1.0, 1.0, 0.0, 1.0]), ["a", "a", "b", "c"]).tolist() == pytest.approx(
        [0.5, 0.5, 1.0, 2 / 3]
    )


def test_probability_scores_block() -> None:
    p = np.array([0.9, 0.1, 0.8, 0.3])
    y = np.array([1.0, 0.0, 1.0, 0.0])
    groups = ["a", "b", "c", "d"]
    s = probability_scores(p, y, groups, n_boot=500, rng=1)
    assert s["n"] == 4 and s["events"] == 2
    assert s["brier"]["mean"] == pytest.approx((0.01 + 0.01 + 0.04 + 0.09) / 4)
    # base rate, leave one out: 1/3 for the events, 2/3 for the non-events -> Brier (2/3)² each
    assert s["base_rate"]["brier"]["mean"] == pytest.approx(4 / 9)
    d = s["diff_brier_vs_base_rate"]
    assert d["mean"] == pytest.approx(s["brier"]["mean"] - 4 / 9) and d["low"] <= d["mean"] <= d["high"]
    assert s["brier"]["low"] <= s["brier"]["mean"] <= s["brier"]["high"]
    assert probability_scores(p, y, groups, n_boot=500, rng=1) == s  # the same group draws


def _outcomes(tmp_path: Path, agreement: str) -> Path:
    p = tmp_path / "out.csv"
    p.write_text(f"issue_id,outcome,agreement\nx,1,{agreement}\ny,2,\n")
    return p


def test_agreement_column(tmp_path: Path) -> None:
    k = read_outcomes(_outcomes(tmp_path, "0"))
    assert k["x"].agreement == 0.0 and k["y"].agreement is None
    assert read_outcomes(_outcomes(tmp_path, "true"))["x"].agreement == 1.0
    bad = _outcomes(tmp_path, "maybe")
    with pytest.raises(InputError) as info:
        read_outcomes(bad)
    q = info.value.problems[0]
    assert (q.file, q.line, q.field) == ("out.csv", 2, "agreement") and "'maybe'" in q.message
    r = CliRunner().invoke(app, ["evaluate", str(LIB / "decide"), "--outcomes", str(bad)])
    assert r.exit_code == 2 and "out.csv:2: field 'agreement'" in r.stderr


def test_every_case_codes_agreement_with_a_reason() -> None:
    doc = yaml.safe_load((LIB / "outcomes.yaml").read_text())["outcomes"]
    for o in doc:
        assert o["agreement"] in (0, 1) and o["agreement_reason"], o["issue_id"]
    by_case = {}
    for o in doc:
        by_case.setdefault(o["case"], set()).add(o["agreement"])
    assert all(len(v) == 1 for v in by_case.values()), "one decision, one agreement code"
    assert sum(1 for v in by_case.values() if v == {0}) >= 4  # Hanoi, Stockholm, export curbs, SMA 2020


def test_evaluate_scores_p_agreement_beside_the_base_rate() -> None:
    files = sorted((LIB / "yaml").glob("*.yaml"))
    models = ["agreement", "compromise"]
    ev = peninsula.evaluate(files, LIB / "outcomes.csv", models, normalise=True, n_boot=300)
    doc = ev.to_dict()["models"]
    assert "agreement" not in doc["compromise"]  # cannot represent no agreement
    a = doc["agreement"]["agreement"]
    issues = doc["agreement"]["issues"]
    scored = [v for v in issues.values() if "p_agreement" in v and "agreement" in v]
    assert a["n"] == len(scored) and a["events"] == sum(int(v["agreement"]) for v in scored)
    squared = [(v["p_agreement"] - v["agreement"]) ** 2 for v in scored]
    assert a["brier"]["mean"] == pytest.approx(np.mean(squared))
    assert issues["hanoi-relief"]["p_agreement"] == 0.0 and issues["hanoi-relief"]["agreement"] == 0.0


def test_skill_page_agreement_rows_are_current() -> None:
    files = sorted((LIB / "yaml").glob("*.yaml"))
    a = peninsula.evaluate(files, LIB / "outcomes.csv", ["agreement"], normalise=True).to_dict()["models"]
    a = a["agreement"]["agreement"]
    page = (ROOT / "docs" / "skill.md").read_text(encoding="utf-8")

    def cell(d: dict[str, float]) -> str:
        return f"{d['mean']:.3f} [{d['low']:.3f}, {d['high']:.3f}]"

    row = f"| `agreement`'s `p_agreement` | {a['n']} | {cell(a['brier'])} | {cell(a['log_score'])} |"
    assert row in page
    base = a["base_rate"]
    row = f"| base rate (leave one case out) | {a['n']} | {cell(base['brier'])} | {cell(base['log_score'])} |"
    assert row in page


def test_skill_page_consensus_agreement_rows_are_current() -> None:
    files = sorted((LIB / "yaml").glob("*.yaml"))
    page = (ROOT / "docs" / "skill.md").read_text(encoding="utf-8")

    def row(block: dict[str, object]) -> str:
        d = block["diff_vs_compromise"]
        assert isinstance(d, dict)
        return (
            f"{block['mae']:.2f} [{block['mae_low']:.2f}, {block['mae_high']:.2f}] | "
            f"{d['mean']:+.2f} [{d['low']:+.2f}, {d['high']:+.2f}] |"
        )

    for setting, label in (("true", "with the agreement step"), ("false", "without it")):
        doc = peninsula.evaluate(
            files, LIB / "outcomes.csv", ["consensus"], settings={"agreement": setting}, normalise=True
        ).to_dict()["models"]["consensus"]
        assert f"| `consensus` {label} | {row(doc)}" in page, label
