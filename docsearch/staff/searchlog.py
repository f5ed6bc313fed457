"""What visitors search for, without anything personal.

One row per search in ``instance/searches.sqlite3``: the day, the query as
typed (``typed``) and normalised (``q``: lower case but for the operators
AND, OR, NOT… that change its meaning, single spaces), the filters it was
made with (``filters``: ``secteur=iae&annee=2010``, the parameters of the
results page) and the number of documents found. E-mail addresses and
phone numbers are masked in both forms. No address, no time of day, no
session. Every worker process of the server writes to the same database, so
no search is lost; days older than ``KEEP_DAYS`` are dropped. ``report``
gives, over a period, the most frequent searches, those that found nothing
and those that found few documents, each as typed with its filters.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from docsearch.staff.shared import SharedDatabase

MAX_QUERY = 200
# A year and a day: the centre's activity report covers a year.
KEEP_DAYS = 366
# "Few results": a search that found at most this many documents.
FEW_RESULTS = 3
# Operators of the query grammar: their case is their meaning ("et" is a word, "ET" joins).
_OPERATORS = re.compile(r"AND|OR|NOT|ET|OU|NON|SAUF")
MAX_BYTES = 20 * 1024 * 1024  # past this, searches are no longer logged
# Contact details a visitor may type are never kept.
_CONTACT = re.compile(r"\S+@\S+|(?:\+|\b0)\d(?:[\s.-]?\d{2}){4}\b")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS searches (day TEXT NOT NULL, q TEXT NOT NULL, n INTEGER NOT NULL,
                                     typed TEXT NOT NULL DEFAULT '', filters TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS searches_by_day ON searches (day);
CREATE TABLE IF NOT EXISTS imported (name TEXT PRIMARY KEY)
"""
# The log of earlier versions, one JSON line per search: read once into the database.
_OLD_LOG = "searches.jsonl"


@dataclass(frozen=True)
class QueryCount:
    query: str  # as typed (its first spelling in the period)
    count: int  # searches in the period
    filters: tuple[tuple[str, str], ...] = ()  # the results page's filter parameters, as sent
    results: int = 0  # documents found, the last time


@dataclass(frozen=True)
class SearchReport:
    days: int
    searches: int
    frequent: list[QueryCount]
    no_result: list[QueryCount]
    few_results: list[QueryCount]
    start: dt.date
    end: dt.date
    every: list[QueryCount]  # every search of the period, most frequent first (the CSV)


def mask_query(query: str) -> str:
    """The query as it is grouped: lower case but for the operators typed in
    capitals, single spaces, no contact details."""
    folded = re.sub(r"[^\s()]+", lambda m: m.group(0) if _OPERATORS.fullmatch(m.group(0)) else m.group(0).lower(),
                    " ".join(query.replace("\x00", "").split()))
    return _CONTACT.sub("[coordonnées]", folded)[:MAX_QUERY]


def typed_query(query: str) -> str:
    """The query as it is shown: as typed, without contact details."""
    return _CONTACT.sub("[coordonnées]", query.strip().replace("\x00", ""))[:MAX_QUERY]


def encode_filters(filters: Sequence[tuple[str, str]]) -> str:
    return urlencode([(k, v[:MAX_QUERY]) for k, v in filters][:20])


class SearchLog:
    def __init__(self, instance: Path, today: Callable[[], dt.date] = dt.date.today) -> None:
        self.instance, self.today = instance, today
        self.db = SharedDatabase(instance / "searches.sqlite3", _SCHEMA)
        self._pruned_on = ""  # the day this process last dropped old rows

    def record(self, query: str, total: int, filters: Sequence[tuple[str, str]] = ()) -> None:
        typed, kept = typed_query(query), encode_filters(filters)
        query = mask_query(query)
        if not query and not kept:
            return
        with self._writing() as db:
            (used,) = db.execute("SELECT (page_count - freelist_count) * page_size "
                                 "FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()").fetchone()
            if used <= MAX_BYTES:
                db.execute("INSERT INTO searches (day, q, n, typed, filters) VALUES (?, ?, ?, ?, ?)",
                           (self.today().isoformat(), query, total, typed, kept))

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; the first of the day in this process also drops
        the days past ``KEEP_DAYS`` (and brings in an older version's log)."""
        today = self.today().isoformat()
        imported = False
        with self.db.transaction() as db:
            if self._pruned_on != today:
                _add_columns(db)
                imported = self._import_old_log(db)
                since = (self.today() - dt.timedelta(days=KEEP_DAYS)).isoformat()
                db.execute("DELETE FROM searches WHERE day < ?", (since,))
                self._pruned_on = today
            yield db
        if imported:  # only once its lines are safely in the database
            (self.instance / _OLD_LOG).unlink(missing_ok=True)

    def report(self, days: int = 30, top: int = 30, start: dt.date | None = None,
               end: dt.date | None = None) -> SearchReport:
        """The searches from ``start`` to ``end`` (both included), by default
        the last ``days`` days; the same query with other filters counts apart."""
        if self._pruned_on != self.today().isoformat():
            with self._writing():
                pass
        end = end or self.today()
        start = start or end - dt.timedelta(days=days - 1)
        with self.db.reading() as db:
            rows = db.execute("SELECT q, filters, typed, n FROM searches WHERE day >= ? AND day <= ? ORDER BY rowid",
                              (start.isoformat(), end.isoformat())).fetchall()
        typed_as: dict[tuple[str, str], str] = {}  # (q, filters) → its first spelling
        counts: dict[tuple[str, str], int] = {}
        found: dict[tuple[str, str], int] = {}  # → documents found the last time
        for q, filters, typed, n in rows:
            typed_as.setdefault((q, filters), typed or q)
            counts[(q, filters)] = counts.get((q, filters), 0) + 1
            found[(q, filters)] = n
        # Most frequent first; ties keep the order in which queries were first seen (sorted is stable).
        every = sorted((QueryCount(typed_as[key], counts[key], tuple(parse_qsl(key[1])), found[key]) for key in counts),
                       key=lambda c: -c.count)
        return SearchReport(
            days=(end - start).days + 1, searches=len(rows), frequent=every[:top],
            no_result=[c for c in every if c.results == 0][:top],
            few_results=[c for c in every if 0 < c.results <= FEW_RESULTS][:top],
            start=start, end=end, every=every,
        )

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
                rows.append((str(entry["day"]), mask_query(str(entry["q"])), int(entry.get("n") or 0),
                             typed_query(str(entry["q"]))))
            except (ValueError, KeyError, TypeError, AttributeError):
                continue  # a line cut by a crash
        db.executemany("INSERT INTO searches (day, q, n, typed) VALUES (?, ?, ?, ?)", rows)
        db.execute("INSERT INTO imported (name) VALUES (?)", (_OLD_LOG,))
        return True


def _add_columns(db: sqlite3.Connection) -> None:
    """The columns of the query as typed and of its filters, added to the
    database of an earlier version (its rows keep only the normalised query)."""
    present = {row[1] for row in db.execute("PRAGMA table_info(searches)")}
    for column in ("typed", "filters"):
        if column not in present:
            db.execute(f"ALTER TABLE searches ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")
