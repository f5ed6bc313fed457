"""The notices (``/gestion/notices``): the whole catalogue, filtered, sorted, and changed many at a time.

- ``GET /notices``: every document, filtered by sector, type, year, format,
  origin of the values ("à vérifier"…), OCR, date added and words; sorted
  by title, year or date added; 50 a page (``search.notices``).
- ``POST /notices/modifier``: the ticked notices get a sector added or
  removed, a type, a year, an organisation, or values added to / removed
  from any other list field (keywords); only those fields are written
  into each sidecar (``staff.bulk.write_fields``), each document's change
  is one journal entry (so one can be reverted), then all are indexed.
- ``POST /notices/retirer``: a confirmation listing the ticked documents,
  then (``confirmer``) they go to the trash, journaled.

The forms carry the CSRF token (``read_form``); the list's filters come
back after an action (``retour``, a query string of this page only).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from docsearch.corpus.write import move_to_trash
from docsearch.errors import UserError
from docsearch.search.notices import MAX_WORD_MATCHES, ORIGINS, SORTS, UNKNOWN, Catalogue, NoticeFilter
from docsearch.search.service import DocumentView
from docsearch.staff.bulk import BulkChange, changed, list_fields, write_fields
from docsearch.staff.journal import FIELD_LABELS, field_changes
from docsearch.web.roles import flash
from docsearch.web.security import read_form, signed_in
from docsearch.web.staff import INDEX_WAIT, StaffViews, _staff_values, _text, date_range
from docsearch.web.urls import Urls

# The list's own parameters (what ``retour`` may carry back).
FILTER_PARAMS = ("q", "secteur", "type", "annee", "format", "origine", "ocr", "du", "au", "tri", "page")
MAX_SELECTED = 150  # ticked notices in one action (the form's field limit is 200)


class NoticeViews:
    def __init__(self, staff: StaffViews) -> None:
        self.staff = staff
        self.catalogue = Catalogue(staff.service)

    def routes(self) -> list[Route]:
        return [
            Route("/notices", self.list_page, methods=["GET"], name="staff_notices"),
            Route("/notices/modifier", self.bulk_edit, methods=["POST"], name="staff_notices_edit"),
            Route("/notices/retirer", self.bulk_withdraw, methods=["POST"], name="staff_notices_withdraw"),
        ]

    async def list_page(self, request: Request) -> Response:
        wanted, sort, page = self._filter(request.query_params)
        listed = await run_in_threadpool(self.catalogue.list, wanted, sort, page)
        kept = [(k, v) for k, v in request.query_params.multi_items() if k in FILTER_PARAMS and k != "page" and v]
        urls = Urls.of(request)
        links = {
            "previous": urls.staff("/notices", [*kept, ("page", str(listed.page - 1))]) if listed.page > 1 else "",
            "next": urls.staff("/notices", [*kept, ("page", str(listed.page + 1))]) if listed.page < listed.page_count else "",
            "sorts": [(code, label, urls.staff("/notices", [*[(k, v) for k, v in kept if k != "tri"], ("tri", code)]))
                      for code, (label, _, _) in SORTS.items()],
            # Ticking a whole page without a script: the same page, every box ticked.
            "all_ticked": request.query_params.get("cocher") == "tout",
            "tick": urls.staff("/notices", [*kept, ("page", str(listed.page)), ("cocher", "tout")]),
            "untick": urls.staff("/notices", [*kept, ("page", str(listed.page))]),
        }
        return self.staff._page(request, "notices.html", listed=listed, wanted=wanted, vocab=self.staff.vocab,
                                origins={code: label for code, (label, _) in ORIGINS.items()}, links=links,
                                retour=urlencode([*kept, ("page", str(listed.page))]), max_words=MAX_WORD_MATCHES,
                                list_fields=[(name, FIELD_LABELS.get(name, name)) for name in list_fields()])

    def _filter(self, params: QueryParams) -> tuple[NoticeFilter, str, int]:
        vocab = self.staff.vocab
        sector, doctype = params.get("secteur", ""), params.get("type", "")
        if sector and vocab.sector_code(sector) is None:
            raise HTTPException(400, f"Secteur inconnu : « {sector[:80]} »")
        if doctype and vocab.doctype_code(doctype) is None:
            raise HTTPException(400, f"Type de document inconnu : « {doctype[:80]} »")
        year = params.get("annee", "")
        if year and year != UNKNOWN and not (len(year) == 4 and year.isdigit()):
            raise HTTPException(400, "Une année de quatre chiffres, ou « inconnue ».")
        added_from, added_to = date_range(params)
        page = params.get("page", "1")
        if not page.isdigit() or not 1 <= int(page) <= 100_000:
            raise HTTPException(400, f"Numéro de page invalide : « {page[:20]} »")
        ocr = params.get("ocr", "")
        wanted = NoticeFilter(
            q=params.get("q", "")[:500], sector=vocab.sector_code(sector) or "" if sector else "",
            doctype=vocab.doctype_code(doctype) or "" if doctype else "", year=year, format=params.get("format", "")[:20],
            origin=params.get("origine", "") if params.get("origine", "") in ORIGINS else "",
            ocr=ocr if ocr in ("oui", "non") else "", added_from=added_from, added_to=added_to)
        return wanted, params.get("tri", ""), int(page)

    # Actions on the ticked notices ---------------------------------------

    async def _selected(self, request: Request, form: FormData) -> list[DocumentView]:
        ids = list(dict.fromkeys(i for i in form.getlist("ids") if isinstance(i, str) and i))
        if not ids:
            raise HTTPException(400, "Cochez au moins une notice.")
        if len(ids) > MAX_SELECTED:
            raise HTTPException(400, f"{MAX_SELECTED} notices au plus à la fois.")
        docs = [doc for i in ids if (doc := await run_in_threadpool(self.staff.service.document, i[:40]))]
        if not docs:
            raise HTTPException(404, "Aucune des notices cochées n'est plus dans le fonds.")
        return docs

    def _back(self, request: Request, form: FormData) -> RedirectResponse:
        kept = [(k, v) for k, v in parse_qsl(_text(form, "retour")) if k in FILTER_PARAMS]
        return RedirectResponse(Urls.of(request).staff("/notices", kept), status_code=303)

    async def bulk_edit(self, request: Request) -> Response:
        form = await read_form(request)
        docs = await self._selected(request, form)
        change = self._change(form)
        who = signed_in(request) or ""
        relpaths, described, refused = [], _describe(change, self.staff), []
        for doc in docs:
            current = _staff_values(doc)
            new = changed(current, change)
            changes = field_changes(current, new)
            if not changes:
                continue
            try:
                await run_in_threadpool(write_fields, self.staff.settings, doc.relpath,
                                        {name: after for name, (_, after) in changes.items()})
            except UserError as exc:
                refused.append(str(exc))
                continue
            await run_in_threadpool(self.staff.journal.record, who, "bulk-edit", doc.relpath, changes, title=doc.title,
                                    note=described)
            relpaths.append(doc.relpath)
        if relpaths:
            job = self.staff.queue.submit(only=relpaths)
            await run_in_threadpool(job.wait, INDEX_WAIT * 2)
        count, same = len(relpaths), len(docs) - len(relpaths) - len(refused)
        flash(request, f"{described} : {count} notice{'s' if count != 1 else ''} modifiée{'s' if count != 1 else ''}"
                       + (f" ({same} déjà à jour)" if same else "") + "."
                       + (" Non modifiées : " + " ; ".join(refused) + "." if refused else ""))
        return self._back(request, form)

    def _change(self, form: FormData) -> BulkChange:
        vocab = self.staff.vocab
        values: dict[str, Any] = {}
        for name, lookup, label in (("ajouter_secteur", vocab.sector_code, "Secteur"), ("retirer_secteur", vocab.sector_code, "Secteur"),
                                    ("type", vocab.doctype_code, "Type de document")):
            given = _text(form, name).strip()
            code = lookup(given) if given else ""
            if code is None:
                raise HTTPException(400, f"{label} inconnu : « {given[:80]} »")
            values[name] = code
        typed_year = _text(form, "annee").strip()
        if typed_year and not (len(typed_year) == 4 and typed_year.isdigit() and 1900 <= int(typed_year) <= 2100):
            raise HTTPException(400, "Une année de 1900 à 2100.")
        organisation = " ".join(_text(form, "organisation").split())[:200]
        adding = {name: _words(_text(form, f"ajouter_{name}")) for name in list_fields()}
        removing = {name: _words(_text(form, f"retirer_{name}")) for name in list_fields()}
        change = BulkChange(values["ajouter_secteur"], values["retirer_secteur"], values["type"],
                            int(typed_year) if typed_year else None, organisation, adding, removing)
        if change.is_empty():
            raise HTTPException(400, "Choisissez ce qui change : un secteur à ajouter ou retirer, un type, une année…")
        return change

    async def bulk_withdraw(self, request: Request) -> Response:
        form = await read_form(request)
        docs = await self._selected(request, form)
        if _text(form, "confirmer") != "oui":
            return self.staff._page(request, "notices_withdraw.html", docs=docs, retour=_text(form, "retour"))
        who = signed_in(request) or ""
        relpaths = []
        for doc in docs:
            try:
                await run_in_threadpool(move_to_trash, self.staff.settings.corpus_dir, doc.relpath)
            except FileNotFoundError:
                continue  # withdrawn meanwhile
            await run_in_threadpool(self.staff.journal.record, who, "withdraw", doc.relpath, title=doc.title,
                                    note="retrait groupé")
            relpaths.append(doc.relpath)
        job = self.staff.queue.submit(only=[], forget=relpaths)
        await run_in_threadpool(job.wait, INDEX_WAIT * 2)
        count = len(relpaths)
        flash(request, f"{count} document{'s' if count != 1 else ''} retiré{'s' if count != 1 else ''} du fonds "
                       "(dans la corbeille, d'où ils peuvent être restaurés).")
        return self._back(request, form)


def _describe(change: BulkChange, staff: StaffViews) -> str:
    """The change in French, for the confirmation and the journal."""
    vocab = staff.vocab
    parts = []
    if change.add_sector:
        parts.append(f"secteur « {vocab.sector_label(change.add_sector)} » ajouté")
    if change.remove_sector:
        parts.append(f"secteur « {vocab.sector_label(change.remove_sector)} » retiré")
    if change.doctype:
        parts.append(f"type « {vocab.doctype_label(change.doctype)} »")
    if change.year:
        parts.append(f"année {change.year}")
    if change.organisation:
        parts.append(f"organisation « {change.organisation} »")
    for name, values in change.add_values.items():
        if values:
            parts.append(f"{FIELD_LABELS.get(name, name).lower()} ajoutés : {', '.join(values)}")
    for name, values in change.remove_values.items():
        if values:
            parts.append(f"{FIELD_LABELS.get(name, name).lower()} retirés : {', '.join(values)}")
    text = ", ".join(parts)
    return text[:1].upper() + text[1:]


def _words(text: str) -> tuple[str, ...]:
    """Values typed separated by commas or semicolons."""
    return tuple(dict.fromkeys(v for part in text.replace(";", ",").split(",") if (v := " ".join(part.split())[:100])))
