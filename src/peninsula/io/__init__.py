"""Readers and writers: DECIDE files, Bueno de Mesquita tables (CSV/xlsx), peninsula YAML."""

from __future__ import annotations

from pathlib import Path

from peninsula.core import InputError, Scenario
from peninsula.io._text import check_path, decode
from peninsula.io.atomic import atomic_write, check_target, write_text
from peninsula.io.bdm import read_bdm
from peninsula.io.decide import (
    DecideLimitWarning,
    SalienceScaleWarning,
    looks_like_decide,
    read_decide,
    write_decide,
)
from peninsula.io.yaml_format import (
    parse_yaml,
    read_yaml,
    scenario_json_schema,
    scenario_to_yaml,
    write_yaml,
    yaml_line,
    yaml_path,
)

__all__ = [
    "DecideLimitWarning",
    "SalienceScaleWarning",
    "atomic_write",
    "check_target",
    "detect_format",
    "load",
    "parse_yaml",
    "read_bdm",
    "read_decide",
    "read_yaml",
    "save",
    "scenario_json_schema",
    "scenario_to_yaml",
    "write_decide",
    "write_text",
    "write_yaml",
    "yaml_line",
    "yaml_path",
]

YAML_SUFFIXES = (".yaml", ".yml")
XLSX_SUFFIXES = (".xlsx", ".xlsm")


def detect_format(path: str | Path) -> str:
    """``yaml``, ``decide`` or ``bdm``: by suffix, else by the first line (DECIDE rows start with ``#``)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in YAML_SUFFIXES:
        return "yaml"
    if suffix in XLSX_SUFFIXES:
        return "bdm"
    check_path(p)
    try:
        with open(p, "rb") as fh:
            head = fh.read(1 << 16)
    except OSError as exc:
        raise InputError.single(str(p), None, "file", f"cannot read: {exc.strerror or exc}") from None
    return "decide" if looks_like_decide(decode(head[: len(head) & ~3], str(p))) else "bdm"


def load(path: str | Path) -> Scenario:
    """Load a scenario file of any supported format (YAML, DECIDE, BDM CSV/xlsx).

    Raises
    ------
    InputError
        If the file is missing or invalid; the error lists every problem with file, line and field.
    """
    p = Path(path)
    check_path(p)
    fmt = detect_format(p)
    if fmt == "yaml":
        return read_yaml(p)
    if fmt == "decide":
        return read_decide(p)
    return read_bdm(p)


def save(scenario: Scenario, path: str | Path) -> list[str]:
    """Write a scenario: ``.yaml``/``.yml`` as peninsula YAML, anything else as a DECIDE file.

    Returns what the target format could not hold (empty for YAML). The file is written atomically: a
    failed write leaves an existing file as it was.

    Raises
    ------
    InputError
        If the path is empty, a folder, in a missing or unwritable folder, or the write fails.
    """
    p = check_target(path)
    if p.suffix.lower() in YAML_SUFFIXES:
        return write_yaml(scenario, p)
    if p.suffix.lower() in XLSX_SUFFIXES:
        raise InputError.single(
            str(p), None, "path", "writing .xlsx is not supported; use .yaml or a DECIDE .csv"
        )
    return write_decide(scenario, p)
