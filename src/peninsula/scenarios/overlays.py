"""Policy-lever overlays: the seeds' recommendations as declarative changes applied to a base scenario.

An overlay (``scenarios/overlays/<name>.yaml``) is a list of changes to stances. Each change names an
``actor``, an ``issue``, a ``field`` (``position`` or ``salience``), an operation and a ``source``:

* ``set`` -- the field becomes ``value``;
* ``at_least`` / ``at_most`` -- the field becomes ``max(current, value)`` / ``min(current, value)``;
* ``toward`` -- the field moves ``fraction`` of the way toward ``target`` actor's position on the same
  issue (position only): ``x + fraction * (x_target - x)``. The ``source`` must be ``coded`` and its range is
  the range of the *fraction*; the new value's range follows from it.

``field`` is ``position``, ``salience`` or an acceptance limit (``accept_low``, ``accept_high``: the worst
outcome the actor accepts below or above its position); a limit can only be changed where the stance has one.

A change whose actor or issue has no stance in the base scenario is skipped (overlays are written once for
every snapshot), and :func:`apply_overlay` warns (:class:`OverlayWarning`) on every skipped change; an overlay
that changes nothing in a scenario is an error, and so is a change that moves a value off the scenario's
scale (a user's scenario may give an issue another scale than the packaged snapshots): the error names the
overlay, the change, the value and the scale. :func:`overlay_status` says whether an overlay applies to a
scenario, and what it would skip, without applying it. The changed value's source
replaces the old one, so ``peninsula sources`` and the source checks see where every overlaid number
comes from.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from peninsula.core import InputError, InputProblem, Scenario, Source, stance_problem

__all__ = [
    "AppliedChange",
    "Overlay",
    "OverlayChange",
    "OverlayStatus",
    "OverlayWarning",
    "apply_overlay",
    "list_overlays",
    "load_overlay",
    "overlay_changes",
    "overlay_status",
]

_PACKAGE = "peninsula.scenarios"


class OverlayChange(BaseModel):
    """One declarative change of an overlay (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    actor: str
    issue: str
    field: Literal["position", "salience", "accept_low", "accept_high"]
    op: Literal["set", "at_least", "at_most", "toward"]
    value: float | None = Field(default=None, allow_inf_nan=False)
    target: str | None = None
    fraction: float | None = Field(default=None, ge=0, le=1)
    source: Source

    @model_validator(mode="after")
    def _operands(self) -> OverlayChange:
        if self.op == "toward":
            if self.target is None or self.fraction is None:
                raise ValueError("op 'toward' needs target and fraction")
            if self.field != "position":
                raise ValueError("op 'toward' applies to positions only")
            if self.source.kind != "coded" or self.source.low is None or self.source.high is None:
                raise ValueError("op 'toward' needs a coded source whose low..high is the fraction's range")
        elif self.value is None:
            raise ValueError(f"op '{self.op}' needs a value")
        return self


class Overlay(BaseModel):
    """A named set of changes: one of the seeds' policy levers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    title: str = ""
    description: str = ""
    seeds: tuple[str, ...] = ()
    changes: tuple[OverlayChange, ...]


class OverlayWarning(UserWarning):
    """A change of an overlay was skipped: its actor, issue or target has no stance in the scenario."""


@dataclass(frozen=True)
class OverlayStatus:
    """Whether an overlay applies to a scenario (see :func:`overlay_status`).

    Attributes
    ----------
    applies:
        ``True`` if :func:`apply_overlay` would succeed.
    changes:
        How many values it would change.
    skipped:
        One sentence per change it would skip (no stance of that actor on that issue).
    reason:
        Why it does not apply (a seed dated later, or nothing changes); ``""`` when it applies.
    """

    applies: bool
    changes: int
    skipped: tuple[str, ...]
    reason: str = ""


@dataclass(frozen=True)
class AppliedChange:
    """One change an overlay made to a scenario: the stance, the field, old and new value."""

    actor: str
    issue: str
    field: str
    old: float
    new: float
    source: Source


def list_overlays() -> list[str]:
    """Names of the packaged overlays.

    Examples
    --------
    >>> list_overlays()  # doctest: +NORMALIZE_WHITESPACE
    ['dual-track-sanctions', 'medical-assistance', 'phased-relief', 'resume-exercises',
     'resume-exercises-rok-stays', 'sma-first']
    """
    folder = resources.files(_PACKAGE).joinpath("overlays")
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_overlay(name: str) -> Overlay:
    """Load and validate the packaged overlay ``name``.

    Raises
    ------
    InputError
        If there is no such overlay or its file is invalid.
    """
    if name not in list_overlays():
        raise InputError.single(
            name, None, "overlay", f"unknown overlay '{name}' (known: {', '.join(list_overlays())})"
        )
    fname = f"{name}.yaml"
    text = resources.files(_PACKAGE).joinpath("overlays", fname).read_text(encoding="utf-8")
    try:
        return Overlay.model_validate(yaml.safe_load(text))
    except ValidationError as exc:
        raise InputError(
            [InputProblem(fname, None, ".".join(map(str, e["loc"])), e["msg"]) for e in exc.errors()]
        ) from None


def _plan(scenario: Scenario, overlay: Overlay, skipped: list[str] | None = None) -> list[AppliedChange]:
    stances = {(s.actor, s.issue): s for s in scenario.stances}
    current: dict[tuple[str, str, str], float] = {}
    out: list[AppliedChange] = []
    for k, ch in enumerate(overlay.changes):
        st = stances.get((ch.actor, ch.issue))
        if st is None:
            if skipped is not None:
                skipped.append(
                    f"changes[{k}] ({ch.actor} {ch.issue} {ch.field}): scenario '{scenario.id}' has no "
                    f"stance of {ch.actor} on {ch.issue}"
                )
            continue
        key = (ch.actor, ch.issue, ch.field)
        if key not in current and getattr(st, ch.field) is None:  # an acceptance limit the stance lacks
            if skipped is not None:
                skipped.append(
                    f"changes[{k}] ({ch.actor} {ch.issue} {ch.field}): the stance has no {ch.field} to change"
                )
            continue
        old = current.get(key, float(getattr(st, ch.field)))
        source = ch.source
        if ch.op == "set":
            assert ch.value is not None
            new = ch.value
        elif ch.op == "at_least":
            assert ch.value is not None
            new = max(old, ch.value)
        elif ch.op == "at_most":
            assert ch.value is not None
            new = min(old, ch.value)
        else:
            target = stances.get((ch.target or "", ch.issue))
            if target is None:
                if skipped is not None:
                    skipped.append(
                        f"changes[{k}] ({ch.actor} {ch.issue} {ch.field} toward {ch.target}): scenario "
                        f"'{scenario.id}' has no stance of {ch.target} on {ch.issue}"
                    )
                continue
            assert ch.fraction is not None and source.low is not None and source.high is not None
            x_t = current.get((target.actor, ch.issue, "position"), target.position)
            new = old + ch.fraction * (x_t - old)
            ends = (old + source.low * (x_t - old), old + source.high * (x_t - old))
            source = Source(
                kind="coded",
                reason=f"overlay {overlay.id}: moved {ch.fraction:g} of the way from {old:g} toward "
                f"{target.actor}'s {x_t:g}; {source.reason}",
                low=min(ends),
                high=max(ends),
                evidence=source.evidence,
            )
        if new == old:
            continue
        current[key] = new
        out.append(AppliedChange(ch.actor, ch.issue, ch.field, old, new, source))
    _check_scales(scenario, overlay, out)
    return out


def _check_scales(scenario: Scenario, overlay: Overlay, changes: list[AppliedChange]) -> None:
    """Refuse changes that move a value off the scenario's scale (one problem per change, naming it)."""
    index: dict[tuple[str, str, str], int] = {
        (c.actor, c.issue, c.field): k for k, c in enumerate(overlay.changes)
    }
    problems = []
    for c in changes:
        why = stance_problem(c.field, c.new, scenario.issue(c.issue))
        if why is not None:
            k = index.get((c.actor, c.issue, c.field))
            problems.append(
                InputProblem(
                    f"overlay {overlay.id}",
                    None,
                    f"changes[{k}].{c.field}" if k is not None else c.field,
                    f"moves the {c.field} from {c.old:g} to {c.new:g}, off scenario '{scenario.id}': {why}",
                    f"actor '{c.actor}', issue '{c.issue}'",
                )
            )
    if problems:
        raise InputError(problems)


def overlay_changes(scenario: Scenario, overlay: str | Overlay) -> list[AppliedChange]:
    """The changes ``overlay`` makes to ``scenario`` (empty if it does not apply), without applying them."""
    ov = load_overlay(overlay) if isinstance(overlay, str) else overlay
    return _plan(scenario, ov)


def overlay_status(scenario: Scenario, overlay: str | Overlay) -> OverlayStatus:
    """Whether ``overlay`` applies to ``scenario``, how many values it changes and what it skips.

    Examples
    --------
    >>> from peninsula.scenarios import load_packaged
    >>> overlay_status(load_packaged("korea-2017-06"), "resume-exercises").applies
    False
    """
    ov = load_overlay(overlay) if isinstance(overlay, str) else overlay
    from peninsula.scenarios.sources import overlay_date_problems

    late = overlay_date_problems(scenario, ov.seeds, [c.source for c in ov.changes])
    skipped: list[str] = []
    changes = _plan(scenario, ov, skipped)
    if late:
        return OverlayStatus(False, len(changes), tuple(skipped), "; ".join(late))
    if not changes:
        return OverlayStatus(False, 0, tuple(skipped), "changes nothing")
    return OverlayStatus(True, len(changes), tuple(skipped))


def apply_overlay(scenario: Scenario, overlay: str | Overlay) -> Scenario:
    """A new scenario: ``scenario`` with the overlay's changes applied.

    Parameters
    ----------
    scenario:
        The base scenario (not modified).
    overlay:
        A packaged overlay's name or an :class:`Overlay`.

    Returns
    -------
    Scenario
        Id ``<base>+<overlay>``, ``metadata["overlay"]`` set, changed values carrying the overlay's sources.

    Raises
    ------
    InputError
        If the overlay is unknown, changes nothing in ``scenario``, or rests on a seed or source dated after
        the scenario (an analysis' recommendation applies only to snapshots dated on or after it).

    Warns
    -----
    OverlayWarning
        Once per change that is skipped because its actor, issue or target has no stance in ``scenario``.
    """
    ov = load_overlay(overlay) if isinstance(overlay, str) else overlay
    from peninsula.scenarios.sources import overlay_date_problems

    late = overlay_date_problems(scenario, ov.seeds, [c.source for c in ov.changes])
    if late:  # an analysis' recommendation cannot apply to a moment before the analysis
        raise InputError.single(
            ov.id,
            None,
            "seeds",
            f"overlay '{ov.id}' may not apply to scenario '{scenario.id}': " + "; ".join(late),
        )
    skipped: list[str] = []
    changes = _plan(scenario, ov, skipped)
    for msg in skipped:
        warnings.warn(OverlayWarning(f"overlay '{ov.id}' skips {msg}"), stacklevel=2)
    if not changes:
        raise InputError.single(
            ov.id, None, "changes", f"overlay '{ov.id}' changes nothing in scenario '{scenario.id}'"
        )
    by_stance: dict[tuple[str, str], dict[str, tuple[float, Source]]] = {}
    for c in changes:
        by_stance.setdefault((c.actor, c.issue), {})[c.field] = (c.new, c.source)
    stances = []
    for st in scenario.stances:
        upd = by_stance.get((st.actor, st.issue))
        if not upd:
            stances.append(st)
            continue
        sources = dict(st.sources)
        fields: dict[str, object] = {}
        for field, (value, src) in upd.items():
            fields[field] = value
            sources[field] = src  # type: ignore[index]
        fields["sources"] = sources
        stances.append(st.model_copy(update=fields))
    data = scenario.model_dump()
    data["id"] = f"{scenario.id}+{ov.id}"
    data["title"] = f"{scenario.title} + {ov.title or ov.id}"
    data["metadata"] = {**scenario.metadata, "overlay": ov.id, "base": scenario.id}
    data["stances"] = [s.model_dump() for s in stances]
    return Scenario.model_validate(data)
