"""Experiment (issue 21): the agreement step on the DEU issues decided by unanimity in the Council.

The DEU files code no veto players, so on DEU the agreement step of ``consensus`` is a no-op by construction.
Here the institutional rule is coded instead: on every training-half issue whose Council vote is unanimity
(``council_vote == "Unan"``) and which has a reference point, every member state is a veto player, so is the
European Parliament under codecision (``procedure == "COD"``), and the reversion is DEU's reference point. No
acceptance limit is coded (the single-peaked default). Errors in percent of the scale, with the 95 % interval
of a bootstrap over whole proposals (2,000 replicates, seed 0), for the compromise, ``consensus`` without and
with the agreement step, and the ``agreement`` model; and how often the model gives ``p_agreement`` < 1/2 on
the issues whose outcome differs from the reference point (a change that, under unanimity, every veto player
agreed to).

Run from the repository root (about a second)::

    .venv/bin/python scripts/deu_unanimity_vetoes.py
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from peninsula.core import Reversion, Scenario  # noqa: E402
from peninsula.io import load  # noqa: E402
from peninsula.models import REGISTRY  # noqa: E402

DEU = ROOT / "data" / "deu"


def _with_vetoes(sc: Scenario, issue_id: str, vetoes: set[str], reversion: float) -> Scenario:
    """The scenario with ``vetoes`` holding a veto on ``issue_id`` and ``reversion`` as its reversion."""
    rev = Reversion(value=reversion)
    issues = [i.model_copy(update={"reversion": rev}) if i.id == issue_id else i for i in sc.issues]
    stances = [
        s.model_copy(update={"veto": s.actor in vetoes}) if s.issue == issue_id else s for s in sc.stances
    ]
    return sc.model_copy(update={"issues": tuple(issues), "stances": tuple(stances)})


def _interval(x: np.ndarray, groups: np.ndarray, reps: int = 2000) -> tuple[float, float]:
    """95 % percentile interval of the mean of ``x``, resampling whole groups."""
    rng = np.random.default_rng(0)
    members = [np.flatnonzero(groups == u) for u in np.unique(groups)]
    means = []
    for _ in range(reps):
        pick = rng.integers(0, len(members), len(members))
        means.append(float(x[np.concatenate([members[j] for j in pick])].mean()))
    lo, hi = np.percentile(means, [2.5, 97.5])
    return float(lo), float(hi)


def main() -> None:
    rows = list(csv.DictReader((DEU / "deu_train_issues.csv").open(encoding="utf-8")))
    sel = [r for r in rows if r["council_vote"] == "Unan" and r["reference_point"] != ""]
    models = {
        "compromise": REGISTRY["compromise"](),
        "consensus without the step": REGISTRY["consensus"](agreement=False),
        "consensus with the step": REGISTRY["consensus"](),
        "agreement": REGISTRY["agreement"](),
    }
    err: dict[str, list[float]] = {k: [] for k in models}
    p_agree, changed, groups = [], [], []
    loaded: dict[str, Scenario] = {}
    for r in sel:
        sc = loaded.setdefault(r["file"], load(DEU / r["file"]))
        iid, ref, out = r["issue_id"], float(r["reference_point"]), float(r["outcome"])
        span = float(r["scale_max"]) - float(r["scale_min"])
        vetoes = {a.id for a in sc.actors if a.id not in ("COM", "EP")}
        if r["procedure"] == "COD":
            vetoes.add("EP")
        sc2 = _with_vetoes(sc, iid, vetoes, ref)
        for name, model in models.items():
            res = model.run(sc2).issues[iid]
            assert res.outcome is not None
            err[name].append(abs(res.outcome - out) / span * 100.0)
            if name == "agreement":
                p_agree.append(float(res.extra["p_agreement"]))
        changed.append(out != ref)
        groups.append(r["proposal_id"])
    g = np.array(groups)
    base = np.array(err["compromise"])
    n_unan = sum(r["council_vote"] == "Unan" for r in rows)
    print(
        f"DEU training half: {n_unan} unanimity issues, {len(sel)} with a reference point, in "
        f"{len(set(groups))} proposals"
    )
    print(f"{'forecast':28s} {'MAE':>6s} {'95% interval':>15s} {'vs compromise [95%]':>22s}")
    for name, e in err.items():
        x = np.array(e)
        lo, hi = _interval(x, g)
        d = x - base
        dl, dh = _interval(d, g)
        print(f"{name:28s} {x.mean():6.2f} {f'[{lo:.2f}, {hi:.2f}]':>15s} "
              f"{f'{d.mean():+.2f} [{dl:+.2f}, {dh:+.2f}]':>22s}")
    p, ch = np.array(p_agree), np.array(changed)
    print(
        f"outcome differs from the reference point on {int(ch.sum())} of {len(ch)} issues; p_agreement < 1/2 "
        f"on {int(np.sum(p[ch] < 0.5))} of those {int(ch.sum())} (and on {int(np.sum(p[~ch] < 0.5))} of the "
        f"{int((~ch).sum())} left at the reference point); mean p_agreement {p.mean():.3f}"
    )


if __name__ == "__main__":
    main()
