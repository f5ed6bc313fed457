"""A new staff member, created from the CLI, adds a PDF and a web page from a real browser,
corrects their metadata, and a visitor finds them within two seconds."""

from __future__ import annotations

import functools
import http.server
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from docsearch.cli import cli
from docsearch.config import Settings
from docsearch.index.update import update_index
from tests.conftest import DATA, html_page
from tests.test_browser import SCREENSHOTS, pytestmark  # noqa: F401  (the same skip rule)
from tests.test_cli import serving

PASSWORD = "bienvenue-au-centre"


def staff_instance(root: Path, page: tuple[str, str, str], password: str, user: str = "claire") -> Settings:
    """A corpus of one saved page (file name, title, text), indexed, and one
    staff account made the way staff make it (``docsearch users add``)."""
    corpus = root / "corpus"
    corpus.mkdir()
    name, title, text = page
    (corpus / name).write_bytes(html_page(title, text))
    settings = Settings(corpus_dir=corpus, index_dir=root / "index", instance_dir=root / "instance")
    update_index(settings)
    created = CliRunner().invoke(cli, ["--instance", str(settings.instance_dir), "users", "add", user],
                                 input=f"{password}\n{password}\n")
    assert created.exit_code == 0, created.output
    return settings


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[str]:
    """A little web site on 127.0.0.1 with one article to save."""
    folder = tmp_path_factory.mktemp("site")
    (folder / "garage.html").write_bytes(html_page(
        "Le garage solidaire ouvre le samedi",
        "Le garage solidaire de Lisieux ouvre désormais le samedi matin pour les réparations."))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.RequestHandlerClass.log_message = lambda *a: None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/garage.html"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    page = ("accueil.html", "Bienvenue au centre de ressources", "Le centre de ressources de l'ESS.")
    settings = staff_instance(tmp_path_factory.mktemp("staff-browser"), page, PASSWORD)
    with serving(settings, env={**os.environ, "DOCSEARCH_FETCH_PRIVATE": "1"}) as base:
        yield base


def assert_accessible(page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    assert [(v["id"], v["impact"]) for v in violations if v["impact"] in ("serious", "critical")] == []


def visitor_finds(browser, server: str, query: str, title: str) -> None:
    """A visitor's first search after the change shows ``title``: staff get their
    answer once the index has it (bench/publish.py times how long that takes)."""
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    try:
        page.goto(f"{server}/search?q={query}")
        assert title in page.locator(".hit h3").all_inner_texts()
    finally:
        context.close()


def test_staff_adds_a_pdf_and_a_web_page_and_visitors_find_them(browser, server, site) -> None:
    # bypass_csp lets axe-core be injected; the pages themselves run no script.
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(server + "/gestion/")
    assert "/gestion/connexion" in page.url
    assert_accessible(page)
    page.fill("#nom", "claire")
    page.fill("#mot_de_passe", PASSWORD)
    page.click("button[type=submit] >> text=Se connecter")
    page.wait_for_url(server + "/gestion/")

    # A PDF: uploaded, pre-filled, its sector corrected, published.
    page.click("text=Ajouter des documents >> nth=0")
    page.set_input_files("#fichiers", str(DATA / "good-report.pdf"))
    page.click("button >> text=Préparer l'ajout")
    page.wait_for_url(re.compile(r"/gestion/brouillons/"))
    assert page.input_value("#titre") == "Rapport d'activité 2011"
    assert page.input_value("#annee") == "2011"
    assert page.is_checked("#s-environnement")
    assert_accessible(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "gestion-brouillon-1280.png"), full_page=True)
    page.uncheck("#s-environnement")
    page.check("#s-iae")
    page.click("button >> text=Publier le document")
    page.wait_for_url(re.compile(r"/documents/[0-9a-f]+$"))
    assert "Insertion par l'activité économique" in page.inner_text(".fields")
    visitor_finds(browser, server, "compostage", "Rapport d'activité 2011")

    # A web page by its address, then its metadata corrected from the edit form.
    page.goto(server + "/gestion/ajouter")
    page.fill("#url", site)
    page.click("button >> text=Préparer l'ajout")
    page.wait_for_url(re.compile(r"/gestion/brouillons/"))
    page.check("#s-mobilite")
    page.select_option("#type", "page-web")
    page.click("button >> text=Publier le document")
    page.wait_for_url(re.compile(r"/documents/"))
    visitor_finds(browser, server, "garage+samedi", "Le garage solidaire ouvre le samedi")
    edit = page.url.replace("/documents/", "/gestion/documents/") + "/modifier"
    page.goto(edit)
    page.fill("#titre", "Garage solidaire de Lisieux : ouverture le samedi")
    page.fill("#territoire", "Calvados")
    page.click("button >> text=Enregistrer")
    page.wait_for_url(re.compile(r"/documents/[0-9a-f]+$"))
    assert "Calvados" in page.inner_text(".fields")
    visitor_finds(browser, server, "garage+samedi", "Garage solidaire de Lisieux : ouverture le samedi")
    context.close()
