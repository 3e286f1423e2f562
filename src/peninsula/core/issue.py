"""Issues: one-dimensional policy scales with labelled points."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from peninsula.core.errors import field_problem
from peninsula.core.limits import Number, OneLineId, check_value
from peninsula.core.source import Source


def scale_problem(value: float, lower: float, upper: float, issue: str | None = None) -> str | None:
    """Why ``value`` cannot stand on the scale ``[lower, upper]``, or ``None`` if it can.

    The one scale check of peninsula: the data model (positions, status quo, labelled points), every reader
    (DECIDE files, outcomes CSVs, the record of what happened), the workbench's edits and the overlays use
    it. A value must be a usable number (:func:`~peninsula.core.limits.check_value`: finite, within the
    magnitude limit) and lie between the ends, both included.

    Parameters
    ----------
    value:
        The value, in the scale's unit.
    lower, upper:
        The ends of the scale.
    issue:
        The issue's id, named in the message when given.

    Examples
    --------
    >>> scale_problem(50, 0, 100) is None
    True
    >>> scale_problem(160, 0, 100)
    "160 lies outside the issue's scale [0, 100]"
    >>> scale_problem(-1, 0, 10, issue="x")
    "-1 lies outside issue 'x' scale [0, 10]"
    """
    why = check_value(value)
    if why is not None:
        return why
    if lower <= value <= upper:
        return None
    where = f"issue '{issue}' scale" if issue else "the issue's scale"
    return f"{value:g} lies outside {where} [{lower:g}, {upper:g}]"


class ScalePoint(BaseModel):
    """A labelled point on an issue's scale (DECIDE's ``#M`` rows).

    ``source`` (optional) says where the point comes from -- the event or statement it names -- so that the
    look-ahead check can date the label, and a scale bound that sits on it
    (:func:`peninsula.scenarios.sources.lookahead_problems`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: Number = Field(allow_inf_nan=False)
    label: str = ""
    source: Source | None = None


class Reversion(BaseModel):
    """The outcome of an issue if no agreement is reached (the reversion point, Romer & Rosenthal 1978).

    Distinct from :attr:`Issue.status_quo` (the state today): a combined exercise held last year reverts to
    *not held* if either ally withholds consent; an agreement that lapses leaves *no agreement in force*.

    Attributes
    ----------
    value:
        The reversion on the issue's own scale. May be left out when ``label`` names one of the issue's
        labelled points (:attr:`Issue.points`): the point's value is then taken.
    label:
        What the reversion means in words (``"not held"``, ``"no SMA in force"``).
    source:
        Where the value comes from; a ``coded`` source's ``low``..``high`` is the range the agreement
        model's draws take it from.

    Examples
    --------
    >>> Issue(id="x", points=[ScalePoint(value=0, label="not held")],
    ...       reversion=Reversion(label="not held")).reversion.value
    0.0
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: Number | None = Field(default=None, allow_inf_nan=False)
    label: str = ""
    source: Source | None = None

    def describe(self) -> str:
        """``0 (not held)``, or the value alone when there is no label."""
        v = "?" if self.value is None else f"{self.value:g}"
        return f"{v} ({self.label})" if self.label else v


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
        The reference point (the state today), on the issue's scale, or ``None``.
    reversion:
        The outcome if no agreement is reached (:class:`Reversion`), where it differs from the status quo;
        ``None`` means the status quo is also the reversion (see :attr:`reversion_value`).
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
    reversion: Reversion | None = None

    @model_validator(mode="before")
    @classmethod
    def _reversion_from_label(cls, data: Any) -> Any:
        """``reversion: {label: "not held"}`` takes the value of the labelled point of that name."""
        if not isinstance(data, dict):
            return data
        rev = data.get("reversion")
        if isinstance(rev, Reversion):
            rev_d: Any = rev.model_dump(exclude_defaults=True)
        else:
            rev_d = rev
        if not isinstance(rev_d, dict) or rev_d.get("value") is not None or not rev_d.get("label"):
            return data
        points = data.get("points") or ()
        for p in points if isinstance(points, list | tuple) else ():
            point = p.model_dump() if isinstance(p, ScalePoint) else p
            if not isinstance(point, dict):
                continue
            label, value = point.get("label"), point.get("value")
            if label == rev_d["label"] and value is not None:
                return {**data, "reversion": {**rev_d, "value": value}}
        return data

    @model_validator(mode="after")
    def _scale(self) -> Issue:
        if self.upper < self.lower:
            raise ValueError(f"upper ({self.upper:g}) is below lower ({self.lower:g})")
        for p in self.points:
            why = self.scale_problem(p.value)
            if why is not None:
                raise ValueError(f"labelled point {why}")
        if self.status_quo is not None:
            why = self.scale_problem(self.status_quo)
            if why is not None:
                raise ValueError(f"status_quo {why}")
        if self.reversion is not None and self.reversion.value is None:
            known = ", ".join(repr(p.label) for p in self.points if p.label) or "none"
            raise field_problem(
                "reversion.value",
                f"reversion {self.reversion.label!r} has no value and names none of the issue's labelled "
                f"points (known: {known}): give reversion.value on the scale",
            )
        return self

    def scale_problem(self, value: float) -> str | None:
        """Why ``value`` cannot stand on this issue's scale (:func:`scale_problem`), or ``None``."""
        return scale_problem(value, self.lower, self.upper)

    @property
    def reversion_value(self) -> float | None:
        """The outcome if no agreement is reached: :attr:`reversion`'s value, else the status quo, else
        ``None``."""
        if self.reversion is not None and self.reversion.value is not None:
            return self.reversion.value
        return self.status_quo

    @property
    def span(self) -> float:
        """``upper - lower``, the scale's length in ``unit``."""
        return self.upper - self.lower
