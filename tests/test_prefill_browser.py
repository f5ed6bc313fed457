"""A real French PDF uploaded from a real browser: its form is pre-filled with what its label
says a documentalist would catalogue, the badges say where each value came from and what is
left to check; published, a visitor finds it."""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterator

import pytest

from docsearch.catalogue.vocabulary import load_vocabulary
from docsearch.config import Settings
from tests.conftest import PROJECT, REALWORLD
from tests.test_browser import SCREENSHOTS, pytestmark  # noqa: F401  (the same skip rule)
from tests.test_cli import serving
from tests.test_staff_browser import assert_accessible, staff_instance, visitor_finds

PASSWORD = "bienvenue-au-centre"
# Chosen from bench/labels/realworld-fr.tsv: today's guessing gets its title, year and
# organisation right (bench/metadata.py --set realworld --verbose); its type ("guide") is
# one of the types the vocabulary is growing to (issue 14): asserted once the vocabulary has it.
FILE = "pdf/etalabguides__guide-juridique.pdf"
PDF = REALWORLD / "fr" / FILE


def label() -> dict[str, str]:
    with (PROJECT / "bench" / "labels" / "realworld-fr.tsv").open(encoding="utf-8", newline="") as handle:
        return next(row for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE) if row["file"] == FILE)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    if not PDF.is_file():
        pytest.skip(f"{PDF} is absent")
    page = ("accueil.html", "Bienvenue au centre de ressources", "Le centre de ressources de l'ESS.")
    settings = staff_instance(tmp_path_factory.mktemp("prefill-browser"), page, PASSWORD)
    with serving(settings, env=dict(os.environ)) as base:
        yield base


def badge(page, field: str) -> str:
    """The badge's text beside a field's label (a legend for the sectors)."""
    holder = "legend" if field == "secteurs" else f"label[for={field}]"
    return page.locator(f"{holder} .origin").inner_text()


def test_a_real_pdf_is_prefilled_and_the_badges_say_what_to_check(browser, server) -> None:
    expected = label()
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(server + "/gestion/")
    page.fill("#nom", "claire")
    page.fill("#mot_de_passe", PASSWORD)
    page.click("button[type=submit] >> text=Se connecter")
    page.wait_for_url(server + "/gestion/")

    page.click("text=Ajouter des documents >> nth=0")
    page.set_input_files("#fichiers", str(PDF))
    page.click("button >> text=Préparer l'ajout")
    page.wait_for_url(re.compile(r"/gestion/brouillons/"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "gestion-brouillon-pdf-reel-1280.png"), full_page=True)

    # Pre-filled with what the label says, each value "trouvé" in the file's own metadata.
    assert page.input_value("#titre") == expected["title"]
    assert page.input_value("#annee") == expected["year"]
    assert page.input_value("#organisation") == expected["organisation"]
    for field in ("titre", "annee", "organisation"):
        assert badge(page, field) == "trouvé"
    # What the file does not say is marked to check: a deduced or missing value, in words.
    assert re.match(r"déduit|manquant", badge(page, "secteurs"))
    assert re.match(r"déduit|manquant", badge(page, "territoire"))
    vocab = load_vocabulary(Settings().vocabulary_file)
    if expected["type"] in vocab.doctypes:  # the grown vocabulary of issue 14 (the types part)
        assert page.input_value("#type") == expected["type"]
    else:
        assert re.match(r"déduit|manquant", badge(page, "type"))
    assert_accessible(page)

    # Staff choose a sector and publish; a visitor finds the guide.
    page.check("#s-numerique")
    page.click("button >> text=Publier le document")
    page.wait_for_url(re.compile(r"/documents/[0-9a-f]+$"))
    visitor_finds(browser, server, "identifier+données+ouvrir", expected["title"])
    # Back in the form, what staff confirmed says "saisi".
    page.goto(page.url.replace("/documents/", "/gestion/documents/") + "/modifier")
    for field in ("titre", "annee", "organisation", "secteurs", "type"):
        assert badge(page, field) == "saisi"
    page.screenshot(path=str(SCREENSHOTS / "gestion-notice-saisie-1280.png"), full_page=True)
    context.close()
