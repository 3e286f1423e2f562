"""The one ``KEY=VALUE`` parser of peninsula (``--set`` for model parameters and what-if levers).

Conversion and range checks belong to whoever owns the keys (a model's constructor signature, a what-if
lever); this module only splits the strings and says clearly when one is not ``KEY=VALUE``.
"""

from __future__ import annotations

from collections.abc import Iterable

from peninsula.core.errors import ParameterError

__all__ = ["parse_pairs", "parse_settings"]


def parse_pairs(items: Iterable[str] | None, option: str = "--set") -> list[tuple[str, str]]:
    """``KEY=VALUE`` strings as ``(key, value)`` pairs in the given order, both stripped.

    The value may be empty and may itself contain ``=``; the key may not be empty. A repeated key is
    kept as given (callers decide whether the last wins or each counts).

    Raises
    ------
    ParameterError
        Naming ``option`` and the bad item, for an item without ``=`` or with an empty key.

    Examples
    --------
    >>> parse_pairs(["delta=6", " Q = 0.5", "expr=a=b"])
    [('delta', '6'), ('Q', '0.5'), ('expr', 'a=b')]
    >>> parse_pairs(["novalue"])
    Traceback (most recent call last):
    ...
    peninsula.core.errors.ParameterError: --set expects KEY=VALUE, got 'novalue'
    """
    pairs: list[tuple[str, str]] = []
    for item in items or ():
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ParameterError(f"{option} expects KEY=VALUE, got {item!r}")
        pairs.append((key.strip(), value.strip()))
    return pairs


def parse_settings(items: Iterable[str] | None, option: str = "--set") -> dict[str, str]:
    """``KEY=VALUE`` strings as a dict; a repeated key keeps its last value (see :func:`parse_pairs`).

    Examples
    --------
    >>> parse_settings(["delta=6", " Q = 0.5", "delta=7"])
    {'delta': '7', 'Q': '0.5'}
    """
    return dict(parse_pairs(items, option))
