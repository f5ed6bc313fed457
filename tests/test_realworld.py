"""Real files nobody here wrote (../shared/realworld): every readable file is found by its phrase.

Skipped when the folder is absent. Files with a user password, and PDFs whose
phrase pypdf itself cannot extract (``verified_by`` without pypdf), are
expected to be reported rather than found.
"""

from __future__ import annotations

import csv
import re
from collections import Counter

import pytest

from docsearch.config import Settings
from docsearch.index.store import IndexStore
from docsearch.index.update import RunReport, update_index
from docsearch.search.service import SearchRequest, SearchService
from tests.conftest import REALWORLD

pytestmark = pytest.mark.skipif(not (REALWORLD / "expected.tsv").is_file(), reason="../shared/realworld is absent")


def expected_rows() -> list[dict[str, str]]:
    if not (REALWORLD / "expected.tsv").is_file():
        return []
    with open(REALWORLD / "expected.tsv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def readable(row: dict[str, str]) -> bool:
    if row["has_text"] != "yes" or row["password"] or not row["phrase"]:
        return False
    return row["kind"] == "html" or "pypdf" in row["verified_by"]


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunReport, SearchService]:
    settings = Settings(corpus_dir=REALWORLD, index_dir=tmp_path_factory.mktemp("realworld") / "index",
                        workers=2, extract_timeout=60)
    report = update_index(settings, rebuild=True)
    outcomes = Counter(reason for reason, _ in report.failed.values())
    outcomes["indexed"] = len(report.indexed)
    print(f"\nrealworld outcomes: {dict(sorted(outcomes.items()))} in {report.elapsed:.1f} s")
    return report, SearchService(settings)


def test_every_file_is_indexed_or_reported(indexed) -> None:
    report, _ = indexed
    files = {row["file"] for row in expected_rows()}
    # expected.tsv lists pdf/ and html/; fr/ and office/ have tests of their own.
    seen = {f for f in set(report.indexed) | set(report.failed) if f.split("/", 1)[0] in ("pdf", "html")}
    assert files == seen


@pytest.mark.parametrize("row", [r for r in expected_rows() if readable(r)], ids=lambda r: r["file"])
def test_phrase_finds_its_file(indexed, row: dict[str, str]) -> None:
    _, service = indexed
    phrase = re.sub(r'["\\]', " ", row["phrase"])
    result = service.search(SearchRequest(q=f'"{phrase}"', per_page=20))
    assert row["file"] in {hit.relpath for hit in result.hits}


def test_indexed_text_has_no_mojibake(indexed) -> None:
    _, service = indexed
    with IndexStore(service.settings.index_dir).open().searcher() as searcher:
        texts = [fields["page_text"] for fields in searcher.documents(kind="page")]
    assert len(texts) > 300
    for marker in ("Ã©", "Ã¨", "Ã\xa0", "â€™", "Ã§"):
        assert not [t[:80] for t in texts if marker in t]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("pdf/pdfminer__aes-128.pdf", "encrypted"),
        ("pdf/ocrmypdf__no_contents.pdf", "image-only"),  # blank: nothing to read, even by OCR
        ("pdf/pdfplumber__empty.pdf", "empty"),
        ("pdf/ocrmypdf__invalid.pdf", "corrupt"),
    ],
)
def test_unreadable_files_say_why(indexed, name: str, reason: str) -> None:
    report, _ = indexed
    assert report.failed[name][0] == reason
