"""The one entry point for randomness: every stochastic function takes ``rng`` and normalises it here."""

from __future__ import annotations

import numpy as np

RNGLike = int | np.random.Generator | np.random.SeedSequence | None


def check_rng(rng: RNGLike) -> np.random.Generator:
    """Turn ``rng`` (a seed, a SeedSequence, a Generator or None) into a ``numpy.random.Generator``.

    ``None`` gives a fresh, unseeded generator; an ``int`` or ``SeedSequence`` a reproducible one; a
    ``Generator`` is returned as is (so callers share its stream).

    Examples
    --------
    >>> bool(check_rng(42).integers(100) == check_rng(42).integers(100))
    True
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, int) and not isinstance(rng, bool):
        from peninsula.core.limits import check_seed

        check_seed(rng, "seed")  # 0 .. 2**63 - 1: a ParameterError, not numpy's ValueError
    if rng is None or isinstance(rng, int | np.random.SeedSequence):
        return np.random.default_rng(rng)
    raise TypeError(
        f"rng must be an int, a SeedSequence, a numpy Generator or None, not {type(rng).__name__}"
    )
