"""The staff workspace (/gestion): sign in, add, correct, withdraw, restore, attention, reports.

Every route here is mounted behind ``StaffGate`` (signed-in account, with
the role ``web/roles.py`` asks for) and every form that changes something
goes through ``read_form`` (CSRF token). Changes are written to the corpus
first, then queued for indexing; each one is recorded in the journal
(``staff/journal.py``) and confirmed by a message on the next page
(``roles.flash``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from docsearch.catalogue.records import document_id
from docsearch.catalogue.staff import StaffMetadata
from docsearch.catalogue.vocabulary import Vocabulary
from docsearch.config import Settings
from docsearch.corpus.write import move_to_trash
from docsearch.errors import FAILURE_REASONS, UserError
from docsearch.extraction.ocr import tessdata_dir
from docsearch.index.queue import IndexQueue
from docsearch.index.store import IndexStore
from docsearch.search.service import DocumentView, SearchService
from docsearch.search.stats import collect_stats
from docsearch.staff.accounts import ROLES, Accounts, is_account_name
from docsearch.staff.drafts import (
    Recovered,
    claimed,
    discard_draft,
    drafts_folder,
    load_draft,
    recover_publications,
)
from docsearch.staff.ingest import (
    Duplicate,
    place_in_corpus,
    refuse_duplicate,
    restore_from_trash,
    trash_entries,
    utc_now,
    write_language,
    write_metadata,
)
from docsearch.staff.journal import Journal, JournalQuery, field_changes
from docsearch.staff.previews import preview_path, text_start
from docsearch.staff.proposals import owner_of, proposal_of, propose
from docsearch.staff.searchlog import SearchLog
from docsearch.web.formats import LANGUAGE_NAMES, french_languages
from docsearch.web.metadata_form import form_fields, found_labels, initial_values, read_metadata_form
from docsearch.web.report import PERIODS, describe_filters, read_period, search_params
from docsearch.web.resume import KeptForm, kept_form, read_kept
from docsearch.web.roles import ADMINISTRATOR, DOCUMENTALIST, allows, flash
from docsearch.web.security import SignInThrottle, csrf_token, read_form, signed_in
from docsearch.web.urls import Urls

# How long a staff request waits for its change to be searchable before
# answering "en cours d'indexation".
INDEX_WAIT = 15.0


class StaffViews:
    def __init__(self, settings: Settings, service: SearchService, templates: Jinja2Templates,
                 throttle: SignInThrottle | None = None) -> None:
        self.settings, self.service, self.templates = settings, service, templates
        self.accounts = Accounts(settings.instance_dir)
        self.queue = IndexQueue(settings)
        self.throttle = throttle or SignInThrottle(settings.instance_dir)
        self.log = SearchLog(settings.instance_dir)
        self.journal = Journal(settings.instance_dir)
        self.recovered: list[Recovered] = []  # interrupted publications finished or put back, for the dashboard

    @property
    def vocab(self) -> Vocabulary:
        return self.service.vocab

    def routes(self) -> list[Route]:
        return [
            Route("/connexion", self.sign_in_page, methods=["GET"], name="staff_sign_in"),
            Route("/connexion", self.sign_in, methods=["POST"]),
            Route("/deconnexion", self.sign_out, methods=["POST"], name="staff_sign_out"),
            Route("/", self.dashboard, methods=["GET"], name="staff_home"),
            Route("/brouillons/{draft_id:str}", self.draft_page, methods=["GET"], name="staff_draft"),
            Route("/brouillons/{draft_id:str}", self.publish, methods=["POST"]),
            Route("/brouillons/{draft_id:str}/proposer", self.propose, methods=["POST"], name="staff_propose"),
            Route("/brouillons/{draft_id:str}/abandonner", self.discard, methods=["POST"], name="staff_discard"),
            Route("/documents/{doc_id:str}/modifier", self.edit_page, methods=["GET"], name="staff_edit"),
            Route("/documents/{doc_id:str}/modifier", self.edit, methods=["POST"]),
            Route("/documents/{doc_id:str}/reconnaitre", self.recognise_again, methods=["POST"], name="staff_recognise"),
            Route("/documents/{doc_id:str}/retirer", self.withdraw_page, methods=["GET"], name="staff_withdraw"),
            Route("/documents/{doc_id:str}/retirer", self.withdraw, methods=["POST"]),
            Route("/corbeille", self.trash_page, methods=["GET"], name="staff_trash"),
            Route("/corbeille/restaurer", self.restore, methods=["POST"], name="staff_restore"),
            Route("/attention", self.attention_page, methods=["GET"], name="staff_attention"),
            Route("/attention/reessayer", self.retry, methods=["POST"], name="staff_retry"),
            Route("/recherches", self.report_page, methods=["GET"], name="staff_report"),
            Route("/comptes", self.accounts_page, methods=["GET"], name="staff_accounts"),
            Route("/comptes/role", self.change_role, methods=["POST"], name="staff_account_role"),
        ]

    # Pages -------------------------------------------------------------

    def _page(self, request: Request, name: str, status: int = 200, **context: Any) -> Response:
        context |= {"user": signed_in(request), "csrf": csrf_token(request), "data": context.get("data", {})}
        return self.templates.TemplateResponse(request, f"staff/{name}", context, status_code=status)

    async def _form(self, request: Request) -> FormData:
        return await read_form(request)

    def _who(self, request: Request) -> str:
        return signed_in(request) or ""

    def _documentalist(self, request: Request) -> bool:
        return allows(self.accounts.role(self._who(request)), DOCUMENTALIST)

    # Sign in and out ---------------------------------------------------

    async def sign_in_page(self, request: Request) -> Response:
        return self._page(request, "sign_in.html", suite=_local(request.query_params.get("suite", "")), kept=KeptForm())

    async def expired_form(self, request: Request, path: str) -> Response:
        """A form posted after the session ended: the sign-in page, carrying what was typed."""
        kept = await kept_form(request, path, self.settings.max_upload_files)
        suite = _local(urlsplit(request.headers.get("referer", "")).path) or _local(path)
        return self._page(request, "sign_in.html", 403, suite=suite, kept=kept, expired=True)

    async def sign_in(self, request: Request) -> Response:
        form = await self._form(request)
        name, password = _text(form, "nom").strip().lower(), _text(form, "mot_de_passe")
        suite = _local(_text(form, "suite"))
        kept = read_kept(form)
        refused = self._page(request, "sign_in.html", 401, suite=suite, kept=kept, error="Nom ou mot de passe incorrect.")
        if not is_account_name(name):
            return refused  # not even a possible name: nothing to count or check
        allowed, wait = await run_in_threadpool(self.throttle.attempt, name, request.client.host if request.client else "")
        if not allowed:
            return self._page(request, "sign_in.html", 429, suite=suite, kept=kept,
                              error="Trop d'essais infructueux : la connexion est bloquée quelques minutes.")
        await self.throttle.sleep(wait)
        if not await run_in_threadpool(self.accounts.verify, name, password):
            return refused
        await run_in_threadpool(self.throttle.succeeded, name, request.client.host if request.client else "")
        request.session.clear()  # a fresh session: a new CSRF token comes with it
        request.session.update(user=name, v=self.accounts.session_version(name))
        urls = Urls.of(request)
        if kept.kept:  # the form the session expired on: its values, to send again with the new token
            return self._page(request, "resume.html", kept=kept, suite=suite)
        return RedirectResponse(urls.path(suite) if suite else urls.staff(), status_code=303)

    async def sign_out(self, request: Request) -> Response:
        await self._form(request)
        user = signed_in(request)
        if user:
            await run_in_threadpool(self.accounts.end_sessions, user)  # copies of the cookie stop working too
        request.session.clear()
        return RedirectResponse(Urls.of(request).home(), status_code=303)

    # Dashboard, attention, reports --------------------------------------

    def recover(self) -> list[Recovered]:
        """Finish the publications a killed server (or worker process) left
        half done, and queue the files it placed for indexing."""
        found = recover_publications(self.settings)
        placed = [r.relpath for r in found if r.published]
        if placed:
            self.queue.submit(only=placed)
        self.recovered = (found + self.recovered)[:50]
        return found

    async def dashboard(self, request: Request) -> Response:
        await run_in_threadpool(self.recover)
        stats = await run_in_threadpool(collect_stats, self.service)
        drafts = await run_in_threadpool(_pending_drafts, self.settings)
        if not self._documentalist(request):  # a contributor's own uploads only
            drafts = [d for d in drafts if owner_of(self.settings, d.id) == self._who(request)]
        proposals = {d.id: p for d in drafts if (p := proposal_of(self.settings, d.id))}
        return self._page(request, "dashboard.html", stats=stats, drafts=drafts, proposals=proposals,
                          recovered=self.recovered)

    async def attention_page(self, request: Request) -> Response:
        stats = await run_in_threadpool(collect_stats, self.service)
        return self._page(request, "attention.html", stats=stats, reasons=FAILURE_REASONS)

    async def retry(self, request: Request) -> Response:
        await self._form(request)
        failed = [p for p in IndexStore(self.settings.index_dir).failures() if (self.settings.corpus_dir / p).is_file()]
        job = self.queue.submit(only=failed, retry_failed=True)
        await run_in_threadpool(job.wait, INDEX_WAIT * 4)
        flash(request, f"{len(failed)} fichier{'s' if len(failed) != 1 else ''} relu{'s' if len(failed) != 1 else ''}.")
        return RedirectResponse(Urls.of(request).staff("/attention"), status_code=303)

    async def report_page(self, request: Request) -> Response:
        period = read_period(request.query_params, self.log.today())
        report = await run_in_threadpool(self.log.report, 30, 30, period.start, period.end)
        return self._page(request, "report.html", report=report, period=period, periods=PERIODS,
                          search_params=search_params, describe=lambda f: describe_filters(f, self.vocab))

    async def draft_page(self, request: Request) -> Response:
        draft = self._load_draft(request)
        proposal = proposal_of(self.settings, draft.id)
        values = form_fields(proposal.staff) if proposal else initial_values(draft.meta)
        return self._page(request, "metadata.html", mode="draft", draft=draft, values=values, errors={},
                          vocab=self.vocab, found=found_labels(draft.meta.origins), proposal=proposal,
                          preview=draft_preview(self.settings, draft.id))

    async def propose(self, request: Request) -> Response:
        """A contributor's values for its draft: saved beside it, for a documentalist to publish."""
        form = await self._form(request)
        draft = self._load_draft(request)
        filled = read_metadata_form(form, self.vocab)
        if filled.errors:
            return self._page(request, "metadata.html", 400, mode="draft", draft=draft, values=filled.shown,
                              errors=filled.errors, vocab=self.vocab, found=found_labels(draft.meta.origins))
        try:
            await run_in_threadpool(propose, self.settings, draft.id, replace(filled.staff, url=draft.url), self._who(request))
        except UserError:
            raise HTTPException(404, "Ce brouillon n'existe plus (déjà publié ou abandonné).") from None
        await run_in_threadpool(self.journal.record, self._who(request), "propose", "", title=filled.staff.title,
                                note=f"brouillon {draft.id} ({draft.name})")
        flash(request, f"« {filled.staff.title} » est proposé à la publication : un·e documentaliste le vérifiera et le publiera.")
        return RedirectResponse(Urls.of(request).staff(), status_code=303)

    async def publish(self, request: Request) -> Response:
        form = await self._form(request)  # the CSRF check comes before anything else
        draft = self._load_draft(request)
        filled = read_metadata_form(form, self.vocab)
        if filled.errors:
            return self._page(request, "metadata.html", 400, mode="draft", draft=draft, values=filled.shown,
                              errors=filled.errors, vocab=self.vocab, found=found_labels(draft.meta.origins))
        staff = replace(filled.staff, url=draft.url, fetched=utc_now() if draft.url else "")
        proposal = proposal_of(self.settings, draft.id)
        try:
            relpath = await run_in_threadpool(self._place_draft, draft, staff)
        except Duplicate as exc:
            raise HTTPException(409, f"Ce fichier est déjà dans le fonds documentaire ({exc.relpath}).") from None
        except UserError:
            raise HTTPException(404, "Ce brouillon n'existe plus (déjà publié ou abandonné).") from None
        await run_in_threadpool(self.journal.record, self._who(request), "publish", relpath, title=staff.title,
                                note=f"proposé par {proposal.by}" if proposal else "")
        flash(request, f"« {staff.title} » est publié.")
        return await self._after_change(request, relpath)

    def _place_draft(self, draft: Any, staff: StaffMetadata) -> str:
        with claimed(self.settings, draft, staff) as data:
            # Someone may have published the same file since the upload.
            refuse_duplicate(self.settings, hashlib.sha256(data).hexdigest(), len(data), draft.name)
            return place_in_corpus(self.settings, data, draft.name, staff, None)

    async def discard(self, request: Request) -> Response:
        await self._form(request)
        draft = self._load_draft(request)  # 404 for a draft that is gone
        await run_in_threadpool(discard_draft, self.settings, request.path_params["draft_id"])
        await run_in_threadpool(self.journal.record, self._who(request), "discard", "", title=draft.name,
                                note=f"brouillon {draft.id}")
        flash(request, f"Le dépôt de « {draft.name} » est abandonné.")
        return RedirectResponse(Urls.of(request).staff(), status_code=303)

    def _load_draft(self, request: Request) -> Any:
        try:
            draft = load_draft(self.settings, request.path_params["draft_id"])
            owner = owner_of(self.settings, draft.id)
        except UserError:
            raise HTTPException(404, "Ce brouillon n'existe plus (déjà publié ou abandonné).") from None
        if owner != self._who(request) and not self._documentalist(request):
            raise HTTPException(403, "Ce dépôt a été fait depuis un autre compte : seul·e un·e documentaliste peut l'ouvrir.")
        return draft

    # Correcting and withdrawing -----------------------------------------

    def _document(self, request: Request) -> DocumentView:
        doc = self.service.document(request.path_params["doc_id"])
        if doc is None:
            raise HTTPException(404, "Document introuvable")
        return doc

    async def edit_page(self, request: Request) -> Response:
        doc = await run_in_threadpool(self._document, request)
        history, _ = await run_in_threadpool(self.journal.entries, JournalQuery(relpath=doc.relpath), 30)
        return self._page(request, "metadata.html", mode="edit", doc=doc, values=form_fields(_staff_values(doc)), errors={},
                          vocab=self.vocab, found=found_labels(doc.origins), languages=recognition_languages(),
                          history=history)

    async def recognise_again(self, request: Request) -> Response:
        """Recognise a document's scanned pages again in the language staff
        chose: written into its sidecar (``langue``), so later rebuilds keep it."""
        form = await self._form(request)  # the CSRF check comes before anything else
        doc = await run_in_threadpool(self._document, request)
        language = _text(form, "langue")
        if language not in dict(recognition_languages()):
            raise HTTPException(400, "Langue inconnue ou non installée pour la reconnaissance du texte.")
        await run_in_threadpool(write_language, self.settings, doc.relpath, language)
        await run_in_threadpool(self.journal.record, self._who(request), "ocr", doc.relpath,
                                {"language": (doc.ocr_language, language)}, title=doc.title)
        flash(request, f"Le texte de « {doc.title} » est reconnu à nouveau ({french_languages(language)}).")
        return await self._after_change(request, doc.relpath)

    async def edit(self, request: Request) -> Response:
        form = await self._form(request)
        doc = await run_in_threadpool(self._document, request)
        filled = read_metadata_form(form, self.vocab)
        if filled.errors:
            return self._page(request, "metadata.html", 400, mode="edit", doc=doc, values=filled.shown,
                              errors=filled.errors, vocab=self.vocab, found=found_labels(doc.origins),
                              languages=recognition_languages())
        staff = replace(filled.staff, url=doc.url or "")
        await run_in_threadpool(write_metadata, self.settings, doc.relpath, staff)
        changes = field_changes(_staff_values(doc), staff)
        if changes:
            await run_in_threadpool(self.journal.record, self._who(request), "edit", doc.relpath, changes, title=staff.title)
        flash(request, "Notice enregistrée." if changes else "Notice enregistrée (aucune valeur n'a changé).")
        return await self._after_change(request, doc.relpath)

    async def withdraw_page(self, request: Request) -> Response:
        doc = await run_in_threadpool(self._document, request)
        return self._page(request, "withdraw.html", doc=doc)

    async def withdraw(self, request: Request) -> Response:
        await self._form(request)
        doc = await run_in_threadpool(self._document, request)
        await run_in_threadpool(move_to_trash, self.settings.corpus_dir, doc.relpath)
        await run_in_threadpool(self.journal.record, self._who(request), "withdraw", doc.relpath, title=doc.title)
        job = self.queue.submit(only=[], forget=[doc.relpath])
        await run_in_threadpool(job.wait, INDEX_WAIT)
        flash(request, f"« {doc.title} » est retiré du fonds : il est dans la corbeille, d'où il peut être restauré.")
        return RedirectResponse(Urls.of(request).staff("/corbeille"), status_code=303)

    async def trash_page(self, request: Request) -> Response:
        entries = await run_in_threadpool(trash_entries, self.settings)
        return self._page(request, "trash.html", entries=entries)

    async def restore(self, request: Request) -> Response:
        form = await self._form(request)
        try:
            relpath = await run_in_threadpool(restore_from_trash, self.settings, _text(form, "entree"))
        except UserError as exc:
            raise HTTPException(400, str(exc)) from None
        await run_in_threadpool(self.journal.record, self._who(request), "restore", relpath, note=_text(form, "entree"))
        flash(request, f"Le document {relpath} est restauré.")
        return await self._after_change(request, relpath)

    # Accounts (administrateur) --------------------------------------------

    async def accounts_page(self, request: Request) -> Response:
        roles = await run_in_threadpool(self.accounts.roles)
        return self._page(request, "accounts.html", roles=roles, labels=ROLES)

    async def change_role(self, request: Request) -> Response:
        form = await self._form(request)
        name, role = _text(form, "nom"), _text(form, "role")
        roles = await run_in_threadpool(self.accounts.roles)
        if name not in roles or role not in ROLES:
            raise HTTPException(400, "Compte ou rôle inconnu.")
        if roles[name] == ADMINISTRATOR and role != ADMINISTRATOR and list(roles.values()).count(ADMINISTRATOR) == 1:
            raise HTTPException(400, "Il faut garder au moins un compte administrateur.")
        if role != roles[name]:
            await run_in_threadpool(self.accounts.set_role, name, role)
            await run_in_threadpool(self.journal.record, self._who(request), "role", "", {"role": (roles[name], role)},
                                    title=name)
        flash(request, f"Le compte {name} a le rôle « {ROLES[role]} ».")
        return RedirectResponse(Urls.of(request).staff("/comptes"), status_code=303)

    async def _after_change(self, request: Request, relpath: str) -> Response:
        """Index the change, wait a little for it, and show the document."""
        job = self.queue.submit(only=[relpath])
        done = await run_in_threadpool(job.wait, INDEX_WAIT)
        if done and job.error is None and relpath not in (job.report.failed if job.report else {}):
            return RedirectResponse(Urls.of(request).document(document_id(relpath)), status_code=303)
        return self._page(request, "queued.html", 202 if not done else 200, relpath=relpath,
                          error=job.error or (job.report.failed.get(relpath) if job.report else None))


def _pending_drafts(settings: Settings) -> list[Any]:
    folder = drafts_folder(settings)
    drafts = []
    for path in sorted(folder.glob("*/draft.json")) if folder.is_dir() else []:
        try:
            drafts.append(load_draft(settings, path.parent.name))
        except UserError:
            continue
    return drafts


@dataclass(frozen=True)
class DraftPreview:
    image: bool  # a picture of the first page exists (served by /brouillons/{id}/apercu)
    text: str  # else the start of the text, if any


def draft_preview(settings: Settings, draft_id: str) -> DraftPreview:
    folder = drafts_folder(settings) / draft_id
    return DraftPreview(preview_path(folder) is not None, text_start(folder))


def recognition_languages() -> list[tuple[str, str]]:
    """The languages scans can be recognised in here (Tesseract's codes, French names):
    French and English together first, then each installed model."""
    codes = ["fra+eng"] + [code for code in LANGUAGE_NAMES if code != "osd"]
    return [(code, french_languages(code)) for code in codes if tessdata_dir(code)]


def _staff_values(doc: DocumentView) -> StaffMetadata:
    """An indexed document's values, as the correction form starts from them."""
    return StaffMetadata(title=doc.title, sectors=tuple(s.code for s in doc.sectors), year=doc.year,
                         doctype=doc.type.code, summary=doc.summary, organisation=doc.organisation,
                         territory=doc.territory, url=doc.url, authors=tuple(doc.authors),
                         keywords=tuple(doc.keywords), cote=doc.cote,
                         # a detected language shows as "detected", so that saving does not make it staff's
                         language=doc.language.code if doc.origins.get("language") == "staff" else "")


def _text(form: FormData, name: str) -> str:
    """A text field; a file sent in its place counts as empty."""
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def date_range(params: Any) -> tuple[str, str]:
    """The ``du`` and ``au`` of a staff list's filters (YYYY-MM-DD or empty);
    anything else is a 400 in French."""
    dates = params.get("du", ""), params.get("au", "")
    for value in dates:
        if value and not _is_date(value):
            raise HTTPException(400, f"Date invalide : « {value[:20]} » (attendu : AAAA-MM-JJ).")
    return dates


def _is_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _local(path: str) -> str:
    """Only a staff page of this site is a place to go back to after signing in."""
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not parts.path.startswith("/gestion") or "\\" in path:
        return ""
    return path
