"""The journal of the catalogue: who changed what, and when, in the instance folder.

Every change staff make — an upload, a publication, a metadata edit (each
field's previous and new value), a bulk edit, a withdrawal, a restore, a
replacement, an OCR rerun, a vocabulary change — is one row of
``instance/journal.sqlite3``, written by ``Journal.record``::

    journal.record("marie", "edit", "culture/2019/festival.html", title="Festival",
                   changes={"year": (None, 2019), "sectors": (["iae"], ["culture"])})

The corpus (files and sidecars) stays the source of truth: the journal
explains how it got there. It is **append-only**: this module only INSERTs
and SELECTs, and triggers in the database refuse any UPDATE or DELETE of a
row (``tests/test_journal.py`` tries both), so a mistake is corrected by a
new entry — ``revert`` — never by rewriting an old one.

Values are kept as JSON (text, numbers, lists, null) under the field names
of ``StaffMetadata``; ``field_changes`` computes them between two
``StaffMetadata`` for every field the record has (a field added later is
journaled without anything to change here).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from docsearch.catalogue.staff import StaffMetadata
from docsearch.staff.shared import SharedDatabase

# Action code → its French label (the journal's filter and its rows).
ACTIONS = {
    "upload": "Dépôt d'un fichier",
    "propose": "Proposition à la publication",
    "publish": "Publication",
    "edit": "Modification de la notice",
    "bulk-edit": "Modification groupée",
    "import": "Import d'un fichier CSV",
    "withdraw": "Retrait",
    "restore": "Restauration",
    "discard": "Abandon d'un dépôt",
    "replace": "Remplacement du fichier",
    "ocr": "Nouvelle reconnaissance du texte",
    "vocabulary": "Changement de vocabulaire",
    "revert": "Annulation d'une modification",
    "role": "Changement de rôle",
}
# Actions whose changes one click can revert (the metadata of one document).
REVERTIBLE = frozenset({"edit", "bulk-edit", "import", "revert"})
# Field → French label; a field missing here shows under its own name.
FIELD_LABELS = {
    "title": "Titre", "sectors": "Secteurs", "year": "Année", "doctype": "Type de document", "summary": "Résumé",
    "organisation": "Organisation", "territory": "Territoire", "url": "Adresse", "language": "Langue",
    "keywords": "Mots-clés", "role": "Rôle", "file": "Fichier",
    # A vocabulary change ("vocabulary"): the entry's fields, and the synonyms' groups.
    "code": "Code", "label": "Libellé", "synonyms": "Synonymes", "groups": "Groupes de synonymes",
    "terms": "Termes du thésaurus",
}
# StaffMetadata's bookkeeping, not a value of the notice.
_NOT_VALUES = frozenset({"cleared"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    relpath TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    changes TEXT NOT NULL DEFAULT '{}',
    note TEXT NOT NULL DEFAULT '',
    reverts INTEGER
);
CREATE INDEX IF NOT EXISTS journal_by_relpath ON journal (relpath, id);
CREATE INDEX IF NOT EXISTS journal_by_at ON journal (at);
CREATE TRIGGER IF NOT EXISTS journal_no_update BEFORE UPDATE ON journal
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TRIGGER IF NOT EXISTS journal_no_delete BEFORE DELETE ON journal
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END
"""

Changes = Mapping[str, tuple[Any, Any]]


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any  # JSON values: text, number, list of texts, or None
    new: Any

    @property
    def label(self) -> str:
        return FIELD_LABELS.get(self.field, self.field)


@dataclass(frozen=True)
class Entry:
    id: int
    at: str  # ISO date and time, to the second (local time of the server)
    who: str
    action: str
    relpath: str
    title: str
    changes: tuple[FieldChange, ...]
    note: str
    reverts: int | None  # the entry a "revert" undid

    @property
    def action_label(self) -> str:
        return ACTIONS.get(self.action, self.action)

    @property
    def revertible(self) -> bool:
        return self.action in REVERTIBLE and bool(self.changes)


@dataclass(frozen=True)
class JournalQuery:
    """A filter of the journal; empty fields do not filter."""

    who: str = ""
    action: str = ""
    document: str = ""  # a part of the path or of the title
    relpath: str = ""  # exactly this document
    since: str = ""  # ISO date, included
    until: str = ""  # ISO date, included


class Journal:
    def __init__(self, instance: Path, clock: Callable[[], dt.datetime] = dt.datetime.now) -> None:
        self.clock = clock
        self.db = SharedDatabase(instance / "journal.sqlite3", _SCHEMA)

    def record(self, who: str, action: str, relpath: str, changes: Changes | None = None, *,
               title: str = "", note: str = "", reverts: int | None = None) -> int:
        """Append one entry; its id. ``changes``: field → (old value, new value)."""
        if action not in ACTIONS:
            raise ValueError(f"unknown journal action {action!r}")
        values = {name: [_plain(old), _plain(new)] for name, (old, new) in (changes or {}).items()}
        with self.db.transaction() as db:
            cursor = db.execute(
                "INSERT INTO journal (at, who, action, relpath, title, changes, note, reverts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (self.clock().isoformat(timespec="seconds"), who, action, relpath, title[:300],
                 json.dumps(values, ensure_ascii=False), note[:500], reverts))
            return int(cursor.lastrowid or 0)

    def entries(self, query: JournalQuery = JournalQuery(), limit: int = 50, offset: int = 0) -> tuple[list[Entry], int]:
        """The entries matching ``query``, newest first, and how many match in all."""
        where, params = _where(query)
        with self.db.reading() as db:
            (total,) = db.execute(f"SELECT count(*) FROM journal {where}", params).fetchone()
            rows = db.execute(f"SELECT {_COLUMNS} FROM journal {where} ORDER BY id DESC LIMIT ? OFFSET ?",
                              [*params, limit, offset]).fetchall()
        return [_entry(row) for row in rows], int(total)

    def entry(self, entry_id: int) -> Entry | None:
        with self.db.reading() as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM journal WHERE id = ?", (entry_id,)).fetchone()
        return _entry(row) if row else None

    def people(self) -> list[str]:
        """Everyone who has an entry (the journal's filter by person)."""
        with self.db.reading() as db:
            return [who for (who,) in db.execute("SELECT DISTINCT who FROM journal ORDER BY who")]


def field_changes(old: StaffMetadata, new: StaffMetadata) -> dict[str, tuple[Any, Any]]:
    """Field → (old, new) for every value of the record that differs (sectors
    compared as sets: their order is not a change)."""
    changes: dict[str, tuple[Any, Any]] = {}
    for item in fields(StaffMetadata):
        if item.name in _NOT_VALUES:
            continue
        before, after = getattr(old, item.name), getattr(new, item.name)
        if _same(before, after):
            continue
        changes[item.name] = (before, after)
    return changes


def _same(before: Any, after: Any) -> bool:
    if isinstance(before, (tuple, list)) and isinstance(after, (tuple, list)):
        return sorted(map(str, before)) == sorted(map(str, after))
    return (before or None) == (after or None)  # "" and None are both "no value"


def _plain(value: Any) -> Any:
    if isinstance(value, (tuple, list, set, frozenset)):
        return [str(v) for v in value]
    if value is None or isinstance(value, (int, float, str, bool)):
        return value
    return str(value)


_COLUMNS = "id, at, who, action, relpath, title, changes, note, reverts"


def _entry(row: tuple[Any, ...]) -> Entry:
    entry_id, at, who, action, relpath, title, changes, note, reverts = row
    parsed = json.loads(changes or "{}")
    return Entry(int(entry_id), at, who, action, relpath, title,
                 tuple(FieldChange(name, old, new) for name, (old, new) in parsed.items()), note, reverts)


def _where(query: JournalQuery) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if query.who:
        clauses.append("who = ?")
        params.append(query.who)
    if query.action:
        clauses.append("action = ?")
        params.append(query.action)
    if query.relpath:
        clauses.append("relpath = ?")
        params.append(query.relpath)
    if query.document:
        clauses.append("(instr(lower(relpath), ?) > 0 OR instr(lower(title), ?) > 0)")
        params += [query.document.lower()] * 2
    if query.since:
        clauses.append("at >= ?")
        params.append(query.since)
    if query.until:
        clauses.append("at < ?")
        params.append(_next_day(query.until))
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


def _next_day(day: str) -> str:
    try:
        return (dt.date.fromisoformat(day[:10]) + dt.timedelta(days=1)).isoformat()
    except ValueError:
        return day
