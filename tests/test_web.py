"""The minimal web interface: routes, JSON twins, errors, security headers."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from docsearch.pipeline import update_index
from docsearch.web.app import create_app
from tests.conftest import copy_sample, html_page


@pytest.fixture
def client(settings, corpus):
    # Entities in the source: the extracted title is the literal text "<b>Festival</b> & solidarité".
    (corpus / "festival.html").write_bytes(html_page("&lt;b&gt;Festival&lt;/b&gt; &amp; solidarité", "L'économie sociale fait son festival."))
    copy_sample(corpus, "good-report.pdf")
    update_index(settings)
    return TestClient(create_app(settings))


def test_search_page_and_its_json_twin_agree(client) -> None:
    page = client.get("/search", params={"q": "festival"})
    data = client.get("/search.json", params={"q": "festival"}).json()
    assert page.status_code == 200 and page.template.name == "search.html"
    assert page.context["data"]["total"] == data["total"] == 1


def test_document_text_is_escaped_in_pages(client) -> None:
    assert client.get("/search.json", params={"q": "festival"}).json()["hits"][0]["title"] == "<b>Festival</b> & solidarité"
    page = client.get("/search", params={"q": "festival"}).text
    assert "&lt;b&gt;Festival&lt;/b&gt;" in page and "<b>Festival</b>" not in page


def test_pdf_opens_inline(client) -> None:
    hit = client.get("/search.json", params={"q": "compostage"}).json()["hits"][0]
    response = client.get(f"/documents/{hit['id']}/file")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert client.get(f"/documents/{hit['id']}.json").json()["document"]["title"] == hit["title"]


@pytest.mark.parametrize(
    "query",
    [{"q": "x", "page": "abc"}, {"q": "x", "secteur": "zzz"}, {"q": "x", "annee": "-3"}, {"q": "x", "tri": "hasard"},
     {"q": "x", "page": "²"}, {"q": "x", "par_page": "١٢"}],  # digits that int() refuses or reads
)
def test_bad_parameters_give_400_in_json_and_a_friendly_page(client, query) -> None:
    response = client.get("/search.json", params=query)
    assert response.status_code == 400
    assert response.json()["ok"] is False and response.json()["status"] == 400 and response.json()["error"]
    page = client.get("/search", params=query)
    assert page.status_code == 400 and "Requête incorrecte" in page.text


def test_unknown_document_is_404(client) -> None:
    assert client.get("/documents/nope.json").json() == {"ok": False, "error": "Document introuvable", "status": 404}
    assert client.get("/documents/nope").status_code == 404


def test_security_headers(client) -> None:
    headers = client.get("/search").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def test_every_facet_link_works(client) -> None:
    data = client.get("/search.json", params={"q": "festival OR compostage"}).json()
    links = [v["toggle_url"] for values in data["facets"].values() for v in values]
    assert any("annee=inconnue" in link for link in links)
    for link in links:
        assert client.get(link).status_code == 200, link


def test_saved_page_text_is_sandboxed(client) -> None:
    hit = client.get("/search.json", params={"q": "festival"}).json()["hits"][0]
    response = client.get(f"/documents/{hit['id']}/file")
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["content-security-policy"] == "sandbox"
