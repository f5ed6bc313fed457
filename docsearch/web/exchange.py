"""Staff pages to hand the catalogue out and bring metadata in (under /gestion).

- ``GET /gestion/export.csv``: every published record (see ``catalogue.exchange``).
- ``GET /gestion/import``: the form; ``POST /gestion/import``: the dry run,
  field by field, nothing written; the file waits in
  ``<instance>/imports/<token>.csv`` for ``POST /gestion/import/appliquer``,
  which plans it again against the catalogue as it is then, writes the
  sidecars and indexes the documents changed.
- ``GET /gestion/recherches.csv``: the search report of a period.

Role: all of these are a documentaliste's work (the whole catalogue out, or
many records changed at once).
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from docsearch.catalogue.exchange import to_csv
from docsearch.errors import UserError
from docsearch.staff.exchange import catalogue_records, plan_catalogue_import, write_import
from docsearch.web.report import read_period, report_csv
from docsearch.web.security import read_form, signed_in
from docsearch.web.staff import INDEX_WAIT, StaffViews

CSV_TYPE = "text/csv; charset=utf-8"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")
KEEP_PENDING = 24 * 3600  # an import previewed and never applied is forgotten after a day


class ExchangeViews:
    def __init__(self, staff: StaffViews) -> None:
        self.staff, self.settings, self.service = staff, staff.settings, staff.service

    def routes(self) -> list[Route]:
        return [
            Route("/export.csv", self.export_csv, methods=["GET"], name="staff_export"),
            Route("/import", self.import_page, methods=["GET"], name="staff_import"),
            Route("/import", self.preview, methods=["POST"]),
            Route("/import/appliquer", self.apply, methods=["POST"], name="staff_import_apply"),
            Route("/recherches.csv", self.report_csv, methods=["GET"], name="staff_report_csv"),
        ]

    @property
    def _pending(self) -> Path:
        return self.settings.instance_dir / "imports"

    async def export_csv(self, request: Request) -> Response:
        text = await run_in_threadpool(lambda: to_csv(catalogue_records(self.settings, self.service)))
        stamp = time.strftime("%Y-%m-%d")
        return Response(text.encode("utf-8"), media_type=CSV_TYPE,
                        headers={"content-disposition": f'attachment; filename="catalogue-{stamp}.csv"'})

    async def report_csv(self, request: Request) -> Response:
        period = read_period(request.query_params, self.staff.log.today())
        report = await run_in_threadpool(self.staff.log.report, 30, 30, period.start, period.end)
        name = f"recherches-{period.start.isoformat()}-{period.end.isoformat()}.csv"
        return Response(report_csv(report, self.service.vocab).encode("utf-8"), media_type=CSV_TYPE,
                        headers={"content-disposition": f'attachment; filename="{name}"'})

    async def import_page(self, request: Request) -> Response:
        return self.staff._page(request, "import.html", limit=self.settings.max_import_mb)

    async def preview(self, request: Request) -> Response:
        form = await read_form(request, self.settings.max_import_bytes + 1, max_files=1)
        try:
            upload = form.get("fichier")
            if not isinstance(upload, UploadFile) or not upload.filename:
                return self._error(request, "Choisissez un fichier CSV.")
            data = await upload.read(self.settings.max_import_bytes + 1)
        finally:
            await form.close()
        try:
            plan = await run_in_threadpool(plan_catalogue_import, self.settings, self.service, data)
        except UserError as exc:
            return self._error(request, str(exc))
        token = await run_in_threadpool(self._keep, data) if plan.changing else ""
        return self._page(request, plan=plan, token=token, file_name=upload.filename)

    async def apply(self, request: Request) -> Response:
        form = await read_form(request)
        token = form.get("jeton", "")
        if not isinstance(token, str) or not _TOKEN.fullmatch(token) or not (self._pending / f"{token}.csv").is_file():
            raise HTTPException(400, "Cet import n'est plus disponible : envoyez le fichier à nouveau.")
        path = self._pending / f"{token}.csv"
        data = path.read_bytes()
        try:
            plan = await run_in_threadpool(plan_catalogue_import, self.settings, self.service, data)
        except UserError as exc:
            return self._error(request, str(exc))
        written = await run_in_threadpool(write_import, self.settings, plan, signed_in(request) or "", self.staff.journal)
        path.unlink(missing_ok=True)
        done = True
        if written:
            job = self.staff.queue.submit(only=written)
            done = await run_in_threadpool(job.wait, INDEX_WAIT * 4)
        return self._page(request, plan=plan, applied=written, indexed=done)

    def _keep(self, data: bytes) -> str:
        self._pending.mkdir(parents=True, exist_ok=True)
        for old in self._pending.glob("*.csv"):
            try:
                if old.stat().st_mtime < time.time() - KEEP_PENDING:
                    old.unlink()
            except OSError:
                continue
        token = secrets.token_urlsafe(32)
        (self._pending / f"{token}.csv").write_bytes(data)
        return token

    def _page(self, request: Request, status: int = 200, **context: object) -> Response:
        return self.staff._page(request, "import.html", status, limit=self.settings.max_import_mb, **context)

    def _error(self, request: Request, message: str) -> Response:
        return self._page(request, 400, error=message)
