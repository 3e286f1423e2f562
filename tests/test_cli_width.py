"""Every command's tables fit the terminal (issue 26): at ``COLUMNS=80`` no line is wider than 80 and no
number is cut to ``1,2…``; wide tables continue in panels instead."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peninsula.cli import app
from tests.conftest import DEU

runner = CliRunner()

#: A cell cut by rich: a character immediately followed by the ellipsis.
CUT = re.compile(r"\S…")


def _lines_at(columns: int, *args: str) -> list[str]:
    r = runner.invoke(app, list(args), env={"COLUMNS": str(columns)})
    assert r.exit_code == 0, r.stdout + r.stderr
    return r.stdout.splitlines()


def assert_fits(columns: int, *args: str) -> list[str]:
    lines = _lines_at(columns, *args)
    wide = [ln for ln in lines if len(ln.rstrip()) > columns]
    assert not wide, f"{len(wide)} line(s) wider than {columns}:\n" + "\n".join(wide[:5])
    cut = [ln for ln in lines if CUT.search(ln)]
    assert not cut, "cut cells:\n" + "\n".join(cut[:5])
    return lines


def test_default_forecast_fits_80_columns_and_leads_with_the_recommended_model() -> None:
    lines = assert_fits(80, "forecast")
    head = " ".join(lines[1:3])
    for word in ("issue", "status", "consensus", "80% interval", "other"):
        assert word in head, head
    assert len([ln for ln in lines if ln.strip()]) <= 25  # one screen, notes behind --notes
    assert any("--notes" in ln for ln in lines) and not any(ln.startswith("Scales") for ln in lines)


def test_forecast_against_record_puts_the_record_first_and_fits() -> None:
    lines = assert_fits(80, "forecast", "--against-record")
    assert lines[2].split()[:2] == ["issue", "record"]


def test_wide_forecast_shows_every_model_in_panels_that_fit() -> None:
    from peninsula.models import REGISTRY

    text = "\n".join(assert_fits(80, "forecast", "--wide"))
    flat = text.replace("-\n", "-")
    for name in REGISTRY:
        head, _, tail = name.partition("-")
        assert name in text or (head + "-" in text and tail in text), name
    assert "(continued)" in flat


def test_named_models_get_their_columns() -> None:
    lines = assert_fits(80, "forecast", "-m", "compromise", "-m", "eu", "-m", "nash")
    head = " ".join(lines[1:3])
    assert "compromise" in head and "eu" in head and "nash" in head


def test_notes_are_behind_a_flag() -> None:
    plain = "\n".join(_lines_at(80, "forecast", "-m", "compromise", "-m", "median"))
    noted = "\n".join(assert_fits(80, "forecast", "-m", "compromise", "-m", "median", "--notes"))
    assert "Scales" not in plain and "Scales" in noted
    assert "cannot forecast that the parties do not agree" in noted.replace("\n", " ")


@pytest.mark.parametrize(
    "args",
    [
        ["forecast", "korea-2019-06", "--overlay", "resume-exercises", "-m", "compromise", "-m", "eu"],
        [
            "evaluate",
            str(DEU / "deu_train"),
            "--outcomes",
            str(DEU / "deu_train_issues.csv"),
            "-m",
            "compromise",
        ],
        ["models"],
        ["scenarios"],
        ["sources", "korea-2019-04"],
        ["cohesion", "korea-2019-04", "-m", "compromise", "-m", "eu"],
        ["whatif", "--from", "2019-03", "--months", "4", "--draws", "100"],
        ["simulate", "--months", "3", "--draws", "50"],
        ["sweep", "-n", "60", "--seed", "1", "-m", "compromise", "-m", "median", "--no-store"],
        ["sweep", "-n", "60", "--seed", "1", "-m", "compromise", "--no-store", "--wide"],
        ["sensitivity", "korea-2019-04", "-m", "compromise", "--issue", "sma-contribution"],
    ],
)
def test_command_tables_fit_80_columns(args: list[str]) -> None:
    assert_fits(80, *args)


def test_run_store_tables_fit_80_columns(tmp_path: Path) -> None:
    store = str(tmp_path / "s.duckdb")
    for extra in ([], ["korea-2019-06", "-O", "resume-exercises", "-m", "compromise"]):
        args = ["sweep", "-n", "40", "--seed", "1", "-m", "median", "--store", store, *extra]
        r = runner.invoke(app, args)
        assert r.exit_code == 0, r.stderr
    listed = assert_fits(80, "runs", "list", "--store", store)
    # ids and dates are never broken across lines (they move to the next panel instead)
    assert all(any(w in ln for ln in listed) for w in ("korea-2019-04", "korea-2019-06", "resume-exercises"))
    assert any(re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", ln) for ln in listed)
    assert_fits(80, "runs", "show", "latest", "--store", store)
    assert_fits(80, "runs", "compare", "latest~1", "latest", "--store", store)


def test_a_wide_terminal_keeps_one_panel() -> None:
    lines = _lines_at(200, "forecast", "-m", "compromise", "-m", "median", "-m", "eu")
    assert not any("(continued)" in ln for ln in lines)
