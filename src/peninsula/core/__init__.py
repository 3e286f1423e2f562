"""The core data model: frozen, validated, no I/O and no randomness."""

from peninsula.core.actor import Actor, ActorKind
from peninsula.core.errors import InputError, InputProblem, ParameterError, PeninsulaError
from peninsula.core.issue import Issue, Reversion, ScalePoint, scale_problem
from peninsula.core.scenario import (
    IssueData,
    Scenario,
    Stance,
    integrity_problems,
    stance_problem,
    stance_values,
)
from peninsula.core.source import Source

__all__ = [
    "Actor",
    "ActorKind",
    "InputError",
    "InputProblem",
    "Issue",
    "IssueData",
    "ParameterError",
    "PeninsulaError",
    "Reversion",
    "ScalePoint",
    "Scenario",
    "Source",
    "Stance",
    "integrity_problems",
    "scale_problem",
    "stance_problem",
    "stance_values",
]
