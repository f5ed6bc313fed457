"""The journal's pages: ``/gestion/journal`` (filtered by person, action,
document and period) and the revert of a metadata change.

``POST /journal/{id}/annuler`` writes the previous values of that entry
back into the document's sidecar, through the same function as a bulk edit
(``staff.bulk.write_fields``), indexes the document and journals the revert
itself (action ``revert``, pointing at the entry it undid).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from docsearch.catalogue.records import document_id
from docsearch.corpus.scan import resolve_inside
from docsearch.errors import UserError
from docsearch.staff.bulk import write_fields
from docsearch.staff.journal import ACTIONS, JournalQuery
from docsearch.web.roles import flash
from docsearch.web.security import read_form, signed_in
from docsearch.web.staff import INDEX_WAIT, StaffViews, _staff_values, _text, date_range
from docsearch.web.urls import Urls

PER_PAGE = 50


class JournalViews:
    def __init__(self, staff: StaffViews) -> None:
        self.staff = staff

    def routes(self) -> list[Route]:
        return [
            Route("/journal", self.list_page, methods=["GET"], name="staff_journal"),
            Route("/journal/{entry_id:str}/annuler", self.revert, methods=["POST"], name="staff_journal_revert"),
        ]

    async def list_page(self, request: Request) -> Response:
        params = request.query_params
        since, until = date_range(params)
        action = params.get("action", "")
        if action and action not in ACTIONS:
            raise HTTPException(400, f"Action inconnue : « {action[:40]} »")
        page = params.get("page", "1")
        if not page.isdigit() or not 1 <= int(page) <= 100_000:
            raise HTTPException(400, f"Numéro de page invalide : « {page[:20]} »")
        query = JournalQuery(who=params.get("qui", "")[:40], action=action, document=params.get("document", "")[:200],
                             since=since, until=until)
        entries, total = await run_in_threadpool(self.staff.journal.entries, query, PER_PAGE, (int(page) - 1) * PER_PAGE)
        people = await run_in_threadpool(self.staff.journal.people)
        urls = Urls.of(request)
        kept = [(k, v) for k, v in params.multi_items() if k in ("qui", "action", "document", "du", "au") and v]
        page_count = max(1, -(-total // PER_PAGE))
        links: dict[str, Any] = {
            "previous": urls.staff("/journal", [*kept, ("page", str(int(page) - 1))]) if int(page) > 1 else "",
            "next": urls.staff("/journal", [*kept, ("page", str(int(page) + 1))]) if int(page) < page_count else "",
        }
        return self.staff._page(request, "journal.html", entries=entries, total=total, query=query, people=people,
                                actions=ACTIONS, links=links, vocab=self.staff.vocab, page=int(page), page_count=page_count,
                                here=urls.staff("/journal", [*kept, ("page", page)]), edit_links=self._edit_links(entries))

    def _edit_links(self, entries: list[Any]) -> dict[str, str]:
        """The correction page of each entry's document still in the corpus."""
        corpus, links = self.staff.settings.corpus_dir, {}
        for entry in entries:
            if entry.relpath and entry.relpath not in links:
                try:
                    present = resolve_inside(corpus, entry.relpath).is_file()
                except UserError:
                    present = False
                if present:
                    links[entry.relpath] = f"/documents/{document_id(entry.relpath)}/modifier"
        return links

    async def revert(self, request: Request) -> Response:
        form = await read_form(request)
        raw = request.path_params["entry_id"]
        entry = await run_in_threadpool(self.staff.journal.entry, int(raw)) if raw.isdigit() and len(raw) < 12 else None
        if entry is None:
            raise HTTPException(404, "Cette entrée du journal n'existe pas.")
        if not entry.revertible:
            raise HTTPException(400, "Seule une modification de notice peut être annulée.")
        doc = await run_in_threadpool(self.staff.service.document, document_id(entry.relpath))
        if doc is None:
            raise HTTPException(409, "Ce document n'est plus dans le fonds (retiré ou déplacé) : rien à annuler.")
        current = _staff_values(doc)
        changes = {c.field: (getattr(current, c.field, None), c.old) for c in entry.changes}
        try:
            await run_in_threadpool(write_fields, self.staff.settings, entry.relpath, {c.field: c.old for c in entry.changes})
        except UserError as exc:
            raise HTTPException(409, str(exc)) from None
        await run_in_threadpool(self.staff.journal.record, signed_in(request) or "", "revert", entry.relpath, changes,
                                title=doc.title, note=f"annule l'entrée n° {entry.id}", reverts=entry.id)
        job = self.staff.queue.submit(only=[entry.relpath])
        await run_in_threadpool(job.wait, INDEX_WAIT)
        flash(request, f"Modification n° {entry.id} de « {doc.title} » annulée : "
                       + ", ".join(c.label.lower() for c in entry.changes) + " remis comme avant.")
        back = _text(form, "retour")
        urls = Urls.of(request)
        target = back if back.startswith(urls.staff("/")) and not urlsplit(back).netloc and "\\" not in back else urls.staff("/journal")
        return RedirectResponse(target, status_code=303)
