"""Deprecated module names of :mod:`peninsula.dynamics` (renamed in 0.1.0, removed in 0.2.0).

Each old module keeps only a module-level ``__getattr__`` built by :func:`forward`: an attribute read
there warns (``DeprecationWarning``, naming the new home) and returns the object from its new module, so
old imports keep working for one release without a second copy of anything.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["forward"]


def forward(
    old: str, new: str | None, moved: Mapping[str, tuple[str, str]] | None = None
) -> Callable[[str], Any]:
    """A module ``__getattr__`` forwarding ``old.NAME`` to ``new.NAME`` or ``moved[NAME]``, with a warning.

    Parameters
    ----------
    old:
        The deprecated module's name.
    new:
        The module whose public names (its ``__all__``) moved there from ``old``, or ``None``.
    moved:
        Single names: old name → ``(module, new name)``.

    Examples
    --------
    >>> import warnings
    >>> get = forward("peninsula.dynamics.model", "peninsula.dynamics.nbregression",
    ...               {"PostureModel": ("peninsula.dynamics.nbregression", "NegBinRegression")})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     cls = get("PostureModel")
    >>> cls.__name__, caught[0].category.__name__
    ('NegBinRegression', 'DeprecationWarning')
    """
    table = dict(moved or {})

    def __getattr__(name: str) -> Any:
        if name in table:
            module, attr = table[name]
        elif new is not None and name in getattr(importlib.import_module(new), "__all__", ()):
            module, attr = new, name
        else:
            raise AttributeError(f"module {old!r} has no attribute {name!r}")
        target = importlib.import_module(module)
        warnings.warn(
            f"{old}.{name} is deprecated (removed in 0.2.0): use {module}.{attr}",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(target, attr)

    return __getattr__
