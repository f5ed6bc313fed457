"""Indexing runs: incremental updates, failures reported and skipped, rebuilds that cannot lose the index."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from docsearch.config import Settings
from docsearch.errors import SchemaMismatch
from docsearch.index import writer as indexwriter
from docsearch.index.update import update_index
from docsearch.search.service import SearchRequest, SearchService
from tests.conftest import copy_sample, html_page


def titles(settings: Settings, q: str) -> list[str]:
    return [h.title for h in SearchService(settings).search(SearchRequest(q=q, per_page=50)).hits]


def relpaths(settings: Settings, q: str) -> set[str]:
    return {h.relpath for h in SearchService(settings).search(SearchRequest(q=q, per_page=50)).hits}


@pytest.fixture
def mixed_corpus(corpus: Path) -> Path:
    for name in ("good-report.pdf", "owner-only.pdf", "user-password.pdf", "image-only.pdf",
                 "empty.pdf", "not-a-pdf.pdf", "latin1.html", "boilerplate.html"):
        copy_sample(corpus, name)
    return corpus


def test_readable_files_are_indexed_and_the_others_reported_with_their_reason(settings, mixed_corpus) -> None:
    report = update_index(settings)
    assert sorted(report.indexed) == ["boilerplate.html", "good-report.pdf", "latin1.html", "owner-only.pdf"]
    reasons = {path: reason for path, (reason, _) in report.failed.items()}
    assert reasons == {
        "user-password.pdf": "encrypted",
        "image-only.pdf": "image-only",
        "empty.pdf": "empty",
        "not-a-pdf.pdf": "wrong-type",
    }
    assert report.documents == 4
    assert relpaths(settings, "compostage") == {"good-report.pdf"}
    assert relpaths(settings, "chantier d'insertion") >= {"owner-only.pdf"}


def test_second_run_reads_nothing_again(settings, mixed_corpus) -> None:
    update_index(settings)
    report = update_index(settings)
    assert report.indexed == [] and report.removed == []
    assert report.unchanged == 4
    assert set(report.failed) == set(report.failed_before) == {"user-password.pdf", "image-only.pdf", "empty.pdf", "not-a-pdf.pdf"}


def test_changed_file_is_indexed_again(settings, corpus) -> None:
    page = corpus / "page.html"
    page.write_bytes(html_page("Épicerie solidaire", "Une épicerie solidaire ouvre ses portes."))
    update_index(settings)
    page.write_bytes(html_page("Épicerie solidaire", "Un garage solidaire répare les voitures."))
    report = update_index(settings)
    assert report.indexed == ["page.html"]
    assert relpaths(settings, "garage") == {"page.html"}
    assert relpaths(settings, "portes") == set()


def test_deleted_file_leaves_the_index(settings, corpus) -> None:
    (corpus / "a.html").write_bytes(html_page("Ressourcerie", "La ressourcerie collecte des objets."))
    (corpus / "b.html").write_bytes(html_page("Recyclerie", "La recyclerie collecte des objets."))
    update_index(settings)
    (corpus / "a.html").unlink()
    report = update_index(settings)
    assert report.removed == ["a.html"] and report.documents == 1
    assert relpaths(settings, "collecte") == {"b.html"}
    facets = SearchService(settings).search(SearchRequest(q="collecte")).facets
    assert sum(v.count for v in facets["types"]) == 1


def test_unreadable_new_version_keeps_the_previous_one_searchable(settings, corpus) -> None:
    page = corpus / "page.html"
    page.write_bytes(html_page("Tiers-lieu", "Le tiers-lieu accueille un fablab."))
    update_index(settings)
    page.write_bytes(b"")
    report = update_index(settings)
    assert report.failed["page.html"][0] == "empty" and report.kept == ["page.html"]
    assert relpaths(settings, "fablab") == {"page.html"}


def test_staff_metadata_change_is_picked_up(settings, corpus) -> None:
    page = corpus / "page.html"
    page.write_bytes(html_page("Titre d'origine", "Une AMAP en Normandie."))
    update_index(settings)
    (corpus / "page.html.meta.toml").write_text('titre = "Les AMAP normandes"\nsecteurs = ["culture"]\n', encoding="utf-8")
    report = update_index(settings)
    assert report.indexed == ["page.html"]
    hit = SearchService(settings).search(SearchRequest(q="AMAP")).hits[0]
    assert hit.title == "Les AMAP normandes" and [s.code for s in hit.sectors] == ["culture"]


def test_failed_file_is_retried_only_when_asked_or_changed(settings, corpus) -> None:
    copy_sample(corpus, "image-only.pdf")
    update_index(settings)
    assert update_index(settings).failed_before == ["image-only.pdf"]
    retried = update_index(settings, retry_failed=True)
    assert "image-only.pdf" in retried.failed and retried.failed_before == []


def test_rebuild_that_fails_midway_leaves_the_old_index_searchable(settings, corpus, monkeypatch) -> None:
    (corpus / "a.html").write_bytes(html_page("Ressourcerie", "La ressourcerie collecte des objets."))
    (corpus / "b.html").write_bytes(html_page("Garage", "Le garage solidaire répare."))
    update_index(settings)
    live = (settings.index_dir / "CURRENT").read_text()
    calls = []

    def broken_write(writer, doc):
        calls.append(doc.relpath)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_write(writer, doc)

    real_write = indexwriter.write_document
    monkeypatch.setattr(indexwriter, "write_document", broken_write)
    with pytest.raises(OSError):
        update_index(settings, rebuild=True, fresh=True)  # nothing changed: fresh, or nothing is written
    monkeypatch.undo()
    assert (settings.index_dir / "CURRENT").read_text() == live
    assert relpaths(settings, "ressourcerie OR garage") == {"a.html", "b.html"}
    report = update_index(settings, rebuild=True)
    assert report.documents == 2
    assert not list(settings.index_dir.glob("*.build"))


def test_rebuild_keeps_serving_the_open_searcher(settings, corpus) -> None:
    (corpus / "a.html").write_bytes(html_page("Ressourcerie", "La ressourcerie collecte des objets."))
    update_index(settings)
    service = SearchService(settings)
    assert service.search(SearchRequest(q="ressourcerie")).total == 1
    (corpus / "b.html").write_bytes(html_page("Recyclerie", "Une autre ressourcerie."))
    update_index(settings, rebuild=True)
    assert service.search(SearchRequest(q="ressourcerie")).total == 2  # moved to the new generation


def test_schema_mismatch_asks_for_a_rebuild(settings, corpus) -> None:
    (corpus / "a.html").write_bytes(html_page("Ressourcerie", "La ressourcerie collecte des objets."))
    update_index(settings)
    gen = settings.index_dir / (settings.index_dir / "CURRENT").read_text()
    meta = json.loads((gen / "docsearch.json").read_text())
    (gen / "docsearch.json").write_text(json.dumps(meta | {"schema_version": 0}))
    with pytest.raises(SchemaMismatch, match="docsearch index --rebuild"):
        SearchService(settings).search(SearchRequest(q="ressourcerie"))
    with pytest.raises(SchemaMismatch):
        update_index(settings)
    assert update_index(settings, rebuild=True).documents == 1
    assert relpaths(settings, "ressourcerie") == {"a.html"}


def test_hidden_folders_and_other_files_are_not_documents(settings, corpus) -> None:
    (corpus / ".corbeille").mkdir()
    (corpus / ".corbeille" / "old.html").write_bytes(html_page("Vieux", "Texte retiré."))
    (corpus / "notes.xyz").write_text("pas un document")
    (corpus / "a.html").write_bytes(html_page("Actuel", "Texte présent."))
    assert update_index(settings).indexed == ["a.html"]


def test_mtime_shortcut_still_sees_content_changes(settings, corpus) -> None:
    page = corpus / "page.html"
    page.write_bytes(html_page("Un", "Premier texte mutualisé."))
    update_index(settings)
    stat = page.stat()
    page.write_bytes(html_page("Un", "Second texte coopératif."))
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert update_index(settings).indexed == ["page.html"]


def test_failure_entry_goes_when_the_indexed_version_comes_back(settings, corpus) -> None:
    page = corpus / "page.html"
    good = html_page("Tiers-lieu", "Le tiers-lieu accueille un fablab.")
    page.write_bytes(good)
    update_index(settings)
    page.write_bytes(b"")
    assert "page.html" in update_index(settings).failed
    page.write_bytes(good)
    report = update_index(settings)
    assert report.failed == {} and SearchService(settings).backend.stats().failures == []


def test_file_name_that_is_not_utf8_is_reported_not_fatal(settings, corpus) -> None:
    (corpus / "a.html").write_bytes(html_page("Ressourcerie", "La ressourcerie collecte des objets."))
    bad = os.path.join(os.fsencode(corpus), b"caf\xe9.html")
    with open(bad, "wb") as handle:
        handle.write(html_page("Café", "Un café associatif."))
    report = update_index(settings)
    assert report.indexed == ["a.html"]
    assert [reason for reason, _ in report.failed.values()] == ["bad-filename"]
    assert update_index(settings).indexed == []


def test_machine_limits_are_not_remembered_as_the_files_fault(settings, corpus) -> None:
    (corpus / "a.html").write_bytes(html_page("Ressourcerie", "La ressourcerie collecte des objets."))
    tiny = Settings(corpus_dir=corpus, index_dir=settings.index_dir, max_file_mb=0)
    assert update_index(tiny).failed["a.html"][0] == "too-large"
    assert update_index(settings, rebuild=True).indexed == ["a.html"]
