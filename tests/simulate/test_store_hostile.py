"""Run stores from someone else: crafted and damaged stores, and the one-transaction chunk (docs/security.md).

Every test here failed on the store of 2026-12 (issue 27): a run id pasted into SQL, DuckDB free to
download an extension, 22 of 82 damaged stores an "internal error", an export that replaced a named pipe.
The chunk tests kill the write between a chunk's rows and its marker (issue 24): they fail when the marker
is written outside the data's transaction.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from peninsula.cli import app
from peninsula.models import REGISTRY
from peninsula.scenarios import load_packaged
from peninsula.simulate.montecarlo import make_spec, run_sweep
from peninsula.simulate.store import RunStore, StoreWarning

KOREA = load_packaged("korea-2019-04")


def _spec(draws: int = 30, seed: int = 5) -> Any:
    return make_spec(KOREA, [REGISTRY["compromise"]()], draws=draws, seed=seed)


@pytest.fixture(scope="module")
def good_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A store with two complete runs (ids returned)."""
    path = tmp_path_factory.mktemp("store") / "good.duckdb"
    a, b = _spec(30, 5), _spec(20, 6)
    with RunStore.open(path) as st:
        run_sweep(a, store=st, chunk_size=10)
        run_sweep(b, store=st, chunk_size=10)
    return path, a.run_id, b.run_id


def _copy(good: Path, tmp: Path, name: str = "s.duckdb") -> Path:
    out = tmp / name
    shutil.copy(good, out)
    return out


def _sql(path: Path, *statements: str, params: list[Any] | None = None) -> None:
    con = duckdb.connect(str(path))
    try:
        for s in statements:
            con.execute(s, params or [])
    finally:
        con.close()


def _cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


# -- values from a store never reach SQL as text ------------------------------------------------------------


def test_a_crafted_run_id_cannot_run_sql(good_store: tuple[Path, str, str], tmp_path: Path) -> None:
    """The 2026-12 exploit: a run id that closes the quote and COPYs to a file of the crafter's choosing."""
    good, rid, _ = good_store
    store = _copy(good, tmp_path)
    evil = tmp_path / "written-by-the-store.csv"
    payload = f"z') TO '{evil}' (FORMAT csv); --"
    for table in ("runs", "outcomes", "cohesion", "chunks"):
        _sql(store, f"UPDATE {table} SET run_id = ? WHERE run_id = ?", params=[payload, rid])
    r = _cli("runs", "export", "z", str(tmp_path / "out.csv"), "--store", str(store))
    assert r.exit_code == 2, r.output
    assert f"store {store}" in r.output and "not 12 hex digits" in r.output
    assert not evil.exists()
    assert not (tmp_path / "out.csv").exists()


def test_the_store_connection_may_not_load_extensions_or_touch_files(
    good_store: tuple[Path, str, str], tmp_path: Path
) -> None:
    store = _copy(good_store[0], tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the store\n")
    with RunStore.open(store, read_only=True) as st:
        settings = dict(
            st.con.execute(
                "SELECT name, value FROM duckdb_settings() WHERE name IN ('autoinstall_known_extensions', "
                "'autoload_known_extensions', 'enable_external_access', 'lock_configuration')"
            ).fetchall()
        )
        with pytest.raises(duckdb.Error, match="disabled"):
            st.con.execute("SELECT * FROM read_text(?)", [str(secret)]).fetchall()
    assert settings == {
        "autoinstall_known_extensions": "false",
        "autoload_known_extensions": "false",
        "enable_external_access": "false",
        "lock_configuration": "true",
    }


def test_an_sqlite_file_is_named_and_nothing_is_downloaded(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    con = sqlite3.connect(store)
    con.execute("CREATE TABLE runs (x)")
    con.commit()
    con.close()
    r = _cli("runs", "list", "--store", str(store))
    assert r.exit_code == 2, r.output
    assert f"store {store}" in r.output and "SQLite" in r.output
    assert "download" not in r.output.lower()


# -- damaged stores: exit 2 naming the store and the problem -------------------------------------------------


def _truncate(p: Path) -> None:
    os.truncate(p, p.stat().st_size // 2)


def _flip(p: Path) -> None:
    data = bytearray(p.read_bytes())
    data[8192 + 100] ^= 0xFF
    p.write_bytes(bytes(data))


DAMAGE: dict[str, tuple[Callable[[Path, str], None], str]] = {
    "truncated": (lambda p, rid: _truncate(p), "damaged or unreadable"),
    "bad checksum": (lambda p, rid: _flip(p), "checksum"),
    "non-numeric schema version": (
        lambda p, rid: _sql(p, "UPDATE meta SET value = 'one' WHERE key = 'schema_version'"),
        "schema version 'one' is not a number",
    ),
    "bad JSON": (
        lambda p, rid: _sql(p, "UPDATE runs SET models = '[\"compromise\"' WHERE run_id = ?", params=[rid]),
        "field 'models' is not valid JSON",
    ),
    "out-of-range draw": (
        lambda p, rid: _sql(
            p, "UPDATE outcomes SET draw = 10 ** 9 WHERE run_id = ? AND draw = 3", params=[rid]
        ),
        "draw lies outside",
    ),
    "chunk size 0": (
        lambda p, rid: _sql(p, "UPDATE runs SET chunk_size = 0 WHERE run_id = ?", params=[rid]),
        "field 'chunk_size'",
    ),
    "dropped table": (lambda p, rid: _sql(p, "DROP TABLE cohesion"), "table 'cohesion' is missing"),
    "a view for a table": (
        lambda p, rid: _sql(
            p,
            "CREATE TABLE chunks2 AS SELECT * FROM chunks",
            "DROP TABLE chunks",
            "CREATE VIEW chunks AS SELECT * FROM chunks2",
        ),
        "table 'chunks' is not the table peninsula writes",
    ),
    "bad scenario": (
        lambda p, rid: _sql(p, "UPDATE runs SET scenario_json = '{}' WHERE run_id = ?", params=[rid]),
        "does not rebuild a sweep",
    ),
    "negative seed": (
        lambda p, rid: _sql(p, "UPDATE runs SET draws = -5 WHERE run_id = ?", params=[rid]),
        "field 'draws'",
    ),
}


# export writes the stored rows only: it never rebuilds the scenario, so a bad one does not stop it
CASES = [(c, cmd) for c in DAMAGE for cmd in ("show", "export") if (c, cmd) != ("bad scenario", "export")]


@pytest.mark.parametrize(("case", "command"), CASES)
def test_a_damaged_store_is_exit_2_naming_store_and_problem(
    good_store: tuple[Path, str, str], tmp_path: Path, case: str, command: str
) -> None:
    good, rid, _ = good_store
    store = _copy(good, tmp_path)
    damage, fragment = DAMAGE[case]
    damage(store, rid)
    args = ["runs", command, rid, *([str(tmp_path / "x.csv")] if command == "export" else [])]
    r = _cli(*args, "--store", str(store))
    assert r.exit_code == 2, r.output
    assert f"store {store}" in r.output, r.output
    assert fragment in r.output, r.output
    assert "internal error" not in r.output


def test_one_damaged_run_does_not_hide_the_others(good_store: tuple[Path, str, str], tmp_path: Path) -> None:
    good, bad, sound = good_store
    store = _copy(good, tmp_path)
    _sql(store, "UPDATE runs SET noise = 'not json' WHERE run_id = ?", params=[bad])
    with RunStore.open(store, read_only=True) as st, pytest.warns(StoreWarning, match=f"damaged run {bad}"):
        listed = [r["run_id"] for r in st.runs()]
    assert listed == [sound]
    r = _cli("runs", "list", "--store", str(store), "--format", "json")
    assert r.exit_code == 0, r.output
    assert sound in r.stdout and bad not in r.stdout
    assert "warning" in r.output and f"damaged run {bad}" in r.output
    assert _cli("runs", "show", sound, "--store", str(store)).exit_code == 0
    assert _cli("runs", "show", bad, "--store", str(store)).exit_code == 2


# -- outputs: never replace what is not a regular file -------------------------------------------------------


def test_export_refuses_a_named_pipe(good_store: tuple[Path, str, str], tmp_path: Path) -> None:
    good, rid, _ = good_store
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    r = _cli("runs", "export", rid, str(fifo), "--store", str(good))
    assert r.exit_code == 2, r.output
    assert "not a regular file" in r.output
    assert fifo.is_fifo()


def test_export_quotes_formula_cells(good_store: tuple[Path, str, str], tmp_path: Path) -> None:
    good, rid, _ = good_store
    store = _copy(good, tmp_path)
    issue = KOREA.issue_ids[0]
    _sql(store, "UPDATE outcomes SET issue = '=cmd|calc' WHERE issue = ?", params=[issue])
    _sql(
        store,
        """UPDATE runs SET issues = replace(issues, ?, '"=cmd|calc"') WHERE run_id = ?""",
        params=[f'"{issue}"', rid],
    )
    out = tmp_path / "x.csv"
    with RunStore.open(store, read_only=True) as st:
        n = st.export(rid, out)
    lines = out.read_text().splitlines()
    assert len(lines) == n + 1
    assert any(",'=cmd|calc," in line for line in lines)
    assert not any(",=cmd" in line for line in lines)


# -- a chunk's marker and its rows are one transaction (issue 24) --------------------------------------------


class _Crash(Exception):
    pass


class _CrashingConnection:
    """Forwards to a DuckDB connection; raises (or SIGKILLs the process) at the first statement starting
    with ``at`` after ``after`` chunks were committed."""

    def __init__(self, con: Any, at: str, after: int, kill: bool = False) -> None:
        self._con, self._at, self._after, self._kill = con, at, after, kill
        self._commits = 0

    def execute(self, sql: str, *args: Any) -> Any:
        if sql == "COMMIT":
            self._commits += 1
        if sql.startswith(self._at) and self._commits >= self._after:
            if self._kill:
                os.kill(os.getpid(), signal.SIGKILL)
            raise _Crash(sql)
        return self._con.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


POINTS = ["INSERT INTO outcomes", "INSERT INTO cohesion", "INSERT INTO chunks"]


def _assert_whole_chunks(path: Path, n_issues: int, n_models: int) -> tuple[int, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        marked = con.execute("SELECT coalesce(sum(stop - start), 0), count(*) FROM chunks").fetchone()
        rows = con.execute("SELECT count(*), count(DISTINCT draw) FROM outcomes").fetchone()
        coh = con.execute("SELECT count(*) FROM cohesion").fetchone()
        orphans = con.execute(
            "SELECT count(*) FROM outcomes o WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.run_id = "
            "o.run_id AND o.draw >= c.start AND o.draw < c.stop)"
        ).fetchone()
    finally:
        con.close()
    assert marked is not None and rows is not None and coh is not None and orphans is not None
    assert orphans[0] == 0, "rows stored without their chunk's marker"
    assert rows[0] == marked[0] * n_issues * n_models, "a chunk marked committed without all its rows"
    assert coh[0] == marked[0] * n_models, "a chunk marked committed without its cohesion rows"
    return int(marked[0]), int(marked[1])


@pytest.mark.parametrize("point", POINTS)
def test_a_failure_inside_a_chunk_leaves_neither_marker_nor_rows(tmp_path: Path, point: str) -> None:
    path = tmp_path / "c.duckdb"
    spec = _spec(40)
    with RunStore.open(path) as st:
        st.con = _CrashingConnection(st.con, point, after=2)  # type: ignore[assignment]
        with pytest.raises(_Crash):
            run_sweep(spec, store=st, chunk_size=10)
    draws, chunks = _assert_whole_chunks(path, len(KOREA.issues), 1)
    assert (draws, chunks) == (20, 2)
    with RunStore.open(path) as st:  # and the run resumes from the two whole chunks
        assert run_sweep(spec, store=st).resumed == 20


KILLER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[3])
    from tests.simulate.test_store_hostile import _CrashingConnection, _spec
    from peninsula.simulate.montecarlo import run_sweep
    from peninsula.simulate.store import RunStore

    with RunStore.open(sys.argv[1]) as st:
        st.con = _CrashingConnection(st.con, sys.argv[2], after=2, kill=True)
        run_sweep(_spec(40), store=st, chunk_size=10)
    """
)


@pytest.mark.parametrize("point", ["INSERT INTO outcomes", "INSERT INTO chunks"])
def test_sigkill_between_rows_and_marker_leaves_whole_chunks(tmp_path: Path, point: str) -> None:
    path = tmp_path / "k.duckdb"
    root = Path(__file__).resolve().parents[2]
    r = subprocess.run(
        [sys.executable, "-c", KILLER, str(path), point, str(root)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == -signal.SIGKILL, r.stderr
    assert _assert_whole_chunks(path, len(KOREA.issues), 1) == (20, 2)
