"""What visitors search for, without anything personal.

One row per search in ``instance/searches.sqlite3``: the day, the query
(normalised: lower case, single spaces, e-mail addresses and phone numbers
masked) and the number of documents found. No address, no time of day, no
session. Every worker process of the server writes to the same database, so
no search is lost; days older than ``KEEP_DAYS`` are dropped. ``report``
gives the most frequent queries and the queries that found nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from docsearch.staff.shared import SharedDatabase

MAX_QUERY = 200
KEEP_DAYS = 30
MAX_BYTES = 20 * 1024 * 1024  # past this, searches are no longer logged
# Contact details a visitor may type are never kept.
_CONTACT = re.compile(r"\S+@\S+|(?:\+|\b0)\d(?:[\s.-]?\d{2}){4}\b")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS searches (day TEXT NOT NULL, q TEXT NOT NULL, n INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS searches_by_day ON searches (day);
CREATE TABLE IF NOT EXISTS imported (name TEXT PRIMARY KEY)
"""
# The log of earlier versions, one JSON line per search: read once into the database.
_OLD_LOG = "searches.jsonl"


@dataclass(frozen=True)
class QueryCount:
    query: str
    count: int


@dataclass(frozen=True)
class SearchReport:
    days: int
    searches: int
    frequent: list[QueryCount]
    no_result: list[QueryCount]


def mask_query(query: str) -> str:
    """The query as it is kept: lower case, single spaces, no contact details."""
    return _CONTACT.sub("[coordonnées]", " ".join(query.lower().split()))[:MAX_QUERY]


class SearchLog:
    def __init__(self, instance: Path, today: Callable[[], dt.date] = dt.date.today) -> None:
        self.instance, self.today = instance, today
        self.db = SharedDatabase(instance / "searches.sqlite3", _SCHEMA)
        self._pruned_on = ""  # the day this process last dropped old rows

    def record(self, query: str, total: int) -> None:
        query = mask_query(query)
        if not query:
            return
        with self._writing() as db:
            (used,) = db.execute("SELECT (page_count - freelist_count) * page_size "
                                 "FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()").fetchone()
            if used <= MAX_BYTES:
                db.execute("INSERT INTO searches (day, q, n) VALUES (?, ?, ?)", (self.today().isoformat(), query, total))

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; the first of the day in this process also drops
        the days past ``KEEP_DAYS`` (and brings in an older version's log)."""
        today = self.today().isoformat()
        imported = False
        with self.db.transaction() as db:
            if self._pruned_on != today:
                imported = self._import_old_log(db)
                since = (self.today() - dt.timedelta(days=KEEP_DAYS)).isoformat()
                db.execute("DELETE FROM searches WHERE day < ?", (since,))
                self._pruned_on = today
            yield db
        if imported:  # only once its lines are safely in the database
            (self.instance / _OLD_LOG).unlink(missing_ok=True)

    def report(self, days: int = KEEP_DAYS, top: int = 30) -> SearchReport:
        if self._pruned_on != self.today().isoformat():
            with self._writing():
                pass
        since = (self.today() - dt.timedelta(days=days)).isoformat()
        # Ties keep the order in which queries were first seen.
        counted = ("SELECT q, count(*) FROM searches WHERE day >= ? {} GROUP BY q "
                   "ORDER BY count(*) DESC, min(rowid) LIMIT ?")
        with self.db.reading() as db:
            (searches,) = db.execute("SELECT count(*) FROM searches WHERE day >= ?", (since,)).fetchone()
            frequent = db.execute(counted.format(""), (since, top)).fetchall()
            empty = db.execute(counted.format("AND n = 0"), (since, top)).fetchall()
        return SearchReport(days, searches, [QueryCount(q, n) for q, n in frequent],
                            [QueryCount(q, n) for q, n in empty])

    def _import_old_log(self, db: sqlite3.Connection) -> bool:
        """Copy the searches of an older version's JSON-lines log into the
        database, once: the import is recorded in the same transaction, so two
        processes never import it twice. Whether it was imported now."""
        old = self.instance / _OLD_LOG
        if db.execute("SELECT 1 FROM imported WHERE name = ?", (_OLD_LOG,)).fetchone() or not old.is_file():
            return False
        rows = []
        for line in old.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                entry = json.loads(line)
                rows.append((str(entry["day"]), mask_query(str(entry["q"])), int(entry.get("n") or 0)))
            except (ValueError, KeyError, TypeError, AttributeError):
                continue  # a line cut by a crash
        db.executemany("INSERT INTO searches (day, q, n) VALUES (?, ?, ?)", rows)
        db.execute("INSERT INTO imported (name) VALUES (?)", (_OLD_LOG,))
        return True
