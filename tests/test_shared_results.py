"""The result pages the server's worker processes share (search/shared_results.py):
a page one worker computed answers the others, and a new index generation
never serves a page of the old one."""

from __future__ import annotations

import contextlib
import json
import pickle
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from docsearch.config import Settings
from docsearch.index.backend import EngineResult, SearchRequest
from docsearch.index.engine import WhooshBackend
from docsearch.index.update import update_index
from docsearch.search.service import SearchService
from docsearch.search.shared_results import SharedResults
from tests.conftest import html_page
from tests.test_server_processes import Visitor, free_port, wait_for_workers


class CountingBackend(WhooshBackend):
    """The real engine, counting the searches it runs."""

    searches = 0

    def search(self, request: SearchRequest, *, plain: bool = False) -> EngineResult:
        self.searches += 1
        return super().search(request, plain=plain)


def _pages(corpus: Path, count: int) -> None:
    for n in range(count):
        (corpus / f"page-{n}.html").write_bytes(html_page(f"Ressourcerie {n}", f"La ressourcerie numéro {n} répare."))


def _worker(settings: Settings, shared: SharedResults) -> tuple[SearchService, CountingBackend]:
    service = SearchService(settings, shared=shared)
    backend = CountingBackend(settings.index_dir, service.vocab, settings.synonyms_file, settings.search_timeout)
    service.backend = backend
    return service, backend


def test_a_page_computed_by_one_worker_answers_the_other(settings: Settings, corpus: Path) -> None:
    _pages(corpus, 3)
    update_index(settings)
    shared = SharedResults.in_instance(settings.instance_dir)
    first, first_engine = _worker(settings, shared)
    second, second_engine = _worker(settings, SharedResults.in_instance(settings.instance_dir))
    computed = first.search(SearchRequest(q="ressourcerie"))
    answered = second.search(SearchRequest(q="ressourcerie"))
    assert (first_engine.searches, second_engine.searches) == (1, 0)
    assert answered.total == computed.total == 3
    assert [h.title for h in answered.hits] == [h.title for h in computed.hits]
    assert answered.facets == computed.facets


def test_a_new_generation_is_searched_again_by_every_worker(settings: Settings, corpus: Path) -> None:
    _pages(corpus, 3)
    update_index(settings)
    first, _ = _worker(settings, SharedResults.in_instance(settings.instance_dir))
    second, second_engine = _worker(settings, SharedResults.in_instance(settings.instance_dir))
    assert first.search(SearchRequest(q="ressourcerie")).total == 3
    assert second.search(SearchRequest(q="ressourcerie")).total == 3
    (corpus / "page-new.html").write_bytes(html_page("Ressourcerie nouvelle", "Une ressourcerie de plus."))
    update_index(settings)
    assert second.search(SearchRequest(q="ressourcerie")).total == 4
    assert first.search(SearchRequest(q="ressourcerie")).total == 4  # from the page `second` shared, of the new generation
    assert second_engine.searches == 1


def test_a_damaged_cache_file_only_costs_a_search(settings: Settings, corpus: Path) -> None:
    _pages(corpus, 2)
    update_index(settings)
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    (settings.instance_dir / "result-pages.sqlite").write_bytes(b"pas une base SQLite" * 100)
    service, engine = _worker(settings, SharedResults.in_instance(settings.instance_dir))
    assert service.search(SearchRequest(q="ressourcerie")).total == 2
    assert engine.searches == 1


def test_serve_starts_with_no_page_of_an_earlier_version(settings: Settings, corpus: Path) -> None:
    _pages(corpus, 2)
    update_index(settings)
    shared = SharedResults.in_instance(settings.instance_dir)
    service, _ = _worker(settings, shared)
    service.search(SearchRequest(q="ressourcerie"))
    generation = service.backend.generation()
    assert shared.get(generation, service._validate(SearchRequest(q="ressourcerie"))) is not None
    shared.clear()  # what `serve --workers N` does before starting them
    assert shared.get(generation, service._validate(SearchRequest(q="ressourcerie"))) is None


@contextlib.contextmanager
def serving(settings: Settings) -> Iterator[tuple[int, list[int]]]:
    """``docsearch serve --workers 2``; its port and its two workers' pids."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", "from docsearch.cli import main; main()", "--corpus", str(settings.corpus_dir),
         "--index", str(settings.index_dir), "--instance", str(settings.instance_dir),
         "serve", "--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        yield port, wait_for_workers(process, port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


def _totals(visitors: list[Visitor]) -> list[int]:
    found = []
    for visitor in visitors:
        status, body = visitor.request("GET", "/search.json?q=ressourcerie")
        assert status == 200, body[:300]
        found.append(json.loads(body)["total"])
    return found


needs_proc = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads the connections from Linux's /proc")


@needs_proc
def test_after_an_update_both_worker_processes_find_the_new_document(settings: Settings, corpus: Path) -> None:
    _pages(corpus, 3)
    update_index(settings)
    with serving(settings) as (port, workers):
        visitors = [Visitor(port, workers, worker) for worker in workers]
        assert _totals(visitors) == [3, 3]
        assert _totals(visitors) == [3, 3]  # answered from the caches now
        assert (settings.instance_dir / "result-pages.sqlite").is_file()
        (corpus / "page-new.html").write_bytes(html_page("Ressourcerie nouvelle", "Une ressourcerie de plus."))
        update_index(settings)
        assert _totals(visitors) == [4, 4]
        for visitor in visitors:
            visitor.connection.close()


@needs_proc
def test_pages_kept_by_an_earlier_server_are_not_served_by_the_next(settings: Settings, corpus: Path) -> None:
    _pages(corpus, 3)
    update_index(settings)
    with serving(settings) as (port, workers):
        visitors = [Visitor(port, workers, worker) for worker in workers]
        assert _totals(visitors) == [3, 3]
        for visitor in visitors:
            visitor.connection.close()
    # Pages of the same index generation, as another version of docsearch
    # might have written them: here, a total that is not the index's.
    with sqlite3.connect(settings.instance_dir / "result-pages.sqlite") as db:
        rows = db.execute("SELECT generation, request, result FROM pages").fetchall()
        assert rows
        for generation, request, result in rows:
            page = pickle.loads(result)
            page.total = 99
            db.execute("UPDATE pages SET result = ? WHERE generation = ? AND request = ?",
                       (pickle.dumps(page), generation, request))
    db.close()
    with serving(settings) as (port, workers):
        # (Here the start's catch-up with the corpus makes a new generation
        # too, which alone retires the old pages; clear() covers the rest.)
        cache = settings.instance_dir / "result-pages.sqlite"
        if cache.exists():  # the start's own searches (/index.json) may have kept pages already
            with contextlib.closing(sqlite3.connect(cache)) as db:
                kept = [pickle.loads(r[0]).total for r in db.execute("SELECT result FROM pages").fetchall()]
            assert 99 not in kept
        visitors = [Visitor(port, workers, worker) for worker in workers]
        assert _totals(visitors) == [3, 3]
        for visitor in visitors:
            visitor.connection.close()
