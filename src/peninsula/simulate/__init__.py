"""Randomness, Monte Carlo and perturbation of scenario inputs."""

from peninsula.simulate.rng import RNGLike, check_rng

__all__ = ["RNGLike", "check_rng"]
