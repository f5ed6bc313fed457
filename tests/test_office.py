"""Office, text and e-book files: what a visitor searches is extracted, from
every part of the file, and broken, protected or hostile files say why.

Small generated samples (tests/data/office, scripts/make_office_samples.py)
and the real files of ../shared/realworld/office with their expected phrases."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from docsearch.errors import ExtractionError
from docsearch.extraction import extract_file, sniff_kind
from docsearch.extraction.legacy import soffice
from docsearch.extraction.workers import map_isolated
from tests.conftest import DATA

OFFICE = DATA / "office"
REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld" / "office"
LIMIT = 50 * 1024 * 1024


def extract(name: str):
    return extract_file(str(OFFICE / name), LIMIT)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_word_document_gives_every_part_a_reader_searches() -> None:
    doc = extract("rapport.docx")
    first, second = doc.pages
    assert "Le chantier d'insertion accueille des salariés en parcours." in flat(first)  # the footnote mark cuts nothing
    for part in ("Note de bas de page sur la monnaie locale", "Commentaire de relecture", "cellule recyclerie",
                 "En-tête du réseau régional", "Pied de page confidentiel", "Avant après la révision."):
        assert part in flat(first), part
    assert "compostage partagé" in second and "zone de texte encadrée" in second  # hard page break: page 2
    everything = " ".join(doc.pages)
    assert "effacemotzzz" not in everything  # deleted by a tracked change
    assert "copievmlzzz" not in everything  # the VML copy of the text box is not read twice
    assert doc.meta == {"title": "Rapport de la coopérative 2019", "subject": "Économie sociale et solidaire",
                        "keywords": "coopérative, insertion", "author": "Centre de documentation", "date": "2019-03-14"}


def test_slides_are_pages_in_presentation_order_with_their_notes() -> None:
    doc = extract("rencontres.pptx")
    assert doc.format == "pptx" and len(doc.pages) == 2
    assert "ouverture des rencontres" in doc.pages[0]
    assert "tiers-lieux" in doc.pages[1] and "financement participatif" in doc.pages[1]


def test_sheets_are_pages_named_after_the_sheet() -> None:
    doc = extract("budget.xlsx")
    assert doc.pages[0].startswith("Budget prévisionnel") and "Subvention régionale" in doc.pages[0]
    assert "Cotisations des membres" in doc.pages[0]  # a rich-text shared string in two runs
    assert doc.pages[1].startswith("Adhérents") and "jardins partagés" in doc.pages[1]


@pytest.mark.parametrize("name", ["assemblee.odt", "assemblee.fodt"])
def test_opendocument_text_packaged_or_flat(name: str) -> None:
    doc = extract(name)
    assert doc.format == "odt" and len(doc.pages) == 2  # cut at the saved page break
    assert "Les sociétaires ont voté le budget." in flat(doc.pages[0])
    assert "Note sur le capital variable" in doc.pages[0]
    assert "gouvernance partagée" in doc.pages[1] and "cellule mutuelle" in doc.pages[1]
    assert "suppressionzzz" not in " ".join(doc.pages)


def test_opendocument_metadata_and_master_page_footer() -> None:
    doc = extract("assemblee.odt")
    assert "Pied de page de la fédération" in doc.pages[0]
    assert doc.meta == {"title": "Assemblée générale 2018", "keywords": "économie circulaire, réemploi",
                        "author": "Centre de documentation", "date": "2018-11-05"}


def test_opendocument_sheets_and_slides_are_pages() -> None:
    sheets = extract("benevoles.ods")
    assert [p.split("\n")[0] for p in sheets.pages] == ["Bénévoles", "Dons"]
    assert "Heures de bénévolat" in sheets.pages[0]  # after a million repeated empty rows, read once
    slides = extract("finance.odp")
    assert "finance solidaire" in slides.pages[0] and "épargne salariale" in slides.pages[0]
    assert "circuits courts" in slides.pages[1]


def test_rtf_code_pages_fields_tables_and_info() -> None:
    doc = extract("conseil.rtf")
    text = flat(doc.pages[0])
    for part in ("l'épicerie solidaire s'est réuni.", "Caractère Unicode", "’typographique", "le site du réseau",
                 "cellule A", "cellule B", "český text", "Note de bas de page RTF", "Entête du compte rendu"):
        assert part in text, part
    assert "lienzzz" not in text and "Msftedit" not in text and "Arial" not in text
    assert doc.meta == {"title": "Compte rendu du conseil", "author": "Secrétariat", "date": "2017-04-03"}


@pytest.mark.parametrize(("name", "phrase"), [
    ("latin1.txt", "Les coopératives d'activité et d'emploi"),
    ("cp1252.txt", "L’économie sociale pèse 10 % de l’emploi — « un chiffre clé »"),
    ("utf16.txt", "Le réseau des ressourceries"),
])
def test_plain_text_in_any_usual_encoding(name: str, phrase: str) -> None:
    assert phrase in extract(name).pages[0]


def test_markdown_loses_its_markup() -> None:
    doc = extract("notes.md")
    text = flat(doc.pages[0])
    assert "Un tiers-lieu est un espace partagé de travail." in text
    assert "Bloc HTML intégré" in text and "<div" not in text and "**" not in text and "https://" not in text
    assert doc.meta["title"] == "Guide des tiers-lieux"


def test_epub_chapters_in_spine_order() -> None:
    doc = extract("mutuelles.epub")
    assert "solidarité ouvrière" in doc.pages[0] and "secours mutuel" in doc.pages[1]
    assert doc.meta["title"] == "Histoire des mutuelles" and doc.meta["author"] == "Collectif"


@pytest.mark.parametrize(("name", "kind"), [
    ("rapport.docx", "docx"), ("rencontres.pptx", "pptx"), ("budget.xlsx", "xlsx"), ("assemblee.odt", "odt"),
    ("assemblee.fodt", "odt"), ("benevoles.ods", "ods"), ("finance.odp", "odp"), ("conseil.rtf", "rtf"),
    ("mutuelles.epub", "epub"), ("latin1.txt", "text"), ("utf16.txt", "text"),
])
def test_kind_is_sniffed_from_the_content(name: str, kind: str) -> None:
    assert sniff_kind((OFFICE / name).read_bytes()) == kind


def test_a_renamed_office_file_is_refused_by_its_content(tmp_path: Path) -> None:
    fake = tmp_path / "budget.odt"
    fake.write_bytes((OFFICE / "budget.xlsx").read_bytes())
    with pytest.raises(ExtractionError) as error:
        extract_file(str(fake), LIMIT)
    assert error.value.reason == "wrong-type" and "classeur Excel" in error.value.detail


@pytest.mark.parametrize(("name", "reason"), [
    ("bombe.docx", "too-large"), ("protege.odt", "encrypted"), ("tronque.docx", "corrupt"), ("faux.docx", "corrupt"),
])
def test_hostile_and_broken_files_say_why_in_french(name: str, reason: str) -> None:
    with pytest.raises(ExtractionError) as error:
        extract(name)
    assert error.value.reason == reason
    assert any(word in error.value.detail for word in ("archive", "mot de passe", "tronqué", "bombe")), error.value.detail


def test_zip_bomb_fails_fast_inside_a_memory_limited_worker() -> None:
    ((_, outcome),) = list(map_isolated(extract_file, [(str(OFFICE / "bombe.docx"), LIMIT)], workers=1, timeout=30, memory_mb=1024))
    assert outcome.error is not None and outcome.error.reason == "too-large"


def test_an_archive_of_too_many_entries_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "wordprocessingml.document.main")
        for i in range(20_001):
            archive.writestr(f"x/{i}", "")
    path = tmp_path / "entrees.docx"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(ExtractionError) as error:
        extract_file(str(path), LIMIT)
    assert error.value.reason == "too-large" and "entrées" in error.value.detail


def test_no_entry_name_reaches_the_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "wordprocessingml.document.main")
        archive.writestr("word/document.xml",
                         '<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>Texte sain</w:t></w:r></w:p></w:body></w:document>')
        archive.writestr("../../evasionzzz.txt", "hors du dossier")
    work = tmp_path / "work"
    work.mkdir()
    path = work / "piege.docx"
    path.write_bytes(buffer.getvalue())
    monkeypatch.chdir(work)
    assert extract_file(str(path), LIMIT).pages == ["Texte sain"]
    assert not list(tmp_path.rglob("evasionzzz*"))


# ---------------------------------------------------------------------------
# Real files from public test corpora
# ---------------------------------------------------------------------------

def _rows() -> list[dict[str, str]]:
    if not REALWORLD.is_dir():
        return []
    with (REALWORLD / "expected.tsv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


ROWS = _rows()
REASONS = {"password": {"encrypted"}, "images-only": {"no-text"}, "corrupt": {"corrupt", "wrong-type"},
           "bomb": {"corrupt", "too-large"}}


@pytest.mark.skipif(not ROWS, reason="../shared/realworld/office is absent")
@pytest.mark.parametrize("row", ROWS, ids=[row["file"] for row in ROWS])
def test_real_office_files_give_their_phrase_or_their_reason(row: dict[str, str]) -> None:
    legacy = row["file"].split("/")[0] in ("doc", "ppt", "xls")
    if legacy and "password" not in row["awkward"] and soffice() is None:
        with pytest.raises(ExtractionError, match="LibreOffice non installé"):
            extract_file(str(REALWORLD / row["file"]), LIMIT)
        return
    try:
        extracted = extract_file(str(REALWORLD / row["file"]), LIMIT)
    except ExtractionError as error:
        expected = set().union(*(REASONS.get(tag, set()) for tag in row["awkward"].split(",")))
        assert error.reason in expected, f"{error.reason}: {error.detail}"
        assert error.detail
        return
    if row["phrase"]:
        assert flat(row["phrase"]) in flat(" ".join(extracted.pages))
    else:
        assert row["has_text"] == "no" or "corrupt" in row["awkward"] or "bomb" in row["awkward"]


@pytest.mark.skipif(not ROWS or soffice() is None, reason="LibreOffice or ../shared/realworld/office is absent")
def test_legacy_files_convert_inside_a_memory_limited_worker() -> None:
    path = REALWORLD / "doc" / "poi__SampleDoc.doc"
    ((_, outcome),) = list(map_isolated(extract_file, [(str(path), LIMIT)], workers=1, timeout=120, memory_mb=2048))
    assert outcome.error is None, outcome.error
    assert "I am a test document" in flat(" ".join(outcome.value.pages))
