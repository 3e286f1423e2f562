"""Re-export of :mod:`peninsula.core.rng` (the one RNG entry point lives in the core layer)."""

from peninsula.core.rng import RNGLike, check_rng

__all__ = ["RNGLike", "check_rng"]
