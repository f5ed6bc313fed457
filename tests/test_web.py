"""The public web interface through Starlette's TestClient: pages, JSON twins, feeds, errors, headers."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest
from starlette.testclient import TestClient

from docsearch.index.update import update_index
from docsearch.web.app import create_app
from tests.conftest import copy_sample, html_page

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def client(settings, corpus):
    # Entities in the source: the extracted title is the literal text "<b>Festival</b> & solidarité".
    (corpus / "festival.html").write_bytes(
        html_page("&lt;b&gt;Festival&lt;/b&gt; &amp; solidarité", "L'économie sociale fait son festival."))
    copy_sample(corpus, "good-report.pdf")
    update_index(settings)
    return TestClient(create_app(settings))


@pytest.fixture(scope="module")
def sample_client(sample_settings):
    return TestClient(create_app(sample_settings))


@pytest.mark.parametrize(
    ("page", "twin", "template"),
    [
        ("/", "/index.json", "home.html"),
        ("/search?q=économie+sociale&secteur=iae&secteur=culture&de=2005&a=2020", None, "search.html"),
        ("/search?q=coopérative&tri=date&page=2", None, "search.html"),
        ("/search?secteur=sport", None, "search.html"),
    ],
)
def test_every_page_has_a_json_twin_with_the_same_data(sample_client, page: str, twin: str | None, template: str) -> None:
    html = sample_client.get(page)
    twin = twin or page.replace("/search?", "/search.json?")
    data = sample_client.get(twin).json()
    assert html.status_code == 200 and html.template.name == template
    shown = html.context["data"]  # the page record, which the JSON twin renders too
    assert json.loads(json.dumps(shown.json())) == data
    for key in ("total", "page", "page_count"):
        if key in data:
            assert getattr(shown, key) == data[key], key
    hits = "hits" if "hits" in data else "newest"
    assert [h.id for h in getattr(shown, hits)] == [h["id"] for h in data[hits]]
    # The page names its JSON twin in a Link header, for programs that find it there.
    named = re.search(r'<([^>]+)>; rel="alternate"; type="application/json"', html.headers["link"]).group(1)
    assert sample_client.get(named).json() == data


def test_document_page_and_twin(sample_client) -> None:
    hit = sample_client.get("/search.json", params={"q": "méthanisation"}).json()["hits"][0]
    page = sample_client.get(hit["page_url"])
    data = sample_client.get(hit["json_url"]).json()
    assert page.context["data"].document.title == data["document"]["title"] == hit["title"]
    assert [d.id for d in page.context["data"].similar] == [d["id"] for d in data["similar"]]
    assert page.headers["link"] == f'<{hit["json_url"]}>; rel="alternate"; type="application/json"'
    document = data["document"]
    assert document["permalink"].endswith(hit["page_url"]) and document["page_count"] == 18
    assert {"size", "added", "first_lines", "sectors", "year", "type", "source"} <= set(document)
    month = "novembre" if "-11-" in document["added"] else "20"
    for label in ("18", "Télécharger le PDF", "Documents similaires", "Lien permanent", month):
        assert label in page.text


def test_french_number_and_chips(sample_client) -> None:
    page = sample_client.get("/search", params=[("q", "insertion"), ("secteur", "iae"), ("de", "2005"), ("a", "2015")])
    links = page.context["data"].links
    assert [c["label"] for c in links["chips"]] == ["Secteur : Insertion par l'activité économique", "Années : de 2005 à 2015"]
    assert links["clear_url"] == "/search?q=insertion"
    assert "Tout effacer" in page.text


def test_pages_links_open_pdfs_at_their_page(sample_client) -> None:
    hit = sample_client.get("/search.json", params={"q": "méthanisation"}).json()["hits"][0]
    # The PDF viewer opens at the page and looks for the words (PDF.js's #search=).
    assert hit["page_links"] == [{"page": 17, "url": f"{hit['file_url']}#page=17&search=m%C3%A9thanisation"}]
    web = sample_client.get("/search.json", params={"q": "bourse aux vélos"}).json()["hits"][0]
    assert web["format"] == "html" and web["page_links"] == []  # a web page has no page to open at


def test_document_text_is_escaped_in_pages(client) -> None:
    assert client.get("/search.json", params={"q": "festival"}).json()["hits"][0]["title"] == "<b>Festival</b> & solidarité"
    for url in ("/search?q=festival", "/"):
        page = client.get(url).text
        assert "&lt;b&gt;Festival&lt;/b&gt;" in page and "<b>Festival</b>" not in page


def test_pdf_opens_inline_or_downloads(client) -> None:
    hit = client.get("/search.json", params={"q": "compostage"}).json()["hits"][0]
    inline = client.get(hit["file_url"])
    assert inline.headers["content-type"] == "application/pdf" and inline.content.startswith(b"%PDF")
    assert inline.headers["content-disposition"].startswith("inline")
    assert client.get(hit["download_url"]).headers["content-disposition"].startswith("attachment")


def test_saved_page_text_is_sandboxed(client) -> None:
    hit = client.get("/search.json", params={"q": "festival"}).json()["hits"][0]
    response = client.get(f"/documents/{hit['id']}/file")
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["content-security-policy"] == "sandbox"


def test_atom_feeds(sample_client) -> None:
    for url, title in (("/feed.atom", "Nouveaux documents"), ("/search.atom?q=insertion&secteur=iae", "Recherche « insertion »")):
        response = sample_client.get(url)
        assert response.headers["content-type"].startswith("application/atom+xml")
        feed = ET.fromstring(response.content)
        assert feed.find(f"{ATOM}title").text.startswith(title)
        entries = feed.findall(f"{ATOM}entry")
        assert entries and all(e.find(f"{ATOM}link").get("href").startswith("http://testserver/documents/") for e in entries)
    iae = ET.fromstring(sample_client.get("/search.atom?q=insertion&secteur=iae").content)
    assert all(any(c.get("term") == "iae" for c in e.findall(f"{ATOM}category")) for e in iae.findall(f"{ATOM}entry"))


def test_opensearch_and_openapi(sample_client) -> None:
    description = ET.fromstring(sample_client.get("/opensearch.xml").content)
    templates = [u.get("template") for u in description if u.tag.endswith("Url")]
    assert "http://testserver/search?q={searchTerms}" in templates
    spec = sample_client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.") and {"/search.json", "/index.json", "/documents/{doc_id}.json"} <= set(spec["paths"])
    properties = spec["components"]["schemas"]["SearchResult"]["required"]
    assert set(properties) <= set(sample_client.get("/search.json?q=x").json())


HOSTILE = [
    {"q": "a" * 10_000}, {"q": "x", "page": "99999999"}, {"q": "x", "page": "0"}, {"q": "x", "page": "-1"},
    {"q": "x", "page": "²"}, {"q": "x", "par_page": "١٢"}, {"q": "x", "secteur": "zzz"}, {"q": "x", "type": "roman"},
    {"q": "x", "annee": "abc"}, {"q": "x", "de": "1"}, {"q": "x", "tri": "hasard"}, {"q": '"(((titre: AND OR NOT'},
    {"q": "\x00\x01\x02"}, {"q": "annee:[abc TO def]"}, {"q": "*" * 500}, {"q": "a* b* c* d* e* f*"},
    {"q": "x", "secteur": "\x00"}, {"q": "secteur:\"commerce équitable"},
]


@pytest.mark.parametrize("params", HOSTILE, ids=range(len(HOSTILE)))
def test_no_query_string_gives_a_server_error(sample_client, params: dict) -> None:
    for path in ("/search", "/search.json", "/search.atom"):
        response = sample_client.get(path, params=params)
        assert response.status_code in (200, 400), (path, response.status_code)
        if path.endswith(".json") and response.status_code == 400:
            body = response.json()
            assert body["ok"] is False and body["status"] == 400 and body["error"]
        if path == "/search" and response.status_code == 400:
            assert "Requête incorrecte" in response.text


@pytest.mark.parametrize("raw", ["q=%ff%fe%fd", "q=%", "q=%C3", "page=%00", "secteur=%ff"])
def test_undecodable_query_strings(sample_client, raw: str) -> None:
    for path in ("/search", "/search.json"):
        assert sample_client.get(f"{path}?{raw}").status_code in (200, 400)


def test_unknown_document_is_404(client) -> None:
    assert client.get("/documents/nope.json").json() == {"ok": False, "error": "Document introuvable", "status": 404}
    page = client.get("/documents/nope")
    assert page.status_code == 404 and "Page introuvable" in page.text
    assert client.get("/documents/nope/file").status_code == 404


def test_every_facet_link_works(client) -> None:
    data = client.get("/search.json", params={"q": "festival OR compostage"}).json()
    links = [v["toggle_url"] for values in data["facets"].values() for v in values]
    assert any("annee=inconnue" in link for link in links)
    for link in links:
        assert client.get(link).status_code == 200, link


def test_security_headers(client) -> None:
    for url in ("/", "/search?q=x", "/search.json?q=x", "/documents/nope"):
        headers = client.get(url).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"


def test_pages_are_french_and_light(sample_client) -> None:
    page = sample_client.get("/search?q=insertion").text
    assert '<html lang="fr">' in page and "http://" not in page.split("<body")[0].replace("http://testserver", "")
    # Works without JavaScript: the only scripts are the site's own small, deferred enhancements.
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts == ['<script src="/static/suggest.js" defer>', '<script src="/static/selection.js" defer>']
    assert all(len(sample_client.get(f"/static/{name}").content) < 4096 for name in ("suggest.js", "selection.js"))


def test_public_document_json_keeps_staff_notes_private(client) -> None:
    hit = client.get("/search.json", params={"q": "festival"}).json()["hits"][0]
    data = client.get(f"/documents/{hit['id']}.json").json()
    assert not {"warnings", "to_check", "origins"} & set(data["document"])
    assert all(not {"warnings", "to_check", "origins"} & set(d) for d in data["similar"])


def test_configured_public_address_wins_over_the_host_header(settings, corpus) -> None:
    import dataclasses

    (corpus / "a.html").write_bytes(html_page("Page", "Un texte."))
    update_index(settings)
    public = TestClient(create_app(dataclasses.replace(settings, public_url="https://ressources.example.org")))
    body = public.get("/opensearch.xml", headers={"host": "evil.example"}).text
    assert "https://ressources.example.org/search?q={searchTerms}" in body and "evil.example" not in body


def test_a_huge_query_is_not_echoed_in_full(sample_client) -> None:
    response = sample_client.get("/search.json", params={"q": "économie " * 2000})
    assert response.status_code == 200 and len(response.content) < 200_000


def test_short_wildcards_do_not_expand_to_the_whole_index(sample_service) -> None:
    from docsearch.index.engine.query import MAX_QUERY_PREFIX_WORDS, QueryParser

    searcher, _ = sample_service.backend._current().thread()
    parser = QueryParser(searcher.schema, sample_service.vocab)
    query = parser.parse(" ".join(f"{c}*" for c in "abcdefghijklmnopqrstuvwxyz") + " coop* eco* soc*", searcher.reader()).query
    terms = {t for t in query.iter_all_terms() if t[0] == "content"}
    assert len(terms) <= 26 + MAX_QUERY_PREFIX_WORDS
