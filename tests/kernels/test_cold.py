"""A cold start runs small inputs on plain-Python copies of the kernels: the same numbers as compiled.

``kernels/_cold.py``: on the first run after installing, a kernel missing from numba's cache runs as plain
Python (numba's decorators off) for small inputs while a background process compiles it. Here every such
kernel is run both ways on generated inputs and must give identical arrays (not merely close ones), and
the policy is checked: plain Python only with policy ``auto``, a cold cache and a small input.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import peninsula.kernels
from peninsula.core import Scenario
from peninsula.kernels import _cold, _eu_numba, _jit
from peninsula.kernels import eu as K
from peninsula.kernels import exchange as ex
from peninsula.models.exchange import _Arrays
from peninsula.scenarios import DEFAULT_SCENARIO, load_packaged
from peninsula.simulate.forecast import forecast
from tests.kernels.test_eu_kernels import issue_arrays
from tests.strategies import scenarios

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _same(a: Any, b: Any) -> None:
    if isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b)
        for u, v in zip(a, b, strict=True):
            _same(u, v)
        return
    if isinstance(a, np.ndarray):
        assert np.array_equal(a, np.asarray(b), equal_nan=True), (a, b)
        return
    assert a == b or (a != a and b != b), (a, b)  # NaN equals NaN here


def test_the_plain_copy_is_apart_from_the_compiled_modules() -> None:
    modules = {m: sys.modules[m] for m in _cold.NUMBA_MODULES if m in sys.modules}
    copy = _cold.interpreted("peninsula.kernels.exchange")
    assert copy is not ex
    assert not hasattr(copy._round, "py_func")  # a plain function
    assert hasattr(ex._round, "py_func")  # still the numba dispatcher
    assert copy.INTERPRETED and not _jit.INTERPRETED
    assert sys.modules["peninsula.kernels.exchange"] is ex
    assert peninsula.kernels.exchange is ex
    for name, mod in modules.items():
        assert sys.modules[name] is mod
    with pytest.raises(ValueError, match="numba kernel modules"):
        _cold.interpreted("peninsula.kernels.central")


@SETTINGS
@given(s=scenarios(max_actors=6, max_issues=3), seed=st.integers(0, 2**32 - 1), p=st.sampled_from([0.0, 0.7]),
       tie_mode=st.sampled_from([0, 1]), clean=st.booleans())
def test_the_exchange_round_is_the_same_uncompiled(s: Scenario, seed: int, p: float, tie_mode: int,
                                                   clean: bool) -> None:
    plain = _cold.interpreted("peninsula.kernels.exchange")
    arr = _Arrays(s)
    X = np.ascontiguousarray(arr.X)
    sal = np.ascontiguousarray(np.nan_to_num(arr.s))
    cap = np.ascontiguousarray(np.nan_to_num(arr.c))
    for round_no in (1, 2):
        choices = np.zeros(0, np.int64)
        args = (X, sal, cap, 0.1, 0.4, p, np.uint64(seed), round_no, tie_mode, choices, int(clean))
        compiled = ex._round(*args)
        with np.errstate(over="ignore"):
            uncompiled = plain._round(*args)
        _same(tuple(compiled), tuple(uncompiled))
        X = compiled[0]


@SETTINGS
@given(issue_arrays(min_n=1), st.floats(0.0, 10.0), st.sampled_from([1.0, 0.6]), st.booleans(), st.booleans())
def test_the_eu_kernels_are_the_same_uncompiled(
    arrs: tuple[np.ndarray, ...], mu: float, q: float, paper: bool, by_value: bool
) -> None:
    plain = _cold.interpreted("peninsula.kernels._eu_numba")
    x, s, c = arrs
    w = c * s
    sums = _eu_numba.pair_sums_1d(x, w)
    _same(sums, plain.pair_sums_1d(x, w))
    prob = K.win_probabilities(K.PairSums(*sums), form="paper" if paper else "masad")
    r = np.linspace(0.5, 2.0, x.shape[0])
    eu = _eu_numba.eu_matrix_1d(x, s, prob, r, mu, 10.0, q, 0.3, paper)
    _same(eu, plain.eu_matrix_1d(x, s, prob, r, mu, 10.0, q, 0.3, paper))
    _same(_eu_numba.risk_1d(eu), plain.risk_1d(eu))
    _same(_eu_numba.offers_1d(eu, x, by_value, 1e-12), plain.offers_1d(eu, x, by_value, 1e-12))


@pytest.fixture
def cold(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A cold numba cache (nothing loads), policy auto, and the background compile recorded, not started."""
    started: list[str] = []
    monkeypatch.setattr(_cold, "_load_cached", lambda dispatcher, args: False)

    def start() -> bool:
        started.append("compile")
        return True

    monkeypatch.setattr(_cold, "start_background_compile", start)
    monkeypatch.setattr(_cold, "_tell", lambda label: None)
    _cold.set_policy("auto")
    yield started
    _cold.set_policy(None)


def test_a_cold_small_call_runs_uncompiled_and_starts_the_compile(cold: list[str]) -> None:
    x = np.array([0.0, 1.0, 4.0])
    get = _cold.choose("k", "peninsula.kernels._eu_numba", {"pair_sums_1d": (x, x)}, small=True)
    assert get("pair_sums_1d") is _cold.interpreted("peninsula.kernels._eu_numba").pair_sums_1d
    assert cold == ["compile"]


def test_a_cold_large_call_compiles(cold: list[str]) -> None:
    x = np.array([0.0, 1.0, 4.0])
    get = _cold.choose("k", "peninsula.kernels._eu_numba", {"pair_sums_1d": (x, x)}, small=False)
    assert get("pair_sums_1d") is _eu_numba.pair_sums_1d
    assert cold == []


def test_policy_compile_never_runs_uncompiled(cold: list[str]) -> None:
    _cold.set_policy("compile")
    x = np.array([0.0, 1.0, 4.0])
    get = _cold.choose("k", "peninsula.kernels._eu_numba", {"pair_sums_1d": (x, x)}, small=True)
    assert get("pair_sums_1d") is _eu_numba.pair_sums_1d
    assert cold == []
    with pytest.raises(ValueError, match="policy"):
        _cold.set_policy("never")  # type: ignore[arg-type]


def test_policy_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    _cold.set_policy(None)
    monkeypatch.setenv("PENINSULA_JIT", "compile")
    assert _cold.policy() == "compile"
    monkeypatch.setenv("PENINSULA_JIT", "")
    assert _cold.policy() == "auto"


MODELS = ["eu", "eu-masad", "exchange", "exchange-random", "exchange-clean"]


def _outcomes(models: list[str]) -> dict[str, Any]:
    fc = forecast(load_packaged(DEFAULT_SCENARIO), models, rng=3)
    return {
        name: (
            {i: [(r.outcome, r.positions, repr(r.extra)) for r in v.rounds] for i, v in run.issues.items()},
            repr(run.events),
        )
        for name, run in fc.runs.items()
    }


def test_a_cold_forecast_of_the_default_scenario_is_the_compiled_one(cold: list[str]) -> None:
    _cold.set_policy("compile")
    compiled = _outcomes(MODELS)
    _cold.set_policy("auto")
    uncompiled = _outcomes(MODELS)
    assert cold == ["compile"] * len(cold) and cold  # the cold path was taken
    assert uncompiled == compiled


def test_the_background_compile_is_left_running_without_a_warning(tmp_path: Path) -> None:
    """The CLI shows warnings; a first run printed Python's "subprocess N is still running" ResourceWarning
    because the detached compile's process object was dropped at once. The child here sleeps instead of
    compiling (the same Popen call, its command swapped)."""
    code = (
        "import subprocess, warnings\n"
        "warnings.simplefilter('always')\n"
        "from peninsula.kernels import _cold\n"
        "_cold._compile_running = lambda: False\n"
        "real = subprocess.Popen\n"
        "subprocess.Popen = lambda args, **kw: real(['sleep', '2'], **kw)\n"
        "assert _cold.start_background_compile()\n"
        "import gc; gc.collect()\n"
    )
    src = str(Path(peninsula.kernels.__file__).resolve().parents[2])  # this checkout's code in the child
    env = {**os.environ, "PYTHONPATH": src}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env
    )
    assert out.returncode == 0, out.stderr
    assert "still running" not in out.stderr
