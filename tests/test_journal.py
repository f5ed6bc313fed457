"""The journal: every change with who and when, append-only, per document and filterable; one click reverts."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import sqlite3
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from docsearch.config import Settings
from docsearch.index.update import update_index
from docsearch.staff import journal as journal_module
from docsearch.staff.accounts import Accounts
from docsearch.staff.journal import Journal, JournalQuery
from docsearch.web.app import create_app
from tests.conftest import html_page

PASSWORD = "un-mot-de-passe-solide"


@pytest.fixture
def journal_settings(tmp_path: Path, corpus: Path) -> Settings:
    (corpus / "festival.html").write_bytes(html_page("Festival solidaire", "L'économie sociale fait son festival."))
    (corpus / "amap.html").write_bytes(html_page("Les paniers de l'AMAP", "Chaque jeudi, les paniers de légumes."))
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", instance_dir=tmp_path / "instance", workers=2)
    update_index(settings)
    Accounts(settings.instance_dir).add("marie", PASSWORD)
    Accounts(settings.instance_dir).add("paul", PASSWORD)
    return settings


@pytest.fixture
def app(journal_settings):
    return create_app(journal_settings)


def csrf_of(client: TestClient, path: str = "/gestion/") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


def signed_in(app, name: str = "marie") -> TestClient:
    client = TestClient(app)
    token = csrf_of(client, "/gestion/connexion")
    assert client.post("/gestion/connexion", data={"nom": name, "mot_de_passe": PASSWORD, "csrf": token},
                       follow_redirects=False).status_code == 303
    return client


def hit(client: TestClient, q: str) -> dict:
    return client.get("/search.json", params={"q": q}).json()["hits"][0]


def edit(client: TestClient, doc_id: str, **changes) -> object:
    url = f"/gestion/documents/{doc_id}/modifier"
    page = client.get(url).text
    values = {"titre": re.search(r'id="titre" name="titre" value="([^"]*)"', page).group(1).replace("&#39;", "'"),
              "type": "page-web", "secteurs": ["culture"], "annee": "", "resume": "", "organisation": "", "territoire": "",
              **changes}
    return client.post(url, data={"csrf": csrf_of(client, url), **values}, follow_redirects=False)


def test_the_journal_is_append_only(tmp_path) -> None:
    journal = Journal(tmp_path)
    entry_id = journal.record("marie", "edit", "a.html", {"year": (None, 2019)}, title="A")
    path = tmp_path / "journal.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as db:
        for statement in ("UPDATE journal SET who = 'x'", "DELETE FROM journal", "UPDATE journal SET changes = '{}'"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                db.execute(statement)
    assert journal.entry(entry_id).changes[0].new == 2019
    # And the module itself never asks for one.
    source = Path(journal_module.__file__).read_text()
    assert not re.search(r"\bUPDATE\s+journal\b|\bDELETE\s+FROM\b|\bREPLACE\s+INTO\b|\bDROP\b", source, re.IGNORECASE)


def test_journal_filters(tmp_path) -> None:
    days = iter([dt.datetime(2026, 3, 1, 9), dt.datetime(2026, 3, 2, 10), dt.datetime(2026, 3, 5, 11)])
    journal = Journal(tmp_path, clock=lambda: next(days))
    journal.record("marie", "edit", "culture/a.html", {"title": ("A", "B")}, title="B")
    journal.record("paul", "withdraw", "culture/a.html", title="B")
    journal.record("marie", "publish", "iae/c.pdf", title="Rapport IAE")
    everything, total = journal.entries()
    assert total == 3 and [e.action for e in everything] == ["publish", "withdraw", "edit"]  # newest first
    assert [e.action for e in journal.entries(JournalQuery(who="marie"))[0]] == ["publish", "edit"]
    assert [e.who for e in journal.entries(JournalQuery(action="withdraw"))[0]] == ["paul"]
    assert [e.relpath for e in journal.entries(JournalQuery(document="iae"))[0]] == ["iae/c.pdf"]
    assert [e.relpath for e in journal.entries(JournalQuery(document="rapport"))[0]] == ["iae/c.pdf"]  # by title too
    assert [e.action for e in journal.entries(JournalQuery(since="2026-03-02", until="2026-03-02"))[0]] == ["withdraw"]
    assert journal.people() == ["marie", "paul"]
    with pytest.raises(ValueError):
        journal.record("marie", "made-up", "x")


def test_an_edit_journals_old_and_new_values_and_one_click_reverts_it(app, journal_settings) -> None:
    marie = signed_in(app)
    doc = hit(marie, "festival")
    assert edit(marie, doc["id"], annee="2019", organisation="CRESS Normandie").status_code == 303
    # The confirmation is on the next page, once.
    shown = marie.get(f"/documents/{doc['id']}").text
    assert re.search(r'<p class="flash" role="status">Notice enregistrée\.</p>', shown)
    assert "Notice enregistrée" not in marie.get(f"/documents/{doc['id']}").text
    assert hit(marie, "festival")["year"] == 2019

    history = marie.get(f"/gestion/documents/{doc['id']}/modifier").text
    assert "Historique" in history and "Modification de la notice" in history and "par <strong>marie</strong>" in history
    year_row = re.search(r"<strong>Année</strong> : (.*?)</li>", history, re.S).group(1)
    assert "(vide)" in year_row.split("→")[0] and "2019" in year_row.split("→")[1]
    assert "CRESS Normandie" in history

    entry = re.search(r'action="/gestion/journal/(\d+)/annuler"', history).group(1)
    reverted = marie.post(f"/gestion/journal/{entry}/annuler",
                          data={"csrf": csrf_of(marie), "retour": f"/gestion/documents/{doc['id']}/modifier"},
                          follow_redirects=False)
    assert reverted.status_code == 303 and reverted.headers["location"] == f"/gestion/documents/{doc['id']}/modifier"
    back = marie.get(reverted.headers["location"]).text
    assert f"Modification n° {entry} de « Festival solidaire » annulée" in back
    assert hit(marie, "festival")["year"] is None  # visitors see the old values again
    assert "CRESS" not in TestClient(app).get(f"/documents/{doc['id']}").text
    entries, _ = Journal(journal_settings.instance_dir).entries(JournalQuery(relpath="festival.html"))
    assert [e.action for e in entries] == ["revert", "edit"] and entries[0].reverts == int(entry)
    assert {c.field: (c.old, c.new) for c in entries[0].changes}["organisation"] == ("CRESS Normandie", "")


def test_withdraw_and_restore_are_journaled_with_who(app, journal_settings) -> None:
    paul = signed_in(app, "paul")
    doc = hit(paul, "paniers")
    url = f"/gestion/documents/{doc['id']}/retirer"
    answer = paul.post(url, data={"csrf": csrf_of(paul, url)})
    assert "est retiré du fonds" in answer.text  # the trash page, with its confirmation
    entry = re.search(r'name="entree" value="([^"]+)"', paul.get("/gestion/corbeille").text).group(1)
    restored = paul.post("/gestion/corbeille/restaurer", data={"csrf": csrf_of(paul), "entree": entry})
    assert "est restauré" in restored.text
    entries, _ = Journal(journal_settings.instance_dir).entries(JournalQuery(who="paul"))
    assert [(e.action, e.relpath) for e in entries] == [("restore", "amap.html"), ("withdraw", "amap.html")]


def test_the_journal_page_filters_and_says_what_is_wrong(app) -> None:
    marie = signed_in(app)
    edit(marie, hit(marie, "festival")["id"], annee="2018")
    paul = signed_in(app, "paul")
    edit(paul, hit(paul, "paniers")["id"], annee="2020")
    page = marie.get("/gestion/journal").text
    assert "2 entrées" in page and "Festival solidaire" in page and "AMAP" in page
    by_paul = marie.get("/gestion/journal", params={"qui": "paul"}).text
    assert "1 entrée" in by_paul and "AMAP" in by_paul and "Festival solidaire</a>" not in by_paul
    by_document = marie.get("/gestion/journal", params={"document": "festival"}).text
    assert "1 entrée" in by_document and "Festival solidaire" in by_document
    today = dt.date.today().isoformat()
    assert "2 entrées" in marie.get("/gestion/journal", params={"du": today, "au": today}).text
    assert "0 entrée" in marie.get("/gestion/journal", params={"au": "2000-01-01"}).text
    assert "1 entrée" in marie.get("/gestion/journal", params={"action": "edit", "qui": "marie"}).text
    bad = marie.get("/gestion/journal", params={"du": "hier"})
    assert bad.status_code == 400 and "Date invalide" in bad.text
    assert marie.get("/gestion/journal", params={"action": "effacer"}).status_code == 400
    # Only metadata changes can be reverted, and only entries that exist.
    assert marie.post("/gestion/journal/999/annuler", data={"csrf": csrf_of(marie)}).status_code == 404


def test_the_command_line_is_journaled_too(journal_settings) -> None:
    from click.testing import CliRunner

    from docsearch.cli import cli
    from tests.conftest import DATA

    folders = ["--corpus", str(journal_settings.corpus_dir), "--index", str(journal_settings.index_dir),
               "--instance", str(journal_settings.instance_dir)]
    run = CliRunner().invoke
    added = run(cli, ["add", str(DATA / "good-report.pdf"), "--sector", "environnement", "--year", "2011", *folders])
    assert added.exit_code == 0, added.output
    removed = run(cli, ["remove", "festival.html", *folders])
    assert removed.exit_code == 0, removed.output
    entries, _ = Journal(journal_settings.instance_dir).entries()
    assert [(e.action, e.relpath) for e in entries] == [("withdraw", "festival.html"),
                                                        ("publish", "environnement/2011/good-report.pdf")]
    assert all(e.who.endswith("(ligne de commande)") for e in entries)
