"""Output targets that cannot be written, and a write that fails part-way: the old file must survive."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.robustness._helpers import assert_input_error


@pytest.mark.parametrize(
    ("target", "fragment"),
    [
        ("", "the output path is empty"),
        ("{tmp}/missing/out.yaml", "does not exist"),
        ("{tmp}", "it is a folder"),
        ("/dev/full", "not a regular file"),
        ("/dev/null", "not a regular file"),
    ],
)
def test_convert_to_a_bad_target(tmp_path: Path, target: str, fragment: str) -> None:
    assert_input_error(["convert", "korea-2019-04", target.format(tmp=tmp_path)], fragment)


def test_outputs_refuse_a_named_pipe_and_leave_it(tmp_path: Path) -> None:
    """A pipe (or device) is neither replaced by a regular file nor opened (which would block)."""
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    assert_input_error(["convert", "korea-2019-04", str(fifo)], "not a regular file")
    assert fifo.is_fifo()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_convert_into_a_read_only_folder(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        assert_input_error(["convert", "korea-2019-04", str(ro / "x.yaml")], "not writable")
    finally:
        ro.chmod(0o700)


@pytest.mark.parametrize("target", ["{tmp}", "{tmp}/missing/ev.csv", ""])
def test_forecast_events_bad_target(tmp_path: Path, target: str) -> None:
    assert_input_error(
        ["forecast", "-m", "compromise", "--events", target.format(tmp=tmp_path)], "cannot write"
    )


@pytest.mark.parametrize(
    ("name", "fragment"), [("fan.txt", "'.txt' is none of them"), ("adir", "'no suffix'")]
)
def test_whatif_out_must_name_a_chart_format(tmp_path: Path, name: str, fragment: str) -> None:
    args = ["whatif", "--from", "2018-06", "--months", "3", "--draws", "10", "--out", str(tmp_path / name)]
    assert_input_error(args, fragment)
    assert list(tmp_path.iterdir()) == []  # nothing written, not even adir.png


SCRIPT = """
import resource, sys
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), int(sys.argv[2])))
from peninsula.cli import main
sys.argv = ["peninsula", "convert", "korea-2019-04", sys.argv[1]]
main()
"""


@pytest.mark.parametrize("name", ["out.yaml", "out.csv"])
def test_failed_write_leaves_the_old_file_whole(tmp_path: Path, name: str) -> None:
    target = tmp_path / name
    old = "old content that must survive\n" * 10
    target.write_text(old)
    # a file-size limit smaller than the new file: the write fails part-way (EFBIG), as on a full disk
    r = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(target), "4096"], capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 2, r.stderr
    assert "cannot write" in r.stderr and name in r.stderr
    assert target.read_text() == old
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left behind
