"""Protection of the staff pages: session secret, sign-in, CSRF, body size.

- ``session_secret``: generated on first start, kept in the instance folder.
- ``StaffGate``: every route mounted under ``/gestion`` needs a signed-in
  account, except the sign-in page itself (a new route cannot be forgotten),
  whose role is at least the route's (``web/roles.py``: one table, with
  documentaliste for any route it does not list).
- ``read_form``: parses a POST form within the upload limit and refuses it
  without the session's CSRF token.
- ``BodyLimit``: refuses a request body over the limit before reading it.
- ``SignInThrottle``: after repeated failures, sign-in waits, then locks.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import sqlite3
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from docsearch.corpus.atomic import write_atomic
from docsearch.staff.accounts import ROLES, Accounts
from docsearch.staff.shared import SharedDatabase
from docsearch.web.roles import allows, required_role

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


def session_valid(connection: HTTPConnection, accounts: Accounts) -> bool:
    """A signed-in session whose account still exists, with the same password,
    and was not signed out since."""
    user = signed_in(connection)
    if not user:
        return False
    return accounts.session_version(user) == connection.session.get("v")


def csrf_token(connection: HTTPConnection) -> str:
    token = connection.session.get("csrf")
    if not token:
        token = connection.session["csrf"] = secrets.token_urlsafe(32)
    return token


FORM_FIELD_BYTES = 16 * 1024  # a text field; only files may be larger


async def read_form(request: Request, max_bytes: int = FORM_FIELD_BYTES, max_files: int = 0) -> FormData:
    """The POST form, refused (403) without this session's CSRF token.
    ``max_bytes`` bounds each part: keep the default except for uploads."""
    form = await request.form(max_files=max_files, max_fields=200, max_part_size=max_bytes)
    sent = str(form.get("csrf", ""))
    expected = request.session.get("csrf", "")
    if not expected or not hmac.compare_digest(sent, expected):
        await form.close()
        raise HTTPException(403, "Formulaire expiré ou invalide : rechargez la page et recommencez.")
    return form


class StaffGate:
    """Mounted on /gestion: no valid signed-in session, no staff page. Staff
    pages are never cached (they must not survive a sign-out in a browser)."""

    def __init__(self, app: ASGIApp, accounts: Accounts, routes: Sequence[BaseRoute] = (),
                 expired: Callable[[Request, str], Awaitable[Response]] | None = None) -> None:
        self.app, self.accounts, self.routes = app, accounts, routes
        self.expired = expired  # a form posted after the session ended: the sign-in page that keeps it

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        connection = HTTPConnection(scope)
        # The site's own path, without the prefix it may be served under (uvicorn --root-path).
        prefix = scope.get("app_root_path", "")
        path = scope["path"]
        path = path[len(prefix):] if prefix and path.startswith(prefix + "/") else path
        if path not in PUBLIC_STAFF_PATHS and not session_valid(connection, self.accounts):
            connection.session.pop("user", None)
            response: Response
            if scope["method"] in ("GET", "HEAD"):
                response = RedirectResponse(f"{prefix}{SIGN_IN_PATH}?suite={quote(path)}", status_code=303)
            elif self.expired is not None:
                response = await self.expired(Request(scope, receive), path)
            else:
                response = PlainTextResponse("Connexion requise.", status_code=403)
            await response(scope, receive, send)
            return
        if path not in PUBLIC_STAFF_PATHS:
            role, required = self.accounts.role(str(signed_in(connection))), required_role(scope, self.routes)
            if not allows(role, required):
                raise HTTPException(403, f"Cette page est réservée au rôle « {ROLES[required]} » ou au-dessus ; "
                                         f"votre compte a le rôle « {ROLES.get(role or '', role)} ».")

        async def no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"cache-control", b"no-store")]
            await send(message)

        await self.app(scope, receive, no_store)


class BodyLimit:
    """413 for a body over ``limit`` bytes: by its declared length before any
    byte is read, or as soon as a streamed body goes past it."""

    def __init__(self, app: ASGIApp, limit: int, message: str = "Fichier trop volumineux.") -> None:
        self.app, self.limit, self.message = app, limit, message

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await PlainTextResponse(self.message, status_code=413)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise HTTPException(413, self.message)
            return message

        await self.app(scope, counted, send)


class SignInThrottle:
    """Failed sign-ins: each account slows down after a few failures (for
    everyone, so guessing stays slow), and a name tried from one address is
    locked for a while after more (so nobody locks a colleague out from
    elsewhere). Attempts are counted before the password is checked, so
    parallel guesses cannot slip through, and old entries are dropped.

    The attempts are kept in ``instance/sign-in.sqlite3``, so the limits hold
    across the worker processes of ``docsearch serve --workers N``. ``clock``
    (seconds, wall-clock: the attempts outlive a restart) and ``sleep`` (the
    slow-down) can be replaced, so tests need not wait."""

    def __init__(self, instance: Path, free: int = 3, lock_after: int = 8, window: float = 600,
                 max_keys: int = 10_000, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.free, self.lock_after, self.window, self.max_keys = free, lock_after, window, max_keys
        self.clock, self.sleep = clock, sleep
        self.db = SharedDatabase(instance / "sign-in.sqlite3", _THROTTLE_SCHEMA)

    def attempt(self, name: str, client: str) -> tuple[bool, float]:
        """Record one attempt; whether it may go on, and how long it waits first."""
        now = self.clock()
        pair, account = _keys(name, client)
        with self.db.transaction() as db:
            db.execute("DELETE FROM attempts WHERE at <= ?", (now - self.window,))
            if self._count(db, pair, now) >= self.lock_after:
                return False, 0.0
            db.executemany("INSERT INTO attempts (key, at) VALUES (?, ?)", [(pair, now), (account, now)])
            tries = self._count(db, account, now)
            self._bound(db)
        return True, 0.0 if tries <= self.free else min(5.0, 0.5 * (tries - self.free))

    def succeeded(self, name: str, client: str) -> None:
        with self.db.transaction() as db:
            db.execute("DELETE FROM attempts WHERE key IN (?, ?)", _keys(name, client))

    def _count(self, db: sqlite3.Connection, key: str, now: float) -> int:
        (count,) = db.execute("SELECT count(*) FROM attempts WHERE key = ? AND at > ?", (key, now - self.window)).fetchone()
        return int(count)

    def _bound(self, db: sqlite3.Connection) -> None:
        """Still too many names after dropping the old attempts (someone trying
        thousands): forget the names tried longest ago."""
        (keys,) = db.execute("SELECT count(DISTINCT key) FROM attempts").fetchone()
        if keys > self.max_keys:
            db.execute("DELETE FROM attempts WHERE key IN (SELECT key FROM attempts GROUP BY key "
                       "ORDER BY max(at) LIMIT ?)", (keys - self.max_keys,))


def _keys(name: str, client: str) -> tuple[str, str]:
    """The keys of a name tried from an address, and of the name: digests, so
    the file on disk keeps no address in clear."""
    return (hashlib.sha256(f"{name}|{client}".encode()).hexdigest()[:32],
            hashlib.sha256(f"name:{name}".encode()).hexdigest()[:32])


_THROTTLE_SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (key TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS attempts_by_key ON attempts (key, at);
CREATE INDEX IF NOT EXISTS attempts_by_time ON attempts (at)
"""
