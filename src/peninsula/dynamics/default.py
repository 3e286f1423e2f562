"""Deprecated: the launch-model registry and default model are :mod:`peninsula.dynamics.registry`. Removed in
0.2.0."""

from peninsula.dynamics._deprecated import forward

__getattr__ = forward("peninsula.dynamics.default", "peninsula.dynamics.registry")
