"""The query grammar of the README ("Query language"), pinned on the sample corpus.

Each row is a query and the set of documents it must return. Field terms are
checked against the documents' stored records (their sector, year, type,
title, organisation, territory, keywords, file name); what plain words match is taken from the
index, one word at a time (``(word)``: the word alone, without the plain-word
extras such as synonyms or near words), and each operator must combine those
sets as the README says.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from docsearch.config import Settings
from docsearch.index.backend import SearchRequest
from docsearch.index.update import update_index
from docsearch.search.service import DocumentView, SearchService
from docsearch.text import fold

SAMPLE_CORPUS = Path(__file__).parent.parent / "corpus"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    root = tmp_path_factory.mktemp("grammar")
    settings = Settings(corpus_dir=SAMPLE_CORPUS, index_dir=root / "index", instance_dir=root / "instance", workers=2)
    update_index(settings)
    return SearchService(settings)


def found(service: SearchService, q: str) -> set[str]:
    result = service.search(SearchRequest(q=q, per_page=100))
    assert result.total == len(result.hits) < 100, q  # every match is on the page
    assert result.note is None, (q, result.note)  # understood as typed, not rescued as plain words
    return {hit.relpath for hit in result.hits}


class Corpus:
    """The sample corpus's records and what single words match in it."""

    def __init__(self, service: SearchService) -> None:
        self.service = service
        self.docs: list[DocumentView] = service.all_documents()
        self.all = {d.relpath for d in self.docs}

    def w(self, word: str) -> set[str]:
        """Documents a single word matches (in its text, title, summary, organisation, territory,
        authors, keywords or file name)."""
        return found(self.service, f"({word})")

    def q(self, query: str) -> set[str]:
        return found(self.service, query)

    def where(self, keep: Callable[[DocumentView], bool]) -> set[str]:
        return {d.relpath for d in self.docs if keep(d)}


def has_word(text: str, word: str) -> bool:
    return re.search(rf"\b{word}", fold(text)) is not None


def sector(code: str) -> Callable[[DocumentView], bool]:
    return lambda d: code in {s.code for s in d.sectors}


def year(low: int, high: int) -> Callable[[DocumentView], bool]:
    return lambda d: d.year is not None and low <= d.year <= high


# query -> expected set, from the corpus's records and single-word sets.
GRAMMAR: list[tuple[str, Callable[[Corpus], set[str]]]] = [
    # Plain words: any of them matches (and is ranked).
    ("économie sociale", lambda c: c.w("économie") | c.w("sociale")),
    # Phrases: the words together, so never more than all the words.
    ('"finance solidaire"', lambda c: {"finance-solidaire/2010/fiche-secteur-finance-solidaire.pdf",
                                       "finance-solidaire/2011/guide-outils-finance-solidaire.pdf",
                                       "web/epargne-solidaire-comment-ca-marche.html"}),
    ('"finance solidaire" OR "commerce équitable"', lambda c: c.q('"finance solidaire"') | c.q('"commerce équitable"')),
    ('"finance solidaire" NOT fonds', lambda c: c.q('"finance solidaire"') - c.w("fonds")),
    # AND/ET joins the whole of each side.
    ("économie sociale AND habitat", lambda c: (c.w("économie") | c.w("sociale")) & c.w("habitat")),
    ("économie sociale ET habitat", lambda c: (c.w("économie") | c.w("sociale")) & c.w("habitat")),
    ("caen AND habitat", lambda c: c.w("caen") & c.w("habitat")),
    # OR/OU joins whole sides too.
    ("vélo OR habitat", lambda c: c.w("vélo") | c.w("habitat")),
    ("vélo OU habitat participatif", lambda c: c.w("vélo") | c.w("habitat") | c.w("participatif")),
    # AND binds tighter than OR, wherever it stands.
    ("compostage OR habitat AND caen", lambda c: c.w("compostage") | (c.w("habitat") & c.w("caen"))),
    ("habitat AND caen OR compostage", lambda c: (c.w("habitat") & c.w("caen")) | c.w("compostage")),
    # NOT/SAUF/NON/-word exclude from the whole run of words they stand in.
    ("économie sociale NOT habitat", lambda c: (c.w("économie") | c.w("sociale")) - c.w("habitat")),
    ("économie sociale SAUF habitat", lambda c: (c.w("économie") | c.w("sociale")) - c.w("habitat")),
    ("économie sociale NON habitat", lambda c: (c.w("économie") | c.w("sociale")) - c.w("habitat")),
    ("économie sociale -habitat", lambda c: (c.w("économie") | c.w("sociale")) - c.w("habitat")),
    ("SAUF habitat économie", lambda c: c.w("économie") - c.w("habitat")),
    ("NOT habitat", lambda c: c.all - c.w("habitat")),
    ("-habitat", lambda c: c.all - c.w("habitat")),
    ("vélo NOT habitat AND normandie", lambda c: (c.w("vélo") - c.w("habitat")) & c.w("normandie")),
    # +word is required, the other words of its run only rank.
    ("+habitat vélo", lambda c: c.w("habitat")),
    ("+habitat +participatif", lambda c: c.w("habitat") & c.w("participatif")),
    # Parentheses group.
    ("(économie OR vélo) AND (habitat OR compostage)",
     lambda c: (c.w("économie") | c.w("vélo")) & (c.w("habitat") | c.w("compostage"))),
    ("compostage (habitat AND caen)", lambda c: c.w("compostage") | (c.w("habitat") & c.w("caen"))),
    ("NOT (habitat OR vélo)", lambda c: c.all - c.w("habitat") - c.w("vélo")),
    # Fields: alone they list what they select; beside plain words they restrict them.
    ("titre:rapport", lambda c: c.where(lambda d: has_word(d.title, "rapport"))),
    ("titre:rapport insertion", lambda c: c.where(lambda d: has_word(d.title, "rapport")) & c.w("insertion")),
    ("secteur:insertion", lambda c: c.where(sector("iae"))),
    ("secteur:iae", lambda c: c.where(sector("iae"))),
    ('secteur:"commerce équitable"', lambda c: c.where(sector("commerce-equitable"))),
    ("secteur:habitat coopérative", lambda c: c.where(sector("habitat")) & c.w("coopérative")),
    ("annee:2012", lambda c: c.where(year(2012, 2012))),
    ("annee:[2005 TO 2010]", lambda c: c.where(year(2005, 2010))),
    ("annee:>2015", lambda c: c.where(year(2016, 9999))),
    ("secteur:insertion annee:>2015", lambda c: c.where(lambda d: sector("iae")(d) and year(2016, 9999)(d))),
    ("annee:[2016 TO 2020] type:rapport-activite insertion",
     lambda c: c.where(lambda d: year(2016, 2020)(d) and d.type.code == "rapport-activite") & c.w("insertion")),
    ("type:etude", lambda c: c.where(lambda d: d.type.code == "etude")),
    ("type:etude normandie", lambda c: c.where(lambda d: d.type.code == "etude") & c.w("normandie")),
    ("territoire:normandie", lambda c: c.where(lambda d: has_word(d.territory, "normandie"))),
    ("organisme:cress", lambda c: c.where(lambda d: has_word(d.organisation, "cress"))),
    ("organisme:cress -territoire:normandie",
     lambda c: c.where(lambda d: has_word(d.organisation, "cress") and not has_word(d.territory, "normandie"))),
    ("secteur:sport OR secteur:habitat", lambda c: c.where(lambda d: sector("sport")(d) or sector("habitat")(d))),
    ("solidaire SAUF secteur:mobilite", lambda c: c.w("solidaire") - c.where(sector("mobilite"))),
    ("secteur:mobilite AND vélo OR compostage",
     lambda c: (c.where(sector("mobilite")) & c.w("vélo")) | c.w("compostage")),
    # Keywords (a synonym of the thesaurus stands for its term) and the words of the file name.
    ("motcle:IAE", lambda c: c.where(lambda d: "insertion par l'activité économique" in d.keywords)),
    ('motcle:"circuits courts"', lambda c: c.where(lambda d: "circuits courts" in d.keywords)),
    ("motcle:IAE annee:>2015",
     lambda c: c.where(lambda d: "insertion par l'activité économique" in d.keywords and year(2016, 9999)(d))),
    ("fichier:plaquette", lambda c: c.where(lambda d: has_word(d.relpath.rsplit("/", 1)[-1], "plaquette"))),
    # Prefixes: every word of the index that starts so.
    ("coopérat*", lambda c: c.w("coopérative") | c.w("coopération") | c.w("coopérateurs")),
    ("secteur:habitat coopérat*", lambda c: c.where(sector("habitat")) & (c.w("coopérative") | c.w("coopération"))),
]


@pytest.fixture(scope="module")
def corpus(service: SearchService) -> Corpus:
    return Corpus(service)


@pytest.mark.parametrize(("query", "expected"), GRAMMAR, ids=[q for q, _ in GRAMMAR])
def test_query_returns_what_it_says(corpus: Corpus, query: str, expected: Callable[[Corpus], set[str]]) -> None:
    want = expected(corpus)
    assert want, f"{query}: the row must select something to mean anything"
    assert want != corpus.all, f"{query}: the row must leave something out to mean anything"
    assert found(corpus.service, query) == want


def test_a_phrase_is_narrower_than_its_words(corpus: Corpus) -> None:
    assert found(corpus.service, '"finance solidaire"') < corpus.w("finance") & corpus.w("solidaire")


def test_the_three_cases_of_the_issue(corpus: Corpus) -> None:
    # Excluded words stay out wherever the operator stands.
    assert not found(corpus.service, "économie sociale SAUF habitat") & corpus.w("habitat")
    # Both sides of AND, whole: the two habitat documents that speak of the social economy.
    assert found(corpus.service, "économie sociale AND habitat") == {
        "habitat/2018/etude-habitat-participatif-normandie-2018.pdf", "web/cooperative-habitants-caen.html"}
    # Field terms filter: only activity reports of 2016-2020 that speak of insertion, never a plaquette.
    result = corpus.service.search(SearchRequest(q="annee:[2016 TO 2020] type:rapport-activite insertion"))
    assert result.total == 3 and {h.type.code for h in result.hits} == {"rapport-activite"}
    assert all(2016 <= (h.year or 0) <= 2020 for h in result.hits)
    assert found(corpus.service, "secteur:insertion annee:>2015") == {
        "iae/2017/les-ailes-solidaires-plaquette.pdf", "iae/2017/jardins-de-la-risle-rapport-activite-2017.pdf"}


def test_field_terms_rank_by_the_plain_words(corpus: Corpus) -> None:
    # The filter selects; the plain words still order what it selects.
    hits = corpus.service.search(SearchRequest(q="type:rapport-activite épicerie")).hits
    assert hits and hits[0].relpath == "a-trier/document-sans-titre.pdf"  # "Épicerie solidaire du Havre — Rapport…"


@pytest.mark.parametrize("q", [">a", "(>a)", "x (>a)", "(<= b)", "annee:(>2010)", "insertion (>= 2015)"])
def test_a_comparison_sign_without_a_field_is_told_never_a_crash(service: SearchService, caplog, q: str) -> None:
    # Whoosh's own reading raised IndexError here (the sign opens a group) and the service's
    # catch-all retry had to save the search; now it is a syntax the visitor is told about.
    from tests.conftest import retried_searches

    caplog.clear()
    result = service.search(SearchRequest(q=q))
    assert retried_searches(caplog) == [], q
    assert result.note is not None and ("syntaxe" in result.note or "Aucun mot" in result.note), (q, result.note)
