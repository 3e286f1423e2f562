"""Shared helpers for reading text input files."""

from __future__ import annotations

from pathlib import Path

from peninsula.core.errors import InputError


def read_text(path: Path) -> str:
    """Read a file as text, accepting UTF-8 (with or without BOM) and falling back to Windows-1252.

    Line endings are normalised to ``\\n`` (CR, LF and CRLF are all accepted).
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError.single(str(path), None, "file", f"cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise InputError.single(str(path), None, "file", "binary data (NUL bytes): not a text file")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_float(text: str) -> float:
    """Parse a decimal number, accepting a decimal comma; ``ValueError`` when it is not a finite number."""
    t = text.strip()
    if "," in t and "." not in t:
        t = t.replace(",", ".")
    value = float(t)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(text)
    return value
