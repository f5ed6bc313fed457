"""What each public page shows, as one typed record that every format renders.

A page record (``HomePage``, ``SearchPage``, ``DocumentPage``) is built once
per request from the search service's typed records, with every link it
needs (so templates hold no logic): hits, documents and facet values are the
service's dataclasses extended with their links (``LinkedHit``,
``LinkedDocument``, ``LinkedFacetValue``…). The renderers of ``docsearch.web.render`` turn it into HTML
(its ``template``), JSON (``json()``) or Atom (``feed()``), for the formats
it lists. The JSON of a page is its documented twin: its keys do not change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from typing import Any, ClassVar
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from docsearch.search.highlight import highlight
from docsearch.search.service import (
    DocumentView,
    FacetValue,
    Filters,
    Hit,
    SearchRequest,
    SearchResult,
    SearchService,
    Snippet,
)
from docsearch.web.params import FACET_PARAMS, RETURN, ReturnLink, return_link, search_links, search_request, searched_words
from docsearch.web.urls import Urls

NEWEST = 6
FEED_SIZE = 20
# What a document's staff notes say stays on the staff pages.
INTERNAL = ("warnings", "to_check", "origins", "confidence")
# What only the document's own page shows, not the similar documents beside it.
OWN_PAGE = ("first_lines", "permalink")


@dataclass(frozen=True)
class FeedEntry:
    title: str
    url: str  # absolute: the entry's id as well as its link
    updated: str
    summary: str
    categories: list[dict[str, str]]


@dataclass(frozen=True)
class Feed:
    title: str
    self_url: str
    alternate_url: str  # the results page the feed follows (its alternate link)
    updated: str
    entries: list[FeedEntry]


@dataclass
class DocumentLinks:
    page_url: str = ""
    json_url: str = ""
    file_url: str = ""
    download_url: str = ""


@dataclass
class PageLink:
    page: int
    url: str  # the PDF opened at that page


@dataclass
class KeywordLink:
    keyword: str
    url: str  # the documents with this keyword


@dataclass
class LinkedSnippet(Snippet):
    url: str | None = None  # its page in the PDF


@dataclass
class LinkedHit(DocumentLinks, Hit):
    page_links: list[PageLink] = field(default_factory=list)
    # Its page with the way back to these results (``?retour=``); page_url without it.
    visit_url: str = ""


@dataclass
class LinkedDocument(DocumentLinks, DocumentView):
    permalink: str = ""


@dataclass
class BrowseValue(FacetValue):
    url: str = ""  # the search for this value alone (home page)


@dataclass
class ToggleValue(FacetValue):
    toggle_url: str = ""  # this search with the value ticked or unticked


@dataclass
class HomePage:
    template: ClassVar[str] = "home.html"
    formats: ClassVar[tuple[str, ...]] = ("html", "json")

    urls: Urls
    total: int
    facets: dict[str, list[BrowseValue]]
    newest: list[LinkedHit]
    feed_url: str

    def url(self, format: str) -> str:
        return self.urls.home(format)

    def json(self) -> dict[str, Any]:
        return {"ok": True, "total": self.total, "facets": plain(self.facets), "newest": plain(self.newest),
                "feed_url": self.feed_url}


@dataclass
class SearchPage:
    template: ClassVar[str] = "search.html"
    formats: ClassVar[tuple[str, ...]] = ("html", "json", "atom")

    urls: Urls
    params: list[tuple[str, str]]  # the page's own query, for its other formats
    feed_title: str
    # What the search service found (``SearchResult``), with its links.
    query: str
    note: str | None
    total: int
    page: int
    per_page: int
    page_count: int
    sort: str
    filters: Filters
    suggestion: str | None
    corrected: str | None
    hits: list[LinkedHit]
    facets: dict[str, list[ToggleValue]]
    links: dict[str, Any]
    feed_address: str = ""  # where the feed lives, when not at the search's own .atom (/feed.atom)
    feed_page: str = ""  # the results page it follows, when not the search's own (/feed.atom)

    def url(self, format: str) -> str:
        return self.urls.search(self.params, format)

    @property
    def box_query(self) -> str:
        """What the search box shows: what was searched (the correction, if one was)."""
        return self.corrected or self.query

    def json(self) -> dict[str, Any]:
        return {"ok": True, **{name: plain(getattr(self, name)) for name in RESULT_FIELDS}}

    def feed(self) -> Feed:
        # Each entry is dated when its document entered the corpus; the feed,
        # by its newest entry (an empty feed: now).
        entries = [
            FeedEntry(title=h.title, url=self.urls.absolute(h.page_url), updated=_rfc3339(h.added),
                      summary=f"{h.type.label}{', ' + str(h.year) if h.year else ''}. {h.summary}",
                      categories=[asdict(s) for s in h.sectors])
            for h in self.hits
        ]
        updated = max((e.updated for e in entries), key=dt.datetime.fromisoformat, default=_rfc3339(""))
        return Feed(title=self.feed_title, self_url=self.urls.absolute(self.feed_address or self.url("atom")),
                    alternate_url=self.urls.absolute(self.feed_page or self.url("html")), updated=updated, entries=entries)


RESULT_FIELDS = ("query", "note", "total", "page", "per_page", "page_count", "sort", "filters", "suggestion", "corrected",
                 "hits", "facets", "links")


@dataclass
class DocumentPage:
    template: ClassVar[str] = "document.html"
    formats: ClassVar[tuple[str, ...]] = ("html", "json")

    urls: Urls
    document: LinkedDocument
    similar: list[LinkedDocument] = field(default_factory=list)
    back: ReturnLink | None = None  # the results page the visitor came from
    # The text shown (the first lines; a saved web page's whole text), escaped, searched words marked.
    text_html: str = ""
    open_url: str = ""  # the original, with the searched words for the PDF viewer

    @property
    def box_query(self) -> str:
        return self.back.query if self.back else ""
    # Each keyword with the search for it (its facet value), for the page's links.
    keyword_links: list[KeywordLink] = field(default_factory=list)

    def url(self, format: str) -> str:
        return self.urls.document(self.document.id, format)

    def json(self) -> dict[str, Any]:
        return {"ok": True, "document": _public(self.document),
                "similar": [_public(d, OWN_PAGE) for d in self.similar]}


def plain(value: Any) -> Any:
    """A record (or a list or dict of records) as JSON data."""
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def home_page(service: SearchService, urls: Urls) -> HomePage:
    totals = service.search(SearchRequest(per_page=NEWEST, sort="added"))
    facets = {facet: [BrowseValue(**_fields(v), url=urls.search([(FACET_PARAMS[facet], v.value)])) for v in values]
              for facet, values in totals.facets.items()}
    return HomePage(urls=urls, total=totals.total, facets=facets,
                    newest=[_linked_hit(hit, urls) for hit in totals.hits], feed_url=urls.feed())


def search_page(service: SearchService, params: QueryParams, urls: Urls, format: str = "html") -> SearchPage:
    request = search_request(params)
    if format == "atom":  # a feed follows the newest documents of the search
        request = SearchRequest(**{**request.__dict__, "sort": "added", "page": 1, "per_page": FEED_SIZE})
    result: SearchResult = service.search(request)
    links = search_links(params, result, urls)
    toggles = links.pop("toggles")
    words = " ".join(searched_words(result.corrected or result.query))
    facets = {facet: [ToggleValue(**_fields(v), toggle_url=toggles[facet][v.value]) for v in values]
              for facet, values in result.facets.items()}
    title = f"Recherche « {result.corrected or request.q} »" if request.q else "Recherche"
    if links["chips"]:  # the feed names its filters: two feeds of one query stay apart in a reader
        title += " — " + ", ".join(chip["label"] for chip in links["chips"])
    return SearchPage(
        urls=urls, params=links.pop("own"), feed_title=title, query=result.query, note=result.note,
        total=result.total, page=result.page, per_page=result.per_page, page_count=result.page_count,
        sort=result.sort, filters=result.filters, suggestion=result.suggestion, corrected=result.corrected,
        hits=[_linked_hit(hit, urls, words, links["return_to"]) for hit in result.hits], facets=facets, links=links,
    )


def newest_page(service: SearchService, urls: Urls) -> SearchPage:
    """The newest documents (/feed.atom): a search for everything, whatever the query string says."""
    page = search_page(service, QueryParams(), urls, "atom")
    page.feed_title, page.feed_address = "Nouveaux documents", urls.feed()
    page.feed_page = urls.search({"tri": "recents"})
    return page


def document_page(service: SearchService, doc_id: str, urls: Urls, params: QueryParams | None = None) -> DocumentPage | None:
    found = service.document(doc_id)
    if found is None:
        return None
    doc = LinkedDocument(**_fields(found), **_document_links(found.id, urls),
                         permalink=urls.absolute(urls.document(doc_id)))
    similar = [LinkedDocument(**_fields(d), **_document_links(d.id, urls)) for d in service.similar(doc_id)]
    back = return_link(params or QueryParams(), urls)
    words = searched_words(back.query) if back else []
    # A saved web page is read here, as its extracted text (its HTML source has banners and scripts).
    text = service.text(doc_id) if found.format == "html" else found.first_lines
    open_url = urls.document_file(doc_id, search=" ".join(words)) if found.format == "pdf" else doc.file_url
    keywords = [KeywordLink(k, urls.search([(FACET_PARAMS["keywords"], k)])) for k in found.keywords]
    return DocumentPage(urls=urls, document=doc, similar=similar, back=back, text_html=highlight(text, words),
                        open_url=open_url, keyword_links=keywords)


def _public(doc: LinkedDocument, leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    """A document's JSON form without what only staff see."""
    return {k: v for k, v in asdict(doc).items() if k not in INTERNAL and k not in leave_out}


def _fields(record: Any) -> dict[str, Any]:
    """A record's fields, as they are (not copied into dicts as ``asdict`` does)."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


def _document_links(doc_id: str, urls: Urls) -> dict[str, Any]:
    return {"page_url": urls.document(doc_id), "json_url": urls.document(doc_id, "json"),
            "file_url": urls.document_file(doc_id), "download_url": urls.document_file(doc_id, download=True)}


def _linked_hit(hit: Hit, urls: Urls, words: str = "", return_to: str = "") -> LinkedHit:
    # A PDF opens at the page, the searched words found by the viewer (#page=N&search=…);
    # a web page has no pages to point to.
    pdf = hit.format == "pdf"

    def at(page: int) -> str:
        return urls.document_file(hit.id, page=page, search=words)

    values = _fields(hit) | {
        "snippets": [LinkedSnippet(s.page, s.html, at(s.page) if s.page and pdf else None) for s in hit.snippets],
    }
    links = _document_links(hit.id, urls)
    visit = links["page_url"] + "?" + urlencode({RETURN: return_to}) if return_to else links["page_url"]
    return LinkedHit(**values, **links, page_links=[PageLink(p, at(p)) for p in hit.pages] if pdf else [], visit_url=visit)


def _rfc3339(value: str) -> str:
    """"2024-03-01T10:00:00" (local time) → an Atom date with its offset."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        moment = dt.datetime.now()
    return moment.astimezone().isoformat(timespec="seconds")
