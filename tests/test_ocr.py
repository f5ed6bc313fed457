"""Scanned pages and images become text (Tesseract through tesserocr), page by
page and only where needed; recognised pages are cached; without the models
scans are reported with the command that installs them."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from docsearch.errors import ExtractionError
from docsearch.extraction import extract_file
from docsearch.extraction.ocr import NOT_INSTALLED, OcrOptions, PageCache, available
from docsearch.extraction.words import looks_like_garbage
from docsearch.extraction.workers import map_isolated
from tests import slow_functions
from tests.conftest import DATA

REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld"
LIMIT = 50 * 1024 * 1024
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
LINES = ["La coopérative d'habitants rénove", "un immeuble avec ses sociétaires", "grâce à une épargne solidaire."]
needs_ocr = pytest.mark.skipif(not available(), reason="Tesseract (tesseract-ocr-fra, -eng) is not installed")


def flat(text: str) -> str:
    return " ".join(text.split())


def page_image(lines: list[str]) -> Image.Image:
    """An A4 page at 300 dpi with large black text."""
    image = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 64)
    for i, line in enumerate(lines):
        draw.text((250, 300 + i * 110), line, font=font, fill=0)
    return image


def save(image: Image.Image, path: Path, **options: object) -> Path:
    image.save(path, **options)
    return path


@needs_ocr
def test_an_image_turned_90_degrees_is_read_upright(tmp_path: Path) -> None:
    path = save(page_image(LINES).rotate(90, expand=True), tmp_path / "scan.png")
    doc = extract_file(str(path), LIMIT)
    assert doc.format == "png" and doc.ocr_pages == [1] and doc.ocr_language == "fra+eng"
    text = flat(doc.pages[0])
    assert "coopérative d'habitants" in text and "épargne solidaire" in text


@needs_ocr
def test_every_frame_of_a_tiff_is_a_page(tmp_path: Path) -> None:
    first, second = page_image(LINES[:1]), page_image(["Deuxième feuillet du registre des délibérations"])
    path = tmp_path / "registre.tif"
    first.save(path, save_all=True, append_images=[second], compression="tiff_deflate")
    doc = extract_file(str(path), LIMIT)
    assert len(doc.pages) == 2 and doc.ocr_pages == [1, 2]
    assert "coopérative" in doc.pages[0] and "délibérations" in doc.pages[1]


@needs_ocr
def test_scanned_pdf_pages_are_recognised_and_cached(tmp_path: Path) -> None:
    pdf = tmp_path / "scan.pdf"
    page_image(LINES).save(pdf, save_all=True, append_images=[page_image(["Seconde page du procès-verbal"])], resolution=300)
    options = OcrOptions(cache_dir=str(tmp_path / "ocr"))
    doc = extract_file(str(pdf), LIMIT, options)
    assert doc.ocr_pages == [1, 2] and "procès-verbal" in doc.pages[1]
    # The second time the text comes from the page cache: a planted entry shows it.
    import hashlib

    sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
    PageCache(options.cache_dir).put(sha, 1, "fra+eng", "texte venu du cache")
    again = extract_file(str(pdf), LIMIT, options)
    assert again.pages[1] == "texte venu du cache" and "épargne solidaire" in flat(again.pages[0])
    # Another language is another recognition.
    assert PageCache(options.cache_dir).get(sha, 1, "fra") is None


def test_without_the_models_scans_are_reported_with_the_fix(tmp_path: Path) -> None:
    options = OcrOptions(language="zzz")  # no such model installed
    pdf = tmp_path / "scan.pdf"
    page_image(LINES).save(pdf, resolution=300)
    png = save(page_image(LINES), tmp_path / "scan.png")
    for path in (pdf, png):
        with pytest.raises(ExtractionError) as error:
            extract_file(str(path), LIMIT, options)
        assert error.value.reason == "image-only" and NOT_INSTALLED in error.value.detail


def test_a_born_digital_pdf_is_not_recognised() -> None:
    doc = extract_file(str(DATA / "good-report.pdf"), LIMIT, OcrOptions())
    assert doc.ocr_pages == [] and doc.ocr_language == ""


def test_garbled_text_is_told_from_words() -> None:
    assert looks_like_garbage("$335(17,66$*(6$&7,211$%/(6 GHVRQWHPSVDSSRUWHQW YDOHXUHQWDQWTXH0DQDJHU VHPDLQHUÜXVVLH "
                              "3OXVGHWHPSVSDVVÜQŖLPSOLTXHSDV IRUFÜPHQWSOXVGHYDOHXU 6DYRLUGLUHQRQ 2SWLPLVDWLRQGXWHPSV")
    assert not looks_like_garbage("Les coopératives d'activité et d'emploi accompagnent les entrepreneurs salariés "
                                  "dans leur projet, with some English words and a few proper names like Caen.")
    assert not looks_like_garbage("Постановление администрации города о порядке предоставления субсидий "
                                  "социально ориентированным некоммерческим организациям")


def test_a_long_task_asking_time_per_step_outlives_the_file_timeout() -> None:
    ((_, outcome),) = list(map_isolated(slow_functions.sleep_in_steps, [(3, 1.5)], workers=1, timeout=2))
    assert outcome.error is None and outcome.value == "done"
    ((_, killed),) = list(map_isolated(slow_functions.sleep_for, [(4,)], workers=1, timeout=2))
    assert killed.error is not None and killed.error.reason == "timeout"


@needs_ocr
@pytest.mark.skipif(not (REALWORLD / "fr").is_dir(), reason="../shared/realworld is absent")
@pytest.mark.parametrize(("relpath", "phrase", "pages"), [
    ("fr/pdf/anct__NUMA-workshop112020.pdf", "Gagner une demi-journée par semaine", [1, 2, 3, 4]),  # garbled font
    ("fr/pdf/recoop__ProcesVerbalAssembleeConsitutive.pdf", "société coopérative d'habitation", [1, 2, 3]),  # thin header
    ("fr/pdf/ocrmypdf__francais.pdf", "Portez ce vieux whisky au juge blond", [1]),
    ("pdf/ocrmypdf__c02-22.pdf", "went tip-toeing along", [1]),
    ("pdf/ocrmypdf__ccitt.pdf", "LinnSequencer", [1]),
    ("pdf/ocrmypdf__jbig2.pdf", "LinnSequencer", [1]),
    ("pdf/ocrmypdf__hugemono.pdf", "very big image with a tiny amount of text", [1]),
])
def test_real_scans_become_findable(relpath: str, phrase: str, pages: list[int]) -> None:
    ((_, outcome),) = list(map_isolated(extract_file, [(str(REALWORLD / relpath), LIMIT, OcrOptions())],
                                        workers=1, timeout=60, memory_mb=2048))
    assert outcome.error is None, outcome.error
    assert phrase.lower() in flat(" ".join(outcome.value.pages)).lower()
    assert outcome.value.ocr_pages == pages


@needs_ocr
@pytest.mark.skipif(not (REALWORLD / "fr").is_dir(), reason="../shared/realworld is absent")
def test_thin_header_is_kept_above_the_recognised_body() -> None:
    doc = extract_file(str(REALWORLD / "fr/pdf/recoop__ProcesVerbalAssembleeConsitutive.pdf"), LIMIT, OcrOptions())
    first = flat(doc.pages[0])
    assert first.startswith("ProcesVerbalAssembleeConsitutive-Copy1") and "Assemblée" in first


def test_decompression_bomb_image_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000), 1).save(buffer, "PNG")
    path = tmp_path / "bombe.png"
    path.write_bytes(buffer.getvalue())
    if not available():
        pytest.skip("the refusal happens after the OCR check")
    with pytest.raises(ExtractionError) as error:
        extract_file(str(path), LIMIT)
    assert error.value.reason == "too-large"


@needs_ocr
def test_a_documents_language_picks_installed_models_only() -> None:
    from docsearch.extraction.ocr import tesseract_language

    assert tesseract_language("fr") == "fra" and tesseract_language(["anglais", "français"]) == "eng+fra"
    assert tesseract_language("klingon") == "fra+eng" and tesseract_language("") == "fra+eng"


def test_the_pages_to_recognise_are_known_before_recognising(tmp_path: Path) -> None:
    from docsearch.extraction.registry import ocr_workload

    pdf = tmp_path / "scan.pdf"
    page_image(LINES).save(pdf, save_all=True, append_images=[page_image(LINES)], resolution=300)
    assert ocr_workload(str(pdf), LIMIT) == 2
    assert ocr_workload(str(DATA / "good-report.pdf"), LIMIT) == 0
    assert ocr_workload(str(DATA / "office" / "rapport.docx"), LIMIT) == 0
