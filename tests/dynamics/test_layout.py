"""The dynamics package's layout: its module contract is live, renamed names still answer (with a warning)."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
D = "peninsula.dynamics"
CONTRACT = "Launch dynamics: one direction"


def _lint(tmp_path: Path, module: str, line: str) -> subprocess.CompletedProcess[str]:
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "peninsula", src / "peninsula")
    target = src / "peninsula" / "dynamics" / f"{module}.py"
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
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


@pytest.mark.parametrize(
    ("module", "line"),
    [
        # the cycle issue 24 removed: the combination reaching back into the rolling evaluation
        ("combination", "def _f() -> None:\n    from peninsula.dynamics.rolling import run_rolling  # noqa"),
        # the harness knowing a model
        ("origins", "import peninsula.dynamics.regime"),
        # one model importing a sibling model's module (the old base-class arrangement)
        ("ingarch", "import peninsula.dynamics.locallevel"),
    ],
)
def test_contract_breaks_on_an_upward_or_sideways_import(tmp_path: Path, module: str, line: str) -> None:
    p = _lint(tmp_path, module, line)
    assert p.returncode == 1, p.stdout + p.stderr
    broken = [ln for ln in p.stdout.splitlines() if "BROKEN" in ln.upper()]
    assert broken and CONTRACT in p.stdout, p.stdout


@pytest.mark.parametrize(
    ("old", "name", "new", "new_name"),
    [
        (f"{D}{old}", name, f"{D}{new}", new_name)
        for old, name, new, new_name in (
        ("", "PostureModel", ".nbregression", "NegBinRegression"),
        ("", "PostureFit", ".nbregression", "NegBinRegressionFit"),
        (".model", "PostureModel", ".nbregression", "NegBinRegression"),
        (".model", "fit_negbin", ".nbregression", "fit_negbin"),
        (".default", "DEFAULT_MODELS", ".registry", "DEFAULT_MODELS"),
        (".default", "simulate_counts", ".registry", "simulate_counts"),
        (".dynfit", "fit_penalised", ".penalised", "fit_penalised"),
        (".dynfit", "covariate_matrix", ".covariates", "covariate_matrix"),
        (".locallevel", "PostureModel", ".penalised", "PenalisedCountModel"),
        (".locallevel", "SteppedSimulation", ".penalised", "SteppedSimulation"),
        )
    ],
)
def test_renamed_names_answer_with_a_warning(old: str, name: str, new: str, new_name: str) -> None:
    module = importlib.import_module(old)
    with pytest.warns(DeprecationWarning, match=f"{old}.{name} is deprecated.*{new}.{new_name}"):
        got = getattr(module, name)
    assert got is getattr(importlib.import_module(new), new_name)


def test_old_modules_forward_only_public_names() -> None:
    dynfit = importlib.import_module(f"{D}.dynfit")
    with pytest.raises(AttributeError, match="no attribute 'np'"):
        dynfit.np  # noqa: B018
    with pytest.raises(AttributeError):
        importlib.import_module("peninsula.dynamics").NoSuchName  # noqa: B018


def test_one_class_per_name() -> None:
    # issue 24: two classes were called PostureModel (the NB2 regression and the dynamic models' base)
    from peninsula.dynamics import CombinationModel, IngarchModel, LocalLevelModel, RegimeModel
    from peninsula.dynamics.nbregression import NegBinRegression
    from peninsula.dynamics.penalised import PenalisedCountModel

    names = [c.__name__ for c in (NegBinRegression, PenalisedCountModel, LocalLevelModel, IngarchModel)]
    names += [c.__name__ for c in (RegimeModel, CombinationModel)]
    assert len(set(names)) == len(names)
    for cls in (LocalLevelModel, IngarchModel, RegimeModel):
        assert issubclass(cls, PenalisedCountModel)
        assert PenalisedCountModel.__module__ == f"{D}.penalised" != cls.__module__
