"""The seam between the search service and a search engine.

``Backend`` is what the service (``docsearch.search``) asks of an engine:
write documents, delete them by id, build a new generation and swap it in,
search a request (filters, multi-select facets, sort, page, snippets and
page numbers, a spelling suggestion), similar documents, one document by
id, statistics, and the identity of the generation being served (the key
of the service's result cache). ``engine.WhooshBackend`` is the one
implementation; the README's "Scaling out" says how each method maps onto
OpenSearch.

The values that cross the seam are the dataclasses below: codes, not
labels (the service adds the French labels from the vocabulary), and no
engine object.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from docsearch.catalogue.records import Document
from docsearch.catalogue.vocabulary import Vocabulary

# ``SearchRequest.year`` for "documents whose year is unknown".
UNKNOWN_YEAR_FILTER = 0
# The year facet's value for documents without a year (an index term, a web parameter value).
UNKNOWN_YEAR = "inconnue"
MAX_QUERY_CHARS = 500  # of a query, searched (and echoed); the rest is dropped with a note
# relevance; date: the document's year, newest first; added: newest in the corpus first.
SORTS = ("relevance", "date", "added")


@dataclass(frozen=True)
class Facet:
    """One facet, spelled once: its key in results and JSON, the index field
    holding its values, the web parameter that selects them, and its French
    headings."""

    key: str
    field: str
    param: str
    title: str  # above its values on the results page
    browse_title: str  # on the home page
    chip: str  # an active filter: "Secteur : Culture"


FACETS = (
    Facet("sectors", "sectors", "secteur", "Secteur", "Par secteur", "Secteur"),
    Facet("types", "doctype", "type", "Type de document", "Par type de document", "Type"),
    Facet("years", "year_key", "annee", "Années", "Par année", "Année"),
    Facet("languages", "language", "langue", "Langue", "Par langue", "Langue"),
    Facet("keywords", "keyword_key", "motcle", "Mot-clé", "Par mot-clé", "Mot-clé"),
)
FACET_KEYS = tuple(f.key for f in FACETS)


@dataclass(frozen=True)
class SearchRequest:
    """A search as the service receives it (the web and the CLI build it);
    the service checks it and turns labels into codes before an engine sees it."""

    q: str = ""
    sectors: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    year: int | None = None  # UNKNOWN_YEAR_FILTER (0): the year is unknown
    year_from: int | None = None
    year_to: int | None = None
    languages: tuple[str, ...] = ()  # ISO 639-1 codes
    keywords: tuple[str, ...] = ()
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    # The words as typed: no near words for a word the index lacks, and no
    # correction by the service (the visitor's "rechercher plutôt …").
    as_typed: bool = False

    def selected(self, facet: str) -> tuple[str, ...]:
        """The values of ``facet`` this request ticks (the year as its facet value)."""
        if facet in _SELECTED:
            selected: tuple[str, ...] = getattr(self, _SELECTED[facet])
            return selected
        if self.year is None:
            return ()
        return (UNKNOWN_YEAR if self.year == UNKNOWN_YEAR_FILTER else str(self.year),)


# The request field holding each facet's selected values (the year apart).
_SELECTED = {"sectors": "sectors", "types": "types", "languages": "languages", "keywords": "keywords"}


@dataclass(frozen=True)
class StoredDocument:
    """What the index keeps of a document: codes, not labels."""

    id: str
    title: str
    relpath: str
    url: str  # the address of a saved web page, else ""
    format: str
    sectors: tuple[str, ...]
    year: int | None
    doctype: str
    summary: str = ""
    organisation: str = ""
    territory: str = ""
    page_count: int = 0
    size: int = 0
    added: str = ""  # when it entered the corpus (ISO date and time)
    origins: dict[str, str] = field(default_factory=dict)  # field → where its value came from
    confidence: dict[str, float] = field(default_factory=dict)  # field → 0–1, for learned values
    warnings: tuple[str, ...] = ()
    to_check: tuple[str, ...] = ()  # fields whose value is a guess
    ocr_pages: tuple[int, ...] = ()  # pages (1-based) whose text was recognised by OCR
    ocr_language: str = ""  # the Tesseract language(s) they were recognised in: "fra+eng"
    sha256: str = ""  # of the file's content (exports match rows to files by it)
    authors: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    language: str = ""  # ISO 639-1, "" when unknown
    cote: str = ""  # call number

    @property
    def source(self) -> str:
        """Where the document comes from: its address, else its path in the corpus."""
        return self.url or self.relpath


@dataclass
class Snippet:
    page: int | None  # None: from the summary, not a page
    html: str  # document text HTML-escaped, matched words in <mark>


@dataclass
class EngineHit:
    document: StoredDocument
    score: float | None  # None when sorted by date
    pages: list[int]  # every page where the words occur
    snippets: list[Snippet]


@dataclass
class FacetCount:
    value: str
    count: int
    selected: bool = False


@dataclass
class EngineResult:
    generation: Hashable  # the generation that answered
    total: int
    sort: str  # the sort applied: browsing has no relevance, it is by date
    note: str | None = None  # about how the query was read
    suggestion: str | None = None  # a corrected query when a word is unknown
    hits: list[EngineHit] = field(default_factory=list)
    # Counts over all matches, each facet ignoring its own selection; only
    # values that count something or are selected.
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)


@dataclass
class Failure:
    """A file of the corpus that could not be read."""

    relpath: str
    reason: str
    detail: str = ""


@dataclass
class IndexStats:
    documents: int
    pages: int
    index_bytes: int
    updated: str | None  # the last update (ISO date and time)
    failures: list[Failure]


class Backend(Protocol):
    # Serving ----------------------------------------------------------------

    def generation(self) -> Hashable:
        """The generation being served (changes with every update); raises
        ``IndexMissing`` when there is no index yet."""
        ...

    def search(self, request: SearchRequest, *, plain: bool = False) -> EngineResult:
        """One page of results for a checked request (codes, not labels).
        ``plain``: the query's words only, without its syntax."""
        ...

    def document(self, doc_id: str) -> StoredDocument | None: ...

    def page_text(self, doc_id: str, page: int) -> str:
        """The text of one page of a document ("" if it has none)."""
        ...

    def similar(self, doc_id: str, limit: int = 5) -> list[StoredDocument]:
        """Documents sharing the most telling words of ``doc_id``."""
        ...

    def complete_words(self, prefix: str, limit: int = 6) -> list[str]:
        """The index's words starting with ``prefix`` (autocomplete), the most frequent first."""
        ...

    def documents(self) -> list[StoredDocument]: ...

    def stats(self) -> IndexStats: ...

    def close(self) -> None: ...

    def use_vocabulary(self, vocab: Vocabulary, synonyms_file: Path) -> None:
        """Parse the next searches with this vocabulary and these synonyms
        (staff edited them: the served index itself is unchanged)."""
        ...

    # Writing ----------------------------------------------------------------

    def write(self, documents: Iterable[Document]) -> None:
        """Add documents, replacing those with the same id, in the live generation."""
        ...

    def delete(self, doc_ids: Iterable[str]) -> None: ...

    def rebuild(self, documents: Iterable[Document]) -> None:
        """Build a new generation of exactly these documents beside the live
        one and swap it in atomically (searches go on meanwhile)."""
        ...
