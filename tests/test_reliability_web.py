"""Reliability of the query and web side (issue 12): every search has a cost
bound, proxy headers are believed only from the proxies the settings name,
a publication interrupted by a kill is finished at restart, bad addresses
get a French message, and every XML answer is well-formed."""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
import threading
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from starlette.testclient import TestClient

from docsearch.catalogue.vocabulary import load_vocabulary
from docsearch.config import Settings
from docsearch.index.backend import SearchRequest
from docsearch.index.engine import WhooshBackend
from docsearch.index.engine.deadline import TIME_NOTE, WILDCARD_NOTE
from docsearch.index.store import IndexStore
from docsearch.index.update import update_index
from docsearch.search.service import SearchService
from docsearch.staff.accounts import Accounts
from docsearch.staff.drafts import PUBLICATION, create_draft, drafts_folder, recover_publications
from docsearch.web.app import create_app
from tests.conftest import DATA, html_page
from tests.faults import Faults
from tests.test_backend import document
from tests.test_cli import docsearch_process, free_port, run, wait_for

PASSWORD = "un-mot-de-passe-solide"


# 2. Every query has a cost bound ------------------------------------------


def _lexicon(settings: Settings) -> list[str]:
    reader = IndexStore(settings.index_dir).open().reader()
    try:
        return [w.decode("utf-8") for w in reader.lexicon("words")]
    finally:
        reader.close()


def sixty_infixes(settings: Settings) -> str:
    """Sixty "*abc*" patterns, each matching some words of the index (under 500 characters)."""
    patterns: list[str] = []
    for word in _lexicon(settings):
        infix = word[1:4]
        if len(word) >= 6 and infix.isalpha() and infix.isascii() and f"*{infix}*" not in patterns:
            patterns.append(f"*{infix}*")
        if len(patterns) == 60:
            break
    assert len(patterns) == 60
    return " ".join(patterns)


def sixty_misses() -> str:
    """Sixty "*abc*" patterns that match no word: each a scan of the whole lexicon."""
    letters = "bcdfghjklmnpqrstvwxz"
    return " ".join(f"*{a}{b}q*" for a, b in itertools.islice(itertools.product(letters, repeat=2), 60))


def test_sixty_wildcards_stop_at_the_search_deadline(sample_settings: Settings) -> None:
    q = sixty_infixes(sample_settings)
    assert len(q) < 500
    unhurried = SearchService(replace(sample_settings, search_timeout=60.0)).search(SearchRequest(q=q))
    assert unhurried.total > 0 and TIME_NOTE not in (unhurried.note or "")
    # The setting is the bound: with no time at all, nothing is expanded and
    # the visitor is told why the answer is empty.
    late = SearchService(replace(sample_settings, search_timeout=0.0)).search(SearchRequest(q=q))
    assert late.note is not None and TIME_NOTE in late.note
    assert late.total == 0 and late.hits == []


class Ticks:
    """A clock that advances one second each time the engine looks at it."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@pytest.mark.parametrize("seconds", [1, 2, 3, 5, 8, 13, 40])
def test_a_search_cut_short_shows_only_documents_it_matches(sample_settings: Settings, seconds: int) -> None:
    """Whenever the deadline falls, what is shown is part of the full answer,
    and an exclusion cut short never lets an excluded document through."""
    vocab = load_vocabulary(sample_settings.vocabulary_file)
    full = WhooshBackend(sample_settings.index_dir, vocab, sample_settings.synonyms_file, search_timeout=600)
    clock = Ticks()
    timed = WhooshBackend(sample_settings.index_dir, vocab, sample_settings.synonyms_file, search_timeout=seconds,
                          clock=clock)
    q = sixty_infixes(sample_settings)
    patterns = q.split()
    # Exclusions that leave some documents: the first four patterns that do.
    excluding = next(query for n in range(0, 60, 4) if full.search(
        SearchRequest(q=(query := f"culture NOT ({' '.join(patterns[n:n + 4])})"))).total)
    try:
        for query in (q, excluding, f"({' '.join(patterns[:30])}) AND économie"):
            everything = full.search(SearchRequest(q=query, per_page=1000))
            assert everything.total == len(everything.hits) > 0, query
            clock.now = 0.0
            cut = timed.search(SearchRequest(q=query, per_page=1000))
            assert {h.document.id for h in cut.hits} <= {h.document.id for h in everything.hits}, query
            assert cut.total == len(cut.hits) <= everything.total
            if clock.now >= seconds + 1:  # the deadline came during the search: the visitor is told
                assert cut.note and (TIME_NOTE in cut.note or WILDCARD_NOTE in cut.note)
    finally:
        full.close()
        timed.close()


def test_wildcards_look_at_a_bounded_number_of_words_in_all(sample_settings: Settings) -> None:
    """Sixty patterns that match nothing: the engine stops looking through the
    lexicon once the query's budget of words is spent, and says so."""
    result = SearchService(replace(sample_settings, search_timeout=600.0)).search(SearchRequest(q=sixty_misses()))
    assert result.total == 0
    assert result.note == WILDCARD_NOTE
    # One such pattern alone is searched in full, without a note.
    assert SearchService(sample_settings).search(SearchRequest(q="*bcq*")).note is None


def test_similar_documents_are_kept_per_generation(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "index")
    backend = WhooshBackend(settings.index_dir, load_vocabulary(settings.vocabulary_file), settings.synonyms_file)
    try:
        backend.write([document("a.pdf", "Jardins partagés", "Un jardin partagé, des légumes et un compost."),
                       document("b.pdf", "Compost", "Le compost du jardin partagé.")])
        doc_id = backend.documents()[0].id
        first = backend.similar(doc_id)
        assert backend._current().similar.get((doc_id, 5)) == first  # kept: the next view reads no index
        assert backend.similar(doc_id) == first
        backend.write([document("c.pdf", "Légumes", "Des légumes du jardin partagé et du compost.")])
        again = backend.similar(doc_id)  # a new generation: found again, with the new document
        assert {d.relpath for d in again} == {d.relpath for d in backend.documents()} - {backend.document(doc_id).relpath}
    finally:
        backend.close()


# 6. Proxy headers only from trusted proxies --------------------------------


def _web_settings(tmp_path: Path) -> Settings:
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    (corpus / "festival.html").write_bytes(html_page("Festival solidaire", "L'économie sociale fait son festival."))
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", instance_dir=tmp_path / "instance", workers=2)
    update_index(settings)
    Accounts(settings.instance_dir).add("marie", PASSWORD)
    return settings


class Browser(requests.Session):
    """A visitor's cookies on one server, without following redirects."""

    def __init__(self, base: str, headers: dict[str, str] | None = None) -> None:
        super().__init__()
        self.base = base
        self.headers.update(headers or {})

    def request(self, method, url, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 60)
        return super().request(method, self.base + url, *args, **kwargs)

    def token(self, path: str) -> str:
        return re.search(r'name="csrf" value="([^"]+)"', self.get(path).text).group(1)  # type: ignore[union-attr]


def _sign_in(base: str, password: str, headers: dict[str, str]) -> requests.Response:
    with Browser(base, headers) as client:
        token = client.token("/gestion/connexion")
        return client.post("/gestion/connexion", data={"nom": "marie", "mot_de_passe": password, "csrf": token})


def _guess_in_parallel(base: str, headers: list[dict[str, str]]) -> list[int]:
    statuses: list[int] = []

    def guess(h: dict[str, str]) -> None:
        statuses.append(_sign_in(base, "pas-le-bon", h).status_code)

    threads = [threading.Thread(target=guess, args=(h,)) for h in headers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def _serve(settings: Settings, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = docsearch_process(settings, "serve", "--port", str(port), env=env)
    base = f"http://127.0.0.1:{port}"
    wait_for(base + "/index.json")
    return process, base


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)
    process.wait(timeout=20)


def test_forged_forwarded_headers_do_not_reset_the_sign_in_count(tmp_path: Path) -> None:
    settings = _web_settings(tmp_path)
    process, base = _serve(settings)
    try:
        forged = [{"X-Forwarded-For": f"203.0.113.{n}"} for n in range(1, 9)]
        assert sorted(_guess_in_parallel(base, forged)) == [401] * 8
        # The real peer (127.0.0.1) is locked, whatever address the header names.
        locked = _sign_in(base, PASSWORD, {"X-Forwarded-For": "203.0.113.99"})
        assert locked.status_code == 429 and "bloquée" in locked.text
        # Nor does a forged X-Forwarded-Proto make the session cookie Secure.
        with Browser(base, {"X-Forwarded-Proto": "https"}) as client:
            cookie = client.get("/gestion/connexion").headers.get("set-cookie", "")
        assert cookie and "secure" not in cookie.lower()
    finally:
        _stop(process)


def test_forwarded_headers_are_honoured_from_a_trusted_proxy(tmp_path: Path) -> None:
    settings = _web_settings(tmp_path)
    process, base = _serve(settings, env={**os.environ, "DOCSEARCH_TRUSTED_PROXIES": "127.0.0.1"})
    try:
        one_visitor = [{"X-Forwarded-For": "198.51.100.7"}] * 8
        assert sorted(_guess_in_parallel(base, one_visitor)) == [401] * 8
        assert _sign_in(base, PASSWORD, {"X-Forwarded-For": "198.51.100.7"}).status_code == 429
        # Another visitor behind the same proxy is not locked out by the first one.
        assert _sign_in(base, PASSWORD, {"X-Forwarded-For": "198.51.100.8"}).status_code == 303
        with Browser(base, {"X-Forwarded-Proto": "https"}) as client:  # the proxy says the visitor came over HTTPS
            assert "secure" in client.get("/gestion/connexion").headers["set-cookie"].lower()
    finally:
        _stop(process)


# 7. A publication interrupted by a kill -----------------------------------


def test_server_killed_during_a_publication_finishes_it_at_restart(tmp_path: Path) -> None:
    settings = _web_settings(tmp_path)
    faults = Faults(tmp_path)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = docsearch_process(settings, "serve", "--port", str(port), env=faults.env("draft-claimed:1:kill"))
    try:
        wait_for(base + "/index.json")
        with Browser(base) as client:
            client.post("/gestion/connexion", data={"nom": "marie", "mot_de_passe": PASSWORD,
                                                    "csrf": client.token("/gestion/connexion")})
            added = client.post("/gestion/ajouter", data={"csrf": client.token("/gestion/ajouter")},
                                files=[("fichiers", ("Rapport 2011.pdf", (DATA / "good-report.pdf").read_bytes(),
                                                     "application/pdf"))])
            draft_url = urlsplit(added.headers["location"]).path
            token = client.token(draft_url)
            with pytest.raises(requests.ConnectionError):  # the server dies while publishing
                client.post(draft_url, data={"csrf": token, "titre": "Bilan tapé par Marie", "type": "rapport-activite",
                                             "annee": "2011", "secteurs": ["environnement"], "resume": ""})
        assert faults.wait("draft-claimed", server) == server.pid
        assert server.wait(timeout=20) == -signal.SIGKILL
    finally:
        if server.poll() is None:
            server.kill()
    left = list(drafts_folder(settings).glob("*" + PUBLICATION))
    assert len(left) == 1  # the upload and its typed metadata are still there, half published

    process, base = _serve(settings)
    try:
        hits: list[dict[str, object]] = []
        for _ in range(100):  # the restart queues it for indexing
            hits = json.loads(wait_for(base + "/search.json?q=bilan"))["hits"]
            if any(h["title"] == "Bilan tapé par Marie" for h in hits):
                break
            threading.Event().wait(0.2)
        hit = next(h for h in hits if h["title"] == "Bilan tapé par Marie")
        assert hit["year"] == 2011 and [s["code"] for s in hit["sectors"]] == ["environnement"]  # type: ignore[index, union-attr]
        assert not list(drafts_folder(settings).glob("*" + PUBLICATION))
        with Browser(base) as client:
            client.post("/gestion/connexion", data={"nom": "marie", "mot_de_passe": PASSWORD,
                                                    "csrf": client.token("/gestion/connexion")})
            dashboard = client.get("/gestion/").text
        assert "Publications interrompues" in dashboard and "Bilan tapé par Marie" in dashboard
        assert "publié dans le fonds" in dashboard
    finally:
        _stop(process)


def test_a_publication_killed_before_its_metadata_were_saved_is_a_draft_again(tmp_path: Path) -> None:
    settings = _web_settings(tmp_path)
    draft = create_draft(settings, (DATA / "good-report.pdf").read_bytes(), "Rapport 2011.pdf")
    folder = drafts_folder(settings) / draft.id
    folder.rename(folder.with_name(draft.id + PUBLICATION))  # where a kill right after the rename leaves it
    (recovered,) = recover_publications(settings)
    assert not recovered.published and recovered.draft_id == draft.id and recovered.name == "Rapport 2011.pdf"
    assert (folder / "draft.json").is_file() and not folder.with_name(draft.id + PUBLICATION).exists()
    client = TestClient(create_app(settings))
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/gestion/connexion").text).group(1)  # type: ignore[union-attr]
    client.post("/gestion/connexion", data={"nom": "marie", "mot_de_passe": PASSWORD, "csrf": token})
    assert f"/gestion/brouillons/{draft.id}" in client.get("/gestion/").text  # listed among the drafts


# 12. Bad addresses in "add by URL" ----------------------------------------

BAD_URLS = ["http://127.0.0.1:99999/", "http://[::1/", "http://h:1:80/"]


@pytest.mark.parametrize("url", BAD_URLS)
def test_add_by_a_malformed_address_is_refused_in_french_by_the_cli(tmp_path: Path, url: str) -> None:
    settings = _web_settings(tmp_path)
    result = run(settings, "add", url)
    assert result.exit_code == 2, result.output
    assert "n'est pas une adresse web valide" in result.output
    assert "Traceback" not in result.output


def test_add_by_a_malformed_address_is_refused_in_french_by_the_web_form(tmp_path: Path) -> None:
    settings = _web_settings(tmp_path)
    client = TestClient(create_app(settings))
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/gestion/connexion").text).group(1)  # type: ignore[union-attr]
    client.post("/gestion/connexion", data={"nom": "marie", "mot_de_passe": PASSWORD, "csrf": token})
    for url in BAD_URLS:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/gestion/ajouter").text).group(1)  # type: ignore[union-attr]
        response = client.post("/gestion/ajouter", data={"csrf": token, "url": url}, follow_redirects=False)
        assert response.status_code == 400, url
        assert "adresse web valide" in response.text


# 13. XML answers are well-formed ------------------------------------------


def test_atom_and_opensearch_are_well_formed_xml_whatever_the_titles_and_queries(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "festival.html").write_bytes(html_page("Festival solidaire", "L'économie sociale fait son festival."))
    (corpus / "festival.html.meta.toml").write_text('titre = "Festival \\uFFFF\\u0001 solidaire\\u000B"\n', encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", instance_dir=tmp_path / "instance", workers=2)
    update_index(settings)
    client = TestClient(create_app(settings))
    for path in ("/feed.atom", "/search.atom?q=%01abc", "/search.atom?q=festival%EF%BF%BF%0B", "/opensearch.xml",
                 "/search.atom?q=festival"):
        response = client.get(path)
        assert response.status_code == 200, path
        root = ET.fromstring(response.content)  # raises on a character XML forbids
        assert root.tag.endswith(("feed", "OpenSearchDescription")), path
    entries = ET.fromstring(client.get("/feed.atom").content).findall("{http://www.w3.org/2005/Atom}entry")
    (title,) = [e.findtext("{http://www.w3.org/2005/Atom}title") or "" for e in entries]
    assert title.split() == ["Festival", "solidaire"]
