"""Sanitisers: text from a scenario, a store or a request made safe for the place it is written to.

Ids, names, titles, notes and source quotes come from files that may have been written by someone else
(``docs/security.md``). Each output channel has one function here, and every writer uses it:

* :func:`file_name` -- a file name derived from an id (``report --png DIR``, downloads): one path part,
  never ``..``, never leaving the chosen folder (:func:`inside` checks that);
* :func:`plain_text` -- a matplotlib label: ``$`` no longer starts math text (charts also draw with
  ``text.parse_math`` off);
* :func:`script_json` -- JSON embedded in an HTML ``<script>`` element: no ``<`` (hence no ``</script>``
  and no ``<!--``), ``>`` or ``&`` survives as itself;
* :func:`terminal_text` -- text printed on a terminal: control characters (escape sequences, C1 controls,
  bidirectional overrides) removed;
* :func:`csv_cell` -- a CSV text cell that a spreadsheet would run as a formula (``= + - @``, tab or
  carriage return first) is quoted as text with a leading ``'``.

The module is pure (no I/O, standard library only) so that every layer, from the readers up, can use it.

Examples
--------
>>> file_name("a/../../x")
'a_.._.._x-8ad23833'
>>> plain_text("$\\\\frac{$")
'\\\\$\\\\frac{\\\\$'
>>> script_json({"q": "<!--<script>"})
'{"q": "\\\\u003c!--\\\\u003cscript\\\\u003e"}'
>>> terminal_text("ok\\x1b[31m red")
'ok[31m red'
>>> csv_cell("=HYPERLINK(1)"), csv_cell("-3"), csv_cell(-3.5)
("'=HYPERLINK(1)", "'-3", -3.5)
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, Final, TypeVar

__all__ = [
    "CONTROL_CHARACTERS",
    "csv_cell",
    "file_name",
    "inside",
    "plain_text",
    "script_json",
    "terminal_text",
]

T = TypeVar("T")

#: Characters a terminal acts on instead of printing: C0 controls but tab and line feed, DEL, the C1
#: controls (``\x9b`` is a one-byte CSI on some terminals) and the bidirectional overrides and isolates
#: (which reorder what a reader sees, "Trojan source").
CONTROL_CHARACTERS: Final = frozenset(
    [chr(c) for c in range(32) if chr(c) not in "\t\n"]
    + [chr(127)]
    + [chr(c) for c in range(0x80, 0xA0)]
    + [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)]
)
_CONTROL_TABLE: Final = dict.fromkeys(map(ord, CONTROL_CHARACTERS))

#: Characters kept in a file name; anything else becomes ``_``.
_NAME_OK = re.compile(r"[^A-Za-z0-9._-]")
#: Longest file name :func:`file_name` returns before its suffix (well under every file system's 255).
MAX_NAME: Final = 100

#: First characters that make a spreadsheet read a cell as a formula (OWASP's list).
FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def file_name(text: str, suffix: str = "") -> str:
    """A file name derived from ``text`` (an id, a chart key) that stays in the folder it is joined to.

    Letters, digits, ``.``, ``_`` and ``-`` are kept, anything else (``/``, ``\\``, NUL, spaces, non-ASCII)
    becomes ``_``; a leading dot becomes ``_`` (no hidden files, never ``.`` or ``..``). A name that had to
    change, or was longer than :data:`MAX_NAME`, gets 8 hex digits of the SHA-256 of ``text``, so two ids
    that differ only in the replaced characters never share a file.

    Parameters
    ----------
    text:
        The id or key.
    suffix:
        Appended as given (``".png"``); it is the caller's, never from the input.

    Examples
    --------
    >>> file_name("positions-sma"), file_name(""), file_name(".."), file_name("a b", ".png")
    ('positions-sma', '_-e3b0c442', '_.-5ec1f7e7', 'a_b-c8687a08.png')
    """
    safe = _NAME_OK.sub("_", text)
    if safe.startswith("."):
        safe = "_" + safe[1:]
    if safe != text or not safe or len(safe) > MAX_NAME:
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        safe = f"{safe[:MAX_NAME] or '_'}-{digest}"
    return safe + suffix


def inside(folder: str | Path, name: str) -> Path:
    """``folder / name``, after checking that it names a file directly inside ``folder``.

    Raises
    ------
    ValueError
        If ``name`` has a path separator, is ``.`` or ``..``, or the joined path leaves ``folder`` (use
        :func:`file_name` first; this is the check that it was).
    """
    base = Path(folder)
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
        raise ValueError(f"{name!r} is not a plain file name")
    path = base / name
    if path.resolve().parent != base.resolve():
        raise ValueError(f"{name!r} leaves the folder {base}")
    return path


def plain_text(text: str) -> str:
    """``text`` as a matplotlib label that is drawn as written: every ``$`` escaped.

    matplotlib reads text between two ``$`` as math (TeX-like) and fails on malformed math (``$\\frac{$``);
    an escaped ``\\$`` is drawn as a dollar sign.
    """
    return text.replace("$", r"\$")


def script_json(doc: Any) -> str:
    """``doc`` as JSON that can sit inside an HTML ``<script>`` element unchanged.

    ``<``, ``>`` and ``&`` are written as ``\\u003c``, ``\\u003e`` and ``\\u0026`` (the same JSON value), so
    no ``</script>`` ends the element early and no ``<!--`` switches the HTML parser into its
    "script data escaped" state (which would swallow the page's own script); U+2028 and U+2029 are escaped
    too. NaN and infinity are refused (``ValueError``), as everywhere peninsula writes JSON.
    """
    text = json.dumps(doc, ensure_ascii=False, allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def terminal_text(text: str) -> str:
    """``text`` without :data:`CONTROL_CHARACTERS` (tab and line feed are kept)."""
    return text.translate(_CONTROL_TABLE)


def csv_cell(value: T) -> T | str:
    """A CSV cell: a string a spreadsheet would run as a formula is prefixed with ``'`` (read as text).

    Numbers are returned unchanged (a negative number is a number, not a formula); so are strings that do
    not start with one of :data:`FORMULA_START`.
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
