"""Tables that fit the terminal: numbers are never cut, columns that do not fit move to a next panel.

rich squeezes a table that is wider than the console by cutting its cells (``1,2…``). Every numeric table
of peninsula is built here instead, from :class:`Column` objects: the key columns (the row labels) are
repeated in every panel and the other columns are laid out left to right, as many per panel as the width
allows (:func:`fit_tables`), so that a wide table reads at 80 columns as two or three stacked panels, each
complete. Prose under a table wraps at the same width (:class:`Prose`).

The width is the stdout console's (:func:`peninsula.reports.console.out`): ``$COLUMNS`` when set, the
terminal's, or :data:`~peninsula.reports.console.PIPED_WIDTH` when piped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
    from rich.table import Table
    from rich.text import Text

__all__ = ["Column", "Prose", "fit_table", "fit_tables", "fitted", "table_width"]

#: Widest a wrapping text column starts out when columns are laid out in panels (it may wrap narrower).
TEXT_WIDTH = 40


@dataclass(frozen=True)
class Column:
    """One column of a table: its header (``\\n`` breaks it into lines), its cells (plain text, one per
    row), alignment and style; ``key`` columns label the rows and are repeated in every panel."""

    header: str | Text
    cells: Sequence[str | Text]
    justify: Literal["default", "left", "right", "center", "full"] = "right"
    style: str | None = None
    key: bool = False
    wrap: bool = False  # a text column that may wrap (never a number)

    @property
    def width(self) -> int:
        """Cells needed to show the header and every cell uncut (a wrapping column: at most
        :data:`TEXT_WIDTH`)."""
        head = _plain(self.header)
        natural = max([len(x) for x in head.split("\n")] + [_cell_len(c) for c in self.cells] + [1])
        return min(natural, TEXT_WIDTH) if self.wrap else natural


def _plain(x: str | Text) -> str:
    from rich.text import Text

    return x.plain if isinstance(x, Text) else Text.from_markup(x).plain


def _cell_len(x: str | Text) -> int:
    from rich.cells import cell_len

    return max((cell_len(line) for line in _plain(x).split("\n")), default=0)


def _text(x: str | Text) -> Text:
    from rich.text import Text

    return x if isinstance(x, Text) else Text.from_markup(x)


@dataclass(frozen=True)
class Prose:
    """Text that wraps at the console's width (the consoles print with ``soft_wrap``, which does not).

    ``text`` may hold rich markup; ``indent`` spaces start every line.
    """

    text: str
    indent: int = 0
    style: str = ""
    markup: bool = True

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.padding import Padding
        from rich.text import Text

        t = Text.from_markup(self.text, style=self.style) if self.markup else Text(self.text, self.style)
        body: RenderableType = Padding(t, (0, 0, 0, self.indent)) if self.indent else t
        yield from console.render(body, options.update(no_wrap=False, overflow="fold"))


def table_width(console: Console | None = None) -> int:
    """The width tables must fit: the stdout console's (see the module docstring)."""
    if console is None:
        from peninsula.reports.console import out

        console = out()
    return int(console.width)


def _panel_width(widths: Sequence[int]) -> int:
    """Width of a table of columns this wide with the style :func:`_table` gives (box SIMPLE_HEAD)."""
    # one cell of padding right of every column and a one-cell divider between columns; no edge
    return sum(w + 2 for w in widths) - 1 if widths else 0


def _table(title: str | None, caption: str | None, show_lines: bool = False) -> Table:
    from rich import box
    from rich.table import Table

    return Table(
        title=title,
        caption=caption,
        title_justify="left",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        padding=(0, 1, 0, 0),
        pad_edge=True,
        collapse_padding=False,
        show_lines=show_lines,
    )


def fit_tables(
    title: str | None,
    columns: Sequence[Column],
    *,
    width: int | None = None,
    row_styles: Sequence[Any] = (),
    sections: Iterable[int] = (),
    caption: str | None = None,
    title_style: str = "bold",
    show_lines: bool = False,
) -> list[RenderableType]:
    """``columns`` as one table, or as several panels when they do not fit ``width`` (default: the console's).

    Key columns (``Column.key``) start every panel; the others follow in order, each panel taking as many
    as fit. A panel always holds at least one non-key column, so a column wider than the terminal is still
    shown whole (the terminal then wraps it). ``row_styles`` styles whole rows; ``sections`` are the row
    numbers a rule is drawn above. Every panel after the first is titled ``(continued)``. Titles and the
    caption are printed as :class:`Prose` above and below the panels, wrapping at the width.
    """
    w = table_width() if width is None else width
    keys = [c for c in columns if c.key]
    rest = [c for c in columns if not c.key]
    key_width = _panel_width([c.width for c in keys]) + (1 if keys else 0)
    panels: list[list[Column]] = []
    current: list[Column] = []
    used = key_width
    for c in rest:
        need = c.width + 2
        if current and used + need > w and not c.wrap:
            panels.append(current)
            current, used = [], key_width
        current.append(c)
        used += need
    if current or not panels:
        panels.append(current)
    n_rows = max((len(c.cells) for c in columns), default=0)
    section_rows = set(sections)
    out: list[RenderableType] = []
    for k, panel in enumerate(panels):
        head = title if k == 0 else (f"{title} (continued)" if title else "(continued)")
        if head:
            out.append(Prose(head, style=title_style))
        table = _table(None, None, show_lines)
        for c in [*keys, *panel]:
            table.add_column(
                _text(c.header),
                justify=c.justify,
                style=c.style,
                no_wrap=not c.wrap,
                overflow="fold",
                min_width=None if c.wrap else c.width,
            )
        for r in range(n_rows):
            cells = [c.cells[r] if r < len(c.cells) else "" for c in [*keys, *panel]]
            style = row_styles[r] if r < len(row_styles) else None
            table.add_row(*(_text(x) for x in cells), style=style, end_section=(r + 1) in section_rows)
        out.append(table)
    if caption:
        out.append(Prose(caption, style="dim"))
    return out


def fit_table(table: Table, keys: int = 1, width: int | None = None) -> list[RenderableType]:
    """A rich ``table`` laid out by :func:`fit_tables`: its first ``keys`` columns label the rows.

    Right-aligned columns are numbers (never wrapped or cut); other columns after the keys are text that
    may wrap, unless the table's column says ``no_wrap`` (ids, dates: moved to the next panel instead).
    Row styles, section rules, the title and the caption are kept.
    """
    from rich.text import Text

    cols = []
    for k, c in enumerate(table.columns):
        header = c.header if isinstance(c.header, Text | str) else str(c.header)
        cells = [x if isinstance(x, Text | str) else str(x) for x in c._cells]
        cols.append(
            Column(
                header,
                cells,
                justify=c.justify,
                style=str(c.style) if c.style else None,
                key=k < keys,
                wrap=k >= keys and c.justify != "right" and not c.no_wrap,
            )
        )
    title = table.title if isinstance(table.title, str) else (table.title.plain if table.title else None)
    caption = table.caption if isinstance(table.caption, str) else None
    sections = [r + 1 for r, row in enumerate(table.rows) if row.end_section]
    return fit_tables(
        title,
        cols,
        width=width,
        row_styles=[row.style for row in table.rows],
        sections=sections,
        caption=caption,
        show_lines=table.show_lines,
    )


def fitted(table: Table, keys: int = 1) -> RenderableType:
    """:func:`fit_table` as one renderable (a :class:`rich.console.Group` of the panels)."""
    from rich.console import Group

    return Group(*fit_table(table, keys))
