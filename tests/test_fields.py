"""The catalogue's fields: authors, keywords (thesaurus), language, call number;
the words of the file name; similar documents across types; Atom dates."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from starlette.testclient import TestClient

from docsearch.catalogue.language import detect_language, iso_language
from docsearch.catalogue.metadata import resolve_metadata
from docsearch.catalogue.people import person_names
from docsearch.catalogue.staff import StaffMetadata, read_sidecar, sidecar_values
from docsearch.catalogue.vocabulary import load_vocabulary
from docsearch.config import Settings
from docsearch.corpus.scan import sidecar_path
from docsearch.corpus.write import write_sidecar
from docsearch.extraction import extract_file
from docsearch.index.update import update_index
from docsearch.search.service import SearchRequest, SearchService
from docsearch.staff.accounts import Accounts
from docsearch.web.app import create_app
from tests.conftest import DATA, REALWORLD, html_page
from tests.test_cli import run, serving
from tests.test_staff import PASSWORD, csrf_of, sign_in

ATOM = "{http://www.w3.org/2005/Atom}"


def pdf_with(path: Path, **info: str) -> Path:
    """tests/data/good-report.pdf (a three-page French report) with other document information."""
    writer = PdfWriter(clone_from=PdfReader(DATA / "good-report.pdf"))
    writer.add_metadata({f"/{key}": value for key, value in info.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        writer.write(handle)
    return path


@pytest.fixture(scope="module")
def vocab():
    return load_vocabulary(Settings().vocabulary_file)


# --- authors ---------------------------------------------------------------------------

# The /Author of the PDFs of ../shared/realworld (fr/pdf and pdf) that have one: people…
REAL_PEOPLE = ["B. Roullier", "DUBUS Vincent", "BOUVIER, Maelle", "Geoffrey Arthaud", "MEYER Julia",
               "BEAUDRON Floriane", "BRILLAND Thomas", "Annick Maurel", "Benoît Huneault", "Kfir Swisa",
               "Frank Voci", "David Huggins-Daines", "Natalie Schaefer", "Martin Thoma", "คณิต มงคลพิทักษ์สุข"]
# …and logins, defaults, acronyms, organisations (and one surname alone, which cannot be told from a login).
REAL_NOT_PEOPLE = ["Villain", "SCN TRACFIN", "mlrollandgagne", "nicolas.saleille", "acao-adc", "La République Française",
                   "frederique.morot", "josephine.labroue", "Etalab", "gollum ", "Arcep", "lucas", "Geomatikk AS", "ACD",
                   "SARNETTE-01940", "United States Copyright Office - jmf", "W:CAR:MP:FP", "office-2007",
                   "Administrator", "r.salles", "DSI", "1671251", "LEAD", "cheng", "Karthickeyan",
                   # and of the sample corpus and the test samples
                   "ARDESS Haute-Normandie", "Ressourcerie du Bocage"]


def test_embedded_authors_are_people_not_logins() -> None:
    assert [person_names(name) for name in REAL_PEOPLE] == [[name] for name in REAL_PEOPLE]
    assert {name: person_names(name) for name in REAL_NOT_PEOPLE} == {name: [] for name in REAL_NOT_PEOPLE}
    assert person_names("Jean Dupont; Marie Martin") == person_names("Jean Dupont et Marie Martin") == ["Jean Dupont", "Marie Martin"]


@pytest.mark.parametrize(("author", "expected", "origin"), [
    ("DUBUS Vincent", ["DUBUS Vincent"], "embedded"),
    ("nicolas.saleille", [], "default"),
])
def test_pdf_author_becomes_an_author_only_when_it_is_a_name(tmp_path, vocab, author, expected, origin) -> None:
    path = pdf_with(tmp_path / "rapport.pdf", Author=author)
    meta = resolve_metadata("rapport.pdf", extract_file(str(path), 10**8), StaffMetadata(), vocab)
    assert (meta.authors, meta.origins["authors"]) == (expected, origin)


# --- keywords and the thesaurus -------------------------------------------------------

def test_embedded_keywords_are_matched_to_the_thesaurus(tmp_path, vocab) -> None:
    path = pdf_with(tmp_path / "rapport.pdf", Keywords="IAE; insertion professionnelle; Réunion 12/03, ESS, zzz-divers")
    meta = resolve_metadata("rapport.pdf", extract_file(str(path), 10**8), StaffMetadata(), vocab)
    # Synonyms become their preferred term, once each; what the thesaurus does not know is left out.
    assert meta.keywords == ["insertion par l'activité économique", "économie sociale et solidaire"]
    assert meta.origins["keywords"] == "embedded"


def test_staff_keywords_are_kept_and_synonyms_become_terms(tmp_path, vocab) -> None:
    path = pdf_with(tmp_path / "rapport.pdf", Keywords="ESS")
    staff = StaffMetadata(keywords=("Ressourceries", "tiers-lieu", "SCOP"))
    meta = resolve_metadata("rapport.pdf", extract_file(str(path), 10**8), staff, vocab)
    assert meta.keywords == ["économie circulaire", "tiers-lieu", "SCOP"] and meta.origins["keywords"] == "staff"


def test_staff_can_edit_the_thesaurus(tmp_path) -> None:
    own = tmp_path / "thesaurus.toml"
    own.write_text('[[term]]\nterm = "tiers-lieu"\nsynonyms = ["tiers-lieux", "third place"]\n', encoding="utf-8")
    default, edited = (load_vocabulary(Settings().vocabulary_file, t) for t in (None, own))
    assert edited.thesaurus.keywords(["Third place", "ESS"], keep_unknown=False) == ["tiers-lieu"]
    assert edited.digest != default.digest  # documents are catalogued again at the next run


# --- the staff sidecar ----------------------------------------------------------------------

def test_sidecar_round_trip(tmp_path) -> None:
    document = tmp_path / "rapport.pdf"
    staff = StaffMetadata(title="Rapport", authors=("BOUVIER, Maelle", "Jean Dupont"), keywords=("SCOP", "tiers-lieu"),
                          language="en", cote="ESS 2.3 BOU")
    write_sidecar(document, sidecar_values(staff))
    text = sidecar_path(document).read_text(encoding="utf-8")
    assert '"BOUVIER, Maelle",' in text and "mots-cles = [" in text and 'cote = "ESS 2.3 BOU"' in text
    assert read_sidecar(document.with_name("rapport.pdf.meta.toml"))[0] == staff


def test_sidecar_as_documentalists_write_it(tmp_path, vocab) -> None:
    sidecar = tmp_path / "rapport.pdf.meta.toml"
    sidecar.write_text('mots-clés = "IAE, jardins"\nauteurs = "BOUVIER, Maelle; Jean Dupont"\nlangue = "anglais"\n'
                       'cote = "ESS 4"\n', encoding="utf-8")
    staff, warnings = read_sidecar(sidecar)
    assert warnings == []
    assert (staff.keywords, staff.authors, staff.cote) == (("IAE", "jardins"), ("BOUVIER, Maelle", "Jean Dupont"), "ESS 4")
    meta = resolve_metadata("rapport.pdf", extract_file(str(pdf_with(tmp_path / "rapport.pdf")), 10**8), staff, vocab)
    assert meta.language == "en" and meta.origins["language"] == "staff"
    assert meta.keywords == ["insertion par l'activité économique", "jardins"]


def test_authors_cleared_by_staff_stay_cleared(tmp_path, vocab) -> None:
    path = pdf_with(tmp_path / "rapport.pdf", Author="DUBUS Vincent")
    write_sidecar(path, sidecar_values(StaffMetadata(title="Rapport").clearing_empty()))
    staff, _ = read_sidecar(sidecar_path(path))
    meta = resolve_metadata("rapport.pdf", extract_file(str(path), 10**8), staff, vocab)
    assert meta.authors == [] and meta.origins["authors"] == "staff"


# --- language --------------------------------------------------------------------------

def test_iso_language_reads_what_staff_write() -> None:
    assert [iso_language(v) for v in ("fra+eng", "Anglais", "fr, en", "deu", "", "klingon")] == ["fr", "en", "fr", "de", "", ""]


def test_language_of_short_and_mixed_texts() -> None:
    assert detect_language(["Le rapport d'activité de l'association présente les actions menées en 2019."]) == "fr"
    assert detect_language(["The annual report of the association describes what was done."]) == "en"
    assert detect_language(["Der Jahresbericht des Vereins beschreibt die Arbeit mit den Mitgliedern."]) == "de"
    assert detect_language(["El informe anual de la asociación describe las acciones con los socios."]) == "es"
    assert detect_language(["Il rapporto annuale dell'associazione descrive le attività della rete."]) == "it"
    assert detect_language(["Het jaarverslag van de vereniging beschrijft het werk met de leden."]) == "nl"
    assert detect_language(["", "12 345 678"]) == ""


def _labelled(table: str, column: str) -> dict[str, str]:
    with (REALWORLD / table).open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return {row["file"]: (row[column] or "")[:2] for row in rows}


# A few real files of each language and format (bench/language.py runs all 118).
REAL_FILES = [("fr/SOURCES.tsv", "language", "pdf/recoop__ProcesVerbalAssembleeConsitutive.pdf"),
              ("fr/SOURCES.tsv", "language", "html/design__a-propos.html"),
              ("fr/SOURCES.tsv", "language", "pdf/etalabguides__guide-juridique.pdf"),
              ("office/expected.tsv", "lang", "docx/poi__delins.docx"),
              ("office/expected.tsv", "lang", "docx/poi__truncated62886.docx"),
              ("office/expected.tsv", "lang", "txt/tika__french.txt")]


@pytest.mark.skipif(not (REALWORLD / "fr").is_dir() or not (REALWORLD / "office").is_dir(),
                    reason="../shared/realworld is not there")
@pytest.mark.parametrize(("table", "column", "name"), REAL_FILES)
def test_language_detected_on_real_files(vocab, table: str, column: str, name: str) -> None:
    folder = REALWORLD / table.split("/")[0]
    expected = _labelled(table, column)[name]
    meta = resolve_metadata(Path(name).name, extract_file(str(folder / name), 10**8), StaffMetadata(), vocab)
    assert (meta.language, meta.origins["language"]) == (expected, "text")


# --- the staff form, the public page, its JSON twin, search ------------------------------------

@pytest.fixture
def catalogue(tmp_path: Path, corpus: Path) -> Settings:
    pdf_with(corpus / "a-trier" / "rapport-ressourcerie.pdf", Author="nicolas.saleille", Keywords="réemploi")
    (corpus / "festival.html").write_bytes(html_page("Festival solidaire", "L'économie sociale fait son festival."))
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", instance_dir=tmp_path / "instance", workers=2)
    update_index(settings)
    Accounts(settings.instance_dir).add("marie", PASSWORD)
    return settings


@pytest.fixture
def staff(catalogue) -> TestClient:
    client = TestClient(create_app(catalogue))
    assert sign_in(client).status_code == 303
    return client


def test_form_saves_the_new_fields_and_the_public_page_shows_them(staff, catalogue) -> None:
    doc = staff.get("/search.json", params={"q": "ressourcerie"}).json()["hits"][0]
    edit = f"/gestion/documents/{doc['id']}/modifier"
    form = staff.get(edit).text
    assert "Auteurs" in form and "Mots-clés" in form and "Langue" in form and "Cote" in form
    assert "Détectée : français" in form and 'value="économie circulaire"' in form  # found in the file
    values = {"titre": "Rapport de la ressourcerie", "secteurs": ["environnement"], "annee": "2011", "type": "rapport-activite",
              "auteurs": "BOUVIER, Maelle\nJean Dupont", "motscles": "économie circulaire, IAE, tiers-lieu",
              "langue": "", "cote": "ENV 3.1 BOU"}
    assert staff.post(edit, data={"csrf": csrf_of(staff, edit), **values}, follow_redirects=False).status_code == 303

    sidecar = read_sidecar(catalogue.corpus_dir / "a-trier" / "rapport-ressourcerie.pdf.meta.toml")[0]
    assert sidecar.language == ""  # "detected" stays detected: it is not written as staff's choice
    record = staff.get(f"/documents/{doc['id']}.json").json()["document"]
    assert record["authors"] == ["BOUVIER, Maelle", "Jean Dupont"]
    assert record["keywords"] == ["économie circulaire", "insertion par l'activité économique", "tiers-lieu"]
    assert record["language"] == {"code": "fr", "label": "français"} and record["cote"] == "ENV 3.1 BOU"
    page = staff.get(f"/documents/{doc['id']}").text
    assert "<dt>Auteurs</dt><dd>BOUVIER, Maelle ; Jean Dupont</dd>" in page
    assert "<dt>Langue</dt><dd>français</dd>" in page and "<dt>Cote</dt><dd>ENV 3.1 BOU</dd>" in page
    link = re.search(r'<a href="([^"]+)">tiers-lieu</a>', page).group(1)
    assert [h["id"] for h in staff.get(link.replace("/search", "/search.json")).json()["hits"]] == [doc["id"]]

    # Searching by author and keyword, as plain words and as field terms.
    def found(q: str) -> list[str]:
        return [h["id"] for h in staff.get("/search.json", params={"q": q}).json()["hits"]]

    assert found("Maelle Bouvier")[:1] == [doc["id"]]
    assert found("auteur:dupont") == [doc["id"]] and found("auteur:dupont festival") == []  # a field term restricts
    assert found("motcle:IAE") == [doc["id"]]  # the synonym stands for its term
    assert found('motcle:"tiers-lieu"') == [doc["id"]] and found("langue:anglais") == []
    result = staff.get("/search.json", params={"langue": "fr", "motcle": "tiers-lieu"}).json()
    assert [h["id"] for h in result["hits"]] == [doc["id"]]
    assert {v["value"]: v["label"] for v in result["facets"]["languages"]} == {"fr": "Français"}
    assert "tiers-lieu" in {v["value"] for v in result["facets"]["keywords"]}

    bad = staff.get("/search.json", params={"langue": "klingon"})
    assert bad.status_code == 400 and "Langue inconnue" in bad.json()["error"]
    assert staff.get("/search.json", params={"motcle": "x" * 5000}).json()["total"] == 0

    # The form shows the saved values again; a chosen language is staff's.
    form = staff.get(edit).text
    assert "BOUVIER, Maelle\nJean Dupont</textarea>" in form and 'value="ENV 3.1 BOU"' in form
    staff.post(edit, data={"csrf": csrf_of(staff, edit), **values, "langue": "en"})
    record = staff.get(f"/documents/{doc['id']}.json").json()["document"]
    assert record["language"]["code"] == "en"


def test_an_upload_is_prefilled_with_what_the_file_says(staff, tmp_path) -> None:
    data = pdf_with(tmp_path / "x.pdf", Author="DUBUS Vincent", Keywords="IAE, réemploi, zzz").read_bytes()
    response = staff.post("/gestion/ajouter", data={"csrf": csrf_of(staff)},
                          files=[("fichiers", ("Bilan jardins.pdf", data, "application/pdf"))], follow_redirects=False)
    draft_url = response.headers["location"]
    draft = staff.get(draft_url).text
    authors = re.search(r'<textarea id="auteurs"[^>]*>([^<]*)</textarea>', draft).group(1)
    keywords = re.search(r'id="motscles" name="motscles" value="([^"]*)"', draft).group(1)
    assert authors == "DUBUS Vincent" and "Détectée : français" in draft
    assert keywords == "insertion par l&#39;activité économique, économie circulaire"
    values = {"titre": "Bilan des jardins", "type": "rapport-activite", "annee": "2011", "secteurs": ["iae"],
              "auteurs": authors, "motscles": keywords.replace("&#39;", "'") + ", jardins", "cote": "IAE 1"}
    published = staff.post(draft_url, data={"csrf": csrf_of(staff, draft_url), **values}, follow_redirects=False)
    assert published.status_code == 303
    record = staff.get(published.headers["location"] + ".json").json()["document"]
    assert (record["authors"], record["cote"], record["language"]["code"]) == (["DUBUS Vincent"], "IAE 1", "fr")
    assert record["keywords"] == ["insertion par l'activité économique", "économie circulaire", "jardins"]


def test_cli_add_takes_the_new_fields(settings, tmp_path) -> None:
    source = tmp_path / "Potager.html"
    source.write_bytes(html_page("Le potager", "Les légumes du potager partagé."))
    result = run(settings, "add", str(source), "--author", "BOUVIER, Maelle", "--author", "Jean Dupont",
                 "--keyword", "AMAP", "--cote", "AGR 2")
    assert result.exit_code == 0, result.output
    data = json.loads(run(settings, "search", "auteur:bouvier", "--json").output)
    assert [h["title"] for h in data["hits"]] == ["Le potager"]
    document = json.loads(run(settings, "search", "motcle:\"circuits courts\"", "--json").output)["hits"]
    assert [h["title"] for h in document] == ["Le potager"]  # AMAP is a synonym of the thesaurus term


def test_form_refuses_wrong_values_in_french(staff) -> None:
    doc = staff.get("/search.json", params={"q": "festival"}).json()["hits"][0]
    edit = f"/gestion/documents/{doc['id']}/modifier"
    values = {"titre": "Festival", "secteurs": ["culture"], "type": "page-web", "langue": "xx",
              "motscles": ", ".join(f"mot{i}" for i in range(30)), "cote": "C" * 61}
    response = staff.post(edit, data={"csrf": csrf_of(staff, edit), **values})
    assert response.status_code == 400
    assert "Choisissez une langue de la liste." in response.text and "20 mots-clés au plus" in response.text
    assert "60 caractères au plus." in response.text


# --- file-name words --------------------------------------------------------------------------

@pytest.fixture
def named(tmp_path: Path, corpus: Path) -> SearchService:
    (corpus / "rattachement-candidats.html").write_bytes(
        html_page("Élections législatives", "La liste des partis politiques pour le financement public."))
    (corpus / "RapportActiviteJardins2017.html").write_bytes(
        html_page("Les potagers", "Nos bénévoles ont cultivé des légumes toute l'année."))
    (corpus / "note.html").write_bytes(html_page(
        "Note juridique", "Le rattachement des candidats à un parti : chaque candidat déclare son rattachement."))
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", instance_dir=tmp_path / "instance", workers=2)
    update_index(settings)
    return SearchService(settings)


def test_file_name_words_are_found(named) -> None:
    def relpaths(q: str) -> list[str]:
        return [h.relpath for h in named.search(SearchRequest(q=q)).hits]

    # Known-item search finds the file by its name; a document whose text says the words still comes first.
    assert relpaths("rattachement candidats") == ["note.html", "rattachement-candidats.html"]
    assert relpaths("rapport activité jardins 2017") == ["RapportActiviteJardins2017.html"]  # camelCase, digits, accents
    assert relpaths("fichier:candidats") == ["rattachement-candidats.html"]


# --- similar documents ---------------------------------------------------------------------------

def test_similar_documents_cross_types(sample_service) -> None:
    sheet = next(d for d in sample_service.all_documents() if d.relpath == "iae/2010/fiche-secteur-iae.pdf")
    similar = sample_service.similar(sheet.id)
    assert len(similar) == 5 and sheet.id not in [d.id for d in similar]
    others = [d for d in similar if d.type.code != "fiche-secteur"]
    # Not only other sector sheets: documents of other types about insertion.
    assert len(others) >= 3 and len({d.type.code for d in others}) >= 2
    assert {"web/chantier-insertion-portes-ouvertes-2006.html", "iae/2017/jardins-de-la-risle-rapport-activite-2017.pdf"} <= {
        d.relpath for d in similar}


# --- Atom dates -----------------------------------------------------------------------------------

def test_atom_entries_carry_the_date_added(tmp_path: Path, corpus: Path) -> None:
    added = {"ancien.html": dt.datetime(2019, 3, 4, 10, 0), "recent.html": dt.datetime(2024, 11, 20, 16, 30),
             "moyen.html": dt.datetime(2021, 6, 1, 8, 15)}
    for name, moment in added.items():
        path = corpus / name
        path.write_bytes(html_page(f"Jardin {name}", "Le jardin partagé du quartier."))
        os.utime(path, (moment.timestamp(), moment.timestamp()))
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", instance_dir=tmp_path / "instance", workers=2)
    update_index(settings)
    with serving(settings) as base:
        for path in ("/feed.atom", "/search.atom?q=jardin"):
            with urllib.request.urlopen(base + path, timeout=10) as response:
                feed = ET.fromstring(response.read())
            entries = {re.search(r"\w+\.html", e.find(f"{ATOM}title").text).group():
                       dt.datetime.fromisoformat(e.find(f"{ATOM}updated").text) for e in feed.findall(f"{ATOM}entry")}
            assert entries == {name: moment.astimezone() for name, moment in added.items()}
            assert dt.datetime.fromisoformat(feed.find(f"{ATOM}updated").text) == added["recent.html"].astimezone()



def test_the_new_fields_leave_in_every_export(staff, catalogue) -> None:
    doc = staff.get("/search.json", params={"q": "ressourcerie"}).json()["hits"][0]
    edit = f"/gestion/documents/{doc['id']}/modifier"
    values = {"titre": "Rapport de la ressourcerie", "secteurs": ["environnement"], "annee": "2011", "type": "rapport-activite",
              "auteurs": "BOUVIER, Maelle\nJean Dupont", "motscles": "tiers-lieu", "langue": "", "cote": "ENV 3.1 BOU"}
    assert staff.post(edit, data={"csrf": csrf_of(staff, edit), **values}, follow_redirects=False).status_code == 303

    exported = staff.get("/gestion/export.csv").content.decode("utf-8-sig")
    header, *rows = exported.splitlines()
    assert {"auteurs", "mots_cles", "langue", "cote"} <= set(header.split(";"))
    row = next(r for r in rows if "ressourcerie" in r)
    assert "BOUVIER, Maelle|Jean Dupont" in row and "ENV 3.1 BOU" in row and ";fr;" in row
    # Imported again, the export changes nothing (the lists and the detected language included).
    token = csrf_of(staff, "/gestion/import")
    same = staff.post("/gestion/import", data={"csrf": token}, files={"fichier": ("c.csv", exported.encode("utf-8-sig"))})
    assert "0 document à modifier" in same.text, same.text

    dc = staff.get(f"/documents/{doc['id']}.dc.xml").text
    assert "<dc:creator>BOUVIER, Maelle</dc:creator>" in dc and "<dc:language>fr</dc:language>" in dc
    assert "<dc:subject>tiers-lieu</dc:subject>" in dc
    page = staff.get(f"/documents/{doc['id']}").text
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    assert '"inLanguage": "fr"' in ld and '"name": "Jean Dupont"' in ld and '"keywords": "tiers-lieu"' in ld
    ris = staff.get("/selection.ris", params={"ids": doc["id"]}).text
    assert "AU  - BOUVIER, Maelle\r\n" in ris and "AU  - Jean Dupont\r\n" in ris and "KW  - tiers-lieu\r\n" in ris
    bib = staff.get("/selection.bib", params={"ids": doc["id"]}).text
    assert "author = {BOUVIER, Maelle and Jean Dupont}" in bib and "language = {fr}" in bib
