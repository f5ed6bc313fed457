"""Result pages shared by the server's worker processes, in SQLite.

``docsearch serve --workers N`` runs N processes, each with its own result
cache (``SearchService``'s, in memory): under a Zipf draw of 2,000 queries
every process computed the same popular pages again, N times. This second
level, one SQLite file in the instance folder, lets a page computed by one
worker answer the others.

A page is keyed by the index generation it was computed from and by the
checked request (a frozen dataclass of strings, tuples and numbers: its
``repr`` is the same in every process). Lookups use the generation being
served, so a page of an older generation is never answered again; the rows
of older generations are deleted the first time a process sees a new one,
and the table is kept under ``LIMIT`` rows (the least recently used go).

The pages are pickled ``SearchResult`` records: the instance folder is the
server's own (it holds the session secret too), never written by visitors.
Any SQLite failure (a locked or full disk) is logged and the search runs as
if there were no shared cache: it only saves work.
"""

from __future__ import annotations

import logging
import os
import pickle
import sqlite3
import threading
import time
from collections.abc import Hashable
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

FILE_NAME = "result-pages.sqlite"
LIMIT = 5000  # rows (about 10–40 KB each: 50–200 MB at most)
TRIM_EVERY = 200  # writes of one process between two trims of the table
BUSY_MS = 2000  # a page is worth less than a long wait for another worker's write

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    generation TEXT NOT NULL,
    request TEXT NOT NULL,
    result BLOB NOT NULL,
    used REAL NOT NULL,
    PRIMARY KEY (generation, request)
) WITHOUT ROWID;
"""


class SharedResults:
    """One SQLite file; one connection per thread of each process (a
    connection never crosses a fork nor a thread)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._lock = threading.Lock()
        self._generation = ""  # the newest generation this process has seen
        self._writes = 0

    @classmethod
    def in_instance(cls, instance_dir: Path) -> SharedResults:
        return cls(instance_dir / FILE_NAME)

    def clear(self) -> None:
        """Forget every page: ``serve`` does it before starting its workers,
        since the pages of another version of docsearch (records of another
        shape) would be read back as records of this one. Meant for a process
        that has not searched yet (another thread's connection would still
        read the removed file)."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None
        for suffix in ("", "-wal", "-shm"):
            try:
                self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
            except OSError as exc:
                logger.warning("shared result cache not cleared: %s", exc)

    def get(self, generation: Hashable, request: Hashable) -> Any | None:
        try:
            db = self._connect()
            row = db.execute("SELECT result FROM pages WHERE generation = ? AND request = ?",
                             (repr(generation), repr(request))).fetchone()
            if row is None:
                return None
            return pickle.loads(row[0])
        except (sqlite3.Error, OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError) as exc:
            logger.warning("shared result cache not read: %s", exc)
            return None

    def put(self, generation: Hashable, request: Hashable, result: object) -> None:
        key = repr(generation)
        with self._lock:
            new_generation = key != self._generation
            self._generation = key
            self._writes += 1
            trim = self._writes % TRIM_EVERY == 0
        try:
            db = self._connect()
            with db:
                if new_generation:
                    db.execute("DELETE FROM pages WHERE generation != ?", (key,))
                db.execute("INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?)",
                           (key, repr(request), pickle.dumps(result, pickle.HIGHEST_PROTOCOL), time.time()))
                if trim:
                    db.execute("DELETE FROM pages WHERE (generation, request) IN (SELECT generation, request FROM pages"
                               " ORDER BY used DESC LIMIT -1 OFFSET ?)", (LIMIT,))
        except (sqlite3.Error, OSError, pickle.PicklingError) as exc:
            logger.warning("shared result cache not written: %s", exc)

    def _connect(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None and getattr(self._local, "pid", 0) == os.getpid():
            return db
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=BUSY_MS / 1000, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")  # a cache: losing the last pages in a power cut is nothing
        db.executescript(_SCHEMA)
        db.isolation_level = "DEFERRED"  # `with db:` opens and commits a transaction
        self._local.db, self._local.pid = db, os.getpid()
        return db
