"""Starlette application: the pages visitors use and their JSON twins.

Routes (HTML page → JSON twin): ``/`` → ``/index.json``; ``/search`` →
``/search.json`` (and ``/search.atom``, a feed of any search);
``/documents/{id}`` → ``/documents/{id}.json``; ``/documents/{id}/file``
(the original); ``/feed.atom`` (newest documents); ``/opensearch.xml``;
``/openapi.json``. Templates and static files live in the project's
top-level ``web/`` folder (``Settings.web_dir``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from docsearch.config import Settings
from docsearch.errors import DocsearchError, IndexMissing, QueryError, UserError
from docsearch.search.service import SearchRequest, SearchService
from docsearch.staff.searchlog import SearchLog
from docsearch.corpus.scan import resolve_inside
from docsearch.web.formats import french_date, french_number, french_size
from docsearch.web.openapi import openapi_document
from docsearch.web.params import search_request
from docsearch.web.security import BodyLimit, StaffGate, session_secret
from docsearch.web.staff import StaffViews
from docsearch.web.views import document_data, home_data, search_data

SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}
FEED_SIZE = 20
FORM_OVERHEAD = 64 * 1024  # the fields around an uploaded file


def create_app(settings: Settings, service: SearchService | None = None) -> Starlette:
    service = service or SearchService(settings)
    templates = Jinja2Templates(directory=str(settings.web_dir / "templates"))
    templates.env.filters.update(fr_number=french_number, fr_date=french_date, fr_size=french_size)
    views = _Views(settings, service, templates)
    routes = [
        Route("/", views.home, name="home"),
        Route("/index.json", views.home_json, name="home_json"),
        Route("/search", views.search, name="search"),
        Route("/search.json", views.search_json, name="search_json"),
        Route("/search.atom", views.search_feed, name="search_feed"),
        Route("/feed.atom", views.newest_feed, name="feed"),
        Route("/documents/{doc_id:str}.json", views.document_json, name="document_json"),
        Route("/documents/{doc_id:str}", views.document, name="document"),
        Route("/documents/{doc_id:str}/file", views.document_file, name="document_file"),
        Route("/opensearch.xml", views.opensearch, name="opensearch"),
        Route("/openapi.json", views.openapi, name="openapi"),
        Mount("/static", StaticFiles(directory=str(settings.web_dir / "static")), name="static"),
    ]
    staff = StaffViews(settings, service, templates)
    routes.append(Mount("/gestion", routes=staff.routes(), middleware=[Middleware(StaffGate, accounts=staff.accounts)]))
    handlers = {HTTPException: views.http_error, DocsearchError: views.app_error, Exception: views.server_error}
    middleware = [
        Middleware(PublicAddress, public_url=settings.public_url),
        Middleware(SecurityHeaders),
        Middleware(BodyLimit, limit=settings.max_file_bytes + FORM_OVERHEAD),
        # Public pages never touch the session: visitors get no cookie.
        Middleware(SessionMiddleware, secret_key=session_secret(settings.instance_dir), session_cookie="docsearch_session",
                   same_site="lax", max_age=12 * 3600),
    ]
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Catch up with whatever changed while the server was down (an upload
        # interrupted between the corpus and the index, files copied by hand).
        staff.queue.submit(only=None)
        yield

    app = Starlette(routes=routes, exception_handlers=handlers, middleware=middleware, lifespan=lifespan)  # type: ignore[arg-type]
    app.state.service = service
    return app


class PublicAddress:
    """With a configured public address, absolute links never come from the
    request's Host header (which anyone can set)."""

    def __init__(self, app: ASGIApp, public_url: str) -> None:
        self.app = app
        parts = urlsplit(public_url) if public_url else None
        self.scheme = parts.scheme if parts else ""
        self.host = parts.netloc.encode() if parts else b""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.host and scope["type"] == "http":
            scope = {**scope, "scheme": self.scheme,
                     "headers": [(k, v) for k, v in scope["headers"] if k != b"host"] + [(b"host", self.host)]}
        await self.app(scope, receive, send)


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
                if scope.get("scheme") == "https":  # the session cookie only travels encrypted
                    headers = [(k, v + b"; secure" if k.lower() == b"set-cookie" and b"secure" not in v.lower() else v)
                               for k, v in headers]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _Views:
    """Plain (not async) endpoints: Starlette runs them in its thread pool, so a
    slow search never stalls the event loop and the other visitors."""

    def __init__(self, settings: Settings, service: SearchService, templates: Jinja2Templates) -> None:
        self.settings, self.service, self.templates = settings, service, templates
        self.log = SearchLog(settings.instance_dir)

    def _page(self, request: Request, name: str, data: dict[str, Any], status: int = 200) -> Response:
        return self.templates.TemplateResponse(request, name, {"data": data}, status_code=status)

    def home(self, request: Request) -> Response:
        return self._page(request, "home.html", home_data(self.service))

    def home_json(self, request: Request) -> Response:
        return JSONResponse(home_data(self.service))

    def _search(self, request: Request) -> dict[str, Any]:
        data = search_data(self.service, request.query_params)
        if data["page"] == 1:
            self.log.record(data["query"], data["total"])
        return data

    def search(self, request: Request) -> Response:
        data = self._search(request)
        for hit in data["hits"]:
            for snippet in hit["snippets"]:
                snippet["html"] = Markup(snippet["html"])  # escaped by the highlighter, <mark> added
        return self._page(request, "search.html", data)

    def search_json(self, request: Request) -> Response:
        return JSONResponse(self._search(request))

    def search_feed(self, request: Request) -> Response:
        search = search_request(request.query_params)
        result = self.service.search(SearchRequest(**{**search.__dict__, "sort": "added", "page": 1, "per_page": FEED_SIZE}))
        title = f"Recherche « {search.q} »" if search.q else "Recherche"
        return self._feed(request, title, result.to_dict()["hits"], str(request.url))

    def newest_feed(self, request: Request) -> Response:
        result = self.service.search(SearchRequest(sort="added", per_page=FEED_SIZE))
        return self._feed(request, "Nouveaux documents", result.to_dict()["hits"], str(request.url))

    def _feed(self, request: Request, title: str, hits: list[dict[str, Any]], self_url: str) -> Response:
        updated = max((h.get("added") or "" for h in hits), default="") or dt.datetime.now().isoformat(timespec="seconds")
        context = {"title": title, "hits": hits, "self_url": self_url, "updated": _rfc3339(updated)}
        for hit in hits:
            hit["updated"] = _rfc3339(hit.get("added") or updated)
        return self.templates.TemplateResponse(request, "feed.xml", context, media_type="application/atom+xml")

    def document(self, request: Request) -> Response:
        return self._page(request, "document.html", self._document(request))

    def document_json(self, request: Request) -> Response:
        return JSONResponse(self._document(request))

    def _document(self, request: Request) -> dict[str, Any]:
        data = document_data(self.service, request.path_params["doc_id"], request)
        if data is None:
            raise HTTPException(404, "Document introuvable")
        return data

    def document_file(self, request: Request) -> Response:
        doc = self.service.document(request.path_params["doc_id"])
        if doc is None:
            raise HTTPException(404, "Document introuvable")
        path = resolve_inside(self.settings.corpus_dir, doc["relpath"])
        if not path.is_file():
            raise HTTPException(404, "Le fichier n'est plus dans le fonds documentaire")
        disposition = "attachment" if request.query_params.get("telecharger") else "inline"
        if doc["format"] == "pdf":
            return FileResponse(path, media_type="application/pdf", content_disposition_type=disposition, filename=path.name)
        # A saved web page is served as text only: its own scripts never run here.
        return FileResponse(path, media_type="text/plain; charset=utf-8", content_disposition_type=disposition,
                            filename=path.name, headers={"content-security-policy": "sandbox"})

    def opensearch(self, request: Request) -> Response:
        return self.templates.TemplateResponse(request, "opensearch.xml", {}, media_type="application/opensearchdescription+xml")

    def openapi(self, request: Request) -> Response:
        return JSONResponse(openapi_document(str(request.base_url).rstrip("/"), self.service.vocab))

    async def http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return self._error(request, exc.status_code, exc.detail, exc.headers)

    async def app_error(self, request: Request, exc: Exception) -> Response:
        if isinstance(exc, IndexMissing):
            return self._error(request, 503, "Le fonds documentaire est en cours de préparation : revenez dans quelques instants.")
        status = 400 if isinstance(exc, (QueryError, UserError)) else 500
        return self._error(request, status, str(exc))

    async def server_error(self, request: Request, exc: Exception) -> Response:
        return self._error(request, 500, "Une erreur inattendue s'est produite. Réessayez dans un instant.")

    def _error(self, request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
        if request.url.path.endswith(".json"):
            return JSONResponse({"ok": False, "error": message, "status": status}, status_code=status, headers=headers)
        return self.templates.TemplateResponse(request, "error.html", {"status": status, "message": message, "data": {}},
                                               status_code=status, headers=headers)


def _rfc3339(value: str) -> str:
    """"2024-03-01T10:00:00" (local time) → an Atom date with its offset."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        moment = dt.datetime.now()
    return moment.astimezone().isoformat(timespec="seconds")
