"""One crawl of a site: robots.txt, seeds, pages, snapshots in the corpus, then indexing.

The order of a crawl:

1. ``/robots.txt`` (RFC 9309): unreachable or a 5xx, and the crawl stops
   there — an unreachable site changes nothing in the corpus.
2. Seeds: the start address, the addresses crawled before (so a page no
   longer linked is still checked), the sitemaps robots.txt names and
   ``/sitemap.xml`` (sitemap indexes and gzip followed), and the RSS/Atom
   feeds pages link to.
3. Breadth first within the rules (``corpus.crawl.frontier``), one request
   at a time to the host, ``crawl_delay`` apart (or the site's
   ``Crawl-delay``, capped at ``crawl_delay_max``); conditional requests
   (``If-None-Match``, ``If-Modified-Since``) for pages crawled before.
4. Each answer: a 304 is unchanged; a 404/410 of a known page is asked
   again once the rest of the site is crawled, and gone twice the page
   goes to the trash (never deleted); an HTML page marked ``noindex`` is not kept, one with a
   ``canonical`` elsewhere gives way to it, one with the content of a
   page already kept is a duplicate; the rest is written under
   ``web/<host>/<path>`` with its address and fetch date in the sidecar.
   Linked documents (PDF, office files…) are kept the same way.
5. What is new or changed is indexed, what was trashed is forgotten.
"""

from __future__ import annotations

import hashlib
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from docsearch.catalogue.staff import StaffMetadata, read_sidecar, sidecar_values
from docsearch.config import Settings
from docsearch.corpus.atomic import write_atomic
from docsearch.corpus.crawl.frontier import Frontier, Rules
from docsearch.corpus.crawl.page import read_page, robots_directives
from docsearch.corpus.crawl.robots import Robots, parse_robots
from docsearch.corpus.crawl.seeds import is_feed, parse_feed, parse_sitemap
from docsearch.corpus.crawl.urls import normalise, site_root
from docsearch.corpus.fetch import REDIRECTS, FetchError, Limits, Refused, Response, get
from docsearch.corpus.scan import resolve_inside, sidecar_path
from docsearch.corpus.write import corpus_lock, move_to_trash, write_sidecar
from docsearch.errors import UserError
from docsearch.extraction import sniff_kind
from docsearch.extraction.registry import READERS, canonical_suffix
from docsearch.index.lookup import find_document
from docsearch.index.update import RunReport, update_index
from docsearch.staff.ingest import as_utf8, place_in_corpus
from docsearch.staff.sites import CrawlReport, KnownPage, SiteStore, now_text

# What a crawl may read from sitemaps: a site with more is crawled by its links.
MAX_SITEMAPS = 20
MAX_SITEMAP_URLS = 50_000
GONE_STATUSES = (404, 410)
# A known page answering 404/410 is asked again once the rest of the site is
# crawled; gone both times, it goes to the trash (a page missing for the few
# seconds of a deploy is not lost). The count is kept in sites.sqlite3.
GONE_TWICE = 2

Indexer = Callable[[list[str], list[str]], RunReport | None]
_SLUG = re.compile(r"[^a-z0-9._-]+")


def crawl(settings: Settings, rules: Rules, store: SiteStore | None = None, index: Indexer | None = None,
          progress: Callable[[str], None] | None = None) -> CrawlReport:
    """Crawl one site; the report says what changed. ``index(only, forget)``
    indexes the changes (by default ``update_index`` at once)."""
    store = store or SiteStore(settings.instance_dir)
    start = normalise(rules.start_url)
    if start is None:
        raise UserError(f"{rules.start_url[:200]!r} n'est pas une adresse web valide")
    rules = replace(rules, start_url=start)
    if not store.begin(start):
        raise UserError(f"{start} : une exploration de ce site est déjà en cours")
    run = _Run(settings, rules, store, progress or (lambda _line: None))
    try:
        try:
            run.crawl()
        finally:  # what was written is indexed, even if the crawl stopped half-way
            if run.to_index or run.to_forget:
                outcome = (index or _index_now(settings))(run.to_index, run.to_forget)
                for relpath, (reason, detail) in (outcome.failed.items() if outcome else ()):
                    run.report.failed.append((relpath, f"illisible : {reason} ({detail})"))
    finally:
        run.report.finished = now_text()
        store.finish(run.report)
    return run.report


def _index_now(settings: Settings) -> Indexer:
    def index(only: list[str], forget: list[str]) -> RunReport:
        return update_index(settings, only=only, forget=forget)
    return index


@dataclass
class _Pacer:
    """One request at a time to the host, ``delay`` seconds apart."""

    delay: float
    last: float = 0.0

    def wait(self) -> None:
        pause = self.last + self.delay - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        self.last = time.monotonic()


class _Run:
    def __init__(self, settings: Settings, rules: Rules, store: SiteStore, progress: Callable[[str], None]) -> None:
        self.settings, self.rules, self.store, self.progress = settings, rules, store, progress
        self.limits = Limits(settings.fetch_timeout, settings.fetch_max_mb * 1024 * 1024, settings.fetch_private,
                             settings.fetch_max_redirects, settings.user_agent)
        self.report = CrawlReport(rules.start_url, started=now_text())
        self.frontier = Frontier(rules)
        self.pacer = _Pacer(settings.crawl_delay)
        self.robots = Robots(None)
        self.pages_fetched = 0
        self.kept_hashes: dict[str, str] = {}  # content hash → address kept this crawl
        self.to_index: list[str] = []
        self.to_forget: list[str] = []
        self.rechecks: list[tuple[str, int]] = []  # known pages that answered 404/410 once

    # The crawl --------------------------------------------------------------

    def crawl(self) -> None:
        if not self._read_robots():
            return
        start = self.rules.start_url
        self.frontier.add(start, 0)
        for known in self.store.pages(start):
            self.frontier.add(known.url, 1)
        self._read_sitemaps()
        while self.pages_fetched < self.rules.max_pages and (item := self.frontier.pop()) is not None:
            url, depth = item
            if not self.robots.allowed(url):
                self.report.skipped.append((url, "interdit par robots.txt"))
                continue
            self._visit(url, depth)
            if url == start and self.report.unreachable:
                return
        rechecks, self.rechecks = self.rechecks, []
        for url, depth in rechecks:
            self._visit(url, depth, again=True)

    def _request(self, url: str, headers: dict[str, str] | None = None, follow: bool = False) -> Response:
        self.pacer.wait()
        self.report.requests += 1
        self.progress(url)
        return get(url, self.limits, headers, self._followed if follow else None)

    def _followed(self, target: str) -> bool:
        """A redirect is followed only within the site and its robots.txt, and
        not to an address this crawl visits anyway (it would be fetched twice)."""
        url = normalise(target)
        return url is not None and url not in self.frontier.seen and self.rules.in_scope(url) and self.robots.allowed(url)

    def _read_robots(self) -> bool:
        """The site's rules; False (and the report says why) when the site cannot be crawled."""
        url = site_root(self.rules.start_url) + "robots.txt"
        try:
            response = self._request(url)
        except Refused as exc:
            self.report.unreachable = f"{exc.reason} : rien n'a changé"
            return False
        except FetchError as exc:
            if exc.unreachable:
                self.report.unreachable = f"site injoignable ({exc.reason}) : rien n'a changé"
                return False
            response = Response(url, 404, {}, b"")  # a robots.txt too large or redirected away: no rules
        self.robots = parse_robots(response.status, response.data)
        if self.robots.disallow_all:
            self.report.unreachable = (f"robots.txt a répondu {response.status} : le site est considéré comme fermé"
                                       " aux robots (RFC 9309), rien n'a changé")
            return False
        asked = self.robots.crawl_delay()
        self.pacer.delay = min(max(asked or 0.0, self.settings.crawl_delay), self.settings.crawl_delay_max)
        return True

    def _read_sitemaps(self) -> None:
        pending = list(dict.fromkeys([*self.robots.sitemaps(), site_root(self.rules.start_url) + "sitemap.xml"]))
        read: set[str] = set()
        found = 0
        while pending and len(read) < MAX_SITEMAPS:
            url = normalise(pending.pop(0))
            if url is None or url in read or not self.robots.allowed(url):
                continue
            read.add(url)
            try:
                response = self._request(url)
            except FetchError as exc:
                self.report.failed.append((url, f"plan du site illisible : {exc.reason}"))
                continue
            if response.status != 200:
                if url not in self.robots.sitemaps() and response.status in GONE_STATUSES:
                    continue  # no /sitemap.xml: the usual case, not a failure
                self.report.failed.append((url, f"plan du site : le serveur a répondu {response.status}"))
                continue
            sitemap = parse_sitemap(response.data, self.limits.max_bytes)
            pending.extend(sitemap.sitemaps)
            for page in sitemap.pages[: MAX_SITEMAP_URLS - found]:
                target = normalise(page)
                if target is not None and self.frontier.add(target, 1):
                    found += 1

    def _visit(self, url: str, depth: int, again: bool = False) -> None:
        known = self.store.page(url)
        snapshot = self._snapshot(known)
        headers: dict[str, str] = {}
        if known is not None and snapshot is not None:
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
        try:
            response = self._request(url, headers, follow=True)
        except FetchError as exc:
            if url == self.rules.start_url and exc.unreachable:
                self.report.unreachable = f"site injoignable ({exc.reason}) : rien n'a changé"
            else:
                self.report.failed.append((url, exc.reason))
            return
        self.pages_fetched += 1
        self.report.found += 1
        final = normalise(response.url) or url
        if response.status in REDIRECTS:  # a redirect not followed
            location = response.headers.get("location", "")
            target = normalise(location, response.url)
            if target is not None and target in self.frontier.seen:
                self.report.skipped.append((url, f"redirige vers une adresse explorée par ailleurs ({target})"))
            else:
                self.report.skipped.append((url, f"redirige hors du site ou vers une adresse interdite ({(target or location)[:200]})"))
            return
        if final != url and not again:
            if final in self.frontier.seen:
                self.report.skipped.append((url, f"redirige vers une adresse déjà explorée ({final})"))
                return
            self.frontier.seen.add(final)
            known = self.store.page(final)
            snapshot = self._snapshot(known)
        if response.status in GONE_STATUSES:
            self._gone(final, depth, known, response.status)
            return
        if response.status == 304 and snapshot is not None:
            data = snapshot.read_bytes()
        elif 200 <= response.status < 300:
            data = response.data
        else:
            self.report.failed.append((final, f"le serveur a répondu {response.status}"))
            return
        self._take(final, depth, response, data, known)

    def _take(self, url: str, depth: int, response: Response, data: bytes, known: KnownPage | None) -> None:
        kind = sniff_kind(data)
        if is_feed(data):  # read for its items, not kept
            for link in parse_feed(data):
                target = normalise(link, url)
                if target is not None:
                    self.frontier.add(target, depth + 1)
            return
        if kind == "html":
            info = read_page(data, url, response.headers.get("x-robots-tag", ""))
            for link in info.links:
                self.frontier.add(link, depth + 1)
            for feed in info.feeds:
                self.frontier.add(feed, depth + 1)
            if info.noindex:
                self.report.skipped.append((url, "page marquée « noindex »"))
                return
            if info.canonical and info.canonical != url and self.rules.in_scope(info.canonical):
                self.frontier.add(info.canonical, depth)
                self.report.skipped.append((url, f"adresse canonique : {info.canonical}"))
                return
            data = as_utf8(data, response.charset) if response.status != 304 else data
        elif kind is None or kind not in READERS:
            self.report.skipped.append((url, f"format non pris en charge ({response.content_type})"))
            return
        elif {"noindex", "none"} & robots_directives(response.headers.get("x-robots-tag", "")):
            self.report.skipped.append((url, "document marqué « noindex » (X-Robots-Tag)"))
            return
        self._keep(url, kind, response, data, known)

    def _keep(self, url: str, kind: str, response: Response, data: bytes, known: KnownPage | None) -> None:
        sha = hashlib.sha256(data).hexdigest()
        fetched = now_text()
        etag, modified = response.headers.get("etag", ""), response.headers.get("last-modified", "")
        snapshot = self._snapshot(known)
        if known is not None and snapshot is not None and (response.status == 304 or known.sha256 == sha):
            self.report.unchanged.append(url)
            self.store.save_page(self.rules.start_url, replace(known, etag=etag or known.etag,
                                                               last_modified=modified or known.last_modified, gone=0))
            self.kept_hashes.setdefault(known.sha256, url)
            return
        if known is not None and snapshot is None:  # staff withdrew it (or moved it): their choice stands
            self.report.skipped.append((url, "retirée du fonds par l'équipe : non reprise"))
            return
        twin = self._twin(sha, url)
        if twin:
            self.report.skipped.append((url, f"même contenu que {twin}"))
            return
        self.kept_hashes[sha] = url
        if known is not None and snapshot is not None:
            relpath = self._replace(snapshot, data, url, fetched)
            self.report.changed.append(url)
        else:
            folder, name = corpus_place(url, canonical_suffix(kind))
            relpath = place_in_corpus(self.settings, data, name, StaffMetadata(url=url, fetched=fetched), None, folder)
            self.report.new.append(url)
        self.to_index.append(relpath)
        self.store.save_page(self.rules.start_url, KnownPage(url, relpath, etag, modified, sha, 0, fetched))

    def _twin(self, sha: str, url: str) -> str:
        """Where this content already is (this crawl, another crawled page, or the corpus); "" if nowhere."""
        if sha in self.kept_hashes and self.kept_hashes[sha] != url:
            return self.kept_hashes[sha]
        other = self.store.page_with_hash(sha)
        if other is not None and other.url != url and self._snapshot(other) is not None:
            return other.url
        indexed = find_document(self.settings.index_dir, sha256=sha)
        return indexed.relpath if indexed is not None else ""

    def _replace(self, snapshot: Path, data: bytes, url: str, fetched: str) -> str:
        """A changed page: the same file, new content, the sidecar's fetch date renewed (staff's values kept)."""
        with corpus_lock(self.settings.corpus_dir):
            staff, _ = read_sidecar(sidecar_path(snapshot))
            write_sidecar(snapshot, sidecar_values(replace(staff, url=staff.url or url, fetched=fetched)))
            write_atomic(snapshot, data)
        return snapshot.relative_to(self.settings.corpus_dir.resolve()).as_posix()

    def _gone(self, url: str, depth: int, known: KnownPage | None, status: int) -> None:
        if known is None or self._snapshot(known) is None:
            self.report.failed.append((url, f"lien mort ({status})"))
            return
        gone = known.gone + 1
        if gone < GONE_TWICE:
            self.store.save_page(self.rules.start_url, replace(known, gone=gone))
            self.rechecks.append((url, depth))  # asked again at the end of the crawl
            return
        self.report.gone.append(url)
        move_to_trash(self.settings.corpus_dir, known.relpath)
        self.report.trashed.append(known.relpath)
        self.to_forget.append(known.relpath)
        self.store.forget_page(url)

    def _snapshot(self, known: KnownPage | None) -> Path | None:
        """The file a known page was kept in, if it is still in the corpus."""
        if known is None:
            return None
        try:
            path = resolve_inside(self.settings.corpus_dir, known.relpath)
        except UserError:
            return None
        return path if path.is_file() else None


def corpus_place(url: str, suffix: str) -> tuple[str, str]:
    """(folder, file name) of an address's snapshot: ``web/<host>/<path>``,
    every part made a plain ASCII name ("/actualités/" → ``web/h/actualites/index.html``)."""
    parts = urlsplit(url)
    host = _slug((parts.hostname or "site") + (f"-{parts.port}" if parts.port else ""))
    segments = [_slug(unquote(s)) for s in parts.path.split("/")]
    segments = [s for s in segments if s]
    if parts.path.endswith("/") or not segments:
        segments.append("index")
    name = segments.pop()
    stem = Path(name).stem if Path(name).suffix.lower() in (suffix, ".htm", ".php", ".asp", ".aspx", ".jsp") else name
    if parts.query:
        stem += "-" + _slug(parts.query)[:60]
    return "/".join(["web", host, *segments]), stem + suffix


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return _SLUG.sub("-", ascii_text).strip("-.")[:80]
