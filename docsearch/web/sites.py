""""Sites suivis" (/gestion/sites): the sites the centre crawls, their rules,
their last crawl's report, "run now" and the schedule.

Mounted under /gestion with the other staff pages (signed-in staff only);
every form goes through ``read_form`` (CSRF token). A crawl runs in a thread
of its own (``staff.schedule.Crawls``): the page says it is running and
reloads itself until the report is there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from docsearch.config import Settings
from docsearch.corpus.crawl.frontier import Rules
from docsearch.corpus.crawl.urls import normalise
from docsearch.corpus.fetch import check_url
from docsearch.errors import UserError
from docsearch.index.queue import IndexQueue
from docsearch.index.update import RunReport
from docsearch.staff.crawl import Indexer
from docsearch.staff.schedule import Crawls
from docsearch.staff.sites import SCHEDULE_LABELS, SCHEDULES, Site
from docsearch.web.security import read_form
from docsearch.web.urls import Urls

# How long a crawl waits for the indexing of its changes (queued behind staff's own).
INDEX_WAIT = 600.0


@dataclass
class SiteForm:
    """The "add a site" form: what was typed (to show it again) and the errors, per field."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    rules: Rules | None = None
    schedule: str = ""


class SitesViews:
    def __init__(self, settings: Settings, queue: IndexQueue, page: Callable[..., Response]) -> None:
        self.settings, self.page = settings, page  # page: StaffViews._page (the staff layout, CSRF token, user)
        self.crawls = Crawls(settings, _queued(queue))

    def routes(self) -> list[Route]:
        return [
            Route("/sites", self.list_page, methods=["GET"], name="staff_sites"),
            Route("/sites", self.add, methods=["POST"]),
            Route("/sites/{site_id:str}", self.site_page, methods=["GET"], name="staff_site"),
            Route("/sites/{site_id:str}/lancer", self.run_now, methods=["POST"], name="staff_site_run"),
            Route("/sites/{site_id:str}/frequence", self.reschedule, methods=["POST"], name="staff_site_schedule"),
            Route("/sites/{site_id:str}/retirer", self.remove, methods=["POST"], name="staff_site_remove"),
        ]

    async def list_page(self, request: Request) -> Response:
        sites = await run_in_threadpool(self.crawls.store.sites)
        return self._list(request, sites, SiteForm(values=self._defaults()))

    async def add(self, request: Request) -> Response:
        form = await read_form(request)
        filled = read_site_form(form, self.settings)
        if filled.rules is None:
            sites = await run_in_threadpool(self.crawls.store.sites)
            return self._list(request, sites, filled, status=400)
        site_id = await run_in_threadpool(self.crawls.store.add_site, filled.rules, filled.schedule)
        if _text(form, "lancer"):
            site = await run_in_threadpool(self._site, site_id)
            self.crawls.start(site)
        return RedirectResponse(Urls.of(request).staff(f"/sites/{site_id}"), status_code=303)

    async def site_page(self, request: Request) -> Response:
        site = await run_in_threadpool(self._site, request.path_params["site_id"])
        return self.page(request, "sites/site.html", site=site, report=site.last, schedules=SCHEDULE_LABELS, when=when)

    async def run_now(self, request: Request) -> Response:
        await read_form(request)
        site = await run_in_threadpool(self._site, request.path_params["site_id"])
        if not site.running_since:
            self.crawls.start(site)
        return RedirectResponse(Urls.of(request).staff(f"/sites/{site.id}"), status_code=303)

    async def reschedule(self, request: Request) -> Response:
        form = await read_form(request)
        site = await run_in_threadpool(self._site, request.path_params["site_id"])
        schedule = _text(form, "frequence")
        if schedule not in SCHEDULES:
            raise HTTPException(400, "Fréquence inconnue : choisissez à la demande, chaque jour ou chaque semaine.")
        await run_in_threadpool(self.crawls.store.add_site, site.rules, schedule)
        return RedirectResponse(Urls.of(request).staff(f"/sites/{site.id}"), status_code=303)

    async def remove(self, request: Request) -> Response:
        await read_form(request)
        site = await run_in_threadpool(self._site, request.path_params["site_id"])
        await run_in_threadpool(self.crawls.store.remove_site, site.id)
        return RedirectResponse(Urls.of(request).staff("/sites"), status_code=303)

    def _site(self, site_id: int | str) -> Site:
        site = self.crawls.store.site(int(site_id)) if str(site_id).isdigit() and len(str(site_id)) < 12 else None
        if site is None:
            raise HTTPException(404, "Ce site n'est pas suivi (ou ne l'est plus).")
        return site

    def _list(self, request: Request, sites: list[Site], form: SiteForm, status: int = 200) -> Response:
        return self.page(request, "sites/list.html", status, sites=sites, form=form, schedules=SCHEDULE_LABELS, when=when)

    def _defaults(self) -> dict[str, str]:
        return {"pages": str(self.settings.crawl_max_pages), "profondeur": str(self.settings.crawl_max_depth)}


_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre")


def when(text: str) -> str:
    """"2026-12-01T13:12:35Z" as staff read it: "1 décembre 2026 à 13 h 12 (UTC)"."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):\d{2}Z", text or "")
    if not match:
        return text
    year, month, day, hour, minute = (int(g) for g in match.groups())
    return f"{day} {_MONTHS[month - 1]} {year} à {hour} h {minute:02d} (UTC)"


def read_site_form(form: FormData, settings: Settings) -> SiteForm:
    values = {name: _text(form, name).strip() for name in ("adresse", "pages", "profondeur", "inclure", "exclure", "prefixe",
                                                           "frequence")}
    filled = SiteForm(values=values, schedule=values["frequence"])
    start = normalise(values["adresse"]) if values["adresse"] else None
    if not values["adresse"]:
        filled.errors["adresse"] = "Indiquez l'adresse de départ du site (https://…)."
    else:
        try:
            check_url(values["adresse"])
            if start is None:
                raise UserError("adresse invalide")
        except UserError:
            filled.errors["adresse"] = "Cette adresse n'est pas une adresse web valide (http ou https, nom de serveur et port corrects)."
    pages = _number(values["pages"] or str(settings.crawl_max_pages), 1, 100_000)
    if pages is None:
        filled.errors["pages"] = "Un nombre de pages entre 1 et 100 000."
    depth = _number(values["profondeur"] or str(settings.crawl_max_depth), 0, 100)
    if depth is None:
        filled.errors["profondeur"] = "Une profondeur entre 0 et 100."
    prefix = values["prefixe"]
    if prefix and not prefix.startswith("/"):
        filled.errors["prefixe"] = "Un chemin du site commençant par « / » (par exemple /actualites/)."
    if filled.schedule not in SCHEDULES:
        filled.errors["frequence"] = "Fréquence inconnue."
    if filled.errors or start is None or pages is None or depth is None:
        return filled
    filled.rules = Rules(start, pages, depth, _lines(values["inclure"]), _lines(values["exclure"]), prefix)
    return filled


def _queued(queue: IndexQueue) -> Indexer:
    """Index a crawl's changes through the server's indexing queue (one writer)."""
    def index(only: list[str], forget: list[str]) -> RunReport | None:
        job = queue.submit(only=only, forget=forget)
        job.wait(INDEX_WAIT)
        return job.report
    return index


def _number(text: str, low: int, high: int) -> int | None:
    try:
        value = int(text)
    except ValueError:
        return None
    return value if low <= value <= high else None


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.replace(",", "\n").splitlines() if line.strip())


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""
