"""The seeds' system as one loop: bargaining sets posture, posture drives launches, launches move actors.

A small package of its own above :mod:`peninsula.simulate`: it calls the bargaining kernels, the launch models
(through :mod:`peninsula.system.launches`) and the scenario library through their public interfaces; none
of them knows about it.

* :class:`SystemSpec` — what a run is (scenario, months, models, draws, seed, ...), frozen and validated;
* :func:`run_system` / :class:`SystemRun` — the monthly loop over (draws × actors) arrays, split into
  :func:`~peninsula.system.loop.initial_state`, :func:`~peninsula.system.loop.step_month` and
  :func:`~peninsula.system.loop.observe`;
* :func:`posture_issues`, :data:`POSTURE_ROLES` — which scenario issue carries which part of the posture;
* :func:`load_rules`, :class:`RuleSet` — the response rules as sourced data (``data/rules.yaml``);
* :func:`backtest_system`, :func:`compare_system`, :func:`rule_sensitivity` — backtest against 2017-2021,
  counterfactuals on common random numbers, one-at-a-time sensitivity.
"""

from peninsula.system.analysis import (
    SystemBacktest,
    SystemComparison,
    backtest_system,
    compare_system,
    rule_sensitivity,
)
from peninsula.system.bargain import DEFAULT_MODEL, VECTORISED_MODELS
from peninsula.system.loop import SystemRun, run_system
from peninsula.system.posture import POSTURE_ROLES, PostureIssue, PostureRole, posture_issues
from peninsula.system.rules import Rule, RuleSet, load_rules, rule_problems
from peninsula.system.spec import SystemSpec, check_window

__all__ = [
    "DEFAULT_MODEL",
    "POSTURE_ROLES",
    "VECTORISED_MODELS",
    "PostureIssue",
    "PostureRole",
    "Rule",
    "RuleSet",
    "SystemBacktest",
    "SystemComparison",
    "SystemRun",
    "SystemSpec",
    "backtest_system",
    "check_window",
    "compare_system",
    "load_rules",
    "posture_issues",
    "rule_problems",
    "rule_sensitivity",
    "run_system",
]
