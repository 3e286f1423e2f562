"""Bargaining models as interchangeable strategies behind one interface."""

from peninsula.models.base import (
    IssueResult,
    Model,
    ModelInfo,
    ModelRun,
    ParamInfo,
    PerIssueModel,
    RoundRecord,
)
from peninsula.models.registry import REGISTRY, get_model, model_names

__all__ = [
    "REGISTRY",
    "IssueResult",
    "Model",
    "ModelInfo",
    "ModelRun",
    "ParamInfo",
    "PerIssueModel",
    "RoundRecord",
    "get_model",
    "model_names",
]
