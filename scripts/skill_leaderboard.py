"""Print the two leaderboard tables of docs/skill.md (markdown), from the evaluations they describe.

Run from the repository root (about a minute; every registered model runs on every file)::

    .venv/bin/python scripts/skill_leaderboard.py

1. DEU training half (data/deu/, 176 issues in 69 proposals): 10-fold cross-validation grouped by proposal
   (seed 0; ``consensus`` refitted and recalibrated inside each training part; ``eu``, ``eu-masad`` and
   ``nash`` tuned over a grid of their declared parameters inside each training part; the baselines and the
   exchange models have nothing fitted to outcomes, so their CV error is their error as run).
2. Korea case library (data/korea-cases/, 16 issues in 12 decisions): errors in percent of each issue's scale;
   ``consensus`` with its shipped DEU fit (nothing tuned on Korea).

Intervals: 95 % percentile intervals of 2,000 bootstrap replicates drawing whole proposals / cases (seed 0);
"vs compromise" is the paired difference in MAE on the same issues (negative = smaller errors).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _row(name: str, block: dict[str, Any], n: int) -> str:
    d = block["diff_vs_compromise"]
    cov = block.get("coverage")
    diff = "—" if name == "compromise" else f"{d['mean']:+.2f} [{d['low']:+.2f}, {d['high']:+.2f}]"
    cov_s = f"{cov['rate']:.0%} of {cov['n']}" if cov else "—"
    mae = f"**{block['mae']:.2f}**" if name == "consensus" else f"{block['mae']:.2f}"
    return f"| `{name}` | {mae} | {block['mae_low']:.2f}–{block['mae_high']:.2f} | {diff} | {cov_s} | {n} |"


def tables() -> str:
    """Both tables as markdown."""
    import peninsula

    deu = ROOT / "data" / "deu"
    lib = ROOT / "data" / "korea-cases"
    head = (
        "| model | MAE | 95% interval | vs compromise [95%] | 80% interval coverage | issues |\n"
        "|---|---:|---:|---:|---:|---:|"
    )
    ev = peninsula.evaluate([deu / "deu_train"], deu / "deu_train_issues.csv", "all", cv=10, rng=0)
    doc = ev.to_dict()["models"]
    rows = sorted(doc.items(), key=lambda kv: kv[1]["cv"]["mae"])
    out = ["DEU training half, grouped 10-fold CV (0–100 scale):", "", head]
    out += [_row(m, v["cv"], v["cv"]["n"]) for m, v in rows]
    picked = [f"`{m}` {v['cv']['selected']}" for m, v in rows if "selected" in v["cv"]]
    if picked:
        out += ["", "Settings chosen by the grid search on all 176 issues: " + "; ".join(picked) + "."]
    ko = peninsula.evaluate([lib / "decide"], lib / "outcomes.csv", "all", normalise=True, rng=0)
    kdoc = ko.to_dict()["models"]
    out += ["", "Korea cases, percent of each issue's scale:", "", head]
    out += [_row(m, v, v["n"]) for m, v in sorted(kdoc.items(), key=lambda kv: kv[1]["mae"])]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(tables())
