"""The notices (/gestion/notices) on a real server: filters, sorts, pages, bulk edit, bulk withdraw; then the
same path in a real browser — filter, tick several, add a sector, a visitor sees it, the journal shows the old
and new values and reverts one."""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import shutil
import tomllib
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from docsearch.config import Settings
from docsearch.index.update import update_index
from docsearch.staff.accounts import Accounts
from docsearch.staff.journal import Journal, JournalQuery
from tests.conftest import CHROMIUM, DATA, html_page
from tests.test_browser import SCREENSHOTS
from tests.test_cli import serving

PASSWORD = "un-mot-de-passe-solide"
OLD_DAY = dt.datetime(2020, 1, 15, 10).timestamp()


@pytest.fixture(scope="module")
def notices_settings(tmp_path_factory) -> Settings:
    root = tmp_path_factory.mktemp("notices")
    corpus = root / "corpus"
    for n in range(55):  # more than one page of 50
        year = 2019 if n < 50 else 2020
        path = corpus / "culture" / str(year) / f"page-{n:02d}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(html_page(f"Page culturelle {n:02d}", f"Le programme culturel numéro {n} du tiers-lieu."))
    report = corpus / "environnement" / "2011" / "rapport.pdf"
    report.parent.mkdir(parents=True)
    shutil.copyfile(DATA / "good-report.pdf", report)
    os.utime(report, (OLD_DAY, OLD_DAY))  # added long ago
    (corpus / "festival.html").write_bytes(html_page("Festival solidaire", "L'économie sociale fait son festival."))
    (corpus / "amap.html").write_bytes(html_page("Les paniers de l'AMAP", "Chaque jeudi, les paniers de légumes."))
    (corpus / "amap.html.meta.toml").write_text('titre = "Les paniers de l\'AMAP"\nsecteurs = ["agriculture-alimentation"]\n'
                                                'annee = 2022\ntype = "page-web"\n', encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=root / "index", instance_dir=root / "instance", workers=2)
    update_index(settings)
    Accounts(settings.instance_dir).add("marie", PASSWORD)
    Accounts(settings.instance_dir).add("cleo", PASSWORD, "contributeur")
    return settings


@pytest.fixture(scope="module")
def server(notices_settings) -> Iterator[str]:
    with serving(notices_settings) as base:
        yield base


def client_for(server: str) -> httpx2.Client:
    return httpx2.Client(base_url=server, trust_env=False, timeout=60)


def csrf_of(client: httpx2.Client, path: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


@pytest.fixture
def marie(server) -> Iterator[httpx2.Client]:
    with client_for(server) as client:
        token = csrf_of(client, "/gestion/connexion")
        answer = client.post("/gestion/connexion", data={"nom": "marie", "mot_de_passe": PASSWORD, "csrf": token})
        assert answer.status_code == 303
        yield client


def listed(client: httpx2.Client, **params: str) -> tuple[int, list[str]]:
    """How many notices the filters keep, and the titles of the page shown."""
    page = client.get("/gestion/notices", params=params)
    assert page.status_code == 200, page.text[:500]
    total = int(re.search(r"<strong>(\d+) notices?</strong>", page.text).group(1))
    return total, [html.unescape(t) for t in re.findall(r'<label for="n-[0-9a-f]+" id="t-[0-9a-f]+">([^<]+)</label>', page.text)]


def ids_of(client: httpx2.Client, **params: str) -> dict[str, str]:
    page = client.get("/gestion/notices", params=params).text
    return {html.unescape(title): doc_id for doc_id, title in
            re.findall(r'<label for="n-([0-9a-f]+)" id="t-[0-9a-f]+">([^<]+)</label>', page)}


def test_filters_sorts_and_pages(marie) -> None:
    total, first = listed(marie)
    assert total == 58 and len(first) == 50
    page_two = marie.get("/gestion/notices").text
    assert "page 1 sur 2" in page_two
    second = listed(marie, page="2")[1]
    assert len(second) == 8 and not set(first) & set(second)
    assert listed(marie, secteur="culture", annee="2019")[0] == 50
    assert listed(marie, secteur="culture", annee="2020")[0] == 5
    assert listed(marie, annee="2011")[1] == ["Rapport d'activité 2011"]
    assert listed(marie, format="pdf")[1] == ["Rapport d'activité 2011"]
    assert listed(marie, q="compostage")[1] == ["Rapport d'activité 2011"]  # words, as a visitor searches them
    assert listed(marie, du="2020-01-01", au="2020-01-31")[1] == ["Rapport d'activité 2011"]  # date added
    assert listed(marie, origine="staff")[1] == ["Les paniers de l'AMAP"]
    to_check = listed(marie, origine="a-verifier")[1]
    assert "Festival solidaire" in to_check and "Les paniers de l'AMAP" not in to_check
    assert listed(marie, ocr="oui")[0] == 0 and listed(marie, ocr="non")[0] == 58
    assert listed(marie, tri="titre")[1][:2] == ["Festival solidaire", "Les paniers de l'AMAP"]
    assert listed(marie, tri="titre-inverse")[1][0] == "Rapport d'activité 2011"
    assert listed(marie, tri="annee")[1][0] == "Les paniers de l'AMAP"  # 2022
    assert listed(marie, tri="ajout-ancien")[1][0] == "Rapport d'activité 2011"
    # Filters stay on the other pages and the sorts.
    by_sector = marie.get("/gestion/notices", params={"secteur": "culture"}).text
    assert "secteur=culture" in re.search(r'href="([^"]+)" rel="next"', by_sector).group(1)
    ticked = marie.get("/gestion/notices", params={"secteur": "culture", "annee": "2020", "cocher": "tout"}).text
    assert ticked.count('name="ids"') == 5 and ticked.count(" checked>") == 5
    for params, message in (({"secteur": "zzz"}, "Secteur inconnu"), ({"du": "hier"}, "Date invalide"),
                            ({"page": "deux"}, "Numéro de page invalide"), ({"annee": "20"}, "quatre chiffres")):
        answer = marie.get("/gestion/notices", params=params)
        assert answer.status_code == 400 and message in answer.text


def test_bulk_edit_changes_only_the_field_asked_and_each_is_journaled(marie, server, notices_settings) -> None:
    ids = ids_of(marie, secteur="culture", tri="titre")
    chosen = [ids[f"Page culturelle {n:02d}"] for n in (1, 2, 3)]
    token = csrf_of(marie, "/gestion/notices")
    assert marie.post("/gestion/notices/modifier", data={"ids": chosen, "ajouter_secteur": "iae"}).status_code == 403  # no token
    answer = marie.post("/gestion/notices/modifier", data={"csrf": token, "ids": chosen, "ajouter_secteur": "iae",
                                                           "retour": "secteur=culture&tri=titre&page=1"})
    assert answer.status_code == 303 and answer.headers["location"] == "/gestion/notices?secteur=culture&tri=titre&page=1"
    shown = marie.get(answer.headers["location"]).text
    assert re.search(r'role="status">Secteur « Insertion par l&#39;activité économique » ajouté : 3 notices modifiées\.<', shown)
    with client_for(server) as visitor:  # a visitor sees the change at once
        found = visitor.get("/search.json", params={"secteur": "iae", "par_page": "50"}).json()
        assert sorted(h["title"] for h in found["hits"]) == ["Page culturelle 01", "Page culturelle 02", "Page culturelle 03"]
        assert "set-cookie" not in visitor.get("/search", params={"secteur": "iae"}).headers
    # Only the sectors were written: the guessed title stays a guess to check.
    sidecar = notices_settings.corpus_dir / "culture" / "2019" / "page-01.html.meta.toml"
    assert tomllib.loads(sidecar.read_text(encoding="utf-8")) == {"secteurs": ["culture", "iae"]}
    entries, _ = Journal(notices_settings.instance_dir).entries(JournalQuery(action="bulk-edit"))
    assert sorted(e.relpath for e in entries) == [f"culture/2019/page-0{n}.html" for n in (1, 2, 3)]
    assert all({c.field: (c.old, c.new) for c in e.changes} == {"sectors": (["culture"], ["culture", "iae"])} for e in entries)
    assert all(e.who == "marie" for e in entries)

    for data, message in (({"ajouter_secteur": "iae"}, "Cochez au moins une notice"),
                          ({"ids": chosen}, "Choisissez ce qui change"),
                          ({"ids": chosen, "annee": "3000"}, "Une année de 1900 à 2100"),
                          ({"ids": chosen, "type": "zzz"}, "Type de document inconnu")):
        refused = marie.post("/gestion/notices/modifier", data={"csrf": token, **data})
        assert refused.status_code == 400 and message in refused.text


def test_bulk_withdraw_asks_first_then_moves_to_the_trash(marie, server, notices_settings) -> None:
    ids = ids_of(marie, secteur="culture", tri="titre-inverse")  # pages 54…05
    chosen = [ids["Page culturelle 10"], ids["Page culturelle 11"]]
    token = csrf_of(marie, "/gestion/notices")
    asked = marie.post("/gestion/notices/retirer", data={"csrf": token, "ids": chosen})
    assert asked.status_code == 200 and "Retirer 2 documents ?" in asked.text and "Page culturelle 10" in asked.text
    assert (notices_settings.corpus_dir / "culture" / "2019" / "page-10.html").is_file()  # nothing yet
    done = marie.post("/gestion/notices/retirer", data={"csrf": token, "ids": chosen, "confirmer": "oui"})
    assert done.status_code == 303
    assert "2 documents retirés du fonds" in marie.get(done.headers["location"]).text
    assert not (notices_settings.corpus_dir / "culture" / "2019" / "page-10.html").exists()
    assert list((notices_settings.corpus_dir / ".corbeille").rglob("page-11.html"))
    with client_for(server) as visitor:
        assert visitor.get("/search.json", params={"q": "\"Page culturelle 10\""}).json()["total"] == 0
    entries, _ = Journal(notices_settings.instance_dir).entries(JournalQuery(action="withdraw"))
    assert sorted(e.relpath for e in entries) == ["culture/2019/page-10.html", "culture/2019/page-11.html"]


browser_only = pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("DOCSEARCH_REQUIRE_BROWSER"),
                                  reason="Debian's chromium is not installed")


def assert_accessible(page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    assert [(v["id"], v["impact"]) for v in violations if v["impact"] in ("serious", "critical")] == []


def visitor_titles(browser, server: str, query: str) -> list[str]:
    context = browser.new_context(locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(f"{server}/search?{query}")
        return sorted(page.locator(".hit h3").all_inner_texts())
    finally:
        context.close()


@browser_only
def test_a_documentalist_bulk_edits_in_a_browser_and_reverts_one(browser, server) -> None:
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(server + "/gestion/notices")
    page.fill("#nom", "marie")
    page.fill("#mot_de_passe", PASSWORD)
    page.click("button[type=submit] >> text=Se connecter")
    page.wait_for_url(re.compile(r"/gestion/notices$"))

    page.select_option("#n-secteur", "culture")
    page.select_option("#n-annee", "2020")
    page.click("button >> text=Filtrer")
    page.wait_for_url(re.compile(r"secteur=culture"))
    assert "5 notices" in page.inner_text(".total")
    assert_accessible(page)
    page.check("label >> text=Page culturelle 50")
    page.check("label >> text=Page culturelle 51")
    page.select_option("#b-ajouter-secteur", "mobilite")
    page.click("button >> text=Appliquer aux notices cochées")
    page.wait_for_url(re.compile(r"/gestion/notices\?"))
    assert "2 notices modifiées" in page.inner_text("p.flash[role=status]")
    assert "5 notices" in page.inner_text(".total")  # the same filters, back
    assert visitor_titles(browser, server, "secteur=mobilite") == ["Page culturelle 50", "Page culturelle 51"]

    page.click("nav.staffnav >> text=Journal")
    page.wait_for_url(re.compile(r"/gestion/journal$"))
    entry = page.locator("li.entry", has_text="Page culturelle 51").first
    changes = entry.locator(".changes").inner_text()
    assert "Secteurs" in changes and "Culture" in changes and "Mobilité" in entry.locator(".new").inner_text()
    assert "Mobilité" not in entry.locator(".old").inner_text()
    assert_accessible(page)
    entry.locator("button >> text=Annuler cette modification").click()
    page.wait_for_url(re.compile(r"/gestion/journal"))
    assert "annulée" in page.inner_text("p.flash[role=status]")
    assert "Annulation d'une modification" in page.locator("li.entry").first.inner_text()
    assert visitor_titles(browser, server, "secteur=mobilite") == ["Page culturelle 50"]

    # The notice's own history says the same, and offers the same revert.
    page.goto(server + "/gestion/notices?secteur=culture&annee=2020")
    page.click("a[aria-label='Modifier la notice « Page culturelle 51 »']")
    page.wait_for_url(re.compile(r"/modifier$"))
    history = page.inner_text("#historique + ol")
    assert "Annulation d'une modification" in history and "Modification groupée" in history
    assert_accessible(page)

    # At 360 px nothing is wider than the screen.
    page.set_viewport_size({"width": 360, "height": 800})
    for path in ("/gestion/notices?secteur=culture&annee=2020", "/gestion/journal"):
        page.goto(server + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"gestion-{Path(path).name.split('?')[0]}-360.png"), full_page=True)
    context.close()


def test_a_bulk_edit_never_overwrites_an_unreadable_sidecar(settings) -> None:
    from docsearch.errors import UserError
    from docsearch.staff.bulk import write_fields

    page = settings.corpus_dir / "page.html"
    page.write_bytes(html_page("Une page", "Du texte."))
    broken = 'titre = "Une page\nsecteurs = ['
    (settings.corpus_dir / "page.html.meta.toml").write_text(broken, encoding="utf-8")
    with pytest.raises(UserError, match="illisible"):
        write_fields(settings, "page.html", {"sectors": ("iae",)})
    assert (settings.corpus_dir / "page.html.meta.toml").read_text(encoding="utf-8") == broken


def sign_in_page(browser, server: str, name: str):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(server + "/gestion/")
    page.fill("#nom", name)
    page.fill("#mot_de_passe", PASSWORD)
    page.click("button[type=submit] >> text=Se connecter")
    page.wait_for_url(server + "/gestion/")
    return context, page


@browser_only
def test_a_contributors_upload_waits_for_a_documentalist_in_a_browser(browser, server, tmp_path) -> None:
    upload = tmp_path / "jardin.html"
    upload.write_bytes(html_page("Le jardin partagé", "Le jardin partagé du quartier organise un lombricompostage collectif."))
    contributor, page = sign_in_page(browser, server, "cleo")
    assert "Notices" not in page.inner_text("nav.staffnav")
    page.click("text=Ajouter des documents >> nth=0")
    page.set_input_files("#fichiers", str(upload))
    page.click("button >> text=Préparer l'ajout")
    page.wait_for_url(re.compile(r"/gestion/brouillons/"))
    draft = page.url
    assert "publié après vérification" in page.inner_text("main")
    assert_accessible(page)
    page.fill("#titre", "Rapport du jardin partagé")
    page.check("#s-environnement")
    page.click("button >> text=Proposer à la publication")
    page.wait_for_url(server + "/gestion/")
    assert "proposé à la publication" in page.inner_text("p.flash[role=status]")
    assert "proposé par cleo" in page.inner_text("main")
    # Everything else is refused, in French.
    answer = page.goto(server + "/gestion/journal")
    assert answer.status == 403 and "réservée au rôle « Documentaliste »" in page.inner_text("main")
    assert_accessible(page)
    contributor.close()

    documentalist, page = sign_in_page(browser, server, "marie")
    page.click("a >> text=Rapport du jardin partagé")
    page.wait_for_url(draft)
    assert page.input_value("#titre") == "Rapport du jardin partagé"  # cleo's values
    page.click("button >> text=Publier le document")
    page.wait_for_url(re.compile(r"/documents/[0-9a-f]+$"))
    assert "est publié" in page.inner_text("p.flash[role=status]")
    assert "Modifier la notice" in page.inner_text(".staff-links")
    documentalist.close()
    assert visitor_titles(browser, server, "q=lombricompostage") == ["Rapport du jardin partagé"]
