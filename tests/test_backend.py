"""The engine seam: the Whoosh backend's writing methods, searches in
parallel, and the check of Whoosh's private attributes."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

import pytest

from docsearch.catalogue.records import Document, Metadata, document_id
from docsearch.catalogue.vocabulary import load_vocabulary
from docsearch.config import Settings
from docsearch.index import internals
from docsearch.index.backend import Backend, SearchRequest
from docsearch.index.engine import WhooshBackend
from docsearch.index.update import update_index
from docsearch.search.service import SearchService


def document(relpath: str, title: str, *pages: str, sectors: tuple[str, ...] = ("culture",), year: int = 2012) -> Document:
    meta = Metadata(title=title, sectors=list(sectors), year=year, doctype="etude", origins={"title": "staff"})
    return Document(id=document_id(relpath), relpath=relpath, format="pdf", meta=meta, pages=list(pages),
                    sha256=relpath, fingerprint=relpath, size=100, mtime=1_700_000_000.0)


@pytest.fixture
def backend(tmp_path: Path) -> WhooshBackend:
    settings = Settings(index_dir=tmp_path / "index")
    engine = WhooshBackend(settings.index_dir, load_vocabulary(settings.vocabulary_file), settings.synonyms_file)
    yield engine
    engine.close()


def found(backend: Backend, q: str) -> list[str]:
    return [hit.document.relpath for hit in backend.search(SearchRequest(q=q, per_page=50)).hits]


def test_written_documents_are_found_replaced_and_deleted(backend: WhooshBackend) -> None:
    backend.write([document("a.pdf", "Mutuelles", "Une mutuelle de santé en Normandie."),
                   document("b.pdf", "Jardins", "Un jardin partagé dans le quartier.")])
    assert found(backend, "mutuelle") == ["a.pdf"]
    first = backend.generation()
    hit = backend.search(SearchRequest(q="mutuelle")).hits[0]
    assert hit.pages == [1] and "<mark" in hit.snippets[0].html and hit.document.sectors == ("culture",)

    backend.write([document("a.pdf", "Coopératives", "Une coopérative de santé.")])  # same id: replaced
    assert backend.generation() != first
    assert found(backend, "mutuelle") == [] and found(backend, "coopérative") == ["a.pdf"]
    assert backend.stats().documents == 2

    backend.delete([document_id("b.pdf")])
    assert found(backend, "jardin") == [] and backend.document(document_id("b.pdf")) is None
    assert [d.relpath for d in backend.documents()] == ["a.pdf"]


def test_a_rebuild_swaps_in_exactly_its_documents(backend: WhooshBackend) -> None:
    backend.write([document("a.pdf", "Mutuelles", "Une mutuelle de santé."),
                   document("b.pdf", "Jardins", "Un jardin partagé.")])
    before = backend.generation()
    backend.rebuild([document("c.pdf", "Épiceries", "Une épicerie solidaire.", year=2020)])
    assert backend.generation() != before
    assert [d.relpath for d in backend.documents()] == ["c.pdf"]
    assert found(backend, "épicerie") == ["c.pdf"] and found(backend, "mutuelle") == []
    result = backend.search(SearchRequest(year=2020))
    assert result.total == 1 and {c.value: c.count for c in result.facets["years"]} == {"2020": 1}
    stats = backend.stats()
    assert (stats.documents, stats.pages, stats.failures) == (1, 1, []) and stats.updated


class _Instrumented(WhooshBackend):
    """Says when the slow search has started, so the fast one surely runs during it."""

    slow: str = ""

    def __init__(self, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.started = threading.Event()

    def search(self, request, *, plain=False):  # type: ignore[no-untyped-def]
        if request.q == self.slow:
            self.started.set()
        return super().search(request, plain=plain)


def test_a_slow_search_does_not_delay_a_fast_one(tmp_path: Path) -> None:
    settings = Settings(corpus_dir=Path(__file__).resolve().parent.parent / "corpus", index_dir=tmp_path / "index",
                        instance_dir=tmp_path / "instance", workers=2)
    update_index(settings)
    vocab = load_vocabulary(settings.vocabulary_file)
    backend = _Instrumented(settings.index_dir, vocab, settings.synonyms_file)
    service = SearchService(settings, vocab, backend)
    service.search(SearchRequest(q="économie"))  # the snapshot is made: no swap during the test
    # Wildcards that match nothing, each a scan of the whole lexicon: a costly query.
    letters = "bcdfghjklmnpqrstvwxz"
    backend.slow = " ".join(f"*{a}{b}q*" for a, b in itertools.product(letters, repeat=2))[:490].rsplit(" ", 1)[0]
    slow_done = threading.Event()

    def slow() -> None:
        service.search(SearchRequest(q=backend.slow))
        slow_done.set()

    thread = threading.Thread(target=slow)
    thread.start()
    try:
        assert backend.started.wait(30)
        result = service.search(SearchRequest(q="mutuelle santé"))
        finished_first = not slow_done.is_set()
    finally:
        thread.join()
    assert result.total > 0
    assert finished_first, "the fast search waited for the slow one"
    assert slow_done.is_set()
    service.close()


def test_parallel_searches_give_the_answers_of_searches_one_at_a_time(sample_settings: Settings) -> None:
    """Each thread has its own searcher: nothing read by one thread ends up in another's results."""
    queries = ["économie sociale", "coopérative d'habitants", "insertion", "culture NOT coopérative", "coop*",
               "jardin partagé", "finance solidaire", "secteur:culture", '"commerce équitable"', "cooperatve"]
    alone = SearchService(sample_settings)
    # The engine's answers, as the threads below ask for them (the service would correct "cooperatve").
    expected = {q: alone.backend.search(alone._validate(SearchRequest(q=q, per_page=20))) for q in queries}
    shared = SearchService(sample_settings)
    shared.search(SearchRequest())
    got: dict[tuple[int, str], object] = {}
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            for q in queries[n:] + queries[:n]:
                # Past the result cache, so that every search reads the index.
                got[(n, q)] = shared.backend.search(shared._validate(SearchRequest(q=q, per_page=20)))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for (_, q), result in got.items():
        assert [h.document.id for h in result.hits] == [h.document.id for h in expected[q].hits], q  # type: ignore[attr-defined]
        assert result.total == expected[q].total, q  # type: ignore[attr-defined]
    alone.close()
    shared.close()


def test_the_whoosh_internals_are_checked_when_imported(monkeypatch) -> None:
    internals._check()  # the pinned version has them all
    monkeypatch.delattr(internals.SegmentWriter, "_commit_toc")
    with pytest.raises(ImportError, match=r"whoosh-reloaded 2\.7\.5.*SegmentWriter\._commit_toc"):
        internals._check()
