"""Embedded SQLite results store.

One row per run, keyed by sha256(config, code version): an identical request
finds its row and computes nothing, and a sweep that was interrupted resumes
from the rows already written (each batch is committed as it finishes).
Trajectories are stored as compressed .npz blobs.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import time

import numpy as np

from simulations import Config, RunResult

from .version import code_version, git_commit

DEFAULT_PATH = os.environ.get("THEORYCHECK_STORE", "results/theorycheck.sqlite")

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
)
"""


def config_key(cfg: Config, version: str | None = None) -> str:
    blob = json.dumps({"config": cfg.to_dict(), "code": version or code_version()}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def _pack(traj: dict) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(buf, **traj)
    return buf.getvalue()


def _unpack(blob: bytes) -> dict:
    with np.load(io.BytesIO(blob)) as z:
        return {k: z[k] for k in z.files}


class Store:
    """SQLite store at `path` (created on first write). Use ':memory:' for a throwaway store."""

    def __init__(self, path: str = DEFAULT_PATH):
        self.path = path
        self._conn = None

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            if self.path != ":memory:":
                os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
            self._conn = sqlite3.connect(self.path)
            self._conn.execute(SCHEMA)
        return self._conn

    def exists(self) -> bool:
        return self.path == ":memory:" or os.path.exists(self.path)

    def get(self, cfg: Config) -> RunResult | None:
        if self._conn is None and not self.exists():
            return None  # never create a file just to read it
        row = self.conn.execute(
            "SELECT config, status, status_step, detail, final, trajectory FROM runs WHERE key=?", (config_key(cfg),)
        ).fetchone()
        if row is None:
            return None
        return RunResult(
            Config(**json.loads(row[0])), row[1], row[2], row[3] or "", _unpack(row[5]), json.loads(row[4])
        )

    def put_many(self, results: list[RunResult], wall_s: float = 0.0) -> None:
        rows = [
            (
                config_key(r.config),
                json.dumps(r.config.to_dict(), sort_keys=True),
                r.config.seed,
                code_version(),
                git_commit(),
                r.status,
                r.status_step,
                r.detail,
                json.dumps(r.final),
                _pack(r.trajectory),
                wall_s / max(1, len(results)),
                time.time(),
            )
            for r in results
        ]
        with self.conn:  # one transaction per batch: all rows or none
            self.conn.executemany("INSERT OR REPLACE INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)

    def count(self) -> int:
        if self._conn is None and not self.exists():
            return 0
        return self.conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]

    def rows(self):
        """(key, config dict, seed, code_version, git_commit, status, final dict, wall_s) for every run."""
        if self._conn is None and not self.exists():
            return []
        cur = self.conn.execute("SELECT key, config, seed, code_version, git_commit, status, final, wall_s FROM runs")
        return [(k, json.loads(c), s, v, g, st, json.loads(f), w) for k, c, s, v, g, st, f, w in cur]

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None
