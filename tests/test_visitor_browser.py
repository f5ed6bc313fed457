"""The visitor's side in a real browser (issue 16): headless Chromium from Debian, Playwright, axe-core.

One form keeps every filter choice, the first result a few Tab presses
away, phones get the results first behind "Filtrer (n)", touch targets of
at least 24 px (measured), the way back from a document, the autocomplete
driven by the keyboard only, "ma sélection" across searches, and axe-core
with no serious or critical violation at 360 and 1280 px. Screenshots go to
``test-output/screenshots/`` (``visiteur-*.png``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import CHROMIUM, PROJECT
from tests.test_cli import serving

SCREENSHOTS = PROJECT / "test-output" / "screenshots"
PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}
MIN_TARGET = 24  # px, WCAG 2.2 "target size (minimum)"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("DOCSEARCH_REQUIRE_BROWSER"),
    reason="Debian's chromium is not installed",
)


@pytest.fixture(scope="module")
def server(sample_settings) -> Iterator[str]:
    with serving(sample_settings) as base:
        yield base


def new_page(browser, viewport: dict[str, int] = DESKTOP, **options):
    context = browser.new_context(locale="fr-FR", viewport=viewport, **options)
    return context, context.new_page()


@pytest.fixture
def page(browser):
    context, page = new_page(browser)
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    context, page = new_page(browser, PHONE, has_touch=True, is_mobile=True)
    yield page
    context.close()


def focused(page) -> str:
    return page.evaluate("""() => { const e = document.activeElement;
        return e.id ? '#' + e.id : (e.closest('.hit h3') ? 'first-hit' : e.tagName + ':' + e.textContent.trim()) }""")


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_one_form_keeps_every_choice_and_results_are_a_few_tabs_away(page, server) -> None:
    page.goto(server + "/search?q=coopérative")
    page.check("#f-sectors-habitat")  # ticked, not applied yet
    page.check("#f-years-2013")  # a year: a choice of the same form, not a link that would drop the tick
    page.select_option("#tri", "date")
    page.click(".sorts button")
    page.wait_for_url(re.compile(r"tri=date"))
    assert {k: v for k, v in query(page.url).items() if k != "de" and k != "a"} == {
        "q": ["coopérative"], "secteur": ["habitat"], "annee": ["2013"], "tri": ["date"]}
    chips = page.locator(".chips .chip").all_inner_texts()
    assert any("Habitat" in c for c in chips) and any("2013" in c for c in chips)
    assert page.locator("#f-sectors-habitat").is_checked() and page.locator("#f-years-2013").is_checked()
    assert page.locator("#tri").input_value() == "date"
    # After filtering, the first result is four key presses away: Tab, Tab, Enter, Tab.
    page.keyboard.press("Tab")
    assert focused(page) == "A:Aller au contenu"
    page.keyboard.press("Tab")
    assert focused(page) == "A:Aller aux résultats"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert focused(page) == "first-hit"


def test_home_search_box_has_the_focus(page, server) -> None:
    page.goto(server + "/")
    assert focused(page) == "#q"


def test_phone_results_first_filter_panel_and_touch_targets(phone, server) -> None:
    phone.goto(server + "/search?q=insertion&secteur=iae")
    first = phone.locator(".hit").first.bounding_box()
    assert first["y"] < PHONE["height"] - 100, f"first result at {first['y']} px"  # was about 1,630 px down
    summary = phone.locator("details.filters > summary")
    assert summary.inner_text() == "Filtrer (1)"
    assert not phone.locator("#f-sectors-iae").is_visible()
    summary.click()
    assert phone.locator("#f-sectors-iae").is_visible() and phone.locator("#f-sectors-iae").is_checked()
    phone.goto(server + "/search?q=insertion&page=2")
    phone.locator("details.filters > summary").click()
    targets = {
        "numéros de page": ".pager a", "pages du PDF": ".hit .pages a", "cases": ".facets .check input",
        "libellés": ".facets .check label", "années": ".facets .years input", "filtrer": "details.filters > summary",
        "ma sélection": ".hit .select-toggle", "trier": ".sorts select",
    }
    for name, selector in targets.items():
        boxes = [b for b in (e.bounding_box() for e in phone.locator(selector).all()) if b]
        assert boxes, name
        small = [(round(b["width"]), round(b["height"])) for b in boxes if b["width"] < MIN_TARGET or b["height"] < MIN_TARGET]
        assert small == [], f"{name}: {small}"


def test_wide_screen_shows_the_filter_panel_without_opening_it(page, server) -> None:
    page.goto(server + "/search?q=insertion")
    assert not page.locator("details.filters > summary").is_visible()
    assert page.locator("#f-sectors-iae").is_visible()
    facets, results = page.locator(".facets").bounding_box(), page.locator(".results").bounding_box()
    assert facets["x"] + facets["width"] <= results["x"]  # beside the results


def test_document_page_way_back_highlight_and_pdf_search(page, server) -> None:
    page.goto(server + "/search?q=insertion&page=2")
    results_url = page.url
    page.click(".hit h3 a >> nth=0")
    page.wait_for_url(re.compile(r"/documents/[0-9a-f]+\?retour="))
    assert page.locator("#q").input_value() == "insertion"
    marks = page.locator("#texte ~ .firstlines mark").all_inner_texts()
    assert marks and all(m.lower().startswith("insertion") for m in marks)
    page.click("text=Retour aux résultats")
    page.wait_for_url(results_url)
    assert page.locator(".pager [aria-current=page]").inner_text() == "2"
    # A PDF: opened with the words for the viewer.
    page.goto(server + "/search?q=méthanisation")
    page.click(".hit h3 a >> nth=0")
    assert page.locator("a.button", has_text="Ouvrir le PDF").get_attribute("href").endswith("#search=m%C3%A9thanisation")


def test_autocomplete_with_the_keyboard_only(page, server) -> None:
    page.goto(server + "/")  # the box has the focus
    box = page.locator("#q")
    assert box.get_attribute("role") == "combobox" and box.get_attribute("aria-expanded") == "false"
    page.keyboard.type("ressou", delay=30)
    listbox = page.locator("#q-suggestions[role=listbox]")
    listbox.wait_for(state="visible")
    options = page.locator("#q-suggestions [role=option]")
    assert options.count() >= 3 and box.get_attribute("aria-expanded") == "true"
    assert box.get_attribute("aria-controls") == "q-suggestions"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    second = options.nth(1)
    assert box.get_attribute("aria-activedescendant") == second.get_attribute("id")
    assert second.get_attribute("aria-selected") == "true" and options.nth(0).get_attribute("aria-selected") == "false"
    assert focused(page) == "#q"  # the focus stays in the box
    page.keyboard.press("Escape")
    assert not listbox.is_visible() and box.get_attribute("aria-expanded") == "false"
    assert box.get_attribute("aria-activedescendant") is None
    page.keyboard.press("ArrowDown")  # opens it again, on the first option
    label = options.nth(0).inner_text()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    assert query(page.url)["q"] == [label]
    assert page.locator("h1").inner_text() == f"Résultats pour « {label} »"


def test_autocomplete_is_off_without_javascript(browser, server) -> None:
    context, page = new_page(browser, java_script_enabled=False)
    page.goto(server + "/search?q=coopérative")
    assert page.locator("#q").get_attribute("role") is None and page.locator("#q-suggestions").count() == 0
    assert page.locator(".select-toggle").count() == 0
    page.check("#f-sectors-habitat")
    page.select_option("#tri", "date")
    page.click(".facets button[type=submit]")
    assert query(page.url)["secteur"] == ["habitat"] and query(page.url)["tri"] == ["date"]
    page.goto(server + "/selection")
    assert page.locator("#selection-nojs").is_visible()
    context.close()


def test_selection_across_searches_print_and_exports(page, server) -> None:
    page.goto(server + "/search?q=ressourcerie")
    first = page.locator(".hit h3 a").first.inner_text()
    page.locator(".hit .select-toggle").first.click()
    assert page.locator(".hit .select-toggle").first.inner_text().startswith("Retirer de ma sélection")
    page.goto(server + "/search?q=méthanisation")
    second = page.locator(".hit h3 a").first.inner_text()
    page.locator(".hit .select-toggle").first.click()
    assert page.locator(".mine a").inner_text() == "Ma sélection (2)"
    page.click(".mine a")
    page.wait_for_url(re.compile(r"/selection$"))
    page.locator("#selection-list .hit h2 a").nth(1).wait_for()
    assert page.locator("#selection-list .hit h2 a").all_inner_texts() == [first, second]
    assert page.locator("#selection-status").inner_text() == "2 documents dans votre sélection."
    assert page.locator("#selection-print").is_visible()
    ris = page.request.get(server + page.locator("[data-export=ris]").get_attribute("href"))
    assert ris.ok and ris.text().count("ER  - ") == 2 and f"TI  - {first}" in ris.text()
    bib = page.request.get(server + page.locator("[data-export=bib]").get_attribute("href")).text()
    assert bib.count("\n@") + bib.startswith("@") == 2
    # Kept across pages and visits; one removed, then all.
    page.reload()
    page.locator("#selection-list .hit button", has_text="Retirer").first.click()
    assert page.locator("#selection-list .hit").count() == 1 and page.locator(".mine a").inner_text() == "Ma sélection (1)"
    page.click("#selection-clear")
    assert page.locator("#selection-list .hit").count() == 0 and "vide" in page.locator("#selection-status").inner_text()
    assert not page.locator("#selection-actions").is_visible()


def _fill_selection(page, server: str) -> None:
    page.goto(server + "/search?q=insertion")
    for toggle in page.locator(".hit .select-toggle").all()[:3]:
        toggle.click()


@pytest.mark.parametrize("name", ["accueil", "resultats", "correction", "document", "selection", "autocompletion"])
def test_axe_and_screenshots_at_phone_and_desktop_widths(browser, server, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for viewport in (PHONE, DESKTOP):
        # bypass_csp lets axe-core be injected (it is not shipped to visitors).
        context, page = new_page(browser, viewport, bypass_csp=True)
        if name == "accueil":
            page.goto(server + "/")
        elif name == "resultats":
            page.goto(server + "/search?q=insertion&secteur=iae&de=2005")
        elif name == "correction":
            page.goto(server + "/search?q=ressourcrie")
        elif name == "document":
            page.goto(server + "/search?q=insertion")
            page.click(".hit h3 a >> nth=0")
            page.wait_for_url(re.compile(r"retour="))
        elif name == "selection":
            _fill_selection(page, server)
            page.goto(server + "/selection")
            page.locator("#selection-list .hit h2 a").nth(2).wait_for()
        else:
            page.goto(server + "/")
            page.keyboard.type("économie so", delay=30)
            page.locator("#q-suggestions").wait_for(state="visible")
            page.keyboard.press("ArrowDown")
        if name == "resultats" and viewport is PHONE:
            page.locator("details.filters > summary").click()  # the panel, opened
        page.screenshot(path=str(SCREENSHOTS / f"visiteur-{name}-{viewport['width']}.png"), full_page=name != "autocompletion")
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= viewport["width"], f"{name} scrolls sideways at {viewport['width']}px ({scroll}px wide)"
        violations = Axe().run(page).response["violations"]
        serious = [(v["id"], v["impact"], len(v["nodes"])) for v in violations if v["impact"] in ("serious", "critical")]
        assert serious == [], (viewport["width"], serious)
        context.close()
