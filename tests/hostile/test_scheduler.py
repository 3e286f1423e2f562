"""``--scheduler`` at a listener that is not a dask scheduler: exit 2 within the connect timeout (issue 27).

In 2026-12 a listener that accepted and stayed silent made ``sweep --scheduler`` hang for over 90 s, and one
that answered in another protocol (HTTP) ended in an internal error with a traceback after 18 s.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.robustness._helpers import assert_input_error


@pytest.fixture(params=["silent", "http"])
def listener(request: pytest.FixtureRequest) -> Iterator[str]:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.2)
    stop = threading.Event()
    conns: list[socket.socket] = []

    def accept() -> None:
        while not stop.is_set():
            try:
                c, _ = srv.accept()
            except OSError:
                continue
            conns.append(c)
            if request.param == "http":
                c.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello")

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        yield f"tcp://127.0.0.1:{srv.getsockname()[1]}"
    finally:
        stop.set()
        t.join(5)
        for c in conns:
            c.close()
        srv.close()


def test_a_listener_that_is_not_a_scheduler_is_exit_2_within_the_timeout(
    listener: str, tmp_path: Path
) -> None:
    t0 = time.monotonic()
    args = [
        "sweep",
        "-n",
        "10",
        "-m",
        "compromise",
        "--scheduler",
        listener,
        "--store",
        str(tmp_path / "s.duckdb"),
    ]
    assert_input_error(args, f"--scheduler {listener}: not a dask scheduler")
    assert time.monotonic() - t0 < 30
