"""Metadata resolution: staff › embedded › path › text, with the origin of each value."""

import tomllib
from pathlib import Path

import pytest

from docsearch.catalogue.metadata import resolve_metadata
from docsearch.catalogue.staff import StaffMetadata, read_sidecar, sidecar_values
from docsearch.catalogue.vocabulary import load_vocabulary
from docsearch.config import Settings
from docsearch.corpus.write import write_sidecar
from docsearch.extraction import Extracted


@pytest.fixture(scope="module")
def vocab():
    return load_vocabulary(Settings().vocabulary_file)


REPORT_TEXT = [
    "Rapport d'activité 2008\nADRESS Haute-Normandie\nLe chantier d'insertion et l'entreprise d'insertion ont accueilli "
    "des demandeurs d'emploi. Parcours d'insertion, salariés en insertion.",
    "Page 2 du rapport.",
]


def pdf(pages=REPORT_TEXT, **meta: str) -> Extracted:
    return Extracted(format="pdf", pages=list(pages), meta=dict(meta))


def test_staff_metadata_wins_over_everything(vocab) -> None:
    staff = StaffMetadata(title="Bilan 2009", sectors=("culture",), year=2009, doctype="étude")
    meta = resolve_metadata("iae/2007/x.pdf", pdf(title="Titre embarqué", keywords="sport"), staff, vocab)
    assert (meta.title, meta.sectors, meta.year, meta.doctype) == ("Bilan 2009", ["culture"], 2009, "etude")
    assert meta.origins == meta.origins | {"title": "staff", "sectors": "staff", "year": "staff", "doctype": "staff"}


def test_embedded_metadata_before_path(vocab) -> None:
    extracted = pdf(title="Rapport d'activité 2011", keywords="ressourcerie, réemploi", date="2012-03-01")
    meta = resolve_metadata("culture/2007/x.pdf", extracted, StaffMetadata(), vocab)
    assert meta.title == "Rapport d'activité 2011"
    assert meta.sectors == ["environnement"] and meta.origins["sectors"] == "embedded"
    assert meta.year == 2011 and meta.origins["year"] == "embedded"  # the title's year before the file's date


def test_path_conventions(vocab) -> None:
    meta = resolve_metadata("commerce-equitable/2015/fiche-producteurs.pdf", pdf(pages=["Texte sans indice."]), StaffMetadata(), vocab)
    assert meta.sectors == ["commerce-equitable"] and meta.origins["sectors"] == "path"
    assert meta.year == 2015 and meta.origins["year"] == "path"
    assert meta.doctype == "fiche-secteur" and meta.origins["doctype"] == "path"


def test_inferred_from_text(vocab) -> None:
    meta = resolve_metadata("a-trier/scan.pdf", pdf(), StaffMetadata(), vocab)
    assert meta.title.startswith("Rapport d'activité 2008") and meta.origins["title"] == "text"
    assert meta.year == 2008 and meta.origins["year"] == "text"
    assert meta.doctype == "rapport-activite" and meta.origins["doctype"] == "text"
    assert meta.sectors == ["iae"] and meta.origins["sectors"] == "text"
    assert set(meta.to_check()) >= {"title", "year", "doctype", "sectors"}


def test_nothing_known_gives_explicit_defaults(vocab) -> None:
    meta = resolve_metadata("a-trier/note.pdf", pdf(pages=["12 34"] * 6), StaffMetadata(), vocab)
    assert meta.sectors == ["non-classe"] and meta.year is None and meta.doctype == "autre"
    assert meta.title == "Note"  # from the file name
    assert meta.origins["year"] == "default"


def test_short_pdf_that_names_no_type_but_a_contact_is_guessed_a_plaquette(vocab) -> None:
    page = "Garage solidaire\nVotre voiture réparée.\nTél. 02 35 12 34 56 — garage@example.org"
    meta = resolve_metadata("a-trier/x.pdf", pdf(pages=[page]), StaffMetadata(), vocab)
    assert meta.doctype == "plaquette" and meta.origins["doctype"] == "text"


@pytest.mark.parametrize(
    ("first_page", "year"),
    [
        ("Programme des ateliers 2021\nAssociation loi 1901", 2021),
        ("Étude — août 2024", 2024),
        ("Association loi 1901 créée le 3 mars 1998", 1998),  # the law's year is not the document's
        ("Association régie par la loi 1901", None),
    ],
)
def test_year_from_the_first_page(vocab, first_page: str, year: int | None) -> None:
    assert resolve_metadata("a-trier/x.pdf", pdf(pages=[first_page]), StaffMetadata(), vocab).year == year


def test_unknown_staff_sector_becomes_non_classe_with_a_warning(vocab) -> None:
    meta = resolve_metadata("x.pdf", pdf(), StaffMetadata(sectors=("aéronautique", "Commerce équitable")), vocab)
    assert meta.sectors == ["non-classe", "commerce-equitable"]
    assert any("aéronautique" in w for w in meta.warnings)


def test_html_is_a_web_page_unless_said_otherwise(vocab) -> None:
    page = Extracted(format="html", pages=["Un article."], meta={"title": "Les AMAP | Portail", "date": "2019-05-14T10:00:00+02:00"})
    meta = resolve_metadata("web/amap.html", page, StaffMetadata(), vocab)
    assert meta.doctype == "page-web" and meta.year == 2019


@pytest.mark.parametrize("junk", ["Microsoft Word - rapport_final.docx", "untitled", "Binder1.pdf", "RAPPORT_V2"])
def test_junk_embedded_titles_are_ignored(vocab, junk: str) -> None:
    meta = resolve_metadata("a-trier/x.pdf", pdf(title=junk), StaffMetadata(), vocab)
    assert meta.origins["title"] == "text"


def test_staff_file_is_read_and_bad_files_warn(tmp_path: Path) -> None:
    good = tmp_path / "a.pdf.meta.toml"
    good.write_text('titre = "Plaquette"\nannée = 2010\nsecteurs = ["sport"]\ncouleur = "bleu"\n', encoding="utf-8")
    staff, warnings = read_sidecar(good)
    assert staff == StaffMetadata(title="Plaquette", year=2010, sectors=("sport",))
    assert any("couleur" in w for w in warnings)
    bad = tmp_path / "b.pdf.meta.toml"
    bad.write_text("titre = \n", encoding="utf-8")
    staff, warnings = read_sidecar(bad)
    assert staff == StaffMetadata() and "unreadable" in warnings[0]


@pytest.mark.parametrize("text", [
    'annee = 2010\nsecteurs = ["sport", "culture"]\nresume = ""\n',  # as the README writes it
    'annee = 2010\nsecteurs = "sport; culture"\nresume = ""\n',  # sectors in one string
    'année = "2010"\nsecteur = ["sport", "culture"]\nrésumé = ""\n',  # accents, a year in quotes
    'year = "2010-03"\nsectors = ["sport", "culture"]\nsummary = ""\n',  # English keys
])
def test_sidecars_on_disk_read_the_same_whatever_their_spelling(tmp_path: Path, text: str) -> None:
    sidecar = tmp_path / "a.pdf.meta.toml"
    sidecar.write_text(text, encoding="utf-8")
    staff, warnings = read_sidecar(sidecar)
    assert (staff.year, [s.strip() for s in staff.sectors], staff.cleared, warnings) == (
        2010, ["sport", "culture"], {"summary"}, [])


def test_sidecars_are_written_with_their_toml_types(tmp_path: Path) -> None:
    document = tmp_path / "a.pdf"
    write_sidecar(document, {"titre": "L'AMAP « du Bocage »", "annee": 2019, "secteurs": ["agriculture"], "relu": True})
    written = tomllib.loads((tmp_path / "a.pdf.meta.toml").read_text(encoding="utf-8"))
    assert written == {"titre": "L'AMAP « du Bocage »", "annee": 2019, "secteurs": ["agriculture"], "relu": True}
    assert written["relu"] is True  # a boolean, not the string "True"
    staff = StaffMetadata(title="Bilan", sectors=("iae",), year=2011, summary="").clearing_empty()
    write_sidecar(document, sidecar_values(staff))
    assert read_sidecar(tmp_path / "a.pdf.meta.toml") == (staff, [])  # what is written reads back the same
