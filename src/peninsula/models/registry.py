"""The registry of bargaining models: the single source of truth for names the CLI and API accept."""

from __future__ import annotations

from peninsula.core import ParameterError
from peninsula.models.agreement import Agreement
from peninsula.models.base import Model
from peninsula.models.baselines import Compromise, Mean, Median, MedianActor
from peninsula.models.consensus import Consensus
from peninsula.models.eu import ExpectedUtility, ExpectedUtilityMasad
from peninsula.models.exchange import Exchange, ExchangeClean, ExchangeRandom
from peninsula.models.nash import Nash

REGISTRY: dict[str, type[Model]] = {
    "compromise": Compromise,
    "mean": Mean,
    "median": Median,
    "median-actor": MedianActor,
    "eu": ExpectedUtility,
    "eu-masad": ExpectedUtilityMasad,
    "exchange": Exchange,
    "exchange-random": ExchangeRandom,
    "exchange-clean": ExchangeClean,
    "nash": Nash,
    "consensus": Consensus,
    "agreement": Agreement,
}


def get_model(name: str) -> type[Model]:
    """The model class registered under ``name``; ``ParameterError`` listing the known names if none."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ParameterError(f"unknown model '{name}' (known: {', '.join(REGISTRY)})") from None


def model_names() -> list[str]:
    """Registered model names, in registry order."""
    return list(REGISTRY)
