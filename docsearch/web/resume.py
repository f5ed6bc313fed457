"""A session that expires while a staff form is open: nothing typed is lost.

The form's POST reaches ``StaffGate`` without a valid session: instead of a
bare refusal, ``kept_form`` reads what was sent and the sign-in page carries
it as hidden fields (``reprise_action``, then ``reprise_nom`` /
``reprise_valeur`` pairs, in order, so the ticked boxes stay ticked). Once
signed in, a page lists the values and sends them again to the form's
address with the new session's CSRF token. Never carried: the old CSRF
token, passwords, and files — a file's bytes do not go through the sign-in
page; the staff member is told to choose it again.

Only a form posted from this site is kept (its ``Origin`` must be this
host): a page elsewhere cannot have its values offered after sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request

MAX_KEPT = 90  # fields (each becomes two in the sign-in form, whose limit is 200)
# A form of text is a few kB; a bigger body carries files, which are not kept anyway. It is not
# read at all: a request without a session must not make the server spool hundreds of MB.
MAX_KEPT_BODY = 1024 * 1024
_NEVER_KEPT = ("csrf", "mot_de_passe", "password", "suite")


@dataclass(frozen=True)
class KeptForm:
    action: str = ""  # the staff path the form was posted to ("" : nothing kept)
    fields: list[tuple[str, str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # names of the files to choose again
    unread: bool = False  # a body too big to read (files): nothing kept, the files to choose again

    @property
    def kept(self) -> bool:
        return bool(self.action) and bool(self.fields or self.files or self.unread)

    @property
    def files_lost(self) -> bool:
        return bool(self.files) or self.unread


def _staff_path(path: str) -> str:
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not parts.path.startswith("/gestion/") or "\\" in path or parts.query:
        return ""
    return parts.path


def same_site(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None:  # an old browser: its Referer, if any, says the same
        origin = request.headers.get("referer", "")
    host = request.headers.get("host", "")
    return bool(origin) and urlsplit(origin).netloc == host


async def kept_form(request: Request, path: str, max_files: int) -> KeptForm:
    """What an expired session's POST sent, to offer again after sign-in."""
    action = _staff_path(path)
    if not action or not same_site(request):
        return KeptForm()
    length = request.headers.get("content-length", "")
    if not length.isdigit() or int(length) > MAX_KEPT_BODY:
        return KeptForm(action, unread=True)
    try:
        form = await request.form(max_files=max_files, max_fields=200)
    except HTTPException:  # a body the parser refuses: nothing to keep
        return KeptForm()
    try:
        return _kept(action, form)
    finally:
        await form.close()


def _kept(action: str, form: FormData) -> KeptForm:
    fields: list[tuple[str, str]] = []
    files: list[str] = []
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            if value.filename:
                files.append(value.filename.replace("\\", "/").split("/")[-1][:200])
        elif not any(word in name.lower() for word in _NEVER_KEPT) and len(fields) < MAX_KEPT:
            fields.append((name[:100], value))
    return KeptForm(action, fields, files)


def read_kept(form: FormData) -> KeptForm:
    """The values the sign-in form carries back (``kept_form``'s hidden fields)."""
    action = form.get("reprise_action", "")
    action = _staff_path(action) if isinstance(action, str) else ""
    if not action:
        return KeptForm()
    names = [n for n in form.getlist("reprise_nom") if isinstance(n, str)]
    values = [v for v in form.getlist("reprise_valeur") if isinstance(v, str)]
    files = [f for f in form.getlist("reprise_fichier") if isinstance(f, str)]
    fields = [(n, v) for n, v in zip(names, values) if not any(word in n.lower() for word in _NEVER_KEPT)]
    return KeptForm(action, fields[:MAX_KEPT], files[:50], form.get("reprise_non_lu") == "oui")
