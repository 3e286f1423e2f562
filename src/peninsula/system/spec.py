"""What one run of the coupled simulation is: :class:`SystemSpec`, frozen and validated once.

Every entry point of the coupled simulation (:func:`~peninsula.system.run_system`, the backtest, the
comparison, the rule sensitivity, :func:`peninsula.api.simulate` and the report) takes one
:class:`SystemSpec` instead of a dozen keywords, in the way a sweep takes a
:class:`~peninsula.simulate.montecarlo.SweepSpec`. What depends on the launch data -- whether the window
lies inside the record -- is checked once, by :func:`check_window`, when the data are at hand.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from peninsula.core import ParameterError, Scenario
from peninsula.core.limits import MAX_MONTHS, check_count, check_draws, check_seed
from peninsula.core.rng import fresh_seed
from peninsula.system.bargain import DEFAULT_MODEL, check_model
from peninsula.system.posture import posture_issues
from peninsula.system.rules import RuleSet, load_rules

__all__ = ["TARGETS", "SystemSpec", "Window", "check_window", "parse_month"]

#: The launch counts the loop can simulate.
TARGETS = ("events", "missiles")


def parse_month(text: str, what: str) -> np.datetime64:
    """``YYYY-MM`` as a ``datetime64[M]``; a :class:`ParameterError` naming ``what`` if it is not one."""
    from peninsula.dynamics.loading import parse_month as parse

    try:
        return parse(text)
    except ValueError as exc:
        raise ParameterError(f"{what}: {exc}") from exc


@dataclass(frozen=True)
class SystemSpec:
    """Everything that determines a run of the coupled simulation except the launch data.

    Validated on construction (a :class:`~peninsula.core.ParameterError`, or an
    :class:`~peninsula.core.InputError` for a scenario without a posture issue); frozen afterwards. Use
    :meth:`replace` for a variant.

    Attributes
    ----------
    scenario:
        The scenario, any overlay already applied; it needs at least one posture issue
        (:func:`~peninsula.system.posture.posture_issues`).
    months:
        Window length in months (at least 1); the window may run past the launch data (a forecast).
    model:
        Bargaining model, one of :data:`~peninsula.system.bargain.VECTORISED_MODELS`.
    launch_model:
        ``regime``, ``combination``, ``local_level``, ``ingarch`` or ``posture``; ``None``: the dynamics
        package's default for ``target`` (:attr:`launch_model_name`).
    draws:
        Number of draws, simulated at once (at least 10).
    seed:
        Root seed (0 .. 2**63 - 1); ``None``: a fresh one, drawn when the run starts and recorded in it.
    train_end:
        Last month ``YYYY-MM`` the launch model is fitted on (``None``: the month before the start).
    start:
        First month ``YYYY-MM`` (``None``: the month of the scenario's date).
    target:
        ``events`` or ``missiles``.
    rules:
        Response rules and constants (``None``: the packaged ``rules.yaml``; :attr:`rule_set`).
    rule_uncertainty:
        Draw each rule's value uniformly in its range per draw (else its point value).
    overlay:
        The overlay's name, a label only (apply the overlay to ``scenario`` first).

    Examples
    --------
    >>> from peninsula.scenarios import load_packaged
    >>> spec = SystemSpec(load_packaged("korea-2019-04"), months=6, draws=100)
    >>> spec.start_month, spec.fit_end, spec.launch_model_name
    ('2019-04', '2019-03', 'regime')
    >>> SystemSpec(load_packaged("korea-2019-04"), months=0)
    Traceback (most recent call last):
    ...
    peninsula.core.errors.ParameterError: --months must be at least 1, got 0
    """

    scenario: Scenario
    months: int = 24
    model: str = DEFAULT_MODEL
    launch_model: str | None = None
    draws: int = 1000
    seed: int | None = 0
    train_end: str | None = None
    start: str | None = None
    target: str = "events"
    rules: RuleSet | None = None
    rule_uncertainty: bool = True
    overlay: str | None = None

    def __post_init__(self) -> None:
        from peninsula.system.launches import LAUNCH_MODELS

        check_model(self.model)
        posture_issues(self.scenario)  # InputError: no posture issue
        if self.months < 1:
            raise ParameterError(f"--months must be at least 1, got {self.months}")
        check_count("--months", self.months, MAX_MONTHS)  # the CLI's limits apply to the API too
        if self.draws < 10:
            raise ParameterError(f"--draws must be at least 10, got {self.draws}")
        check_draws(self.draws)
        check_seed(self.seed)
        if self.target not in TARGETS:
            raise ParameterError(f"target must be one of {', '.join(TARGETS)}, not {self.target!r}")
        if self.launch_model is not None and self.launch_model not in LAUNCH_MODELS:
            raise ParameterError(
                f"unknown launch model {self.launch_model!r}; choose from {', '.join(LAUNCH_MODELS)}"
            )
        if self.start is None and self.scenario.date is None:
            raise ParameterError(f"scenario '{self.scenario.id}' has no date: give the start month")
        parse_month(self.start_month, "start")
        if self.train_end is not None:
            parse_month(self.train_end, "--train-end")

    # -- resolved values --------------------------------------------------------------------------------
    @property
    def start_month(self) -> str:
        """The first month ``YYYY-MM``: :attr:`start`, else the month of the scenario's date."""
        if self.start is not None:
            return self.start
        date = self.scenario.date
        assert date is not None  # checked on construction
        return f"{date.year:04d}-{date.month:02d}"

    @property
    def first_month(self) -> np.datetime64:
        """:attr:`start_month` as a ``datetime64[M]``."""
        return parse_month(self.start_month, "start")

    @property
    def fit_end(self) -> str:
        """The launch model's last training month: :attr:`train_end`, else the month before the start."""
        if self.train_end is not None:
            return self.train_end
        return str(self.first_month - np.timedelta64(1, "M"))

    @property
    def launch_model_name(self) -> str:
        """:attr:`launch_model`, else the dynamics package's default for :attr:`target`."""
        if self.launch_model is not None:
            return self.launch_model
        from peninsula.dynamics.registry import DEFAULT_MODELS

        return DEFAULT_MODELS.get(self.target, DEFAULT_MODELS["events"])

    @property
    def rule_set(self) -> RuleSet:
        """:attr:`rules`, else the packaged rules."""
        return self.rules if self.rules is not None else load_rules()

    # -- variants ---------------------------------------------------------------------------------------
    def replace(self, **changes: Any) -> SystemSpec:
        """A validated copy with some fields changed (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)

    def with_seed(self) -> SystemSpec:
        """This spec with a concrete seed, so that several runs share one.

        Itself, or when :attr:`seed` is ``None`` a copy with a fresh seed
        (:func:`~peninsula.core.rng.fresh_seed`).
        """
        return self if self.seed is not None else self.replace(seed=fresh_seed())


@dataclass(frozen=True)
class Window:
    """A spec's months placed in the launch data (:func:`check_window`).

    Attributes
    ----------
    start:
        First month ``YYYY-MM``.
    months:
        ``datetime64[M]`` of every simulated month.
    pos:
        Index of the first month in the data's months (the launch history before it is ``[:pos]``).
    last_data:
        The data's last month.
    """

    start: str
    months: npt.NDArray[np.datetime64]
    pos: int
    last_data: np.datetime64

    @property
    def first(self) -> np.datetime64:
        """The first simulated month."""
        return self.months[0]  # type: ignore[no-any-return]

    @property
    def covered(self) -> npt.NDArray[np.bool_]:
        """Per month: whether the data record it."""
        return np.asarray(self.months <= self.last_data)


def check_window(spec: SystemSpec, data: Any) -> Window:
    """The one start-month check: the window must start after enough launch history in the data.

    The start may be at most the month after the data's last month, so that the launch history runs up to
    it; the window may then run past the data (a forecast: the months after the data have no record, their
    observed launches and posture are ``None``). Scoring against the record (``--backtest``) needs a window
    the data cover, which :func:`~peninsula.system.analysis.backtest_system` checks.

    Parameters
    ----------
    spec:
        The run.
    data:
        A :class:`~peninsula.dynamics.KoreaData`.

    Raises
    ------
    ParameterError
        If the start month has fewer than ``LAUNCH_MEMORY`` months of launch history before it in the data,
        or lies more than one month after the data's last month.
    """
    from peninsula.dynamics.covariates import LAUNCH_MEMORY

    start = spec.start_month
    first = spec.first_month
    data_months = data.monthly.months
    pos = int(np.searchsorted(data_months, first))
    last_data = data_months[-1]
    if pos < LAUNCH_MEMORY or first > last_data + np.timedelta64(1, "M"):
        raise ParameterError(
            f"start month {start} lies outside the data: it needs {LAUNCH_MEMORY} months of launch history "
            f"before it, within {data_months[0]}..{last_data} (the latest start is the month after it)"
        )
    months = first + np.arange(spec.months).astype("timedelta64[M]")
    return Window(start, months, pos, last_data)


#: Keywords of the pre-SystemSpec signatures that are fields of :class:`SystemSpec`.
_SPEC_FIELDS = frozenset(f.name for f in dataclasses.fields(SystemSpec)) - {"scenario"}


def legacy_spec(
    function: str, scenario: Scenario, keywords: Mapping[str, Any], **defaults: Any
) -> tuple[SystemSpec, dict[str, Any]]:
    """Build a :class:`SystemSpec` from the keyword form that preceded it (deprecated; one release).

    Returns the spec and the keywords that are not spec fields (``data``, ``ids`` ...). Warns with a
    ``DeprecationWarning`` naming ``function``.
    """
    warnings.warn(
        f"{function}(scenario, months=..., ...) is deprecated and will be removed in the next release: "
        f"pass a peninsula.system.SystemSpec ({function}(SystemSpec(scenario, months=...), data=...))",
        DeprecationWarning,
        stacklevel=3,
    )
    given = {**defaults, **keywords}
    spec_kw = {k: v for k, v in given.items() if k in _SPEC_FIELDS}
    if spec_kw.get("model") is None:
        spec_kw.pop("model", None)
    rest = {k: v for k, v in given.items() if k not in _SPEC_FIELDS}
    return SystemSpec(scenario, **spec_kw), rest
