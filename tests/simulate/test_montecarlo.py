"""Sweeps: reproducible to the byte whatever the chunking, threads or store; summaries; run ids; compare."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import peninsula
from peninsula.core import ParameterError
from peninsula.models import REGISTRY
from peninsula.scenarios import load_packaged
from peninsula.simulate.montecarlo import (
    Sweep,
    compare_sweeps,
    in_process,
    make_spec,
    run_sweep,
    summarize,
)
from peninsula.simulate.perturb import NoiseSpec

KOREA = load_packaged("korea-2019-04")
MODELS = ["compromise", "median", "eu-masad", "exchange-random"]


def spec(draws: int = 120, seed: int = 9, **kw):  # type: ignore[no-untyped-def]
    return make_spec(KOREA, [REGISTRY[m]() for m in MODELS], draws=draws, seed=seed, **kw)


def text(sw: Sweep) -> str:
    return json.dumps(sw.to_dict(), sort_keys=False)


def test_same_seed_same_json_whatever_the_chunking_and_threads() -> None:
    s = spec()
    a = text(run_sweep(s))
    assert text(run_sweep(s, chunk_size=7, executor=in_process(1))) == a
    assert text(run_sweep(s, chunk_size=50, executor=in_process(3))) == a
    assert text(run_sweep(spec(seed=10))) != a


def test_store_gives_the_same_json_as_memory(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from peninsula.simulate.store import RunStore

    s = spec()
    a = text(run_sweep(s))
    with RunStore.open(tmp_path / "r.duckdb") as st:
        assert text(run_sweep(s, store=st, chunk_size=30)) == a
    with RunStore.open(tmp_path / "r.duckdb") as st:  # complete: read back, nothing recomputed
        again = run_sweep(s, store=st, executor=_fail)
        assert again.resumed == s.draws and text(again) == a


def _fail(spec, todo):  # type: ignore[no-untyped-def]
    raise AssertionError("a complete run must not recompute any chunk")
    yield  # pragma: no cover


def test_the_json_shape_is_the_contract() -> None:
    doc = run_sweep(spec(draws=40)).to_dict()
    assert list(doc) == ["scenario", "overlay", "draws", "seed", "run_id", "models"]
    keys = {
        "mean",
        "sd",
        "q05",
        "q25",
        "q50",
        "q75",
        "q95",
        "status_quo",
        "p_above_status_quo",
        "p_below_status_quo",
    }
    for m in MODELS:
        assert set(doc["models"][m]) >= {"issues", "cohesion"}
        assert set(doc["models"][m]["cohesion"]) == {"mean", "q05", "q50", "q95"}
        for v in doc["models"][m]["issues"].values():
            assert keys <= set(v)


def test_summary_numbers_from_the_outcomes() -> None:
    s = spec(draws=200)
    sw = run_sweep(s)
    doc = sw.to_dict()
    m, i = MODELS.index("compromise"), 0
    issue = KOREA.issues[i]
    col = sw.outcome_array[:, m, i]
    got = doc["models"]["compromise"]["issues"][issue.id]
    assert got["mean"] == pytest.approx(col.mean())
    assert got["sd"] == pytest.approx(col.std(ddof=1))
    assert got["q25"] == pytest.approx(np.quantile(col, 0.25))
    assert got["status_quo"] == issue.status_quo
    assert got["p_above_status_quo"] == pytest.approx(np.mean(col > issue.status_quo))
    frame = sw.outcomes
    assert list(frame.columns) == ["draw", "model", "issue", "outcome"]
    assert len(frame) == 200 * len(MODELS) * len(KOREA.issues)
    sub = frame[(frame.model == "compromise") & (frame.issue == issue.id)]
    np.testing.assert_array_equal(sub.outcome.to_numpy(), col)
    table = sw.summary
    assert table.set_index(["model", "issue"]).loc[("compromise", issue.id), "mean"] == got["mean"]


def test_p_above_and_below_status_quo_count_strictly() -> None:
    """Hand-made outcomes: 3 above the status quo, 1 at it, 2 below."""
    s = make_spec(KOREA, [REGISTRY["mean"]()], draws=6, seed=0)
    i = next(k for k, iss in enumerate(KOREA.issues) if iss.status_quo is not None)
    sq = KOREA.issues[i].status_quo
    out = np.full((6, 1, len(KOREA.issues)), 1.0)
    out[:, 0, i] = [sq + 1, sq + 2, sq + 3, sq, sq - 1, sq - 5]
    doc = summarize(s, "x", out, None)
    v = doc["models"]["mean"]["issues"][KOREA.issues[i].id]
    assert v["p_above_status_quo"] == 3 / 6 and v["p_below_status_quo"] == 2 / 6
    assert v["q50"] == pytest.approx(sq + 0.5)


def test_run_id_names_the_content() -> None:
    a = spec()
    assert a.run_id == spec().run_id
    assert a.run_id != spec(seed=10).run_id
    assert a.run_id != spec(noise="none").run_id
    assert a.run_id != spec(draws=121).run_id
    assert a.run_id != make_spec(KOREA, [REGISTRY["exchange-random"](p=0.2)], draws=120, seed=9).run_id


def test_overlay_shifts_the_distribution_and_compare_says_so() -> None:
    base = load_packaged("korea-2019-06")  # phased-relief applies there in full (no skipped change)
    models = [REGISTRY["compromise"]()]
    a = run_sweep(make_spec(base, models, draws=300, seed=1))
    b = run_sweep(make_spec(base, models, draws=300, seed=1, overlay="phased-relief"))
    assert b.to_dict()["overlay"] == "phased-relief"
    doc = compare_sweeps(a, b)
    moved = {i: v for i, v in doc["models"]["compromise"]["issues"].items() if abs(v["diff_mean"]) > 1e-9}
    assert moved, "phased-relief moves some compromise outcome"
    for v in moved.values():
        if v["diff_mean"] > 0:
            assert v["p_second_above_first"] > 0.5
        assert v["p_second_above_first"] + v["p_second_below_first"] <= 1.0


def test_compare_probabilities_by_hand() -> None:
    s = make_spec(KOREA, [REGISTRY["mean"]()], draws=3, seed=0)
    other_seed = make_spec(KOREA, [REGISTRY["mean"]()], draws=3, seed=1)
    n_iss = len(KOREA.issues)
    a = np.zeros((3, 1, n_iss))
    b = np.zeros((3, 1, n_iss))
    a[:, 0, 0] = [1.0, 2.0, 3.0]
    b[:, 0, 0] = [2.0, 4.0, 0.0]
    # different seeds: independent draws, every pair compared
    doc = compare_sweeps(Sweep(s, "a", a, None), Sweep(other_seed, "b", b, None))
    assert doc["paired"] is False
    v = doc["models"]["mean"]["issues"][KOREA.issues[0].id]
    # pairs (b > a): 2>1; 4>1,2,3 -> 4 of 9; (b < a): 2<3; 0<1,2,3 -> 4 of 9; one tie (2, 2)
    assert v["p_second_above_first"] == pytest.approx(4 / 9)
    assert v["p_second_below_first"] == pytest.approx(4 / 9)
    assert v["p_equal"] == pytest.approx(1 / 9)
    assert v["diff_mean"] == pytest.approx(2.0 - 2.0) and v["diff_median"] == pytest.approx(0.0)
    # one seed and number of draws: draw d against draw d (2>1, 4>2, 0<3); untouched issues tie
    doc = compare_sweeps(Sweep(s, "a", a, None), Sweep(s, "b", b, None))
    assert doc["paired"] is True
    v = doc["models"]["mean"]["issues"][KOREA.issues[0].id]
    probs = (v["p_second_above_first"], v["p_second_below_first"], v["p_equal"])
    assert probs == pytest.approx((2 / 3, 1 / 3, 0))
    tie = doc["models"]["mean"]["issues"][KOREA.issues[1].id]
    assert tie["p_equal"] == 1.0


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"draws": 0}, "--draws"),
        ({"draws": -3}, "--draws"),
        ({"draws": 10**12}, "--draws"),
        ({"seed": -1}, "--seed"),
        ({"noise": "position=7"}, "--noise"),
    ],
)
def test_bad_sweep_parameters(kw: dict, match: str) -> None:  # type: ignore[type-arg]
    args = {"draws": 10, "seed": 1, **kw}
    with pytest.raises(ParameterError, match=match):
        make_spec(KOREA, [REGISTRY["mean"]()], **args)


def test_api_sweep_and_a_seed_is_picked_and_recorded() -> None:
    sw = peninsula.sweep("korea-2019-04", "compromise", draws=30)
    again = peninsula.sweep("korea-2019-04", "compromise", draws=30, seed=sw.spec.seed)
    assert sw.to_dict() == again.to_dict()
    assert NoiseSpec.parse(None) == sw.spec.noise


@settings(max_examples=50, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(float("nan"))), min_size=1, max_size=40
    )
)
def test_summary_invariants(values: list[float]) -> None:
    """Quantiles ordered and within the draws; status-quo shares add to at most 1; NaN draws drop out."""
    s = make_spec(KOREA, [REGISTRY["mean"]()], draws=len(values), seed=0)
    i = next(k for k, iss in enumerate(KOREA.issues) if iss.status_quo is not None)
    out = np.zeros((len(values), 1, len(KOREA.issues)))
    out[:, 0, i] = values
    v = summarize(s, "x", out, None)["models"]["mean"]["issues"][KOREA.issues[i].id]
    finite = [x for x in values if np.isfinite(x)]
    assert v["n"] == len(finite)
    if not finite:
        assert v["mean"] is None and v["p_above_status_quo"] is None
        return
    qs = [v[k] for k in ("q05", "q25", "q50", "q75", "q95")]
    assert min(finite) <= qs[0] and qs[-1] <= max(finite)
    assert all(a <= b for a, b in itertools.pairwise(qs))
    assert v["p_above_status_quo"] + v["p_below_status_quo"] <= 1.0
    assert v["sd"] >= 0
