"""Actors: the players whose positions the models bargain over."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from peninsula.core.limits import NonNegative, OneLineId
from peninsula.core.source import Source

ActorKind = Literal["state", "domestic", "institution"]


class Actor(BaseModel):
    """One actor of a scenario.

    Attributes
    ----------
    id:
        Short unique identifier, used in stances and outputs (``US``, ``ROK``, ``DPRK`` ...).
    name:
        Display name.
    kind:
        ``state``, ``domestic`` (a domestic player such as a legislature or opposition party) or
        ``institution``.
    capability:
        General capability (power, clout) on a ratio scale >= 0; only ratios between actors matter. May be
        ``None`` when every stance of the actor carries its own issue-specific capability (DECIDE files).
    capability_source:
        Where ``capability`` comes from.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: OneLineId = Field(min_length=1)
    name: str = ""
    kind: ActorKind = "state"
    capability: NonNegative | None = None
    capability_source: Source | None = None
    description: str = ""

    @property
    def label(self) -> str:
        """The name if given, else the id."""
        return self.name or self.id
