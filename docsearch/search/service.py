"""The search service shared by the CLI and the web interface.

``SearchService.search(SearchRequest)`` returns a ``SearchResult``: the
page of hits (with snippets whose matched words are marked and whose text is
HTML-escaped, and the page numbers where the words occur), facet counts for
sector, year and type over *all* matches, and the total.

Facets are multi-select: values of one facet combine with OR, facets with
AND, and each facet's counts ignore that facet's own selection (so a visitor
sees what ticking one more sector would add).

The service checks a request against the vocabulary, asks the engine (a
``backend.Backend``), keeps result pages per index generation, and turns
what the engine returns (codes) into the typed records below (with French
labels). Searches run in parallel: nothing here is locked but the result
cache's bookkeeping.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from docsearch.catalogue.language import iso_language, language_name
from docsearch.catalogue.vocabulary import Vocabulary
from docsearch.catalogue.vocabulary_files import current_vocabulary, stamp, synonyms_in_use
from docsearch.config import Settings
from docsearch.errors import DocsearchError, QueryError
from docsearch.index.backend import (
    SORTS,
    UNKNOWN_YEAR_FILTER,
    Backend,
    EngineHit,
    EngineResult,
    SearchRequest,
    Snippet,
    StoredDocument,
)
from docsearch.index.engine import WhooshBackend
from docsearch.search.completion import Completer, Completion
from docsearch.search.facets import FacetValue, facet_values
from docsearch.search.shared_results import SharedResults

logger = logging.getLogger(__name__)

MAX_PER_PAGE = 100
RESULT_CACHE = 512  # result pages kept per index generation
MAX_PAGE = 1000
MAX_TEXT_CHARS = 200_000  # of a document's text shown whole on its page (a saved web page)


@dataclass(frozen=True)
class CodeLabel:
    code: str
    label: str


@dataclass
class DocumentView:
    """A document as visitors and staff see it: its codes with their labels."""

    id: str
    title: str
    relpath: str
    source: str  # its address, else its path in the corpus
    url: str
    format: str
    sectors: list[CodeLabel]
    year: int | None
    type: CodeLabel
    summary: str
    organisation: str
    territory: str
    page_count: int
    size: int
    added: str
    origins: dict[str, str]
    warnings: list[str]
    to_check: list[str]
    confidence: dict[str, float] = field(default_factory=dict)  # field → 0–1, for learned values
    ocr_pages: list[int] = field(default_factory=list)  # pages whose text was recognised (OCR)
    ocr_language: str = ""  # Tesseract's codes: "fra+eng"
    first_lines: str = ""  # the start of its text (one document's page only)
    authors: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    language: CodeLabel = field(default_factory=lambda: CodeLabel("", ""))  # "fr", "français"; "" when unknown
    cote: str = ""  # call number

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Hit:
    id: str
    title: str
    source: str
    relpath: str
    url: str
    format: str
    sectors: list[CodeLabel]
    year: int | None
    type: CodeLabel
    summary: str
    score: float | None  # None when sorted by date
    pages: list[int]
    snippets: list[Snippet]
    added: str = ""  # when it entered the corpus (ISO date and time): the feeds' dates


@dataclass
class Filters:
    sectors: list[str]
    types: list[str]
    year: int | None
    year_from: int | None
    year_to: int | None
    languages: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)


@dataclass
class SearchResult:
    query: str
    note: str | None
    total: int
    page: int
    per_page: int
    page_count: int
    sort: str
    filters: Filters
    suggestion: str | None = None  # "did you mean", a corrected query
    # The correction searched instead of ``query`` (which the index lacked a word of); None when searched as typed.
    corrected: str | None = None
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The structure of ``search --json`` and ``/search.json`` (see README)."""
        return {"ok": True, **asdict(self)}

    to_dict = as_dict


class SearchService:
    def __init__(self, settings: Settings, vocab: Vocabulary | None = None, backend: Backend | None = None,
                 shared: SharedResults | None = None) -> None:
        self.settings = settings
        # A vocabulary given is kept; the one read from the files follows
        # staff's edits (``vocab`` compares the files' stamp before each use).
        self._fixed_vocab = vocab is not None
        self._vocab_stamp = stamp(settings)
        self._vocab = vocab or current_vocabulary(settings)
        self.backend: Backend = backend or WhooshBackend(settings.index_dir, self._vocab, synonyms_in_use(settings),
                                                             settings.search_timeout)
        # Result pages of the generation being served (visitors repeat the
        # same searches); a new generation starts with an empty cache.
        self._lock = threading.Lock()  # the cache's bookkeeping only, never a search
        self._generation: Hashable = None
        self._results: OrderedDict[SearchRequest, SearchResult] = OrderedDict()
        self.completer = Completer(self.backend)
        # The pages other worker processes computed (``serve --workers N``), a
        # second level behind this process's own.
        self.shared = shared

    @property
    def vocab(self) -> Vocabulary:
        """The vocabulary in use, read again when an edited copy appeared,
        changed or went (by this process or another)."""
        self._follow_vocabulary()
        return self._vocab

    def _follow_vocabulary(self) -> None:
        """Once per call of the service (one stat a file), not once per label it gives."""
        if self._fixed_vocab:
            return
        now = stamp(self.settings)
        if now != self._vocab_stamp:
            vocab = current_vocabulary(self.settings)
            self.backend.use_vocabulary(vocab, synonyms_in_use(self.settings))
            with self._lock:
                self._vocab, self._vocab_stamp = vocab, now
                self._generation, self._results = None, OrderedDict()  # pages labelled with the old one

    def search(self, request: SearchRequest) -> SearchResult:
        """One page of results. A query with a word the index lacks is searched
        as its correction (``corrected``), unless ``as_typed``; a page past the
        last one answers the last one, with a note."""
        self._follow_vocabulary()
        request = self._validate(request)
        result = self._search(request)
        if result.suggestion and not request.as_typed:
            # "ressourcrie" is searched as "ressourcerie" (13 documents of the sample
            # corpus), not as its near words, which widened it to 42.
            corrected = self._search(replace(request, q=result.suggestion, as_typed=True))
            if corrected.total:
                result = replace(corrected, query=request.q, corrected=result.suggestion, suggestion=result.suggestion)
        if result.total and request.page > result.page_count:
            last = self.search(replace(request, page=result.page_count))
            note = f"La page {request.page} n'existe pas : voici la dernière page ({result.page_count})."
            return replace(last, note=" ".join(filter(None, [note, last.note])))
        return result

    def _search(self, request: SearchRequest) -> SearchResult:
        generation = self.backend.generation()
        cached = self._cached(generation, request)
        if cached is not None:
            return cached
        if self.shared is not None:
            computed = self.shared.get(generation, request)
            if isinstance(computed, SearchResult):
                self._keep(generation, request, computed)
                return computed
        try:
            found = self.backend.search(request)
        except DocsearchError:
            raise
        except Exception:
            # Some input still trips the engine: answer with the words alone
            # rather than fail (the note says so).
            logger.exception("search failed, retried as plain words: %r", request.q)
            found = self.backend.search(request, plain=True)
        result = self._result(request, found)
        self._keep(found.generation, request, result)
        if self.shared is not None:
            self.shared.put(found.generation, request, result)
        return result

    def document(self, doc_id: str) -> DocumentView | None:
        """One document, with labels and the start of its text; None if unknown."""
        self._follow_vocabulary()
        stored = self.backend.document(doc_id)
        if stored is None:
            return None
        return replace(self._view(stored), first_lines=_first_lines(self.backend.page_text(doc_id, 1)))

    def text(self, doc_id: str, limit: int = MAX_TEXT_CHARS) -> str:
        """A document's extracted text, page after page, cut at ``limit`` characters
        (a saved web page is shown as this text, never as its HTML source)."""
        stored = self.backend.document(doc_id)
        if stored is None:
            return ""
        pages: list[str] = []
        size = 0
        for number in range(1, max(1, stored.page_count) + 1):
            page = self.backend.page_text(doc_id, number)
            pages.append(page)
            size += len(page)
            if size >= limit:
                break
        text = "\n\n".join(p for p in pages if p)
        return text if len(text) <= limit else _first_lines(text, limit)

    def complete(self, text: str) -> list[Completion]:
        """What the visitor may be typing: the index's words and titles (autocomplete)."""
        return self.completer.complete(text)

    def similar(self, doc_id: str, limit: int = 5) -> list[DocumentView]:
        """Documents that share the most telling words of ``doc_id`` ("more like this")."""
        self._follow_vocabulary()
        return [self._view(d) for d in self.backend.similar(doc_id, limit)]

    def all_documents(self) -> list[DocumentView]:
        self._follow_vocabulary()
        return [self._view(d) for d in self.backend.documents()]

    def facet_totals(self) -> dict[str, list[FacetValue]]:
        return self.search(SearchRequest(per_page=1)).facets

    def close(self) -> None:
        self.backend.close()

    # The result cache --------------------------------------------------------

    def _cached(self, generation: Hashable, request: SearchRequest) -> SearchResult | None:
        with self._lock:
            if generation != self._generation:
                self._generation = generation
                self._results.clear()
                return None
            cached = self._results.get(request)
            if cached is None:
                return None
            self._results.move_to_end(request)
        return _copied(cached)  # callers may change what they get

    def _keep(self, generation: Hashable, request: SearchRequest, result: SearchResult) -> None:
        kept = _copied(result)
        with self._lock:
            if generation != self._generation:
                return  # answered by a generation that is no longer (or not yet) the cache's
            self._results[request] = kept
            if len(self._results) > RESULT_CACHE:
                self._results.popitem(last=False)

    # Engine results → what callers get ---------------------------------------

    def _result(self, request: SearchRequest, found: EngineResult) -> SearchResult:
        return SearchResult(
            query=request.q, note=found.note, total=found.total, page=request.page, per_page=request.per_page,
            page_count=max(1, -(-found.total // request.per_page)), sort=found.sort,
            filters=Filters(list(request.sectors), list(request.types), request.year, request.year_from, request.year_to,
                            list(request.languages), list(request.keywords)),
            suggestion=found.suggestion, hits=[self._hit(h) for h in found.hits],
            facets=facet_values(found.facets, self._vocab),
        )

    def _hit(self, hit: EngineHit) -> Hit:
        doc = hit.document
        return Hit(
            id=doc.id, title=doc.title, source=doc.source, relpath=doc.relpath, url=doc.url, format=doc.format,
            sectors=self._sectors(doc), year=doc.year, type=CodeLabel(doc.doctype, self._vocab.doctype_label(doc.doctype)),
            summary=doc.summary, score=hit.score, pages=hit.pages, snippets=hit.snippets, added=doc.added,
        )

    def _view(self, doc: StoredDocument) -> DocumentView:
        return DocumentView(
            id=doc.id, title=doc.title, relpath=doc.relpath, source=doc.source, url=doc.url, format=doc.format,
            sectors=self._sectors(doc), year=doc.year, type=CodeLabel(doc.doctype, self._vocab.doctype_label(doc.doctype)),
            summary=doc.summary, organisation=doc.organisation, territory=doc.territory, page_count=doc.page_count,
            size=doc.size, added=doc.added, origins=dict(doc.origins), confidence=dict(doc.confidence), warnings=list(doc.warnings),
            to_check=list(doc.to_check), ocr_pages=list(doc.ocr_pages), ocr_language=doc.ocr_language,
            authors=list(doc.authors), keywords=list(doc.keywords),
            language=CodeLabel(doc.language, language_name(doc.language)), cote=doc.cote,
        )

    def _sectors(self, doc: StoredDocument) -> list[CodeLabel]:
        return [CodeLabel(c, self._vocab.sector_label(c)) for c in doc.sectors]

    # Checking a request ------------------------------------------------------

    def _validate(self, request: SearchRequest) -> SearchRequest:
        sectors = tuple(dict.fromkeys(self._code(self._vocab.sector_code, s, "Secteur") for s in request.sectors if s))
        types = tuple(dict.fromkeys(self._code(self._vocab.doctype_code, t, "Type de document") for t in request.types if t))
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
        languages = tuple(dict.fromkeys(_language_code(v) for v in request.languages if v))
        keywords = tuple(dict.fromkeys(self._vocab.thesaurus.preferred(k) or k for k in request.keywords if k))
        return replace(request, sectors=sectors, types=types, year_from=year_from, year_to=year_to,
                       languages=languages, keywords=keywords)

    @staticmethod
    def _code(lookup: Callable[[str], str | None], value: str, what: str) -> str:
        code = lookup(value)
        if code is None:
            raise QueryError(f"{what} inconnu : « {value[:80]} »")
        return code


def _copied(result: SearchResult) -> SearchResult:
    """A copy that shares nothing a caller may change with ``result``: what
    ``copy.deepcopy`` gives, made field by field (its fields below the lists
    are strings, numbers and frozen records). deepcopy took 2.5 ms of a
    50 ms query at 20,000 web pages, this takes about 0.1 ms."""
    filters = result.filters
    return replace(
        result,
        filters=replace(filters, sectors=list(filters.sectors), types=list(filters.types),
                        languages=list(filters.languages), keywords=list(filters.keywords)),
        hits=[replace(h, sectors=list(h.sectors), pages=list(h.pages),
                      snippets=[Snippet(s.page, s.html) for s in h.snippets]) for h in result.hits],
        facets={key: [replace(v) for v in values] for key, values in result.facets.items()},
    )


def _language_code(value: str) -> str:
    """"fr", "français", "fra" → "fr"; anything else is a French error."""
    code = iso_language(value)
    if not code:
        raise QueryError(f"Langue inconnue : « {value[:80]} »")
    return code


def _first_lines(text: str, limit: int = 1500) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


__all__ = [
    "UNKNOWN_YEAR_FILTER",
    "CodeLabel",
    "Completion",
    "DocumentView",
    "FacetValue",
    "Filters",
    "Hit",
    "SearchRequest",
    "SearchResult",
    "SearchService",
    "Snippet",
]
