"""The command line: its JSON shapes and exit codes are a public interface (scripts rely on them)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peninsula.cli import app
from peninsula.io import load
from peninsula.models import REGISTRY
from peninsula.models.baselines import Compromise
from tests.conftest import BDM_INPUTS, DECIDE_INPUTS, DEU

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_help_lists_commands() -> None:
    code, out, _ = run("--help")
    assert code == 0
    for cmd in ("forecast", "evaluate", "validate", "convert", "models"):
        assert cmd in out


def test_forecast_json_shape_and_values() -> None:
    code, out, _ = run(
        "forecast", str(DECIDE_INPUTS / "cop21.csv"), "--model", "compromise", "--format", "json"
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["scenario"] == "cop21"
    issues = doc["models"]["compromise"]["issues"]
    s = load(DECIDE_INPUTS / "cop21.csv")
    d = s.issue_data("mrv")
    expected = float((d.weights * d.positions).sum() / d.weights.sum())
    assert issues["mrv"]["outcome"] == pytest.approx(expected, abs=1e-12)
    r0 = issues["mrv"]["rounds"][0]
    assert r0["round"] == 0 and r0["positions"] == dict(zip(d.actor_ids, d.positions.tolist(), strict=True))


def test_forecast_timings_on_stderr() -> None:
    code, out, err = run(
        "forecast",
        str(DECIDE_INPUTS / "cop21.csv"),
        "-m",
        "compromise",
        "-m",
        "median",
        "--timings",
        "--format",
        "json",
    )
    assert code == 0
    lines = [ln.split() for ln in err.splitlines() if ln.startswith("timing ")]
    assert [ln[1] for ln in lines] == ["compromise", "median"]
    assert all(float(ln[2]) >= 0 for ln in lines)
    json.loads(out)


def test_forecast_csv_and_table() -> None:
    code, out, _ = run("forecast", str(DECIDE_INPUTS / "copenhagen.csv"), "-m", "median", "--format", "csv")
    assert code == 0
    assert out.splitlines()[0] == "model,round,issue,actor,position,outcome"
    code, out, _ = run("forecast", str(DECIDE_INPUTS / "copenhagen.csv"), "-m", "median")
    assert code == 0 and "Newtreaty" in out


def test_bdm_tables_forecast() -> None:
    for name in ("ExampleActors.csv", "ChinaData.csv", "HondurasCrisisData.csv"):
        code, out, _ = run("forecast", str(BDM_INPUTS / name), "-m", "compromise", "--format", "json")
        assert code == 0
        assert len(json.loads(out)["models"]["compromise"]["issues"]) == 1


def test_validate_bad_file_exit_2_with_details() -> None:
    code, out, err = run("validate", str(DECIDE_INPUTS / "copenhagen_with_errors.csv"))
    assert code == 2
    msg = out + err
    for needle in ("copenhagen_with_errors.csv", "87", "power", "China India", "Control"):
        assert needle in msg
    assert "Traceback" not in msg


def test_validate_good_files() -> None:
    code, out, _ = run(
        "validate", str(DECIDE_INPUTS / "cop21.csv"), str(BDM_INPUTS / "HondurasCrisisData.csv")
    )
    assert code == 0 and out.count("ok ") == 2


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["forecast", "no/such/file.csv"], "no such file"),
        (["forecast", str(DECIDE_INPUTS / "cop21.csv"), "--model", "nope"], "unknown model"),
        (["forecast", str(DECIDE_INPUTS / "cop21.csv"), "-m", "compromise", "--set", "zeta=1"], "zeta"),
        (["forecast", str(DECIDE_INPUTS / "cop21.csv"), "--set", "novalue"], "KEY=VALUE"),
        (
            ["forecast", str(DECIDE_INPUTS / "cop21.csv"), "-m", "eu", "--set", "Q=2"],
            "model 'eu': parameter 'Q': '2' is above the maximum 1.0",
        ),
        (
            ["forecast", str(DECIDE_INPUTS / "cop21.csv"), "-m", "nash", "--set", "weights=size"],
            "parameter 'weights': 'size' is not 'capability' or 'capability_salience'",
        ),
        (["forecast", str(DECIDE_INPUTS / "cop21.csv"), "-m", "exchange", "--set", "p=1"], "parameter(s) p;"),
        (["forecast", str(DECIDE_INPUTS / "cop21.csv"), "--format", "xml"], "--format"),
    ],
)
def test_bad_usage_exit_2(args: list[str], needle: str) -> None:
    code, out, err = run(*args)
    assert code == 2
    assert needle in out + err
    assert "Traceback" not in out + err


def test_internal_error_exit_1_short_message(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(self: object, *a: object, **k: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(Compromise, "run", boom)
    code, _, err = run("forecast", str(DECIDE_INPUTS / "cop21.csv"), "-m", "compromise")
    assert code == 1 and "kaboom" in err and "Traceback" not in err
    r = runner.invoke(app, ["--debug", "forecast", str(DECIDE_INPUTS / "cop21.csv"), "-m", "compromise"])
    assert isinstance(r.exception, RuntimeError)


def test_evaluate_json() -> None:
    code, out, _ = run(
        "evaluate",
        str(DEU / "deu_train"),
        "--outcomes",
        str(DEU / "deu_train_issues.csv"),
        "-m",
        "compromise",
        "-m",
        "median",
        "--format",
        "json",
    )
    assert code == 0
    doc = json.loads(out)["models"]
    assert doc["compromise"]["n"] == 176 and round(doc["compromise"]["mae"], 2) == 21.20
    assert round(doc["median"]["mae"], 2) == 26.57
    one = doc["compromise"]["issues"]["d00032i1"]
    assert one["outcome"] == 100.0 and one["error"] == pytest.approx(abs(one["forecast"] - 100.0))


def test_convert_round_trip(tmp_path: Path) -> None:
    out_yaml = tmp_path / "s.yaml"
    code, _, _ = run("convert", str(DECIDE_INPUTS / "sample_data.txt"), str(out_yaml))
    assert code == 0
    assert load(out_yaml) == load(DECIDE_INPUTS / "sample_data.txt")


def test_models_json_lists_registry() -> None:
    code, out, _ = run("models", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert list(doc) == list(REGISTRY)
    assert doc["compromise"]["deterministic"] is True


def test_default_forecast_is_the_korea_default_with_cohesion() -> None:
    code, out, _ = run("forecast", "-m", "compromise", "-m", "median", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["scenario"] == "korea-2019-04"
    assert set(doc["cohesion"]) == {"before", "compromise", "median"}
    code, out, _ = run("forecast", "-m", "compromise")
    head = out.splitlines()[1:3]  # the header: "status" above "quo"
    assert code == 0 and "U.S.-ROK cohesion" in out and "status" in head[0] and "quo" in head[1]


def test_forecast_overlay_side_by_side() -> None:
    code, out, _ = run(
        "forecast", "korea-2019-06", "--overlay", "resume-exercises", "-m", "compromise", "--format", "json"
    )
    assert code == 0
    doc = json.loads(out)
    base = doc["models"]["compromise"]["issues"]["exercises"]["outcome"]
    over = doc["overlay"]["models"]["compromise"]["issues"]["exercises"]["outcome"]
    assert doc["overlay"]["name"] == "resume-exercises" and doc["overlay"]["changes"]
    assert over > base
    code, out, _ = run("forecast", "korea-2019-06", "--overlay", "resume-exercises", "-m", "compromise")
    assert code == 0 and "base vs. overlay" in out
    code, _, err = run("forecast", "korea-2019-06", "--overlay", "no-such-lever", "-m", "compromise")
    assert code == 2 and "no-such-lever" in err


def test_feature_commands_are_registered() -> None:
    code, out, _ = run("--help")
    assert code == 0
    for cmd in ("backtest", "whatif", "sources", "scenarios", "cohesion"):
        assert cmd in out


def test_validate_checks_sources_of_yaml(tmp_path: Path) -> None:
    from tests.conftest import ROOT

    text = (ROOT / "docs" / "scenario-format.md").read_text()
    block = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    good = tmp_path / "good.yaml"
    good.write_text(block)
    code, out, _ = run("validate", str(good))
    assert code == 0, out
    bad = tmp_path / "bad.yaml"
    bad.write_text(block.replace("Trump has since pushed", "Trump pushed"))
    code, out, err = run("validate", str(bad))
    assert code == 2 and "bad.yaml" in err and "stances[0].position" in err
    code, _, _ = run("validate", "--no-sources", str(bad))
    assert code == 0
    code, _, _ = run("validate", "korea-2019-04")
    assert code == 0
