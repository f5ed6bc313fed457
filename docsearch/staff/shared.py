"""State the server's worker processes share: small SQLite databases in the instance folder.

``docsearch serve --workers N`` runs N processes; whatever must hold across
them (the sign-in throttle, the search log) lives in SQLite rather than in
memory. Each database is in WAL mode (readers never wait for the writer),
waits for a lock instead of failing (``busy_timeout``), and every change is
one short ``BEGIN IMMEDIATE`` transaction, so two processes never interleave
a read and the write that depends on it.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# How long a process waits for another one's transaction (they last
# milliseconds; this only matters on a stalled disk).
BUSY_MS = 10_000


class SharedDatabase:
    """One SQLite file, opened lazily once per process (a connection never
    crosses a fork), used by one thread at a time within the process."""

    def __init__(self, path: Path, schema: str) -> None:
        self.path, self.schema = path, schema
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._pid = 0

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: taken at once (``BEGIN IMMEDIATE``), committed
        when the block ends, rolled back if it raises."""
        with self._lock:
            connection = self._connect()
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.rollback()
                raise
            connection.commit()

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A read: one consistent snapshot, never blocked by a writer (WAL)."""
        with self._lock:
            connection = self._connect()
            connection.execute("BEGIN")
            try:
                yield connection
            finally:
                connection.rollback()

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _connect(self) -> sqlite3.Connection:
        if self._connection is not None and self._pid == os.getpid():
            return self._connection
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Visitors' searches, staff names: not for the machine's other users. Made
        # private before SQLite opens it, since its -wal and -shm files copy its mode.
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        # isolation_level=None: transactions are the explicit BEGIN above, nothing implicit.
        connection = sqlite3.connect(self.path, timeout=BUSY_MS / 1000, isolation_level=None, check_same_thread=False)
        connection.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
        connection.execute("PRAGMA journal_mode = WAL")
        # In WAL mode a commit survives a crash of the process either way; NORMAL
        # only risks the last transactions on a power cut, for no fsync per search.
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("BEGIN IMMEDIATE")
        for statement in _statements(self.schema):
            connection.execute(statement)
        connection.commit()
        self._connection, self._pid = connection, os.getpid()
        return connection


def _statements(schema: str) -> list[str]:
    # executescript() would commit first and run outside the transaction. A
    # ";" ends a statement only where SQLite says it is complete (not inside
    # a trigger's BEGIN … END, nor in a quoted string).
    statements, current = [], ""
    for part in schema.split(";"):
        current += part + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \n\t;"):
                statements.append(current.strip())
            current = ""
    return statements
