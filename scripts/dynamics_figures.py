"""Print the figures of docs/dynamics.md (markdown tables) from today's code on the packaged data.

Run from the repository root after a change that moves a launch forecast, and paste what moved::

    .venv/bin/python scripts/dynamics_figures.py rolling       # rolling tables and DM (events, missiles)
    .venv/bin/python scripts/dynamics_figures.py coefficients  # posture coefficients of every model
    .venv/bin/python scripts/dynamics_figures.py effects       # the posture effects per lever + chart
    .venv/bin/python scripts/dynamics_figures.py backtest      # the one-step backtest table
    .venv/bin/python scripts/dynamics_figures.py whatif        # the what-if examples, every model
    .venv/bin/python scripts/dynamics_figures.py calibration   # docs/dynamics_calibration.png
    .venv/bin/python scripts/dynamics_figures.py ingarch_tail  # INGARCH missiles: Laplace vs posterior draws

The rolling figures are read from ``tests/reference/golden/run__rolling-*.json`` (what the code prints today,
checked by tests/test_golden.py) so that the slow evaluation runs once.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "reference" / "golden"
ORDER = (
    "regime",
    "combination",
    "local_level",
    "ingarch",
    "posture",
    "regime_plain",
    "ingarch_plain",
    "local_level_plain",
    "climatology",
    "last12",
)


def _p(x: float | None) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.2f}"


def rolling() -> None:
    for target in ("events", "missiles"):
        doc: dict[str, Any] = json.loads((GOLDEN / f"run__rolling-{target}.json").read_text(encoding="utf-8"))
        models, comps = doc["models"], doc["comparisons"]
        print(
            f"\n**{target}**: chosen `{doc['chosen']}`, targets met: {doc['targets_met']}, "
            f"{doc['origins']} origins {doc['first_origin']}..{doc['last_origin']}, "
            f"n = {', '.join(str(models['climatology'][h]['n']) for h in ('1', '3', '6'))}\n"
        )
        best = {
            h: max(
                (m for m in models if not m.endswith("_plain")), key=lambda m: models[m][h]["mean_log_score"]
            )
            for h in ("1", "3", "6")
        }
        print("| model | h = 1 | h = 3 | h = 6 | coverage 50 % / 80 % at h = 1, 3, 6 |")
        print("|---|---|---|---|---|")
        for m in ORDER:
            if m not in models:
                continue
            cells = []
            for h in ("1", "3", "6"):
                s = models[m][h]
                ls = f"{s['mean_log_score']:.3f}"
                cells.append(f"{'**' + ls + '**' if best[h] == m else ls} / {s['rps']:.3f} / {s['mae']:.3f}")
            cov = ", ".join(
                f"{models[m][h]['coverage50']:.2f}/{models[m][h]['coverage80']:.2f}" for h in ("1", "3", "6")
            )
            name = f"`{m}`" + (" (chosen)" if m == doc["chosen"] else "")
            print(f"| {name} | {' | '.join(cells)} | {cov} |")
        print("\n| model | h = 1: vs climatology; vs last12 | h = 3 | h = 6 |")
        print("|---|---|---|---|")
        for m in ORDER:
            if m not in comps:
                continue
            cells = []
            for h in ("1", "3", "6"):
                c = comps[m][h]
                cells.append(
                    "; ".join(
                        f"{c[b]['mean_diff']:+.3f} (p {_p(c[b]['p_value'])})"
                        for b in ("climatology", "last12")
                    )
                )
            print(f"| `{m}` | {' | '.join(cells)} |")
        print("\n| h | chosen | vs climatology | vs last12 | best without posture | vs it |")
        print("|---|---|---|---|---|---|")
        for h, v in doc["versus"].items():
            b = v["best_without_posture"]
            cell = lambda r: f"{r['mean_diff']:+.3f} (p {_p(r['p_value'])})"  # noqa: E731
            print(
                f"| {h} | `{v['chosen']}` {v['mean_log_score']:.3f} | {cell(v['climatology'])} | "
                f"{cell(v['last12'])} | `{b['model']}` {b['mean_log_score']:.3f} | {cell(b)} |"
            )


def new_data() -> None:
    """The rolling forecasts whose target month is in 2022-2023: data the models were designed without."""
    import numpy as np

    from peninsula.dynamics.rolling import diebold_mariano

    for target in ("events", "missiles"):
        doc = json.loads((GOLDEN / f"run__rolling-{target}.json").read_text(encoding="utf-8"))
        fc = doc["forecasts"]
        print(f"\n**{target}**, target months 2022-01..2023-12\n")
        print("| model | h = 1 | h = 3 | h = 6 |\n|---|---|---|---|")

        def ls(m: str, h: str, fc: dict[str, Any] = fc) -> Any:
            return np.array([f["log_score"] for f in fc[m][h] if f["month"] >= "2022-01"])

        for m in ORDER:
            if m in fc:
                print(f"| `{m}` | " + " | ".join(f"{ls(m, h).mean():.3f}" for h in ("1", "3", "6")) + " |")
        for other in ("climatology", "regime_plain"):
            cells = []
            for h in ("1", "3", "6"):
                r = diebold_mariano(ls(doc["chosen"], h) - ls(other, h), int(h))
                cells.append(f"{r['mean_diff']:+.3f} (p {_p(r['p_value'])})")
            print(f"| `{doc['chosen']}` − `{other}` | " + " | ".join(cells) + " |")


def coefficients() -> None:
    import numpy as np

    from peninsula.dynamics import load_data
    from peninsula.dynamics.covariates import POSTURE_COVARIATES
    from peninsula.dynamics.nbregression import NegBinRegression
    from peninsula.dynamics.registry import fit_model

    data = load_data()
    print("\nNB2 posture regression (rate ratios, 90 % Wald):\n")
    print("| covariate | events | missiles |\n|---|---|---|")
    rows: dict[str, list[str]] = {}
    for target in ("events", "missiles"):
        fit = NegBinRegression(target).fit(data)
        print(f"<!-- {target}: {fit.first_month}..{fit.last_month} -->")
        for r in fit.coefficients():
            if r["name"] == "const":
                continue
            if r["name"] == "alpha":
                cell = f"{r['coef']:.2f} [{r['lo']:.2f}, {r['hi']:.2f}]"
            else:
                strong = r["rr_lo"] > 1 or r["rr_hi"] < 1  # type: ignore[operator]
                cell = f"{r['rate_ratio']:.2f} [{r['rr_lo']:.2f}, {r['rr_hi']:.2f}]"
                cell = f"**{cell}**" if strong else cell
            rows.setdefault(str(r["name"]), []).append(cell)
    for name, cells in rows.items():
        print(f"| `{name}` | {' | '.join(cells)} |")
    print("\nDynamic models (ratios, 90 % Laplace; regime: odds ratio of the active regime):\n")
    header = (
        "| covariate | "
        + " | ".join(
            f"`{m}` {t}" for m in ("regime", "local_level", "ingarch") for t in ("events", "missiles")
        )
        + " |"
    )
    print(header)
    print("|---" * 7 + "|")
    fits = {
        (m, t): fit_model(data, m, t)
        for m in ("regime", "local_level", "ingarch")
        for t in ("events", "missiles")
    }
    for j, c in enumerate(POSTURE_COVARIATES):
        cells = []
        for fit in fits.values():
            k = len(fit.covariates)
            theta = fit.params.theta
            i = len(theta) - k + j
            se = math.sqrt(max(fit.params.cov[i, i], 0.0))
            b = theta[i]
            lo, hi = math.exp(b - 1.6449 * se), math.exp(b + 1.6449 * se)
            cell = f"{math.exp(b):.2f} [{lo:.2f}, {hi:.2f}]"
            cells.append(f"**{cell}**" if lo > 1 or hi < 1 else cell)
        print(f"| `{c}` | {' | '.join(cells)} |")
    for (m, t), fit in fits.items():
        values = getattr(fit, "values", {"omega": getattr(fit, "omega", np.nan)})
        print(f"<!-- {m} {t}: {json.dumps({k: round(float(v), 3) for k, v in values.items()})} -->")


def effects() -> None:
    from peninsula.dynamics import load_data
    from peninsula.dynamics.effects import LEVERS, estimate_posture_effects
    from peninsula.reports.effects import plot_posture_effects

    data = load_data()
    for target in ("events", "missiles"):
        pe = estimate_posture_effects(data, target)
        window = f"{pe.first_month}..{pe.last_month}"
        print(f"\n**{target}** ({window}): event study, launches per month, 90 % permutation interval\n")
        print("| lever | events (dropped) | change from the months before (E1) | p | level | p |")
        print("|---|---|---|---|---|---|")
        for name in LEVERS:
            e, lv = pe.effects[name], pe.levels[name]
            drop = f" ({', '.join(e.dropped)})" if e.dropped else ""
            did = f"{e.estimate:+.2f} [{e.low:+.2f}, {e.high:+.2f}] | {_p(e.p_value)}"
            level = f"{lv.estimate:+.2f} [{lv.low:+.2f}, {lv.high:+.2f}] | {_p(lv.p_value)}"
            print(f"| `{name}` | {', '.join(e.events)}{drop} | {did} | {level} |")
        models = [m.model for m in next(iter(pe.models.values()))]
        print("\n| lever | " + " | ".join(f"`{m}`" for m in models) + " |")
        print("|---" * (len(models) + 1) + "|")
        for name in LEVERS:
            cells = []
            for m in pe.models[name]:
                cell = f"{m.estimate:.2f} [{m.low:.2f}, {m.high:.2f}]"
                cells.append(f"**{cell}**" if m.low > 1 or m.high < 1 else cell)
            print(f"| `{name}` | {' | '.join(cells)} |")
        if target == "events":
            plot_posture_effects(pe, ROOT / "docs" / "dynamics_posture_effects.png")
            print("\n(chart written to docs/dynamics_posture_effects.png)")


def backtest() -> None:
    for target in ("events", "missiles"):
        doc = json.loads((GOLDEN / f"run__backtest-{target}.json").read_text(encoding="utf-8"))
        print(f"\n**{target}**, {doc['months']} test months, {doc['train_end']} +1 .. {doc['test_end']}\n")
        print("| model | mean log score ↑ | MAE ↓ | RPS ↓ |\n|---|---|---|---|")
        for name, m in doc["models"].items():
            print(f"| `{name}` | {m['mean_log_score']:.3f} | {m['mae']:.3f} | {m['rps']:.3f} |")


#: The what-if examples of docs/dynamics.md: (label, start, months, levers).
WHATIF_EXAMPLES = (
    ("`--from 2018-06 --months 24 --set exercises=full`", "2018-06", 24, ["exercises=full"]),
    (
        "`… exercises=full --set summit=none --set talks=none`",
        "2018-06",
        24,
        ["exercises=full", "summit=none", "talks=none"],
    ),
    ("`--from 2019-03 --months 12 --set exercises=suspended`", "2019-03", 12, ["exercises=suspended"]),
    ("`--from 2022-01 --months 12 --set exercises=full`", "2022-01", 12, ["exercises=full"]),
    ("`--from 2024-01 --months 12 --set exercises=full`", "2024-01", 12, ["exercises=full"]),
)


def whatif(models: tuple[str, ...] = ("regime", "combination", "local_level", "ingarch", "posture")) -> None:
    from peninsula.dynamics import load_data, parse_levers, run_whatif

    data = load_data()

    def total(t: dict[str, float]) -> str:
        return f"{t['p50']:.0f} [{t['p10']:.0f}, {t['p90']:.0f}]"

    for model in models:
        print(f"\n`--model {model}` (seed 0, 2,000 paths, events)\n")
        print("| command | months | observed | recorded | alternative | alternative − recorded |")
        print("|---|---|---|---|---|---|")
        for label, start, months, levers in WHATIF_EXAMPLES:
            w = run_whatif(data, start, months, parse_levers(levers), n_sims=2000, rng=0, model=model)
            obs = [o for o in w.observed if o is not None]
            observed = str(sum(obs)) if len(obs) == len(w.observed) else "–"
            d = w.difference()
            diff = f"{d['p50']:+.0f} [{d['p10']:+.0f}, {d['p90']:+.0f}]"
            diff += f"; P(more) {d['prob_more']:.2f}, P(fewer) {d['prob_fewer']:.2f}"
            span = f"{w.months[0]}..{w.months[-1]}"
            rec, alt = w.recorded.total_summary(), w.alternative.total_summary()
            print(f"| {label} | {span} | {observed} | {total(rec)} | {total(alt)} | {diff} |")
        if model == "combination":
            from peninsula.dynamics.registry import fit_model

            print(f"<!-- weights: {fit_model(data, 'combination').values} -->")


def bounds() -> None:
    """The p99 of any simulated month, 10,000 paths × 36 months, most provocative posture (the bound test)."""
    import numpy as np

    from peninsula.dynamics import load_data
    from peninsula.dynamics.registry import (
        BOUND_FACTOR,
        DYNAMIC_MODELS,
        fit_model,
        most_provocative_posture,
        simulate_counts,
    )

    data = load_data()
    for target in ("events", "missiles"):
        record = int(data.monthly.target(target).max())
        cells = []
        for model in DYNAMIC_MODELS:
            fit = fit_model(data, model, target)
            sims = simulate_counts(fit, most_provocative_posture(fit, 36), n_draws=10_000, rng=0)
            cells.append(f"{model} {float(np.quantile(sims, 0.99, axis=0).max()):g}")
        print(f"{target}: record {record}, bound {BOUND_FACTOR * record:g}; p99: " + ", ".join(cells))


def ingarch_tail() -> None:
    """Why INGARCH for missiles broke the bound with Laplace parameter draws: the p99 with parts of the
    uncertainty switched off, against the posterior draws the package uses (IG5). Parameter draws seed 0,
    count uniforms seed 1.
    """
    import numpy as np

    from peninsula.dynamics import load_data
    from peninsula.dynamics.ingarch import IngarchModel, _clip, unpack
    from peninsula.dynamics.registry import BOUND_FACTOR, most_provocative_posture

    data = load_data()
    fit = IngarchModel("missiles").fit(data)
    k, n = len(fit.covariates), 10_000
    record = int(data.monthly.target("missiles").max())
    raw = fit.params.draw(n, 0)
    laplace = _clip(raw, k)
    posterior = fit.draw_thetas(n, 0)
    point = np.tile(fit.params.theta, (n, 1))
    u = np.random.default_rng(1).random((n, 36))
    X = most_provocative_posture(fit, 36)

    def p99(thetas: np.ndarray) -> float:
        sims = fit.simulate(X, n, thetas=thetas, uniforms=u)
        return float(np.quantile(sims, 0.99, axis=0).max())

    phi_fixed = laplace.copy()
    phi_fixed[:, 3] = fit.params.theta[3]
    phi_only = point.copy()
    phi_only[:, 3] = laplace[:, 3]
    print(f"missiles: record {record}, bound {BOUND_FACTOR * record:g}; p99 of any month:")
    print(
        f"  clipped Laplace draws {p99(laplace):g}; phi fixed {p99(phi_fixed):g}; only phi {p99(phi_only):g}"
    )
    print(f"  point estimates {p99(point):g}; posterior draws (IG5, as simulated) {p99(posterior):g}")
    print(
        f"  l_beta Laplace sd {np.sqrt(fit.params.cov[2, 2]):.2f}, Laplace draws clipped at its upper bound "
        f"{float(np.mean(raw[:, 2] >= laplace[:, 2].max())):.3f}"
    )
    for name, t in (("laplace", laplace), ("posterior", posterior)):
        q = np.quantile(unpack(t)[1] + unpack(t)[2], [0.1, 0.5, 0.9])
        print(f"  persistence alpha+beta, {name}: {q[1]:.2f} [{q[0]:.2f}, {q[2]:.2f}]")


def calibration() -> None:
    """docs/dynamics_calibration.png from the golden rolling run (its PIT histograms and coverage)."""
    from types import SimpleNamespace

    from peninsula.reports.rolling import plot_calibration

    doc = json.loads((GOLDEN / "run__rolling-events.json").read_text(encoding="utf-8"))
    scores = {m: {int(h): v for h, v in by.items()} for m, by in doc["models"].items()}
    origins = (doc["first_origin"], doc["last_origin"])
    ev = SimpleNamespace(
        scores=lambda: scores,
        horizons=tuple(doc["horizons"]),
        origins=origins,
        chosen=doc["chosen"],
        target="events",
    )
    plot_calibration(ev, ROOT / "docs" / "dynamics_calibration.png")  # type: ignore[arg-type]
    for m in ("regime", "local_level", "combination", "climatology"):
        top = [round(scores[m][h]["pit"][-1], 2) for h in (1, 3, 6)]
        low = [round(sum(scores[m][h]["pit"][:4]), 2) for h in (1, 3, 6)]
        print(f"{m}: top bin {top}; mass below 0.4 {low}")
    print("docs/dynamics_calibration.png written")


if __name__ == "__main__":
    parts = {
        "whatif": whatif,
        "rolling": rolling,
        "new_data": new_data,
        "coefficients": coefficients,
        "effects": effects,
        "backtest": backtest,
        "calibration": calibration,
        "bounds": bounds,
        "ingarch_tail": ingarch_tail,
    }
    for arg in sys.argv[1:] or list(parts):
        parts[arg]()
