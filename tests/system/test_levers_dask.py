"""Levers on dask in batches of several candidates: the same document as in process (batching cannot move a
result to another candidate), and the robustness phase reuses the workers' copy of the job."""

from __future__ import annotations

from typing import Any

import pytest

from peninsula.simulate.distributed import dask_map
from peninsula.system import SystemSpec
from peninsula.system import levers as levers_mod
from peninsula.system.levers import LeverSpec, parse_grid, run_levers
from tests.system.test_levers import sma_scenario


def spec() -> LeverSpec:
    # 9 settings + the baseline in the first phase; robustness runs on the front in the second
    return LeverSpec(
        SystemSpec(sma_scenario(), months=3, draws=40, seed=3),
        overlays=(),
        grid=(parse_grid("sma@US=0:80:10"),),
        robust_draws=20,
        agreement_draws=20,
    )


def test_batches_on_two_workers_give_the_in_process_document(
    korea: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = run_levers(spec(), korea).to_dict()
    assert here["levers"] and any(lv["robustness"] for lv in here["levers"])  # both phases ran
    # one batch per worker: each batch holds 5 of the first phase's 10 runs
    monkeypatch.setattr(levers_mod, "BATCHES_PER_WORKER", 1)
    calls: list[tuple[int, int | None]] = []
    with dask_map(workers=2) as run:

        def counted(fn: Any, shared: Any, tasks: Any, warm: Any = None, **kw: Any) -> Any:
            calls.append((id(shared), kw.get("batches_per_worker")))
            return run(fn, shared, tasks, warm, **kw)

        on_two = run_levers(spec(), korea, task_map=counted).to_dict()
    assert on_two == here
    assert len(calls) == 2 and calls[0] == calls[1]  # two phases, one job object, batched
    assert calls[0][1] == 1
