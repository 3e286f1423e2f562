"""Short ``repr`` and notebook HTML (``_repr_html_``) for the result objects (issue 26).

A notebook shows an object by its ``_repr_html_``; a console by its ``repr``. The dataclass and pydantic
defaults print every field, so ``repr(forecast)`` used to dump the whole scenario (60,000 characters). The
objects' ``__repr__`` now say what they are in one line, and ``_repr_html_`` renders a small table built
here: escaped text only, no script, no style sheet, numbers in the tables' format.

Examples
--------
>>> number(28500.0), number(0.5), number(float("nan")), number(None)
('28,500', '0.50', '–', '–')
>>> t = html_table(["issue", "value"], [["x<y", "1.00"]], caption="A & B")
>>> "x&lt;y" in t and "A &amp; B" in t and t.startswith("<table>")
True
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

__all__ = ["clip", "html_table", "number"]


def number(x: float | None) -> str:
    """A value as the tables print it: thousands with separators, 4 significant figures up to 1,000, ``–``
    for none (``None`` or NaN)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    a = abs(x)
    if a >= 1000:
        return f"{x:,.0f}"
    if a >= 100:
        return f"{x:.1f}"
    return f"{x:.2f}"


def clip(text: str, width: int = 60) -> str:
    """``text`` on one line, cut to ``width`` characters with ``…``."""
    one = " ".join(text.split())
    return one if len(one) <= width else one[: width - 1] + "…"


def html_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    caption: str = "",
    notes: Sequence[str] = (),
) -> str:
    """A plain HTML table: the first column left-aligned, the others right-aligned (numbers), every cell
    escaped; ``caption`` in bold above it, ``notes`` as small lines under it."""

    def cells(tag: str, values: Sequence[str]) -> str:
        return "".join(
            f'<{tag} style="text-align:{"left" if k == 0 else "right"}">{html.escape(str(v))}</{tag}>'
            for k, v in enumerate(values)
        )

    parts = ["<table>"]
    if caption:
        parts.append(f'<caption style="text-align:left"><b>{html.escape(caption)}</b></caption>')
    parts.append(f"<thead><tr>{cells('th', header)}</tr></thead><tbody>")
    parts += [f"<tr>{cells('td', row)}</tr>" for row in rows]
    parts.append("</tbody></table>")
    parts += [f"<p><small>{html.escape(n)}</small></p>" for n in notes]
    return "".join(parts)
