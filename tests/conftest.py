"""Shared fixtures.

Testing rules for this suite:

* tests read only files inside the repository (``tests/reference``, ``data/``, packaged data);
* numbers are pinned to published or reference values, or to hand computations written out in the test;
* invariants are property tests whose generators live in ``tests/strategies.py``;
* no timing assertions here: speed is measured by ``benchmarks/``;
* warnings are errors (``filterwarnings = error``): a test that expects one says so with ``pytest.warns``;
* with ``CI`` set, hypothesis runs derandomized (a fixed example sequence).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the property tests on a fixed sequence of examples so that a landing never depends on luck;
# local runs keep exploring new examples (and a failure found there becomes a pinned test case).
# Kernels compile on first use in tests (never the cold-start plain-Python path of kernels/_cold.py, which
# tests/kernels/test_cold.py tests on purpose), and no background compile process is started.
os.environ.setdefault("PENINSULA_JIT", "compile")

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "reference"
DECIDE_INPUTS = REFERENCE / "decide" / "inputs"
BDM_INPUTS = REFERENCE / "bdm" / "inputs"
DEU = ROOT / "data" / "deu"


@pytest.fixture
def decide_inputs() -> Path:
    return DECIDE_INPUTS


@pytest.fixture
def bdm_inputs() -> Path:
    return BDM_INPUTS


@pytest.fixture(autouse=True)
def _user_data_in_tmp(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The default run store lives in the user's data folder: tests keep it in a temporary one."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.getbasetemp() / "xdg-data"))
