"""An administrator, in a real browser at 360 px: the vocabularies page is accessible
(axe-core), a sector's label is changed there, and a visitor's facets show the new one."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from docsearch.cli import cli
from docsearch.config import Settings
from docsearch.index.update import update_index
from tests.conftest import html_page
from tests.test_browser import SCREENSHOTS, pytestmark  # noqa: F401  (the same skip rule)
from tests.test_cli import serving
from tests.test_staff_browser import assert_accessible

PASSWORD = "bienvenue-au-centre"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("vocabularies-browser")
    corpus = root / "corpus"
    (corpus / "culture").mkdir(parents=True)
    (corpus / "culture" / "festival.html").write_bytes(html_page("Festival de quartier", "Musique et théâtre pour tous."))
    settings = Settings(corpus_dir=corpus, index_dir=root / "index", instance_dir=root / "instance")
    update_index(settings)
    created = CliRunner().invoke(cli, ["--instance", str(settings.instance_dir), "users", "add", "alice"],
                                 input=f"{PASSWORD}\n{PASSWORD}\n")  # the first account: administrateur
    assert created.exit_code == 0, created.output
    with serving(settings, env={**os.environ}) as base:
        yield base


def test_an_administrator_relabels_a_sector_and_a_visitor_sees_it(browser, server) -> None:
    context = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 800}, bypass_csp=True)
    page = context.new_page()
    page.goto(server + "/gestion/vocabulaires")
    page.fill("#nom", "alice")
    page.fill("#mot_de_passe", PASSWORD)
    page.click("button[type=submit] >> text=Se connecter")
    page.wait_for_url(server + "/gestion/vocabulaires")
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")  # every form, for axe
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "gestion-vocabulaires-360.png"))
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = false)")

    page.click("#secteurs-culture summary")
    page.fill("#l-secteurs-culture", "Arts et culture")
    page.click("button[aria-label='Enregistrer « Culture »']")
    page.wait_for_url(server + "/gestion/vocabulaires")
    assert "Secteur « Arts et culture » enregistré." in page.inner_text(".flash")
    assert "Arts et culture" in page.inner_text("#secteurs-culture summary")

    visitor = browser.new_context(locale="fr-FR").new_page()
    visitor.goto(server + "/search?q=festival")
    assert "Arts et culture" in visitor.inner_text("main")
    visitor.goto(server + "/search?q=festival&secteur=Culture")  # the old label still filters
    assert "Festival de quartier" in visitor.inner_text("main")
    context.close()
