"""The expected-utility model of Bueno de Mesquita, as two registered models over shared kernels.

* :class:`ExpectedUtilityMasad` (``eu-masad``) replicates D. Masad's public Python port of Scholz, Calbert
  & Smith (2011) exactly, quirks included: Δ is a parameter, the probability of success takes the max over
  the whole signed vote sum, the status-quo term is added with the wrong sign when ``Q < 1``, the reference
  point μ is the replication's "vote" in the first pass and the weighted mean in the second, ties between
  offers go to the first sender in list order, and each round's outcome is the replication's vote.
* :class:`ExpectedUtility` (``eu``) is the corrected model: Δ is the issue's scale, the paper's
  probability of success and status-quo sign, the weighted median (the Condorcet winner in one dimension)
  as reference point and outcome, offers resolved simultaneously from one snapshot with ties broken by
  value, and an explicit convergence rule.

The round structure, formulas and each difference (with reasons) are in ``docs/models/eu.md``; the
formulas themselves live in :mod:`peninsula.kernels.eu`.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import Field

from peninsula.core import IssueData, ParameterError
from peninsula.core.rng import RNGLike
from peninsula.kernels.central import FloatArray, weighted_mean, weighted_median
from peninsula.kernels.eu import (
    KIND_NAMES,
    NO_MOVE,
    Engine,
    PairSums,
    condorcet_winner,
    condorcet_winner_streamed,
    eu_round,
    eu_round_streamed,
    masad_vote,
    masad_vote_streamed,
    pair_sums_fast,
    stream_available,
    win_probabilities,
)
from peninsula.models.base import IssueResult, ModelInfo, PerIssueModel, Probability, RoundRecord

SCS_2011 = (
    "Scholz, Calbert & Smith (2011), Unravelling Bueno de Mesquita's group decision model, "
    "J. Theoretical Politics 23(4):510-531"
)
MASAD_2014 = "D. Masad, BDM_DecisionModel_Replication (github, 2014), a Python port of " + SCS_2011

#: The status-quo term's probabilities, shared by both models.
T_Param = Annotated[
    Probability, Field(description="probability that things improve for i if i does not challenge (0-1)")
]
Q_Param = Annotated[
    Probability, Field(description="probability that the status quo holds if i does not challenge (0-1)")
]


def _events(
    round_no: int,
    ids: tuple[str, ...],
    order: range | list[int],
    old: FloatArray,
    new: FloatArray,
    sender: Any,
    kind: Any,
    sent: FloatArray,
    back: FloatArray,
) -> list[dict[str, Any]]:
    """Flat event records of one round, receivers in ``order``; ``sent[j] = EU[sender_j, j]`` and ``back[j] =
    EU[j, sender_j]``."""
    out: list[dict[str, Any]] = []
    for j in order:
        if int(kind[j]) == NO_MOVE:
            continue
        i = int(sender[j])
        out.append(
            {
                "round": round_no,
                "challenger": ids[i],
                "target": ids[j],
                "kind": KIND_NAMES[int(kind[j])],
                "from": float(old[j]),
                "to": float(new[j]),
                "eu_challenger": float(sent[j]),
                "eu_target": float(back[j]),
            }
        )
    return out


def _sent_back(eu: FloatArray, sender: Any) -> tuple[FloatArray, FloatArray]:
    """``(EU[sender_j, j], EU[j, sender_j])`` per receiver ``j`` of an ``n x n`` matrix (0 where none)."""
    cols = np.arange(eu.shape[0])
    src = np.where(sender >= 0, sender, 0)
    has = sender >= 0
    return np.where(has, eu[src, cols], 0.0), np.where(has, eu[cols, src], 0.0)


def _risk_record(ids: tuple[str, ...], r: FloatArray) -> dict[str, float]:
    return dict(zip(ids, r.tolist(), strict=True))


class ExpectedUtilityMasad(PerIssueModel):
    """Exact replication of Masad's port of Scholz, Calbert & Smith (2011) (``eu-masad``).

    One round: (1) μ = the replication's vote of the current positions, every risk exponent 1; (2) from
    that expected-utility matrix derive the risk exponents; (3) μ = the weighted mean; (4) recompute the
    expected utilities with the new exponents; (5) every actor with a positive expected utility of
    challenging another sends it an offer; receivers, in list order, take the offer with the largest
    expected utility (nearest position, then first sender, on ties) and respond by conflict, compromise or
    capitulation. The round's outcome is the vote of the new positions; the weighted mean is in ``extra``.

    Parameters
    ----------
    delta : float, optional
        Δ, the replication's ``xmax − xmin`` that normalises distances, in the issue's units (default: the
        issue's scale span). Must be at least the positions' range.
    T, Q : float
        Probabilities of the status-quo term (default 1, as in every published run).

    Notes
    -----
    Where every actor ends at one position the replication divides by zero; this model stops there with
    the positions unchanged and reports convergence. It also stops (with a note) where capability x
    salience sums to zero, or where every actor is an equally attractive target so that the risk exponents
    are undefined.

    Examples
    --------
    >>> from peninsula.core import Actor, Issue, Scenario, Stance
    >>> s = Scenario(id="toy", actors=[Actor(id=a, capability=c) for a, c in [("A", 1), ("B", 1), ("C", 3)]],
    ...              issues=[Issue(id="x", lower=0, upper=10)],
    ...              stances=[Stance(actor=a, issue="x", position=p, salience=1.0)
    ...                       for a, p in [("A", 0), ("B", 4), ("C", 10)]])
    >>> run = ExpectedUtilityMasad().run(s, rounds=3)
    >>> run.issues["x"].rounds[1].positions
    {'A': 4.0, 'B': 4.0, 'C': 10.0}
    """

    info = ModelInfo(
        name="eu-masad",
        title="Expected utility (exact replication of Masad's port of Scholz et al. 2011)",
        reference=MASAD_2014,
        deterministic=True,
        order_dependent=True,
        multi_issue=False,
        uses_status_quo=False,
        iterative=True,
    )
    #: Kernel engine: "auto" uses the compiled numba path for one issue when numba is available.
    engine: ClassVar[Engine] = "auto"

    def __init__(
        self,
        *,
        delta: Annotated[
            Annotated[float, Field(ge=0.0)] | None,
            Field(description="Δ = xmax − xmin of the replication, in issue units (default: the issue's "
                              "scale span)"),
        ] = None,
        T: T_Param = 1.0,
        Q: Q_Param = 1.0,
    ) -> None:
        self.delta = delta
        self.T = T
        self.Q = Q

    def run_issue(
        self, data: IssueData, params: dict[str, Any], rounds: int, rng: RNGLike
    ) -> tuple[IssueResult, list[dict[str, Any]]]:
        """Run up to ``rounds`` rounds of the replication on one issue (``rng`` is unused)."""
        ids = data.actor_ids
        x = np.array(data.positions, dtype=np.float64)
        s = np.array(data.saliences, dtype=np.float64)
        w = data.capabilities * s
        T, Q = float(params["T"]), float(params["Q"])
        delta = params["delta"]
        delta = float(data.issue.span if delta is None else delta)
        spread = float(x.max() - x.min())
        if delta < spread or (delta <= 0 and spread > 0):
            raise ParameterError(
                f"delta ({delta:g}) must be positive and at least the positions' range ({spread:g}) "
                f"on issue '{data.issue.id}'"
            )
        has_weight = bool(w.sum() > 0)
        # many actors: no n x n arrays (the same numbers; kernels.eu.STREAM_ACTORS)
        stream = stream_available(len(ids), self.engine)

        def record(k: int, xs: FloatArray, sums: PairSums | None, extra: dict[str, Any]) -> RoundRecord:
            if sums is None:
                vote = masad_vote_streamed(xs, w, delta if delta > 0 else 1.0)
            else:
                vote = float(masad_vote(xs, sums.margin, delta if delta > 0 else 1.0))
            mean = weighted_mean(xs, w) if has_weight else None
            return RoundRecord(
                k,
                vote,
                dict(zip(ids, xs.tolist(), strict=True)),
                {"vote": vote, "weighted_mean": mean, **extra},
            )

        sums = None if stream else pair_sums_fast(x, w, self.engine)
        records = [record(0, x, sums, {})]
        events: list[dict[str, Any]] = []
        notes: list[str] = []
        converged: bool | None = None
        for k in range(1, rounds + 1):
            if spread == 0:
                notes.append(f"every actor is at one position after round {k - 1}: stopped")
                converged = True
                break
            if not has_weight:
                notes.append(
                    "capability x salience sums to zero: the replication's weighted mean is "
                    "undefined; stopped"
                )
                converged = True
                break
            mu_vote = records[-1].outcome
            mu = weighted_mean(x, w)
            mu1 = mu_vote if mu_vote is not None else mu
            if sums is None:
                res: Any = eu_round_streamed(
                    x, s, data.capabilities, delta=delta, mu_first=mu1, mu_second=mu, Q=Q, T=T,
                    sign="masad", form="masad", tie="index",
                )
                sent, back = res.eu_sent, res.eu_back
            else:
                prob = win_probabilities(sums, form="masad")
                res = eu_round(
                    x,
                    s,
                    prob,
                    delta=delta,
                    mu_first=mu1,
                    mu_second=mu,
                    Q=Q,
                    T=T,
                    sign="masad",
                    tie="index",
                    engine=self.engine,
                )
                sent, back = _sent_back(res.eu, res.sender)
            if not bool(res.risk_defined):
                notes.append(
                    f"round {k}: every actor is an equally attractive target, so the risk "
                    "exponents are undefined (the replication divides by zero): stopped"
                )
                converged = False
                break
            new, r = res.positions, res.risk
            events.extend(_events(k, ids, range(len(ids)), x, new, res.sender, res.kind, sent, back))
            converged = bool(np.array_equal(new, x))
            x = new
            spread = float(x.max() - x.min())
            sums = None if stream else pair_sums_fast(x, w, self.engine)
            records.append(record(k, x, sums, {"mu": mu, "risk_exponents": _risk_record(ids, r)}))
            if converged and k < rounds:  # a round that moves nothing repeats itself: nothing can change
                notes.append(f"no position moved in round {k}: stopped (every later round would repeat it)")
                break
        result = IssueResult(data.issue.id, records[-1].outcome, records, converged, notes)
        return result, events


class ExpectedUtility(PerIssueModel):
    """The expected-utility model of Bueno de Mesquita as Scholz, Calbert & Smith (2011) state it (``eu``).

    The same two-pass round as :class:`ExpectedUtilityMasad`, corrected: Δ is the issue's scale span; the
    probability of success is ``Σ_k w_k max(0, g_k)/Σ_k w_k |g_k|``; the whole expected utility of not
    challenging is subtracted; μ and each round's outcome are the weighted median (the Condorcet winner
    whenever one exists); every receiver answers the same start-of-round snapshot, ties broken by value
    (nearer, then lower position) and never by list order; the run stops when no position moves more than
    ``tol`` x the scale span, or after ``rounds`` rounds.

    Parameters
    ----------
    T, Q : float
        Probabilities of the status-quo term (default 1).
    tol : float
        Convergence tolerance as a fraction of the issue's scale span (default 1e-6).
    probability : str
        ``"paper"`` (default): ``P_ij = Σ_k w_k max(0, g_k)/Σ_k w_k |g_k|``, the share of the votes cast in
        the contest that go to ``i``; ``"replication"``: the replication's ``max(0, Σ_k w_k g_k)/Σ_k w_k
        |g_k|`` (the weaker side gets 0), for sensitivity analysis.

    Examples
    --------
    >>> from peninsula.core import Actor, Issue, Scenario, Stance
    >>> s = Scenario(id="toy", actors=[Actor(id=a, capability=c) for a, c in [("A", 1), ("B", 1), ("C", 3)]],
    ...              issues=[Issue(id="x", lower=0, upper=10)],
    ...              stances=[Stance(actor=a, issue="x", position=p, salience=1.0)
    ...                       for a, p in [("A", 0), ("B", 4), ("C", 10)]])
    >>> run = ExpectedUtility().run(s, rounds=10)
    >>> run.issues["x"].outcome, run.issues["x"].converged
    (10.0, True)
    """

    info = ModelInfo(
        name="eu",
        title="Expected utility (Bueno de Mesquita, as stated by Scholz et al. 2011; corrected)",
        reference=SCS_2011,
        deterministic=True,
        order_dependent=False,
        multi_issue=False,
        uses_status_quo=False,
        iterative=True,
    )

    def __init__(
        self,
        *,
        T: T_Param = 1.0,
        Q: Q_Param = 1.0,
        tol: Annotated[
            float, Field(ge=0.0, description="stop when no position moves more than tol x the scale span")
        ] = 1e-6,
        probability: Annotated[
            Literal["paper", "replication"],
            Field(description="'paper': P_ij = Σ w max(0, g)/Σ w|g|; 'replication': max(0, Σ w g)/Σ w|g|"),
        ] = "paper",
    ) -> None:
        self.T = T
        self.Q = Q
        self.tol = tol
        self.probability = probability

    #: Kernel engine: "auto" uses the compiled numba path for one issue when numba is available.
    engine: ClassVar[Engine] = "auto"
    #: Relative tolerance under which two expected utilities count as tied.
    tie_rtol: ClassVar[float] = 1e-12

    @staticmethod
    def _outcome(x: FloatArray, w: FloatArray) -> float:
        if w.sum() > 0:
            return weighted_median(x, w)
        return weighted_median(x, np.ones_like(x))

    def run_issue(
        self, data: IssueData, params: dict[str, Any], rounds: int, rng: RNGLike
    ) -> tuple[IssueResult, list[dict[str, Any]]]:
        """Run the corrected model on one issue until convergence or ``rounds`` (``rng`` is unused)."""
        ids_in = data.actor_ids
        # Work in a canonical actor order (by id) so that the result, to the last bit, does not depend on
        # how the actors are listed; ties themselves are broken by value (see choose_offers).
        order = sorted(range(len(ids_in)), key=lambda k: ids_in[k])
        ids = tuple(ids_in[k] for k in order)
        x = np.array(data.positions[order], dtype=np.float64)
        s = np.array(data.saliences[order], dtype=np.float64)
        w = data.capabilities[order] * s
        T, Q, tol = float(params["T"]), float(params["Q"]), float(params["tol"])
        form: Literal["paper", "masad"] = "paper" if params["probability"] == "paper" else "masad"
        delta = float(data.issue.span)
        notes: list[str] = []
        if not w.sum() > 0:
            notes.append("capability x salience sums to zero: the outcome is the unweighted median")

        def positions(xs: FloatArray) -> dict[str, float]:
            by_id = dict(zip(ids, xs.tolist(), strict=True))
            return {a: by_id[a] for a in ids_in}

        # many actors: no n x n arrays (the same numbers; kernels.eu.STREAM_ACTORS)
        stream = stream_available(len(ids), self.engine)

        def record(k: int, xs: FloatArray, sums: PairSums | None, extra: dict[str, Any]) -> RoundRecord:
            out = self._outcome(xs, w)
            if sums is None:
                cw = condorcet_winner_streamed(xs, w)
            else:
                cw = float(condorcet_winner(xs, sums.margin))
            return RoundRecord(
                k,
                out,
                positions(xs),
                {
                    "weighted_median": out,
                    "condorcet_winner": None if np.isnan(cw) else cw,
                    "weighted_mean": weighted_mean(xs, w) if w.sum() > 0 else None,
                    **extra,
                },
            )

        sums = None if stream else pair_sums_fast(x, w, self.engine)
        records = [record(0, x, sums, {})]
        events: list[dict[str, Any]] = []
        converged: bool | None = None
        for k in range(1, rounds + 1):
            if float(x.max() - x.min()) == 0 or delta <= 0:
                notes.append(f"every actor is at one position after round {k - 1}")
                converged = True
                break
            mu = records[-1].outcome
            assert mu is not None
            if sums is None:
                res: Any = eu_round_streamed(
                    x, s, data.capabilities[order], delta=delta, mu_first=mu, mu_second=mu, Q=Q, T=T,
                    sign="paper", form=form, tie="value", rtol=self.tie_rtol,
                )
                sent, back = res.eu_sent, res.eu_back
            else:
                prob = win_probabilities(sums, form=form)
                res = eu_round(
                    x,
                    s,
                    prob,
                    delta=delta,
                    mu_first=mu,
                    mu_second=mu,
                    Q=Q,
                    T=T,
                    sign="paper",
                    tie="value",
                    rtol=self.tie_rtol,
                    engine=self.engine,
                )
                sent, back = _sent_back(res.eu, res.sender)
            if not bool(res.risk_defined):
                notes.append(f"round {k}: every actor is an equally attractive target; risk neutral (r = 1)")
            new, r = res.positions, res.risk
            events.extend(_events(k, ids, range(len(ids)), x, new, res.sender, res.kind, sent, back))
            moved = float(np.max(np.abs(new - x)))
            x = new
            sums = None if stream else pair_sums_fast(x, w, self.engine)
            risk = _risk_record(ids, r)
            records.append(
                record(k, x, sums, {"risk_exponents": {a: risk[a] for a in ids_in}, "max_move": moved})
            )
            if moved <= tol * delta:
                converged = True
                break
            converged = False
        result = IssueResult(data.issue.id, records[-1].outcome, records, converged, notes)
        return result, events
