"""``/suggest.json?q=…``: what the visitor may be typing, for the search box's autocomplete.

A few hundred bytes: ``{"q": "ress", "suggestions": [{"label":
"ressourcerie", "kind": "mot"}, {"label": "Rapport … Ressourcerie …",
"kind": "titre", "url": "/documents/…"}]}``. Words search the completed
query; a title opens its document. Answers are kept per index generation
by the service (``docsearch.search.completion``), and browsers may keep
them a minute.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from docsearch.search.service import SearchService
from docsearch.web.urls import Urls

MAX_CHARS = 100


def suggest_response(service: SearchService, request: Request) -> Response:
    urls = Urls.of(request)
    text = request.query_params.get("q", "")[:MAX_CHARS]
    suggestions: list[dict[str, Any]] = []
    for c in service.complete(text):
        item: dict[str, Any] = {"label": c.label, "kind": c.kind}
        if c.doc_id:
            item["url"] = urls.document(c.doc_id)
        suggestions.append(item)
    return JSONResponse({"q": text, "suggestions": suggestions}, headers={"cache-control": "public, max-age=60"})
