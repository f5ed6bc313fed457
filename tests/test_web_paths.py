"""Addresses, formats and looks of the site: a path prefix, template overrides, the session cookie.

Behind a proxy that serves docsearch under ``/docs`` (``docsearch serve
--root-path /docs``), every link, form, stylesheet, feed entry and redirect
the site gives out must carry the prefix, or visitors land outside it.
"""

from __future__ import annotations

import dataclasses
import http.client
import re
import signal
import xml.etree.ElementTree as ET
from collections import deque
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest
from starlette.testclient import TestClient

from docsearch.index.update import update_index
from docsearch.staff.accounts import Accounts
from docsearch.web.app import create_app
from tests.conftest import copy_sample, html_page
from tests.test_cli import docsearch_process, free_port, wait_for

PREFIX = "/docs"
PASSWORD = "un-mot-de-passe-solide"


class Addresses(HTMLParser):
    """Every address an HTML page gives out: links, stylesheets, form actions."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("a", "link") and values.get("href"):
            self.links.append(values["href"] or "")
        if tag in ("img", "script") and values.get("src"):
            self.links.append(values["src"] or "")
        if tag == "form":
            self.forms.append(values.get("action") or "")  # none: the form posts to its own page


def addresses_in(response) -> tuple[list[str], list[str]]:
    """(links, form actions) of an answer, whatever its format."""
    kind = response.headers.get("content-type", "")
    links = re.findall(r"<([^>]+)>", response.headers.get("link", ""))
    if kind.startswith("text/html"):
        parser = Addresses()
        parser.feed(response.text)
        return links + parser.links, parser.forms
    if kind.startswith("application/json"):
        return links + [v for k, v in _json_items(response.json()) if k.endswith("url") and v], []
    if "xml" in kind:
        root = ET.fromstring(response.content)
        found = [e.get("href") or "" for e in root.iter() if e.get("href")]
        found += [(e.text or "").strip() for e in root.iter() if e.tag.endswith("}id")]
        found += [(e.get("template") or "").split("?")[0] for e in root.iter() if e.get("template")]
        return links + found, []
    return links, []


def _json_items(value: Any, key: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [item for k, v in value.items() for item in _json_items(v, k)]
    if isinstance(value, list):
        return [item for v in value for item in _json_items(v, key)]
    return [(key, value)] if isinstance(value, str) else []


def local_path(address: str) -> str | None:
    """The path (and query) of an address of this site, None for another site's."""
    address, _ = urldefrag(address)
    if not address:  # "#contenu": a place on the same page
        return None
    parts = urlsplit(address)
    if parts.netloc and parts.netloc != "testserver":
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client: TestClient, start: list[str], limit: int = 250) -> dict[str, int]:
    """Follow every link of the site from ``start`` (GET only, at most ``limit`` pages):
    each address must carry the prefix; the status of each page visited."""
    seen: dict[str, int] = {}
    queue = deque(start)
    while queue and len(seen) < limit:
        path = queue.popleft()
        if path in seen:
            continue
        response = client.get(path, follow_redirects=False)
        seen[path] = response.status_code
        if response.is_redirect:
            assert response.headers["location"].startswith(PREFIX + "/"), (path, response.headers["location"])
            queue.append(response.headers["location"])
            continue
        links, forms = addresses_in(response)
        for action in forms:
            assert action == "" or action.startswith(PREFIX + "/"), (path, action)
        for link in links:
            target = local_path(link)
            if target is None:
                continue
            if target == PREFIX:  # OpenAPI's server address, not a page
                continue
            assert target.startswith(PREFIX + "/"), (path, link)
            queue.append(target)
    return seen


@pytest.fixture
def prefixed_settings(settings, corpus):
    (corpus / "festival.html").write_bytes(html_page("Festival solidaire", "L'économie sociale fait son festival."))
    copy_sample(corpus, "good-report.pdf", "environnement/2019/rapport.pdf")
    copy_sample(corpus, "image-only.pdf", "a-trier/scan.pdf")  # a failure, listed on the staff pages
    update_index(settings)
    Accounts(settings.instance_dir).add("marie", PASSWORD)
    return settings


def test_behind_a_path_prefix_every_public_address_carries_it(prefixed_settings) -> None:
    client = TestClient(create_app(prefixed_settings), root_path=PREFIX)
    seen = crawl(client, [PREFIX + "/", PREFIX + "/search?q=festival+OR+compostage", PREFIX + "/opensearch.xml",
                          PREFIX + "/openapi.json"])
    assert {status for status in seen.values()} == {200}, {p: s for p, s in seen.items() if s != 200}
    visited = " ".join(seen)
    for kind in ("/static/style.css", "/search.json?", "/search.atom?", "/feed.atom", "/documents/", ".json",
                 "/file#page=" if "#" in visited else "/file"):
        assert kind in visited, kind
    spec = client.get(PREFIX + "/openapi.json").json()
    assert spec["servers"] == [{"url": "http://testserver" + PREFIX}]


def test_behind_a_path_prefix_staff_pages_and_redirects_carry_it(prefixed_settings) -> None:
    client = TestClient(create_app(prefixed_settings), root_path=PREFIX)
    gate = client.get(PREFIX + "/gestion/ajouter", follow_redirects=False)
    assert gate.status_code == 303 and gate.headers["location"] == PREFIX + "/gestion/connexion?suite=/gestion/ajouter"
    form = client.get(gate.headers["location"])
    action = re.search(r'<form method="post" action="([^"]+)"', form.text).group(1)
    assert action == PREFIX + "/gestion/connexion"
    token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    signed = client.post(action, data={"nom": "marie", "mot_de_passe": PASSWORD, "csrf": token,
                                       "suite": "/gestion/ajouter"}, follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == PREFIX + "/gestion/ajouter"
    seen = crawl(client, [PREFIX + "/gestion/"], limit=120)
    staff_pages = [p for p in seen if p.startswith(PREFIX + "/gestion")]
    assert len(staff_pages) >= 6 and {seen[p] for p in staff_pages} == {200}, seen
    # Signing out goes back to the site's home, under the prefix.
    token = re.search(r'name="csrf" value="([^"]+)"', client.get(PREFIX + "/gestion/").text).group(1)
    out = client.post(PREFIX + "/gestion/deconnexion", data={"csrf": token}, follow_redirects=False)
    assert out.headers["location"] == PREFIX + "/"


def fetch(port: int, path: str) -> tuple[int, http.client.HTTPMessage, bytes]:
    """GET without following redirects: status, headers, body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def test_serve_with_a_root_path(prefixed_settings) -> None:
    """A real ``docsearch serve --root-path /docs``, asked as a proxy asks: without the prefix."""
    port = free_port()
    server = docsearch_process(prefixed_settings, "serve", "--port", str(port), "--root-path", PREFIX)
    try:
        wait_for(f"http://127.0.0.1:{port}/index.json")
        status, headers, body = fetch(port, "/")
        assert status == 200 and headers["link"].startswith(f"<{PREFIX}/index.json>")
        parser = Addresses()
        parser.feed(body.decode())
        assert all(link.startswith(PREFIX + "/") for link in parser.links if not link.startswith("#"))
        stylesheet = next(link for link in parser.links if link.endswith(".css"))
        assert stylesheet == PREFIX + "/static/style.css"
        status, headers, _ = fetch(port, stylesheet[len(PREFIX):])
        assert status == 200 and headers["content-type"].startswith("text/css")
        status, headers, _ = fetch(port, "/gestion/")
        assert status == 303 and headers["location"] == PREFIX + "/gestion/connexion?suite=/gestion/"
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=10)


def test_formats_by_suffix(prefixed_settings) -> None:
    client = TestClient(create_app(prefixed_settings))
    hit = client.get("/search.json", params={"q": "festival"}).json()["hits"][0]
    assert client.get(f"/documents/{hit['id']}.json").json()["document"]["id"] == hit["id"]
    assert client.get("/search.atom?q=festival").headers["content-type"].startswith("application/atom+xml")
    for path in (f"/documents/{hit['id']}.atom", "/index.atom", "/search.xml"):  # formats these pages do not have
        assert client.get(path).status_code == 404, path
    assert client.get("/documents/nope.json").json()["status"] == 404
    search = client.get("/search?q=festival")
    assert search.headers["link"] == ('</search.json?q=festival>; rel="alternate"; type="application/json", '
                                      '</search.atom?q=festival>; rel="alternate"; type="application/atom+xml"')


def test_a_template_in_the_instance_folder_wins_over_the_shipped_one(prefixed_settings) -> None:
    templates = prefixed_settings.instance_dir / "templates"
    templates.mkdir(parents=True)
    # One block changed, the rest of the shipped page kept.
    (templates / "home.html").write_text(
        '{% extends "docsearch/home.html" %}{% block content %}<p class="accueil">Bienvenue au centre de Rouen.</p>'
        "{{ super() }}{% endblock %}", encoding="utf-8")
    # A whole page replaced.
    (templates / "error.html").write_text("<!doctype html><title>Oups</title><p>Rien ici : {{ message }}</p>",
                                          encoding="utf-8")
    client = TestClient(create_app(prefixed_settings))
    home = client.get("/").text
    assert "Bienvenue au centre de Rouen." in home
    assert "Derniers documents ajoutés" in home and "Festival solidaire" in home  # the shipped page around it
    missing = client.get("/documents/nope")
    assert missing.status_code == 404 and missing.text.startswith("<!doctype html><title>Oups</title>")
    assert "Rien ici : Document introuvable" in missing.text
    # The shipped templates are untouched for another centre.
    other = dataclasses.replace(prefixed_settings, instance_dir=prefixed_settings.instance_dir.parent / "autre")
    assert "Bienvenue" not in TestClient(create_app(other)).get("/").text


def sign_in(client: TestClient) -> str:
    form = client.get("/gestion/connexion").text
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    response = client.post("/gestion/connexion", data={"nom": "marie", "mot_de_passe": PASSWORD, "csrf": token},
                           follow_redirects=False)
    assert response.status_code == 303
    return response.headers["set-cookie"].lower()


def test_session_cookie_is_secure_when_the_public_address_is_https(prefixed_settings) -> None:
    plain = sign_in(TestClient(create_app(prefixed_settings)))
    assert "httponly" in plain and "samesite=lax" in plain and "secure" not in plain
    assert "secure" in sign_in(TestClient(create_app(prefixed_settings), base_url="https://testserver"))
    public = dataclasses.replace(prefixed_settings, public_url="https://ressources.example.org")
    # The proxy in front speaks HTTPS to visitors and plain HTTP to docsearch: the sign-in
    # form's session (its CSRF token) already comes in a Secure cookie.
    cookie = TestClient(create_app(public), base_url="http://127.0.0.1:8000").get("/gestion/connexion").headers["set-cookie"]
    assert cookie.startswith("docsearch_session=") and {"secure", "httponly", "samesite=lax"} <= {
        part.strip().lower() for part in cookie.split(";")}
