"""The Korea scenario overlays mapped onto the launch model's what-if levers (one table, used by ``whatif``).

The overlays in :mod:`peninsula.scenarios` move bargaining positions; the launch model sees posture
covariates. Where the two overlap, an overlay becomes ``--set`` levers; the mapping and the reason for each
row live here (and only here; ``docs/dynamics.md`` prints the same table):

* ``resume-exercises`` → ``exercises=full``. Direct: the full calendar includes August (UFG) and December
  (Vigilant Ace) and lifts the suspension.
* ``dual-track-sanctions`` → ``sanctions=START``. Partial: one new round of designations at the start; the
  model sees sanctions events, not enforcement intensity.
* ``phased-relief`` → ``talks=START``, ``summit=START``. Partial: a negotiating track opened at the start;
  sanctions relief itself is not a covariate.
* ``sma-first`` → none: cost-sharing rows are not a covariate; no seed ties the SMA to launches.
* ``medical-assistance`` → none: the timeline has no aid or engagement series.

The month of the sanctions, talks and summit levers is a coded judgement (the overlays carry no dates):
the start of the simulated window, so the lever acts over the whole window.
"""

from __future__ import annotations

from dataclasses import dataclass

from peninsula.core.errors import ParameterError

__all__ = ["OVERLAY_LEVERS", "OverlayLevers", "overlay_levers"]


@dataclass(frozen=True)
class OverlayLevers:
    """How one scenario overlay maps onto the what-if levers.

    Attributes
    ----------
    levers:
        ``KEY=VALUE`` lever templates; ``{start}`` is replaced by the first simulated month.
    overlap:
        ``direct``, ``partial`` or ``none``.
    reason:
        Why, in one sentence.
    """

    levers: tuple[str, ...]
    overlap: str
    reason: str


OVERLAY_LEVERS: dict[str, OverlayLevers] = {
    "resume-exercises": OverlayLevers(
        ("exercises=full",),
        "direct",
        "the full calendar includes August (UFG) and December (Vigilant Ace) and lifts the suspension",
    ),
    "resume-exercises-rok-stays": OverlayLevers(
        ("exercises=reduced",),
        "partial",
        "a combined exercise needs both allies: with Seoul staying at the reduced command-post exercise, the "
        "calendar stays the scaled-back one of 2019-21",
    ),
    "dual-track-sanctions": OverlayLevers(
        ("sanctions={start}",),
        "partial",
        "one new round of designations at the start; the model sees sanctions events, "
        "not enforcement intensity",
    ),
    "phased-relief": OverlayLevers(
        ("talks={start}", "summit={start}"),
        "partial",
        "a negotiating track opened at the start (coded timing); sanctions relief itself is not a covariate",
    ),
    "sma-first": OverlayLevers(
        (), "none", "cost_sharing rows are not a covariate; no seed ties the SMA to launch behaviour"
    ),
    "medical-assistance": OverlayLevers((), "none", "the timeline has no aid or engagement series"),
}


def overlay_levers(name: str, start: str) -> list[str]:
    """The ``KEY=VALUE`` levers of a scenario overlay for a window starting in ``start`` (``YYYY-MM``).

    Raises
    ------
    ParameterError
        If the overlay is unknown, or has no launch lever (the message says why).

    Examples
    --------
    >>> overlay_levers("resume-exercises", "2019-03")
    ['exercises=full']
    >>> overlay_levers("phased-relief", "2019-03")
    ['talks=2019-03', 'summit=2019-03']
    """
    if name not in OVERLAY_LEVERS:
        raise ParameterError(f"unknown overlay {name!r}; known overlays: {', '.join(sorted(OVERLAY_LEVERS))}")
    entry = OVERLAY_LEVERS[name]
    if not entry.levers:
        raise ParameterError(f"overlay {name!r} has no launch-model lever: {entry.reason}")
    return [lever.format(start=start) for lever in entry.levers]
