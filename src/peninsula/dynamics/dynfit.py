"""Deprecated: the shared machinery of the dynamic models is :mod:`peninsula.dynamics.penalised`
(``covariate_matrix`` is in :mod:`peninsula.dynamics.covariates`). Removed in 0.2.0."""

from peninsula.dynamics._deprecated import forward

__getattr__ = forward(
    "peninsula.dynamics.dynfit",
    "peninsula.dynamics.penalised",
    {"covariate_matrix": ("peninsula.dynamics.covariates", "covariate_matrix")},
)
