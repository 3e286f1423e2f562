"""Input uncertainty: triangular draws from sourced ranges, the default perturbation, clipping, seeding."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peninsula.core import ParameterError
from peninsula.scenarios import apply_overlay, load_packaged
from peninsula.simulate.perturb import InputSpace, NoiseSpec, triangular_ppf
from tests.strategies import scenarios

KOREA = load_packaged("korea-2019-04")


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (None, NoiseSpec(0.05, 0.05, 0.10)),
        ("none", NoiseSpec(0.0, 0.0, 0.0)),
        ("position=0.2", NoiseSpec(0.2, 0.05, 0.10)),
        ("salience=0,capability=0.5", NoiseSpec(0.05, 0.0, 0.5)),
    ],
)
def test_noise_parses(text: str | None, want: NoiseSpec) -> None:
    assert NoiseSpec.parse(text) == want


@pytest.mark.parametrize(
    "text",
    [
        "position",
        "weight=0.1",
        "position=abc",
        "position=1.5",
        "salience=-0.1",
        "position=nan",
        "position=0.1,position=0.2",
    ],
)
def test_bad_noise_is_a_parameter_error_naming_the_option(text: str) -> None:
    with pytest.raises(ParameterError, match="--noise"):
        NoiseSpec.parse(text)


def test_triangular_ppf_hits_the_ends_and_the_mode() -> None:
    lo, mode, hi = np.array([2.0]), np.array([5.0]), np.array([11.0])
    fc = (mode - lo) / (hi - lo)  # the CDF at the mode
    got = triangular_ppf(np.array([0.0, fc[0], 1.0]), lo, mode, hi)
    np.testing.assert_allclose(got, [2.0, 5.0, 11.0])


@given(
    u=st.floats(0.0, 1.0),
    lo=st.floats(-100, 100),
    w1=st.floats(0.0, 50.0),
    w2=st.floats(0.0, 50.0),
)
def test_triangular_ppf_stays_in_range(u: float, lo: float, w1: float, w2: float) -> None:
    mode, hi = lo + w1, lo + w1 + w2
    x = float(triangular_ppf(np.array([u]), np.array([lo]), np.array([mode]), np.array([hi]))[0])
    assert lo - 1e-9 <= x <= hi + 1e-9


def test_ranged_values_follow_their_triangle() -> None:
    """Mean and spread of many draws of one ranged value match the triangular distribution's."""
    space = InputSpace.from_scenario(KOREA)
    k = next(
        k for k, u in enumerate(space.inputs) if u.origin == "range" and u.varies and u.field == "position"
    )
    u = space.inputs[k]
    vals = space.values_from_uniforms(space.uniforms(11, 0, 20_000))[:, k]
    a, c, b = u.low, min(max(u.value, u.low), u.high), u.high
    mean = (a + b + c) / 3
    sd = np.sqrt((a * a + b * b + c * c - a * b - a * c - b * c) / 18)
    assert abs(vals.mean() - mean) < 5 * sd / np.sqrt(len(vals))
    assert abs(vals.std() - sd) < 0.03 * sd
    assert vals.min() >= a and vals.max() <= b


def test_unranged_values_get_the_default_noise_and_none_fixes_them() -> None:
    space = InputSpace.from_scenario(KOREA, NoiseSpec(0.0, 0.0, 0.2))
    noisy = [u for u in space.inputs if u.origin == "noise"]
    assert noisy, "the Korea snapshot has dataset capabilities without a range"
    for u in noisy:
        assert u.field == "capability"
        assert u.low == pytest.approx(0.8 * u.value) and u.high == pytest.approx(1.2 * u.value)
    fixed = InputSpace.from_scenario(KOREA, NoiseSpec.none())
    assert not [u for u in fixed.inputs if u.origin == "noise"]
    ranged = [k for k, u in enumerate(fixed.inputs) if u.origin == "range" and u.varies]
    v = fixed.values_from_uniforms(fixed.uniforms(1, 0, 50))
    unvaried = [k for k, u in enumerate(fixed.inputs) if u.origin == "fixed"]
    assert np.all(v[:, unvaried] == fixed.base_values()[unvaried])
    assert np.all(v[:, ranged].std(axis=0) > 0)


@settings(max_examples=40, deadline=None)
@given(s=scenarios(), seed=st.integers(0, 2**32))
def test_draws_stay_on_valid_ranges(s, seed: int) -> None:  # type: ignore[no-untyped-def]
    space = InputSpace.from_scenario(s, NoiseSpec(0.5, 0.5, 1.0))
    X, S, C = space.draw(seed, 0, 30)
    present = space.present
    assert np.all(np.isnan(X[:, ~present]))
    x = X[:, present]
    lower = np.broadcast_to(space.lower, present.shape)[present]
    upper = np.broadcast_to(space.upper, present.shape)[present]
    assert np.all((x >= lower) & (x <= upper))
    assert np.all((S[:, present] >= 0) & (S[:, present] <= 1))
    assert np.all(C[:, present] >= 0)


def test_a_draw_depends_on_its_index_only() -> None:
    space = InputSpace.from_scenario(KOREA)
    whole = space.draw(5, 0, 12)
    part = space.draw(5, 7, 10)
    for a, b in zip(whole, part, strict=True):
        np.testing.assert_array_equal(a[7:10], b)
    other = space.draw(6, 7, 10)
    assert not np.array_equal(other[0], part[0])


def test_noise_triangle_is_cut_at_the_scale_not_piled_on_it() -> None:
    """A position at the end of its scale keeps its mode there: no draw beyond, and no mass at the bound."""
    space = InputSpace.from_scenario(KOREA, NoiseSpec(0.1, 0.0, 0.0))
    for u in space.inputs:
        if u.origin == "noise" and u.field == "position":
            assert u.lower <= u.low <= u.value <= u.high <= u.upper


def test_overlay_then_perturb_draws_within_the_overlays_range() -> None:
    """Overlays apply to every draw: the overlaid value and its source's range replace the base's."""
    base = load_packaged("korea-2019-06")  # phased-relief applies there in full (no skipped change)
    over = apply_overlay(base, "phased-relief")
    base_space, over_space = InputSpace.from_scenario(base), InputSpace.from_scenario(over)
    pairs = zip(base_space.inputs, over_space.inputs, strict=True)
    diffs = [(b, o) for b, o in pairs if (b.value, b.low, b.high) != (o.value, o.low, o.high)]
    assert diffs
    v = over_space.values_from_uniforms(over_space.uniforms(3, 0, 500))
    for _, o in diffs:
        k = over_space.inputs.index(o)
        assert np.all((v[:, k] >= o.low) & (v[:, k] <= o.high))
