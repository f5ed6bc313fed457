"""Who may use which staff page: one table, checked in one place (``StaffGate``).

``ROUTE_ROLES`` maps a staff route — its method and its path inside
``/gestion``, exactly as its ``Route`` spells it — to the least role that
may use it (``staff.accounts.ROLES``: contributeur < documentaliste <
administrateur). **A /gestion route missing from the table needs a
documentaliste**: a route added later is protected without anyone thinking
of it; only the routes a contributor or an administrator needs are listed.
``required_role`` finds a request's route among the mounted ones;
``StaffGate`` (``web/security.py``) answers 403 with a French page below it.

``staff_context`` gives every template (public pages too) ``staff``: the
signed-in account and what its role allows, or None for a visitor (whose
request never touches the session, so visitors still get no cookie), and
``flash``: the confirmation of the last action, shown once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.requests import HTTPConnection, Request
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

from docsearch.staff.accounts import ROLES, Accounts, role_rank

CONTRIBUTOR, DOCUMENTALIST, ADMINISTRATOR = "contributeur", "documentaliste", "administrateur"
DEFAULT_ROLE = DOCUMENTALIST  # of any /gestion route not in the table

# (method, path inside /gestion as the Route writes it) → the least role allowed.
ROUTE_ROLES: dict[tuple[str, str], str] = {
    ("GET", "/"): CONTRIBUTOR,
    ("POST", "/deconnexion"): CONTRIBUTOR,
    ("GET", "/ajouter"): CONTRIBUTOR,
    ("POST", "/ajouter"): CONTRIBUTOR,
    ("GET", "/brouillons/{draft_id:str}"): CONTRIBUTOR,
    ("POST", "/brouillons/{draft_id:str}/proposer"): CONTRIBUTOR,
    ("POST", "/brouillons/{draft_id:str}/abandonner"): CONTRIBUTOR,
    ("GET", "/brouillons"): CONTRIBUTOR,  # their own drafts; publishing them together needs a documentaliste
    ("GET", "/brouillons/{draft_id:str}/apercu"): CONTRIBUTOR,
    ("GET", "/comptes"): ADMINISTRATOR,
    ("POST", "/comptes/role"): ADMINISTRATOR,
    ("GET", "/vocabulaires"): ADMINISTRATOR,
    ("POST", "/vocabulaires/ajouter"): ADMINISTRATOR,
    ("POST", "/vocabulaires/modifier"): ADMINISTRATOR,
    ("POST", "/vocabulaires/fusionner"): ADMINISTRATOR,
    ("POST", "/vocabulaires/retirer"): ADMINISTRATOR,
    ("POST", "/vocabulaires/synonymes"): ADMINISTRATOR,
    ("POST", "/vocabulaires/thesaurus"): ADMINISTRATOR,
}

FLASH = "flash"  # the session key of the confirmation shown on the next page


def route_role(method: str, path: str) -> str:
    """The least role of a route (its method and its path as the Route spells it)."""
    return ROUTE_ROLES.get((method, path), DEFAULT_ROLE)


def required_role(scope: Scope, routes: Sequence[BaseRoute]) -> str:
    """The least role for this request: that of the route it reaches, else
    the default (an unknown path is a 404 for a documentalist, a 403 below)."""
    method = "GET" if scope["method"] == "HEAD" else scope["method"]
    for route in routes:
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return route_role(method, str(getattr(route, "path", "")))
    return DEFAULT_ROLE


def allows(role: str | None, required: str) -> bool:
    return role_rank(role) >= role_rank(required)


@dataclass(frozen=True)
class StaffUser:
    """The signed-in account, as templates see it."""

    name: str
    role: str

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    @property
    def documentalist(self) -> bool:
        """May edit, publish and withdraw documents."""
        return allows(self.role, DOCUMENTALIST)

    @property
    def administrator(self) -> bool:
        return allows(self.role, ADMINISTRATOR)


def current_user(connection: HTTPConnection, accounts: Accounts) -> StaffUser | None:
    """The signed-in account of a valid session, else None (without touching
    the session of a visitor, who has none)."""
    if "session" not in connection.scope or not connection.session.get("user"):
        return None
    name = str(connection.session["user"])
    if accounts.session_version(name) != connection.session.get("v"):
        return None
    role = accounts.role(name)
    return StaffUser(name, role) if role else None


def flash(request: Request, message: str) -> None:
    """A confirmation for the next page shown (``role="status"``)."""
    request.session[FLASH] = message[:500]


def staff_context(accounts: Accounts) -> Callable[[Request], dict[str, Any]]:
    def context(request: Request) -> dict[str, Any]:
        user = current_user(request, accounts)
        # A page, not a feed or a description a program fetches: only a page shows the message.
        page = not request.url.path.endswith((".atom", ".xml"))
        message = request.session.pop(FLASH, None) if user and page else None
        return {"staff": user, "flash": message}

    return context
