"""The dynamic count models: filters and likelihoods against hand-computed cases, fits, boundedness."""

from __future__ import annotations

import math

import numpy as np
import pytest

from peninsula.dynamics.ingarch import (
    MAX_PERSISTENCE,
    MEAN_CAP_FACTOR,
    IngarchModel,
    ingarch_filter,
    ingarch_loglike,
    unpack,
)
from peninsula.dynamics.loading import load_data
from peninsula.dynamics.locallevel import LocalLevelModel, poisson_gamma_filter, poisson_gamma_loglike
from peninsula.dynamics.registry import (
    BOUND_FACTOR,
    DEFAULT_MODELS,
    DYNAMIC_MODELS,
    fit_model,
    most_provocative_posture,
    simulate_counts,
)


def test_poisson_gamma_filter_by_hand() -> None:
    # y = 1, 0, 2 with omega = 0.5 and z = 1, 2, 1, from the diffuse start a0 = b0 = 0:
    # t=1: a_pred = b_pred = 0;           update a = 1, b = 1
    # t=2: a_pred = .5,  b_pred = .5;     update a = .5 + 0 = .5,   b = .5 + 2 = 2.5
    # t=3: a_pred = .25, b_pred = 1.25;   update a = .25 + 2 = 2.25, b = 1.25 + 1 = 2.25
    a, b, a_n, b_n = poisson_gamma_filter([1, 0, 2], 0.5, [1.0, 2.0, 1.0])
    assert a.tolist() == pytest.approx([0.0, 0.5, 0.25])
    assert b.tolist() == pytest.approx([0.0, 0.5, 1.25])
    assert (a_n, b_n) == pytest.approx((2.25, 2.25))
    ll = poisson_gamma_loglike([1, 0, 2], a, b, [1.0, 2.0, 1.0])
    assert math.isnan(ll[0])  # diffuse: no term before the first launch
    # t=2: NB(r=.5, p=.5/(.5+2)=.2): P(0) = .2^.5
    assert ll[1] == pytest.approx(0.5 * math.log(0.2))
    # t=3: NB(r=.25, p=1.25/2.25=5/9): P(2) = Γ(2.25)/(Γ(.25) 2!) p^.25 (1-p)^2, Γ(2.25)/Γ(.25) = 1.25 * .25
    p = 5.0 / 9.0
    assert ll[2] == pytest.approx(math.log(1.25 * 0.25 / 2.0 * p**0.25 * (1 - p) ** 2))


def test_local_level_h_step_predictive_by_hand() -> None:
    data = load_data()
    fit = LocalLevelModel("events", covariates=()).fit(data, end="2019-12", uncertainty=False)
    omega = fit.omega
    _, _, a_T, b_T = poisson_gamma_filter(fit.y, omega)
    for h, dist in zip((1, 3), fit.predictive(np.zeros((3, 0)), [1, 3]), strict=True):
        a, b = omega**h * a_T, omega**h * b_T
        assert dist.mean == pytest.approx(a / b)  # the mean is kept, the spread grows
        assert float(dist.logpmf(0)) == pytest.approx(a * math.log(b / (b + 1.0)))


def test_ingarch_filter_and_loglike_by_hand() -> None:
    # base .5, alpha = beta = .25: lambda1 = .5 / (1 - .5) = 1; lambda2 = .5 + .25*2 + .25*1 = 1.25;
    # lambda3 = .5 + .25*0 + .25*1.25 = .8125
    lam, carry = ingarch_filter([2, 0, 1], [0.5, 0.5, 0.5], 0.25, 0.25)
    assert lam.tolist() == pytest.approx([1.0, 1.25, 0.8125])
    assert carry == pytest.approx(0.25 * 1 + 0.25 * 0.8125)
    # NB2 with phi = 0.5: r = 2, p = r / (r + lambda); P(1) = r p^r (1 - p)
    ll = ingarch_loglike([2, 0, 1], lam, 0.5)
    p3 = 2 / (2 + 0.8125)
    assert ll[2] == pytest.approx(math.log(2 * p3**2 * (1 - p3)))
    p2 = 2 / (2 + 1.25)
    assert ll[1] == pytest.approx(2 * math.log(p2))


def test_ingarch_constraints_hold_for_any_theta() -> None:
    rng = np.random.default_rng(0)
    _, a, b, phi, _ = unpack(rng.normal(0, 5, size=(500, 4)))
    assert np.all(a >= 0) and np.all(b >= 0) and np.all(a + b < 1) and np.all(phi > 0)


def test_fits_respect_their_boxes_and_find_the_exercise_signal() -> None:
    data = load_data()
    ig = IngarchModel("events").fit(data)
    v = ig.values
    assert v["alpha"] + v["beta"] <= MAX_PERSISTENCE + 1e-9
    ll = LocalLevelModel("events").fit(data)
    assert 0 < ll.omega < 1
    # exercises held are the clearest posture signal (docs/dynamics.md): both models agree on its sign
    assert ll.coefficients["exercise_active"] > 0 and ig.coefficients["exercise_active"] > 0


def test_simulation_is_seeded_and_shares_random_numbers() -> None:
    fit = fit_model(load_data(), "local_level", end="2019-12")
    quiet = np.zeros((12, len(fit.covariates)))
    loud = most_provocative_posture(fit, 12)
    a = simulate_counts(fit, quiet, n_draws=300, rng=3)
    b = simulate_counts(fit, quiet, n_draws=300, rng=3)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, simulate_counts(fit, quiet, n_draws=300, rng=4))
    # at the point estimate with the same uniforms, the first month (same filtered level) under a posture
    # with a higher rate multiplier cannot give fewer launches on any path
    q = simulate_counts(fit, quiet, n_draws=300, rng=3, parameter_uncertainty=False)
    c = simulate_counts(fit, loud, n_draws=300, rng=3, parameter_uncertainty=False)
    assert np.all(c[:, 0] >= q[:, 0]) and c[:, 0].sum() > q[:, 0].sum()


def test_every_default_is_a_selectable_dynamic_model() -> None:
    # so the boundedness test below covers whatever the rolling evaluation chooses
    assert set(DEFAULT_MODELS.values()) <= set(DYNAMIC_MODELS)


def test_ingarch_simulated_mean_is_capped_at_the_record() -> None:
    fit = IngarchModel("missiles").fit(load_data())
    assert fit.mean_cap == MEAN_CAP_FACTOR * int(fit.y.max())
    thetas = fit.draw_thetas(2000, 0)
    state = fit.begin(thetas)
    u = np.random.default_rng(1).random((2000, 24))
    loud = most_provocative_posture(fit, 24)
    top = 0.0
    for j in range(24):
        fit.step(thetas, state, loud[j], u[:, j])
        top = max(top, float(state["lam"].max()))
    assert top == pytest.approx(fit.mean_cap)  # reached, never exceeded


# INGARCH for missiles exceeds the bound on the 2016-2023 data: with parameter uncertainty the p99 reaches 55
# missiles (3.4 x the record of 16; 31 at the point estimates). The cause is the Laplace draws of the
# persistence (beta near 0, sd 4.05 on its unconstrained scale: 15 % of draws clipped at alpha + beta = 0.95,
# paths at the mean cap IG4), not the dispersion phi; importance-resampled draws give 39
# (scripts/dynamics_figures.py ingarch_tail). Reported in docs/dynamics.md ("What still fails"); strict, so
# that the test fails once it holds again.
INGARCH_MISSILES = pytest.mark.xfail(
    strict=True, reason="INGARCH missiles: p99 55 > 3 x 16 on 2016-2023 (docs/dynamics.md, What still fails)"
)
BOUND_CASES = [
    pytest.param(model, target, marks=INGARCH_MISSILES if (model, target) == ("ingarch", "missiles") else ())
    for model in DYNAMIC_MODELS
    for target in ("events", "missiles")
]


@pytest.mark.parametrize(("model", "target"), BOUND_CASES)
def test_simulated_paths_stay_bounded(model: str, target: str) -> None:
    data = load_data()
    fit = fit_model(data, model, target)
    sims = simulate_counts(fit, most_provocative_posture(fit, 36), n_draws=10_000, rng=0)
    record = int(data.monthly.target(target).max())
    p99 = np.quantile(sims, 0.99, axis=0)
    assert sims.shape == (10_000, 36)
    assert p99.max() <= BOUND_FACTOR * record, (p99.max(), record)


@pytest.mark.parametrize("model", [*DYNAMIC_MODELS])
def test_stepping_api_reproduces_simulate_and_takes_posture_per_draw(model: str) -> None:
    fit = fit_model(load_data(), model, end="2020-12")
    rng = np.random.default_rng(7)
    thetas = fit.draw_thetas(400, rng)
    u = rng.random((400, 5))
    quiet = np.zeros((5, len(fit.covariates)))
    loud = most_provocative_posture(fit, 5)
    whole = fit.simulate(quiet, 400, thetas=thetas, uniforms=u)
    state = fit.begin(thetas)
    stepped = np.column_stack([fit.step(thetas, state, quiet[j], u[:, j])[0] for j in range(5)])
    assert np.array_equal(whole, stepped)
    # one posture row per draw: the first half quiet, the second half loud, each half equal to its own run
    half = np.arange(400) < 200
    state = fit.begin(thetas)
    mixed = np.column_stack(
        [fit.step(thetas, state, np.where(half[:, None], quiet[j], loud[j]), u[:, j])[0] for j in range(5)]
    )
    assert np.array_equal(mixed[half], whole[half])
    assert np.array_equal(mixed[~half], fit.simulate(loud, 400, thetas=thetas, uniforms=u)[~half])
