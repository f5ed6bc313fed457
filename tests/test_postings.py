"""The one-pass postings are exactly what Whoosh's own analysis of each field gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from whoosh.fields import TEXT

from docsearch.extraction import extract_file
from docsearch.index.postings import document_terms
from docsearch.index.store import make_schema

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

PAGES = [
    "L'économie sociale et solidaire (ESS) : qu'est-ce que c'est ? Les coopératives d'habitants.",
    "",
    "   ",
    "et de la le",  # only stop words
    "Haute-Normandie, Île-de-France — 2024 ; 中文字符 ; ﬁnance ; œuvre ; x y z.",
    "Le réemploi des déchets dans les ressourceries jusqu'à l'été",
]


def whoosh_postings(field: TEXT, text: str) -> list[tuple[bytes, int, float, bytes]]:
    return sorted(TEXT.index(field, text))


def check(pages: list[str], title: str | None) -> None:
    schema = make_schema()
    terms = document_terms(pages, title, schema["content"].format)
    whole = "\n\n".join(([title] if title is not None else []) + pages)
    assert str(terms.content) == whole
    assert sorted(terms.content.postings) == whoosh_postings(schema["content"], whole)
    assert sorted(terms.words.postings) == whoosh_postings(schema["words"], whole)
    for page, analysed in zip(pages, terms.pages):
        if not page:
            assert analysed is None
        else:
            assert sorted(analysed.postings) == whoosh_postings(schema["page_text"], page)


@pytest.mark.parametrize("title", [None, "Le guide de l'ESS", "de la"])
def test_tricky_pages_give_the_analyzers_postings(title: str | None) -> None:
    check(PAGES, title)


def test_sample_corpus_documents_give_the_analyzers_postings() -> None:
    files = sorted(p for p in CORPUS.rglob("*") if p.suffix in {".pdf", ".html"})[:12]
    assert files
    for path in files:
        extracted = extract_file(str(path), 50 * 1024 * 1024)
        check(extracted.pages, "Un titre donné par l'équipe")
        check(extracted.pages, None)
