"""Options out of range: rounds, seeds, simulations, formats; iterative models stop when nothing changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from peninsula import api
from peninsula.core import Actor, Issue, ParameterError, Scenario, Stance
from peninsula.core.limits import MAX_ROUNDS
from tests.robustness._helpers import assert_input_error, run

TWO = Scenario(
    id="two",
    actors=[Actor(id="A", capability=1.0), Actor(id="B", capability=1.0)],
    issues=[Issue(id="x", lower=0, upper=100)],
    stances=[
        Stance(actor="A", issue="x", position=40, salience=1.0),
        Stance(actor="B", issue="x", position=60, salience=1.0),
    ],
)


@pytest.mark.parametrize(
    "args",
    [
        ["forecast", "-m", "eu", "--rounds", "1000000000"],
        ["forecast", "-m", "eu", "--rounds", str(MAX_ROUNDS + 1)],
        ["forecast", "-m", "eu", "--rounds", "-1"],
        ["evaluate", "data/deu/deu_train", "--outcomes", "data/deu/deu_train_issues.csv", "--rounds", "5000"],
        ["forecast", "-m", "exchange-random", "--seed", "-1"],
        ["forecast", "-m", "exchange-random", "--seed", str(2**64)],
        ["whatif", "--from", "2018-06", "--months", "3", "--draws", "1000000000"],
        ["whatif", "--from", "2018-06", "--months", "3", "--seed", "-1"],
        ["models", "--format", "xml"],
        ["forecast", "--format", "xml"],
    ],
)
def test_option_out_of_range(args: list[str]) -> None:
    assert_input_error(args)


def test_rounds_limit_also_holds_in_the_api() -> None:
    with pytest.raises(ParameterError, match="--rounds"):
        api.forecast(TWO, ["eu"], rounds=10**9)


@pytest.mark.parametrize("model", ["eu", "eu-masad", "exchange"])
def test_iterative_models_stop_when_nothing_can_change(model: str) -> None:
    # two actors of equal weight at 40 and 60: nothing moves after a few rounds
    f = api.forecast(TWO, [model], rounds=MAX_ROUNDS)
    recorded = len(f.runs[model].issues["x"].rounds)
    assert recorded < 20, f"{model} recorded {recorded} rounds where nothing can change"


def test_forecast_with_a_large_rounds_value_is_fast_enough(tmp_path: Path) -> None:
    code, text = run(
        "forecast", "tests/reference/decide/inputs/sample_data.txt", "-m", "eu-masad", "--rounds", "1000"
    )
    assert code == 0, text
