"""The ``peninsula`` namespace: each public name listed once, no module class swapped, lazy imports."""

from __future__ import annotations

import ast
import types

import peninsula
import peninsula.api
from tests.conftest import ROOT


def test_every_public_name_resolves_from_the_api() -> None:
    for name in peninsula.__all__:
        value = getattr(peninsula, name)
        if name != "__version__":
            assert value is getattr(peninsula.api, peninsula._API_NAME.get(name, name)), name
    assert peninsula.simulate_system is peninsula.api.simulate


def test_names_are_listed_once_and_the_typing_block_matches() -> None:
    assert len(peninsula.__all__) == len(set(peninsula.__all__))
    tree = ast.parse((ROOT / "src" / "peninsula" / "__init__.py").read_text(encoding="utf-8"))
    typed = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.If)
        for imp in node.body
        if isinstance(imp, ast.ImportFrom)
        for alias in imp.names
    }
    assert typed == set(peninsula.__all__) - {"__version__"}


def test_no_module_class_is_swapped() -> None:
    import peninsula.simulate

    assert type(peninsula) is types.ModuleType
    assert type(peninsula.simulate) is types.ModuleType  # the experiments subpackage, not callable
    assert peninsula.simulate.forecast.__name__ == "peninsula.simulate.forecast"
    assert not callable(peninsula.simulate)


def test_the_api_lazy_map_its_typing_block_and_all_agree() -> None:
    # peninsula.api names each re-export in three places (for type checkers, for the lazy import, for
    # ``__all__``); this keeps the three equal, and every name importable
    tree = ast.parse((ROOT / "src" / "peninsula" / "api" / "__init__.py").read_text(encoding="utf-8"))
    typed = {
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.If)
        for imp in node.body
        if isinstance(imp, ast.ImportFrom)
        for alias in imp.names
    }
    lazy = set(peninsula.api._LAZY)
    assert lazy <= set(peninsula.api.__all__)
    assert lazy == typed - {"pd", "RNGLike", "KoreaData", "outcome_problems"}
    for name in peninsula.api.__all__:
        assert getattr(peninsula.api, name) is not None, name


def _render_typing_block() -> dict[str, tuple[str, str]]:
    """What ``peninsula.api.render`` imports for type checkers: public name -> (module, attribute)."""
    tree = ast.parse((ROOT / "src" / "peninsula" / "api" / "render.py").read_text(encoding="utf-8"))
    return {
        alias.asname or alias.name: (imp.module or "", alias.name)
        for node in tree.body
        if isinstance(node, ast.If)
        for imp in node.body
        if isinstance(imp, ast.ImportFrom)
        for alias in imp.names
    }


def test_the_render_door_re_exports_the_reports_objects_themselves() -> None:
    # each name is listed for type checkers, for the lazy import and in __all__: the three agree, and the
    # name is the very object of its peninsula.reports module (a re-export, not a copy or a wrapper)
    import importlib

    from peninsula.api import render

    typed = _render_typing_block()
    assert set(typed) == set(render._LAZY) == set(render.__all__)
    assert len(render.__all__) == len(set(render.__all__))
    for name, (module, attr) in typed.items():
        assert module.startswith("peninsula.reports."), name
        assert getattr(render, name) is getattr(importlib.import_module(module), attr), name


def test_the_render_door_holds_only_what_the_edges_use() -> None:
    # "exactly the render functions the edges call": a name no CLI or workbench module mentions is dead
    import re

    from peninsula.api import render

    text = "\n".join(
        p.read_text(encoding="utf-8")
        for edge in ("cli", "web")
        for p in (ROOT / "src" / "peninsula" / edge).rglob("*.py")
    )
    unused = [n for n in render.__all__ if not re.search(rf"\b{n}\b", text)]
    assert unused == []


def test_the_render_door_imports_a_reports_module_on_first_use_only() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from peninsula.api.render import err; "
        "print(sorted(m for m in sys.modules if m.startswith('peninsula.reports.')))"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert p.stdout.strip() == "['peninsula.reports.console']"
