"""Atomic file writes: a temporary file in the target's folder, renamed into place only when complete.

A write that fails part-way (disk full, file-size limit, a crash) leaves the old file as it was and no
temporary file behind. Every file peninsula writes goes through :func:`atomic_write` or
:func:`write_text`/:func:`write_bytes`; problems with the target (missing or unwritable folder, a
directory, a full disk) become an :class:`~peninsula.core.InputError` naming the path, so the CLI exits 2.
An existing target that is not a regular file (a device such as ``/dev/null``, a named pipe, a socket) is
refused before any work: it can be neither replaced (that would destroy it) nor written atomically.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from peninsula.core.errors import InputError

__all__ = [
    "FIGURE_SUFFIXES",
    "atomic_write",
    "check_figure_target",
    "check_target",
    "save_figure",
    "write_bytes",
    "write_text",
]

_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EFBIG: "the file is larger than the system allows",
    errno.EDQUOT: "the disk quota is exhausted",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the file system is read-only",
    errno.ENOENT: "the folder does not exist",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EISDIR: "it is a folder, not a file",
}


def _fail(path: str | Path, reason: str) -> InputError:
    return InputError.single(str(path), None, "output", f"cannot write: {reason}")


def _reason(exc: OSError) -> str:
    return _REASONS.get(exc.errno or 0, exc.strerror or str(exc))


def check_target(path: str | Path) -> Path:
    """Check that ``path`` can be written as a file; return it as a :class:`~pathlib.Path`.

    Raises
    ------
    InputError
        If the path is empty, names a folder or an existing file that is not a regular file (a device, a
        named pipe, a socket), or its folder is missing or not writable.
    """
    if str(path).strip() == "":
        raise _fail(repr(str(path)), "the output path is empty")
    p = Path(path)
    if p.is_dir():
        raise _fail(p, "it is a folder, not a file")
    folder = p.parent
    if not folder.exists():
        raise _fail(p, f"the folder {str(folder)!r} does not exist")
    if not folder.is_dir():
        raise _fail(p, f"{str(folder)!r} is not a folder")
    if p.exists() and not p.is_file():  # a device such as /dev/null, a fifo, a socket
        raise _fail(
            p,
            "it is not a regular file (a device, named pipe or socket); peninsula writes a new file and "
            "renames it into place, so give a file name",
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise _fail(p, f"the folder {str(folder)!r} is not writable")
    return p


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path`` for writing; on success rename it onto ``path``.

    ``mode`` is ``"w"`` (text, UTF-8 unless ``encoding`` is given) or ``"wb"``. On any error the temporary
    file is removed and ``path`` is left untouched. A path that exists but is not a regular file (a device
    such as ``/dev/null``, a named pipe) is refused (:func:`check_target`).

    Raises
    ------
    InputError
        If the target cannot be written (see :func:`check_target`) or the write fails (disk full ...).
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', not {mode!r}")
    if mode == "w":
        kwargs.setdefault("encoding", "utf-8")
        kwargs.setdefault("newline", "")
    p = check_target(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    except OSError as exc:
        raise _fail(p, _reason(exc)) from None
    try:
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        if p.exists():
            with contextlib.suppress(OSError):
                os.chmod(tmp, p.stat().st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, p)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise _fail(p, _reason(exc)) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_text(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_write`)."""
    with atomic_write(path, "w", encoding=encoding) as fh:
        fh.write(text)


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_write`)."""
    with atomic_write(path, "wb") as fh:
        fh.write(data)


#: Chart formats written by :func:`save_figure`, by file suffix.
FIGURE_SUFFIXES = (".png", ".svg", ".pdf")


def check_figure_target(path: str | Path) -> Path:
    """Check that ``path`` can take a chart: a writable file whose suffix is ``.png``, ``.svg`` or ``.pdf``.

    Raises
    ------
    InputError
        If the suffix names no chart format (``fan.txt``, or none: ``adir``) or the target cannot be
        written (see :func:`check_target`).
    """
    p = check_target(path)
    if p.suffix.lower() not in FIGURE_SUFFIXES:
        raise InputError.single(
            str(p),
            None,
            "output",
            f"a chart is written as {', '.join(FIGURE_SUFFIXES)}, chosen by the suffix; "
            f"{p.suffix or 'no suffix'!r} is none of them",
        )
    return p


def save_figure(fig: Any, path: str | Path, dpi: int = 150) -> Path:
    """Save a matplotlib figure atomically, in the format its suffix names (:func:`check_figure_target`)."""
    p = check_figure_target(path)
    with atomic_write(p, "wb") as fh:
        fig.savefig(fh, format=p.suffix.lower().lstrip("."), dpi=dpi)
    return p
