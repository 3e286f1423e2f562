"""Print the figures of docs/system.md (markdown tables) from today's code on the packaged data.

Run from the repository root after a change that moves the coupled simulation, and paste what moved::

    .venv/bin/python scripts/system_figures.py backtest      # --backtest from each snapshot to 2023-12
    .venv/bin/python scripts/system_figures.py compare       # resume-exercises from korea-2019-06 (+ chart)
    .venv/bin/python scripts/system_figures.py sensitivity   # one rule at a time, korea-2019-06
    .venv/bin/python scripts/system_figures.py forecast      # from 2024-01, the latest snapshot's state

Every run: 1,000 draws, seed 0, compromise bargaining (the defaults of ``peninsula simulate``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: Snapshot → months to 2023-12 (the end of the packaged data).
BACKTESTS = {"korea-2017-06": 79, "korea-2018-06": 67, "korea-2019-04": 57, "korea-2022-05": 20}


def _band(t: dict[str, float]) -> str:
    return f"{t['q50']:.0f} [{t['q10']:.0f}, {t['q90']:.0f}]"


def backtest(launch_models: tuple[str | None, ...] = (None,)) -> None:
    from peninsula import api
    from peninsula.scenarios import packaged_ids

    known = set(packaged_ids())
    for scenario, months in BACKTESTS.items():
        if scenario not in known:
            print(f"\n{scenario}: not packaged (yet); skipped")
            continue
        for launch_model in launch_models:
            spec = api.system_spec(scenario, months=months, draws=1000, seed=0, launch_model=launch_model)
            bt = api.simulate_backtest(spec)
            run = bt.run
            print(
                f"\n### `{scenario}`, {months} months ({run.months[0]}..{run.months[-1]}; launch model "
                f"{run.launch_model}; observed total {bt.observed_total})\n"
            )
            print("| model | mean log score ↑ | 80 % coverage | total: median [10 %, 90 %] | total mean |")
            print("|---|---:|---:|---:|---:|")
            names = {
                "loop": f"loop (compromise + {run.launch_model})",
                "recorded_posture": f"{run.launch_model} on the recorded posture",
                "best_without_posture": f"{bt.scores['best_without_posture']['model']} (no posture)",
                "climatology": "climatology (NB, training months)",
            }
            for key, s in bt.scores.items():
                print(
                    f"| {names[key]} | {s['mean_log_score']:.3f} | {s['coverage80']:.2f} | "
                    f"{_band(s['total'])} | {s['total']['mean']:.1f} |"
                )
            print("\n| lever | simulated share of months | recorded | Brier ↓ | agreement |")
            print("|---|---:|---:|---:|---:|")
            for k, v in bt.posture.items():
                print(
                    f"| `{k}` | {v['simulated']:.2f} | {v['recorded']:.2f} | {v['brier']:.3f} | "
                    f"{v['agreement']:.2f} |"
                )
            notes = [n for n in run.notes if "fitted on" in n]
            print(f"<!-- {notes} -->")


def compare() -> None:
    from peninsula import api
    from peninsula.reports.system import plot_system

    for launch_model in (None, "ingarch"):
        spec = api.system_spec("korea-2019-06", months=24, draws=1000, seed=0, launch_model=launch_model)
        cmp = api.simulate_compare(spec, "resume-exercises")
        d: dict[str, Any] = cmp.difference()
        base, alt = cmp.base.to_dict(), cmp.alternative.to_dict()
        print(f"\n{cmp.base.launch_model}: base {base['total_launches']} overlay {alt['total_launches']}")
        print(f"difference {d}")
        if launch_model is None:
            plot_system(cmp.alternative, ROOT / "docs" / "img" / "system-resume-exercises.png", base=cmp.base)


def sensitivity() -> None:
    from peninsula import api

    spec = api.system_spec("korea-2019-06", months=24, draws=1000, seed=0)
    rows = api.simulate_sensitivity(spec)
    print("| rule | range | launches: low → high | swing | cohesion: low → high | swing |")
    print("|---|---|---:|---:|---:|---:|")
    print(f"<!-- base: {rows[0]['launches_base']:.2f} launches, cohesion {rows[0]['cohesion_base']:.3f} -->")
    for r in sorted(rows, key=lambda r: -abs(r["launches_high"] - r["launches_low"])):
        swing = r["launches_high"] - r["launches_low"]
        cswing = r["cohesion_high"] - r["cohesion_low"]
        launches = f"{r['launches_low']:.2f} → {r['launches_high']:.2f} | {swing:+.2f}"
        cohesion = f"{r['cohesion_low']:.3f} → {r['cohesion_high']:.3f} | {cswing:+.3f}"
        print(f"| `{r['id']}` | {r['low']:g}–{r['high']:g} | {launches} | {cohesion} |")


def forecast() -> None:
    from peninsula import api
    from peninsula.scenarios import packaged_ids

    latest = sorted(s for s in packaged_ids() if s.startswith("korea-"))[-1]
    for target in ("events", "missiles"):
        spec = api.system_spec(latest, months=12, draws=1000, seed=0, start="2024-01", target=target)
        run = api.simulate(spec)
        doc = run.to_dict()
        print(f"\n{latest} from 2024-01, {target}: total {doc['total_launches']}")
        for m in doc["path"]:
            lau = m["launches"]
            band = f"{lau['q50']:.0f} [{lau['q10']:.0f}, {lau['q90']:.0f}]"
            print(f"| {m['month']} | {band} | {lau['mean']:.2f} |")
        print(f"<!-- {run.notes} -->")


if __name__ == "__main__":
    parts = {"backtest": backtest, "compare": compare, "sensitivity": sensitivity, "forecast": forecast}
    for arg in sys.argv[1:] or list(parts):
        parts[arg]()
