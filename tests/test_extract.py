"""Extraction from real sample files (tests/data): text per page, metadata, and clear refusals."""

from __future__ import annotations

import pytest

from docsearch.errors import ExtractionError
from docsearch.extraction import extract_file
from tests.conftest import DATA

LIMIT = 50 * 1024 * 1024


def extract(name: str):
    return extract_file(str(DATA / name), LIMIT)


def test_pdf_text_keeps_page_boundaries() -> None:
    doc = extract("good-report.pdf")
    assert len(doc.pages) == 3
    assert "Rapport d'activité 2011" in doc.pages[0]
    assert "compostage" in doc.pages[2] and "compostage" not in doc.pages[0] + doc.pages[1]


def test_pdf_text_is_normalised() -> None:
    page = extract("good-report.pdf").pages[1]
    assert "économie" in page and "éco-" not in page  # hyphenated word rejoined
    assert "financement" in page and "ﬁ" not in page  # ligature expanded


def test_pdf_embedded_metadata() -> None:
    meta = extract("good-report.pdf").meta
    assert meta["title"] == "Rapport d'activité 2011"
    assert meta["keywords"] == "ressourcerie, réemploi"
    assert meta["date"] == "2011-06-30"


def test_owner_password_only_pdf_opens() -> None:
    assert "chantier d'insertion" in extract("owner-only.pdf").pages[0]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("user-password.pdf", "encrypted"),
        ("truncated.pdf", "corrupt"),
        ("image-only.pdf", "image-only"),
        ("not-a-pdf.pdf", "wrong-type"),
        ("empty.pdf", "empty"),
    ],
)
def test_unreadable_pdfs_say_why(name: str, reason: str) -> None:
    with pytest.raises(ExtractionError) as error:
        extract(name)
    assert error.value.reason == reason and error.value.detail


def test_too_large_file_is_refused_before_reading() -> None:
    with pytest.raises(ExtractionError) as error:
        extract_file(str(DATA / "good-report.pdf"), 1000)
    assert error.value.reason == "too-large"


def test_latin1_page_with_its_declaration() -> None:
    doc = extract("latin1.html")
    text = doc.pages[0]
    assert "économie" in text and "coopérative" in text and "Délégation" in text
    assert "Accueil" not in text and "Mentions légales" not in text  # nav and footer dropped


def test_undeclared_windows_1252_is_detected() -> None:
    text = extract("undeclared-cp1252.html").pages[0]
    assert "économie solidaire" in text and "’" in text and "cœur" in text and "€" in text
    assert "Ã" not in text


@pytest.mark.parametrize("label", ["iso-8859-1", "ISO-8859-1", "latin1", "l1", "iso_8859-1", "csisolatin1",
                                   "us-ascii", "x-cp1252", "windows-1252"])
def test_latin1_labels_are_read_as_windows_1252_like_browsers(tmp_path, label: str) -> None:
    # Pages labelled Latin-1 hold Windows-1252: true Latin-1 would turn ’ and € into control characters.
    page = tmp_path / "page.html"
    page.write_bytes((DATA / "labelled-latin1-cp1252.html").read_bytes().replace(b"iso-8859-1", label.encode()))
    doc = extract_file(str(page), LIMIT)
    assert doc.meta["title"] == "L’épicerie solidaire de Lisieux"
    assert "coûte 3 € aux adhérents, et l’adhésion 5 €" in doc.pages[0]


def test_byte_order_mark_wins_over_a_wrong_declaration() -> None:
    assert "Économie sociale et solidaire à Caen" in extract("utf8-bom.html").pages[0]


def test_boilerplate_is_removed_and_metadata_read() -> None:
    doc = extract("boilerplate.html")
    text = doc.pages[0]
    assert "paniers" in text.lower() or "panier" in text
    for marker in ("entetezzz", "navigationzzz", "asidezzz", "formulairezzz", "noscriptzzz", "piedzzz", "scriptzzz", "stylezzz"):
        assert marker not in text
    assert doc.meta["title"] == "Les AMAP en Normandie | Portail ESS"
    assert doc.meta["date"].startswith("2019-05-14")
    assert "AMAP" in doc.meta["keywords"]


def test_markup_written_as_text_stays_text() -> None:
    doc = extract("script-title.html")
    assert doc.meta["title"] == "<script>alert('x')</script> Titre piégé"
    assert "la balise <b> avant le mot" in doc.pages[0]


def test_only_web_addresses_become_the_page_address(tmp_path) -> None:
    page = tmp_path / "p.html"
    page.write_text('<html><head><title>Page piégée</title><link rel="canonical" href="javascript:alert(1)"></head>'
                    "<body><p>Un texte assez long pour être lu comme le contenu de la page.</p></body></html>")
    assert "url" not in extract_file(str(page), LIMIT).meta
