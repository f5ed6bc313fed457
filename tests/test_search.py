"""The search service: hits, snippets, page numbers, facets over all matches, filters, queries."""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import pytest

from docsearch.config import Settings
from docsearch.errors import QueryError
from docsearch.index.update import update_index
from docsearch.search.service import SearchRequest, SearchResult, SearchService
from tests.conftest import (
    LONG_NOTE,
    SYNTAX_NOTE,
    copy_sample,
    html_page,
    retried_searches,
)

SECTORS = ["culture", "sport", "habitat"]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    """25 web pages over three sectors and five years, and a three-page PDF."""
    root = tmp_path_factory.mktemp("search")
    corpus = root / "corpus"
    for n in range(25):
        sector, year = SECTORS[n % 3], 2010 + n % 5
        page = corpus / sector / str(year) / f"page-{n:02d}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        body = f"Numéro {n}. Une coopérative d'habitants et l'économie sociale du territoire."
        if n % 5 == 0:
            body += " En Haute-Normandie."
        if n == 7:
            body += " <script>alert('x')</script> et &lt;b&gt;gras&lt;/b&gt; écrit en texte."
        page.write_bytes(html_page(f"Page {n:02d}", body))
    copy_sample(corpus, "good-report.pdf", "environnement/2011/good-report.pdf")
    settings = Settings(corpus_dir=corpus, index_dir=root / "index", workers=2)
    update_index(settings)
    return SearchService(settings)


def search(service: SearchService, **kwargs) -> object:
    return service.search(SearchRequest(**kwargs))


def test_total_and_facet_counts_cover_all_matches_not_just_the_page(service) -> None:
    result = search(service, q="coopérative", per_page=5)
    assert result.total == 25 and len(result.hits) == 5 and result.page_count == 5
    assert sum(v.count for v in result.facets["sectors"]) == 25
    assert sum(v.count for v in result.facets["years"]) == 25
    assert {v.value: v.count for v in result.facets["sectors"]} == {"culture": 9, "sport": 8, "habitat": 8}


def test_sector_filter_is_or_within_the_facet_and_keeps_other_values_countable(service) -> None:
    result = search(service, q="coopérative", sectors=("culture", "sport"))
    assert result.total == 17
    counts = {v.value: (v.count, v.selected) for v in result.facets["sectors"]}
    assert counts == {"culture": (9, True), "sport": (8, True), "habitat": (8, False)}
    assert sum(v.count for v in result.facets["years"]) == 17  # other facets follow the filter


def test_filters_combine_across_facets(service) -> None:
    result = search(service, q="coopérative", sectors=("culture",), year=2010, per_page=50)
    assert {h.year for h in result.hits} == {2010}
    assert {s.code for h in result.hits for s in h.sectors} == {"culture"}
    assert result.total == len(result.hits) == 2


def test_year_range_and_sort_by_date(service) -> None:
    result = search(service, q="coopérative", year_from=2013, year_to=2012, sort="date", per_page=50)
    years = [h.year for h in result.hits]
    assert set(years) == {2012, 2013} and years == sorted(years, reverse=True)


def test_pagination_walks_through_every_hit_once(service) -> None:
    seen = [h.id for page in range(1, 6) for h in search(service, q="coopérative", per_page=5, page=page).hits]
    assert len(seen) == len(set(seen)) == 25
    # Past the last page: the last page, saying so (not an empty "page 9 sur 5").
    past = search(service, q="coopérative", per_page=5, page=9)
    assert past.page == past.page_count == 5 and [h.id for h in past.hits] == seen[20:]
    assert past.note == "La page 9 n'existe pas : voici la dernière page (5)."


def test_snippets_mark_the_words_and_escape_the_document_text(service) -> None:
    hit = next(h for h in search(service, q="gras", per_page=50).hits if h.title == "Page 07")
    html = " ".join(s.html for s in hit.snippets)
    assert "<mark" in html and "gras</mark>" in html
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;b&gt;" in html


def test_page_numbers_point_where_the_words_are(service) -> None:
    hit = search(service, q="compostage").hits[0]
    assert hit.relpath.endswith("good-report.pdf") and hit.pages == [3]
    assert hit.snippets[0].page == 3 and "compostage</mark>" in hit.snippets[0].html.lower()


def test_browsing_without_words_lists_everything_newest_first(service) -> None:
    result = search(service, per_page=50)
    assert result.total == 26 and result.sort == "date"
    years = [h.year for h in result.hits]
    assert years == sorted(years, reverse=True)


@pytest.fixture(scope="module")
def uncached(service) -> SearchService:
    """A service of its own: every request of the test really goes through the engine.

    Its deadline is generous: on a loaded machine a query could reach the
    default 3 s and get the time note instead of the one the test expects
    (the deadline has tests of its own in test_reliability_web.py)."""
    return SearchService(dataclasses.replace(service.settings, search_timeout=120.0))


@pytest.mark.parametrize(
    ("query", "note"),
    [('"coopérative d\'habitants', None), ("(((", None), ("titre:", None), ("annee:abc", SYNTAX_NOTE), ("AND OR", None),
     ("secteur:", None), ("*", None), ("~~~", None), ("a" * 10_000, LONG_NOTE), ("\x00\x01", None),
     ("coopérative NOT", None), ("[2010 TO", None), ("annee:[abc TO def]", SYNTAX_NOTE), ("^3", None),
     ("titre:(", None), (")))", None), ("Combien de coopératives?", None), ("coop?rative", None), ("co*ve", None),
     ("*tive", None), ("titre:coop*", None), ("annee:20*", None), ("secteur:sp*", None)],
    ids=lambda value: repr(value)[:24],
)
def test_malformed_queries_never_raise(uncached, caplog, query: str, note: str | None) -> None:
    result = search(uncached, q=query)
    assert result.note == note  # what the visitor is told about the query
    assert retried_searches(caplog) == []  # understood by the parser, not rescued by the catch-all
    assert 0 <= result.total <= 26 and len(result.hits) == min(10, result.total)


def test_unparsable_query_is_searched_as_words_with_a_note(service) -> None:
    result = search(service, q="annee:abc coopérative")
    assert result.note and "simples mots" in result.note
    assert result.total == search(service, q="annee abc coopérative").total > 0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"économie sociale"', 25),
        ("coopérative AND numéro", 25),
        ("habitants NOT sport", 26),  # "sport" is only a folder name, not in the text
        ("secteur:sport", 8),
        ("secteur:sport OR secteur:habitat", 16),
        ("coopérative -secteur:culture", 16),
        ("annee:2010", 5),
        ("annee:[2011 TO 2012]", 11),  # ten pages and the 2011 report
        ("titre:page", 25),
        ("type:page-web", 25),
        ("type:rapport", 1),
    ],
)
def test_query_syntax(service, query: str, expected: int) -> None:
    assert search(service, q=query).total == expected


def test_not_excludes(service) -> None:
    assert search(service, q="habitants NOT compostage").total == 25
    assert search(service, q="habitants").total == 26
    assert search(service, q="coopérative NOT habitants").total == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sectors": ("aéronautique",)}, "Secteur inconnu"),
        ({"types": ("roman",)}, "Type de document inconnu"),
        ({"year": 99999}, "Année invalide"),
        ({"sort": "hasard"}, "Tri inconnu"),
        ({"page": 0}, "page invalide"),
        ({"per_page": 1000}, "par page"),
    ],
)
def test_bad_filters_are_user_errors(service, kwargs: dict, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        search(service, q="coopérative", **kwargs)


def test_filter_values_accept_labels_and_synonyms(service) -> None:
    assert search(service, q="coopérative", sectors=("Sport",)).total == 8
    assert search(service, q="", types=("plaquette",)).total == 0


def test_result_as_json_structure(service) -> None:
    data = search(service, q="compostage").to_dict()
    assert data["ok"] is True
    assert set(data) >= {"query", "total", "page", "per_page", "page_count", "hits", "facets", "filters", "note"}
    hit = data["hits"][0]
    assert set(hit) >= {"id", "title", "source", "sectors", "year", "type", "score", "snippets", "pages"}
    assert set(data["facets"]) == {"sectors", "types", "years", "languages", "keywords"}
    assert set(data["facets"]["years"][0]) == {"value", "label", "count", "selected"}


def test_service_follows_incremental_updates(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.html").write_bytes(html_page("Page A", "Une mutuelle de santé."))
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", workers=1)
    update_index(settings)
    service = SearchService(settings)
    assert search(service, q="mutuelle").total == 1
    (corpus / "b.html").write_bytes(html_page("Page B", "Une autre mutuelle."))
    update_index(settings)
    assert search(service, q="mutuelle").total == 2
    (corpus / "a.html").unlink()
    update_index(settings)
    result = search(service, q="mutuelle")
    assert result.total == 1 and [h.title for h in result.hits] == ["Page B"]  # no deleted document comes back


def test_hyphenated_word_is_a_phrase_not_an_exclusion(service) -> None:
    assert search(service, q="Haute-Normandie").total == 5
    assert search(service, q='"haute normandie"').total == 5
    assert search(service, q="coopérative -normandie").total == 20


def test_not_counts_match_the_hits_shown(service) -> None:
    # whoosh-reloaded's AndNotMatcher lets one excluded document through;
    # totals and facets must not count it.
    for query in ("habitants NOT normandie", "coopérative -normandie", "numéro NOT gras", "territoire SAUF compostage"):
        result = search(service, q=query, per_page=100)
        assert result.total == len(result.hits) == sum(v.count for v in result.facets["years"])


def test_a_lone_exclusion_means_everything_else(service) -> None:
    # 26 documents, 6 with a word of stem "normand" (the PDF says "normand")
    assert search(service, q="-normandie").total == 20
    assert search(service, q="NOT normandie").total == 20


def test_codes_with_hyphens_work_as_field_values(service) -> None:
    assert search(service, q="type:page-web").total == 25
    assert search(service, q="type:rapport-activite").total == 1


def test_year_conditions_never_match_documents_without_a_year(tmp_path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.html").write_bytes(html_page("Sans date", "Un texte sans année."))
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", workers=1)
    update_index(settings)
    service = SearchService(settings)
    for query in ("annee:<2008", "texte AND annee:0", "+texte +annee:[TO 2010]"):
        assert search(service, q=query).total == 0, query
    assert search(service, q="texte", year=0).total == 1  # the "Année inconnue" facet value


def index_reads(action: Callable[[], object]) -> int:
    """Calls into Whoosh's readers, searchers, matchers and posting codecs while
    ``action`` runs: none means the answer came from the cache, not the index.
    (Checking which generation is live only lists the index folder.)"""
    calls = 0

    def profile(frame: FrameType, event: str, arg: object) -> None:
        nonlocal calls
        if event == "call" and _READING.search(frame.f_code.co_filename):
            calls += 1

    sys.setprofile(profile)
    try:
        action()
    finally:
        sys.setprofile(None)
    return calls


_READING = re.compile(r"[/\\]whoosh[/\\](reading\.py|searching\.py|codec[/\\]|matching[/\\])")


def test_repeated_searches_are_answered_from_the_generation_cache_until_the_index_changes(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.html").write_bytes(html_page("Page A", "Une mutuelle de santé."))
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", workers=1)
    update_index(settings)
    service = SearchService(settings)
    answers: list[SearchResult] = []
    assert index_reads(lambda: answers.append(search(service, q="mutuelle"))) > 0
    first = answers[0]
    expected = first.to_dict()
    first.hits.clear()  # what a caller does to its result never reaches the cache
    assert index_reads(lambda: answers.append(search(service, q="mutuelle"))) == 0  # the hit
    assert answers[1].to_dict() == expected
    answers[1].hits.clear()  # nor what it does to an answer from the cache
    assert index_reads(lambda: answers.append(search(service, q="mutuelle"))) == 0
    assert answers[2].to_dict() == expected
    assert index_reads(lambda: search(service, q="mutuelle", per_page=5)) > 0  # another request, another entry
    (corpus / "b.html").write_bytes(html_page("Page B", "Une autre mutuelle."))
    update_index(settings)
    assert index_reads(lambda: answers.append(search(service, q="mutuelle"))) > 0  # a new generation, a new cache
    assert answers[3].total == 2
    assert index_reads(lambda: answers.append(search(service, q="mutuelle"))) == 0
    assert answers[4].to_dict() == answers[3].to_dict()
