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

Each chunk's rows and its ``chunks`` row are written in one transaction, so a process killed at any
moment leaves every chunk either fully stored or absent; a rerun of the same sweep continues from there.
DuckDB lets one process open a database file for writing at a time: a second one gets a clear
:class:`StoreError` instead of a corrupt file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from peninsula.core import ParameterError

if TYPE_CHECKING:
    import duckdb

FloatArray = npt.NDArray[np.float64]

__all__ = ["DEFAULT_STORE", "SCHEMA_VERSION", "RunStore", "StoreError", "default_store_path"]

#: Version of the store's schema; a store with another version is migrated (if a migration exists) or refused.
#: Version 2 (issue 21) adds the ``agreed`` table.
SCHEMA_VERSION = 2
#: The store used when neither ``--store`` nor ``PENINSULA_STORE`` names one.
DEFAULT_STORE = "peninsula-runs.duckdb"
_AGREED = (
    "CREATE TABLE IF NOT EXISTS agreed (run_id VARCHAR, draw BIGINT, model VARCHAR, issue VARCHAR, "
    "agreed DOUBLE);"
)


def _add_agreed(con: Any) -> None:
    """Version 1 -> 2: the ``agreed`` table (issue 21); existing runs have no rows in it."""
    con.execute(_AGREED)


#: Known migrations: from version -> function upgrading a connection to version + 1.
MIGRATIONS: dict[int, Any] = {1: _add_agreed}

_SCHEMA = """
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
""" + _AGREED

#: Bytes a stored outcome row takes on disk, at most (DuckDB compresses; measured ~6-9 on sweeps here).
ROW_BYTES = 16


class StoreError(ParameterError):
    """The run store cannot be used (locked, unwritable, not a store, another schema, unknown run)."""


def default_store_path() -> Path:
    """``$PENINSULA_STORE`` if set, else ``./peninsula-runs.duckdb``."""
    return Path(os.environ.get("PENINSULA_STORE") or DEFAULT_STORE)


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
            if not parent.is_dir():
                raise StoreError(f"store {p}: folder {parent} does not exist")
            if not os.access(parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
                raise StoreError(f"store {p}: not writable (permission denied)")
        try:
            con = duckdb.connect(str(p), read_only=read_only)
        except duckdb.IOException as exc:
            text = str(exc)
            if "lock" in text.lower():
                raise StoreError(_lock_message(p, exc)) from None
            raise StoreError(f"store {p}: cannot open ({text.splitlines()[0]})") from None
        except duckdb.Error as exc:
            raise StoreError(
                f"store {p}: not a peninsula run store ({str(exc).splitlines()[0]}); give another --store"
            ) from None
        store = cls(p, con, read_only)
        try:
            store._check_schema()
            yield store
        finally:
            con.close()

    def _check_schema(self) -> None:
        tables = {
            r[0] for r in self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()
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
        version = int(row[0]) if row else 0
        if version == SCHEMA_VERSION:
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
        row = self.con.execute("SELECT chunk_size FROM runs WHERE run_id = ?", [run_id]).fetchone()
        if row is None:
            cols = [c for c in record if c not in ("created", "finished", "status")]
            self.con.execute(
                f"INSERT INTO runs (created, status, {', '.join(cols)}) VALUES "
                f"(?, 'running', {', '.join('?' for _ in cols)})",
                [dt.datetime.now(dt.UTC).replace(tzinfo=None), *(record[c] for c in cols)],
            )
            return set(), int(record["chunk_size"])
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
                    "INSERT INTO agreed SELECT run_id, draw, CAST(model AS VARCHAR), CAST(issue AS VARCHAR), "
                    "agreed FROM chunk_agreed"
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
        self.con.execute(
            "UPDATE runs SET status = 'complete', finished = ? WHERE run_id = ?",
            [dt.datetime.now(dt.UTC).replace(tzinfo=None), run_id],
        )

    # -- reading ---------------------------------------------------------------------------------------
    def resolve(self, run_id: str) -> str:
        """The full id of the run ``run_id`` names (an id or a unique prefix); :class:`StoreError` if none."""
        rows = self.con.execute(
            "SELECT run_id FROM runs WHERE starts_with(run_id, ?) ORDER BY run_id", [run_id]
        ).fetchall()
        if not rows:
            raise StoreError(f"store {self.path}: no run '{run_id}' (see `peninsula runs list`)")
        if len(rows) > 1 and rows[0][0] != run_id:
            raise StoreError(
                f"store {self.path}: run id '{run_id}' is ambiguous ({len(rows)} runs start with it)"
            )
        return str(rows[0][0])

    def run(self, run_id: str) -> dict[str, Any]:
        """The ``runs`` row of a run (JSON columns decoded), plus ``committed_draws``."""
        rid = self.resolve(run_id)
        cur = self.con.execute("SELECT * FROM runs WHERE run_id = ?", [rid])
        names = [d[0] for d in cur.description]
        row = dict(zip(names, cur.fetchone() or (), strict=True))
        for key in ("models", "params", "noise", "issues"):
            row[key] = json.loads(row[key]) if row[key] is not None else None
        done = self.con.execute(
            "SELECT coalesce(sum(stop - start), 0) FROM chunks WHERE run_id = ?", [rid]
        ).fetchone()
        row["committed_draws"] = int(done[0]) if done else 0
        return row

    def runs(self) -> list[dict[str, Any]]:
        """Every run, newest first (without the scenario JSON)."""
        ids = [
            r[0] for r in self.con.execute("SELECT run_id FROM runs ORDER BY created DESC, run_id").fetchall()
        ]
        out = []
        for rid in ids:
            row = self.run(rid)
            row.pop("scenario_json", None)
            out.append(row)
        return out

    def load(
        self, run_id: str, models: Sequence[str], issues: Sequence[str], draws: int
    ) -> tuple[FloatArray, FloatArray | None]:
        """The stored outcomes ``(draws, models, issues)`` and cohesion ``(draws, models)`` (NaN = none)."""
        out = np.full((draws, len(models), len(issues)), np.nan)
        res = self.con.execute(
            "SELECT draw, list_position(?, model) - 1 AS m, list_position(?, issue) - 1 AS i, outcome "
            "FROM outcomes WHERE run_id = ?",
            [list(models), list(issues), run_id],
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
            [list(models), run_id],
        ).fetchnumpy()
        d, m = (np.asarray(res[k], dtype=np.int64) for k in ("draw", "m"))
        coh[d, m] = np.ma.filled(np.ma.asarray(res["cohesion"]).astype(np.float64), np.nan)
        return out, coh

    def load_agreed(
        self, run_id: str, models: Sequence[str], issues: Sequence[str], draws: int
    ) -> FloatArray | None:
        """The stored agreement flags ``(draws, models, issues)`` (NaN = none), or ``None`` if the run has
        none (no model of it reports whether an agreement set is non-empty)."""
        n = self.con.execute("SELECT count(*) FROM agreed WHERE run_id = ?", [run_id]).fetchone()
        if not n or not n[0]:
            return None
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

        Returns the number of rows written.
        """
        rid = self.resolve(run_id)
        suffix = out.suffix.lower()
        if suffix not in (".parquet", ".csv"):
            raise StoreError(f"{out}: export writes .parquet or .csv files, not '{suffix or 'no suffix'}'")
        if not out.parent.is_dir() or not os.access(out.parent, os.W_OK):
            raise StoreError(f"{out}: folder {out.parent} does not exist or is not writable")
        tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
        fmt = "(FORMAT parquet)" if suffix == ".parquet" else "(FORMAT csv, HEADER true)"
        query = (
            "SELECT o.draw, o.model, o.issue, o.outcome, c.cohesion FROM outcomes o LEFT JOIN cohesion c "
            "ON c.run_id = o.run_id AND c.draw = o.draw AND c.model = o.model "
            f"WHERE o.run_id = '{rid}' ORDER BY o.draw, o.model, o.issue"
        )
        try:
            self.con.execute(f"COPY ({query}) TO '{_sql_path(tmp)}' {fmt}")
            os.replace(tmp, out)
        finally:
            if tmp.exists():
                tmp.unlink()
        row = self.con.execute("SELECT count(*) FROM outcomes WHERE run_id = ?", [rid]).fetchone()
        return int(row[0]) if row else 0


def _categorical(codes: npt.NDArray[np.int_], names: Sequence[str]) -> Any:
    import pandas as pd

    return pd.Categorical.from_codes(codes, categories=pd.Index(list(names)))


def _sql_path(p: Path) -> str:
    return str(p).replace("'", "''")
