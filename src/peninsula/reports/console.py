"""Consoles, JSON output and number formats shared by every command (one place, one convention).

* stdout tables are never squeezed to 80 columns when piped: without a terminal the width is 160;
* no emoji codes: ``file.csv:100: ...`` must not print as ``file.csv💯 ...``;
* JSON is written with ``indent=2``, ``ensure_ascii=False`` and ``allow_nan=False`` (NaN is a bug, not a
  value), followed by one newline.
"""

from __future__ import annotations

import json
import math
import sys
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

#: Width of stdout tables when stdout is not a terminal (piped or redirected).
PIPED_WIDTH = 160


@cache
def out() -> Console:
    """The stdout console (wide when piped, so table cells are not cut to ``0.…``)."""
    from rich.console import Console

    return Console(
        highlight=False, soft_wrap=True, emoji=False, width=None if sys.stdout.isatty() else PIPED_WIDTH
    )


@cache
def err() -> Console:
    """The stderr console: errors, warnings, progress."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


def json_text(doc: Any) -> str:
    """``doc`` as the JSON text every command prints (see the module docstring)."""
    return json.dumps(doc, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


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
