"""Protection of the staff pages: session secret, sign-in, CSRF, body size.

- ``session_secret``: generated on first start, kept in the instance folder.
- ``StaffGate``: every route mounted under ``/gestion`` needs a signed-in
  account, except the sign-in page itself (a new route cannot be forgotten).
- ``read_form``: parses a POST form within the upload limit and refuses it
  without the session's CSRF token.
- ``BodyLimit``: refuses a request body over the limit before reading it.
- ``SignInThrottle``: after repeated failures, sign-in waits, then locks.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from pathlib import Path
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..atomic import write_atomic

SIGN_IN_PATH = "/gestion/connexion"
PUBLIC_STAFF_PATHS = frozenset({SIGN_IN_PATH})


def session_secret(instance: Path) -> str:
    path = instance / "secret.key"
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        secret = secrets.token_urlsafe(48)
        write_atomic(path, secret.encode("utf-8"))
        path.chmod(0o600)
        return secret


def signed_in(connection: HTTPConnection) -> str | None:
    return connection.session.get("user")


def csrf_token(connection: HTTPConnection) -> str:
    token = connection.session.get("csrf")
    if not token:
        token = connection.session["csrf"] = secrets.token_urlsafe(32)
    return token


async def read_form(request: Request, max_bytes: int) -> FormData:
    """The POST form, refused (403) without this session's CSRF token."""
    form = await request.form(max_files=50, max_fields=200, max_part_size=max_bytes)
    sent = str(form.get("csrf", ""))
    expected = request.session.get("csrf", "")
    if not expected or not hmac.compare_digest(sent, expected):
        await form.close()
        raise HTTPException(403, "Formulaire expiré ou invalide : rechargez la page et recommencez.")
    return form


class StaffGate:
    """Mounted on /gestion: no signed-in account, no staff page."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        connection = HTTPConnection(scope)
        root, path = scope.get("root_path", ""), scope["path"]
        path = path if path.startswith(root) else root + path
        if path not in PUBLIC_STAFF_PATHS and not signed_in(connection):
            if scope["method"] in ("GET", "HEAD"):
                response = RedirectResponse(f"{SIGN_IN_PATH}?suite={quote(path)}", status_code=303)
            else:
                response = PlainTextResponse("Connexion requise.", status_code=403)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class BodyLimit:
    """413 for a body over ``limit`` bytes: by its declared length before any
    byte is read, or as soon as a streamed body goes past it."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await PlainTextResponse("Fichier trop volumineux.", status_code=413)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise HTTPException(413, "Fichier trop volumineux.")
            return message

        await self.app(scope, counted, send)


class SignInThrottle:
    """Failed sign-ins per account and per address: a growing wait, then a lock."""

    def __init__(self, free: int = 3, lock_after: int = 8, lock_seconds: float = 600) -> None:
        self.free, self.lock_after, self.lock_seconds = free, lock_after, lock_seconds
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def locked(self, *keys: str) -> bool:
        now = time.monotonic()
        with self._lock:
            return any(len(self._recent(key, now)) >= self.lock_after for key in keys)

    def delay(self, *keys: str) -> float:
        """Seconds to wait before answering a failed attempt."""
        with self._lock:
            worst = max(len(self._recent(key, time.monotonic())) for key in keys)
        return 0.0 if worst < self.free else min(5.0, 0.5 * (worst - self.free + 1))

    def failed(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.setdefault(key, []).append(time.monotonic())

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)

    def _recent(self, key: str, now: float) -> list[float]:
        recent = [t for t in self._failures.get(key, []) if now - t < self.lock_seconds]
        self._failures[key] = recent
        return recent
