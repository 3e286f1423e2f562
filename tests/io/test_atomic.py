"""Atomic writes leave nothing behind when they fail: no temporary file, no open descriptor, the old file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from peninsula.core import InputError
from peninsula.io.atomic import atomic_write, write_text


def _open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd")) if Path("/proc/self/fd").is_dir() else set()


class Boom(Exception):
    pass


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        (Boom("the writer failed"), Boom),
        (KeyboardInterrupt(), KeyboardInterrupt),
        (OSError(28, "No space"), InputError),
    ],
)
@pytest.mark.parametrize("mode", ["w", "wb"])
def test_a_writer_that_raises_leaves_no_temporary_file_and_the_old_content(
    tmp_path: Path, error: BaseException, raised: type[BaseException], mode: str
) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old content")
    before = _open_fds()
    with pytest.raises(raised), atomic_write(target, mode) as fh:
        fh.write("new" if mode == "w" else b"new")
        raise error
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]  # no .out.txt.*.tmp left
    assert target.read_text() == "old content"
    assert _open_fds() <= before


def test_a_failure_before_the_first_write_leaves_nothing(tmp_path: Path) -> None:
    # an unknown encoding fails while the temporary file is being opened for writing
    before = _open_fds()
    with pytest.raises(LookupError), atomic_write(tmp_path / "new.txt", "w", encoding="no-such-codec"):
        pass
    assert list(tmp_path.iterdir()) == []
    assert _open_fds() <= before


def test_a_successful_write_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    write_text(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
