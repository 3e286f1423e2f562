"""The run store: an embedded DuckDB database holding every sweep and every draw's outcome.

Schema (version :data:`SCHEMA_VERSION`, kept in table ``meta``):

* ``runs``: one row per sweep: ``run_id``, ``created``, ``finished``, ``status`` (``running`` /
  ``complete``), ``scenario_id``, ``scenario_hash`` (SHA-256 of the base scenario's canonical JSON),
  ``overlay``, ``models`` (JSON list of names), ``params`` (JSON: model -> parameters), ``noise`` (JSON),
  ``seed``, ``draws``, ``rounds``, ``chunk_size``, ``version`` (peninsula's), ``issues`` (JSON list of issue
  ids, in the scenario's order), ``scenario_json`` (the scenario swept, overlay applied).
* ``chunks``: ``run_id``, ``chunk``, ``start``, ``stop``, ``committed``: one row per committed chunk of
  draws ``start .. stop - 1``.
* ``outcomes``: ``run_id``, ``draw``, ``model``, ``issue``, ``outcome`` (issue scale; NULL = no forecast).
* ``cohesion``: ``run_id``, ``draw``, ``model``, ``cohesion`` (U.S.-ROK cohesion after the model; Korea
  scenarios only).
* ``agreed`` (version 2, issue 21): ``run_id``, ``draw``, ``model``, ``issue``, ``agreed`` (1 if the draw's
  agreement set is non-empty, 0 if empty; only for models that can represent no agreement).
* ``lever_runs`` (version 3, issue 25): one row per ``peninsula levers`` run: ``run_id``, ``created``,
  ``finished``, ``status``, ``scenario_id``, ``seed``, ``draws``, ``months``, ``levers`` (JSON list: the
  baseline, then the candidates' ids), ``objectives`` (JSON list), ``identity`` (JSON: what determines the
  run), ``version``, ``doc`` (the run's JSON document, once complete).
* ``lever_draws`` (version 3): ``run_id``, ``lever``, ``objective``, ``draw``, ``value``: every run's
  objective per draw; one transaction per candidate, so an interrupted levers run resumes from its
  committed runs.

Each chunk's rows and its ``chunks`` row are written in one transaction, so a process killed at any
moment leaves every chunk either fully stored or absent; a rerun of the same sweep continues from there.
DuckDB lets one process open a database file for writing at a time: a second one gets a clear
:class:`StoreError` instead of a corrupt file.

Stores are meant to be shared, so a store file is input like any other (see ``docs/security.md``):

* every statement binds its values (``?``); no value read from a store or given by a user is pasted into
  SQL. The one statement that names a file (``COPY ... TO`` of :meth:`RunStore.export`) runs on a separate
  in-memory database holding only the exported rows, under a path peninsula chose;
* the store's connection may not touch any other file, install or load an extension, or change these
  settings (``enable_external_access``, ``autoinstall_known_extensions``, ``autoload_known_extensions``,
  ``allow_community_extensions`` off; ``lock_configuration`` on): a crafted view or an SQLite file cannot
  read, write or download anything;
* the schema is checked when a store opens (every table a base table with the expected columns and types),
  every run id against its format (12 hex digits), and every run's record, chunks and outcome rows before
  they are used. Any problem -- a truncated file, a bad checksum, a dropped table, bad JSON, a draw out of
  range -- is a :class:`StoreError` naming the store and the problem (exit 2), and a damaged run does not
  hide the others (``runs list`` lists them and warns about the damaged one).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from peninsula.core import ParameterError
from peninsula.core.limits import MAX_DRAWS, MAX_SEED
from peninsula.core.sanitize import csv_cell

if TYPE_CHECKING:
    import duckdb

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "DEFAULT_STORE",
    "RUN_ID",
    "SCHEMA_VERSION",
    "RunStore",
    "StoreError",
    "StoreWarning",
    "default_store_path",
]

#: Version of the store's schema; a store with another version is migrated (if a migration exists) or refused.
#: Version 2 (issue 21) adds the ``agreed`` table, version 3 (issue 25) ``lever_runs`` and ``lever_draws``.
SCHEMA_VERSION = 3
#: The file name of the store used when neither ``--store`` nor ``PENINSULA_STORE`` names one (in the user's
#: data folder: :func:`default_store_path`).
DEFAULT_STORE = "peninsula-runs.duckdb"
_AGREED = (
    "CREATE TABLE IF NOT EXISTS agreed (run_id VARCHAR, draw BIGINT, model VARCHAR, issue VARCHAR, "
    "agreed DOUBLE);"
)


def _add_agreed(con: Any) -> None:
    """Version 1 -> 2: the ``agreed`` table (issue 21); existing runs have no rows in it."""
    con.execute(_AGREED)


_LEVERS = (
    "CREATE TABLE IF NOT EXISTS lever_runs (run_id VARCHAR PRIMARY KEY, created TIMESTAMP, "
    "finished TIMESTAMP, status VARCHAR, scenario_id VARCHAR, seed UBIGINT, draws BIGINT, months INTEGER, "
    "levers VARCHAR, objectives VARCHAR, identity VARCHAR, version VARCHAR, doc VARCHAR);"
    "CREATE TABLE IF NOT EXISTS lever_draws (run_id VARCHAR, lever VARCHAR, objective VARCHAR, draw BIGINT, "
    "value DOUBLE);"
)


def _add_levers(con: Any) -> None:
    """Version 2 -> 3: the ``lever_runs`` and ``lever_draws`` tables (issue 25)."""
    con.execute(_LEVERS)


#: Known migrations: from version -> function upgrading a connection to version + 1.
MIGRATIONS: dict[int, Any] = {1: _add_agreed, 2: _add_levers}

_SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY, created TIMESTAMP, finished TIMESTAMP, status VARCHAR,
    scenario_id VARCHAR, scenario_hash VARCHAR, overlay VARCHAR, models VARCHAR, params VARCHAR,
    noise VARCHAR, seed UBIGINT, draws BIGINT, rounds INTEGER, chunk_size BIGINT, version VARCHAR,
    issues VARCHAR, scenario_json VARCHAR);
CREATE TABLE IF NOT EXISTS chunks (
    run_id VARCHAR, chunk BIGINT, start BIGINT, stop BIGINT, committed TIMESTAMP,
    PRIMARY KEY (run_id, chunk));
CREATE TABLE IF NOT EXISTS outcomes (
    run_id VARCHAR, draw BIGINT, model VARCHAR, issue VARCHAR, outcome DOUBLE);
CREATE TABLE IF NOT EXISTS cohesion (run_id VARCHAR, draw BIGINT, model VARCHAR, cohesion DOUBLE);
"""
    + _AGREED
    + _LEVERS
)

#: Every table of the schema: its columns and their DuckDB types, in order (checked when a store opens).
TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "meta": (("key", "VARCHAR"), ("value", "VARCHAR")),
    "runs": (
        ("run_id", "VARCHAR"),
        ("created", "TIMESTAMP"),
        ("finished", "TIMESTAMP"),
        ("status", "VARCHAR"),
        ("scenario_id", "VARCHAR"),
        ("scenario_hash", "VARCHAR"),
        ("overlay", "VARCHAR"),
        ("models", "VARCHAR"),
        ("params", "VARCHAR"),
        ("noise", "VARCHAR"),
        ("seed", "UBIGINT"),
        ("draws", "BIGINT"),
        ("rounds", "INTEGER"),
        ("chunk_size", "BIGINT"),
        ("version", "VARCHAR"),
        ("issues", "VARCHAR"),
        ("scenario_json", "VARCHAR"),
    ),
    "chunks": (
        ("run_id", "VARCHAR"),
        ("chunk", "BIGINT"),
        ("start", "BIGINT"),
        ("stop", "BIGINT"),
        ("committed", "TIMESTAMP"),
    ),
    "outcomes": (
        ("run_id", "VARCHAR"),
        ("draw", "BIGINT"),
        ("model", "VARCHAR"),
        ("issue", "VARCHAR"),
        ("outcome", "DOUBLE"),
    ),
    "cohesion": (("run_id", "VARCHAR"), ("draw", "BIGINT"), ("model", "VARCHAR"), ("cohesion", "DOUBLE")),
    "agreed": (
        ("run_id", "VARCHAR"),
        ("draw", "BIGINT"),
        ("model", "VARCHAR"),
        ("issue", "VARCHAR"),
        ("agreed", "DOUBLE"),
    ),
    "lever_runs": (
        ("run_id", "VARCHAR"),
        ("created", "TIMESTAMP"),
        ("finished", "TIMESTAMP"),
        ("status", "VARCHAR"),
        ("scenario_id", "VARCHAR"),
        ("seed", "UBIGINT"),
        ("draws", "BIGINT"),
        ("months", "INTEGER"),
        ("levers", "VARCHAR"),
        ("objectives", "VARCHAR"),
        ("identity", "VARCHAR"),
        ("version", "VARCHAR"),
        ("doc", "VARCHAR"),
    ),
    "lever_draws": (
        ("run_id", "VARCHAR"),
        ("lever", "VARCHAR"),
        ("objective", "VARCHAR"),
        ("draw", "BIGINT"),
        ("value", "DOUBLE"),
    ),
}

#: A run id: the first 12 hex digits of a SHA-256 (:attr:`peninsula.simulate.montecarlo.SweepSpec.run_id`).
RUN_ID = re.compile(r"[0-9a-f]{12}")

#: The store connection's settings: no file but the store, no extension, settings locked.
LOCKED_DOWN: dict[str, Any] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "lock_configuration": True,
}

#: Rows fetched at a time by :meth:`RunStore.export` (bounds its memory).
EXPORT_BATCH = 100_000

#: Bytes a stored outcome row takes on disk, at most (DuckDB compresses; measured ~6-9 on sweeps here).
ROW_BYTES = 16


class StoreError(ParameterError):
    """The run store cannot be used (locked, unwritable, not a store, another schema, unknown run, damage)."""


class StoreWarning(UserWarning):
    """A damaged run was left out of a listing (the rest of the store is still read)."""


def default_store_path() -> Path:
    """``$PENINSULA_STORE`` if set, else ``peninsula-runs.duckdb`` in the user's data folder
    (``$XDG_DATA_HOME/peninsula``, by default ``~/.local/share/peninsula``), the same from any folder."""
    env = os.environ.get("PENINSULA_STORE")
    if env:
        return Path(env)
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "peninsula" / DEFAULT_STORE


def _lock_message(path: Path, exc: Exception) -> str:
    pid = re.search(r"PID (\d+)", str(exc))
    who = f"another process (PID {pid.group(1)})" if pid else "another process"
    return (
        f"store {path}: in use by {who}; wait for it to finish, or give another --store "
        "(DuckDB allows one writer per file)"
    )


class RunStore:
    """An open run store (use :meth:`open`). ``read_only`` stores never create or change the file."""

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection, read_only: bool) -> None:
        self.path = path
        self.con = con
        self.read_only = read_only

    # -- opening ---------------------------------------------------------------------------------------
    @classmethod
    @contextmanager
    def open(cls, path: str | Path | None = None, *, read_only: bool = False) -> Iterator[RunStore]:
        """Open (creating if needed, unless ``read_only``) the store at ``path`` (default
        :func:`default_store_path`); raises :class:`StoreError` with a one-line reason when it cannot."""
        import duckdb

        p = Path(path) if path is not None else default_store_path()
        if p.is_dir():
            raise StoreError(
                f"store {p}: is a folder, not a file; give a file name such as {p / DEFAULT_STORE}"
            )
        if read_only and not p.exists():
            raise StoreError(f"store {p}: no such file (run a sweep first, or set --store / PENINSULA_STORE)")
        if not read_only:
            parent = p.parent if str(p.parent) else Path(".")
            if not parent.is_dir() and not os.environ.get("PENINSULA_STORE") and p == default_store_path():
                parent.mkdir(parents=True, exist_ok=True)  # the user's data folder, on the first write
            if not parent.is_dir():
                raise StoreError(f"store {p}: folder {parent} does not exist")
            if not os.access(parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
                raise StoreError(f"store {p}: not writable (permission denied)")
        if p.exists() and not p.is_file():
            raise StoreError(f"store {p}: not a regular file (a device, pipe or socket); give a file name")
        _check_header(p)
        try:
            con = duckdb.connect(str(p), read_only=read_only, config=LOCKED_DOWN)
        except duckdb.IOException as exc:
            text = str(exc)
            if "lock" in text.lower():
                raise StoreError(_lock_message(p, exc)) from None
            raise StoreError(f"store {p}: cannot open ({_first_line(exc)})") from None
        except duckdb.Error as exc:
            raise StoreError(
                f"store {p}: not a peninsula run store ({_first_line(exc)}); give another --store"
            ) from None
        store = cls(p, con, read_only)
        try:
            with store._damage():
                store._check_schema()
            yield store
        finally:
            con.close()

    @contextmanager
    def _damage(self, run_id: str | None = None) -> Iterator[None]:
        """Turn any database error (a truncated file, a bad checksum ...) into a :class:`StoreError`."""
        import duckdb

        try:
            yield
        except duckdb.Error as exc:
            what = f" (run {run_id})" if run_id else ""
            raise StoreError(
                f"store {self.path}: damaged or unreadable{what}: {_first_line(exc)}; "
                "move it away or give another --store"
            ) from None

    def _check_schema(self) -> None:
        tables = {
            r[0]: r[1]
            for r in self.con.execute(
                "SELECT table_name, table_type FROM information_schema.tables"
            ).fetchall()
        }
        if not tables:
            if self.read_only:
                raise StoreError(f"store {self.path}: empty database, not a peninsula run store")
            self.con.execute(_SCHEMA)
            self.con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
            return
        if "meta" not in tables:
            raise StoreError(
                f"store {self.path}: a DuckDB file but not a peninsula run store (no schema version); "
                "move it away or give another --store"
            )
        row = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        raw = row[0] if row else "0"
        if not (isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) < 10):
            raise StoreError(
                f"store {self.path}: damaged: schema version {str(raw)[:40]!r} is not a number; "
                "move it away or give another --store"
            )
        version = int(raw)
        if version == SCHEMA_VERSION:
            self._check_tables(tables)
            return
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"store {self.path}: schema version {version} was written by a newer peninsula (this one "
                f"reads version {SCHEMA_VERSION}); upgrade peninsula, or give another --store"
            )
        if self.read_only or any(v not in MIGRATIONS for v in range(version, SCHEMA_VERSION)):
            raise StoreError(
                f"store {self.path}: schema version {version} is older than {SCHEMA_VERSION} and cannot be "
                + (
                    "migrated when opened read-only; run a sweep on it to migrate"
                    if not any(v not in MIGRATIONS for v in range(version, SCHEMA_VERSION))
                    else "migrated; export its runs with the peninsula that wrote it, then move the file "
                    "away or give another --store"
                )
            )
        for v in range(version, SCHEMA_VERSION):
            self.con.execute("BEGIN TRANSACTION")
            MIGRATIONS[v](self.con)
            self.con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(v + 1)])
            self.con.execute("COMMIT")
        types = {
            r[0]: r[1]
            for r in self.con.execute(
                "SELECT table_name, table_type FROM information_schema.tables"
            ).fetchall()
        }
        self._check_tables(types)

    def _check_tables(self, types: dict[str, str]) -> None:
        """Every table of :data:`TABLES` a base table with exactly its columns and types."""
        cols: dict[str, list[tuple[str, str]]] = {}
        for table, name, dtype in self.con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "ORDER BY table_name, ordinal_position"
        ).fetchall():
            cols.setdefault(table, []).append((name, dtype))
        for table, want in TABLES.items():
            if table not in types:
                raise StoreError(
                    f"store {self.path}: damaged: table '{table}' is missing; move it away or give another "
                    "--store"
                )
            if types[table] != "BASE TABLE" or tuple(cols.get(table, ())) != want:
                raise StoreError(
                    f"store {self.path}: damaged: table '{table}' is not the table peninsula writes "
                    f"({types[table].lower()} with columns "
                    f"{', '.join(f'{n} {t}' for n, t in cols.get(table, ()))[:200]}); move it away or "
                    "give another --store"
                )
        bad = self.con.execute(
            "SELECT count(*) FROM runs WHERE run_id IS NULL OR NOT regexp_full_match(run_id, ?)",
            [RUN_ID.pattern],
        ).fetchone()
        if bad and bad[0]:
            warnings.warn(
                f"store {self.path}: {bad[0]:,} run(s) have an id that is not 12 hex digits (a damaged or "
                "crafted store); they are left out",
                StoreWarning,
                stacklevel=4,
            )

    # -- writing ---------------------------------------------------------------------------------------
    def check_space(self, rows: int) -> None:
        """Refuse a sweep whose outcome rows cannot fit on the store's disk (:class:`StoreError`)."""
        import shutil

        free = shutil.disk_usage(self.path.parent if str(self.path.parent) else ".").free
        need = rows * ROW_BYTES
        if need > free:
            raise StoreError(
                f"--draws: the sweep would store {rows:,} outcome rows (about {need / 2**30:.1f} GiB), more "
                f"than the {free / 2**30:.1f} GiB free on the disk of {self.path}"
            )

    def begin_run(self, record: dict[str, Any]) -> tuple[set[int], int]:
        """Register a run (or find it again): returns the chunks already committed and its chunk size.

        ``record`` holds the ``runs`` columns (``run_id`` ... ``scenario_json``); an existing run keeps its
        own chunk size, so a resumed sweep cuts its draws exactly as before.
        """
        run_id = record["run_id"]
        if not RUN_ID.fullmatch(str(run_id)):
            raise StoreError(f"store {self.path}: run id {str(run_id)[:40]!r} is not 12 hex digits")
        with self._damage(run_id):
            row = self.con.execute("SELECT chunk_size FROM runs WHERE run_id = ?", [run_id]).fetchone()
            if row is None:
                cols = [c for c in record if c not in ("created", "finished", "status")]
                unknown = [c for c in cols if c not in dict(TABLES["runs"])]
                if unknown:
                    raise ValueError(f"not columns of the runs table: {unknown}")
                self.con.execute(
                    f"INSERT INTO runs (created, status, {', '.join(cols)}) VALUES "
                    f"(?, 'running', {', '.join('?' for _ in cols)})",
                    [dt.datetime.now(dt.UTC).replace(tzinfo=None), *(record[c] for c in cols)],
                )
                return set(), int(record["chunk_size"])
            self.run(run_id)  # a stored run is checked before it is resumed
            done = {
                int(r[0])
                for r in self.con.execute("SELECT chunk FROM chunks WHERE run_id = ?", [run_id]).fetchall()
            }
        return done, int(row[0])

    def commit_chunk(
        self,
        run_id: str,
        chunk: int,
        start: int,
        outcomes: FloatArray,
        cohesion: FloatArray | None,
        models: Sequence[str],
        issues: Sequence[str],
        agreed: FloatArray | None = None,
    ) -> None:
        """Store one chunk (``outcomes`` ``(n, models, issues)``, ``cohesion`` ``(n, models)``, ``agreed``
        ``(n, models, issues)`` or ``None``) atomically."""
        import pandas as pd

        n, M, n_iss = outcomes.shape
        draws = np.arange(start, start + n, dtype=np.int64)
        out_df = pd.DataFrame(
            {
                "run_id": run_id,
                "draw": np.repeat(draws, M * n_iss),
                "model": _categorical(np.tile(np.repeat(np.arange(M), n_iss), n), models),
                "issue": _categorical(np.tile(np.arange(n_iss), n * M), issues),
                "outcome": outcomes.reshape(-1),
            }
        )
        with self._damage(run_id):
            con = self.con
            con.execute("BEGIN TRANSACTION")
            try:
                con.register("chunk_outcomes", out_df)
                con.execute(
                    "INSERT INTO outcomes SELECT run_id, draw, CAST(model AS VARCHAR), "
                    "CAST(issue AS VARCHAR), CASE WHEN isnan(outcome) THEN NULL ELSE outcome END "
                    "FROM chunk_outcomes"
                )
                con.unregister("chunk_outcomes")
                if cohesion is not None:
                    coh_df = pd.DataFrame(
                        {
                            "run_id": run_id,
                            "draw": np.repeat(draws, M),
                            "model": _categorical(np.tile(np.arange(M), n), models),
                            "cohesion": cohesion.reshape(-1),
                        }
                    )
                    con.register("chunk_cohesion", coh_df)
                    con.execute(
                        "INSERT INTO cohesion SELECT run_id, draw, CAST(model AS VARCHAR), "
                        "CASE WHEN isnan(cohesion) THEN NULL ELSE cohesion END FROM chunk_cohesion"
                    )
                    con.unregister("chunk_cohesion")
                if agreed is not None:
                    flags = agreed.reshape(-1)
                    agr_df = out_df.drop(columns="outcome").assign(agreed=flags)[np.isfinite(flags)]
                    con.register("chunk_agreed", agr_df)
                    con.execute(
                        "INSERT INTO agreed SELECT run_id, draw, CAST(model AS VARCHAR), "
                        "CAST(issue AS VARCHAR), agreed FROM chunk_agreed"
                    )
                    con.unregister("chunk_agreed")
                con.execute(
                    "INSERT INTO chunks VALUES (?, ?, ?, ?, ?)",
                    [run_id, chunk, start, start + n, dt.datetime.now(dt.UTC).replace(tzinfo=None)],
                )
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def finish_run(self, run_id: str) -> None:
        """Mark a run complete."""
        with self._damage(run_id):
            self.con.execute(
                "UPDATE runs SET status = 'complete', finished = ? WHERE run_id = ?",
                [dt.datetime.now(dt.UTC).replace(tzinfo=None), run_id],
            )

    # -- levers runs (issue 25) ---------------------------------------------------------------------------
    def begin_levers(
        self,
        run_id: str,
        identity: dict[str, Any],
        scenario_id: str,
        seed: int,
        draws: int,
        months: int,
        levers: Sequence[str],
        objectives: Sequence[str],
        version: str,
    ) -> None:
        """Register a levers run (a run already stored is checked, then resumed: nothing is written)."""
        if not RUN_ID.fullmatch(str(run_id)):
            raise StoreError(f"store {self.path}: run id {str(run_id)[:40]!r} is not 12 hex digits")
        with self._damage(run_id):
            row = self.con.execute("SELECT run_id FROM lever_runs WHERE run_id = ?", [run_id]).fetchone()
            if row is not None:
                self.lever_run(run_id)
                return
            self.con.execute(
                "INSERT INTO lever_runs (run_id, created, status, scenario_id, seed, draws, months, levers, "
                "objectives, identity, version) VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    dt.datetime.now(dt.UTC).replace(tzinfo=None),
                    scenario_id,
                    int(seed),
                    int(draws),
                    int(months),
                    json.dumps(list(levers)),
                    json.dumps(list(objectives)),
                    json.dumps(identity, sort_keys=True, default=str),
                    version,
                ],
            )

    def commit_lever(self, run_id: str, lever: str, values: dict[str, FloatArray]) -> None:
        """Store one run's objectives per draw (``values``: objective -> ``(draws,)``) atomically."""
        import pandas as pd

        names = list(values)
        n = len(next(iter(values.values()))) if values else 0
        df = pd.DataFrame(
            {
                "run_id": run_id,
                "lever": lever,
                "objective": np.repeat(np.array(names, dtype=object), n),
                "draw": np.tile(np.arange(n, dtype=np.int64), len(names)),
                "value": np.concatenate([np.asarray(values[k], dtype=np.float64) for k in names])
                if names
                else np.empty(0),
            }
        )
        with self._damage(run_id):
            con = self.con
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute("DELETE FROM lever_draws WHERE run_id = ? AND lever = ?", [run_id, lever])
                con.register("lever_chunk", df)
                con.execute(
                    "INSERT INTO lever_draws SELECT run_id, lever, objective, draw, "
                    "CASE WHEN isnan(value) THEN NULL ELSE value END FROM lever_chunk"
                )
                con.unregister("lever_chunk")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def load_lever_draws(
        self, run_id: str, levers: Sequence[str], objectives: Sequence[str], draws: int
    ) -> dict[int, dict[str, FloatArray]]:
        """The committed runs of a levers run: index in ``levers`` -> objective -> ``(draws,)``. A run is
        returned only when every objective has exactly one value for each of the ``draws`` draws (anything
        else is computed again)."""
        with self._damage(run_id):
            res = self.con.execute(
                "SELECT lever, objective, draw, value FROM lever_draws WHERE run_id = ? "
                "AND draw >= 0 AND draw < ? AND list_position(?, lever) IS NOT NULL "
                "AND list_position(?, objective) IS NOT NULL ORDER BY lever, objective, draw",
                [run_id, draws, list(levers), list(objectives)],
            ).fetchnumpy()
        out: dict[int, dict[str, FloatArray]] = {}
        if not len(res["lever"]):
            return out
        lever = np.asarray(res["lever"], dtype=object)
        objective = np.asarray(res["objective"], dtype=object)
        draw = np.asarray(res["draw"], dtype=np.int64)
        value = np.ma.filled(np.ma.asarray(res["value"]).astype(np.float64), np.nan)
        for i, name in enumerate(levers):
            mine = lever == name
            got: dict[str, FloatArray] = {}
            for obj in objectives:
                sel = mine & (objective == obj)
                if int(sel.sum()) != draws or len(np.unique(draw[sel])) != draws:
                    break
                arr = np.full(draws, np.nan)
                arr[draw[sel]] = value[sel]
                got[obj] = arr
            else:
                out[i] = got
        return out

    def finish_levers(self, run_id: str, doc: dict[str, Any]) -> None:
        """Mark a levers run complete and keep its JSON document."""
        with self._damage(run_id):
            self.con.execute(
                "UPDATE lever_runs SET status = 'complete', finished = ?, doc = ? WHERE run_id = ?",
                [dt.datetime.now(dt.UTC).replace(tzinfo=None), json.dumps(doc, allow_nan=False), run_id],
            )

    def _lever_ids(self, run_id: str) -> list[str]:
        with self._damage():
            return [
                str(r[0])
                for r in self.con.execute(
                    "SELECT run_id FROM lever_runs WHERE starts_with(run_id, ?) "
                    "AND regexp_full_match(run_id, ?) ORDER BY run_id",
                    [run_id, RUN_ID.pattern],
                ).fetchall()
            ]

    def lever_run(self, run_id: str) -> dict[str, Any]:
        """A levers run's record (``kind`` ``levers``; JSON columns decoded and checked, without the
        document), shaped like a sweep's where the two share a meaning (``overlay`` ``None``, ``models`` the
        bargaining model, ``committed_draws`` the draws of every committed run).

        Raises
        ------
        StoreError
            If there is no such levers run, or its record is damaged (naming the store, run and field).
        """
        rows = self._lever_ids(run_id)
        if not rows:
            raise StoreError(f"store {self.path}: no levers run {run_id[:40]!r} (see `peninsula runs list`)")
        if len(rows) > 1 and rows[0] != run_id:
            raise StoreError(
                f"store {self.path}: run id {run_id[:40]!r} is ambiguous ({len(rows)} runs start with it)"
            )
        rid = rows[0]
        with self._damage(rid):
            cur = self.con.execute("SELECT * FROM lever_runs WHERE run_id = ?", [rid])
            names = [d[0] for d in cur.description]
            row = dict(zip(names, cur.fetchone() or (), strict=True))
            done = self.con.execute(
                "SELECT count(DISTINCT lever) FROM lever_draws WHERE run_id = ?", [rid]
            ).fetchone()
        row.pop("doc", None)
        for key in ("levers", "objectives", "identity"):
            try:
                row[key] = json.loads(row[key]) if row[key] is not None else None
            except (ValueError, TypeError, RecursionError):
                self._bad(rid, key, "is not valid JSON")
        if row.get("status") not in ("running", "complete"):
            self._bad(rid, "status", f"is {str(row.get('status'))[:40]!r}, not 'running' or 'complete'")
        for key in ("levers", "objectives"):
            v = row[key]
            if not isinstance(v, list) or not v or not all(isinstance(x, str) for x in v):
                self._bad(rid, key, "is not a list of names")
        if not isinstance(row["identity"], dict):
            self._bad(rid, "identity", "is not a mapping")
        draws, seed = row.get("draws"), row.get("seed")
        if not isinstance(draws, int) or not 1 <= draws <= MAX_DRAWS:
            self._bad(rid, "draws", f"is {draws!r}, not between 1 and {MAX_DRAWS:,}")
        if not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
            self._bad(rid, "seed", f"is {seed!r}, not between 0 and 2**63 - 1")
        committed = int(done[0]) if done else 0
        model = row["identity"].get("model")
        row.update(
            kind="levers",
            overlay=None,
            models=[model] if isinstance(model, str) else [],
            committed_levers=committed,
            committed_draws=committed * int(draws or 0),
        )
        return row

    def lever_document(self, run_id: str) -> dict[str, Any]:
        """The JSON document of a complete levers run.

        Raises
        ------
        StoreError
            If the run is unknown, not complete, or its document is damaged.
        """
        rid = self.lever_run(run_id)["run_id"]
        with self._damage(rid):
            row = self.con.execute("SELECT doc FROM lever_runs WHERE run_id = ?", [rid]).fetchone()
        if row is None or row[0] is None:
            raise StoreError(
                f"store {self.path}: levers run '{rid}' is not complete; run the same `peninsula levers` "
                "command again to finish it"
            )
        try:
            doc = json.loads(row[0])
        except (ValueError, TypeError, RecursionError):
            self._bad(rid, "doc", "is not valid JSON")
        if not isinstance(doc, dict) or not isinstance(doc.get("levers"), list):
            self._bad(rid, "doc", "is not a levers document")
        return dict(doc)

    def kind(self, run_id: str) -> str:
        """``sweep`` or ``levers``: which kind of run ``run_id`` (or a unique prefix) names (``sweep`` when it
        names none, so that the sweep's own message says so)."""
        with self._damage():
            sweeps = self.con.execute(
                "SELECT count(*) FROM runs WHERE starts_with(run_id, ?)", [run_id]
            ).fetchone()
        if sweeps and sweeps[0]:
            return "sweep"
        return "levers" if self._lever_ids(run_id) else "sweep"

    # -- reading ---------------------------------------------------------------------------------------
    def resolve(self, run_id: str) -> str:
        """The full id of the run ``run_id`` names (an id or a unique prefix); :class:`StoreError` if none."""
        with self._damage():
            rows = self.con.execute(
                "SELECT run_id FROM runs WHERE starts_with(run_id, ?) ORDER BY run_id", [run_id]
            ).fetchall()
        if not rows and self._lever_ids(run_id):
            raise StoreError(
                f"store {self.path}: run {run_id[:40]!r} is a levers run; `runs show` shows it (compare and "
                "export work on sweeps)"
            )
        if not rows:
            raise StoreError(f"store {self.path}: no run {run_id[:40]!r} (see `peninsula runs list`)")
        if len(rows) > 1 and rows[0][0] != run_id:
            raise StoreError(
                f"store {self.path}: run id {run_id[:40]!r} is ambiguous ({len(rows)} runs start with it)"
            )
        rid = str(rows[0][0])
        if not RUN_ID.fullmatch(rid):
            raise StoreError(
                f"store {self.path}: damaged run: its id {rid[:40]!r} is not 12 hex digits (a damaged or "
                "crafted store); move the store away or export the other runs"
            )
        return rid

    def run(self, run_id: str) -> dict[str, Any]:
        """The ``runs`` row of a run (JSON columns decoded, every field checked), plus ``committed_draws``.

        Raises
        ------
        StoreError
            If there is no such run, or its record or chunks are damaged (naming the store, run and field).
        """
        rid = self.resolve(run_id)
        with self._damage(rid):
            cur = self.con.execute("SELECT * FROM runs WHERE run_id = ?", [rid])
            names = [d[0] for d in cur.description]
            row = dict(zip(names, cur.fetchone() or (), strict=True))
            chunks = self.con.execute(
                "SELECT count(*), coalesce(sum(stop - start), 0), coalesce(min(start), 0), "
                "coalesce(max(stop), 0), count(*) FILTER (WHERE start < 0 OR stop <= start) "
                "FROM chunks WHERE run_id = ?",
                [rid],
            ).fetchone()
        for key in ("models", "params", "noise", "issues"):
            try:
                row[key] = json.loads(row[key]) if row[key] is not None else None
            except (ValueError, TypeError, RecursionError):
                self._bad(rid, key, "is not valid JSON")
        self._check_record(rid, row)
        assert chunks is not None
        _, committed, lo, hi, backwards = (int(v) for v in chunks)
        if backwards or lo < 0 or hi > row["draws"] or committed > row["draws"]:
            self._bad(rid, "chunks", f"a chunk lies outside draws 0 .. {row['draws'] - 1}")
        row["committed_draws"] = committed
        return row

    def _bad(self, rid: str, field: str, what: str) -> None:
        raise StoreError(
            f"store {self.path}: damaged run {rid}: field '{field}' {what}; move the store away or export "
            "the other runs"
        )

    def _check_record(self, rid: str, row: dict[str, Any]) -> None:
        """Check the decoded ``runs`` row of ``rid`` (types and ranges of every field the readers use)."""

        def strings(v: Any) -> bool:
            return isinstance(v, list) and bool(v) and all(isinstance(x, str) for x in v)

        if row.get("status") not in ("running", "complete"):
            self._bad(rid, "status", f"is {str(row.get('status'))[:40]!r}, not 'running' or 'complete'")
        if not strings(row["models"]):
            self._bad(rid, "models", "is not a list of model names")
        if not strings(row["issues"]) or len(set(row["issues"])) != len(row["issues"]):
            self._bad(rid, "issues", "is not a list of distinct issue ids")
        params = row["params"]
        if not isinstance(params, dict) or not all(isinstance(v, dict) for v in params.values()):
            self._bad(rid, "params", "is not a mapping of model -> parameters")
        if not isinstance(row["noise"], dict):
            self._bad(rid, "noise", "is not a mapping")
        draws, size, seed = row.get("draws"), row.get("chunk_size"), row.get("seed")
        if not isinstance(draws, int) or not 1 <= draws <= MAX_DRAWS:
            self._bad(rid, "draws", f"is {draws!r}, not between 1 and {MAX_DRAWS:,}")
        if not isinstance(size, int) or size < 1:
            self._bad(rid, "chunk_size", f"is {size!r}, not a positive number")
        if not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
            self._bad(rid, "seed", f"is {seed!r}, not between 0 and 2**63 - 1")
        if row.get("rounds") is not None and row["rounds"] < 0:
            self._bad(rid, "rounds", f"is {row['rounds']!r}, negative")
        if not isinstance(row.get("scenario_json"), str):
            self._bad(rid, "scenario_json", "is missing")

    def runs(self) -> list[dict[str, Any]]:
        """Every sound run -- sweeps and levers runs, told apart by ``kind`` -- newest first (without the
        scenario JSON); a damaged run is left out with a :class:`StoreWarning` naming the store and the
        problem."""
        with self._damage():
            ids = self.con.execute(
                "SELECT run_id, created, 'sweep' FROM runs WHERE regexp_full_match(run_id, ?) UNION ALL "
                "SELECT run_id, created, 'levers' FROM lever_runs WHERE regexp_full_match(run_id, ?) "
                "ORDER BY 2 DESC, 1",
                [RUN_ID.pattern, RUN_ID.pattern],
            ).fetchall()
        out = []
        for rid, _, kind in ids:
            try:
                row = self.lever_run(str(rid)) if kind == "levers" else self.run(str(rid))
            except StoreError as exc:
                warnings.warn(str(exc), StoreWarning, stacklevel=2)
                continue
            row.pop("scenario_json", None)
            out.append({**row, "kind": kind})
        return out

    def load(
        self, run_id: str, models: Sequence[str], issues: Sequence[str], draws: int
    ) -> tuple[FloatArray, FloatArray | None]:
        """The stored outcomes ``(draws, models, issues)`` and cohesion ``(draws, models)`` (NaN = none).

        Raises
        ------
        StoreError
            If a stored row names a draw outside ``0 .. draws - 1``, a model or an issue not in the run.
        """
        with self._damage(run_id):
            return self._load(run_id, list(models), list(issues), draws)

    def _load(
        self, run_id: str, models: list[str], issues: list[str], draws: int
    ) -> tuple[FloatArray, FloatArray | None]:
        self._check_rows(run_id, models, issues, draws)
        out = np.full((draws, len(models), len(issues)), np.nan)
        res = self.con.execute(
            "SELECT draw, list_position(?, model) - 1 AS m, list_position(?, issue) - 1 AS i, outcome "
            "FROM outcomes WHERE run_id = ?",
            [models, issues, run_id],
        ).fetchnumpy()
        d, m, i = (np.asarray(res[k], dtype=np.int64) for k in ("draw", "m", "i"))
        vals = np.ma.filled(np.ma.asarray(res["outcome"]).astype(np.float64), np.nan)
        out[d, m, i] = vals
        n_coh = self.con.execute("SELECT count(*) FROM cohesion WHERE run_id = ?", [run_id]).fetchone()
        if not n_coh or not n_coh[0]:
            return out, None
        coh = np.full((draws, len(models)), np.nan)
        res = self.con.execute(
            "SELECT draw, list_position(?, model) - 1 AS m, cohesion FROM cohesion WHERE run_id = ?",
            [models, run_id],
        ).fetchnumpy()
        d, m = (np.asarray(res[k], dtype=np.int64) for k in ("draw", "m"))
        coh[d, m] = np.ma.filled(np.ma.asarray(res["cohesion"]).astype(np.float64), np.nan)
        return out, coh

    def load_agreed(
        self, run_id: str, models: Sequence[str], issues: Sequence[str], draws: int
    ) -> FloatArray | None:
        """The stored agreement flags ``(draws, models, issues)`` (NaN = none), or ``None`` if the run has
        none (no model of it reports whether an agreement set is non-empty).

        Raises
        ------
        StoreError
            If a stored row names a draw outside ``0 .. draws - 1``, a model or an issue not in the run.
        """
        with self._damage(run_id):
            n = self.con.execute("SELECT count(*) FROM agreed WHERE run_id = ?", [run_id]).fetchone()
            if not n or not n[0]:
                return None
            self._check_rows(run_id, list(models), list(issues), draws, tables=(("agreed", True),))
            out = np.full((draws, len(models), len(issues)), np.nan)
            res = self.con.execute(
                "SELECT draw, list_position(?, model) - 1 AS m, list_position(?, issue) - 1 AS i, agreed "
                "FROM agreed WHERE run_id = ?",
                [list(models), list(issues), run_id],
            ).fetchnumpy()
        d, m, i = (np.asarray(res[k], dtype=np.int64) for k in ("draw", "m", "i"))
        out[d, m, i] = np.asarray(res["agreed"], dtype=np.float64)
        return out

    def export(self, run_id: str, out: Path) -> int:
        """Write a run's outcomes (cohesion as a column) to ``out`` (``.parquet`` or ``.csv``), atomically.

        The rows are read with a bound query, :data:`EXPORT_BATCH` at a time. A CSV is written by Python's
        csv module (text cells that a spreadsheet would run as a formula are quoted as text,
        :func:`peninsula.core.sanitize.csv_cell`); a Parquet file by a separate in-memory DuckDB database
        that holds only these rows (the store's own connection may touch no other file).

        Returns the number of rows written.

        Raises
        ------
        StoreError
            If the run is unknown or damaged, the suffix is neither, or ``out`` cannot be written (its
            folder missing or not writable, or ``out`` not a regular file: a device or a pipe is refused
            rather than replaced).
        """
        suffix = out.suffix.lower()
        if suffix not in (".parquet", ".csv"):
            raise StoreError(f"{out}: export writes .parquet or .csv files, not '{suffix or 'no suffix'}'")
        if out.exists() and not out.is_file():
            raise StoreError(
                f"{out}: not a regular file (a folder, device or pipe); export writes a new file and renames "
                "it into place, so give a file name"
            )
        if not out.parent.is_dir() or not os.access(out.parent, os.W_OK):
            raise StoreError(f"{out}: folder {out.parent} does not exist or is not writable")
        rid = self.resolve(run_id)
        record = self.run(rid)
        tmp = out.parent / f".{out.name}.{os.getpid()}.tmp"
        query = (
            "SELECT o.draw, o.model, o.issue, o.outcome, c.cohesion FROM outcomes o LEFT JOIN cohesion c "
            "ON c.run_id = o.run_id AND c.draw = o.draw AND c.model = o.model "
            "WHERE o.run_id = ? ORDER BY o.draw, o.model, o.issue"
        )
        try:
            with self._damage(rid):
                self._check_rows(rid, list(record["models"]), list(record["issues"]), int(record["draws"]))
                cur = self.con.execute(query, [rid])
                n = _write_csv(cur, tmp) if suffix == ".csv" else _write_parquet(cur, tmp)
            os.replace(tmp, out)
        except OSError as exc:
            raise StoreError(f"{out}: cannot write ({exc.strerror or exc})") from None
        finally:
            if tmp.exists():
                tmp.unlink()
        return n

    def _check_rows(
        self,
        rid: str,
        models: list[str],
        issues: list[str],
        draws: int,
        tables: tuple[tuple[str, bool], ...] = (("outcomes", True), ("cohesion", False)),
    ) -> None:
        """Refuse a run whose rows name a draw outside ``0 .. draws - 1``, or a model or issue not its own."""
        for table, has_issue in tables:
            stray = self.con.execute(
                f"SELECT count(*) FROM {table} WHERE run_id = ? AND (draw IS NULL OR draw < 0 OR draw >= ? "
                "OR list_position(?, model) IS NULL"
                + (" OR list_position(?, issue) IS NULL)" if has_issue else ")"),
                [rid, draws, models, *([issues] if has_issue else [])],
            ).fetchone()
            if stray and stray[0]:
                self._bad(
                    rid,
                    table,
                    f"holds {stray[0]:,} rows whose draw lies outside 0 .. {draws - 1} or whose model"
                    + (" or issue" if has_issue else "")
                    + " is not the run's",
                )


_EXPORT_COLUMNS = ("draw", "model", "issue", "outcome", "cohesion")


def _batches(cur: Any) -> Iterator[list[tuple[Any, ...]]]:
    while True:
        rows = cur.fetchmany(EXPORT_BATCH)
        if not rows:
            return
        yield rows


def _write_csv(cur: Any, tmp: Path) -> int:
    import csv

    n = 0
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(_EXPORT_COLUMNS)
        for rows in _batches(cur):
            w.writerows(
                (d, csv_cell(m), csv_cell(i), "" if o is None else o, "" if c is None else c)
                for d, m, i, o, c in rows
            )
            n += len(rows)
    return n


def _write_parquet(cur: Any, tmp: Path) -> int:
    import duckdb
    import pandas as pd

    n = 0
    side = duckdb.connect(
        ":memory:", config={k: v for k, v in LOCKED_DOWN.items() if k != "enable_external_access"}
    )
    try:
        side.execute(
            "CREATE TABLE export (draw BIGINT, model VARCHAR, issue VARCHAR, outcome DOUBLE, cohesion DOUBLE)"
        )
        for rows in _batches(cur):
            side.register("batch", pd.DataFrame(rows, columns=list(_EXPORT_COLUMNS)))
            side.execute("INSERT INTO export SELECT * FROM batch")
            side.unregister("batch")
            n += len(rows)
        side.execute(f"COPY export TO '{_sql_path(tmp)}' (FORMAT parquet)")
    finally:
        side.close()
    return n


def _first_line(exc: BaseException) -> str:
    lines = str(exc).splitlines()
    return lines[0][:300] if lines else type(exc).__name__


#: The first bytes of an SQLite database (DuckDB would want its sqlite extension for one).
_SQLITE = b"SQLite format 3\x00"


def _check_header(p: Path) -> None:
    """Refuse a file that is not a DuckDB database by its first bytes (an SQLite file, text ...)."""
    try:
        with open(p, "rb") as fh:
            head = fh.read(16)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StoreError(f"store {p}: cannot read ({exc.strerror or exc})") from None
    if head.startswith(_SQLITE):
        raise StoreError(
            f"store {p}: an SQLite database, not a peninsula run store (a DuckDB file); give another --store"
        )


def _categorical(codes: npt.NDArray[np.int_], names: Sequence[str]) -> Any:
    import pandas as pd

    return pd.Categorical.from_codes(codes, categories=pd.Index(list(names)))


def _sql_path(p: Path) -> str:
    return str(p).replace("'", "''")
