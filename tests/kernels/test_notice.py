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
    # the wrapped call is the compiled round itself: once it ran, nothing more would be shown
    from peninsula.kernels import exchange

    assert "compile_notice" in exchange.exchange_round.__code__.co_names
