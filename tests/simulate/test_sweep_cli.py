"""``peninsula sweep``, ``runs`` and ``sensitivity`` on the command line; dask clusters started here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peninsula.cli import app
from peninsula.scenarios import load_packaged
from peninsula.simulate.store import RunStore

runner = CliRunner()
SWEEP = [
    "sweep",
    "korea-2019-04",
    "--draws",
    "150",
    "--seed",
    "4",
    "-m",
    "compromise",
    "-m",
    "exchange-random",
]


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args), env=env)
    return r.exit_code, r.stdout, r.stderr


def sweep_json(*extra: str) -> dict:  # type: ignore[type-arg]
    code, out, err = run(*SWEEP, *extra, "--format", "json")
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def cluster():  # type: ignore[no-untyped-def]
    """A LocalCluster of two in-process workers on 127.0.0.1, stopped after the module's tests (threads: the
    test process has the compiled kernels loaded already; ``--workers 2`` below starts worker processes)."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        host="127.0.0.1",
        protocol="tcp",
        dashboard_address="127.0.0.1:0",
        processes=False,
    ) as c:
        yield c


def test_same_json_in_process_with_workers_and_on_a_scheduler(tmp_path: Path, cluster) -> None:  # type: ignore[no-untyped-def]
    a = sweep_json("--store", str(tmp_path / "a.duckdb"))
    b = sweep_json("--no-store", "--scheduler", cluster.scheduler_address)
    c = sweep_json("--store", str(tmp_path / "c.duckdb"), "--workers", "2", "--chunk-size", "40")
    assert a == b == c  # the run id names the content, so it agrees too
    assert a["draws"] == 150 and a["seed"] == 4 and a["overlay"] is None
    assert set(a["models"]) == {"compromise", "exchange-random"}


def test_runs_list_show_compare_export(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    env = {"PENINSULA_STORE": str(store)}
    code, out, err = run(
        "sweep", "korea-2020-03", "-n", "60", "--seed", "1", "-m", "median", "--format", "json", env=env
    )
    assert code == 0, err
    first = json.loads(out)["run_id"]
    code, out, err = run(
        "sweep",
        "korea-2020-03",
        "-n",
        "60",
        "--seed",
        "1",
        "-m",
        "median",
        "--overlay",
        "sma-first",
        "--format",
        "json",
        env=env,
    )
    assert code == 0, err
    second = json.loads(out)["run_id"]
    code, out, _ = run("runs", "list", "--format", "json", env=env)
    assert code == 0 and {r["run_id"] for r in json.loads(out)} == {first, second}
    code, out, _ = run("runs", "list", env=env)
    assert code == 0 and first in out
    code, out, _ = run("runs", "show", first[:5], "--format", "json", env=env)
    shown = json.loads(out)
    assert code == 0 and shown["run"]["status"] == "complete" and shown["summary"]["run_id"] == first
    code, out, _ = run("runs", "compare", first, second, "--format", "json", env=env)
    doc = json.loads(out)
    assert code == 0 and doc["first"] == first and "median" in doc["models"]
    code, _, err = run("runs", "export", first, str(tmp_path / "o.csv"), env=env)
    assert code == 0 and (tmp_path / "o.csv").read_text().startswith("draw,model,issue,outcome,cohesion")
    n_issues = len(load_packaged("korea-2020-03").issues)
    assert len((tmp_path / "o.csv").read_text().splitlines()) == 1 + 60 * n_issues


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["-m", "nope"], "unknown model 'nope'"),
        (["--overlay", "nope"], "nope"),
        (["--draws", "0"], "--draws"),
        (["--draws", "-5"], "--draws"),
        (["--draws", "1000000000000"], "--draws"),
        (["--noise", "weight=0.1"], "--noise"),
        (["--noise", "position=x"], "--noise"),
        (["--scheduler", "tcp://127.0.0.1:9"], "--scheduler"),
        (["--scheduler", "not an address"], "--scheduler"),
        (["--workers", "0"], "--workers"),
        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:9"], "--scheduler"),
    ],
)
def test_bad_sweep_input_exits_2_with_one_line(tmp_path: Path, args: list[str], needle: str) -> None:
    store = tmp_path / "keep.duckdb"
    with RunStore.open(store) as st:
        st.con.execute("SELECT 1")
    code, _, _ = run("sweep", "-n", "20", "-m", "mean", "--seed", "1", "--store", str(store))
    assert code == 0
    code, out, err = run("sweep", "-n", "20", "-m", "mean", "--store", str(store), *args)
    assert code == 2, (out, err)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in err, err
    with RunStore.open(store, read_only=True) as st:  # nothing already stored is lost
        assert [r["committed_draws"] for r in st.runs()] == [20]


def test_unwritable_store_exits_2(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    for store in (tmp_path, blocker / "s.duckdb"):
        code, _, err = run("sweep", "-n", "5", "-m", "mean", "--store", str(store))
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert code == 2 and len(lines) == 1 and str(store) in lines[0], err


def test_sensitivity_json_and_table() -> None:
    code, out, err = run(
        "sensitivity",
        "korea-2019-04",
        "--model",
        "compromise",
        "--issue",
        "denuclearization",
        "--format",
        "json",
    )
    assert code == 0, err
    doc = json.loads(out)
    assert (
        doc["model"] == "compromise"
        and doc["method"] == "oat"
        and list(doc["issues"]) == ["denuclearization"]
    )
    entry = doc["issues"]["denuclearization"]
    assert entry["sobol"] is None and entry["inputs"]
    swings = [r["swing"] for r in entry["inputs"]]
    assert swings == sorted(swings, reverse=True)
    code, out, _ = run("sensitivity", "--model", "compromise", "--issue", "denuclearization")
    assert code == 0 and "moved most by" in out
    code, _, err = run("sensitivity", "--model", "compromise", "--issue", "nope")
    assert code == 2 and "--issue" in err


def test_resume_by_id_continues_a_partial_run(tmp_path: Path) -> None:
    from peninsula.core import PeninsulaError
    from peninsula.models import REGISTRY
    from peninsula.simulate.montecarlo import make_spec, run_chunk, run_sweep

    store = tmp_path / "r.duckdb"
    s = make_spec(load_packaged("korea-2019-04"), [REGISTRY["median"]()], draws=50, seed=2)

    def first_two(spec, todo):  # type: ignore[no-untyped-def]
        for k, lo, hi in todo[:2]:
            yield run_chunk(spec, k, lo, hi)

    with RunStore.open(store) as st, pytest.raises(PeninsulaError, match="20 of 50 draws done"):
        run_sweep(s, store=st, chunk_size=10, executor=first_two)
    code, out, _ = run("runs", "show", s.run_id, "--store", str(store), "--format", "json")
    shown = json.loads(out)
    assert code == 0 and shown["run"]["status"] == "running" and shown["run"]["committed_draws"] == 20
    code, out, err = run("sweep", "--resume", s.run_id[:8], "--store", str(store), "--format", "json")
    assert code == 0, err
    assert json.loads(out) == run_sweep(s).to_dict()
    code, _, err = run("sweep", "--resume", "ffffffff", "--store", str(store))
    assert code == 2 and "no run 'ffffffff'" in err
