"""SystemSpec: validated once and frozen; the one start-month check; the deprecated keyword forms."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from peninsula import api
from peninsula.core import ParameterError
from peninsula.scenarios import load_packaged
from peninsula.system import SystemSpec, backtest_system, check_window, compare_system, run_system
from peninsula.system.analysis import prepare
from tests.system.conftest import posture_scenario


def test_spec_is_frozen_and_replace_validates() -> None:
    spec = SystemSpec(load_packaged("korea-2019-04"), months=3, draws=20)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.months = 4  # type: ignore[misc]
    assert spec.replace(months=4).months == 4
    with pytest.raises(ParameterError, match="at least 10"):
        spec.replace(draws=2)
    assert spec.with_seed() is spec
    fresh = spec.replace(seed=None).with_seed()
    assert fresh.seed is not None and 0 <= fresh.seed < 2**32


def test_resolved_defaults() -> None:
    sc = load_packaged("korea-2019-04")
    spec = SystemSpec(sc, months=3, draws=20, start="2019-06", target="missiles")
    assert (spec.start_month, spec.fit_end) == ("2019-06", "2019-05")
    assert spec.replace(train_end="2018-12").fit_end == "2018-12"
    assert (
        spec.launch_model_name == "regime"
        and spec.replace(launch_model="ingarch").launch_model_name == "ingarch"
    )


@pytest.mark.parametrize(
    ("start", "months", "message"),
    [
        ("2016-02", 3, "outside the data"),
        ("2016-03", 3, "outside the data"),
        ("2024-02", 1, "outside the data"),  # the latest start is the month after the data (2024-01)
    ],
)
def test_one_start_month_check_for_the_loop_and_the_analyses(korea, start, months, message) -> None:  # type: ignore[no-untyped-def]
    spec = SystemSpec(posture_scenario(), months=months, draws=10, start=start)
    for call in (
        lambda: check_window(spec, korea),
        lambda: run_system(spec, korea),
        lambda: prepare(spec, korea),
        lambda: backtest_system(spec, korea),
        lambda: compare_system(spec, "resume-exercises", korea),
    ):
        with pytest.raises(ParameterError, match=message):
            call()


def test_window_places_the_months_in_the_data(korea) -> None:  # type: ignore[no-untyped-def]
    w = check_window(SystemSpec(posture_scenario(), months=3, draws=10, start="2016-04"), korea)
    assert [str(m) for m in w.months] == ["2016-04", "2016-05", "2016-06"]
    assert w.pos == 3 and w.start == "2016-04" and w.covered.all()


def test_deprecated_keyword_forms_give_the_same_run(korea) -> None:  # type: ignore[no-untyped-def]
    sc = load_packaged("korea-2019-04")
    spec = SystemSpec(sc, months=3, draws=20, seed=5, launch_model="ingarch")
    new = run_system(spec, korea)
    with pytest.warns(DeprecationWarning, match="run_system"):
        old = run_system(sc, months=3, draws=20, seed=5, launch_model="ingarch", data=korea)
    assert np.array_equal(new.launches, old.launches) and new.to_dict() == old.to_dict()
    with pytest.warns(DeprecationWarning, match="backtest_system"):
        bt = backtest_system(sc, months=3, draws=20, seed=5, launch_model="ingarch", data=korea)
    assert bt.to_dict() == backtest_system(spec, korea).to_dict()
    with pytest.warns(DeprecationWarning, match="api.simulate"):
        via_api = api.simulate("korea-2019-04", months=3, draws=20, seed=5, launch_model="ingarch")
    assert (
        via_api.to_dict()
        == api.simulate(
            api.system_spec("korea-2019-04", months=3, draws=20, seed=5, launch_model="ingarch")
        ).to_dict()
    )
    with pytest.raises(TypeError, match="in the spec"):
        run_system(spec, months=4)


def test_system_spec_applies_and_labels_the_overlay() -> None:
    spec = api.system_spec("korea-2019-06", overlay="resume-exercises", months=3, draws=10)
    assert spec.overlay == "resume-exercises"
    assert spec.scenario != load_packaged("korea-2019-06")
    assert SystemSpec(posture_scenario(date=dt.date(2019, 1, 1)), months=1, draws=10).start_month == "2019-01"
