"""The status line shown while numba compiles a kernel for the first time."""

from __future__ import annotations

import io
import time

import pytest

from peninsula.kernels import _notice
from peninsula.kernels._notice import compile_notice


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class _Dispatcher:
    def __init__(self, signatures: list[str]) -> None:
        self.signatures = signatures


def test_a_slow_first_compile_shows_a_status_line_and_its_end(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_notice, "THRESHOLD", 0.01)
    out = _Terminal()
    with compile_notice("the test kernel", _Dispatcher([]), stream=out):
        time.sleep(0.3)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert (
        lines[0].startswith("peninsula: compiling the test kernel (first run")
        and "peninsula warmup" in lines[0]
    )
    assert lines[1].startswith("peninsula: compiled the test kernel in ")


def test_nothing_is_shown_once_compiled_when_fast_or_off_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_notice, "THRESHOLD", 0.01)
    compiled, terminal = _Terminal(), _Terminal()
    with compile_notice("k", _Dispatcher(["(float64,)"]), stream=compiled):
        time.sleep(0.1)
    assert compiled.getvalue() == ""
    monkeypatch.setattr(_notice, "THRESHOLD", 5.0)
    with compile_notice("k", _Dispatcher([]), stream=terminal):
        pass
    assert terminal.getvalue() == ""
    monkeypatch.setattr(_notice, "THRESHOLD", 0.01)
    pipe = io.StringIO()  # not a terminal: nothing written
    with compile_notice("k", _Dispatcher([]), stream=pipe):
        time.sleep(0.1)
    assert pipe.getvalue() == ""


def test_the_exchange_kernel_is_wrapped() -> None:
    # the compiled round is prepared (loaded or compiled, with the notice) before it is called, unless a
    # cold start runs it uncompiled (kernels/_cold.py)
    from peninsula.kernels import _cold, exchange

    assert "choose" in exchange.exchange_round.__code__.co_names
    assert "prepare" in _cold.choose.__code__.co_names


def test_prepare_loads_once_and_counts_on_the_kernel_clock() -> None:
    import numba
    import numpy as np

    @numba.njit
    def twice(x):  # type: ignore[no-untyped-def]
        return 2.0 * x

    k0 = _notice.kernel_seconds()
    _notice.prepare("a test kernel", twice, np.ones(3))
    k1 = _notice.kernel_seconds()
    assert k1 > k0 and len(twice.signatures) == 1  # compiled now, before any call
    _notice.prepare("a test kernel", twice, np.zeros(5))  # same types: nothing to do
    assert _notice.kernel_seconds() == k1
    assert twice(np.ones(3)).tolist() == [2.0, 2.0, 2.0] and len(twice.signatures) == 1


def test_forecast_timings_leave_kernel_loading_out(monkeypatch: pytest.MonkeyPatch) -> None:
    import peninsula
    from peninsula.models.baselines import Median

    real = Median.run

    def slow_to_load(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with _notice.kernel_clock():
            time.sleep(0.3)  # stands for loading a kernel
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Median, "run", slow_to_load)
    f = peninsula.forecast(peninsula.DEFAULT_SCENARIO, ["median", "mean"])
    assert f.kernel_timings["median"] >= 0.3 and f.kernel_timings["mean"] == 0.0
    assert f.timings["median"] < f.kernel_timings["median"]


def test_a_sweep_prepares_its_compiled_loops_with_the_notice(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 26: no silent compile in a sweep: its loops and random streams go through ``prepare`` (the same
    notice as a forecast's kernels), whichever models it runs."""
    import peninsula

    seen: list[str] = []
    real = _notice.prepare

    def spy(label, dispatcher, *args):  # type: ignore[no-untyped-def]
        seen.append(f"{label}: {dispatcher.__name__}")
        real(label, dispatcher, *args)

    monkeypatch.setattr(_notice, "prepare", spy)
    peninsula.sweep(peninsula.DEFAULT_SCENARIO, ["median", "eu", "eu-masad", "exchange"], draws=4, seed=1)
    names = {s.split(": ")[1] for s in seen}
    assert {"baseline_issues", "eu_issues", "masad_issues", "exchange_draws", "_pcg_uniforms"} <= names
    assert all(s.startswith("the sweep's") for s in seen)
