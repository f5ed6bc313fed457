"""The vocabularies in the browser (/gestion/vocabulaires): an administrator
adds, relabels, merges and retires sectors and types, edits the search's
synonyms; the sidecars that named a changed value are rewritten, the index
follows, the journal says it, and a broken edited file never takes the site down."""

from __future__ import annotations

import html
import tomllib
from pathlib import Path

import markupsafe
import pytest
from starlette.testclient import TestClient

from docsearch.catalogue.staff import read_sidecar
from docsearch.catalogue.vocabulary import BUILT_IN, load_vocabulary
from docsearch.config import Settings
from docsearch.corpus.scan import sidecar_path
from docsearch.index.update import update_index
from docsearch.staff.accounts import Accounts
from docsearch.staff.journal import Journal, JournalQuery
from docsearch.web.app import create_app
from tests.conftest import html_page
from tests.test_staff import PASSWORD, csrf_of, sign_in

PAGE = "/gestion/vocabulaires"
# A document type of the shipped vocabulary (whichever codes it has by now).
SHIPPED = load_vocabulary(Settings().vocabulary_file)
DOCTYPE = next(code for code in SHIPPED.doctypes if code not in BUILT_IN["doctype"])


def _document(corpus: Path, relpath: str, title: str, body: str, sidecar: str = "") -> None:
    path = corpus / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(html_page(title, body))
    if sidecar:
        sidecar_path(path).write_text(sidecar, encoding="utf-8")


@pytest.fixture
def vocab_settings(tmp_path: Path, corpus: Path) -> Settings:
    _document(corpus, "culture/festival.html", "Festival des solidarités", "Un festival de musique et de théâtre.",
              '"mots-cles" = ["kermesse"]\n')
    _document(corpus, "divers/club.html", "Le club du quartier", "Une association de quartier.",
              f'titre = "Le club du quartier"\nsecteurs = ["Sport"]\ntype = "{SHIPPED.doctypes[DOCTYPE].label}"\n')
    _document(corpus, "divers/tournoi.html", "Tournoi solidaire", "Un tournoi entre associations.",
              'secteurs = ["sports", "culture"]\n')
    _document(corpus, "divers/colocation.html", "Vivre ensemble", "Une maison partagée par plusieurs foyers.",
              'secteurs = ["Colocation solidaire"]\n')
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", instance_dir=tmp_path / "instance", workers=2)
    update_index(settings)
    accounts = Accounts(settings.instance_dir)
    accounts.add("alice", PASSWORD, role="administrateur")
    accounts.add("marie", PASSWORD, role="documentaliste")
    return settings


@pytest.fixture
def admin(vocab_settings: Settings) -> TestClient:
    client = TestClient(create_app(vocab_settings))
    assert sign_in(client, "alice").status_code == 303
    return client


def _post(client: TestClient, path: str, **data: str):
    return client.post(PAGE + path, data={"csrf": csrf_of(client, PAGE), **data}, follow_redirects=False)


def _facets(client: TestClient, facet: str) -> dict[str, tuple[str, int]]:
    found = client.get("/search.json").json()["facets"][facet]
    return {v["value"]: (v["label"], v["count"]) for v in found}


def _vocabulary_entries(settings: Settings) -> list:
    entries, _ = Journal(settings.instance_dir).entries(JournalQuery(action="vocabulary"))
    return entries


def test_a_documentalist_gets_403_on_every_vocabulary_route(vocab_settings: Settings) -> None:
    client = TestClient(create_app(vocab_settings))
    assert sign_in(client, "marie").status_code == 303
    token = csrf_of(client)
    assert client.get(PAGE).status_code == 403
    for path in ("/ajouter", "/modifier", "/fusionner", "/retirer", "/synonymes"):
        answer = client.post(PAGE + path, data={"csrf": token, "liste": "secteurs", "code": "sport"}, follow_redirects=False)
        assert answer.status_code == 403, path
    assert "Vocabulaires" not in client.get("/gestion/").text  # not offered in the menu either
    assert not (vocab_settings.corpus_dir / ".vocabulaire.toml").exists()


def test_the_page_lists_sectors_and_types_with_their_counts(admin: TestClient) -> None:
    page = admin.get(PAGE)
    assert page.status_code == 200
    assert "Culture</strong> <code>culture</code> — 2 documents" in page.text  # the folder and a sidecar
    assert "Sport</strong> <code>sport</code> — 2 documents" in page.text
    assert str(markupsafe.escape(SHIPPED.doctypes[DOCTYPE].label)) in page.text and "Synonymes de la recherche" in page.text
    assert 'href="/gestion/vocabulaires"' in admin.get("/gestion/").text


def test_an_administrator_adds_a_sector_and_the_documents_naming_it_are_filed_under_it(
        admin: TestClient, vocab_settings: Settings) -> None:
    assert "habitat-partage" not in _facets(admin, "sectors")
    answer = _post(admin, "/ajouter", liste="secteurs", code="habitat-partage", libelle="Habitat partagé",
                   synonymes="colocation solidaire\nhabitat intergénérationnel", mots_cles="colocation")
    assert answer.status_code == 303
    page = admin.get(answer.headers["location"])
    assert "Secteur « Habitat partagé » ajouté." in page.text
    saved = tomllib.loads((vocab_settings.corpus_dir / ".vocabulaire.toml").read_text(encoding="utf-8"))
    added = next(s for s in saved["sector"] if s["code"] == "habitat-partage")
    assert added["synonyms"] == ["colocation solidaire", "habitat intergénérationnel"]
    assert len(saved["sector"]) == len(SHIPPED.sectors) + 1
    # The sidecar said "Colocation solidaire": after the re-index, a visitor sees the new sector.
    assert _facets(admin, "sectors")["habitat-partage"] == ("Habitat partagé", 1)
    assert admin.get("/search.json", params={"secteur": "Habitat partagé"}).json()["total"] == 1
    entry = _vocabulary_entries(vocab_settings)[0]
    assert entry.who == "alice" and entry.relpath == "" and entry.title == "Secteur « Habitat partagé »"
    assert {c.field: (c.old, c.new) for c in entry.changes}["label"] == (None, "Habitat partagé")


def test_renaming_a_type_label_shows_everywhere_and_rewrites_the_sidecars_naming_the_old_one(
        admin: TestClient, vocab_settings: Settings) -> None:
    old_label = SHIPPED.doctypes[DOCTYPE].label
    # Another server process (serve --workers 2): it loaded the vocabulary before the change.
    visitor = TestClient(create_app(vocab_settings))
    assert _facets(visitor, "types")[DOCTYPE][0] == old_label
    answer = _post(admin, "/modifier", liste="types", code=DOCTYPE, libelle="Document de référence",
                   synonymes="\n".join(SHIPPED.doctypes[DOCTYPE].synonyms), mots_cles="")
    assert answer.status_code == 303
    assert "1 notice(s) mise(s) à jour" in admin.get(PAGE).text
    assert _facets(visitor, "types")[DOCTYPE] == ("Document de référence", 1)
    assert _facets(admin, "types")[DOCTYPE] == ("Document de référence", 1)
    club = vocab_settings.corpus_dir / "divers/club.html"
    staff, _ = read_sidecar(sidecar_path(club))
    assert staff.doctype == DOCTYPE and staff.sectors == ("Sport",)  # only the type was rewritten
    assert staff.title == "Le club du quartier"
    # The old label still finds the type (kept as a synonym), on the public search too.
    assert admin.get("/search.json", params={"type": old_label}).json()["total"] == 1
    entries = _vocabulary_entries(vocab_settings)
    per_document = next(e for e in entries if e.relpath == "divers/club.html")
    assert [(c.field, c.old, c.new) for c in per_document.changes] == [("doctype", old_label, DOCTYPE)]
    vocabulary = next(e for e in entries if e.relpath == "")
    assert {c.field: (c.old, c.new) for c in vocabulary.changes}["label"] == (old_label, "Document de référence")


def test_a_synonym_taken_away_is_rewritten_in_the_sidecars_that_used_it(admin: TestClient, vocab_settings: Settings) -> None:
    sport = SHIPPED.sectors["sport"]
    kept = [s for s in sport.synonyms if s != "sports"]
    assert _post(admin, "/modifier", liste="secteurs", code="sport", libelle=sport.label, synonymes="\n".join(kept),
                 mots_cles="\n".join(sport.keywords)).status_code == 303
    tournoi = vocab_settings.corpus_dir / "divers/tournoi.html"
    assert read_sidecar(sidecar_path(tournoi))[0].sectors == ("sport", "culture")
    assert _facets(admin, "sectors")["sport"] == ("Sport", 2)  # still filed under it


def test_merging_two_sectors_rewrites_the_sidecars_and_the_facets(admin: TestClient, vocab_settings: Settings) -> None:
    before = _facets(admin, "sectors")
    assert before["sport"][1] == 2 and before["culture"][1] == 2
    answer = _post(admin, "/fusionner", liste="secteurs", source="sport", cible="culture")
    assert answer.status_code == 303
    assert "« Sport » fusionné dans « Culture » ; 2 notice(s) mise(s) à jour." in admin.get(PAGE).text
    corpus = vocab_settings.corpus_dir
    assert read_sidecar(sidecar_path(corpus / "divers/club.html"))[0].sectors == ("culture",)
    assert read_sidecar(sidecar_path(corpus / "divers/tournoi.html"))[0].sectors == ("culture",)  # once, not twice
    after = _facets(admin, "sectors")
    assert "sport" not in after and after["culture"] == ("Culture", 3)
    # A visitor's old link and old spelling land on the merged sector.
    assert admin.get("/search.json", params={"secteur": "sport"}).json()["total"] == 3
    saved = tomllib.loads((corpus / ".vocabulaire.toml").read_text(encoding="utf-8"))
    culture = next(s for s in saved["sector"] if s["code"] == "culture")
    assert "sport" not in {s["code"] for s in saved["sector"]} and {"sport", "sports"} <= set(culture["synonyms"])
    entries = _vocabulary_entries(vocab_settings)
    assert {e.relpath for e in entries} == {"", "divers/club.html", "divers/tournoi.html"}
    tournoi = next(e for e in entries if e.relpath == "divers/tournoi.html")
    assert [(c.old, c.new) for c in tournoi.changes] == [(["sports", "culture"], ["culture"])]
    journal = admin.get("/gestion/journal", params={"action": "vocabulary"}).text
    assert "Changement de vocabulaire" in journal and "fusionné dans « Culture »" in journal


def test_retiring_a_code_only_when_unused(admin: TestClient, vocab_settings: Settings) -> None:
    refused = _post(admin, "/retirer", liste="secteurs", code="sport")
    assert refused.status_code == 400
    assert "« Sport » est utilisé par 2 document(s) : fusionnez-le" in refused.text
    assert _post(admin, "/retirer", liste="secteurs", code="non-classe").status_code == 400
    assert _post(admin, "/retirer", liste="secteurs", code="mobilite").status_code == 303
    assert "Secteur « Mobilité » retiré." in admin.get(PAGE).text
    saved = tomllib.loads((vocab_settings.corpus_dir / ".vocabulaire.toml").read_text(encoding="utf-8"))
    assert "mobilite" not in {s["code"] for s in saved["sector"]}


@pytest.mark.parametrize(("path", "data", "message"), [
    ("/ajouter", {"liste": "secteurs", "code": "Habitat Partagé", "libelle": "Habitat"}, "n'est pas valable : lettres minuscules"),
    ("/ajouter", {"liste": "secteurs", "code": "habitat-partage", "libelle": "   "}, "Le libellé ne peut pas être vide."),
    ("/ajouter", {"liste": "secteurs", "code": "culture", "libelle": "Encore la culture"}, "Le code « culture » existe déjà."),
    ("/ajouter", {"liste": "secteurs", "code": "loisirs", "libelle": "Culture"}, "« Culture » désigne déjà le secteur « Culture »"),
    ("/ajouter", {"liste": "rien", "code": "x", "libelle": "X"}, "Liste inconnue"),
    ("/modifier", {"liste": "secteurs", "code": "inexistant", "libelle": "X"}, "n'existe pas"),
    ("/fusionner", {"liste": "secteurs", "source": "sport", "cible": "sport"}, "ne peut pas être fusionné dans lui-même"),
    ("/fusionner", {"liste": "secteurs", "source": "non-classe", "cible": "sport"}, "donné par docsearch lui-même"),
    ("/synonymes", {"groupes": "IAE ; insertion\nseul"}, "Ligne 2 des synonymes : il faut au moins deux termes"),
    ("/thesaurus", {"termes": "coopérative ; SCOP\n ; ;"}, "Ligne 2 du thésaurus : un terme au moins."),
])
def test_invalid_input_gets_a_french_message(admin: TestClient, vocab_settings: Settings, path, data, message) -> None:
    answer = _post(admin, path, **data)
    assert answer.status_code == 400
    assert message in html.unescape(answer.text) and 'role="alert"' in answer.text
    assert not (vocab_settings.corpus_dir / ".vocabulaire.toml").exists()
    assert not (vocab_settings.corpus_dir / ".synonymes.toml").exists()
    assert not (vocab_settings.corpus_dir / ".thesaurus.toml").exists()
    if path == "/ajouter" and data["liste"] == "secteurs":
        assert f'value="{data["code"]}"' in answer.text  # what was typed is still there


def test_a_form_without_its_csrf_token_is_refused(admin: TestClient) -> None:
    answer = admin.post(PAGE + "/ajouter", data={"liste": "secteurs", "code": "x", "libelle": "X"})
    assert answer.status_code == 403


def test_editing_the_search_synonyms_changes_what_a_query_finds(admin: TestClient, vocab_settings: Settings) -> None:
    assert admin.get("/search.json", params={"q": "carnaval"}).json()["total"] == 0
    text = admin.get(PAGE).text
    assert "IAE ; insertion par l&#39;activité économique" in text
    shipped = tomllib.loads(Settings().synonyms_file.read_text(encoding="utf-8"))["groups"]
    lines = [" ; ".join(g) for g in shipped] + ["carnaval ; festival"]
    assert _post(admin, "/synonymes", groupes="\n".join(lines)).status_code == 303
    assert "Synonymes de la recherche enregistrés" in admin.get(PAGE).text
    found = admin.get("/search.json", params={"q": "carnaval"}).json()
    assert [h["title"] for h in found["hits"]] == ["Festival des solidarités"]
    entry = _vocabulary_entries(vocab_settings)[0]
    assert [(c.field, c.old, c.new) for c in entry.changes] == [("groups", [], ["carnaval ; festival"])]


def test_editing_the_keyword_thesaurus_catalogues_the_documents_again(admin: TestClient, vocab_settings: Settings) -> None:
    assert "kermesse" in _facets(admin, "keywords")
    text = html.unescape(admin.get(PAGE).text)
    shipped = tomllib.loads(Settings().thesaurus_file.read_text(encoding="utf-8"))["term"]
    assert " ; ".join([shipped[0]["term"], *shipped[0]["synonyms"]]) in text
    lines = [" ; ".join([t["term"], *t.get("synonyms", [])]) for t in shipped] + ["fête populaire ; kermesse ; kermesses"]
    assert _post(admin, "/thesaurus", termes="\n".join(lines)).status_code == 303
    assert "Thésaurus des mots-clés enregistré" in html.unescape(admin.get(PAGE).text)
    keywords = _facets(admin, "keywords")
    assert "fête populaire" in keywords and "kermesse" not in keywords
    assert (vocab_settings.corpus_dir / ".thesaurus.toml").is_file()
    entry = _vocabulary_entries(vocab_settings)[0]
    assert [(c.field, c.new) for c in entry.changes] == [("terms", ["fête populaire ; kermesse ; kermesses"])]


@pytest.mark.parametrize("content", [
    "[[sector]\ncode = ",  # not TOML
    '[[sector]]\ncode = "culture"\nlabel = "Culture"\n[[sector]]\ncode = "culture"\nlabel = "Encore"\n',  # a code twice
    '[[sector]]\ncode = "Culture Vivante"\nlabel = ""\n',  # bad code, empty label
])
def test_a_broken_vocabulary_file_falls_back_to_the_shipped_one(vocab_settings: Settings, content: str, caplog) -> None:
    (vocab_settings.corpus_dir / ".vocabulaire.toml").write_text(content, encoding="utf-8")
    (vocab_settings.corpus_dir / ".synonymes.toml").write_text("groups = [[\"seul\"]]\n", encoding="utf-8")
    (vocab_settings.corpus_dir / ".thesaurus.toml").write_text("[[term]]\nsynonyms = 3\n", encoding="utf-8")
    client = TestClient(create_app(vocab_settings))
    update_index(vocab_settings)  # the indexer takes the shipped vocabulary too
    assert ".vocabulaire.toml" in caplog.text  # said in the server's log too
    assert _facets(client, "sectors")["culture"] == ("Culture", 2)
    assert client.get("/", params={}).status_code == 200
    assert sign_in(client, "alice").status_code == 303
    page = client.get(PAGE)
    assert page.status_code == 200
    shown = html.unescape(page.text)
    assert "Le fichier .vocabulaire.toml du fonds n'est pas utilisé" in shown
    assert "Le fichier .synonymes.toml du fonds n'est pas utilisé" in shown
    assert "Le fichier .thesaurus.toml du fonds n'est pas utilisé" in shown
    # Saving a change from the page replaces the broken file with a good one.
    assert _post(client, "/modifier", liste="secteurs", code="culture", libelle="Arts et culture").status_code == 303
    shown = html.unescape(client.get(PAGE).text)
    assert "Le fichier .vocabulaire.toml du fonds n'est pas utilisé" not in shown
    assert "Le fichier .synonymes.toml du fonds n'est pas utilisé" in shown  # not touched: still said
    assert _facets(client, "sectors")["culture"] == ("Arts et culture", 2)
