"""Hand-made scenarios and a hand-made launch model for the coupled-simulation tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pytest
from scipy import stats

from peninsula.core import Actor, Issue, Reversion, Scenario, Stance
from peninsula.dynamics import load_data


def posture_scenario(
    exercises: tuple[float, float] = (20000.0, 10000.0),
    denuc: tuple[float, float, float] = (100.0, 30.0, 25.0),
    relief: tuple[float, float, float] = (0.0, 40.0, 60.0),
    date: dt.date = dt.date(2019, 1, 15),
    with_talks: bool = True,
    with_sanctions: bool = True,
    us_accept_low: float | None = None,
) -> Scenario:
    """US, ROK, DPRK on exercises (U.S. personnel 0-25,000), denuclearization and sanctions-relief (0-100).

    Capabilities: US 1, ROK 1, DPRK 0.5. Saliences: exercises US 0.5, ROK 0.5, DPRK 0 (so the compromise on
    exercises is the allies' mean); denuclearization and relief 1 for everyone. Denuclearization has the
    reversion 0 (no agreement) and the U.S. and the DPRK as veto players (issue 21: talks are held when their
    acceptable outcomes overlap); ``us_accept_low`` is the U.S. acceptance limit (``None``: the default).
    """
    issues = [Issue(id="exercises", lower=0, upper=25000)]
    stances = [
        Stance(actor="US", issue="exercises", position=exercises[0], salience=0.5),
        Stance(actor="ROK", issue="exercises", position=exercises[1], salience=0.5),
        Stance(actor="DPRK", issue="exercises", position=0, salience=0.0),
    ]
    if with_talks:
        issues.append(Issue(id="denuclearization", lower=0, upper=100, reversion=Reversion(value=0)))
        stances += [
            Stance(
                actor=a,
                issue="denuclearization",
                position=p,
                salience=1.0,
                veto=a in ("US", "DPRK"),
                accept_low=us_accept_low if a == "US" else None,
            )
            for a, p in zip(("US", "ROK", "DPRK"), denuc, strict=True)
        ]
    if with_sanctions:
        issues.append(Issue(id="sanctions-relief", lower=0, upper=100))
        stances += [
            Stance(actor=a, issue="sanctions-relief", position=p, salience=1.0)
            for a, p in zip(("US", "ROK", "DPRK"), relief, strict=True)
        ]
    return Scenario(
        id="hand-made",
        date=date,
        actors=[
            Actor(id="US", capability=1.0),
            Actor(id="ROK", capability=1.0),
            Actor(id="DPRK", capability=0.5),
        ],
        issues=issues,
        stances=stances,
    )


@dataclass
class PoissonStepper:
    """A launch model computed by hand: Poisson, mean 2 in an exercise month, else 0.5; fixed uniforms."""

    uniform: float = 0.9
    name: str = "hand"
    covariates: tuple[str, ...] = ("exercise_active",)
    seen: list[dict[str, np.ndarray]] = field(default_factory=list)
    n: int = 0

    def begin(self, n_draws: int, n_months: int, gen: np.random.Generator) -> None:
        self.n = n_draws

    def step(self, j: int, x: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        self.seen.append({k: np.array(v) for k, v in x.items()})
        mu = np.where(np.asarray(x["exercise_active"]) > 0, 2.0, 0.5)
        y = stats.poisson.ppf(np.full(self.n, self.uniform), mu).astype(np.int64)
        # a Poisson is the NB limit; the shape/prob returned only feed log scores, unused here
        return y, np.full(self.n, 1e6), 1e6 / (1e6 + mu)


@pytest.fixture(scope="session")
def korea():  # type: ignore[no-untyped-def]
    return load_data()
