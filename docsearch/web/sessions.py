"""The staff session cookie: Starlette's signed-cookie sessions, HttpOnly,
SameSite=Lax, and Secure (``https_only``) for requests that came over HTTPS.

A request is over HTTPS when its scheme says so: the server's own TLS, a
proxy sending ``X-Forwarded-Proto`` (believed only from the addresses in
``DOCSEARCH_TRUSTED_PROXIES``), or ``DOCSEARCH_PUBLIC_URL`` starting with ``https://`` (then
``PublicAddress`` gives every request that scheme). Over plain HTTP the
cookie is not marked Secure, or a browser would never send it back there.
"""

from __future__ import annotations

from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

SESSION_COOKIE = "docsearch_session"
SESSION_HOURS = 12


class Sessions:
    def __init__(self, app: ASGIApp, secret_key: str) -> None:
        def sessions(https_only: bool) -> SessionMiddleware:
            return SessionMiddleware(app, secret_key=secret_key, session_cookie=SESSION_COOKIE, same_site="lax",
                                     max_age=SESSION_HOURS * 3600, https_only=https_only)

        self.plain, self.secure = sessions(False), sessions(True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        sessions = self.secure if scope.get("scheme") in ("https", "wss") else self.plain
        await sessions(scope, receive, send)
