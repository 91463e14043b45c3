"""Embedded SQLite results store.

One row per run, keyed by sha256(config, code version): an identical request finds its row
and computes nothing, and an interrupted sweep resumes from the rows already written (each
batch is one transaction). Trajectories are compressed .npz blobs.

The file is opened in WAL mode with a busy timeout, so several processes may read and write
it at once. A file that is not a theorycheck store is never modified: opening it raises
`ConfigError('store', ...)`.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from simulations import Config, ConfigError, RunResult, resolve_device

from ..version import code_version, git_commit, numerics_version

DEFAULT_PATH = "results/theorycheck.sqlite"


def default_store_path() -> str:
    """THEORYCHECK_STORE if set (read at call time), else results/theorycheck.sqlite."""
    return os.environ.get("THEORYCHECK_STORE") or DEFAULT_PATH


SCHEMA_NAME = "theorycheck-runs"
SCHEMA_VERSION = 2
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
)
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
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
SQLITE_MAGIC = b"SQLite format 3\x00"


def key_dict(cfg: Config) -> dict:
    """The config as it identifies a run: the device resolved ('auto' -> 'cpu'/'cuda')."""
    d = cfg.to_dict()
    d["device"] = resolve_device(cfg.device).type
    return d


def config_key(cfg: Config, version: str | None = None) -> str:
    """sha256 of the config (device resolved) and the numerics version: the package version and
    the git commit are provenance, stored beside the row, not part of what identifies the numbers."""
    blob = json.dumps({"config": key_dict(cfg), "code": version or numerics_version()}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


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


class Store:
    """SQLite store at `path` (created on first write). ':memory:' is a throwaway store."""

    def __init__(self, path: str | None = None):
        self.path = path or default_store_path()
        self._conn: sqlite3.Connection | None = None

    # ---- opening ------------------------------------------------------------------------------
    def validate(self, for_write: bool = True) -> None:
        """Raise ConfigError('store', ...) if the path cannot hold a theorycheck store. Never writes."""
        if self.path == ":memory:":
            return
        p = self.path
        if os.path.isdir(p):
            raise ConfigError("store", f"{p!r} is a directory; give a file path")
        if os.path.exists(p):
            if os.path.getsize(p) > 0:
                with open(p, "rb") as fh:
                    if fh.read(16) != SQLITE_MAGIC:
                        raise ConfigError("store", f"{p!r} is not an SQLite file; refusing to touch it")
                self._check_schema(p)
            if for_write and not os.access(p, os.W_OK):
                raise ConfigError("store", f"{p!r} is not writable")
        elif for_write:
            parent = os.path.dirname(os.path.abspath(p))
            probe = parent
            while not os.path.exists(probe):
                probe = os.path.dirname(probe)
            if not os.path.isdir(probe) or not os.access(probe, os.W_OK):
                raise ConfigError("store", f"cannot create {p!r}: {probe!r} is not a writable directory")

    @staticmethod
    def _check_schema(path: str) -> None:
        try:
            con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
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
        if meta.get("schema") not in (None, SCHEMA_NAME) or (meta.get("schema") is None and tuple(cols) != COLUMNS):
            raise ConfigError(
                "store",
                f"{path!r} is not a theorycheck store (tables: {', '.join(sorted(tables))}); refusing to modify it",
            )
        if meta.get("version") and int(meta["version"]) > SCHEMA_VERSION:
            raise ConfigError(
                "store", f"{path!r} has store schema {meta['version']}, newer than this theorycheck ({SCHEMA_VERSION})"
            )

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            self.validate(for_write=True)
            if self.path != ":memory:":
                os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
            con = sqlite3.connect(self.path, timeout=60.0)
            if self.path != ":memory:":
                con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA busy_timeout=60000")
            with con:
                con.executescript(SCHEMA)
                # schema 1 (no meta table, same columns) is migrated by stamping it
                con.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_NAME,))
                con.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (str(SCHEMA_VERSION),))
            self._conn = con
        return self._conn

    def exists(self) -> bool:
        return self.path == ":memory:" or (os.path.exists(self.path) and os.path.getsize(self.path) > 0)

    def _readable(self) -> bool:
        return self._conn is not None or self.exists()

    # ---- queries --------------------------------------------------------------------------------
    def get(self, cfg: Config) -> RunResult | None:
        return self.get_many([cfg]).get(cfg)

    def get_many(self, cfgs: Iterable[Config]) -> dict[Config, RunResult]:
        """Stored results for the configs that have one (never creates a file just to read it)."""
        cfgs = list(dict.fromkeys(cfgs))
        if not cfgs or not self._readable():
            return {}
        keys = {config_key(c): c for c in cfgs}
        out: dict[Config, RunResult] = {}
        q = "SELECT key, status, status_step, detail, final, trajectory FROM runs WHERE key IN ({})"
        ks = list(keys)
        for i in range(0, len(ks), 500):
            chunk = ks[i : i + 500]
            for k, status, step, detail, final, traj in self.conn.execute(q.format(",".join("?" * len(chunk))), chunk):
                c = keys[k]
                out[c] = RunResult(c, status, step, detail or "", _unpack(traj), _read_final(final))
        return out

    def put_many(self, results: list[RunResult], wall_s: float = 0.0) -> None:
        """Write one batch's results in one transaction (all rows or none)."""
        version, commit, now = code_version(), git_commit(), time.time()
        share = wall_s / max(1, len(results))
        rows = [
            (
                config_key(r.config),
                json.dumps(key_dict(r.config), sort_keys=True),
                r.config.seed,
                version,
                commit,
                r.status,
                r.status_step,
                r.detail,
                _json_final(r.final),
                _pack(r.trajectory),
                share,
                now,
            )
            for r in results
        ]
        with self.conn:
            self.conn.executemany(f"INSERT OR REPLACE INTO runs VALUES ({','.join('?' * len(COLUMNS))})", rows)

    def count(self) -> int:
        if not self._readable():
            return 0
        return self.conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]

    def records(self, cfgs: Iterable[Config] | None = None) -> list[Record]:
        """Stored runs (all, or those of `cfgs`) without their trajectories."""
        if not self._readable():
            return []
        sql = "SELECT key, config, seed, code_version, git_commit, status, final, wall_s, created FROM runs"
        if cfgs is None:
            rows = self.conn.execute(sql).fetchall()
        else:
            ks, rows = list({config_key(c) for c in cfgs}), []
            for i in range(0, len(ks), 500):
                chunk = ks[i : i + 500]
                rows += self.conn.execute(sql + f" WHERE key IN ({','.join('?' * len(chunk))})", chunk).fetchall()
        return [Record(k, json.loads(c), s, v, g, st, _read_final(f), w, cr) for k, c, s, v, g, st, f, w, cr in rows]

    def wall_times(self, cfgs: Iterable[Config]) -> dict[str, float]:
        """Compute seconds attributed to each stored run of `cfgs`, by key."""
        return {r.key: r.wall_s or 0.0 for r in self.records(cfgs)}

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
