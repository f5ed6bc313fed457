""""Sites suivis": staff add a site with its rules, run it, read its report;
the scheduler's tick crawls a daily site when due; a visitor then finds a
crawled page and a linked PDF. The test site is tests/crawl_site.py."""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from docsearch.cli import cli
from docsearch.config import Settings
from docsearch.staff.accounts import Accounts
from docsearch.staff.sites import SiteStore
from docsearch.web.app import create_app
from tests import crawl_site
from tests.test_browser import SCREENSHOTS
from tests.test_browser import pytestmark as browser_mark
from tests.test_cli import serving
from tests.test_staff_browser import assert_accessible

PASSWORD = "un-mot-de-passe-solide"
FAST = {"DOCSEARCH_FETCH_PRIVATE": "1", "DOCSEARCH_CRAWL_DELAY": "0.01", "DOCSEARCH_CRAWL_DELAY_MAX": "0.02",
        "DOCSEARCH_FETCH_TIMEOUT": "1", "DOCSEARCH_FETCH_MAX_MB": "1"}


@pytest.fixture
def site():
    site = crawl_site.Site()
    server = crawl_site.serve(site)
    crawl_site.build(site)
    yield site
    server.shutdown()
    server.server_close()


def web_settings(tmp_path: Path) -> Settings:
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", instance_dir=tmp_path / "instance",
                        workers=1, fetch_private=True, crawl_delay=0.01, crawl_delay_max=0.02, fetch_timeout=1.0,
                        fetch_max_mb=1)
    settings.corpus_dir.mkdir(parents=True)
    Accounts(settings.instance_dir).add("marie", PASSWORD)
    return settings


def signed_in(settings: Settings) -> TestClient:
    client = TestClient(create_app(settings))
    client.post("/gestion/connexion", data={"nom": "marie", "mot_de_passe": PASSWORD, "csrf": csrf_of(client, "/gestion/connexion")})
    return client


def csrf_of(client: TestClient, path: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)  # type: ignore[union-attr]


def wait_for_report(client: TestClient, path: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = client.get(path).text
        if "Exploration en cours" not in page and "Dernière exploration" in page and "pas encore été exploré" not in page:
            return page
        time.sleep(0.2)
    raise AssertionError("the crawl did not finish")


def test_sites_need_a_signed_in_staff_member_and_a_csrf_token(tmp_path) -> None:
    client = TestClient(create_app(web_settings(tmp_path)))
    assert "/gestion/connexion" in client.get("/gestion/sites", follow_redirects=False).headers.get("location", "")
    staff = signed_in(web_settings(tmp_path / "b"))
    response = staff.post("/gestion/sites", data={"adresse": "https://example.org/"}, follow_redirects=False)
    assert response.status_code in (400, 403) and not SiteStore(tmp_path / "b" / "instance").sites()


@pytest.mark.parametrize("url", ["http://h:99999/", "http://[::1/", "ftp://example.org/", "pas une adresse"])
def test_a_malformed_address_gets_a_french_message(tmp_path, url) -> None:
    staff = signed_in(web_settings(tmp_path))
    response = staff.post("/gestion/sites", data={"csrf": csrf_of(staff, "/gestion/sites"), "adresse": url, "pages": "10",
                                                  "profondeur": "2", "frequence": ""})
    assert response.status_code == 400
    assert "n&#39;est pas une adresse web valide" in response.text or "n'est pas une adresse web valide" in response.text
    assert "Traceback" not in response.text


def test_staff_add_a_site_run_it_and_read_the_report(tmp_path, site) -> None:
    settings = web_settings(tmp_path)
    staff = signed_in(settings)
    response = staff.post("/gestion/sites", data={"csrf": csrf_of(staff, "/gestion/sites"), "adresse": site.url, "pages": "50",
                                                  "profondeur": "3", "exclure": "/actualites/*", "frequence": "hebdomadaire",
                                                  "lancer": "1"}, follow_redirects=False)
    assert response.status_code == 303
    page = wait_for_report(staff, response.headers["location"])
    assert "Pages trouvées" in page and "boucle de redirections" in page and "délai de réponse dépassé" in page
    assert "chaque semaine" in page
    assert not site.requested("/prive/secret.html") and not site.requested("/actualites/")  # robots.txt, then the exclude rule
    hits = staff.get("/search.json", params={"q": "Ressourcerie Bocage"}).json()["hits"]
    assert hits and hits[0]["url"] == f"{site.url}documents/rapport-2025.pdf"
    assert site.url in staff.get("/gestion/sites").text


def test_the_scheduler_tick_crawls_a_daily_site_when_due(tmp_path, site) -> None:
    settings = web_settings(tmp_path)
    client = signed_in(settings)
    client.post("/gestion/sites", data={"csrf": csrf_of(client, "/gestion/sites"), "adresse": site.url, "pages": "50",
                                        "profondeur": "3", "frequence": "quotidien"})
    crawls = client.app.state.crawls  # type: ignore[attr-defined]
    (thread,) = crawls.tick()  # never crawled: due at once
    thread.join(60)
    assert crawls.tick() == []  # just crawled: not due again today
    assert crawls.tick(datetime.now(UTC) + timedelta(hours=12)) == []
    site.answered.clear()
    (thread,) = crawls.tick(datetime.now(UTC) + timedelta(days=1))
    thread.join(60)
    assert site.statuses("/a-propos.html") == [304]
    (stored,) = SiteStore(settings.instance_dir).sites()
    assert stored.last is not None and len(stored.last.unchanged) >= 10 and not stored.last.new


@browser_mark
def test_a_staff_member_follows_a_site_in_the_browser_and_a_visitor_finds_its_pages(browser, tmp_path, site) -> None:
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", instance_dir=tmp_path / "instance")
    settings.corpus_dir.mkdir()
    created = CliRunner().invoke(cli, ["--instance", str(settings.instance_dir), "users", "add", "claire"],
                                 input=f"{PASSWORD}\n{PASSWORD}\n")
    assert created.exit_code == 0, created.output
    with serving(settings, env={**os.environ, **FAST}) as base:
        # bypass_csp lets axe-core be injected; the pages themselves run no script.
        context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}, bypass_csp=True)
        page = context.new_page()
        page.goto(base + "/gestion/")
        page.fill("#nom", "claire")
        page.fill("#mot_de_passe", PASSWORD)
        page.click("button[type=submit] >> text=Se connecter")
        page.wait_for_url(base + "/gestion/")
        page.click("text=Sites suivis >> nth=0")
        assert_accessible(page)
        page.fill("#adresse", site.url)
        page.fill("#pages", "40")
        page.select_option("#frequence", "quotidien")
        page.uncheck("input[name=lancer]")
        page.click("button >> text=Suivre ce site")
        page.wait_for_url(re.compile(r"/gestion/sites/\d+$"))
        assert "pas encore été exploré" in page.inner_text("main")
        page.click("button >> text=Lancer maintenant")
        page.wait_for_selector("text=Pages trouvées", timeout=60_000)  # the page reloads itself while the crawl runs
        assert_accessible(page)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "gestion-site-suivi-1280.png"), full_page=True)
        text = page.inner_text("main")
        assert "Nouvelles" in text and "interdit par robots.txt" not in text  # the skipped ones are folded away
        assert "lien mort (404)" in text
        context.close()

        visitor = browser.new_context(locale="fr-FR")
        search = visitor.new_page()
        search.goto(f"{base}/search?q=quarante+structures")
        assert "Qui sommes-nous" in search.locator(".hit h3").all_inner_texts()
        search.goto(f"{base}/search?q=Ressourcerie+Bocage")
        assert "Rapport d'activité 2011" in " ".join(search.locator(".hit h3").all_inner_texts())
        visitor.close()
