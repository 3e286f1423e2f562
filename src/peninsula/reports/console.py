"""Consoles, JSON output and number formats shared by every command (one place, one convention).

* stdout tables fit the width: ``$COLUMNS`` when set, else the terminal's, else (piped) 160; tables that
  do not fit are laid out in panels by :mod:`peninsula.reports.layout`, never cut;
* no emoji codes: ``file.csv:100: ...`` must not print as ``file.csv💯 ...``;
* JSON is written with ``indent=2``, ``ensure_ascii=False`` and ``allow_nan=False`` (NaN is a bug, not a
  value), followed by one newline;
* nothing from a scenario or store file reaches the terminal as a control sequence: both consoles drop
  :data:`~peninsula.core.sanitize.CONTROL_CHARACTERS` from every piece of text they print (tables, titles,
  messages, errors), and JSON writes them as ``\\uXXXX`` escapes (the same JSON value);
* CSV text cells that a spreadsheet would run as a formula are quoted as text (:func:`csv_text`).
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from functools import cache
from typing import TYPE_CHECKING, Any

from peninsula.core.sanitize import CONTROL_CHARACTERS, csv_cell, terminal_text

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console

#: Width of stdout tables when stdout is not a terminal (piped or redirected).
PIPED_WIDTH = 160


def _console_class() -> type[Console]:
    """rich's Console, with every printed segment of text stripped of control characters."""
    from rich.console import Console
    from rich.segment import Segment

    class _Plain(Console):
        def render(self, renderable: Any, options: Any = None) -> Any:
            for seg in super().render(renderable, options):
                if seg.control is None and _HAS_CONTROL.search(seg.text):
                    yield Segment(terminal_text(seg.text), seg.style)
                else:
                    yield seg

    return _Plain


_HAS_CONTROL = re.compile("[" + re.escape("".join(sorted(CONTROL_CHARACTERS))) + "]")


def stdout_width() -> int | None:
    """Width of stdout tables: ``$COLUMNS`` if set, ``None`` (the terminal's) on a terminal, else
    :data:`PIPED_WIDTH`."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return None if sys.stdout.isatty() else PIPED_WIDTH


def out() -> Console:
    """The stdout console, as wide as :func:`stdout_width` says (read on every call)."""
    return _out(stdout_width())


@cache
def _out(width: int | None) -> Console:
    return _console_class()(highlight=False, soft_wrap=True, emoji=False, width=width)


@cache
def err() -> Console:
    """The stderr console: errors, warnings, progress."""
    return _console_class()(stderr=True, highlight=False, soft_wrap=True, emoji=False)


def json_text(doc: Any) -> str:
    """``doc`` as the JSON text every command prints (see the module docstring).

    Examples
    --------
    >>> json_text({"name": "a\\u009b31mb"}) == '{\\n  "name": "a\\\\u009b31mb"\\n}\\n'
    True
    """
    text = json.dumps(doc, indent=2, allow_nan=False, ensure_ascii=False) + "\n"
    return _HAS_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def csv_text(df: pd.DataFrame) -> str:
    """``df`` as CSV (no index) with text cells a spreadsheet would run as a formula quoted as text
    (:func:`peninsula.core.sanitize.csv_cell`)."""
    from pandas.api.types import is_numeric_dtype

    text_cols = [c for c in df.columns if not is_numeric_dtype(df[c])]
    if text_cols:
        df = df.assign(**{str(c): df[c].map(csv_cell) for c in text_cols})
    return str(df.to_csv(index=False))


def write_json(doc: Any) -> None:
    """Print ``doc`` as JSON on stdout."""
    sys.stdout.write(json_text(doc))


def fmt(x: Any) -> str:
    """A number for a table: thousands separators from 1,000, one decimal from 100, else two; ``–`` for none.

    Examples
    --------
    >>> fmt(1234.5), fmt(123.45), fmt(0.5), fmt(None), fmt(float("nan"))
    ('1,234', '123.5', '0.50', '–', '–')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    v = float(x)
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.1f}" if abs(v) >= 100 else f"{v:.2f}"


def signed(x: Any) -> str:
    """A change for a table: explicit sign, same precision rules as :func:`fmt`.

    Examples
    --------
    >>> signed(2.5), signed(-1500.0), signed(0.0)
    ('+2.50', '-1,500', '0')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    v = float(x)
    return "0" if v == 0 else ("+" if v > 0 else "-") + fmt(abs(v))


def num(x: float, digits: int = 2) -> str:
    """``x`` with ``digits`` decimals, ``–`` for NaN."""
    return "–" if math.isnan(x) else f"{x:.{digits}f}"
