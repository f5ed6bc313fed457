"""The vocabularies' pages (administrateur): ``/gestion/vocabulaires``.

One page lists the sectors and the document types (label, synonyms,
keywords, how many documents use each) and the synonyms of the search, with
a form for each change: add, edit an entry, merge one code into another,
retire an unused code, replace the synonyms. The work is
``staff.vocabularies.VocabularyEditor``'s; after a change of sectors or
types the whole corpus is queued for indexing (every document's fingerprint
holds the vocabulary's digest) and the answer waits for it a little, like
the other staff changes, so the visitor's facets show the new labels.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from docsearch.catalogue.vocabulary import BUILT_IN, KINDS
from docsearch.catalogue.vocabulary_files import VOCABULARY_FILES, file_in_use, read_synonym_groups, read_thesaurus_terms
from docsearch.errors import DocsearchError, UserError
from docsearch.staff.vocabularies import EntryInput, VocabularyChange, VocabularyEditor, split_groups, split_lines
from docsearch.web.roles import flash
from docsearch.web.security import signed_in
from docsearch.web.staff import INDEX_WAIT, StaffViews, _text
from docsearch.web.urls import Urls

# The form's name of each list → the vocabulary's (and the facet holding its counts).
LISTS = {"secteurs": "sector", "types": "doctype"}
_FACET = {"sector": "sectors", "doctype": "types"}
HEADINGS = {"sector": "Secteurs", "doctype": "Types de documents"}


class VocabularyViews:
    def __init__(self, staff: StaffViews) -> None:
        self.staff = staff
        self.editor = VocabularyEditor(staff.settings, staff.journal)

    def routes(self) -> list[Route]:
        return [
            Route("/vocabulaires", self.page, methods=["GET"], name="staff_vocabularies"),
            Route("/vocabulaires/ajouter", self.add, methods=["POST"], name="staff_vocabulary_add"),
            Route("/vocabulaires/modifier", self.edit, methods=["POST"], name="staff_vocabulary_edit"),
            Route("/vocabulaires/fusionner", self.merge, methods=["POST"], name="staff_vocabulary_merge"),
            Route("/vocabulaires/retirer", self.retire, methods=["POST"], name="staff_vocabulary_retire"),
            Route("/vocabulaires/synonymes", self.synonyms, methods=["POST"], name="staff_vocabulary_synonyms"),
            Route("/vocabulaires/thesaurus", self.thesaurus, methods=["POST"], name="staff_vocabulary_thesaurus"),
        ]

    async def page(self, request: Request) -> Response:
        return await self._show(request)

    async def _show(self, request: Request, status: int = 200, error: str = "", typed: dict[str, str] | None = None) -> Response:
        settings = self.staff.settings
        vocab = self.staff.vocab
        warnings = [w for f in VOCABULARY_FILES if (w := file_in_use(settings, f).warning)]
        edited = {f.key: file_in_use(settings, f).edited for f in VOCABULARY_FILES}
        counts = await run_in_threadpool(self._counts)
        groups = await run_in_threadpool(read_synonym_groups, settings)
        terms = await run_in_threadpool(read_thesaurus_terms, settings)
        lists = [(form_name, kind, HEADINGS[kind], vocab.entries(kind), counts.get(kind, {}))
                 for form_name, kind in LISTS.items()]
        return self.staff._page(request, "vocabularies.html", status, lists=lists, kinds=KINDS, built_in=BUILT_IN,
                                warnings=warnings, edited=edited, error=error, typed=typed or {},
                                synonyms_text="\n".join(" ; ".join(g) for g in groups),
                                thesaurus_text="\n".join(" ; ".join(t) for t in terms))

    def _counts(self) -> dict[str, dict[str, int]]:
        """List → code → documents of the index filed under it (a retirement
        also reads the sidecars: a document not indexed yet counts there)."""
        try:
            totals = self.staff.service.facet_totals()
        except DocsearchError:
            totals = {}  # no index yet
        return {kind: {v.value: v.count for v in totals.get(_FACET[kind], [])} for kind in KINDS}

    async def add(self, request: Request) -> Response:
        form = await self.staff._form(request)
        try:
            given = _entry(form)
            change = await run_in_threadpool(self.editor.add, signed_in(request) or "", given)
        except UserError as exc:
            return await self._show(request, 400, str(exc), typed=_typed(form))
        return await self._done(request, change)

    async def edit(self, request: Request) -> Response:
        form = await self.staff._form(request)
        try:
            change = await run_in_threadpool(self.editor.edit, signed_in(request) or "", _entry(form))
        except UserError as exc:
            return await self._show(request, 400, str(exc))
        return await self._done(request, change)

    async def merge(self, request: Request) -> Response:
        form = await self.staff._form(request)
        try:
            kind = _kind(form)
            change = await run_in_threadpool(self.editor.merge, signed_in(request) or "", kind,
                                             _text(form, "source")[:100], _text(form, "cible")[:100])
        except UserError as exc:
            return await self._show(request, 400, str(exc))
        return await self._done(request, change)

    async def retire(self, request: Request) -> Response:
        form = await self.staff._form(request)
        try:
            kind, code = _kind(form), _text(form, "code")[:100]
            indexed = (await run_in_threadpool(self._counts)).get(kind, {}).get(code, 0)
            change = await run_in_threadpool(self.editor.retire, signed_in(request) or "", kind, code, indexed)
        except UserError as exc:
            return await self._show(request, 400, str(exc))
        return await self._done(request, change)

    async def synonyms(self, request: Request) -> Response:
        form = await self.staff._form(request)
        try:
            groups = split_groups(_text(form, "groupes"))
            change = await run_in_threadpool(self.editor.save_synonyms, signed_in(request) or "", groups)
        except UserError as exc:
            return await self._show(request, 400, str(exc))
        return await self._done(request, change)

    async def thesaurus(self, request: Request) -> Response:
        form = await self.staff._form(request)
        try:
            terms = split_groups(_text(form, "termes"), least=1, what="du thésaurus")
            change = await run_in_threadpool(self.editor.save_thesaurus, signed_in(request) or "", terms)
        except UserError as exc:
            return await self._show(request, 400, str(exc))
        return await self._done(request, change)

    async def _done(self, request: Request, change: VocabularyChange) -> Response:
        message = change.message
        if change.reindex:
            # Every document is resolved again with the new vocabulary (its digest is in their fingerprints).
            job = self.staff.queue.submit(only=None)
            done = await run_in_threadpool(job.wait, INDEX_WAIT)
            if not done:
                message += " L'index se met à jour : les pages publiques suivront dans quelques instants."
            elif job.error:
                message += f" L'index n'a pas pu être mis à jour : {job.error}"
        flash(request, message)
        return RedirectResponse(Urls.of(request).staff("/vocabulaires"), status_code=303)


def _kind(form: FormData) -> str:
    kind = LISTS.get(_text(form, "liste"))
    if kind is None:
        raise UserError("Liste inconnue : choisissez les secteurs ou les types de documents.")
    return kind


def _entry(form: FormData) -> EntryInput:
    return EntryInput(_kind(form), _text(form, "code")[:100], _text(form, "libelle")[:500],
                      split_lines(_text(form, "synonymes"), "Synonymes"), split_lines(_text(form, "mots_cles"), "Mots-clés"))


def _typed(form: FormData) -> dict[str, Any]:
    """What the add form held, to show it again with the error."""
    return {name: _text(form, name)[:20_000] for name in ("liste", "code", "libelle", "synonymes", "mots_cles")}
