"""Uploads in a real browser (Chromium, axe-core): a whole folder chosen, its drafts published together
and found by a visitor; a new version of a file; a session that expires while a form is open gives
back what was typed after signing in; and every staff page fits a 360 px screen."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.routing import Mount

from docsearch.catalogue.records import document_id
from docsearch.config import Settings
from docsearch.index.update import update_index
from docsearch.staff.accounts import Accounts
from tests.conftest import DATA, REALWORLD, html_page
from tests.test_browser import SCREENSHOTS
from tests.test_cli import serving
from tests.test_notices import assert_accessible, browser_only, visitor_titles
from tests.test_uploads import REAL_PDFS

PASSWORD = "un-mot-de-passe-solide"
REPORT = "environnement/2011/rapport.pdf"

pytestmark = browser_only


@pytest.fixture(scope="module")
def browser_settings(tmp_path_factory) -> Settings:
    root = tmp_path_factory.mktemp("uploads-browser")
    corpus = root / "corpus"
    report = corpus / REPORT
    report.parent.mkdir(parents=True)
    shutil.copyfile(DATA / "good-report.pdf", report)
    (corpus / "festival.html").write_bytes(html_page("Festival solidaire", "L'économie sociale fait son festival."))
    (corpus / "un-nom-de-fichier-tres-long-sans-aucun-espace-pour-couper-la-ligne-du-tableau.html").write_bytes(
        html_page("Un titre", "Un texte."))
    settings = Settings(corpus_dir=corpus, index_dir=root / "index", instance_dir=root / "instance", workers=2)
    update_index(settings)
    Accounts(settings.instance_dir).add("anne", PASSWORD)  # administrateur: every staff page opens
    from docsearch.corpus.crawl.frontier import Rules
    from docsearch.staff.sites import SiteStore

    # A site to crawl on demand only (never started here), so that its page is measured too.
    SiteStore(settings.instance_dir).add_site(Rules("https://www.exemple-de-reseau-ess.org/actualites/une-adresse-assez-longue/"), "")
    return settings


@pytest.fixture(scope="module")
def server(browser_settings) -> Iterator[str]:
    with serving(browser_settings) as base:
        yield base


@pytest.fixture
def page(browser, server):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(server + "/gestion/")
    sign_in(page)
    page.wait_for_url(server + "/gestion/")
    yield page
    context.close()


def sign_in(page) -> None:
    page.fill("#nom", "anne")
    page.fill("#mot_de_passe", PASSWORD)
    page.click("button[type=submit] >> text=Se connecter")


def a_folder(root: Path) -> Path:
    """A folder as staff keep them: fonds/culture/2019/… (real French PDFs when they are here)."""
    target = root / "fonds" / "culture" / "2019"
    target.mkdir(parents=True)
    source = REALWORLD / "fr" / "pdf"
    if all((source / name).is_file() for name in REAL_PDFS):
        for name in REAL_PDFS:
            shutil.copyfile(source / name, target / name)  # a temporary folder, removed after the test
    else:
        for n in range(3):
            (target / f"page-{n}.html").write_bytes(html_page(f"Programme culturel {n}", f"L'atelier {n} du tiers-lieu."))
    return root / "fonds"


def test_a_folder_is_published_together_and_found(page, server, browser) -> None:
    with tempfile.TemporaryDirectory() as work:
        folder = a_folder(Path(work))
        page.click("nav.staffnav >> text=Ajouter des documents")
        assert_accessible(page)
        # Over the count cap, the page says so before sending anything (the server would refuse it whole).
        page.eval_on_selector("form[data-max-files]", "form => form.dataset.maxFiles = '2'")
        page.set_input_files("#dossier", str(folder))
        assert "3 fichiers choisis : 2 au plus par envoi" in page.inner_text("#envoi-etat")
        page.click("button >> text=Préparer l'ajout")
        assert page.url.endswith("/gestion/ajouter") and "2 au plus par envoi" in page.inner_text("#envoi-etat")
        page.eval_on_selector("form[data-max-files]", "form => form.dataset.maxFiles = '200'")
        page.dispatch_event("#dossier", "change")
        assert page.inner_text("#envoi-etat") == "3 fichiers choisis."
        page.click("button >> text=Préparer l'ajout")
        page.wait_for_url(re.compile(r"/gestion/brouillons$"), timeout=60_000)
    assert "3 brouillons prêts" in page.inner_text("p.flash[role=status]")
    titles = sorted(page.locator(".draft .notice-title label").all_inner_texts())
    assert len(titles) == 3
    assert page.locator(".draft", has_text="dossier fonds/culture/2019").count() == 3  # the folders came along
    if REALWORLD.is_dir() and (REALWORLD / "fr" / "pdf" / REAL_PDFS[0]).is_file():
        widths = page.eval_on_selector_all(".draft img.thumb", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
        assert len(widths) == 3 and all(w >= 200 for w in widths)  # each first page, drawn
    assert_accessible(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "gestion-brouillons.png"), full_page=True)
    # One opened alone shows its preview, then back to the list.
    page.locator(".draft a >> text=Vérifier seul").first.click()
    page.wait_for_url(re.compile(r"/gestion/brouillons/[0-9a-f]{24}$"))
    assert page.locator("figure.preview").count() == 1
    assert_accessible(page)
    page.go_back()
    for box in page.locator("input[name=brouillons]").all():
        box.check()
    page.click("button >> text=Publier la sélection")
    page.wait_for_url(re.compile(r"/gestion/brouillons$"))
    assert "3 documents publiés." in page.inner_text("p.flash[role=status]")
    assert "Aucun brouillon en attente" in page.inner_text("main")
    assert set(titles) <= set(visitor_titles(browser, server, "secteur=culture"))


def test_a_new_version_of_a_file(page, server, browser) -> None:
    doc = document_id(REPORT)
    page.goto(f"{server}/gestion/documents/{doc}/modifier")
    page.click("text=Remplacer le fichier par une nouvelle version…")
    page.wait_for_url(re.compile(r"/remplacer$"))
    assert_accessible(page)
    with tempfile.TemporaryDirectory() as work:
        new = Path(work) / "rapport-2024.html"
        new.write_bytes(html_page("Autre", "Une page web."))
        page.set_input_files("#fichier", str(new))
        page.click("button >> text=Remplacer le fichier")
        page.wait_for_selector("p.error[role=alert]")
        assert "du même format que l'ancienne" in page.inner_text("p.error[role=alert]")
        assert_accessible(page)
        replacement = REALWORLD / "fr" / "pdf" / "emplois__cerfa_15059-02.pdf"
        pdf = Path(work) / "rapport-2024.pdf"
        shutil.copyfile(replacement if replacement.is_file() else DATA / "owner-only.pdf", pdf)
        page.set_input_files("#fichier", str(pdf))
        page.click("button >> text=Remplacer le fichier")
        page.wait_for_url(f"{server}/documents/{doc}")
    assert "est remplacé" in page.inner_text("p.flash[role=status]")
    page.goto(server + "/gestion/corbeille")
    assert "Ancienne version, remplacée" in page.inner_text("main")
    assert_accessible(page)


def test_an_expired_session_brings_back_what_was_typed(page, server) -> None:
    doc = document_id("festival.html")
    page.goto(f"{server}/gestion/documents/{doc}/modifier")
    page.fill("#titre", "Festival solidaire de l'été")
    page.fill("#resume", "Trois jours de fête au tiers-lieu.")
    page.context.clear_cookies()  # the session ends while the form is open
    page.click("button >> text=Enregistrer")
    page.wait_for_selector("text=Votre session a expiré")
    assert "Ce que vous aviez saisi est conservé" in page.inner_text("main")
    assert page.input_value("#nom") == ""
    assert_accessible(page)
    sign_in(page)
    page.wait_for_selector("h1 >> text=Reprendre votre saisie")
    kept = page.inner_text("dl.kept")
    assert "Festival solidaire de l'été" in kept and "Trois jours de fête au tiers-lieu." in kept
    assert_accessible(page)
    page.click("button >> text=Envoyer à nouveau")
    page.wait_for_url(f"{server}/documents/{doc}")
    assert page.inner_text("h1") == "Festival solidaire de l'été"
    assert "Notice enregistrée." in page.inner_text("p.flash[role=status]")


def test_every_staff_page_fits_a_360_px_screen(page, server, browser_settings) -> None:
    from docsearch.web.app import create_app

    # A draft, so that its page is measured too.
    page.goto(server + "/gestion/ajouter")
    with tempfile.TemporaryDirectory() as work:
        upload = Path(work) / "un-rapport-au-nom-vraiment-tres-long-pour-voir-si-la-ligne-se-coupe-bien.html"
        upload.write_bytes(html_page("Rapport du jardin partagé", "Le jardin partagé du quartier."))
        page.set_input_files("#fichiers", str(upload))
        page.click("button >> text=Préparer l'ajout")
        page.wait_for_url(re.compile(r"/gestion/brouillons/[0-9a-f]{24}$"))
    draft = page.url.rsplit("/", 1)[1]
    page.goto(f"{server}/gestion/documents/{document_id('festival.html')}/retirer")
    page.click("button >> text=Retirer")  # something in the trash
    page.wait_for_url(re.compile(r"/gestion/corbeille$"))

    # Every page the staff router answers with GET, enumerated from it: a page added later is measured too.
    app = create_app(browser_settings)
    mount = next(r for r in app.routes if isinstance(r, Mount) and r.path == "/gestion")
    ids = {"doc_id": document_id(REPORT), "draft_id": draft, "site_id": "1"}
    paths = []
    for route in mount.routes:
        if "GET" not in (route.methods or ()) or route.path.endswith((".csv", "/apercu")):
            continue
        paths.append("/gestion" + re.sub(r"\{(\w+)(:\w+)?\}", lambda m: ids[m.group(1)], route.path))
    assert len(paths) >= 15
    page.set_viewport_size({"width": 360, "height": 800})
    too_wide = {}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for path in paths:
        answer = page.goto(server + path)
        assert answer is not None and answer.status == 200, path
        width = page.evaluate("document.documentElement.scrollWidth")
        name = re.sub(r"[0-9a-f]{12,}", "id", path.strip("/").replace("/", "-")) or "gestion"
        page.screenshot(path=str(SCREENSHOTS / f"360-{name}.png"), full_page=True)
        if width > 360:
            too_wide[path] = width
    assert too_wide == {}
    # The restore button of the trash is on the screen, and big enough to touch.
    page.goto(server + "/gestion/corbeille")
    box = page.locator("button >> text=Restaurer").first.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 360 and box["height"] >= 24
    page.screenshot(path=str(SCREENSHOTS / "gestion-corbeille-360.png"), full_page=True)
