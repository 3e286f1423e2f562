"""``-`` for stdin and stdout: a scenario read from stdin, text written to stdout (issue 26).

Where a command reads a scenario, ``-`` reads it from stdin (YAML, a DECIDE file or a BDM CSV table, told
apart by their content); where it writes a text file, ``-`` writes to stdout. Problems in a scenario from
stdin name ``<stdin>`` as the file.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from peninsula.core import Scenario

__all__ = ["STDIN_NAME", "is_std", "read_scenario_stdin", "scenario_argument", "write_output"]

#: The file name problems in a scenario read from stdin carry.
STDIN_NAME = "<stdin>"

_YAML_KEY = re.compile(r"^(id|title|date|description|actors|issues|stances|metadata)\s*:", re.MULTILINE)


def is_std(path: str | Path | None) -> bool:
    """True if ``path`` is ``-`` (stdin or stdout)."""
    return path is not None and str(path) == "-"


def _suffix(text: str) -> str:
    """The file suffix peninsula's readers need for this text: YAML, DECIDE (``#`` rows) or a BDM CSV."""
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    if first.lstrip("'\"").startswith("#") and "\t" in text:
        return ".txt"
    return ".yaml" if _YAML_KEY.search(text) else ".csv"


def read_scenario_stdin() -> Scenario:
    """The scenario on stdin; problems name :data:`STDIN_NAME` as their file (exit 2)."""
    import tempfile

    from peninsula import api
    from peninsula.core import InputError, InputProblem

    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
    if not data.strip():
        raise InputError.single(
            STDIN_NAME, None, "file", "stdin is empty: pipe a scenario in, or name a file"
        )
    suffix = _suffix(data.decode("utf-8", errors="replace"))
    with tempfile.TemporaryDirectory(prefix="peninsula-stdin-") as tmp:
        path = Path(tmp) / f"stdin{suffix}"
        path.write_bytes(data)
        try:
            return api.load_file(path)
        except InputError as exc:
            renamed = [
                InputProblem(
                    STDIN_NAME if p.file in (str(path), path.name) else p.file.replace(str(path), STDIN_NAME),
                    p.line,
                    p.field,
                    p.message.replace(str(path), STDIN_NAME),
                    p.context,
                )
                for p in exc.problems
            ]
            raise InputError(renamed) from None


def scenario_argument(path: str | None) -> Scenario:
    """A command's scenario argument: a file, a packaged id, ``-`` (stdin) or ``None`` (the default)."""
    from peninsula import api

    if is_std(path):
        return read_scenario_stdin()
    return api.load(path if path is not None else api.DEFAULT_SCENARIO)


def write_output(path: str | Path, text: str) -> None:
    """Write ``text`` to the file ``path`` (atomically), or to stdout when ``path`` is ``-``."""
    if is_std(path):
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from peninsula import api

    api.write_text(path, text)
