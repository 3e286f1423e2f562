r"""Alliance cohesion: how far apart two allies (by default the United States and the ROK) stand.

Definition
----------
Let :math:`I` be the issues on which both allies hold a stance. On issue :math:`i` with scale
:math:`[L_i, U_i]`, ally positions :math:`x_{a,i}, x_{b,i}` and saliences :math:`s_{a,i}, s_{b,i}`:

.. math::

    d_i = \frac{|x_{a,i} - x_{b,i}|}{U_i - L_i} \in [0, 1], \qquad
    w_i = \frac{s_{a,i} + s_{b,i}}{2}, \qquad
    D = \frac{\sum_{i \in I} w_i d_i}{\sum_{i \in I} w_i}, \qquad
    C = 1 - D.

:math:`D` is the salience-weighted mean gap, each gap normalised by its scale's length, so issues in
dollars, troops and 0--100 indices count alike; :math:`C = 1` means the allies want the same outcome on
every shared issue, :math:`C = 0` that they sit at opposite ends of every scale. Issues where neither ally
cares (:math:`w_i = 0`) drop out; :math:`C` is undefined without a shared issue of positive weight.

"Before bargaining" uses the scenario's positions; "after a model's forecast" uses the positions of the
model's last round (:func:`cohesion_after`). One-shot models (the baselines) do not move positions, so their
"after" equals "before"; iterative models (e.g. expected utility) move them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from peninsula.core import Scenario


class _Round(Protocol):
    @property
    def positions(self) -> Mapping[str, float]: ...


class _IssueRun(Protocol):
    @property
    def rounds(self) -> Sequence[_Round]: ...


class ModelRun(Protocol):
    """What cohesion reads of a model's run (structurally :class:`peninsula.models.ModelRun`)."""

    @property
    def issues(self) -> Mapping[str, _IssueRun]: ...


__all__ = [
    "ALLIES",
    "Cohesion",
    "IssueGap",
    "cohesion",
    "cohesion_after",
    "cohesion_by_model",
    "cohesion_from_sums",
    "gap_and_weight",
    "has_allies",
]

#: The default pair of allies whose cohesion is measured.
ALLIES: tuple[str, str] = ("US", "ROK")


@dataclass(frozen=True)
class IssueGap:
    """One issue's contribution to :class:`Cohesion`.

    Attributes
    ----------
    issue:
        Issue id.
    positions:
        The two allies' positions, in the order of :attr:`Cohesion.allies`.
    distance:
        :math:`d_i`, the gap as a share of the issue's scale (0-1).
    weight:
        :math:`w_i`, the mean of the two allies' saliences.
    """

    issue: str
    positions: tuple[float, float]
    distance: float
    weight: float


@dataclass(frozen=True)
class Cohesion:
    """The cohesion of two allies in one scenario (see the module docstring for the definition).

    Attributes
    ----------
    value:
        :math:`C = 1 - D`, 1 = fully aligned.
    distance:
        :math:`D`, the salience-weighted mean normalised gap.
    allies:
        The two actor ids.
    issues:
        Per-issue gaps, in scenario order.
    """

    value: float
    distance: float
    allies: tuple[str, str]
    issues: tuple[IssueGap, ...]

    def __float__(self) -> float:
        return self.value


def gap_and_weight(xa: Any, xb: Any, sa: Any, sb: Any, span: Any) -> tuple[Any, Any]:
    r"""One issue's normalised gap :math:`d_i` and weight :math:`w_i` (the module docstring's definition).

    Elementwise over scalars or numpy arrays (e.g. one value per draw).

    Parameters
    ----------
    xa, xb:
        The two allies' positions, on the issue's scale (its unit).
    sa, sb:
        Their saliences (0-1).
    span:
        The scale's length :math:`U_i - L_i` (its unit); a one-point scale (``span`` 0) has no gap.

    Returns
    -------
    d, w
        :math:`d_i = |x_a - x_b| / (U_i - L_i)` (0-1; 0 on a one-point scale) and
        :math:`w_i = (s_a + s_b) / 2`.

    Examples
    --------
    >>> gap_and_weight(0.0, 50.0, 1.0, 0.6, 100.0)
    (0.5, 0.8)
    """
    d: Any
    if isinstance(span, np.ndarray) or isinstance(xa, np.ndarray) or isinstance(xb, np.ndarray):
        safe = np.where(span > 0, span, 1.0)
        d = np.where(span > 0, np.abs(xa - xb) / safe, 0.0)
    else:
        d = abs(xa - xb) / span if span > 0 else 0.0
    return d, (sa + sb) / 2.0


def cohesion_from_sums(weighted_gaps: Any, weights: Any) -> Any:
    r""":math:`C = 1 - \sum_i w_i d_i / \sum_i w_i`; NaN where the weights sum to zero (no shared issue).

    Elementwise over scalars or numpy arrays.

    Examples
    --------
    >>> cohesion_from_sums(0.4, 1.0)
    0.6
    >>> cohesion_from_sums(np.array([0.4, 0.0]), np.array([1.0, 0.0])).tolist()
    [0.6, nan]
    """
    if isinstance(weights, np.ndarray):
        positive = weights > 0
        return np.asarray(
            np.where(positive, 1.0 - weighted_gaps / np.where(positive, weights, 1.0), np.nan),
            dtype=np.float64,
        )
    return 1.0 - weighted_gaps / weights if weights > 0 else float("nan")


def has_allies(scenario: Scenario, allies: tuple[str, str] = ALLIES) -> bool:
    """``True`` if both allies are actors of ``scenario`` and share an issue (cohesion is defined)."""
    ids = set(scenario.actor_ids)
    if not set(allies) <= ids:
        return False
    a_issues = {s.issue for s in scenario.stances if s.actor == allies[0]}
    b_issues = {s.issue for s in scenario.stances if s.actor == allies[1]}
    return bool(a_issues & b_issues)


def cohesion(
    scenario: Scenario,
    positions_by_issue: Mapping[str, Mapping[str, float]] | None = None,
    *,
    allies: tuple[str, str] = ALLIES,
) -> Cohesion:
    """Alliance cohesion of ``allies`` in ``scenario``.

    Parameters
    ----------
    scenario:
        The scenario; its saliences weight the issues and its scales normalise the gaps.
    positions_by_issue:
        Optional positions to use instead of the scenario's, ``{issue: {actor: position}}`` (e.g. after a
        model's bargaining rounds); actors or issues not given keep the scenario's positions.
    allies:
        The two actor ids (default ``("US", "ROK")``).

    Returns
    -------
    Cohesion

    Raises
    ------
    ValueError
        If the allies share no issue with positive weight.

    Examples
    --------
    >>> from peninsula.core import Actor, Issue, Stance
    >>> s = Scenario(id="toy", actors=[Actor(id="US", capability=1), Actor(id="ROK", capability=1)],
    ...     issues=[Issue(id="x", lower=0, upper=100), Issue(id="y", lower=0, upper=10)],
    ...     stances=[Stance(actor="US", issue="x", position=0, salience=1.0),
    ...              Stance(actor="ROK", issue="x", position=50, salience=0.6),
    ...              Stance(actor="US", issue="y", position=10, salience=0.2),
    ...              Stance(actor="ROK", issue="y", position=10, salience=0.2)])
    >>> round(cohesion(s).value, 4)   # D = (0.8*0.5 + 0.2*0) / (0.8 + 0.2) = 0.4
    0.6
    """
    a, b = allies
    override = positions_by_issue or {}
    gaps: list[IssueGap] = []
    for issue in scenario.issues:
        stances = {s.actor: s for s in scenario.stances_on(issue.id) if s.actor in allies}
        if a not in stances or b not in stances:
            continue
        pos = override.get(issue.id, {})
        xa = float(pos.get(a, stances[a].position))
        xb = float(pos.get(b, stances[b].position))
        d, w = gap_and_weight(xa, xb, stances[a].salience, stances[b].salience, issue.span)
        gaps.append(IssueGap(issue.id, (xa, xb), float(d), float(w)))
    total = sum(g.weight for g in gaps)
    if total <= 0:
        raise ValueError(
            f"actors {a} and {b} share no issue with positive salience in scenario '{scenario.id}'"
        )
    weighted = sum(g.weight * g.distance for g in gaps)
    value = float(cohesion_from_sums(weighted, total))
    return Cohesion(value, weighted / total, (a, b), tuple(gaps))


def cohesion_after(scenario: Scenario, run: ModelRun, *, allies: tuple[str, str] = ALLIES) -> Cohesion:
    """Cohesion with the positions of each issue's last round in ``run`` (a model's forecast).

    Issues the model did not forecast, or whose last round lacks an ally, keep the scenario's positions.
    """
    positions: dict[str, dict[str, float]] = {}
    for issue_id, result in run.issues.items():
        if result.rounds:
            positions[issue_id] = {k: v for k, v in result.rounds[-1].positions.items() if k in allies}
    return cohesion(scenario, positions, allies=allies)


def cohesion_by_model(
    scenario: Scenario, runs: Mapping[str, ModelRun] | None = None, *, allies: tuple[str, str] = ALLIES
) -> dict[str, float] | None:
    """Cohesion before bargaining and after each model's forecast, for a forecast table.

    Parameters
    ----------
    scenario:
        The scenario that was forecast.
    runs:
        Model name -> its run (e.g. ``peninsula.api.Forecast.runs``); ``None`` gives ``before`` only.
    allies:
        The two actor ids (default ``("US", "ROK")``).

    Returns
    -------
    dict or None
        ``{"before": C, <model>: C_after, ...}`` in run order, or ``None`` when the allies share no issue
        (not a Korea scenario), so callers can simply skip the row.

    Examples
    --------
    >>> from peninsula.scenarios import load_packaged
    >>> from peninsula.models.baselines import Mean
    >>> s = load_packaged("korea-2019-04")
    >>> {k: round(v, 3) for k, v in cohesion_by_model(s, {"mean": Mean().run(s)}).items()}
    {'before': 0.588, 'mean': 0.588}
    """
    if not has_allies(scenario, allies):
        return None
    try:
        out = {"before": cohesion(scenario, allies=allies).value}
    except ValueError:
        return None
    for name, run in (runs or {}).items():
        out[name] = cohesion_after(scenario, run, allies=allies).value
    return out
