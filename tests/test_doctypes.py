"""Document types, organisations and résumés guessed from what documents show.

Small PDFs are written with fpdf2 and read by the real extraction; office
files are the fixtures of tests/data/office; the real documents of
../shared/realworld/fr are used where present (skipped otherwise).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from docsearch.catalogue.metadata import resolve_metadata
from docsearch.catalogue.staff import StaffMetadata, read_sidecar
from docsearch.catalogue.summaries import summary_from_text
from docsearch.catalogue.vocabulary import load_vocabulary
from docsearch.config import Settings
from docsearch.extraction import Extracted, extract_file
from docsearch.index.update import update_index
from docsearch.search.service import SearchRequest, SearchService
from tests.conftest import DATA, REALWORLD, html_page

LIMIT = 50 * 1024 * 1024
VOCAB = load_vocabulary(Settings().vocabulary_file)
FR = REALWORLD / "fr"


def write_pdf(path: Path, pages: list[str], size: tuple[float, float] = (210, 297), title: str = "") -> Path:
    """A PDF of ``pages`` (lines split on "\\n"), pages of ``size`` millimetres."""
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format=size)
    if title:
        pdf.set_title(title)
    pdf.set_font("Helvetica", size=11)
    pdf.set_auto_page_break(False)
    for text in pages:
        pdf.add_page()
        pdf.set_xy(10, 10)
        for line in text.split("\n"):
            pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def guess(path: Path, name: str | None = None):
    """What a file dropped in the corpus under ``name`` is guessed to be, with no staff value."""
    return resolve_metadata(name or path.name, extract_file(str(path), LIMIT), StaffMetadata(), VOCAB)


PROSE = ("L'association accompagne les habitants du quartier dans leurs projets et anime des ateliers "
         "chaque semaine avec des bénévoles.")
ROWS = "\n".join(f"Dupont{i} Marie Rouen {i:03d} Association Les Amis {i}" for i in range(40))

# name, pages, page size (mm), embedded title, expected type: each row one real cue.
PDF_CASES = [
    ("slides 16:9, few words", "atelier.pdf", ["Optimisation du temps\nGagner une demi-journée"] * 4,
     (338.7, 190.5), "", "presentation"),
    ("slides 4:3", "atelier.pdf", ["Nos actions\nTrois chantiers"] * 3, (254, 190.5), "", "presentation"),
    ("landscape paper is not a slide", "fiche.pdf", ["Fiche pratique\npour l'achat responsable\n" + PROSE] * 3,
     (297, 210), "", "guide"),
    ("generator's default title", "x.pdf", ["Lancement du programme\n" + PROSE] * 3, (210, 297),
     "Présentation PowerPoint", "presentation"),
    ("a letter", "x.pdf", ["Rouen, le 3 mars 2024\nObjet : demande de rendez-vous\nMadame, Monsieur,\n" + PROSE
                           + "\nVeuillez agréer nos salutations distinguées."], (210, 297), "", "courrier"),
    ("minutes", "x.pdf", ["Assemblée générale du 15 janvier 2022\nPrésents : 12 membres\nOrdre du jour\n" + PROSE],
     (210, 297), "", "compte-rendu"),
    ("a financial report on a cerfa is a form, not minutes", "x.pdf",
     ["N°15059*02\nCompte-rendu financier de subvention\nNom de l'association :\nAdresse :\nDate :\n" + PROSE],
     (210, 297), "", "formulaire"),
    ("statutes", "x.pdf", ["Statuts de l'association Vélo Solidaire\nArticle 1 - Dénomination\n" + PROSE],
     (210, 297), "", "statuts"),
    ("a form to fill in", "x.pdf", ["Bulletin d'adhésion\nNom :\nPrénom :\nAdresse :\nCochez la case utile.\n" + PROSE],
     (210, 297), "", "formulaire"),
    ("a call for projects", "x.pdf", ["Appel à projets 2024 : jardins partagés\nDate limite de dépôt : 30 juin\n" + PROSE],
     (210, 297), "", "appel-projets"),
    ("a text of law", "x.pdf", ["Décret n° 2024-12 du 5 janvier 2024\nrelatif aux associations\n" + PROSE],
     (210, 297), "", "texte-juridique"),
    ("a form citing a decree is not a text of law", "x.pdf",
     ["Justificatif de déplacement professionnel\nEn application du décret n° 2020-293 du 23 mars 2020\n"
      "Nom et prénom de l'employeur :\nFonctions :\nAdresse :\n" + PROSE], (210, 297), "", "formulaire"),
    ("a press release", "x.pdf", ["Communiqué de presse\nLe festival revient le 3 octobre\n" + PROSE], (210, 297), "",
     "dossier-presse"),
    ("a table on every page", "x.pdf", [ROWS, ROWS], (210, 297), "", "liste-donnees"),
    ("an export of a spreadsheet", "x.pdf", ["Critères\n" + PROSE], (297, 210), "correspondances.xlsx", "liste-donnees"),
    ("an internship offer", "x.pdf", ["Offre de stage\nData Science\n" + PROSE], (210, 297), "", "autre"),
    ("a short leaflet giving a contact", "x.pdf", ["Garage solidaire\n" + PROSE + "\nTél. 02 35 12 34 56"],
     (210, 297), "", "plaquette"),
    ("a short text that says nothing of itself", "x.pdf", ["Portez ce vieux whisky au juge blond qui fume"],
     (210, 297), "", "autre"),
    ("the cover's word beats the file name's", "guide-outils-finance.pdf",
     # The cover on page 1 only: lines on every page are running headers, never the title.
     ["Fonds solidaire normand\nFinance solidaire : les outils\nÉtude - novembre 2011\n" + PROSE] + [PROSE] * 4,
     (210, 297), "", "etude"),
    ("the file name's longest phrase: a job, not a sector sheet", "fiche-de-poste-data.pdf", [PROSE] * 3,
     (210, 297), "", "autre"),
    ("words glued in CamelCase", "ProcesVerbalAssemblee.pdf", [PROSE] * 3, (210, 297), "", "compte-rendu"),
]


@pytest.mark.parametrize(("case", "name", "pages", "size", "title", "expected"), PDF_CASES, ids=[c[0] for c in PDF_CASES])
def test_pdf_type_from_its_cues(tmp_path: Path, case: str, name: str, pages: list[str], size: tuple[float, float],
                                title: str, expected: str) -> None:
    pytest.importorskip("fpdf")
    meta = guess(write_pdf(tmp_path / name, pages, size, title))
    assert meta.doctype == expected, case
    assert meta.origins["doctype"] in (("default",) if expected == "autre" and case.startswith("a short") else ("text", "path", "embedded"))


@pytest.mark.parametrize(("name", "expected"), [
    ("budget.xlsx", "liste-donnees"), ("benevoles.ods", "liste-donnees"),
    ("rencontres.pptx", "presentation"), ("finance.odp", "presentation"),
])
def test_a_spreadsheet_is_data_and_a_slide_deck_a_presentation(name: str, expected: str) -> None:
    meta = guess(DATA / "office" / name)
    assert (meta.doctype, meta.origins["doctype"]) == (expected, "format")


@pytest.mark.parametrize(("title", "body", "expected"), [
    ("Statuts — Société coopérative d'habitation", "<h1>Statuts</h1><p>Version du 29.11.21</p><p>Art. 1 Raison sociale</p>",
     "statuts"),
    ("Communiqué de presse 2016 - Framasoft", "<h1>Communiqué de presse</h1><p>Framasoft — 3 octobre 2016</p>",
     "dossier-presse"),
    # The subject line under the heading is prose: a page about forms is a page.
    ("Comment naviguer sur le web ? - DesignGouv",
     "<h1>Comment naviguer sur le web ?</h1><p>Comment saisit-on des champs de formulaire quand on est aveugle ?</p>",
     "page-web"),
    ("Transcription de l'événement - DesignGouv", "<h1>Transcription de l'événement</h1><p>Bonjour à tous.</p>",
     "page-web"),
])
def test_a_web_page_is_a_page_unless_its_heading_names_another_type(tmp_path: Path, title: str, body: str,
                                                                     expected: str) -> None:
    path = tmp_path / "page.html"
    path.write_bytes(html_page(title, body))
    assert guess(path).doctype == expected


def test_old_codes_are_synonyms_of_the_new_types() -> None:
    assert VOCAB.doctype_code("brochure") == "plaquette" and VOCAB.doctype_code("web") == "page-web"
    assert VOCAB.doctype_label("plaquette") == "Plaquette"
    assert VOCAB.doctype_label("presentation") == "Présentation (diaporama)"
    assert len(VOCAB.doctypes) == 16


def test_a_sidecar_with_an_old_code_still_resolves(tmp_path: Path) -> None:
    sidecar = tmp_path / "x.pdf.meta.toml"
    sidecar.write_text('type = "brochure"\n', encoding="utf-8")
    staff, warnings = read_sidecar(sidecar)
    meta = resolve_metadata("x.pdf", Extracted("pdf", ["Rapport d'activité 2020"]), staff, VOCAB, warnings)
    assert (meta.doctype, meta.origins["doctype"], meta.warnings) == ("plaquette", "staff", [])


def test_indexed_documents_migrate_on_the_next_update(tmp_path: Path) -> None:
    """An index built with the six-type vocabulary ("brochure") shows the new
    type and label after the next ``docsearch index``, with nothing rebuilt by hand."""
    old_vocab = tmp_path / "old-vocabulary.toml"
    text = Settings().vocabulary_file.read_text(encoding="utf-8")
    old_vocab.write_text(text.replace('code = "plaquette"\nlabel = "Plaquette"\nsynonyms = ["brochure", ',
                                      'code = "brochure"\nlabel = "Brochure"\nsynonyms = ['), encoding="utf-8")
    assert load_vocabulary(old_vocab).doctype_code("brochure") == "brochure"
    corpus = tmp_path / "corpus"
    (corpus / "culture").mkdir(parents=True)
    page = html_page("Compagnie", "<p>La compagnie joue du théâtre dans les villages du Pays d'Auge.</p>")
    (corpus / "culture" / "compagnie.html").write_bytes(page)
    (corpus / "culture" / "compagnie.html.meta.toml").write_text('type = "brochure"\n', encoding="utf-8")
    base = dict(corpus_dir=corpus, index_dir=tmp_path / "index", instance_dir=tmp_path / "instance")
    before = Settings(**base, vocabulary_file=old_vocab)  # type: ignore[arg-type]
    update_index(before)
    assert [f.value for f in SearchService(before).facet_totals()["types"]] == ["brochure"]
    after = Settings(**base)  # type: ignore[arg-type]
    update_index(after)
    service = SearchService(after)
    types = service.facet_totals()["types"]
    assert [(f.value, f.label) for f in types] == [("plaquette", "Plaquette")]
    assert service.search(SearchRequest(q="type:brochure")).total == 1  # an old query still finds it


def test_the_sample_corpus_facet_shows_the_new_labels(sample_service: SearchService) -> None:
    types = {f.value: f.label for f in sample_service.facet_totals()["types"]}
    assert types["plaquette"] == "Plaquette" and "brochure" not in types
    result = sample_service.search(SearchRequest(q="épicerie solidaire", types=("brochure",)))
    assert result.total >= 1 and {h.type.code for h in result.hits} == {"plaquette"}


# --- organisations ------------------------------------------------------------------------

@pytest.mark.parametrize("author", ["jdupont", "accueil", "josephine.labroue", "Administrateur", "Microsoft Office User",
                                    "DUBUS Vincent", "Geoffrey Arthaud", "BOUVIER, Maelle", "B. Roullier",
                                    "La République Française", "Adobe Photoshop", "Paul d'Ivoi", "T.S. Eliot", "Villain"])
def test_a_login_a_person_or_a_program_is_never_the_organisation(author: str) -> None:
    extracted = Extracted("pdf", ["Un texte sans en-tête qui parle de jardins partagés et de compost."], {"author": author})
    assert resolve_metadata("x.pdf", extracted, StaffMetadata(), VOCAB).organisation == ""


@pytest.mark.parametrize(("first_page", "author", "expected"), [
    # A letterhead with a legal form, set on several lines.
    ("Conseil départemental de\nla Seine-Maritime\nGuide des aides\n" + PROSE, "jdupont",
     "Conseil départemental de la Seine-Maritime"),
    ("Re-Co\nsociété coopérative d'habitation\nAv. de Morges 63\nProcès-verbal\n" + PROSE, "lucas",
     "Re-Co société coopérative d'habitation"),
    ("CRESS Normandie\nLes emplois du sport\nÉtude — août 2024\n" + PROSE, "", "CRESS Normandie"),
    # A known organisation of the vocabulary, shown under its name.
    ("Direction\ninterministérielle\ndu numérique\nRéférentiel général\n" + PROSE, "", "Direction interministérielle du numérique"),
    # A brochure's first line that its prose names again.
    ("Garage solidaire du Cotentin\nVotre voiture réparée\nLe Garage solidaire du Cotentin répare les voitures.", "",
     "Garage solidaire du Cotentin"),
    # An author the document prints itself.
    ("Expliquer les algorithmes publics\nEtalab\n27/05/2024", "Etalab", "Etalab"),
    ("Un texte.\n" + PROSE + "\nSource : INSEE — traitement ARDESS Haute-Normandie.", "", "ARDESS Haute-Normandie"),
])
def test_organisation_from_the_letterhead_or_a_known_list(first_page: str, author: str, expected: str) -> None:
    extracted = Extracted("pdf", [first_page], {"author": author} if author else {})
    meta = resolve_metadata("x.pdf", extracted, StaffMetadata(), VOCAB)
    assert meta.organisation == expected


def test_a_web_page_s_organisation_is_its_site() -> None:
    extracted = Extracted("html", ["Framadate\n" + PROSE], {"title": "Framadate, notre contribution - DesignGouv"})
    assert resolve_metadata("x.html", extracted, StaffMetadata(), VOCAB).organisation == "DesignGouv"


# --- résumés ------------------------------------------------------------------------------

def test_the_resume_has_no_contact_line_and_no_repeated_title() -> None:
    page = ("Garage solidaire du Cotentin\nVotre voiture réparée à prix solidaire\n12 rue des Halles\n50100 Cherbourg\n"
            "Tél. : 02 33 12 34 56\ncontact@garage-solidaire.org\nwww.garage-solidaire.org\nSiège social : Cherbourg\n"
            "Le Garage solidaire du Cotentin répare et entretient les véhicules des personnes à faibles revenus,\n"
            "orientées par les travailleurs sociaux. Écrivez-nous à contact@garage-solidaire.org pour un devis gratuit.\n"
            "Page 1 / 2")
    summary = summary_from_text([page], "Garage solidaire du Cotentin — Votre voiture réparée à prix solidaire")
    assert summary.startswith("Le Garage solidaire du Cotentin répare")
    for contact in ("02 33", "@", "www.", "rue des Halles", "50100", "Siège", "Page 1"):
        assert contact not in summary


def test_a_cover_and_a_table_of_contents_are_no_resume() -> None:
    pages = ["Expliquer les algorithmes publics\nEtalab\n27/05/2024",
             "Table des matières\n1 Introduction . . . . . . . 3",
             "Ce guide s'adresse aux administrations qui utilisent des algorithmes pour prendre des décisions."]
    assert summary_from_text(pages, "Expliquer les algorithmes publics").startswith("Ce guide s'adresse")


# --- real documents -----------------------------------------------------------------------

@pytest.mark.skipif(not FR.is_dir(), reason="../shared/realworld/fr is absent")
@pytest.mark.parametrize(("name", "expected", "organisation"), [
    ("pdf/design__attestation-deplacement-falc.pdf", "formulaire", ""),  # AcroForm fields; author "La République Française"
    ("pdf/anct__NUMA-workshop112020.pdf", "presentation", ""),  # 16:9 pages, no word says so
    ("pdf/rattach__1706-Beauvau-rattachement-candidats-LG2017.pdf", "liste-donnees", ""),  # a table on every page
    ("pdf/recoop__ProcesVerbalAssembleeConsitutive.pdf", "compte-rendu", "Re-Co société coopérative d'habitation"),  # author "lucas"
    ("pdf/anct__kitelus_def.pdf", "guide", None),  # landscape A5: paper, not slides
    ("pdf/minumeco__discoursPM.pdf", "autre", None),  # "Mesdames et Messieurs les ministres," is no letter
    ("pdf/etalabguides__guide-algorithmes.pdf", "guide", "Etalab"),
    ("html/recoop__statuts.html", "statuts", None),
])
def test_real_documents_get_their_type_and_organisation(name: str, expected: str, organisation: str | None) -> None:
    source = FR / name
    if not source.is_file():
        pytest.skip(f"{name} is absent")
    # Resolved under its own file name, without the collection's "source__" prefix.
    meta = guess(source, source.name.split("__", 1)[-1])
    assert meta.doctype == expected
    if organisation is not None:
        assert meta.organisation == organisation
