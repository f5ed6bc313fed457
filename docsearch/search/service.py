"""The search service shared by the CLI and the web interface.

``SearchService.search(SearchRequest)`` returns a ``SearchResult``: the
page of hits (with snippets whose matched words are marked and whose text is
HTML-escaped, and the page numbers where the words occur), facet counts for
sector, year and type over *all* matches, and the total.

Facets are multi-select: values of one facet combine with OR, facets with
AND, and each facet's counts ignore that facet's own selection (so a visitor
sees what ticking one more sector would add).
"""

from __future__ import annotations

import copy
import logging
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from whoosh import highlight, sorting
from whoosh import query as Q
from whoosh.index import Index
from whoosh.searching import Searcher

from docsearch.config import Settings
from docsearch.errors import IndexMissing, QueryError
from docsearch.search.facets import UNKNOWN_YEAR_FILTER, FacetSets, FacetValue, facet_values
from docsearch.index.store import IndexStore, check_schema
from docsearch.search.snippets import PageFinder, Snippet, page_terms
from docsearch.search.query import BonusPhrase, ParsedQuery, QueryParser
from docsearch.search.ranking import Ranker
from docsearch.search.suggest import suggest
from docsearch.search.synonyms import load_synonyms
from docsearch.catalogue.vocabulary import Vocabulary, load_vocabulary
from docsearch.index.weighting import LuceneBM25

logger = logging.getLogger(__name__)

MAX_PER_PAGE = 100
RESULT_CACHE = 512  # result pages kept per index generation
MAX_PAGE = 1000
SIMILAR_TERMS = 20  # words of a document that "similar documents" look for
# relevance; date: the document's year, newest first; added: newest in the corpus first.
SORTS = ("relevance", "date", "added")


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    sectors: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    year: int | None = None  # UNKNOWN_YEAR_FILTER (0): the year is unknown
    year_from: int | None = None
    year_to: int | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10


@dataclass
class Hit:
    id: str
    title: str
    source: str
    relpath: str
    url: str
    format: str
    sectors: list[dict[str, str]]
    year: int | None
    type: dict[str, str]
    summary: str
    score: float | None  # None when sorted by date
    pages: list[int]
    snippets: list[Snippet]


@dataclass
class SearchResult:
    query: str
    note: str | None
    total: int
    page: int
    per_page: int
    page_count: int
    sort: str
    filters: dict[str, Any]
    suggestion: str | None = None  # "did you mean", a corrected query
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": True, **asdict(self)}


class SearchService:
    def __init__(self, settings: Settings, vocab: Vocabulary | None = None) -> None:
        self.settings = settings
        self.vocab = vocab or load_vocabulary(settings.vocabulary_file)
        self.store = IndexStore(settings.index_dir)
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None
        self._previous: _Snapshot | None = None

    def search(self, request: SearchRequest) -> SearchResult:
        request = self._validate(request)
        with self._lock:
            snap = self._current()
            cached = snap.results.get(request)
            if cached is not None:
                snap.results.move_to_end(request)
                return copy.deepcopy(cached)  # callers may change what they get
            try:
                result = _Search(snap, self.vocab, request).run()
            except Exception:
                # Some input still trips Whoosh: answer with the words alone
                # rather than fail (the note says so).
                logger.exception("search failed, retried as plain words: %r", request.q)
                result = _Search(snap, self.vocab, request, plain=True).run()
            snap.results[request] = copy.deepcopy(result)
            if len(snap.results) > RESULT_CACHE:
                snap.results.popitem(last=False)
            return result

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """Stored fields of one document, with labels; None if unknown."""
        with self._lock:
            snap = self._current()
            fields = snap.searcher.document(id=doc_id, kind="doc")
            if fields is None:
                return None
            first_page = snap.searcher.document(id=f"{doc_id}/1", kind="page") or {}
            return describe(fields, self.vocab) | {"first_lines": _first_lines(first_page.get("page_text", ""))}

    def similar(self, doc_id: str, limit: int = 5) -> list[dict[str, Any]]:
        """Documents that share the most telling words of ``doc_id`` ("more like this")."""
        with self._lock:
            searcher = self._current().searcher
            pages = list(searcher.document_numbers(doc_id=doc_id, kind="page"))
            own = list(searcher.document_numbers(doc_id=doc_id, kind="doc"))
            if not pages or not own:
                return []
            key_terms = searcher.key_terms(pages, "page_text", numterms=SIMILAR_TERMS)
            query = Q.Or([Q.Term("content", term, boost=weight) for term, weight in key_terms])
            hits = searcher.search(query, limit=limit, filter=Q.Term("kind", "doc"), mask=set(own))
            return [describe(hit.fields(), self.vocab) for hit in hits]

    def all_documents(self) -> list[dict[str, Any]]:
        with self._lock:
            snap = self._current()
            docs = [describe(snap.searcher.stored_fields(n), self.vocab) for n in sorted(snap.facets.all_docs)]
        return docs

    def facet_totals(self) -> dict[str, list[FacetValue]]:
        return self.search(SearchRequest(per_page=1)).facets

    def close(self) -> None:
        for snap in (self._snapshot, self._previous):
            if snap is not None:
                snap.searcher.close()
        self._snapshot = self._previous = None

    # Readers follow the index: a new searcher when the generation changes
    # (Searcher.refresh() in whoosh-reloaded returns deleted documents).

    def _current(self) -> _Snapshot:
        gen = self.store.current_dir()
        if gen is None:
            raise IndexMissing(f"no index in {self.settings.index_dir}: run `docsearch index` first")
        snap = self._snapshot
        if snap is not None and snap.gen == gen and snap.ix.latest_generation() == snap.generation:
            return snap
        check_schema(gen)
        fresh = _Snapshot(gen, self.store.open(), self.settings.synonyms_file)
        if self._previous is not None:
            self._previous.searcher.close()
        if snap is not None:  # kept for searchers opened before the swap, its caches are not
            snap.ranker.forget()
            snap.results.clear()
        self._previous, self._snapshot = snap, fresh
        return fresh

    def _validate(self, request: SearchRequest) -> SearchRequest:
        sectors = tuple(dict.fromkeys(self._code(self.vocab.sector_code, s, "Secteur") for s in request.sectors if s))
        types = tuple(dict.fromkeys(self._code(self.vocab.doctype_code, t, "Type de document") for t in request.types if t))
        if request.year is not None and request.year != UNKNOWN_YEAR_FILTER and not 1000 <= request.year <= 9999:
            raise QueryError(f"Année invalide : {request.year}")
        for year in (request.year_from, request.year_to):
            if year is not None and not 1000 <= year <= 9999:
                raise QueryError(f"Année invalide : {year}")
        year_from, year_to = request.year_from, request.year_to
        if year_from is not None and year_to is not None and year_from > year_to:
            year_from, year_to = year_to, year_from
        if request.sort not in SORTS:
            raise QueryError(f"Tri inconnu : « {request.sort[:40]} » (pertinence, date ou recents)")
        if not 1 <= request.page <= MAX_PAGE:
            raise QueryError(f"Numéro de page invalide : {request.page}")
        if not 1 <= request.per_page <= MAX_PER_PAGE:
            raise QueryError(f"Nombre de résultats par page invalide : {request.per_page} (1 à {MAX_PER_PAGE})")
        return replace(request, sectors=sectors, types=types, year_from=year_from, year_to=year_to)

    @staticmethod
    def _code(lookup: Any, value: str, what: str) -> str:
        code = lookup(value)
        if code is None:
            raise QueryError(f"{what} inconnu : « {value[:80]} »")
        return code


class _Snapshot:
    """One open searcher on one index generation, with its facet sets."""

    def __init__(self, gen: Path, ix: Index, synonyms_file: Path) -> None:
        self.gen, self.ix = gen, ix
        self.generation = ix.latest_generation()
        weighting = LuceneBM25()
        self.searcher: Searcher = ix.searcher(weighting=weighting)
        self.facets = FacetSets(self.searcher)
        self.ranker = Ranker(self.searcher, weighting)
        self.synonyms = load_synonyms(synonyms_file, self.searcher.schema["content"].analyzer)
        self.parser: QueryParser | None = None
        # Result pages of this generation (visitors repeat the same searches);
        # a new generation starts with an empty cache.
        self.results: OrderedDict[SearchRequest, SearchResult] = OrderedDict()


class _Search:
    def __init__(self, snap: _Snapshot, vocab: Vocabulary, request: SearchRequest, plain: bool = False) -> None:
        self.snap, self.vocab, self.request = snap, vocab, request
        self.searcher = snap.searcher
        if snap.parser is None:
            snap.parser = QueryParser(self.searcher.schema, vocab, snap.synonyms)
        parse = snap.parser.parse_plain if plain else snap.parser.parse
        self.parsed: ParsedQuery = parse(request.q, self.searcher.reader())
        # Plain words are ranked by the term-at-a-time ranker (its scores for every match).
        self.scores = snap.ranker.matches(self.parsed.query) if Ranker.handles(self.parsed.query) else None

    def run(self) -> SearchResult:
        request, facets = self.request, self.snap.facets
        if self.parsed.is_browse:
            matched = facets.all_docs
        else:
            matched = facets.restrict(self.scores if self.scores is not None else matching_docs(self.searcher, self.parsed.query))
        selection = {
            "sectors": facets.select("sectors", request.sectors),
            "types": facets.select("types", request.types),
            "years": facets.select_years(request.year, request.year_from, request.year_to),
        }
        final = matched.intersection(*(s for s in selection.values() if s is not None))
        result = SearchResult(
            query=request.q, note=self.parsed.note, total=len(final), page=request.page,
            per_page=request.per_page, page_count=max(1, -(-len(final) // request.per_page)),
            sort=self._sort(), filters=self._filters(),
        )
        result.facets = facet_values(facets, matched, selection, request, self.vocab)
        if self.parsed.is_plain:  # None when the index knows every word
            result.suggestion = suggest(self.searcher, request.q)
        if (request.page - 1) * request.per_page < len(final):
            result.hits = self._hits(final)
        return result

    def _sort(self) -> str:
        if self.parsed.is_browse and self.request.sort == "relevance":
            return "date"  # nothing to rank by
        return self.request.sort

    def _filters(self) -> dict[str, Any]:
        r = self.request
        return {"sectors": list(r.sectors), "types": list(r.types), "year": r.year, "year_from": r.year_from, "year_to": r.year_to}

    def _hits(self, allowed: set[int]) -> list[Hit]:
        request = self.request
        kwargs: dict[str, Any] = {"filter": allowed}
        if self._sort() == "date":
            kwargs["sortedby"] = sorting.MultiFacet([sorting.FieldFacet("year", reverse=True), sorting.ScoreFacet()])
        elif self._sort() == "added":
            kwargs["sortedby"] = sorting.FieldFacet("added", reverse=True)
        query = Q.Every() if self.parsed.is_browse else self.parsed.query
        start = (request.page - 1) * request.per_page
        terms = [] if self.parsed.is_browse else page_terms(self.parsed.query)
        if self.scores is not None and self._sort() == "relevance":
            best = self.snap.ranker.top(query, self.scores, allowed, start + request.per_page)[start:]  # type: ignore[arg-type]
            found = [(self.searcher.stored_fields(docnum), score) for docnum, score in best]
        else:
            # Not search_page: it counts every match again, and the total is known.
            page = self.searcher.search(query, limit=start + request.per_page, **kwargs)[start:start + request.per_page]
            # Sorted results carry their sort key, not a relevance score.
            found = [(hit.fields(), hit.score if isinstance(hit.score, float) else None) for hit in page]
        finder = PageFinder(self.searcher, terms, [fields["doc_id"] for fields, _ in found])
        return [self._hit(fields, score, finder) for fields, score in found]

    def _hit(self, fields: dict[str, Any], score: float | None, finder: PageFinder) -> Hit:
        doc = describe(fields, self.vocab)
        pages, snippets = finder.locate(doc["id"])
        if not snippets and doc["summary"]:
            snippets = [Snippet(page=None, html=highlight.htmlescape(doc["summary"], quote=False))]
        return Hit(
            id=doc["id"], title=doc["title"], source=doc["source"], relpath=doc["relpath"], url=doc["url"],
            format=doc["format"], sectors=doc["sectors"], year=doc["year"], type=doc["type"],
            summary=doc["summary"], score=None if score is None else round(score, 4), pages=pages, snippets=snippets,
        )


def matching_docs(searcher: Searcher, q: Q.Query) -> set[int]:
    """Every record the query matches, with boolean logic done on sets.

    whoosh-reloaded 2.7.5's ``AndNotMatcher`` lets the first positive
    document through when the excluded side starts lower, so "culture NOT
    coopérative" would count a document it excludes.
    """
    if isinstance(q, Q.AndNot):
        return matching_docs(searcher, q.a) - matching_docs(searcher, q.b)
    if isinstance(q, (Q.And, Q.Require)):
        parts = [matching_docs(searcher, child) for child in q.children()]
        return set.intersection(*parts) if parts else set()
    if isinstance(q, Q.Or):
        children = [c for c in q.children() if not isinstance(c, BonusPhrase)]
        return set().union(*(matching_docs(searcher, child) for child in children))
    if isinstance(q, Q.AndMaybe):
        return matching_docs(searcher, q.a)
    if isinstance(q, Q.Not):
        return set(searcher.docs_for_query(Q.Every())) - matching_docs(searcher, q.query)
    return set(searcher.docs_for_query(q))


def _first_lines(text: str, limit: int = 1500) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def describe(fields: dict[str, Any], vocab: Vocabulary) -> dict[str, Any]:
    """A document's stored fields as plain data with French labels."""
    info = fields.get("info") or {}
    year = fields.get("year") or None
    codes = info.get("sectors") or [c for c in fields.get("sectors", "").split(",") if c]
    return {
        "id": fields["doc_id"],
        "title": fields.get("title", ""),
        "relpath": fields.get("relpath", ""),
        "source": info.get("url") or fields.get("relpath", ""),
        "url": info.get("url", ""),
        "format": info.get("format", ""),
        "sectors": [{"code": c, "label": vocab.sector_label(c)} for c in codes],
        "year": year,
        "type": {"code": fields.get("doctype", ""), "label": vocab.doctype_label(fields.get("doctype", ""))},
        "summary": fields.get("summary", ""),
        "organisation": fields.get("organisation", ""),
        "territory": fields.get("territory", ""),
        "page_count": info.get("page_count", 0),
        "size": info.get("size", 0),
        "added": info.get("added", ""),
        "origins": info.get("origins", {}),
        "warnings": info.get("warnings", []),
        "to_check": info.get("to_check", []),
    }


__all__ = ["SearchRequest", "SearchResult", "SearchService", "Hit", "Snippet", "UNKNOWN_YEAR_FILTER", "describe"]
