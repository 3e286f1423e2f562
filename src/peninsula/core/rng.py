"""The one entry point for randomness: every stochastic function takes ``rng`` and normalises it here.

* :func:`check_rng` turns a seed, a ``SeedSequence``, a ``Generator`` or ``None`` into a ``Generator``;
* :func:`fresh_seed` draws a new root seed from the operating system's entropy, for a run started without
  one (the run records it, so it can be reproduced);
* :func:`keyed_seed` is the ``SeedSequence`` of one draw and stream of a run (``spawn_key``), so that a
  draw's numbers depend only on the root seed and the draw's index (sweeps, their compiled models);
* :func:`keyed_rng` the generator of that ``SeedSequence``;
* :func:`common_seed` one seed for several runs that must share their random numbers, and
  :func:`seed_sequence` a ``SeedSequence`` to ``spawn`` independent runs from.
"""

from __future__ import annotations

import numpy as np

RNGLike = int | np.random.Generator | np.random.SeedSequence | None

__all__ = ["RNGLike", "check_rng", "common_seed", "fresh_seed", "keyed_rng", "keyed_seed", "seed_sequence"]


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


def common_seed(rng: RNGLike) -> int | np.random.SeedSequence:
    """One seed for several runs that must share their random numbers (common random numbers).

    An ``int`` or ``SeedSequence`` is returned as is; a ``Generator`` gives one draw from it; ``None`` gives a
    fresh ``SeedSequence`` (its ``entropy`` records the stream). Passing the result to every run makes each
    stochastic model draw the same stream in each.

    Examples
    --------
    >>> common_seed(7)
    7
    >>> a = common_seed(None)
    >>> isinstance(a, np.random.SeedSequence)
    True
    """
    if rng is None:
        return np.random.SeedSequence()
    if isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(int(rng.integers(2**63)))
    return rng


def seed_sequence(rng: RNGLike) -> np.random.SeedSequence:
    """A ``SeedSequence`` to ``spawn`` independent runs from.

    A ``SeedSequence`` is returned as is; an ``int`` or ``None`` (fresh entropy) seeds a new one; a
    ``Generator`` gives one draw in ``0 .. 2**63 - 2`` as its seed.

    Examples
    --------
    >>> [int(c.generate_state(1)[0]) for c in seed_sequence(3).spawn(2)] == [
    ...     int(c.generate_state(1)[0]) for c in np.random.SeedSequence(3).spawn(2)]
    True
    """
    if isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(int(rng.integers(0, 2**63 - 1)))
    if isinstance(rng, np.random.SeedSequence):
        return rng
    return np.random.SeedSequence(rng)


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
