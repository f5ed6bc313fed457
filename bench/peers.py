"""In-process query peers of docsearch: tantivy and SQLite FTS5, on the same
extracted text, asked for what docsearch answers.

Each peer indexes the text docsearch extracted (read back from docsearch's own
index through the backend seam: the same pages, titles, sectors, years and
types, so extraction and metadata take no part in the comparison) and answers
a query with what ``SearchService.search`` gives a visitor: the total, the top
10 with a snippet of marked words, and the counts of sector, year and type
over *all* matches. Words are OR'ed, like docsearch's parser (``OrGroup``),
in the title and the text.

French analysis, as far as each allows:

- tantivy (PyPI ``tantivy``): its simple tokenizer, lower case, its French
  stop words, ASCII folding, then its French Snowball stemmer
  (``Filter.stemmer("french")``) — close to docsearch's (fold, stop words,
  Snowball);
- SQLite FTS5 (standard library): ``unicode61 remove_diacritics 2`` (lower
  case, accents folded), **no stemmer** (FTS5 has only an English one,
  ``porter``), no stop words: "coopératives" does not find "coopérative".

What neither is asked for: the page numbers of the words (docsearch indexes
each page apart to give them; the peers index one row per document), the
spelling corrections and the phrase boosts of docsearch's ranking.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class PeerDocument:
    """One document as docsearch indexed it."""

    id: str
    title: str
    text: str
    sectors: tuple[str, ...]
    year: int | None
    doctype: str


@dataclass
class PeerHit:
    id: str
    title: str
    snippet: str


@dataclass
class PeerResult:
    total: int
    hits: list[PeerHit] = field(default_factory=list)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)  # facet → value → count


class Peer(Protocol):
    name: str
    analysis: str

    def build(self, documents: list[PeerDocument]) -> None: ...

    def search(self, query: str) -> PeerResult: ...

    def index_bytes(self) -> int: ...

    def close(self) -> None: ...


def extracted_documents(corpus: Path, index: Path, instance: Path) -> list[PeerDocument]:
    """The documents of a docsearch index, with the text of all their pages."""
    from docsearch.config import Settings
    from docsearch.search.service import SearchService

    service = SearchService(Settings(corpus_dir=corpus, index_dir=index, instance_dir=instance))
    try:
        backend = service.backend
        documents = []
        for stored in backend.documents():
            pages = [backend.page_text(stored.id, n) for n in range(1, max(stored.page_count, 1) + 1)]
            documents.append(PeerDocument(stored.id, stored.title, "\n\f".join(pages), tuple(stored.sectors),
                                          stored.year, stored.doctype))
        return documents
    finally:
        service.close()


def _words(query: str) -> list[str]:
    return [w for w in re.split(r"[\s'’]+", query) if w]


# tantivy ----------------------------------------------------------------------


class TantivyPeer:
    name = "tantivy"
    analysis = "simple tokenizer, lower case, French stop words, ASCII folding, French Snowball stemmer"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._index: object = None
        self._searcher: object = None

    def build(self, documents: list[PeerDocument]) -> None:
        import tantivy

        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        builder.add_text_field("title", stored=True, tokenizer_name="fr")
        builder.add_text_field("text", stored=True, tokenizer_name="fr")
        builder.add_text_field("sector", fast=True, tokenizer_name="raw")  # multi-valued
        builder.add_integer_field("year", fast=True, indexed=True)
        builder.add_text_field("type", fast=True, tokenizer_name="raw")
        schema = builder.build()
        index = tantivy.Index(schema, path=str(self.folder))
        index.register_tokenizer("fr", _french_analyzer())
        writer = index.writer(heap_size=200_000_000, num_threads=1)
        for doc in documents:
            fields: dict[str, object] = {"id": doc.id, "title": doc.title, "text": doc.text,
                                         "sector": list(doc.sectors), "type": doc.doctype}
            if doc.year is not None:
                fields["year"] = doc.year
            writer.add_document(tantivy.Document(**fields))
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        self._index, self._schema = index, schema
        self._searcher = index.searcher()

    def search(self, query: str) -> PeerResult:
        import tantivy

        index, searcher = self._index, self._searcher
        assert isinstance(index, tantivy.Index) and isinstance(searcher, tantivy.Searcher)
        # Each word quoted: "Saint-Lô" is a word, not "Saint" without "Lô".
        text = " ".join('"' + w.replace('"', "") + '"' for w in _words(query))
        parsed = index.parse_query(text, ["title", "text"], field_boosts={"title": 0.2, "text": 1.0})
        found = searcher.search(parsed, 10, count=True)
        generator = tantivy.SnippetGenerator.create(searcher, parsed, self._schema, "text")
        generator.set_max_num_chars(200)
        hits = []
        for _score, address in found.hits:
            doc = searcher.doc(address)
            hits.append(PeerHit(doc["id"][0], doc["title"][0], generator.snippet_from_doc(doc).to_html()))
        aggregations = searcher.aggregate(parsed, {
            "sector": {"terms": {"field": "sector", "size": 1000}},
            "type": {"terms": {"field": "type", "size": 1000}},
            "year": {"terms": {"field": "year", "size": 1000}},
        })
        facets = {name: {str(b["key"]): int(b["doc_count"]) for b in aggregations[name]["buckets"]}
                  for name in ("sector", "type", "year")}
        return PeerResult(found.count or 0, hits, facets)

    def index_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.folder.rglob("*") if p.is_file())

    def close(self) -> None:
        self._index = self._searcher = None


def _french_analyzer() -> object:
    import tantivy

    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(40))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.stopword("french"))
            .filter(tantivy.Filter.ascii_fold())
            .filter(tantivy.Filter.stemmer("french"))
            .build())


# SQLite FTS5 ------------------------------------------------------------------


class Fts5Peer:
    name = "FTS5"
    analysis = "unicode61 remove_diacritics 2 (lower case, accents folded); no stemmer, no stop words"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    def build(self, documents: list[PeerDocument]) -> None:
        self.close()
        self.path.unlink(missing_ok=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, isolation_level=None)
        db.executescript("""
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            CREATE VIRTUAL TABLE fts USING fts5(title, text, tokenize = 'unicode61 remove_diacritics 2');
            CREATE TABLE docs (rowid INTEGER PRIMARY KEY, id TEXT, year INTEGER, type TEXT);
            CREATE TABLE sectors (rowid INTEGER, sector TEXT);
            CREATE INDEX sectors_rowid ON sectors (rowid);
        """)
        db.execute("BEGIN")
        for rowid, doc in enumerate(documents, 1):
            db.execute("INSERT INTO fts (rowid, title, text) VALUES (?, ?, ?)", (rowid, doc.title, doc.text))
            db.execute("INSERT INTO docs VALUES (?, ?, ?, ?)", (rowid, doc.id, doc.year, doc.doctype))
            db.executemany("INSERT INTO sectors VALUES (?, ?)", [(rowid, s) for s in doc.sectors])
        db.execute("COMMIT")
        db.execute("INSERT INTO fts (fts) VALUES ('optimize')")  # one b-tree segment, as after a merge
        db.execute("CREATE TEMP TABLE matched (rowid INTEGER PRIMARY KEY)")
        self._db = db

    def search(self, query: str) -> PeerResult:
        db = self._db
        assert db is not None
        # Each word a quoted string (FTS5's syntax would read "Saint-Lô" as a
        # column filter), OR'ed like docsearch's words; title weighs 0.2.
        match = " OR ".join('"' + w.replace('"', '""') + '"' for w in _words(query))
        db.execute("DELETE FROM temp.matched")
        db.execute("INSERT INTO temp.matched SELECT rowid FROM fts WHERE fts MATCH ?", (match,))
        total = db.execute("SELECT count(*) FROM temp.matched").fetchone()[0]
        rows = db.execute(
            "SELECT docs.id, fts.title, snippet(fts, 1, '<mark>', '</mark>', '…', 24) FROM fts"
            " JOIN docs ON docs.rowid = fts.rowid WHERE fts MATCH ? ORDER BY bm25(fts, 0.2, 1.0) LIMIT 10",
            (match,)).fetchall()
        facets = {
            "sector": dict(db.execute("SELECT sector, count(*) FROM sectors JOIN temp.matched USING (rowid)"
                                      " GROUP BY sector").fetchall()),
            "type": dict(db.execute("SELECT type, count(*) FROM docs JOIN temp.matched USING (rowid)"
                                    " GROUP BY type").fetchall()),
            "year": {str(y): n for y, n in db.execute("SELECT year, count(*) FROM docs JOIN temp.matched USING (rowid)"
                                                      " WHERE year IS NOT NULL GROUP BY year").fetchall()},
        }
        return PeerResult(total, [PeerHit(*row) for row in rows], facets)

    def index_bytes(self) -> int:
        return self.path.stat().st_size if self.path.exists() else 0

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def make_peers(work: Path) -> list[Peer]:
    """The peers that can run here (tantivy needs the ``bench`` extra)."""
    peers: list[Peer] = [Fts5Peer(work / "fts5" / "fts5.sqlite")]
    try:
        import tantivy  # noqa: F401
    except ImportError:
        print("tantivy is not installed (pip install -e '.[bench]'): no tantivy figures", flush=True)
    else:
        peers.insert(0, TantivyPeer(work / "tantivy"))
    return peers


def measure_peer(peer: Peer, documents: list[PeerDocument], queries: list[str]) -> dict[str, object]:
    """Build time, query latencies (seconds each) and what the queries found."""
    started = time.monotonic()
    peer.build(documents)
    built = time.monotonic() - started
    peer.search(queries[0])  # open what a first query opens, as a server would
    times, totals = [], Counter[str]()
    for query in queries:
        started = time.monotonic()
        result = peer.search(query)
        times.append(time.monotonic() - started)
        totals["matches"] += result.total
        totals["answered"] += 1 if result.total else 0
        totals["snippets"] += sum(1 for h in result.hits if "<" in h.snippet)
    return {"build_seconds": built, "times": times, "index_bytes": peer.index_bytes(), **totals}
