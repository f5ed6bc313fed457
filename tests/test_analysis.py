"""French matching: what a visitor types finds the forms the documents use."""

import pytest
from whoosh.filedb.filestore import RamStorage

from docsearch.catalogue.vocabulary import load_vocabulary
from docsearch.config import Settings
from docsearch.index.analysis import analyze
from docsearch.index.engine.query import QueryParser
from docsearch.index.store import make_schema

DOCUMENTS = {
    "eco": "Le développement de l'Économie sociale dans la région.",
    "coop": "Une coopérative d’habitants a vu le jour.",
    "insertion": "Les chantiers d'insertion accueillent des salariés.",
    "activites": "Nos activités de l'année écoulée.",
    "oeuvre": "La mise en œuvre du programme.",
}


@pytest.fixture(scope="module")
def searcher():
    ix = RamStorage().create_index(make_schema())
    with ix.writer() as writer:
        for doc_id, text in DOCUMENTS.items():
            writer.add_document(id=doc_id, kind="doc", doc_id=doc_id, content=text, words=text)
    with ix.searcher() as s:
        yield s


@pytest.fixture(scope="module")
def parser():
    return QueryParser(make_schema(), load_vocabulary(Settings().vocabulary_file))


@pytest.mark.parametrize(
    ("query", "doc_id"),
    [
        ("economie", "eco"),  # no accents finds Économie
        ("ÉCONOMIE", "eco"),
        ("l'économie", "eco"),  # elision
        ("cooperatives", "coop"),  # plural, no accents
        ("coopérative", "coop"),
        ("l'insertion", "insertion"),
        ("insertion", "insertion"),
        ("d’insertion", "insertion"),  # typographic apostrophe
        ("activites", "activites"),  # folded before stemming
        ("activité", "activites"),
        ("oeuvre", "oeuvre"),  # œ ligature
        ("coopérat*", "coop"),  # prefix longer than the stem
        ("econ*", "eco"),
        ("co*ve", "coop"),  # wildcard inside a word
        ("Qui a créé une coopérative?", "coop"),  # "?" ends a question, it is no wildcard
    ],
)
def test_query_finds_french_forms(searcher, parser, query: str, doc_id: str) -> None:
    parsed = parser.parse(query, searcher.reader())
    found = {hit["doc_id"] for hit in searcher.search(parsed.query)}
    assert doc_id in found


def test_stop_words_and_elided_articles_are_not_indexed() -> None:
    assert analyze("les économies de l'association et cette année a été") == ["econom", "associ", "anne"]


def test_query_of_only_stop_words_is_explained(searcher, parser) -> None:
    parsed = parser.parse("les la de", searcher.reader())
    assert parsed.note and "mots trop courants" in parsed.note
