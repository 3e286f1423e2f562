"""Golden seeded outputs: one JSON document per (packaged Korea scenario, registered model).

Shared by ``scripts/regen_golden.py`` (the only writer of ``tests/reference/golden/``) and
``tests/test_golden.py`` (which compares today's output with the stored files). The document is what
``peninsula forecast SCENARIO --model MODEL --seed 0 --format json`` prints for that model (params,
outcome and every round per issue, notes) plus the model's events (what ``--events`` writes), so a
change to any forecast, round or event shows up as a diff of the stored file.
"""

from __future__ import annotations

import json
import math
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
