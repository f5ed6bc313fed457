"""Uploads (/gestion): many files or a whole folder, drafts published together, previews, new versions.

- ``GET/POST /ajouter``: files (``<input multiple>``) or a folder
  (``webkitdirectory``: each file's name carries its folders, read as hints
  for sectors and years like the corpus folders). At most
  ``Settings.max_upload_files`` files and ``max_upload_mb`` in one request;
  each file is checked on its own (``max_file_mb``…), so one bad file never
  loses the others: every refusal is listed, in French, beside the drafts.
- ``GET /brouillons``: the pending drafts, with their previews; a
  documentaliste ticks several → ``POST /brouillons`` publishes them with
  the values found (or the ones a contributor proposed); a draft whose
  values are incomplete stays, with the reason, to be reviewed alone.
- ``GET /brouillons/{id}/apercu``: the first page as a PNG, made once when
  the draft was created (``staff.previews``); from a validated draft id,
  never a path the visitor sent.
- ``GET/POST /documents/{id}/remplacer``: a new version of the file, same
  path, id and record; the old one goes to the trash (``staff.replacement``),
  journaled as "replace", then indexed again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from docsearch.catalogue.staff import StaffMetadata
from docsearch.errors import UserError
from docsearch.extraction import SUPPORTED_SUFFIXES
from docsearch.extraction.registry import formats_label
from docsearch.staff.drafts import Draft, drafts_folder
from docsearch.staff.ingest import Duplicate, fetch_page
from docsearch.staff.previews import preview_path, text_start
from docsearch.staff.proposals import owner_of, proposal_of, set_owner
from docsearch.staff.replacement import replace_document
from docsearch.web.metadata_form import form_fields, initial_values, read_metadata_form
from docsearch.web.roles import flash
from docsearch.web.security import FORM_FIELD_BYTES, read_form
from docsearch.web.staff import INDEX_WAIT, StaffViews, _pending_drafts, _text
from docsearch.web.urls import Urls

MAX_FOLDER_PARTS = 6  # folders kept as a hint: "fonds/culture/2019/rapports" is deep enough
MAX_SELECTED = 150  # drafts ticked in one publication (the form's field limit is 200)


@dataclass(frozen=True)
class Refusal:
    """A file (or address) that did not become a draft, and why, in French."""

    name: str
    message: str
    link: str | None = None
    relpath: str | None = None


def split_upload_name(filename: str) -> tuple[str, str]:
    """A browser's file name → (file name, folders hint). A folder upload names
    each file by its path inside the folder chosen ("culture/2019/a.pdf");
    dots, hidden folders and anything else that could climb are dropped."""
    raw = filename.replace("\\", "/").split("/")
    parts = [p.strip() for p in raw]
    name = raw[-1]  # as given: the corpus name is made safe later (" .pdf" is a PDF, ".pdf" has no suffix)
    folders = [p[:100] for p in parts[:-1] if p and p not in (".", "..") and not p.startswith(".")]
    return name, "/".join(folders[-MAX_FOLDER_PARTS:])


# What systems leave in a folder beside the documents (macOS, Windows, Office's lock files).
_SYSTEM_FILES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})


def hidden_file(filename: str) -> bool:
    """".DS_Store", "Thumbs.db", "~$brouillon.docx", "._x.pdf" or a file in a
    hidden folder: not a document. A file chosen alone whose name starts with
    a dot (".cache.pdf") is one: it is renamed safely like any other."""
    parts = [p for p in filename.replace("\\", "/").split("/") if p and p not in (".", "..")]
    if not parts:
        return False
    name = parts[-1].strip().lower()
    return (any(p.startswith(".") for p in parts[:-1]) or name in _SYSTEM_FILES
            or name.startswith(("~$", "._")))


def upload_suffix(name: str) -> str:
    """".pdf" for "x.PDF" and for a name that is only ".pdf" (Path's suffix is "" there)."""
    return "." + name.lower().rsplit(".", 1)[-1] if "." in name else ""


def upload_limits_text(files: int, total_mb: int, file_mb: int) -> str:
    return f"{files}\u00a0fichiers et {total_mb}\u00a0Mo au plus par envoi, {file_mb}\u00a0Mo au plus par fichier."


class UploadViews:
    def __init__(self, staff: StaffViews) -> None:
        self.staff = staff
        self.settings = staff.settings

    def routes(self) -> list[Route]:
        return [
            Route("/ajouter", self.add_page, methods=["GET"], name="staff_add"),
            Route("/ajouter", self.add, methods=["POST"]),
            Route("/brouillons", self.drafts_page, methods=["GET"], name="staff_drafts"),
            Route("/brouillons", self.publish_selected, methods=["POST"]),
            Route("/brouillons/{draft_id:str}/apercu", self.preview, methods=["GET"], name="staff_draft_preview"),
            Route("/documents/{doc_id:str}/remplacer", self.replace_page, methods=["GET"], name="staff_replace"),
            Route("/documents/{doc_id:str}/remplacer", self.replace, methods=["POST"]),
        ]

    # Adding many files ----------------------------------------------------

    def _add_context(self) -> dict[str, Any]:
        s = self.settings
        return {"limit": s.max_file_mb, "max_files": s.max_upload_files, "max_total": s.max_upload_mb, "max_bytes": s.max_upload_bytes,
                "limits": upload_limits_text(s.max_upload_files, s.max_upload_mb, s.max_file_mb),
                "accept": ",".join(sorted(SUPPORTED_SUFFIXES))}

    async def add_page(self, request: Request) -> Response:
        return self.staff._page(request, "add.html", **self._add_context())

    async def add(self, request: Request) -> Response:
        try:
            form = await read_form(request, FORM_FIELD_BYTES, max_files=self.settings.max_upload_files)
        except HTTPException as exc:
            if exc.status_code != 400:  # 403: no CSRF token
                raise
            # Starlette's own (English) reason: too many files, a field too long, a broken body.
            message = (f"Trop de fichiers en un seul envoi : {self.settings.max_upload_files} au plus. "
                       "Envoyez le dossier en plusieurs fois (par sous-dossier, par exemple)."
                       if "files" in str(exc.detail) else "L'envoi n'a pas pu être lu : choisissez les fichiers à nouveau.")
            return self.staff._page(request, "add.html", 400, errors=[Refusal("", message)], **self._add_context())
        drafts: list[Draft] = []
        errors: list[Refusal] = []
        skipped: list[str] = []
        uploads = [f for f in form.getlist("fichiers") if isinstance(f, UploadFile) and f.filename]
        url = _text(form, "url").strip()
        try:
            for upload in uploads:
                filename = upload.filename or "document"
                name, folder = split_upload_name(filename)
                if hidden_file(filename):
                    continue  # a system file of the folder, not a document
                if upload_suffix(name) not in SUPPORTED_SUFFIXES:
                    skipped.append(filename)
                    continue
                if upload.size is not None and upload.size > self.settings.max_file_bytes:
                    errors.append(Refusal(filename, f"plus de {self.settings.max_file_mb} Mo : ce fichier n'est pas ajouté."))
                    continue
                data = await upload.read(self.settings.max_file_bytes + 1)
                await self._draft(request, data, name, "", folder, filename, drafts, errors)
        finally:
            await form.close()  # the uploads' temporary files
        if url:
            try:
                data, page_name = await run_in_threadpool(fetch_page, self.settings, url)
                await self._draft(request, data, page_name, url, "", url, drafts, errors)
            except UserError as exc:
                errors.append(Refusal(url, str(exc)))
        if skipped:
            shown = ", ".join(skipped[:5]) + (f"… (et {len(skipped) - 5} autres)" if len(skipped) > 5 else "")
            left = "a été laissé" if len(skipped) == 1 else "ont été laissés"
            errors.append(Refusal("", f"{_count(len(skipped), 'fichier')} d'un format non pris en charge "
                                      f"{left} de côté : {shown} (formats acceptés : {formats_label()})."))
        if not uploads and not url:
            errors.append(Refusal("", "Choisissez au moins un fichier ou un dossier, ou indiquez une adresse web."))
        who = self.staff._who(request)
        for draft in drafts:
            await run_in_threadpool(set_owner, self.settings, draft.id, who)
            await run_in_threadpool(self.staff.journal.record, who, "upload", "", title=draft.name,
                                    note=f"brouillon {draft.id}" + (f", dossier {draft.folder}" if draft.folder else ""))
        if len(drafts) == 1 and not errors:
            return RedirectResponse(Urls.of(request).staff(f"/brouillons/{drafts[0].id}"), status_code=303)
        if drafts and not errors:
            flash(request, f"{_count(len(drafts), 'brouillon')} prêt{'s' if len(drafts) > 1 else ''} : "
                           "vérifiez-les, puis publiez-les ensemble ou un par un.")
            return RedirectResponse(Urls.of(request).staff("/brouillons"), status_code=303)
        return self.staff._page(request, "add.html", 200 if drafts else 400, drafts=drafts, errors=errors,
                                **self._add_context())

    async def _draft(self, request: Request, data: bytes, name: str, url: str, folder: str, shown: str,
                     drafts: list[Draft], errors: list[Refusal]) -> None:
        from docsearch.staff.drafts import create_draft

        try:
            drafts.append(await run_in_threadpool(create_draft, self.settings, data, name, url, folder))
        except Duplicate as exc:
            errors.append(Refusal(shown, "Ce fichier est déjà dans le fonds documentaire.",
                                  Urls.of(request).document(exc.doc_id) if exc.doc_id else None, exc.relpath))
        except UserError as exc:
            # The checks name the file themselves ("rapport.pdf : …"): shown once, under its full path.
            errors.append(Refusal(shown, str(exc).removeprefix(f"{name} : ")))

    # The drafts, published together ------------------------------------------

    def _visible_drafts(self, request: Request) -> list[Draft]:
        drafts = _pending_drafts(self.settings)
        if not self.staff._documentalist(request):  # a contributor's own uploads only
            drafts = [d for d in drafts if owner_of(self.settings, d.id) == self.staff._who(request)]
        return drafts

    def _rows(self, drafts: list[Draft]) -> list[dict[str, Any]]:
        folder = drafts_folder(self.settings)
        rows = []
        for draft in drafts:
            proposal = proposal_of(self.settings, draft.id)
            staff = proposal.staff if proposal else StaffMetadata.from_metadata(draft.meta)
            rows.append({"draft": draft, "title": staff.title or draft.name, "proposal": proposal,
                         "sectors": [self.staff.vocab.sector_label(s) for s in staff.sectors if s != "non-classe"],
                         "year": staff.year, "preview": preview_path(folder / draft.id) is not None,
                         "text": "" if preview_path(folder / draft.id) else text_start(folder / draft.id)[:200]})
        return rows

    async def drafts_page(self, request: Request) -> Response:
        drafts = await run_in_threadpool(self._visible_drafts, request)
        rows = await run_in_threadpool(self._rows, drafts)
        return self.staff._page(request, "drafts.html", rows=rows)

    async def publish_selected(self, request: Request) -> Response:
        form = await read_form(request)
        ids = list(dict.fromkeys(i for i in form.getlist("brouillons") if isinstance(i, str)))[:MAX_SELECTED]
        if not ids:
            flash(request, "Cochez au moins un brouillon à publier.")
            return RedirectResponse(Urls.of(request).staff("/brouillons"), status_code=303)
        published: list[tuple[str, str]] = []
        errors: list[Refusal] = []
        who = self.staff._who(request)
        for draft_id in ids:
            try:
                draft = await run_in_threadpool(self._load, draft_id)
            except UserError:
                errors.append(Refusal(draft_id, "ce brouillon n'existe plus (déjà publié ou abandonné)."))
                continue
            proposal = proposal_of(self.settings, draft.id)
            shown = form_fields(proposal.staff) if proposal else initial_values(draft.meta)
            filled = read_metadata_form(_as_form(shown), self.staff.vocab)
            if filled.errors:
                errors.append(Refusal(draft.name, "à compléter avant publication : " + " ".join(filled.errors.values()),
                                      Urls.of(request).staff(f"/brouillons/{draft.id}")))
                continue
            staff = replace(filled.staff, url=draft.url)
            try:
                relpath = await run_in_threadpool(self.staff._place_draft, draft, staff)
            except Duplicate as exc:
                errors.append(Refusal(draft.name, f"déjà dans le fonds documentaire ({exc.relpath})."))
                continue
            except UserError:
                errors.append(Refusal(draft.name, "ce brouillon n'existe plus (déjà publié ou abandonné)."))
                continue
            await run_in_threadpool(self.staff.journal.record, who, "publish", relpath, title=staff.title,
                                    note=(f"proposé par {proposal.by}, " if proposal else "") + "publication groupée")
            published.append((relpath, staff.title))
        if published:
            job = self.staff.queue.submit(only=[relpath for relpath, _ in published])
            await run_in_threadpool(job.wait, INDEX_WAIT * 2)
        message = f"{_count(len(published), 'document')} publié{'s' if len(published) > 1 else ''}."
        if not errors:
            flash(request, message)
            return RedirectResponse(Urls.of(request).staff("/brouillons"), status_code=303)
        drafts = await run_in_threadpool(self._visible_drafts, request)
        rows = await run_in_threadpool(self._rows, drafts)
        return self.staff._page(request, "drafts.html", 200 if published else 400, rows=rows, errors=errors,
                                published=message if published else "")

    def _load(self, draft_id: str) -> Draft:
        from docsearch.staff.drafts import load_draft

        return load_draft(self.settings, draft_id)

    async def preview(self, request: Request) -> Response:
        draft = self.staff._load_draft(request)  # a valid id, and the owner or a documentaliste
        path = preview_path(drafts_folder(self.settings) / draft.id)
        if path is None:
            raise HTTPException(404, "Pas d'aperçu pour ce brouillon.")
        return FileResponse(path, media_type="image/png", headers={"cache-control": "no-store"})

    # A new version of a file ---------------------------------------------------

    async def replace_page(self, request: Request) -> Response:
        doc = await run_in_threadpool(self.staff._document, request)
        return self.staff._page(request, "replace.html", doc=doc, limit=self.settings.max_file_mb)

    async def replace(self, request: Request) -> Response:
        try:
            form = await read_form(request, FORM_FIELD_BYTES, max_files=1)
        except HTTPException as exc:
            if exc.status_code != 400:
                raise
            doc = await run_in_threadpool(self.staff._document, request)
            return self.staff._page(request, "replace.html", 400, doc=doc, limit=self.settings.max_file_mb,
                                    error="Un seul fichier à la fois : la nouvelle version du document.")
        doc = await run_in_threadpool(self.staff._document, request)
        upload = form.get("fichier")
        error = ""
        try:
            if not isinstance(upload, UploadFile) or not upload.filename:
                error = "Choisissez le fichier de la nouvelle version."
            else:
                name = split_upload_name(upload.filename)[0] or "document"
                data = await upload.read(self.settings.max_file_bytes + 1)
                try:
                    done = await run_in_threadpool(replace_document, self.settings, doc.relpath, data, name)
                except Duplicate as exc:
                    error = (f"Ce fichier est déjà dans le fonds documentaire ({exc.relpath}) : "
                             "ce n'est pas une nouvelle version.")
                except UserError as exc:
                    error = str(exc)
        finally:
            await form.close()
        if error:
            return self.staff._page(request, "replace.html", 400, doc=doc, limit=self.settings.max_file_mb, error=error)
        await run_in_threadpool(self.staff.journal.record, self.staff._who(request), "replace", doc.relpath,
                                {"file": (f"{_size(done.old_size)}", f"{name}, {_size(done.new_size)}")}, title=doc.title,
                                note=f"ancienne version dans la corbeille : {done.trash}")
        flash(request, f"Le fichier de « {doc.title} » est remplacé ; l'ancienne version est dans la corbeille.")
        return await self.staff._after_change(request, doc.relpath)


def _as_form(values: dict[str, object]) -> FormData:
    items: list[tuple[str, str | UploadFile]] = []
    for key, value in values.items():
        items += [(key, str(v)) for v in value] if isinstance(value, list) else [(key, str(value))]
    return FormData(items)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n > 1 else ''}"


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} Mo".replace(".", ",") if n >= 1024 * 1024 else f"{max(1, round(n / 1024))} Ko"
