"""The response rules and posture constants of the coupled simulation, as sourced data (``data/rules.yaml``).

Every size is a coded value with a range and a one-line reason, cited to a seed quote or to timeline rows,
with the scenario library's :class:`~peninsula.core.Source` model; :func:`rule_problems` runs the library's
checks on them (verbatim quotes, the value inside its range, a range on every size) plus one of its own:
every ``alliance_timeline.csv date=…,type=…`` named in an ``evidence`` matches a timeline row.

Rule semantics are documented at the top of ``data/rules.yaml`` and in ``docs/system.md``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from peninsula.core import InputError, InputProblem, Source
from peninsula.scenarios.sources import describe_source

__all__ = [
    "RULES_FILE",
    "Calendar",
    "Constant",
    "Rule",
    "RuleSet",
    "load_rules",
    "rule_problems",
]

RULES_FILE = "rules.yaml"
Trigger = Literal["launch", "quiet", "talks"]
Effect = Literal["hawkish", "dovish", "salience", "sanctions-round"]
RoleName = Literal["exercises", "sanctions", "enforcement", "talks"]


class Constant(BaseModel):
    """A posture constant (a threshold of the posture → lever mapping)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    value: float
    reason: str = Field(min_length=1)
    source: Source


class Rule(BaseModel):
    """One response rule: who moves, on which posture roles, after what, how far.

    Attributes
    ----------
    id:
        Unique name.
    trigger:
        ``launch`` (per launch), ``quiet`` (per month closing a quiet spell) or ``talks`` (per month with
        talks).
    actors:
        Actor ids that move (absent actors are skipped); empty for ``sanctions-round``.
    roles:
        Posture roles whose issue the rule moves (see :mod:`peninsula.system.posture`).
    effect:
        ``hawkish`` / ``dovish`` (positions), ``salience`` (toward 1) or ``sanctions-round`` (a probability).
    value:
        The size: a fraction of the remaining distance per trigger (0-1), or a probability.
    reason:
        One line.
    source:
        Seed quote or coded judgement, with the range ``low``..``high``.
    beta:
        For a rule estimated from the data (:mod:`peninsula.system.estimates`): the ``(a, b)`` of its Beta
        posterior. The loop then draws the value per draw from that posterior instead of uniformly in the
        range (the range is the posterior's 90 % interval, the value its mean).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    trigger: Trigger
    actors: tuple[str, ...] = ()
    roles: tuple[RoleName, ...]
    effect: Effect
    value: float = Field(ge=0.0, le=1.0)
    reason: str = Field(min_length=1)
    source: Source
    beta: tuple[float, float] | None = None

    @property
    def low(self) -> float:
        """Lower end of the range."""
        assert self.source.low is not None
        return self.source.low

    @property
    def high(self) -> float:
        """Upper end of the range."""
        assert self.source.high is not None
        return self.source.high


class Calendar(BaseModel):
    """Months of the year in which the allies decide their posture."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    decision_months: tuple[int, ...]
    reason: str = Field(min_length=1)


class _File(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    calendar: Calendar
    posture: tuple[Constant, ...]
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class RuleSet:
    """The rules and constants in force for one run.

    Attributes
    ----------
    rules:
        Response rules, in file order.
    constants:
        Posture constants by id (``exercise-full``, ``quiet-months``).
    calendar:
        The decision calendar.
    """

    rules: tuple[Rule, ...]
    constants: Mapping[str, Constant]
    calendar: Calendar

    def constant(self, name: str) -> float:
        """The value of a posture constant."""
        return float(self.constants[name].value)

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id (``KeyError`` if none)."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def with_values(self, values: Mapping[str, float], *, fixed: bool = False) -> RuleSet:
        """A copy with some rule or constant values replaced (by id), e.g. for sensitivity runs.

        A value outside the rule's range widens the range to hold it; ``fixed=True`` collapses the range to
        the value, so that drawing within the range always gives it.
        """
        unknown = set(values) - {r.id for r in self.rules} - set(self.constants)

        def src(s: Source, v: float) -> Source:
            if fixed:
                return s.model_copy(update={"low": v, "high": v})
            lo = min(v, s.low if s.low is not None else v)
            hi = max(v, s.high if s.high is not None else v)
            return s.model_copy(update={"low": lo, "high": hi})

        if unknown:
            raise KeyError(", ".join(sorted(unknown)))
        rules = tuple(
            # a value set here replaces an estimate: it is drawn in its range (or fixed), not from a posterior
            r.model_copy(update={"value": values[r.id], "source": src(r.source, values[r.id]), "beta": None})
            if r.id in values
            else r
            for r in self.rules
        )
        consts = {
            k: c.model_copy(update={"value": values[k], "source": src(c.source, values[k])})
            if k in values
            else c
            for k, c in self.constants.items()
        }
        return RuleSet(rules, consts, self.calendar)

    def zeroed(self) -> RuleSet:
        """Every response rule at 0, range included (no actor moves, no sanctions rounds); constants kept."""
        return self.with_values({r.id: 0.0 for r in self.rules}, fixed=True)

    def records(self) -> list[dict[str, Any]]:
        """``[{"id", "value", "low", "high", "source", "reason", "kind"}]`` (JSON, ``peninsula sources``).

        ``kind`` is ``rule``, ``estimated rule`` (drawn from its Beta posterior) or ``constant``; ``source``
        is the one-line description of the source.
        """
        out = []
        for r in self.rules:
            kind = "rule" if r.beta is None else "estimated rule"
            out.append(_record(r.id, r.value, r.source, r.reason, kind))
        for k, c in self.constants.items():
            out.append(_record(k, c.value, c.source, c.reason, "constant"))
        return out


def _record(rid: str, value: float, source: Source, reason: str, kind: str) -> dict[str, Any]:
    return {
        "id": rid,
        "value": value,
        "low": source.low,
        "high": source.high,
        "source": source.describe(),
        "source_label": describe_source(source),
        "reason": reason,
        "kind": kind,
    }


def _line(root: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    from peninsula.io.yaml_format import yaml_line

    return yaml_line(root, loc)


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Load and check the rules (default: the packaged ``data/rules.yaml``, parsed once per process).

    The packaged rules are read and checked at the first call and the same (frozen) :class:`RuleSet` is
    returned after that: a levers run or a sensitivity analysis asks for them once per simulation, and the
    YAML parse took about 80 ms each time. A file given by ``path`` is read at every call.

    Raises
    ------
    InputError
        Every problem in the file (schema, sources, ranges), each with its line and field.

    Examples
    --------
    >>> rs = load_rules()
    >>> rs.rule("launch-us-exercises").effect, rs.constant("quiet-months")
    ('hawkish', 3.0)
    """
    if path is None:
        return _packaged_rules()
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError.single(str(p), None, "file", f"cannot read: {exc.strerror}") from None
    return _parse_rules(p.name, text)


@functools.cache
def _packaged_rules() -> RuleSet:
    text = resources.files("peninsula.system").joinpath("data", RULES_FILE).read_text(encoding="utf-8")
    return _parse_rules(RULES_FILE, text)


def _parse_rules(name: str, text: str) -> RuleSet:
    """The checked rule set of a rules file's ``text`` (``name`` in error messages)."""
    try:
        root = yaml.compose(text)
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError.single(name, mark.line + 1 if mark else None, "yaml", str(exc)) from None
    try:
        parsed = _File.model_validate(doc)
    except ValidationError as exc:
        from peninsula.io.yaml_format import problems_from_validation

        raise InputError(problems_from_validation(name, exc, root)) from None
    rs = RuleSet(parsed.rules, {c.id: c for c in parsed.posture}, parsed.calendar)
    problems = rule_problems(rs, name, root)
    if problems:
        raise InputError(problems)
    return rs


_ROW = re.compile(r"date=(\d{4}-\d{2}-\d{2}),type=([a-z_]+)")


def _sources(rs: RuleSet) -> Iterator[tuple[tuple[Any, ...], str, float, Source]]:
    for k, r in enumerate(rs.rules):
        yield ("rules", k, "source"), r.id, r.value, r.source
    for k, c in enumerate(rs.constants.values()):
        yield ("posture", k, "source"), c.id, c.value, c.source


def rule_problems(rs: RuleSet, file: str = RULES_FILE, root: yaml.Node | None = None) -> list[InputProblem]:
    """Every problem of a rule set: the library's source checks, ranges, timeline rows, ids, calendar.

    Examples
    --------
    >>> rule_problems(load_rules())
    []
    """
    from peninsula.io.yaml_format import yaml_path
    from peninsula.scenarios.sources import dataset_row, source_problem

    problems: list[InputProblem] = []
    for loc, rid, value, source in _sources(rs):
        line = _line(root, loc)
        msg = source_problem(source, value)
        if msg is not None:
            problems.append(InputProblem(file, line, yaml_path(loc), msg, f"rule '{rid}'"))
        elif source.low is None or source.high is None:
            problems.append(InputProblem(file, line, yaml_path(loc), "no range (low, high)", f"rule '{rid}'"))
        text = source.evidence or ""
        if "alliance_timeline.csv" in text:
            for date, kind in _ROW.findall(text):
                try:
                    dataset_row("alliance_timeline.csv", f"date={date},type={kind}")
                except (KeyError, ValueError) as exc:
                    problems.append(
                        InputProblem(file, line, yaml_path((*loc, "evidence")), str(exc), f"rule '{rid}'")
                    )
    ids = [r.id for r in rs.rules] + list(rs.constants)
    for k, rid in enumerate(ids):
        if rid in ids[:k]:
            problems.append(InputProblem(file, None, "id", f"duplicate id '{rid}'"))
    for need in ("exercise-full", "quiet-months"):
        if need not in rs.constants:
            problems.append(InputProblem(file, None, "posture", f"missing posture constant '{need}'"))
    for k, r in enumerate(rs.rules):
        if r.effect == "sanctions-round" and (r.trigger != "launch" or r.roles != ("sanctions",)):
            problems.append(
                InputProblem(
                    file,
                    _line(root, ("rules", k)),
                    f"rules[{k}]",
                    "a sanctions-round rule needs trigger launch and roles [sanctions]",
                    f"rule '{r.id}'",
                )
            )
        if r.effect != "sanctions-round" and not r.actors:
            problems.append(
                InputProblem(
                    file, _line(root, ("rules", k)), f"rules[{k}].actors", "no actors", f"rule '{r.id}'"
                )
            )
    bad = [m for m in rs.calendar.decision_months if not 1 <= m <= 12]
    if bad:
        problems.append(
            InputProblem(file, None, "calendar.decision_months", f"months must be 1..12, got {bad}")
        )
    return problems
