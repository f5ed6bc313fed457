"""Starlette application: pages for visitors and their JSON twins.

Each view builds one plain dict, rendered as HTML or returned as JSON
(``/search`` and ``/search.json``). Templates and static files live in the
project's top-level ``web/`` folder (``Settings.web_dir``).
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..config import Settings
from ..errors import DocsearchError, IndexMissing, QueryError, UserError
from ..search import SearchService
from ..sources import resolve_inside
from .params import search_request, toggle_url

SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


def create_app(settings: Settings, service: SearchService | None = None) -> Starlette:
    service = service or SearchService(settings)
    templates = Jinja2Templates(directory=str(settings.web_dir / "templates"))
    templates.env.filters["fr_number"] = lambda n: f"{n:,}".replace(",", "\u202f")
    views = _Views(settings, service, templates)
    routes = [
        Route("/", views.search, name="home"),
        Route("/search", views.search, name="search"),
        Route("/search.json", views.search_json, name="search_json"),
        Route("/documents/{doc_id:str}.json", views.document_json, name="document_json"),
        Route("/documents/{doc_id:str}", views.document, name="document"),
        Route("/documents/{doc_id:str}/file", views.document_file, name="document_file"),
        Mount("/static", StaticFiles(directory=str(settings.web_dir / "static")), name="static"),
    ]
    handlers = {HTTPException: views.http_error, DocsearchError: views.app_error}
    app = Starlette(routes=routes, exception_handlers=handlers, middleware=[Middleware(SecurityHeaders)])  # type: ignore[arg-type]
    app.state.service = service
    return app


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.decode().lower() for k, _ in headers}
                # A route's own stricter header (the sandbox of a saved page) stays.
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items() if k not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _Views:
    """Plain (not async) endpoints: Starlette runs them in its thread pool, so a
    slow search never stalls the event loop and the other visitors."""

    def __init__(self, settings: Settings, service: SearchService, templates: Jinja2Templates) -> None:
        self.settings, self.service, self.templates = settings, service, templates

    def _search_data(self, request: Request) -> dict[str, Any]:
        search_request_ = search_request(request.query_params)
        result = self.service.search(search_request_)
        data = result.to_dict()
        for facet, values in data["facets"].items():
            for value in values:
                value["toggle_url"] = toggle_url(request.query_params, facet, value["value"])
        return data

    def search(self, request: Request) -> Response:
        data = self._search_data(request)
        for hit in data["hits"]:
            for snippet in hit["snippets"]:
                snippet["html"] = Markup(snippet["html"])  # escaped by the highlighter
        return self.templates.TemplateResponse(request, "search.html", {"data": data})

    def search_json(self, request: Request) -> Response:
        return JSONResponse(self._search_data(request))

    def _document_data(self, doc_id: str) -> dict[str, Any]:
        doc = self.service.document(doc_id)
        if doc is None:
            raise HTTPException(404, "Document introuvable")
        return {"ok": True, "document": doc}

    def document(self, request: Request) -> Response:
        data = self._document_data(request.path_params["doc_id"])
        return self.templates.TemplateResponse(request, "document.html", {"data": data})

    def document_json(self, request: Request) -> Response:
        return JSONResponse(self._document_data(request.path_params["doc_id"]))

    def document_file(self, request: Request) -> Response:
        doc = self._document_data(request.path_params["doc_id"])["document"]
        path = resolve_inside(self.settings.corpus_dir, doc["relpath"])
        if not path.is_file():
            raise HTTPException(404, "Le fichier n'est plus dans le fonds documentaire")
        if doc["format"] == "pdf":
            return FileResponse(path, media_type="application/pdf", content_disposition_type="inline",
                                filename=path.name)
        # A saved web page is shown as its text only: its own scripts never run here.
        return FileResponse(path, media_type="text/plain; charset=utf-8", headers={"content-security-policy": "sandbox"})

    async def http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return self._error(request, exc.status_code, exc.detail)

    async def app_error(self, request: Request, exc: Exception) -> Response:
        if isinstance(exc, IndexMissing):
            return self._error(request, 503, "L'index n'est pas encore construit : lancez `docsearch index`.")
        status = 400 if isinstance(exc, (QueryError, UserError)) else 500
        return self._error(request, status, str(exc))

    def _error(self, request: Request, status: int, message: str) -> Response:
        if request.url.path.endswith(".json"):
            return JSONResponse({"ok": False, "error": message, "status": status}, status_code=status)
        return self.templates.TemplateResponse(request, "error.html", {"status": status, "message": message},
                                               status_code=status)
