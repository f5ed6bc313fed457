"""Starlette application: the pages visitors use, in every format, and the staff workspace.

One view per page; the suffix of the path picks the format (``/search``,
``/search.json``, ``/search.atom``) and ``docsearch.web.render`` its renderer.
Pages and formats: ``/`` and ``/index.json``; ``/search``, ``/search.json``,
``/search.atom`` (a feed of any search); ``/documents/{id}`` and
``/documents/{id}.json``; ``/feed.atom`` (newest documents). Besides them:
``/documents/{id}/file`` (the original), ``/opensearch.xml``,
``/openapi.json``, ``/static/…`` and the staff pages under ``/gestion``.
Templates and static files come from ``Settings.web_dir`` (shipped inside
the package); a template in ``<instance>/templates/`` wins over the shipped one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import mimetypes
from collections.abc import AsyncIterator, Mapping
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from docsearch.config import Settings
from docsearch.corpus.scan import open_regular, resolve_inside
from docsearch.errors import DocsearchError, IndexMissing, IndexUnavailable, QueryError, UserError
from docsearch.search.service import SearchService
from docsearch.staff.schedule import Crawls
from docsearch.staff.searchlog import SearchLog
from docsearch.web.exchange import ExchangeViews
from docsearch.web.journal import JournalViews
from docsearch.web.notices import NoticeViews
from docsearch.web.open_catalogue import OpenCatalogue
from docsearch.web.openapi import openapi_document
from docsearch.web.params import FILTERS
from docsearch.web.render import Renderers, make_templates
from docsearch.web.security import BodyLimit, SignInThrottle, StaffGate, session_secret
from docsearch.web.selection import EXPORTS, export_response
from docsearch.web.sessions import Sessions
from docsearch.web.sites import SitesViews
from docsearch.web.staff import StaffViews
from docsearch.web.suggest import suggest_response
from docsearch.web.uploads import UploadViews
from docsearch.web.urls import Urls
from docsearch.web.views import (
    DocumentPage,
    HomePage,
    SearchPage,
    document_page,
    home_page,
    newest_page,
    search_page,
)
from docsearch.web.vocabularies import VocabularyViews

SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}
FORM_OVERHEAD = 64 * 1024  # the fields around an uploaded file


def create_app(settings: Settings, service: SearchService | None = None, throttle: SignInThrottle | None = None) -> Starlette:
    service = service or SearchService(settings)
    templates = make_templates(settings)
    views = _Views(settings, service, templates)
    routes = [
        *OpenCatalogue(settings, service).routes(),  # /oai, /sitemap.xml, Dublin Core (before /documents/…)
        # One view per page; "{format:suffix}" is ".json" or ".atom", the page itself has none.
        Route("/", views.home, name="home"),
        Route("/index{format:suffix}", views.home),
        Route("/search", views.search, name="search"),
        Route("/search{format:suffix}", views.search),
        Route("/feed.atom", views.newest, name="feed"),
        Route("/documents/{doc_id:str}{format:suffix}", views.document),
        Route("/documents/{doc_id:str}", views.document, name="document"),
        Route("/documents/{doc_id:str}/file", views.document_file, name="document_file"),
        Route("/suggest.json", views.suggest, name="suggest"),
        Route("/selection", views.selection, name="selection"),
        Route("/selection.{export:str}", views.selection_export),
        Route("/opensearch.xml", views.opensearch, name="opensearch"),
        Route("/openapi.json", views.openapi, name="openapi"),
        Mount("/static", StaticFiles(directory=str(settings.web_dir / "static")), name="static"),
    ]
    staff = StaffViews(settings, service, templates, throttle)
    # Every /gestion route, in one list: the gate finds each request's role among them (web/roles.py).
    sites = SitesViews(settings, staff.queue, staff._page)
    staff_routes = [*staff.routes(), *NoticeViews(staff).routes(), *JournalViews(staff).routes(),
                    *ExchangeViews(staff).routes(), *sites.routes(), *VocabularyViews(staff).routes(),
                    *UploadViews(staff).routes()]
    routes.append(Mount("/gestion", routes=staff_routes,
                        middleware=[Middleware(StaffGate, accounts=staff.accounts, routes=staff_routes,
                                               expired=staff.expired_form)]))
    handlers = {HTTPException: views.http_error, DocsearchError: views.app_error, Exception: views.server_error}
    middleware = [
        Middleware(PublicAddress, public_url=settings.public_url),
        Middleware(SecurityHeaders),
        # A request may carry many files (a folder): the total cap; each file's own cap is checked on it.
        Middleware(BodyLimit, limit=settings.max_upload_bytes + FORM_OVERHEAD,
                   message=f"Envoi trop volumineux : {settings.max_upload_mb} Mo au plus en une fois "
                           f"({settings.max_file_mb} Mo par fichier). Envoyez les fichiers en plusieurs fois."),
        # Public pages never touch the session: visitors get no cookie.
        Middleware(Sessions, secret_key=session_secret(settings.instance_dir)),
    ]
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Finish the publications a kill interrupted, then catch up with
        # whatever changed while the server was down (an upload interrupted
        # between the corpus and the index, files copied by hand).
        await run_in_threadpool(staff.recover)
        staff.queue.submit(only=None)
        scheduler = asyncio.create_task(_crawl_schedule(sites.crawls, settings.crawl_tick))
        yield
        scheduler.cancel()

    app = Starlette(routes=routes, exception_handlers=handlers, middleware=middleware, lifespan=lifespan)
    app.state.service = service
    app.state.crawls = sites.crawls
    return app


async def _crawl_schedule(crawls: Crawls, every: float) -> None:
    """The followed sites' daily and weekly crawls, looked for every ``every`` seconds."""
    while True:
        await asyncio.sleep(every)
        try:
            await run_in_threadpool(crawls.tick)
        except Exception:  # a locked or damaged sites database: the server goes on, the next tick tries again
            logging.getLogger(__name__).exception("crawl schedule")


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
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _Views:
    """Plain (not async) endpoints: Starlette runs them in its thread pool, so a
    slow search never stalls the event loop and the other visitors."""

    def __init__(self, settings: Settings, service: SearchService, templates: Jinja2Templates) -> None:
        self.settings, self.service, self.templates = settings, service, templates
        self.renderers = Renderers(templates)
        self.log = SearchLog(settings.instance_dir)

    def home(self, request: Request) -> Response:
        format = self.renderers.format(request, HomePage)
        return self.renderers.render(request, home_page(self.service, Urls.of(request)), format)

    def search(self, request: Request) -> Response:
        format = self.renderers.format(request, SearchPage)
        page = search_page(self.service, request.query_params, Urls.of(request), format)
        if page.page == 1 and format != "atom":  # a feed reader polling is not a visitor searching
            self.log.record(page.query, page.total,
                            filters=[(k, v) for k, v in request.query_params.multi_items() if k in FILTERS and v])
        return self.renderers.render(request, page, format)

    def newest(self, request: Request) -> Response:
        return self.renderers.render(request, newest_page(self.service, Urls.of(request)), "atom")

    def document(self, request: Request) -> Response:
        format = self.renderers.format(request, DocumentPage)
        page = document_page(self.service, request.path_params["doc_id"], Urls.of(request), request.query_params)
        if page is None:
            raise HTTPException(404, "Document introuvable")
        return self.renderers.render(request, page, format)

    def document_file(self, request: Request) -> Response:
        doc = self.service.document(request.path_params["doc_id"])
        if doc is None:
            raise HTTPException(404, "Document introuvable")
        path = resolve_inside(self.settings.corpus_dir, doc.relpath)
        if not path.is_file():
            raise HTTPException(404, "Le fichier n'est plus dans le fonds documentaire")
        try:  # opened before any header is sent: a file that cannot be read gets a whole error page
            with open_regular(path):
                pass
        except OSError:
            raise HTTPException(503, "Le fichier ne peut pas être lu par le serveur pour le moment.") from None
        disposition = "attachment" if request.query_params.get("telecharger") else "inline"
        if doc.format == "pdf":
            return FileResponse(path, media_type="application/pdf", content_disposition_type=disposition, filename=path.name)
        if doc.format != "html":  # an office file or an image: the original, to download
            media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return FileResponse(path, media_type=media, content_disposition_type="attachment", filename=path.name,
                                headers={"content-security-policy": "sandbox"})
        # A saved web page: as a download, its snapshot (as text: its own scripts never run
        # here); to read, its extracted text, not the HTML source with its banners and scripts.
        if disposition == "attachment":
            return FileResponse(path, media_type="text/plain; charset=utf-8", content_disposition_type=disposition,
                                filename=path.name, headers={"content-security-policy": "sandbox"})
        return Response(self.service.text(doc.id), media_type="text/plain; charset=utf-8",
                        headers={"content-security-policy": "sandbox"})

    def suggest(self, request: Request) -> Response:
        return suggest_response(self.service, request)

    def selection(self, request: Request) -> Response:
        """"Ma sélection": the page is a frame that its script fills from the browser's storage."""
        return self.templates.TemplateResponse(request, "selection.html", {"data": {}})

    def selection_export(self, request: Request) -> Response:
        format = request.path_params["export"]
        if format not in EXPORTS:
            raise HTTPException(404, "Page introuvable")
        return export_response(self.service, request, format)

    def opensearch(self, request: Request) -> Response:
        return self.renderers.xml(request, "opensearch.xml", {}, "application/opensearchdescription+xml")

    def openapi(self, request: Request) -> Response:
        urls = Urls.of(request)
        return JSONResponse(openapi_document(urls.absolute(urls.path("")), self.service.vocab))

    async def http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return self._error(request, exc.status_code, exc.detail, exc.headers)

    async def app_error(self, request: Request, exc: Exception) -> Response:
        if isinstance(exc, IndexMissing):
            return self._error(request, 503, "Le fonds documentaire est en cours de préparation : revenez dans quelques instants.")
        if isinstance(exc, IndexUnavailable):  # answered again as soon as a good generation is published
            return self._error(request, 503, "L'index est en cours de reconstruction ou endommagé : "
                                             "revenez dans quelques instants.", {"Retry-After": "30"})
        status = 400 if isinstance(exc, (QueryError, UserError)) else 500
        return self._error(request, status, str(exc))

    async def server_error(self, request: Request, exc: Exception) -> Response:
        return self._error(request, 500, "Une erreur inattendue s'est produite. Réessayez dans un instant.")

    def _error(self, request: Request, status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
        if request.url.path.endswith(".json"):
            return JSONResponse({"ok": False, "error": message, "status": status}, status_code=status, headers=headers)
        return self.templates.TemplateResponse(request, "error.html", {"status": status, "message": message, "data": {}},
                                               status_code=status, headers=headers)

