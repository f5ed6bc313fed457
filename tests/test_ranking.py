"""The term-at-a-time ranker gives Whoosh's own matches and scores."""

from __future__ import annotations

import pytest
from whoosh import query as Q

from docsearch.index.engine.query import QueryParser
from docsearch.index.engine.ranking import Ranker
from docsearch.index.engine.searching import matching_docs
from docsearch.search.service import SearchRequest, SearchService

QUERIES = [
    "économie sociale et solidaire", "coopérative d'habitants", "tiers-lieu culturel", "méthanisation agricole",
    "insertion par l'activité économique", "SCOP", "ESS", "épicerie solidaire", "Haute-Normandie emploi",
    "finance solidaire épargne salariale", "cooperatve", "quels sont les enjeux du logement des jeunes",
    "aide à domicile personnes âgées", "commerce équitable café", "jardin partagé quartier",
]


@pytest.fixture(scope="module")
def parts(sample_service: SearchService):
    snap = sample_service.backend._current()
    searcher, _ = snap.thread()
    return searcher, QueryParser(searcher.schema, sample_service.vocab, snap.synonyms), snap


@pytest.mark.parametrize("text", QUERIES)
def test_matches_and_scores_are_whooshs(parts, text: str) -> None:
    searcher, parser, snap = parts
    q = parser.parse(text, searcher.reader()).query
    assert Ranker.handles(q)
    ranker = Ranker(searcher.weighting)
    scores = ranker.matches(searcher, q)
    live = snap.facets.all_docs
    assert set(scores) & live == matching_docs(searcher, q) & live
    whoosh = {hit.docnum: hit.score for hit in searcher.search(q, limit=None, filter=live)}
    ours = dict(ranker.top(searcher, q, scores, set(scores) & live, len(whoosh)))
    assert ours.keys() == whoosh.keys()
    for docnum, score in whoosh.items():
        assert ours[docnum] == pytest.approx(score, rel=1e-5), searcher.stored_fields(docnum)["relpath"]


def test_queries_with_syntax_keep_whooshs_matchers(parts) -> None:
    searcher, parser, _ = parts
    for text in ('"économie sociale"~3', "culture NOT coopérative", "secteur:culture", "coop*", "titre:rapport"):
        assert not Ranker.handles(parser.parse(text, searcher.reader()).query), text
    assert not Ranker.handles(Q.Or([Q.Term("content", "cooper"), Q.Term("sectors", "culture")]))


def test_search_pages_rank_like_whoosh(sample_service: SearchService, parts) -> None:
    searcher, parser, snap = parts
    for text in QUERIES:
        result = sample_service.search(SearchRequest(q=text, per_page=10))
        # A typo ("cooperatve") is searched as its correction.
        q = parser.parse(result.corrected or text, searcher.reader()).query
        expected = [searcher.stored_fields(h.docnum)["doc_id"]
                    for h in searcher.search(q, limit=10, filter=snap.facets.all_docs)]
        got = [h.id for h in result.hits]
        # Equal scores may come in either order: compare the scores of each rank too.
        assert [h.score for h in result.hits] == pytest.approx(
            [round(h.score, 4) for h in searcher.search(q, limit=10, filter=snap.facets.all_docs)], abs=1e-4)
        assert set(got[:5]) <= set(expected) or got == expected, text


def test_pages_beyond_the_candidates_show_every_match_once(sample_service: SearchService, monkeypatch) -> None:
    from docsearch.index.engine import ranking

    monkeypatch.setattr(ranking, "CANDIDATES", 4)  # so that the pages below go past them
    service = SearchService(sample_service.settings)
    total = service.search(SearchRequest(q="économie sociale solidaire")).total
    assert total > 20
    seen = [h.id for page in range(1, 8) for h in service.search(
        SearchRequest(q="économie sociale solidaire", per_page=3, page=page)).hits]
    assert len(seen) == len(set(seen)) == 21
    whole = [h.id for h in service.search(SearchRequest(q="économie sociale solidaire", per_page=21)).hits]
    assert seen == whole


def test_kept_scores_stay_within_their_budget(sample_service: SearchService, monkeypatch) -> None:
    from docsearch.index.engine import ranking

    monkeypatch.setattr(ranking, "LEAF_POSTINGS", 60)
    service = SearchService(sample_service.settings)
    for text in QUERIES:
        service.search(SearchRequest(q=text))
        ranker = service.backend._current().ranker
        assert ranker.held == sum(len(s) for s in ranker.leaves.values())
        assert ranker.held <= 60 or len(ranker.leaves) == 1
    assert ranker.leaves  # still keeps what fits
