"""``peninsula warmup``: every kernel module is covered and the command reports each step."""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path

from typer.testing import CliRunner

from peninsula.cli import app
from peninsula.simulate.warmup import KERNEL_MODULES, STEPS

SRC = Path(__file__).resolve().parents[2] / "src" / "peninsula"


def test_every_module_that_uses_numba_is_listed() -> None:
    using = set()
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(n == "numba" or n.startswith("numba.") for n in names):
                rel = path.relative_to(SRC.parent).with_suffix("")
                using.add(".".join(rel.parts))
    assert using <= set(KERNEL_MODULES), f"not warmed up: {sorted(using - set(KERNEL_MODULES))}"
    for name in KERNEL_MODULES:
        importlib.import_module(name)


def test_warmup_command_reports_every_step() -> None:
    res = CliRunner().invoke(app, ["warmup", "--format", "json"])
    assert res.exit_code == 0, res.output
    steps = json.loads(res.stdout)
    assert [s["step"] for s in steps] == [name for name, _ in STEPS]
    for s in steps:
        assert s["seconds"] >= 0 and s["compiled"] >= 0 and s["loaded"] >= 0
