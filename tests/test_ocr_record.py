"""A document whose pages were recognised says so, on its page and in its JSON;
staff run the recognition again in another language from the correction page."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from docsearch.catalogue.records import document_id
from docsearch.catalogue.staff import read_sidecar
from docsearch.config import Settings
from docsearch.extraction.ocr import available
from docsearch.index.update import update_index
from docsearch.staff.accounts import Accounts
from docsearch.web.app import create_app
from docsearch.web.formats import french_pages
from tests.conftest import html_page
from tests.test_ocr import page_image

PASSWORD = "un-mot-de-passe-solide"
needs_ocr = pytest.mark.skipif(not available("fra+eng") or not available("eng"),
                               reason="Tesseract (tesseract-ocr-fra, -eng) is not installed")
ENGLISH = ["The housing cooperative renovates", "a building with its members", "thanks to solidarity savings."]


def scanned_pdf(path: Path, pages: list[list[str]]) -> Path:
    first, *rest = [page_image(lines) for lines in pages]
    first.save(path, save_all=True, append_images=rest, resolution=300)
    return path


@pytest.fixture
def ocr_settings(tmp_path: Path, corpus: Path) -> Settings:
    scanned_pdf(corpus / "housing.pdf", [ENGLISH, ["Second page of the minutes"]])
    (corpus / "festival.html").write_bytes(html_page("Festival solidaire", "L'économie sociale fait son festival."))
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", instance_dir=tmp_path / "instance", workers=2)
    update_index(settings)
    Accounts(settings.instance_dir).add("marie", PASSWORD)
    return settings


def signed_in(settings: Settings) -> TestClient:
    client = TestClient(create_app(settings))
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/gestion/connexion").text).group(1)
    answer = client.post("/gestion/connexion", data={"nom": "marie", "mot_de_passe": PASSWORD, "csrf": token},
                         follow_redirects=False)
    assert answer.status_code == 303
    return client


def test_page_lists_are_said_in_french() -> None:
    assert french_pages([3]) == "page 3"
    assert french_pages([1, 2, 3, 5]) == "pages 1 à 3 et 5"
    assert french_pages([2, 1]) == "pages 1 et 2"


@needs_ocr
def test_recognised_pages_are_shown_and_recognised_again_in_another_language(ocr_settings: Settings) -> None:
    doc_id = document_id("housing.pdf")
    visitor = TestClient(create_app(ocr_settings))
    page = visitor.get(f"/documents/{doc_id}").text
    assert "Texte reconnu automatiquement (OCR), pages 1 et 2 (français et anglais)" in page
    twin = visitor.get(f"/documents/{doc_id}.json").json()["document"]
    assert twin["ocr_pages"] == [1, 2] and twin["ocr_language"] == "fra+eng"
    born_digital = visitor.get(f"/documents/{document_id('festival.html')}.json").json()["document"]
    assert born_digital["ocr_pages"] == [] and "reconnu automatiquement" not in visitor.get(
        f"/documents/{document_id('festival.html')}").text
    assert visitor.get("/search.json", params={"q": "cooperative renovates"}).json()["total"] == 1

    staff = signed_in(ocr_settings)
    edit = staff.get(f"/gestion/documents/{doc_id}/modifier").text
    assert "Relancer la reconnaissance" in edit and '<option value="eng">anglais</option>' in edit
    token = re.search(r'name="csrf" value="([^"]+)"', edit).group(1)
    # Without the token, or with a language that is not installed, nothing changes.
    assert staff.post(f"/gestion/documents/{doc_id}/reconnaitre", data={"langue": "eng"}).status_code == 403
    refused = staff.post(f"/gestion/documents/{doc_id}/reconnaitre", data={"langue": "klingon", "csrf": token})
    assert refused.status_code == 400 and "Langue inconnue" in refused.text
    answer = staff.post(f"/gestion/documents/{doc_id}/reconnaitre", data={"langue": "eng", "csrf": token},
                        follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].endswith(f"/documents/{doc_id}")
    sidecar = ocr_settings.corpus_dir / "housing.pdf.meta.toml"
    assert tomllib.loads(sidecar.read_text())["langue"] == "eng"
    twin = visitor.get(f"/documents/{doc_id}.json").json()["document"]
    assert twin["ocr_pages"] == [1, 2] and twin["ocr_language"] == "eng"
    assert "(anglais)" in visitor.get(f"/documents/{doc_id}").text
    assert visitor.get("/search.json", params={"q": "solidarity savings"}).json()["total"] == 1

    # Correcting the notice afterwards keeps the language chosen for recognition.
    edit = staff.get(f"/gestion/documents/{doc_id}/modifier").text
    token = re.search(r'name="csrf" value="([^"]+)"', edit).group(1)
    staff.post(f"/gestion/documents/{doc_id}/modifier", data={
        "csrf": token, "titre": "Housing cooperative", "secteurs": "habitat", "type": "rapport", "annee": "2020"})
    assert read_sidecar(sidecar)[0].language == "eng"
    assert visitor.get(f"/documents/{doc_id}.json").json()["document"]["ocr_language"] == "eng"
    # A rebuild keeps it too.
    update_index(ocr_settings, rebuild=True)
    assert visitor.get(f"/documents/{doc_id}.json").json()["document"]["ocr_language"] == "eng"


@needs_ocr
def test_the_sidecar_language_is_read_in_french_words(tmp_path: Path, corpus: Path) -> None:
    scanned_pdf(corpus / "minutes.pdf", [ENGLISH])
    (corpus / "minutes.pdf.meta.toml").write_text('langue = "anglais"\n', encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", instance_dir=tmp_path / "instance", workers=1)
    update_index(settings)
    twin = TestClient(create_app(settings)).get(f"/documents/{document_id('minutes.pdf')}.json").json()["document"]
    assert twin["ocr_language"] == "eng" and twin["ocr_pages"] == [1]


class Recorder:
    """A progress that keeps what it was told, in order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    def start(self, total: int) -> None:
        self.events.append(("start", total))

    def advance(self, relpath: str) -> None:
        self.events.append(("file", relpath))

    def recognising(self, pages: int) -> None:
        self.events.append(("recognising", pages))

    def recognised(self, pages: int) -> None:
        self.events.append(("recognised", pages))


@needs_ocr
def test_born_digital_files_are_read_before_the_scans_and_progress_counts_pages(tmp_path: Path, corpus: Path) -> None:
    # The scans sort first by name and are given to the workers first by the scan of the folder.
    scanned_pdf(corpus / "a-scan.pdf", [ENGLISH, ["Second page of the minutes"]])
    page_image(ENGLISH[:1]).save(corpus / "b-photo.png")
    for i in range(4):
        (corpus / f"page-{i}.html").write_bytes(html_page(f"Page {i}", "L'économie sociale et solidaire."))
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", instance_dir=tmp_path / "instance", workers=1)
    progress = Recorder()
    report = update_index(settings, progress=progress)
    files = [value for kind, value in progress.events if kind == "file"]
    assert sorted(files[:4]) == [f"page-{i}.html" for i in range(4)] and sorted(files[4:]) == ["a-scan.pdf", "b-photo.png"]
    kinds = [kind for kind, _ in progress.events]
    assert progress.events[kinds.index("recognising")] == ("recognising", 3)
    assert kinds.index("recognising") == 5  # after start and the four born-digital files
    assert sum(value for kind, value in progress.events if kind == "recognised") == 3  # type: ignore[misc]
    assert report.recognised_pages == 3 and report.ocr_seconds > 0 and not report.failed
    # The pages recognised are cached: a rebuild reads nothing again and recognises nothing.
    again = Recorder()
    update_index(settings, rebuild=True, progress=again)
    assert "recognising" not in [kind for kind, _ in again.events]


def test_the_progress_line_tells_pages_rate_and_time_left() -> None:
    from docsearch.cli import OcrProgress

    progress = OcrProgress(total=40, started=100.0, done=10)
    assert progress.line(120.0) == "10/40 pages, 0.50 pages/s, 1 min 00 s left"
    assert OcrProgress(total=5, started=100.0).line(100.0) == "0/5 pages, 0.00 pages/s"


def test_without_the_ocr_models_a_scan_is_listed_with_the_reason_in_french(tmp_path: Path, corpus: Path) -> None:
    scanned_pdf(corpus / "scan.pdf", [ENGLISH])
    (corpus / "festival.html").write_bytes(html_page("Festival solidaire", "L'économie sociale fait son festival."))
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", instance_dir=tmp_path / "instance",
                        workers=1, ocr_language="zzz")  # a model no machine has: as if tesseract were missing
    report = update_index(settings)
    reason, detail = report.failed["scan.pdf"]
    assert reason == "image-only" and "OCR non installé (apt-get install tesseract-ocr-fra)" in detail
    Accounts(settings.instance_dir).add("marie", PASSWORD)
    page = signed_in(settings).get("/gestion/attention").text
    assert "scan.pdf" in page and "image sans texte (document scanné)" in page and "OCR non installé" in page
    from click.testing import CliRunner

    from docsearch.cli import cli

    out = CliRunner().invoke(cli, ["--corpus", str(corpus), "--index", str(settings.index_dir),
                                   "--instance", str(settings.instance_dir), "stats"]).output
    assert "scan.pdf" in out and "OCR non installé" in out
