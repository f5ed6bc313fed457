"""What each page shows, as one plain dict: the HTML page renders it, its
JSON twin returns it.

``home_data``, ``search_data`` and ``document_data`` call the search
service and add the links a page needs, so templates hold no logic.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request

from docsearch.search.service import SearchRequest, SearchService
from docsearch.web.params import search_links, search_request, search_url

NEWEST = 6


def home_data(service: SearchService) -> dict[str, Any]:
    totals = service.search(SearchRequest(per_page=NEWEST, sort="added")).to_dict()
    browse = {"sectors": "secteur", "types": "type", "years": "annee"}
    for facet, values in totals["facets"].items():
        for value in values:
            value["url"] = search_url([(browse[facet], value["value"])])
    return {
        "ok": True,
        "total": totals["total"],
        "facets": totals["facets"],
        "newest": [_hit_links(hit) for hit in totals["hits"]],
        "feed_url": "/feed.atom",
    }


def search_data(service: SearchService, params: QueryParams) -> dict[str, Any]:
    data = service.search(search_request(params)).to_dict()
    data["hits"] = [_hit_links(hit) for hit in data["hits"]]
    data["links"] = search_links(params, data)
    return data


# What a document's staff notes say stays on the staff pages.
INTERNAL = ("warnings", "to_check", "origins")


def document_data(service: SearchService, doc_id: str, request: Request) -> dict[str, Any] | None:
    doc = service.document(doc_id)
    if doc is None:
        return None
    for key in INTERNAL:
        doc.pop(key, None)
    doc.update(_document_links(doc))
    doc["permalink"] = str(request.url_for("document", doc_id=doc_id))
    similar = [{k: v for k, v in (_document_links(d) | d).items() if k not in INTERNAL} for d in service.similar(doc_id)]
    return {"ok": True, "document": doc, "similar": similar}


def _document_links(doc: dict[str, Any]) -> dict[str, Any]:
    base = f"/documents/{doc['id']}"
    return {"page_url": base, "json_url": f"{base}.json", "file_url": f"{base}/file",
            "download_url": f"{base}/file?telecharger=1"}


def _hit_links(hit: dict[str, Any]) -> dict[str, Any]:
    hit.update(_document_links(hit))
    # A PDF opens at the page (#page=N); a web page has no pages to point to.
    hit["page_links"] = [{"page": p, "url": f"{hit['file_url']}#page={p}"} for p in hit["pages"]] if hit["format"] == "pdf" else []
    for snippet in hit["snippets"]:
        snippet["url"] = f"{hit['file_url']}#page={snippet['page']}" if snippet["page"] and hit["format"] == "pdf" else None
    return hit
