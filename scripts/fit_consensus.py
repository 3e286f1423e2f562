"""Refit the ``consensus`` model on the DEU training half and write its shipped parameters.

Run from the repository root::

    .venv/bin/python scripts/fit_consensus.py            # writes src/peninsula/models/data/consensus.json
    .venv/bin/python scripts/fit_consensus.py --check    # compare only; exit 1 if the shipped file differs

Only ``data/deu/`` (the training half) is read. ``position_weight`` is the grid value with the smallest MAE
on all 176 issues (a one-parameter family with nothing else fitted, so this is also the choice grouped CV
makes inside each training fold); ``q10``/``q90`` are split-conformal bounds of the signed out-of-fold
residuals (outcome − forecast) / span of a grouped 10-fold CV (folds by proposal, seed 0). The file also
records the nested grouped-CV estimate of the whole procedure (λ and the interval refitted on each fold's
training part), which is what ``docs/skill.md`` reports. A changed fit moves forecasts: add a
``changelog.d/<issue>-<topic>.changed-forecasts.md`` fragment.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from peninsula.io.atomic import write_text

ROOT = Path(__file__).resolve().parents[1]
DEU = ROOT / "data" / "deu"
TARGET = ROOT / "src" / "peninsula" / "models" / "data" / "consensus.json"
K, SEED = 10, 0


def deu_cases() -> list[Any]:
    """Every issue of the DEU training half with its outcome, grouped by proposal."""
    from peninsula.api import expand_paths, read_outcomes
    from peninsula.io import load
    from peninsula.simulate.evaluation import Case

    known = read_outcomes(DEU / "deu_train_issues.csv")
    cases = []
    for path in expand_paths([DEU / "deu_train"]):
        sc = load(path)
        sq = {i: known[i].reference_point for i in sc.issue_ids if i in known}
        sc = sc.with_status_quo({i: v for i, v in sq.items() if v is not None})
        for iid in sc.issue_ids:
            if iid in known:
                cases.append(Case(iid, sc.issue_data(iid), known[iid].outcome, known[iid].group or path.name))
    return cases


def fit_document() -> dict[str, Any]:
    """The JSON document of the fit (parameters, how they were chosen, the nested-CV estimate)."""
    import numpy as np

    from peninsula.models.consensus import GRID, LEVEL, Consensus
    from peninsula.simulate.evaluation import cross_validated, fit_calibrated, paired_difference

    cases = deu_cases()
    fitted = fit_calibrated(Consensus(), cases, K, SEED)
    cv = cross_validated(Consensus(), cases, K, SEED)
    y = np.array([c.outcome for c in cases])
    groups = [c.group for c in cases]
    ref = np.array([abs(Consensus.combine(c.data, 0.0)[0] - c.outcome) for c in cases])
    err = np.abs(cv.forecast - y)
    inside = (y >= cv.low - 1e-9) & (y <= cv.high + 1e-9)
    diff = paired_difference(err, ref, groups)
    r6 = lambda x: round(float(x), 6)  # noqa: E731 - one rounding rule for the file
    return {
        "model": "consensus",
        "params": {
            "position_weight": fitted.position_weight,
            "q10": r6(fitted.q10),
            "q90": r6(fitted.q90),
        },
        "fitted_on": {
            "data": "data/deu/deu_train + deu_train_issues.csv (DEU III training half, CC BY 4.0)",
            "issues": len(cases),
            "proposals": len(set(groups)),
        },
        "method": {
            "grid": [GRID[0], GRID[-1], round(GRID[1] - GRID[0], 2)],
            "interval": f"split-conformal {LEVEL:.0%} over signed out-of-fold residuals / span",
            "cv_folds": K,
            "cv_seed": SEED,
            "groups": "proposal_id",
        },
        "nested_cv": {
            "mae": r6(err.mean()),
            "compromise_mae": r6(ref.mean()),
            "diff_vs_compromise": {k: r6(v) for k, v in diff.items() if k != "n"},
            "coverage_80": r6(inside.mean()),
        },
    }



def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the shipped file; write nothing")
    args = ap.parse_args(argv)
    text = json.dumps(fit_document(), indent=2) + "\n"
    if args.check:
        same = TARGET.read_text(encoding="utf-8") == text
        print("shipped fit reproduced" if same else "shipped fit differs from a refit")
        return 0 if same else 1
    write_text(TARGET, text)
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
