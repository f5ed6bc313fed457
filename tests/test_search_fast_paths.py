"""The search's fast paths give what the slow ones they replaced gave.

Each check reads the sample corpus's index two ways: through the shortcut
(whole columns, posting blocks, arrays) and through Whoosh's own public
reading, one document or posting at a time.
"""

from __future__ import annotations

import random

import pytest
from whoosh import query as Q
from whoosh.codec import whoosh3

from docsearch.index.internals import posting_values, segment_length_bytes
from docsearch.search.service import SearchRequest, SearchService

TEXT_FIELDS = ["content", "title", "summary", "organisation", "territory", "authors", "keywords", "filename", "page_text"]


@pytest.fixture(scope="module")
def searcher(sample_service: SearchService):
    return sample_service.backend._current().thread()[0]  # type: ignore[attr-defined]


def test_field_lengths_read_whole_are_those_read_document_by_document(searcher) -> None:
    for sub, _ in searcher.leaf_searchers():
        reader = sub.reader()
        for field in TEXT_FIELDS:
            column = reader._perdoc._cached_reader(whoosh3._lenfield(field), whoosh3.LENGTHS_COLUMN)
            whole = segment_length_bytes(reader, field)
            if column is None:
                assert whole is None
            else:
                assert whole == [column[n] for n in range(reader.doc_count_all())], field


def test_posting_values_are_those_skip_to_finds(searcher) -> None:
    rng = random.Random(7)
    reader = searcher.reader()
    common = sorted(reader.most_frequent_terms("content", number=20))
    assert common
    for _, term in common:
        docs = sorted(searcher.docs_for_query(Q.Term("content", term)))
        for targets in (docs, sorted(rng.sample(range(reader.doc_count_all()), 40)), docs[::7], []):
            expected = {}
            matcher = reader.postings("content", term)
            for target in targets:
                if matcher.is_active() and matcher.id() < target:
                    matcher.skip_to(target)
                if matcher.is_active() and matcher.id() == target:
                    expected[target] = matcher.value_as("positions")
            fmt = searcher.schema["content"].format
            got = {docnum: fmt.decoder("positions")(value)
                   for docnum, value in posting_values(reader.postings("content", term), targets)}
            assert got == expected, term


def _set_counts(service: SearchService, request: SearchRequest) -> dict[str, dict[str, int]]:
    """The facet counts as sets of document numbers give them (each facet ignoring its own selection)."""
    snap = service.backend._current()  # type: ignore[attr-defined]
    searcher = snap.thread()[0]
    facets = snap.facets
    parsed = snap.thread()[1].parse(request.q, searcher.reader())
    matched = facets.all_docs & set(searcher.docs_for_query(parsed.query))
    chosen = {"sectors": facets.select("sectors", request.sectors), "types": facets.select("types", request.types),
              "years": facets.select_years(request.year, request.year_from, request.year_to),
              "languages": facets.select("languages", request.languages),
              "keywords": facets.select("keywords", request.keywords)}
    out = {}
    for facet, values in facets.values.items():
        base = matched.intersection(*(s for name, s in chosen.items() if name != facet and s is not None))
        out[facet] = {value: len(base & docs) for value, docs in values.items() if len(base & docs)}
    return out


@pytest.mark.parametrize("request_", [
    SearchRequest(q="économie sociale"), SearchRequest(q="coopérative", sectors=("habitat",)),
    SearchRequest(q="insertion emploi", types=("rapport-activite", "guide"), year_from=2010, year_to=2024),
    SearchRequest(q="solidaire", sectors=("culture", "iae"), languages=("fr",)),
])
def test_facet_counts_are_those_of_set_intersections(sample_service: SearchService, request_: SearchRequest) -> None:
    result = sample_service.search(request_)
    shown = {facet: {v.value: v.count for v in values if v.count} for facet, values in result.facets.items()}
    assert shown == _set_counts(sample_service, request_)


def test_an_answer_changed_by_its_caller_leaves_the_next_one_whole(sample_service: SearchService) -> None:
    service = SearchService(sample_service.settings)
    request = SearchRequest(q="économie sociale et solidaire")
    first = service.search(request)
    kept = service.search(request)  # from the cache
    assert kept == first and kept is not first
    for answer in (first, kept):
        answer.hits[0].snippets[0].html = "changé"
        answer.hits[0].pages.append(999)
        answer.hits[0].sectors.clear()
        answer.facets["sectors"][0].count = -1
        answer.filters.sectors.append("x")
    again = service.search(request)
    assert again.hits[0].snippets[0].html != "changé" and 999 not in again.hits[0].pages
    assert again.hits[0].sectors and again.facets["sectors"][0].count > 0 and again.filters.sectors == []
    assert again == SearchService(sample_service.settings).search(request)
