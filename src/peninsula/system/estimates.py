"""The response rules the 2016-2023 data can pin down, estimated from them (issue 23).

Most rules of ``data/rules.yaml`` move bargaining positions, which no monthly series records: they stay coded
judgements with their sources. One rule is a probability the launch counts and the alliance timeline measure
directly:

``launch-sanctions-round``
    The chance that a month with a launch brings a new round of sanctions (the rule then scales it by how far
    the sanctions posture is from relief). Counted on the packaged data: of the ``n`` months with at least one
    CNS launch event in 2016-01..2023-12, ``k`` have a ``sanctions`` row that adopted sanctions (not
    :data:`~peninsula.dynamics.covariates.NOT_ADOPTED`) dated in the same month or the next (resolutions
    answer launches within weeks). With a uniform Beta(1, 1) prior the posterior is Beta(1 + k, 1 + n − k)
    (:func:`sanctions_round`); ``rules.yaml`` carries its mean as the value, its 5 % and 95 % quantiles as the
    range and its parameters as ``beta``, and the loop draws the rule's value per draw from that posterior
    (inverse CDF of the draw's uniform). A test recomputes the estimate from the packaged data and fails if
    ``rules.yaml`` and the data part ways.

Pooling 2016-2023 is itself a judgement: every resolution is from 2016-17, the 2022 draft was vetoed, so
the rate is 8 of 17 launch months in 2016-17 and 0 of 31 after; the pooled posterior says that a launch
month now rarely brings new sanctions, with an interval wide enough to hold both eras' middle ground.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Estimate", "sanctions_round"]


@dataclass(frozen=True)
class Estimate:
    """A rule value estimated from the data, with its Beta posterior.

    Attributes
    ----------
    successes, trials:
        The counts (k, n).
    a, b:
        Beta posterior parameters (1 + k, 1 + n − k).
    value, low, high:
        Posterior mean and its 5 % and 95 % quantiles.
    description:
        What was counted, in one line.
    """

    successes: int
    trials: int
    a: float
    b: float
    value: float
    low: float
    high: float
    description: str


def sanctions_round(data: Any, target: str = "events") -> Estimate:
    """The ``launch-sanctions-round`` probability: months with a launch followed, in the same or the next
    month, by an adopted sanctions row (module docstring).

    Examples
    --------
    >>> from peninsula.dynamics.loading import load_data
    >>> e = sanctions_round(load_data())
    >>> (e.successes, e.trials), round(e.value, 3), (round(e.low, 3), round(e.high, 3))
    ((8, 48), 0.18, (0.099, 0.275))
    """
    from scipy import stats

    from peninsula.dynamics.covariates import NOT_ADOPTED, month_index

    months = np.asarray(data.monthly.months, dtype="datetime64[M]").astype(np.int64)
    launched = months[data.monthly.target(target) > 0]
    adopted = {
        month_index(e.date)
        for e in data.timeline
        if e.type == "sanctions" and (e.date, e.type) not in NOT_ADOPTED
    }
    k = int(sum(1 for m in launched if int(m) in adopted or int(m) + 1 in adopted))
    n = len(launched)
    a, b = 1.0 + k, 1.0 + n - k
    low, high = (float(q) for q in stats.beta.ppf([0.05, 0.95], a, b))
    first, last = (str(np.datetime64(int(months[i]), "M")) for i in (0, -1))
    return Estimate(
        successes=k,
        trials=n,
        a=a,
        b=b,
        value=a / (a + b),
        low=low,
        high=high,
        description=f"{k} of {n} launch months ({first}..{last}) with an adopted sanctions row in that month "
        "or the next; Beta(1, 1) prior",
    )
