"""A staff member uploads a Word file and a scanned PDF from a real browser; both
drafts come pre-filled, and once published a visitor finds each by a word of its body."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from docsearch.extraction.ocr import available
from tests.conftest import DATA
from tests.test_browser import pytestmark as browser_mark
from tests.test_cli import serving
from tests.test_ocr import LINES, page_image
from tests.test_staff_browser import staff_instance, visitor_finds

PASSWORD = "bienvenue-au-centre"
REAL_SCAN = Path(__file__).resolve().parents[2] / "shared" / "realworld" / "fr" / "pdf" / "ocrmypdf__francais.pdf"
pytestmark = [browser_mark, pytest.mark.skipif(not available(), reason="Tesseract (tesseract-ocr-fra, -eng) is not installed")]


@pytest.fixture(scope="module")
def scan(tmp_path_factory) -> tuple[Path, str]:
    """A real scan when ../shared is there, else an image-only PDF drawn here; and a word of its body."""
    if REAL_SCAN.is_file():
        return REAL_SCAN, "whisky"
    path = tmp_path_factory.mktemp("scan") / "proces-verbal-scanne.pdf"
    page_image(LINES).save(path, resolution=300)
    return path, "sociétaires"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    page = ("accueil.html", "Bienvenue au centre de ressources", "Le centre de ressources de l'ESS.")
    settings = staff_instance(tmp_path_factory.mktemp("staff-formats"), page, PASSWORD)
    with serving(settings, env=dict(os.environ)) as base:
        yield base


def test_staff_adds_a_word_file_and_a_scan_and_visitors_find_them(browser, server, scan) -> None:
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)  # recognising a scanned page takes seconds on a busy machine
    page.goto(server + "/gestion/")
    page.fill("#nom", "claire")
    page.fill("#mot_de_passe", PASSWORD)
    page.click("button[type=submit] >> text=Se connecter")
    page.wait_for_url(server + "/gestion/")

    # A Word file: its title and year come from its properties.
    page.click("text=Ajouter des documents >> nth=0")
    page.set_input_files("#fichiers", str(DATA / "office" / "rapport.docx"))
    page.click("button >> text=Préparer l'ajout")
    page.wait_for_url(re.compile(r"/gestion/brouillons/"))
    assert page.input_value("#titre") == "Rapport de la coopérative 2019"
    assert page.input_value("#annee") == "2019"
    page.check("#s-iae")
    page.click("button >> text=Publier le document")
    page.wait_for_url(re.compile(r"/documents/[0-9a-f]+$"))
    assert "Télécharger l'original (DOCX" in page.inner_text(".actions")
    visitor_finds(browser, server, "ressourcerie", "Rapport de la coopérative 2019")

    # A scanned PDF: recognised while the draft is prepared, its title guessed from the recognised text.
    path, word = scan
    page.goto(server + "/gestion/ajouter")
    page.set_input_files("#fichiers", str(path))
    page.click("button >> text=Préparer l'ajout")
    page.wait_for_url(re.compile(r"/gestion/brouillons/"))
    title = page.input_value("#titre")
    assert title.strip()
    page.check("#s-habitat")
    page.click("button >> text=Publier le document")
    page.wait_for_url(re.compile(r"/documents/[0-9a-f]+$"))
    assert "Texte reconnu automatiquement (OCR), page 1" in page.inner_text(".fields")
    visitor_finds(browser, server, word, title)
    context.close()
