"""One search on one Whoosh searcher: matches, facet counts, the page of hits.

Plain words are ranked by the term-at-a-time ``Ranker`` (whose scores also
give the matches the facets count); queries with syntax go through Whoosh's
matchers, and their matches are counted on sets (``matching_docs``).

Every stage looks at the search's ``Deadline``: past it, the search answers
with what it found (never a document it would not have matched) and says so.
"""

from __future__ import annotations

import html
from collections.abc import Hashable
from typing import Any

import numpy as np
from whoosh import query as Q
from whoosh import sorting
from whoosh.collectors import FilterCollector
from whoosh.searching import Searcher

from docsearch.index.backend import (
    EngineHit,
    EngineResult,
    SearchRequest,
    Snippet,
)
from docsearch.index.engine.deadline import TIME_NOTE, Deadline, DeadlineCollector, OutOfTime
from docsearch.index.engine.facets import FacetSets, Mask
from docsearch.index.engine.query import BonusPhrase, ParsedQuery, QueryParser
from docsearch.index.engine.ranking import Ranker
from docsearch.index.engine.snippets import PageFinder, page_terms
from docsearch.index.engine.suggest import suggest
from docsearch.index.lookup import stored_document


class Search:
    def __init__(self, searcher: Searcher, parser: QueryParser, facets: FacetSets, ranker: Ranker,
                 request: SearchRequest, plain: bool = False, deadline: Deadline | None = None) -> None:
        self.searcher, self.facets, self.ranker, self.request = searcher, facets, ranker, request
        self.deadline = deadline
        if plain:
            self.parsed: ParsedQuery = parser.parse_plain(request.q, searcher.reader())
        else:
            self.parsed = parser.parse(request.q, searcher.reader(), deadline, near=not request.as_typed)
        # Plain words are ranked by the term-at-a-time ranker (its scores for every match).
        self.scores = (ranker.matches(searcher, self.parsed.query, deadline) if Ranker.handles(self.parsed.query)
                       else None)

    def run(self, generation: Hashable) -> EngineResult:
        request, facets = self.request, self.facets
        # Masks over the records (``facets``), not sets: the set of 15,000
        # matches and its intersections cost milliseconds at 20,000 pages.
        if self.parsed.is_browse:
            matched = facets.all_mask
        elif self.scores is not None:
            matched = facets.restrict(self.scores.matched)
        else:
            matched = facets.restrict(matching_docs(self.searcher, self.parsed.query, self.deadline))
        selection = facets.selection(request)
        final = matched
        for allowed in selection.values():
            if allowed is not None:
                final = final & allowed
        total = int(np.count_nonzero(final))
        result = EngineResult(generation=generation, total=total, sort=self._sort(), note=self.parsed.note)
        result.facets = facets.counts(matched, selection, request)
        if self.parsed.is_plain and not self._late():  # None when the index knows every word
            result.suggestion = suggest(self.searcher, request.q)
        if (request.page - 1) * request.per_page < total:
            result.hits = self._hits(final)
        if self._late() and TIME_NOTE not in (result.note or ""):
            result.note = " ".join(filter(None, [result.note, TIME_NOTE]))
        return result

    def _late(self) -> bool:
        return self.deadline is not None and self.deadline.passed()

    def _sort(self) -> str:
        if self.parsed.is_browse and self.request.sort == "relevance":
            return "date"  # nothing to rank by
        return self.request.sort

    def _hits(self, allowed: Mask) -> list[EngineHit]:
        request = self.request
        kwargs: dict[str, Any] = {}
        if self._sort() == "date":
            kwargs["sortedby"] = sorting.MultiFacet([sorting.FieldFacet("year", reverse=True), sorting.ScoreFacet()])
        elif self._sort() == "added":
            kwargs["sortedby"] = sorting.FieldFacet("added", reverse=True)
        query = Q.Every() if self.parsed.is_browse else self.parsed.query
        start = (request.page - 1) * request.per_page
        terms = [] if self.parsed.is_browse else page_terms(self.parsed.query)
        found: list[tuple[dict[str, Any], float | None]]
        if self.scores is not None and self._sort() == "relevance":
            best = self.ranker.top(self.searcher, query, self.scores, allowed, start + request.per_page)[start:]
            found = [(self.searcher.stored_fields(docnum), score) for docnum, score in best]
        else:
            # Not search_page: it counts every match again, and the total is known.
            kwargs["filter"] = set(np.flatnonzero(allowed).tolist())
            page = self._collect(query, start + request.per_page, kwargs)[start:start + request.per_page]
            # Sorted results carry their sort key, not a relevance score.
            found = [(hit.fields(), hit.score if isinstance(hit.score, float) else None) for hit in page]
        finder = PageFinder(self.searcher, terms, [fields["doc_id"] for fields, _ in found])
        return [self._hit(fields, score, finder) for fields, score in found]

    def _collect(self, query: Q.Query, limit: int, kwargs: dict[str, Any]) -> Any:
        """The best ``limit`` hits, or those collected before the deadline."""
        if self.deadline is None:
            return self.searcher.search(query, limit=limit, **kwargs)
        allowed = kwargs.pop("filter")
        timed = DeadlineCollector(self.searcher.collector(limit=limit, **kwargs), self.deadline)
        collector = FilterCollector(timed, allow=allowed)
        try:
            self.searcher.search_with_collector(query, collector)
        except OutOfTime:
            pass
        return collector.results()

    @staticmethod
    def _hit(fields: dict[str, Any], score: float | None, finder: PageFinder) -> EngineHit:
        doc = stored_document(fields)
        pages, snippets = finder.locate(doc.id)
        if not snippets and doc.summary:
            snippets = [Snippet(page=None, html=html.escape(doc.summary, quote=False))]
        return EngineHit(doc, None if score is None else round(score, 4), pages, snippets)


def matching_docs(searcher: Searcher, q: Q.Query, deadline: Deadline | None = None) -> set[int]:
    """Every record the query matches, with boolean logic done on sets.

    whoosh-reloaded 2.7.5's ``AndNotMatcher`` lets the first positive
    document through when the excluded side starts lower, so "culture NOT
    coopérative" would count a document it excludes.

    Past ``deadline``, the leaves not yet read count as matching nothing, and
    an exclusion not read in full excludes everything: the answer is then
    part of the matches, never a document the query would not match.
    """
    return _matching(searcher, q, deadline)[0]


def _matching(searcher: Searcher, q: Q.Query, deadline: Deadline | None) -> tuple[set[int], bool]:
    """The matches of ``q`` (all of them, or some if the deadline came) and whether they are all."""
    if deadline is not None and deadline.passed():
        return set(), False
    if isinstance(q, (Q.AndNot, Q.Not)):
        kept, whole = _matching(searcher, q.a, deadline) if isinstance(q, Q.AndNot) else (set(searcher.docs_for_query(Q.Every())), True)
        excluded, complete = _matching(searcher, q.b if isinstance(q, Q.AndNot) else q.query, deadline)
        return (kept - excluded, whole) if complete else (set(), False)
    if isinstance(q, (Q.And, Q.Require)):
        parts = [_matching(searcher, child, deadline) for child in q.children()]
        return (set.intersection(*(p for p, _ in parts)) if parts else set()), all(c for _, c in parts)
    if isinstance(q, Q.Or):
        parts = [_matching(searcher, child, deadline) for child in q.children() if not isinstance(child, BonusPhrase)]
        return set().union(*(p for p, _ in parts)), all(c for _, c in parts)
    if isinstance(q, Q.AndMaybe):
        return _matching(searcher, q.a, deadline)
    return set(searcher.docs_for_query(q)), True
