"""Indexing with several processes gives the same search as with one, and a
process that dies loses nothing."""

from __future__ import annotations

import dataclasses
import os
import signal
import threading
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from docsearch.config import Settings
from docsearch.index.store import IndexStore
from docsearch.index.update import update_index
from docsearch.index.writer import IndexingError
from docsearch.search.service import SearchRequest, SearchService
from tests.conftest import SAMPLE_CORPUS, html_page
from tests.faults import Faults

QUERIES = ["économie sociale", "coopérative d'habitants", "insertion", "méthanisation", "\"commerce équitable\"",
           "finance solidaire épargne", "mutuelle santé", "culture"]


def parallel(settings: Settings) -> Settings:
    return dataclasses.replace(settings, index_processes=2, index_parallel_from=1)


def segments(settings: Settings) -> int:
    gen = IndexStore(settings.index_dir).current_dir()
    return len(whoosh_index.open_dir(str(gen))._segments())


def outcome(service: SearchService, q: str) -> tuple:
    result = service.search(SearchRequest(q=q, per_page=20))
    hits = sorted((h.id, round(h.score, 6), tuple(h.pages), tuple((s.page, s.html) for s in h.snippets)) for h in result.hits)
    return result.total, hits, result.facets


def test_sample_corpus_indexed_by_two_processes_searches_like_one(tmp_path: Path, sample_service) -> None:
    settings = parallel(Settings(corpus_dir=SAMPLE_CORPUS, index_dir=tmp_path / "index", instance_dir=tmp_path / "i"))
    report = update_index(settings)
    assert report.documents == sample_service.search(SearchRequest()).total
    assert segments(settings) >= 2  # written by two processes
    service = SearchService(settings)
    for q in QUERIES:
        assert outcome(service, q) == outcome(sample_service, q), q


def test_parallel_update_replaces_changed_documents_and_drops_removed_ones(settings, corpus) -> None:
    settings = parallel(settings)
    for n in range(6):
        (corpus / f"p{n}.html").write_bytes(html_page(f"Fiche {n}", f"La ressourcerie numéro {n} collecte des objets."))
    update_index(settings)
    (corpus / "p0.html").write_bytes(html_page("Fiche 0", "Le garage solidaire répare les vélos."))
    (corpus / "p1.html").unlink()
    (corpus / "p9.html").write_bytes(html_page("Fiche 9", "Une nouvelle ressourcerie ouvre."))
    report = update_index(settings)
    assert sorted(report.indexed) == ["p0.html", "p9.html"] and report.removed == ["p1.html"]
    service = SearchService(settings)
    found = {h.relpath for h in service.search(SearchRequest(q="ressourcerie", per_page=50)).hits}
    assert found == {"p2.html", "p3.html", "p4.html", "p5.html", "p9.html"}
    assert [h.relpath for h in service.search(SearchRequest(q="garage vélos")).hits] == ["p0.html"]
    assert service.search(SearchRequest()).total == 6


def test_an_indexing_process_killed_midway_fails_the_rebuild_and_keeps_the_index(settings, corpus, tmp_path, monkeypatch) -> None:
    settings = parallel(settings)
    for n in range(40):
        (corpus / f"p{n}.html").write_bytes(html_page(f"Fiche {n}", "La ressourcerie collecte des objets. " * 200))
    update_index(settings)
    live = (settings.index_dir / "CURRENT").read_text()
    # The writing processes (fresh interpreters) read the fault plan; this one read it at import.
    faults = Faults(tmp_path)
    monkeypatch.setenv("DOCSEARCH_FAULT", "writer-child-batch:1:pause")
    monkeypatch.setenv("DOCSEARCH_FAULT_FILE", str(faults.report))
    killed: list[int] = []
    others: list[int] = []

    def kill_a_child() -> None:  # the first one to have written a batch, while it holds it
        pid = faults.wait("writer-child-batch")
        others.extend(p for p in _children_running("docsearch.index.writer") if p != pid)
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    thread = threading.Thread(target=kill_a_child)
    thread.start()
    with pytest.raises(IndexingError):
        update_index(settings, rebuild=True, fresh=True)  # nothing changed: fresh, or nothing is written
    thread.join()
    assert killed and others  # one was killed while the other was still writing
    assert not _children_running("docsearch.index.writer")  # the other one stopped too
    assert (settings.index_dir / "CURRENT").read_text() == live
    assert SearchService(settings).search(SearchRequest(q="ressourcerie")).total == 40
    monkeypatch.delenv("DOCSEARCH_FAULT")
    assert update_index(settings, rebuild=True).documents == 40


def _children_running(marker: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == os.getpid() and marker in cmdline:
            pids.append(int(entry.name))
    return pids
