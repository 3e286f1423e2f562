"""The dynamic count models: filters and likelihoods against hand-computed cases, fits, boundedness."""

from __future__ import annotations

import math

import numpy as np
import pytest

from peninsula.dynamics.ingarch import (
    MAX_PERSISTENCE,
    MCMC_CHAINS,
    MCMC_SAMPLE,
    MEAN_CAP_FACTOR,
    IngarchModel,
    _split_rhat,
    ingarch_filter,
    ingarch_loglike,
    ingarch_score,
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


@pytest.mark.parametrize("target", ["events", "missiles"])
def test_ingarch_log_posterior_is_the_fit_objective(target: str) -> None:
    # the importance weights of (IG5) use a vectorised posterior: it must equal the penalised likelihood the
    # fit maximised (analytic ingarch_score minus the Normal(0, prior_sd^2) prior), row by row, and be -inf
    # outside the fitting box
    fit = IngarchModel(target).fit(load_data(), end="2021-12")
    rows = fit.params.theta + 0.2 * np.random.default_rng(5).standard_normal((6, len(fit.params.theta)))
    ref = [ingarch_score(t, fit.y, fit.X)[0] - np.sum(t[4:] ** 2) / (2 * fit.prior_sd**2) for t in rows]
    assert np.allclose(fit.log_posterior(rows), ref, rtol=0, atol=1e-9)
    outside = fit.params.theta.copy()
    outside[2] = 3.0  # l_beta above its box (2.25)
    assert fit.log_posterior(outside)[0] == -np.inf


@pytest.mark.parametrize("target", ["events", "missiles"])
def test_ingarch_posterior_draws_converge_and_do_not_pile_at_the_persistence_bound(target: str) -> None:
    # the clipped Laplace draws put 15 % of the missiles fit's draws at alpha + beta = 0.95 (l_beta's
    # Laplace sd is about 4: beta is near 0, where the likelihood is flat in l_beta); the posterior draws
    # (IG5) do not, and their chains agree (split R-hat, seed 0)
    fit = IngarchModel(target).fit(load_data())
    samples, rhat = fit.posterior_chains(0)
    assert samples.shape == (MCMC_SAMPLE, MCMC_CHAINS, len(fit.params.theta))
    assert rhat.max() < 1.1, rhat
    draws = fit.draw_thetas(4000, 0)
    assert np.mean(draws[:, 2] >= 2.25 - 1e-9) < 0.01
    assert np.all(np.isfinite(fit.log_posterior(draws)))  # every draw inside the box
    if target == "missiles":
        assert np.mean(fit.params.draw(4000, 0)[:, 2] >= 2.25) > 0.10


def test_split_rhat_flags_chains_that_disagree() -> None:
    rng = np.random.default_rng(0)
    agree = rng.standard_normal((400, 4, 1))
    apart = agree + np.arange(4.0)[None, :, None]  # four chains around four different means
    assert _split_rhat(agree)[0] < 1.02
    assert _split_rhat(apart)[0] > 1.5


@pytest.mark.parametrize("model", [*DYNAMIC_MODELS])
@pytest.mark.parametrize("target", ["events", "missiles"])
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
