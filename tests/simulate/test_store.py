"""The DuckDB run store: atomic chunks, resume after SIGKILL, one writer, schema versions, export."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import numpy as np
import pytest

import peninsula
from peninsula.models import REGISTRY
from peninsula.reports.console import json_text
from peninsula.scenarios import load_packaged
from peninsula.simulate.montecarlo import load_sweep, make_spec, run_sweep
from peninsula.simulate.store import SCHEMA_VERSION, RunStore, StoreError

KOREA = load_packaged("korea-2019-04")
ROOT = Path(__file__).resolve().parents[2]
CLI = Path(sys.executable).parent / "peninsula"


def small_spec(draws: int = 90):  # type: ignore[no-untyped-def]
    return make_spec(KOREA, [REGISTRY["compromise"](), REGISTRY["eu"]()], draws=draws, seed=5)


def test_an_interrupted_sweep_resumes_and_loses_no_committed_chunk(tmp_path: Path) -> None:
    s = small_spec()
    path = tmp_path / "s.duckdb"

    class Stop(Exception):
        pass

    def interrupted(spec, todo):  # type: ignore[no-untyped-def]
        from peninsula.simulate.montecarlo import run_chunk

        for n, (k, lo, hi) in enumerate(todo):
            if n == 2:
                raise Stop
            yield run_chunk(spec, k, lo, hi)

    with RunStore.open(path) as st, pytest.raises(Stop):
        run_sweep(s, store=st, chunk_size=20, executor=interrupted)
    with RunStore.open(path, read_only=True) as st:
        rec = st.run(s.run_id)
        assert rec["status"] == "running" and rec["committed_draws"] == 40
        partial = load_sweep(st, s.run_id).outcome_array
    with RunStore.open(path) as st:
        resumed = run_sweep(s, store=st, chunk_size=999)  # the stored run keeps its own chunk size
    assert resumed.resumed == 40
    np.testing.assert_array_equal(resumed.outcome_array[:40], partial[:40])
    assert resumed.to_dict() == run_sweep(s).to_dict()


DRIVER = textwrap.dedent(
    """
    import sys, time
    import peninsula

    def step(done, total):
        print(done, flush=True)
        if done >= 60:          # three chunks committed: wait here to be killed
            time.sleep(600)

    peninsula.sweep("korea-2019-04", ["compromise", "eu-masad"], draws=200, seed=3, store=sys.argv[1],
                    chunk_size=20, on_chunk=step)
    """
)


def test_sigkill_mid_sweep_then_the_same_command_gives_the_same_summary(tmp_path: Path) -> None:
    store = tmp_path / "k.duckdb"
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    with subprocess.Popen(
        [sys.executable, str(driver), str(store)], stdout=subprocess.PIPE, text=True, cwd=ROOT
    ) as proc:
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                if int(line) >= 60:
                    break
            else:
                pytest.fail("the sweep ended before it could be killed")
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait(timeout=30)
    with RunStore.open(store, read_only=True) as st:
        (rec,) = st.runs()
        assert rec["status"] == "running" and rec["committed_draws"] >= 60
        kept = load_sweep(st, rec["run_id"]).outcome_array[:60]
    cmd = [
        str(CLI),
        "sweep",
        "korea-2019-04",
        "--draws",
        "200",
        "--seed",
        "3",
        "-m",
        "compromise",
        "-m",
        "eu-masad",
        "--store",
        str(store),
        "--format",
        "json",
    ]
    rerun = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    # an uninterrupted run of the same sweep, in memory, printed as the CLI prints JSON
    fresh = peninsula.sweep("korea-2019-04", ["compromise", "eu-masad"], draws=200, seed=3)
    assert rerun.stdout == json_text(fresh.to_dict())  # byte for byte, run id included
    with RunStore.open(store, read_only=True) as st:
        (rec,) = st.runs()
        assert rec["status"] == "complete" and rec["committed_draws"] == 200
        np.testing.assert_array_equal(load_sweep(st, rec["run_id"]).outcome_array[:60], kept)


HOLDER = textwrap.dedent(
    """
    import sys, time
    from peninsula.simulate.store import RunStore
    with RunStore.open(sys.argv[1]):
        print("open", flush=True)
        time.sleep(600)
    """
)


def test_a_second_writer_gets_a_clear_message(tmp_path: Path) -> None:
    store = tmp_path / "busy.duckdb"
    with RunStore.open(store) as st:
        run_sweep(small_spec(30), store=st)
    holder = tmp_path / "holder.py"
    holder.write_text(HOLDER)
    with subprocess.Popen(
        [sys.executable, str(holder), str(store)], stdout=subprocess.PIPE, text=True, cwd=ROOT
    ) as proc:
        try:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "open"
            with (
                pytest.raises(StoreError, match=r"in use by another process \(PID \d+\)"),
                RunStore.open(store),
            ):
                pass
        finally:
            proc.kill()
            proc.wait(timeout=30)
    with RunStore.open(store, read_only=True) as st:  # nothing stored was lost
        assert len(st.runs()) == 1 and st.runs()[0]["committed_draws"] == 30


def test_schema_versions(tmp_path: Path) -> None:
    path = tmp_path / "v.duckdb"
    with RunStore.open(path) as st:
        assert st.con.execute("SELECT value FROM meta").fetchone() == (str(SCHEMA_VERSION),)
    for version, match in ((SCHEMA_VERSION + 1, "newer peninsula"), (0, "older")):
        con = duckdb.connect(str(path))
        con.execute("UPDATE meta SET value = ?", [str(version)])
        con.close()
        with pytest.raises(StoreError, match=match), RunStore.open(path):
            pass
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE t (x INTEGER)")
    con.close()
    with pytest.raises(StoreError, match="not a peninsula run store"), RunStore.open(other):
        pass
    text = tmp_path / "notes.duckdb"
    text.write_text("hello\n")
    with pytest.raises(StoreError, match=r"notes\.duckdb"), RunStore.open(text):
        pass
    assert text.read_text() == "hello\n"  # not overwritten


def test_unusable_store_paths(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a folder"), RunStore.open(tmp_path):
        pass
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreError, match="does not exist"), RunStore.open(blocker / "s.duckdb"):
        pass
    with (
        pytest.raises(StoreError, match="no such file"),
        RunStore.open(tmp_path / "none.duckdb", read_only=True),
    ):
        pass


def test_disk_space_check(tmp_path: Path) -> None:
    with RunStore.open(tmp_path / "d.duckdb") as st, pytest.raises(StoreError, match="--draws"):
        st.check_space(10**15)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_export(tmp_path: Path, suffix: str) -> None:
    s = small_spec(25)
    with RunStore.open(tmp_path / "e.duckdb") as st:
        sw = run_sweep(s, store=st)
        out = tmp_path / f"run{suffix}"
        n = st.export(sw.run_id[:6], out)
    assert n == 25 * 2 * len(KOREA.issues)
    rows = duckdb.sql(f"SELECT * FROM '{out}' ORDER BY draw, model, issue").fetchall()
    assert len(rows) == n
    cols = [d[0] for d in duckdb.sql(f"SELECT * FROM '{out}'").description]
    assert cols == ["draw", "model", "issue", "outcome", "cohesion"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    draw0 = {(r[1], r[2]): r[3] for r in rows if r[0] == 0}
    m, i = s.model_names.index("eu"), 3
    assert draw0[("eu", KOREA.issues[i].id)] == pytest.approx(sw.outcome_array[0, m, i])


def test_unknown_run_and_bad_export_suffix(tmp_path: Path) -> None:
    with RunStore.open(tmp_path / "u.duckdb") as st:
        run_sweep(small_spec(10), store=st)
        with pytest.raises(StoreError, match="no run 'zzz'"):
            st.run("zzz")
        with pytest.raises(StoreError, match=r"\.parquet or \.csv"):
            st.export(st.runs()[0]["run_id"], tmp_path / "x.json")


def test_run_record_holds_what_the_issue_lists(tmp_path: Path) -> None:
    s = small_spec(10)
    with RunStore.open(tmp_path / "r.duckdb") as st:
        run_sweep(s, store=st)
        rec = st.run(s.run_id)
    for key in (
        "run_id",
        "created",
        "scenario_id",
        "scenario_hash",
        "overlay",
        "models",
        "params",
        "noise",
        "seed",
        "draws",
        "version",
        "status",
    ):
        assert key in rec
    assert rec["models"] == ["compromise", "eu"] and rec["seed"] == 5 and rec["status"] == "complete"
    assert json.loads(json.dumps(rec["params"]))["eu"]["tol"] == 1e-6


def test_a_kill_at_any_moment_leaves_whole_chunks_only(tmp_path: Path) -> None:
    """SIGKILL a CLI sweep that commits a chunk every few milliseconds: every stored row belongs to a chunk
    whose commit is recorded, and every recorded chunk has all its rows (the kill may hit a commit)."""
    store = tmp_path / "a.duckdb"
    cmd = [
        str(CLI),
        "sweep",
        "-n",
        "20000",
        "--seed",
        "1",
        "-m",
        "mean",
        "--chunk-size",
        "7",
        "--store",
        str(store),
        "--format",
        "json",
    ]
    with subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT) as proc:
        wal = store.with_name(store.name + ".wal")  # DuckDB appends commits to its write-ahead log
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not wal.exists() or wal.stat().st_size < 200_000):
            time.sleep(0.02)
        time.sleep(0.1)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    n_issues = len(KOREA.issues)
    con = duckdb.connect(str(store), read_only=True)
    try:
        chunked = con.execute("SELECT coalesce(sum(stop - start), 0), count(*) FROM chunks").fetchone()
        rows = con.execute("SELECT count(*), count(DISTINCT draw) FROM outcomes").fetchone()
        status = con.execute("SELECT status FROM runs").fetchone()
    finally:
        con.close()
    assert chunked is not None and rows is not None and status is not None
    assert rows[0] == chunked[0] * n_issues and rows[1] == chunked[0]
    assert status[0] == "running" and 0 < chunked[0] < 20000, "the kill should land mid-sweep"
