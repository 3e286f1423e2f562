"""The Stokman exchange model: DECIDE-compatible equal gain (``exchange``) and its randomised variant.

Actors trade support across issues: each gives ground on the issue it cares less about in return for
ground on the one it cares more about (Stokman & Van Oosten 1994; Dijkstra, van Assen, Stokman &
Draaijer 2018). ``exchange`` reproduces DECIDE (foarsitter/decide-exchange-model, the implementation
analysts use) exactly, with one change: DECIDE breaks exact ties in gain with an unseeded coin, ours
realises the first candidate after the stable sort (see :mod:`peninsula.kernels.exchange` and
``docs/models/exchange.md``). ``exchange-random`` is DECIDE's randomised equal gain (p > 0), seeded.

Per round and issue, ``positions`` are the preference positions after the round's update and ``outcome``
is their capability x salience weighted mean (the forecast after k rounds); ``extra`` adds
``voting_positions`` and ``voting_outcome`` (the weighted mean of the voting positions at the end of the
round) and ``n_exchanges``. Round 0 holds the inputs and their weighted mean.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from itertools import compress
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import numpy as np
from pydantic import Field

from peninsula.core import ParameterError, Scenario
from peninsula.core.rng import RNGLike, check_rng, seed_sequence
from peninsula.models.base import IssueResult, Model, ModelInfo, ModelRun, Probability, RoundRecord

if TYPE_CHECKING:
    import pandas as pd

    # The compiled kernel (numba) is imported when a model runs, so listing models stays fast.
    from peninsula.kernels.exchange import FloatArray, RoundResult

__all__ = ["Exchange", "ExchangeClean", "ExchangeRandom", "outcome_distribution", "third_party_table"]

STOKMAN = (
    "Stokman & Van Oosten (1994), in Bueno de Mesquita & Stokman (eds.), European Community Decision "
    "Making; Dijkstra, van Assen, Stokman & Draaijer (2018); DECIDE (foarsitter/decide-exchange-model)"
)

FixedWeight = Annotated[
    Probability,
    Field(description="fixed part of the preference update x' = (1 − w)·start + w·vote, "
                      "w = fixed_weight + salience_weight·(1 − s) (DECIDE: 0.1)"),
]
SalienceWeight = Annotated[
    Probability, Field(description="salience part of the preference update weight (DECIDE: 0.4)")
]
ThirdParties = Annotated[
    bool,
    Field(description="list every third party's utility change in the events (False: counts only; for big "
                      "runs)"),
]


class _Arrays:
    """A scenario as DECIDE's 0-100 arrays: positions, saliences, capabilities (NaN = missing)."""

    def __init__(self, scenario: Scenario) -> None:
        self.actors = scenario.actor_ids
        self.issues = scenario.issue_ids
        n, m = len(self.actors), len(self.issues)
        self.X = np.full((n, m), np.nan)
        self.s = np.zeros((n, m))
        self.c = np.zeros((n, m))
        self.lower = np.array([i.lower for i in scenario.issues], dtype=float)
        self.upper = np.array([i.upper for i in scenario.issues], dtype=float)
        span = self.upper - self.lower
        self.factor = np.where(span > 0, 100.0 / np.where(span > 0, span, 1.0), 1.0)
        row = {a: k for k, a in enumerate(self.actors)}
        col = {d: k for k, d in enumerate(self.issues)}
        for st in scenario.stances:
            a, d = row[st.actor], col[st.issue]
            self.X[a, d] = (st.position - self.lower[d]) * self.factor[d]
            self.s[a, d] = st.salience
            self.c[a, d] = scenario.capability_of(st)

    def to_scale(self, values: FloatArray, d: int) -> FloatArray:
        """From 0-100 back to issue d's own scale (DECIDE: x = x'/(100/(upper − lower)) + lower), clipped."""
        out: FloatArray = np.clip(values / self.factor[d] + self.lower[d], self.lower[d], self.upper[d])
        return out


class Exchange(Model):
    """Equal-gain exchange model, DECIDE-compatible, with a deterministic tie rule.

    The tie rule is §10 of ``docs/models/exchange-spec.md``.

    Parameters (``--set``): ``fixed_weight`` (0.1) and ``salience_weight`` (0.4), the weights of DECIDE's
    preference update. Events: one flat record per realised exchange (see :meth:`run`); the full table of
    effects on every actor is :func:`third_party_table`.

    Examples
    --------
    >>> from peninsula.core import Actor, Issue, Stance
    >>> s = Scenario(id="toy", actors=[Actor(id="A", capability=1.0), Actor(id="B", capability=1.0)],
    ...     issues=[Issue(id="p"), Issue(id="q")],
    ...     stances=[Stance(actor="A", issue="p", position=0, salience=0.9),
    ...              Stance(actor="A", issue="q", position=100, salience=0.2),
    ...              Stance(actor="B", issue="p", position=100, salience=0.2),
    ...              Stance(actor="B", issue="q", position=0, salience=0.9)])
    >>> run = Exchange().run(s, rounds=1)
    >>> [(e["actor_i"], e["supply_i"], e["actor_j"], e["supply_j"]) for e in run.events]
    [('A', 'q', 'B', 'p')]
    >>> run.issues["p"].rounds[1].extra["voting_positions"]
    {'A': 0.0, 'B': 0.0}
    """

    info: ClassVar[ModelInfo] = ModelInfo(
        "exchange", "Exchange model (DECIDE equal gain, deterministic ties)", STOKMAN,
        deterministic=True, order_dependent=True, multi_issue=True, uses_status_quo=False, iterative=True,
    )
    default_rounds: ClassVar[int] = 10
    _tie_mode: ClassVar[int] = 0
    _clean: ClassVar[bool] = False

    def __init__(
        self, *, fixed_weight: FixedWeight = 0.1, salience_weight: SalienceWeight = 0.4,
        third_parties: ThirdParties = True,
    ) -> None:
        self.fixed_weight = fixed_weight
        self.salience_weight = salience_weight
        self.third_parties = third_parties

    def _p(self, params: dict[str, Any]) -> float:
        return 0.0

    def run(self, scenario: Scenario, *, rounds: int | None = None, rng: RNGLike = None) -> ModelRun:
        """Run the exchange model for ``rounds`` rounds (default 10, as DECIDE).

        Returns a :class:`ModelRun` whose ``events`` hold, per realised exchange in order: ``round``,
        ``seq`` (order within the round), ``actor_i``/``supply_i`` (i gives ground on ``supply_i``, which
        ``actor_j`` demands) and ``actor_j``/``supply_j``, ``issues`` (``"supply_i,supply_j"``), the start
        and voting positions of both sides on their issue's own scale (``i_start``, ``i_vote``,
        ``j_start``, ``j_vote``), the moves (``move_i``, ``move_j``, issue scale), ``gain``, ``eu_i`` and
        ``eu_j`` (utility: 0-100 outcome shift x salience), and the effect on third parties:
        ``n_gainers``/``n_losers`` (actors other than i and j whose utility rises/falls) and
        ``third_parties`` (``"actor:+0.0123;actor:-0.004"``, utility changes, see
        :func:`peninsula.kernels.exchange.third_party_effects`).
        """
        params = self.validate_params(self.get_params())
        fw, sw = float(params["fixed_weight"]), float(params["salience_weight"])
        if fw + sw > 1.0 + 1e-12:
            raise ParameterError(f"fixed_weight + salience_weight must be <= 1 (got {fw} + {sw})")
        n_rounds = self.default_rounds if rounds is None else rounds
        if n_rounds < 0:
            raise ParameterError(f"rounds must be >= 0, not {n_rounds}")
        p = self._p(params)
        seed = int(check_rng(rng).integers(0, 2**63 - 1)) if not self.info.deterministic else 0
        from peninsula.kernels.exchange import exchange_round, weighted_outcomes

        arr = _Arrays(scenario)
        m = len(arr.issues)
        X = arr.X
        results: list[RoundResult] = []
        prefs = [X]
        detail = bool(params["third_parties"])
        # The kernel releases the GIL: a worker thread builds round r's event records (third-party
        # effects and their strings, the costly part in big runs) while the kernel runs round r + 1.
        # The records depend only on round r's inputs and result, so the output is the same.
        round_events: list[Future[list[dict[str, Any]]]] = []
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="exchange-events") as pool:
            for r in range(1, n_rounds + 1):
                res = exchange_round(X, arr.s, arr.c, fixed_weight=fw, salience_weight=sw, p=p, seed=seed,
                                     round_no=r, tie_mode=self._tie_mode, clean=self._clean)
                results.append(res)
                round_events.append(pool.submit(_events, arr, X, r, res, detail))
                X = res.preference
                prefs.append(X)
                if self.info.deterministic and res.exchanges.shape[0] == 0:
                    break  # no exchange and no randomness: every later round would repeat this one
            events: list[dict[str, Any]] = []
            for fut in round_events:
                events.extend(fut.result())

        pref_out = [weighted_outcomes(P, arr.s, arr.c) for P in prefs]
        vote_out = [pref_out[0]] + [weighted_outcomes(res.voting, arr.s, arr.c) for res in results]
        issues: dict[str, IssueResult] = {}
        for d, issue_id in enumerate(arr.issues):
            present = ~np.isnan(arr.X[:, d])
            ids = [a for a, ok in zip(arr.actors, present, strict=True) if ok]
            notes: list[str] = []
            if not ids:
                issues[issue_id] = IssueResult(issue_id, None, [],
                                               notes=["no actor has a stance on this issue"])
                continue
            undefined = bool(np.isnan(pref_out[0][d]))
            if undefined:
                notes.append("every actor on this issue has capability x salience 0: no weighted mean")
            records: list[RoundRecord] = []
            for r in range(len(results) + 1):
                pos = arr.to_scale(prefs[r][present, d], d)
                vote = arr.to_scale((arr.X if r == 0 else results[r - 1].voting)[present, d], d)
                n_ex = 0 if r == 0 else int(np.count_nonzero(
                    (results[r - 1].exchanges[:, 1] == d) | (results[r - 1].exchanges[:, 3] == d)))
                records.append(RoundRecord(
                    r,
                    None if undefined else _issue_value(arr, pref_out[r][d], d),
                    dict(zip(ids, pos.tolist(), strict=True)),
                    {
                        "voting_positions": dict(zip(ids, vote.tolist(), strict=True)),
                        "voting_outcome": None if undefined else _issue_value(arr, vote_out[r][d], d),
                        "n_exchanges": n_ex,
                    },
                ))
            converged = bool(results) and results[-1].exchanges.shape[0] == 0
            issues[issue_id] = IssueResult(issue_id, records[-1].outcome, records, converged, notes)

        n_ties = [res.n_ties for res in results]
        run_notes = [
            f"{len(events)} exchanges in {len(results)} rounds over {m} issues"
            + (f" (stopped: round {len(results)} had no exchange)" if len(results) < n_rounds else ""),
            f"exact ties in gain per round: {n_ties}; "
            + ("broken by a seeded coin (DECIDE's rule, reproducible)" if self._tie_mode == 1 else
               "broken deterministically: the first candidate after the stable sort is realised "
               "(docs/models/exchange-spec.md §10)"),
        ]
        dropped = sum(res.counters.get("dropped_invalid_ties", 0) for res in results)
        if dropped:
            run_notes.append(f"{dropped} invalid candidates tied at the top of the list were dropped "
                             "(DECIDE would cycle them forever)")
        capped = [r for r, res in enumerate(results, start=1) if res.counters.get("iteration_cap_hit", 0)]
        if capped:
            run_notes.append(f"rounds {capped} stopped at the iteration cap (50 per candidate)")
        return ModelRun(self.info.name, params, issues, events, run_notes)


class ExchangeClean(Exchange):
    """Equal-gain exchange without three of DECIDE's accidents (see ``docs/models/exchange.md``).

    Differs from ``exchange`` in exactly three rules: (1) when a candidate is recalculated because one of
    its supply cells has moved, that side's move history records the realised move instead of keeping
    its own earlier candidate move; (2) a capped exchange's ``eu`` is its capped gain; (3) a tie in gain
    realises the first candidate and leaves the runner-up where it is (no second listing). Everything else
    (candidates, equal gain, cap, local outcomes, update) is DECIDE's. Not DECIDE-compatible by design.
    """

    info: ClassVar[ModelInfo] = ModelInfo(
        "exchange-clean", "Exchange model, equal gain without DECIDE's accidents", STOKMAN,
        deterministic=True, order_dependent=True, multi_issue=True, uses_status_quo=False, iterative=True,
    )
    _clean: ClassVar[bool] = True


class ExchangeRandom(Exchange):
    """Randomised equal-gain exchange (DECIDE's p > 0 variant), seeded by ``rng``.

    The variant is §11 of ``docs/models/exchange-spec.md``.

    Each candidate's split of the exchange surplus is shifted at random towards one side, with strength
    ``p`` (0 = equal gain, 1 = up to the whole surplus); exact ties in gain are broken by a seeded coin as
    in DECIDE. The same ``rng`` seed gives the same run; repeated runs with different seeds give a
    distribution of outcomes, which :func:`outcome_distribution` collects.
    """

    info: ClassVar[ModelInfo] = ModelInfo(
        "exchange-random", "Exchange model, randomised equal gain (DECIDE p > 0)", STOKMAN,
        deterministic=False, order_dependent=True, multi_issue=True, uses_status_quo=False, iterative=True,
    )
    _tie_mode: ClassVar[int] = 1

    def __init__(
        self, *, fixed_weight: FixedWeight = 0.1, salience_weight: SalienceWeight = 0.4,
        third_parties: ThirdParties = True,
        p: Annotated[
            Probability, Field(description="randomisation strength of the exchange ratio (0 = equal gain)")
        ] = 0.5,
    ) -> None:
        super().__init__(fixed_weight=fixed_weight, salience_weight=salience_weight,
                         third_parties=third_parties)
        self.p = p

    def _p(self, params: dict[str, Any]) -> float:
        return float(params["p"])


def _issue_value(arr: _Arrays, value: float, d: int) -> float:
    return float(value / arr.factor[d] + arr.lower[d])


def _events(
    arr: _Arrays, start: FloatArray, r: int, res: RoundResult, detail: bool = True
) -> list[dict[str, Any]]:
    """Flat event records of one round's realised exchanges."""
    from peninsula.kernels.exchange import third_party_effects

    n_ex = res.exchanges.shape[0]
    if n_ex == 0:
        return []
    effects = third_party_effects(start, arr.s, arr.c, res.exchanges, res.values)
    rows = np.arange(n_ex)
    third = np.abs(effects) > 1e-12
    third[rows, res.exchanges[:, 0]] = False
    third[rows, res.exchanges[:, 2]] = False
    n_gain = np.count_nonzero(third & (effects > 0), axis=1).tolist()
    n_lose = np.count_nonzero(third & (effects < 0), axis=1).tolist()
    if detail:
        # one %-format per exchange over the kept actors ("%" in an actor id escaped)
        pieces = [a.replace("%", "%%") + ":%+.6g" for a in arr.actors]
        compact = [_compact(pieces, eff_row, mask_row)
                   for eff_row, mask_row in zip(effects.tolist(), third.tolist(), strict=True)]
    else:
        compact = [""] * n_ex
    out: list[dict[str, Any]] = []
    for k in range(n_ex):
        ai, q, aj, p = (int(v) for v in res.exchanges[k, :4])
        v = res.values[k]
        out.append({
            "round": r,
            "seq": k + 1,
            "actor_i": arr.actors[ai],
            "supply_i": arr.issues[q],
            "actor_j": arr.actors[aj],
            "supply_j": arr.issues[p],
            "issues": f"{arr.issues[q]},{arr.issues[p]}",
            "i_start": _issue_value(arr, v[0], q),
            "i_vote": _issue_value(arr, v[1], q),
            "j_start": _issue_value(arr, v[4], p),
            "j_vote": _issue_value(arr, v[5], p),
            "move_i": float(v[2] / arr.factor[q]),
            "move_j": float(v[6] / arr.factor[p]),
            "gain": float(v[8]),
            "eu_i": float(v[3]),
            "eu_j": float(v[7]),
            "n_gainers": n_gain[k],
            "n_losers": n_lose[k],
            "third_parties": compact[k],
        })
    return out


def _compact(pieces: list[str], values: list[float], keep: list[bool]) -> str:
    """``"actor:+0.0123;actor:-0.004"`` for the kept actors; ``pieces[a]`` is ``"<id>:%+.6g"`` (% escaped).

    One %-format of the joined pieces with a tuple of the kept values: the selection runs in C
    (``itertools.compress``), no Python-level work per actor (4 million values at 200 actors x 10 rounds).
    """
    return ";".join(compress(pieces, keep)) % tuple(compress(values, keep))


def third_party_table(run: ModelRun) -> pd.DataFrame:
    """The effect of every realised exchange on every third party, one row per (exchange, actor).

    Columns: ``round``, ``seq``, ``actor_i``, ``actor_j``, ``issues``, ``actor``, ``utility_change`` (0-100
    outcome shift x salience, summed over the exchange's two issues; positive = the actor gains).

    Examples
    --------
    >>> from peninsula.models.base import ModelRun
    >>> run = ModelRun("exchange", {}, {}, [{"round": 1, "seq": 1, "actor_i": "A", "actor_j": "B",
    ...     "issues": "p,q", "third_parties": "C:-0.5;D:+0.25"}])
    >>> third_party_table(run)["utility_change"].tolist()
    [-0.5, 0.25]
    """
    import pandas as pd

    rows = []
    for e in run.events:
        for item in filter(None, str(e.get("third_parties", "")).split(";")):
            actor, _, value = item.rpartition(":")
            rows.append({"round": e["round"], "seq": e["seq"], "actor_i": e["actor_i"],
                         "actor_j": e["actor_j"], "issues": e["issues"], "actor": actor,
                         "utility_change": float(value)})
    columns = ["round", "seq", "actor_i", "actor_j", "issues", "actor", "utility_change"]
    return pd.DataFrame(rows, columns=columns)


def outcome_distribution(
    scenario: Scenario, runs: int = 100, *, rng: RNGLike = None, rounds: int | None = None, **params: Any
) -> pd.DataFrame:
    """Final outcomes of ``runs`` independent ``exchange-random`` runs, one row per (run, issue).

    Each run gets its own child of one ``numpy.random.SeedSequence`` (``spawn``), so the whole set is
    reproducible from ``rng`` (an int seed or a SeedSequence; ``None`` = fresh entropy). ``params`` go to
    :class:`ExchangeRandom` (``p``, ``fixed_weight``, ``salience_weight``). Summarise with, e.g.,
    ``df.groupby("issue")["outcome"].describe()``.

    Examples
    --------
    >>> from peninsula.core import Actor, Issue, Stance
    >>> s = Scenario(id="toy", actors=[Actor(id="A", capability=1.0), Actor(id="B", capability=1.0)],
    ...     issues=[Issue(id="p"), Issue(id="q")],
    ...     stances=[Stance(actor="A", issue="p", position=0, salience=0.9),
    ...              Stance(actor="A", issue="q", position=100, salience=0.2),
    ...              Stance(actor="B", issue="p", position=100, salience=0.2),
    ...              Stance(actor="B", issue="q", position=0, salience=0.9)])
    >>> df = outcome_distribution(s, runs=5, rng=1, rounds=2, p=1.0)
    >>> df.shape, sorted(df.columns)
    ((10, 3), ['issue', 'outcome', 'run'])
    """
    import pandas as pd

    seq = seed_sequence(rng)
    model = ExchangeRandom(**params)
    rows: list[dict[str, Any]] = []
    for k, child in enumerate(seq.spawn(runs)):
        run = model.run(scenario, rounds=rounds, rng=child)
        rows.extend({"run": k, "issue": i, "outcome": r.outcome} for i, r in run.issues.items())
    return pd.DataFrame(rows, columns=["run", "issue", "outcome"])
