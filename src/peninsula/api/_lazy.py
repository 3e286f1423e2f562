"""Names a module imports on first use (PEP 562): the loader shared by :mod:`peninsula.api` and its parts."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any


def load_lazy(module: str, table: Mapping[str, str], namespace: dict[str, Any], name: str) -> Any:
    """Import the attribute ``name`` of ``module`` from where ``table`` says it lives, and keep it.

    Parameters
    ----------
    module : str
        The dotted name of the module being asked (for the error message), e.g. ``"peninsula.api"``.
    table : Mapping[str, str]
        Public name -> ``"package.module"`` (the attribute has the same name there) or
        ``"package.module:attribute"`` (re-exported under another name).
    namespace : dict[str, Any]
        The module's ``globals()``: the value is stored there, so ``__getattr__`` runs once per name.
    name : str
        The attribute asked for.

    Returns
    -------
    Any
        The object itself (a re-export, never a copy).

    Raises
    ------
    AttributeError
        ``name`` is not in ``table``.
    """
    where = table.get(name)
    if where is None:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    path, _, attr = where.partition(":")
    value = getattr(importlib.import_module(path), attr or name)
    namespace[name] = value
    return value
