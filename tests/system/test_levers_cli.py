"""``peninsula levers`` on the command line: the JSON contract, byte-identical output in process and on two
dask workers, the run store (resume, ``runs list|show``) and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peninsula.cli import app
from peninsula.simulate.store import RunStore

runner = CliRunner()
LEVERS = [
    "levers",
    "korea-2019-06",
    "--months",
    "3",
    "--draws",
    "60",
    "--seed",
    "5",
    "--robust-draws",
    "20",
    "--agreement-draws",
    "50",
    "--grid",
    "exercises@US=0:2:2",
]
NEED = {"median", "q10", "q90", "delta_median", "delta_q10", "delta_q90", "p_better"}


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args), env=env)
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture(scope="module")
def in_process(tmp_path_factory: pytest.TempPathFactory) -> str:
    store = tmp_path_factory.mktemp("levers") / "s.duckdb"
    code, out, err = run(*LEVERS, "--store", str(store), "--format", "json")
    assert code == 0, err
    return out


def test_the_json_has_the_shape_the_issue_spells(in_process: str) -> None:
    doc = json.loads(in_process)
    assert {"scenario", "months", "draws", "seed", "baseline", "levers"} <= set(doc)
    assert (doc["scenario"], doc["months"], doc["draws"], doc["seed"]) == ("korea-2019-06", 3, 60, 5)
    assert set(doc["baseline"]["objectives"]) == {o["name"] for o in doc["objectives"]}
    kinds = {lv["kind"] for lv in doc["levers"]}
    assert kinds == {"overlay", "setting"}  # every applicable overlay, and the grid
    assert {"exercises@US=0", "exercises@US=2"} <= {lv["id"] for lv in doc["levers"]}
    for lv in doc["levers"]:
        assert {"id", "kind", "changes", "objectives", "pareto", "front_share"} <= set(lv)
        for o in lv["objectives"].values():
            assert set(o) >= NEED
    assert [lv["rank"] for lv in doc["levers"]] == list(range(1, len(doc["levers"]) + 1))
    assert any(lv["pareto"] for lv in doc["levers"]) or doc["baseline"]["pareto"]


def test_same_json_byte_for_byte_in_process_and_on_two_workers(in_process: str) -> None:
    code, again, err = run(*LEVERS, "--no-store", "--format", "json")
    assert code == 0, err
    code, on_two, err = run(*LEVERS, "--no-store", "--workers", "2", "--format", "json")
    assert code == 0, err
    assert in_process == again == on_two


def test_the_run_store_keeps_and_resumes_levers_runs(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    env = {"PENINSULA_STORE": str(store)}
    args = [
        *LEVERS[:2],
        "--months",
        "2",
        "--draws",
        "30",
        "--overlay",
        "resume-exercises",
        "--robust-draws",
        "0",
    ]
    code, out, err = run(*args, "--format", "json", env=env)
    assert code == 0, err
    first = json.loads(out)
    rid = first["run_id"]
    with RunStore.open(store) as st:  # forget one candidate's draws: the rerun computes them again
        st.con.execute("DELETE FROM lever_draws WHERE run_id = ? AND lever = 'resume-exercises'", [rid])
        assert st.lever_run(rid)["committed_levers"] == 1
    code, again, err = run(*args, "--format", "json", env=env)
    assert code == 0 and again == out, err
    code, out, _ = run("runs", "list", "--format", "json", env=env)
    (row,) = json.loads(out)
    assert (row["run_id"], row["kind"], row["status"], row["committed_levers"]) == (
        rid,
        "levers",
        "complete",
        2,
    )
    code, out, _ = run("runs", "show", rid[:6], "--format", "json", env=env)
    assert code == 0 and json.loads(out)["summary"] == first
    code, out, _ = run("runs", "show", rid, env=env)
    assert code == 0 and "resume-exercises" in out and "candidates, ranked" in out
    code, _, err = run("runs", "compare", rid, rid, env=env)
    assert code == 2 and "levers run" in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--grid", "exercises=0:3"], "three numbers"),
        (["--grid", "nope=0:1:1"], "no issue 'nope'"),
        (["--rank-by", "happiness"], "unknown objective"),
        (["--rank-by", "outcome:exercises"], "--prefer"),
        (["--overlay", "none", "--overlay", "sma-first"], "cannot be combined"),
        (["--overlay", "medical-assistance-nope"], "overlay"),
        (["--agreement-draws", "0"], "--agreement-draws"),
        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "either --workers"),
        (["--from", "2031-01"], "outside the data"),
    ],
)
def test_bad_input_exits_2_with_the_reason(extra: list[str], message: str) -> None:
    code, _, err = run(*LEVERS[:2], "--no-store", *extra)
    assert code == 2, err
    assert message in err and "Traceback" not in err


def test_a_schema_2_store_gains_the_levers_tables(tmp_path: Path) -> None:
    store = tmp_path / "old.duckdb"
    with RunStore.open(store) as st:  # make it a version-2 store: no levers tables
        st.con.execute("DROP TABLE lever_runs; DROP TABLE lever_draws")
        st.con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    with RunStore.open(store) as st:
        tables = {r[0] for r in st.con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        version = st.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert {"lever_runs", "lever_draws"} <= tables and version == ("3",)
    code, out, _ = run("runs", "list", "--format", "json", env={"PENINSULA_STORE": str(store)})
    assert code == 0 and json.loads(out) == []


def test_from_starts_the_window_past_the_data() -> None:
    # issue 23: a window may start the month after the data's last and run past it (a forecast)
    args = ["levers", "korea-2022-05", "--no-store", "--months", "3", "--draws", "20", "--robust-draws", "0"]
    code, out, err = run(*args, "--agreement-draws", "10", "--from", "2024-01", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["start"], doc["months"]) == ("2024-01", 3)
    code, out, err = run(*args, "--agreement-draws", "10", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["start"] == "2022-05"
