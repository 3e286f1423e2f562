"""The asymmetric Nash bargaining solution, issue by issue (Nash 1950; Achen 2006, ch. 10).

See :mod:`peninsula.kernels.nash` for the utility function and the solution. The model needs each issue's
status quo (``Issue.status_quo``, the reference point); on an issue without one the outcome is ``None``
and a note says so: the solution is undefined without a disagreement point, and none is invented.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from peninsula.core import IssueData
from peninsula.core.rng import RNGLike
from peninsula.kernels.nash import nash_bargaining
from peninsula.models.base import IssueResult, ModelInfo, PerIssueModel, RoundRecord

__all__ = ["Nash"]

NO_STATUS_QUO = (
    "no status quo (reference point) on this issue: the Nash bargaining solution is undefined without a "
    "disagreement point, so no outcome is given (set Issue.status_quo, e.g. Scenario.with_status_quo)"
)


class Nash(PerIssueModel):
    """Asymmetric Nash bargaining solution per issue, with quadratic salience-weighted loss utilities.

    Maximises Π_i g_i(x)^{w_i}, g_i(x) = s_i·[(q − x_i)² − (x − x_i)²], over the outcomes every actor
    prefers to the status quo q (Achen 2006, ch. 10 of *The European Union Decides*), with bargaining
    weights w_i = c_i (``weights=capability``, the default) or c_i·s_i (``weights=capability_salience``).
    The solution is the weighted mean with weights w_i·s_i/g_i; the ``compromise`` baseline is its
    equal-gain approximation, and with ``capability_salience`` also its limit for a distant status quo.
    One-shot: round 0 holds the inputs and the solution. Vetoes (``Stance.veto``): every actor with weight
    already bounds the agreement set; a veto player bounds it even with zero weight or salience.

    Examples
    --------
    >>> from peninsula.core import Actor, Issue, Scenario, Stance
    >>> s = Scenario(id="toy", actors=[Actor(id="A", capability=1.0), Actor(id="B", capability=1.0)],
    ...     issues=[Issue(id="x", lower=0, upper=10, status_quo=0), Issue(id="y", lower=0, upper=10)],
    ...     stances=[Stance(actor="A", issue="x", position=4, salience=1.0),
    ...              Stance(actor="B", issue="x", position=10, salience=1.0),
    ...              Stance(actor="A", issue="y", position=4, salience=1.0)])
    >>> run = Nash().run(s)
    >>> round(run.issues["x"].outcome, 4), run.issues["y"].outcome
    (5.0, None)
    """

    info: ClassVar[ModelInfo] = ModelInfo(
        "nash", "Asymmetric Nash bargaining solution (salience-weighted quadratic losses)",
        "Nash (1950), Econometrica 18(2); Achen (2006), ch. 10 in Thomson, Stokman, Achen & König (eds.), "
        "The European Union Decides",
        deterministic=True, order_dependent=False, multi_issue=False, uses_status_quo=True, iterative=False,
        represents_no_agreement=True,  # the status quo where no outcome improves on it for every actor
    )

    def __init__(
        self,
        *,
        weights: Annotated[
            Literal["capability", "capability_salience"],
            Field(description="bargaining weights (exponents of the Nash product): capability or "
                              "capability_salience"),
        ] = "capability",
    ) -> None:
        self.weights = weights

    def run_issue(
        self, data: IssueData, params: dict[str, Any], rounds: int, rng: RNGLike
    ) -> tuple[IssueResult, list[dict[str, Any]]]:
        """Solve one issue; the outcome is ``None`` (with a note) without a status quo."""
        mode = params["weights"]
        weights = data.capabilities if mode == "capability" else data.capabilities * data.saliences
        positions = dict(zip(data.actor_ids, data.positions.tolist(), strict=True))
        q = data.issue.status_quo
        notes: list[str] = []
        outcome: float | None = None
        extra: dict[str, Any] = {"status_quo": q}
        if q is None:
            notes.append(NO_STATUS_QUO)
        else:
            try:
                res = nash_bargaining(data.positions, data.saliences, weights, q, data.vetoes)
            except ValueError as exc:
                notes.append(str(exc))
            else:
                outcome = res.outcome
                extra.update(agreement=res.agreement, feasible_low=res.low, feasible_high=res.high)
                if not res.agreement:
                    notes.append("no outcome is better than the status quo for every actor with weight: the "
                                 "solution is the status quo")
        return IssueResult(data.issue.id, outcome, [RoundRecord(0, outcome, positions, extra)], True, notes,
                           extra), []
