"""The one entry point for randomness: every stochastic function takes ``rng`` and normalises it here.

* :func:`check_rng` turns a seed, a ``SeedSequence``, a ``Generator`` or ``None`` into a ``Generator``;
* :func:`fresh_seed` draws a new root seed from the operating system's entropy, for a run started without
  one (the run records it, so it can be reproduced);
* :func:`keyed_seed` is the ``SeedSequence`` of one draw and stream of a run (``spawn_key``), so that a
  draw's numbers depend only on the root seed and the draw's index (sweeps, their compiled models);
* :func:`keyed_rng` the generator of that ``SeedSequence``.
"""

from __future__ import annotations

import numpy as np

RNGLike = int | np.random.Generator | np.random.SeedSequence | None

__all__ = ["RNGLike", "check_rng", "fresh_seed", "keyed_rng", "keyed_seed"]


def fresh_seed() -> int:
    """A new root seed in ``0 .. 2**32 - 1`` from the operating system's entropy.

    Examples
    --------
    >>> 0 <= fresh_seed() < 2**32
    True
    """
    return int(np.random.SeedSequence().generate_state(1, np.uint32)[0])


def keyed_seed(seed: int, *key: int) -> np.random.SeedSequence:
    """The ``SeedSequence`` of root ``seed`` at ``spawn_key=key`` (e.g. ``(draw, stream)``).

    ``keyed_seed(s, d)`` is the ``d``-th child that ``SeedSequence(s).spawn`` would give; each further key
    goes one level down.

    Examples
    --------
    >>> a = keyed_seed(1, 3, 0).generate_state(1)[0]
    >>> b = np.random.SeedSequence(1).spawn(4)[3].spawn(1)[0].generate_state(1)[0]
    >>> bool(a == b)
    True
    """
    return np.random.SeedSequence(seed, spawn_key=tuple(int(k) for k in key))


def keyed_rng(seed: int, *key: int) -> np.random.Generator:
    """The generator of :func:`keyed_seed` (PCG64, as ``numpy.random.default_rng`` builds it)."""
    return np.random.Generator(np.random.PCG64(keyed_seed(seed, *key)))


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
