"""Benchmark against schelling's Monte Carlo on schelling's own case, measured in one run (issue 28).

schelling (https://github.com/hamzagul07/schelling, AGPL-3.0) is an open-source Python forecasting engine
with a Bueno de Mesquita / Scholz "challenge" solver, a compromise model and a seeded 10,000-draw Monte Carlo
(``schelling solve``, ``schelling advise``). It is not part of peninsula and is not installed with it; no
code of it is copied here. This script reads its replication fixture (BDM 1994's emission-standards case
with France's and Germany's positions widened into triangular ranges,
``tests/fixtures/emission_standards_widened.json``) from a checkout, runs schelling's own Monte Carlo on it
in schelling's interpreter, builds the same case as a peninsula scenario (the same actors and values; the
two widened positions as sourced ranges drawn from the same triangular distributions; every other value
fixed, ``--noise none``) and sweeps it with peninsula, all in one run.

The models are not the same model: schelling's challenge solver (its Scholz reading, up to 20 rounds,
dynamic range) against peninsula's ``eu`` (10 rounds, the issue's scale as range), and each project's
compromise (capability x salience weighted mean). The comparison is of the work a 10,000-draw forecast
of this case costs in each, not of their numbers (the medians are printed for orientation).

To run it, get schelling and an interpreter with its dependencies (it needs Python 3.12)::

    git clone https://github.com/hamzagul07/schelling /tmp/schelling
    python3.12 -m venv /tmp/schelling-venv
    /tmp/schelling-venv/bin/pip install numpy pydantic pyyaml typer python-dotenv
    SCHELLING_SRC=/tmp/schelling SCHELLING_PYTHON=/tmp/schelling-venv/bin/python \\
        .venv/bin/python benchmarks/bench_schelling.py [--draws 10000]

Without ``SCHELLING_SRC`` (a checkout with ``src/schelling``) and ``SCHELLING_PYTHON`` the script prints
that it skipped and exits 0. Single runs on a shared machine: the load average is printed beside the
ratios. Target (issue 28): peninsula >= 50x schelling on schelling's own Monte Carlo.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

FIXTURE = Path("tests") / "fixtures" / "emission_standards_widened.json"

# Run in schelling's interpreter: one solve of the point case (best of several) and its Monte Carlo.
SCHELLING_RUN = """
import json, sys, time
import numpy as np
sys.path.insert(0, {src!r})
from schelling.mc.monte_carlo import run_monte_carlo
from schelling.schemas.question import GameSpec
from schelling.solver.config import SolverConfig
from schelling.solver.model import run
game = GameSpec.model_validate_json(open({fixture!r}).read())
cfg = SolverConfig()
run(game, cfg)  # warm
one = []
for _ in range(5):
    t0 = time.perf_counter(); run(game, cfg); one.append(time.perf_counter() - t0)
out = {{"one": min(one)}}
for model in ("challenge", "compromise"):
    t0 = time.perf_counter()
    mc = run_monte_carlo(game, cfg, n_draws={draws}, seed=42, model=model)
    out[model] = time.perf_counter() - t0
    out[model + "_median"] = float(np.median(mc.median_distribution))
print(json.dumps(out))
"""


def load() -> str:
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def scenario_from_fixture(path: Path) -> Any:
    """schelling's fixture as a peninsula scenario (ranges as coded sources; saliences 0-100 -> 0-1)."""
    from peninsula.core import Actor, Issue, Scenario, Source, Stance

    doc = json.loads(path.read_text(encoding="utf-8"))
    actors, stances = [], []
    lows = [a["position"]["low"] for a in doc["actors"]]
    highs = [a["position"]["high"] for a in doc["actors"]]

    def ranged(est: dict[str, float], scale: float = 1.0) -> tuple[float, dict[str, Source]]:
        if est["low"] == est["high"]:
            return est["mode"] / scale, {}
        src = Source(kind="coded", reason="schelling fixture range", low=est["low"] / scale,
                     high=est["high"] / scale)
        return est["mode"] / scale, {"v": src}

    for a in doc["actors"]:
        cap, cap_src = ranged(a["capability"])
        pos, pos_src = ranged(a["position"])
        sal, sal_src = ranged(a["salience"], 100.0)
        actors.append(Actor(id=a["id"], capability=cap, capability_source=cap_src.get("v")))
        sources = {k: v for k, v in (("position", pos_src.get("v")), ("salience", sal_src.get("v"))) if v}
        stances.append(Stance(actor=a["id"], issue="x", position=pos, salience=sal, sources=sources))
    issue = Issue(id="x", lower=float(min(lows)), upper=float(max(highs)))
    return Scenario(id="schelling-emissions-widened", actors=actors, issues=[issue], stances=stances)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=10_000, help="Monte Carlo draws (default 10,000)")
    args = ap.parse_args()
    src, python = os.environ.get("SCHELLING_SRC"), os.environ.get("SCHELLING_PYTHON")
    if not src or not python or not (Path(src) / "src" / "schelling").is_dir() or not Path(python).exists():
        print("schelling: SKIPPED (set SCHELLING_SRC to a schelling checkout and SCHELLING_PYTHON to a "
              "Python 3.12 with its dependencies; see this script's docstring)")
        return
    fixture = Path(src) / FIXTURE

    import numpy as np

    import peninsula
    from peninsula.models import REGISTRY
    from peninsula.simulate.montecarlo import in_process, make_spec, run_sweep

    scenario = scenario_from_fixture(fixture)
    # peninsula first (kernels loaded before timing), then schelling, then peninsula again; best of the two
    ours: dict[str, list[float]] = {"eu": [], "compromise": [], "one": []}
    medians: dict[str, float] = {}

    def run_ours() -> None:
        for m in ("eu", "compromise"):
            spec = make_spec(scenario, [REGISTRY[m]()], draws=args.draws, seed=42, noise="none")
            t0 = time.perf_counter()
            sw = run_sweep(spec, executor=in_process())
            ours[m].append(time.perf_counter() - t0)
            medians[m] = float(np.nanmedian(sw.outcome_array[:, 0, 0]))
        t0 = time.perf_counter()
        for _ in range(5):
            peninsula.forecast(scenario, ["eu"])
        ours["one"].append((time.perf_counter() - t0) / 5)

    both = [REGISTRY["eu"](), REGISTRY["compromise"]()]
    run_sweep(make_spec(scenario, both, draws=20, seed=1, noise="none"))  # kernels loaded before timing
    run_ours()
    code = SCHELLING_RUN.format(src=str(Path(src) / "src"), fixture=str(fixture), draws=args.draws)
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, cwd=src)
    if done.returncode != 0:
        raise SystemExit(f"schelling failed:\n{done.stderr[-3000:]}")
    theirs = json.loads(done.stdout.strip().splitlines()[-1])
    run_ours()
    best = {k: min(v) for k, v in ours.items()}
    print(f"schelling's own case ({fixture.name}, {len(scenario.actors)} actors), {args.draws:,} draws "
          f"({load()})")
    print(f"  {'':34s} {'schelling':>10s} {'peninsula':>10s} {'ratio':>8s}  target")
    rows = [
        ("one solve (point case)", theirs["one"], best["one"], "challenge vs eu"),
        ("Monte Carlo, challenge vs eu", theirs["challenge"], best["eu"], ">= 50x"),
        ("Monte Carlo, compromise", theirs["compromise"], best["compromise"], ""),
    ]
    for label, a, b, target in rows:
        ratio = a / b
        shown = f"{ratio:7.0f}x" if ratio >= 10 else f"{ratio:7.2f}x"  # a one-solve ratio can be below 1
        print(f"  {label:34s} {a:9.3f}s {b:9.3f}s {shown}  {target}")
    print(
        f"  medians of the draws (orientation only; different models): schelling challenge "
        f"{theirs['challenge_median']:.3f}, peninsula eu {medians['eu']:.3f}; compromise "
        f"{theirs['compromise_median']:.3f} / {medians['compromise']:.3f}"
    )


if __name__ == "__main__":
    main()
