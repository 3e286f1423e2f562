"""Experiments on scenarios: forecasts, overlay comparison, Monte Carlo sweeps, the run store, sensitivity and
evaluation. Randomness enters through :func:`peninsula.core.rng.check_rng`, the one RNG entry point."""
