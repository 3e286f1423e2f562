"""peninsula's own scenario format: YAML with a source for every number.

The file is the :class:`~peninsula.core.Scenario` structure written out (see ``docs/scenario-format.md``
and the JSON Schema from :func:`scenario_json_schema`). Validation errors name the YAML path and its line.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from peninsula.core import InputError, InputProblem, Scenario
from peninsula.io._text import read_text


def _node_line(root: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
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


def _path(loc: tuple[Any, ...]) -> str:
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
                problems.append(InputProblem(name, _node_line(root, tuple(loc)), _path(tuple(loc)), msg))
            continue
        loc = tuple(k for k in err["loc"] if not (isinstance(k, str) and k.startswith("function-")))
        msg = err["msg"].removeprefix("Value error, ")
        problems.append(InputProblem(name, _node_line(root, loc), _path(loc), msg))
    return problems


def read_yaml(path: str | Path) -> Scenario:
    """Load a peninsula YAML scenario, validating it once.

    Raises
    ------
    InputError
        Every problem found, each with the YAML path (``stances[3].salience``) and its line.
    """
    p = Path(path)
    text = read_text(p)
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError.single(
            p.name, line, "yaml", f"not valid YAML: {getattr(exc, 'problem', exc)}"
        ) from None
    if not isinstance(data, dict):
        raise InputError.single(p.name, 1, "(top level)", "a scenario file must be a YAML mapping")
    data.setdefault("id", p.stem)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise InputError(problems_from_validation(p.name, exc, root)) from None


def scenario_to_yaml(scenario: Scenario) -> str:
    """The YAML text of a scenario; :func:`read_yaml` gives back an equal scenario."""
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    if isinstance(scenario.date, dt.date):
        data["date"] = scenario.date.isoformat()
    text: str = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)
    return text


def write_yaml(scenario: Scenario, path: str | Path) -> list[str]:
    """Write a scenario as YAML; nothing is lost, so the returned list is empty."""
    Path(path).write_text(scenario_to_yaml(scenario), encoding="utf-8")
    return []


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of the YAML scenario format, exported from the data model."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "peninsula scenario"
    return schema
