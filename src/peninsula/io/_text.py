"""Shared helpers for reading text input files: size limit, encodings, numbers, CSV field size."""

from __future__ import annotations

import codecs
import csv
import math
from pathlib import Path

from peninsula.core.errors import InputError
from peninsula.core.limits import MAX_ABS_VALUE, MAX_FIELD_CHARS, check_file_size

# Byte-order marks, longest first (the UTF-32 LE mark starts with the UTF-16 LE one).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32 LE"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32 BE"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 LE"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 BE"),
)

csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD_CHARS + 1))


def check_path(path: Path, display: str | None = None) -> None:
    """Raise :class:`InputError` unless ``path`` is an existing regular file within the size limit."""
    name = display if display is not None else str(path)
    if path.is_dir():
        raise InputError.single(name, None, "path", "is a folder, not a file")
    if not path.exists():
        raise InputError.single(name, None, "path", "no such file")
    if not path.is_file():
        raise InputError.single(name, None, "path", "not a regular file")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError.single(name, None, "file", f"cannot read: {exc.strerror or exc}") from None
    check_file_size(name, size)


def _guess_bomless_utf16(raw: bytes) -> tuple[str, str] | None:
    """UTF-16 without a byte-order mark: mostly-ASCII text has a NUL in every other byte."""
    sample = raw[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.7 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le", "UTF-16 LE"
    if even.count(0) > 0.7 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be", "UTF-16 BE"
    return None


def decode(raw: bytes, name: str) -> str:
    """Decode file bytes: UTF-8, UTF-16 and UTF-32 (with a byte-order mark, or UTF-16 without one), else
    Windows-1252. Line endings are normalised to ``\\n`` (CR, LF and CRLF are all accepted).

    Raises
    ------
    InputError
        If the bytes are not text (NUL bytes in no known encoding), or a Unicode file is damaged.
    """
    encoding, label = "", ""
    for bom, enc, lab in _BOMS:
        if raw.startswith(bom):
            encoding, label, raw = enc, lab, raw[len(bom) :]
            break
    else:
        guess = _guess_bomless_utf16(raw) if b"\x00" in raw[:4096] else None
        if guess is not None:
            encoding, label = guess
    if encoding:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise InputError.single(
                name, None, "file", f"looks like {label} text, but byte {exc.start} is not valid {label}"
            ) from None
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise InputError.single(
            name,
            None,
            "file",
            "binary data (NUL bytes): not a text file in UTF-8, UTF-16, UTF-32 or Windows-1252",
        )
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text(path: Path, display: str | None = None) -> str:
    """Read a file as text (see :func:`decode` for the encodings), within :data:`MAX_FILE_BYTES`.

    Errors name ``display`` (default: the path as given).
    """
    name = display if display is not None else str(path)
    check_path(path, name)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError.single(name, None, "file", f"cannot read: {exc.strerror or exc}") from None
    return decode(raw, name)


def parse_float(text: str) -> float:
    """Parse a decimal number, accepting a decimal comma.

    ``ValueError`` when it is not a finite number or its magnitude is over
    :data:`~peninsula.core.limits.MAX_ABS_VALUE`; the message says which.
    """
    t = text.strip()
    if "," in t and "." not in t:
        t = t.replace(",", ".")
    try:
        value = float(t)
    except ValueError:
        raise ValueError(f"not a number: {text.strip()[:40]!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {text.strip()[:40]!r}")
    if abs(value) > MAX_ABS_VALUE:
        raise ValueError(f"{value:g} is larger in magnitude than the limit {MAX_ABS_VALUE:g}")
    return value


def field_too_long(line: int | None, name: str) -> InputError:
    """The error for a CSV field over :data:`MAX_FIELD_CHARS` (``csv.Error``) at ``line``."""
    return InputError.single(
        name,
        line,
        "field",
        f"a field is longer than the limit of {MAX_FIELD_CHARS:,} characters (or a quote is not closed)",
    )


def csv_rows(text: str, name: str, delimiter: str = ",") -> list[tuple[int, list[str]]]:
    """Parse CSV ``text`` into ``(line, fields)`` pairs, the line being where each record starts.

    Raises
    ------
    InputError
        If a field is longer than :data:`MAX_FIELD_CHARS` or the CSV is malformed; names the line.
    """
    lines = text.split("\n")
    reader = csv.reader(lines, delimiter=delimiter)
    out: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for row in reader:
            if any(len(c) > MAX_FIELD_CHARS for c in row):
                raise field_too_long(start, name)
            out.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise field_too_long(start, name) from None
        raise InputError.single(name, start, "file", f"malformed CSV: {exc}") from None
    return out
