"""Pure array functions behind the models (no pydantic, no pandas, no I/O)."""

from peninsula.kernels.central import weighted_mean, weighted_median

__all__ = ["weighted_mean", "weighted_median"]
