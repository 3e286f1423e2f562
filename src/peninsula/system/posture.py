"""Which scenario issue carries which part of the alliance's posture: the one mapping table of the loop.

The coupled simulation reads the alliance's posture off three kinds of issue. The table below is the only
place that names scenario issue ids; :func:`posture_issues` checks it against a loaded scenario.

* ``exercises`` — issue ``exercises`` (U.S. personnel in UFG); hawkish end: upper; sets
  ``exercise_active`` / ``exercise_suspended`` through the exercise calendar.
* ``sanctions`` — ``sanctions-relief`` (higher = more relief), else ``sanctions`` (older files); hawkish end:
  lower; sets ``sanctions_recent``: a launch month may bring a new round (rule ``launch-sanctions-round``),
  likelier the further the posture is from relief.
* ``enforcement`` — ``sanctions-enforcement`` (China's enforcement, higher = looser); hawkish end: lower;
  sets nothing (the launch model has no enforcement covariate); reported and moved by rules.
* ``talks`` — ``denuclearization``, else ``denuc-sequencing`` (older files); hawkish end: upper; sets
  ``talks_recent``: talks are held at a decision when the issue's agreement set is non-empty — some outcome
  every veto player accepts rather than the reversion (issue 21; :mod:`peninsula.kernels.agreement`). An
  issue without a reversion (nor status quo) leaves talks as recorded.

"Hawkish" is the end of the scale that pressure moves toward (full exercises, no relief, strict enforcement,
the U.S. "big deal"); response rules move positions toward it or toward the dovish end. On ``talks`` the
dovish target is the DPRK's own position (engagement means accepting a smaller first step), not the lower
end of the scale (0 = no agreement).

The packaged scenarios: ``korea-2017-06`` has ``exercises`` and ``sanctions-relief``;
``korea-2018-06``, ``korea-2019-04`` and ``korea-2020-03`` add ``denuclearization``; ``korea-2019-06`` also
has ``sanctions-enforcement``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from peninsula.core import InputError, Scenario

__all__ = ["POSTURE_ROLES", "PostureIssue", "PostureRole", "posture_issues"]

Role = Literal["exercises", "sanctions", "enforcement", "talks"]


@dataclass(frozen=True)
class PostureRole:
    """One row of the mapping table.

    Attributes
    ----------
    role:
        ``exercises``, ``sanctions``, ``enforcement`` or ``talks``.
    issues:
        Candidate scenario issue ids, in order of preference.
    hawkish:
        ``"upper"`` or ``"lower"``: the end of the issue's scale that pressure moves toward.
    lever:
        The launch-model covariate the role sets (``""``: none).
    """

    role: Role
    issues: tuple[str, ...]
    hawkish: Literal["upper", "lower"]
    lever: str


POSTURE_ROLES: tuple[PostureRole, ...] = (
    PostureRole("exercises", ("exercises",), "upper", "exercise_active"),
    PostureRole("sanctions", ("sanctions-relief", "sanctions"), "lower", "sanctions_recent"),
    PostureRole("enforcement", ("sanctions-enforcement",), "lower", ""),
    PostureRole("talks", ("denuclearization", "denuc-sequencing"), "upper", "talks_recent"),
)


@dataclass(frozen=True)
class PostureIssue:
    """A posture role resolved on one scenario.

    Attributes
    ----------
    role:
        The :class:`PostureRole`.
    issue:
        The scenario issue id that carries it.
    lower, upper:
        The issue's scale.
    actors:
        Actor ids with a stance on the issue, in scenario order.
    """

    role: PostureRole
    issue: str
    lower: float
    upper: float
    actors: tuple[str, ...]

    @property
    def span(self) -> float:
        """Length of the issue's scale."""
        return self.upper - self.lower

    @property
    def hawkish_end(self) -> float:
        """The scale end pressure moves toward."""
        return self.upper if self.role.hawkish == "upper" else self.lower

    @property
    def dovish_end(self) -> float:
        """The opposite scale end."""
        return self.lower if self.role.hawkish == "upper" else self.upper


def posture_issues(scenario: Scenario) -> dict[str, PostureIssue]:
    """The posture roles present in ``scenario``, by role name.

    Raises
    ------
    InputError
        If the scenario has none of the posture issues (exit 2 in the CLI); the message lists the ids
        looked for.

    Examples
    --------
    >>> from peninsula.scenarios import load_packaged
    >>> sorted(posture_issues(load_packaged("korea-2017-06")))
    ['exercises', 'sanctions']
    """
    found: dict[str, PostureIssue] = {}
    ids = set(scenario.issue_ids)
    for role in POSTURE_ROLES:
        issue_id = next((i for i in role.issues if i in ids), None)
        if issue_id is None:
            continue
        issue = scenario.issue(issue_id)
        actors = tuple(s.actor for s in scenario.stances_on(issue_id))
        if not actors:
            continue
        found[role.role] = PostureIssue(role, issue_id, float(issue.lower), float(issue.upper), actors)
    if not found:
        wanted = ", ".join(i for r in POSTURE_ROLES for i in r.issues)
        raise InputError.single(
            scenario.id,
            None,
            "issues",
            f"scenario '{scenario.id}' has no posture issue with a stance (looked for: {wanted}); "
            "the coupled simulation needs at least one (see peninsula.system.posture)",
        )
    return found
