"""Hostile input loses nothing: any query, fuzzed HTTP requests, bombs, crashes at any moment, odd uploads."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import signal
import threading
import time
import urllib.parse
import urllib.request
import zlib

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from docsearch.config import Settings
from docsearch.corpus.scan import list_sources
from docsearch.errors import QueryError
from docsearch.extraction import SUPPORTED_SUFFIXES
from docsearch.index.engine.deadline import TIME_NOTE, WILDCARD_NOTE
from docsearch.index.update import update_index
from docsearch.search.service import SearchRequest, SearchService
from docsearch.web.app import create_app
from tests.conftest import (
    DATA,
    LONG_NOTE,
    NO_WORD_NOTE,
    SYNTAX_NOTE,
    copy_sample,
    html_page,
    retried_searches,
)
from tests.faults import Faults
from tests.test_cli import docsearch_process, free_port, run, wait_for

# Query path ---------------------------------------------------------------

SYNTAX = st.sampled_from(['"', "(", ")", "*", "?", ":", "-", "+", "AND", "OR", "NOT", "ET", "SAUF", "titre:", "secteur:",
                          "annee:", "type:", "[", "]", "TO", "^2", "~", "\\", "'", "l'", "annee:[2005 TO", "\x00"])
WORDS = st.sampled_from(["économie", "coopérative", "insertion", "2012", "Haute-Normandie", "AMAP", "zzz", "d'", "les"])
QUERIES = st.one_of(st.text(max_size=200), st.lists(st.one_of(SYNTAX, WORDS, st.text(max_size=8)), max_size=12).map(" ".join),
                    st.text(min_size=450, max_size=1500))  # around the length limit
FILTER_VALUES = st.lists(st.one_of(st.sampled_from(["iae", "culture", "Culture", "non-classe", "brochure", "étude"]),
                                   st.text(max_size=10)), max_size=3)
# A query is never an error: only the filters, the sort and the page can be.
FILTER_ERRORS = ("Secteur inconnu", "Type de document inconnu", "Année invalide", "Tri inconnu", "Numéro de page invalide")


@pytest.fixture(scope="module")
def uncached_sample(sample_settings) -> SearchService:
    """A service of its own: a request other tests made is not answered from the cache."""
    return SearchService(sample_settings)


@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=QUERIES, sectors=FILTER_VALUES, types=FILTER_VALUES,
       year=st.one_of(st.none(), st.integers(-5, 10_000)), start=st.one_of(st.none(), st.integers(0, 3000)),
       sort=st.sampled_from(["relevance", "date", "added", "hasard"]), page=st.integers(-1, 2000))
def test_any_query_gives_a_result_or_a_clear_message(uncached_sample, caplog, q, sectors, types, year, start, sort, page) -> None:
    caplog.clear()  # one example at a time
    request = SearchRequest(q=q, sectors=tuple(sectors), types=tuple(types), year=year, year_from=start, sort=sort, page=page)
    try:
        result = uncached_sample.search(request)
    except QueryError as error:
        assert str(error).startswith(FILTER_ERRORS), str(error)  # a message a person can read, about a filter
        with pytest.raises(QueryError, match=re.escape(str(error))):  # the same without the words
            uncached_sample.search(dataclasses.replace(request, q=""))
        return
    finally:
        assert retried_searches(caplog) == [], q  # no query needs the catch-all retry
    # Past the last page, the last page, saying so (before any other note).
    past = f"La page {page} n'existe pas : voici la dernière page ({result.page_count})."
    assert (result.page == page) != (result.note or "").startswith(past)
    note = (result.note or "").removeprefix(past).strip() or None
    assert note in (None, SYNTAX_NOTE, LONG_NOTE, NO_WORD_NOTE, WILDCARD_NOTE, TIME_NOTE)
    if len(" ".join(re.sub("[\ud800-\udfff]", "", q).split())) > 500:
        assert result.note is not None  # the visitor is told the query was cut (or not understood)
    assert result.total >= len(result.hits) and result.page_count >= 1
    assert len(result.hits) == max(0, min(request.per_page, result.total - (result.page - 1) * request.per_page))


# HTTP API fuzzed against its own OpenAPI description --------------------

schemathesis = pytest.importorskip("schemathesis")


@pytest.fixture(scope="module")
def api_schema(sample_settings):
    port = free_port()
    server = docsearch_process(sample_settings, "serve", "--port", str(port))
    wait_for(f"http://127.0.0.1:{port}/index.json")
    yield schemathesis.openapi.from_url(f"http://127.0.0.1:{port}/openapi.json")
    server.send_signal(signal.SIGINT)
    server.wait(timeout=10)


FUZZ_EXAMPLES = int(os.environ.get("DOCSEARCH_FUZZ_EXAMPLES", "60"))


def test_api_matches_its_description_and_never_fails(api_schema) -> None:
    """Every operation of /openapi.json, fuzzed: no 5xx, responses as described.
    (DOCSEARCH_FUZZ_EXAMPLES sets the examples per operation; CI runs the default.)"""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 4  # index, search, suggest, document
    for operation in operations:

        @hsettings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def check(case) -> None:
            response = case.call_and_validate()
            assert response.status_code < 500

        check()


# Bombs --------------------------------------------------------------------


def pdf_with(objects: list[bytes]) -> bytes:
    """A PDF from numbered object bodies, with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def decompression_bomb(megabytes: int) -> bytes:
    compressor = zlib.compressobj(9)
    chunk = b"0 0 m " * (1024 * 1024 // 6)
    stream = b"".join(compressor.compress(chunk) for _ in range(megabytes)) + compressor.flush()
    return pdf_with([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode() + stream + b"\nendstream",
    ])


def page_tree_bomb() -> bytes:
    # Kids that point back at their own parent, claiming millions of pages.
    return pdf_with([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [2 0 R 3 0 R 2 0 R] /Count 50000000 >>",
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 50000000 >>",
    ])


def test_bombs_are_stopped_and_the_run_goes_on(tmp_path, corpus) -> None:
    (corpus / "bomb.pdf").write_bytes(decompression_bomb(1500))
    (corpus / "tree.pdf").write_bytes(page_tree_bomb())
    (corpus / "ok.html").write_bytes(html_page("Ressourcerie", "Une ressourcerie ouvre."))
    limited = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", workers=2, extract_timeout=20, worker_memory_mb=512)
    started = time.monotonic()
    report = update_index(limited)
    assert time.monotonic() - started < 60
    assert report.indexed == ["ok.html"]
    assert set(report.failed) == {"bomb.pdf", "tree.pdf"}
    assert {reason for reason, _ in report.failed.values()} <= {"too-large", "timeout", "corrupt", "crashed", "image-only"}


# Crashes --------------------------------------------------------------------


def consistent(settings: Settings, complete: bool = True) -> None:
    """No indexed document without its file, no half-written file in sight; once a
    run has completed, every file is indexed or reported."""
    service = SearchService(settings)
    indexed = {d.relpath for d in service.all_documents()}
    files = {s.relpath for s in list_sources(settings.corpus_dir, SUPPORTED_SUFFIXES)}
    assert indexed <= files, indexed - files
    assert not [p for p in settings.corpus_dir.rglob("*") if p.name.startswith(".tmp-")]
    for path in files:  # a visible file is whole: it reads
        assert (settings.corpus_dir / path).stat().st_size > 0, path
    if complete:
        failed = {f.relpath for f in service.backend.stats().failures}
        assert files <= indexed | failed, files - indexed - failed


# Moments of a rebuild of 31 files, from the lock taken to the swap done.
REBUILD_MOMENTS = ["update-locked:1", "update-document:1", "update-document:16", "update-document:31",
                   "writer-commit:1", "update-committed:1", "update-publish:1", "update-published:1"]


@pytest.mark.parametrize("moment", REBUILD_MOMENTS)
def test_rebuild_killed_at_any_moment(settings, corpus, tmp_path, moment: str) -> None:
    for n in range(30):
        (corpus / f"p{n:02d}.html").write_bytes(html_page(f"Page {n}", f"Texte {n} sur l'habitat."))
    copy_sample(corpus, "good-report.pdf")
    assert run(settings, "index").exit_code == 0
    live = (settings.index_dir / "CURRENT").read_text()
    for n in range(30):
        (corpus / f"p{n:02d}.html").write_bytes(html_page(f"Page {n}", f"Nouveau texte {n} sur la mobilité."))
    faults = Faults(tmp_path)
    process = docsearch_process(settings, "index", "--rebuild", env=faults.env(f"{moment}:kill"))
    assert process.wait(timeout=120) == -signal.SIGKILL  # killed there, not finished before
    assert [point for point, _, _ in faults.reached()] == [moment.split(":")[0]]
    service = SearchService(settings)
    if moment == "update-published:1":  # killed after the swap: the new index serves, whole
        assert (settings.index_dir / "CURRENT").read_text() != live
        assert service.search(SearchRequest(q="mobilité")).total == 30
    else:  # killed before the swap: the old index serves, whole
        assert (settings.index_dir / "CURRENT").read_text() == live
        assert service.search(SearchRequest(q="habitat")).total == 30
        assert service.search(SearchRequest(q="mobilité")).total == 0
    assert service.search(SearchRequest(q="compostage")).total == 1
    assert run(settings, "index").exit_code == 0  # the next run completes the work
    assert SearchService(settings).search(SearchRequest(q="mobilité")).total == 30
    assert not list(settings.index_dir.glob("*.build"))
    consistent(settings)


# (where the update is when it is killed, where the concurrent add is when it is killed)
UPDATE_AND_ADD_MOMENTS = [
    ("update-document:10", "update-locked:1"),  # the add's file is in the corpus, not yet indexed
    ("writer-commit:1", "update-committed:1"),  # the add's document is committed, its run not finished
    ("update-committed:1", "extract-worker-task:1"),  # the add is still reading its file: nothing placed
]


@pytest.mark.parametrize(("update_moment", "add_moment"), UPDATE_AND_ADD_MOMENTS)
def test_incremental_update_and_add_killed_midway(settings, corpus, tmp_path, update_moment: str, add_moment: str) -> None:
    (corpus / "a.html").write_bytes(html_page("Page A", "Une mutuelle."))
    assert run(settings, "index").exit_code == 0
    for n in range(20):
        (corpus / f"n{n:02d}.html").write_bytes(html_page(f"Nouvelle {n}", f"Nouvelle page {n} sur la santé."))
    source = tmp_path / "ajout.pdf"
    source.write_bytes((DATA / "good-report.pdf").read_bytes())
    update_faults, add_faults = Faults(tmp_path, "update-faults"), Faults(tmp_path, "add-faults")
    # The update holds the write lock at its moment while the add runs beside it.
    update = docsearch_process(settings, "index", env=update_faults.env(f"{update_moment}:pause"))
    adding = docsearch_process(settings, "add", str(source), "--sector", "environnement", "--year", "2011",
                               env=add_faults.env(f"{add_moment}:pause"))
    update_faults.wait(update_moment.split(":")[0], update)
    if add_moment.startswith("extract-worker"):  # reached before the add needs the lock
        add_faults.wait(add_moment.split(":")[0], adding)
        adding.kill()
        update.kill()
    else:  # the add needs the lock: it gets there once the update is gone
        update.kill()
        add_faults.wait(add_moment.split(":")[0], adding)
        adding.kill()
    assert update.wait() == adding.wait() == -signal.SIGKILL
    consistent(settings, complete=False)  # killed: what is new may wait for the next run
    committed = update_moment.startswith("update-committed")  # killed after its commit, or before it
    assert SearchService(settings).search(SearchRequest(q="santé")).total == (20 if committed else 0)  # never half
    placed = [p for p in corpus.rglob("*.pdf")]
    assert len(placed) == (0 if add_moment.startswith("extract-worker") else 1)
    assert run(settings, "index").exit_code == 0
    consistent(settings)
    service = SearchService(settings)
    assert service.search(SearchRequest(q="santé")).total == 20
    assert service.search(SearchRequest(q="compostage")).total == len(placed)


def test_a_lock_left_by_a_killed_process_does_not_block(settings, corpus) -> None:
    (corpus / "a.html").write_bytes(html_page("Page A", "Une mutuelle."))
    update_index(settings)
    gen = settings.index_dir / (settings.index_dir / "CURRENT").read_text()
    (gen / "MAIN_WRITELOCK").write_text("")  # what a killed writer leaves behind
    (settings.index_dir / "write.lock").write_text("12345")
    (corpus / "b.html").write_bytes(html_page("Page B", "Une autre mutuelle."))
    result = run(settings, "index")
    assert result.exit_code == 0 and "indexed 1" in result.output
    assert "(process 12345) stopped before it finished" in result.output  # said, not silently ignored
    assert "stopped before" not in run(settings, "index").output  # a clean run leaves nothing behind


# Uploads ------------------------------------------------------------------


@pytest.fixture
def staff_client(tmp_path, corpus):
    from docsearch.staff.accounts import Accounts
    from tests.test_staff import PASSWORD, sign_in

    (corpus / "a.html").write_bytes(html_page("Accueil", "Le centre de ressources."))
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", instance_dir=tmp_path / "instance")
    update_index(settings)
    Accounts(settings.instance_dir).add("marie", PASSWORD)
    client = TestClient(create_app(settings))
    sign_in(client)
    return client, settings


@pytest.mark.parametrize(
    "name",
    ["../../../etc/passwd.pdf", "/etc/passwd.pdf", "C:\\Windows\\x.pdf", "rapport\x00.pdf", "\u202egnp.pdf",
     "ra\u0440\u043e\u0440t.pdf", "..\\..\\x.pdf", "／etc／x.pdf", ".cache.pdf", "con.pdf", " .pdf"],
)
def test_any_file_name_lands_safely_inside_the_corpus(staff_client, tmp_path, name: str) -> None:
    from tests.test_staff import publish, upload

    client, settings = staff_client
    response = upload(client, name, (DATA / "good-report.pdf").read_bytes())
    assert response.status_code == 303, response.text[:300]
    publish(client, response.headers["location"])
    placed = [p for p in settings.corpus_dir.rglob("*.pdf")]
    assert len(placed) == 1 and settings.corpus_dir.resolve() in placed[0].resolve().parents
    assert re.fullmatch(r"[a-z0-9][a-z0-9.-]*\.pdf", placed[0].name), placed[0].name
    assert not (tmp_path / "etc").exists()


def test_polyglot_files_are_judged_by_their_content(staff_client) -> None:
    from tests.test_staff import upload

    client, _ = staff_client
    html_in_pdf_name = upload(client, "page.pdf", html_page("Page", "Une page HTML déguisée en PDF."))
    assert html_in_pdf_name.status_code == 400 and "une page HTML" in html_in_pdf_name.text
    pdf_in_html_name = upload(client, "page.html", (DATA / "good-report.pdf").read_bytes())
    assert pdf_in_html_name.status_code == 400 and "PDF" in pdf_in_html_name.text


def test_scripts_in_documents_are_shown_as_text_everywhere(staff_client) -> None:
    from pypdf import PdfReader, PdfWriter

    from tests.test_staff import publish, upload

    client, settings = staff_client
    writer = PdfWriter(clone_from=PdfReader(DATA / "good-report.pdf"))
    writer.add_metadata({"/Title": "<script>alert('titre')</script> Rapport piégé"})
    buffer = io.BytesIO()
    writer.write(buffer)
    response = upload(client, "piege.pdf", buffer.getvalue())
    publish(client, response.headers["location"], titre="<script>alert('titre')</script> Rapport piégé")
    copy_sample(settings.corpus_dir, "script-title.html")
    update_index(settings)
    hits = client.get("/search.json", params={"q": "piégé OR compostage"}).json()["hits"]
    urls = ["/", "/search?q=pi%C3%A9g%C3%A9+OR+compostage", "/feed.atom", "/search.atom?q=compostage",
            *[h["page_url"] for h in hits], *[f"/gestion/documents/{h['id']}/modifier" for h in hits], "/gestion/attention"]
    for url in urls:
        body = client.get(url).text
        assert "<script>alert" not in body, url
    assert any("&lt;script&gt;alert" in client.get(h["page_url"]).text for h in hits)


# Load -----------------------------------------------------------------------


class Searches:
    """Visitors searching a running server without pause, until stopped."""

    QUERIES = ["économie", "sociale", "texte", "page 12", "zzz", "économie sociale"]

    def __init__(self, base: str, clients: int = 3) -> None:
        self.base, self.answered = base, 0
        self.errors: list[str] = []
        self.lock, self.stop = threading.Lock(), threading.Event()
        self.threads = [threading.Thread(target=self._client, args=(n,)) for n in range(clients)]
        for thread in self.threads:
            thread.start()

    def _client(self, n: int) -> None:
        turn = n
        while not self.stop.is_set():
            q = self.QUERIES[turn % len(self.QUERIES)]
            turn += 1
            try:
                with urllib.request.urlopen(f"{self.base}/search?q={urllib.parse.quote(q)}", timeout=30) as response:
                    response.read()
                    error = None if response.status == 200 else f"{q}: {response.status}"
            except OSError as exc:
                error = f"{q}: {exc}"
            with self.lock:
                self.answered += 1
                if error:
                    self.errors.append(error)

    def more(self, count: int = 10, timeout: float = 60) -> None:
        """Wait until ``count`` more searches are answered (at this moment of the test)."""
        target = self.answered + count
        deadline = time.monotonic() + timeout
        while self.answered < target:
            assert time.monotonic() < deadline, f"{self.answered} searches answered, {target} awaited"
            time.sleep(0.01)

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()


def test_searches_keep_being_answered_during_a_rebuild_and_uploads(settings, corpus, tmp_path) -> None:
    for n in range(40):
        (corpus / f"p{n:02d}.html").write_bytes(html_page(f"Page {n}", f"Texte {n} sur l'économie sociale."))
    update_index(settings)
    source = tmp_path / "ajout.html"
    source.write_bytes(html_page("Ajout", "Une page ajoutée pendant la reconstruction, sur la zoologie."))
    faults = Faults(tmp_path)
    port = free_port()
    server = docsearch_process(settings, "serve", "--port", str(port))
    searches = None
    try:
        wait_for(f"http://127.0.0.1:{port}/index.json")
        searches = Searches(f"http://127.0.0.1:{port}")
        # The rebuild stops half-way, then again just before its swap.
        rebuild = docsearch_process(settings, "index", "--rebuild",
                                    env=faults.env("update-document:20:pause,update-publish:1:pause"))
        faults.wait("update-document", rebuild)
        adding = docsearch_process(settings, "add", str(source))  # waits for the lock the rebuild holds
        searches.more()  # answered while the rebuild holds the lock
        faults.release()
        faults.wait("update-publish", rebuild)
        searches.more()  # answered while the new generation waits to be swapped in
        faults.release()
        assert rebuild.wait(timeout=120) == 0
        assert adding.wait(timeout=120) == 0
        searches.more()  # answered from the new generation
        found = json.loads(wait_for(f"http://127.0.0.1:{port}/search.json?q=zoologie"))["total"]
    finally:
        if searches:
            searches.finish()
        server.send_signal(signal.SIGINT)
        server.wait(timeout=10)
    assert searches.errors == []
    assert found == 1


def test_temporary_files_of_an_interrupted_write_are_cleaned_up(settings, corpus) -> None:
    (corpus / "a.html").write_bytes(html_page("Page A", "Une mutuelle."))
    stale = corpus / "sous" / ".tmp-abcd.pdf"
    stale.parent.mkdir()
    stale.write_bytes(b"%PDF-1.4 half written")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    fresh = corpus / ".tmp-en-cours.pdf"
    fresh.write_bytes(b"%PDF-1.4 being written")
    update_index(settings)
    assert not stale.exists() and fresh.exists()


def test_the_server_catches_up_on_start(settings, corpus) -> None:
    (corpus / "a.html").write_bytes(html_page("Page A", "Une mutuelle."))
    update_index(settings)
    (corpus / "b.html").write_bytes(html_page("Page B", "Une autre mutuelle, arrivée serveur éteint."))
    with TestClient(create_app(settings)) as client:
        deadline = time.monotonic() + 20
        while client.get("/search.json", params={"q": "éteint"}).json()["total"] == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert client.get("/search.json", params={"q": "éteint"}).json()["total"] == 1
