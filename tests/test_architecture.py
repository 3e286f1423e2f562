"""The house's structure: layers import only downward, and the CLI starts without heavy imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_layers_contract_is_kept() -> None:
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True) == 0


def _lint_with(tmp_path: Path, module: str, text: str) -> subprocess.CompletedProcess[str]:
    """lint-imports on a copy of the package with one extra module ``module`` (a path under peninsula/)."""
    import shutil

    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "peninsula", src / "peninsula")
    (src / "peninsula" / module).write_text(text)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from importlinter.cli import lint_imports; "
        "raise SystemExit(lint_imports(config_filename=sys.argv[2], no_cache=True, no_logo=True))"
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(src), str(tmp_path / "pyproject.toml")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )


def test_layers_contract_fails_on_an_upward_import(tmp_path: Path) -> None:
    """The contract is live: a core module importing the API would break it."""
    p = _lint_with(tmp_path, "core/_upward.py", "import peninsula.api\n")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "BROKEN" in p.stdout.upper()


@pytest.mark.parametrize(
    "target",
    [
        "import peninsula.scenarios",
        "import peninsula.simulate.store",
        "import peninsula.system",
        "import peninsula.reports",
        "from peninsula.reports.console import err",
    ],
)
@pytest.mark.parametrize("edge", ["cli/_bypass.py", "web/_bypass.py"])
def test_edges_contract_fails_when_an_edge_bypasses_the_api(tmp_path: Path, edge: str, target: str) -> None:
    """The edges contract is live: the CLI or the workbench importing a layer below the api breaks it,
    the render layer included (the edges render through :mod:`peninsula.api.render`)."""
    p = _lint_with(tmp_path, edge, f"{target}\n")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "Edges" in p.stdout and "BROKEN" in p.stdout.upper()


def test_edges_contract_keeps_an_edge_that_renders_through_the_api(tmp_path: Path) -> None:
    """The contract forbids the edges' own imports only: a CLI module rendering through the api is kept."""
    p = _lint_with(tmp_path, "cli/_through.py", "from peninsula.api.render import err\n")
    assert p.returncode == 0, p.stdout + p.stderr



HEAVY = ("pandas", "numba", "scipy", "statsmodels", "matplotlib", "duckdb", "dask", "SALib", "fastapi")


def test_cli_start_up_imports_nothing_heavy() -> None:
    # nor does the api façade: its names are imported on first use (the layers below stay unloaded too)
    lazy = (*HEAVY, "peninsula.scenarios", "peninsula.simulate", "peninsula.system")
    code = (
        "import sys, peninsula.cli, peninsula, peninsula.api; "
        f"print(','.join(m for m in {lazy!r} if m in sys.modules))"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert p.stdout.strip() == ""


def test_forecast_table_path_imports_no_pandas() -> None:
    """The default ``forecast`` renders its table from the runs: pandas (~0.4 s) stays unloaded."""
    code = (
        "import sys, peninsula; from peninsula.reports.tables import forecast_tables; "
        "f = peninsula.forecast(peninsula.DEFAULT_SCENARIO, ['compromise', 'median']); forecast_tables(f); "
        "print('pandas' in sys.modules)"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert p.stdout.strip() == "False"
