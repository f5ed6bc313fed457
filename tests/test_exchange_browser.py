"""A documentalist, in a real browser: the search report over a chosen period, then a CSV of
corrections previewed and applied; both pages accessible (axe-core) and usable at 360 px."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_browser import SCREENSHOTS, pytestmark  # noqa: F401  (the same skip rule)
from tests.test_cli import serving
from tests.test_staff_browser import assert_accessible, staff_instance

PASSWORD = "bienvenue-au-centre"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    page = ("jardins.html", "Jardins partagés", "Les jardins partagés de quartier à Caen.")
    settings = staff_instance(tmp_path_factory.mktemp("exchange-browser"), page, PASSWORD)
    with serving(settings, env={**os.environ}) as base:
        yield base


def test_report_and_import_in_the_browser(browser, server, tmp_path: Path) -> None:
    context = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 800}, bypass_csp=True)
    page = context.new_page()
    for query in ("jardins AND Caen", "vélo-école"):
        page.goto(f"{server}/search?q={query}&type=page-web")
    page.goto(server + "/gestion/recherches")
    page.fill("#nom", "claire")
    page.fill("#mot_de_passe", PASSWORD)
    page.click("button[type=submit] >> text=Se connecter")
    page.wait_for_url(server + "/gestion/recherches")
    page.check("input[value='7']")
    page.click("button >> text=Afficher")
    page.wait_for_url(re.compile(r"periode=7"))
    frequent = page.locator("#frequentes + .tablewrap").inner_text()
    assert "jardins AND Caen" in frequent and "Type : Page web" in frequent
    assert "vélo-école" in page.locator("#sans-resultat + .tablewrap").inner_text()
    assert "jardins AND Caen" in page.locator("#peu-de-resultats + .tablewrap").inner_text()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "gestion-recherches-360.png"), full_page=True)

    page.click("text=Exporter, importer")
    with page.expect_download() as download:
        page.click("text=Télécharger le catalogue en CSV")
    exported = tmp_path / "catalogue.csv"
    download.value.save_as(exported)
    text = exported.read_bytes().decode("utf-8-sig").replace("Jardins partagés", "Jardins partagés de Caen")
    corrected = tmp_path / "corrige.csv"
    corrected.write_bytes(text.encode("utf-8-sig"))
    page.set_input_files("#fichier", str(corrected))
    page.click("button >> text=Voir ce qui changerait")
    assert "1 document à modifier" in page.inner_text("main")
    assert "Jardins partagés de Caen" in page.locator("table.changes").inner_text()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(SCREENSHOTS / "gestion-import-360.png"), full_page=True)
    page.click("button >> text=Appliquer ces changements")
    assert "1 document modifié" in page.inner_text("main")
    page.goto(f"{server}/search?q=jardins")
    assert "Jardins partagés de Caen" in page.locator(".hit h3").all_inner_texts()
    context.close()
