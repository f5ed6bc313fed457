"""What a visitor does, in a real browser: headless Chromium from Debian, driven by Playwright.

Skipped when /usr/bin/chromium is absent (``scripts/test`` installs it where
it can; CI always has it). Screenshots go to ``test-output/screenshots/``.
"""

from __future__ import annotations

import io
import json
import os
import re
import urllib.request
from collections.abc import Iterator

import pytest

from tests.conftest import CHROMIUM, PROJECT
from tests.test_cli import serving

SCREENSHOTS = PROJECT / "test-output" / "screenshots"

# CI sets DOCSEARCH_REQUIRE_BROWSER: there a missing browser is a failure, not a skip.
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("DOCSEARCH_REQUIRE_BROWSER"),
    reason="Debian's chromium is not installed",
)


@pytest.fixture(scope="module")
def server(sample_settings) -> Iterator[str]:
    with serving(sample_settings) as base:
        yield base


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def tab_to(page, selector: str, limit: int = 300) -> None:
    """Press Tab until the element matching ``selector`` has the focus, as a keyboard user would."""
    target = page.locator(selector).first
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{selector} never got the keyboard focus")


def total(page) -> int:
    text = page.locator(".total strong").inner_text()
    return int(re.sub(r"\D", "", text.split("document")[0]))


def test_keyboard_only_search_filter_and_open_a_document(page, server) -> None:
    page.goto(server + "/")
    tab_to(page, "a.skip")
    assert page.locator("a.skip").is_visible()  # the skip link shows when focused
    tab_to(page, "#q")
    page.keyboard.type("économie sociale")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    assert "économie sociale" in page.locator("h1").inner_text()
    assert page.locator("#q").input_value() == "économie sociale"  # the query stays in the box
    before = total(page)
    tab_to(page, "#f-sectors-iae")
    page.keyboard.press("Space")
    tab_to(page, ".facets button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"secteur=iae"))
    assert 0 < total(page) < before
    tab_to(page, ".hit h3 a")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/documents/[0-9a-f]+\?retour="))  # with the way back to the results
    assert page.locator("h1").inner_text()
    assert page.locator("#similaires").is_visible()


def test_filters_range_pages_and_similar_documents(page, server) -> None:
    page.goto(server + "/search?q=coopérative")
    everything = total(page)
    page.check("#f-sectors-entrepreneuriat")
    page.check("#f-sectors-habitat")
    page.fill("#de", "2008")
    page.fill("#a", "2021")
    page.click(".facets button[type=submit]")
    page.wait_for_url(re.compile(r"secteur=entrepreneuriat.*secteur=habitat"))
    filtered = total(page)
    assert 0 < filtered < everything
    chips = page.locator(".chips .chip").all_inner_texts()
    assert any("Entrepreneuriat" in c for c in chips) and any("Habitat" in c for c in chips)
    assert any("de 2008 à 2021" in c for c in chips)
    years = [int(y) for y in re.findall(r"\b(20\d\d)\b", " ".join(page.locator(".hit .meta").all_inner_texts()))]
    assert years and all(2008 <= y <= 2021 for y in years)
    # A removable chip, then "tout effacer".
    page.click(".chips .chip >> text=Habitat")
    assert "secteur=habitat" not in page.url and "secteur=entrepreneuriat" in page.url
    page.click(".chips .clear")
    assert total(page) == everything and "secteur" not in page.url
    # Page 2 shows other documents.
    first = page.locator(".hit h3 a").all_inner_texts()
    page.click(".pager a[rel=next]")
    page.wait_for_url(re.compile(r"page=2"))
    assert page.locator(".pager [aria-current=page]").inner_text() == "2"
    assert not set(first) & set(page.locator(".hit h3 a").all_inner_texts())
    # Similar documents lead to another document page.
    page.click(".hit h3 a >> nth=0")
    title = page.locator("h1").inner_text()
    page.click(".similar .hit h3 a >> nth=0")
    page.wait_for_url(re.compile(r"/documents/"))
    assert page.locator("h1").inner_text() != title


def test_page_number_link_opens_the_pdf_where_the_word_is(page, server) -> None:
    from pypdf import PdfReader

    page.goto(server + "/search?q=méthanisation")
    link = page.locator(".hit .pages a").first
    href = link.get_attribute("href")
    assert href and href.endswith("#page=17&search=m%C3%A9thanisation")  # the viewer looks for the word
    with urllib.request.urlopen(server + href.split("#")[0]) as response:
        assert response.headers["content-type"] == "application/pdf"
        pdf = PdfReader(io.BytesIO(response.read()))
    assert "méthanisation" in pdf.pages[16].extract_text()


def test_did_you_mean_and_dropping_filters(page, server) -> None:
    page.goto(server + "/search?q=methanisaton&secteur=sport")
    assert total(page) == 0
    assert page.locator(".suggestion a").inner_text() == "méthanisation"
    page.click(".empty-results a >> text=Chercher sans les filtres")
    assert "secteur" not in page.url and total(page) == 1


@pytest.mark.parametrize(
    ("name", "path"),
    [("accueil", "/"), ("resultats", "/search?q=insertion&secteur=iae"), ("aucun-resultat", "/search?q=zzzxqw"),
     ("document", "DOCUMENT")],
)
def test_accessibility_and_screenshots(browser, server, name: str, path: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    if path == "DOCUMENT":
        with urllib.request.urlopen(server + "/search.json?q=m%C3%A9thanisation") as response:
            path = json.load(response)["hits"][0]["page_url"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((360, 780), (1280, 900)):
        # bypass_csp lets axe-core be injected; the page itself runs no script.
        context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": height}, bypass_csp=True)
        page = context.new_page()
        page.goto(server + path)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{name} scrolls sideways at {width}px ({scroll}px wide)"
        violations = Axe().run(page).response["violations"]
        serious = [(v["id"], v["impact"], len(v["nodes"])) for v in violations if v["impact"] in ("serious", "critical")]
        assert serious == [], serious
        context.close()
