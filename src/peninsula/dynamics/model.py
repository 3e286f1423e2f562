"""Deprecated: the NB2 posture regression is :mod:`peninsula.dynamics.nbregression` (``PostureModel`` is
``NegBinRegression``, ``PostureFit`` is ``NegBinRegressionFit``). Removed in 0.2.0."""

from peninsula.dynamics._deprecated import forward

_NEW = "peninsula.dynamics.nbregression"
__getattr__ = forward(
    "peninsula.dynamics.model",
    _NEW,
    {"PostureModel": (_NEW, "NegBinRegression"), "PostureFit": (_NEW, "NegBinRegressionFit")},
)
