"""peninsula's own scenario format: YAML with a source for every number.

The file is the :class:`~peninsula.core.Scenario` structure written out (see ``docs/scenario-format.md``
and the JSON Schema from :func:`scenario_json_schema`). Validation errors name the YAML path and its line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from peninsula.core import Actor, InputError, InputProblem, Issue, Scenario, Stance, integrity_problems
from peninsula.core.errors import FIELD_PROBLEM
from peninsula.core.limits import (
    MAX_ACTORS,
    MAX_ISSUES,
    MAX_STANCES,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
    MAX_YAML_NODES_PER_BYTE,
    MIN_YAML_NODES,
)
from peninsula.io._text import read_text
from peninsula.io.atomic import write_text

# libyaml's safe loader when PyYAML was built with it (several times faster), else the pure-Python one
_FAST_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _DuplicateKey(Exception):
    """A mapping names the same key twice (raised by :class:`_Loader`, reported by :func:`load_yaml_text`)."""

    def __init__(self, key: str, first: int, second: int) -> None:
        super().__init__(key)
        self.key, self.first, self.second = key, first, second


class _Loader(_FAST_LOADER):  # type: ignore[misc,valid-type]
    """The safe loader without implicit timestamps (``date: 2019-02-30`` stays a string, so the data
    model reports an impossible date with its YAML path and line instead of the loader failing) and
    without silently dropped keys: a mapping that names a key twice is an error naming both lines (YAML
    says keys are unique; PyYAML keeps the last value)."""

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, yaml.Node] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(key_node, yaml.ScalarNode):
                    continue  # merge keys (<<) may repeat what they merge; complex keys are left to PyYAML
                key = self.construct_object(key_node)
                try:
                    first = seen.setdefault(key, key_node)
                except TypeError:  # pragma: no cover - an unhashable scalar cannot be a key anyway
                    continue
                if first is not key_node:
                    raise _DuplicateKey(
                        str(key_node.value), first.start_mark.line + 1, key_node.start_mark.line + 1
                    )
        return super().construct_mapping(node, deep)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _FAST_LOADER.yaml_implicit_resolvers.items()
}

_OPEN = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSE = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def _line(ev: yaml.Event) -> int | None:
    mark = ev.start_mark
    return None if mark is None else int(mark.line) + 1


def check_yaml_structure(text: str, name: str) -> None:
    """Refuse YAML nested deeper than :data:`~peninsula.core.limits.MAX_YAML_DEPTH` or with more than
    :data:`~peninsula.core.limits.MAX_YAML_NODES` nodes once aliases are expanded.

    Runs on the parser's events, which libyaml produces without recursion, before any object is built:
    building a deeply nested document recurses once per level and can crash the interpreter. Syntax
    errors are left to the loader, which reports them with their line.

    Raises
    ------
    InputError
        Naming the line where the limit is crossed.
    """
    depth = total = 0
    # Memory grows with the values built (about 400 bytes each, measured): bounded per byte of input, so
    # neither aliases nor a file of bare scalars ("0,0,0,...") can take more than ~120x its size.
    cap = min(MAX_YAML_NODES, max(MIN_YAML_NODES, int(MAX_YAML_NODES_PER_BYTE * len(text))))
    starts: list[tuple[str | None, int]] = []
    sizes: dict[str, int] = {}
    try:
        for ev in yaml.parse(text, Loader=_FAST_LOADER):
            if isinstance(ev, _OPEN):
                depth += 1
                total += 1
                if depth > MAX_YAML_DEPTH:
                    raise InputError.single(
                        name,
                        _line(ev),
                        "yaml",
                        f"nested deeper than {MAX_YAML_DEPTH} levels: over the input limit",
                    )
                starts.append((ev.anchor, total))
            elif isinstance(ev, _CLOSE):
                depth -= 1
                anchor, first = starts.pop()
                if anchor:
                    sizes[anchor] = total - first + 1
            elif isinstance(ev, yaml.ScalarEvent):
                total += 1
                if ev.anchor:
                    sizes[ev.anchor] = 1
            elif isinstance(ev, yaml.AliasEvent):
                total += sizes.get(ev.anchor or "", 1)
            if total > cap:
                raise InputError.single(
                    name,
                    _line(ev),
                    "yaml",
                    f"more than {cap:,} values once aliases (*name) are expanded: over the limit "
                    f"({MAX_YAML_NODES:,} in all, {MAX_YAML_NODES_PER_BYTE:g} per byte of the file; see "
                    "docs/limits.md)",
                )
    except yaml.YAMLError:
        return


def load_yaml_text(text: str, name: str) -> Any:
    """Parse YAML text safely within the input limits; dates stay strings.

    Raises
    ------
    InputError
        If the text is not valid YAML or is over a limit (file, line and what is wrong).
    """
    check_yaml_structure(text, name)
    try:
        return yaml.load(text, Loader=_Loader)
    except _DuplicateKey as exc:
        raise InputError.single(
            name,
            exc.second,
            exc.key[:80],
            f"duplicate key '{exc.key[:80]}' (first on line {exc.first}, again on line {exc.second}): "
            "a key may appear once in a mapping",
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError.single(
            name, line, "yaml", f"not valid YAML: {getattr(exc, 'problem', None) or exc}"
        ) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:  # an explicit !!tag's value
        raise InputError.single(name, None, "yaml", f"a tagged value cannot be read: {exc}") from None


def yaml_line(root: yaml.Node | None, loc: Sequence[Any]) -> int | None:
    """1-based line of the YAML node at path ``loc`` (the deepest node that exists on the way)."""
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = next(
                (v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(key)), None
            )
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            nxt = node.value[key]
        else:
            nxt = None
        if nxt is None:
            break
        node = nxt
        line = node.start_mark.line + 1
    return line


def yaml_path(loc: Sequence[Any]) -> str:
    """A YAML path in the form users read: ``stances[3].sources.position``."""
    out = ""
    for k in loc:
        out += f"[{k}]" if isinstance(k, int) else (f".{k}" if out else str(k))
    return out or "(top level)"


def problems_from_validation(name: str, exc: ValidationError, root: yaml.Node | None) -> list[InputProblem]:
    """Turn a pydantic ``ValidationError`` into problems naming YAML path, line and field."""
    problems = []
    for err in exc.errors():
        if err["type"] == "scenario_integrity":
            for loc, msg in err.get("ctx", {}).get("problems", []):
                problems.append(InputProblem(name, yaml_line(root, tuple(loc)), yaml_path(tuple(loc)), msg))
            continue
        loc = tuple(k for k in err["loc"] if not (isinstance(k, str) and k.startswith("function-")))
        if err["type"] == FIELD_PROBLEM:  # a model-level check that names its field
            loc = (*loc, *str(err.get("ctx", {}).get("field", "")).split("."))
        msg = err["msg"].removeprefix("Value error, ")
        problems.append(InputProblem(name, yaml_line(root, loc), yaml_path(loc), msg))
    return problems


def read_yaml(path: str | Path) -> Scenario:
    """Load a peninsula YAML scenario, validating it once.

    Raises
    ------
    InputError
        Every problem found, each with the YAML path (``stances[3].salience``) and its line.
    """
    p = Path(path)
    return parse_yaml(read_text(p, p.name), p.name, default_id=p.stem)


def parse_yaml(text: str, name: str, *, default_id: str | None = None) -> Scenario:
    """Validate the YAML text of a scenario; ``name`` is the file name that errors report.

    Raises
    ------
    InputError
        Every problem found, each with the YAML path and its line.
    """
    data = load_yaml_text(text, name)
    if not isinstance(data, dict):
        raise InputError.single(name, 1, "(top level)", "a scenario file must be a YAML mapping")
    if default_id is not None:
        data.setdefault("id", default_id)
    _check_counts(name, data, text)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        root = yaml.compose(text, Loader=_FAST_LOADER)  # node positions, only needed to report lines
        problems = problems_from_validation(name, exc, root)
        if not any(e["type"] == "scenario_integrity" for e in exc.errors()):
            problems += _cross_problems(name, data, root)
        raise InputError(problems) from None


#: The scenario collections with a count limit (the same limits as every other reader).
_COUNT_LIMITS = (("actors", MAX_ACTORS), ("issues", MAX_ISSUES), ("stances", MAX_STANCES))


def _check_counts(name: str, data: dict[str, Any], text: str) -> None:
    """Refuse more actors, issues or stances than :mod:`peninsula.core.limits` allows, before validation
    (which needs memory in proportion), naming the line of the first item over the limit."""
    for key, limit in _COUNT_LIMITS:
        items = data.get(key)
        if isinstance(items, list) and len(items) > limit:
            root = yaml.compose(text, Loader=_FAST_LOADER)
            raise InputError.single(
                name,
                yaml_line(root, (key, limit)),
                key,
                f"{len(items):,} {key}, over the input limit of {limit:,} (see docs/limits.md)",
            )


def _cross_problems(name: str, data: dict[str, Any], root: yaml.Node | None) -> list[InputProblem]:
    """Cross-field problems among the items that are valid on their own.

    Pydantic skips the scenario-level checks when a field fails; running them on the valid items means
    one run reports every problem in the file.
    """
    parts: dict[str, list[Any]] = {}
    index: dict[str, list[int]] = {}
    for key, cls in (("actors", Actor), ("issues", Issue), ("stances", Stance)):
        parts[key], index[key] = [], []
        items = data.get(key)
        for k, item in enumerate(items if isinstance(items, list) else []):
            try:
                parts[key].append(cls.model_validate(item))
                index[key].append(k)
            except ValidationError:
                continue
    partial = Scenario.model_construct(
        id="partial",
        actors=tuple(parts["actors"]),
        issues=tuple(parts["issues"]),
        stances=tuple(parts["stances"]),
    )
    raw_ids: set[str] = set()
    for key, kind in (("actors", "actor"), ("issues", "issue")):
        raw = data.get(key)
        for item in raw if isinstance(raw, list) else []:
            if isinstance(item, dict):
                raw_ids.add(f"unknown {kind} '{item.get('id')}'")
    out = []
    for loc, msg in integrity_problems(partial):
        if msg in raw_ids:  # the item exists but is itself invalid: already reported
            continue
        if len(loc) == 1:  # an empty collection: report it unless its items were invalid on their own
            if not data.get(str(loc[0])):
                out.append(InputProblem(name, yaml_line(root, loc), yaml_path(loc), msg))
            continue
        coll, k = str(loc[0]), int(loc[1])
        real = (coll, index[coll][k], *loc[2:])
        out.append(InputProblem(name, yaml_line(root, real), yaml_path(real), msg))
    return out


def scenario_to_yaml(scenario: Scenario) -> str:
    """The YAML text of a scenario; :func:`read_yaml` gives back an equal scenario."""
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    if isinstance(scenario.date, dt.date):
        data["date"] = scenario.date.isoformat()
    text: str = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)
    return text


def write_yaml(scenario: Scenario, path: str | Path) -> list[str]:
    """Write a scenario as YAML, atomically; nothing is lost, so the returned list is empty."""
    write_text(path, scenario_to_yaml(scenario))
    return []


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of the YAML scenario format, exported from the data model."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "peninsula scenario"
    return schema
