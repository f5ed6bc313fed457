"""Uploads on a real server: a folder of real files becomes drafts (its folders as hints), published
together and found by a visitor; previews; the caps of one request, in French; a new version of a
file keeps the document's id and record while the old file goes to the trash; a form whose session
expired comes back, typed values included, after signing in again."""

from __future__ import annotations

import contextlib
import dataclasses
import html
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from docsearch.catalogue.records import document_id
from docsearch.config import Settings
from docsearch.index.update import update_index
from docsearch.staff.accounts import Accounts
from docsearch.staff.journal import Journal, JournalQuery
from tests.conftest import DATA, REALWORLD, html_page
from tests.test_cli import serving

PASSWORD = "un-mot-de-passe-solide"
REAL_PDFS = ["agd__2015_TRACFIN_Data_Science.pdf", "etalabguides__guide-juridique.pdf", "etalabguides__guide-logiciels.pdf"]
REPORT = "environnement/2011/rapport.pdf"


def folder_files() -> list[tuple[str, bytes, str]]:
    """Three documents as a browser sends a folder: each name is its path inside the folder chosen.
    Real French PDFs when ../shared/realworld is here, else pages the test writes."""
    folder = REALWORLD / "fr" / "pdf"
    if all((folder / name).is_file() for name in REAL_PDFS):
        return [(f"fonds/culture/2019/{name}", (folder / name).read_bytes(), "application/pdf") for name in REAL_PDFS]
    return [(f"fonds/culture/2019/page-{n}.html", html_page(f"Programme culturel {n}", f"Le tiers-lieu propose l'atelier {n} "
                                                            "de lombricompostage partagé."), "text/html") for n in range(3)]


@pytest.fixture(scope="module")
def uploads_settings(tmp_path_factory) -> Settings:
    root = tmp_path_factory.mktemp("uploads")
    corpus = root / "corpus"
    report = corpus / REPORT
    report.parent.mkdir(parents=True)
    shutil.copyfile(DATA / "good-report.pdf", report)
    (corpus / (REPORT + ".meta.toml")).write_text('titre = "Rapport annuel du réseau"\nsecteurs = ["environnement"]\n'
                                                   'annee = 2011\ntype = "rapport"\n', encoding="utf-8")
    (corpus / "festival.html").write_bytes(html_page("Festival solidaire", "L'économie sociale fait son festival."))
    settings = Settings(corpus_dir=corpus, index_dir=root / "index", instance_dir=root / "instance", workers=2)
    update_index(settings)
    accounts = Accounts(settings.instance_dir)
    accounts.add("anne", PASSWORD)  # the first account: administrateur
    accounts.add("marie", PASSWORD, "documentaliste")
    accounts.add("cleo", PASSWORD, "contributeur")
    return settings


@pytest.fixture(scope="module")
def server(uploads_settings) -> Iterator[str]:
    with serving(uploads_settings) as base:
        yield base


def client_for(server: str) -> httpx2.Client:
    return httpx2.Client(base_url=server, trust_env=False, timeout=120)


def csrf_of(client: httpx2.Client, path: str = "/gestion/connexion") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


@contextlib.contextmanager
def signed_in(server: str, name: str) -> Iterator[httpx2.Client]:
    with client_for(server) as client:
        answer = client.post("/gestion/connexion", data={"nom": name, "mot_de_passe": PASSWORD, "csrf": csrf_of(client)})
        assert answer.status_code == 303, answer.text[:300]
        yield client


@pytest.fixture
def marie(server) -> Iterator[httpx2.Client]:
    with signed_in(server, "marie") as client:
        yield client


def upload(client: httpx2.Client, files: list[tuple[str, bytes, str]], **data: str) -> httpx2.Response:
    return client.post("/gestion/ajouter", data={"csrf": csrf_of(client, "/gestion/ajouter"), **data},
                       files=[("fichiers", f) for f in files])


def draft_ids(page: str) -> list[str]:
    return re.findall(r'name="brouillons" value="([0-9a-f]{24})"', page)


def test_a_folder_becomes_drafts_published_together_and_found_by_a_visitor(server, marie, uploads_settings) -> None:
    files = folder_files()
    extra = [("fonds/.DS_Store", b"\0\0\0\1Bud1", "application/octet-stream"),  # a system file: not even mentioned
             ("fonds/notes.xyz", b"rien", "application/octet-stream"),  # an unknown format: set aside, said so
             ("fonds/vide.pdf", b"", "application/pdf"),  # a bad file: refused alone
             ("fonds/copie.pdf", (DATA / "good-report.pdf").read_bytes(), "application/pdf")]  # already in the corpus
    answer = upload(marie, files + extra)
    assert answer.status_code == 200, answer.text[:500]
    page = html.unescape(answer.text)
    assert "Certains fichiers n'ont pas pu être préparés (les autres le sont)" in page
    assert "fonds/vide.pdf</strong> : le fichier est vide" in page
    assert "fonds/copie.pdf</strong> : Ce fichier est déjà dans le fonds documentaire." in page
    assert "1 fichier d'un format non pris en charge a été laissé de côté : fonds/notes.xyz" in page
    assert ".DS_Store" not in page
    assert "À confirmer (3)" in page and page.count(", dossier fonds/culture/2019)") == 3

    listing = marie.get("/gestion/brouillons")
    ids = draft_ids(listing.text)
    assert len(ids) == 3
    # The folders were read as the corpus folders are: the sector, before anyone typed it (and the year
    # when the file itself gives none: a PDF's own date comes first, as in the corpus).
    rows = re.findall(r"<p>(Culture(?: · (\d{4}))?)</p>", listing.text)
    assert len(rows) == 3 and all(year for _, year in rows)
    titles = {html.unescape(t) for t in re.findall(r'<label for="b-[0-9a-f]+" id="bt-[0-9a-f]+">([^<]+)</label>', listing.text)}
    assert len(titles) == 3
    if files[0][0].endswith(".pdf"):  # a picture of each first page, made once, served to staff only
        preview = marie.get(f"/gestion/brouillons/{ids[0]}/apercu")
        assert preview.status_code == 200 and preview.headers["content-type"] == "image/png"
        assert preview.content.startswith(b"\x89PNG") and "no-store" in preview.headers["cache-control"]
        assert 'alt="Première page de' in marie.get(f"/gestion/brouillons/{ids[0]}").text
        with client_for(server) as visitor:
            assert visitor.get(f"/gestion/brouillons/{ids[0]}/apercu", follow_redirects=False).status_code == 303
    else:  # a web page has no picture: the start of its text instead
        assert "lombricompostage" in marie.get(f"/gestion/brouillons/{ids[0]}").text
    assert marie.get("/gestion/brouillons/../../secret.key/apercu").status_code == 404

    published = marie.post("/gestion/brouillons", data={"csrf": csrf_of(marie, "/gestion/brouillons"), "brouillons": ids})
    assert published.status_code == 303 and published.headers["location"] == "/gestion/brouillons"
    after = marie.get("/gestion/brouillons").text
    assert "3 documents publiés." in html.unescape(after) and draft_ids(after) == []
    with client_for(server) as visitor:
        found = visitor.get("/search.json", params={"secteur": "culture", "par_page": "50"}).json()
    assert titles <= {hit["title"] for hit in found["hits"]}
    entries, _ = Journal(uploads_settings.instance_dir).entries(JournalQuery(action="publish"), 10)
    assert sum("publication groupée" in e.note for e in entries) == 3


def test_a_draft_missing_a_value_stays_to_be_reviewed_alone(marie) -> None:
    page = html_page("Sans classement", "Un texte qui ne dit rien de son secteur ni de son année.")
    answer = upload(marie, [("sans-classement.html", page, "text/html"), ("autre.html", html_page("Autre", "Rien."), "text/html")])
    ids = draft_ids(marie.get("/gestion/brouillons").text)
    assert len(ids) == 2, answer.text[:300]
    published = marie.post("/gestion/brouillons", data={"csrf": csrf_of(marie, "/gestion/brouillons"), "brouillons": ids})
    text = html.unescape(published.text)
    assert published.status_code == 400 and "à compléter avant publication : Choisissez au moins un secteur" in text
    assert sorted(draft_ids(published.text)) == sorted(ids)  # both still there, each with a link to complete it
    for draft_id in ids:
        marie.post(f"/gestion/brouillons/{draft_id}/abandonner", data={"csrf": csrf_of(marie, "/gestion/brouillons")})
    nothing = marie.post("/gestion/brouillons", data={"csrf": csrf_of(marie, "/gestion/brouillons")})
    assert nothing.status_code == 303


def test_a_contributor_sees_its_drafts_but_publishes_nothing(server, marie) -> None:
    with signed_in(server, "cleo") as cleo:
        answer = upload(cleo, [("jardin.html", html_page("Le jardin", "Le jardin partagé."), "text/html")])
        assert answer.status_code == 303
        draft = answer.headers["location"].rsplit("/", 1)[1]
        mine = cleo.get("/gestion/brouillons")
        assert mine.status_code == 200 and "Le jardin" in mine.text and 'name="brouillons"' not in mine.text
        refused = cleo.post("/gestion/brouillons", data={"csrf": csrf_of(cleo, "/gestion/brouillons"), "brouillons": draft})
        assert refused.status_code == 403
        doc = document_id(REPORT)
        assert cleo.get(f"/gestion/documents/{doc}/remplacer").status_code == 403
    marie.post(f"/gestion/brouillons/{draft}/abandonner", data={"csrf": csrf_of(marie, "/gestion/brouillons")})


def test_the_caps_of_one_request_are_said_in_french(uploads_settings) -> None:
    small = dataclasses.replace(uploads_settings, instance_dir=uploads_settings.instance_dir.parent / "instance-caps")
    Accounts(small.instance_dir).add("marie", PASSWORD)
    env = {"DOCSEARCH_MAX_UPLOAD_FILES": "2", "DOCSEARCH_MAX_UPLOAD_MB": "2", "DOCSEARCH_MAX_FILE_MB": "1"}
    import os

    with serving(small, env={**os.environ, **env}) as base, signed_in(base, "marie") as client:
        page = client.get("/gestion/ajouter").text
        assert "2\u00a0fichiers et 2\u00a0Mo au plus par envoi, 1\u00a0Mo au plus par fichier." in page
        pages = [(f"p{n}.html", html_page(f"Page {n}", "Du texte."), "text/html") for n in range(3)]
        too_many = upload(client, pages)
        assert too_many.status_code == 400 and "Trop de fichiers en un seul envoi : 2 au plus." in html.unescape(too_many.text)
        big = b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10)
        one_too_big = upload(client, [("gros.pdf", big, "application/pdf"), pages[0]])
        text = html.unescape(one_too_big.text)
        assert one_too_big.status_code == 200 and "gros.pdf</strong> : plus de 1 Mo" in text and "À confirmer (1)" in text
        bigger = b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 200 * 1024)
        over = upload(client, [("a.pdf", bigger, "application/pdf"), ("b.pdf", bigger, "application/pdf")])
        assert over.status_code == 413 and "Envoi trop volumineux : 2 Mo au plus en une fois" in over.text


def test_a_new_version_keeps_the_id_and_the_record_and_trashes_the_old_file(marie, uploads_settings) -> None:
    corpus = uploads_settings.corpus_dir
    doc = document_id(REPORT)
    old = (corpus / REPORT).read_bytes()
    sidecar = (corpus / (REPORT + ".meta.toml")).read_text(encoding="utf-8")
    edit = marie.get(f"/gestion/documents/{doc}/modifier").text
    assert f'href="/gestion/documents/{doc}/remplacer"' in edit
    form = f"/gestion/documents/{doc}/remplacer"
    wrong = marie.post(form, data={"csrf": csrf_of(marie, form)},
                       files={"fichier": ("page.html", html_page("Page", "Une page web."), "text/html")})
    assert wrong.status_code == 400 and "du même format que l'ancienne (un PDF)" in html.unescape(wrong.text)
    same = marie.post(form, data={"csrf": csrf_of(marie, form)}, files={"fichier": ("rapport.pdf", old, "application/pdf")})
    assert same.status_code == 400 and "ce n'est pas une nouvelle version" in html.unescape(same.text)
    assert (corpus / REPORT).read_bytes() == old

    new = real_pdf_or_copy()
    answer = marie.post(form, data={"csrf": csrf_of(marie, form)}, files={"fichier": ("rapport-2024.pdf", new, "application/pdf")})
    assert answer.status_code == 303 and answer.headers["location"] == f"/documents/{doc}"
    assert (corpus / REPORT).read_bytes() == new
    assert (corpus / (REPORT + ".meta.toml")).read_text(encoding="utf-8") == sidecar  # the record stays
    page = html.unescape(marie.get(f"/documents/{doc}").text)
    assert "Rapport annuel du réseau" in page and "Le fichier de « Rapport annuel du réseau » est remplacé" in page
    trashed = list((corpus / ".corbeille").glob(f"*-remplace/{REPORT}"))
    assert len(trashed) == 1 and trashed[0].read_bytes() == old
    assert "Ancienne version, remplacée le" in marie.get("/gestion/corbeille").text
    entries, _ = Journal(uploads_settings.instance_dir).entries(JournalQuery(relpath=REPORT, action="replace"), 5)
    assert len(entries) == 1 and "corbeille" in entries[0].note and entries[0].who == "marie"
    with client_for(str(marie.base_url)) as visitor:
        new_words = visitor.get("/search.json", params={"q": "subvention"}).json()["hits"]
        old_words = visitor.get("/search.json", params={"q": "compostage"}).json()["hits"]
    assert doc in [h["id"] for h in new_words]  # the new text, under the same id
    assert doc not in [h["id"] for h in old_words]


def real_pdf_or_copy() -> bytes:
    path = REALWORLD / "fr" / "pdf" / "emplois__cerfa_15059-02.pdf"
    if path.is_file():
        return path.read_bytes()
    pytest.skip("../shared/realworld/fr is absent: no second readable PDF to replace with")


def test_an_expired_session_gives_back_what_was_typed(server, uploads_settings) -> None:
    doc = document_id("festival.html")
    form_path = f"/gestion/documents/{doc}/modifier"
    with signed_in(server, "marie") as marie:
        token = csrf_of(marie, form_path)
    values = {"csrf": token, "titre": "Festival solidaire d'été", "secteurs": ["culture", "tourisme"], "annee": "2024",
              "type": "page-web", "resume": "Trois jours de fête.", "organisation": "", "territoire": ""}
    origin = {"origin": server}
    with client_for(server) as later:  # the cookie is gone: the session expired while the form was open
        answer = later.post(form_path, data=values, headers={**origin, "referer": server + form_path})
        assert answer.status_code == 403
        page = html.unescape(answer.text)
        assert "Votre session a expiré" in page and "Ce que vous aviez saisi est conservé" in page
        assert 'name="reprise_valeur" value="Festival solidaire d\'été"' in page and 'value="tourisme"' in page
        assert token not in page  # the old token is not carried
        hidden = re.findall(r'<input type="hidden" name="(reprise_[a-z]+)" value="([^"]*)">', answer.text)
        sign_in = [("csrf", re.search(r'name="csrf" value="([^"]+)"', answer.text).group(1)), ("nom", "marie"),
                   ("mot_de_passe", PASSWORD), ("suite", form_path)] + [(k, html.unescape(v)) for k, v in hidden]
        resumed = later.post("/gestion/connexion", data=as_data(sign_in))
        assert resumed.status_code == 200
        text = html.unescape(resumed.text)
        assert "Reprendre votre saisie" in text and "Festival solidaire d'été" in text and "Trois jours de fête." in text
        again = re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', resumed.text)
        assert dict(again)["csrf"] != token  # a new token, of the new session
        sent = later.post(form_path, data=as_data([(k, html.unescape(v)) for k, v in again]))
        assert sent.status_code == 303
        shown = later.get(f"/documents/{doc}.json").json()["document"]
        assert shown["title"] == "Festival solidaire d'été" and shown["year"] == 2024

    # A form posted from another site is not offered again after sign-in.
    with client_for(server) as elsewhere:
        answer = elsewhere.post(form_path, data=values, headers={"origin": "http://ailleurs.example"})
        assert answer.status_code == 403 and "reprise_valeur" not in answer.text and "Connexion" in answer.text

    # An upload's file is never carried: the staff member is told to choose it again.
    with client_for(server) as later:
        answer = later.post("/gestion/ajouter", data={"csrf": "ancien", "url": "https://exemple.org/page"}, headers=origin,
                            files=[("fichiers", ("rapport.pdf", b"%PDF-1.4 ...", "application/pdf"))])
        page = html.unescape(answer.text)
        assert answer.status_code == 403 and "sauf le fichier, à choisir à nouveau" in page
        assert 'name="reprise_fichier" value="rapport.pdf"' in page and "%PDF" not in page
        # A body that carries real files is not even read without a session: the files are to choose again.
        big = later.post("/gestion/ajouter", data={"csrf": "ancien", "url": "https://exemple.org/page"}, headers=origin,
                         files=[("fichiers", ("gros.pdf", b"%PDF-1.4 " + b"0" * 2_000_000, "application/pdf"))])
        page = html.unescape(big.text)
        assert big.status_code == 403 and "Les fichiers envoyés devront être choisis à nouveau." in page
        assert 'name="reprise_non_lu" value="oui"' in page and "reprise_valeur" not in page


def as_data(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Repeated fields, in order, as the client sends them."""
    data: dict[str, list[str]] = {}
    for key, value in pairs:
        data.setdefault(key, []).append(value)
    return data


def test_the_cli_speaks_french_to_staff(tmp_path) -> None:
    from click.testing import CliRunner

    from docsearch.cli import cli

    run = CliRunner().invoke
    instance = ["--instance", str(tmp_path / "instance")]
    added = run(cli, [*instance, "users", "add", "paul"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert added.exit_code == 0 and "compte paul créé (rôle : administrateur)" in added.output
    twice = run(cli, [*instance, "users", "add", "paul"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert twice.exit_code != 0 and "le compte 'paul' existe déjà" in twice.output
    assert "mot de passe de paul changé" in run(cli, [*instance, "users", "passwd", "paul"], input=f"{PASSWORD}2\n{PASSWORD}2\n").output
    assert "aucun compte nommé 'zoe'" in run(cli, [*instance, "users", "remove", "zoe"]).output
    assert "compte paul supprimé" in run(cli, [*instance, "users", "remove", "paul"]).output
    assert "tout le travail sur les documents" in " ".join(run(cli, ["users", "add", "--help"]).output.split())
    bad = run(cli, [*instance, "users", "add", "Paul Martin"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert "un nom de compte compte de 1 à 40 caractères" in bad.output


def test_a_folder_name_is_a_hint_that_never_climbs() -> None:
    from docsearch.web.uploads import hidden_file, split_upload_name

    assert split_upload_name("fonds/culture/2019/rapport.pdf") == ("rapport.pdf", "fonds/culture/2019")
    assert split_upload_name("../../etc/.cache/x.pdf") == ("x.pdf", "etc")
    assert split_upload_name("C:\\Users\\marie\\rapport.pdf") == ("rapport.pdf", "C:/Users/marie")
    assert hidden_file("fonds/.git/config.pdf") and hidden_file("fonds/~$rapport.docx") and not hidden_file("../x.pdf")


def test_a_preview_is_made_once_beside_the_draft(uploads_settings, tmp_path) -> None:
    from docsearch.staff.drafts import create_draft, drafts_folder
    from docsearch.staff.previews import preview_path

    settings = dataclasses.replace(uploads_settings, corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index",
                                   instance_dir=tmp_path / "instance")
    settings.corpus_dir.mkdir()
    draft = create_draft(settings, (DATA / "good-report.pdf").read_bytes(), "rapport.pdf")
    path = preview_path(drafts_folder(settings) / draft.id)
    assert path is not None and path.read_bytes().startswith(b"\x89PNG")
    from PIL import Image

    with Image.open(path) as image:
        assert abs(image.width - 240) <= 1 and image.height <= 480
    assert Path(path).parent.name == draft.id
