"""The public ways into the catalogue for programs: OAI-PMH (``/oai``),
Dublin Core (``/documents/{id}.dc.xml``, ``/catalogue.dc.xml``) and the
sitemap (``/sitemap.xml``) for search engines.

Only published (indexed) documents are shown; drafts and the trash stay
staff's (the trash only as OAI-PMH deleted records: an id and a date).
"""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from collections.abc import Hashable
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from docsearch.catalogue.exchange import CatalogueRecord
from docsearch.config import Settings
from docsearch.search.service import SearchService
from docsearch.staff.exchange import catalogue_record, catalogue_records, withdrawn_records
from docsearch.web.dublincore import catalogue_xml, record_xml, to_bytes
from docsearch.web.oai import Repository, answer
from docsearch.web.urls import Urls

REPOSITORY_NAME = "Centre de ressources de l'ESS"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XML = "text/xml; charset=utf-8"
# A sitemap holds at most 50,000 addresses (sitemaps.org); past them, the newest are kept.
SITEMAP_LIMIT = 50_000


class OpenCatalogue:
    def __init__(self, settings: Settings, service: SearchService) -> None:
        self.settings, self.service = settings, service
        self._lock = threading.Lock()
        self._records: tuple[Hashable, list[CatalogueRecord]] | None = None

    def records(self) -> list[CatalogueRecord]:
        """The published records, kept per index generation: a harvester asks
        for page after page, and reading every stored record costs about
        0.16 ms a document (8 ms for the 51 sample documents: some 3 s for
        20,000). Any change staff make (a
        correction, a withdrawal, a restore) is a new generation."""
        generation = self.service.backend.generation()
        with self._lock:
            if self._records is not None and self._records[0] == generation:
                return self._records[1]
        records = catalogue_records(self.settings, self.service)
        with self._lock:
            self._records = (generation, records)
        return records

    def routes(self) -> list[Route]:
        return [
            Route("/oai", self.oai, methods=["GET", "POST"], name="oai"),
            Route("/sitemap.xml", self.sitemap, name="sitemap"),
            Route("/catalogue.dc.xml", self.catalogue_dc, name="catalogue_dc"),
            # Before /documents/{id}{format:suffix}, which would take ".dc" for part of the id.
            Route("/documents/{doc_id:str}.dc.xml", self.document_dc, name="document_dc"),
        ]

    def _host(self, request: Request) -> str:
        return urlsplit(self.settings.public_url).hostname or request.url.hostname or "localhost"

    async def oai(self, request: Request) -> Response:
        args = list(request.query_params.multi_items())
        if request.method == "POST":  # the specification allows both (form-encoded)
            form = await request.form(max_files=0, max_fields=20)
            args += [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
        urls = Urls.of(request)
        host = self._host(request)

        def build() -> bytes:
            records = self.records()
            repo = Repository(
                name=REPOSITORY_NAME, base_url=urls.absolute(urls.path("/oai")),
                admin_email=self.settings.admin_email or f"documentation@{host}", host=host, records=records,
                withdrawn=withdrawn_records(self.settings, {r.id for r in records}), vocab=self.service.vocab,
                page_size=max(1, self.settings.oai_page_size),
                page_url=lambda doc_id: urls.absolute(urls.document(doc_id)))
            return answer(args, repo)

        return Response(await run_in_threadpool(build), media_type=XML)

    def document_dc(self, request: Request) -> Response:
        doc_id = request.path_params["doc_id"]
        record = catalogue_record(self.settings, self.service, doc_id)
        if record is None:
            raise HTTPException(404, "Document introuvable")
        urls = Urls.of(request)
        return Response(record_xml(record, self.service.vocab, urls.absolute(urls.document(doc_id))), media_type=XML)

    def catalogue_dc(self, request: Request) -> Response:
        urls = Urls.of(request)
        records = self.records()
        body = catalogue_xml(((r, urls.absolute(urls.document(r.id))) for r in records), self.service.vocab)
        return Response(body, media_type=XML, headers={"content-disposition": 'inline; filename="catalogue.dc.xml"'})

    def sitemap(self, request: Request) -> Response:
        urls = Urls.of(request)
        records = sorted(self.records(), key=lambda r: r.changed, reverse=True)
        root = ET.Element("urlset", {"xmlns": SITEMAP})  # declared by hand, as in web/oai.py
        entry = ET.SubElement(root, "url")
        ET.SubElement(entry, "loc").text = urls.absolute(urls.home())
        if records:
            ET.SubElement(entry, "lastmod").text = records[0].changed
        for record in records[:SITEMAP_LIMIT - 1]:
            entry = ET.SubElement(root, "url")
            ET.SubElement(entry, "loc").text = urls.absolute(urls.document(record.id))
            ET.SubElement(entry, "lastmod").text = record.changed
        return Response(to_bytes(root), media_type=XML)
