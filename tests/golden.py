"""Golden seeded outputs: one JSON document per (packaged Korea scenario, registered model), and one per
golden command run (:func:`runs`: the coupled simulation's runs, the launch-dynamics ``backtest``, rolling
table and ``whatif`` runs).

Shared by ``scripts/regen_golden.py`` (the only writer of ``tests/reference/golden/``) and
``tests/test_golden.py`` (which compares today's output with the stored files). The document is what
``peninsula forecast SCENARIO --model MODEL --seed 0 --format json`` prints for that model (params,
outcome and every round per issue, notes) plus the model's events (what ``--events`` writes), so a
change to any forecast, round or event shows up as a diff of the stored file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GOLDEN_DIR = ROOT / "tests" / "reference" / "golden"
#: The seed every golden run uses (stochastic models only read it).
SEED = 0
#: Relative and absolute tolerance of float comparisons (bit-for-bit equality is not promised across
#: platforms and numba versions; anything a user would see differs by far more).
TOL = 1e-9


def pairs() -> list[tuple[str, str]]:
    """Every (packaged scenario id, registered model name), scenario-major."""
    from peninsula.api import packaged_ids
    from peninsula.models.registry import model_names

    return [(s, m) for s in packaged_ids() for m in model_names()]


def golden_path(scenario_id: str, model: str) -> Path:
    """``tests/reference/golden/<scenario>__<model>.json``."""
    return GOLDEN_DIR / f"{scenario_id}__{model}.json"


def golden_document(scenario_id: str, model: str) -> dict[str, Any]:
    """Run ``model`` (default parameters and rounds, seed :data:`SEED`) on the packaged scenario."""
    from peninsula import api

    result = api.forecast(scenario_id, [model], rng=SEED)
    doc = result.to_dict()
    return {
        "scenario": scenario_id,
        "model": model,
        "seed": SEED,
        "forecast": doc["models"][model],
        "events": result.runs[model].events,
    }


def _simulate(kind: str, scenario: str, **kw: Any) -> dict[str, Any]:
    from peninsula import api

    compare = kw.pop("compare", None)
    spec = api.system_spec(scenario, **kw)
    if kind == "run":
        return api.simulate(spec).to_dict()
    if kind == "backtest":
        return api.simulate_backtest(spec).to_dict()
    if kind == "compare":
        return api.simulate_compare(spec, compare).to_dict()
    return {"sensitivity": api.simulate_sensitivity(spec)}


def _simulate_missiles() -> dict[str, Any]:
    from peninsula.scenarios import load
    from peninsula.system import SystemSpec, run_system

    spec = SystemSpec(load("korea-2019-04"), months=12, draws=100, seed=3, target="missiles",
                      launch_model="local_level")
    return run_system(spec).to_dict()


#: The coupled simulation's golden runs: name -> (kind, scenario, keywords of the api call). Together they
#: cover every bargaining path the loop takes (compromise, median, eu, consensus), every launch model, an
#: overlay, an explicit training window, the backtest, the comparison and the rule sensitivity.
SIMULATE_RUNS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "simulate-korea-2019-04": ("run", "korea-2019-04", {"months": 24, "draws": 200, "seed": 0}),
    "simulate-korea-2019-06-eu-overlay-posture": (
        "run", "korea-2019-06",
        {"months": 12, "model": "eu", "overlay": "resume-exercises", "draws": 100, "seed": 1,
         "launch_model": "posture"},
    ),
    "simulate-korea-2018-06-median-ingarch": (
        "run", "korea-2018-06",
        {"months": 18, "model": "median", "launch_model": "ingarch", "train_end": "2017-12", "draws": 100,
         "seed": 2},
    ),
    "simulate-korea-2020-03-consensus-combination": (
        "run", "korea-2020-03",
        {"months": 12, "model": "consensus", "launch_model": "combination", "draws": 100, "seed": 4},
    ),
    "simulate-backtest-korea-2017-06": ("backtest", "korea-2017-06", {"months": 54, "draws": 200, "seed": 0}),
    "simulate-compare-korea-2019-06": (
        "compare", "korea-2019-06", {"compare": "resume-exercises", "months": 24, "draws": 200, "seed": 0}
    ),
    "simulate-sensitivity-korea-2019-06": (
        "sensitivity", "korea-2019-06", {"months": 12, "draws": 100, "seed": 0}
    ),
}


#: Arguments of the golden ``whatif`` runs: a lever that moves every posture model (the full exercise
#: calendar, no summit) over a window with recorded launches, few paths so the suite stays quick.
WHATIF_ARGS: dict[str, Any] = {
    "start": "2019-06",
    "n_months": 12,
    "settings": ("exercises=full", "summit=none"),
    "n_sims": 300,
}
WHATIF_MODELS = ("regime", "combination", "local_level", "ingarch", "posture")


def _backtest(target: str, train_end: str) -> dict[str, Any]:
    from peninsula.dynamics.backtest import run_backtest
    from peninsula.dynamics.loading import load_data

    data = load_data()
    return run_backtest(data, train_end, str(data.monthly.months[-1]), target).to_dict()


def _rolling(target: str) -> dict[str, Any]:
    from peninsula.dynamics.loading import load_data
    from peninsula.dynamics.rolling import run_rolling

    return run_rolling(load_data(), target).to_dict()


def _whatif(model: str) -> dict[str, Any]:
    from peninsula.dynamics.loading import load_data
    from peninsula.dynamics.whatif import parse_levers, run_whatif

    a = WHATIF_ARGS
    result = run_whatif(
        load_data(),
        a["start"],
        a["n_months"],
        parse_levers(list(a["settings"])),
        n_sims=a["n_sims"],
        rng=SEED,
        model=model,
    )
    return result.to_dict()


def runs() -> dict[str, Callable[[], dict[str, Any]]]:
    """Golden command runs: name -> a function returning the run's JSON document.

    ``simulate-*`` are the coupled simulation (:data:`SIMULATE_RUNS`, what ``peninsula simulate ...
    --format json`` prints for the same options) and ``simulate-missiles-local_level`` the loop on the
    missiles target (no CLI option: :func:`peninsula.system.run_system`). The launch-dynamics runs on the
    packaged data: ``backtest-<target>`` is ``peninsula backtest --target T --format json`` (first training
    window to 2019-12, test months to the end of the data); ``rolling-<target>`` the ``rolling`` block of
    ``backtest --rolling``; ``whatif-<model>`` ``whatif`` with :data:`WHATIF_ARGS`, seed :data:`SEED`.
    """
    out: dict[str, Callable[[], dict[str, Any]]] = {}
    for name, (kind, scenario, kw) in SIMULATE_RUNS.items():
        out[name] = lambda k=kind, s=scenario, a=kw: _simulate(k, s, **dict(a))  # type: ignore[misc]
    out["simulate-missiles-local_level"] = _simulate_missiles
    for target in ("events", "missiles"):
        out[f"backtest-{target}"] = lambda t=target: _backtest(t, "2019-12")  # type: ignore[misc]
        out[f"rolling-{target}"] = lambda t=target: _rolling(t)  # type: ignore[misc]
    for model in WHATIF_MODELS:
        out[f"whatif-{model}"] = lambda m=model: _whatif(m)  # type: ignore[misc]
    return out


def run_path(name: str) -> Path:
    """``tests/reference/golden/run__<name>.json``."""
    return GOLDEN_DIR / f"run__{name}.json"


def dumps(doc: dict[str, Any]) -> str:
    """The stored text: the CLI's JSON settings (indent 2, no NaN), keys in run order, newline at end."""
    return json.dumps(doc, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def differences(expected: Any, actual: Any, path: str = "$", limit: int = 10) -> list[str]:
    """Where two JSON values differ (floats within :data:`TOL`), as ``path: expected != actual`` lines."""
    out: list[str] = []

    def walk(e: Any, a: Any, p: str) -> None:
        if len(out) >= limit:
            return
        if isinstance(e, bool) or isinstance(a, bool) or not (
            isinstance(e, int | float) and isinstance(a, int | float)
        ):
            if isinstance(e, dict) and isinstance(a, dict):
                if list(e) != list(a):
                    out.append(f"{p}: keys {list(e)} != {list(a)}")
                    return
                for k in e:
                    walk(e[k], a[k], f"{p}.{k}")
            elif isinstance(e, list) and isinstance(a, list):
                if len(e) != len(a):
                    out.append(f"{p}: length {len(e)} != {len(a)}")
                    return
                for k, (x, y) in enumerate(zip(e, a, strict=True)):
                    walk(x, y, f"{p}[{k}]")
            elif e != a or type(e) is not type(a):
                out.append(f"{p}: {e!r} != {a!r}")
            return
        if not math.isclose(float(e), float(a), rel_tol=TOL, abs_tol=TOL):
            out.append(f"{p}: {e!r} != {a!r}")

    walk(expected, actual, path)
    return out
