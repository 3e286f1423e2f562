"""The NB2 fit: estimator sanity, intervals, draws."""

from __future__ import annotations

import numpy as np
import pytest

from peninsula.dynamics.loading import load_data
from peninsula.dynamics.nbregression import DEFAULT_COVARIATES, NegBinRegression, fit_negbin


def test_intercept_only_fit_recovers_mean_and_overdispersion() -> None:
    rng = np.random.default_rng(3)
    y = rng.negative_binomial(2.0, 2.0 / (2.0 + 1.5), size=4000)  # mu 1.5, alpha 0.5
    fit = fit_negbin(y, np.ones((len(y), 1)))
    assert np.exp(fit.params[0]) == pytest.approx(y.mean(), rel=1e-6)
    assert fit.alpha == pytest.approx(0.5, abs=0.1)
    assert fit.log_alpha_se > 0


def test_underdispersed_counts_hit_the_poisson_bound() -> None:
    y = np.array([1, 1, 2, 1, 1, 2, 1, 1, 2, 1])
    fit = fit_negbin(y, np.ones((len(y), 1)))
    assert fit.alpha == pytest.approx(1e-3)
    assert any("lower" in n for n in fit.notes)


def test_posture_fit_reports_every_covariate_with_intervals() -> None:
    fit = NegBinRegression("events").fit(load_data())
    rows = fit.coefficients(level=0.9)
    assert [r["name"] for r in rows] == ["const", *DEFAULT_COVARIATES, "alpha"]
    for r in rows[:-1]:
        assert float(r["lo"]) < float(r["coef"]) < float(r["hi"])
    assert fit.first_month == "2016-04" and fit.last_month == "2023-12"
    assert "thin" in fit.notes[0]


def test_draws_are_seeded() -> None:
    fit = NegBinRegression("missiles").fit(load_data(), end="2019-12")
    b1, a1 = fit.draw(50, rng=7)
    b2, a2 = fit.draw(50, rng=7)
    assert np.array_equal(b1, b2) and np.array_equal(a1, a2)
    assert b1.shape == (50, len(fit.names))


def test_model_constructor_stores_parameters_only() -> None:
    model = NegBinRegression("missiles", covariates=("exercise_active",))
    assert model.get_params()["covariates"] == ("exercise_active",)
    with pytest.raises(ValueError, match="unknown covariates"):
        NegBinRegression("events", covariates=("event_name",)).fit(load_data())


def test_covariate_without_variation_is_fixed_at_zero() -> None:
    # No exercise was suspended and no talks were held before 2018: those columns are all zero.
    fit = NegBinRegression("events").fit(load_data(), end="2017-12")
    for name in ("exercise_suspended", "talks_recent"):
        i = fit.names.index(name)
        assert fit.params[i] == 0.0 and fit.fit.cov[i, i] == 0.0
        assert f"{name} never varies in the fitting window: coefficient fixed at 0" in fit.notes
    betas, _ = fit.draw(20, rng=0)
    assert np.all(betas[:, fit.names.index("talks_recent")] == 0.0)
