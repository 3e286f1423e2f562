"""The one interface every bargaining model implements, its metadata, and its result types.

A model is a strategy over a :class:`~peninsula.core.Scenario`. Its constructor stores parameters only;
:meth:`Model.run` does the work and returns a :class:`ModelRun`: per issue, the forecast outcome and the
positions round by round (round 0 = the input positions), plus model-specific events.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from peninsula.core import IssueData, ParameterError, Scenario
from peninsula.simulate.rng import RNGLike


@dataclass(frozen=True)
class ModelInfo:
    """Typed metadata of a model, read by the CLI, the registry and the conformance suite.

    Attributes
    ----------
    name:
        Registry name (``compromise``, ``eu``, ``exchange`` ...).
    title:
        One-line human title.
    reference:
        The published definition the model follows.
    deterministic:
        ``True`` if a run never depends on ``rng``.
    order_dependent:
        ``True`` if permuting the actors may change the result by design (e.g. a replication that resolves
        offers in list order). The conformance suite skips permutation invariance for these.
    multi_issue:
        ``True`` if issues interact (exchange models); ``False`` means each issue is forecast on its own.
    uses_status_quo:
        ``True`` if the model reads the issue's status quo / reference point.
    iterative:
        ``True`` if the model runs rounds (``--rounds`` applies).
    """

    name: str
    title: str
    reference: str
    deterministic: bool = True
    order_dependent: bool = False
    multi_issue: bool = False
    uses_status_quo: bool = False
    iterative: bool = False


@dataclass(frozen=True)
class ParamSpec:
    """One model parameter that ``--set KEY=VALUE`` may set.

    ``kind`` is the Python type the string value is converted to; ``low``/``high`` bound numeric values
    (inclusive) where given.
    """

    name: str
    kind: type
    default: Any
    doc: str
    low: float | None = None
    high: float | None = None

    def convert(self, raw: Any) -> Any:
        """Convert a raw (string or typed) value, raising :class:`ParameterError` when it does not fit."""
        try:
            if self.kind is bool and isinstance(raw, str):
                low = raw.strip().lower()
                if low not in {"true", "false", "1", "0", "yes", "no"}:
                    raise ValueError(raw)
                value: Any = low in {"true", "1", "yes"}
            else:
                value = self.kind(raw)
        except (TypeError, ValueError):
            raise ParameterError(
                f"parameter '{self.name}': {raw!r} is not a valid {self.kind.__name__}"
            ) from None
        if isinstance(value, float) and not math.isfinite(value):
            raise ParameterError(f"parameter '{self.name}': {raw!r} is not finite")
        if self.low is not None and value < self.low:
            raise ParameterError(f"parameter '{self.name}': {value} is below the minimum {self.low}")
        if self.high is not None and value > self.high:
            raise ParameterError(f"parameter '{self.name}': {value} is above the maximum {self.high}")
        return value


@dataclass
class RoundRecord:
    """The state after one round on one issue.

    ``round`` 0 holds the input positions. ``outcome`` is the model's forecast after that round, on the
    issue's own scale. ``extra`` holds model-specific JSON-able values (e.g. ``weighted_mean``,
    ``voting_positions``); the CLI's JSON adds them beside ``round``, ``outcome`` and ``positions``.
    """

    round: int
    outcome: float | None
    positions: dict[str, float]
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class IssueResult:
    """A model's forecast for one issue.

    ``outcome`` is ``None`` where the model cannot forecast the issue (for example a status-quo model on
    an issue without one); ``notes`` then says why.
    """

    issue_id: str
    outcome: float | None
    rounds: list[RoundRecord]
    converged: bool | None = None
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ModelRun:
    """The result of running one model on one scenario.

    ``events`` is a list of flat records (dicts with at least ``round`` and ``issue`` or ``issues``) such as
    challenges or exchanges; the API exposes them as a DataFrame.
    """

    model: str
    params: dict[str, Any]
    issues: dict[str, IssueResult]
    events: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Model(ABC):
    """Base class of every bargaining model.

    Subclasses set ``info`` and ``param_specs`` and implement :meth:`run`. The constructor stores
    parameters only; they are checked in :meth:`run` (or by :meth:`from_settings`).
    """

    info: ClassVar[ModelInfo]
    param_specs: ClassVar[tuple[ParamSpec, ...]] = ()
    default_rounds: ClassVar[int] = 10

    def __init__(self, **params: Any) -> None:
        self._params = dict(params)

    # -- parameters ------------------------------------------------------------------------------------
    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Model:
        """Build a model from raw ``KEY=VALUE`` settings, converting and checking each one."""
        specs = {p.name: p for p in cls.param_specs}
        params = {}
        for key, raw in settings.items():
            if key not in specs:
                known = ", ".join(sorted(specs)) or "none"
                raise ParameterError(f"model '{cls.info.name}' has no parameter '{key}' (known: {known})")
            params[key] = specs[key].convert(raw)
        return cls(**params)

    def get_params(self) -> dict[str, Any]:
        """Every parameter with its value (defaults filled in), for provenance and Monte Carlo sweeps."""
        out = {p.name: p.default for p in self.param_specs}
        out.update(self._params)
        return out

    def checked_params(self) -> dict[str, Any]:
        """:meth:`get_params` after converting and range-checking every set value."""
        specs = {p.name: p for p in self.param_specs}
        out = {p.name: p.default for p in self.param_specs}
        for key, value in self._params.items():
            if key not in specs:
                raise ParameterError(f"model '{self.info.name}' has no parameter '{key}'")
            out[key] = specs[key].convert(value)
        return out

    def clone(self) -> Model:
        """A new, unfitted model with the same parameters."""
        return type(self)(**self._params)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._params.items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Model) or type(self) is not type(other):
            return False
        return self.get_params() == other.get_params()

    __hash__ = None  # type: ignore[assignment]

    # -- running ---------------------------------------------------------------------------------------
    @abstractmethod
    def run(self, scenario: Scenario, *, rounds: int | None = None, rng: RNGLike = None) -> ModelRun:
        """Forecast every issue of ``scenario``.

        Parameters
        ----------
        scenario:
            The validated scenario; never modified.
        rounds:
            Maximum number of rounds for iterative models (``None``: the model's default); ignored by
            one-shot models.
        rng:
            Seed or generator for stochastic models (see :func:`peninsula.simulate.check_rng`).
        """


class PerIssueModel(Model):
    """A model that forecasts each issue on its own; subclasses implement :meth:`run_issue`."""

    @abstractmethod
    def run_issue(
        self, data: IssueData, params: dict[str, Any], rounds: int, rng: RNGLike
    ) -> tuple[IssueResult, list[dict[str, Any]]]:
        """Forecast one issue; return its result and its events (flat dicts)."""

    def run(self, scenario: Scenario, *, rounds: int | None = None, rng: RNGLike = None) -> ModelRun:
        """Run :meth:`run_issue` on every issue in scenario order."""
        params = self.checked_params()
        n_rounds = self.default_rounds if rounds is None else rounds
        if n_rounds < 0:
            raise ParameterError(f"rounds must be >= 0, not {n_rounds}")
        issues: dict[str, IssueResult] = {}
        events: list[dict[str, Any]] = []
        for issue_id in scenario.issue_ids:
            data = scenario.issue_data(issue_id)
            if len(data.actor_ids) == 0:
                issues[issue_id] = IssueResult(
                    issue_id, None, [], notes=["no actor has a stance on this issue"]
                )
                continue
            result, issue_events = self.run_issue(data, params, n_rounds, rng)
            issues[issue_id] = result
            events.extend({"issue": issue_id, **e} for e in issue_events)
        return ModelRun(self.info.name, params, issues, events)
