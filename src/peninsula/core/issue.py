"""Issues: one-dimensional policy scales with labelled points."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from peninsula.core.limits import Number, OneLineId
from peninsula.core.source import Source


class ScalePoint(BaseModel):
    """A labelled point on an issue's scale (DECIDE's ``#M`` rows)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: Number = Field(allow_inf_nan=False)
    label: str = ""


class Issue(BaseModel):
    """One issue: a numeric scale from ``lower`` to ``upper`` in ``unit``.

    Attributes
    ----------
    id:
        Short unique identifier.
    description:
        What the scale measures, in words.
    lower, upper:
        The ends of the scale, in ``unit``; every position on the issue lies between them.
    unit:
        Unit of the scale (``"0-100"``, ``"USD million per year"``, ``"percent"`` ...).
    points:
        Labelled points (what a position means), e.g. ``0: "big deal first"``.
    status_quo:
        The reference point (the outcome if no agreement is reached), on the issue's scale, or ``None``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: OneLineId = Field(min_length=1)
    description: str = ""
    lower: Number = Field(default=0.0, allow_inf_nan=False)
    upper: Number = Field(default=100.0, allow_inf_nan=False)
    unit: str = ""
    points: tuple[ScalePoint, ...] = ()
    status_quo: Number | None = Field(default=None, allow_inf_nan=False)
    status_quo_source: Source | None = None

    @model_validator(mode="after")
    def _scale(self) -> Issue:
        if self.upper < self.lower:
            raise ValueError(f"upper ({self.upper:g}) is below lower ({self.lower:g})")
        for p in self.points:
            if not self.lower <= p.value <= self.upper:
                raise ValueError(f"labelled point {p.value:g} lies outside [{self.lower:g}, {self.upper:g}]")
        if self.status_quo is not None and not self.lower <= self.status_quo <= self.upper:
            raise ValueError(f"status_quo {self.status_quo:g} lies outside [{self.lower:g}, {self.upper:g}]")
        return self

    @property
    def span(self) -> float:
        """``upper - lower``, the scale's length in ``unit``."""
        return self.upper - self.lower
