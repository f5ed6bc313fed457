"""The followed sites and what the crawler knows of their pages, in
``instance/sites.sqlite3`` (shared by the server's processes and the CLI).

- ``Site``: a start address, its rules, its schedule, its last report.
- ``KnownPage``: one crawled address: where its snapshot is in the corpus,
  its validators (``ETag``, ``Last-Modified``) for conditional requests, its
  content hash, and how many crawls in a row found it gone (404/410).

Pages are filed under their site's start address, so ``docsearch crawl URL``
and the "Sites suivis" page share what they know of the same site.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from docsearch.corpus.crawl.frontier import Rules
from docsearch.staff.shared import SharedDatabase

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sites (
    id INTEGER PRIMARY KEY,
    start_url TEXT NOT NULL UNIQUE,
    max_pages INTEGER NOT NULL,
    max_depth INTEGER NOT NULL,
    include TEXT NOT NULL DEFAULT '',
    exclude TEXT NOT NULL DEFAULT '',
    prefix TEXT NOT NULL DEFAULT '',
    schedule TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS crawls (
    start_url TEXT PRIMARY KEY,
    started TEXT NOT NULL,
    finished TEXT NOT NULL DEFAULT '',
    report TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY,
    start_url TEXT NOT NULL,
    relpath TEXT NOT NULL,
    etag TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    sha256 TEXT NOT NULL DEFAULT '',
    gone INTEGER NOT NULL DEFAULT 0,
    fetched TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS pages_by_site ON pages (start_url);
CREATE INDEX IF NOT EXISTS pages_by_hash ON pages (sha256)
"""

# How often a scheduled site is crawled (the values of the form's choice).
SCHEDULES = {"": None, "quotidien": timedelta(days=1), "hebdomadaire": timedelta(days=7)}
SCHEDULE_LABELS = {"": "à la demande", "quotidien": "chaque jour", "hebdomadaire": "chaque semaine"}


@dataclass
class CrawlReport:
    """What one crawl did, as staff read it (reasons in French)."""

    start_url: str
    started: str = ""
    finished: str = ""
    found: int = 0  # addresses answered (pages, documents, feeds)
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)  # 404/410 for a page crawled before
    trashed: list[str] = field(default_factory=list)  # corpus paths moved to the trash (gone twice)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (address, reason)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (address, reason): robots.txt, noindex, duplicate…
    unreachable: str = ""  # why the site could not be crawled at all: then nothing changed
    requests: int = 0  # every request made, robots.txt and sitemaps included

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> CrawlReport:
        raw = json.loads(text)
        raw["failed"] = [tuple(pair) for pair in raw.get("failed", [])]
        raw["skipped"] = [tuple(pair) for pair in raw.get("skipped", [])]
        return cls(**{k: v for k, v in raw.items() if k in cls.__dataclass_fields__})


@dataclass
class Site:
    id: int
    rules: Rules
    schedule: str  # a key of SCHEDULES
    created: str
    running_since: str = ""  # a crawl started and not finished
    last: CrawlReport | None = None

    @property
    def schedule_label(self) -> str:
        return SCHEDULE_LABELS.get(self.schedule, self.schedule)

    def due(self, now: datetime) -> bool:
        every = SCHEDULES.get(self.schedule)
        if every is None or self.running_since:
            return False
        if self.last is None or not self.last.started:
            return True
        return now - _parse(self.last.started) >= every - timedelta(minutes=5)  # a tick late must not skip a day


@dataclass
class KnownPage:
    url: str
    relpath: str
    etag: str = ""
    last_modified: str = ""
    sha256: str = ""
    gone: int = 0
    fetched: str = ""


class SiteStore:
    def __init__(self, instance: Path) -> None:
        self.db = SharedDatabase(instance / "sites.sqlite3", _SCHEMA)

    # Sites ----------------------------------------------------------------

    def add_site(self, rules: Rules, schedule: str) -> int:
        with self.db.transaction() as db:
            cursor = db.execute(
                "INSERT INTO sites (start_url, max_pages, max_depth, include, exclude, prefix, schedule, created)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (start_url) DO UPDATE SET max_pages = excluded.max_pages,"
                " max_depth = excluded.max_depth, include = excluded.include, exclude = excluded.exclude,"
                " prefix = excluded.prefix, schedule = excluded.schedule RETURNING id",
                (rules.start_url, rules.max_pages, rules.max_depth, "\n".join(rules.include), "\n".join(rules.exclude),
                 rules.prefix, schedule, now_text()))
            return int(cursor.fetchone()[0])

    def remove_site(self, site_id: int) -> None:
        """Stop following a site; its pages stay in the corpus (and in what is known of them)."""
        with self.db.transaction() as db:
            db.execute("DELETE FROM sites WHERE id = ?", (site_id,))

    def sites(self) -> list[Site]:
        with self.db.reading() as db:
            rows = db.execute("SELECT s.id, s.start_url, s.max_pages, s.max_depth, s.include, s.exclude, s.prefix, s.schedule,"
                              " s.created, c.started, c.finished, c.report FROM sites s LEFT JOIN crawls c"
                              " ON c.start_url = s.start_url ORDER BY s.start_url").fetchall()
        return [_site(row) for row in rows]

    def site(self, site_id: int) -> Site | None:
        return next((site for site in self.sites() if site.id == site_id), None)

    # Crawls ---------------------------------------------------------------

    def begin(self, start_url: str, stale_after: timedelta = timedelta(hours=6)) -> bool:
        """Mark a crawl of this site as running; False if one already is (one at a
        time per site). A crawl "running" for hours was killed with its process."""
        now = now_text()
        with self.db.transaction() as db:
            row = db.execute("SELECT started, finished FROM crawls WHERE start_url = ?", (start_url,)).fetchone()
            if row is not None and not row[1] and _parse(now) - _parse(row[0]) < stale_after:
                return False
            db.execute("INSERT INTO crawls (start_url, started, finished, report) VALUES (?, ?, '', '')"
                       " ON CONFLICT (start_url) DO UPDATE SET started = excluded.started, finished = ''", (start_url, now))
        return True

    def finish(self, report: CrawlReport) -> None:
        with self.db.transaction() as db:
            db.execute("UPDATE crawls SET finished = ?, report = ? WHERE start_url = ?",
                       (report.finished or now_text(), report.to_json(), report.start_url))

    def last_report(self, start_url: str) -> CrawlReport | None:
        with self.db.reading() as db:
            row = db.execute("SELECT report FROM crawls WHERE start_url = ?", (start_url,)).fetchone()
        return CrawlReport.from_json(row[0]) if row and row[0] else None

    # Pages ----------------------------------------------------------------

    def pages(self, start_url: str) -> list[KnownPage]:
        with self.db.reading() as db:
            rows = db.execute("SELECT url, relpath, etag, last_modified, sha256, gone, fetched FROM pages WHERE start_url = ?"
                              " ORDER BY url", (start_url,)).fetchall()
        return [KnownPage(*row) for row in rows]

    def page(self, url: str) -> KnownPage | None:
        with self.db.reading() as db:
            row = db.execute("SELECT url, relpath, etag, last_modified, sha256, gone, fetched FROM pages WHERE url = ?",
                             (url,)).fetchone()
        return KnownPage(*row) if row else None

    def page_with_hash(self, sha256: str) -> KnownPage | None:
        with self.db.reading() as db:
            row = db.execute("SELECT url, relpath, etag, last_modified, sha256, gone, fetched FROM pages WHERE sha256 = ?"
                             " LIMIT 1", (sha256,)).fetchone()
        return KnownPage(*row) if row else None

    def save_page(self, start_url: str, page: KnownPage) -> None:
        with self.db.transaction() as db:
            db.execute("INSERT INTO pages (url, start_url, relpath, etag, last_modified, sha256, gone, fetched)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET start_url = excluded.start_url,"
                       " relpath = excluded.relpath, etag = excluded.etag, last_modified = excluded.last_modified,"
                       " sha256 = excluded.sha256, gone = excluded.gone, fetched = excluded.fetched",
                       (page.url, start_url, page.relpath, page.etag, page.last_modified, page.sha256, page.gone, page.fetched))

    def forget_page(self, url: str) -> None:
        with self.db.transaction() as db:
            db.execute("DELETE FROM pages WHERE url = ?", (url,))


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _site(row: tuple[object, ...]) -> Site:
    (site_id, start_url, max_pages, max_depth, include, exclude, prefix, schedule, created, started, finished, report) = row
    rules = Rules(str(start_url), int(str(max_pages)), int(str(max_depth)), _lines(include), _lines(exclude), str(prefix))
    last = CrawlReport.from_json(str(report)) if report else None
    running = str(started) if started and not finished else ""
    return Site(int(str(site_id)), rules, str(schedule), str(created), running, last)


def _lines(value: object) -> tuple[str, ...]:
    return tuple(line.strip() for line in str(value or "").splitlines() if line.strip())
