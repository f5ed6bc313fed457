"""The visitor's side over HTTP (issue 16): honest results pages, the way back
from a document, saved pages as text, autocomplete, "ma sélection" exports
and the feeds' names. The browser side is in ``test_visitor_browser.py``."""

from __future__ import annotations

import csv
import io
import json
import re
import time
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from docsearch.index.backend import SearchRequest
from docsearch.web.app import create_app
from docsearch.web.selection import tex
from tests.conftest import copy_sample, html_page

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def web(sample_settings) -> TestClient:
    return TestClient(create_app(sample_settings))


@pytest.fixture
def small(settings, corpus) -> TestClient:
    from docsearch.index.update import update_index

    # A saved page with a cookie banner, a script and markup-looking text.
    (corpus / "web").mkdir()
    (corpus / "web" / "festival.html").write_bytes(html_page(
        "&lt;b&gt;Festival&lt;/b&gt; &amp; solidarité",
        "<script>var tracker = 1;</script><div class='cookie-banner' style='display:none'></div>"
        "<p>L'économie sociale fait son festival : &lt;script&gt;alert(1)&lt;/script&gt; et économies d'énergie.</p>"))
    copy_sample(corpus, "good-report.pdf")
    update_index(settings)
    return TestClient(create_app(settings))


def hits(client: TestClient, **params: str) -> dict:
    return client.get("/search.json", params=params).json()


# Typos: searched as their correction, the typed word one click away -------------------


def test_a_typo_is_searched_as_its_correction_not_widened_by_near_words(web, sample_service) -> None:
    typed, right = hits(web, q="ressourcrie"), hits(web, q="ressourcerie")
    # Before: the near words of "ressourcrie" widened the query to 40 documents.
    widened = sample_service.backend.search(SearchRequest(q="ressourcrie")).total
    assert (widened, right["total"]) == (40, 12)
    assert typed["total"] == right["total"] == 12 and typed["corrected"] == "ressourcerie"
    assert [h["id"] for h in typed["hits"]] == [h["id"] for h in right["hits"]]
    assert typed["query"] == "ressourcrie" and typed["suggestion"] == "ressourcerie"
    assert typed["links"]["suggestion_url"] is None  # no "vouliez-vous dire" for what was searched
    page = web.get("/search", params={"q": "ressourcrie"}).text
    assert "<h1>Résultats pour « ressourcerie »</h1>" in page
    assert 'value="ressourcerie"' in page  # the box holds what was searched
    as_typed = re.search(r'<a href="([^"]+)">Rechercher plutôt « ressourcrie »</a>', page).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(as_typed).query) == {"q": ["ressourcrie"], "tel_quel": ["1"]}
    # As typed: the word alone, which no document has, and the correction offered back.
    exact = web.get(as_typed)
    assert "<strong>0 document</strong>" in exact.text  # zéro is singular in French and "Vouliez-vous dire" in exact.text
    assert hits(web, q="ressourcrie", tel_quel="1")["total"] == 0


def test_a_correction_keeps_the_filters_and_a_known_word_is_never_corrected(web) -> None:
    filtered = hits(web, q="ressourcrie", secteur="environnement")
    assert filtered["corrected"] == "ressourcerie"
    assert filtered["total"] == hits(web, q="ressourcerie", secteur="environnement")["total"] > 0
    assert hits(web, q="insertion")["corrected"] is None
    # A correction that finds nothing with the filters is not forced: the typed words stay.
    none = hits(web, q="methanisaton", secteur="sport")
    assert none["corrected"] is None and none["suggestion"] == "méthanisation" and none["total"] == 0


# Past the last page ---------------------------------------------------------------


def test_past_the_last_page_answers_the_last_page(web) -> None:
    data = hits(web, q="insertion", page="99")
    assert data["page"] == data["page_count"] == 3 and data["hits"]
    assert data["note"] == "La page 99 n'existe pas : voici la dernière page (3)."
    page = web.get("/search", params={"q": "insertion", "page": "99"}).text
    assert "page 3 sur 3" in page and "page 99" not in page.split("<main")[1].split("La page 99")[0]
    assert "Employez moins de mots" not in page and "Aucun document" not in page


# The document page: the way back, the words highlighted, the PDF viewer --------------


def test_results_link_to_documents_with_the_way_back(web) -> None:
    page = web.get("/search", params={"q": "insertion", "secteur": "iae", "page": "2", "par_page": "3"}).text
    link = re.search(r'<h3><a href="(/documents/[0-9a-f]+\?retour=[^"]+)">', page).group(1).replace("&amp;", "&")
    document = web.get(link).text
    back = re.search(r'<p class="back"><a href="([^"]+)">', document).group(1).replace("&amp;", "&")
    assert urlsplit(back).path == "/search"
    assert parse_qs(urlsplit(back).query) == {"q": ["insertion"], "secteur": ["iae"], "page": ["2"], "par_page": ["3"]}
    assert 'value="insertion"' in document  # the search box keeps the query
    # A similar document keeps the same way back.
    similar = re.search(r'<section class="similar".*?<h3><a href="([^"]+)">', document, re.S).group(1).replace("&amp;", "&")
    assert re.search(r'<p class="back"><a href="([^"]+)">', web.get(similar).text).group(1).replace("&amp;", "&") == back
    assert "<mark>" in document and "Les mots cherchés sont surlignés." in document


@pytest.mark.parametrize("retour", [
    "https://evil.example/search?q=x", "//evil.example/search?q=x", "/gestion/", "javascript:alert(1)",
    "q=x&next=https://evil.example", "\r\nLocation: https://evil.example",
])
def test_the_way_back_never_leaves_the_search_page(web, retour: str) -> None:
    doc_id = hits(web, q="insertion")["hits"][0]["id"]
    response = web.get(f"/documents/{doc_id}", params={"retour": retour})
    assert response.status_code == 200
    back = re.search(r'<p class="back"><a href="([^"]+)">', response.text).group(1)
    assert back.startswith("/search") and "evil" not in back and "gestion" not in back and "javascript" not in back


def test_pdf_links_carry_the_words_to_the_viewer(web) -> None:
    hit = hits(web, q="méthanisation")["hits"][0]
    assert hit["snippets"][0]["url"].endswith("#page=17&search=m%C3%A9thanisation")
    document = web.get(hit["visit_url"]).text
    assert f'<a class="button" href="{hit["file_url"]}#search=m%C3%A9thanisation">Ouvrir le PDF</a>' in document
    # Without a search behind it, the PDF opens plainly.
    assert f'<a class="button" href="{hit["file_url"]}">Ouvrir le PDF</a>' in web.get(hit["page_url"]).text


def test_a_saved_page_is_shown_as_its_text_with_the_words_marked_and_escaped(small) -> None:
    hit = hits(small, q="festival")["hits"][0]
    assert hit["format"] == "html"
    page = small.get(hit["visit_url"]).text
    text = page.split('<h2 id="texte"')[1].split("</section>")[0]
    assert "L'économie sociale fait son <mark>festival</mark>" in text  # only the word searched
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script>" not in text
    assert "tracker" not in text and "cookie-banner" not in text
    stems = small.get(hit["page_url"], params={"retour": "q=économies"}).text.split('<h2 id="texte"')[1]
    assert "L'<mark>économie</mark> sociale" in stems and "<mark>économies</mark> d'énergie" in stems
    # "Texte de la page enregistrée": its extracted text, not its HTML source.
    served = small.get(hit["file_url"])
    assert served.headers["content-type"].startswith("text/plain") and served.headers["content-security-policy"] == "sandbox"
    assert "fait son festival" in served.text and "tracker" not in served.text and "cookie-banner" not in served.text
    original = small.get(hit["download_url"])  # the snapshot itself, as a download
    assert original.headers["content-disposition"].startswith("attachment") and "<script>" in original.text


# Autocomplete ---------------------------------------------------------------------


def test_suggest_json_completes_from_the_index_words_and_titles(web) -> None:
    web.get("/suggest.json", params={"q": "ress"})  # the titles are read once per generation
    start = time.perf_counter()
    response = web.get("/suggest.json", params={"q": "ressou"})
    elapsed = time.perf_counter() - start
    data = response.json()
    assert elapsed < 0.2 and len(response.content) < 1000
    words = [s["label"] for s in data["suggestions"] if s["kind"] == "mot"]
    titles = [s for s in data["suggestions"] if s["kind"] == "titre"]
    assert "ressourcerie" in words and all(w.startswith("ressou") for w in words)
    assert titles and all("ressou" in t["label"].lower() and t["url"].startswith("/documents/") for t in titles)
    # The words before the last stay as typed; the completed one is written as the documents write it.
    assert "economie sociale" in [s["label"] for s in web.get("/suggest.json", params={"q": "economie soc"}).json()["suggestions"]]
    for q in ("", "a", "zzzzq", "x" * 5000, "\x00\x01"):
        answer = web.get("/suggest.json", params={"q": q})
        assert answer.status_code == 200 and answer.json()["suggestions"] == []
    assert web.get("/suggest.json?q=%ED%A0%80%FF").json()["suggestions"] == []  # not UTF-8


# "Ma sélection": CSV, RIS, BibTeX from ids --------------------------------------------


def selected(web: TestClient) -> list[dict]:
    report = hits(web, q="rapport activité ressourcerie")["hits"][0]
    web_page = hits(web, q="bourse aux vélos")["hits"][0]
    return [report, web_page]


def test_ris_export_of_real_records(web) -> None:
    docs = selected(web)
    response = web.get("/selection.ris", params={"ids": ",".join(d["id"] for d in docs)})
    assert response.headers["content-type"].startswith("application/x-research-info-systems")
    assert response.headers["content-disposition"] == 'attachment; filename="ma-selection.ris"'
    records = response.text.split("ER  - \r\n")
    assert len(records) == 3 and records[2] == ""
    first = dict(line.split("  - ", 1) for line in records[0].strip().split("\r\n") if line[2:6] == "  - ")
    report = web.get(f"/documents/{docs[0]['id']}.json").json()["document"]
    assert first["TY"] == "RPRT" and first["TI"] == report["title"] and first["PY"] == str(report["year"])
    assert f"UR  - http://testserver/documents/{report['id']}" in records[0]
    assert "TY  - ELEC" in records[1] and f"UR  - {docs[1]['url']}" in records[1]


def test_bibtex_export_escapes_tex_specials(web) -> None:
    docs = selected(web)
    text = web.get("/selection.bib", params={"ids": ",".join(d["id"] for d in docs)}).text
    report = web.get(f"/documents/{docs[0]['id']}.json").json()["document"]
    assert text.startswith(f"@techreport{{ess-{report['id']},\n")
    assert f"  title = {{{{{tex(report['title'])}}}}},\n" in text and f"  year = {{{report['year']}}}" in text
    assert "@misc{ess-" in text
    assert text.count("{") == text.count("}")
    assert tex("50 % & 10 $ #1 a_b {x} ~ ^ \\") == r"50 \% \& 10 \$ \#1 a\_b \{x\} \textasciitilde{} \textasciicircum{} \textbackslash{}"


def test_csv_export_opens_in_a_french_spreadsheet(web) -> None:
    docs = selected(web)
    response = web.get("/selection.csv", params={"ids": ",".join(d["id"] for d in docs)})
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Titre", "Type", "Année"] and len(rows) == 3
    assert rows[1][0] == docs[0]["title"] and rows[2][-1] == docs[1]["url"]


@pytest.mark.parametrize(("ids", "status", "message"), [
    ("../../etc/passwd", 400, "Identifiant de document invalide"),
    ("<script>", 400, "Identifiant de document invalide"),
    (",".join(f"{i:012x}" for i in range(501)), 400, "Trop de documents"),
])
def test_selection_ids_are_checked(web, ids: str, status: int, message: str) -> None:
    response = web.get("/selection.bib", params={"ids": ids})
    assert response.status_code == status and message in response.text and "Traceback" not in response.text


def test_selection_of_unknown_or_no_ids_is_an_empty_list(web) -> None:
    assert web.get("/selection.ris", params={"ids": "000000000000"}).text == ""
    assert web.get("/selection.csv").text.count("\n") == 1  # the header row
    assert web.get("/selection.pdf").status_code == 404
    page = web.get("/selection").text
    assert "<h1>Ma sélection</h1>" in page and "n'exécute pas JavaScript" in page


# Feeds ------------------------------------------------------------------------------


def test_feed_titles_name_the_search_and_its_filters_and_point_to_the_results(web) -> None:
    feed = ET.fromstring(web.get("/search.atom", params=[("q", "insertion"), ("secteur", "iae"), ("de", "2010")]).content)
    assert feed.find(f"{ATOM}title").text == (
        "Recherche « insertion » — Secteur : Insertion par l'activité économique, Années : depuis 2010 — Centre de ressources de l'ESS")
    alternate = next(link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "alternate")
    assert alternate.get("type") == "text/html"
    assert alternate.get("href") == "http://testserver/search?q=insertion&secteur=iae&de=2010"
    newest = ET.fromstring(web.get("/feed.atom").content)
    assert next(x for x in newest.findall(f"{ATOM}link") if x.get("rel") == "alternate").get("href") == (
        "http://testserver/search?tri=recents")
    corrected = ET.fromstring(web.get("/search.atom", params={"q": "ressourcrie"}).content)
    assert corrected.find(f"{ATOM}title").text.startswith("Recherche « ressourcerie »")


def test_json_twin_names_the_correction(web) -> None:
    data = json.loads(web.get("/search.json", params={"q": "ressourcrie"}).content)
    assert data["corrected"] == "ressourcerie" and data["links"]["as_typed_url"] == "/search?q=ressourcrie&tel_quel=1"
