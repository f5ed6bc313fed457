"""The Whoosh engine behind ``backend.Backend``.

Readers follow the index: each generation (a ``gen-…`` folder and its
table-of-contents generation) is served by a ``_Snapshot``, made when the
index changes (``Searcher.refresh()`` in whoosh-reloaded returns deleted
documents, so a new reader is opened instead). Making a snapshot is the one
critical section; searches run in parallel.

A Whoosh searcher is not safe to share between threads: its files are read
by seeking a shared file object and then reading it (the posting matchers,
the stored fields), so two threads would read each other's positions. Each
thread searching a snapshot therefore gets its own searcher (and query
parser) on the snapshot's table of contents, so that every one sees the same
document numbers; what the snapshot keeps across searches (the facet sets,
the ranker's scores) is either read-only or locked.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path

from whoosh.index import TOC, Index
from whoosh.reading import EmptyReader, IndexReader, MultiReader, SegmentReader
from whoosh.searching import Searcher

from docsearch.catalogue.records import Document
from docsearch.catalogue.vocabulary import Vocabulary
from docsearch.errors import IndexUnavailable, SchemaMismatch
from docsearch.index.backend import (
    EngineResult,
    Failure,
    IndexStats,
    SearchRequest,
    StoredDocument,
)
from docsearch.index.engine.complete import complete_words
from docsearch.index.engine.deadline import Deadline
from docsearch.index.engine.facets import FacetSets
from docsearch.index.engine.query import QueryParser
from docsearch.index.engine.ranking import Ranker
from docsearch.index.engine.searching import Search
from docsearch.index.engine.similar import similar_documents
from docsearch.index.engine.synonyms import Synonyms, load_synonyms
from docsearch.index.lookup import stored_document
from docsearch.index.store import IndexStore, check_schema
from docsearch.index.weighting import LuceneBM25
from docsearch.index.writer import DocumentWriter

OPEN_ATTEMPTS = 3  # a commit may remove a segment between reading the contents and opening it
SEARCH_TIMEOUT = 3.0  # seconds, unless the settings say (Settings.search_timeout)
SIMILAR_KEPT = 1024  # "similar documents" lists kept per generation


class WhooshBackend:
    """``search_timeout``: seconds one search may take before it answers with
    what it found; ``clock`` (monotonic seconds) may be replaced by a test."""

    def __init__(self, index_dir: Path, vocab: Vocabulary, synonyms_file: Path,
                 search_timeout: float = SEARCH_TIMEOUT, clock: Callable[[], float] = time.monotonic) -> None:
        self.store = IndexStore(index_dir)
        self.vocab, self.synonyms_file = vocab, synonyms_file
        self.search_timeout, self.clock = search_timeout, clock
        self._lock = threading.Lock()  # held only to make and swap snapshots
        self._snapshot: _Snapshot | None = None
        self._previous: _Snapshot | None = None

    # Serving ----------------------------------------------------------------

    def generation(self) -> Hashable:
        return self._current().key

    def use_vocabulary(self, vocab: Vocabulary, synonyms_file: Path) -> None:
        with self._lock:
            self.vocab, self.synonyms_file = vocab, synonyms_file
            if self._snapshot is not None:
                self._snapshot.stale = True  # the next search opens a snapshot with them

    def search(self, request: SearchRequest, *, plain: bool = False) -> EngineResult:
        deadline = Deadline(self.search_timeout, self.clock)
        snap, searcher, parser = self._thread()
        return Search(searcher, parser, snap.facets, snap.ranker, request, plain, deadline).run(snap.key)

    def document(self, doc_id: str) -> StoredDocument | None:
        _, searcher, _ = self._thread()
        fields = searcher.document(id=doc_id)  # the unique id alone (see page_text)
        return None if fields is None or fields.get("kind") != "doc" else stored_document(fields)

    def page_text(self, doc_id: str, page: int) -> str:
        _, searcher, _ = self._thread()
        # By the unique id alone: with ``kind="page"`` too, Whoosh intersected it with every page's
        # posting, a walk over all of them for each look-up (100,000 web pages: the bench's reading
        # of every page's text never ended; a page view paid it too).
        fields = searcher.document(id=f"{doc_id}/{page}") or {}
        return str(fields.get("page_text", "")) if fields.get("kind") == "page" else ""

    def similar(self, doc_id: str, limit: int = 5) -> list[StoredDocument]:
        """Kept per generation: each one is a search of twenty words, for a
        page that anyone may ask for again and again."""
        snap, searcher, _ = self._thread()
        found = snap.similar.get((doc_id, limit))
        if found is None:
            found = similar_documents(searcher, doc_id, limit)
            snap.similar.put((doc_id, limit), found)
        return list(found)

    def complete_words(self, prefix: str, limit: int = 6) -> list[str]:
        """The index's words starting with ``prefix``, the most frequent first, as the documents write them."""
        _, searcher, _ = self._thread()
        return complete_words(searcher, prefix, limit)

    def documents(self) -> list[StoredDocument]:
        snap, searcher, _ = self._thread()
        return [stored_document(searcher.stored_fields(n)) for n in sorted(snap.facets.all_docs)]

    def stats(self) -> IndexStats:
        docs = self.documents()
        gen = self.store.current_dir()
        return IndexStats(
            documents=len(docs),
            pages=sum(d.page_count for d in docs),
            index_bytes=sum(f.stat().st_size for f in gen.iterdir() if f.is_file()) if gen else 0,
            updated=self.store.generation_meta().get("updated"),
            failures=[Failure(path, f["reason"], f.get("detail", "")) for path, f in sorted(self.store.failures().items())],
        )

    def close(self) -> None:
        with self._lock:
            for snap in (self._snapshot, self._previous):
                if snap is not None:
                    snap.close()
            self._snapshot = self._previous = None

    def _thread(self) -> tuple[_Snapshot, Searcher, QueryParser]:
        """The current snapshot, and this thread's searcher and parser on it."""
        for attempt in range(OPEN_ATTEMPTS):
            snap = self._current()
            try:
                return (snap, *snap.thread())
            except OSError:
                if attempt == OPEN_ATTEMPTS - 1:
                    raise
                snap.stale = True  # its files went with a newer commit: take the next snapshot
        raise AssertionError("unreachable")

    def _current(self) -> _Snapshot:
        snap = self._snapshot
        if snap is not None and snap.serves(self.store.current_dir()):
            return snap
        with self._lock:  # one thread makes the new snapshot; the others wait for it
            gen = self.store.current_dir()
            if gen is None:
                raise self.store.no_generation()
            snap = self._snapshot
            if snap is not None and snap.serves(gen):
                return snap  # made by another thread meanwhile
            # Nothing is kept of a generation that does not open: each request
            # tries again, so a good generation, once published, serves at once.
            for attempt in range(OPEN_ATTEMPTS):
                check_schema(gen)
                try:
                    fresh = _Snapshot(gen, self.store.open(gen), self.vocab, self.synonyms_file)
                    break
                except (IndexUnavailable, SchemaMismatch):
                    raise
                except Exception as exc:  # a segment removed by a commit meanwhile, or damage below the segments' opening
                    if attempt == OPEN_ATTEMPTS - 1:
                        raise IndexUnavailable(f"the index generation {gen.name} cannot be read "
                                               f"({type(exc).__name__}: {exc})"[:400]) from exc
                    gen = self.store.current_dir() or gen
            # The one before stays open for the searches that started on it;
            # the one before that is closed, and the old one's kept scores dropped.
            if self._previous is not None:
                self._previous.close()
            if snap is not None:
                snap.ranker.forget()
            self._previous, self._snapshot = snap, fresh
            return fresh

    # Writing ----------------------------------------------------------------

    def write(self, documents: Iterable[Document]) -> None:
        with self.store.write_lock():
            gen, ix = self._live()
            with DocumentWriter(ix) as writer:
                for doc in documents:
                    writer.add(doc, replace=True)
            self._touch(gen)

    def delete(self, doc_ids: Iterable[str]) -> None:
        with self.store.write_lock():
            gen, ix = self._live()
            with DocumentWriter(ix) as writer:
                for doc_id in doc_ids:
                    writer.delete(doc_id)
            self._touch(gen)

    def rebuild(self, documents: Iterable[Document]) -> None:
        with self.store.write_lock():
            build, ix = self.store.new_generation()
            try:
                with DocumentWriter(ix) as writer:
                    for doc in documents:
                        writer.add(doc, replace=False)
                self.store.write_failures(build, {})
                self._touch(build)
            except BaseException:
                self.store.discard(build)  # a failed build (a full disk…) gives its room back at once
                raise
            self.store.publish(build)

    def _live(self) -> tuple[Path, Index]:
        gen = self.store.current_dir()
        if gen is None:  # the first documents make the first generation
            build, _ = self.store.new_generation()
            self.store.write_failures(build, {})
            self._touch(build)
            return self.store.publish(build), self.store.open()
        return gen, self.store.open(gen)

    def _touch(self, gen: Path) -> None:
        self.store.write_meta(gen, updated=dt.datetime.now().isoformat(timespec="seconds"), vocabulary=self.vocab.digest)


class _Snapshot:
    """One generation of the index, as served: its table of contents, one
    searcher per thread, and what searches keep between them."""

    def __init__(self, gen: Path, ix: Index, vocab: Vocabulary, synonyms_file: Path) -> None:
        self.gen, self.ix, self.vocab = gen, ix, vocab
        self.toc = TOC.read(ix.storage, ix.indexname)
        self.generation: int = self.toc.generation
        self.key: Hashable = (gen.name, self.generation)
        self.stale = False
        self.weighting = LuceneBM25()
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened: list[Searcher] = []
        first = self._open()
        self.facets = FacetSets(first)
        self.ranker = Ranker(self.weighting)
        self.synonyms: Synonyms = load_synonyms(synonyms_file, self.toc.schema["content"].analyzer)
        self.similar = _Kept(SIMILAR_KEPT)
        self._local.state = (first, QueryParser(first.schema, vocab, self.synonyms))

    def serves(self, gen: Path | None) -> bool:
        """Whether this snapshot is still the live generation."""
        return not self.stale and gen == self.gen and self.ix.latest_generation() == self.generation

    def thread(self) -> tuple[Searcher, QueryParser]:
        """This thread's searcher and query parser, opened on first use."""
        state: tuple[Searcher, QueryParser] | None = getattr(self._local, "state", None)
        if state is None:
            searcher = self._open()
            state = (searcher, QueryParser(searcher.schema, self.vocab, self.synonyms))
            self._local.state = state
        return state

    def _open(self) -> Searcher:
        searcher = Searcher(_reader(self.ix, self.toc), weighting=self.weighting)
        with self._lock:
            self._opened.append(searcher)
        return searcher

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for searcher in opened:
            searcher.close()


class _Kept:
    """A small thread-safe LRU of "similar documents" lists."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, int], list[StoredDocument]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int]) -> list[StoredDocument] | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[str, int], value: list[StoredDocument]) -> None:
        with self._lock:
            self._items[key] = value
            if len(self._items) > self.size:
                self._items.popitem(last=False)


def _reader(ix: Index, toc: TOC) -> IndexReader:
    """A reader of exactly the segments of ``toc`` (``Index.reader()`` reads the latest contents)."""
    if not toc.segments:
        return EmptyReader(toc.schema)
    readers = [SegmentReader(ix.storage, toc.schema, segment, generation=toc.generation) for segment in toc.segments]
    return readers[0] if len(readers) == 1 else MultiReader(readers, generation=toc.generation)
