"""Roles: every /gestion route of the router × every role; a contributor's upload waits for a documentalist."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.routing import Mount
from starlette.testclient import TestClient

from docsearch.cli import cli
from docsearch.config import Settings
from docsearch.index.update import update_index
from docsearch.staff.accounts import Accounts
from docsearch.staff.journal import Journal, JournalQuery
from docsearch.web.app import create_app
from docsearch.web.roles import ROUTE_ROLES
from tests.conftest import DATA, html_page

PASSWORD = "un-mot-de-passe-solide"
FAKE_ID = "0123456789abcdef01234567"
# What a contributor may open or send; everything else under /gestion is refused to it.
CONTRIBUTOR_ROUTES = {
    ("GET", "/gestion/"), ("GET", "/gestion/ajouter"), ("POST", "/gestion/ajouter"),
    ("GET", f"/gestion/brouillons/{FAKE_ID}"), ("POST", f"/gestion/brouillons/{FAKE_ID}/proposer"),
    ("POST", f"/gestion/brouillons/{FAKE_ID}/abandonner"), ("POST", "/gestion/deconnexion"),
    ("GET", "/gestion/brouillons"), ("GET", f"/gestion/brouillons/{FAKE_ID}/apercu"),
}
# What only an administrator may open or send.
ADMINISTRATOR_ROUTES = {("GET", "/gestion/comptes"), ("POST", "/gestion/comptes/role")}
ADMINISTRATOR_ROUTES |= {("GET", "/gestion/vocabulaires")} | {
    ("POST", f"/gestion/vocabulaires/{action}") for action in ("ajouter", "modifier", "fusionner", "retirer", "synonymes", "thesaurus")}
REFUSED = "est réservée au rôle"


@pytest.fixture
def roles_settings(tmp_path: Path, corpus: Path) -> Settings:
    (corpus / "festival.html").write_bytes(html_page("Festival solidaire", "L'économie sociale fait son festival."))
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", instance_dir=tmp_path / "instance", workers=2)
    update_index(settings)
    accounts = Accounts(settings.instance_dir)
    accounts.add("anne", PASSWORD)  # the first account: administrateur
    accounts.add("dora", PASSWORD)  # then documentaliste by default
    accounts.add("cleo", PASSWORD, "contributeur")
    accounts.add("eli", PASSWORD, "contributeur")
    return settings


@pytest.fixture
def app(roles_settings):
    return create_app(roles_settings)


def csrf_of(client: TestClient, path: str = "/gestion/") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


def signed_in(app, name: str) -> TestClient:
    client = TestClient(app)
    token = csrf_of(client, "/gestion/connexion")
    answer = client.post("/gestion/connexion", data={"nom": name, "mot_de_passe": PASSWORD, "csrf": token},
                         follow_redirects=False)
    assert answer.status_code == 303
    return client


def gestion_routes(app) -> list[tuple[str, str, str]]:
    """(method, path to request, path as the route writes it) of every route mounted under /gestion."""
    mount = next(r for r in app.routes if isinstance(r, Mount) and r.path == "/gestion")
    found = []
    for route in mount.routes:
        path = "/gestion" + re.sub(r"\{(\w+)(:\w+)?\}", FAKE_ID, route.path)
        found += [(method, path, route.path) for method in sorted(route.methods - {"HEAD"})]
    return found


def test_the_accounts_have_the_roles_they_were_given(roles_settings) -> None:
    assert Accounts(roles_settings.instance_dir).roles() == {"anne": "administrateur", "cleo": "contributeur",
                                                            "dora": "documentaliste", "eli": "contributeur"}


def test_every_route_of_the_table_exists(app) -> None:
    """A renamed route cannot leave the table pointing at nothing (and its real route at the default)."""
    mounted = {(method, written) for method, _, written in gestion_routes(app)}
    assert set(ROUTE_ROLES) <= mounted


@pytest.mark.parametrize("role_name", ["cleo", "dora", "anne"])
def test_every_gestion_route_checks_the_role(app, role_name) -> None:
    """Enumerated from the router: a route added later is checked too (documentaliste unless the table says)."""
    client = signed_in(app, role_name)
    token = csrf_of(client)
    checked = 0
    for method, path, _ in gestion_routes(app):
        if path in ("/gestion/connexion", "/gestion/deconnexion"):
            continue  # the sign-in page is public; signing out is tried last
        if method == "GET":
            answer = client.get(path, follow_redirects=False)
        else:
            answer = client.post(path, data={"csrf": token}, follow_redirects=False)
        refused = answer.status_code == 403 and REFUSED in answer.text
        if role_name == "cleo":
            expected = (method, path) not in CONTRIBUTOR_ROUTES
        elif role_name == "dora":
            expected = (method, path) in ADMINISTRATOR_ROUTES
        else:
            expected = False
        assert refused == expected, (role_name, method, path, answer.status_code)
        assert answer.status_code < 500, (method, path, answer.text[:300])
        checked += 1
    assert checked >= 20
    assert client.post("/gestion/deconnexion", data={"csrf": token}, follow_redirects=False).status_code == 303


def test_the_refusal_is_a_french_page(app) -> None:
    client = signed_in(app, "cleo")
    answer = client.get("/gestion/notices")
    assert answer.status_code == 403 and 'lang="fr"' in answer.text
    assert "« Documentaliste » ou au-dessus" in answer.text and "« Contributeur·rice »" in answer.text
    # Nor does the navigation offer what the role cannot open.
    dashboard = client.get("/gestion/").text
    assert "/gestion/notices" not in dashboard and "/gestion/attention" not in dashboard


def test_a_contributors_upload_waits_for_a_documentalist(app, roles_settings) -> None:
    cleo = signed_in(app, "cleo")
    sent = cleo.post("/gestion/ajouter", data={"csrf": csrf_of(cleo)},
                     files=[("fichiers", ("rapport.pdf", (DATA / "good-report.pdf").read_bytes(), "application/pdf"))],
                     follow_redirects=False)
    assert sent.status_code == 303
    draft_url = sent.headers["location"]
    form = cleo.get(draft_url).text
    assert "Proposer à la publication" in form and "Publier le document" not in form
    values = {"csrf": csrf_of(cleo, draft_url), "titre": "Rapport du jardin partagé", "type": "rapport-activite",
              "annee": "2011", "secteurs": ["environnement"]}
    # Publishing itself is refused to a contributor, whatever the form says.
    assert cleo.post(draft_url, data=values, follow_redirects=False).status_code == 403
    proposed = cleo.post(draft_url + "/proposer", data=values, follow_redirects=False)
    assert proposed.status_code == 303 and proposed.headers["location"] == "/gestion/"
    dashboard = cleo.get("/gestion/").text
    assert re.search(r'<p class="flash" role="status">« Rapport du jardin partagé » est proposé à la publication', dashboard)
    assert not list(roles_settings.corpus_dir.rglob("*.pdf"))  # nothing published yet
    assert cleo.get("/search.json", params={"q": "compostage"}).json()["total"] == 0
    # Another contributor neither sees nor opens it.
    eli = signed_in(app, "eli")
    assert "Rapport du jardin partagé" not in eli.get("/gestion/").text
    assert eli.get(draft_url).status_code == 403
    assert eli.post(draft_url + "/abandonner", data={"csrf": csrf_of(eli)}).status_code == 403

    dora = signed_in(app, "dora")
    waiting = dora.get("/gestion/").text
    assert "Rapport du jardin partagé" in waiting and "proposé par cleo" in waiting
    form = dora.get(draft_url).text
    assert 'value="Rapport du jardin partagé"' in form and "Publier le document" in form  # cleo's values
    published = dora.post(draft_url, data={**values, "csrf": csrf_of(dora, draft_url)}, follow_redirects=False)
    assert published.status_code == 303
    hits = TestClient(app).get("/search.json", params={"q": "compostage"}).json()["hits"]
    assert [h["title"] for h in hits] == ["Rapport du jardin partagé"]
    entries, _ = Journal(roles_settings.instance_dir).entries(JournalQuery())
    assert [(e.who, e.action) for e in reversed(entries)] == [("cleo", "upload"), ("cleo", "propose"), ("dora", "publish")]
    assert entries[0].note == "proposé par cleo"


def test_public_pages_offer_edit_and_withdraw_links_to_documentalists_only(app) -> None:
    doc_id = TestClient(app).get("/search.json", params={"q": "festival"}).json()["hits"][0]["id"]
    edit = f'href="/gestion/documents/{doc_id}/modifier"'
    withdraw = f'href="/gestion/documents/{doc_id}/retirer"'
    for name, shown in (("dora", True), ("anne", True), ("cleo", False)):
        client = signed_in(app, name)
        for page in ("/search?q=festival", f"/documents/{doc_id}"):
            text = client.get(page).text
            assert (edit in text and withdraw in text) == shown, (name, page)
    visitor = TestClient(app)
    answer = visitor.get(f"/documents/{doc_id}")
    assert edit not in answer.text and "set-cookie" not in answer.headers


def test_an_administrator_changes_a_role_and_keeps_one_administrator(app, roles_settings) -> None:
    anne = signed_in(app, "anne")
    token = csrf_of(anne, "/gestion/comptes")
    changed = anne.post("/gestion/comptes/role", data={"csrf": token, "nom": "cleo", "role": "documentaliste"})
    assert changed.status_code == 200 and "Le compte cleo a le rôle « Documentaliste »" in changed.text
    assert signed_in(app, "cleo").get("/gestion/notices").status_code == 200  # at once
    alone = anne.post("/gestion/comptes/role", data={"csrf": token, "nom": "anne", "role": "documentaliste"})
    assert alone.status_code == 400 and "au moins un compte administrateur" in alone.text
    entries, _ = Journal(roles_settings.instance_dir).entries(JournalQuery(action="role"))
    assert [(e.title, e.changes[0].old, e.changes[0].new) for e in entries] == [("cleo", "contributeur", "documentaliste")]


def test_accounts_from_before_roles_are_administrators(tmp_path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    Accounts(instance).add("ancien", PASSWORD)
    users = json.loads((instance / "users.json").read_text())
    del users["ancien"]["role"]  # as an earlier version wrote it
    (instance / "users.json").write_text(json.dumps(users))
    assert Accounts(instance).role("ancien") == "administrateur"


def test_users_cli_roles(tmp_path) -> None:
    instance = tmp_path / "instance"
    run = CliRunner().invoke
    typed = f"{PASSWORD}\n{PASSWORD}\n"
    first = run(cli, ["--instance", str(instance), "users", "add", "paul"], input=typed)
    assert first.exit_code == 0 and "administrateur" in first.output
    added = run(cli, ["--instance", str(instance), "users", "add", "zoe", "--role", "contributeur"], input=typed)
    assert added.exit_code == 0 and "contributeur" in added.output
    assert run(cli, ["--instance", str(instance), "users", "role", "zoe"]).output.strip() == "contributeur"
    assert run(cli, ["--instance", str(instance), "users", "role", "zoe", "documentaliste"]).exit_code == 0
    assert Accounts(instance).role("zoe") == "documentaliste"
    wrong = run(cli, ["--instance", str(instance), "users", "add", "lea", "--role", "chef"], input=typed)
    assert wrong.exit_code == 2
    unknown = run(cli, ["--instance", str(instance), "users", "role", "personne"])
    assert unknown.exit_code == 2 and "aucun compte" in unknown.output


def test_roles_hold_behind_a_path_prefix(roles_settings) -> None:
    client = TestClient(create_app(roles_settings), root_path="/docs")
    token = csrf_of(client, "/docs/gestion/connexion")
    assert client.post("/docs/gestion/connexion", data={"nom": "cleo", "mot_de_passe": PASSWORD, "csrf": token},
                       follow_redirects=False).status_code == 303
    assert client.get("/docs/gestion/ajouter").status_code == 200
    refused = client.get("/docs/gestion/notices")
    assert refused.status_code == 403 and REFUSED in refused.text
