"""Embedded SQLite results store.

One row per run, keyed by sha256(config, numerics version) (`config_key`; the package version and
git commit are stored beside it as provenance): an identical request finds its row
and computes nothing, and an interrupted sweep resumes from the rows already written (each
batch is one transaction). Trajectories are compressed .npz blobs.

The file is written in WAL mode with a busy timeout, so several processes may read and write
it at once. Reading takes no write lock and writes nothing: each read opens its own short
connection (read and write access, no statement that writes), so SQLite removes the -wal and
-shm files it made when that connection closes. The schema and meta table are written with the
first batch. A file that is not a theorycheck store is never modified: opening it raises
`ConfigError('store', ...)`. A write that fails raises `StoreError` (a ConfigError naming
'store', CLI exit 2); a lock held by another writer past the busy timeout raises `StoreLocked`
(CLI exit 4). Either way the batches written before it stay stored.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulations import Config, ConfigError

from ..version import code_version, git_commit, numerics_version
from .paths import DEFAULT_PATH, default_store_path, probe_dir, probe_file  # noqa: F401  (re-exported)

if TYPE_CHECKING:
    from simulations import RunResult

BUSY_TIMEOUT_S = 60.0


class StoreError(ConfigError):
    """The store could not be written (disk full, read-only file system, ...): CLI exit 2."""


class StoreLocked(Exception):
    """Another process held the store's write lock past the busy timeout: CLI exit 4."""


SCHEMA_NAME = "theorycheck-runs"
SCHEMA_VERSION = 3  # 3: the `split` column (schema 1 and 2 stores gain it on their first write)
COLUMNS = (
    "key",
    "config",
    "seed",
    "code_version",
    "git_commit",
    "status",
    "status_step",
    "detail",
    "final",
    "trajectory",
    "wall_s",
    "created",
    "split",
)
OLD_COLUMNS = COLUMNS[:-1]  # schemas 1 and 2
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    key TEXT PRIMARY KEY,
    config TEXT NOT NULL,
    seed INTEGER NOT NULL,
    code_version TEXT NOT NULL,
    git_commit TEXT NOT NULL,
    status TEXT NOT NULL,
    status_step INTEGER,
    detail TEXT,
    final TEXT NOT NULL,
    trajectory BLOB NOT NULL,
    wall_s REAL,
    created REAL NOT NULL,
    split TEXT
);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
SQLITE_MAGIC = b"SQLite format 3\x00"


def key_dict(cfg: Config) -> dict:
    """The config as it identifies a run: the device resolved ('auto' -> 'cpu'/'cuda')."""
    from simulations import resolve_device

    d = cfg.to_dict()
    d["device"] = resolve_device(cfg.device).type
    return d


def config_key(cfg: Config, version: str | None = None) -> str:
    """sha256 of the config (device resolved) and the numerics version: the package version and
    the git commit are provenance, stored beside the row, not part of what identifies the numbers.
    A config type with numerics of its own (image runs) names them in `numerics_version`."""
    code = version or getattr(cfg, "numerics_version", None) or numerics_version()
    blob = json.dumps({"config": key_dict(cfg), "code": code}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def _columns(con: sqlite3.Connection) -> list[str]:
    return [r[1] for r in con.execute("PRAGMA table_info(runs)")]


def _pack(traj: dict) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(buf, **traj)
    return buf.getvalue()


def _unpack(blob: bytes) -> dict:
    with np.load(io.BytesIO(blob)) as z:
        return {k: z[k] for k in z.files}


def _json_final(final: dict) -> str:
    # NaN (a diverged run's errors) is stored as null: the column stays strict JSON
    return json.dumps({k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in final.items()})


def _read_final(text: str) -> dict:
    return {k: (float("nan") if v is None else v) for k, v in json.loads(text).items()}


@dataclass(frozen=True)
class Record:
    """One stored run, by name (reports never unpack rows by position)."""

    key: str
    config: dict
    seed: int
    code_version: str
    git_commit: str
    status: str
    final: dict
    wall_s: float | None
    created: float
    split: dict | None = None  # how the run was computed (`put_many`); None for rows written before schema 3


class Store:
    """SQLite store at `path` (created on first write). ':memory:' is a throwaway store."""

    def __init__(self, path: str | None = None, timeout: float | None = None):
        if path is not None and not (isinstance(path, (str, os.PathLike)) and str(path).strip()):
            raise ConfigError("store", f"must be a file path or ':memory:', got {path!r}")
        self.path = str(path) if path is not None else default_store_path()
        self.timeout = BUSY_TIMEOUT_S if timeout is None else timeout
        self._conn: sqlite3.Connection | None = None
        self._mem: sqlite3.Connection | None = None  # ':memory:' keeps one connection for reads and writes

    # ---- opening ------------------------------------------------------------------------------
    def validate(self, for_write: bool = True) -> None:
        """Raise ConfigError('store', ...) if the path cannot hold a theorycheck store. Never writes."""
        if self.path == ":memory:":
            return
        p = self.path
        if os.path.isdir(p):
            raise ConfigError("store", f"{p!r} is a directory; give a file path")
        if os.path.exists(p):
            if not os.path.isfile(p):
                raise ConfigError("store", f"{p!r} is not a regular file")
            if os.path.getsize(p) > 0:
                with open(p, "rb") as fh:
                    if fh.read(16) != SQLITE_MAGIC:
                        raise ConfigError("store", f"{p!r} is not an SQLite file; refusing to touch it")
                self._check_schema(p)
            if for_write:
                probe_file(p, "store")
                probe_dir(os.path.dirname(os.path.abspath(p)), "store")  # the -wal and -shm files go there
        elif for_write:
            probe_dir(os.path.dirname(os.path.abspath(p)), "store")

    def _check_schema(self, path: str) -> None:
        try:
            con = self._open_read(path)
            try:
                tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                meta = dict(con.execute("SELECT name, value FROM meta").fetchall()) if "meta" in tables else {}
                cols = [r[1] for r in con.execute("PRAGMA table_info(runs)")] if "runs" in tables else []
            finally:
                con.close()
        except sqlite3.DatabaseError as e:
            raise ConfigError(
                "store", f"{path!r} is not a readable SQLite database ({e}); refusing to touch it"
            ) from None
        if not tables:
            return
        if meta.get("schema") not in (None, SCHEMA_NAME) or (
            meta.get("schema") is None and tuple(cols) not in (COLUMNS, OLD_COLUMNS)
        ):
            raise ConfigError(
                "store",
                f"{path!r} is not a theorycheck store (tables: {', '.join(sorted(tables))}); refusing to modify it",
            )
        if meta.get("version") and int(meta["version"]) > SCHEMA_VERSION:
            raise ConfigError(
                "store", f"{path!r} has store schema {meta['version']}, newer than this theorycheck ({SCHEMA_VERSION})"
            )

    @staticmethod
    def _open_read(path: str, timeout: float = BUSY_TIMEOUT_S) -> sqlite3.Connection:
        """A connection that only reads. Opened read-write when the file allows it, since a read-only
        connection to a WAL file leaves -wal and -shm behind; read-only (immutable) otherwise."""
        if os.access(path, os.W_OK) and os.access(os.path.dirname(os.path.abspath(path)), os.W_OK):
            return sqlite3.connect(path, timeout=timeout)
        return sqlite3.connect(f"file:{path}?immutable=1", uri=True, timeout=timeout)

    @property
    def conn(self) -> sqlite3.Connection:
        """The write connection (schema and meta written on first use)."""
        if self._conn is None:
            if self.path == ":memory:":
                self._conn = self._memory()
                return self._conn
            self.validate(for_write=True)
            try:
                os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
                con = sqlite3.connect(self.path, timeout=self.timeout)
                with self._errors("open"):
                    con.execute("PRAGMA journal_mode=WAL")
                    con.execute(f"PRAGMA busy_timeout={int(self.timeout * 1000)}")
                    self._init_schema(con)
            except OSError as e:
                raise StoreError("store", f"cannot create {self.path!r}: {e.strerror or e}") from None
            self._conn = con
        return self._conn

    def _memory(self) -> sqlite3.Connection:
        if self._mem is None:
            self._mem = sqlite3.connect(":memory:")
            self._init_schema(self._mem)
        return self._mem

    @staticmethod
    def _init_schema(con: sqlite3.Connection) -> None:
        with con:
            con.executescript(SCHEMA)
            if "split" not in _columns(con):  # a schema 1 or 2 store: the new column is empty for its rows
                con.execute("ALTER TABLE runs ADD COLUMN split TEXT")
            # schema 1 (no meta table, same columns) is migrated by stamping it
            con.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_NAME,))
            con.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (str(SCHEMA_VERSION),))

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        """sqlite3 errors as the store's own: a lock past the timeout, or a failed write."""
        try:
            yield
        except sqlite3.OperationalError as e:
            if "locked" in str(e) or "busy" in str(e):
                raise StoreLocked(
                    f"the store {self.path!r} was locked by another process for more than {self.timeout:g} s "
                    f"({what}); the batches finished before this are stored. Rerun the same command to resume."
                ) from None
            raise StoreError("store", f"cannot {what} {self.path!r}: {e}") from None
        except sqlite3.Error as e:
            raise StoreError("store", f"cannot {what} {self.path!r}: {e}") from None

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection | None]:
        """A connection for reading, or None when there is nothing to read. Takes no write lock."""
        if self.path == ":memory:":
            yield self._memory()
            return
        if self._conn is not None:
            yield self._conn
            return
        if not self.exists():
            yield None
            return
        with self._errors("read"):
            con = self._open_read(self.path, self.timeout)
            try:
                if con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='runs'").fetchone() is None:
                    yield None
                else:
                    yield con
            finally:
                con.close()

    def exists(self) -> bool:
        return self.path == ":memory:" or (os.path.exists(self.path) and os.path.getsize(self.path) > 0)

    # ---- queries --------------------------------------------------------------------------------
    def get(self, cfg: Config) -> RunResult | None:
        return self.get_many([cfg]).get(cfg)

    def get_many(self, cfgs: Iterable[Config]) -> dict[Config, RunResult]:
        """Stored results for the configs that have one (never creates a file just to read it)."""
        from simulations import RunResult

        cfgs = list(dict.fromkeys(cfgs))
        if not cfgs:
            return {}
        keys = {config_key(c): c for c in cfgs}
        out: dict[Config, RunResult] = {}
        q = "SELECT key, status, status_step, detail, final, trajectory FROM runs WHERE key IN ({})"
        ks = list(keys)
        with self._reading() as con:
            if con is None:
                return {}
            for i in range(0, len(ks), 500):
                chunk = ks[i : i + 500]
                for k, status, step, detail, final, traj in con.execute(q.format(",".join("?" * len(chunk))), chunk):
                    c = keys[k]
                    out[c] = RunResult(c, status, step, detail or "", _unpack(traj), _read_final(final))
        return out

    def put_many(self, results: list[RunResult], wall_s: float = 0.0, split: dict | None = None) -> None:
        """Write one batch's results in one transaction (all rows or none). split: how the batch was
        computed (torch threads, max_batch, the runs trained together), stored as provenance: a
        run's float32 bits can depend on its batch and the thread count, never its key."""
        commit, now = git_commit(), time.time()
        share = wall_s / max(1, len(results))
        rows = [
            (
                config_key(r.config),
                json.dumps(key_dict(r.config), sort_keys=True),
                r.config.seed,
                code_version(r.config),
                commit,
                r.status,
                r.status_step,
                r.detail,
                _json_final(r.final),
                _pack(r.trajectory),
                share,
                now,
                json.dumps(split, sort_keys=True) if split is not None else None,
            )
            for r in results
        ]
        con = self.conn
        with self._errors("write a batch to"), con:
            con.executemany(f"INSERT OR REPLACE INTO runs VALUES ({','.join('?' * len(COLUMNS))})", rows)

    def count(self, cfgs: Iterable[Config] | None = None) -> int:
        """Stored runs (all, or those of `cfgs`)."""
        if cfgs is not None:
            return len(self.records(cfgs))
        with self._reading() as con:
            return 0 if con is None else con.execute("SELECT COUNT(*) FROM runs").fetchone()[0]

    def records(self, cfgs: Iterable[Config] | None = None) -> list[Record]:
        """Stored runs (all, or those of `cfgs`) without their trajectories."""
        sql = "SELECT key, config, seed, code_version, git_commit, status, final, wall_s, created, {} FROM runs"
        with self._reading() as con:
            if con is None:
                return []
            sql = sql.format("split" if "split" in _columns(con) else "NULL")  # a read-only older store
            if cfgs is None:
                rows = con.execute(sql).fetchall()
            else:
                ks, rows = list({config_key(c) for c in cfgs}), []
                for i in range(0, len(ks), 500):
                    chunk = ks[i : i + 500]
                    rows += con.execute(sql + f" WHERE key IN ({','.join('?' * len(chunk))})", chunk).fetchall()
        return [
            Record(k, json.loads(c), s, v, g, st, _read_final(f), w, cr, json.loads(sp) if sp else None)
            for k, c, s, v, g, st, f, w, cr, sp in rows
        ]

    def wall_times(self, cfgs: Iterable[Config]) -> dict[str, float]:
        """Compute seconds attributed to each stored run of `cfgs`, by key."""
        return {r.key: r.wall_s or 0.0 for r in self.records(cfgs)}

    def close(self) -> None:
        if self._conn is not None and self._conn is not self._mem:
            self._conn.close()
        self._conn = None
