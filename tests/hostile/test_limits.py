"""Limits that bound memory and time, enforced before the work starts, in the API as in the CLI (issue 27).

Each test failed in 2026-12: a 0.6 MB YAML of aliases or a 3.6 MB list of bare scalars took hundreds of MB
(the issue measured 3.6 GB for 3.8 MB); YAML ignored the actor limit; a 394 kB xlsx unpacked to 400 MB and
took 777 MB; ``eu`` at 6,000 actors or 2,000 actors x 1,000 rounds ran out of memory or for hours; 150
years of monthly data ran a backtest for minutes to hours; the API took 100 million sweep draws and any
number of simulated months.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

import peninsula
from peninsula import api
from peninsula.core import InputError, ParameterError
from peninsula.core.limits import MAX_ACTORS, MAX_DATA_MONTHS, MAX_DRAWS, MAX_MONTHS
from peninsula.io import load
from peninsula.models import REGISTRY
from peninsula.scenarios import load_packaged
from peninsula.simulate.montecarlo import make_spec
from tests.robustness._helpers import assert_input_error
from tests.web.conftest import big_yaml

ROOT = Path(__file__).resolve().parents[2]


# -- YAML: memory per byte, the same count limits as every reader --------------------------------------------


def test_yaml_aliases_cannot_multiply_memory(tmp_path: Path) -> None:
    head = (
        "id: a\nactors: [{id: a, capability: 1}]\nissues: [{id: x}]\n"
        "s: &s {actor: a, issue: x, position: 1, salience: 0.5}\nstances: ["
    )
    p = tmp_path / "alias.yaml"
    p.write_text(head + ",".join(["*s"] * 200_000) + "]\n")
    t0 = time.monotonic()
    with pytest.raises(InputError, match="values once aliases"):
        load(p)
    assert time.monotonic() - t0 < 10  # refused from the parser's events, nothing built


def test_a_file_of_bare_scalars_is_refused_before_it_is_built(tmp_path: Path) -> None:
    p = tmp_path / "dense.yaml"
    p.write_text("id: d\nactors: [" + ",".join(["0"] * 400_000) + "]\n")
    with pytest.raises(InputError, match="per byte of the file"):
        load(p)


def test_yaml_enforces_the_actor_limit_naming_the_line(tmp_path: Path) -> None:
    p = tmp_path / "many.yaml"
    p.write_bytes(big_yaml(MAX_ACTORS + 1, 1))
    assert_input_error(
        ["validate", str(p)], f"many.yaml:{MAX_ACTORS + 4}", "10,001 actors, over the input limit"
    )


def test_plain_yaml_scenarios_stay_readable(tmp_path: Path) -> None:
    p = tmp_path / "ok.yaml"
    p.write_bytes(big_yaml(2_000, 5))  # 10,000 stances in short flow mappings: the densest plain style
    assert len(load(p).stances) == 10_000


# -- xlsx: unpacked size from the zip directory --------------------------------------------------------------


def test_an_xlsx_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    import openpyxl

    ok = tmp_path / "ok.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for row in (["Actor", "Capability", "Position", "Salience"], ["A", 1, 50, 0.5], ["B", 2, 20, 0.5]):
        ws.append(row)
    wb.save(ok)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(ok) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                head, rest = data.decode().split("<sheetData>")
                body, tail = rest.split("</sheetData>")
                cell = (
                    '<row r="4"><c r="A4" t="inlineStr"><is><t>' + "x" * 100_000_000 + "</t></is></c></row>"
                )
                data = (head + "<sheetData>" + body + cell + "</sheetData>" + tail).encode()
            zout.writestr(item, data)
    assert bomb.stat().st_size < 1_000_000
    assert len(load(ok).actors) == 2
    assert_input_error(
        ["validate", str(bomb)], "bomb.xlsx", "unpacks to 95 MiB", "over the input limit of 64 MiB"
    )


# -- models: pairwise work and memory ------------------------------------------------------------------------


def _wide(n: int, issues: int = 1) -> peninsula.Scenario:
    from peninsula.io.yaml_format import parse_yaml

    return parse_yaml(big_yaml(n, issues).decode(), "wide.yaml")


RUN = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, sys.argv[1])
    from tests.hostile.test_limits import _wide
    import peninsula
    from peninsula.core import ParameterError
    sc = _wide(int(sys.argv[2]), int(sys.argv[5]))
    t0 = time.monotonic()
    try:
        peninsula.forecast(sc, [sys.argv[4]], rounds=int(sys.argv[3]))
    except ParameterError as exc:
        print("refused", round(time.monotonic() - t0, 1), exc)
    """
)


# (eu holds no n x n arrays above 256 actors since issue 28, so the memory bound is shown on exchange)
@pytest.mark.parametrize(
    ("model", "actors", "issues", "rounds", "fragment"),
    [
        ("eu", 2_000, 1, 1_000, "pair-rounds, over the limit"),
        ("exchange", 600, 10, 1, "over the limit of 2 GiB for one model run"),
    ],
)
def test_a_model_past_its_work_or_memory_bound_is_refused_at_once(
    model: str, actors: int, issues: int, rounds: int, fragment: str
) -> None:
    r = subprocess.run(
        [sys.executable, "-c", RUN, str(ROOT), str(actors), str(rounds), model, str(issues)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.stdout.startswith("refused"), r.stdout + r.stderr
    assert float(r.stdout.split()[1]) < 5
    assert fragment in r.stdout and f"model {model}" in r.stdout


def test_a_sweep_checks_the_same_bound() -> None:
    with pytest.raises(ParameterError, match="pair-rounds"):
        make_spec(_wide(2_000), [REGISTRY["eu"]()], draws=10, rounds=1_000)


# -- launch data: months -------------------------------------------------------------------------------------


def test_launch_data_longer_than_the_limit_is_refused(tmp_path: Path) -> None:
    import csv

    src = ROOT / "src/peninsula/dynamics/data/dprk_missile_tests_monthly.csv"
    with src.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    (tmp_path / "alliance_timeline.csv").write_bytes(
        (ROOT / "src/peninsula/scenarios/datasets/alliance_timeline.csv").read_bytes()
    )
    with open(tmp_path / "dprk_missile_tests_monthly.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, list(rows[0]))
        w.writeheader()
        y, m = 1872, 1
        for k in range(1_800):  # 150 years
            w.writerow({**rows[k % len(rows)], "month": f"{y:04d}-{m:02d}"})
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    t0 = time.monotonic()
    assert_input_error(
        ["backtest", "--data", str(tmp_path)], f"more than {MAX_DATA_MONTHS:,} months", "over the input limit"
    )
    assert time.monotonic() - t0 < 60


# -- the API applies the CLI's limits ------------------------------------------------------------------------


def test_the_api_applies_the_draws_and_months_limits() -> None:
    sc = load_packaged("korea-2019-04")
    with pytest.raises(ParameterError, match=f"between 1 and {MAX_DRAWS:,}"):
        make_spec(sc, [REGISTRY["compromise"]()], draws=100_000_000)
    with pytest.raises(ParameterError, match=f"{MAX_MONTHS:,}"):
        api.system_spec("korea-2019-04", months=MAX_MONTHS + 1)
    with pytest.raises(ParameterError, match=f"{MAX_DRAWS:,}"):
        api.system_spec("korea-2019-04", draws=MAX_DRAWS + 1)
    with pytest.raises(ParameterError, match=f"{MAX_DRAWS:,}"):
        peninsula.sensitivity("korea-2019-04", "compromise", method="sobol", draws=MAX_DRAWS + 1)
