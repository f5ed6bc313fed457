"""What each public page shows, as one typed record that every format renders.

A page record (``HomePage``, ``SearchPage``, ``DocumentPage``) is built once
per request from the search service, with every link it needs (so templates
hold no logic); the renderers of ``docsearch.web.render`` turn it into HTML
(its ``template``), JSON (``json()``) or Atom (``feed()``), for the formats
it lists. The JSON of a page is its documented twin: its keys do not change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, ClassVar

from starlette.datastructures import QueryParams

from docsearch.search.service import DocumentView, SearchRequest, SearchService
from docsearch.web.params import FACET_PARAMS, search_links, search_request
from docsearch.web.urls import Urls

NEWEST = 6
FEED_SIZE = 20
# What a document's staff notes say stays on the staff pages.
INTERNAL = ("warnings", "to_check", "origins")


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
    home_url: str
    updated: str
    entries: list[FeedEntry]


@dataclass
class HomePage:
    template: ClassVar[str] = "home.html"
    formats: ClassVar[tuple[str, ...]] = ("html", "json")

    urls: Urls
    total: int
    facets: dict[str, list[dict[str, Any]]]
    newest: list[dict[str, Any]]
    feed_url: str

    def url(self, format: str) -> str:
        return self.urls.home(format)

    def json(self) -> dict[str, Any]:
        return {"ok": True, "total": self.total, "facets": self.facets, "newest": self.newest, "feed_url": self.feed_url}


@dataclass
class SearchPage:
    template: ClassVar[str] = "search.html"
    formats: ClassVar[tuple[str, ...]] = ("html", "json", "atom")

    urls: Urls
    params: list[tuple[str, str]]  # the page's own query, for its other formats
    feed_title: str
    # What the search service found, as the JSON twin shows it.
    query: str
    note: str | None
    total: int
    page: int
    per_page: int
    page_count: int
    sort: str
    filters: dict[str, Any]
    suggestion: str | None
    hits: list[dict[str, Any]]
    facets: dict[str, list[dict[str, Any]]]
    links: dict[str, Any]
    feed_address: str = ""  # where the feed lives, when not at the search's own .atom (/feed.atom)

    def url(self, format: str) -> str:
        return self.urls.search(self.params, format)

    def json(self) -> dict[str, Any]:
        return {"ok": True, **{name: getattr(self, name) for name in RESULT_FIELDS}}

    def feed(self) -> Feed:
        now = dt.datetime.now().isoformat(timespec="seconds")
        updated = max((h.get("added") or "" for h in self.hits), default="") or now
        entries = [
            FeedEntry(title=h["title"], url=self.urls.absolute(h["page_url"]), updated=_rfc3339(h.get("added") or updated),
                      summary=f"{h['type']['label']}{', ' + str(h['year']) if h['year'] else ''}. {h['summary']}",
                      categories=h["sectors"])
            for h in self.hits
        ]
        return Feed(title=self.feed_title, self_url=self.urls.absolute(self.feed_address or self.url("atom")),
                    home_url=self.urls.absolute(self.urls.home()), updated=_rfc3339(updated), entries=entries)


RESULT_FIELDS = ("query", "note", "total", "page", "per_page", "page_count", "sort", "filters", "suggestion", "hits",
                 "facets", "links")


@dataclass
class DocumentPage:
    template: ClassVar[str] = "document.html"
    formats: ClassVar[tuple[str, ...]] = ("html", "json")

    urls: Urls
    document: dict[str, Any]
    similar: list[dict[str, Any]] = field(default_factory=list)

    def url(self, format: str) -> str:
        return self.urls.document(self.document["id"], format)

    def json(self) -> dict[str, Any]:
        return {"ok": True, "document": self.document, "similar": self.similar}


def home_page(service: SearchService, urls: Urls) -> HomePage:
    totals = service.search(SearchRequest(per_page=NEWEST, sort="added")).as_dict()
    for facet, values in totals["facets"].items():
        for value in values:
            value["url"] = urls.search([(FACET_PARAMS[facet], value["value"])])
    return HomePage(urls=urls, total=totals["total"], facets=totals["facets"],
                    newest=[_hit_links(hit, urls) for hit in totals["hits"]], feed_url=urls.feed())


def search_page(service: SearchService, params: QueryParams, urls: Urls, format: str = "html") -> SearchPage:
    request = search_request(params)
    if format == "atom":  # a feed follows the newest documents of the search
        request = SearchRequest(**{**request.__dict__, "sort": "added", "page": 1, "per_page": FEED_SIZE})
    data = service.search(request).as_dict()
    data["hits"] = [_hit_links(hit, urls) for hit in data["hits"]]
    links = search_links(params, data, urls)
    title = f"Recherche « {request.q} »" if request.q else "Recherche"
    found = {name: data[name] for name in RESULT_FIELDS if name != "links"}
    return SearchPage(urls=urls, params=links.pop("own"), feed_title=title, links=links, **found)


def newest_page(service: SearchService, urls: Urls) -> SearchPage:
    """The newest documents (/feed.atom): a search for everything, whatever the query string says."""
    page = search_page(service, QueryParams(), urls, "atom")
    page.feed_title, page.feed_address = "Nouveaux documents", urls.feed()
    return page


def document_page(service: SearchService, doc_id: str, urls: Urls) -> DocumentPage | None:
    found = service.document(doc_id)
    if found is None:
        return None
    doc = _public(found)
    doc.update(_document_links(doc, urls))
    doc["permalink"] = urls.absolute(urls.document(doc_id))
    similar = [_document_links(_public(d), urls) | _public(d) for d in service.similar(doc_id)]
    for d in similar:
        del d["first_lines"]  # only the document itself shows its text
    return DocumentPage(urls=urls, document=doc, similar=similar)


def _public(doc: DocumentView) -> dict[str, Any]:
    """A document's JSON form (``as_dict``) without what only staff see."""
    return {k: v for k, v in doc.as_dict().items() if k not in INTERNAL}


def _document_links(doc: dict[str, Any], urls: Urls) -> dict[str, Any]:
    return {"page_url": urls.document(doc["id"]), "json_url": urls.document(doc["id"], "json"),
            "file_url": urls.document_file(doc["id"]), "download_url": urls.document_file(doc["id"], download=True)}


def _hit_links(hit: dict[str, Any], urls: Urls) -> dict[str, Any]:
    hit.update(_document_links(hit, urls))
    # A PDF opens at the page (#page=N); a web page has no pages to point to.
    pdf = hit["format"] == "pdf"
    hit["page_links"] = [{"page": p, "url": urls.document_file(hit["id"], page=p)} for p in hit["pages"]] if pdf else []
    for snippet in hit["snippets"]:
        snippet["url"] = urls.document_file(hit["id"], page=snippet["page"]) if snippet["page"] and pdf else None
    return hit


def _rfc3339(value: str) -> str:
    """"2024-03-01T10:00:00" (local time) → an Atom date with its offset."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        moment = dt.datetime.now()
    return moment.astimezone().isoformat(timespec="seconds")
