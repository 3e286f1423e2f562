"""One meaning per flag across commands, --version, -h, readable metavars, deprecated spellings that warn,
seeds by default and ``-`` for stdin/stdout (issue 26)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from peninsula.cli import app
from tests.conftest import DECIDE_INPUTS

runner = CliRunner()


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args), input=input)
    return r.exit_code, r.stdout, r.stderr


def _commands() -> list[list[str]]:
    group = typer.main.get_command(app)
    out: list[list[str]] = []
    ctx = typer.Context(group)
    for name in group.list_commands(ctx):  # type: ignore[attr-defined]
        cmd = group.get_command(ctx, name)  # type: ignore[attr-defined]
        if hasattr(cmd, "list_commands"):
            sub = typer.Context(cmd)
            out += [[name, s] for s in cmd.list_commands(sub)]
        else:
            out.append([name])
    return out


def test_version_and_short_help() -> None:
    from importlib.metadata import version

    code, out, _ = run("--version")
    assert code == 0 and out.strip() == f"peninsula {version('peninsula')}"
    code, out, _ = run("-h")
    assert code == 0 and "Usage:" in out and "forecast" in out


@pytest.mark.parametrize("command", _commands(), ids=" ".join)
def test_every_command_has_short_help_and_readable_metavars(command: list[str]) -> None:
    code, out, _ = run(*command, "-h")
    assert code == 0 and "Usage:" in out, out
    python_types = re.findall(r"<(?:int|str|float|path|Path|bool|list\[[^>]*\]|int range|float range)>", out)
    assert not python_types, f"{' '.join(command)}: {python_types}"


OVERLAY_COMMANDS = ["forecast", "sweep", "simulate", "sensitivity", "sources", "cohesion", "report", "whatif"]


@pytest.mark.parametrize("command", OVERLAY_COMMANDS)
def test_overlay_is_capital_o_and_lower_o_is_never_the_overlay_in_help(command: str) -> None:
    _, out, _ = run(command, "-h")
    line = next(ln for ln in out.splitlines() if "--overlay" in ln)
    assert "-O, --overlay" in line, line
    assert not re.search(r"-o, --overlay", out)


@pytest.mark.parametrize("command", ["report", "simulate", "whatif", "backtest"])
def test_out_is_dash_o_on_every_command_that_writes_a_file(command: str) -> None:
    _, out, _ = run(command, "-h")
    assert re.search(r"-o, --out FILE", out), out


@pytest.mark.parametrize("command", ["sweep", "simulate", "whatif", "report", "sensitivity"])
def test_draws_is_dash_n_everywhere(command: str) -> None:
    _, out, _ = run(command, "-h")
    assert re.search(r"-n, --draws N", out), out
    assert "--sims" not in out


def test_old_overlay_spelling_still_works_and_warns() -> None:
    base = ["forecast", "korea-2019-06", "-m", "compromise", "--format", "json"]
    code, new, _ = run(*base, "--overlay", "resume-exercises")
    code_old, old, err = run(*base, "-o", "resume-exercises")
    assert code == code_old == 0
    assert json.loads(new) == json.loads(old)
    assert "warning:" in err and "-o NAME is deprecated" in err and "--overlay/-O" in err


def test_sims_is_a_deprecated_alias_of_draws_in_whatif() -> None:
    base = ["whatif", "--from", "2019-03", "--months", "3", "--format", "json"]
    code, new, err_new = run(*base, "--draws", "60")
    code_old, old, err = run(*base, "--sims", "60")
    assert code == code_old == 0 and json.loads(new) == json.loads(old)
    assert "warning:" not in err_new and "--sims N is deprecated" in err and "--draws" in err
    code, _, err = run(*base, "--sims", "60", "--draws", "60")
    assert code == 2 and "--draws" in err


def test_whatif_launch_model_is_launch_model_and_model_is_its_deprecated_alias() -> None:
    base = ["whatif", "--from", "2019-03", "--months", "3", "--draws", "50", "--format", "json"]
    code, new, _ = run(*base, "--launch-model", "local_level")
    code_old, old, err = run(*base, "--model", "local_level")
    assert code == code_old == 0 and json.loads(new) == json.loads(old)
    assert "whatif --model NAME is deprecated" in err and "--launch-model" in err
    _, helptext, _ = run("whatif", "-h")
    assert "--launch-model NAME" in helptext and "--model" not in helptext.replace("--launch-model", "")


def test_simulate_dash_o_is_the_chart_and_an_overlay_name_still_works_with_a_warning(tmp_path: Path) -> None:
    base = ["simulate", "korea-2019-06", "--months", "2", "--draws", "20", "--format", "json"]
    code, new, _ = run(*base, "-O", "resume-exercises")
    code_old, old, err = run(*base, "-o", "resume-exercises")
    assert code == code_old == 0 and json.loads(new) == json.loads(old)
    assert json.loads(old)["overlay"] == "resume-exercises"
    assert "-o resume-exercises (the overlay) is deprecated" in " ".join(err.split())
    code, _, err = run(*base, "-o", "resume-exercises", "-O", "resume-exercises")
    assert code == 2 and "give --overlay/-O only" in err
    png = tmp_path / "s.png"
    code, _, err = run("simulate", "--months", "2", "--draws", "20", "-o", str(png))
    assert code == 0 and png.exists() and str(png) in err


def test_levers_uses_the_common_flags() -> None:
    _, helptext, _ = run("levers", "-h")
    for flag in ("-O, --overlay NAME", "-o, --out FILE", "-n, --draws N", "-m, --model MODEL"):
        assert flag in helptext, flag
    assert not re.search(r"-o, --overlay", helptext)


def test_forecast_is_seeded_by_default_and_says_so() -> None:
    args = ["forecast", "-m", "exchange-random", "--format", "json"]
    a, b = json.loads(run(*args)[1]), json.loads(run(*args)[1])
    assert a == b and a["seed"] == 0
    c = json.loads(run(*args, "--seed", "5")[1])
    assert c["seed"] == 5 and c["models"] != a["models"]
    _, table, _ = run("forecast", "-m", "exchange-random", "-m", "compromise")
    assert "seed 0" in table


def test_evaluate_and_cohesion_are_seeded_by_default() -> None:
    _, out1, _ = run("cohesion", "korea-2019-04", "-m", "exchange-random", "--format", "json")
    _, out2, _ = run("cohesion", "korea-2019-04", "-m", "exchange-random", "--format", "json")
    assert json.loads(out1) == json.loads(out2)


def test_a_scenario_from_stdin_and_yaml_to_stdout() -> None:
    code, yaml_text, _ = run("convert", str(DECIDE_INPUTS / "cop21.csv"), "-")
    assert code == 0 and yaml_text.lstrip().startswith(("id:", "title:", "#", "metadata:", "actors:"))
    code, out, err = run("forecast", "-", "-m", "compromise", "--format", "json", input=yaml_text)
    assert code == 0, err
    file_doc = json.loads(
        run("forecast", str(DECIDE_INPUTS / "cop21.csv"), "-m", "compromise", "-f", "json")[1]
    )
    assert json.loads(out)["models"] == file_doc["models"]
    decide = (DECIDE_INPUTS / "cop21.csv").read_text(encoding="utf-8")
    code, out, err = run("forecast", "-", "-m", "compromise", "--format", "json", input=decide)
    assert code == 0 and json.loads(out)["models"] == file_doc["models"], err
    code, _, err = run("validate", "-", input="actors: [\n")
    assert code == 2 and "<stdin>" in err and "Traceback" not in err


def test_events_to_stdout() -> None:
    code, out, _ = run("forecast", str(DECIDE_INPUTS / "cop21.csv"), "-m", "exchange", "--events", "-")
    assert code == 0 and "model" in out.splitlines()[0]


def test_serve_hint_names_the_clone_extra_for_an_editable_install() -> None:
    from peninsula.cli.serve import install_hint

    hint = install_hint("web")
    assert "pip install -e '.[web]'" in hint


def test_all_extra_installs_every_optional_part() -> None:
    import tomllib

    from tests.conftest import ROOT

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    parts = sorted(e for e in extras if e not in ("all", "dev"))
    assert extras.get("all") == [f"peninsula[{','.join(parts)}]"]
