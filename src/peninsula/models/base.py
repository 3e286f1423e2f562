"""The one interface every bargaining model implements, its metadata, and its result types.

A model is a strategy over a :class:`~peninsula.core.Scenario`. Its constructor names its parameters
(keyword-only, typed, with defaults) and stores them only; :meth:`Model.run` checks them and does the work,
returning a :class:`ModelRun`: per issue, the forecast outcome and the positions round by round (round 0 =
the input positions), plus model-specific events.

Parameters are declared once, in the constructor's signature: the annotation is the type, and a pydantic
``Field`` in ``Annotated[...]`` carries the range and the one-line doc. Everything else is derived from
it: :meth:`Model.get_params` / :meth:`Model.set_params` / :meth:`Model.clone` (scikit-learn-like),
:meth:`Model.validate_params` (conversion of ``--set`` strings and range checks, one pydantic model built
from the signature), and :meth:`Model.param_info` (what ``peninsula models`` lists).
"""

from __future__ import annotations

import inspect
import types
import typing
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal, Self, Union, get_args, get_origin, get_type_hints

import annotated_types
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from pydantic.fields import FieldInfo

from peninsula.core import IssueData, ParameterError, Scenario
from peninsula.core.rng import RNGLike

__all__ = [
    "IssueResult",
    "Model",
    "ModelInfo",
    "ModelRun",
    "ParamInfo",
    "PerIssueModel",
    "Probability",
    "RoundRecord",
]

#: A probability parameter: a float in [0, 1] (add the doc with ``Annotated[Probability, Field(...)]``).
Probability = Annotated[float, Field(ge=0.0, le=1.0)]


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
    represents_no_agreement:
        ``True`` if the model can forecast that the parties do **not** agree (its outcome is then the
        reversion, and it may report ``p_agreement``); ``False`` models always forecast an agreed point on the
        scale, and :func:`peninsula.simulate.forecast.forecast` says so in their notes (issue 21).
    """

    name: str
    title: str
    reference: str
    deterministic: bool = True
    order_dependent: bool = False
    multi_issue: bool = False
    uses_status_quo: bool = False
    iterative: bool = False
    represents_no_agreement: bool = False


@dataclass(frozen=True)
class ParamInfo:
    """A description of one constructor parameter, read from the signature (for listings and docs).

    Attributes
    ----------
    name, default, doc:
        The keyword, its default and the ``Field(description=...)`` of its annotation.
    kind:
        The value type's name (``float``, ``int``, ``bool``, ``str``).
    nullable:
        ``True`` if ``None`` is allowed (e.g. "default: derived from the issue").
    low, high:
        Inclusive bounds of a number, where declared (``Field(ge=..., le=...)``).
    choices:
        The allowed values of a ``Literal[...]`` parameter, else ``None``.
    """

    name: str
    default: Any
    doc: str
    kind: str
    nullable: bool = False
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] | None = None

    def describe(self) -> str:
        """``name=default`` with the allowed range or values, e.g. ``Q=1.0 [0, 1]``."""
        out = f"{self.name}={self.default}"
        if self.choices is not None:
            out += " {" + "|".join(str(c) for c in self.choices) + "}"
        elif self.low is not None or self.high is not None:
            low = "-inf" if self.low is None else f"{self.low:g}"
            high = "inf" if self.high is None else f"{self.high:g}"
            out += f" [{low}, {high}]"
        return out


def _describe_annotation(name: str, default: Any, annotation: Any) -> ParamInfo:
    """Walk ``Annotated`` / ``X | None`` / ``Literal`` layers of one annotation into a :class:`ParamInfo`."""
    doc, low, high, nullable = "", None, None, False
    choices: tuple[Any, ...] | None = None
    a = annotation
    while True:
        origin = get_origin(a)
        if origin is Annotated:
            base, *meta = get_args(a)
            for m in meta:
                items = [m, *m.metadata] if isinstance(m, FieldInfo) else [m]
                for item in items:
                    if isinstance(item, FieldInfo) and item.description:
                        doc = doc or item.description
                    if isinstance(item, annotated_types.Ge):
                        low = float(item.ge)  # type: ignore[arg-type]
                    elif isinstance(item, annotated_types.Le):
                        high = float(item.le)  # type: ignore[arg-type]
            a = base
        elif origin in (Union, types.UnionType):
            members = [m for m in get_args(a) if m is not type(None)]
            nullable = nullable or len(members) < len(get_args(a))
            if len(members) != 1:
                break
            a = members[0]
        else:
            break
    if get_origin(a) is Literal:
        choices = get_args(a)
        kind = type(choices[0]).__name__ if choices else "str"
    else:
        kind = getattr(a, "__name__", str(a))
    return ParamInfo(name, default, doc, kind, nullable, low, high, choices)


def _problem(known: tuple[str, ...], err: Mapping[str, Any]) -> str:
    """One pydantic error as a sentence naming the parameter."""
    loc = err.get("loc") or ("?",)
    key, typ, value, ctx = str(loc[0]), err.get("type", ""), err.get("input"), err.get("ctx") or {}
    if typ == "extra_forbidden":
        return f"no parameter '{key}' (known: {', '.join(known) or 'none'})"
    if typ in ("less_than_equal", "less_than"):
        bound = ctx.get("le", ctx.get("lt"))
        text = f"{value!r} is above the maximum {bound}"
    elif typ in ("greater_than_equal", "greater_than"):
        bound = ctx.get("ge", ctx.get("gt"))
        text = f"{value!r} is below the minimum {bound}"
    elif typ == "literal_error":
        text = f"{value!r} is not {ctx.get('expected', 'an allowed value')}"
    elif typ == "finite_number":
        text = f"{value!r} is not finite"
    elif typ.endswith("_parsing") or typ.endswith("_type"):
        text = f"{value!r} is not a valid {typ.split('_')[0]}"
    else:
        text = f"{value!r}: {err.get('msg', 'invalid value')}"
    return f"parameter '{key}': {text}"


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


_PARAMS_CONFIG = ConfigDict(extra="forbid", allow_inf_nan=False, protected_namespaces=())


class Model(ABC):
    """Base class of every bargaining model.

    Subclasses set ``info``, implement :meth:`run`, and declare their parameters in ``__init__`` —
    keyword-only, annotated, each with a default — storing each one under its own name and nothing else::

        def __init__(self, *, tol: Annotated[float, Field(ge=0, description="...")] = 1e-6) -> None:
            self.tol = tol

    A misspelt keyword is then a ``TypeError`` at construction. Values are checked (and strings such as
    ``--set`` values converted) by :meth:`validate_params`, which :meth:`run` calls; the constructor itself
    validates nothing (scikit-learn's convention, so that ``set_params`` and ``clone`` stay trivial).
    """

    info: ClassVar[ModelInfo]
    default_rounds: ClassVar[int] = 10

    def __init__(self) -> None:  # noqa: B027 (a real, parameterless constructor, not an abstract hook)
        """A model without parameters (subclasses with parameters define their own, see above)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for p in list(inspect.signature(cls.__init__).parameters.values())[1:]:
            if p.kind is not inspect.Parameter.KEYWORD_ONLY or p.default is inspect.Parameter.empty:
                raise TypeError(
                    f"{cls.__name__}.__init__: parameter '{p.name}' must be keyword-only with a default "
                    "(no positional parameters, *args or **kwargs)"
                )

    # -- parameters ------------------------------------------------------------------------------------
    @classmethod
    def param_names(cls) -> tuple[str, ...]:
        """The constructor's parameter names, in signature order."""
        return tuple(list(inspect.signature(cls.__init__).parameters)[1:])

    @classmethod
    def _param_fields(cls) -> dict[str, tuple[Any, Any]]:
        sig = inspect.signature(cls.__init__)
        hints = get_type_hints(cls.__init__, include_extras=True)
        return {name: (hints.get(name, Any), p.default) for name, p in list(sig.parameters.items())[1:]}

    @classmethod
    def params_model(cls) -> type[BaseModel]:
        """The pydantic model of the constructor's parameters (built once per class from the signature)."""
        cached = cls.__dict__.get("_params_model_cache")
        if cached is None:
            cached = create_model(  # type: ignore[call-overload]
                f"{cls.__name__}Params", __config__=_PARAMS_CONFIG, **cls._param_fields()
            )
            cls._params_model_cache = cached  # type: ignore[attr-defined]
        return typing.cast(type[BaseModel], cached)

    @classmethod
    def param_info(cls) -> tuple[ParamInfo, ...]:
        """Every parameter with default, doc, type and range, from the signature (``peninsula models``)."""
        return tuple(_describe_annotation(n, d, a) for n, (a, d) in cls._param_fields().items())

    @classmethod
    def validate_params(cls, params: Mapping[str, Any]) -> dict[str, Any]:
        """Every parameter, converted and checked against the signature; defaults fill the missing ones.

        Values may be strings (``--set KEY=VALUE``): ``"0.5"`` becomes 0.5, ``"false"`` False. Raises
        :class:`ParameterError` naming the model and every bad or unknown parameter.

        Examples
        --------
        >>> from peninsula.models.eu import ExpectedUtility
        >>> ExpectedUtility.validate_params({"Q": "0.5"})
        {'T': 1.0, 'Q': 0.5, 'tol': 1e-06, 'probability': 'paper'}
        >>> ExpectedUtility.validate_params({"Q": "2"})
        Traceback (most recent call last):
        ...
        peninsula.core.errors.ParameterError: model 'eu': parameter 'Q': '2' is above the maximum 1.0
        """
        try:
            checked = cls.params_model().model_validate(dict(params))
        except ValidationError as exc:
            known = cls.param_names()
            problems = [_problem(known, e) for e in exc.errors(include_url=False)]
            raise ParameterError(f"model '{cls.info.name}': " + "; ".join(problems)) from None
        return {name: getattr(checked, name) for name in cls.param_names()}

    def get_params(self) -> dict[str, Any]:
        """Every constructor parameter with its current value, in signature order (scikit-learn-like)."""
        return {name: getattr(self, name) for name in self.param_names()}

    def set_params(self, **params: Any) -> Self:
        """Set parameters by name (unknown names raise ``TypeError``, as in the constructor); returns self."""
        known = self.param_names()
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise TypeError(
                f"{type(self).__name__} has no parameter(s) {', '.join(unknown)} (known: {', '.join(known)})"
            )
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def clone(self) -> Self:
        """A new model of the same class with the same parameters (every one of them)."""
        return type(self)(**self.get_params())

    def __repr__(self) -> str:
        defaults = {n: d for n, (_, d) in self._param_fields().items()}
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items() if v != defaults[k])
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
            Seed or generator for stochastic models (see :func:`peninsula.core.rng.check_rng`).
        """


class PerIssueModel(Model):
    """A model that forecasts each issue on its own; subclasses implement :meth:`run_issue`."""

    @abstractmethod
    def run_issue(
        self, data: IssueData, params: dict[str, Any], rounds: int, rng: RNGLike
    ) -> tuple[IssueResult, list[dict[str, Any]]]:
        """Forecast one issue with the checked ``params``; return its result and its events (flat dicts)."""

    def run(self, scenario: Scenario, *, rounds: int | None = None, rng: RNGLike = None) -> ModelRun:
        """Run :meth:`run_issue` on every issue in scenario order."""
        params = self.validate_params(self.get_params())
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
